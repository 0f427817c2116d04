//! `bathroom_occupied`: presence on a node whose room is tagged `bathroom`.

use super::Sample;

#[derive(Debug, Clone, Default)]
pub struct BathroomOccupied;

impl BathroomOccupied {
    pub fn update(&mut self, s: &Sample) -> bool {
        s.presence
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::test_support::{absent, still};

    #[test]
    fn follows_presence() {
        let mut m = BathroomOccupied;
        assert!(m.update(&still(0.0)));
        assert!(!m.update(&absent(1.0)));
        assert!(m.update(&still(2.0)));
    }
}
