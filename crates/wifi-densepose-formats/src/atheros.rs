//! Atheros CSI Tool logs (`recvCSI` output), as the tool's `read_log_file.m` reads them.
//!
//! Each record: a `u16` record length, then a 25-byte status block, `csi_len` bytes of CSI and
//! `payload_len` bytes of the frame's payload. Multi-byte fields are in the byte order of the
//! machine that logged (little-endian on x86 laptops, big-endian on MIPS routers); the reader
//! takes the order whose first record is self-consistent.
//!
//! | bytes (after the length) | field |
//! |---|---|
//! | 0..8 | timestamp (NIC TSF, µs) |
//! | 8..10 | `csi_len` |
//! | 10..12 | channel frequency, MHz |
//! | 12 | PHY error |
//! | 13 | noise floor (dB, signed) |
//! | 14 | rate |
//! | 15 | bandwidth (0 = 20 MHz, 1 = 40 MHz) |
//! | 16 | `num_tones` (56 or 114) |
//! | 17, 18 | `nr`, `nc` (receive, transmit chains) |
//! | 19 | RSSI (combined), 20..23 per-chain RSSI (dB) |
//! | 23..25 | `payload_len` |
//!
//! The CSI is a little-endian bit stream of signed 10-bit values, for each tone, each transmit
//! chain, each receive chain: imaginary part, then real part (`read_csi.c`).

use std::io::BufRead;

use num_complex::Complex64;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::{u16_be, u16_le, u64_be, u64_le, Source};
use crate::{Format, FrameReader};

/// Bytes of the status block after the record length.
pub const STATUS_LEN: usize = 25;

fn field16(b: &[u8], at: usize, big: bool) -> u16 {
    if big {
        u16_be(b, at)
    } else {
        u16_le(b, at)
    }
}

/// Bytes of CSI for `tones · nr · nc` complex values of 2 × 10 bits.
pub fn csi_bytes(tones: usize, nr: usize, nc: usize) -> usize {
    (tones * nr * nc * 20).div_ceil(8)
}

/// Whether a record (length field at `b[0..2]`, then the status block) is self-consistent in
/// the byte order `big`.
fn consistent(b: &[u8], big: bool) -> Result<(), String> {
    if b.len() < 2 + STATUS_LEN {
        return Err("shorter than a record header".into());
    }
    let len = usize::from(field16(b, 0, big));
    let s = &b[2..];
    let csi_len = usize::from(field16(s, 8, big));
    let payload_len = usize::from(field16(s, 23, big));
    let (tones, nr, nc) = (usize::from(s[16]), usize::from(s[17]), usize::from(s[18]));
    if len != STATUS_LEN + csi_len + payload_len {
        return Err(format!(
            "record length {len} ≠ 25 + csi_len {csi_len} + payload_len {payload_len}"
        ));
    }
    if !matches!(tones, 56 | 114) || !(1..=3).contains(&nr) || !(1..=3).contains(&nc) {
        return Err(format!("num_tones {tones}, nr {nr}, nc {nc}"));
    }
    if csi_len != 0 && csi_len != csi_bytes(tones, nr, nc) {
        return Err(format!("csi_len {csi_len} for {tones} tones × {nr} × {nc}"));
    }
    Ok(())
}

/// The byte order in which the first record of `head` is self-consistent (true = big-endian).
pub fn byte_order(head: &[u8]) -> Result<bool, String> {
    match (consistent(head, false), consistent(head, true)) {
        (Ok(()), _) => Ok(false),
        (_, Ok(())) => Ok(true),
        (Err(le), Err(be)) => Err(format!("little-endian: {le}; big-endian: {be}")),
    }
}

pub fn sniff(head: &[u8]) -> Result<(), String> {
    byte_order(head).map(|_| ())
}

/// Decodes `tones · nr · nc` values `[tone][rx][tx]` from the packed bit stream.
pub fn decode_csi(buf: &[u8], tones: usize, nr: usize, nc: usize) -> Vec<Complex64> {
    let mut out = vec![Complex64::new(0.0, 0.0); tones * nr * nc];
    let mut bit = 0usize;
    let mut next = || {
        let byte = bit / 8;
        let word = u32::from(buf[byte])
            | u32::from(buf.get(byte + 1).copied().unwrap_or(0)) << 8
            | u32::from(buf.get(byte + 2).copied().unwrap_or(0)) << 16;
        let raw = (word >> (bit % 8)) & 0x3FF;
        bit += 10;
        // Sign bit 9: two's complement over 10 bits.
        f64::from(if raw & 0x200 != 0 {
            raw as i32 - 0x400
        } else {
            raw as i32
        })
    };
    for k in 0..tones {
        for tx in 0..nc {
            for rx in 0..nr {
                let imag = next();
                let real = next();
                out[(k * nr + rx) * nc + tx] = Complex64::new(real, imag);
            }
        }
    }
    out
}

/// Streams records as frames (records without CSI are skipped). Metadata: `rssi_db` (combined),
/// `rssi_a_db`, `rssi_b_db`, `rssi_c_db`, `noise_db`, `rate`, `bandwidth_mhz`, `frequency_mhz`,
/// `phy_error`, `timestamp_us`.
#[derive(Debug)]
pub struct AtherosReader<R> {
    src: Source<R>,
    big_endian: Option<bool>,
    buf: Vec<u8>,
}

impl<R: BufRead> AtherosReader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        AtherosReader {
            src: Source::new(inner, len, Format::Atheros),
            big_endian: None,
            buf: Vec::new(),
        }
    }
}

impl<R: BufRead + Send + Sync> FrameReader for AtherosReader<R> {
    fn format(&self) -> Format {
        Format::Atheros
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        loop {
            if self.src.at_end() {
                return Ok(None);
            }
            let at = self.src.position();
            let mut head = [0u8; 2 + STATUS_LEN];
            self.src.read_exact(&mut head, "record header")?;
            let big = match self.big_endian {
                Some(b) => b,
                None => {
                    let b = byte_order(&head).map_err(|why| {
                        FormatError::malformed(
                            Format::Atheros,
                            at,
                            Reason::InvalidField,
                            format!("first record in neither byte order: {why}"),
                        )
                    })?;
                    self.big_endian = Some(b);
                    b
                }
            };
            consistent(&head, big).map_err(|why| {
                FormatError::malformed(Format::Atheros, at, Reason::LengthMismatch, why)
            })?;
            let s = &head[2..];
            let csi_len = u64::from(field16(s, 8, big));
            let payload_len = u64::from(field16(s, 23, big));
            let (tones, nr, nc) = (usize::from(s[16]), usize::from(s[17]), usize::from(s[18]));
            let timestamp_us = if big { u64_be(s, 0) } else { u64_le(s, 0) };
            self.src.read_into(&mut self.buf, csi_len, "CSI")?;
            self.src.skip(payload_len, "payload")?;
            if csi_len == 0 {
                continue;
            }
            let csi = decode_csi(&self.buf, tones, nr, nc);
            let mut frame = Frame::new(timestamp_us as f64 * 1e-6, tones, nr, nc, csi);
            frame.meta = vec![
                ("rssi_db", f64::from(s[19])),
                ("rssi_a_db", f64::from(s[20])),
                ("rssi_b_db", f64::from(s[21])),
                ("rssi_c_db", f64::from(s[22])),
                ("noise_db", f64::from(s[13] as i8)),
                ("rate", f64::from(s[14])),
                ("bandwidth_mhz", if s[15] == 0 { 20.0 } else { 40.0 }),
                ("frequency_mhz", f64::from(field16(s, 10, big))),
                ("phy_error", f64::from(s[12])),
                ("timestamp_us", timestamp_us as f64),
            ];
            return Ok(Some(frame));
        }
    }

    source_progress!();
}
