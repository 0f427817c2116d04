//! `no_movement`: presence with motion < 1 % for ≥ 30 min; clears on motion or absence.

use super::{held_for, Sample};

/// Motion below this is stillness (percent).
pub const STILL_BELOW_PCT: f64 = 1.0;
/// Stillness that turns the output on (seconds).
pub const ENTER_AFTER_S: f64 = 1800.0;

#[derive(Debug, Clone, Default)]
pub struct NoMovement {
    still_since: Option<f64>,
}

impl NoMovement {
    pub fn update(&mut self, s: &Sample) -> bool {
        let still = s.presence && s.motion_pct < STILL_BELOW_PCT;
        self.still_since = if still {
            Some(self.still_since.unwrap_or(s.t_s))
        } else {
            None
        };
        held_for(self.still_since, s.t_s) >= ENTER_AFTER_S
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{absent, first_time, moving, still};

    #[test]
    fn on_after_1800_s_of_stillness() {
        let mut m = NoMovement::default();
        assert_eq!(
            first_time(|s| m.update(s), still, 0, 4000, |&on| on),
            Some(1800)
        );
    }

    #[test]
    fn clears_on_motion_and_on_absence() {
        let mut m = NoMovement::default();
        for t in 0..=1800 {
            m.update(&still(f64::from(t)));
        }
        assert!(!m.update(&moving(1801.0)));
        assert!(
            !m.update(&still(1802.0)),
            "stillness counts again from zero"
        );
        let mut m = NoMovement::default();
        for t in 0..=1800 {
            m.update(&still(f64::from(t)));
        }
        assert!(!m.update(&absent(1801.0)));
    }
}
