//! Times the Hampel filter on the spec's workload (10,000 × 56, half window 5), best of 7.
//!
//! `cargo run --release -p wifi-densepose-signal --example bench_hampel`

use std::time::Instant;

use ndarray::Array2;
use wifi_densepose_signal::{hampel_filter_2d, HampelAxis, HampelConfig};

fn main() {
    let mut state: u64 = 42;
    let x = Array2::from_shape_fn((10_000, 56), |_| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    });
    for half_window in [5, 8] {
        time(&x, half_window);
    }
}

fn time(x: &Array2<f64>, half_window: usize) {
    let config = HampelConfig { half_window, threshold: 3.0 };
    let mut best = f64::INFINITY;
    let mut outliers = 0;
    for _ in 0..8 {
        let start = Instant::now();
        let r = hampel_filter_2d(x.view(), &config, HampelAxis::Columns).expect("valid input");
        best = best.min(start.elapsed().as_secs_f64());
        outliers = r.outlier_indices.len();
    }
    println!("hampel 10000x56 h={half_window}: best {:.3} ms ({outliers} outliers)", best * 1e3);
}
