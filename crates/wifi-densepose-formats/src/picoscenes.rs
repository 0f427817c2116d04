//! PicoScenes `.csi` files: modular frames of named, versioned segments.
//!
//! A frame is a `u32` length (of the rest), the magic `0x20150315`, a `u16` frame version and a
//! `u8` segment count, then that many segments — each a `u32` length, a `u8` name length, the
//! name (NUL-padded ASCII), a `u16` version and the body — and then the received MPDU
//! (802.11 header first). All little-endian. Segments read:
//!
//! * `RxSBasic` v1..v3: device type `u16`, timestamp `u64` (µs on Intel/QCA NICs), channel
//!   frequency `u16` (MHz), packet format `u8`, channel bandwidth `u16` (MHz), guard interval
//!   `u16`, MCS, number of space-time streams, extension streams and receive chains (`u8`
//!   each), (v2+: number of users, user index), noise floor, RSSI and per-chain RSSI (`i8`).
//! * `CSI` v1..v4: device type `u16`, (v4: firmware version `u8`), packet format `u8`, bandwidth
//!   `u16`, carrier frequency `u64`, sampling rate `u64`, subcarrier bandwidth `u32`, tones
//!   `u16`, STS, Rx, ESS (`u8`), (v3+: CSI count `u16`), antenna selection `u8`,
//!   (v2+: subcarrier index offset `u16`), CSI buffer length `u32`, buffer.
//!
//! Only Intel 5300 (device type `0x5300`) CSI is decoded: its buffer is the `bfee` payload of
//! the Linux 802.11n CSI Tool (30 groups of 8-bit I/Q), decoded by [`crate::intel5300`]. Other
//! devices raise an `InvalidField` error naming the device type.

use std::io::BufRead;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::intel5300::{decode_payload, payload_len, N_SUBCARRIERS};
use crate::source::{u16_le, u32_le, u64_le, Source};
use crate::{Format, FrameReader};

/// A frame's magic word.
pub const MAGIC: u32 = 0x2015_0315;
const FRAME_HEADER: usize = 11;
const DEVICE_IWL5300: u16 = 0x5300;

pub fn sniff(head: &[u8]) -> Result<(), String> {
    if head.len() < FRAME_HEADER {
        return Err("shorter than a frame header".into());
    }
    if u32_le(head, 4) != MAGIC {
        return Err("no PicoScenes frame magic 0x20150315 at byte 4".into());
    }
    Ok(())
}

/// A little-endian cursor over one segment body; reads past the end are `None`.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }
    fn i8(&mut self) -> Option<i8> {
        self.u8().map(|v| v as i8)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|s| u16_le(s, 0))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|s| u32_le(s, 0))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|s| u64_le(s, 0))
    }
}

#[derive(Debug, Default)]
struct Basic {
    timestamp: u64,
    frequency_mhz: u16,
    bandwidth_mhz: u16,
    mcs: u8,
    noise: i8,
    rssi: [i8; 4],
}

fn parse_basic(body: &[u8], version: u16) -> Option<Basic> {
    let mut c = Cursor { b: body, at: 0 };
    c.u16()?; // device type
    let mut basic = Basic {
        timestamp: c.u64()?,
        frequency_mhz: c.u16()?,
        ..Basic::default()
    };
    c.u8()?; // packet format
    basic.bandwidth_mhz = c.u16()?;
    c.u16()?; // guard interval
    basic.mcs = c.u8()?;
    c.take(3)?; // STS, ESS, Rx
    if version >= 2 {
        c.take(2)?; // users, user index
    }
    basic.noise = c.i8()?;
    for r in &mut basic.rssi {
        *r = c.i8()?;
    }
    Some(basic)
}

struct Csi<'a> {
    device: u16,
    tones: usize,
    n_rx: usize,
    ant_sel: u8,
    buffer: &'a [u8],
}

fn parse_csi(body: &[u8], version: u16) -> Option<Csi<'_>> {
    let mut c = Cursor { b: body, at: 0 };
    let device = c.u16()?;
    if version >= 4 {
        c.u8()?; // firmware version
    }
    c.u8()?; // packet format
    c.u16()?; // bandwidth
    c.u64()?; // carrier frequency
    c.u64()?; // sampling rate
    c.u32()?; // subcarrier bandwidth
    let tones = usize::from(c.u16()?);
    c.u8()?; // STS
    let n_rx = usize::from(c.u8()?);
    c.u8()?; // ESS
    if version >= 3 {
        c.u16()?; // CSI count
    }
    let ant_sel = c.u8()?;
    if version >= 2 {
        c.u16()?; // subcarrier index offset
    }
    let len = c.u32()? as usize;
    let buffer = c.take(len)?;
    Some(Csi {
        device,
        tones,
        n_rx,
        ant_sel,
        buffer,
    })
}

/// Streams frames with a CSI segment (others are skipped). Metadata: `rssi_db`, `rssi_a_db`,
/// `rssi_b_db`, `rssi_c_db`, `noise_dbm`, `frequency_mhz`, `bandwidth_mhz`, `mcs`,
/// `timestamp_us`; transmitter MAC (address 2 of the MPDU).
#[derive(Debug)]
pub struct PicoScenesReader<R> {
    src: Source<R>,
    buf: Vec<u8>,
}

impl<R: BufRead> PicoScenesReader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        PicoScenesReader {
            src: Source::new(inner, len, Format::PicoScenes),
            buf: Vec::new(),
        }
    }
}

impl<R: BufRead + Send + Sync> FrameReader for PicoScenesReader<R> {
    fn format(&self) -> Format {
        Format::PicoScenes
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        loop {
            if self.src.at_end() {
                return Ok(None);
            }
            let at = self.src.position();
            let mut len = [0u8; 4];
            self.src.read_exact(&mut len, "frame length")?;
            let frame_len = u64::from(u32::from_le_bytes(len));
            self.src.read_into(&mut self.buf, frame_len, "frame")?;
            let f = &self.buf;
            let bad = |off: usize, reason, detail: String| {
                FormatError::malformed(Format::PicoScenes, at + 4 + off as u64, reason, detail)
            };
            if f.len() < FRAME_HEADER - 4 {
                return Err(bad(
                    0,
                    Reason::LengthMismatch,
                    format!("frame of {} bytes", f.len()),
                ));
            }
            if u32_le(f, 0) != MAGIC {
                return Err(bad(
                    0,
                    Reason::BadMagic,
                    format!("frame magic 0x{:08X}", u32_le(f, 0)),
                ));
            }
            let n_segments = f[6];
            let mut pos = FRAME_HEADER - 4;
            let mut basic = None;
            let mut csi = None;
            for _ in 0..n_segments {
                let seg_at = pos;
                let seg_len = f.get(pos..pos + 4).map(|s| u32_le(s, 0) as usize);
                let seg = seg_len.and_then(|n| f.get(pos + 4..(pos + 4).checked_add(n)?));
                let Some(seg) = seg else {
                    return Err(bad(
                        seg_at,
                        Reason::LengthMismatch,
                        "segment runs past the frame".into(),
                    ));
                };
                pos += 4 + seg.len();
                let name_len = usize::from(*seg.first().unwrap_or(&0));
                let (Some(name), Some(version)) = (
                    seg.get(1..1 + name_len),
                    seg.get(1 + name_len..3 + name_len).map(|v| u16_le(v, 0)),
                ) else {
                    return Err(bad(seg_at, Reason::LengthMismatch, "segment header".into()));
                };
                let body = &seg[3 + name_len..];
                let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
                match name {
                    b"RxSBasic" => {
                        basic = Some(parse_basic(body, version).ok_or_else(|| {
                            bad(
                                seg_at,
                                Reason::LengthMismatch,
                                format!("RxSBasic v{version} segment of {} bytes", body.len()),
                            )
                        })?)
                    }
                    b"CSI" => {
                        csi = Some((
                            seg_at,
                            parse_csi(body, version).ok_or_else(|| {
                                bad(
                                    seg_at,
                                    Reason::LengthMismatch,
                                    format!("CSI v{version} segment of {} bytes", body.len()),
                                )
                            })?,
                        ))
                    }
                    _ => {}
                }
            }
            let Some((csi_at, csi)) = csi else {
                continue;
            };
            if csi.device != DEVICE_IWL5300 {
                return Err(bad(
                    csi_at,
                    Reason::InvalidField,
                    format!("CSI of device type 0x{:04X}: only Intel 5300 (0x5300) PicoScenes CSI is read", csi.device),
                ));
            }
            // The buffer holds 30 groups of 3 + 16·Nrx·Ntx bits.
            let n_rx = csi.n_rx;
            let n_tx = if (1..=3).contains(&n_rx) {
                (csi.buffer.len().saturating_sub(12)) / 60 / n_rx
            } else {
                0
            };
            if csi.tones != N_SUBCARRIERS
                || !(1..=3).contains(&n_tx)
                || csi.buffer.len() != payload_len(n_rx, n_tx)
            {
                return Err(bad(
                    csi_at,
                    Reason::LengthMismatch,
                    format!(
                        "Intel 5300 CSI of {} tones, {n_rx} rx, {} bytes",
                        csi.tones,
                        csi.buffer.len()
                    ),
                ));
            }
            let (values, perm) = decode_payload(csi.buffer, n_rx, n_tx, csi.ant_sel);
            let basic = basic.unwrap_or_default();
            let mut frame = Frame::new(
                basic.timestamp as f64 * 1e-6,
                N_SUBCARRIERS,
                n_rx,
                n_tx,
                values,
            );
            frame.meta = vec![
                ("rssi_db", f64::from(basic.rssi[0])),
                ("rssi_a_db", f64::from(basic.rssi[1])),
                ("rssi_b_db", f64::from(basic.rssi[2])),
                ("rssi_c_db", f64::from(basic.rssi[3])),
                ("noise_dbm", f64::from(basic.noise)),
                ("frequency_mhz", f64::from(basic.frequency_mhz)),
                ("bandwidth_mhz", f64::from(basic.bandwidth_mhz)),
                ("mcs", f64::from(basic.mcs)),
                ("timestamp_us", basic.timestamp as f64),
            ];
            frame.perm = Some(perm);
            // The MPDU: frame control, duration, address 1 (receiver), address 2 (transmitter).
            if let Some(addr2) = f.get(pos + 10..pos + 16) {
                let mut mac = [0u8; 6];
                mac.copy_from_slice(addr2);
                frame.mac = Some(mac);
            }
            return Ok(Some(frame));
        }
    }

    source_progress!();
}
