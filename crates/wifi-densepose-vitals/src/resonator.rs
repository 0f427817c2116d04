//! Second-order band-pass resonator shared by the breathing and heart stages.

use std::f64::consts::PI;

use crate::error::{Result, VitalsError};

/// A frequency band in Hz, `low < high`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub low_hz: f64,
    pub high_hz: f64,
}

/// Coefficients of `y[n] = (1−r)(x[n] − x[n−2]) + 2r·cos ω₀·y[n−1] − r²·y[n−2]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResonatorCoefficients {
    r: f64,
    cos_w0: f64,
    /// 1 − r
    gain: f64,
    /// 2r·cos ω₀
    a1: f64,
    /// r²
    a2: f64,
}

impl ResonatorCoefficients {
    /// Requires a finite `sample_rate_hz` above twice the band's upper edge.
    pub fn new(band: Band, sample_rate_hz: f64) -> Result<Self> {
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 2.0 * band.high_hz) {
            return Err(VitalsError::config(format!(
                "sample_rate_hz must be finite and > {} Hz (twice the band's upper edge {} Hz), got {sample_rate_hz}",
                2.0 * band.high_hz,
                band.high_hz
            )));
        }
        let omega_low = 2.0 * PI * band.low_hz / sample_rate_hz;
        let omega_high = 2.0 * PI * band.high_hz / sample_rate_hz;
        let bandwidth = omega_high - omega_low;
        let r = 1.0 - bandwidth / 2.0;
        let cos_w0 = ((omega_low + omega_high) / 2.0).cos();
        Ok(ResonatorCoefficients {
            r,
            cos_w0,
            gain: 1.0 - r,
            a1: 2.0 * r * cos_w0,
            a2: r * r,
        })
    }

    pub fn r(&self) -> f64 {
        self.r
    }

    pub fn cos_w0(&self) -> f64 {
        self.cos_w0
    }

    /// G(ω) = (1−r)²·4sin²ω / |1 − 2r cos ω₀·e^{−jω} + r²e^{−2jω}|².
    pub fn power_gain(&self, omega: f64) -> f64 {
        let re = 1.0 - self.a1 * omega.cos() + self.a2 * (2.0 * omega).cos();
        let im = self.a1 * omega.sin() - self.a2 * (2.0 * omega).sin();
        let s = omega.sin();
        self.gain * self.gain * 4.0 * s * s / (re * re + im * im)
    }
}

/// The resonator with its state; state starts at zero and persists across calls.
#[derive(Debug, Clone, PartialEq)]
pub struct BandPassResonator {
    coefficients: ResonatorCoefficients,
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
}

impl BandPassResonator {
    pub fn new(coefficients: ResonatorCoefficients) -> Self {
        BandPassResonator {
            coefficients,
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    pub fn coefficients(&self) -> &ResonatorCoefficients {
        &self.coefficients
    }

    pub fn step(&mut self, x: f64) -> f64 {
        let c = &self.coefficients;
        let y = c.gain * (x - self.x2) + c.a1 * self.y1 - c.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }

    pub fn reset(&mut self) {
        *self = BandPassResonator::new(self.coefficients);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BREATHING: Band = Band {
        low_hz: 0.1,
        high_hz: 0.5,
    };
    const HEART: Band = Band {
        low_hz: 0.8,
        high_hz: 2.0,
    };

    #[test]
    fn coefficients_at_100_hz_match_the_spec() {
        let b = ResonatorCoefficients::new(BREATHING, 100.0).unwrap();
        assert!((b.r() - 0.987434).abs() < 5e-7);
        assert!((b.cos_w0() - 0.999822).abs() < 5e-7);
        let h = ResonatorCoefficients::new(HEART, 100.0).unwrap();
        assert!((h.r() - 0.962301).abs() < 5e-7);
        assert!((h.cos_w0() - 0.996134).abs() < 5e-7);
    }

    #[test]
    fn rejects_rates_at_or_below_nyquist_of_the_band() {
        assert!(ResonatorCoefficients::new(BREATHING, 1.0).is_err());
        assert!(ResonatorCoefficients::new(BREATHING, f64::NAN).is_err());
        assert!(ResonatorCoefficients::new(BREATHING, 1.01).is_ok());
    }

    #[test]
    fn power_gain_peaks_in_band_and_vanishes_at_dc() {
        let c = ResonatorCoefficients::new(HEART, 100.0).unwrap();
        let at = |f: f64| c.power_gain(2.0 * PI * f / 100.0);
        assert_eq!(at(0.0), 0.0);
        assert!(at(1.4) > 0.9 && at(1.4) <= 1.0 + 1e-9);
        assert!(at(0.1) < 0.05 && at(10.0) < 0.05);
    }

    #[test]
    fn steady_state_amplitude_matches_the_power_gain() {
        let c = ResonatorCoefficients::new(HEART, 100.0).unwrap();
        let mut filter = BandPassResonator::new(c);
        let f = 1.1;
        let mut peak: f64 = 0.0;
        for i in 0..4000 {
            let y = filter.step((2.0 * PI * f * i as f64 / 100.0).sin());
            if i >= 3000 {
                peak = peak.max(y.abs());
            }
        }
        let expected = c.power_gain(2.0 * PI * f / 100.0).sqrt();
        assert!((peak - expected).abs() < 1e-3, "{peak} vs {expected}");
        filter.reset();
        assert_eq!(filter.step(1.0), c.gain);
    }
}
