//! What the breathing and heart stages share: configuration, the band-pass filter feeding a
//! bounded history, and the spectral estimator over that history.

use crate::error::{Result, VitalsError};
use crate::resonator::{Band, BandPassResonator, ResonatorCoefficients};
use crate::spectral::{SpectralPeak, SpectralPeakEstimator};
use crate::types::StatusThresholds;
use wifi_densepose_core::{RingBuffer, MAX_HISTORY_LEN};

/// Configuration of a breathing or heart extractor.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractorConfig {
    /// Subcarriers fused per frame; extra values are ignored.
    pub n_subcarriers: usize,
    /// Frame rate in Hz; must exceed twice the band's upper edge.
    pub sample_rate_hz: f64,
    /// History length in seconds: capacity ⌊fs·window⌋ samples.
    pub window_secs: f64,
    /// History needed before estimating: ⌊fs·min_history⌋ samples.
    pub min_history_secs: f64,
    /// Overrides the method's VALID threshold.
    pub valid_threshold: Option<f64>,
    /// Overrides the method's DEGRADED threshold.
    pub degraded_threshold: Option<f64>,
}

impl ExtractorConfig {
    /// The breathing defaults: 56 subcarriers, 100 Hz, 30 s window, 10 s minimum.
    pub fn breathing() -> Self {
        ExtractorConfig::with_windows(56, 100.0, 30.0, 10.0)
    }

    /// The heart defaults: 56 subcarriers, 100 Hz, 15 s window, 5 s minimum.
    pub fn heart() -> Self {
        ExtractorConfig::with_windows(56, 100.0, 15.0, 5.0)
    }

    fn with_windows(
        n_subcarriers: usize,
        fs: f64,
        window_secs: f64,
        min_history_secs: f64,
    ) -> Self {
        ExtractorConfig {
            n_subcarriers,
            sample_rate_hz: fs,
            window_secs,
            min_history_secs,
            valid_threshold: None,
            degraded_threshold: None,
        }
    }
}

/// Resonator → ring of filtered samples → estimators. Knows nothing about fusion.
#[derive(Debug, Clone)]
pub(crate) struct FilteredHistory {
    band: Band,
    sample_rate_hz: f64,
    n_subcarriers: usize,
    thresholds: StatusThresholds,
    filter: BandPassResonator,
    history: RingBuffer<f64>,
    min_len: usize,
    spectral: SpectralPeakEstimator,
}

/// ⌊fs·seconds⌋ as a sample count, rejecting counts beyond the history bound.
fn samples(field: &str, fs: f64, seconds: f64) -> Result<usize> {
    let count = (fs * seconds).floor();
    if count > MAX_HISTORY_LEN as f64 {
        return Err(VitalsError::config(format!(
            "{field} = {seconds} s at {fs} Hz is {count} samples, above the maximum {MAX_HISTORY_LEN}"
        )));
    }
    Ok(count as usize)
}

impl FilteredHistory {
    pub(crate) fn new(
        config: &ExtractorConfig,
        band: Band,
        default_thresholds: StatusThresholds,
    ) -> Result<Self> {
        let fs = config.sample_rate_hz;
        let coefficients = ResonatorCoefficients::new(band, fs)?;
        VitalsError::ensure_config_positive("window_secs", config.window_secs)?;
        wifi_densepose_core::validate::ensure_size(
            "n_subcarriers",
            config.n_subcarriers,
            0,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        if !(config.min_history_secs.is_finite() && config.min_history_secs >= 0.0) {
            return Err(VitalsError::config(format!(
                "min_history_secs must be finite and >= 0, got {}",
                config.min_history_secs
            )));
        }
        let capacity = samples("window_secs", fs, config.window_secs)?;
        let min_len = samples("min_history_secs", fs, config.min_history_secs)?;
        if capacity == 0 || capacity < min_len {
            return Err(VitalsError::config(format!(
                "the history of {capacity} samples (window_secs {} at {fs} Hz) must hold at least \
                 one sample and the minimum history of {min_len} samples (min_history_secs {})",
                config.window_secs, config.min_history_secs
            )));
        }
        let thresholds = StatusThresholds::with_overrides(
            default_thresholds,
            config.valid_threshold,
            config.degraded_threshold,
        )?;
        Ok(FilteredHistory {
            band,
            sample_rate_hz: fs,
            n_subcarriers: config.n_subcarriers,
            thresholds,
            filter: BandPassResonator::new(coefficients),
            history: RingBuffer::new(capacity),
            min_len,
            spectral: SpectralPeakEstimator::new(band, fs, coefficients),
        })
    }

    pub(crate) fn push(&mut self, fused: f64) {
        let y = self.filter.step(fused);
        self.history.push(y);
    }

    /// Stores a sample filtered by a resonator outside (the pipeline's restarted copies).
    pub(crate) fn push_filtered(&mut self, filtered: f64) {
        self.history.push(filtered);
    }

    pub(crate) fn coefficients(&self) -> ResonatorCoefficients {
        *self.filter.coefficients()
    }

    /// Whether the history holds the minimum needed to estimate.
    pub(crate) fn is_ready(&self) -> bool {
        self.history.len() >= self.min_len
    }

    pub(crate) fn spectral_peak(&mut self) -> Option<SpectralPeak> {
        self.spectral.estimate(self.history.iter())
    }

    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &f64> + Clone {
        self.history.iter()
    }

    pub(crate) fn reset(&mut self) {
        self.filter.reset();
        self.history.clear();
    }

    pub(crate) fn band(&self) -> Band {
        self.band
    }
    pub(crate) fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }
    pub(crate) fn n_subcarriers(&self) -> usize {
        self.n_subcarriers
    }
    pub(crate) fn thresholds(&self) -> StatusThresholds {
        self.thresholds
    }
    pub(crate) fn len(&self) -> usize {
        self.history.len()
    }
    pub(crate) fn capacity(&self) -> usize {
        self.history.capacity()
    }
    pub(crate) fn min_len(&self) -> usize {
        self.min_len
    }
}

/// Rejects non-finite values in a per-frame input.
pub(crate) fn ensure_finite_values(field: &str, values: &[f64]) -> Result<()> {
    wifi_densepose_core::validate::ensure_finite(field, values.iter()).map_err(VitalsError::from)
}

/// The accessors both extractors expose over their `stage: FilteredHistory` and `method` fields
/// (a macro, because they are inherent methods of two public types).
macro_rules! stage_accessors {
    ($method:ty, band_doc: $band_doc:literal) => {
        pub fn history_len(&self) -> usize {
            self.stage.len()
        }
        /// ⌊fs·window⌋ samples.
        pub fn capacity(&self) -> usize {
            self.stage.capacity()
        }
        /// ⌊fs·min_history⌋ samples.
        pub fn min_history_len(&self) -> usize {
            self.stage.min_len()
        }
        #[doc = $band_doc]
        pub fn band(&self) -> (f64, f64) {
            let band = self.stage.band();
            (band.low_hz, band.high_hz)
        }
        pub fn method(&self) -> $method {
            self.method
        }
        pub fn n_subcarriers(&self) -> usize {
            self.stage.n_subcarriers()
        }
        pub fn sample_rate_hz(&self) -> f64 {
            self.stage.sample_rate_hz()
        }
        pub fn thresholds(&self) -> StatusThresholds {
            self.stage.thresholds()
        }
    };
}
pub(crate) use stage_accessors;
