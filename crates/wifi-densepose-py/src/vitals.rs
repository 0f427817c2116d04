//! `wifi_densepose.vitals`: the four vitals stages, their value types and `VitalsPipeline`.
//!
//! `VitalStatus` is a Python `IntEnum` (`wifi_densepose._vital_status`); statuses cross the
//! boundary as their codes. Batch inputs are borrowed `[time, subcarrier]` views of any strides:
//! a row is read in place when it is contiguous and copied only otherwise.

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Ix1, Ix2};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};
use wifi_densepose_core::validate::{ensure_finite_array, ensure_positive};
use wifi_densepose_vitals::breathing::{ruview_breathing_confidence, zero_crossings};
use wifi_densepose_vitals::frames::{ensure_finite_rows, ensure_non_negative_rows};
use wifi_densepose_vitals::heart::{autocorrelation_peak, phase_coherence_fusion, MIN_SUBCARRIERS};
use wifi_densepose_vitals::{
    AlertType, AnomalyAlert, BreathingExtractor, BreathingMethod, CaptureConfig, CaptureVitals,
    CsiVitalPreprocessor, ExtractorConfig, FrameSource, HeartMethod, HeartRateExtractor,
    ResampleStats, VitalAnomalyDetector, VitalEstimate, VitalReading, VitalSignStore, VitalStats,
    VitalStatus, VitalType, VitalsConfig, VitalsPipeline, VitalsResult,
};
use wifi_densepose_wire::IqOrder;

use crate::arrays::{f64_array, readonly_array, CachedArray};
use crate::errors::{deprecated, shape_error, OrRaise};
use crate::frame::PyCsiFrame;
use crate::getters::{fields_dict, getters};
use crate::io::{iq_order_arg, PyRecording};
use crate::serialize::Wrapper;

static VITAL_STATUS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python `VitalStatus` member for a Rust status.
fn status_to_py(py: Python<'_>, status: VitalStatus) -> PyResult<Bound<'_, PyAny>> {
    let enum_type = VITAL_STATUS.get_or_try_init(py, || {
        PyModule::import(py, "wifi_densepose._vital_status")?
            .getattr("VitalStatus")
            .map(Bound::unbind)
    })?;
    enum_type.bind(py).call1((status.code(),))
}

/// Any int-like (a `VitalStatus` member or a plain code) as a status.
fn status_from_py(status: &Bound<'_, PyAny>) -> PyResult<VitalStatus> {
    let code: i64 = status.call_method0("__index__")?.extract()?;
    VitalStatus::from_code(code).or_raise()
}

fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A 1-D float64 input as a slice: borrowed when contiguous, copied otherwise.
fn slice_of<'a>(view: &'a ArrayView1<'_, f64>) -> Cow<'a, [f64]> {
    view.as_slice()
        .map_or_else(|| Cow::Owned(view.to_vec()), Cow::Borrowed)
}

/// A borrowed `[time, column]` array read row by row.
struct ArrayRows<'a>(ArrayView2<'a, f64>);

impl FrameSource for ArrayRows<'_> {
    fn n_frames(&self) -> usize {
        self.0.nrows()
    }

    fn n_columns(&self) -> usize {
        self.0.ncols()
    }

    fn row(&self, frame: usize) -> Cow<'_, [f64]> {
        let row = self.0.row(frame);
        match row.to_slice() {
            Some(values) => Cow::Borrowed(values),
            None => Cow::Owned(row.to_vec()),
        }
    }
}

fn optional_estimate(estimate: Option<VitalEstimate>) -> Option<PyVitalEstimate> {
    estimate.map(PyVitalEstimate)
}

// ---------------------------------------------------------------------------------------------
// Value types

/// One rate estimate: `value_bpm` (breaths or beats per minute, finite, ≥ 0), `confidence`
/// in [0, 1] and `status` (a `VitalStatus`).
#[pyclass(
    module = "wifi_densepose._core",
    name = "VitalEstimate",
    frozen,
    eq,
    from_py_object
)]
#[derive(Clone, PartialEq)]
pub struct PyVitalEstimate(VitalEstimate);

#[pymethods]
impl PyVitalEstimate {
    #[new]
    fn new(value_bpm: f64, confidence: f64, status: &Bound<'_, PyAny>) -> PyResult<Self> {
        VitalEstimate::new(value_bpm, confidence, status_from_py(status)?)
            .or_raise()
            .map(PyVitalEstimate)
    }

    /// (0.0 BPM, confidence 0.0, UNAVAILABLE): a vital with no estimate.
    #[staticmethod]
    fn unavailable() -> Self {
        PyVitalEstimate(VitalEstimate::unavailable())
    }

    fn __hash__(&self) -> u64 {
        hash_of((
            self.0.value_bpm().to_bits(),
            self.0.confidence().to_bits(),
            self.0.status(),
        ))
    }

    /// Pickles as the constructor call.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyType>, (f64, f64, i8)) {
        let e = slf.get().0;
        (
            slf.get_type(),
            (e.value_bpm(), e.confidence(), e.status().code()),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "VitalEstimate(value_bpm={:?}, confidence={:?}, status=VitalStatus.{})",
            self.0.value_bpm(),
            self.0.confidence(),
            self.0.status().name()
        )
    }
}

getters!(PyVitalEstimate, |this| {
    /// Rate in BPM (0.0 when UNAVAILABLE).
    value_bpm: f64,

    /// Confidence in [0, 1].
    confidence: f64,

    status(py): PyResult<Bound<'py, PyAny>> = status_to_py(py, this.0.status()),
});

/// One pipeline output: `breathing` and `heart` estimates (`VitalEstimate`: `value_bpm`,
/// `confidence`, `status`; `to_dict()` gives them flat), the subcarriers used,
/// `signal_quality` in [0, 1], `timestamp_s` (seconds) and `spans_gap` (an estimate's
/// window spans a gap in timestamped input; such an estimate is at best DEGRADED).
#[pyclass(
    module = "wifi_densepose._core",
    name = "VitalReading",
    frozen,
    eq,
    from_py_object
)]
#[derive(Clone, PartialEq)]
pub struct PyVitalReading(VitalReading);

/// An argument given under its name or its deprecated 2.0 name (with a `DeprecationWarning`);
/// a `TypeError` when neither or both are given.
fn renamed<T>(
    py: Python<'_>,
    new: Option<T>,
    old: Option<T>,
    name: &str,
    old_name: &str,
) -> PyResult<T> {
    match (new, old) {
        (Some(v), None) => Ok(v),
        (None, Some(v)) => {
            deprecated(
                py,
                &format!("VitalReading({old_name}=...)"),
                &format!("{name}=..."),
            )?;
            Ok(v)
        }
        (Some(_), Some(_)) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "VitalReading() got both '{name}' and its deprecated name '{old_name}'"
        ))),
        (None, None) => Err(missing(name)),
    }
}

fn missing(name: &str) -> PyErr {
    pyo3::exceptions::PyTypeError::new_err(format!(
        "VitalReading() missing required argument: '{name}'"
    ))
}

#[pymethods]
impl PyVitalReading {
    /// The 2.0 keyword names `respiratory_rate`, `heart_rate` and `timestamp_secs` still work
    /// with a `DeprecationWarning` (until 2.2).
    #[new]
    #[pyo3(signature = (breathing=None, heart=None, subcarrier_count=None, signal_quality=None, timestamp_s=None, spans_gap=false, *, respiratory_rate=None, heart_rate=None, timestamp_secs=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        breathing: Option<PyVitalEstimate>,
        heart: Option<PyVitalEstimate>,
        subcarrier_count: Option<usize>,
        signal_quality: Option<f64>,
        timestamp_s: Option<f64>,
        spans_gap: bool,
        respiratory_rate: Option<PyVitalEstimate>,
        heart_rate: Option<PyVitalEstimate>,
        timestamp_secs: Option<f64>,
    ) -> PyResult<Self> {
        let breathing = renamed(
            py,
            breathing,
            respiratory_rate,
            "breathing",
            "respiratory_rate",
        )?;
        let heart = renamed(py, heart, heart_rate, "heart", "heart_rate")?;
        let timestamp_s = renamed(
            py,
            timestamp_s,
            timestamp_secs,
            "timestamp_s",
            "timestamp_secs",
        )?;
        VitalReading::new(
            breathing.0,
            heart.0,
            subcarrier_count.ok_or_else(|| missing("subcarrier_count"))?,
            signal_quality.ok_or_else(|| missing("signal_quality"))?,
            timestamp_s,
        )
        .or_raise()
        .map(|r| PyVitalReading(r.with_spans_gap(spans_gap)))
    }

    fn __hash__(&self) -> u64 {
        let (rr, hr) = (self.0.respiratory_rate(), self.0.heart_rate());
        hash_of((
            [
                rr.value_bpm(),
                rr.confidence(),
                hr.value_bpm(),
                hr.confidence(),
            ]
            .map(f64::to_bits),
            self.0.timestamp_secs().to_bits(),
            self.0.subcarrier_count(),
            self.0.spans_gap(),
        ))
    }

    /// Pickles as the constructor call.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (
        Bound<'py, PyType>,
        (PyVitalEstimate, PyVitalEstimate, usize, f64, f64, bool),
    ) {
        let r = slf.get().0;
        let args = (
            PyVitalEstimate(r.respiratory_rate()),
            PyVitalEstimate(r.heart_rate()),
            r.subcarrier_count(),
            r.signal_quality(),
            r.timestamp_secs(),
            r.spans_gap(),
        );
        (slf.get_type(), args)
    }

    fn __repr__(&self) -> String {
        let (rr, hr) = (self.0.respiratory_rate(), self.0.heart_rate());
        format!(
            "VitalReading(breathing={:.2} BPM {}, heart={:.2} BPM {}, subcarrier_count={}, signal_quality={:.3}, timestamp_s={:?})",
            rr.value_bpm(),
            rr.status().name(),
            hr.value_bpm(),
            hr.status().name(),
            self.0.subcarrier_count(),
            self.0.signal_quality(),
            self.0.timestamp_secs()
        )
    }
}

getters!(PyVitalReading, |this| {
    /// Breathing rate estimate (breaths per minute).
    breathing: PyVitalEstimate = PyVitalEstimate(this.0.respiratory_rate()),

    /// Heart rate estimate (beats per minute).
    heart: PyVitalEstimate = PyVitalEstimate(this.0.heart_rate()),

    /// Deprecated spelling of `breathing`.
    respiratory_rate(py): PyResult<PyVitalEstimate> = {
        deprecated(
            py,
            "VitalReading.respiratory_rate",
            "VitalReading.breathing",
        )?;
        Ok(this.breathing())
    },

    /// Deprecated spelling of `heart`.
    heart_rate(py): PyResult<PyVitalEstimate> = {
        deprecated(py, "VitalReading.heart_rate", "VitalReading.heart")?;
        Ok(this.heart())
    },

    subcarrier_count: usize,

    /// Mean of the two confidences, in [0, 1].
    signal_quality: f64,

    /// Seconds: the grid time of the reading's frame for timestamped input, else
    /// start_time_s + sample_index / sample_rate_hz.
    timestamp_s: f64 = this.0.timestamp_secs(),

    /// Deprecated spelling of `timestamp_s`.
    timestamp_secs(py): PyResult<f64> = {
        deprecated(
            py,
            "VitalReading.timestamp_secs",
            "VitalReading.timestamp_s",
        )?;
        Ok(this.timestamp_s())
    },

    /// Whether an estimate's window spans a gap longer than the pipeline's `max_gap_s`.
    spans_gap: bool,
});

/// An anomaly: `vital_type` ("respiratory" or "cardiac"), `alert_type` ("apnea",
/// "tachypnea", "bradypnea", "tachycardia", "bradycardia" or "sudden_change"),
/// `severity` in [0, 1] and a human-readable `message`.
#[pyclass(
    module = "wifi_densepose._core",
    name = "AnomalyAlert",
    frozen,
    eq,
    from_py_object
)]
#[derive(Clone, PartialEq)]
pub struct PyAnomalyAlert(AnomalyAlert);

#[pymethods]
impl PyAnomalyAlert {
    #[new]
    fn new(vital_type: &str, alert_type: &str, severity: f64, message: String) -> PyResult<Self> {
        let vital_type = VitalType::parse(vital_type).or_raise()?;
        let alert_type = AlertType::parse(alert_type).or_raise()?;
        AnomalyAlert::new(vital_type, alert_type, severity, message)
            .or_raise()
            .map(PyAnomalyAlert)
    }

    /// Pickles as the constructor call.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (
        Bound<'py, PyType>,
        (&'static str, &'static str, f64, String),
    ) {
        let a = &slf.get().0;
        let args = (
            a.vital_type().as_str(),
            a.alert_type().as_str(),
            a.severity(),
            a.message().to_string(),
        );
        (slf.get_type(), args)
    }

    fn __hash__(&self) -> u64 {
        hash_of((
            self.0.vital_type(),
            self.0.alert_type(),
            self.0.severity().to_bits(),
            self.0.message(),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "AnomalyAlert(vital_type='{}', alert_type='{}', severity={:?}, message={:?})",
            self.0.vital_type().as_str(),
            self.0.alert_type().as_str(),
            self.0.severity(),
            self.0.message()
        )
    }
}

getters!(PyAnomalyAlert, |this| {
    vital_type: &'static str = this.0.vital_type().as_str(),
    alert_type: &'static str = this.0.alert_type().as_str(),
    severity: f64,
    message: &str,
});

/// Summary of a `VitalSignStore`: means, minima and maxima of both rates (BPM, UNAVAILABLE
/// zeros included) and the share of readings with both vitals VALID.
#[pyclass(module = "wifi_densepose._core", name = "VitalStats", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyVitalStats(VitalStats);

#[pymethods]
impl PyVitalStats {
    fn __repr__(&self) -> String {
        let s = &self.0;
        format!(
            "VitalStats(count={}, rr_mean={:?}, hr_mean={:?}, rr_min={:?}, rr_max={:?}, hr_min={:?}, hr_max={:?}, valid_fraction={:?})",
            s.count, s.rr_mean, s.hr_mean, s.rr_min, s.rr_max, s.hr_min, s.hr_max, s.valid_fraction
        )
    }
}

getters!(PyVitalStats, |this| {
    count: usize = this.0.count,
    rr_mean: f64 = this.0.rr_mean,
    hr_mean: f64 = this.0.hr_mean,
    rr_min: f64 = this.0.rr_min,
    rr_max: f64 = this.0.rr_max,
    hr_min: f64 = this.0.hr_min,
    hr_max: f64 = this.0.hr_max,
    valid_fraction: f64 = this.0.valid_fraction,
});

// ---------------------------------------------------------------------------------------------
// Stage 1

/// Stage 1: removes each subcarrier's static component with an exponential moving average
/// (`alpha` clamped to [0.001, 0.999]). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "CsiVitalPreprocessor")]
pub struct PyCsiVitalPreprocessor(CsiVitalPreprocessor);

#[pymethods]
impl PyCsiVitalPreprocessor {
    #[new]
    #[pyo3(signature = (n_subcarriers=56, alpha=0.05))]
    fn new(n_subcarriers: usize, alpha: f64) -> PyResult<Self> {
        CsiVitalPreprocessor::new(n_subcarriers, alpha)
            .or_raise()
            .map(Self)
    }

    /// 56 subcarriers, alpha 0.05.
    #[staticmethod]
    fn esp32_default() -> Self {
        Self(CsiVitalPreprocessor::esp32_default())
    }

    /// Residuals of one frame (a `CsiFrame` or a 1-D amplitude array); the first
    /// min(len, n_subcarriers) values are used. None for an empty input (no state change).
    fn process<'py>(
        &mut self,
        py: Python<'py>,
        frame: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
        let residuals = if let Ok(frame) = frame.cast::<PyCsiFrame>() {
            self.0
                .process(frame.get().inner().amplitudes())
                .or_raise()?
                .map(<[f64]>::to_vec)
        } else {
            let amplitudes = f64_array::<Ix1>(frame, "amplitudes")?;
            let view = amplitudes.as_array();
            self.0
                .process(&slice_of(&view))
                .or_raise()?
                .map(<[f64]>::to_vec)
        };
        residuals
            .map(|r| readonly_array(py, Array1::from(r)))
            .transpose()
    }

    /// Residuals `[time, n]` of amplitudes `[time, subcarrier]`, n = min(columns, n_subcarriers).
    fn process_batch<'py>(
        &mut self,
        py: Python<'py>,
        amplitudes: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let amplitudes = f64_array::<Ix2>(amplitudes, "amplitudes")?;
        let view = ArrayRows(amplitudes.as_array());
        let stage = &mut self.0;
        let out = py.detach(|| stage.process_batch(&view)).or_raise()?;
        let (frames, columns) = (out.n_frames(), out.n_columns());
        let array = Array2::from_shape_vec((frames, columns), out.into_values())
            .map_err(|e| shape_error("residuals", "a regular array", e))?;
        readonly_array(py, array)
    }

    /// Forgets every prediction.
    fn reset(&mut self) {
        self.0.reset();
    }

    #[setter]
    fn set_alpha(&mut self, alpha: f64) -> PyResult<()> {
        self.0.set_alpha(alpha).or_raise()
    }

    fn __repr__(&self) -> String {
        format!(
            "CsiVitalPreprocessor(n_subcarriers={}, alpha={:?})",
            self.0.n_subcarriers(),
            self.0.alpha()
        )
    }
}

getters!(PyCsiVitalPreprocessor, |this| {
    n_subcarriers: usize,

    /// EMA smoothing factor; set values are clamped to [0.001, 0.999], NaN raises.
    alpha: f64,
});

// ---------------------------------------------------------------------------------------------
// Stages 2 and 3

fn extractor_config(
    n_subcarriers: usize,
    sample_rate_hz: f64,
    window_secs: f64,
    min_history_secs: f64,
    valid_threshold: Option<f64>,
    degraded_threshold: Option<f64>,
) -> ExtractorConfig {
    ExtractorConfig {
        n_subcarriers,
        sample_rate_hz,
        window_secs,
        min_history_secs,
        valid_threshold,
        degraded_threshold,
    }
}

fn optional_weights<'py>(weights: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Vec<f64>>> {
    weights
        .map(|w| Ok(f64_array::<Ix1>(w, "weights")?.as_array().to_vec()))
        .transpose()
}

/// The methods the breathing and heart classes share, in a second `#[pymethods]` block
/// (a function cannot add methods to a Python class; `multiple-pymethods` lets a macro do it).
macro_rules! rate_extractor_methods {
    ($class:ty, $public_name:literal, reset: $reset_doc:literal, band: $band_doc:literal) => {
        getters!($class, |this| {
            /// Filtered samples held.
            history_len: usize,

            /// History capacity in samples: floor(sample_rate_hz * window_secs).
            capacity: usize,

            #[doc = $band_doc]
            band: (f64, f64),

            method: &'static str = this.0.method().as_str(),

            /// Sample rate in Hz.
            sample_rate_hz: f64,
        });

        #[pymethods]
        impl $class {
            /// The current estimate, or None below the minimum history or without a usable peak.
            fn estimate(&mut self) -> Option<PyVitalEstimate> {
                optional_estimate(self.0.estimate())
            }

            #[doc = $reset_doc]
            fn reset(&mut self) {
                self.0.reset();
            }

            fn __repr__(&self) -> String {
                format!(
                    concat!(
                        $public_name,
                        "(method='{}', sample_rate_hz={:?}, capacity={}, history_len={})"
                    ),
                    self.0.method().as_str(),
                    self.0.sample_rate_hz(),
                    self.0.capacity(),
                    self.0.history_len()
                )
            }
        }
    };
}

/// Stage 2: breathing rate (0.1–0.5 Hz band, 6–30 BPM) from the weighted sum of residuals.
/// `method` is "spectral" (default) or "ruview" (zero crossings). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "BreathingExtractor")]
pub struct PyBreathingExtractor(BreathingExtractor);

#[pymethods]
impl PyBreathingExtractor {
    #[new]
    #[pyo3(signature = (n_subcarriers=56, sample_rate_hz=100.0, window_secs=30.0, *, method="spectral", min_history_secs=10.0, valid_threshold=None, degraded_threshold=None))]
    fn new(
        n_subcarriers: usize,
        sample_rate_hz: f64,
        window_secs: f64,
        method: &str,
        min_history_secs: f64,
        valid_threshold: Option<f64>,
        degraded_threshold: Option<f64>,
    ) -> PyResult<Self> {
        let method = BreathingMethod::parse(method).or_raise()?;
        let config = extractor_config(
            n_subcarriers,
            sample_rate_hz,
            window_secs,
            min_history_secs,
            valid_threshold,
            degraded_threshold,
        );
        BreathingExtractor::with_config(&config, method)
            .or_raise()
            .map(Self)
    }

    /// 56 subcarriers, 100 Hz, 30 s window, spectral.
    #[staticmethod]
    fn esp32_default() -> Self {
        Self(BreathingExtractor::esp32_default())
    }

    /// Fuses one frame of residuals (weights default to 1/n each), filters it and stores it.
    #[pyo3(signature = (residuals, weights=None))]
    fn push(
        &mut self,
        residuals: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let residuals = f64_array::<Ix1>(residuals, "residuals")?;
        let view = residuals.as_array();
        let weights = optional_weights(weights)?;
        self.0.push(&slice_of(&view), weights.as_deref()).or_raise()
    }

    /// `push` then `estimate`.
    #[pyo3(signature = (residuals, weights=None))]
    fn extract(
        &mut self,
        residuals: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyVitalEstimate>> {
        self.push(residuals, weights)?;
        Ok(self.estimate())
    }

    /// `push` for every row of residuals `[time, subcarrier]`, validated as a whole first.
    #[pyo3(signature = (residuals, weights=None))]
    fn push_batch(
        &mut self,
        py: Python<'_>,
        residuals: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let residuals = f64_array::<Ix2>(residuals, "residuals")?;
        let rows = ArrayRows(residuals.as_array());
        let weights = optional_weights(weights)?;
        let stage = &mut self.0;
        py.detach(|| stage.push_batch(&rows, weights.as_deref()))
            .or_raise()
    }

    /// `extract` for every row: one estimate (or None) per frame.
    #[pyo3(signature = (residuals, weights=None))]
    fn extract_batch(
        &mut self,
        py: Python<'_>,
        residuals: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Option<PyVitalEstimate>>> {
        let residuals = f64_array::<Ix2>(residuals, "residuals")?;
        let rows = ArrayRows(residuals.as_array());
        let weights = optional_weights(weights)?;
        let stage = &mut self.0;
        let out = py
            .detach(|| stage.extract_batch(&rows, weights.as_deref()))
            .or_raise()?;
        Ok(out.into_iter().map(optional_estimate).collect())
    }

    /// Adjacent pairs of opposite sign (an exact zero never counts).
    #[staticmethod]
    fn zero_crossings(signal: &Bound<'_, PyAny>) -> PyResult<usize> {
        let signal = f64_array::<Ix1>(signal, "signal")?;
        ensure_finite_array("signal", &signal.as_array()).or_raise()?;
        Ok(zero_crossings(signal.as_array().iter()))
    }

    /// RuView's confidence min((max|y| / std_pop) / 5, 1); 0 for < 4 samples or a flat signal.
    #[staticmethod]
    fn ruview_confidence(history: &Bound<'_, PyAny>) -> PyResult<f64> {
        let history = f64_array::<Ix1>(history, "history")?;
        ensure_finite_array("history", &history.as_array()).or_raise()?;
        Ok(ruview_breathing_confidence(history.as_array().iter()))
    }
}

rate_extractor_methods!(
    PyBreathingExtractor,
    "BreathingExtractor",
    reset: "Clears the filter state and the history.",
    band: "(0.1, 0.5) Hz."
);

/// Stage 3: heart rate (0.8–2.0 Hz band, 48–120 BPM) from phase-coherence-weighted residuals.
/// `method` is "spectral" (default), "ruview" (integer-lag autocorrelation) or
/// "autocorrelation" (the same with sub-sample refinement). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "HeartRateExtractor")]
pub struct PyHeartRateExtractor(HeartRateExtractor);

#[pymethods]
impl PyHeartRateExtractor {
    #[new]
    #[pyo3(signature = (n_subcarriers=56, sample_rate_hz=100.0, window_secs=15.0, *, method="spectral", min_history_secs=5.0, valid_threshold=None, degraded_threshold=None))]
    fn new(
        n_subcarriers: usize,
        sample_rate_hz: f64,
        window_secs: f64,
        method: &str,
        min_history_secs: f64,
        valid_threshold: Option<f64>,
        degraded_threshold: Option<f64>,
    ) -> PyResult<Self> {
        let method = HeartMethod::parse(method).or_raise()?;
        let config = extractor_config(
            n_subcarriers,
            sample_rate_hz,
            window_secs,
            min_history_secs,
            valid_threshold,
            degraded_threshold,
        );
        HeartRateExtractor::with_config(&config, method)
            .or_raise()
            .map(Self)
    }

    /// 56 subcarriers, 100 Hz, 15 s window, spectral.
    #[staticmethod]
    fn esp32_default() -> Self {
        Self(HeartRateExtractor::esp32_default())
    }

    /// Fuses one frame of residuals by phase coherence (phases in radians), filters and stores it.
    fn push(&mut self, residuals: &Bound<'_, PyAny>, phases: &Bound<'_, PyAny>) -> PyResult<()> {
        let residuals = f64_array::<Ix1>(residuals, "residuals")?;
        let phases = f64_array::<Ix1>(phases, "phases")?;
        let (r, p) = (residuals.as_array(), phases.as_array());
        self.0.push(&slice_of(&r), &slice_of(&p)).or_raise()
    }

    /// `push` then `estimate`.
    fn extract(
        &mut self,
        residuals: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyVitalEstimate>> {
        self.push(residuals, phases)?;
        Ok(self.estimate())
    }

    /// `push` for every row of residuals and phases `[time, subcarrier]`, validated first.
    fn push_batch(
        &mut self,
        py: Python<'_>,
        residuals: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let residuals = f64_array::<Ix2>(residuals, "residuals")?;
        let phases = f64_array::<Ix2>(phases, "phases")?;
        let (r, p) = (
            ArrayRows(residuals.as_array()),
            ArrayRows(phases.as_array()),
        );
        let stage = &mut self.0;
        py.detach(|| stage.push_batch(&r, &p)).or_raise()
    }

    /// `extract` for every row: one estimate (or None) per frame.
    fn extract_batch(
        &mut self,
        py: Python<'_>,
        residuals: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Option<PyVitalEstimate>>> {
        let residuals = f64_array::<Ix2>(residuals, "residuals")?;
        let phases = f64_array::<Ix2>(phases, "phases")?;
        let (r, p) = (
            ArrayRows(residuals.as_array()),
            ArrayRows(phases.as_array()),
        );
        let stage = &mut self.0;
        let out = py.detach(|| stage.extract_batch(&r, &p)).or_raise()?;
        Ok(out.into_iter().map(optional_estimate).collect())
    }

    /// Subcarriers needed for full confidence and a VALID status (4).
    #[getter]
    fn min_subcarriers(&self) -> usize {
        MIN_SUBCARRIERS
    }

    /// Σ r·c / Σ c with c = exp(−|Δphase|) between neighbouring subcarriers (radians).
    #[staticmethod]
    fn phase_coherence_fusion(
        residuals: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<f64> {
        let residuals = f64_array::<Ix1>(residuals, "residuals")?;
        let phases = f64_array::<Ix1>(phases, "phases")?;
        let (r, p) = (residuals.as_array(), phases.as_array());
        Ok(phase_coherence_fusion(&slice_of(&r), &slice_of(&p)))
    }

    /// The autocorrelation peak over the heart lags [floor(fs/2), min(ceil(fs/0.8), N/2)]:
    /// (lag in samples, rho, sub-sample refined lag), or None.
    #[staticmethod]
    fn autocorrelation_peak(
        signal: &Bound<'_, PyAny>,
        sample_rate_hz: f64,
    ) -> PyResult<Option<(usize, f64, f64)>> {
        let signal = f64_array::<Ix1>(signal, "signal")?;
        let view = signal.as_array();
        ensure_finite_array("signal", &view).or_raise()?;
        ensure_positive("sample_rate_hz", sample_rate_hz).or_raise()?;
        Ok(autocorrelation_peak(&slice_of(&view), sample_rate_hz)
            .map(|p| (p.lag, p.rho, p.refined_lag)))
    }
}

rate_extractor_methods!(
    PyHeartRateExtractor,
    "HeartRateExtractor",
    reset: "Clears the filter state, the history and the fused-subcarrier count.",
    band: "(0.8, 2.0) Hz."
);

// ---------------------------------------------------------------------------------------------
// Stage 4 and the store

/// Stage 4: apnea, tachypnea, bradypnea, tachycardia, bradycardia and sudden-change alerts
/// over the stream of readings. One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "VitalAnomalyDetector")]
pub struct PyVitalAnomalyDetector(VitalAnomalyDetector);

#[pymethods]
impl PyVitalAnomalyDetector {
    #[new]
    #[pyo3(signature = (window=60, z_threshold=2.5, *, skip_unavailable=true))]
    fn new(window: usize, z_threshold: f64, skip_unavailable: bool) -> PyResult<Self> {
        VitalAnomalyDetector::new(window, z_threshold, skip_unavailable)
            .or_raise()
            .map(Self)
    }

    /// window 60, z_threshold 2.5, skip_unavailable.
    #[staticmethod]
    fn default_config() -> Self {
        Self(VitalAnomalyDetector::default_config())
    }

    /// Adds the reading to the baselines and returns its alerts in rule order.
    fn check(&mut self, reading: PyRef<'_, PyVitalReading>) -> Vec<PyAnomalyAlert> {
        self.0
            .check(&reading.0)
            .into_iter()
            .map(PyAnomalyAlert)
            .collect()
    }

    /// Clears both baselines and the reading count.
    fn reset(&mut self) {
        self.0.reset();
    }

    fn __repr__(&self) -> String {
        format!(
            "VitalAnomalyDetector(window={}, z_threshold={:?}, skip_unavailable={}, reading_count={})",
            self.0.window(),
            self.0.z_threshold(),
            if self.0.skip_unavailable() { "True" } else { "False" },
            self.0.reading_count()
        )
    }
}

getters!(PyVitalAnomalyDetector, |this| {
    reading_count: u64,

    /// Mean respiratory rate of the baseline (BPM).
    rr_mean: f64,

    /// Mean heart rate of the baseline (BPM).
    hr_mean: f64,

    window: usize,
    z_threshold: f64,
    skip_unavailable: bool,
});

/// A bounded history of readings (capacity max(max_readings, 1)). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "VitalSignStore")]
pub struct PyVitalSignStore(VitalSignStore);

#[pymethods]
impl PyVitalSignStore {
    #[new]
    #[pyo3(signature = (max_readings=3600))]
    fn new(max_readings: usize) -> Self {
        Self(VitalSignStore::new(max_readings))
    }

    /// 3600 readings (about an hour at one reading per second).
    #[staticmethod]
    fn default_capacity() -> usize {
        VitalSignStore::default_capacity()
    }

    /// Appends a reading, evicting the oldest when full.
    fn push(&mut self, reading: PyRef<'_, PyVitalReading>) {
        self.0.push(reading.0);
    }

    fn latest(&self) -> Option<PyVitalReading> {
        self.0.latest().copied().map(PyVitalReading)
    }

    /// The last `n` readings, oldest first.
    fn history(&self, n: usize) -> Vec<PyVitalReading> {
        self.0.history(n).into_iter().map(PyVitalReading).collect()
    }

    /// Summary statistics, or None when empty.
    fn stats(&self) -> Option<PyVitalStats> {
        self.0.stats().map(PyVitalStats)
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "VitalSignStore(len={}, capacity={})",
            self.0.len(),
            self.0.capacity()
        )
    }
}

getters!(PyVitalSignStore, |this| {
    capacity: usize,
});

// ---------------------------------------------------------------------------------------------
// Pipeline

/// The readings of one `VitalsPipeline.process` call. Arrays have one entry per reading and are
/// read-only; an UNAVAILABLE rate or confidence is NaN (the `VitalReading` keeps 0.0).
#[pyclass(module = "wifi_densepose._core", name = "VitalsResult", frozen)]
pub struct PyVitalsResult {
    result: VitalsResult,
    frame_index: CachedArray<i64, Ix1>,
    timestamp_s: CachedArray<f64, Ix1>,
    breathing_bpm: CachedArray<f64, Ix1>,
    breathing_confidence: CachedArray<f64, Ix1>,
    breathing_status: CachedArray<i8, Ix1>,
    heart_bpm: CachedArray<f64, Ix1>,
    heart_confidence: CachedArray<f64, Ix1>,
    heart_status: CachedArray<i8, Ix1>,
    signal_quality: CachedArray<f64, Ix1>,
    spans_gap: CachedArray<bool, Ix1>,
}

impl PyVitalsResult {
    fn new(result: VitalsResult) -> Self {
        let frame_index = result
            .frame_index()
            .iter()
            .map(|&f| i64::try_from(f).unwrap_or(i64::MAX))
            .collect();
        PyVitalsResult {
            frame_index: CachedArray::new(Array1::from_vec(frame_index)),
            timestamp_s: CachedArray::new(Array1::from_vec(result.timestamp_s())),
            breathing_bpm: CachedArray::new(Array1::from_vec(result.breathing_bpm())),
            breathing_confidence: CachedArray::new(Array1::from_vec(result.breathing_confidence())),
            breathing_status: CachedArray::new(Array1::from_vec(result.breathing_status())),
            heart_bpm: CachedArray::new(Array1::from_vec(result.heart_bpm())),
            heart_confidence: CachedArray::new(Array1::from_vec(result.heart_confidence())),
            heart_status: CachedArray::new(Array1::from_vec(result.heart_status())),
            signal_quality: CachedArray::new(Array1::from_vec(result.signal_quality())),
            spans_gap: CachedArray::new(Array1::from_vec(result.spans_gap())),
            result,
        }
    }
}

#[pymethods]
impl PyVitalsResult {
    fn __len__(&self) -> usize {
        self.result.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "VitalsResult(readings={}, alerts={})",
            self.result.len(),
            self.result.alerts().len()
        )
    }
}

getters!(PyVitalsResult, |this| {
    /// The pipeline's 0-based frame counter at each reading (int64).
    frame_index(py): PyResult<Bound<'py, PyArray1<i64>>> = this.frame_index.get(py),

    /// Reading times in seconds.
    timestamp_s(py): PyResult<Bound<'py, PyArray1<f64>>> = this.timestamp_s.get(py),

    /// Breathing rate in breaths per minute (NaN when UNAVAILABLE).
    breathing_bpm(py): PyResult<Bound<'py, PyArray1<f64>>> = this.breathing_bpm.get(py),

    /// Breathing confidence in [0, 1] (NaN when UNAVAILABLE).
    breathing_confidence(py): PyResult<Bound<'py, PyArray1<f64>>> = this.breathing_confidence.get(py),

    /// Breathing `VitalStatus` codes (int8).
    breathing_status(py): PyResult<Bound<'py, PyArray1<i8>>> = this.breathing_status.get(py),

    /// Heart rate in beats per minute (NaN when UNAVAILABLE).
    heart_bpm(py): PyResult<Bound<'py, PyArray1<f64>>> = this.heart_bpm.get(py),

    /// Heart confidence in [0, 1] (NaN when UNAVAILABLE).
    heart_confidence(py): PyResult<Bound<'py, PyArray1<f64>>> = this.heart_confidence.get(py),

    /// Heart `VitalStatus` codes (int8).
    heart_status(py): PyResult<Bound<'py, PyArray1<i8>>> = this.heart_status.get(py),

    /// Mean of the two confidences, in [0, 1].
    signal_quality(py): PyResult<Bound<'py, PyArray1<f64>>> = this.signal_quality.get(py),

    /// Whether each reading's window spans a gap in timestamped input (bool).
    spans_gap(py): PyResult<Bound<'py, PyArray1<bool>>> = this.spans_gap.get(py),

    /// (reading position, alert) for every alert raised.
    alerts(py): PyResult<Bound<'py, PyList>> = {
        let items = this
            .result
            .alerts()
            .iter()
            .map(|(position, alert)| (*position, PyAnomalyAlert(alert.clone())));
        PyList::new(py, items)
    },

    /// The readings as `VitalReading` objects (a list; calling it, the 2.0 spelling
    /// `readings()`, still works with a `DeprecationWarning`).
    readings(py): PyResult<Bound<'py, PyAny>> = {
        let items = this.result.readings().iter().copied().map(PyVitalReading);
        let list = PyList::new(py, items)?;
        let helpers = PyModule::import(py, "wifi_densepose._deprecation")?;
        helpers.getattr("CallableList")?.call1((
            list,
            "VitalsResult.readings()",
            "VitalsResult.readings",
        ))
    },
});

/// The four vitals stages chained: per frame (`push`, `push_arrays`) or over a whole
/// `[time, subcarrier]` buffer (`process`, which releases the GIL). Readings come every
/// `reading_interval_s` seconds of data. Frames given with capture timestamps (seconds) are
/// resampled onto the grid k/`sample_rate_hz` from timestamp 0 by linear interpolation (phases
/// on the circle), with readings on whole multiples of `reading_interval_s`; frames whose time does not increase are dropped and counted in `resample_stats`,
/// and intervals longer than `max_gap_s` are not interpolated across: readings whose window
/// spans one have `spans_gap` set and are at best DEGRADED. With `valid_needs_full_window`
/// an estimate is VALID only once its window is full. A pipeline takes frames with
/// timestamps or without, not both (until `reset`). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "VitalsPipeline")]
pub struct PyVitalsPipeline(VitalsPipeline);

#[pymethods]
impl PyVitalsPipeline {
    #[new]
    #[pyo3(signature = (n_subcarriers=56, sample_rate_hz=100.0, *, alpha=0.05, breathing_window_s=30.0, heart_window_s=15.0, breathing_method="spectral", heart_method="spectral", breathing_weights=None, reading_interval_s=1.0, anomaly_window=60, z_threshold=2.5, skip_unavailable=true, store_capacity=3600, start_time_s=0.0, max_gap_s=0.5, valid_needs_full_window=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        n_subcarriers: usize,
        sample_rate_hz: f64,
        alpha: f64,
        breathing_window_s: f64,
        heart_window_s: f64,
        breathing_method: &str,
        heart_method: &str,
        breathing_weights: Option<&Bound<'_, PyAny>>,
        reading_interval_s: f64,
        anomaly_window: usize,
        z_threshold: f64,
        skip_unavailable: bool,
        store_capacity: usize,
        start_time_s: f64,
        max_gap_s: f64,
        valid_needs_full_window: bool,
    ) -> PyResult<Self> {
        let config = VitalsConfig {
            n_subcarriers,
            sample_rate_hz,
            alpha,
            breathing_window_s,
            heart_window_s,
            breathing_method: BreathingMethod::parse(breathing_method).or_raise()?,
            heart_method: HeartMethod::parse(heart_method).or_raise()?,
            breathing_weights: breathing_weights
                .map(|w| {
                    Ok::<_, PyErr>(
                        f64_array::<Ix1>(w, "breathing_weights")?
                            .as_array()
                            .to_vec(),
                    )
                })
                .transpose()?,
            reading_interval_s,
            anomaly_window,
            z_threshold,
            skip_unavailable,
            store_capacity,
            start_time_s,
            max_gap_s,
            valid_needs_full_window,
            ..VitalsConfig::default()
        };
        VitalsPipeline::new(config).or_raise().map(Self)
    }

    /// 56 subcarriers at 100 Hz with the default (spectral) methods.
    #[staticmethod]
    fn esp32_default() -> Self {
        Self(VitalsPipeline::esp32_default())
    }

    /// RuView's methods: zero-crossing breathing, integer-lag heart rate, skip_unavailable=False.
    #[staticmethod]
    #[pyo3(signature = (n_subcarriers=56, sample_rate_hz=100.0))]
    fn ruview_compatible(n_subcarriers: usize, sample_rate_hz: f64) -> PyResult<Self> {
        VitalsPipeline::ruview_compatible(n_subcarriers, sample_rate_hz)
            .or_raise()
            .map(Self)
    }

    /// One `CsiFrame`; its subcarrier count and rate must match the pipeline. Without
    /// `timestamp_s` its sample_index must increase; with it (capture time, seconds) the frame
    /// is resampled. Returns the latest reading the frame completed (one every
    /// `reading_interval_s`), else None.
    #[pyo3(signature = (frame, timestamp_s=None))]
    fn push(
        &mut self,
        frame: PyRef<'_, PyCsiFrame>,
        timestamp_s: Option<f64>,
    ) -> PyResult<Option<PyVitalReading>> {
        let frame = frame.inner();
        let reading = match timestamp_s {
            None => self.0.push(frame),
            Some(t) => self
                .0
                .check_sample_rate(frame.sample_rate_hz())
                .and_then(|()| self.0.push_timed(t, frame.amplitudes(), frame.phases())),
        };
        Ok(reading.or_raise()?.map(PyVitalReading))
    }

    /// One frame of 1-D amplitudes and phases (radians): sample_index = previous + 1, or
    /// with `timestamp_s` (capture time, seconds) resampled onto the grid.
    #[pyo3(signature = (amplitudes, phases, timestamp_s=None))]
    fn push_arrays(
        &mut self,
        amplitudes: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
        timestamp_s: Option<f64>,
    ) -> PyResult<Option<PyVitalReading>> {
        let amplitudes = f64_array::<Ix1>(amplitudes, "amplitudes")?;
        let phases = f64_array::<Ix1>(phases, "phases")?;
        let (a, p) = (amplitudes.as_array(), phases.as_array());
        let (a, p) = (slice_of(&a), slice_of(&p));
        let reading = match timestamp_s {
            None => self.0.push_arrays(&a, &p),
            Some(t) => self.0.push_timed(t, &a, &p),
        };
        Ok(reading.or_raise()?.map(PyVitalReading))
    }

    /// Amplitudes and phases `[time, subcarrier]` (any strides); equals one `push_arrays` per
    /// row. `sample_rate_hz` (Hz), when given, must equal the pipeline's. With `timestamps`
    /// (capture times in seconds, one per row) the frames are resampled onto the pipeline's
    /// grid first and reading times are capture times. Releases the GIL.
    #[pyo3(signature = (amplitudes, phases, sample_rate_hz=None, *, timestamps=None))]
    fn process(
        &mut self,
        py: Python<'_>,
        amplitudes: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
        sample_rate_hz: Option<f64>,
        timestamps: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyVitalsResult> {
        let amplitudes = f64_array::<Ix2>(amplitudes, "amplitudes")?;
        let phases = f64_array::<Ix2>(phases, "phases")?;
        let timestamps = timestamps
            .map(|t| f64_array::<Ix1>(t, "timestamps"))
            .transpose()?;
        let (a, p) = (
            ArrayRows(amplitudes.as_array()),
            ArrayRows(phases.as_array()),
        );
        let times = timestamps.as_ref().map(|t| t.as_array());
        let times = times.as_ref().map(slice_of);
        let pipeline = &mut self.0;
        let result = py
            .detach(|| match &times {
                None => pipeline.process(&a, &p, sample_rate_hz),
                Some(times) => {
                    if let Some(rate) = sample_rate_hz {
                        pipeline.check_sample_rate(rate)?;
                    }
                    pipeline.process_timed(times, &a, &p)
                }
            })
            .or_raise()?;
        Ok(PyVitalsResult::new(result))
    }

    /// Back to the freshly constructed state.
    fn reset(&mut self) {
        self.0.reset();
    }

    fn __repr__(&self) -> String {
        let c = self.0.config();
        format!(
            "VitalsPipeline(n_subcarriers={}, sample_rate_hz={:?}, breathing_method='{}', heart_method='{}', frames_processed={})",
            c.n_subcarriers,
            c.sample_rate_hz,
            c.breathing_method.as_str(),
            c.heart_method.as_str(),
            self.0.frames_processed()
        )
    }
}

getters!(PyVitalsPipeline, |this| {
    /// Counts of timestamped input: `accepted`, `duplicates` and `out_of_order` frames (the
    /// latter two dropped), `gaps` (intervals over `max_gap_s`) and `emitted` grid frames.
    resample_stats(py): PyResult<Bound<'py, PyDict>> = resample_stats_dict(py, &this.0.resample_stats()),

    /// The longest interval interpolated across in timestamped input, seconds.
    max_gap_s: f64 = this.0.config().max_gap_s,

    /// The alerts of the latest reading.
    last_alerts: Vec<PyAnomalyAlert> = {
        this.0
            .last_alerts()
            .iter()
            .cloned()
            .map(PyAnomalyAlert)
            .collect()
    },

    /// A snapshot (copy) of the pipeline's reading store.
    store: PyVitalSignStore = PyVitalSignStore(this.0.store().clone()),

    /// A snapshot (copy) of the pipeline's anomaly detector.
    detector: PyVitalAnomalyDetector = PyVitalAnomalyDetector(this.0.detector().clone()),

    frames_processed: u64,
    n_subcarriers: usize = this.0.config().n_subcarriers,

    /// Frame rate in Hz.
    sample_rate_hz: f64 = this.0.config().sample_rate_hz,
});

/// Timestamped `[time, subcarrier]` amplitudes and phases (radians) on the grid
/// k/`sample_rate_hz` (Hz, k an integer, from timestamp 0): linear interpolation between the
/// frames around each grid time (phases along the shorter arc), frames whose time does not
/// increase dropped, and no interpolation across intervals longer than `max_gap_s`.
/// Returns `(grid times [T'], amplitudes [T', S], phases [T', S], counts)`; the counts are
/// `resample_stats`. This is the first stage of a timestamped `VitalsPipeline`.
#[pyfunction]
#[pyo3(signature = (timestamps, amplitudes, phases, *, sample_rate_hz, max_gap_s=0.5))]
#[allow(clippy::type_complexity)]
fn resample_uniform<'py>(
    py: Python<'py>,
    timestamps: &Bound<'py, PyAny>,
    amplitudes: &Bound<'py, PyAny>,
    phases: &Bound<'py, PyAny>,
    sample_rate_hz: f64,
    max_gap_s: f64,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyDict>,
)> {
    let times = f64_array::<Ix1>(timestamps, "timestamps")?;
    let amplitudes = f64_array::<Ix2>(amplitudes, "amplitudes")?;
    let phases = f64_array::<Ix2>(phases, "phases")?;
    let n_columns = amplitudes.as_array().ncols();
    let (t, a, p) = (
        times.as_array(),
        ArrayRows(amplitudes.as_array()),
        ArrayRows(phases.as_array()),
    );
    let t = slice_of(&t);
    let out = py
        .detach(|| wifi_densepose_vitals::resample_uniform(&t, &a, &p, sample_rate_hz, max_gap_s))
        .or_raise()?;
    let shape = (out.times_s.len(), n_columns);
    let a_out = Array2::from_shape_vec(shape, out.amplitudes)
        .map_err(|e| shape_error("amplitudes", "[time, subcarrier]", e))?;
    let p_out = Array2::from_shape_vec(shape, out.phases)
        .map_err(|e| shape_error("phases", "[time, subcarrier]", e))?;
    Ok((
        readonly_array(py, Array1::from_vec(out.times_s))?,
        readonly_array(py, a_out)?,
        readonly_array(py, p_out)?,
        resample_stats_dict(py, &out.stats)?,
    ))
}

fn resample_stats_dict<'py>(
    py: Python<'py>,
    stats: &ResampleStats,
) -> PyResult<Bound<'py, PyDict>> {
    Ok(fields_dict!(
        py,
        stats,
        [accepted, duplicates, out_of_order, gaps, emitted,]
    ))
}

/// Vitals of one sensor's real capture stream: timestamped frames of any width (an ESP32
/// node interleaves 64-, 128- and 192-bin frames) with null subcarriers, no rate or layout to
/// configure. The first `warmup_frames` frames fix the block of leading bins every layout
/// shares (`block_bins`, default the narrowest layout seen), the null bins (block bins whose
/// amplitude never changed; left out) and the grid rate (`sample_rate_hz`, default the
/// warm-up's mean frame rate rounded to a whole Hz, never revised: the resampler absorbs
/// drift). Each layout's block is scaled bin by bin to the level of the most frequent layout
/// (30 s averages). Then every frame goes through a `VitalsPipeline` on timestamps; with
/// `valid_needs_full_window` (the default) an estimate is VALID only from a full window
/// (`breathing_window_s`, `heart_window_s`). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "CaptureVitals")]
pub struct PyCaptureVitals(CaptureVitals);

#[pymethods]
impl PyCaptureVitals {
    #[new]
    #[pyo3(signature = (*, warmup_frames=64, block_bins=None, sample_rate_hz=None, max_gap_s=0.5, breathing_window_s=30.0, heart_window_s=15.0, reading_interval_s=1.0, valid_needs_full_window=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        warmup_frames: usize,
        block_bins: Option<usize>,
        sample_rate_hz: Option<f64>,
        max_gap_s: f64,
        breathing_window_s: f64,
        heart_window_s: f64,
        reading_interval_s: f64,
        valid_needs_full_window: bool,
    ) -> PyResult<Self> {
        let config = CaptureConfig {
            vitals: VitalsConfig {
                max_gap_s,
                breathing_window_s,
                heart_window_s,
                reading_interval_s,
                valid_needs_full_window,
                ..VitalsConfig::default()
            },
            warmup_frames,
            block_bins,
            sample_rate_hz,
        };
        CaptureVitals::new(config).or_raise().map(Self)
    }

    /// One frame captured at `timestamp_s` (seconds): 1-D amplitudes and phases (radians) of
    /// any width. Returns the latest reading it completed, else None.
    fn push(
        &mut self,
        timestamp_s: f64,
        amplitudes: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyVitalReading>> {
        let amplitudes = f64_array::<Ix1>(amplitudes, "amplitudes")?;
        let phases = f64_array::<Ix1>(phases, "phases")?;
        let (a, p) = (amplitudes.as_array(), phases.as_array());
        let reading = self.0.push(timestamp_s, &slice_of(&a), &slice_of(&p));
        Ok(reading.or_raise()?.map(PyVitalReading))
    }

    /// `push` for every row of `[time, subcarrier]` amplitudes and phases captured at
    /// `timestamps` (seconds); equals the per-frame calls. Releases the GIL.
    fn process(
        &mut self,
        py: Python<'_>,
        timestamps: &Bound<'_, PyAny>,
        amplitudes: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
    ) -> PyResult<PyVitalsResult> {
        let times = f64_array::<Ix1>(timestamps, "timestamps")?;
        let amplitudes = f64_array::<Ix2>(amplitudes, "amplitudes")?;
        let phases = f64_array::<Ix2>(phases, "phases")?;
        let (t, a, p) = (times.as_array(), amplitudes.as_array(), phases.as_array());
        if a.dim() != p.dim() || t.len() != a.nrows() {
            return Err(shape_error(
                "phases",
                format!(
                    "[{}, {}] (as amplitudes, one row per timestamp)",
                    t.len(),
                    a.ncols()
                ),
                format!("{:?} and {:?}", a.dim(), p.dim()),
            ));
        }
        let (a, p) = (ArrayRows(a), ArrayRows(p));
        // Whole-array checks first, so a bad value is named by [frame, column].
        ensure_finite_rows("amplitudes", &a).or_raise()?;
        ensure_non_negative_rows("amplitudes", &a).or_raise()?;
        ensure_finite_rows("phases", &p).or_raise()?;
        let capture = &mut self.0;
        let result = py
            .detach(|| {
                let mut result = VitalsResult::default();
                for (frame, &time) in t.iter().enumerate() {
                    capture.push_into(time, &a.row(frame), &p.row(frame), &mut result)?;
                }
                Ok::<_, wifi_densepose_vitals::VitalsError>(result)
            })
            .or_raise()?;
        Ok(PyVitalsResult::new(result))
    }

    /// The raw CSI frames of node `node_id` in `recording` (all layouts, first antenna, host
    /// times), in file order; `start`/`stop` select a range of them (as a slice does), so a
    /// long recording can go through in chunks. Releases the GIL.
    #[pyo3(signature = (recording, node_id, *, start=0, stop=None, iq_order=None))]
    fn process_recording(
        &mut self,
        py: Python<'_>,
        recording: PyRef<'_, PyRecording>,
        node_id: u8,
        start: usize,
        stop: Option<usize>,
        iq_order: Option<&str>,
    ) -> PyResult<PyVitalsResult> {
        let (recording, default_order) = recording.parts();
        let order: IqOrder = iq_order.map_or(Ok(default_order), iq_order_arg)?;
        let capture = &mut self.0;
        let result = py
            .detach(|| {
                let mut result = VitalsResult::default();
                let frames = recording
                    .raw_frames(node_id)
                    .take(stop.unwrap_or(usize::MAX));
                for (time, raw) in frames.skip(start) {
                    let (a, p) = raw.first_antenna_polar(order);
                    capture.push_into(time, &a, &p, &mut result)?;
                }
                Ok::<_, wifi_densepose_vitals::VitalsError>(result)
            })
            .or_raise()?;
        Ok(PyVitalsResult::new(result))
    }

    /// Back to the freshly constructed state.
    fn reset(&mut self) {
        self.0.reset();
    }

    fn __repr__(&self) -> String {
        match self.0.layout() {
            Some(l) => format!(
                "CaptureVitals(block_bins={}, active_bins={}, null_bins={}, sample_rate_hz={:?}, frames={})",
                l.block_bins,
                l.active_bins.len(),
                l.null_bins.len(),
                l.sample_rate_hz,
                self.0.stats().frames
            ),
            None => format!("CaptureVitals(warming_up, frames={})", self.0.stats().frames),
        }
    }
}

getters!(PyCaptureVitals, |this| {
    /// What the warm-up fixed, or None before it ends (or when disabled): a dict with
    /// `block_bins`, `active_bins`, `null_bins` (bin indices), `sample_rate_hz` (Hz) and
    /// `reference_bins` (the layout whose level the others are scaled to).
    layout(py): PyResult<Option<Bound<'py, PyDict>>> = {
        this.0
            .layout()
            .map(|layout| {
                let d = PyDict::new(py);
                d.set_item("block_bins", layout.block_bins)?;
                d.set_item("active_bins", layout.active_bins.clone())?;
                d.set_item("null_bins", layout.null_bins.clone())?;
                d.set_item("sample_rate_hz", layout.sample_rate_hz)?;
                d.set_item("reference_bins", layout.reference_bins)?;
                Ok(d)
            })
            .transpose()
    },

    /// Frame counts: `frames` given, `narrow` (fewer bins than the block, not used) and the
    /// resampler's `accepted`, `duplicates`, `out_of_order`, `gaps` and `emitted`.
    stats(py): PyResult<Bound<'py, PyDict>> = {
        let resampled = this
            .0
            .pipeline()
            .map(VitalsPipeline::resample_stats)
            .unwrap_or_default();
        let d = resample_stats_dict(py, &resampled)?;
        let stats = this.0.stats();
        d.set_item("frames", stats.frames)?;
        d.set_item("narrow", stats.narrow)?;
        Ok(d)
    },

    /// Why this stream gives no vitals (e.g. a rate too low for the heart band), else None.
    disabled_reason: Option<&str>,
});

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyVitalEstimate>()?;
    m.add_class::<PyVitalReading>()?;
    m.add_class::<PyAnomalyAlert>()?;
    m.add_class::<PyVitalStats>()?;
    m.add_class::<PyCsiVitalPreprocessor>()?;
    m.add_class::<PyBreathingExtractor>()?;
    m.add_class::<PyHeartRateExtractor>()?;
    m.add_class::<PyVitalAnomalyDetector>()?;
    m.add_class::<PyVitalSignStore>()?;
    m.add_class::<PyVitalsResult>()?;
    m.add_class::<PyVitalsPipeline>()?;
    m.add_class::<PyCaptureVitals>()?;
    m.add_function(wrap_pyfunction!(resample_uniform, m)?)?;
    m.add("CAPTURE_MEMORY_S", wifi_densepose_vitals::DEFAULT_MEMORY_S)?;
    Ok(())
}
