//! Linux 802.11n CSI Tool (Intel 5300) `bfee` logs, as `log_to_file` writes them.
//!
//! The file is a sequence of records: a big-endian `u16` length (counting the code byte), a
//! one-byte code and `length − 1` bytes. Code `0xBB` (187) is a beamforming-feedback record
//! (`bfee`); other codes are skipped. A `bfee` body is, little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | `timestamp_low`, NIC clock in µs (32-bit) |
//! | 4..6 | `bfee_count` |
//! | 8, 9 | `Nrx`, `Ntx` |
//! | 10, 11, 12 | `rssi_a`, `rssi_b`, `rssi_c` (dB, 0 = antenna absent) |
//! | 13 | `noise` (signed dBm, −127 = unknown) |
//! | 14 | `agc` (dB) |
//! | 15 | `antenna_sel`: three 2-bit receive-antenna indices (the permutation) |
//! | 16..18 | `len`: payload bytes, must be `(30·(Nrx·Ntx·16 + 3) + 7) / 8` |
//! | 18..20 | `fake_rate_n_flags` |
//! | 20.. | payload: 30 subcarrier groups, each 3 bits of padding then `Nrx·Ntx` pairs of signed 8-bit I, Q at arbitrary bit offsets; transmit index varies fastest |
//!
//! As the tool's `read_bf_file.m`, receive chains are put in antenna order with the permutation
//! when it is a valid one; [`scale_factor`] is the tool's `get_scaled_csi.m`.

use std::io::BufRead;

use num_complex::Complex64;

use crate::capture::{CaptureBuilder, Frame, FrameFields};
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::{u16_be, u16_le, u32_le, Source, Unwrap32};
use crate::{Format, FrameReader};

/// The record code of a beamforming-feedback (CSI) record.
pub const BFEE_CODE: u8 = 0xBB;
/// Subcarrier groups the Intel 5300 reports.
pub const N_SUBCARRIERS: usize = 30;
const BODY_HEADER: usize = 20;

/// The payload length `read_bfee.c` requires for `n_rx · n_tx` streams, bytes.
pub fn payload_len(n_rx: usize, n_tx: usize) -> usize {
    (N_SUBCARRIERS * (n_rx * n_tx * 16 + 3)).div_ceil(8)
}

/// The fields of one `bfee` record.
#[derive(Debug, Clone, PartialEq)]
pub struct Bfee {
    pub timestamp_low: u32,
    pub bfee_count: u16,
    pub n_rx: usize,
    pub n_tx: usize,
    pub rssi: [u8; 3],
    pub noise: i8,
    pub agc: u8,
    pub antenna_sel: u8,
    pub rate: u16,
}

impl Bfee {
    /// The frame's metadata columns (see [`Intel5300Reader`]).
    fn meta(&self) -> [(&'static str, f64); 9] {
        let total = total_rss_dbm(self.rssi.map(f64::from), f64::from(self.agc));
        [
            ("rssi_dbm", if total.is_finite() { total } else { f64::NAN }),
            ("rssi_a_db", f64::from(self.rssi[0])),
            ("rssi_b_db", f64::from(self.rssi[1])),
            ("rssi_c_db", f64::from(self.rssi[2])),
            ("noise_dbm", f64::from(self.noise)),
            ("agc_db", f64::from(self.agc)),
            ("bfee_count", f64::from(self.bfee_count)),
            ("rate", f64::from(self.rate)),
            ("timestamp_low_us", f64::from(self.timestamp_low)),
        ]
    }
}

/// The antenna permutation of an `antenna_sel` byte (1-based, as `read_bfee.c`).
pub fn permutation(antenna_sel: u8) -> [u8; 3] {
    [
        (antenna_sel & 3) + 1,
        ((antenna_sel >> 2) & 3) + 1,
        ((antenna_sel >> 4) & 3) + 1,
    ]
}

/// Decodes a CSI payload of `payload_len(n_rx, n_tx)` bytes or more (the caller checks) into
/// `[subcarrier][rx][tx]`, receive chains put in antenna order by the permutation when it is a
/// valid one (`read_bf_file.m`); also returns the permutation.
pub fn decode_payload(
    payload: &[u8],
    n_rx: usize,
    n_tx: usize,
    antenna_sel: u8,
) -> (Vec<Complex64>, [u8; 3]) {
    let mut csi = vec![Complex64::new(0.0, 0.0); N_SUBCARRIERS * n_rx * n_tx];
    let perm = decode_payload_into(
        payload,
        n_rx,
        n_tx,
        antenna_sel,
        &mut csi,
        [N_SUBCARRIERS, n_rx, n_tx],
    );
    (csi, perm)
}

/// [`decode_payload`] writing into `out`, a frame of the padded shape `to` (≥ `[30, n_rx,
/// n_tx]`), so a reader fills a capture's array in place; values outside the frame's own shape
/// are left as they are.
pub fn decode_payload_into(
    payload: &[u8],
    n_rx: usize,
    n_tx: usize,
    antenna_sel: u8,
    out: &mut [Complex64],
    to: [usize; 3],
) -> [u8; 3] {
    let perm = permutation(antenna_sel);
    // read_bf_file.m: csi(:, perm(1:Nrx), :) = csi(:, 1:Nrx, :) when sum(perm) == 1+…+Nrx.
    let triangle = n_rx * (n_rx + 1) / 2;
    let perm_sum: usize = perm.iter().map(|&p| usize::from(p)).sum();
    let valid =
        n_rx > 1 && perm_sum == triangle && perm[..n_rx].iter().all(|&p| usize::from(p) <= n_rx);
    // Where receive chain r lands: a valid permutation that is one-to-one maps each chain once;
    // MATLAB's assignment with repeated indices (e.g. [2 2 2]) is replayed after decoding.
    let mut to_rx = [0usize, 1, 2];
    let mut repeated = false;
    if valid {
        let mut seen = [false; 3];
        for r in 0..n_rx {
            let p = usize::from(perm[r]) - 1;
            repeated |= seen[p];
            seen[p] = true;
            to_rx[r] = p;
        }
    }
    if repeated {
        to_rx = [0, 1, 2];
    }
    let (row, group) = (to[2], to[1] * to[2]);
    let mut bit = 0usize;
    for s in 0..N_SUBCARRIERS {
        bit += 3;
        // Streams in file order: transmit index fastest (read_bfee.c fills a [Ntx][Nrx]
        // column-major array).
        for &rx in &to_rx[..n_rx] {
            let at = s * group + rx * row;
            for value in &mut out[at..at + n_tx] {
                // Real and imaginary parts: the signed bytes at bit offsets `bit` and `bit + 8`.
                let byte = bit / 8;
                let word = u32::from(payload[byte])
                    | u32::from(payload[byte + 1]) << 8
                    | u32::from(payload[byte + 2]) << 16;
                let shift = bit % 8;
                let re = f64::from((word >> shift) as u8 as i8);
                let im = f64::from((word >> (shift + 8)) as u8 as i8);
                *value = Complex64::new(re, im);
                bit += 16;
            }
        }
    }
    if valid && repeated {
        for s in 0..N_SUBCARRIERS {
            let mut raw = [Complex64::new(0.0, 0.0); 9];
            for rx in 0..n_rx {
                let at = s * group + rx * row;
                raw[rx * n_tx..(rx + 1) * n_tx].copy_from_slice(&out[at..at + n_tx]);
            }
            for (rx, &p) in perm[..n_rx].iter().enumerate() {
                let at = s * group + (usize::from(p) - 1) * row;
                out[at..at + n_tx].copy_from_slice(&raw[rx * n_tx..(rx + 1) * n_tx]);
            }
        }
    }
    perm
}

/// Checks a `bfee` body (the bytes after the code; `offset` is its position in the file) and
/// returns its header fields and its CSI payload (see [`decode_payload`]).
pub fn parse_bfee(body: &[u8], offset: u64) -> FormatResult<(Bfee, &[u8])> {
    let bad = |at: usize, reason, detail: String| {
        FormatError::malformed(Format::Intel5300, offset + at as u64, reason, detail)
    };
    if body.len() < BODY_HEADER {
        return Err(bad(
            0,
            Reason::LengthMismatch,
            format!("bfee record of {} bytes, the header needs 20", body.len()),
        ));
    }
    let n_rx = usize::from(body[8]);
    let n_tx = usize::from(body[9]);
    if !(1..=3).contains(&n_rx) {
        return Err(bad(
            8,
            Reason::InvalidField,
            format!("Nrx {n_rx} not in 1..=3"),
        ));
    }
    if !(1..=3).contains(&n_tx) {
        return Err(bad(
            9,
            Reason::InvalidField,
            format!("Ntx {n_tx} not in 1..=3"),
        ));
    }
    let len = usize::from(u16_le(body, 16));
    let expected = payload_len(n_rx, n_tx);
    if len != expected {
        return Err(bad(
            16,
            Reason::LengthMismatch,
            format!("payload length {len}, Nrx {n_rx} × Ntx {n_tx} needs {expected}"),
        ));
    }
    if body.len() < BODY_HEADER + len {
        return Err(bad(
            BODY_HEADER,
            Reason::LengthMismatch,
            format!(
                "payload of {len} bytes, record holds {}",
                body.len() - BODY_HEADER
            ),
        ));
    }
    let bfee = Bfee {
        timestamp_low: u32_le(body, 0),
        bfee_count: u16_le(body, 4),
        n_rx,
        n_tx,
        rssi: [body[10], body[11], body[12]],
        noise: body[13] as i8,
        agc: body[14],
        antenna_sel: body[15],
        rate: u16_le(body, 18),
    };
    Ok((bfee, &body[BODY_HEADER..BODY_HEADER + len]))
}

fn dbinv(db: f64) -> f64 {
    10f64.powf(db / 10.0)
}

/// `dbinv` of every whole dB value 0..=255 (the RSSI bytes), computed once.
fn dbinv_u8(db: u8) -> f64 {
    static TABLE: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| dbinv(i as f64)))[usize::from(db)]
}

/// Total received power in dBm (`get_total_rss.m`): the antennas' RSSI (dB, 0 = antenna
/// absent) summed in linear power, less 44 dB and the AGC gain (dB).
pub fn total_rss_dbm(rssi: [f64; 3], agc: f64) -> f64 {
    let mag: f64 = rssi
        .iter()
        .filter(|&&r| r != 0.0)
        .map(|&r| {
            if r.fract() == 0.0 && (0.0..=255.0).contains(&r) {
                dbinv_u8(r as u8)
            } else {
                dbinv(r)
            }
        })
        .sum();
    10.0 * mag.log10() - 44.0 - agc
}

/// The factor `get_scaled_csi.m` multiplies a frame's CSI by so its power is the SNR: scaled to
/// the reported RSSI, divided by the thermal noise (−92 dBm when the NIC reports −127) plus the
/// 8-bit quantisation noise, and corrected for the transmit power split over `n_tx` streams.
/// `csi` is the frame's values (zero padding adds no power). 0 for an all-zero frame.
pub fn scale_factor(
    csi: &[Complex64],
    n_rx: usize,
    n_tx: usize,
    rssi: [f64; 3],
    agc: f64,
    noise_dbm: f64,
) -> f64 {
    let csi_pwr: f64 = csi.iter().map(|c| c.norm_sqr()).sum();
    let rssi_pwr = dbinv(total_rss_dbm(rssi, agc));
    let scale = rssi_pwr / (csi_pwr / N_SUBCARRIERS as f64);
    let noise_db = if noise_dbm == -127.0 {
        -92.0
    } else {
        noise_dbm
    };
    let thermal_noise_pwr = dbinv(noise_db);
    let quant_error_pwr = scale * (n_rx * n_tx) as f64;
    let total_noise_pwr = thermal_noise_pwr + quant_error_pwr;
    let mut factor = (scale / total_noise_pwr).sqrt();
    if n_tx == 2 {
        factor *= 2f64.sqrt();
    } else if n_tx == 3 {
        factor *= dbinv(4.5).sqrt();
    }
    // An all-zero CSI matrix gives 0/0: keep zeros rather than NaN.
    if factor.is_finite() {
        factor
    } else {
        0.0
    }
}

/// Per-frame inputs of [`scaled_capture`], each `n_frames` long.
#[derive(Debug, Clone, Copy)]
pub struct ScaleInputs<'a> {
    /// `(n_subcarriers, n_rx, n_tx)` of each frame before padding.
    pub frame_shape: &'a [[usize; 3]],
    pub rssi_a_db: &'a [f64],
    pub rssi_b_db: &'a [f64],
    pub rssi_c_db: &'a [f64],
    pub agc_db: &'a [f64],
    pub noise_dbm: &'a [f64],
}

/// `get_scaled_csi` of every frame of a capture's `[time, subcarrier, rx, tx]` CSI (`per_frame`
/// values a frame), written to `out` (as long as `csi`); false (and nothing written) when an
/// input's length is not the frame count.
pub fn scaled_capture(
    csi: &[Complex64],
    per_frame: usize,
    inputs: ScaleInputs<'_>,
    out: &mut [Complex64],
) -> bool {
    let n = inputs.frame_shape.len();
    let lens = [
        inputs.rssi_a_db.len(),
        inputs.rssi_b_db.len(),
        inputs.rssi_c_db.len(),
        inputs.agc_db.len(),
        inputs.noise_dbm.len(),
    ];
    if lens.iter().any(|&l| l != n)
        || csi.len() != n * per_frame
        || out.len() != csi.len()
        || per_frame == 0
    {
        return false;
    }
    for (t, (frame, dst)) in csi
        .chunks_exact(per_frame)
        .zip(out.chunks_exact_mut(per_frame))
        .enumerate()
    {
        let [_, n_rx, n_tx] = inputs.frame_shape[t];
        let rssi = [
            inputs.rssi_a_db[t],
            inputs.rssi_b_db[t],
            inputs.rssi_c_db[t],
        ];
        let k = scale_factor(
            frame,
            n_rx,
            n_tx,
            rssi,
            inputs.agc_db[t],
            inputs.noise_dbm[t],
        );
        for (o, c) in dst.iter_mut().zip(frame) {
            *o = c * k;
        }
    }
    true
}

/// Whether `head` starts with records of which a `bfee` one decodes.
pub fn sniff(head: &[u8]) -> Result<(), String> {
    let mut at = 0usize;
    while at + 3 <= head.len() {
        let field_len = usize::from(u16_be(head, at));
        let code = head[at + 2];
        if field_len == 0 {
            return Err(format!("record length 0 at byte {at}"));
        }
        if code == BFEE_CODE {
            let end = (at + 2 + field_len).min(head.len());
            let body = &head[at + 3..end];
            if body.len() < BODY_HEADER {
                return Err("bfee record too short".into());
            }
            let (n_rx, n_tx) = (usize::from(body[8]), usize::from(body[9]));
            if !(1..=3).contains(&n_rx) || !(1..=3).contains(&n_tx) {
                return Err(format!("bfee record with Nrx {n_rx}, Ntx {n_tx}"));
            }
            let len = usize::from(u16_le(body, 16));
            if len != payload_len(n_rx, n_tx) || field_len != 1 + BODY_HEADER + len {
                return Err("bfee length fields disagree".into());
            }
            return Ok(());
        }
        at += 2 + field_len;
    }
    Err("no bfee (0xBB) record in the first bytes".into())
}

/// Streams `bfee` records as frames. Metadata: `rssi_dbm` (total, `get_total_rss`), `rssi_a_db`,
/// `rssi_b_db`, `rssi_c_db`, `noise_dbm`, `agc_db`, `bfee_count`, `rate` (`fake_rate_n_flags`),
/// `timestamp_low_us`; `perm`. The scaled CSI is computed on request ([`scaled_capture`]).
#[derive(Debug)]
pub struct Intel5300Reader<R> {
    src: Source<R>,
    buf: Vec<u8>,
    clock: Unwrap32,
}

impl<R: BufRead> Intel5300Reader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        Intel5300Reader {
            src: Source::new(inner, len, Format::Intel5300),
            buf: Vec::new(),
            clock: Unwrap32::default(),
        }
    }

    /// Reads up to the next `bfee` record, skipping records of other codes, into `self.buf`;
    /// returns the body's file offset, `None` at the end of the input.
    fn next_bfee(&mut self) -> FormatResult<Option<u64>> {
        loop {
            if self.src.at_end() {
                return Ok(None);
            }
            let record_at = self.src.position();
            let mut head = [0u8; 3];
            self.src.read_exact(&mut head, "record header")?;
            let field_len = u64::from(u16::from_be_bytes([head[0], head[1]]));
            if field_len == 0 {
                return Err(FormatError::malformed(
                    Format::Intel5300,
                    record_at,
                    Reason::InvalidField,
                    "record length 0 (it counts the code byte)",
                ));
            }
            if head[2] != BFEE_CODE {
                self.src.skip(field_len - 1, "record")?;
                continue;
            }
            let body_at = self.src.position();
            self.src
                .read_into(&mut self.buf, field_len - 1, "bfee record")?;
            return Ok(Some(body_at));
        }
    }
}

impl<R: BufRead + Send + Sync> FrameReader for Intel5300Reader<R> {
    fn format(&self) -> Format {
        Format::Intel5300
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        let Some(body_at) = self.next_bfee()? else {
            return Ok(None);
        };
        let (b, payload) = parse_bfee(&self.buf, body_at)?;
        let (csi, perm) = decode_payload(payload, b.n_rx, b.n_tx, b.antenna_sel);
        let micros = self.clock.next(b.timestamp_low);
        let mut frame = Frame::new(micros as f64 * 1e-6, N_SUBCARRIERS, b.n_rx, b.n_tx, csi);
        frame.meta = b.meta().to_vec();
        frame.perm = Some(perm);
        Ok(Some(frame))
    }

    // Decodes straight into the capture's padded array: no per-frame allocation or copy.
    fn next_into(&mut self, builder: &mut CaptureBuilder) -> FormatResult<bool> {
        let Some(body_at) = self.next_bfee()? else {
            return Ok(false);
        };
        let (b, payload) = parse_bfee(&self.buf, body_at)?;
        let micros = self.clock.next(b.timestamp_low);
        let fields = FrameFields {
            timestamp_s: micros as f64 * 1e-6,
            shape: [N_SUBCARRIERS, b.n_rx, b.n_tx],
            meta: &b.meta(),
            mac: None,
            perm: Some(permutation(b.antenna_sel)),
        };
        builder.push_decoded(fields, |out, to| {
            decode_payload_into(payload, b.n_rx, b.n_tx, b.antenna_sel, out, to);
        });
        Ok(true)
    }

    source_progress!();
}
