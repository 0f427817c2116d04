//! The one fixed-capacity ring buffer of the workspace: O(1) push with eviction of the oldest
//! entry, read oldest first. Histories in the signal, vitals and server crates all use it.

use std::collections::VecDeque;

/// Upper bound on any history, so a huge window cannot request an absurd allocation.
pub const MAX_HISTORY_LEN: usize = 1 << 22;

/// Keeps the last `capacity` values. Iteration visits them oldest first, in the order a
/// contiguous vector with front removal would hold them, so sums over it are bit-identical.
#[derive(Debug, Clone, PartialEq)]
pub struct RingBuffer<T> {
    values: VecDeque<T>,
    capacity: usize,
}

impl<T> RingBuffer<T> {
    /// A ring holding at most `capacity` values (raised to at least 1). Storage grows as
    /// values arrive, so a large bound costs nothing until it is used; callers validate
    /// user-given bounds against [`MAX_HISTORY_LEN`].
    pub fn new(capacity: usize) -> Self {
        RingBuffer {
            values: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Appends `value`, returning the evicted oldest value when the ring was full.
    pub fn push(&mut self, value: T) -> Option<T> {
        let evicted = if self.values.len() == self.capacity {
            self.values.pop_front()
        } else {
            None
        };
        self.values.push_back(value);
        evicted
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn clear(&mut self) {
        self.values.clear();
    }

    /// The oldest value.
    pub fn front(&self) -> Option<&T> {
        self.values.front()
    }

    /// The newest value.
    pub fn back(&self) -> Option<&T> {
        self.values.back()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + Clone {
        self.values.iter()
    }

    /// The newest `n` values (all if fewer are held), oldest first.
    pub fn last_n(&self, n: usize) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.values.iter().skip(self.values.len().saturating_sub(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest_and_reads_oldest_first() {
        let mut ring = RingBuffer::new(3);
        assert_eq!(ring.push(1), None);
        assert_eq!(ring.push(2), None);
        assert_eq!(ring.push(3), None);
        assert_eq!(ring.push(4), Some(1));
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(ring.last_n(2).copied().collect::<Vec<_>>(), [3, 4]);
        assert_eq!(ring.last_n(10).count(), 3);
        assert_eq!(
            (ring.front(), ring.back(), ring.len()),
            (Some(&2), Some(&4), 3)
        );
        assert!(!ring.is_empty());
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(ring.capacity(), 3);
    }

    #[test]
    fn zero_capacity_holds_one() {
        let mut ring = RingBuffer::new(0);
        assert_eq!(ring.capacity(), 1);
        ring.push('a');
        assert_eq!(ring.push('b'), Some('a'));
        assert_eq!(ring.len(), 1);
    }

    #[test]
    fn matches_a_vector_with_front_removal() {
        let mut ring = RingBuffer::new(7);
        let mut reference: Vec<f64> = Vec::new();
        for i in 0..100 {
            let v = (i as f64 * 0.37).sin();
            ring.push(v);
            reference.push(v);
            if reference.len() > 7 {
                reference.remove(0);
            }
            let sum_ring: f64 = ring.iter().sum();
            let sum_vec: f64 = reference.iter().sum();
            assert_eq!(sum_ring.to_bits(), sum_vec.to_bits());
        }
    }
}
