//! Times the whole pipeline on 1,000 frames × 56 subcarriers at 100 Hz (docs/dsp.md §5.3):
//! one `process` call, 1,000 `push_arrays` calls, and the same after a 30 s warm-up.
//! Best of 7 after one warm-up run. `cargo bench -p wifi-densepose-vitals`.

use std::f64::consts::PI;
use std::hint::black_box;
use std::time::{Duration, Instant};

use wifi_densepose_vitals::{RowMajor, VitalsPipeline};

const FS: f64 = 100.0;
const SUBCARRIERS: usize = 56;

fn signal(frames: usize, offset: usize) -> (Vec<f64>, Vec<f64>) {
    let mut amplitudes = Vec::with_capacity(frames * SUBCARRIERS);
    let mut phases = Vec::with_capacity(frames * SUBCARRIERS);
    for i in offset..offset + frames {
        let t = i as f64 / FS;
        let body = 2.0 * (2.0 * PI * 0.25 * t).sin() + 0.3 * (2.0 * PI * 1.2 * t).sin();
        for k in 0..SUBCARRIERS {
            amplitudes.push(15.0 + 5.0 * (0.1 * k as f64).sin() + body);
            phases.push(0.2 * k as f64);
        }
    }
    (amplitudes, phases)
}

/// Best of 7 after one warm-up; `setup` builds fresh state outside the timed region.
fn best_of<S>(mut setup: impl FnMut() -> S, mut run: impl FnMut(&mut S)) -> Duration {
    let mut best = Duration::MAX;
    for attempt in 0..8 {
        let mut state = setup();
        let start = Instant::now();
        run(&mut state);
        let elapsed = start.elapsed();
        if attempt > 0 {
            best = best.min(elapsed);
        }
    }
    best
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let (amplitudes, phases) = signal(1000, 0);
    let a = RowMajor::new(&amplitudes, SUBCARRIERS).expect("whole rows");
    let p = RowMajor::new(&phases, SUBCARRIERS).expect("whole rows");

    let batch = best_of(VitalsPipeline::esp32_default, |pipeline| {
        black_box(pipeline.process(&a, &p, Some(FS)).expect("valid input"));
    });
    let per_frame = best_of(VitalsPipeline::esp32_default, |pipeline| {
        for (amp, ph) in amplitudes
            .chunks(SUBCARRIERS)
            .zip(phases.chunks(SUBCARRIERS))
        {
            black_box(pipeline.push_arrays(amp, ph).expect("valid input"));
        }
    });

    let (warm_a, warm_p) = signal(3000, 0);
    let (next_a, next_p) = signal(1000, 3000);
    let warmed = || {
        let mut pipeline = VitalsPipeline::esp32_default();
        let (wa, wp) = (
            RowMajor::new(&warm_a, SUBCARRIERS).expect("rows"),
            RowMajor::new(&warm_p, SUBCARRIERS).expect("rows"),
        );
        pipeline.process(&wa, &wp, Some(FS)).expect("valid input");
        pipeline
    };
    let (na, np) = (
        RowMajor::new(&next_a, SUBCARRIERS).expect("rows"),
        RowMajor::new(&next_p, SUBCARRIERS).expect("rows"),
    );
    let steady = best_of(warmed, |pipeline| {
        black_box(pipeline.process(&na, &np, Some(FS)).expect("valid input"));
    });

    println!("vitals pipeline, 1,000 frames x 56 subcarriers at 100 Hz (best of 7):");
    println!("  process (fresh esp32_default)      {:8.3} ms", ms(batch));
    println!(
        "  1,000 x push_arrays (fresh)        {:8.3} ms",
        ms(per_frame)
    );
    println!("  process after a 30 s warm-up       {:8.3} ms", ms(steady));
}
