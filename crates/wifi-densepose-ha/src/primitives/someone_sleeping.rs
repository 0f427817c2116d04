//! `someone_sleeping`: presence, motion < 5 % for ≥ 300 s, breathing 8–20 BPM and a steady
//! heart rate. Exits when motion > 15 % (or nobody is there) for ≥ 30 s.

use super::{held_for, Sample};

/// Stillness needed before entering (seconds).
pub const ENTER_AFTER_S: f64 = 300.0;
/// Motion below this counts as still (percent).
pub const STILL_BELOW_PCT: f64 = 5.0;
/// Sleeping breathing range (BPM), inclusive.
pub const BREATHING_RANGE_BPM: (f64, f64) = (8.0, 20.0);
/// "Low heart-rate variability": standard deviation of the heart rate over the still
/// period at most this (BPM). Without heart-rate samples the condition does not block.
pub const MAX_HEART_STD_BPM: f64 = 5.0;
/// Motion above this, held for [`EXIT_AFTER_S`], ends sleep (percent).
pub const EXIT_ABOVE_PCT: f64 = 15.0;
pub const EXIT_AFTER_S: f64 = 30.0;

/// Running mean and variance (Welford), O(1) memory.
#[derive(Debug, Clone, Default)]
struct RunningStats {
    n: u32,
    mean: f64,
    m2: f64,
}

impl RunningStats {
    fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / f64::from(self.n);
        self.m2 += d * (x - self.mean);
    }

    fn std(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / f64::from(self.n - 1)).sqrt()
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SomeoneSleeping {
    on: bool,
    still_since: Option<f64>,
    heart: RunningStats,
    waking_since: Option<f64>,
}

impl SomeoneSleeping {
    pub fn is_on(&self) -> bool {
        self.on
    }

    pub fn update(&mut self, s: &Sample) -> bool {
        if self.on {
            let waking = !s.presence || s.motion_pct > EXIT_ABOVE_PCT;
            self.waking_since = if waking {
                Some(self.waking_since.unwrap_or(s.t_s))
            } else {
                None
            };
            if held_for(self.waking_since, s.t_s) >= EXIT_AFTER_S {
                *self = SomeoneSleeping::default();
            }
            return self.on;
        }
        let (lo, hi) = BREATHING_RANGE_BPM;
        let resting = s.presence
            && s.motion_pct < STILL_BELOW_PCT
            && s.breathing_bpm.is_some_and(|b| (lo..=hi).contains(&b));
        if !resting {
            self.still_since = None;
            self.heart = RunningStats::default();
            return false;
        }
        self.still_since.get_or_insert(s.t_s);
        if let Some(h) = s.heart {
            self.heart.push(h.bpm);
        }
        if held_for(self.still_since, s.t_s) >= ENTER_AFTER_S
            && self.heart.std() <= MAX_HEART_STD_BPM
        {
            self.on = true;
            self.waking_since = None;
        }
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{first_time, moving, still};
    use crate::snapshot::VitalEstimate;

    fn asleep(t: f64) -> Sample {
        Sample {
            breathing_bpm: Some(12.0),
            heart: Some(VitalEstimate {
                bpm: 58.0,
                confidence: 0.9,
            }),
            ..still(t)
        }
    }

    #[test]
    fn enters_after_300_s_of_stillness() {
        let mut m = SomeoneSleeping::default();
        assert_eq!(
            first_time(|s| m.update(s), asleep, 0, 1000, |&on| on),
            Some(300)
        );
    }

    #[test]
    fn needs_sleeping_breathing_rate() {
        let mut m = SomeoneSleeping::default();
        let fast = |t| Sample {
            breathing_bpm: Some(24.0),
            ..asleep(t)
        };
        assert_eq!(first_time(|s| m.update(s), fast, 0, 1000, |&on| on), None);
        let mut m = SomeoneSleeping::default();
        let none = |t| Sample {
            breathing_bpm: None,
            ..asleep(t)
        };
        assert_eq!(first_time(|s| m.update(s), none, 0, 1000, |&on| on), None);
    }

    #[test]
    fn variable_heart_rate_blocks_entry() {
        let mut m = SomeoneSleeping::default();
        let jumpy = |t: f64| Sample {
            heart: Some(VitalEstimate {
                bpm: if (t as u32) % 2 == 0 { 50.0 } else { 70.0 },
                confidence: 0.9,
            }),
            ..asleep(t)
        };
        assert_eq!(first_time(|s| m.update(s), jumpy, 0, 1000, |&on| on), None);
    }

    #[test]
    fn a_movement_restarts_the_stillness_count() {
        let mut m = SomeoneSleeping::default();
        for t in 0..200 {
            m.update(&asleep(f64::from(t)));
        }
        assert!(!m.update(&moving(200.0)));
        assert_eq!(
            first_time(|s| m.update(s), asleep, 201, 1000, |&on| on),
            Some(501)
        );
    }

    #[test]
    fn exits_after_30_s_of_motion_only() {
        let mut m = SomeoneSleeping::default();
        for t in 0..=300 {
            m.update(&asleep(f64::from(t)));
        }
        assert!(m.is_on());
        // 20 s of motion is not enough, and a still sample resets the exit count.
        for t in 301..321 {
            assert!(m.update(&moving(f64::from(t))));
        }
        assert!(m.update(&asleep(321.0)));
        assert_eq!(
            first_time(|s| m.update(s), moving, 322, 400, |&on| !on),
            Some(352)
        );
    }
}
