//! `CsiData`, `CsiPreprocessor`, `CsiProcessorConfig`, `CsiProcessor`, `hamming_window`.

use ndarray::{Array2, Ix2, Ix3, IxDyn};
use numpy::{PyArray1, PyArray2, PyArray3};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use wifi_densepose_signal::{CsiData, CsiPreprocessor, CsiProcessor, CsiProcessorConfig};

use crate::arrays::{complex_array, f64_array, readonly_array, CachedArray};
use crate::errors::{shape_error, OrRaise};
use crate::frame::{PyCsiFrame, PyTimestamp};
use crate::getters::{fields_dict, getters};
use crate::mirror::config_class;
use crate::serialize::Wrapper;

/// A 1-D (one antenna) or 2-D `[antenna, subcarrier]` real input as an owned 2-D array.
fn antenna_rows(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Array2<f64>> {
    let x = f64_array::<IxDyn>(obj, field)?;
    let view = x.as_array();
    match view.ndim() {
        1 => Ok(view
            .insert_axis(ndarray::Axis(0))
            .into_dimensionality::<Ix2>()
            .map_err(|e| shape_error(field, "1-D", e))?
            .to_owned()),
        2 => Ok(view
            .into_dimensionality::<Ix2>()
            .map_err(|e| shape_error(field, "2-D", e))?
            .to_owned()),
        _ => Err(shape_error(
            field,
            "a 1-D or [antenna, subcarrier] array",
            format!("shape {:?}", view.shape()),
        )),
    }
}

/// One multi-antenna CSI frame: amplitude and phase (radians) as `[antenna, subcarrier]`,
/// carrier `frequency_hz`, `bandwidth_hz` and `snr_db`. A 1-D input is one antenna. Immutable.
#[pyclass(module = "wifi_densepose._core", name = "CsiData", frozen)]
pub struct PyCsiData {
    pub inner: CsiData,
    amplitude: CachedArray<f64, Ix2>,
    phase: CachedArray<f64, Ix2>,
}

impl PyCsiData {
    pub fn wrap(inner: CsiData) -> Self {
        PyCsiData {
            amplitude: CachedArray::new(inner.amplitude().to_owned()),
            phase: CachedArray::new(inner.phase().to_owned()),
            inner,
        }
    }
}

#[pymethods]
impl PyCsiData {
    #[new]
    #[pyo3(signature = (amplitude, phase, *, frequency_hz=5e9, bandwidth_hz=20e6, snr_db=20.0, timestamp=None))]
    fn new(
        amplitude: &Bound<'_, PyAny>,
        phase: &Bound<'_, PyAny>,
        frequency_hz: f64,
        bandwidth_hz: f64,
        snr_db: f64,
        timestamp: Option<PyTimestamp>,
    ) -> PyResult<Self> {
        let amplitude = antenna_rows(amplitude, "amplitude")?;
        let phase = antenna_rows(phase, "phase")?;
        CsiData::new(
            amplitude,
            phase,
            frequency_hz,
            bandwidth_hz,
            snr_db,
            timestamp.map(|t| t.0),
        )
        .or_raise()
        .map(Self::wrap)
    }

    /// From complex CSI `[antenna, subcarrier]` (or 1-D): amplitude |z|, phase atan2; SNR 20 dB.
    #[classmethod]
    #[pyo3(signature = (z, frequency_hz=5e9, bandwidth_hz=20e6))]
    fn from_complex(
        _cls: &Bound<'_, PyType>,
        z: &Bound<'_, PyAny>,
        frequency_hz: f64,
        bandwidth_hz: f64,
    ) -> PyResult<Self> {
        let z = complex_array::<IxDyn>(z, "z")?;
        let view = z.as_array();
        let rows = match view.ndim() {
            1 => view.insert_axis(ndarray::Axis(0)),
            2 => view,
            _ => {
                return Err(shape_error(
                    "z",
                    "a 1-D or [antenna, subcarrier] array",
                    format!("shape {:?}", view.shape()),
                ))
            }
        };
        let rows = rows
            .into_dimensionality::<Ix2>()
            .map_err(|e| shape_error("z", "2-D", e))?;
        CsiData::from_complex(rows, frequency_hz, bandwidth_hz)
            .or_raise()
            .map(Self::wrap)
    }

    /// A 1×S frame from a single-stream `CsiFrame`.
    #[classmethod]
    #[pyo3(signature = (frame, frequency_hz=5e9, bandwidth_hz=20e6))]
    fn from_frame(
        _cls: &Bound<'_, PyType>,
        frame: PyRef<'_, PyCsiFrame>,
        frequency_hz: f64,
        bandwidth_hz: f64,
    ) -> PyResult<Self> {
        CsiData::from_frame(frame.inner(), frequency_hz, bandwidth_hz)
            .or_raise()
            .map(Self::wrap)
    }

    /// amplitude·e^{j·phase} as complex128 `[antenna, subcarrier]`.
    fn to_complex<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyArray2<num_complex::Complex64>>> {
        readonly_array(py, self.inner.to_complex())
    }

    fn __repr__(&self) -> String {
        format!(
            "CsiData(num_antennas={}, num_subcarriers={}, frequency_hz={:?}, bandwidth_hz={:?}, snr_db={:?})",
            self.inner.num_antennas(),
            self.inner.num_subcarriers(),
            self.inner.frequency_hz(),
            self.inner.bandwidth_hz(),
            self.inner.snr_db()
        )
    }
}

getters!(PyCsiData, |this| {
    /// Amplitude `[antenna, subcarrier]` (read-only).
    amplitude(py): PyResult<Bound<'py, PyArray2<f64>>> = this.amplitude.get(py),

    /// Phase in radians `[antenna, subcarrier]` (read-only).
    phase(py): PyResult<Bound<'py, PyArray2<f64>>> = this.phase.get(py),

    /// Carrier frequency in Hz.
    frequency_hz: f64 = this.inner.frequency_hz(),

    /// Channel bandwidth in Hz.
    bandwidth_hz: f64 = this.inner.bandwidth_hz(),

    /// Signal-to-noise ratio in dB.
    snr_db: f64 = this.inner.snr_db(),

    timestamp: Option<PyTimestamp> = this.inner.timestamp().map(PyTimestamp),
    noise_filtered: bool = this.inner.noise_filtered(),
    windowed: bool = this.inner.windowed(),
    normalized: bool = this.inner.normalized(),
    num_antennas: usize = this.inner.num_antennas(),
    num_subcarriers: usize = this.inner.num_subcarriers(),
});

/// The symmetric Hamming window w_k = 0.54 − 0.46·cos(2πk/(n−1)); n = 1 gives [1.0].
#[pyfunction]
fn hamming_window<'py>(py: Python<'py>, n: usize) -> PyResult<Bound<'py, PyArray1<f64>>> {
    wifi_densepose_core::validate::ensure_size(
        "n",
        n,
        0,
        wifi_densepose_core::validate::MAX_LENGTH,
    )
    .or_raise()?;
    readonly_array(
        py,
        ndarray::Array1::from(wifi_densepose_signal::hamming_window(n)),
    )
}

/// Stateless preprocessing steps; each returns a new `CsiData` with its flag set.
#[pyclass(module = "wifi_densepose._core", name = "CsiPreprocessor", frozen)]
pub struct PyCsiPreprocessor(CsiPreprocessor);

#[pymethods]
impl PyCsiPreprocessor {
    /// `noise_threshold_db`: amplitudes at or below this level (20·log10 a, dB) are zeroed.
    #[new]
    #[pyo3(signature = (noise_threshold_db=-30.0))]
    fn new(noise_threshold_db: f64) -> PyResult<Self> {
        CsiPreprocessor::new(noise_threshold_db)
            .or_raise()
            .map(PyCsiPreprocessor)
    }

    /// Zeroes amplitudes whose 20·log10(a + 1e-12) dB is at or below the threshold.
    fn remove_noise(&self, data: &PyCsiData) -> PyCsiData {
        PyCsiData::wrap(self.0.remove_noise(&data.inner))
    }

    /// Multiplies each antenna row by the Hamming window over subcarriers.
    fn apply_windowing(&self, data: &PyCsiData) -> PyCsiData {
        PyCsiData::wrap(self.0.apply_windowing(&data.inner))
    }

    /// Divides amplitudes by their population std (+1e-12); no mean removal.
    fn normalize_amplitude(&self, data: &PyCsiData) -> PyCsiData {
        PyCsiData::wrap(self.0.normalize_amplitude(&data.inner))
    }

    /// remove_noise → apply_windowing → normalize_amplitude.
    fn preprocess(&self, data: &PyCsiData) -> PyCsiData {
        PyCsiData::wrap(self.0.preprocess(&data.inner))
    }
}

getters!(PyCsiPreprocessor, |this| {
    /// Noise gate in dB.
    noise_threshold_db: f64,
});

config_class! {
    /// Configuration of a `CsiProcessor` (validated on construction; immutable).
    PyCsiProcessorConfig("CsiProcessorConfig") <=> CsiProcessorConfig(*), __repr__ {
        /// Frame rate in Hz (> 0).
        sampling_rate: f64 = 1000.0,
        window_size: usize = 256,
        overlap: f64 = 0.5,
        /// Noise gate in dB.
        noise_threshold: f64 = (-30.0),
        human_detection_threshold: f64 = 0.8,
        smoothing_factor: f64 = 0.9,
        max_history_size: usize = 500,
        enable_preprocessing: bool = true,
        enable_feature_extraction: bool = true,
        enable_human_detection: bool = true,
    }
}

/// Preprocesses frames and keeps a bounded history of them. Stateful: use from one thread at a
/// time (concurrent use raises `RuntimeError`).
#[pyclass(module = "wifi_densepose._core", name = "CsiProcessor")]
pub struct PyCsiProcessor(CsiProcessor);

type BatchPair<'py> = (Bound<'py, PyArray3<f64>>, Bound<'py, PyArray3<f64>>);

#[pymethods]
impl PyCsiProcessor {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<PyCsiProcessorConfig>) -> PyResult<Self> {
        let config = config.map(|c| c.to_rust()).unwrap_or_default();
        CsiProcessor::new(config).or_raise().map(PyCsiProcessor)
    }

    /// remove_noise → windowing → normalize, or an unchanged copy when preprocessing is off.
    fn preprocess(&self, data: &PyCsiData) -> PyCsiData {
        PyCsiData::wrap(self.0.preprocess(&data.inner))
    }

    /// Preprocesses each frame of `[time, antenna, subcarrier]` amplitude/phase arrays without
    /// touching the history; returns (amplitude, phase).
    fn preprocess_batch<'py>(
        &self,
        py: Python<'py>,
        amplitude: &Bound<'py, PyAny>,
        phase: &Bound<'py, PyAny>,
    ) -> PyResult<BatchPair<'py>> {
        let a = f64_array::<Ix3>(amplitude, "amplitude")?;
        let p = f64_array::<Ix3>(phase, "phase")?;
        let (a, p) = (a.as_array(), p.as_array());
        let processor = &self.0;
        let (amp, ph) = py.detach(|| processor.preprocess_batch(a, p)).or_raise()?;
        Ok((readonly_array(py, amp)?, readonly_array(py, ph)?))
    }

    /// Appends a frame, evicting the oldest beyond `max_history_size`.
    fn add_to_history(&mut self, data: &PyCsiData) {
        self.0.add_to_history(data.inner.clone());
    }

    /// The newest `n` frames (all if fewer), oldest first.
    fn get_recent_history(&self, n: usize) -> Vec<PyCsiData> {
        self.0
            .get_recent_history(n)
            .into_iter()
            .map(PyCsiData::wrap)
            .collect()
    }

    fn clear_history(&mut self) {
        self.0.clear_history();
    }

    /// s = smoothing_factor·previous + (1 − smoothing_factor)·raw; stores and returns s.
    fn apply_temporal_smoothing(&mut self, raw_confidence: f64) -> PyResult<f64> {
        self.0.apply_temporal_smoothing(raw_confidence).or_raise()
    }

    fn reset_statistics(&mut self) {
        self.0.reset_statistics();
    }

    fn increment_processed(&mut self) {
        self.0.increment_processed();
    }

    fn increment_errors(&mut self) {
        self.0.increment_errors();
    }

    fn increment_detections(&mut self) {
        self.0.increment_detections();
    }
}

getters!(PyCsiProcessor, |this| {
    config: PyCsiProcessorConfig = PyCsiProcessorConfig::from(this.0.config()),
    history_len: usize,
    previous_confidence: f64,

    /// {total_processed, processing_errors, human_detections, history_size}.
    statistics(py): PyResult<Bound<'py, PyDict>> = Ok(fields_dict!(py, this.0.statistics(), [
        total_processed,
        processing_errors,
        human_detections,
        history_size,
    ])),

    /// processing_errors / total_processed (0 before anything was processed).
    error_rate: f64,

    /// human_detections / total_processed (0 before anything was processed).
    detection_rate: f64,
});

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCsiData>()?;
    m.add_class::<PyCsiPreprocessor>()?;
    m.add_class::<PyCsiProcessorConfig>()?;
    m.add_class::<PyCsiProcessor>()?;
    m.add_function(wrap_pyfunction!(hamming_window, m)?)?;
    Ok(())
}
