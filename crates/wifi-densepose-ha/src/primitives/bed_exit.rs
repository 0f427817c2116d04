//! `bed_exit`: someone who was sleeping leaves the bed zone between 22:00 and 06:00 local
//! time. One event per exit: after an event the primitive re-arms only once the
//! `someone_sleeping` state is seen again.

use super::Sample;

/// Start of the night window (seconds after local midnight).
pub const NIGHT_START_S: f64 = 22.0 * 3600.0;
/// End of the night window (seconds after local midnight).
pub const NIGHT_END_S: f64 = 6.0 * 3600.0;

#[derive(Debug, Clone, Default)]
pub struct BedExit {
    armed: bool,
}

/// Whether a time of day (seconds after local midnight) is in the night window.
pub fn is_night(seconds_of_day: f64) -> bool {
    !(NIGHT_END_S..NIGHT_START_S).contains(&seconds_of_day)
}

impl BedExit {
    /// `true` when this sample is a bed exit. `sleeping` is the node's `someone_sleeping`
    /// state before this sample; `seconds_of_day` is the sample's local time of day.
    pub fn update(&mut self, s: &Sample, sleeping: bool, seconds_of_day: f64) -> bool {
        if sleeping && s.presence {
            self.armed = true;
            return false;
        }
        if self.armed && !s.presence {
            self.armed = false;
            return is_night(seconds_of_day);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{absent, still};

    const HOUR: f64 = 3600.0;

    #[test]
    fn night_window() {
        assert!(is_night(22.0 * HOUR));
        assert!(is_night(3.0 * HOUR));
        assert!(!is_night(6.0 * HOUR));
        assert!(!is_night(14.0 * HOUR));
        assert!(is_night(5.0 * HOUR + 3599.0));
    }

    #[test]
    fn one_event_when_a_sleeper_leaves_at_night() {
        let mut m = BedExit::default();
        assert!(!m.update(&still(0.0), true, 2.0 * HOUR));
        assert!(m.update(&absent(1.0), true, 2.0 * HOUR));
        assert!(
            !m.update(&absent(2.0), true, 2.0 * HOUR),
            "one event per exit"
        );
        assert!(
            !m.update(&still(3.0), false, 2.0 * HOUR),
            "back but not asleep: not armed"
        );
        assert!(!m.update(&absent(4.0), false, 2.0 * HOUR));
    }

    #[test]
    fn no_event_by_day_or_without_sleep() {
        let mut m = BedExit::default();
        m.update(&still(0.0), true, 14.0 * HOUR);
        assert!(!m.update(&absent(1.0), true, 14.0 * HOUR));
        let mut m = BedExit::default();
        m.update(&still(0.0), false, 2.0 * HOUR);
        assert!(!m.update(&absent(1.0), false, 2.0 * HOUR));
    }
}
