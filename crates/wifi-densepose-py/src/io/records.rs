//! Recording lines as typed records, the streaming `read_recording` iterator and the whole-file
//! `Recording`.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use ndarray::{Array1, Array2};
use num_complex::Complex64;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use wifi_densepose_wire::recording::{LineOutcome, NodeSummary, RecordBody};
use wifi_densepose_wire::{IqOrder, ReadMode, Record, Recording, RecordingMeta, RecordingReader};

use super::{iq_order_arg, recording_warning, wire_error};
use crate::arrays::readonly_array;
use crate::errors::{shape_error, OrRaise};
use crate::frame::PyCsiFrame;
use crate::getters::getters;
use crate::serialize::{value_to_py, Wrapper};

fn mode(strict: bool) -> ReadMode {
    if strict {
        ReadMode::Strict
    } else {
        ReadMode::Lenient
    }
}

/// The getters every record class shares.
macro_rules! record_class {
    ($py_ty:ident, $name:literal, $doc:literal $(, { $($extra:ident : $extra_ty:ty),* })?) => {
        #[doc = $doc]
        #[pyclass(module = "wifi_densepose._core", name = $name, frozen)]
        pub struct $py_ty {
            record: Record,
            $($($extra: $extra_ty,)*)?
        }

        getters!($py_ty, |this| {
            /// 1-based line number in the file.
            line: usize = this.record.line,

            /// Host receive time, Unix seconds.
            timestamp: f64 = this.record.timestamp,
            node_id: u8 = this.record.node_id,
            magic: u32 = this.record.magic,

            /// Length of the whole datagram, bytes.
            size: u64 = this.record.size,

            /// RSSI in dBm, or None when the recorded value is ≥ 0 (not a signal strength).
            rssi: Option<f64> = this.record.rssi_dbm(),

            /// The `rssi` value exactly as recorded.
            recorded_rssi: f64 = this.record.recorded_rssi,

            /// The line's `type`, or None for an untyped line.
            r#type: Option<&str> = this.record.type_name(),
        });

        #[pymethods]
        impl $py_ty {
            /// The line as written by a RuView-compatible recorder (no newline).
            fn to_json_line(&self) -> PyResult<String> {
                self.record.to_json_line().or_raise()
            }
        }
    };
}

record_class!(
    PyRawCsiRecord,
    "RawCsiRecord",
    "A `raw_csi` line: the I/Q payload of one CSI frame without its header; `iq_order` is the default of `complex`, `phase` and `to_frame`.",
    { iq_order: IqOrder }
);
record_class!(
    PyVitalsRecord,
    "VitalsRecord",
    "A `vitals` line: the node's own edge-vitals estimate (rates in BPM)."
);
record_class!(
    PyFeatureRecord,
    "FeatureRecord",
    "A `feature` line: the node's eight features."
);
record_class!(
    PyOtherRecord,
    "OtherRecord",
    "An untyped line, or a line of a `type` this reader does not decode (its keys are in `fields`)."
);

impl PyRawCsiRecord {
    fn raw(&self) -> PyResult<&wifi_densepose_wire::recording::RawCsiRecord> {
        match &self.record.body {
            RecordBody::RawCsi(r) => Ok(r),
            _ => Err(shape_error("record", "a raw_csi line", "another type")),
        }
    }

    fn order_or_default(&self, iq_order: Option<&str>) -> PyResult<IqOrder> {
        iq_order.map_or(Ok(self.iq_order), iq_order_arg)
    }

    fn shaped<'py, T: numpy::Element>(
        &self,
        py: Python<'py>,
        values: Vec<T>,
    ) -> PyResult<Bound<'py, PyArray2<T>>> {
        let raw = self.raw()?;
        let shape = (usize::from(raw.n_antennas), usize::from(raw.subcarriers));
        readonly_array(
            py,
            Array2::from_shape_vec(shape, values)
                .map_err(|e| shape_error("iq_hex", "n_antennas·subcarriers pairs", e))?,
        )
    }
}

#[pymethods]
impl PyRawCsiRecord {
    /// Complex CSI `[antenna, subcarrier]` (complex128); `iq_order` "iq" or "qi".
    #[pyo3(signature = (iq_order=None))]
    fn complex<'py>(
        &self,
        py: Python<'py>,
        iq_order: Option<&str>,
    ) -> PyResult<Bound<'py, PyArray2<Complex64>>> {
        let order = self.order_or_default(iq_order)?;
        self.shaped(py, self.raw()?.complex(order))
    }
    /// Amplitudes `[antenna, subcarrier]`.
    fn amplitude<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        self.shaped(py, self.raw()?.amplitude())
    }
    /// Phases in radians `[antenna, subcarrier]`.
    #[pyo3(signature = (iq_order=None))]
    fn phase<'py>(
        &self,
        py: Python<'py>,
        iq_order: Option<&str>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let order = self.order_or_default(iq_order)?;
        self.shaped(py, self.raw()?.phase(order))
    }
    /// A `CsiFrame` of one antenna row; `sample_index` and `sample_rate_hz` (Hz) are given by
    /// the caller, since a recording keeps no frame counter.
    #[pyo3(signature = (*, sample_index, sample_rate_hz, antenna=0, iq_order=None))]
    fn to_frame(
        &self,
        sample_index: u64,
        sample_rate_hz: f64,
        antenna: usize,
        iq_order: Option<&str>,
    ) -> PyResult<PyCsiFrame> {
        let order = self.order_or_default(iq_order)?;
        self.raw()?
            .to_frame(sample_index, sample_rate_hz, antenna, order)
            .or_raise()
            .map(PyCsiFrame::wrap)
    }
    fn __repr__(&self) -> PyResult<String> {
        let raw = self.raw()?;
        Ok(format!(
            "RawCsiRecord(line={}, timestamp={}, node_id={}, subcarriers={}, n_antennas={})",
            self.record.line,
            self.record.timestamp,
            self.record.node_id,
            raw.subcarriers,
            raw.n_antennas
        ))
    }
}

getters!(PyRawCsiRecord, |this| {
    /// Subcarrier bins per antenna.
    subcarriers: PyResult<u16> = Ok(this.raw()?.subcarriers),

    n_antennas: PyResult<u8> = Ok(this.raw()?.n_antennas),

    /// The I/Q payload bytes.
    iq(py): PyResult<Bound<'py, PyBytes>> = Ok(PyBytes::new(py, &this.raw()?.iq)),

    /// The I/Q order `complex`, `phase` and `to_frame` use by default: "iq" or "qi".
    iq_order: &'static str = this.iq_order.as_str(),
});

impl PyVitalsRecord {
    fn vitals(&self) -> PyResult<&wifi_densepose_wire::recording::VitalsRecord> {
        match &self.record.body {
            RecordBody::Vitals(v) => Ok(v),
            _ => Err(shape_error("record", "a vitals line", "another type")),
        }
    }
}

#[pymethods]
impl PyVitalsRecord {
    fn __repr__(&self) -> PyResult<String> {
        let v = self.vitals()?;
        Ok(format!(
            "VitalsRecord(line={}, timestamp={}, node_id={}, breathing_bpm={}, heart_bpm={}, flags={}, n_persons={})",
            self.record.line, self.record.timestamp, self.record.node_id, v.breathing_bpm, v.heartrate_bpm, v.flags, v.n_persons
        ))
    }
}

getters!(PyVitalsRecord, |this| {
    /// Bit 0 presence, bit 1 fall, bit 2 motion.
    flags: PyResult<u8> = Ok(this.vitals()?.flags),

    presence: PyResult<bool> = Ok(this.vitals()?.presence()),
    fall_detected: PyResult<bool> = Ok(this.vitals()?.fall_detected()),
    motion: PyResult<bool> = Ok(this.vitals()?.motion()),

    /// Breathing rate in BPM (0 = no estimate).
    breathing_bpm: PyResult<f64> = Ok(this.vitals()?.breathing_bpm),

    /// Heart rate in BPM (0 = no estimate; the line's `heartrate_bpm`).
    heart_bpm: PyResult<f64> = Ok(this.vitals()?.heartrate_bpm),

    /// Deprecated spelling of `heart_bpm`.
    heartrate_bpm(py): PyResult<f64> = {
        crate::errors::deprecated(py, "VitalsRecord.heartrate_bpm", "VitalsRecord.heart_bpm")?;
        this.heart_bpm()
    },

    n_persons: PyResult<u8> = Ok(this.vitals()?.n_persons),

    /// Device motion metric (not normalised).
    motion_energy: PyResult<f64> = Ok(this.vitals()?.motion_energy),

    /// Device presence metric (not normalised).
    presence_score: PyResult<f64> = Ok(this.vitals()?.presence_score),
});

#[pymethods]
impl PyFeatureRecord {
    fn __repr__(&self) -> String {
        format!(
            "FeatureRecord(line={}, timestamp={}, node_id={})",
            self.record.line, self.record.timestamp, self.record.node_id
        )
    }
}

getters!(PyFeatureRecord, |this| {
    /// The eight features, in packet order.
    features: PyResult<[f64; 8]> = {
        match &this.record.body {
            RecordBody::Feature(f) => Ok(f.features),
            _ => Err(shape_error("record", "a feature line", "another type")),
        }
    },

    seq: PyResult<u16> = {
        match &this.record.body {
            RecordBody::Feature(f) => Ok(f.seq),
            _ => Err(shape_error("record", "a feature line", "another type")),
        }
    },
});

#[pymethods]
impl PyOtherRecord {
    fn __repr__(&self) -> String {
        format!(
            "OtherRecord(line={}, timestamp={}, node_id={}, magic=0x{:08X}, type={:?})",
            self.record.line,
            self.record.timestamp,
            self.record.node_id,
            self.record.magic,
            self.record.type_name()
        )
    }
}

getters!(PyOtherRecord, |this| {
    /// The keys of the line other than the five common ones and `type`.
    fields(py): PyResult<Bound<'py, PyAny>> = {
        match &this.record.body {
            RecordBody::Other { fields, .. } => {
                value_to_py(py, &serde_json::Value::Object(fields.clone()))
            }
            _ => Ok(PyDict::new(py).into_any()),
        }
    },
});

fn record_to_py(py: Python<'_>, record: Record, iq_order: IqOrder) -> PyResult<Py<PyAny>> {
    Ok(match record.body {
        RecordBody::RawCsi(_) => Py::new(py, PyRawCsiRecord { record, iq_order })?.into_any(),
        RecordBody::Vitals(_) => Py::new(py, PyVitalsRecord { record })?.into_any(),
        RecordBody::Feature(_) => Py::new(py, PyFeatureRecord { record })?.into_any(),
        RecordBody::Untyped | RecordBody::Other { .. } => {
            Py::new(py, PyOtherRecord { record })?.into_any()
        }
    })
}

/// Iterates over the good lines of a `.csi.jsonl` file, one record per line, reading one line
/// at a time. Bad lines raise `RecordingError` (strict) or issue a `RecordingWarning` and are
/// counted in `bad_lines` (lenient). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "RecordingIterator")]
pub struct PyRecordingIterator {
    reader: RecordingReader<BufReader<File>>,
    path: String,
    iq_order: IqOrder,
}

#[pymethods]
impl PyRecordingIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            match self.reader.next_outcome() {
                None => return Ok(None),
                Some(Ok(LineOutcome::Record(r))) => {
                    return record_to_py(py, r, self.iq_order).map(Some)
                }
                Some(Ok(LineOutcome::Skipped(bad))) => {
                    recording_warning(py, &format!("{}: {bad}", self.path))?
                }
                Some(Err(e)) => return Err(wire_error(&e, &self.path)),
            }
        }
    }
}

getters!(PyRecordingIterator, |this| {
    /// Bad lines skipped so far.
    bad_lines: usize = this.reader.bad_lines(),

    /// Physical lines read so far (blank lines included).
    lines_read: usize = this.reader.lines_read(),

    path: &str = &this.path,
});

/// Streams a `.csi.jsonl` recording: an iterator of `RawCsiRecord`, `VitalsRecord`,
/// `FeatureRecord` and `OtherRecord`. `strict=True` raises `RecordingError` (with `line` and
/// `reason`) at the first bad line; otherwise bad lines are skipped with a `RecordingWarning`.
/// `iq_order` ("iq" or "qi") is the default of the raw CSI records' conversions.
#[pyfunction]
#[pyo3(signature = (path, strict=false, *, iq_order="iq"))]
fn read_recording(path: PathBuf, strict: bool, iq_order: &str) -> PyResult<PyRecordingIterator> {
    let iq_order = iq_order_arg(iq_order)?;
    let shown = path.display().to_string();
    let reader = RecordingReader::open(&path, mode(strict)).map_err(|e| wire_error(&e, &shown))?;
    Ok(PyRecordingIterator {
        reader,
        path: shown,
        iq_order,
    })
}

/// (timestamps [T], complex CSI [T, S]).
type CsiArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<Complex64>>);

/// A whole recording: its records, bad-line count, sidecar and per-node access. Immutable.
#[pyclass(module = "wifi_densepose._core", name = "Recording", frozen)]
pub struct PyRecording {
    inner: Recording,
    path: String,
    iq_order: IqOrder,
    records: PyOnceLock<Py<PyTuple>>,
}

impl PyRecording {
    /// The recording and the I/Q order its `csi` uses by default.
    pub(crate) fn parts(&self) -> (&Recording, IqOrder) {
        (&self.inner, self.iq_order)
    }
}

fn meta_to_py<'py>(py: Python<'py>, meta: &RecordingMeta) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", &meta.id)?;
    d.set_item("name", &meta.name)?;
    d.set_item("label", &meta.label)?;
    d.set_item("started_at", &meta.started_at)?;
    d.set_item("ended_at", &meta.ended_at)?;
    d.set_item("duration_secs", meta.duration_secs)?;
    d.set_item("frame_count", meta.frame_count)?;
    d.set_item("file_size_bytes", meta.file_size_bytes)?;
    d.set_item("file_path", &meta.file_path)?;
    let nodes = PyDict::new(py);
    for (id, n) in &meta.nodes {
        nodes.set_item(id.to_string(), n)?;
    }
    d.set_item("nodes", nodes)?;
    Ok(d)
}

/// The time span keys of a summary (seconds): `first_timestamp_s`, `last_timestamp_s` and, when
/// given, `duration_s`, plus their deprecated 2.0 spellings (`first_timestamp`,
/// `last_timestamp`, `duration_secs`) until 2.2.
fn set_span<T: for<'py> IntoPyObject<'py> + Copy>(
    d: &Bound<'_, PyDict>,
    first: T,
    last: T,
    duration: Option<f64>,
) -> PyResult<()> {
    d.set_item("first_timestamp_s", first)?;
    d.set_item("last_timestamp_s", last)?;
    d.set_item("first_timestamp", first)?;
    d.set_item("last_timestamp", last)?;
    if let Some(duration) = duration {
        d.set_item("duration_s", duration)?;
        d.set_item("duration_secs", duration)?;
    }
    Ok(())
}

fn node_summary_to_py<'py>(py: Python<'py>, s: &NodeSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("node_id", s.node_id)?;
    d.set_item("lines", s.lines)?;
    d.set_item("raw_csi", s.raw_csi)?;
    d.set_item("vitals", s.vitals)?;
    d.set_item("feature", s.feature)?;
    d.set_item("untyped", s.untyped)?;
    d.set_item("other", s.other)?;
    d.set_item("layouts", PyList::new(py, &s.layouts)?)?;
    let null_bins = PyDict::new(py);
    for (n, bins) in &s.null_bins {
        null_bins.set_item(n, bins.clone())?;
    }
    d.set_item("null_bins", null_bins)?;
    set_span(&d, s.first_timestamp, s.last_timestamp, None)?;
    d.set_item("csi_rate_hz", s.csi_rate_hz)?;
    d.set_item("vitals_rate_hz", s.vitals_rate_hz)?;
    Ok(d)
}

#[pymethods]
impl PyRecording {
    /// (n_subcarriers, frame count) of a node's raw CSI, most frequent first.
    fn layouts(&self, node_id: u8) -> Vec<(u16, usize)> {
        self.inner.layouts(node_id)
    }

    /// (timestamps [T] in Unix seconds, complex CSI [T, n_subcarriers]) of a node's raw CSI
    /// frames with `n_subcarriers` bins (default: the node's most frequent count), first
    /// antenna. Raises `NotFoundError` when the node has no raw CSI.
    #[pyo3(signature = (node_id, n_subcarriers=None, *, iq_order=None))]
    fn csi<'py>(
        &self,
        py: Python<'py>,
        node_id: u8,
        n_subcarriers: Option<u16>,
        iq_order: Option<&str>,
    ) -> PyResult<CsiArrays<'py>> {
        let order = iq_order.map_or(Ok(self.iq_order), iq_order_arg)?;
        let series = py
            .detach(|| self.inner.csi(node_id, n_subcarriers, order))
            .map_err(|e| wire_error(&e, &self.path))?;
        let shape = (series.timestamps.len(), usize::from(series.n_subcarriers));
        let values = Array2::from_shape_vec(shape, series.values)
            .map_err(|e| shape_error("csi", "[time, subcarrier]", e))?;
        Ok((
            readonly_array(py, Array1::from(series.timestamps))?,
            readonly_array(py, values)?,
        ))
    }

    /// The node's own edge-vitals records, in file order.
    fn vitals(&self, py: Python<'_>, node_id: u8) -> PyResult<Vec<Py<PyAny>>> {
        self.inner
            .vitals(node_id)
            .map(|(r, _)| record_to_py(py, r.clone(), self.iq_order))
            .collect()
    }

    /// Counts, subcarrier layouts, rates (Hz) and time span as plain data: keys `records`,
    /// `bad_lines`, `kinds`, `first_timestamp_s`, `last_timestamp_s`, `duration_s`, `nodes`
    /// (one dict per node: `node_id`, `lines`, `raw_csi`, `vitals`, `feature`, `untyped`,
    /// `other`, `layouts`, `null_bins` (per layout, the bins that never change: DC and guard
    /// subcarriers), `first_timestamp_s`, `last_timestamp_s`, `csi_rate_hz`, `vitals_rate_hz`).
    /// The 2.0 keys `first_timestamp`, `last_timestamp` and `duration_secs` are still present,
    /// deprecated (removed in 2.2).
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.summary();
        let d = PyDict::new(py);
        d.set_item("records", s.records)?;
        d.set_item("bad_lines", s.bad_lines)?;
        let kinds = PyDict::new(py);
        for (k, n) in &s.kinds {
            kinds.set_item(k, n)?;
        }
        d.set_item("kinds", kinds)?;
        set_span(
            &d,
            s.first_timestamp,
            s.last_timestamp,
            Some(s.duration_secs()),
        )?;
        let nodes = s
            .nodes
            .iter()
            .map(|n| node_summary_to_py(py, n))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("nodes", PyList::new(py, nodes)?)?;
        Ok(d)
    }

    /// The records whose timestamp lies in `[start, end]` (Unix seconds, both ends included;
    /// None leaves that side open) as a new `Recording`; its skipped lines and sidecar are
    /// the whole file's. Raises `ValidationError` naming `start` or `end` for a non-finite
    /// bound or an end before the start.
    #[pyo3(signature = (start=None, end=None))]
    fn window(&self, start: Option<f64>, end: Option<f64>) -> PyResult<PyRecording> {
        let inner = self
            .inner
            .window(start, end)
            .map_err(|e| wire_error(&e, &self.path))?;
        Ok(PyRecording {
            inner,
            path: self.path.clone(),
            iq_order: self.iq_order,
            records: PyOnceLock::new(),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.records.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Recording(path={:?}, records={}, bad_lines={}, nodes={:?})",
            self.path,
            self.inner.records.len(),
            self.inner.bad_lines(),
            self.inner.nodes()
        )
    }
}

getters!(PyRecording, |this| {
    /// Every good record, in file order.
    records(py): PyResult<Bound<'py, PyTuple>> = {
        this.records
            .get_or_try_init(py, || {
                let items = this
                    .inner
                    .records
                    .iter()
                    .map(|r| record_to_py(py, r.clone(), this.iq_order))
                    .collect::<PyResult<Vec<_>>>()?;
                PyTuple::new(py, items).map(Bound::unbind)
            })
            .map(|t| t.bind(py).clone())
    },

    /// Lines skipped as bad (lenient mode).
    bad_lines: usize = this.inner.bad_lines(),

    /// The skipped lines as (line, reason, detail).
    skipped: Vec<(usize, &'static str, String)> = {
        this.inner
            .skipped
            .iter()
            .map(|e| (e.line, e.reason.as_str(), e.detail.clone()))
            .collect()
    },

    /// The `.csi.meta.json` sidecar as a dict (keys in file order), or None when absent.
    meta(py): PyResult<Option<Bound<'py, PyDict>>> = {
        this.inner
            .meta
            .as_ref()
            .map(|m| meta_to_py(py, m))
            .transpose()
    },

    /// Disagreements between the sidecar's counts and the data file.
    meta_warnings: Vec<String> = this.inner.meta_warnings.clone(),

    /// Node ids in ascending order.
    nodes: Vec<u32> = {
        // Widened so that PyO3 builds a list of ints rather than `bytes`.
        this.inner.nodes().into_iter().map(u32::from).collect()
    },

    path: &str = &this.path,

    /// The I/Q order `csi` uses by default: "iq" or "qi".
    iq_order: &'static str = this.iq_order.as_str(),
});

/// Reads a whole `.csi.jsonl` recording (and its `.csi.meta.json` sidecar when present).
/// Lenient by default: bad lines are skipped, counted in `bad_lines` and reported with a
/// `RecordingWarning` naming the line and reason; `strict=True` raises `RecordingError`.
/// `iq_order` ("iq" or "qi") is the default for `Recording.csi`.
#[pyfunction]
#[pyo3(signature = (path, strict=false, *, iq_order="iq"))]
fn load_recording(
    py: Python<'_>,
    path: PathBuf,
    strict: bool,
    iq_order: &str,
) -> PyResult<PyRecording> {
    let order = iq_order_arg(iq_order)?;
    let shown = path.display().to_string();
    let inner = py
        .detach(|| Recording::load(&path, mode(strict)))
        .map_err(|e| wire_error(&e, &shown))?;
    for bad in &inner.skipped {
        recording_warning(py, &format!("{shown}: {bad}"))?;
    }
    for warning in &inner.meta_warnings {
        recording_warning(py, &format!("{shown}: {warning}"))?;
    }
    Ok(PyRecording {
        inner,
        path: shown,
        iq_order: order,
        records: PyOnceLock::new(),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRawCsiRecord>()?;
    m.add_class::<PyVitalsRecord>()?;
    m.add_class::<PyFeatureRecord>()?;
    m.add_class::<PyOtherRecord>()?;
    m.add_class::<PyRecordingIterator>()?;
    m.add_class::<PyRecording>()?;
    m.add_function(wrap_pyfunction!(read_recording, m)?)?;
    m.add_function(wrap_pyfunction!(load_recording, m)?)?;
    Ok(())
}
