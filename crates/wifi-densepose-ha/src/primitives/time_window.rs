//! A bounded, time-ordered queue of timestamped values with O(1) push and eviction.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub(crate) struct TimeWindow<T> {
    items: VecDeque<(f64, T)>,
    capacity: usize,
}

impl<T> TimeWindow<T> {
    pub fn with_capacity(capacity: usize) -> Self {
        TimeWindow {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Appends, evicting the oldest entry when full.
    pub fn push(&mut self, t_s: f64, value: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back((t_s, value));
    }

    /// Drops entries older than `horizon_s` before `now_s`.
    pub fn evict_older_than(&mut self, now_s: f64, horizon_s: f64) {
        while self
            .items
            .front()
            .is_some_and(|(t, _)| now_s - t > horizon_s)
        {
            self.items.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_evicts_by_age() {
        let mut w = TimeWindow::with_capacity(3);
        for t in 0..5 {
            w.push(f64::from(t), t);
        }
        assert_eq!(w.values().copied().collect::<Vec<_>>(), [2, 3, 4]);
        w.evict_older_than(6.0, 3.0);
        assert_eq!(w.values().copied().collect::<Vec<_>>(), [3, 4]);
        assert_eq!(w.len(), 2);
    }
}
