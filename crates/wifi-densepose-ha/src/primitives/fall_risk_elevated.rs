//! `fall_risk_elevated`: a 0–100 score from the fall edges of the last 24 h.
//!
//! The server has no gait or near-fall input, so the score counts fall edges only:
//! each adds [`POINTS_PER_FALL`] (the spec asks for at least 10) and ages out after 24 h.

use super::time_window::TimeWindow;
use super::Sample;
use crate::time::DAY_S;

/// Score added by each fall edge in the window.
pub const POINTS_PER_FALL: u8 = 15;
/// Falls beyond this many in a day do not change the (saturated) score.
const MAX_COUNTED_FALLS: usize = 7;

#[derive(Debug, Clone)]
pub struct FallRiskElevated {
    falls: TimeWindow<()>,
}

impl Default for FallRiskElevated {
    fn default() -> Self {
        FallRiskElevated {
            falls: TimeWindow::with_capacity(MAX_COUNTED_FALLS),
        }
    }
}

impl FallRiskElevated {
    /// The score after this sample (0..=100).
    pub fn update(&mut self, s: &Sample) -> u8 {
        self.falls.evict_older_than(s.t_s, DAY_S);
        if s.fall_edge {
            self.falls.push(s.t_s, ());
        }
        let points = self.falls.len() * usize::from(POINTS_PER_FALL);
        u8::try_from(points.min(100)).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::still;

    fn fall(t: f64) -> Sample {
        Sample {
            fall_edge: true,
            ..still(t)
        }
    }

    #[test]
    fn each_fall_raises_the_score_by_at_least_10() {
        let mut m = FallRiskElevated::default();
        assert_eq!(m.update(&still(0.0)), 0);
        assert_eq!(m.update(&fall(1.0)), 15);
        assert_eq!(m.update(&still(2.0)), 15);
        assert_eq!(m.update(&fall(3.0)), 30);
    }

    #[test]
    fn saturates_at_100_and_ages_out_after_24_h() {
        let mut m = FallRiskElevated::default();
        for t in 0..10 {
            m.update(&fall(f64::from(t)));
        }
        assert_eq!(m.update(&still(10.0)), 100);
        assert_eq!(
            m.update(&still(DAY_S + 5.0)),
            75,
            "the falls at t = 5..9 remain"
        );
        assert_eq!(m.update(&still(DAY_S + 10.0)), 0);
    }
}
