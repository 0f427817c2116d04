//! Hampel filter: replaces samples that deviate from their window median by more than
//! `threshold` robust standard deviations (1.4826·MAD).
//!
//! Windows are truncated at the edges and always read the original signal. Two neighbouring
//! full windows of up to 15 samples share all but one sample each: a sorting network orders the
//! shared samples once, a few min/max steps add each window's own sample, and the MAD is read
//! off the two sorted halves, 2 columns at a time so the compiler vectorises across
//! subcarriers. Edge and wider windows select with a sort. Blocks of output rows
//! run in parallel; every output is computed by one task in a fixed order.

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use wifi_densepose_core::validate::ensure_finite_array;

use crate::error::{SignalError, SignalResult};

/// Scale from MAD to the standard deviation of a normal distribution.
pub const MAD_SCALE: f64 = 1.4826;
/// Below this σ the zero-MAD rule applies: any deviation above it is an outlier.
const ZERO_SIGMA: f64 = 1e-15;
const LANES: usize = 2;
/// Output rows per parallel task.
const BLOCK_ROWS: usize = 256;

/// Filter parameters: window i covers [i − h, i + h] ∩ [0, n − 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HampelConfig {
    /// h ≥ 1.
    pub half_window: usize,
    /// Outlier threshold in robust standard deviations, finite and ≥ 0.
    pub threshold: f64,
}

impl Default for HampelConfig {
    fn default() -> Self {
        HampelConfig {
            half_window: 3,
            threshold: 3.0,
        }
    }
}

impl HampelConfig {
    pub fn validate(&self) -> SignalResult<()> {
        if self.half_window == 0 {
            return Err(SignalError::InvalidWindow {
                message: "half_window must be >= 1, got 0".into(),
            });
        }
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(SignalError::config(format!(
                "threshold must be finite and >= 0, got {}",
                self.threshold
            )));
        }
        Ok(())
    }
}

/// Result of a 1-D filter; every array has the input length.
#[derive(Debug, Clone, PartialEq)]
pub struct HampelResult {
    pub filtered: Array1<f64>,
    pub outlier_mask: Array1<bool>,
    pub medians: Array1<f64>,
    pub sigma_estimates: Array1<f64>,
    /// Ascending.
    pub outlier_indices: Vec<usize>,
}

/// Result of a 2-D filter; every array has the input shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Hampel2dResult {
    pub filtered: Array2<f64>,
    pub outlier_mask: Array2<bool>,
    pub medians: Array2<f64>,
    pub sigma_estimates: Array2<f64>,
    /// (row, col) pairs in row-major order.
    pub outlier_indices: Vec<(usize, usize)>,
}

/// Which lanes of a `[time, subcarrier]` array are filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HampelAxis {
    /// Each column over time (axis 0).
    #[default]
    Columns,
    /// Each row over subcarriers (axis 1).
    Rows,
}

/// Filters a 1-D signal.
pub fn hampel_filter(x: &[f64], config: &HampelConfig) -> SignalResult<HampelResult> {
    hampel_filter_1d(ArrayView1::from(x), config)
}

/// Filters a 1-D view of any stride.
pub fn hampel_filter_1d(
    x: ArrayView1<'_, f64>,
    config: &HampelConfig,
) -> SignalResult<HampelResult> {
    validate_input(&x, x.len(), config)?;
    let data = contiguous(x.as_slice(), || x.iter().copied().collect());
    let out = filter_along_rows(&data, x.len(), 1, config);
    let outlier_indices = out.outliers;
    Ok(HampelResult {
        filtered: Array1::from(out.filtered),
        outlier_mask: Array1::from(out.mask),
        medians: Array1::from(out.median),
        sigma_estimates: Array1::from(out.sigma),
        outlier_indices,
    })
}

/// Filters each column (`Columns`, over time) or each row (`Rows`) of a 2-D view of any stride.
pub fn hampel_filter_2d(
    x: ArrayView2<'_, f64>,
    config: &HampelConfig,
    axis: HampelAxis,
) -> SignalResult<Hampel2dResult> {
    let axis_len = match axis {
        HampelAxis::Columns => x.nrows(),
        HampelAxis::Rows => x.ncols(),
    };
    validate_input(&x, axis_len, config)?;
    // Lay the data out so the filtered axis is the slow one and lanes are contiguous.
    let oriented = match axis {
        HampelAxis::Columns => x,
        HampelAxis::Rows => x.reversed_axes(),
    };
    let (rows, cols) = oriented.dim();
    let data = contiguous(oriented.as_slice(), || oriented.iter().copied().collect());
    let out = filter_along_rows(&data, rows, cols, config);
    let shape_back = |v: Vec<f64>| -> Array2<f64> {
        let a = Array2::from_shape_vec((rows, cols), v).unwrap_or_default();
        match axis {
            HampelAxis::Columns => a,
            HampelAxis::Rows => a.reversed_axes().as_standard_layout().into_owned(),
        }
    };
    let mask = {
        let a = Array2::from_shape_vec((rows, cols), out.mask).unwrap_or_default();
        match axis {
            HampelAxis::Columns => a,
            HampelAxis::Rows => a.reversed_axes().as_standard_layout().into_owned(),
        }
    };
    let mut outlier_indices: Vec<(usize, usize)> = out
        .outliers
        .iter()
        .map(|&flat| match axis {
            HampelAxis::Columns => (flat / cols, flat % cols),
            HampelAxis::Rows => (flat % cols, flat / cols),
        })
        .collect();
    if axis == HampelAxis::Rows {
        outlier_indices.sort_unstable();
    }
    Ok(Hampel2dResult {
        filtered: shape_back(out.filtered),
        outlier_mask: mask,
        medians: shape_back(out.median),
        sigma_estimates: shape_back(out.sigma),
        outlier_indices,
    })
}

/// The samples in row-major order: borrowed when the input already is, else copied once.
fn contiguous<'a>(slice: Option<&'a [f64]>, copy: impl FnOnce() -> Vec<f64>) -> Cow<'a, [f64]> {
    match slice {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(copy()),
    }
}

/// `axis_len` is the length of the filtered axis.
fn validate_input<S, D>(
    x: &ndarray::ArrayBase<S, D>,
    axis_len: usize,
    config: &HampelConfig,
) -> SignalResult<()>
where
    S: ndarray::Data<Elem = f64>,
    D: ndarray::Dimension,
{
    if x.is_empty() {
        return Err(SignalError::EmptySignal { field: "x".into() });
    }
    config.validate()?;
    if config.half_window > axis_len {
        return Err(SignalError::Validation {
            field: "half_window".into(),
            message: format!(
                "must be at most the length of x along the filtered axis ({axis_len}), got {}",
                config.half_window
            ),
        });
    }
    ensure_finite_array("x", x)?;
    Ok(())
}

/// Row-major outputs of [`filter_along_rows`].
struct FilterOutput {
    /// Flat row-major indices of the outliers, ascending.
    outliers: Vec<usize>,
    filtered: Vec<f64>,
    mask: Vec<bool>,
    median: Vec<f64>,
    sigma: Vec<f64>,
}

/// One block of output rows.
struct OutBlock<'a> {
    first_row: usize,
    /// Offsets (within the block) of the outliers found so far, in the order written.
    outliers: Vec<usize>,
    filtered: &'a mut [f64],
    mask: &'a mut [bool],
    median: &'a mut [f64],
    sigma: &'a mut [f64],
}

impl OutBlock<'_> {
    fn write(&mut self, offset: usize, x: f64, median: f64, sigma: f64, threshold: f64) {
        let deviation = (x - median).abs();
        let is_outlier = if sigma <= ZERO_SIGMA {
            deviation > ZERO_SIGMA
        } else {
            deviation > threshold * sigma
        };
        self.filtered[offset] = if is_outlier { median } else { x };
        self.mask[offset] = is_outlier;
        if is_outlier {
            self.outliers.push(offset);
        }
        self.median[offset] = median;
        self.sigma[offset] = sigma;
    }
}

/// Filters each column of the row-major `[rows, cols]` `data` along the rows.
fn filter_along_rows(
    data: &[f64],
    rows: usize,
    cols: usize,
    config: &HampelConfig,
) -> FilterOutput {
    let total = rows * cols;
    let mut out = FilterOutput {
        outliers: Vec::new(),
        filtered: vec![0.0; total],
        mask: vec![false; total],
        median: vec![0.0; total],
        sigma: vec![0.0; total],
    };
    let chunk = BLOCK_ROWS * cols;
    let blocks = out
        .filtered
        .chunks_mut(chunk)
        .zip(out.mask.chunks_mut(chunk))
        .zip(out.median.chunks_mut(chunk))
        .zip(out.sigma.chunks_mut(chunk))
        .enumerate()
        .map(|(b, (((filtered, mask), median), sigma))| OutBlock {
            first_row: b * BLOCK_ROWS,
            outliers: Vec::new(),
            filtered,
            mask,
            median,
            sigma,
        })
        .collect::<Vec<_>>();
    // Row pairs are written lane chunk by lane chunk, so each block sorts its own few outliers;
    // blocks come back in order, which keeps the whole list ascending.
    let outliers: Vec<Vec<usize>> = blocks
        .into_par_iter()
        .map(|mut block| {
            filter_block(data, rows, cols, config, &mut block);
            let base = block.first_row * cols;
            let mut found: Vec<usize> =
                block.outliers.iter().map(|&offset| base + offset).collect();
            found.sort_unstable();
            found
        })
        .collect();
    out.outliers = outliers.concat();
    out
}

fn filter_block(
    data: &[f64],
    rows: usize,
    cols: usize,
    config: &HampelConfig,
    block: &mut OutBlock<'_>,
) {
    // A window wider than the signal is the whole signal: clamping keeps `2h + 1` and `i + h`
    // small for any half_window.
    let h = config.half_window.min(rows);
    let block_rows = block.filtered.len() / cols;
    let full = |i: usize| i >= h && i + h < rows;
    let mut scratch = Vec::with_capacity(2 * h + 1);
    let mut local = 0;
    while local < block_rows {
        let i = block.first_row + local;
        if full(i) {
            let pair = local + 1 < block_rows && full(i + 1);
            if filter_full_rows(h, data, cols, i, pair, local, config.threshold, block) {
                local += if pair { 2 } else { 1 };
                continue;
            }
        }
        let (lo, hi) = (i.saturating_sub(h), (i + h).min(rows - 1));
        for c in 0..cols {
            scratch.clear();
            scratch.extend((lo..=hi).map(|r| data[r * cols + c]));
            let (median, sigma) = median_and_sigma(&mut scratch);
            block.write(
                local * cols + c,
                data[i * cols + c],
                median,
                sigma,
                config.threshold,
            );
        }
        local += 1;
    }
}

/// Median of `values` (sorted in place): the middle, or the mean of the two middle values.
fn median_sorted(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Median and σ = 1.4826·MAD of a window; reuses `window` as scratch.
fn median_and_sigma(window: &mut [f64]) -> (f64, f64) {
    let median = median_sorted(window);
    for v in window.iter_mut() {
        *v = (*v - median).abs();
    }
    (median, MAD_SCALE * median_sorted(window))
}

/// Median of a slice (the same rule the filter uses); empty → None.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(median_sorted(&mut values.to_vec()))
}

type Lane = [f64; LANES];

/// Sorts slots `i` < `j` of every lane (min to `i`). No NaN handling: inputs are validated finite.
/// This exact form (`a < b` selects, whole-lane arrays) compiles to packed `minpd`/`maxpd`.
#[inline(always)]
fn compare_exchange<const N: usize>(v: &mut [Lane; N], i: usize, j: usize) {
    let (a, b) = (v[i], v[j]);
    v[i] = std::array::from_fn(|l| if a[l] < b[l] { a[l] } else { b[l] });
    v[j] = std::array::from_fn(|l| if a[l] < b[l] { b[l] } else { a[l] });
}

#[inline(always)]
fn lane_min(a: Lane, b: Lane) -> Lane {
    std::array::from_fn(|l| if a[l] < b[l] { a[l] } else { b[l] })
}

#[inline(always)]
fn lane_max(a: Lane, b: Lane) -> Lane {
    std::array::from_fn(|l| if a[l] < b[l] { b[l] } else { a[l] })
}

/// Sorting networks for the 2h samples two neighbouring windows share (h = 1…7), per lane:
/// Batcher's odd-even merge sort on 16 inputs without the comparators that touch padding slots
/// (≥ n) or repeat the previous comparator on the same slots. Literal indices let the compiler
/// keep the samples in registers.
macro_rules! sorting_networks {
    ($($name:ident, $n:literal, [$(($i:literal, $j:literal)),*];)*) => {
        $(
            fn $name(core: [Lane; $n]) -> [Lane; $n] {
                let mut v = core;
                $(compare_exchange(&mut v, $i, $j);)*
                v
            }
        )*
    };
}

sorting_networks! {
    sort_2, 2, [(0, 1)];
    sort_4, 4, [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)];
    sort_6, 6, [(0, 1), (2, 3), (4, 5), (0, 2), (1, 3), (1, 2), (0, 4), (1, 5), (2, 4), (3, 5), (1, 2), (3, 4), (2, 4), (3, 5), (1, 2), (3, 4)];
    sort_8, 8, [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (1, 2), (5, 6), (0, 4), (1, 5), (2, 6), (3, 7), (2, 4), (3, 5), (1, 2), (3, 4), (5, 6), (2, 4), (3, 5), (1, 2), (3, 4), (5, 6)];
    sort_10, 10, [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (0, 2), (1, 3), (4, 6), (5, 7), (1, 2), (5, 6), (0, 4), (1, 5), (2, 6), (3, 7), (2, 4), (3, 5), (1, 2), (3, 4), (5, 6), (0, 8), (1, 9), (4, 8), (5, 9), (2, 4), (3, 5), (6, 8), (7, 9), (1, 2), (3, 4), (5, 6), (7, 8)];
    sort_12, 12, [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (0, 2), (1, 3), (4, 6), (5, 7), (8, 10), (9, 11), (1, 2), (5, 6), (9, 10), (0, 4), (1, 5), (2, 6), (3, 7), (2, 4), (3, 5), (1, 2), (3, 4), (5, 6), (0, 8), (1, 9), (2, 10), (3, 11), (4, 8), (5, 9), (6, 10), (7, 11), (2, 4), (3, 5), (6, 8), (7, 9), (1, 2), (3, 4), (5, 6), (7, 8), (9, 10)];
    sort_14, 14, [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (0, 2), (1, 3), (4, 6), (5, 7), (8, 10), (9, 11), (1, 2), (5, 6), (9, 10), (0, 4), (1, 5), (2, 6), (3, 7), (8, 12), (9, 13), (2, 4), (3, 5), (10, 12), (11, 13), (1, 2), (3, 4), (5, 6), (9, 10), (11, 12), (0, 8), (1, 9), (2, 10), (3, 11), (4, 12), (5, 13), (4, 8), (5, 9), (6, 10), (7, 11), (2, 4), (3, 5), (6, 8), (7, 9), (10, 12), (11, 13), (1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)];
}

/// Median and MAD of the window `sorted core (2h samples) ∪ {extra}`, per lane.
///
/// The window sorted is s_k = max(c_{k−1}, min(e, c_k)) (with c_{−1} = −∞, c_{2h} = +∞), so
/// the median is s_h. The deviations below and above it, L_j = m − s_{h−1−j} and
/// R_j = s_{h+1+j} − m, are each ascending, and the MAD (the (h+1)-th smallest deviation, the
/// median's own 0 being the first) is the h-th smallest of L ∪ R:
/// min over i of max(L_{i−1}, R_{h−1−i}).
#[inline(always)]
fn median_and_mad<const N: usize>(core: &[Lane; N], extra: Lane) -> (Lane, Lane) {
    let h = N / 2;
    let sorted_at = |k: usize| -> Lane {
        if k == 0 {
            lane_min(extra, core[0])
        } else if k == N {
            lane_max(core[N - 1], extra)
        } else {
            lane_max(core[k - 1], lane_min(extra, core[k]))
        }
    };
    let median = sorted_at(h);
    let below = |j: usize| -> Lane {
        let s = sorted_at(h - 1 - j);
        std::array::from_fn(|l| median[l] - s[l])
    };
    let above = |j: usize| -> Lane {
        let s = sorted_at(h + 1 + j);
        std::array::from_fn(|l| s[l] - median[l])
    };
    let mut mad = lane_min(above(h - 1), below(h - 1));
    for i in 1..h {
        mad = lane_min(mad, lane_max(below(i - 1), above(h - 1 - i)));
    }
    (median, mad)
}

/// Filters output rows `first` and (when `pair`) `first + 1`, whose full windows share the 2h
/// rows `first − h + 1 ..= first + h`, for all columns, `LANES` at a time.
#[allow(clippy::too_many_arguments)]
fn shared_core_rows<const N: usize>(
    sort: fn([Lane; N]) -> [Lane; N],
    data: &[f64],
    cols: usize,
    first: usize,
    pair: bool,
    local: usize,
    threshold: f64,
    block: &mut OutBlock<'_>,
) {
    let h = N / 2;
    // Element-wise with a constant lane count (a slice copy of `width` values compiles to a
    // memmove call per lane).
    let load = |row: usize, c0: usize, width: usize| -> Lane {
        std::array::from_fn(|l| {
            if l < width {
                data[row * cols + c0 + l]
            } else {
                0.0
            }
        })
    };
    let mut c0 = 0;
    while c0 < cols {
        let width = LANES.min(cols - c0);
        let core = sort(std::array::from_fn(|k| load(first + 1 - h + k, c0, width)));
        let rows: &[(usize, usize)] = if pair {
            &[(0, first - h), (1, first + 1 + h)]
        } else {
            &[(0, first - h)]
        };
        for &(offset, extra_row) in rows {
            let (median, mad) = median_and_mad(&core, load(extra_row, c0, width));
            let row = first + offset;
            for l in 0..width {
                let x = data[row * cols + c0 + l];
                block.write(
                    (local + offset) * cols + c0 + l,
                    x,
                    median[l],
                    MAD_SCALE * mad[l],
                    threshold,
                );
            }
        }
        c0 += LANES;
    }
}

/// Filters full-window rows `first` (and `first + 1` when `pair`) with the shared-core kernel
/// for half window `h`; false when `h` has no sorting network.
#[allow(clippy::too_many_arguments)]
fn filter_full_rows(
    h: usize,
    data: &[f64],
    cols: usize,
    first: usize,
    pair: bool,
    local: usize,
    threshold: f64,
    block: &mut OutBlock<'_>,
) -> bool {
    match h {
        1 => shared_core_rows(sort_2, data, cols, first, pair, local, threshold, block),
        2 => shared_core_rows(sort_4, data, cols, first, pair, local, threshold, block),
        3 => shared_core_rows(sort_6, data, cols, first, pair, local, threshold, block),
        4 => shared_core_rows(sort_8, data, cols, first, pair, local, threshold, block),
        5 => shared_core_rows(sort_10, data, cols, first, pair, local, threshold, block),
        6 => shared_core_rows(sort_12, data, cols, first, pair, local, threshold, block),
        7 => shared_core_rows(sort_14, data, cols, first, pair, local, threshold, block),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::lcg;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn cfg(h: usize) -> HampelConfig {
        HampelConfig {
            half_window: h,
            threshold: 3.0,
        }
    }

    /// By the 0-1 principle a comparator network sorts every input iff it sorts every 0/1
    /// input; each lane gets a different bit pattern.
    fn check_sorting<const N: usize>(sort: fn([Lane; N]) -> [Lane; N]) {
        let patterns = 1usize << N;
        let mut start = 0;
        while start < patterns {
            let v: [Lane; N] = std::array::from_fn(|k| {
                std::array::from_fn(|l| (((start + l) % patterns) >> k & 1) as f64)
            });
            let out = sort(v);
            for pair in out.windows(2) {
                for (l, (lower, upper)) in pair[0].iter().zip(&pair[1]).enumerate() {
                    assert!(
                        lower <= upper,
                        "size {N}, pattern {:b}",
                        (start + l) % patterns
                    );
                }
            }
            start += LANES;
        }
    }

    #[test]
    fn sorting_networks_sort_every_zero_one_input() {
        check_sorting(sort_2);
        check_sorting(sort_4);
        check_sorting(sort_6);
        check_sorting(sort_8);
        check_sorting(sort_10);
        check_sorting(sort_12);
        check_sorting(sort_14);
    }

    #[test]
    fn clean_sinusoid_is_unchanged() {
        let x: Vec<f64> = (0..100).map(|i| (0.1 * i as f64).sin()).collect();
        let r = hampel_filter(&x, &cfg(3)).unwrap();
        assert!(r.outlier_indices.is_empty());
        assert!(r
            .filtered
            .iter()
            .zip(&x)
            .all(|(a, b)| (a - b).abs() < 1e-10));
    }

    #[test]
    fn single_spike_is_replaced() {
        let mut x = vec![1.0; 50];
        x[25] = 100.0;
        let r = hampel_filter(&x, &cfg(3)).unwrap();
        assert!(r.outlier_mask[25]);
        assert_eq!(r.filtered[25], 1.0);
        assert_eq!(r.outlier_indices, vec![25]);
    }

    #[test]
    fn spikes_on_a_sinusoid_are_flagged() {
        let mut x: Vec<f64> = (0..200).map(|i| (0.05 * i as f64).sin()).collect();
        for i in [30, 100, 170] {
            x[i] += 10.0;
        }
        let r = hampel_filter(&x, &cfg(5)).unwrap();
        for i in [30, 100, 170] {
            assert!(r.outlier_mask[i], "index {i}");
        }
    }

    #[test]
    fn zero_mad_rule() {
        let x: Vec<f64> = (0..100)
            .map(|i| if i % 3 == 0 { 50.0 } else { 0.0 })
            .collect();
        let r = hampel_filter(&x, &cfg(5)).unwrap();
        assert!(!r.outlier_indices.is_empty());
        assert!(r.sigma_estimates.iter().any(|&s| s == 0.0));
    }

    #[test]
    fn columns_of_a_2d_array() {
        let mut x = Array2::from_shape_fn((20, 3), |(t, c)| (0.3 * t as f64 + c as f64).sin());
        x[[2, 1]] = 40.0;
        x[[4, 2]] = -40.0;
        let r = hampel_filter_2d(x.view(), &cfg(3), HampelAxis::Columns).unwrap();
        assert!(r.outlier_mask[[2, 1]] && r.outlier_mask[[4, 2]]);
        assert_eq!(r.outlier_indices, vec![(2, 1), (4, 2)]);
        let rows = hampel_filter_2d(x.t(), &cfg(3), HampelAxis::Rows).unwrap();
        assert_eq!(rows.filtered, r.filtered.t());
        assert_eq!(rows.outlier_indices, vec![(1, 2), (2, 4)]);
    }

    #[test]
    fn medians_of_small_windows() {
        assert_eq!(median(&[1.0, 3.0, 2.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), Some(2.5));
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[]), None);
        // Edge windows are truncated: x[0] sees x[0..=2] with h = 2.
        let r = hampel_filter(&[1.0, 2.0, 3.0, 4.0, 5.0], &cfg(2)).unwrap();
        assert_eq!(r.medians.to_vec(), vec![2.0, 2.5, 3.0, 3.5, 4.0]);
        assert_eq!(r.sigma_estimates[0], MAD_SCALE * 1.0);
    }

    #[test]
    fn errors() {
        let e = hampel_filter(&[], &cfg(3)).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Shape, "EmptySignal"));
        let e = hampel_filter(&[1.0], &cfg(0)).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Configuration, "InvalidWindow")
        );
        assert!(hampel_filter(
            &[1.0],
            &HampelConfig {
                half_window: 1,
                threshold: -1.0
            }
        )
        .is_err());
        assert!(hampel_filter(
            &[1.0],
            &HampelConfig {
                half_window: 1,
                threshold: f64::NAN
            }
        )
        .is_err());
        let e = hampel_filter(&[1.0, f64::INFINITY], &cfg(1)).unwrap_err();
        assert_eq!(e.to_string(), "x contains a non-finite value (inf) at [1]");
    }

    /// Direct definition, one sample at a time, for comparison.
    fn reference(x: &[f64], h: usize, threshold: f64) -> Vec<(f64, bool, f64, f64)> {
        let n = x.len();
        (0..n)
            .map(|i| {
                let mut w: Vec<f64> = x[i.saturating_sub(h)..=(i + h).min(n - 1)].to_vec();
                let med = median(&w).unwrap();
                for v in w.iter_mut() {
                    *v = (*v - med).abs();
                }
                let sigma = MAD_SCALE * median(&w).unwrap();
                let dev = (x[i] - med).abs();
                let out = if sigma <= ZERO_SIGMA {
                    dev > ZERO_SIGMA
                } else {
                    dev > threshold * sigma
                };
                (if out { med } else { x[i] }, out, med, sigma)
            })
            .collect()
    }

    /// (row, column) of every set flag, in row-major order.
    fn flagged_positions(mask: &Array2<bool>) -> Vec<(usize, usize)> {
        mask.indexed_iter()
            .filter(|(_, &m)| m)
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn matches_the_direct_definition_on_random_2d_input() {
        let mut rnd = lcg(3);
        for h in [1, 2, 5, 7, 8, 12] {
            let x = Array2::from_shape_fn((300, 19), |_| {
                let v = rnd();
                if v > 0.97 {
                    30.0 * v
                } else {
                    v
                }
            });
            let config = HampelConfig {
                half_window: h,
                threshold: 2.5,
            };
            let r = hampel_filter_2d(x.view(), &config, HampelAxis::Columns).unwrap();
            let from_mask = flagged_positions(&r.outlier_mask);
            assert!(!from_mask.is_empty());
            assert_eq!(r.outlier_indices, from_mask);
            let rows = hampel_filter_2d(x.t(), &config, HampelAxis::Rows).unwrap();
            assert_eq!(rows.outlier_indices, flagged_positions(&rows.outlier_mask));
            for c in 0..19 {
                let column: Vec<f64> = x.column(c).to_vec();
                for (t, (f, m, med, s)) in reference(&column, h, 2.5).into_iter().enumerate() {
                    assert_eq!(
                        r.filtered[[t, c]].to_bits(),
                        f.to_bits(),
                        "h {h} ({t}, {c})"
                    );
                    assert_eq!(r.outlier_mask[[t, c]], m);
                    assert_eq!(r.medians[[t, c]].to_bits(), med.to_bits());
                    assert_eq!(r.sigma_estimates[[t, c]].to_bits(), s.to_bits());
                }
            }
        }
    }

    #[test]
    fn strided_views_equal_contiguous_copies() {
        let mut rnd = lcg(11);
        let x = Array2::from_shape_fn((600, 40), |_| rnd());
        let view = x.slice_axis(ndarray::Axis(1), ndarray::Slice::new(10, Some(40), 2));
        let copy = view.to_owned();
        let a = hampel_filter_2d(view, &cfg(5), HampelAxis::Columns).unwrap();
        let b = hampel_filter_2d(copy.view(), &cfg(5), HampelAxis::Columns).unwrap();
        assert_eq!(a, b);
    }
}
