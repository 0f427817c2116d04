//! Symmetric window functions (denominator n − 1) shared by preprocessing and the STFTs.

use std::f64::consts::PI;
use std::str::FromStr;

use crate::error::SignalError;

/// Window shapes for the spectrogram; all symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    Rectangular,
    Hann,
    Hamming,
    Blackman,
}

impl WindowKind {
    pub fn name(self) -> &'static str {
        match self {
            WindowKind::Rectangular => "rectangular",
            WindowKind::Hann => "hann",
            WindowKind::Hamming => "hamming",
            WindowKind::Blackman => "blackman",
        }
    }

    /// The `n`-point window; `n = 1` gives `[1.0]` (no division by zero), `n = 0` is empty.
    pub fn coefficients(self, n: usize) -> Vec<f64> {
        if n <= 1 {
            return vec![1.0; n];
        }
        let denom = (n - 1) as f64;
        (0..n)
            .map(|k| {
                let phase = 2.0 * PI * k as f64 / denom;
                match self {
                    WindowKind::Rectangular => 1.0,
                    WindowKind::Hann => 0.5 - 0.5 * phase.cos(),
                    WindowKind::Hamming => 0.54 - 0.46 * phase.cos(),
                    WindowKind::Blackman => 0.42 - 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos(),
                }
            })
            .collect()
    }
}

impl FromStr for WindowKind {
    type Err = SignalError;
    fn from_str(s: &str) -> Result<Self, SignalError> {
        match s {
            "rectangular" => Ok(WindowKind::Rectangular),
            "hann" => Ok(WindowKind::Hann),
            "hamming" => Ok(WindowKind::Hamming),
            "blackman" => Ok(WindowKind::Blackman),
            other => Err(SignalError::config(format!(
                "window must be one of rectangular, hann, hamming, blackman, got '{other}'"
            ))),
        }
    }
}

/// Hamming window w_k = 0.54 − 0.46·cos(2πk/(n−1)).
pub fn hamming_window(n: usize) -> Vec<f64> {
    WindowKind::Hamming.coefficients(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_is_symmetric_with_small_ends() {
        let w = hamming_window(64);
        for k in 0..64 {
            assert!((w[k] - w[63 - k]).abs() < 1e-10);
        }
        assert!((w[0] - 0.08).abs() < 0.01);
        assert_eq!(hamming_window(1), vec![1.0]);
        assert!(hamming_window(0).is_empty());
    }

    #[test]
    fn all_windows_are_symmetric_and_rectangular_is_ones() {
        for kind in [WindowKind::Rectangular, WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman] {
            let w = kind.coefficients(33);
            for k in 0..33 {
                assert!((w[k] - w[32 - k]).abs() < 1e-12, "{}", kind.name());
            }
            assert_eq!(kind.name().parse::<WindowKind>().unwrap(), kind);
        }
        assert!(WindowKind::Rectangular.coefficients(16).iter().all(|&v| v == 1.0));
        let hann = WindowKind::Hann.coefficients(5);
        assert!(hann[0].abs() < 1e-15 && (hann[2] - 1.0).abs() < 1e-15);
        let blackman = WindowKind::Blackman.coefficients(5);
        assert!(blackman[0].abs() < 1e-15 && (blackman[2] - 1.0).abs() < 1e-12);
        assert!("kaiser".parse::<WindowKind>().is_err());
    }
}
