//! `MotionScore` and `MotionDetector`: motion analysis and smoothed human-presence detection
//! from extracted features.

use ndarray::Array1;
use wifi_densepose_core::validate::{ensure_finite_scalar, ensure_in_range};
use wifi_densepose_core::{RingBuffer, Timestamp};

use crate::error::{SignalError, SignalResult};
use crate::features::{CsiFeatureBatch, CsiFeatures};
use crate::stats::{mean, var_pop};

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// Weighted motion score; `total` is clamped to [0, 1], components are kept as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionScore {
    pub variance: f64,
    pub correlation: f64,
    pub phase: f64,
    pub doppler: Option<f64>,
    pub total: f64,
}

impl MotionScore {
    /// total = 0.4v + 0.3c + 0.3p, or with Doppler 0.3v + 0.2c + 0.2p + 0.3d.
    pub fn new(
        variance: f64,
        correlation: f64,
        phase: f64,
        doppler: Option<f64>,
    ) -> SignalResult<Self> {
        for (field, v) in [
            ("variance", variance),
            ("correlation", correlation),
            ("phase", phase),
        ] {
            ensure_finite_scalar(field, v)?;
        }
        if let Some(d) = doppler {
            ensure_finite_scalar("doppler", d)?;
        }
        let total = match doppler {
            None => 0.4 * variance + 0.3 * correlation + 0.3 * phase,
            Some(d) => 0.3 * variance + 0.2 * correlation + 0.2 * phase + 0.3 * d,
        };
        Ok(MotionScore {
            variance,
            correlation,
            phase,
            doppler,
            total: clamp01(total),
        })
    }

    /// total ≥ threshold.
    pub fn is_motion_detected(&self, threshold: f64) -> bool {
        self.total >= threshold
    }
}

/// The result of [`MotionDetector::analyze_motion`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionAnalysis {
    pub score: MotionScore,
    /// std_pop of the history totals (0 with fewer than 2).
    pub temporal_variance: f64,
    /// Mean amplitude variance across subcarriers.
    pub spatial_variance: f64,
    /// Doppler mean magnitude in Hz, or 0.
    pub estimated_velocity: f64,
    /// atan(mean phase gradient) in radians.
    pub motion_direction: Option<f64>,
    pub confidence: f64,
}

/// Configuration of a [`MotionDetector`].
#[derive(Debug, Clone, PartialEq)]
pub struct MotionDetectorConfig {
    pub human_detection_threshold: f64,
    pub motion_threshold: f64,
    pub smoothing_factor: f64,
    pub amplitude_threshold: f64,
    pub phase_threshold: f64,
    pub history_size: usize,
    pub adaptive_threshold: bool,
    pub amplitude_weight: f64,
    pub phase_weight: f64,
    pub motion_weight: f64,
}

impl Default for MotionDetectorConfig {
    fn default() -> Self {
        MotionDetectorConfig {
            human_detection_threshold: 0.8,
            motion_threshold: 0.3,
            smoothing_factor: 0.9,
            amplitude_threshold: 0.1,
            phase_threshold: 0.05,
            history_size: 100,
            adaptive_threshold: false,
            amplitude_weight: 0.4,
            phase_weight: 0.3,
            motion_weight: 0.3,
        }
    }
}

impl MotionDetectorConfig {
    /// Sets the three indicator weights (amplitude, phase, motion).
    pub fn weights(mut self, amplitude: f64, phase: f64, motion: f64) -> Self {
        self.amplitude_weight = amplitude;
        self.phase_weight = phase;
        self.motion_weight = motion;
        self
    }

    /// Probabilities and the smoothing factor in [0, 1]; thresholds and weights finite and ≥ 0.
    pub fn validate(&self) -> SignalResult<()> {
        let as_config = |e: wifi_densepose_core::CoreError| SignalError::config(e.to_string());
        ensure_detection_probabilities(self.human_detection_threshold, self.smoothing_factor)?;
        for (field, v) in [
            ("motion_threshold", self.motion_threshold),
            ("amplitude_threshold", self.amplitude_threshold),
            ("phase_threshold", self.phase_threshold),
            ("amplitude_weight", self.amplitude_weight),
            ("phase_weight", self.phase_weight),
            ("motion_weight", self.motion_weight),
        ] {
            ensure_in_range(field, v, 0.0, f64::MAX).map_err(as_config)?;
        }
        if self.history_size == 0 {
            return Err(SignalError::config("history_size must be >= 1, got 0"));
        }
        wifi_densepose_core::validate::ensure_size(
            "history_size",
            self.history_size,
            1,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        Ok(())
    }
}

/// The detector's and the processor's shared rule: the human-detection threshold and the
/// smoothing factor are probabilities in [0, 1] (a `Configuration` error otherwise).
pub(crate) fn ensure_detection_probabilities(
    human_detection_threshold: f64,
    smoothing_factor: f64,
) -> SignalResult<()> {
    let as_config = |e: wifi_densepose_core::CoreError| SignalError::config(e.to_string());
    ensure_in_range(
        "human_detection_threshold",
        human_detection_threshold,
        0.0,
        1.0,
    )
    .map_err(as_config)?;
    ensure_in_range("smoothing_factor", smoothing_factor, 0.0, 1.0).map_err(as_config)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionMetadata {
    pub features_used: usize,
    pub doppler_available: bool,
    pub history_length: usize,
}

/// The result of [`MotionDetector::detect_human`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HumanDetectionResult {
    pub human_detected: bool,
    /// Smoothed confidence in [0, 1].
    pub confidence: f64,
    pub motion_score: MotionScore,
    pub raw_confidence: f64,
    pub threshold: f64,
    pub motion_analysis: MotionAnalysis,
    pub timestamp: Option<Timestamp>,
    pub metadata: DetectionMetadata,
}

/// Per-frame detection results of [`MotionDetector::detect_human_batch`].
#[derive(Debug, Clone, PartialEq)]
pub struct HumanDetectionBatch {
    pub human_detected: Array1<bool>,
    pub confidence: Array1<f64>,
    pub raw_confidence: Array1<f64>,
    pub threshold: Array1<f64>,
    pub motion_total: Array1<f64>,
    pub motion_confidence: Array1<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorStatistics {
    pub total_detections: u64,
    pub positive_detections: u64,
    pub detection_rate: f64,
    pub history_size: usize,
    pub is_calibrated: bool,
}

/// Motion analysis with a score history, smoothing and optional calibration.
/// Stateful: use from one thread at a time.
#[derive(Debug, Clone)]
pub struct MotionDetector {
    config: MotionDetectorConfig,
    history: RingBuffer<f64>,
    previous_confidence: f64,
    baseline_variance: Option<f64>,
    total_detections: u64,
    positive_detections: u64,
}

/// The features a detection reads must be finite (batch Doppler gaps arrive as `None`).
fn ensure_finite_features(f: &CsiFeatures) -> SignalResult<()> {
    use wifi_densepose_core::validate::ensure_finite_array;
    ensure_finite_array("amplitude.mean", &f.amplitude.mean)?;
    ensure_finite_array("amplitude.variance", &f.amplitude.variance)?;
    ensure_finite_array("phase.variance", &f.phase.variance)?;
    ensure_finite_array("phase.gradient", &f.phase.gradient)?;
    ensure_finite_array("correlation.matrix", &f.correlation.matrix)?;
    for (field, v) in [
        ("amplitude.dynamic_range", f.amplitude.dynamic_range),
        ("phase.coherence", f.phase.coherence),
        (
            "correlation.correlation_spread",
            f.correlation.correlation_spread,
        ),
    ] {
        ensure_finite_scalar(field, v)?;
    }
    if let Some(d) = &f.doppler {
        ensure_finite_scalar("doppler.mean_magnitude", d.mean_magnitude)?;
        ensure_finite_scalar("doppler.spread", d.spread)?;
    }
    Ok(())
}

impl MotionDetector {
    pub fn new(config: MotionDetectorConfig) -> SignalResult<Self> {
        config.validate()?;
        Ok(MotionDetector {
            history: RingBuffer::new(config.history_size),
            config,
            previous_confidence: 0.0,
            baseline_variance: None,
            total_detections: 0,
            positive_detections: 0,
        })
    }

    pub fn config(&self) -> &MotionDetectorConfig {
        &self.config
    }

    /// Scores motion in `f` against the calibration and the score history (no state change).
    pub fn analyze_motion(&self, f: &CsiFeatures) -> SignalResult<MotionAnalysis> {
        ensure_finite_features(f)?;
        Ok(self.analyze_valid(f))
    }

    fn analyze_valid(&self, f: &CsiFeatures) -> MotionAnalysis {
        let mean_variance = mean(f.amplitude.variance.iter().copied());
        let variance_score = match self.baseline_variance {
            Some(b) => (mean_variance / (b + 1e-10) - 1.0).max(0.0).tanh(),
            None => clamp01(mean_variance / 0.5),
        };
        let a = f.correlation.matrix.nrows();
        let correlation_score = if a < 2 {
            0.0
        } else {
            let deviation = f
                .correlation
                .matrix
                .indexed_iter()
                .map(|((i, j), &c)| (c - if i == j { 1.0 } else { 0.0 }).abs());
            clamp01(mean(deviation.collect::<Vec<_>>().into_iter()))
        };
        let phase_variance = mean(f.phase.variance.iter().copied());
        let phase_score =
            clamp01(0.5 * clamp01(phase_variance / 0.5) + 0.5 * (1.0 - f.phase.coherence.abs()));
        let doppler_score = f
            .doppler
            .as_ref()
            .map(|d| clamp01(d.mean_magnitude / 100.0));
        let total = match doppler_score {
            None => 0.4 * variance_score + 0.3 * correlation_score + 0.3 * phase_score,
            Some(d) => 0.3 * variance_score + 0.2 * correlation_score + 0.2 * phase_score + 0.3 * d,
        };
        let score = MotionScore {
            variance: variance_score,
            correlation: correlation_score,
            phase: phase_score,
            doppler: doppler_score,
            total: clamp01(total),
        };
        let totals: Vec<f64> = self.history.iter().copied().collect();
        let temporal_variance = if totals.len() < 2 {
            0.0
        } else {
            var_pop(&totals).sqrt()
        };
        let motion_direction =
            (!f.phase.gradient.is_empty()).then(|| mean(f.phase.gradient.iter().copied()).atan());
        let mut weighted = 0.3 * clamp01(f.amplitude.dynamic_range / 2.0)
            + 0.3 * f.phase.coherence.abs()
            + 0.2 * clamp01(1.0 - f.correlation.correlation_spread);
        let mut weights = 0.8;
        if let Some(d) = &f.doppler {
            weighted += 0.2 * (1.0 - clamp01(d.spread / d.mean_magnitude.max(1.0)));
            weights += 0.2;
        }
        MotionAnalysis {
            score,
            temporal_variance,
            spatial_variance: mean_variance,
            estimated_velocity: f.doppler.as_ref().map_or(0.0, |d| d.mean_magnitude),
            motion_direction,
            confidence: weighted / weights,
        }
    }

    /// Analyses `f`, records its score, smooths the indicator vote and applies the threshold.
    pub fn detect_human(&mut self, f: &CsiFeatures) -> SignalResult<HumanDetectionResult> {
        ensure_finite_features(f)?;
        Ok(self.detect_valid(f))
    }

    fn detect_valid(&mut self, f: &CsiFeatures) -> HumanDetectionResult {
        let analysis = self.analyze_valid(f);
        let total = analysis.score.total;
        self.history.push(total);
        let c = &self.config;
        let amplitude_indicator = mean(f.amplitude.mean.iter().copied()) > c.amplitude_threshold;
        let s = f.phase.variance.len().max(1) as f64;
        let phase_indicator = f.phase.variance.iter().sum::<f64>().sqrt() / s > c.phase_threshold;
        let motion_indicator = total > c.motion_threshold;
        let vote = |on: bool, w: f64| if on { w } else { 0.0 };
        let raw = clamp01(
            vote(amplitude_indicator, c.amplitude_weight)
                + vote(phase_indicator, c.phase_weight)
                + vote(motion_indicator, c.motion_weight),
        );
        let smoothed =
            c.smoothing_factor * self.previous_confidence + (1.0 - c.smoothing_factor) * raw;
        self.previous_confidence = smoothed;
        let threshold = if c.adaptive_threshold && self.history.len() >= 10 {
            let totals: Vec<f64> = self.history.iter().copied().collect();
            (mean(totals.iter().copied()) + var_pop(&totals).sqrt()).clamp(0.3, 0.95)
        } else {
            c.human_detection_threshold
        };
        let detected = smoothed >= threshold;
        self.total_detections += 1;
        if detected {
            self.positive_detections += 1;
        }
        HumanDetectionResult {
            human_detected: detected,
            confidence: smoothed,
            motion_score: analysis.score,
            raw_confidence: raw,
            threshold,
            motion_analysis: analysis,
            timestamp: f.timestamp,
            metadata: DetectionMetadata {
                features_used: 4,
                doppler_available: f.doppler.is_some(),
                history_length: self.history.len(),
            },
        }
    }

    /// T calls of `detect_human` over the frames of `batch`, validated before any state changes.
    pub fn detect_human_batch(
        &mut self,
        batch: &CsiFeatureBatch,
    ) -> SignalResult<HumanDetectionBatch> {
        let frames: Vec<CsiFeatures> = (0..batch.len()).filter_map(|t| batch.frame(t)).collect();
        for f in &frames {
            ensure_finite_features(f)?;
        }
        let results: Vec<HumanDetectionResult> =
            frames.iter().map(|f| self.detect_valid(f)).collect();
        let collect_f64 =
            |g: fn(&HumanDetectionResult) -> f64| results.iter().map(g).collect::<Array1<f64>>();
        Ok(HumanDetectionBatch {
            human_detected: results.iter().map(|r| r.human_detected).collect(),
            confidence: collect_f64(|r| r.confidence),
            raw_confidence: collect_f64(|r| r.raw_confidence),
            threshold: collect_f64(|r| r.threshold),
            motion_total: collect_f64(|r| r.motion_score.total),
            motion_confidence: collect_f64(|r| r.motion_analysis.confidence),
        })
    }

    /// Uses the mean amplitude variance of `f` as the no-motion baseline.
    pub fn calibrate(&mut self, f: &CsiFeatures) -> SignalResult<()> {
        ensure_finite_features(f)?;
        self.baseline_variance = Some(mean(f.amplitude.variance.iter().copied()));
        Ok(())
    }

    pub fn clear_calibration(&mut self) {
        self.baseline_variance = None;
    }

    pub fn is_calibrated(&self) -> bool {
        self.baseline_variance.is_some()
    }

    pub fn statistics(&self) -> DetectorStatistics {
        DetectorStatistics {
            total_detections: self.total_detections,
            positive_detections: self.positive_detections,
            detection_rate: if self.total_detections == 0 {
                0.0
            } else {
                self.positive_detections as f64 / self.total_detections as f64
            },
            history_size: self.history.len(),
            is_calibrated: self.is_calibrated(),
        }
    }

    /// Clears the smoothing state, the history and the counters; keeps the calibration.
    pub fn reset(&mut self) {
        self.previous_confidence = 0.0;
        self.history.clear();
        self.total_detections = 0;
        self.positive_detections = 0;
    }

    pub fn previous_confidence(&self) -> f64 {
        self.previous_confidence
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csi_data::CsiData;
    use crate::features::{FeatureExtractor, FeatureExtractorConfig};
    use ndarray::{Array2, Array3};

    fn features(level: f64, seed: usize) -> CsiFeatures {
        let amp = Array2::from_shape_fn((4, 64), |(i, j)| {
            1.0 + level * ((0.7 * j as f64 + 1.3 * i as f64 + seed as f64).sin())
        });
        let ph = Array2::from_shape_fn((4, 64), |(i, j)| {
            level * (0.4 * j as f64 * (i + 1) as f64 + seed as f64).cos()
        });
        FeatureExtractor::new(FeatureExtractorConfig::default())
            .unwrap()
            .extract(&CsiData::from_arrays(amp, ph).unwrap())
    }

    fn detector() -> MotionDetector {
        MotionDetector::new(MotionDetectorConfig::default()).unwrap()
    }

    #[test]
    fn motion_score_weights() {
        let s = MotionScore::new(0.5, 0.6, 0.4, None).unwrap();
        assert!((s.total - 0.50).abs() < 1e-12);
        assert_eq!((s.variance, s.correlation, s.phase), (0.5, 0.6, 0.4));
        let d = MotionScore::new(0.5, 0.6, 0.4, Some(0.7)).unwrap();
        assert!((d.total - 0.56).abs() < 1e-12);
        assert!(d.is_motion_detected(0.5) && !d.is_motion_detected(0.6));
        assert_eq!(MotionScore::new(5.0, 5.0, 5.0, None).unwrap().total, 1.0);
        assert!(MotionScore::new(f64::NAN, 0.0, 0.0, None).is_err());
    }

    #[test]
    fn values_lie_in_the_unit_interval() {
        let mut d = detector();
        for level in [0.0, 0.1, 0.5, 2.0] {
            let a = d.analyze_motion(&features(level, 1)).unwrap();
            for v in [
                a.score.total,
                a.score.variance,
                a.score.correlation,
                a.score.phase,
                a.confidence,
            ] {
                assert!((0.0..=1.0).contains(&v));
            }
            let r = d.detect_human(&features(level, 2)).unwrap();
            assert!((0.0..=1.0).contains(&r.confidence) && (0.0..=1.0).contains(&r.raw_confidence));
        }
    }

    #[test]
    fn smoothing_raises_confidence_on_repeated_evidence() {
        let mut d = detector();
        let f = features(0.5, 3);
        let first = d.detect_human(&f).unwrap();
        let second = d.detect_human(&f).unwrap();
        assert!(second.confidence >= first.confidence);
        // amplitude mean 1 > 0.1 fires (0.4); the smoothed value starts from 0: 0.1·raw, then 0.19·raw.
        assert!(first.raw_confidence >= 0.4);
        assert!((first.confidence - 0.1 * first.raw_confidence).abs() < 1e-15);
        assert!((second.confidence - 0.19 * first.raw_confidence).abs() < 1e-15);
    }

    #[test]
    fn calibration_counters_and_reset() {
        let mut d = detector();
        d.calibrate(&features(0.1, 0)).unwrap();
        assert!(d.statistics().is_calibrated);
        d.clear_calibration();
        assert!(!d.is_calibrated());
        for s in 0..5 {
            d.detect_human(&features(0.3, s)).unwrap();
        }
        assert_eq!(d.statistics().total_detections, 5);
        d.calibrate(&features(0.1, 0)).unwrap();
        d.reset();
        let stats = d.statistics();
        assert_eq!(
            (
                stats.total_detections,
                stats.positive_detections,
                stats.history_size
            ),
            (0, 0, 0)
        );
        assert!(stats.is_calibrated);
        assert_eq!(d.previous_confidence(), 0.0);
    }

    #[test]
    fn calibrated_variance_score_uses_tanh() {
        let mut d = detector();
        let base = features(0.1, 0);
        d.calibrate(&base).unwrap();
        assert_eq!(d.analyze_motion(&base).unwrap().score.variance, 0.0);
        let b = mean(base.amplitude.variance.iter().copied());
        let loud = features(0.3, 0);
        let v = mean(loud.amplitude.variance.iter().copied());
        let expected = (v / (b + 1e-10) - 1.0).max(0.0).tanh();
        assert_eq!(d.analyze_motion(&loud).unwrap().score.variance, expected);
    }

    #[test]
    fn adaptive_threshold_and_history_cap() {
        let cfg = MotionDetectorConfig {
            adaptive_threshold: true,
            history_size: 10,
            ..Default::default()
        };
        let mut d = MotionDetector::new(cfg).unwrap();
        let mut last = None;
        for s in 0..15 {
            last = Some(d.detect_human(&features(0.2, s)).unwrap());
        }
        let r = last.unwrap();
        assert!(r.threshold > 0.0 && (0.3..=0.95).contains(&r.threshold));
        assert_eq!(d.statistics().history_size, 10);
    }

    #[test]
    fn low_motion_scores_low() {
        let a = detector().analyze_motion(&features(0.01, 0)).unwrap();
        assert!(a.score.total < 0.5);
    }

    #[test]
    fn static_then_varied() {
        let mut d = detector();
        for s in 0..10 {
            d.detect_human(&features(0.0, s)).unwrap();
        }
        let a = d.analyze_motion(&features(0.5, 7)).unwrap();
        assert!(a.score.total >= 0.0 && a.confidence >= 0.0);
        assert!(a.temporal_variance.abs() < 1e-12);
    }

    #[test]
    fn correlation_score_formula() {
        let mut f = features(0.2, 0);
        f.correlation.matrix = Array2::from_shape_vec((2, 2), vec![1.0, 0.5, 0.5, 1.0]).unwrap();
        // mean |C − I| over 4 entries = (0 + 0.5 + 0.5 + 0)/4.
        assert_eq!(
            detector().analyze_motion(&f).unwrap().score.correlation,
            0.25
        );
    }

    #[test]
    fn batch_equals_per_frame_and_validates_first() {
        let e = FeatureExtractor::new(FeatureExtractorConfig::default()).unwrap();
        let amp = Array3::from_shape_fn((15, 3, 16), |(t, a, s)| {
            1.0 + 0.3 * ((t * 7 + a * 3 + s) as f64).sin()
        });
        let ph = Array3::from_shape_fn((15, 3, 16), |(t, a, s)| {
            0.2 * ((t + 2 * a + s) as f64).cos()
        });
        let batch = e
            .extract_batch(amp.view(), ph.view(), 20e6, Some(10))
            .unwrap();
        let mut one = detector();
        let mut many = detector();
        let out = many.detect_human_batch(&batch).unwrap();
        for t in 0..15 {
            let r = one.detect_human(&batch.frame(t).unwrap()).unwrap();
            assert_eq!(r.confidence.to_bits(), out.confidence[t].to_bits());
            assert_eq!(r.human_detected, out.human_detected[t]);
        }
        assert_eq!(one.statistics(), many.statistics());
        let mut bad = batch.clone();
        bad.amplitude_variance[[3, 2]] = f64::NAN;
        let before = many.statistics();
        assert!(many.detect_human_batch(&bad).is_err());
        assert_eq!(many.statistics(), before);
    }

    #[test]
    fn config_validation() {
        assert!(MotionDetector::new(MotionDetectorConfig {
            history_size: 0,
            ..Default::default()
        })
        .is_err());
        assert!(MotionDetector::new(MotionDetectorConfig {
            smoothing_factor: 1.1,
            ..Default::default()
        })
        .is_err());
        assert!(
            MotionDetector::new(MotionDetectorConfig::default().weights(0.5, -0.1, 0.3)).is_err()
        );
        let w = MotionDetectorConfig::default().weights(0.5, 0.25, 0.25);
        assert_eq!(
            (w.amplitude_weight, w.phase_weight, w.motion_weight),
            (0.5, 0.25, 0.25)
        );
    }
}
