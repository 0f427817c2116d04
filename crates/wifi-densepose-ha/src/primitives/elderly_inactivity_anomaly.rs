//! `elderly_inactivity_anomaly`: no motion with stable presence for longer than twice the
//! resident's median idle bout of the last 24 h. At most one alert per 24 h; the output
//! clears when the idle bout ends.

use super::time_window::TimeWindow;
use super::{held_for, Sample};
use crate::time::DAY_S;

/// Motion below this is idle (percent).
pub const IDLE_BELOW_PCT: f64 = 1.0;
/// Idle bouts shorter than this are not part of the resident's pattern (seconds).
pub const MIN_BOUT_S: f64 = 10.0;
/// Completed bouts of the last day needed before any alert.
pub const MIN_BOUTS: usize = 3;
/// Alert when the current bout exceeds this multiple of the median.
pub const MEDIAN_FACTOR: f64 = 2.0;
/// Bouts remembered (bounded memory; a day rarely has more).
const MAX_BOUTS: usize = 512;

#[derive(Debug, Clone)]
pub struct ElderlyInactivityAnomaly {
    on: bool,
    idle_since: Option<f64>,
    /// Alert threshold of the current bout, fixed when the bout starts (seconds).
    threshold_s: Option<f64>,
    bouts: TimeWindow<f64>,
    last_alert_s: Option<f64>,
}

impl Default for ElderlyInactivityAnomaly {
    fn default() -> Self {
        ElderlyInactivityAnomaly {
            on: false,
            idle_since: None,
            threshold_s: None,
            bouts: TimeWindow::with_capacity(MAX_BOUTS),
            last_alert_s: None,
        }
    }
}

impl ElderlyInactivityAnomaly {
    /// The median of the completed idle bouts of the last 24 h (seconds).
    pub fn median_idle_s(&self) -> Option<f64> {
        if self.bouts.len() < MIN_BOUTS {
            return None;
        }
        let mut d: Vec<f64> = self.bouts.values().copied().collect();
        d.sort_by(f64::total_cmp);
        let mid = d.len() / 2;
        Some(if d.len() % 2 == 1 {
            d[mid]
        } else {
            (d[mid - 1] + d[mid]) / 2.0
        })
    }

    pub fn update(&mut self, s: &Sample) -> bool {
        self.bouts.evict_older_than(s.t_s, DAY_S);
        let idle = s.presence && s.motion_pct < IDLE_BELOW_PCT;
        match (idle, self.idle_since) {
            (true, None) => {
                self.idle_since = Some(s.t_s);
                self.threshold_s = self.median_idle_s().map(|m| MEDIAN_FACTOR * m);
            }
            (false, Some(start)) => {
                let length = s.t_s - start;
                if length >= MIN_BOUT_S {
                    self.bouts.push(s.t_s, length);
                }
                self.idle_since = None;
                self.on = false;
            }
            _ => {}
        }
        let exceeded = self
            .threshold_s
            .is_some_and(|th| held_for(self.idle_since, s.t_s) > th);
        let may_alert = self.last_alert_s.is_none_or(|t| s.t_s - t >= DAY_S);
        if idle && exceeded && !self.on && may_alert {
            self.on = true;
            self.last_alert_s = Some(s.t_s);
        }
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{moving, still};

    /// Three idle bouts of 60, 100 and 80 s (median 80 s), each followed by 10 s of motion.
    fn with_history() -> (ElderlyInactivityAnomaly, u32) {
        let mut m = ElderlyInactivityAnomaly::default();
        let mut t = 0;
        for bout in [60, 100, 80] {
            for _ in 0..bout {
                assert!(!m.update(&still(f64::from(t))));
                t += 1;
            }
            for _ in 0..10 {
                m.update(&moving(f64::from(t)));
                t += 1;
            }
        }
        assert_eq!(m.median_idle_s(), Some(80.0));
        (m, t)
    }

    #[test]
    fn alerts_after_twice_the_median_idle_time() {
        let (mut m, start) = with_history();
        let fired = (start..start + 400).find(|&t| m.update(&still(f64::from(t))));
        assert_eq!(fired, Some(start + 161), "strictly longer than 160 s");
    }

    #[test]
    fn clears_when_the_bout_ends_and_alerts_once_per_day() {
        let (mut m, start) = with_history();
        for t in start..=start + 161 {
            m.update(&still(f64::from(t)));
        }
        let mut t = start + 162;
        assert!(!m.update(&moving(f64::from(t))));
        // A second long bout the same day does not alert again.
        for _ in 0..1000 {
            t += 1;
            assert!(!m.update(&still(f64::from(t))));
        }
    }

    #[test]
    fn no_alert_without_a_history() {
        let mut m = ElderlyInactivityAnomaly::default();
        assert!((0..5000).all(|t| !m.update(&still(f64::from(t)))));
    }
}
