//! One frame as a reader yields it, and many frames gathered into one padded capture.

use num_complex::Complex64;

use crate::error::Malformed;
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
            meta: Vec::new(),
            mac: None,
            perm: None,
        }
    }
}

/// A frame's fields other than its CSI, for [`CaptureBuilder::push_decoded`].
#[derive(Debug, Clone, Copy)]
pub struct FrameFields<'a> {
    pub timestamp_s: f64,
    /// `(n_subcarriers, n_rx, n_tx)` of the frame.
    pub shape: [usize; 3],
    pub meta: &'a [(&'static str, f64)],
    pub mac: Option<[u8; 6]>,
    pub perm: Option<[u8; 3]>,
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
    /// `(n_subcarriers, n_rx, n_tx)` of each frame before padding.
    pub frame_shape: Vec<[usize; 3]>,
    /// Numeric metadata columns in first-seen order, each `n_frames` long.
    pub meta: Vec<(&'static str, Vec<f64>)>,
    /// Source MAC per frame (all-zero where a frame has none), when any frame has one.
    pub macs: Option<Vec<[u8; 6]>>,
    /// Antenna permutation per frame, when any frame has one.
    pub perm: Option<Vec<[u8; 3]>>,
    /// Set when a lenient read stopped at an input that ends inside a frame: where and why.
    pub truncated: Option<Malformed>,
}

impl Capture {
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

/// Gathers frames one at a time into a [`Capture`] without holding the frames: each frame's
/// values are appended to the capture's flat arrays as it arrives.
#[derive(Debug)]
pub struct CaptureBuilder {
    format: Format,
    dims: [usize; 3],
    timestamps_s: Vec<f64>,
    csi: Vec<Complex64>,
    frame_shape: Vec<[usize; 3]>,
    meta: Vec<(&'static str, Vec<f64>)>,
    macs: Option<Vec<[u8; 6]>>,
    perm: Option<Vec<[u8; 3]>>,
}

const ZERO: Complex64 = Complex64::new(0.0, 0.0);

impl Capture {
    /// `(n_subcarriers, n_rx, n_tx)`.
    pub fn dims(&self) -> [usize; 3] {
        [self.n_subcarriers, self.n_rx, self.n_tx]
    }

    /// Appends `other`'s per-frame fields (timestamps, frame shapes, metadata columns, MACs,
    /// permutations) and grows the dimensions to cover its frames; its CSI is left to the
    /// caller, who keeps the CSI of a capture gathered in chunks elsewhere ([`relayout`]).
    pub fn extend_frame_fields(&mut self, other: &Capture) {
        let (n, m) = (self.n_frames, other.n_frames);
        self.timestamps_s.extend_from_slice(&other.timestamps_s);
        self.frame_shape.extend_from_slice(&other.frame_shape);
        for (name, values) in &other.meta {
            let column = match self.meta.iter().position(|(c, _)| c == name) {
                Some(c) => c,
                None => {
                    self.meta.push((name, vec![f64::NAN; n]));
                    self.meta.len() - 1
                }
            };
            self.meta[column].1.extend_from_slice(values);
        }
        for (_, values) in &mut self.meta {
            values.resize(n + m, f64::NAN);
        }
        if self.macs.is_some() || other.macs.is_some() {
            let macs = self.macs.get_or_insert_with(|| vec![[0; 6]; n]);
            match &other.macs {
                Some(o) => macs.extend_from_slice(o),
                None => macs.resize(n + m, [0; 6]),
            }
        }
        if self.perm.is_some() || other.perm.is_some() {
            let perm = self.perm.get_or_insert_with(|| vec![[0; 3]; n]);
            match &other.perm {
                Some(o) => perm.extend_from_slice(o),
                None => perm.resize(n + m, [0; 3]),
            }
        }
        self.n_frames = n + m;
        self.n_subcarriers = self.n_subcarriers.max(other.n_subcarriers);
        self.n_rx = self.n_rx.max(other.n_rx);
        self.n_tx = self.n_tx.max(other.n_tx);
    }
}

/// Copies one frame's `values` of shape `from` into `out` (zero-filled, shape `to` ≥ `from`
/// in every dimension).
pub fn place(out: &mut [Complex64], values: &[Complex64], from: [usize; 3], to: [usize; 3]) {
    if from == to {
        out.copy_from_slice(values);
        return;
    }
    let [fs, fr, ft] = from;
    for s in 0..fs {
        for r in 0..fr {
            let src = (s * fr + r) * ft;
            let dst = (s * to[1] + r) * to[2];
            out[dst..dst + ft].copy_from_slice(&values[src..src + ft]);
        }
    }
}

/// Copies `n` frames of shape `from` (`src`) into `dst` (zero-filled, `n` frames of shape `to`
/// ≥ `from`).
pub fn relayout(
    src: &[Complex64],
    n: usize,
    from: [usize; 3],
    dst: &mut [Complex64],
    to: [usize; 3],
) {
    let (old, new) = (from.iter().product::<usize>(), to.iter().product::<usize>());
    if from == to {
        dst[..n * new].copy_from_slice(&src[..n * old]);
        return;
    }
    for t in 0..n {
        place(
            &mut dst[t * new..(t + 1) * new],
            &src[t * old..(t + 1) * old],
            from,
            to,
        );
    }
}

/// Re-lays `data` (`n` frames of shape `from`) out as frames of the larger shape `to`, keeping
/// room for as many frames as `data` had room for: a capture whose first frame is smaller than
/// later ones (Intel 5300 files mixing 1, 2 and 3 transmit chains) otherwise loses its
/// reservation and regrows by doubling, copying every value several times.
fn regrow(data: &mut Vec<Complex64>, n: usize, from: [usize; 3], to: [usize; 3]) {
    let (old, new) = (from.iter().product::<usize>(), to.iter().product::<usize>());
    let room_frames = data.capacity().checked_div(old).unwrap_or(0).max(n);
    let mut out = Vec::new();
    if out.try_reserve(room_frames.saturating_mul(new)).is_err() {
        out.reserve(n * new);
    }
    out.resize(n * new, ZERO);
    relayout(data, n, from, &mut out, to);
    *data = out;
}

impl CaptureBuilder {
    pub fn new(format: Format) -> Self {
        Self::with_buffer(format, Vec::new())
    }

    /// A builder keeping the CSI in `buffer` (cleared; its allocation is reused).
    pub fn with_buffer(format: Format, mut buffer: Vec<Complex64>) -> Self {
        buffer.clear();
        CaptureBuilder {
            format,
            dims: [0; 3],
            timestamps_s: Vec::new(),
            csi: buffer,
            frame_shape: Vec::new(),
            meta: Vec::new(),
            macs: None,
            perm: None,
        }
    }

    pub fn n_frames(&self) -> usize {
        self.timestamps_s.len()
    }

    /// Reserves room for `frames` more frames of the current shape (a hint: a failed reservation
    /// is ignored and the arrays grow as frames arrive).
    pub fn reserve(&mut self, frames: usize) {
        let values = frames.saturating_mul(self.dims.iter().product());
        let _ = self.csi.try_reserve(values);
        let _ = self.timestamps_s.try_reserve(frames);
        let _ = self.frame_shape.try_reserve(frames);
        for (_, column) in &mut self.meta {
            let _ = column.try_reserve(frames);
        }
    }

    /// Appends one frame, padding it (or, when it is larger, every earlier frame) with zeros.
    pub fn push(&mut self, f: Frame) {
        let shape = [f.n_subcarriers, f.n_rx, f.n_tx];
        self.grow(shape);
        if shape == self.dims {
            self.csi.extend_from_slice(&f.csi);
        } else {
            let to = self.dims;
            place(self.slot(), &f.csi, shape, to);
        }
        self.push_fields(FrameFields {
            timestamp_s: f.timestamp_s,
            shape,
            meta: &f.meta,
            mac: f.mac,
            perm: f.perm,
        });
    }

    /// Appends one frame whose values `fill` writes into its slot of the capture's array: a
    /// zero-filled frame of the capture's (padded) shape, which `fill` receives with the slot.
    pub fn push_decoded(
        &mut self,
        fields: FrameFields<'_>,
        fill: impl FnOnce(&mut [Complex64], [usize; 3]),
    ) {
        self.grow(fields.shape);
        let to = self.dims;
        fill(self.slot(), to);
        self.push_fields(fields);
    }

    /// Grows the capture's dimensions to cover a frame of `shape`.
    fn grow(&mut self, shape: [usize; 3]) {
        let grown = [0, 1, 2].map(|i| self.dims[i].max(shape[i]));
        if grown != self.dims {
            let n = self.n_frames();
            regrow(&mut self.csi, n, self.dims, grown);
            self.dims = grown;
        }
    }

    /// A new zero-filled frame at the end of the array.
    fn slot(&mut self) -> &mut [Complex64] {
        let base = self.csi.len();
        self.csi
            .resize(base + self.dims.iter().product::<usize>(), ZERO);
        &mut self.csi[base..]
    }

    /// Appends a frame's fields other than its CSI (which the caller has appended).
    fn push_fields(&mut self, f: FrameFields<'_>) {
        let n = self.n_frames();
        for (i, &(name, value)) in f.meta.iter().enumerate() {
            // Frames of one reader list their fields in the same order: try position i first.
            let column = match self.meta.get(i) {
                Some((c, _)) if *c == name => i,
                _ => match self.meta.iter().position(|(c, _)| *c == name) {
                    Some(c) => c,
                    None => {
                        self.meta.push((name, vec![f64::NAN; n]));
                        self.meta.len() - 1
                    }
                },
            };
            let values = &mut self.meta[column].1;
            if values.len() == n {
                values.push(value);
            }
        }
        for (_, values) in &mut self.meta {
            if values.len() == n {
                values.push(f64::NAN);
            }
        }
        if f.mac.is_some() && self.macs.is_none() {
            self.macs = Some(vec![[0; 6]; n]);
        }
        if let Some(macs) = self.macs.as_mut() {
            macs.push(f.mac.unwrap_or([0; 6]));
        }
        if f.perm.is_some() && self.perm.is_none() {
            self.perm = Some(vec![[0; 3]; n]);
        }
        if let Some(perm) = self.perm.as_mut() {
            perm.push(f.perm.unwrap_or([0; 3]));
        }
        self.timestamps_s.push(f.timestamp_s);
        self.frame_shape.push(f.shape);
    }

    pub fn finish(self) -> Capture {
        let [n_subcarriers, n_rx, n_tx] = self.dims;
        Capture {
            format: self.format,
            has_phase: self.format.has_phase(),
            n_frames: self.timestamps_s.len(),
            n_subcarriers,
            n_rx,
            n_tx,
            timestamps_s: self.timestamps_s,
            csi: self.csi,
            frame_shape: self.frame_shape,
            meta: self.meta,
            macs: self.macs,
            perm: self.perm,
            truncated: None,
        }
    }
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_string(mac: &[u8; 6]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(17);
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}
