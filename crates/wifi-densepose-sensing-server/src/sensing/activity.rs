//! `features` and `classification` of one node's gated CSI stream (docs/wire.md §3.3): an
//! adapter over the signal crate's motion/presence stage, which Python and the witness run too.

use wifi_densepose_signal::MotionPresenceTracker;
use wifi_densepose_wire::messages::{Classification, Features};

#[derive(Debug, Clone, Default)]
pub struct ActivityTracker(MotionPresenceTracker);

impl ActivityTracker {
    pub fn new() -> Self {
        ActivityTracker(MotionPresenceTracker::new())
    }

    /// Forgets everything (the node changed its frame layout).
    pub fn reset(&mut self) {
        self.0.reset();
    }

    /// Adds one gated frame's bin amplitudes; the spectral summary waits for the frame rate
    /// (Hz). A frame the stage rejects (a non-finite amplitude) is skipped.
    pub fn push(&mut self, amplitudes: &[f64], sample_rate_hz: Option<f64>) {
        if let Err(e) = self.0.push(amplitudes, sample_rate_hz) {
            tracing::debug!("activity frame skipped: {e}");
        }
    }

    pub fn frames(&self) -> u64 {
        self.0.frames()
    }

    pub fn features(&self, mean_rssi: f64) -> Features {
        let s = self.0.state();
        Features {
            mean_rssi,
            variance: s.variance,
            motion_band_power: s.motion_band_power,
            breathing_band_power: s.breathing_band_power.into(),
            dominant_freq_hz: s.dominant_freq_hz.into(),
            spectral_power: s.spectral_power,
            change_points: s.change_points,
        }
    }

    pub fn classification(&self) -> Classification {
        let s = self.0.state();
        Classification::new(s.motion_level, s.confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_wire::messages::MotionLevel;

    #[test]
    fn features_and_classification_carry_the_stage_outputs() {
        let mut tracker = ActivityTracker::new();
        assert_eq!(
            tracker.classification(),
            Classification::new(MotionLevel::Absent, 0.0)
        );
        for i in 0..200 {
            let swing = if i % 2 == 0 { 6.0 } else { -6.0 };
            tracker.push(&[15.0 + swing; 8], Some(20.0));
        }
        let c = tracker.classification();
        assert_eq!((c.motion_level, c.presence), (MotionLevel::Active, true));
        assert!(c.confidence > 0.5 && c.confidence <= 1.0);
        // A ±6 square wave around 15: the frame-mean series has variance 36, all of its power
        // at Nyquist (10 Hz, in the motion band).
        let f = tracker.features(-50.0);
        assert_eq!(f.mean_rssi, -50.0);
        assert!((f.variance - 36.0).abs() < 1e-9);
        assert!((f.motion_band_power - 36.0).abs() < 1e-9);
        assert_eq!(f.dominant_freq_hz, 10.0.into());
        assert_eq!(f.change_points, 127);
        tracker.push(&[f64::NAN; 8], Some(20.0));
        assert_eq!(tracker.frames(), 200);
    }
}
