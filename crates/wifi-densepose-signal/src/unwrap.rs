//! Phase unwrapping: the standard 1-D kernel and the 2-D methods built on it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::f64::consts::PI;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::SignalError;

const TWO_PI: f64 = 2.0 * PI;

/// Unwraps `phase` in place of a fresh vector: one 2π turn per step whose raw difference
/// exceeds `threshold` in magnitude (π for the standard method).
///
/// Counts turns as an integer, so it is O(n) and each output is φ_j + 2π·k_j exactly.
pub fn unwrap_with_threshold(phase: ArrayView1<'_, f64>, threshold: f64, out: &mut Vec<f64>) {
    out.clear();
    out.reserve(phase.len());
    let mut turns: i64 = 0;
    let mut previous: Option<f64> = None;
    for &p in phase {
        if let Some(prev) = previous {
            let d = p - prev;
            if d > threshold {
                turns -= 1;
            } else if d < -threshold {
                turns += 1;
            }
        }
        previous = Some(p);
        out.push(p + (turns as f64) * TWO_PI);
    }
}

/// Standard unwrap: equals `numpy.unwrap` whenever every raw step is below 3π.
pub fn unwrap_phase(phase: ArrayView1<'_, f64>) -> Array1<f64> {
    let mut out = Vec::new();
    unwrap_with_threshold(phase, PI, &mut out);
    Array1::from(out)
}

/// How a `[rows, cols]` phase array is unwrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnwrappingMethod {
    /// Standard unwrap along each row.
    #[default]
    Standard,
    /// Standard along each row with a 0.9π jump threshold.
    Custom,
    /// Standard along each row, then along each column of that result.
    Itoh,
    /// Flood fill from the most reliable pixel, guided by the phase-quality map.
    QualityGuided,
}

impl UnwrappingMethod {
    pub fn name(self) -> &'static str {
        match self {
            UnwrappingMethod::Standard => "standard",
            UnwrappingMethod::Custom => "custom",
            UnwrappingMethod::Itoh => "itoh",
            UnwrappingMethod::QualityGuided => "quality_guided",
        }
    }
}

impl FromStr for UnwrappingMethod {
    type Err = SignalError;
    fn from_str(s: &str) -> Result<Self, SignalError> {
        match s {
            "standard" => Ok(UnwrappingMethod::Standard),
            "custom" => Ok(UnwrappingMethod::Custom),
            "itoh" => Ok(UnwrappingMethod::Itoh),
            "quality_guided" => Ok(UnwrappingMethod::QualityGuided),
            other => Err(SignalError::config(format!(
                "unwrapping_method must be one of standard, custom, itoh, quality_guided, got '{other}'"
            ))),
        }
    }
}

/// Unwraps with `method`. Values must be finite (callers validate).
pub fn unwrap_2d(phase: ArrayView2<'_, f64>, method: UnwrappingMethod) -> Array2<f64> {
    match method {
        UnwrappingMethod::Standard => unwrap_along(phase, Axis(1), PI),
        UnwrappingMethod::Custom => unwrap_along(phase, Axis(1), 0.9 * PI),
        UnwrappingMethod::Itoh => {
            unwrap_along(unwrap_along(phase, Axis(1), PI).view(), Axis(0), PI)
        }
        UnwrappingMethod::QualityGuided => unwrap_quality_guided(phase),
    }
}

/// Standard unwrap of every lane along `axis` with the given jump threshold.
fn unwrap_along(phase: ArrayView2<'_, f64>, axis: Axis, threshold: f64) -> Array2<f64> {
    let mut out = Array2::zeros(phase.raw_dim());
    let mut lane_buf = Vec::new();
    for (lane, mut out_lane) in phase.lanes(axis).into_iter().zip(out.lanes_mut(axis)) {
        unwrap_with_threshold(lane, threshold, &mut lane_buf);
        for (o, v) in out_lane.iter_mut().zip(&lane_buf) {
            *o = *v;
        }
    }
    out
}

/// W(d) = d − 2π·⌊(d + π)/(2π)⌋, in [−π, π).
pub fn wrap_difference(d: f64) -> f64 {
    d - TWO_PI * ((d + PI) / TWO_PI).floor()
}

/// q = 1/(1 + mean |W(φ_n − φ)| over the existing 4-neighbours); 1 for an isolated pixel.
pub fn phase_quality_map(phase: ArrayView2<'_, f64>) -> Array2<f64> {
    let (rows, cols) = phase.dim();
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        let here = phase[[r, c]];
        let (sum, count) = neighbours(r, c, rows, cols).fold((0.0, 0usize), |(s, n), (nr, nc)| {
            (s + wrap_difference(phase[[nr, nc]] - here).abs(), n + 1)
        });
        if count == 0 {
            1.0
        } else {
            1.0 / (1.0 + sum / count as f64)
        }
    })
}

/// The existing 4-neighbours of (r, c) in row-major order: up, left, right, down.
fn neighbours(
    r: usize,
    c: usize,
    rows: usize,
    cols: usize,
) -> impl Iterator<Item = (usize, usize)> {
    let up = (r > 0).then(|| (r - 1, c));
    let left = (c > 0).then(|| (r, c - 1));
    let right = (c + 1 < cols).then(|| (r, c + 1));
    let down = (r + 1 < rows).then(|| (r + 1, c));
    [up, left, right, down].into_iter().flatten()
}

/// A heap entry ordered by quality, then by the smaller row-major index.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    quality: f64,
    index: usize,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.quality
            .total_cmp(&other.quality)
            .then_with(|| other.index.cmp(&self.index))
    }
}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}

/// Turns to add so that d + 2π·s lies in [−π, π]; one turn for |d| < 3π, as the standard kernel.
fn turns_for(d: f64) -> i64 {
    let mut s: i64 = 0;
    while d + TWO_PI * s as f64 > PI {
        s -= 1;
    }
    while d + TWO_PI * (s as f64) < -PI {
        s += 1;
    }
    s
}

/// Quality-guided flood fill (see the module docs of `PhaseSanitizer`): O(RC log RC).
fn unwrap_quality_guided(phase: ArrayView2<'_, f64>) -> Array2<f64> {
    let (rows, cols) = phase.dim();
    if rows == 0 || cols == 0 {
        return phase.to_owned();
    }
    let quality = phase_quality_map(phase);
    let q = |i: usize| quality[[i / cols, i % cols]];
    let total = rows * cols;
    let start = (0..total).fold(0, |best, i| if q(i) > q(best) { i } else { best });
    let mut turns = vec![0i64; total];
    let mut done = vec![false; total];
    let mut heap = BinaryHeap::new();
    done[start] = true;
    let push_undone = |heap: &mut BinaryHeap<Candidate>, done: &[bool], i: usize| {
        for (nr, nc) in neighbours(i / cols, i % cols, rows, cols) {
            let n = nr * cols + nc;
            if !done[n] {
                heap.push(Candidate {
                    quality: q(n),
                    index: n,
                });
            }
        }
    };
    push_undone(&mut heap, &done, start);
    while let Some(Candidate { index: p, .. }) = heap.pop() {
        if done[p] {
            continue;
        }
        let (r, c) = (p / cols, p % cols);
        let anchor = neighbours(r, c, rows, cols)
            .map(|(nr, nc)| nr * cols + nc)
            .filter(|&n| done[n])
            .map(|n| Candidate {
                quality: q(n),
                index: n,
            })
            .max();
        if let Some(Candidate { index: u, .. }) = anchor {
            let d = phase[[r, c]] - phase[[u / cols, u % cols]];
            turns[p] = turns[u] + turns_for(d);
        }
        done[p] = true;
        push_undone(&mut heap, &done, p);
    }
    let origin = turns[0];
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        phase[[r, c]] + ((turns[r * cols + c] - origin) as f64) * TWO_PI
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::lcg;
    use ndarray::{array, Array1};

    #[test]
    fn unwrap_is_monotone_on_a_wrapped_ramp() {
        let x = array![0.0, PI / 2.0, PI, -PI + 0.1, -PI / 2.0];
        let u = unwrap_phase(x.view());
        assert!(u.windows(2).into_iter().all(|w| w[1] >= w[0] - 0.5));
        let wrapped: Array1<f64> = (0..100)
            .map(|i| ((i as f64 * 0.04 * PI + PI) % TWO_PI) - PI)
            .collect();
        let u = unwrap_phase(wrapped.view());
        assert!(u.windows(2).into_iter().all(|w| (w[1] - w[0]).abs() < PI));
    }

    fn wrap(v: f64) -> f64 {
        (v + PI).rem_euclid(TWO_PI) - PI
    }

    #[test]
    fn wrapped_ramp_unwraps_to_the_truth() {
        let truth: Vec<f64> = (0..100).map(|i| 4.0 * PI * i as f64 / 99.0).collect();
        let wrapped = Array2::from_shape_fn((1, 100), |(_, j)| wrap(truth[j]));
        let out = unwrap_2d(wrapped.view(), UnwrappingMethod::Standard);
        let mut worst: f64 = 0.0;
        for j in 1..100 {
            let d = out[[0, j]] - out[[0, j - 1]];
            assert!(d.abs() < PI);
            worst = worst.max((d - (truth[j] - truth[j - 1])).abs());
        }
        assert!(worst < 0.1);
    }

    #[test]
    fn single_row_quality_guided_equals_standard_bitwise() {
        for seed in 1..20 {
            let mut rnd = lcg(seed);
            let mut v = 0.0;
            let row: Array1<f64> = (0..200)
                .map(|_| {
                    v += 5.0 * rnd() - 2.5;
                    wrap(v)
                })
                .collect();
            let p = row.insert_axis(Axis(0));
            let standard = unwrap_2d(p.view(), UnwrappingMethod::Standard);
            let guided = unwrap_2d(p.view(), UnwrappingMethod::QualityGuided);
            assert!(
                standard
                    .iter()
                    .zip(&guided)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "seed {seed}"
            );
        }
    }

    fn surface() -> Array2<f64> {
        Array2::from_shape_fn((4, 64), |(r, c)| 0.45 * c as f64 + 0.3 * r as f64)
    }

    #[test]
    fn quality_guided_recovers_a_surface() {
        let truth = surface();
        let wrapped = truth.mapv(wrap);
        let out = unwrap_2d(wrapped.view(), UnwrappingMethod::QualityGuided);
        assert!(out.iter().zip(&truth).all(|(a, b)| (a - b).abs() < 1e-9));
        let itoh = unwrap_2d(wrapped.view(), UnwrappingMethod::Itoh);
        assert!(itoh.iter().zip(&truth).all(|(a, b)| (a - b).abs() < 1e-9));
    }

    #[test]
    fn quality_guided_isolates_corrupt_pixels() {
        let truth = surface();
        let mut wrapped = truth.mapv(wrap);
        for c in [20, 21] {
            wrapped[[1, c]] = wrap(truth[[1, c]] + 3.0);
        }
        let guided = unwrap_2d(wrapped.view(), UnwrappingMethod::QualityGuided);
        for ((r, c), &v) in guided.indexed_iter() {
            if r == 1 && (c == 20 || c == 21) {
                continue;
            }
            assert!((v - truth[[r, c]]).abs() < 1e-9, "pixel ({r}, {c})");
        }
        let standard = unwrap_2d(wrapped.view(), UnwrappingMethod::Standard);
        for c in 22..64 {
            assert!(
                ((standard[[1, c]] - truth[[1, c]]).abs() - TWO_PI).abs() < 1e-9,
                "column {c}"
            );
        }
    }

    #[test]
    fn custom_uses_a_lower_threshold() {
        let p = ndarray::array![[0.0, 0.95 * PI]];
        assert_eq!(
            unwrap_2d(p.view(), UnwrappingMethod::Standard)[[0, 1]],
            0.95 * PI
        );
        assert!(
            (unwrap_2d(p.view(), UnwrappingMethod::Custom)[[0, 1]] - (0.95 * PI - TWO_PI)).abs()
                < 1e-15
        );
    }

    #[test]
    fn quality_map_and_wrap() {
        assert_eq!(
            phase_quality_map(ndarray::array![[0.3]].view())[[0, 0]],
            1.0
        );
        let q = phase_quality_map(ndarray::array![[0.0, 1.0]].view());
        assert_eq!(q[[0, 0]], 0.5);
        assert_eq!(wrap_difference(PI), -PI);
        assert!((wrap_difference(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-15);
        for name in ["standard", "custom", "itoh", "quality_guided"] {
            assert_eq!(name.parse::<UnwrappingMethod>().unwrap().name(), name);
        }
        assert!("other".parse::<UnwrappingMethod>().is_err());
    }
}
