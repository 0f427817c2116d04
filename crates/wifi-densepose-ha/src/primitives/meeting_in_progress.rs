//! `meeting_in_progress`: at least two people with sustained low motion for ≥ 10 min.
//! Clears when fewer than two people are seen for 2 min.

use super::{held_for, Sample};

pub const MIN_PERSONS: u32 = 2;
/// Motion below this is "low" (percent): a seated group, not people walking through.
pub const LOW_MOTION_BELOW_PCT: f64 = 50.0;
pub const ENTER_AFTER_S: f64 = 600.0;
pub const CLEAR_AFTER_S: f64 = 120.0;

#[derive(Debug, Clone, Default)]
pub struct MeetingInProgress {
    on: bool,
    gathered_since: Option<f64>,
    dispersed_since: Option<f64>,
}

impl MeetingInProgress {
    pub fn update(&mut self, s: &Sample) -> bool {
        let enough = s.presence && s.n_persons >= MIN_PERSONS;
        if self.on {
            self.dispersed_since = if enough {
                None
            } else {
                Some(self.dispersed_since.unwrap_or(s.t_s))
            };
            if held_for(self.dispersed_since, s.t_s) >= CLEAR_AFTER_S {
                *self = MeetingInProgress::default();
            }
        } else {
            let gathered = enough && s.motion_pct < LOW_MOTION_BELOW_PCT;
            self.gathered_since = if gathered {
                Some(self.gathered_since.unwrap_or(s.t_s))
            } else {
                None
            };
            if held_for(self.gathered_since, s.t_s) >= ENTER_AFTER_S {
                self.on = true;
                self.dispersed_since = None;
            }
        }
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{first_time, moving, still};

    fn group(t: f64) -> Sample {
        Sample {
            n_persons: 3,
            ..still(t)
        }
    }

    #[test]
    fn enters_after_ten_minutes_of_a_still_group() {
        let mut m = MeetingInProgress::default();
        assert_eq!(
            first_time(|s| m.update(s), group, 0, 2000, |&on| on),
            Some(600)
        );
        let mut m = MeetingInProgress::default();
        assert_eq!(
            first_time(|s| m.update(s), still, 0, 2000, |&on| on),
            None,
            "one person"
        );
        let mut m = MeetingInProgress::default();
        let busy = |t| Sample {
            n_persons: 3,
            ..moving(t)
        };
        assert_eq!(
            first_time(|s| m.update(s), busy, 0, 2000, |&on| on),
            None,
            "moving"
        );
    }

    #[test]
    fn clears_after_two_minutes_below_two_people() {
        let mut m = MeetingInProgress::default();
        for t in 0..=600 {
            m.update(&group(f64::from(t)));
        }
        // A short dip to one person does not clear.
        for t in 601..661 {
            assert!(m.update(&still(f64::from(t))));
        }
        assert!(m.update(&group(661.0)));
        assert_eq!(
            first_time(|s| m.update(s), still, 662, 1000, |&on| !on),
            Some(782)
        );
    }
}
