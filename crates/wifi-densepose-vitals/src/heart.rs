//! Stage 3: heart rate from phase-coherence-weighted residuals, band-passed to 0.8–2.0 Hz.

use crate::error::{Result, VitalsError};
use crate::extractor::{ensure_finite_values, stage_accessors, ExtractorConfig, FilteredHistory};
use crate::frames::{ensure_finite_rows, FrameSource};
use crate::resonator::Band;
use crate::types::{StatusThresholds, VitalEstimate};

/// The heart band: 0.8–2.0 Hz (48–120 BPM).
pub const HEART_BAND: Band = Band {
    low_hz: 0.8,
    high_hz: 2.0,
};
/// Fewer fused subcarriers scale the confidence by n/4 and rule out VALID.
pub const MIN_SUBCARRIERS: usize = 4;
/// The lag methods drop rates outside this range (BPM).
pub const HEART_RATE_GATE_BPM: (f64, f64) = (40.0, 180.0);

/// How the heart rate and confidence are computed from the filtered history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HeartMethod {
    /// Interpolated periodogram peak; confidence c_spec·κ (VALID ≥ 0.7, DEGRADED ≥ 0.5).
    #[default]
    Spectral,
    /// RuView: integer-lag autocorrelation peak; confidence ρ·κ (VALID ≥ 0.6, DEGRADED ≥ 0.3).
    Ruview,
    /// As `Ruview`, with a parabolic sub-sample refinement of the lag.
    Autocorrelation,
}

impl HeartMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HeartMethod::Spectral => "spectral",
            HeartMethod::Ruview => "ruview",
            HeartMethod::Autocorrelation => "autocorrelation",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        [HeartMethod::Spectral, HeartMethod::Ruview, HeartMethod::Autocorrelation]
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or_else(|| {
                VitalsError::config(format!(
                    "heart method must be \"spectral\", \"ruview\" or \"autocorrelation\", got {text:?}"
                ))
            })
    }

    fn default_thresholds(self) -> StatusThresholds {
        match self {
            HeartMethod::Spectral => StatusThresholds::new_unchecked(0.7, 0.5),
            HeartMethod::Ruview | HeartMethod::Autocorrelation => {
                StatusThresholds::new_unchecked(0.6, 0.3)
            }
        }
    }
}

/// The autocorrelation maximum over the heart lags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagPeak {
    /// L*, the first lag of maximal ρ.
    pub lag: usize,
    /// ρ(L*).
    pub rho: f64,
    /// L* + δ from a parabola through ρ(L*−1), ρ(L*), ρ(L*+1); L* when that is not a maximum.
    pub refined_lag: f64,
}

/// Fuses residuals by phase coherence, band-passes them and estimates the heart rate.
///
/// For one thread at a time.
#[derive(Debug, Clone)]
pub struct HeartRateExtractor {
    stage: FilteredHistory,
    method: HeartMethod,
    /// Subcarriers fused by the latest push.
    fused_subcarriers: usize,
    /// Contiguous copy of the history for the lag methods.
    scratch: Vec<f64>,
}

impl HeartRateExtractor {
    /// The spectral method with a 5 s minimum history.
    pub fn new(n_subcarriers: usize, sample_rate_hz: f64, window_secs: f64) -> Result<Self> {
        let config = ExtractorConfig {
            n_subcarriers,
            sample_rate_hz,
            window_secs,
            ..ExtractorConfig::heart()
        };
        HeartRateExtractor::with_config(&config, HeartMethod::Spectral)
    }

    /// (56, 100 Hz, 15 s), spectral.
    pub fn esp32_default() -> Self {
        HeartRateExtractor::with_config(&ExtractorConfig::heart(), HeartMethod::Spectral)
            .expect("the ESP32 heart defaults are a valid configuration")
    }

    /// Requires fs > 4 Hz, a window of at least the minimum history, and valid thresholds.
    pub fn with_config(config: &ExtractorConfig, method: HeartMethod) -> Result<Self> {
        let stage = FilteredHistory::new(config, HEART_BAND, method.default_thresholds())?;
        Ok(HeartRateExtractor {
            stage,
            method,
            fused_subcarriers: 0,
            scratch: Vec::new(),
        })
    }

    /// Fuses n = min(len(residuals), n_subcarriers, len(phases)) subcarriers, filters and stores
    /// one sample. n = 0 changes nothing; a non-finite value is rejected before any change.
    pub fn push(&mut self, residuals: &[f64], phases: &[f64]) -> Result<()> {
        ensure_finite_values("residuals", residuals)?;
        ensure_finite_values("phases", phases)?;
        self.push_unchecked(residuals, phases);
        Ok(())
    }

    pub(crate) fn push_unchecked(&mut self, residuals: &[f64], phases: &[f64]) {
        if let Some((fused, n)) = self.fuse(residuals, phases) {
            self.fused_subcarriers = n;
            self.stage.push(fused);
        }
    }

    /// The phase-coherence fusion of n = min(len(residuals), n_subcarriers, len(phases))
    /// subcarriers and n; None for n = 0.
    pub(crate) fn fuse(&self, residuals: &[f64], phases: &[f64]) -> Option<(f64, usize)> {
        let n = residuals
            .len()
            .min(phases.len())
            .min(self.stage.n_subcarriers());
        if n == 0 {
            return None;
        }
        Some((phase_coherence_fusion(&residuals[..n], &phases[..n]), n))
    }

    /// Stores one sample of n fused subcarriers band-passed outside (see
    /// [`crate::VitalsPipeline`]).
    pub(crate) fn push_filtered(&mut self, filtered: f64, n: usize) {
        self.fused_subcarriers = n;
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
        let n = self.fused_subcarriers;
        let kappa = if n >= MIN_SUBCARRIERS {
            1.0
        } else {
            n as f64 / MIN_SUBCARRIERS as f64
        };
        let fs = self.stage.sample_rate_hz();
        let (rate_bpm, score) = match self.method {
            HeartMethod::Spectral => {
                let peak = self.stage.spectral_peak()?;
                (peak.rate_bpm, peak.confidence)
            }
            HeartMethod::Ruview | HeartMethod::Autocorrelation => {
                self.scratch.clear();
                self.scratch.extend(self.stage.values());
                let peak = autocorrelation_peak(&self.scratch, fs)?;
                let lag = match self.method {
                    HeartMethod::Autocorrelation => peak.refined_lag,
                    _ => peak.lag as f64,
                };
                let bpm = 60.0 * fs / lag;
                if !(HEART_RATE_GATE_BPM.0..=HEART_RATE_GATE_BPM.1).contains(&bpm) {
                    return None;
                }
                (bpm, peak.rho)
            }
        };
        let confidence = (score * kappa).clamp(0.0, 1.0);
        let status = self
            .stage
            .thresholds()
            .classify(confidence, n >= MIN_SUBCARRIERS);
        Some(VitalEstimate::from_parts(rate_bpm, confidence, status))
    }

    /// `push` then `estimate`.
    pub fn extract(&mut self, residuals: &[f64], phases: &[f64]) -> Result<Option<VitalEstimate>> {
        self.push(residuals, phases)?;
        Ok(self.estimate())
    }

    /// `push` for every row of `[time, subcarrier]` residuals and phases, validated first.
    pub fn push_batch(
        &mut self,
        residuals: &impl FrameSource,
        phases: &impl FrameSource,
    ) -> Result<()> {
        validate_batch(residuals, phases)?;
        for frame in 0..residuals.n_frames() {
            self.push_unchecked(&residuals.row(frame), &phases.row(frame));
        }
        Ok(())
    }

    /// `extract` for every row: one entry per frame.
    pub fn extract_batch(
        &mut self,
        residuals: &impl FrameSource,
        phases: &impl FrameSource,
    ) -> Result<Vec<Option<VitalEstimate>>> {
        validate_batch(residuals, phases)?;
        Ok((0..residuals.n_frames())
            .map(|frame| {
                self.push_unchecked(&residuals.row(frame), &phases.row(frame));
                self.estimate()
            })
            .collect())
    }

    /// Clears the filter state, the history and the fused-subcarrier count.
    pub fn reset(&mut self) {
        self.stage.reset();
        self.fused_subcarriers = 0;
    }

    stage_accessors!(HeartMethod, band_doc: "(0.8, 2.0) Hz.");
    /// Subcarriers fused by the latest push (0 before any).
    pub fn fused_subcarriers(&self) -> usize {
        self.fused_subcarriers
    }
}

fn validate_batch(residuals: &impl FrameSource, phases: &impl FrameSource) -> Result<()> {
    if residuals.n_frames() != phases.n_frames() {
        return Err(VitalsError::shape(
            "phases",
            format!("{} frames (as residuals)", residuals.n_frames()),
            format!("{} frames", phases.n_frames()),
        ));
    }
    ensure_finite_rows("residuals", residuals)?;
    ensure_finite_rows("phases", phases)
}

/// Σrᵢcᵢ/Σcᵢ with cᵢ = exp(−|φᵢ₊₁ − φᵢ|) (the last subcarrier reuses the previous difference),
/// over n = min(len) subcarriers; r₀ for one subcarrier; 0 when Σc ≤ 1e-15 or n = 0.
///
/// Phases are used raw, so a 2π jump between neighbours gives a weight of about 0.
pub fn phase_coherence_fusion(residuals: &[f64], phases: &[f64]) -> f64 {
    let n = residuals.len().min(phases.len());
    match n {
        0 => return 0.0,
        1 => return residuals[0],
        _ => {}
    }
    let mut weighted = 0.0;
    let mut total = 0.0;
    for (i, &r) in residuals[..n].iter().enumerate() {
        let step = if i + 1 < n {
            phases[i + 1] - phases[i]
        } else {
            phases[n - 1] - phases[n - 2]
        };
        let c = (-step.abs()).exp();
        weighted += r * c;
        total += c;
    }
    if total <= 1e-15 {
        0.0
    } else {
        weighted / total
    }
}

/// The first maximum of ρ(L) = Σ_{i<N−L}(xᵢ−m)(x_{i+L}−m)/A₀ over L ∈ [⌊fs/2⌋, min(⌈fs/0.8⌉, ⌊N/2⌋)].
///
/// None for N < 4, an empty lag range, a flat signal (A₀ < 1e-15) or ρ(L*) ≤ 0.
pub fn autocorrelation_peak(signal: &[f64], sample_rate_hz: f64) -> Option<LagPeak> {
    let n = signal.len();
    if n < 4 || !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
        return None;
    }
    let lag_min = ((sample_rate_hz / HEART_BAND.high_hz).floor() as usize).max(1);
    let lag_max = ((sample_rate_hz / HEART_BAND.low_hz).ceil() as usize).min(n / 2);
    if lag_min >= lag_max {
        return None;
    }
    let mean = signal.iter().sum::<f64>() / n as f64;
    let energy: f64 = signal.iter().map(|x| (x - mean) * (x - mean)).sum();
    if energy < 1e-15 {
        return None;
    }
    let rho = |lag: usize| -> f64 {
        let sum: f64 = signal[..n - lag]
            .iter()
            .zip(&signal[lag..])
            .map(|(a, b)| (a - mean) * (b - mean))
            .sum();
        sum / energy
    };
    let mut best = (lag_min, rho(lag_min));
    for lag in lag_min + 1..=lag_max {
        let value = rho(lag);
        if value > best.1 {
            best = (lag, value);
        }
    }
    let (lag, peak) = best;
    if peak <= 0.0 {
        return None;
    }
    let offset = if lag >= 2 && lag + 1 < n {
        let (before, after) = (rho(lag - 1), rho(lag + 1));
        let curvature = before - 2.0 * peak + after;
        if curvature < 0.0 {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    } else {
        0.0
    };
    Some(LagPeak {
        lag,
        rho: peak,
        refined_lag: lag as f64 + offset,
    })
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;
    use crate::frames::RowMajor;
    use crate::types::VitalStatus;

    #[test]
    fn empty_and_short_inputs_give_none() {
        let mut ext = HeartRateExtractor::new(4, 100.0, 15.0).unwrap();
        assert_eq!(ext.extract(&[], &[]).unwrap(), None);
        assert_eq!(ext.history_len(), 0);
        for _ in 0..10 {
            assert_eq!(
                ext.extract(&[0.1, 0.2, 0.3, 0.4], &[0.0, 0.1, 0.2, 0.3])
                    .unwrap(),
                None
            );
        }
        assert_eq!(ext.band(), (0.8, 2.0));
        let esp = HeartRateExtractor::esp32_default();
        assert_eq!((esp.capacity(), esp.min_history_len()), (1500, 500));
        assert!(matches!(
            HeartRateExtractor::new(56, 4.0, 15.0),
            Err(VitalsError::Configuration { .. })
        ));
    }

    #[test]
    fn phase_coherence_fusion_examples() {
        assert_eq!(phase_coherence_fusion(&[5.0], &[0.3]), 5.0);
        assert!((phase_coherence_fusion(&[1.0, 1.0], &[0.0, 0.01]) - 1.0).abs() <= 0.1);
        // A raw 2π jump between neighbours nearly silences them.
        let fused = phase_coherence_fusion(&[1.0, 0.0, 10.0], &[0.0, 0.0, 2.0 * PI]);
        let c = (-2.0 * PI).exp();
        assert!((fused - (1.0 + 10.0 * c) / (1.0 + 2.0 * c)).abs() < 1e-15);
        assert!(fused < 1.02);
        assert_eq!(phase_coherence_fusion(&[], &[]), 0.0);
    }

    #[test]
    fn autocorrelation_of_a_one_hertz_sine() {
        let x: Vec<f64> = (0..500)
            .map(|i| (2.0 * PI * i as f64 / 50.0).sin())
            .collect();
        let peak = autocorrelation_peak(&x, 50.0).unwrap();
        assert_eq!(peak.lag, 50);
        assert!((peak.rho - 0.90).abs() <= 1e-9, "{}", peak.rho);
        assert!((50.0 / peak.lag as f64 - 1.0).abs() < 0.1);
        assert!(autocorrelation_peak(&[1.0; 500], 50.0).is_none());
        assert!(autocorrelation_peak(&x[..3], 50.0).is_none());
    }

    fn run_tone(method: HeartMethod, n_subcarriers: usize) -> VitalEstimate {
        let config = ExtractorConfig {
            n_subcarriers,
            sample_rate_hz: 50.0,
            window_secs: 20.0,
            ..ExtractorConfig::heart()
        };
        let mut ext = HeartRateExtractor::with_config(&config, method).unwrap();
        let phases = [0.0, 0.01, 0.02, 0.03];
        let mut last = None;
        for i in 0..1000 {
            let x = (2.0 * PI * 1.2 * i as f64 / 50.0).sin();
            last = ext.extract(&[x; 4], &phases).unwrap();
        }
        last.unwrap()
    }

    #[test]
    fn tone_at_72_bpm_with_each_method() {
        let ruview = run_tone(HeartMethod::Ruview, 4);
        assert!(
            (ruview.value_bpm() - 3000.0 / 42.0).abs() < 1e-9,
            "{}",
            ruview.value_bpm()
        );
        assert!((ruview.value_bpm() - 71.43).abs() < 0.005);
        assert!(
            (ruview.confidence() - 0.96).abs() <= 0.01,
            "{}",
            ruview.confidence()
        );
        assert_eq!(ruview.status(), VitalStatus::Valid);

        let acf = run_tone(HeartMethod::Autocorrelation, 4);
        assert!((acf.value_bpm() - 72.0).abs() <= 0.5, "{}", acf.value_bpm());
        assert!((acf.confidence() - 0.96).abs() <= 0.01);
        assert_eq!(acf.status(), VitalStatus::Valid);

        let spectral = run_tone(HeartMethod::Spectral, 4);
        assert!(
            (spectral.value_bpm() - 72.0).abs() <= 0.05,
            "{}",
            spectral.value_bpm()
        );
        assert!(spectral.confidence() >= 0.95, "{}", spectral.confidence());
        assert_eq!(spectral.status(), VitalStatus::Valid);
    }

    #[test]
    fn two_subcarriers_halve_the_confidence_and_never_valid() {
        for method in [
            HeartMethod::Spectral,
            HeartMethod::Ruview,
            HeartMethod::Autocorrelation,
        ] {
            let four = run_tone(method, 4);
            let two = run_tone(method, 2);
            assert!(
                (two.confidence() - four.confidence() / 2.0).abs() < 0.02,
                "{method:?}"
            );
            assert_ne!(two.status(), VitalStatus::Valid);
        }
    }

    #[test]
    fn batch_equals_per_frame_bitwise() {
        let t = 900;
        let res: Vec<f64> = (0..t * 4)
            .map(|i| ((i / 4) as f64 * 0.075).sin() + (i % 4) as f64 * 0.01)
            .collect();
        let ph: Vec<f64> = (0..t * 4).map(|i| (i % 4) as f64 * 0.2).collect();
        let (r, p) = (
            RowMajor::new(&res, 4).unwrap(),
            RowMajor::new(&ph, 4).unwrap(),
        );
        let mut batch = HeartRateExtractor::esp32_default();
        let out = batch.extract_batch(&r, &p).unwrap();
        let mut single = HeartRateExtractor::esp32_default();
        for (i, expected) in out.iter().enumerate() {
            let got = single
                .extract(&res[i * 4..i * 4 + 4], &ph[i * 4..i * 4 + 4])
                .unwrap();
            assert_eq!(
                got.map(|e| e.value_bpm().to_bits()),
                expected.map(|e| e.value_bpm().to_bits())
            );
        }
        assert!(out.last().unwrap().is_some());
        let short = RowMajor::new(&ph[..8], 4).unwrap();
        assert!(matches!(
            batch.push_batch(&r, &short),
            Err(VitalsError::Shape { .. })
        ));
    }
}
