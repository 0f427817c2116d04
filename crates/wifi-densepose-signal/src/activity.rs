//! Motion and presence of one CSI stream: the temporal features the sensing server publishes
//! (`features` and `classification` of its messages) and the classification built on them.
//!
//! One antenna's per-subcarrier amplitudes arrive frame by frame. Motion shows up as
//! fluctuation of each subcarrier's amplitude over time, measured by a per-subcarrier
//! exponential mean and variance in O(subcarriers) per frame:
//!
//! ```text
//! δ = a − m;   m ← m + α·δ;   v ← (1 − α)·(v + α·δ²)        (α = 0.025, m₀ = first frame, v₀ = 0)
//! relative_fluctuation = mean_k(√v_k) / mean_k(m_k)           (0 when mean_k(m_k) ≤ 1e-9)
//! ```
//!
//! The level follows fixed thresholds of the relative fluctuation (see [`classify`]); it
//! stays "absent" with confidence 0 for the first [`WARMUP_FRAMES`] frames.
//!
//! The spectral summary is taken over the last [`SERIES_LEN`] frame means (the mean amplitude
//! over subcarriers of each frame), recomputed on frames 1, 5, 9, … (every [`REFRESH_FRAMES`])
//! and on every frame while fewer than [`REFRESH_FRAMES`] are held, because it is a window
//! statistic and an O(N²) DFT per frame would cap a live ingest rate. With the series
//! centred on its mean (x_i, N values, N ≥ 4; all zero below that):
//!
//! ```text
//! variance = Σ x_i² / N
//! P_k = |Σ_i x_i·e^(−2πi·k·i/N)|² / N²,  f_k = k·fs/N,  k = 1 … ⌊N/2⌋
//! breathing_band_power = Σ P_k over 0.1 ≤ f_k ≤ 0.5 Hz;  motion_band_power = Σ P_k over f_k > 0.5 Hz
//! dominant_freq_hz = f_k of the first largest P_k (0 when every P_k is 0)
//! change_points = number of sign changes between consecutive x_i (x < 0 against x ≥ 0)
//! ```
//!
//! `spectral_power` is the PSD total power of the latest frame on the same schedule: the
//! amplitudes along subcarriers, truncated or zero-padded to 128 points,
//! Σ_{k<64} |X_k|²/128 (the [`crate::FeatureExtractor`] PSD with its default FFT size).
//!
//! [`MotionPresenceTracker`] is the streaming form; [`motion_presence_batch`] runs it over a
//! `[time, subcarrier]` array and equals frame-by-frame pushes bit for bit.

use std::f64::consts::PI;

use ndarray::{Array1, ArrayView2};
use wifi_densepose_core::validate::{ensure_finite, ensure_finite_array, ensure_positive};
pub use wifi_densepose_core::MotionLevel;
use wifi_densepose_core::RingBuffer;

use crate::error::{SignalError, SignalResult};
use crate::features::{FeatureExtractor, FeatureExtractorConfig};

/// Frame means kept for the spectral summary.
pub const SERIES_LEN: usize = 128;
/// Frames between two recomputations of the spectral summary and the spectral power.
pub const REFRESH_FRAMES: u64 = 4;
/// Smoothing of the per-subcarrier mean and variance (about 2 s at 20 Hz).
pub const EMA_ALPHA: f64 = 0.025;
/// Frames before the classification leaves "absent" with zero confidence.
pub const WARMUP_FRAMES: u64 = 8;
/// Relative fluctuation (std / mean amplitude) at which "present_still" starts.
pub const PRESENT_STILL_FROM: f64 = 0.015;
/// Relative fluctuation at which "present_moving" starts.
pub const PRESENT_MOVING_FROM: f64 = 0.12;
/// Relative fluctuation at which "active" starts (confidence 1 from twice this value).
pub const ACTIVE_FROM: f64 = 0.3;
/// Breathing band of the spectral summary, Hz (inclusive).
pub const BREATHING_BAND_HZ: (f64, f64) = (0.1, 0.5);
/// The motion band runs from above this frequency to Nyquist, Hz.
pub const MOTION_FROM_HZ: f64 = 0.5;

/// The stage's outputs after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MotionPresence {
    pub motion_level: MotionLevel,
    /// Any level but absent.
    pub presence: bool,
    /// Confidence of the level in [0, 1].
    pub confidence: f64,
    /// Mean per-subcarrier std over mean amplitude (dimensionless).
    pub relative_fluctuation: f64,
    /// Population variance of the frame-mean series (amplitude²).
    pub variance: f64,
    /// One-sided DFT power of the frame-mean series above 0.5 Hz (amplitude²).
    pub motion_band_power: f64,
    /// One-sided DFT power of the frame-mean series in 0.1–0.5 Hz (amplitude²).
    pub breathing_band_power: f64,
    /// Frequency of the strongest DFT bin of the frame-mean series, Hz.
    pub dominant_freq_hz: f64,
    /// PSD total power of the latest refreshed frame along subcarriers (amplitude²).
    pub spectral_power: f64,
    /// Mean crossings of the frame-mean series.
    pub change_points: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Spectral {
    variance: f64,
    motion_band_power: f64,
    breathing_band_power: f64,
    dominant_freq_hz: f64,
    change_points: u32,
}

/// Streaming motion/presence of one CSI stream. Stateful: use from one thread at a time.
#[derive(Debug, Clone)]
pub struct MotionPresenceTracker {
    bin_mean: Vec<f64>,
    bin_var: Vec<f64>,
    series: RingBuffer<f64>,
    frames: u64,
    spectral: Spectral,
    spectral_power: f64,
    /// The PSD of the spectral power; the default configuration is valid, so always `Some`.
    psd: Option<FeatureExtractor>,
}

impl Default for MotionPresenceTracker {
    fn default() -> Self {
        MotionPresenceTracker::new()
    }
}

impl MotionPresenceTracker {
    pub fn new() -> Self {
        MotionPresenceTracker {
            bin_mean: Vec::new(),
            bin_var: Vec::new(),
            series: RingBuffer::new(SERIES_LEN),
            frames: 0,
            spectral: Spectral::default(),
            spectral_power: 0.0,
            psd: FeatureExtractor::new(FeatureExtractorConfig::default()).ok(),
        }
    }

    /// Forgets everything (e.g. the stream changed its subcarrier layout).
    pub fn reset(&mut self) {
        self.bin_mean.clear();
        self.bin_var.clear();
        self.series.clear();
        self.frames = 0;
        self.spectral = Spectral::default();
        self.spectral_power = 0.0;
    }

    /// Adds one frame's subcarrier amplitudes. The spectral summary needs the frame rate
    /// (`sample_rate_hz`, Hz) and keeps its previous values while that is `None`. An empty
    /// frame is ignored; a frame of another length restarts the per-subcarrier statistics
    /// (the frame-mean series continues). Rejects NaN/±Inf and a rate that is not > 0
    /// without changing any state.
    pub fn push(&mut self, amplitudes: &[f64], sample_rate_hz: Option<f64>) -> SignalResult<()> {
        ensure_finite("amplitudes", amplitudes)?;
        if let Some(rate) = sample_rate_hz {
            ensure_positive("sample_rate_hz", rate)?;
        }
        self.push_valid(amplitudes, sample_rate_hz);
        Ok(())
    }

    fn push_valid(&mut self, amplitudes: &[f64], sample_rate_hz: Option<f64>) {
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
            if let Some(psd) = &self.psd {
                self.spectral_power = psd.psd_total_power(amplitudes);
            }
        }
    }

    /// Frames pushed since the last reset (empty frames are not counted).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Mean over subcarriers of each subcarrier's std, relative to the mean amplitude.
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

    /// The outputs as of the last frame.
    pub fn state(&self) -> MotionPresence {
        let fluctuation = self.relative_fluctuation();
        let (motion_level, confidence) = if self.frames < WARMUP_FRAMES {
            (MotionLevel::Absent, 0.0)
        } else {
            classify(fluctuation)
        };
        let s = self.spectral;
        MotionPresence {
            motion_level,
            presence: motion_level != MotionLevel::Absent,
            confidence,
            relative_fluctuation: fluctuation,
            variance: s.variance,
            motion_band_power: s.motion_band_power,
            breathing_band_power: s.breathing_band_power,
            dominant_freq_hz: s.dominant_freq_hz,
            spectral_power: self.spectral_power,
            change_points: s.change_points,
        }
    }
}

/// Level of a relative fluctuation and its confidence, which grows with the distance into the
/// level: below 0.015 absent (confidence 1 at 0 falling to 0.5), then present_still to 0.12,
/// present_moving to 0.3, active above (confidence 0.5 at each level's start rising to 1 at
/// its end; active reaches 1 at 0.6).
pub fn classify(fluctuation: f64) -> (MotionLevel, f64) {
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
            return (level, confidence);
        }
    }
    (MotionLevel::Active, 1.0)
}

/// Variance, band powers, dominant frequency and mean crossings of the series.
fn spectral_summary(series: &RingBuffer<f64>, sample_rate_hz: f64) -> Spectral {
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
        if (BREATHING_BAND_HZ.0..=BREATHING_BAND_HZ.1).contains(&freq) {
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

/// The stage's outputs after every frame of a batch, one entry per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct MotionPresenceBatch {
    pub motion_level: Vec<MotionLevel>,
    pub presence: Array1<bool>,
    pub confidence: Array1<f64>,
    pub relative_fluctuation: Array1<f64>,
    pub variance: Array1<f64>,
    pub motion_band_power: Array1<f64>,
    pub breathing_band_power: Array1<f64>,
    pub dominant_freq_hz: Array1<f64>,
    pub spectral_power: Array1<f64>,
    pub change_points: Array1<u32>,
}

impl MotionPresenceBatch {
    fn from_states(states: &[MotionPresence]) -> Self {
        let f64s = |g: fn(&MotionPresence) -> f64| states.iter().map(g).collect::<Array1<f64>>();
        MotionPresenceBatch {
            motion_level: states.iter().map(|s| s.motion_level).collect(),
            presence: states.iter().map(|s| s.presence).collect(),
            confidence: f64s(|s| s.confidence),
            relative_fluctuation: f64s(|s| s.relative_fluctuation),
            variance: f64s(|s| s.variance),
            motion_band_power: f64s(|s| s.motion_band_power),
            breathing_band_power: f64s(|s| s.breathing_band_power),
            dominant_freq_hz: f64s(|s| s.dominant_freq_hz),
            spectral_power: f64s(|s| s.spectral_power),
            change_points: states.iter().map(|s| s.change_points).collect(),
        }
    }

    /// Frames in the batch.
    pub fn len(&self) -> usize {
        self.motion_level.len()
    }

    pub fn is_empty(&self) -> bool {
        self.motion_level.is_empty()
    }
}

/// Runs a fresh [`MotionPresenceTracker`] over the rows of `amplitude` (`[time, subcarrier]`,
/// one frame per row, sampled at `sample_rate_hz` Hz) and returns its outputs after every
/// frame; equal bit for bit to pushing the rows one by one. Checked before any work: the
/// array must have at least one column and be finite (the error names the bad value's
/// `[row, col]`), the rate finite and > 0.
pub fn motion_presence_batch(
    amplitude: ArrayView2<'_, f64>,
    sample_rate_hz: f64,
) -> SignalResult<MotionPresenceBatch> {
    ensure_positive("sample_rate_hz", sample_rate_hz)?;
    if amplitude.ncols() == 0 {
        return Err(SignalError::shape(
            "amplitude",
            "a [time, subcarrier] array with at least one subcarrier",
            format!("shape {:?}", amplitude.shape()),
        ));
    }
    ensure_finite_array("amplitude", &amplitude)?;
    let mut tracker = MotionPresenceTracker::new();
    let mut states = Vec::with_capacity(amplitude.nrows());
    let mut row_buffer = Vec::with_capacity(amplitude.ncols());
    for row in amplitude.outer_iter() {
        row_buffer.clear();
        row_buffer.extend(row.iter().copied());
        tracker.push_valid(&row_buffer, Some(sample_rate_hz));
        states.push(tracker.state());
    }
    Ok(MotionPresenceBatch::from_states(&states))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::lcg;
    use ndarray::Array2;

    #[test]
    fn levels_follow_the_thresholds() {
        assert_eq!(classify(0.0), (MotionLevel::Absent, 1.0));
        assert_eq!(classify(0.0075), (MotionLevel::Absent, 0.75));
        assert_eq!(classify(0.02).0, MotionLevel::PresentStill);
        assert_eq!(classify(0.1).0, MotionLevel::PresentStill);
        assert_eq!(classify(0.2).0, MotionLevel::PresentMoving);
        // (0.21 − 0.12)/(0.3 − 0.12) = 0.5 of the way: 0.5 + 0.25.
        assert!((classify(0.21).1 - 0.75).abs() < 1e-12);
        assert_eq!(classify(0.7), (MotionLevel::Active, 1.0));
        assert_eq!(
            MotionLevel::ALL.map(MotionLevel::as_str),
            ["absent", "present_still", "present_moving", "active"]
        );
        assert_eq!(MotionLevel::Active.code(), 3);
    }

    #[test]
    fn ema_variance_of_a_known_sequence() {
        // One subcarrier: 10, then 12, then 12. m₀ = 10, v₀ = 0.
        // δ = 2: m = 10.05, v = 0.975·(0 + 0.025·4) = 0.0975.
        // δ = 1.95: m = 10.09875, v = 0.975·(0.0975 + 0.025·3.8025) = 0.1877484375.
        let mut t = MotionPresenceTracker::new();
        for a in [10.0, 12.0, 12.0] {
            t.push(&[a], Some(20.0)).unwrap();
        }
        let expected = 0.187_748_437_5_f64.sqrt() / 10.098_75;
        assert!((t.relative_fluctuation() - expected).abs() < 1e-15);
        assert_eq!(t.frames(), 3);
        assert_eq!(t.state().motion_level, MotionLevel::Absent);
        assert_eq!(t.state().confidence, 0.0);
    }

    #[test]
    fn a_sinusoid_sets_the_dominant_frequency_and_band() {
        let fs = 20.0;
        let mut tracker = MotionPresenceTracker::new();
        // 0.3125 Hz sits exactly on bin 2 of a 128-sample window at 20 Hz; frame 129 refreshes
        // (129 mod 4 = 1) over the window of frames 2…129.
        for i in 1..=SERIES_LEN + 1 {
            let t = i as f64 / fs;
            let value = 15.0 + 2.0 * (2.0 * PI * 0.3125 * t + 0.3).sin();
            tracker.push(&[value; 4], Some(fs)).unwrap();
        }
        let s = tracker.state();
        assert!((s.dominant_freq_hz - 0.3125).abs() < 1e-12);
        // A sinusoid of amplitude 2 over whole periods: variance 2, one-sided power 1 at its bin.
        assert!((s.variance - 2.0).abs() < 1e-9);
        assert!((s.breathing_band_power - 1.0).abs() < 1e-9);
        assert!(s.motion_band_power < 1e-9);
        // Phase runs from 0.496 to 12.97 rad: it crosses π, 2π, 3π and 4π.
        assert_eq!(s.change_points, 4);
    }

    #[test]
    fn spectral_power_is_the_psd_total_of_the_latest_frame() {
        // One bin of amplitude 2, zero-padded to the 128-point FFT: |X_k|² = 4 at every k,
        // so each PSD value is 4/128 and the 64 one-sided bins sum to 2.
        let mut tracker = MotionPresenceTracker::new();
        tracker.push(&[2.0], None).unwrap();
        assert!((tracker.state().spectral_power - 2.0).abs() < 1e-12);
        assert_eq!(tracker.state().dominant_freq_hz, 0.0);
    }

    #[test]
    fn steady_bins_are_absent_and_fluctuating_bins_active() {
        let mut steady = MotionPresenceTracker::new();
        let mut moving = MotionPresenceTracker::new();
        for i in 0..200 {
            steady.push(&[15.0; 8], Some(20.0)).unwrap();
            let swing = if i % 2 == 0 { 6.0 } else { -6.0 };
            moving.push(&[15.0 + swing; 8], Some(20.0)).unwrap();
        }
        assert_eq!(steady.state().motion_level, MotionLevel::Absent);
        assert!(!steady.state().presence);
        assert_eq!(moving.state().motion_level, MotionLevel::Active);
        assert!(moving.state().presence);
        moving.reset();
        assert_eq!(moving.frames(), 0);
        assert_eq!(moving.state(), MotionPresence::default());
    }

    #[test]
    fn bad_input_is_rejected_without_a_state_change() {
        let mut t = MotionPresenceTracker::new();
        t.push(&[1.0, 2.0], Some(10.0)).unwrap();
        let before = t.state();
        assert!(t.push(&[1.0, f64::NAN], Some(10.0)).is_err());
        assert!(t.push(&[1.0, 2.0], Some(0.0)).is_err());
        t.push(&[], Some(10.0)).unwrap();
        assert_eq!((t.state(), t.frames()), (before, 1));
        let mut a = Array2::from_elem((5, 3), 1.0);
        a[[3, 2]] = f64::INFINITY;
        let e = motion_presence_batch(a.view(), 10.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("amplitude") && e.contains("at [3, 2]"), "{e}");
        assert!(motion_presence_batch(Array2::zeros((5, 0)).view(), 10.0).is_err());
        assert!(motion_presence_batch(Array2::zeros((5, 2)).view(), f64::NAN).is_err());
        assert!(motion_presence_batch(Array2::zeros((0, 2)).view(), 10.0)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn batch_equals_streaming_bit_for_bit_on_random_inputs() {
        let mut rng = lcg(0x5eed_0018);
        let mut compared = 0usize;
        for case in 0..24 {
            let frames = 1 + (rng() * 300.0) as usize;
            let bins = 1 + (rng() * 64.0) as usize;
            let rate = 1.0 + rng() * 199.0;
            let scale = 10f64.powf(rng() * 8.0 - 4.0);
            let a = Array2::from_shape_fn((frames, bins), |_| scale * rng());
            let batch = motion_presence_batch(a.view(), rate).unwrap();
            let mut tracker = MotionPresenceTracker::new();
            for (t, row) in a.outer_iter().enumerate() {
                tracker.push(&row.to_vec(), Some(rate)).unwrap();
                let s = tracker.state();
                let bits = |x: f64| x.to_bits();
                assert_eq!(
                    s.motion_level, batch.motion_level[t],
                    "case {case} frame {t}"
                );
                assert_eq!(s.presence, batch.presence[t]);
                for (x, y) in [
                    (s.confidence, batch.confidence[t]),
                    (s.relative_fluctuation, batch.relative_fluctuation[t]),
                    (s.variance, batch.variance[t]),
                    (s.motion_band_power, batch.motion_band_power[t]),
                    (s.breathing_band_power, batch.breathing_band_power[t]),
                    (s.dominant_freq_hz, batch.dominant_freq_hz[t]),
                    (s.spectral_power, batch.spectral_power[t]),
                ] {
                    assert_eq!(bits(x), bits(y), "case {case} frame {t}");
                }
                assert_eq!(s.change_points, batch.change_points[t]);
                compared += 1;
            }
        }
        assert!(compared > 1000, "{compared}");
    }
}
