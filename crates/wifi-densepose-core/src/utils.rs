//! Array utilities: min-max normalisation, population moments, SNR, moving average, complex
//! parts, overflow-safe scaling. Signal processing (phase unwrapping, z-scores) lives in
//! `wifi-densepose-signal`.
//!
//! Functions take `ndarray` views so callers can pass strided data without copying.

use ndarray::{Array1, ArrayView1};
use num_complex::Complex64;

use crate::error::{CoreError, CoreResult};

/// A power of two that brings the largest finite |x| near 1 when sums, differences or squares of
/// `x` could overflow (max |x| ≥ 2^300), else 1. Multiplying by a power of two is exact, so a
/// scaled computation gives the same digits as the unscaled one would without overflow.
pub fn overflow_safe_scale<'a>(x: impl IntoIterator<Item = &'a f64>) -> f64 {
    let largest = x
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    if largest < 2f64.powi(300) {
        return 1.0;
    }
    // 2^-(e+1) with 2^e <= largest < 2^(e+1): the scaled values lie within [-1, 1]. The
    // factor is built from its bits (2^-1024 is subnormal but still an exact power of two).
    let exponent = ((largest.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let k = -(exponent + 1);
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

/// `f` applied to `x` scaled by [`overflow_safe_scale`] (a borrowed view when no scaling is
/// needed), with that scale.
pub fn with_safe_scale<R>(
    x: ArrayView1<'_, f64>,
    f: impl FnOnce(ArrayView1<'_, f64>) -> R,
) -> (R, f64) {
    let scale = overflow_safe_scale(x.iter());
    if scale == 1.0 {
        (f(x), 1.0)
    } else {
        let scaled = x.mapv(|v| v * scale);
        (f(scaled.view()), scale)
    }
}

/// (x − min)/(max − min); all zeros when the range is below `f64::EPSILON`. Values near
/// ±`f64::MAX` are scaled first, so the range does not overflow.
pub fn normalize_min_max(x: ArrayView1<'_, f64>) -> Array1<f64> {
    with_safe_scale(x, normalize_min_max_unscaled).0
}

fn normalize_min_max_unscaled(x: ArrayView1<'_, f64>) -> Array1<f64> {
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let range = hi - lo;
    if x.is_empty() || range < f64::EPSILON {
        return Array1::zeros(x.len());
    }
    x.mapv(|v| (v - lo) / range)
}

/// Population mean and standard deviation; (0, 0) for an empty input. Finite for any finite
/// input (large values are scaled before squaring).
pub fn mean_std_pop(x: ArrayView1<'_, f64>) -> (f64, f64) {
    let ((mean, std), scale) = with_safe_scale(x, mean_std_pop_unscaled);
    (mean / scale, std / scale)
}

fn mean_std_pop_unscaled(x: ArrayView1<'_, f64>) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// 10·log10(mean(s²)/mean(n²)) in dB; +∞ when the noise power is below `f64::EPSILON`.
pub fn calculate_snr_db(
    signal: ArrayView1<'_, f64>,
    noise: ArrayView1<'_, f64>,
) -> CoreResult<f64> {
    for (field, x) in [("signal", &signal), ("noise", &noise)] {
        if x.is_empty() {
            return Err(CoreError::shape(field, "at least 1 sample", 0));
        }
    }
    let power = |x: &ArrayView1<'_, f64>| x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64;
    let noise_power = power(&noise);
    if noise_power < f64::EPSILON {
        return Ok(f64::INFINITY);
    }
    Ok(10.0 * (power(&signal) / noise_power).log10())
}

/// Centred moving average of width `window`, truncated at the edges.
///
/// `window == 0` or `window > len` returns the input unchanged.
pub fn moving_average(x: ArrayView1<'_, f64>, window: usize) -> Array1<f64> {
    let n = x.len();
    if window == 0 || window > n {
        return x.to_owned();
    }
    let half = window / 2;
    // Prefix sums make each output O(1); the sum order is fixed, so results are deterministic.
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    let mut acc = 0.0;
    for &v in x {
        acc += v;
        prefix.push(acc);
    }
    Array1::from_shape_fn(n, |i| {
        let lo = i.saturating_sub(half);
        let hi = (i + half).min(n - 1);
        (prefix[hi + 1] - prefix[lo]) / (hi + 1 - lo) as f64
    })
}

/// |z| per element.
pub fn complex_magnitude(z: ArrayView1<'_, Complex64>) -> Array1<f64> {
    z.mapv(|c| c.re.hypot(c.im))
}

/// atan2(Im, Re) per element, radians in [−π, π].
pub fn complex_phase(z: ArrayView1<'_, Complex64>) -> Array1<f64> {
    z.mapv(|c| c.im.atan2(c.re))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use std::f64::consts::PI;

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_min_max(array![0.0, 5.0, 10.0].view()),
            array![0.0, 0.5, 1.0]
        );
        assert_eq!(normalize_min_max(array![3.0, 3.0].view()), array![0.0, 0.0]);
    }

    #[test]
    fn snr_and_moving_average() {
        let s = Array1::ones(10);
        let n = Array1::from_elem(10, 0.1);
        assert!((calculate_snr_db(s.view(), n.view()).unwrap() - 20.0).abs() < 1e-10);
        assert_eq!(
            calculate_snr_db(s.view(), Array1::zeros(3).view()).unwrap(),
            f64::INFINITY
        );
        assert!(calculate_snr_db(Array1::zeros(0).view(), n.view()).is_err());
        assert_eq!(
            moving_average(array![1.0, 2.0, 3.0, 4.0, 5.0].view(), 3)[2],
            3.0
        );
        assert_eq!(
            moving_average(array![1.0, 2.0, 9.0, 4.0, 5.0].view(), 3),
            array![1.5, 4.0, 5.0, 6.0, 4.5]
        );
        assert_eq!(moving_average(array![1.0, 2.0].view(), 0), array![1.0, 2.0]);
        assert_eq!(moving_average(array![1.0, 2.0].view(), 3), array![1.0, 2.0]);
    }

    #[test]
    fn complex_parts() {
        let z = array![Complex64::new(3.0, 4.0)];
        assert_eq!(complex_magnitude(z.view())[0], 5.0);
        assert!((complex_phase(array![Complex64::new(-1.0, 0.0)].view())[0] - PI).abs() < 1e-15);
    }

    #[test]
    fn extremes_do_not_overflow() {
        let x = array![1e308, -1e308, 1e308, -1e308];
        assert_eq!(mean_std_pop(x.view()), (0.0, 1e308));
        assert_eq!(
            normalize_min_max(x.view()).to_vec(),
            vec![1.0, 0.0, 1.0, 0.0]
        );
        assert_eq!(overflow_safe_scale([1.0, -3.0].iter()), 1.0);
    }
}

/// The range of each column over the rows seen so far, to find columns that never change
/// (an OFDM capture's DC and guard subcarriers are always zero).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnRange {
    min: Vec<f64>,
    max: Vec<f64>,
    rows: usize,
}

impl ColumnRange {
    /// Widens the ranges by one row; columns past the shortest row seen so far are dropped.
    pub fn observe(&mut self, row: &[f64]) {
        if self.rows == 0 {
            self.min = row.to_vec();
            self.max = row.to_vec();
        } else {
            let n = self.min.len().min(row.len());
            self.min.truncate(n);
            self.max.truncate(n);
            for ((lo, hi), &v) in self.min.iter_mut().zip(&mut self.max).zip(row) {
                *lo = lo.min(v);
                *hi = hi.max(v);
            }
        }
        self.rows += 1;
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns (of the shortest row) whose value never changed; empty before two rows.
    pub fn constant_columns(&self) -> Vec<usize> {
        if self.rows < 2 {
            return Vec::new();
        }
        (0..self.min.len())
            .filter(|&i| self.min[i] == self.max[i])
            .collect()
    }
}

#[cfg(test)]
mod column_range_tests {
    use super::ColumnRange;

    #[test]
    fn constant_columns_of_the_shared_width() {
        let mut range = ColumnRange::default();
        range.observe(&[0.0, 1.0, 5.0, 2.0]);
        assert_eq!(range.constant_columns(), Vec::<usize>::new());
        range.observe(&[0.0, 2.0, 5.0, 2.0, 9.0]);
        assert_eq!(range.constant_columns(), vec![0, 2, 3]);
        range.observe(&[0.0, 2.0, 4.0]);
        assert_eq!(range.constant_columns(), vec![0]);
        assert_eq!(range.rows(), 3);
    }
}
