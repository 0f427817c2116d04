//! `room_active`: presence with motion > 10 % for ≥ 30 s (in total) within any 5-minute
//! window. Clears after 10 min without such a second.

use super::time_window::TimeWindow;
use super::Sample;

/// Motion above this is activity (percent).
pub const ACTIVE_ABOVE_PCT: f64 = 10.0;
/// Active seconds needed within the window.
pub const ACTIVE_SECONDS: usize = 30;
/// Sliding window (seconds).
pub const WINDOW_S: f64 = 300.0;
/// Idle time that clears the output (seconds).
pub const CLEAR_AFTER_IDLE_S: f64 = 600.0;

#[derive(Debug, Clone)]
pub struct RoomActive {
    on: bool,
    active_seconds: TimeWindow<()>,
    last_active_s: Option<f64>,
}

impl Default for RoomActive {
    fn default() -> Self {
        // At 1 Hz a 300 s window holds at most 301 samples.
        RoomActive {
            on: false,
            active_seconds: TimeWindow::with_capacity(WINDOW_S as usize + 1),
            last_active_s: None,
        }
    }
}

impl RoomActive {
    pub fn update(&mut self, s: &Sample) -> bool {
        self.active_seconds.evict_older_than(s.t_s, WINDOW_S);
        if s.presence && s.motion_pct > ACTIVE_ABOVE_PCT {
            self.active_seconds.push(s.t_s, ());
            self.last_active_s = Some(s.t_s);
        }
        if self.active_seconds.len() >= ACTIVE_SECONDS {
            self.on = true;
        } else if self.on
            && self
                .last_active_s
                .is_some_and(|t| s.t_s - t >= CLEAR_AFTER_IDLE_S)
        {
            self.on = false;
        }
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{absent, first_time, moving, still};

    #[test]
    fn thirty_active_seconds_spread_over_five_minutes_enter() {
        let mut m = RoomActive::default();
        // One active second every 10 s: the 30th falls at t = 290, inside one window.
        let sparse = |t: f64| {
            if (t as u32) % 10 == 0 {
                moving(t)
            } else {
                still(t)
            }
        };
        assert_eq!(
            first_time(|s| m.update(s), sparse, 0, 600, |&on| on),
            Some(290)
        );
    }

    #[test]
    fn activity_spread_wider_than_the_window_does_not() {
        let mut m = RoomActive::default();
        // One active second every 11 s: at most 28 in any 300 s window.
        let sparser = |t: f64| {
            if (t as u32) % 11 == 0 {
                moving(t)
            } else {
                still(t)
            }
        };
        assert_eq!(
            first_time(|s| m.update(s), sparser, 0, 2000, |&on| on),
            None
        );
    }

    #[test]
    fn motion_without_presence_is_not_activity() {
        let mut m = RoomActive::default();
        let ghost = |t| Sample {
            motion_pct: 100.0,
            ..absent(t)
        };
        assert_eq!(first_time(|s| m.update(s), ghost, 0, 600, |&on| on), None);
    }

    #[test]
    fn clears_after_ten_idle_minutes() {
        let mut m = RoomActive::default();
        for t in 0..30 {
            m.update(&moving(f64::from(t)));
        }
        assert!(m.update(&still(30.0)));
        // Last active second at t = 29: off at 29 + 600.
        assert_eq!(
            first_time(|s| m.update(s), absent, 31, 1000, |&on| !on),
            Some(629)
        );
    }
}
