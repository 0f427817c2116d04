//! Per-node grid gating (docs/wire.md §1.3): only frames whose `(n_subcarriers, ppdu_type)`
//! equals the node's most frequent combination over its recent frames feed the feature path.

use std::collections::BTreeMap;

use wifi_densepose_core::RingBuffer as Ring;

/// A frame layout: bin count and PPDU type.
pub type GridKey = (u16, u8);

/// Recent frames considered when picking the dominant layout.
pub const GRID_WINDOW: usize = 64;

#[derive(Debug, Clone)]
pub struct GridGate {
    recent: Ring<GridKey>,
    counts: BTreeMap<GridKey, usize>,
    dominant: Option<GridKey>,
}

impl Default for GridGate {
    fn default() -> Self {
        GridGate {
            recent: Ring::new(GRID_WINDOW),
            counts: BTreeMap::new(),
            dominant: None,
        }
    }
}

impl GridGate {
    /// Records a frame's layout and returns the dominant layout after it. The current
    /// dominant layout is kept on a tie, so alternating layouts do not flap.
    pub fn observe(&mut self, key: GridKey) -> GridKey {
        if let Some(evicted) = self.recent.push(key) {
            if let Some(count) = self.counts.get_mut(&evicted) {
                *count -= 1;
                if *count == 0 {
                    self.counts.remove(&evicted);
                }
            }
        }
        *self.counts.entry(key).or_insert(0) += 1;
        let current = self
            .dominant
            .and_then(|d| self.counts.get(&d).map(|c| (d, *c)));
        let best = self
            .counts
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(k, c)| (*k, *c));
        let dominant = match (current, best) {
            (Some((current_key, current_count)), Some((_, best_count)))
                if current_count >= best_count =>
            {
                current_key
            }
            (_, Some((best_key, _))) => best_key,
            _ => key,
        };
        self.dominant = Some(dominant);
        dominant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_layout_wins_and_ties_keep_the_incumbent() {
        let mut gate = GridGate::default();
        assert_eq!(gate.observe((64, 0)), (64, 0));
        // 1 vs 1: the incumbent stays.
        assert_eq!(gate.observe((128, 0)), (64, 0));
        assert_eq!(gate.observe((128, 0)), (128, 0));
        assert_eq!(gate.observe((64, 0)), (128, 0));
    }

    #[test]
    fn old_frames_leave_the_window() {
        let mut gate = GridGate::default();
        for _ in 0..GRID_WINDOW {
            gate.observe((64, 0));
        }
        for _ in 0..GRID_WINDOW / 2 {
            gate.observe((128, 1));
        }
        assert_eq!(gate.dominant, Some((64, 0)));
        assert_eq!(gate.observe((128, 1)), (128, 1));
    }
}
