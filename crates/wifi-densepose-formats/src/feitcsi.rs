//! FeitCSI (Intel AX200/AX210) `.csi` files: records of a 272-byte header and the CSI.
//!
//! Header fields used (little-endian; FeitCSI's published CSI format):
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | `csi_length`, bytes of CSI after the header |
//! | 8..12 | FTM clock |
//! | 46, 47 | `num_rx`, `num_tx` |
//! | 52..56 | `num_subcarriers` |
//! | 60..64, 64..68 | RSSI of chains A and B (dB) |
//! | 68..74 | source MAC |
//! | 88..92 | µs clock |
//! | 92..96 | rate and flags (`RATE_MCS_*`: modulation bits 8..10, channel width bits 11..13, MCS bits 0..2) |
//!
//! The CSI is `num_rx · num_tx · num_subcarriers` pairs of int16 real, imaginary; receive chain
//! outermost, subcarrier innermost.

use std::io::BufRead;

use num_complex::Complex64;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::{u32_le, Source, Unwrap32};
use crate::{Format, FrameReader};

/// Bytes of a record header.
pub const HEADER_LEN: usize = 272;
/// Most subcarriers a record may claim (320 MHz EHT has 4,096 bins).
pub const MAX_SUBCARRIERS: usize = 4096;

/// `(num_rx, num_tx, num_subcarriers, csi_length)` of a header, checked for consistency.
fn dims(h: &[u8]) -> Result<(usize, usize, usize, usize), String> {
    let csi_length = u32_le(h, 0) as usize;
    let (rx, tx) = (usize::from(h[46]), usize::from(h[47]));
    let sub = u32_le(h, 52) as usize;
    if !(1..=4).contains(&rx) || !(1..=4).contains(&tx) {
        return Err(format!("num_rx {rx}, num_tx {tx} not in 1..=4"));
    }
    if sub == 0 || sub > MAX_SUBCARRIERS {
        return Err(format!(
            "num_subcarriers {sub} not in 1..={MAX_SUBCARRIERS}"
        ));
    }
    if csi_length != rx * tx * sub * 4 {
        return Err(format!("csi_length {csi_length} ≠ 4 × {rx} × {tx} × {sub}"));
    }
    Ok((rx, tx, sub, csi_length))
}

pub fn sniff(head: &[u8]) -> Result<(), String> {
    if head.len() < HEADER_LEN {
        return Err("shorter than a 272-byte FeitCSI header".into());
    }
    dims(head).map(|_| ())
}

/// Channel width in MHz from the rate flags (bits 11..13: 20, 40, 80, 160, 320).
pub fn bandwidth_mhz(rate_flags: u32) -> Option<f64> {
    match (rate_flags >> 11) & 7 {
        0 => Some(20.0),
        1 => Some(40.0),
        2 => Some(80.0),
        3 => Some(160.0),
        4 => Some(320.0),
        _ => None,
    }
}

/// Streams records as frames. Metadata: `rssi_a_db`, `rssi_b_db`, `bandwidth_mhz`,
/// `modulation` (0 CCK, 1 legacy OFDM, 2 HT, 3 VHT, 4 HE, 5 EHT), `mcs`, `rate_flags`,
/// `ftm_clock`, `timestamp_us`; source MAC.
#[derive(Debug)]
pub struct FeitCsiReader<R> {
    src: Source<R>,
    buf: Vec<u8>,
    clock: Unwrap32,
}

impl<R: BufRead> FeitCsiReader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        FeitCsiReader {
            src: Source::new(inner, len, Format::FeitCsi),
            buf: Vec::new(),
            clock: Unwrap32::default(),
        }
    }
}

impl<R: BufRead + Send + Sync> FrameReader for FeitCsiReader<R> {
    fn format(&self) -> Format {
        Format::FeitCsi
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        if self.src.at_end() {
            return Ok(None);
        }
        let at = self.src.position();
        let mut h = [0u8; HEADER_LEN];
        self.src.read_exact(&mut h, "record header")?;
        let (rx, tx, sub, csi_length) = dims(&h).map_err(|why| {
            FormatError::malformed(Format::FeitCsi, at, Reason::LengthMismatch, why)
        })?;
        self.src
            .read_into(&mut self.buf, csi_length as u64, "CSI")?;
        let mut csi = vec![Complex64::new(0.0, 0.0); sub * rx * tx];
        let mut values = self.buf.chunks_exact(4);
        for r in 0..rx {
            for t in 0..tx {
                for s in 0..sub {
                    if let Some(v) = values.next() {
                        let re = i16::from_le_bytes([v[0], v[1]]);
                        let im = i16::from_le_bytes([v[2], v[3]]);
                        csi[(s * rx + r) * tx + t] = Complex64::new(f64::from(re), f64::from(im));
                    }
                }
            }
        }
        let micros = self.clock.next(u32_le(&h, 88));
        let rate_flags = u32_le(&h, 92);
        let mut frame = Frame::new(micros as f64 * 1e-6, sub, rx, tx, csi);
        frame.meta = vec![
            ("rssi_a_db", f64::from(u32_le(&h, 60))),
            ("rssi_b_db", f64::from(u32_le(&h, 64))),
            (
                "bandwidth_mhz",
                bandwidth_mhz(rate_flags).unwrap_or(f64::NAN),
            ),
            ("modulation", f64::from((rate_flags >> 8) & 7)),
            ("mcs", f64::from(rate_flags & 7)),
            ("rate_flags", f64::from(rate_flags)),
            ("ftm_clock", f64::from(u32_le(&h, 8))),
            ("timestamp_us", f64::from(u32_le(&h, 88))),
        ];
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&h[68..74]);
        frame.mac = Some(mac);
        Ok(Some(frame))
    }

    source_progress!();
}
