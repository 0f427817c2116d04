//! CSI files of other tools (crate `wifi-densepose-formats`): the whole-file read, the chunked
//! reader and format detection. A capture crosses as a dict of numpy arrays that
//! `wifi_densepose.io.CsiCapture` wraps.
//!
//! Malformed files raise `wifi_densepose.errors.FormatError` (a `ValidationError`) with
//! `format`, `offset`, `line`, `reason` and `path`; other errors go through `errors::to_pyerr`.

use std::path::PathBuf;

use ndarray::{Array1, Array2, Array4};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use wifi_densepose_core::ErrorInfo;
use wifi_densepose_formats::{
    mac_string, open, read_all, read_chunk, Capture, Format, FormatError, FrameReader, NexmonChip,
    ReadOptions,
};

use super::raise_with;
use crate::arrays::readonly_array;
use crate::errors::{to_pyerr, validation_error};

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
    path: &PathBuf,
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
    let shape = (c.n_frames, c.n_subcarriers, c.n_rx, c.n_tx);
    let to4 = |values| {
        Array4::from_shape_vec(shape, values).map_err(|e| validation_error("csi", e.to_string()))
    };
    d.set_item("format", c.format.as_str())?;
    d.set_item("has_phase", c.has_phase)?;
    d.set_item("timestamp_doc", c.format.timestamp_doc())?;
    d.set_item("csi", readonly_array(py, to4(c.csi)?)?)?;
    match c.csi_scaled {
        Some(s) => d.set_item("csi_scaled", readonly_array(py, to4(s)?)?)?,
        None => d.set_item("csi_scaled", py.None())?,
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

/// Reads a whole CSI file of another tool (see `CSI_FORMATS`) into a dict of numpy arrays;
/// `format` "auto" detects it. `chip` names the Nexmon chip when the packets' chip field does not.
#[pyfunction]
#[pyo3(signature = (path, format="auto", *, chip=None))]
fn read_csi_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    format: &str,
    chip: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut reader = open_reader(py, &path, format, chip)?;
    let shown = path.display().to_string();
    let capture = py
        .detach(|| read_all(reader.as_mut()))
        .map_err(|e| format_error(&e, &shown))?;
    capture_dict(py, capture)
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
/// `read_csi_file`'s; `position` and `size` (bytes) give the progress. One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "CsiFileReader")]
pub struct PyCsiFileReader {
    reader: Box<dyn FrameReader>,
    path: String,
    chunk_frames: usize,
}

#[pymethods]
impl PyCsiFileReader {
    #[new]
    #[pyo3(signature = (path, format="auto", *, chip=None, chunk_frames=4096))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        format: &str,
        chip: Option<&str>,
        chunk_frames: usize,
    ) -> PyResult<Self> {
        if chunk_frames == 0 {
            return Err(validation_error("chunk_frames", "must be at least 1"));
        }
        let reader = open_reader(py, &path, format, chip)?;
        Ok(PyCsiFileReader {
            reader,
            path: path.display().to_string(),
            chunk_frames,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let n = self.chunk_frames;
        let reader = &mut self.reader;
        let chunk = py
            .detach(|| read_chunk(reader.as_mut(), n))
            .map_err(|e| format_error(&e, &self.path))?;
        chunk.map(|c| capture_dict(py, c)).transpose()
    }

    /// The detected (or given) format's name.
    #[getter]
    fn format(&self) -> &'static str {
        self.reader.format().as_str()
    }

    /// Bytes read so far.
    #[getter]
    fn position(&self) -> u64 {
        self.reader.position()
    }

    /// The file's size, bytes.
    #[getter]
    fn size(&self) -> u64 {
        self.reader.total_len()
    }

    #[getter]
    fn path(&self) -> &str {
        &self.path
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
    m.add("CSI_FORMATS", pyo3::types::PyTuple::new(m.py(), names)?)?;
    m.add_class::<PyCsiFileReader>()?;
    m.add_function(wrap_pyfunction!(read_csi_file, m)?)?;
    m.add_function(wrap_pyfunction!(detect_csi_format, m)?)?;
    Ok(())
}
