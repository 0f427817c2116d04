//! `possible_distress`: a confident heart rate above 1.5 × its rolling baseline for ≥ 60 s
//! with agitated motion and no fall. Latched for 5 min after the condition ends.

use super::{held_for, Sample};

/// Heart-rate confidence needed for any decision (0..1).
pub const MIN_CONFIDENCE: f64 = 0.75;
/// Elevated means above this multiple of the baseline.
pub const ELEVATED_RATIO: f64 = 1.5;
/// The condition must hold this long (seconds).
pub const ENTER_AFTER_S: f64 = 60.0;
/// The output stays on this long after the condition ends (seconds).
pub const LATCH_S: f64 = 300.0;
/// Motion above this is agitated (percent).
pub const AGITATED_ABOVE_PCT: f64 = 15.0;
/// Confident, non-elevated samples needed before the baseline is trusted.
pub const BASELINE_MIN_SAMPLES: u32 = 60;
/// Time constant of the rolling baseline, in samples (about 10 min at 1 Hz).
pub const BASELINE_SPAN_SAMPLES: f64 = 600.0;

#[derive(Debug, Clone, Default)]
pub struct PossibleDistress {
    on: bool,
    baseline_bpm: f64,
    baseline_samples: u32,
    elevated_since: Option<f64>,
    latched_until: Option<f64>,
}

impl PossibleDistress {
    pub fn baseline_bpm(&self) -> Option<f64> {
        (self.baseline_samples >= BASELINE_MIN_SAMPLES).then_some(self.baseline_bpm)
    }

    pub fn update(&mut self, s: &Sample) -> bool {
        let confident = s.heart.filter(|h| h.confidence >= MIN_CONFIDENCE);
        let elevated = match (confident, self.baseline_bpm()) {
            (Some(h), Some(base)) => h.bpm > ELEVATED_RATIO * base,
            _ => false,
        };
        if let Some(h) = confident.filter(|_| !elevated) {
            self.learn_baseline(h.bpm);
        }
        let condition = elevated && s.motion_pct > AGITATED_ABOVE_PCT && !s.fall_edge;
        self.elevated_since = if condition {
            Some(self.elevated_since.unwrap_or(s.t_s))
        } else {
            None
        };
        if held_for(self.elevated_since, s.t_s) >= ENTER_AFTER_S {
            self.on = true;
            self.latched_until = None;
        } else if self.on && self.elevated_since.is_none() {
            let until = *self.latched_until.get_or_insert(s.t_s + LATCH_S);
            if s.t_s >= until {
                self.on = false;
                self.latched_until = None;
            }
        }
        self.on
    }

    fn learn_baseline(&mut self, bpm: f64) {
        self.baseline_samples = self.baseline_samples.saturating_add(1);
        let weight = 1.0 / f64::from(self.baseline_samples).min(BASELINE_SPAN_SAMPLES);
        self.baseline_bpm += (bpm - self.baseline_bpm) * weight;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{first_time, moving, still};
    use crate::snapshot::VitalEstimate;

    fn heart(t: f64, bpm: f64, confidence: f64, agitated: bool) -> Sample {
        let base = if agitated { moving(t) } else { still(t) };
        Sample {
            heart: Some(VitalEstimate { bpm, confidence }),
            ..base
        }
    }

    /// 120 s of a calm 60 BPM: baseline 60 BPM.
    fn calm() -> PossibleDistress {
        let mut m = PossibleDistress::default();
        for t in 0..120 {
            assert!(!m.update(&heart(f64::from(t), 60.0, 0.9, false)));
        }
        assert_eq!(m.baseline_bpm(), Some(60.0));
        m
    }

    #[test]
    fn enters_after_60_s_of_agitated_tachycardia() {
        let mut m = calm();
        let racing = |t| heart(t, 95.0, 0.9, true);
        assert_eq!(
            first_time(|s| m.update(s), racing, 120, 400, |&on| on),
            Some(180)
        );
    }

    #[test]
    fn needs_ratio_motion_confidence_and_no_fall() {
        let cases: [fn(f64) -> Sample; 4] = [
            |t| heart(t, 89.0, 0.9, true),  // below 1.5 × 60
            |t| heart(t, 95.0, 0.9, false), // not agitated
            |t| heart(t, 95.0, 0.7, true),  // not confident
            |t| Sample {
                fall_edge: (t as u32) % 30 == 0,
                ..heart(t, 95.0, 0.9, true)
            },
        ];
        for make in cases {
            let mut m = calm();
            assert_eq!(first_time(|s| m.update(s), make, 120, 400, |&on| on), None);
        }
    }

    #[test]
    fn latched_for_5_min_after_the_condition_ends() {
        let mut m = calm();
        for t in 120..=180 {
            m.update(&heart(f64::from(t), 95.0, 0.9, true));
        }
        assert!(m.update(&heart(181.0, 95.0, 0.9, true)));
        let calm_again = |t| heart(t, 60.0, 0.9, false);
        assert_eq!(
            first_time(|s| m.update(s), calm_again, 182, 900, |&on| !on),
            Some(482)
        );
    }

    #[test]
    fn no_baseline_no_alarm() {
        let mut m = PossibleDistress::default();
        let racing = |t| heart(t, 150.0, 0.9, true);
        assert_eq!(first_time(|s| m.update(s), racing, 0, 400, |&on| on), None);
    }
}
