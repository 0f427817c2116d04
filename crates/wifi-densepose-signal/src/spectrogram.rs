//! Short-time Fourier transform magnitude/power spectrograms.

use ndarray::{Array2, ArrayView1, ArrayView2};
use num_complex::Complex64;
use rustfft::FftPlanner;
use wifi_densepose_core::validate::{ensure_finite_array, ensure_positive};

use crate::error::{SignalError, SignalResult};
use crate::window::WindowKind;

/// STFT parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectrogramConfig {
    /// Samples per frame (W).
    pub window_size: usize,
    /// Samples between frame starts.
    pub hop_size: usize,
    pub window: WindowKind,
    /// |X|² when true, |X| otherwise.
    pub power: bool,
}

impl Default for SpectrogramConfig {
    fn default() -> Self {
        SpectrogramConfig {
            window_size: 256,
            hop_size: 64,
            window: WindowKind::Hann,
            power: true,
        }
    }
}

/// `data[W/2 + 1, n_time]`, frequency bins by frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    pub data: Array2<f64>,
    /// fs / W, in Hz.
    pub freq_resolution: f64,
    /// hop / fs, in seconds.
    pub time_resolution: f64,
}

impl Spectrogram {
    pub fn n_freq(&self) -> usize {
        self.data.nrows()
    }
    pub fn n_time(&self) -> usize {
        self.data.ncols()
    }
}

/// Checks, in the spec's order: too short, hop 0, window 0; then the rate.
fn check(len: usize, fs: f64, config: &SpectrogramConfig) -> SignalResult<()> {
    if len < config.window_size {
        return Err(SignalError::SignalTooShort {
            required: config.window_size,
            available: len,
        });
    }
    if config.hop_size == 0 {
        return Err(SignalError::InvalidHopSize { value: 0 });
    }
    if config.window_size == 0 {
        return Err(SignalError::InvalidWindowSize { value: 0 });
    }
    ensure_positive("fs", fs)?;
    Ok(())
}

/// STFT of `x` sampled at `fs` Hz: ⌊(L − W)/hop⌋ + 1 windowed frames, no mean removal.
pub fn compute_spectrogram(
    x: ArrayView1<'_, f64>,
    fs: f64,
    config: &SpectrogramConfig,
) -> SignalResult<Spectrogram> {
    check(x.len(), fs, config)?;
    ensure_finite_array("x", &x)?;
    Ok(StftPlan::new(config, fs).run(x))
}

/// One spectrogram per column of `[T, S]`.
pub fn compute_multi_subcarrier_spectrogram(
    x: ArrayView2<'_, f64>,
    fs: f64,
    config: &SpectrogramConfig,
) -> SignalResult<Vec<Spectrogram>> {
    check(x.nrows(), fs, config)?;
    if x.ncols() == 0 {
        return Err(SignalError::NoSubcarriers { field: "x".into() });
    }
    ensure_finite_array("x", &x)?;
    let plan = StftPlan::new(config, fs);
    Ok(x.columns().into_iter().map(|col| plan.run(col)).collect())
}

/// A reusable STFT: window coefficients and FFT plan for one configuration.
pub(crate) struct StftPlan {
    coefficients: Vec<f64>,
    fft: std::sync::Arc<dyn rustfft::Fft<f64>>,
    hop: usize,
    power: bool,
    fs: f64,
}

impl StftPlan {
    /// `config` must have passed [`check`].
    pub(crate) fn new(config: &SpectrogramConfig, fs: f64) -> Self {
        StftPlan {
            coefficients: config.window.coefficients(config.window_size),
            fft: FftPlanner::new().plan_fft_forward(config.window_size),
            hop: config.hop_size,
            power: config.power,
            fs,
        }
    }

    /// Frames of `x` (length ≥ W).
    pub(crate) fn run(&self, x: ArrayView1<'_, f64>) -> Spectrogram {
        let w = self.coefficients.len();
        let frames = (x.len() - w) / self.hop + 1;
        let bins = w / 2 + 1;
        let mut data = Array2::zeros((bins, frames));
        let mut buffer = vec![Complex64::new(0.0, 0.0); w];
        for f in 0..frames {
            let start = f * self.hop;
            for (k, b) in buffer.iter_mut().enumerate() {
                *b = Complex64::new(x[start + k] * self.coefficients[k], 0.0);
            }
            self.fft.process(&mut buffer);
            for (bin, value) in buffer.iter().take(bins).enumerate() {
                data[[bin, f]] = if self.power {
                    value.norm_sqr()
                } else {
                    value.norm()
                };
            }
        }
        Spectrogram {
            data,
            freq_resolution: self.fs / w as f64,
            time_resolution: self.hop as f64 / self.fs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;
    use std::f64::consts::PI;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn cfg(w: usize, hop: usize) -> SpectrogramConfig {
        SpectrogramConfig {
            window_size: w,
            hop_size: hop,
            ..Default::default()
        }
    }

    #[test]
    fn shape() {
        let x = Array1::from_iter((0..1000).map(|i| (0.1 * i as f64).sin()));
        let s = compute_spectrogram(x.view(), 100.0, &cfg(128, 32)).unwrap();
        assert_eq!((s.n_freq(), s.n_time()), (65, 28));
        assert_eq!(s.time_resolution, 0.32);
        assert_eq!(s.freq_resolution, 100.0 / 128.0);
    }

    #[test]
    fn tone_peaks_at_its_frequency() {
        let x = Array1::from_iter((0..1000).map(|i| (2.0 * PI * 10.0 * i as f64 / 100.0).sin()));
        let s = compute_spectrogram(x.view(), 100.0, &cfg(256, 64)).unwrap();
        let column = s.data.column(0);
        let peak = column
            .iter()
            .enumerate()
            .fold(0, |best, (k, &v)| if v > column[best] { k } else { best });
        let expected = 10.0 / s.freq_resolution;
        assert!((peak as f64 - expected).abs() <= 2.0);
    }

    #[test]
    fn magnitude_mode_is_the_square_root() {
        let x = Array1::from_iter((0..300).map(|i| (0.3 * i as f64).cos()));
        let p = compute_spectrogram(x.view(), 50.0, &cfg(64, 16)).unwrap();
        let m = compute_spectrogram(
            x.view(),
            50.0,
            &SpectrogramConfig {
                power: false,
                ..cfg(64, 16)
            },
        )
        .unwrap();
        assert!(p
            .data
            .iter()
            .zip(&m.data)
            .all(|(p, m)| (p.sqrt() - m).abs() < 1e-9 * (1.0 + m)));
    }

    #[test]
    fn multi_subcarrier() {
        let x = Array2::from_shape_fn((1000, 8), |(t, s)| ((s + 1) as f64 * 0.01 * t as f64).sin());
        let all = compute_multi_subcarrier_spectrogram(x.view(), 100.0, &cfg(128, 32)).unwrap();
        assert_eq!(all.len(), 8);
        assert!(all.iter().all(|s| s.n_freq() == 65));
        let single = compute_spectrogram(x.column(3), 100.0, &cfg(128, 32)).unwrap();
        assert_eq!(all[3], single);
    }

    #[test]
    fn errors_in_order() {
        let x = Array1::zeros(100);
        let e = compute_spectrogram(x.view(), 100.0, &cfg(128, 0)).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::InsufficientData, "SignalTooShort")
        );
        assert_eq!(
            compute_spectrogram(x.view(), 100.0, &cfg(64, 0))
                .unwrap_err()
                .code(),
            "InvalidHopSize"
        );
        assert_eq!(
            compute_spectrogram(x.view(), 100.0, &cfg(0, 4))
                .unwrap_err()
                .code(),
            "InvalidWindowSize"
        );
        assert!(compute_spectrogram(x.view(), 0.0, &cfg(64, 4)).is_err());
        let mut bad = Array1::zeros(100);
        bad[7] = f64::NAN;
        assert_eq!(
            compute_spectrogram(bad.view(), 100.0, &cfg(64, 4))
                .unwrap_err()
                .kind(),
            ErrorKind::NonFinite
        );
    }
}
