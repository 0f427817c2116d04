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
use crate::getters::{fields_dict, getters};
use crate::mirror::config_class;

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

getters!(PyMotionScore, |this| {
    variance: f64 = this.0.variance,
    correlation: f64 = this.0.correlation,
    phase: f64 = this.0.phase,
    doppler: Option<f64> = this.0.doppler,

    /// The clamped weighted total in [0, 1].
    total: f64 = this.0.total,
});

/// The result of `MotionDetector.analyze_motion`.
#[pyclass(module = "wifi_densepose._core", name = "MotionAnalysis", frozen)]
pub struct PyMotionAnalysis(MotionAnalysis);

#[pymethods]
impl PyMotionAnalysis {
    fn __repr__(&self) -> String {
        format!(
            "MotionAnalysis(total={:?}, confidence={:?})",
            self.0.score.total, self.0.confidence
        )
    }
}

getters!(PyMotionAnalysis, |this| {
    score: PyMotionScore = PyMotionScore(this.0.score),

    /// Population std of the recorded motion totals (0 with fewer than 2).
    temporal_variance: f64 = this.0.temporal_variance,

    /// Mean amplitude variance across subcarriers.
    spatial_variance: f64 = this.0.spatial_variance,

    /// Mean Doppler magnitude in Hz, or 0 without Doppler.
    estimated_velocity: f64 = this.0.estimated_velocity,

    /// atan(mean phase gradient) in radians.
    motion_direction: Option<f64> = this.0.motion_direction,

    /// Confidence in [0, 1].
    confidence: f64 = this.0.confidence,
});

/// The result of `MotionDetector.detect_human`.
#[pyclass(module = "wifi_densepose._core", name = "HumanDetectionResult", frozen)]
pub struct PyHumanDetectionResult(HumanDetectionResult);

#[pymethods]
impl PyHumanDetectionResult {
    fn __repr__(&self) -> String {
        format!(
            "HumanDetectionResult(human_detected={}, confidence={:?}, threshold={:?})",
            self.0.human_detected, self.0.confidence, self.0.threshold
        )
    }
}

getters!(PyHumanDetectionResult, |this| {
    human_detected: bool = this.0.human_detected,

    /// Smoothed confidence in [0, 1].
    confidence: f64 = this.0.confidence,

    motion_score: PyMotionScore = PyMotionScore(this.0.motion_score),

    /// The weighted indicator vote before smoothing, in [0, 1].
    raw_confidence: f64 = this.0.raw_confidence,

    /// The threshold `confidence` was compared with.
    threshold: f64 = this.0.threshold,

    motion_analysis: PyMotionAnalysis = PyMotionAnalysis(this.0.motion_analysis),
    timestamp: Option<PyTimestamp> = this.0.timestamp.map(PyTimestamp),

    /// {features_used, doppler_available, history_length}.
    metadata(py): PyResult<Bound<'py, PyDict>> = Ok(fields_dict!(py, &this.0.metadata, [
        features_used,
        doppler_available,
        history_length,
    ])),
});

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

getters!(PyHumanDetectionBatch, |this| {
    human_detected(py): PyResult<Bound<'py, PyArray1<bool>>> = this.human_detected.get(py),
    confidence(py): PyResult<Bound<'py, PyArray1<f64>>> = this.confidence.get(py),
    raw_confidence(py): PyResult<Bound<'py, PyArray1<f64>>> = this.raw_confidence.get(py),
    threshold(py): PyResult<Bound<'py, PyArray1<f64>>> = this.threshold.get(py),

    /// Motion score totals.
    motion_total(py): PyResult<Bound<'py, PyArray1<f64>>> = this.motion_total.get(py),

    /// Motion-analysis confidences.
    motion_confidence(py): PyResult<Bound<'py, PyArray1<f64>>> = this.motion_confidence.get(py),
});

config_class! {
    /// Configuration of a `MotionDetector` (validated on construction; immutable).
    PyMotionDetectorConfig("MotionDetectorConfig") <=> MotionDetectorConfig(*), __repr__ {
        human_detection_threshold: f64 = 0.8,
        motion_threshold: f64 = 0.3,
        smoothing_factor: f64 = 0.9,
        amplitude_threshold: f64 = 0.1,
        phase_threshold: f64 = 0.05,
        history_size: usize = 100,
        adaptive_threshold: bool = false,
        amplitude_weight: f64 = 0.4,
        phase_weight: f64 = 0.3,
        motion_weight: f64 = 0.3,
    }
}

#[pymethods]
impl PyMotionDetectorConfig {
    /// A copy with the amplitude, phase and motion indicator weights replaced.
    fn weights(&self, amplitude: f64, phase: f64, motion: f64) -> PyResult<Self> {
        let config = self.to_rust().weights(amplitude, phase, motion);
        config.validate().or_raise()?;
        Ok(Self::from(&config))
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

    /// Clears the smoothing state, the history and the counters; keeps the calibration.
    fn reset(&mut self) {
        self.0.reset();
    }
}

getters!(PyMotionDetector, |this| {
    config: PyMotionDetectorConfig = PyMotionDetectorConfig::from(this.0.config()),
    is_calibrated: bool,

    /// {total_detections, positive_detections, detection_rate, history_size, is_calibrated}.
    statistics(py): PyResult<Bound<'py, PyDict>> = Ok(fields_dict!(py, this.0.statistics(), [
        total_detections,
        positive_detections,
        detection_rate,
        history_size,
        is_calibrated,
    ])),

    previous_confidence: f64,
});

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMotionScore>()?;
    m.add_class::<PyMotionAnalysis>()?;
    m.add_class::<PyHumanDetectionResult>()?;
    m.add_class::<PyHumanDetectionBatch>()?;
    m.add_class::<PyMotionDetectorConfig>()?;
    m.add_class::<PyMotionDetector>()?;
    Ok(())
}
