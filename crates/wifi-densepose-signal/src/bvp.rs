//! Body velocity profile: Doppler spectra of every subcarrier, averaged and mapped onto a
//! velocity grid.

use ndarray::{Array1, Array2, ArrayView2};
use wifi_densepose_core::validate::{ensure_finite_array, ensure_positive};

use crate::error::{SignalError, SignalResult};
use crate::fresnel::SPEED_OF_LIGHT;
use crate::spectrogram::{SpectrogramConfig, StftPlan};
use crate::window::WindowKind;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BvpConfig {
    pub window_size: usize,
    pub hop_size: usize,
    /// Carrier frequency in Hz.
    pub carrier_frequency: f64,
    pub n_velocity_bins: usize,
    /// Largest |velocity| in m/s.
    pub max_velocity: f64,
}

impl Default for BvpConfig {
    fn default() -> Self {
        BvpConfig {
            window_size: 128,
            hop_size: 32,
            carrier_frequency: 5e9,
            n_velocity_bins: 64,
            max_velocity: 2.0,
        }
    }
}

impl BvpConfig {
    pub fn validate(&self) -> SignalResult<()> {
        if self.window_size == 0 {
            return Err(SignalError::InvalidWindowSize { value: 0 });
        }
        if self.hop_size == 0 {
            return Err(SignalError::InvalidHopSize { value: 0 });
        }
        if self.n_velocity_bins == 0 {
            return Err(SignalError::config("n_velocity_bins must be >= 1, got 0"));
        }
        for (field, value) in [
            ("window_size", self.window_size),
            ("hop_size", self.hop_size),
            ("n_velocity_bins", self.n_velocity_bins),
        ] {
            wifi_densepose_core::validate::ensure_size(
                field,
                value,
                1,
                wifi_densepose_core::validate::MAX_LENGTH,
            )?;
        }
        for (field, v) in [
            ("carrier_frequency", self.carrier_frequency),
            ("max_velocity", self.max_velocity),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(SignalError::config(format!(
                    "{field} must be finite and > 0, got {v}"
                )));
            }
        }
        Ok(())
    }
}

/// `data[n_velocity_bins, frames]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyVelocityProfile {
    pub data: Array2<f64>,
    /// Bin velocities in m/s, from −v_max.
    pub velocity_bins: Array1<f64>,
    /// hop / fs, seconds.
    pub time_resolution: f64,
    /// 2·v_max / n_velocity_bins, m/s.
    pub velocity_resolution: f64,
}

/// BVP of `[T, S]` CSI amplitude sampled at `fs` Hz.
pub fn extract_bvp(
    x: ArrayView2<'_, f64>,
    fs: f64,
    config: &BvpConfig,
) -> SignalResult<BodyVelocityProfile> {
    let (t_len, s_len) = x.dim();
    if t_len < config.window_size {
        return Err(SignalError::InsufficientData {
            required: config.window_size,
            available: t_len,
        });
    }
    if s_len == 0 {
        return Err(SignalError::NoSubcarriers { field: "x".into() });
    }
    config.validate()?;
    ensure_positive("fs", fs)?;
    ensure_finite_array("x", &x)?;
    let w = config.window_size;
    let stft = StftPlan::new(
        &SpectrogramConfig {
            window_size: w,
            hop_size: config.hop_size,
            window: WindowKind::Hann,
            power: false,
        },
        fs,
    );
    let mut aggregate: Option<Array2<f64>> = None;
    for column in x.columns() {
        let mean = crate::stats::mean(column.iter().copied());
        let centred = column.mapv(|v| v - mean);
        let magnitude = stft.run(centred.view()).data;
        aggregate = Some(match aggregate {
            None => magnitude,
            Some(sum) => sum + magnitude,
        });
    }
    let aggregate = aggregate.unwrap_or_default() / s_len as f64;
    let frames = aggregate.ncols();
    let wavelength = SPEED_OF_LIGHT / config.carrier_frequency;
    let step = 2.0 * config.max_velocity / config.n_velocity_bins as f64;
    let velocity_bins = Array1::from_iter(
        (0..config.n_velocity_bins).map(|i| -config.max_velocity + i as f64 * step),
    );
    let bin_width = fs / w as f64;
    let mut data = Array2::zeros((config.n_velocity_bins, frames));
    for (i, &v) in velocity_bins.iter().enumerate() {
        let bin = ((2.0 * v / wavelength).abs() / bin_width).round();
        if bin <= (w / 2) as f64 {
            data.row_mut(i).assign(&aggregate.row(bin as usize));
        }
    }
    Ok(BodyVelocityProfile {
        data,
        velocity_bins,
        time_resolution: config.hop_size as f64 / fs,
        velocity_resolution: step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    #[test]
    fn shape_and_axes() {
        let x = Array2::from_shape_fn((1000, 10), |(t, s)| (0.05 * t as f64 + s as f64).sin());
        let cfg = BvpConfig {
            window_size: 128,
            hop_size: 32,
            n_velocity_bins: 64,
            ..Default::default()
        };
        let b = extract_bvp(x.view(), 100.0, &cfg).unwrap();
        assert_eq!(b.data.dim(), (64, 28));
        assert!((b.time_resolution - 0.32).abs() < 1e-12);
        let wide = BvpConfig {
            max_velocity: 3.0,
            n_velocity_bins: 60,
            ..Default::default()
        };
        let b = extract_bvp(x.view(), 100.0, &wide).unwrap();
        assert!((b.velocity_bins[0] + 3.0).abs() < 0.2);
        assert!(b.velocity_bins[59] > 0.0);
        assert!((b.velocity_resolution - 0.1).abs() < 1e-12);
    }

    #[test]
    fn energy() {
        let cfg = BvpConfig::default();
        let constant = Array2::from_elem((400, 4), 3.0);
        assert!(
            extract_bvp(constant.view(), 100.0, &cfg)
                .unwrap()
                .data
                .sum()
                < 1.0
        );
        let modulated = Array2::from_shape_fn((400, 4), |(t, _)| {
            1.0 + 0.5 * (2.0 * PI * 5.0 * t as f64 / 100.0).sin()
        });
        assert!(
            extract_bvp(modulated.view(), 100.0, &cfg)
                .unwrap()
                .data
                .sum()
                > 0.0
        );
    }

    #[test]
    fn errors_in_order() {
        let cfg = BvpConfig::default();
        let short = Array2::zeros((10, 4));
        assert_eq!(
            extract_bvp(short.view(), 100.0, &cfg).unwrap_err().kind(),
            ErrorKind::InsufficientData
        );
        let no_columns = Array2::zeros((200, 0));
        assert_eq!(
            extract_bvp(no_columns.view(), 100.0, &cfg)
                .unwrap_err()
                .kind(),
            ErrorKind::Shape
        );
        let x = Array2::zeros((200, 2));
        let bad = BvpConfig { hop_size: 0, ..cfg };
        assert_eq!(
            extract_bvp(x.view(), 100.0, &bad).unwrap_err().kind(),
            ErrorKind::Configuration
        );
        let bad = BvpConfig {
            max_velocity: -1.0,
            ..cfg
        };
        assert_eq!(
            extract_bvp(x.view(), 100.0, &bad).unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }
}
