//! Stage 2: breathing rate from the weighted sum of residuals, band-passed to 0.1–0.5 Hz.

use crate::error::{Result, VitalsError};
use crate::extractor::{ensure_finite_values, stage_accessors, ExtractorConfig, FilteredHistory};
use crate::frames::{ensure_finite_rows, FrameSource};
use crate::resonator::Band;
use crate::types::{StatusThresholds, VitalEstimate};

/// The breathing band: 0.1–0.5 Hz (6–30 BPM).
pub const BREATHING_BAND: Band = Band {
    low_hz: 0.1,
    high_hz: 0.5,
};

/// How the breathing rate and confidence are computed from the filtered history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BreathingMethod {
    /// Interpolated periodogram peak; confidence c_spec (VALID ≥ 0.8, DEGRADED ≥ 0.6).
    #[default]
    Spectral,
    /// RuView: zero-crossing rate; confidence max|y|/σ/5 (VALID ≥ 0.7, DEGRADED ≥ 0.4).
    Ruview,
}

impl BreathingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            BreathingMethod::Spectral => "spectral",
            BreathingMethod::Ruview => "ruview",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        [BreathingMethod::Spectral, BreathingMethod::Ruview]
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or_else(|| {
                VitalsError::config(format!(
                    "breathing method must be \"spectral\" or \"ruview\", got {text:?}"
                ))
            })
    }

    fn default_thresholds(self) -> StatusThresholds {
        match self {
            BreathingMethod::Spectral => StatusThresholds::new_unchecked(0.8, 0.6),
            BreathingMethod::Ruview => StatusThresholds::new_unchecked(0.7, 0.4),
        }
    }
}

/// Fuses residuals with weights, band-passes them and estimates the breathing rate.
///
/// For one thread at a time.
#[derive(Debug, Clone)]
pub struct BreathingExtractor {
    stage: FilteredHistory,
    method: BreathingMethod,
}

impl BreathingExtractor {
    /// The spectral method with a 10 s minimum history.
    pub fn new(n_subcarriers: usize, sample_rate_hz: f64, window_secs: f64) -> Result<Self> {
        let config = ExtractorConfig {
            n_subcarriers,
            sample_rate_hz,
            window_secs,
            ..ExtractorConfig::breathing()
        };
        BreathingExtractor::with_config(&config, BreathingMethod::Spectral)
    }

    /// (56, 100 Hz, 30 s), spectral.
    pub fn esp32_default() -> Self {
        BreathingExtractor::with_config(&ExtractorConfig::breathing(), BreathingMethod::Spectral)
            .expect("the ESP32 breathing defaults are a valid configuration")
    }

    /// Requires fs > 1 Hz, a window of at least the minimum history, and valid thresholds.
    pub fn with_config(config: &ExtractorConfig, method: BreathingMethod) -> Result<Self> {
        let stage = FilteredHistory::new(config, BREATHING_BAND, method.default_thresholds())?;
        Ok(BreathingExtractor { stage, method })
    }

    /// Fuses `residuals` (weights default to 1/n each), filters and stores one sample.
    /// An empty input changes nothing; a non-finite value is rejected before any change.
    pub fn push(&mut self, residuals: &[f64], weights: Option<&[f64]>) -> Result<()> {
        ensure_finite_values("residuals", residuals)?;
        if let Some(w) = weights {
            ensure_finite_values("weights", w)?;
        }
        self.push_unchecked(residuals, weights);
        Ok(())
    }

    pub(crate) fn push_unchecked(&mut self, residuals: &[f64], weights: Option<&[f64]>) {
        if let Some(fused) = self.fuse(residuals, weights) {
            self.stage.push(fused);
        }
    }

    /// The weighted sum of the first n = min(len, n_subcarriers) residuals; None for n = 0.
    pub(crate) fn fuse(&self, residuals: &[f64], weights: Option<&[f64]>) -> Option<f64> {
        let n = residuals.len().min(self.stage.n_subcarriers());
        if n == 0 {
            return None;
        }
        let uniform = 1.0 / n as f64;
        let weight = |i: usize| weights.and_then(|w| w.get(i)).copied().unwrap_or(uniform);
        Some(
            residuals[..n]
                .iter()
                .enumerate()
                .map(|(i, r)| r * weight(i))
                .sum(),
        )
    }

    /// Stores one sample band-passed outside (see [`crate::VitalsPipeline`]).
    pub(crate) fn push_filtered(&mut self, filtered: f64) {
        self.stage.push_filtered(filtered);
    }

    pub(crate) fn filter_coefficients(&self) -> crate::resonator::ResonatorCoefficients {
        self.stage.coefficients()
    }

    /// The current estimate, or None below the minimum history or without a usable peak.
    pub fn estimate(&mut self) -> Option<VitalEstimate> {
        if !self.stage.is_ready() {
            return None;
        }
        let thresholds = self.stage.thresholds();
        let (rate_bpm, confidence) = match self.method {
            BreathingMethod::Spectral => {
                let peak = self.stage.spectral_peak()?;
                (peak.rate_bpm, peak.confidence)
            }
            BreathingMethod::Ruview => {
                let band = self.stage.band();
                let n = self.stage.len();
                let crossings = zero_crossings(self.stage.values());
                let frequency_hz =
                    crossings as f64 / (2.0 * (n as f64 / self.stage.sample_rate_hz()));
                if frequency_hz < band.low_hz || frequency_hz > band.high_hz {
                    return None;
                }
                (
                    60.0 * frequency_hz,
                    ruview_breathing_confidence(self.stage.values()),
                )
            }
        };
        Some(VitalEstimate::from_parts(
            rate_bpm,
            confidence,
            thresholds.classify(confidence, true),
        ))
    }

    /// `push` then `estimate` (RuView's per-call semantics).
    pub fn extract(
        &mut self,
        residuals: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Option<VitalEstimate>> {
        self.push(residuals, weights)?;
        Ok(self.estimate())
    }

    /// `push` for every row of `[time, subcarrier]` residuals, validated as a whole first.
    pub fn push_batch(
        &mut self,
        residuals: &impl FrameSource,
        weights: Option<&[f64]>,
    ) -> Result<()> {
        self.validate_batch(residuals, weights)?;
        for frame in 0..residuals.n_frames() {
            self.push_unchecked(&residuals.row(frame), weights);
        }
        Ok(())
    }

    /// `extract` for every row: one entry per frame.
    pub fn extract_batch(
        &mut self,
        residuals: &impl FrameSource,
        weights: Option<&[f64]>,
    ) -> Result<Vec<Option<VitalEstimate>>> {
        self.validate_batch(residuals, weights)?;
        Ok((0..residuals.n_frames())
            .map(|frame| {
                self.push_unchecked(&residuals.row(frame), weights);
                self.estimate()
            })
            .collect())
    }

    fn validate_batch(&self, residuals: &impl FrameSource, weights: Option<&[f64]>) -> Result<()> {
        ensure_finite_rows("residuals", residuals)?;
        if let Some(w) = weights {
            ensure_finite_values("weights", w)?;
        }
        Ok(())
    }

    /// Clears the filter state and the history.
    pub fn reset(&mut self) {
        self.stage.reset();
    }

    stage_accessors!(BreathingMethod, band_doc: "(0.1, 0.5) Hz.");
}

/// Adjacent pairs with y_i·y_{i+1} < 0; an exact zero never counts.
pub fn zero_crossings<'a>(signal: impl IntoIterator<Item = &'a f64>) -> usize {
    let mut values = signal.into_iter();
    let Some(mut previous) = values.next() else {
        return 0;
    };
    let mut count = 0;
    for value in values {
        if previous * value < 0.0 {
            count += 1;
        }
        previous = value;
    }
    count
}

/// RuView's breathing confidence: min((max|y|/σ_pop)/5, 1), or 0 for fewer than 4 samples or
/// a variance below 1e-15.
pub fn ruview_breathing_confidence<'a, I>(history: I) -> f64
where
    I: IntoIterator<Item = &'a f64>,
    I::IntoIter: ExactSizeIterator + Clone,
{
    let history = history.into_iter();
    let n = history.len();
    if n < 4 {
        return 0.0;
    }
    let mean = history.clone().sum::<f64>() / n as f64;
    let variance = history
        .clone()
        .map(|x| (x - mean) * (x - mean))
        .sum::<f64>()
        / n as f64;
    if variance < 1e-15 {
        return 0.0;
    }
    let peak = history.fold(0.0_f64, |acc, x| acc.max(x.abs()));
    (peak / variance.sqrt() / 5.0).min(1.0)
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;
    use crate::frames::RowMajor;
    use crate::types::VitalStatus;

    fn extractor(fs: f64, window: f64, method: BreathingMethod) -> BreathingExtractor {
        let config = ExtractorConfig {
            n_subcarriers: 1,
            sample_rate_hz: fs,
            window_secs: window,
            ..ExtractorConfig::breathing()
        };
        BreathingExtractor::with_config(&config, method).unwrap()
    }

    #[test]
    fn empty_input_and_short_history_give_none() {
        let mut ext = BreathingExtractor::new(4, 10.0, 30.0).unwrap();
        assert_eq!(ext.extract(&[], None).unwrap(), None);
        assert_eq!(ext.history_len(), 0);
        for _ in 0..5 {
            assert_eq!(ext.extract(&[1.0, 2.0], Some(&[0.5, 0.5])).unwrap(), None);
        }
        assert_eq!(ext.history_len(), 5);
        ext.reset();
        assert_eq!(ext.history_len(), 0);
    }

    #[test]
    fn configuration_is_checked() {
        let err = BreathingExtractor::new(56, 1.0, 30.0).unwrap_err();
        assert!(matches!(err, VitalsError::Configuration { .. }), "{err}");
        assert!(matches!(
            BreathingExtractor::new(56, 100.0, 5.0),
            Err(VitalsError::Configuration { .. })
        ));
        assert!(BreathingMethod::parse("fft").is_err());
        let ext = BreathingExtractor::esp32_default();
        assert_eq!(
            (ext.capacity(), ext.min_history_len(), ext.n_subcarriers()),
            (3000, 1000, 56)
        );
        assert_eq!(ext.band(), (0.1, 0.5));
    }

    #[test]
    fn zero_crossings_and_ruview_confidence() {
        assert_eq!(zero_crossings(&[1.0, -1.0, 1.0, -1.0, 1.0]), 4);
        assert_eq!(zero_crossings(&[1.0, 1.0, 1.0, 1.0]), 0);
        assert_eq!(zero_crossings(&[1.0, 0.0, -1.0]), 0);
        assert_eq!(ruview_breathing_confidence(&[0.0; 100]), 0.0);
        let sine: Vec<f64> = (0..100).map(|i| (i as f64 * 0.5).sin()).collect();
        assert!(ruview_breathing_confidence(&sine) > 0.0);
    }

    fn run_sine(method: BreathingMethod) -> VitalEstimate {
        let mut ext = extractor(10.0, 60.0, method);
        let mut last = None;
        for i in 0..600 {
            let x = (2.0 * PI * 0.25 * i as f64 / 10.0).sin();
            last = ext.extract(&[x], Some(&[1.0])).unwrap();
        }
        last.unwrap()
    }

    #[test]
    fn sine_at_15_bpm_ruview_method() {
        let est = run_sine(BreathingMethod::Ruview);
        assert_eq!(est.value_bpm(), 15.0);
        assert!(
            (est.confidence() - 0.2865).abs() <= 0.001,
            "{}",
            est.confidence()
        );
        assert_eq!(est.status(), VitalStatus::Unreliable);
    }

    #[test]
    fn sine_at_15_bpm_spectral_method() {
        let est = run_sine(BreathingMethod::Spectral);
        assert!(
            (est.value_bpm() - 15.0).abs() <= 0.05,
            "{}",
            est.value_bpm()
        );
        assert!(est.confidence() >= 0.95, "{}", est.confidence());
        assert_eq!(est.status(), VitalStatus::Valid);
    }

    #[test]
    fn batch_equals_per_frame_bitwise() {
        let values: Vec<f64> = (0..1500 * 3)
            .map(|i| (2.0 * PI * 0.25 * (i / 3) as f64 / 100.0).sin() + (i % 7) as f64 * 0.01)
            .collect();
        let frames = RowMajor::new(&values, 3).unwrap();
        let weights = [0.2, 0.5];
        let mut batch = BreathingExtractor::new(3, 100.0, 12.0).unwrap();
        let batch_out = batch.extract_batch(&frames, Some(&weights)).unwrap();
        let mut single = BreathingExtractor::new(3, 100.0, 12.0).unwrap();
        for (t, expected) in batch_out.iter().enumerate() {
            let got = single
                .extract(&values[t * 3..t * 3 + 3], Some(&weights))
                .unwrap();
            assert_eq!(
                got.map(|e| e.value_bpm().to_bits()),
                expected.map(|e| e.value_bpm().to_bits())
            );
            assert_eq!(
                got.map(|e| e.confidence().to_bits()),
                expected.map(|e| e.confidence().to_bits())
            );
        }
        assert!(batch_out.last().unwrap().is_some());
    }

    #[test]
    fn a_rejected_batch_changes_nothing() {
        let mut values = vec![1.0; 30];
        values[17] = f64::INFINITY;
        let mut ext = BreathingExtractor::new(3, 100.0, 12.0).unwrap();
        let err = ext
            .push_batch(&RowMajor::new(&values, 3).unwrap(), None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "residuals contains a non-finite value (inf) at [5, 2]"
        );
        assert_eq!(ext.history_len(), 0);
        assert!(ext.push(&[1.0], Some(&[f64::NAN])).is_err());
        assert_eq!(ext.history_len(), 0);
    }
}
