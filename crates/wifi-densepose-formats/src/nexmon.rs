//! nexmon_csi captures: pcap files of the UDP packets (port 5500) the patched firmware sends.
//!
//! Each UDP payload is an 18-byte header and `nfft` 32-bit CSI words (`nfft` = 64, 128, 256 or
//! 512 for 20, 40, 80 or 160 MHz):
//!
//! | bytes | field |
//! |---|---|
//! | 0..2 | magic `0x1111` |
//! | 2 | RSSI, signed dBm |
//! | 3 | frame control byte |
//! | 4..10 | source MAC |
//! | 10..12 | sequence number (LE) |
//! | 12..14 | core (bits 0..2) and spatial stream (bits 3..5) (LE) |
//! | 14..16 | chanspec (LE; low byte = channel) |
//! | 16..18 | chip version (LE) |
//! | 18.. | CSI |
//!
//! The CSI encoding depends on the chip, as in nexmon_csi's `csireader.m`: BCM4339 and
//! BCM43455c0 send int16 real, imaginary pairs; BCM4358 and BCM4366c0 send a packed
//! floating-point format (`unpack_float.c`: 9-bit mantissas and 5-bit exponent, resp. 12 and 6)
//! decoded to integers with a common exponent. One frame per packet: one (core, spatial stream)
//! pair, so `n_rx = n_tx = 1` and `core` and `spatial_stream` are metadata.

use std::io::BufRead;

use num_complex::Complex64;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::{u16_be, u16_le, u32_be, u32_le, Source};
use crate::{Format, FrameReader};

/// The nexmon_csi header's magic.
pub const MAGIC: u16 = 0x1111;
/// Bytes of the nexmon_csi header before the CSI words.
pub const HEADER_LEN: usize = 18;
const PCAP_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
const LINKTYPE_ETHERNET: u32 = 1;

/// A chip family, which decides the CSI encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NexmonChip {
    Bcm4339,
    Bcm43455c0,
    Bcm4358,
    Bcm4366c0,
}

impl NexmonChip {
    pub const ALL: [NexmonChip; 4] = [
        NexmonChip::Bcm4339,
        NexmonChip::Bcm43455c0,
        NexmonChip::Bcm4358,
        NexmonChip::Bcm4366c0,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NexmonChip::Bcm4339 => "4339",
            NexmonChip::Bcm43455c0 => "43455c0",
            NexmonChip::Bcm4358 => "4358",
            NexmonChip::Bcm4366c0 => "4366c0",
        }
    }

    /// `"4358"`, `"bcm4358"`, ... (case-insensitive).
    pub fn from_name(name: &str) -> Option<NexmonChip> {
        let lower = name.to_ascii_lowercase();
        let bare = lower.strip_prefix("bcm").unwrap_or(&lower);
        NexmonChip::ALL.into_iter().find(|c| c.as_str() == bare)
    }

    /// The chip of a header's chip-version field, for the values the firmware builds are known
    /// to send (the BCM4358 example firmware sends `0xDEAD`).
    pub fn from_version(version: u16) -> Option<NexmonChip> {
        match version {
            0x0001 => Some(NexmonChip::Bcm4339),
            0x0065 | 0xA6DC => Some(NexmonChip::Bcm43455c0),
            0x0003 | 0xDEAD => Some(NexmonChip::Bcm4358),
            0x006A | 0xE834 => Some(NexmonChip::Bcm4366c0),
            _ => None,
        }
    }
}

/// `unpack_float_acphy` of nexmon_csi: `nfft` packed words to integer I, Q pairs with the
/// block's common exponent (10 output bits, autoscaled).
fn unpack_float(words: &[u32], nman: u32, nexp: u32, out: &mut Vec<Complex64>) {
    const NBITS: i32 = 10;
    let iq_mask = (1u32 << (nman - 1)) - 1;
    let e_mask = (1u32 << nexp) - 1;
    let e_p = 1i32 << (nexp - 1);
    let sgnr_mask = 1u32 << (nexp + 2 * nman - 1);
    let sgni_mask = sgnr_mask >> nman;
    let e_zero = -(nman as i32);
    let mut maxbit = -e_p;
    let mut exps = Vec::with_capacity(words.len());
    for &h in words {
        let vi = (h >> (nexp + nman)) & iq_mask;
        let vq = (h >> nexp) & iq_mask;
        let mut e = (h & e_mask) as i32;
        if e >= e_p {
            e -= e_p << 1;
        }
        exps.push(e);
        let x = vi | vq;
        if x != 0 {
            // The highest set bit of x, added to the exponent.
            let top = e + (31 - x.leading_zeros() as i32);
            maxbit = maxbit.max(top);
        }
    }
    let shft = NBITS - maxbit;
    let scale = |v: u32, negative: bool, e: i32| -> f64 {
        let mag = if e < e_zero {
            0
        } else if e < 0 {
            v >> (-e) as u32
        } else if e < 32 {
            v.wrapping_shl(e as u32)
        } else {
            0
        };
        let value = mag as i32;
        f64::from(if negative {
            value.wrapping_neg()
        } else {
            value
        })
    };
    for (&h, &e) in words.iter().zip(&exps) {
        let vi = (h >> (nexp + nman)) & iq_mask;
        let vq = (h >> nexp) & iq_mask;
        let e = e + shft;
        out.push(Complex64::new(
            scale(vi, h & sgnr_mask != 0, e),
            scale(vq, h & sgni_mask != 0, e),
        ));
    }
}

/// Decodes `nfft` CSI words (`4·nfft` bytes, little-endian) for `chip`.
pub fn decode_csi(chip: NexmonChip, bytes: &[u8]) -> Vec<Complex64> {
    let nfft = bytes.len() / 4;
    let mut out = Vec::with_capacity(nfft);
    match chip {
        NexmonChip::Bcm4339 | NexmonChip::Bcm43455c0 => {
            for w in bytes.chunks_exact(4) {
                let re = i16::from_le_bytes([w[0], w[1]]);
                let im = i16::from_le_bytes([w[2], w[3]]);
                out.push(Complex64::new(f64::from(re), f64::from(im)));
            }
        }
        NexmonChip::Bcm4358 | NexmonChip::Bcm4366c0 => {
            let words: Vec<u32> = bytes
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .collect();
            let (nman, nexp) = if chip == NexmonChip::Bcm4358 {
                (9, 5)
            } else {
                (12, 6)
            };
            unpack_float(&words, nman, nexp, &mut out);
        }
    }
    out
}

/// pcap byte order and timestamp resolution from the magic.
fn pcap_magic(b: &[u8]) -> Option<(bool, f64)> {
    match u32_le(b, 0) {
        0xA1B2_C3D4 => Some((false, 1e-6)),
        0xA1B2_3C4D => Some((false, 1e-9)),
        0xD4C3_B2A1 => Some((true, 1e-6)),
        0x4D3C_B2A1 => Some((true, 1e-9)),
        _ => None,
    }
}

/// Whether `head` is a pcap file (Ethernet link type).
pub fn sniff(head: &[u8]) -> Result<(), String> {
    if head.len() < PCAP_HEADER_LEN {
        return Err("shorter than a pcap header".into());
    }
    let Some((big, _)) = pcap_magic(head) else {
        return Err("no pcap magic".into());
    };
    let link = if big {
        u32_be(head, 20)
    } else {
        u32_le(head, 20)
    };
    if link != LINKTYPE_ETHERNET {
        return Err(format!("pcap link type {link}, not Ethernet"));
    }
    Ok(())
}

/// The UDP payload of an Ethernet/IPv4/UDP packet, or `None` for any other packet.
fn udp_payload(packet: &[u8]) -> Option<(usize, &[u8])> {
    let mut at = 12;
    let mut ethertype = u16_be(packet.get(..14)?, at);
    if ethertype == 0x8100 {
        at += 4;
        ethertype = u16_be(packet.get(..at + 2)?, at);
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = at + 2;
    let ihl = usize::from(*packet.get(ip)? & 0x0F) * 4;
    if ihl < 20 || *packet.get(ip + 9)? != 17 {
        return None;
    }
    let udp = ip + ihl;
    let start = udp + 8;
    (packet.len() >= start).then(|| (start, &packet[start..]))
}

/// Streams CSI packets as frames. Metadata: `rssi_dbm`, `frame_control`, `sequence`, `core`,
/// `spatial_stream`, `chanspec`, `channel`, `bandwidth_mhz`, `chip_version`; source MAC.
#[derive(Debug)]
pub struct NexmonReader<R> {
    src: Source<R>,
    chip: Option<NexmonChip>,
    big_endian: bool,
    ts_unit: f64,
    started: bool,
    buf: Vec<u8>,
}

impl<R: BufRead> NexmonReader<R> {
    pub fn new(inner: R, len: u64, chip: Option<NexmonChip>) -> FormatResult<Self> {
        Ok(NexmonReader {
            src: Source::new(inner, len, Format::Nexmon),
            chip,
            big_endian: false,
            ts_unit: 1e-6,
            started: false,
            buf: Vec::new(),
        })
    }

    fn start(&mut self) -> FormatResult<()> {
        let mut head = [0u8; PCAP_HEADER_LEN];
        self.src.read_exact(&mut head, "pcap header")?;
        let Some((big, unit)) = pcap_magic(&head) else {
            return Err(FormatError::malformed(
                Format::Nexmon,
                0,
                Reason::BadMagic,
                format!("pcap magic 0x{:08X}", u32_le(&head, 0)),
            ));
        };
        let link = if big {
            u32_be(&head, 20)
        } else {
            u32_le(&head, 20)
        };
        if link != LINKTYPE_ETHERNET {
            return Err(FormatError::malformed(
                Format::Nexmon,
                20,
                Reason::InvalidField,
                format!("pcap link type {link}, only Ethernet (1) is read"),
            ));
        }
        self.big_endian = big;
        self.ts_unit = unit;
        self.started = true;
        Ok(())
    }
}

impl<R: BufRead + Send + Sync> FrameReader for NexmonReader<R> {
    fn format(&self) -> Format {
        Format::Nexmon
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        if !self.started {
            self.start()?;
        }
        loop {
            if self.src.at_end() {
                return Ok(None);
            }
            let record_at = self.src.position();
            let mut rh = [0u8; RECORD_HEADER_LEN];
            self.src.read_exact(&mut rh, "pcap record header")?;
            let word = |i: usize| {
                if self.big_endian {
                    u32_be(&rh, i)
                } else {
                    u32_le(&rh, i)
                }
            };
            let (ts_sec, ts_frac, incl_len) = (word(0), word(4), word(8));
            let packet_at = self.src.position();
            self.src
                .read_into(&mut self.buf, u64::from(incl_len), "pcap packet")?;
            let Some((payload_off, payload)) = udp_payload(&self.buf) else {
                continue;
            };
            if payload.len() < 2 || u16_le(payload, 0) != MAGIC {
                continue;
            }
            let at = |i: usize| packet_at + (payload_off + i) as u64;
            if payload.len() < HEADER_LEN {
                return Err(FormatError::malformed(
                    Format::Nexmon,
                    at(0),
                    Reason::LengthMismatch,
                    format!("nexmon header of {} bytes, needs 18", payload.len()),
                ));
            }
            let csi_bytes = &payload[HEADER_LEN..];
            let nfft = csi_bytes.len() / 4;
            if csi_bytes.len() % 4 != 0 || ![64, 128, 256, 512].contains(&nfft) {
                return Err(FormatError::malformed(
                    Format::Nexmon,
                    record_at + 8,
                    Reason::LengthMismatch,
                    format!(
                        "{} CSI bytes: not 4 × 64, 128, 256 or 512 subcarriers",
                        csi_bytes.len()
                    ),
                ));
            }
            let version = u16_le(payload, 16);
            let chip = match self.chip.or_else(|| NexmonChip::from_version(version)) {
                Some(c) => c,
                None => {
                    return Err(FormatError::malformed(
                        Format::Nexmon,
                        at(16),
                        Reason::InvalidField,
                        format!("unknown chip version 0x{version:04X}; name the chip (4339, 43455c0, 4358, 4366c0)"),
                    ))
                }
            };
            let csi = decode_csi(chip, csi_bytes);
            let css = u16_le(payload, 12);
            let chanspec = u16_le(payload, 14);
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&payload[4..10]);
            let mut frame = Frame::new(
                f64::from(ts_sec) + f64::from(ts_frac) * self.ts_unit,
                nfft,
                1,
                1,
                csi,
            );
            frame.meta = vec![
                ("rssi_dbm", f64::from(payload[2] as i8)),
                ("frame_control", f64::from(payload[3])),
                ("sequence", f64::from(u16_le(payload, 10))),
                ("core", f64::from(css & 7)),
                ("spatial_stream", f64::from((css >> 3) & 7)),
                ("chanspec", f64::from(chanspec)),
                ("channel", f64::from(chanspec & 0xFF)),
                ("bandwidth_mhz", (nfft * 5 / 16) as f64),
                ("chip_version", f64::from(version)),
            ];
            frame.mac = Some(mac);
            return Ok(Some(frame));
        }
    }

    source_progress!();
}
