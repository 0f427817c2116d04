//! One frame as a reader yields it, and many frames gathered into one padded capture.

use num_complex::Complex64;

use crate::Format;

/// One CSI frame: `csi` is `[subcarrier][rx][tx]` row-major (`n_subcarriers · n_rx · n_tx`
/// values). Amplitude-only formats put amplitudes in the real part.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Seconds; what the clock means depends on the format (see [`Format::timestamp_doc`]).
    pub timestamp_s: f64,
    pub n_subcarriers: usize,
    pub n_rx: usize,
    pub n_tx: usize,
    pub csi: Vec<Complex64>,
    /// Intel 5300 only: the CSI scaled to SNR as `get_scaled_csi.m` defines it.
    pub csi_scaled: Option<Vec<Complex64>>,
    /// Per-frame numeric metadata, `(name, value)`; names carry their unit (`rssi_dbm`, ...).
    pub meta: Vec<(&'static str, f64)>,
    /// Transmitter (source) MAC address, where the format records it.
    pub mac: Option<[u8; 6]>,
    /// Intel 5300 antenna permutation (1-based, as `read_bfee` gives it).
    pub perm: Option<[u8; 3]>,
}

impl Frame {
    pub fn new(
        timestamp_s: f64,
        n_subcarriers: usize,
        n_rx: usize,
        n_tx: usize,
        csi: Vec<Complex64>,
    ) -> Self {
        Frame {
            timestamp_s,
            n_subcarriers,
            n_rx,
            n_tx,
            csi,
            csi_scaled: None,
            meta: Vec::new(),
            mac: None,
            perm: None,
        }
    }
}

/// Many frames as one `[time, subcarrier, rx, tx]` array.
///
/// The capture's dimensions are the largest over its frames; a frame with fewer subcarriers,
/// receive or transmit chains than that is zero-filled, and `frame_shape` says how many of each
/// it really has. A metadata column holds NaN for a frame that lacks the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub format: Format,
    /// False for amplitude-only formats: `csi` then holds amplitudes in the real part.
    pub has_phase: bool,
    pub n_frames: usize,
    pub n_subcarriers: usize,
    pub n_rx: usize,
    pub n_tx: usize,
    pub timestamps_s: Vec<f64>,
    pub csi: Vec<Complex64>,
    pub csi_scaled: Option<Vec<Complex64>>,
    /// `(n_subcarriers, n_rx, n_tx)` of each frame before padding.
    pub frame_shape: Vec<[usize; 3]>,
    /// Numeric metadata columns in first-seen order, each `n_frames` long.
    pub meta: Vec<(&'static str, Vec<f64>)>,
    /// Source MAC per frame (all-zero where a frame has none), when any frame has one.
    pub macs: Option<Vec<[u8; 6]>>,
    /// Antenna permutation per frame, when any frame has one.
    pub perm: Option<Vec<[u8; 3]>>,
}

impl Capture {
    /// Gathers frames into one capture, padding to the largest dimensions.
    pub fn from_frames(format: Format, frames: &[Frame]) -> Capture {
        let n_frames = frames.len();
        let n_subcarriers = frames.iter().map(|f| f.n_subcarriers).max().unwrap_or(0);
        let n_rx = frames.iter().map(|f| f.n_rx).max().unwrap_or(0);
        let n_tx = frames.iter().map(|f| f.n_tx).max().unwrap_or(0);
        let per_frame = n_subcarriers * n_rx * n_tx;
        let any_scaled = frames.iter().any(|f| f.csi_scaled.is_some());

        let mut csi = Vec::with_capacity(n_frames * per_frame);
        let mut csi_scaled = any_scaled.then(|| Vec::with_capacity(n_frames * per_frame));
        let zero = Complex64::new(0.0, 0.0);
        for f in frames {
            let same = f.n_subcarriers == n_subcarriers && f.n_rx == n_rx && f.n_tx == n_tx;
            let place = |out: &mut Vec<Complex64>, values: Option<&Vec<Complex64>>| {
                let Some(values) = values else {
                    out.resize(out.len() + per_frame, zero);
                    return;
                };
                if same {
                    out.extend_from_slice(values);
                    return;
                }
                let base = out.len();
                out.resize(base + per_frame, zero);
                for s in 0..f.n_subcarriers {
                    for r in 0..f.n_rx {
                        let src = (s * f.n_rx + r) * f.n_tx;
                        let dst = base + (s * n_rx + r) * n_tx;
                        out[dst..dst + f.n_tx].copy_from_slice(&values[src..src + f.n_tx]);
                    }
                }
            };
            place(&mut csi, Some(&f.csi));
            if let Some(out) = csi_scaled.as_mut() {
                place(out, f.csi_scaled.as_ref());
            }
        }

        let mut meta: Vec<(&'static str, Vec<f64>)> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            for &(name, value) in &f.meta {
                let column = match meta.iter().position(|(n, _)| *n == name) {
                    Some(c) => c,
                    None => {
                        meta.push((name, vec![f64::NAN; n_frames]));
                        meta.len() - 1
                    }
                };
                meta[column].1[i] = value;
            }
        }
        let macs = frames
            .iter()
            .any(|f| f.mac.is_some())
            .then(|| frames.iter().map(|f| f.mac.unwrap_or([0; 6])).collect());
        let perm = frames
            .iter()
            .any(|f| f.perm.is_some())
            .then(|| frames.iter().map(|f| f.perm.unwrap_or([0; 3])).collect());

        Capture {
            format,
            has_phase: format.has_phase(),
            n_frames,
            n_subcarriers,
            n_rx,
            n_tx,
            timestamps_s: frames.iter().map(|f| f.timestamp_s).collect(),
            csi,
            csi_scaled,
            frame_shape: frames
                .iter()
                .map(|f| [f.n_subcarriers, f.n_rx, f.n_tx])
                .collect(),
            meta,
            macs,
            perm,
        }
    }

    /// The metadata column `name`, if the capture has it.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.meta
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The CSI value of frame `t`, subcarrier `s`, chains `rx`, `tx`.
    pub fn at(&self, t: usize, s: usize, rx: usize, tx: usize) -> Complex64 {
        self.csi[((t * self.n_subcarriers + s) * self.n_rx + rx) * self.n_tx + tx]
    }
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_string(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}
