//! `MotionScore`, `MotionDetectorConfig`, `MotionDetector` and their results.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wifi_densepose_signal::{
    HumanDetectionBatch, HumanDetectionResult, MotionAnalysis, MotionDetector,
    MotionDetectorConfig, MotionScore,
};

use super::features::{PyCsiFeatureBatch, PyCsiFeatures};
use crate::arrays::CachedArray;
use crate::errors::OrRaise;
use crate::frame::PyTimestamp;

/// Weighted motion score: total = 0.4·variance + 0.3·correlation + 0.3·phase, or with Doppler
/// 0.3/0.2/0.2/0.3, clamped to [0, 1]; components are kept as given.
#[pyclass(
    module = "wifi_densepose._core",
    name = "MotionScore",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyMotionScore(MotionScore);

#[pymethods]
impl PyMotionScore {
    #[new]
    #[pyo3(signature = (variance, correlation, phase, doppler=None))]
    fn new(variance: f64, correlation: f64, phase: f64, doppler: Option<f64>) -> PyResult<Self> {
        MotionScore::new(variance, correlation, phase, doppler)
            .or_raise()
            .map(PyMotionScore)
    }

    #[getter]
    fn variance(&self) -> f64 {
        self.0.variance
    }

    #[getter]
    fn correlation(&self) -> f64 {
        self.0.correlation
    }

    #[getter]
    fn phase(&self) -> f64 {
        self.0.phase
    }

    #[getter]
    fn doppler(&self) -> Option<f64> {
        self.0.doppler
    }

    /// The clamped weighted total in [0, 1].
    #[getter]
    fn total(&self) -> f64 {
        self.0.total
    }

    /// total ≥ threshold.
    fn is_motion_detected(&self, threshold: f64) -> bool {
        self.0.is_motion_detected(threshold)
    }

    fn __repr__(&self) -> String {
        format!(
            "MotionScore(variance={:?}, correlation={:?}, phase={:?}, doppler={:?}, total={:?})",
            self.0.variance, self.0.correlation, self.0.phase, self.0.doppler, self.0.total
        )
    }
}

/// The result of `MotionDetector.analyze_motion`.
#[pyclass(module = "wifi_densepose._core", name = "MotionAnalysis", frozen)]
pub struct PyMotionAnalysis(MotionAnalysis);

#[pymethods]
impl PyMotionAnalysis {
    #[getter]
    fn score(&self) -> PyMotionScore {
        PyMotionScore(self.0.score)
    }

    /// Population std of the recorded motion totals (0 with fewer than 2).
    #[getter]
    fn temporal_variance(&self) -> f64 {
        self.0.temporal_variance
    }

    /// Mean amplitude variance across subcarriers.
    #[getter]
    fn spatial_variance(&self) -> f64 {
        self.0.spatial_variance
    }

    /// Mean Doppler magnitude in Hz, or 0 without Doppler.
    #[getter]
    fn estimated_velocity(&self) -> f64 {
        self.0.estimated_velocity
    }

    /// atan(mean phase gradient) in radians.
    #[getter]
    fn motion_direction(&self) -> Option<f64> {
        self.0.motion_direction
    }

    /// Confidence in [0, 1].
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }

    fn __repr__(&self) -> String {
        format!(
            "MotionAnalysis(total={:?}, confidence={:?})",
            self.0.score.total, self.0.confidence
        )
    }
}

/// The result of `MotionDetector.detect_human`.
#[pyclass(module = "wifi_densepose._core", name = "HumanDetectionResult", frozen)]
pub struct PyHumanDetectionResult(HumanDetectionResult);

#[pymethods]
impl PyHumanDetectionResult {
    #[getter]
    fn human_detected(&self) -> bool {
        self.0.human_detected
    }

    /// Smoothed confidence in [0, 1].
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }

    #[getter]
    fn motion_score(&self) -> PyMotionScore {
        PyMotionScore(self.0.motion_score)
    }

    /// The weighted indicator vote before smoothing, in [0, 1].
    #[getter]
    fn raw_confidence(&self) -> f64 {
        self.0.raw_confidence
    }

    /// The threshold `confidence` was compared with.
    #[getter]
    fn threshold(&self) -> f64 {
        self.0.threshold
    }

    #[getter]
    fn motion_analysis(&self) -> PyMotionAnalysis {
        PyMotionAnalysis(self.0.motion_analysis)
    }

    #[getter]
    fn timestamp(&self) -> Option<PyTimestamp> {
        self.0.timestamp.map(PyTimestamp)
    }

    /// {features_used, doppler_available, history_length}.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = &self.0.metadata;
        let dict = PyDict::new(py);
        dict.set_item("features_used", m.features_used)?;
        dict.set_item("doppler_available", m.doppler_available)?;
        dict.set_item("history_length", m.history_length)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "HumanDetectionResult(human_detected={}, confidence={:?}, threshold={:?})",
            self.0.human_detected, self.0.confidence, self.0.threshold
        )
    }
}

/// Per-frame detection results over a feature batch, as `[T]` arrays.
#[pyclass(module = "wifi_densepose._core", name = "HumanDetectionBatch", frozen)]
pub struct PyHumanDetectionBatch {
    human_detected: CachedArray<bool, ndarray::Ix1>,
    confidence: CachedArray<f64, ndarray::Ix1>,
    raw_confidence: CachedArray<f64, ndarray::Ix1>,
    threshold: CachedArray<f64, ndarray::Ix1>,
    motion_total: CachedArray<f64, ndarray::Ix1>,
    motion_confidence: CachedArray<f64, ndarray::Ix1>,
}

impl From<HumanDetectionBatch> for PyHumanDetectionBatch {
    fn from(b: HumanDetectionBatch) -> Self {
        PyHumanDetectionBatch {
            human_detected: CachedArray::new(b.human_detected),
            confidence: CachedArray::new(b.confidence),
            raw_confidence: CachedArray::new(b.raw_confidence),
            threshold: CachedArray::new(b.threshold),
            motion_total: CachedArray::new(b.motion_total),
            motion_confidence: CachedArray::new(b.motion_confidence),
        }
    }
}

#[pymethods]
impl PyHumanDetectionBatch {
    #[getter]
    fn human_detected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<bool>>> {
        self.human_detected.get(py)
    }

    #[getter]
    fn confidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.confidence.get(py)
    }

    #[getter]
    fn raw_confidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.raw_confidence.get(py)
    }

    #[getter]
    fn threshold<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.threshold.get(py)
    }

    /// Motion score totals.
    #[getter]
    fn motion_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.motion_total.get(py)
    }

    /// Motion-analysis confidences.
    #[getter]
    fn motion_confidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.motion_confidence.get(py)
    }
}

/// Configuration of a `MotionDetector` (validated on construction; immutable).
#[pyclass(
    module = "wifi_densepose._core",
    name = "MotionDetectorConfig",
    frozen,
    get_all,
    from_py_object
)]
#[derive(Clone)]
pub struct PyMotionDetectorConfig {
    human_detection_threshold: f64,
    motion_threshold: f64,
    smoothing_factor: f64,
    amplitude_threshold: f64,
    phase_threshold: f64,
    history_size: usize,
    adaptive_threshold: bool,
    amplitude_weight: f64,
    phase_weight: f64,
    motion_weight: f64,
}

impl PyMotionDetectorConfig {
    fn to_rust(&self) -> MotionDetectorConfig {
        MotionDetectorConfig {
            human_detection_threshold: self.human_detection_threshold,
            motion_threshold: self.motion_threshold,
            smoothing_factor: self.smoothing_factor,
            amplitude_threshold: self.amplitude_threshold,
            phase_threshold: self.phase_threshold,
            history_size: self.history_size,
            adaptive_threshold: self.adaptive_threshold,
            amplitude_weight: self.amplitude_weight,
            phase_weight: self.phase_weight,
            motion_weight: self.motion_weight,
        }
    }

    fn from_rust(c: &MotionDetectorConfig) -> Self {
        PyMotionDetectorConfig {
            human_detection_threshold: c.human_detection_threshold,
            motion_threshold: c.motion_threshold,
            smoothing_factor: c.smoothing_factor,
            amplitude_threshold: c.amplitude_threshold,
            phase_threshold: c.phase_threshold,
            history_size: c.history_size,
            adaptive_threshold: c.adaptive_threshold,
            amplitude_weight: c.amplitude_weight,
            phase_weight: c.phase_weight,
            motion_weight: c.motion_weight,
        }
    }
}

#[pymethods]
impl PyMotionDetectorConfig {
    #[new]
    #[pyo3(signature = (*, human_detection_threshold=0.8, motion_threshold=0.3, smoothing_factor=0.9,
        amplitude_threshold=0.1, phase_threshold=0.05, history_size=100, adaptive_threshold=false,
        amplitude_weight=0.4, phase_weight=0.3, motion_weight=0.3))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        human_detection_threshold: f64,
        motion_threshold: f64,
        smoothing_factor: f64,
        amplitude_threshold: f64,
        phase_threshold: f64,
        history_size: usize,
        adaptive_threshold: bool,
        amplitude_weight: f64,
        phase_weight: f64,
        motion_weight: f64,
    ) -> PyResult<Self> {
        let config = MotionDetectorConfig {
            human_detection_threshold,
            motion_threshold,
            smoothing_factor,
            amplitude_threshold,
            phase_threshold,
            history_size,
            adaptive_threshold,
            amplitude_weight,
            phase_weight,
            motion_weight,
        };
        config.validate().or_raise()?;
        Ok(Self::from_rust(&config))
    }

    /// A copy with the amplitude, phase and motion indicator weights replaced.
    fn weights(&self, amplitude: f64, phase: f64, motion: f64) -> PyResult<Self> {
        let config = self.to_rust().weights(amplitude, phase, motion);
        config.validate().or_raise()?;
        Ok(Self::from_rust(&config))
    }

    fn __repr__(&self) -> String {
        format!("MotionDetectorConfig({:?})", self.to_rust())
    }
}

/// Motion analysis and smoothed human-presence detection from multi-antenna `CsiFeatures`
/// (per-frame scores of cross-antenna variance, correlation and phase). Keeps a bounded score
/// history, the smoothing state, counters and an optional calibration. For the motion/presence
/// of one stream over time (what the sensing server publishes), use `MotionPresenceTracker`.
/// Stateful: use from one thread at a time (concurrent use raises `RuntimeError`).
#[pyclass(module = "wifi_densepose._core", name = "MotionDetector")]
pub struct PyMotionDetector(MotionDetector);

#[pymethods]
impl PyMotionDetector {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<PyMotionDetectorConfig>) -> PyResult<Self> {
        let config = config.map(|c| c.to_rust()).unwrap_or_default();
        MotionDetector::new(config).or_raise().map(PyMotionDetector)
    }

    #[getter]
    fn config(&self) -> PyMotionDetectorConfig {
        PyMotionDetectorConfig::from_rust(self.0.config())
    }

    /// Scores motion without changing any state.
    fn analyze_motion(&self, features: &PyCsiFeatures) -> PyResult<PyMotionAnalysis> {
        self.0
            .analyze_motion(&features.inner)
            .or_raise()
            .map(PyMotionAnalysis)
    }

    /// Analyses, records the score, smooths the indicator vote and applies the threshold.
    fn detect_human(&mut self, features: &PyCsiFeatures) -> PyResult<PyHumanDetectionResult> {
        self.0
            .detect_human(&features.inner)
            .or_raise()
            .map(PyHumanDetectionResult)
    }

    /// `detect_human` for every frame of a `CsiFeatureBatch`; validated before any state
    /// changes. Releases the GIL.
    fn detect_human_batch(
        &mut self,
        py: Python<'_>,
        batch: &PyCsiFeatureBatch,
    ) -> PyResult<PyHumanDetectionBatch> {
        let detector = &mut self.0;
        let inner = &batch.inner;
        py.detach(|| detector.detect_human_batch(inner))
            .or_raise()
            .map(PyHumanDetectionBatch::from)
    }

    /// Uses the mean amplitude variance of `features` as the no-motion baseline.
    fn calibrate(&mut self, features: &PyCsiFeatures) -> PyResult<()> {
        self.0.calibrate(&features.inner).or_raise()
    }

    fn clear_calibration(&mut self) {
        self.0.clear_calibration();
    }

    #[getter]
    fn is_calibrated(&self) -> bool {
        self.0.is_calibrated()
    }

    /// {total_detections, positive_detections, detection_rate, history_size, is_calibrated}.
    #[getter]
    fn statistics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.0.statistics();
        let dict = PyDict::new(py);
        dict.set_item("total_detections", s.total_detections)?;
        dict.set_item("positive_detections", s.positive_detections)?;
        dict.set_item("detection_rate", s.detection_rate)?;
        dict.set_item("history_size", s.history_size)?;
        dict.set_item("is_calibrated", s.is_calibrated)?;
        Ok(dict)
    }

    /// Clears the smoothing state, the history and the counters; keeps the calibration.
    fn reset(&mut self) {
        self.0.reset();
    }

    #[getter]
    fn previous_confidence(&self) -> f64 {
        self.0.previous_confidence()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMotionScore>()?;
    m.add_class::<PyMotionAnalysis>()?;
    m.add_class::<PyHumanDetectionResult>()?;
    m.add_class::<PyHumanDetectionBatch>()?;
    m.add_class::<PyMotionDetectorConfig>()?;
    m.add_class::<PyMotionDetector>()?;
    Ok(())
}
