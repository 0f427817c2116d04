//! Bounded history of readings with summary statistics.

use crate::types::{VitalReading, VitalStats, VitalStatus};
use wifi_densepose_core::{RingBuffer, MAX_HISTORY_LEN};

/// Keeps the last `capacity` readings (default 3600, about an hour at one reading per second).
///
/// For one thread at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct VitalSignStore {
    readings: RingBuffer<VitalReading>,
}

impl Default for VitalSignStore {
    fn default() -> Self {
        VitalSignStore::new(VitalSignStore::default_capacity())
    }
}

impl VitalSignStore {
    /// Capacity max(max_readings, 1), capped at 2²² readings.
    pub fn new(max_readings: usize) -> Self {
        VitalSignStore {
            readings: RingBuffer::new(max_readings.clamp(1, MAX_HISTORY_LEN)),
        }
    }

    pub const fn default_capacity() -> usize {
        3600
    }

    /// Appends a reading, evicting the oldest when full.
    pub fn push(&mut self, reading: VitalReading) {
        self.readings.push(reading);
    }

    pub fn latest(&self) -> Option<&VitalReading> {
        self.readings.back()
    }

    /// The last `n` readings, oldest first.
    pub fn history(&self, n: usize) -> Vec<VitalReading> {
        self.readings.last_n(n).copied().collect()
    }

    pub fn len(&self) -> usize {
        self.readings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.readings.capacity()
    }

    pub fn clear(&mut self) {
        self.readings.clear();
    }

    /// Means, minima and maxima of both rates over every stored reading (UNAVAILABLE zeros
    /// included) and the share with both vitals VALID; None when empty.
    pub fn stats(&self) -> Option<VitalStats> {
        if self.readings.is_empty() {
            return None;
        }
        let count = self.readings.len();
        let (mut rr_sum, mut hr_sum, mut both_valid) = (0.0, 0.0, 0usize);
        let (mut rr_min, mut rr_max) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut hr_min, mut hr_max) = (f64::INFINITY, f64::NEG_INFINITY);
        for reading in self.readings.iter() {
            let (rr, hr) = (reading.respiratory_rate(), reading.heart_rate());
            rr_sum += rr.value_bpm();
            hr_sum += hr.value_bpm();
            rr_min = rr_min.min(rr.value_bpm());
            rr_max = rr_max.max(rr.value_bpm());
            hr_min = hr_min.min(hr.value_bpm());
            hr_max = hr_max.max(hr.value_bpm());
            if rr.status() == VitalStatus::Valid && hr.status() == VitalStatus::Valid {
                both_valid += 1;
            }
        }
        let n = count as f64;
        Some(VitalStats {
            count,
            rr_mean: rr_sum / n,
            hr_mean: hr_sum / n,
            rr_min,
            rr_max,
            hr_min,
            hr_max,
            valid_fraction: both_valid as f64 / n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::VitalEstimate;

    fn reading_with(rr: f64, hr: f64, rr_status: VitalStatus) -> VitalReading {
        VitalReading::new(
            VitalEstimate::new(rr, 0.9, rr_status).unwrap(),
            VitalEstimate::new(hr, 0.9, VitalStatus::Valid).unwrap(),
            56,
            0.9,
            0.0,
        )
        .unwrap()
    }

    fn reading(rr: f64, hr: f64) -> VitalReading {
        reading_with(rr, hr, VitalStatus::Valid)
    }

    #[test]
    fn empty_store_has_no_latest_or_stats() {
        let store = VitalSignStore::default();
        assert!(store.latest().is_none() && store.stats().is_none());
        assert_eq!(store.capacity(), 3600);
        assert_eq!(VitalSignStore::new(0).capacity(), 1);
    }

    #[test]
    fn evicts_the_oldest_and_returns_history_oldest_first() {
        let mut store = VitalSignStore::new(3);
        for rr in [10.0, 15.0, 20.0, 25.0] {
            store.push(reading(rr, 70.0));
        }
        assert_eq!(store.history(3)[0].respiratory_rate().value_bpm(), 15.0);
        let mut store = VitalSignStore::new(10);
        for rr in [10.0, 11.0, 12.0, 13.0, 14.0] {
            store.push(reading(rr, 70.0));
        }
        let last3: Vec<f64> = store
            .history(3)
            .iter()
            .map(|r| r.respiratory_rate().value_bpm())
            .collect();
        assert_eq!(last3, [12.0, 13.0, 14.0]);
        let mut one = VitalSignStore::default();
        one.push(reading(10.0, 60.0));
        assert_eq!(one.history(100).len(), 1);
        store.clear();
        assert!(store.is_empty());
    }

    #[test]
    fn stats_of_three_readings() {
        let mut store = VitalSignStore::default();
        for (rr, hr) in [(10.0, 60.0), (20.0, 80.0), (15.0, 70.0)] {
            store.push(reading(rr, hr));
        }
        let s = store.stats().unwrap();
        assert_eq!((s.count, s.rr_mean, s.hr_mean), (3, 15.0, 70.0));
        assert_eq!(
            (s.rr_min, s.rr_max, s.hr_min, s.hr_max),
            (10.0, 20.0, 60.0, 80.0)
        );
        assert_eq!(s.valid_fraction, 1.0);
        let mut mixed = VitalSignStore::default();
        mixed.push(reading(15.0, 70.0));
        mixed.push(reading_with(15.0, 70.0, VitalStatus::Degraded));
        assert_eq!(mixed.stats().unwrap().valid_fraction, 0.5);
    }
}
