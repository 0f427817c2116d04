//! `CsiProcessor`: preprocessing, a bounded frame history, temporal smoothing and counters.

use ndarray::{Array3, ArrayView3, Axis};
use wifi_densepose_core::validate::{
    ensure_finite_scalar, ensure_positive, ensure_size, MAX_LENGTH,
};

use crate::csi_data::{ensure_finite_stream, CsiData};
use crate::error::{SignalError, SignalResult};
use crate::motion::ensure_detection_probabilities;
use crate::preprocess::CsiPreprocessor;
use wifi_densepose_core::RingBuffer;

/// Configuration of a [`CsiProcessor`]; see [`CsiProcessorConfig::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct CsiProcessorConfig {
    /// Frame rate in Hz (> 0).
    pub sampling_rate: f64,
    /// Analysis window in frames (> 0).
    pub window_size: usize,
    /// Window overlap fraction, 0 ≤ x < 1.
    pub overlap: f64,
    /// Noise gate in dB (finite).
    pub noise_threshold: f64,
    /// In [0, 1].
    pub human_detection_threshold: f64,
    /// Temporal smoothing factor in [0, 1].
    pub smoothing_factor: f64,
    /// History capacity (≥ 1).
    pub max_history_size: usize,
    pub enable_preprocessing: bool,
    pub enable_feature_extraction: bool,
    pub enable_human_detection: bool,
}

impl Default for CsiProcessorConfig {
    fn default() -> Self {
        CsiProcessorConfig {
            sampling_rate: 1000.0,
            window_size: 256,
            overlap: 0.5,
            noise_threshold: -30.0,
            human_detection_threshold: 0.8,
            smoothing_factor: 0.9,
            max_history_size: 500,
            enable_preprocessing: true,
            enable_feature_extraction: true,
            enable_human_detection: true,
        }
    }
}

impl CsiProcessorConfig {
    pub fn validate(&self) -> SignalResult<()> {
        let as_config = |e: wifi_densepose_core::CoreError| SignalError::config(e.to_string());
        ensure_positive("sampling_rate", self.sampling_rate).map_err(as_config)?;
        if self.window_size == 0 {
            return Err(SignalError::config("window_size must be > 0, got 0"));
        }
        if !(0.0..1.0).contains(&self.overlap) {
            return Err(SignalError::config(format!(
                "overlap must be in [0, 1), got {}",
                self.overlap
            )));
        }
        ensure_finite_scalar("noise_threshold", self.noise_threshold).map_err(as_config)?;
        ensure_detection_probabilities(self.human_detection_threshold, self.smoothing_factor)?;
        if self.max_history_size == 0 {
            return Err(SignalError::config("max_history_size must be >= 1, got 0"));
        }
        ensure_size("window_size", self.window_size, 1, MAX_LENGTH)?;
        ensure_size("max_history_size", self.max_history_size, 1, MAX_LENGTH)?;
        Ok(())
    }
}

/// Processing counters of a [`CsiProcessor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessorStatistics {
    pub total_processed: u64,
    pub processing_errors: u64,
    pub human_detections: u64,
    pub history_size: usize,
}

/// Preprocesses frames and keeps a bounded history. One thread at a time.
#[derive(Debug, Clone)]
pub struct CsiProcessor {
    config: CsiProcessorConfig,
    preprocessor: CsiPreprocessor,
    history: RingBuffer<CsiData>,
    previous_confidence: f64,
    total_processed: u64,
    processing_errors: u64,
    human_detections: u64,
}

impl CsiProcessor {
    pub fn new(config: CsiProcessorConfig) -> SignalResult<Self> {
        config.validate()?;
        Ok(CsiProcessor {
            preprocessor: CsiPreprocessor::new(config.noise_threshold)?,
            history: RingBuffer::new(config.max_history_size),
            config,
            previous_confidence: 0.0,
            total_processed: 0,
            processing_errors: 0,
            human_detections: 0,
        })
    }

    pub fn config(&self) -> &CsiProcessorConfig {
        &self.config
    }

    pub fn preprocessor(&self) -> &CsiPreprocessor {
        &self.preprocessor
    }

    /// remove_noise → apply_windowing → normalize_amplitude, or a clone when disabled.
    pub fn preprocess(&self, d: &CsiData) -> CsiData {
        if self.config.enable_preprocessing {
            self.preprocessor.preprocess(d)
        } else {
            d.clone()
        }
    }

    /// Preprocesses each `[antenna, subcarrier]` frame of a `[time, antenna, subcarrier]` stream
    /// without touching the history; returns the preprocessed amplitude and phase.
    pub fn preprocess_batch(
        &self,
        amplitude: ArrayView3<'_, f64>,
        phase: ArrayView3<'_, f64>,
    ) -> SignalResult<(Array3<f64>, Array3<f64>)> {
        ensure_finite_stream(amplitude, phase)?;
        let mut out_amp = Array3::zeros(amplitude.raw_dim());
        for ((a, p), mut out) in amplitude
            .axis_iter(Axis(0))
            .zip(phase.axis_iter(Axis(0)))
            .zip(out_amp.axis_iter_mut(Axis(0)))
        {
            let frame = CsiData::from_arrays(a.to_owned(), p.to_owned())?;
            out.assign(&self.preprocess(&frame).amplitude());
        }
        Ok((out_amp, phase.to_owned()))
    }

    pub fn add_to_history(&mut self, d: CsiData) {
        self.history.push(d);
    }

    /// The newest `n` frames (all if fewer), oldest first.
    pub fn get_recent_history(&self, n: usize) -> Vec<CsiData> {
        self.history.last_n(n).cloned().collect()
    }

    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// s = sf·prev + (1 − sf)·raw, with prev starting at 0; stores and returns s.
    pub fn apply_temporal_smoothing(&mut self, raw: f64) -> SignalResult<f64> {
        ensure_finite_scalar("raw_confidence", raw)?;
        let sf = self.config.smoothing_factor;
        let smoothed = sf * self.previous_confidence + (1.0 - sf) * raw;
        self.previous_confidence = smoothed;
        Ok(smoothed)
    }

    pub fn previous_confidence(&self) -> f64 {
        self.previous_confidence
    }

    pub fn statistics(&self) -> ProcessorStatistics {
        ProcessorStatistics {
            total_processed: self.total_processed,
            processing_errors: self.processing_errors,
            human_detections: self.human_detections,
            history_size: self.history.len(),
        }
    }

    /// errors / processed; 0 when nothing was processed.
    pub fn error_rate(&self) -> f64 {
        ratio(self.processing_errors, self.total_processed)
    }

    /// detections / processed; 0 when nothing was processed.
    pub fn detection_rate(&self) -> f64 {
        ratio(self.human_detections, self.total_processed)
    }

    pub fn reset_statistics(&mut self) {
        self.total_processed = 0;
        self.processing_errors = 0;
        self.human_detections = 0;
    }

    pub fn increment_processed(&mut self) {
        self.total_processed += 1;
    }
    pub fn increment_errors(&mut self) {
        self.processing_errors += 1;
    }
    pub fn increment_detections(&mut self) {
        self.human_detections += 1;
    }
}

fn ratio(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn data() -> CsiData {
        let amp = Array2::from_shape_fn((4, 64), |(i, j)| {
            1.0 + 0.1 * i as f64 + 0.05 * (j as f64).sin()
        });
        let ph = Array2::from_shape_fn((4, 64), |(i, j)| 0.02 * j as f64 + 0.1 * i as f64);
        CsiData::from_arrays(amp, ph).unwrap()
    }

    #[test]
    fn config_validation() {
        assert!(CsiProcessor::new(CsiProcessorConfig::default()).is_ok());
        let bad = CsiProcessorConfig {
            sampling_rate: -100.0,
            ..Default::default()
        };
        let err = CsiProcessor::new(bad).unwrap_err();
        assert_eq!(
            wifi_densepose_core::ErrorInfo::kind(&err),
            wifi_densepose_core::ErrorKind::Configuration
        );
        for bad in [
            CsiProcessorConfig {
                window_size: 0,
                ..Default::default()
            },
            CsiProcessorConfig {
                overlap: 1.0,
                ..Default::default()
            },
            CsiProcessorConfig {
                smoothing_factor: 1.5,
                ..Default::default()
            },
            CsiProcessorConfig {
                max_history_size: 0,
                ..Default::default()
            },
            CsiProcessorConfig {
                noise_threshold: f64::NAN,
                ..Default::default()
            },
        ] {
            assert!(CsiProcessor::new(bad).is_err());
        }
    }

    #[test]
    fn preprocess_sets_all_flags() {
        let p = CsiProcessor::new(CsiProcessorConfig::default()).unwrap();
        let out = p.preprocess(&data());
        assert!(out.noise_filtered() && out.windowed() && out.normalized());
        let off = CsiProcessor::new(CsiProcessorConfig {
            enable_preprocessing: false,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(off.preprocess(&data()), data());
    }

    #[test]
    fn batch_equals_per_frame() {
        let p = CsiProcessor::new(CsiProcessorConfig::default()).unwrap();
        let amp = Array3::from_shape_fn((3, 2, 8), |(t, a, s)| {
            0.5 + 0.1 * t as f64 + 0.2 * a as f64 + 0.03 * s as f64
        });
        let ph = Array3::from_shape_fn((3, 2, 8), |(t, _, s)| 0.1 * (t + s) as f64);
        let (out, _) = p.preprocess_batch(amp.view(), ph.view()).unwrap();
        for t in 0..3 {
            let d = CsiData::from_arrays(
                amp.index_axis(Axis(0), t).to_owned(),
                ph.index_axis(Axis(0), t).to_owned(),
            )
            .unwrap();
            assert_eq!(out.index_axis(Axis(0), t), p.preprocess(&d).amplitude());
        }
        assert!(p
            .preprocess_batch(
                amp.view(),
                ph.slice_axis(Axis(0), ndarray::Slice::from(..2))
            )
            .is_err());
    }

    #[test]
    fn history_is_capped() {
        let cfg = CsiProcessorConfig {
            max_history_size: 5,
            ..Default::default()
        };
        let mut p = CsiProcessor::new(cfg).unwrap();
        for _ in 0..10 {
            p.add_to_history(data());
        }
        assert_eq!(p.history_len(), 5);
        assert_eq!(p.get_recent_history(3).len(), 3);
        assert_eq!(p.statistics().history_size, 5);
        p.clear_history();
        assert_eq!(p.history_len(), 0);
    }

    #[test]
    fn temporal_smoothing() {
        let mut p = CsiProcessor::new(CsiProcessorConfig::default()).unwrap();
        let first = p.apply_temporal_smoothing(1.0).unwrap();
        assert!((first - 0.1).abs() < 1e-6);
        let second = p.apply_temporal_smoothing(1.0).unwrap();
        assert!(second > first);
        assert!(p.apply_temporal_smoothing(f64::NAN).is_err());
        assert_eq!(p.previous_confidence(), second);
    }

    #[test]
    fn counters_and_rates() {
        let mut p = CsiProcessor::new(CsiProcessorConfig::default()).unwrap();
        assert_eq!((p.error_rate(), p.detection_rate()), (0.0, 0.0));
        for _ in 0..4 {
            p.increment_processed();
        }
        p.increment_errors();
        p.increment_detections();
        p.increment_detections();
        assert_eq!((p.error_rate(), p.detection_rate()), (0.25, 0.5));
        p.reset_statistics();
        assert_eq!(p.statistics().total_processed, 0);
    }
}
