//! Deterministic pseudo-random input for the unit tests.

/// Deterministic pseudo-random numbers in [0, 1) (a 64-bit LCG).
pub(crate) fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}
