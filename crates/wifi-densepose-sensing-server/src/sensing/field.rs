//! The top-down heat grid of `signal_field` (docs/wire.md §3.3): 20 × 20 cells over a 5 m × 5 m
//! floor, index `z × 20 + x`, each active node adding a Gaussian blob at its position whose
//! height is its motion intensity.
use wifi_densepose_wire::messages::{FieldJson, SignalField};

use crate::messages::GRID_SIDE;
use crate::sensing::node::round_to;

/// Floor size covered by the grid, metres.
const FLOOR_M: f64 = 5.0;
/// Blob radius (standard deviation), metres.
const BLOB_SIGMA_M: f64 = 0.8;

/// A node's contribution: position (x, y, z in metres) and intensity in 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blob {
    pub position: [f64; 3],
    pub intensity: f64,
}

/// The last grid and the blobs it was built from: intensities take a few discrete levels,
/// so consecutive updates usually reuse the grid instead of 400 exponentials per node.
#[derive(Debug, Default)]
pub struct FieldCache {
    blobs: Vec<Blob>,
    field: Option<FieldJson>,
}

impl FieldCache {
    /// The serialised grid for `blobs`.
    pub fn field(&mut self, blobs: &[Blob]) -> Option<FieldJson> {
        if self.field.is_none() || self.blobs != blobs {
            self.field = FieldJson::new(&signal_field(blobs));
            self.blobs = blobs.to_vec();
        }
        self.field.clone()
    }
}

pub fn signal_field(blobs: &[Blob]) -> SignalField {
    let cell = FLOOR_M / GRID_SIDE as f64;
    let two_sigma_sq = 2.0 * BLOB_SIGMA_M * BLOB_SIGMA_M;
    let mut values = Vec::with_capacity(GRID_SIDE * GRID_SIDE);
    for z in 0..GRID_SIDE {
        let cz = (z as f64 + 0.5) * cell;
        for x in 0..GRID_SIDE {
            let cx = (x as f64 + 0.5) * cell;
            let value: f64 = blobs
                .iter()
                .map(|b| {
                    let (dx, dz) = (cx - b.position[0], cz - b.position[2]);
                    b.intensity * (-(dx * dx + dz * dz) / two_sigma_sq).exp()
                })
                .sum();
            // Three decimals: the grid is a display aid, and full precision triples its size.
            values.push(round_to(value.clamp(0.0, 1.0), 1000.0));
        }
    }
    SignalField {
        grid_size: [GRID_SIDE, 1, GRID_SIDE],
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_rebuilds_only_when_blobs_change() {
        let mut cache = FieldCache::default();
        let a = [Blob {
            position: [1.0, 0.0, 1.0],
            intensity: 0.35,
        }];
        let b = [Blob {
            position: [1.0, 0.0, 1.0],
            intensity: 0.7,
        }];
        let json = |blobs: &[Blob]| FieldJson::new(&signal_field(blobs));
        assert_eq!(cache.field(&a), json(&a));
        assert_eq!(cache.field(&a), json(&a));
        assert_eq!(cache.field(&b), json(&b));
        assert_ne!(json(&a), json(&b));
    }

    #[test]
    fn empty_room_is_all_zero() {
        let field = signal_field(&[]);
        assert_eq!(field.grid_size, [20, 1, 20]);
        assert_eq!(field.values.len(), 400);
        assert!(field.values.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn blob_peaks_at_its_cell_and_is_clamped() {
        // x = 2.0 m, z = 1.5 m is the centre region of cell (x 7/8, z 5/6).
        let field = signal_field(&[Blob {
            position: [2.0, 0.0, 1.5],
            intensity: 0.6,
        }]);
        let (max_index, max) = field
            .values
            .iter()
            .enumerate()
            .fold(
                (0, 0.0),
                |best, (i, v)| if *v > best.1 { (i, *v) } else { best },
            );
        let (z, x) = (max_index / 20, max_index % 20);
        assert!(
            (7..=8).contains(&x) && (5..=6).contains(&z),
            "peak at x {x} z {z}"
        );
        assert!(max > 0.55 && max <= 0.6);
        assert!(field
            .values
            .iter()
            .all(|v| (v * 1000.0 - (v * 1000.0).round()).abs() < 1e-9));
        let saturated = signal_field(&[Blob {
            position: [2.0, 0.0, 1.5],
            intensity: 3.0,
        }]);
        assert!(saturated.values.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
