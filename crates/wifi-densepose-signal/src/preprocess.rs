//! `CsiPreprocessor`: noise gate, Hamming window over subcarriers, amplitude normalisation.

use ndarray::{Array2, Axis};
use wifi_densepose_core::validate::ensure_finite_scalar;

use crate::csi_data::CsiData;
use crate::error::SignalResult;
use crate::window::hamming_window;

/// Stateless preprocessing steps; each returns a new frame with its flag set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsiPreprocessor {
    noise_threshold_db: f64,
}

impl CsiPreprocessor {
    pub fn new(noise_threshold_db: f64) -> SignalResult<Self> {
        ensure_finite_scalar("noise_threshold", noise_threshold_db)?;
        Ok(CsiPreprocessor { noise_threshold_db })
    }

    pub fn noise_threshold_db(&self) -> f64 {
        self.noise_threshold_db
    }

    /// Zeroes amplitudes whose level 20·log10(a + 1e-12) dB is at or below the threshold.
    pub fn remove_noise(&self, d: &CsiData) -> CsiData {
        let threshold = self.noise_threshold_db;
        let amplitude = d.amplitude().mapv(|a| if 20.0 * (a + 1e-12).log10() <= threshold { 0.0 } else { a });
        let mut out = d.with_amplitude(amplitude);
        out.noise_filtered = true;
        out
    }

    /// Multiplies each antenna row by the Hamming window over its subcarriers.
    pub fn apply_windowing(&self, d: &CsiData) -> CsiData {
        let window = hamming_window(d.num_subcarriers());
        let mut amplitude = d.amplitude().to_owned();
        for mut row in amplitude.axis_iter_mut(Axis(0)) {
            for (a, w) in row.iter_mut().zip(&window) {
                *a *= w;
            }
        }
        let mut out = d.with_amplitude(amplitude);
        out.windowed = true;
        out
    }

    /// a / (std_pop of all amplitudes + 1e-12), without mean removal (RuView compatibility).
    pub fn normalize_amplitude(&self, d: &CsiData) -> CsiData {
        let std = population_std(&d.amplitude().iter().copied().collect::<Vec<_>>());
        let scale = std + 1e-12;
        let amplitude: Array2<f64> = d.amplitude().mapv(|a| a / scale);
        let mut out = d.with_amplitude(amplitude);
        out.normalized = true;
        out
    }

    /// remove_noise → apply_windowing → normalize_amplitude.
    pub fn preprocess(&self, d: &CsiData) -> CsiData {
        self.normalize_amplitude(&self.apply_windowing(&self.remove_noise(d)))
    }
}

fn population_std(values: &[f64]) -> f64 {
    crate::stats::var_pop(values).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> CsiData {
        let amp = Array2::from_shape_fn((4, 64), |(i, j)| 0.5 + 0.1 * i as f64 + 0.02 * j as f64);
        CsiData::from_arrays(amp, Array2::zeros((4, 64))).unwrap()
    }

    #[test]
    fn noise_gate_zeroes_quiet_bins() {
        let amp = ndarray::array![[0.001, 0.1, 1.0]];
        let d = CsiData::from_arrays(amp, Array2::zeros((1, 3))).unwrap();
        let out = CsiPreprocessor::new(-30.0).unwrap().remove_noise(&d);
        // 20·log10(0.001) = −60 dB is gated; −20 dB and 0 dB pass.
        assert_eq!(out.amplitude().row(0).to_vec(), vec![0.0, 0.1, 1.0]);
        assert!(out.noise_filtered());
    }

    #[test]
    fn windowing_multiplies_by_hamming() {
        let d = data();
        let out = CsiPreprocessor::new(-30.0).unwrap().apply_windowing(&d);
        let w = hamming_window(64);
        assert_eq!(out.amplitude()[[2, 10]], d.amplitude()[[2, 10]] * w[10]);
        assert!(out.windowed());
    }

    #[test]
    fn normalisation_gives_unit_population_std() {
        let out = CsiPreprocessor::new(-30.0).unwrap().normalize_amplitude(&data());
        let values: Vec<f64> = out.amplitude().iter().copied().collect();
        assert!((population_std(&values) - 1.0).abs() < 1e-9);
        assert!(out.normalized());
    }
}
