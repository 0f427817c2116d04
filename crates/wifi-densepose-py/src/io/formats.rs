//! CSI files of other tools (crate `wifi-densepose-formats`): the whole-file read, the chunked
//! reader and format detection. A capture crosses as a dict of numpy arrays that
//! `wifi_densepose.io.CsiCapture` wraps.
//!
//! Malformed files raise `wifi_densepose.errors.FormatError` (a `ValidationError`) with
//! `format`, `offset`, `line`, `reason` and `path`; other errors go through `errors::to_pyerr`.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Array4, Ix1, Ix2, Ix4};
use num_complex::Complex64;
use numpy::{PyArray1, PyArray4, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice};
use wifi_densepose_core::ErrorInfo;
use wifi_densepose_formats::capture::relayout;
use wifi_densepose_formats::intel5300::{scaled_capture, ScaleInputs};
use wifi_densepose_formats::{
    mac_string, open, read_chunk, read_chunk_reusing, Capture, CaptureBuilder, Format, FormatError,
    FrameReader, NexmonChip, ReadOptions,
};

use super::{raise_with, recording_warning};
use crate::arrays::{complex_array, f64_array, readonly_array};
use crate::errors::{shape_error, to_pyerr, validation_error};
use crate::getters::getters;

/// `FormatError(ValidationError)` for malformed or unrecognised files, else the kind's class.
fn format_error(e: &FormatError, path: &str) -> PyErr {
    match e {
        FormatError::Malformed(m) => {
            raise_with("FormatError", format!("{path}: {e}"), e.code(), |kw| {
                kw.set_item("format", m.format.as_str())?;
                kw.set_item("offset", m.offset)?;
                kw.set_item("line", m.line)?;
                kw.set_item("reason", m.reason.as_str())?;
                kw.set_item("path", path)
            })
        }
        FormatError::Unrecognized { tried } => {
            raise_with("FormatError", format!("{path}: {e}"), e.code(), |kw| {
                let names: Vec<&str> = tried.iter().map(|(f, _)| f.as_str()).collect();
                kw.set_item("tried", names)?;
                kw.set_item("reason", "unrecognized")?;
                kw.set_item("path", path)
            })
        }
        other => to_pyerr(other),
    }
}

fn format_arg(name: &str) -> PyResult<Option<Format>> {
    if name == "auto" {
        return Ok(None);
    }
    Format::from_name(name).map(Some).ok_or_else(|| {
        let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        validation_error(
            "format",
            format!("{name:?} is not \"auto\" or one of {known:?}"),
        )
    })
}

fn options_arg(chip: Option<&str>) -> PyResult<ReadOptions> {
    let nexmon_chip = match chip {
        None => None,
        Some(name) => Some(NexmonChip::from_name(name).ok_or_else(|| {
            validation_error(
                "chip",
                format!("{name:?} is not one of \"4339\", \"43455c0\", \"4358\", \"4366c0\""),
            )
        })?),
    };
    Ok(ReadOptions { nexmon_chip })
}

fn open_reader(
    py: Python<'_>,
    path: &Path,
    format: &str,
    chip: Option<&str>,
) -> PyResult<Box<dyn FrameReader>> {
    let format = format_arg(format)?;
    let options = options_arg(chip)?;
    let shown = path.display().to_string();
    py.detach(|| open(path, format, options))
        .map_err(|e| format_error(&e, &shown))
}

/// The capture as the dict `CsiCapture` is built from.
fn capture_dict<'py>(py: Python<'py>, c: Capture) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("format", c.format.as_str())?;
    d.set_item("has_phase", c.has_phase)?;
    d.set_item("timestamp_doc", c.format.timestamp_doc())?;
    // A capture gathered in chunks keeps its CSI elsewhere (`csi` empty): the caller sets it.
    let shape = (c.n_frames, c.n_subcarriers, c.n_rx, c.n_tx);
    if c.csi.len() == shape.0 * shape.1 * shape.2 * shape.3 {
        let csi = Array4::from_shape_vec(shape, c.csi)
            .map_err(|e| validation_error("csi", e.to_string()))?;
        d.set_item("csi", readonly_array(py, csi)?)?;
    }
    d.set_item(
        "timestamps_s",
        readonly_array(py, Array1::from(c.timestamps_s))?,
    )?;
    let frame_shape: Vec<i64> = c
        .frame_shape
        .iter()
        .flat_map(|s| s.iter().map(|&v| v as i64))
        .collect();
    let frame_shape = Array2::from_shape_vec((c.n_frames, 3), frame_shape)
        .map_err(|e| validation_error("frame_shape", e.to_string()))?;
    d.set_item("frame_shape", readonly_array(py, frame_shape)?)?;
    let meta = PyDict::new(py);
    for (name, values) in c.meta {
        meta.set_item(name, readonly_array(py, Array1::from(values))?)?;
    }
    d.set_item("meta", meta)?;
    match c.macs {
        Some(macs) => d.set_item("macs", PyList::new(py, macs.iter().map(mac_string))?)?,
        None => d.set_item("macs", py.None())?,
    }
    match c.perm {
        Some(perm) => {
            let flat: Vec<u8> = perm.iter().flatten().copied().collect();
            let arr = Array2::from_shape_vec((c.n_frames, 3), flat)
                .map_err(|e| validation_error("perm", e.to_string()))?;
            d.set_item("perm", readonly_array(py, arr)?)?
        }
        None => d.set_item("perm", py.None())?,
    }
    Ok(d)
}

/// Frames read per chunk by the whole-file read: small enough for a chunk's CSI to stay in the
/// CPU cache until it is copied into the numpy array that is returned.
const CHUNK_FRAMES: usize = 256;

/// The CSI of a whole file, kept in a numpy-allocated flat array (numpy asks the kernel for huge
/// pages for large arrays, which makes filling hundreds of MB several times cheaper than fresh
/// 4 KiB pages), grown when a chunk has more frames or larger dimensions than planned.
struct NumpyCsi<'py> {
    array: Bound<'py, PyArray1<Complex64>>,
    capacity: usize,
    dims: [usize; 3],
    n: usize,
}

impl<'py> NumpyCsi<'py> {
    fn new(py: Python<'py>, capacity: usize, dims: [usize; 3]) -> Self {
        let values = capacity.saturating_mul(dims.iter().product());
        NumpyCsi {
            array: PyArray1::zeros(py, values, false),
            capacity,
            dims,
            n: 0,
        }
    }

    fn push(&mut self, py: Python<'py>, chunk: &Capture) -> PyResult<()> {
        let dims = [0, 1, 2].map(|i| self.dims[i].max(chunk.dims()[i]));
        let need = self.n + chunk.n_frames;
        if dims != self.dims || need > self.capacity {
            let capacity = if need > self.capacity {
                need.max(self.capacity.saturating_mul(2))
            } else {
                self.capacity
            };
            let grown = PyArray1::zeros(py, capacity * dims.iter().product::<usize>(), false);
            {
                let old = self.array.readonly();
                let mut new = grown.readwrite();
                relayout(
                    old.as_slice()?,
                    self.n,
                    self.dims,
                    new.as_slice_mut()?,
                    dims,
                );
            }
            *self = NumpyCsi {
                array: grown,
                capacity,
                dims,
                n: self.n,
            };
        }
        let per_frame: usize = self.dims.iter().product();
        let mut out = self.array.readwrite();
        let dst = &mut out.as_slice_mut()?[self.n * per_frame..need * per_frame];
        let (from, to) = (chunk.dims(), self.dims);
        py.detach(|| relayout(&chunk.csi, chunk.n_frames, from, dst, to));
        self.n = need;
        Ok(())
    }

    /// The first `n` frames as `[time, subcarrier, rx, tx]`.
    fn finish(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let per_frame: usize = self.dims.iter().product();
        let used = self.array.call_method1(
            "__getitem__",
            (PySlice::new(py, 0, (self.n * per_frame) as isize, 1),),
        )?;
        let [s, r, t] = self.dims;
        let shaped = used.call_method1("reshape", ((self.n, s, r, t),))?;
        let flags = PyDict::new(py);
        flags.set_item("write", false)?;
        shaped.call_method("setflags", (), Some(&flags))?;
        Ok(shaped)
    }
}

/// A `RecordingWarning` for a lenient read that stopped where the file ends inside a frame.
fn warn_truncated(
    py: Python<'_>,
    path: &str,
    chunk: &Capture,
    frames_before: usize,
) -> PyResult<()> {
    match &chunk.truncated {
        Some(m) => {
            let kept = frames_before + chunk.n_frames;
            recording_warning(
                py,
                &format!("{path}: {m}; the {kept} frames before it are kept"),
            )
        }
        None => Ok(()),
    }
}

/// Reads a whole CSI file of another tool (see `CSI_FORMATS`) into a dict of numpy arrays;
/// `format` "auto" detects it. `chip` names the Nexmon chip when the packets' chip field does not.
/// A file that ends inside a frame keeps the frames before it with a `RecordingWarning`, or
/// raises `FormatError` with `strict=True`.
#[pyfunction]
#[pyo3(signature = (path, format="auto", *, chip=None, strict=false))]
fn read_csi_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    format: &str,
    chip: Option<&str>,
    strict: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut reader = open_reader(py, &path, format, chip)?;
    let shown = path.display().to_string();
    let next = |py: Python<'_>, reader: &mut Box<dyn FrameReader>, buffer| {
        py.detach(|| read_chunk_reusing(reader.as_mut(), CHUNK_FRAMES, strict, buffer))
            .map_err(|e| format_error(&e, &shown))
    };
    let Some(mut first) = next(py, &mut reader, Vec::new())? else {
        let format = reader.format();
        return capture_dict(py, CaptureBuilder::new(format).finish());
    };
    if first.n_frames < CHUNK_FRAMES {
        warn_truncated(py, &shown, &first, 0)?;
        return capture_dict(py, first);
    }
    // Room for as many frames as the rest of the file holds if they are like the first chunk's
    // (bounded by the file's size, so no length field can inflate it).
    let per_byte = first.n_frames as f64 / reader.position().max(1) as f64;
    let planned = (per_byte * reader.total_len() as f64).ceil() as usize + 1;
    let mut csi = NumpyCsi::new(py, planned.max(first.n_frames), first.dims());
    csi.push(py, &first)?;
    let mut buffer = std::mem::take(&mut first.csi);
    while let Some(mut chunk) = next(py, &mut reader, buffer)? {
        warn_truncated(py, &shown, &chunk, first.n_frames)?;
        csi.push(py, &chunk)?;
        first.extend_frame_fields(&chunk);
        buffer = std::mem::take(&mut chunk.csi);
    }
    let array = csi.finish(py)?;
    let d = capture_dict(py, first)?;
    d.set_item("csi", array)?;
    Ok(d)
}

/// The format of a CSI file, detected from its first 4,096 bytes; `FormatError` (naming every
/// format tried) when none fits.
#[pyfunction]
fn detect_csi_format(py: Python<'_>, path: PathBuf) -> PyResult<&'static str> {
    let shown = path.display().to_string();
    let reader = py
        .detach(|| open(&path, None, ReadOptions::default()))
        .map_err(|e| format_error(&e, &shown))?;
    Ok(reader.format().as_str())
}

/// Streams a CSI file in chunks of up to `chunk_frames` frames, each a dict like
/// `read_csi_file`'s; `position` and `size` (bytes) give the progress; `strict` as
/// `read_csi_file`. One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "CsiFileReader")]
pub struct PyCsiFileReader {
    reader: Box<dyn FrameReader>,
    path: String,
    chunk_frames: usize,
    strict: bool,
    frames: usize,
}

#[pymethods]
impl PyCsiFileReader {
    #[new]
    #[pyo3(signature = (path, format="auto", *, chip=None, chunk_frames=4096, strict=false))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        format: &str,
        chip: Option<&str>,
        chunk_frames: usize,
        strict: bool,
    ) -> PyResult<Self> {
        if chunk_frames == 0 {
            return Err(validation_error("chunk_frames", "must be at least 1"));
        }
        let reader = open_reader(py, &path, format, chip)?;
        Ok(PyCsiFileReader {
            reader,
            path: path.display().to_string(),
            chunk_frames,
            strict,
            frames: 0,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let (n, strict) = (self.chunk_frames, self.strict);
        let reader = &mut self.reader;
        let chunk = py
            .detach(|| read_chunk(reader.as_mut(), n, strict))
            .map_err(|e| format_error(&e, &self.path))?;
        let Some(chunk) = chunk else {
            return Ok(None);
        };
        warn_truncated(py, &self.path, &chunk, self.frames)?;
        self.frames += chunk.n_frames;
        if chunk.n_frames == 0 {
            return Ok(None);
        }
        capture_dict(py, chunk).map(Some)
    }
}

getters!(PyCsiFileReader, |this| {
    /// The detected (or given) format's name.
    format: &'static str = this.reader.format().as_str(),

    /// Bytes read so far.
    position: u64 = this.reader.position(),

    /// The file's size, bytes.
    size: u64 = this.reader.total_len(),

    path: &str = &this.path,
});

/// The Intel 5300 CSI scaled to SNR as the Linux 802.11n CSI Tool's `get_scaled_csi.m`, for
/// every frame of a capture: `csi` complex `[time, subcarrier, rx, tx]`, `frame_shape`
/// `[time, 3]` (each frame's subcarriers, rx, tx), per-frame RSSI of antennas A, B, C (dB),
/// AGC (dB) and noise (dBm, -127 = unknown). Returns complex `[time, subcarrier, rx, tx]`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn intel5300_scaled_csi<'py>(
    py: Python<'py>,
    csi: &Bound<'py, PyAny>,
    frame_shape: &Bound<'py, PyAny>,
    rssi_a_db: &Bound<'py, PyAny>,
    rssi_b_db: &Bound<'py, PyAny>,
    rssi_c_db: &Bound<'py, PyAny>,
    agc_db: &Bound<'py, PyAny>,
    noise_dbm: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray4<Complex64>>> {
    let csi = complex_array::<Ix4>(csi, "csi")?;
    let view = csi.as_array();
    let dims = view.dim();
    // Borrowed when C-contiguous (what open_recording returns), else copied once.
    let owned: Vec<Complex64>;
    let values: &[Complex64] = match view.as_slice() {
        Some(s) => s,
        None => {
            owned = view.iter().copied().collect();
            &owned
        }
    };
    let shape_arr = f64_array::<Ix2>(frame_shape, "frame_shape")?;
    let shape_view = shape_arr.as_array();
    if shape_view.dim() != (dims.0, 3) {
        return Err(shape_error(
            "frame_shape",
            format!("[{}, 3]", dims.0),
            format!("{:?}", shape_view.dim()),
        ));
    }
    let mut shapes = Vec::with_capacity(dims.0);
    for (t, row) in shape_view.outer_iter().enumerate() {
        let [s, r, x] = [row[0], row[1], row[2]];
        let ok = |v: f64, max: usize| v.fract() == 0.0 && (0.0..=max as f64).contains(&v);
        if !(ok(s, dims.1) && ok(r, dims.2) && ok(x, dims.3)) {
            return Err(validation_error(
                "frame_shape",
                format!("row {t} ({s}, {r}, {x}) exceeds the CSI shape or is not whole numbers"),
            ));
        }
        shapes.push([s as usize, r as usize, x as usize]);
    }
    let column = |obj: &Bound<'py, PyAny>, name: &str| -> PyResult<Vec<f64>> {
        let a = f64_array::<Ix1>(obj, name)?;
        let v = a.as_array().to_vec();
        if v.len() != dims.0 {
            return Err(shape_error(name, format!("{} values", dims.0), v.len()));
        }
        Ok(v)
    };
    let (a, b, c) = (
        column(rssi_a_db, "rssi_a_db")?,
        column(rssi_b_db, "rssi_b_db")?,
        column(rssi_c_db, "rssi_c_db")?,
    );
    let (agc, noise) = (column(agc_db, "agc_db")?, column(noise_dbm, "noise_dbm")?);
    let per_frame = dims.1 * dims.2 * dims.3;
    let inputs = ScaleInputs {
        frame_shape: &shapes,
        rssi_a_db: &a,
        rssi_b_db: &b,
        rssi_c_db: &c,
        agc_db: &agc,
        noise_dbm: &noise,
    };
    // Allocated by numpy (huge pages for large arrays) and filled without the GIL.
    let out = PyArray4::<Complex64>::zeros(py, dims, false);
    {
        let mut w = out.readwrite();
        let dst = w.as_slice_mut()?;
        if !py.detach(|| scaled_capture(values, per_frame, inputs, dst)) {
            return Err(shape_error("csi", "one row per frame", "mismatched inputs"));
        }
    }
    let flags = PyDict::new(py);
    flags.set_item("write", false)?;
    out.call_method("setflags", (), Some(&flags))?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
    m.add("CSI_FORMATS", pyo3::types::PyTuple::new(m.py(), names)?)?;
    m.add_class::<PyCsiFileReader>()?;
    m.add_function(wrap_pyfunction!(read_csi_file, m)?)?;
    m.add_function(wrap_pyfunction!(detect_csi_format, m)?)?;
    m.add_function(wrap_pyfunction!(intel5300_scaled_csi, m)?)?;
    Ok(())
}
