//! Temporal features of one node's gated CSI stream and the motion/presence classification
//! built on them (`features` and `classification` of docs/wire.md §3.3).
//!
//! The ESP32 sends one antenna, so cross-antenna statistics are degenerate; motion shows up
//! as fluctuation of each bin's amplitude over time instead. Per-bin exponential means and
//! variances give that fluctuation in O(bins) per frame; the spectral summary of the
//! mean-amplitude series is recomputed at most every `REFRESH_FRAMES` frames, because it is
//! a window statistic and an O(N²) DFT per frame would cap the ingest rate.
//! `spectral_power` is the signal crate's PSD total power of the latest gated frame (the
//! spectrum along subcarriers, as in RuView), refreshed on the same schedule.

use std::f64::consts::PI;

use ndarray::Array2;
use wifi_densepose_signal::{CsiData, FeatureExtractor, FeatureExtractorConfig};
use wifi_densepose_wire::messages::{Classification, Features, MotionLevel};

use crate::sensing::ring::Ring;

/// Samples of the mean-amplitude series kept for the spectral summary.
pub const SERIES_LEN: usize = 128;
/// Frames between two recomputations of the spectral summary.
pub const REFRESH_FRAMES: u64 = 4;
/// Smoothing of the per-bin mean and variance (about 2 s at 20 Hz).
const EMA_ALPHA: f64 = 0.025;
/// Frames before the classification leaves "absent" with zero confidence.
const WARMUP_FRAMES: u64 = 8;

/// Relative fluctuation (std / mean amplitude) at which each level starts.
const PRESENT_STILL_FROM: f64 = 0.015;
const PRESENT_MOVING_FROM: f64 = 0.12;
const ACTIVE_FROM: f64 = 0.3;

/// Breathing band of the spectral summary, Hz.
const BREATHING_BAND: (f64, f64) = (0.1, 0.5);
/// Motion band starts here and runs to Nyquist, Hz.
const MOTION_FROM_HZ: f64 = 0.5;

#[derive(Debug, Clone)]
pub struct ActivityTracker {
    bin_mean: Vec<f64>,
    bin_var: Vec<f64>,
    series: Ring<f64>,
    frames: u64,
    spectral: Spectral,
    frame_power: f64,
    extractor: Option<FeatureExtractor>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Spectral {
    variance: f64,
    motion_band_power: f64,
    breathing_band_power: f64,
    dominant_freq_hz: f64,
    change_points: u32,
}

impl Default for ActivityTracker {
    fn default() -> Self {
        ActivityTracker::new()
    }
}

impl ActivityTracker {
    pub fn new() -> Self {
        ActivityTracker {
            bin_mean: Vec::new(),
            bin_var: Vec::new(),
            series: Ring::new(SERIES_LEN),
            frames: 0,
            spectral: Spectral::default(),
            frame_power: 0.0,
            extractor: FeatureExtractor::new(FeatureExtractorConfig::default()).ok(),
        }
    }

    /// Forgets everything (the node changed its frame layout).
    pub fn reset(&mut self) {
        *self = ActivityTracker::new();
    }

    /// Adds one gated frame's bin amplitudes and phases (radians). The spectral summary
    /// needs the frame rate (Hz) and is left as it was while that is unknown.
    pub fn push(&mut self, amplitudes: &[f64], phases: &[f64], sample_rate_hz: Option<f64>) {
        if amplitudes.is_empty() {
            return;
        }
        if self.bin_mean.len() != amplitudes.len() {
            self.bin_mean = amplitudes.to_vec();
            self.bin_var = vec![0.0; amplitudes.len()];
        } else {
            for ((mean, var), &a) in self
                .bin_mean
                .iter_mut()
                .zip(self.bin_var.iter_mut())
                .zip(amplitudes)
            {
                let delta = a - *mean;
                *mean += EMA_ALPHA * delta;
                *var = (1.0 - EMA_ALPHA) * (*var + EMA_ALPHA * delta * delta);
            }
        }
        let frame_mean = amplitudes.iter().sum::<f64>() / amplitudes.len() as f64;
        self.series.push(frame_mean);
        self.frames += 1;
        if self.frames % REFRESH_FRAMES == 1 || self.series.len() < REFRESH_FRAMES as usize {
            if let Some(rate) = sample_rate_hz {
                self.spectral = spectral_summary(&self.series, rate);
            }
            self.frame_power = self
                .psd_total_power(amplitudes, phases)
                .unwrap_or(self.frame_power);
        }
    }

    fn psd_total_power(&self, amplitudes: &[f64], phases: &[f64]) -> Option<f64> {
        let n = amplitudes.len();
        let amplitude = Array2::from_shape_vec((1, n), amplitudes.to_vec()).ok()?;
        let phase = Array2::from_shape_vec((1, n), phases.get(..n)?.to_vec()).ok()?;
        let frame = CsiData::from_arrays(amplitude, phase).ok()?;
        Some(self.extractor.as_ref()?.extract_psd(&frame).total_power)
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Mean over bins of each bin's std, relative to the mean amplitude.
    pub fn relative_fluctuation(&self) -> f64 {
        let n = self.bin_mean.len();
        if n == 0 {
            return 0.0;
        }
        let mean_amplitude = self.bin_mean.iter().sum::<f64>() / n as f64;
        let mean_std = self.bin_var.iter().map(|v| v.max(0.0).sqrt()).sum::<f64>() / n as f64;
        if mean_amplitude > 1e-9 {
            mean_std / mean_amplitude
        } else {
            0.0
        }
    }

    pub fn features(&self, mean_rssi: f64) -> Features {
        let s = self.spectral;
        Features {
            mean_rssi,
            variance: s.variance,
            motion_band_power: s.motion_band_power,
            breathing_band_power: s.breathing_band_power.into(),
            dominant_freq_hz: s.dominant_freq_hz.into(),
            spectral_power: self.frame_power,
            change_points: s.change_points,
        }
    }

    pub fn classification(&self) -> Classification {
        if self.frames < WARMUP_FRAMES {
            return Classification::new(MotionLevel::Absent, 0.0);
        }
        classify(self.relative_fluctuation())
    }
}

/// Level from the relative fluctuation; confidence grows with the distance into the level.
pub fn classify(fluctuation: f64) -> Classification {
    let bands = [
        (MotionLevel::Absent, 0.0, PRESENT_STILL_FROM),
        (
            MotionLevel::PresentStill,
            PRESENT_STILL_FROM,
            PRESENT_MOVING_FROM,
        ),
        (MotionLevel::PresentMoving, PRESENT_MOVING_FROM, ACTIVE_FROM),
        (MotionLevel::Active, ACTIVE_FROM, 2.0 * ACTIVE_FROM),
    ];
    for (level, lower, upper) in bands {
        if fluctuation < upper || level == MotionLevel::Active {
            let position = ((fluctuation - lower) / (upper - lower)).clamp(0.0, 1.0);
            let confidence = if level == MotionLevel::Absent {
                1.0 - 0.5 * position
            } else {
                0.5 + 0.5 * position
            };
            return Classification::new(level, confidence);
        }
    }
    Classification::new(MotionLevel::Active, 1.0)
}

/// Variance, band powers (|X_k|²/N² summed over one-sided bins), dominant frequency and
/// mean crossings of the series.
fn spectral_summary(series: &Ring<f64>, sample_rate_hz: f64) -> Spectral {
    let n = series.len();
    if n < 4 {
        return Spectral::default();
    }
    let mean = series.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = series.iter().map(|x| x - mean).collect();
    let variance = centred.iter().map(|x| x * x).sum::<f64>() / n as f64;
    let change_points = centred
        .windows(2)
        .filter(|w| matches!(w, [a, b] if (*a < 0.0) != (*b < 0.0)))
        .count() as u32;
    let mut result = Spectral {
        variance,
        change_points,
        ..Spectral::default()
    };
    // Twiddles of the n-point DFT, indexed by (k·i) mod n: one trig pair per sample.
    let twiddles: Vec<(f64, f64)> = (0..n)
        .map(|j| {
            let angle = 2.0 * PI * j as f64 / n as f64;
            (angle.cos(), angle.sin())
        })
        .collect();
    let mut peak = 0.0;
    for k in 1..=n / 2 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, x) in centred.iter().enumerate() {
            let (cos, sin) = twiddles.get((k * i) % n).copied().unwrap_or((1.0, 0.0));
            re += x * cos;
            im -= x * sin;
        }
        let power = (re * re + im * im) / (n * n) as f64;
        let freq = k as f64 * sample_rate_hz / n as f64;
        if (BREATHING_BAND.0..=BREATHING_BAND.1).contains(&freq) {
            result.breathing_band_power += power;
        }
        if freq > MOTION_FROM_HZ {
            result.motion_band_power += power;
        }
        if power > peak {
            peak = power;
            result.dominant_freq_hz = freq;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds() {
        assert_eq!(classify(0.0).motion_level, MotionLevel::Absent);
        assert_eq!(classify(0.0).confidence, 1.0);
        assert_eq!(classify(0.02).motion_level, MotionLevel::PresentStill);
        assert_eq!(classify(0.1).motion_level, MotionLevel::PresentStill);
        assert_eq!(classify(0.2).motion_level, MotionLevel::PresentMoving);
        assert_eq!(classify(0.7).motion_level, MotionLevel::Active);
        assert_eq!(classify(0.7).confidence, 1.0);
        assert!(!classify(0.01).presence);
        assert!(classify(0.2).presence);
    }

    #[test]
    fn a_sinusoid_sets_the_dominant_frequency_and_band() {
        let fs = 20.0;
        let mut tracker = ActivityTracker::new();
        // 0.3125 Hz sits exactly on bin 2 of a 128-sample window at 20 Hz.
        for i in 0..SERIES_LEN {
            let t = i as f64 / fs;
            let value = 15.0 + 2.0 * (2.0 * PI * 0.3125 * t + 0.3).sin();
            tracker.push(&[value; 4], &[0.0; 4], Some(fs));
        }
        // Refresh happens on frames 1, 5, …; force it for the full window.
        let spectral = spectral_summary(&tracker.series, fs);
        assert!((spectral.dominant_freq_hz - 0.3125).abs() < 1e-12);
        // A sinusoid of amplitude 2: variance 2, one-sided power 1 at its bin.
        assert!((spectral.variance - 2.0).abs() < 1e-9);
        assert!((spectral.breathing_band_power - 1.0).abs() < 1e-9);
        assert!(spectral.motion_band_power < 1e-9);
        // Phase runs from 0.3 to 12.77 rad: it crosses π, 2π, 3π and 4π.
        assert_eq!(spectral.change_points, 4);
    }

    #[test]
    fn spectral_power_is_the_psd_total_of_the_latest_frame() {
        // One bin of amplitude 2, zero-padded to the 128-point FFT: |X_k|² = 4 at every k,
        // so each PSD value is 4/128 and the 64 one-sided bins sum to 2.
        let mut tracker = ActivityTracker::new();
        tracker.push(&[2.0], &[0.0], None);
        assert!((tracker.features(-50.0).spectral_power - 2.0).abs() < 1e-12);
        assert_eq!(tracker.features(-50.0).mean_rssi, -50.0);
    }

    #[test]
    fn steady_bins_are_absent_and_fluctuating_bins_present() {
        let mut steady = ActivityTracker::new();
        let mut moving = ActivityTracker::new();
        for i in 0..200 {
            steady.push(&[15.0; 8], &[0.0; 8], Some(20.0));
            let swing = if i % 2 == 0 { 6.0 } else { -6.0 };
            moving.push(&[15.0 + swing; 8], &[0.0; 8], Some(20.0));
        }
        assert_eq!(steady.classification().motion_level, MotionLevel::Absent);
        assert_eq!(moving.classification().motion_level, MotionLevel::Active);
        assert_eq!(ActivityTracker::new().classification().confidence, 0.0);
    }
}
