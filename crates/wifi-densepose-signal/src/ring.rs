//! Fixed-capacity ring buffer: O(1) push with eviction of the oldest entry.

use std::collections::VecDeque;

/// A bounded history, read oldest first.
#[derive(Debug, Clone)]
pub struct HistoryRing<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> HistoryRing<T> {
    /// `capacity` must be ≥ 1 (checked by the owning config). Storage grows as items arrive
    /// (at most 1,024 slots are reserved up front), so a large bound costs nothing until used.
    pub fn new(capacity: usize) -> Self {
        HistoryRing {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }

    /// Appends `item`, evicting the oldest entry when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Entries oldest first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + Clone {
        self.items.iter()
    }

    /// The newest `n` entries (all if fewer), oldest first.
    pub fn recent(&self, n: usize) -> impl ExactSizeIterator<Item = &T> {
        self.items.iter().skip(self.items.len().saturating_sub(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest() {
        let mut ring = HistoryRing::new(3);
        for i in 0..5 {
            ring.push(i);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(ring.recent(2).copied().collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(ring.recent(10).count(), 3);
        ring.clear();
        assert!(ring.is_empty());
    }
}
