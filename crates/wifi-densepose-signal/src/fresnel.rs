//! Fresnel-zone model of breathing: expected amplitude variation for chest displacement, and an
//! autocorrelation breathing-rate estimate scored against it.

use std::f64::consts::PI;

use ndarray::ArrayView1;
use wifi_densepose_core::validate::{ensure_finite_array, ensure_positive};

use crate::error::{SignalError, SignalResult};

/// Speed of light used throughout, m/s.
pub const SPEED_OF_LIGHT: f64 = 2.998e8;
/// Chest displacement range of normal breathing, metres.
const CHEST_DISPLACEMENT_M: (f64, f64) = (0.003, 0.015);

/// Transmitter–body–receiver geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FresnelGeometry {
    d_tx_body: f64,
    d_body_rx: f64,
    frequency_hz: f64,
}

impl FresnelGeometry {
    /// Distances in metres and the carrier in Hz, all finite and > 0.
    pub fn new(d_tx_body: f64, d_body_rx: f64, frequency_hz: f64) -> SignalResult<Self> {
        for (field, value) in [("d_tx_body", d_tx_body), ("d_body_rx", d_body_rx)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(SignalError::InvalidDistance {
                    field: field.into(),
                    value,
                });
            }
        }
        if !(frequency_hz.is_finite() && frequency_hz > 0.0) {
            return Err(SignalError::InvalidFrequency {
                value: frequency_hz,
            });
        }
        Ok(FresnelGeometry {
            d_tx_body,
            d_body_rx,
            frequency_hz,
        })
    }

    pub fn d_tx_body(&self) -> f64 {
        self.d_tx_body
    }
    pub fn d_body_rx(&self) -> f64 {
        self.d_body_rx
    }
    pub fn frequency_hz(&self) -> f64 {
        self.frequency_hz
    }

    /// λ = c/f in metres.
    pub fn wavelength(&self) -> f64 {
        SPEED_OF_LIGHT / self.frequency_hz
    }

    /// Radius of the n-th Fresnel zone at the body, √(nλd₁d₂/(d₁+d₂)), metres.
    pub fn fresnel_radius(&self, n: u32) -> f64 {
        let (d1, d2) = (self.d_tx_body, self.d_body_rx);
        (n as f64 * self.wavelength() * d1 * d2 / (d1 + d2)).sqrt()
    }

    /// Reflected-path phase change 4πΔd/λ, radians, for a displacement Δd in metres.
    pub fn phase_change(&self, displacement_m: f64) -> f64 {
        4.0 * PI * displacement_m / self.wavelength()
    }

    /// |sin(phase_change/2)|: relative amplitude variation for a displacement.
    pub fn expected_amplitude_variation(&self, displacement_m: f64) -> f64 {
        (self.phase_change(displacement_m) / 2.0).sin().abs()
    }
}

/// A breathing estimate from [`FresnelBreathingEstimator::estimate_breathing_rate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreathingEstimate {
    pub rate_bpm: f64,
    pub confidence: f64,
    pub period_seconds: f64,
    pub autocorrelation_peak: f64,
    pub fresnel_confidence: f64,
    pub amplitude_variation: f64,
}

/// Scores breathing-like signals against the variation a 3–15 mm chest movement produces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FresnelBreathingEstimator {
    geometry: FresnelGeometry,
    expected_low: f64,
    expected_high: f64,
}

impl FresnelBreathingEstimator {
    pub fn new(geometry: FresnelGeometry) -> Self {
        let (lo_d, hi_d) = CHEST_DISPLACEMENT_M;
        let a = geometry.expected_amplitude_variation(lo_d);
        let b = geometry.expected_amplitude_variation(hi_d);
        // |sin| is not monotone over every carrier, so order the two ends.
        FresnelBreathingEstimator {
            geometry,
            expected_low: a.min(b),
            expected_high: a.max(b),
        }
    }

    pub fn geometry(&self) -> &FresnelGeometry {
        &self.geometry
    }

    /// The expected variation interval [lo, hi].
    pub fn expected_range(&self) -> (f64, f64) {
        (self.expected_low, self.expected_high)
    }

    /// 1 inside [lo, hi]; clamp(v/lo, 0, 1) below and clamp(hi/v, 0, 1) above.
    pub fn breathing_confidence(&self, variation: f64) -> f64 {
        let (lo, hi) = (self.expected_low, self.expected_high);
        if variation < lo {
            if lo > 0.0 {
                (variation / lo).clamp(0.0, 1.0)
            } else {
                0.0
            }
        } else if variation > hi {
            (hi / variation).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    /// Breathing rate from the first autocorrelation maximum over lags of 1.5–10 s (40–6 BPM).
    pub fn estimate_breathing_rate(
        &self,
        x: ArrayView1<'_, f64>,
        fs: f64,
    ) -> SignalResult<BreathingEstimate> {
        if x.len() < 10 {
            return Err(SignalError::InsufficientData {
                required: 10,
                available: x.len(),
            });
        }
        ensure_positive("fs", fs)?;
        ensure_finite_array("x", &x)?;
        let n = x.len();
        let mean = crate::stats::mean(x.iter().copied());
        let centred: Vec<f64> = x.iter().map(|v| v - mean).collect();
        let energy: f64 = centred.iter().map(|v| v * v).sum();
        if energy < 1e-15 {
            return Err(SignalError::NoSignal { energy });
        }
        let min_lag = (1.5 * fs).floor() as usize;
        let max_lag = ((10.0 * fs).floor() as usize).min(n / 2);
        if min_lag >= max_lag {
            return Err(SignalError::InsufficientData {
                required: 2 * (min_lag + 1),
                available: n,
            });
        }
        let acf = |lag: usize| {
            centred
                .iter()
                .zip(&centred[lag..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / energy
        };
        let (best_lag, best) = (min_lag..max_lag).map(|lag| (lag, acf(lag))).fold(
            (min_lag, f64::NEG_INFINITY),
            |best, cur| if cur.1 > best.1 { cur } else { best },
        );
        let period = best_lag as f64 / fs;
        let (lo, hi) = centred
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let variation = hi - lo;
        let fresnel_confidence = self.breathing_confidence(variation);
        Ok(BreathingEstimate {
            rate_bpm: 60.0 / period,
            confidence: 0.4 * fresnel_confidence + 0.6 * best.clamp(0.0, 1.0),
            period_seconds: period,
            autocorrelation_peak: best,
            fresnel_confidence,
            amplitude_variation: variation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn geometry() -> FresnelGeometry {
        FresnelGeometry::new(3.0, 2.0, 5e9).unwrap()
    }

    #[test]
    fn geometry_formulas() {
        let g = geometry();
        assert!((g.wavelength() - 0.06).abs() < 0.001);
        let f1 = g.fresnel_radius(1);
        assert_eq!(f1, (g.wavelength() * 3.0 * 2.0 / 5.0).sqrt());
        assert!(f1 > 0.1 && f1 < 0.5);
        assert_eq!(g.phase_change(0.01), 4.0 * PI * 0.01 / g.wavelength());
        assert!(g.expected_amplitude_variation(0.005) > 0.01);
    }

    #[test]
    fn confidence_against_the_expected_range() {
        let e = FresnelBreathingEstimator::new(geometry());
        let g = geometry();
        assert!(e.breathing_confidence(g.expected_amplitude_variation(0.007)) > 0.5);
        assert!(e.breathing_confidence(g.expected_amplitude_variation(0.0)) < 0.5);
        let (lo, hi) = e.expected_range();
        assert_eq!(e.breathing_confidence(lo / 2.0), 0.5);
        assert_eq!(e.breathing_confidence((lo + hi) / 2.0), 1.0);
    }

    #[test]
    fn breathing_rate_of_a_sinusoid() {
        let x = Array1::from_iter(
            (0..3000).map(|i| 0.5 + 0.1 * (2.0 * PI * 0.267 * i as f64 / 100.0).sin()),
        );
        let est = FresnelBreathingEstimator::new(geometry())
            .estimate_breathing_rate(x.view(), 100.0)
            .unwrap();
        assert!((est.rate_bpm - 16.0).abs() < 2.0);
        assert!(est.confidence > 0.3);
        assert!(est.autocorrelation_peak > 0.5);
        assert!((est.amplitude_variation - 0.2).abs() < 1e-3);
        assert_eq!(est.period_seconds, 60.0 / est.rate_bpm);
    }

    #[test]
    fn errors() {
        assert_eq!(
            FresnelGeometry::new(-1.0, 2.0, 5e9).unwrap_err().code(),
            "InvalidDistance"
        );
        assert_eq!(
            FresnelGeometry::new(1.0, 2.0, 0.0).unwrap_err().code(),
            "InvalidFrequency"
        );
        let e = FresnelBreathingEstimator::new(geometry());
        let short = Array1::from_elem(5, 1.0);
        assert_eq!(
            e.estimate_breathing_rate(short.view(), 100.0)
                .unwrap_err()
                .kind(),
            ErrorKind::InsufficientData
        );
        let flat = Array1::from_elem(3000, 1.0);
        assert_eq!(
            e.estimate_breathing_rate(flat.view(), 100.0)
                .unwrap_err()
                .code(),
            "NoSignal"
        );
        let brief = Array1::from_iter((0..100).map(|i| (i as f64).sin()));
        assert!(e.estimate_breathing_rate(brief.view(), 100.0).is_err());
        assert!(e.estimate_breathing_rate(brief.view(), 0.0).is_err());
    }
}
