//! `PhaseSanitizer`: validation, unwrapping, outlier removal, smoothing and EMA noise filtering
//! of `[rows, subcarriers]` phase.

use std::f64::consts::PI;

use ndarray::{Array2, Array3, ArrayView1, ArrayView2, ArrayView3, ArrayViewMut2, Axis};
use rayon::prelude::*;
use wifi_densepose_core::validate::ensure_finite_array;

use crate::error::{SignalError, SignalResult};
use crate::unwrap::{unwrap_2d, UnwrappingMethod};

/// Configuration of a [`PhaseSanitizer`].
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSanitizerConfig {
    pub unwrapping_method: UnwrappingMethod,
    /// z-score above which a value is an outlier (> 0).
    pub outlier_threshold: f64,
    /// Moving-average width in subcarriers (> 0; an even width is widened by one).
    pub smoothing_window: usize,
    pub enable_outlier_removal: bool,
    pub enable_smoothing: bool,
    pub enable_noise_filtering: bool,
    /// EMA coefficient α of the noise filter, 0 < α < 1.
    pub noise_threshold: f64,
    /// Accepted wrapped range in radians (inclusive), min < max.
    pub phase_range: (f64, f64),
}

impl Default for PhaseSanitizerConfig {
    fn default() -> Self {
        PhaseSanitizerConfig {
            unwrapping_method: UnwrappingMethod::Standard,
            outlier_threshold: 3.0,
            smoothing_window: 5,
            enable_outlier_removal: true,
            enable_smoothing: true,
            enable_noise_filtering: false,
            noise_threshold: 0.05,
            phase_range: (-PI, PI),
        }
    }
}

impl PhaseSanitizerConfig {
    pub fn validate(&self) -> SignalResult<()> {
        if !(self.outlier_threshold.is_finite() && self.outlier_threshold > 0.0) {
            return Err(SignalError::config(format!(
                "outlier_threshold must be finite and > 0, got {}",
                self.outlier_threshold
            )));
        }
        if self.smoothing_window == 0 {
            return Err(SignalError::config("smoothing_window must be > 0, got 0"));
        }
        if !(self.noise_threshold > 0.0 && self.noise_threshold < 1.0) {
            return Err(SignalError::config(format!(
                "noise_threshold must be in (0, 1), got {}",
                self.noise_threshold
            )));
        }
        let (lo, hi) = self.phase_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(SignalError::config(format!(
                "phase_range must be finite with min < max, got ({lo}, {hi})"
            )));
        }
        Ok(())
    }
}

/// Sanitisation counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SanitizerStatistics {
    pub total_processed: u64,
    pub outliers_removed: u64,
    pub sanitization_errors: u64,
}

/// Cleans phase frames. Stateful only through its counters; one thread at a time.
#[derive(Debug, Clone)]
pub struct PhaseSanitizer {
    config: PhaseSanitizerConfig,
    stats: SanitizerStatistics,
}

fn ensure_nonempty(field: &str, p: ArrayView2<'_, f64>) -> SignalResult<()> {
    if p.is_empty() {
        return Err(SignalError::shape(
            field,
            "a non-empty [rows, subcarriers] array",
            format!("shape {:?}", p.shape()),
        ));
    }
    Ok(())
}

impl PhaseSanitizer {
    pub fn new(config: PhaseSanitizerConfig) -> SignalResult<Self> {
        config.validate()?;
        Ok(PhaseSanitizer {
            config,
            stats: SanitizerStatistics::default(),
        })
    }

    pub fn config(&self) -> &PhaseSanitizerConfig {
        &self.config
    }

    /// Empty → `Shape`; NaN/Inf → `NonFinite`; a value outside `phase_range` → `Validation`.
    pub fn validate_phase_data(&self, p: ArrayView2<'_, f64>) -> SignalResult<()> {
        ensure_nonempty("phase_data", p)?;
        ensure_finite_array("phase_data", &p)?;
        self.ensure_in_phase_range(p, None)
    }

    /// A value outside `phase_range` → `Validation`, naming its position per axis: `[row,
    /// col]`, or `[frame, row, col]` for frame `frame` of a batch.
    fn ensure_in_phase_range(
        &self,
        p: ArrayView2<'_, f64>,
        frame: Option<usize>,
    ) -> SignalResult<()> {
        let (lo, hi) = self.config.phase_range;
        if let Some(((r, c), value)) = p.indexed_iter().find(|(_, &v)| v < lo || v > hi) {
            let at = match frame {
                Some(t) => format!("[{t}, {r}, {c}]"),
                None => format!("[{r}, {c}]"),
            };
            return Err(SignalError::validation(
                "phase_data",
                format!("value {value} at {at} is outside the phase range [{lo}, {hi}]"),
            ));
        }
        Ok(())
    }

    /// The configured unwrapping method; empty → `Shape`.
    pub fn unwrap_phase(&self, p: ArrayView2<'_, f64>) -> SignalResult<Array2<f64>> {
        ensure_nonempty("phase_data", p)?;
        ensure_finite_array("phase_data", &p)?;
        Ok(unwrap_2d(p, self.config.unwrapping_method))
    }

    /// Replaces per-row z-score outliers by index-linear interpolation between the nearest
    /// non-outliers (copies of the nearest beyond the ends); rows with < 2 inliers stay as they are.
    pub fn remove_outliers(&mut self, p: ArrayView2<'_, f64>) -> SignalResult<Array2<f64>> {
        ensure_finite_array("phase_data", &p)?;
        let mut out = p.to_owned();
        if self.config.enable_outlier_removal {
            self.stats.outliers_removed +=
                remove_outliers_in_place(&mut out, self.config.outlier_threshold);
        }
        Ok(out)
    }

    /// Centred moving average over subcarriers of the input values, for columns [h, S − h).
    pub fn smooth_phase(&self, p: ArrayView2<'_, f64>) -> SignalResult<Array2<f64>> {
        ensure_finite_array("phase_data", &p)?;
        if !self.config.enable_smoothing {
            return Ok(p.to_owned());
        }
        Ok(smooth_rows(p, self.config.smoothing_window))
    }

    /// Forward-backward EMA with α = `noise_threshold` along each row (needs S ≥ 18).
    pub fn filter_noise(&self, p: ArrayView2<'_, f64>) -> SignalResult<Array2<f64>> {
        ensure_finite_array("phase_data", &p)?;
        let mut out = p.to_owned();
        if self.config.enable_noise_filtering {
            ema_filter_rows(out.view_mut(), self.config.noise_threshold);
        }
        Ok(out)
    }

    /// validate → unwrap → remove_outliers → smooth → filter_noise. Counts the call, and an
    /// error in `sanitization_errors` before returning it.
    pub fn sanitize(&mut self, p: ArrayView2<'_, f64>) -> SignalResult<Array2<f64>> {
        self.stats.total_processed += 1;
        if let Err(e) = self.validate_phase_data(p) {
            self.stats.sanitization_errors += 1;
            return Err(e);
        }
        let (out, outliers) = self.sanitize_valid(p);
        self.stats.outliers_removed += outliers;
        Ok(out)
    }

    /// Sanitises each `[rows, subcarriers]` frame of `[time, rows, subcarriers]`; equal to T
    /// `sanitize` calls. The whole input is validated first: on error nothing is counted.
    pub fn sanitize_batch(&mut self, p: ArrayView3<'_, f64>) -> SignalResult<Array3<f64>> {
        if p.is_empty() {
            return Err(SignalError::shape(
                "phase_data",
                "a non-empty [time, rows, subcarriers] array",
                format!("shape {:?}", p.shape()),
            ));
        }
        ensure_finite_array("phase_data", &p)?;
        for (t, frame) in p.axis_iter(Axis(0)).enumerate() {
            self.ensure_in_phase_range(frame, Some(t))?;
        }
        let (frames, rows, cols) = p.dim();
        let shape_error = |e: ndarray::ShapeError| {
            SignalError::shape("phase_data", format!("{frames}x{rows}x{cols} values"), e)
        };
        let mut flat = vec![0.0; p.len()];
        // Frames are independent: one task each, writing its own slice of the output.
        let outliers: u64 = flat
            .par_chunks_mut(rows * cols)
            .enumerate()
            .map(|(t, chunk)| {
                let target = ArrayViewMut2::from_shape((rows, cols), chunk).map_err(shape_error)?;
                Ok(self.sanitize_into(p.index_axis(Axis(0), t), target))
            })
            .sum::<SignalResult<u64>>()?;
        let out = Array3::from_shape_vec(p.raw_dim(), flat).map_err(shape_error)?;
        self.stats.total_processed += p.len_of(Axis(0)) as u64;
        self.stats.outliers_removed += outliers;
        Ok(out)
    }

    /// The pipeline after validation; returns the result and the number of outliers replaced.
    fn sanitize_valid(&self, p: ArrayView2<'_, f64>) -> (Array2<f64>, u64) {
        let mut out = Array2::zeros(p.raw_dim());
        let outliers = self.sanitize_into(p, out.view_mut());
        (out, outliers)
    }

    /// The pipeline after validation, written into `target` (same shape as `p`).
    fn sanitize_into(&self, p: ArrayView2<'_, f64>, mut target: ArrayViewMut2<'_, f64>) -> u64 {
        let mut x = unwrap_2d(p, self.config.unwrapping_method);
        let mut outliers = 0;
        if self.config.enable_outlier_removal {
            outliers = remove_outliers_in_place(&mut x, self.config.outlier_threshold);
        }
        if self.config.enable_smoothing {
            smooth_rows_into(x.view(), self.config.smoothing_window, target.view_mut());
        } else {
            target.assign(&x);
        }
        if self.config.enable_noise_filtering {
            ema_filter_rows(target, self.config.noise_threshold);
        }
        outliers
    }

    pub fn statistics(&self) -> SanitizerStatistics {
        self.stats
    }

    /// outliers_removed / total_processed; 0 before the first call.
    pub fn outlier_rate(&self) -> f64 {
        rate(self.stats.outliers_removed, self.stats.total_processed)
    }

    /// sanitization_errors / total_processed; 0 before the first call.
    pub fn error_rate(&self) -> f64 {
        rate(self.stats.sanitization_errors, self.stats.total_processed)
    }

    pub fn reset_statistics(&mut self) {
        self.stats = SanitizerStatistics::default();
    }
}

fn rate(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    }
}

/// Population mean and std of a row; summed in index order over a slice when contiguous.
fn row_mean_std(row: ArrayView1<'_, f64>) -> (f64, f64) {
    let n = row.len() as f64;
    let moments = |values: &[f64]| {
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        (mean, var.sqrt())
    };
    match row.as_slice() {
        Some(values) => moments(values),
        None => moments(&row.to_vec()),
    }
}

/// Returns the number of outliers replaced.
fn remove_outliers_in_place(x: &mut Array2<f64>, threshold: f64) -> u64 {
    let mut count = 0;
    let mut is_outlier = Vec::new();
    for mut row in x.axis_iter_mut(Axis(0)) {
        let n = row.len();
        let (mean, std) = row_mean_std(row.view());
        is_outlier.clear();
        is_outlier.extend(
            row.iter()
                .map(|v| (v - mean).abs() / (std + 1e-8) > threshold),
        );
        let outliers = is_outlier.iter().filter(|&&o| o).count();
        count += outliers as u64;
        if outliers == 0 || n - outliers < 2 {
            continue;
        }
        let original = row.to_vec();
        let mut previous_inlier: Option<usize> = None;
        for j in 0..n {
            if !is_outlier[j] {
                previous_inlier = Some(j);
                continue;
            }
            let next_inlier = (j + 1..n).find(|&k| !is_outlier[k]);
            row[j] = match (previous_inlier, next_inlier) {
                (Some(a), Some(b)) => {
                    let t = (j - a) as f64 / (b - a) as f64;
                    original[a] + (original[b] - original[a]) * t
                }
                (Some(a), None) => original[a],
                (None, Some(b)) => original[b],
                (None, None) => original[j],
            };
        }
    }
    count
}

/// Window w (odd), h = w/2: columns [h, S − h) get the mean of the input over [j − h, j + h].
fn smooth_rows(x: ArrayView2<'_, f64>, window: usize) -> Array2<f64> {
    let mut out = Array2::zeros(x.raw_dim());
    smooth_rows_into(x, window, out.view_mut());
    out
}

/// [`smooth_rows`] written into `out` (same shape as `x`); other columns are copied.
fn smooth_rows_into(x: ArrayView2<'_, f64>, window: usize, mut out: ArrayViewMut2<'_, f64>) {
    out.assign(&x);
    let w = if window % 2 == 0 { window + 1 } else { window };
    let h = w / 2;
    let s = x.len_of(Axis(1));
    if s < w {
        return;
    }
    let mut buffer = Vec::with_capacity(s);
    for (row, mut target) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        let values = match row.as_slice() {
            Some(values) => values,
            None => {
                buffer.clear();
                buffer.extend(row.iter().copied());
                &buffer[..]
            }
        };
        for (j, window_values) in values.windows(w).enumerate() {
            target[j + h] = window_values.iter().sum::<f64>() / w as f64;
        }
    }
}

/// In-place forward then backward EMA along each row; rows shorter than 18 are left alone.
fn ema_filter_rows(mut x: ArrayViewMut2<'_, f64>, alpha: f64) {
    if x.len_of(Axis(1)) < 18 {
        return;
    }
    for mut row in x.axis_iter_mut(Axis(0)) {
        let s = row.len();
        for j in 1..s {
            row[j] = alpha * row[j] + (1.0 - alpha) * row[j - 1];
        }
        for j in (0..s - 1).rev() {
            row[j] = alpha * row[j] + (1.0 - alpha) * row[j + 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn wrap(v: f64) -> f64 {
        (v + PI).rem_euclid(2.0 * PI) - PI
    }

    fn sanitizer() -> PhaseSanitizer {
        PhaseSanitizer::new(PhaseSanitizerConfig::default()).unwrap()
    }

    #[test]
    fn config_validation() {
        assert!(PhaseSanitizerConfig::default().validate().is_ok());
        let err = PhaseSanitizer::new(PhaseSanitizerConfig {
            outlier_threshold: -1.0,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        for bad in [
            PhaseSanitizerConfig {
                smoothing_window: 0,
                ..Default::default()
            },
            PhaseSanitizerConfig {
                noise_threshold: 1.0,
                ..Default::default()
            },
            PhaseSanitizerConfig {
                phase_range: (1.0, -1.0),
                ..Default::default()
            },
            PhaseSanitizerConfig {
                phase_range: (f64::NEG_INFINITY, 1.0),
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }

    #[test]
    fn validation_of_phase_data() {
        let s = sanitizer();
        let good = Array2::from_shape_fn((4, 64), |(i, j)| {
            (0.05 * j as f64).sin() * PI / 2.0 + 0.1 * i as f64
        });
        assert!(s.validate_phase_data(good.view()).is_ok());
        let err = s
            .validate_phase_data(Array2::from_elem((2, 3), 10.0).view())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(err.to_string().contains("value 10 at [0, 0] is outside"));
        let empty = Array2::<f64>::zeros((0, 0));
        assert_eq!(
            s.validate_phase_data(empty.view()).unwrap_err().kind(),
            ErrorKind::Shape
        );
        assert_eq!(
            s.unwrap_phase(empty.view()).unwrap_err().kind(),
            ErrorKind::Shape
        );
        let mut nan = good.clone();
        nan[[1, 3]] = f64::NAN;
        assert_eq!(
            s.validate_phase_data(nan.view()).unwrap_err().kind(),
            ErrorKind::NonFinite
        );
    }

    #[test]
    fn every_method_unwraps_a_wrapped_ramp() {
        let ramp = Array2::from_shape_fn((2, 20), |(i, j)| wrap(0.4 * j as f64 + 0.2 * i as f64));
        for method in [
            UnwrappingMethod::Standard,
            UnwrappingMethod::Custom,
            UnwrappingMethod::Itoh,
            UnwrappingMethod::QualityGuided,
        ] {
            let s = PhaseSanitizer::new(PhaseSanitizerConfig {
                unwrapping_method: method,
                ..Default::default()
            })
            .unwrap();
            let out = s.unwrap_phase(ramp.view()).unwrap();
            for row in out.rows() {
                for j in 1..row.len() {
                    assert!((row[j] - row[j - 1]).abs() < PI + 0.1, "{}", method.name());
                }
            }
        }
    }

    #[test]
    fn outliers_are_interpolated() {
        let mut s = sanitizer();
        let mut row = Array2::from_shape_fn((1, 20), |(_, j)| 0.01 * j as f64);
        row[[0, 10]] = 3.0;
        let out = s.remove_outliers(row.view()).unwrap();
        assert!((out[[0, 10]] - 0.10).abs() < 1e-12);
        assert_eq!(s.statistics().outliers_removed, 1);
        let mut end = Array2::from_shape_fn((1, 20), |(_, j)| 0.01 * j as f64);
        end[[0, 19]] = -3.0;
        assert_eq!(s.remove_outliers(end.view()).unwrap()[[0, 19]], 0.18);
    }

    #[test]
    fn smoothing_uses_input_values_and_keeps_the_edges() {
        let s = sanitizer();
        let x = ndarray::array![[0.0, 0.0, 5.0, 0.0, 0.0, 10.0]];
        let out = s.smooth_phase(x.view()).unwrap();
        assert_eq!(out.row(0).to_vec(), vec![0.0, 0.0, 1.0, 3.0, 0.0, 10.0]);
        let short = ndarray::array![[1.0, 2.0, 3.0]];
        assert_eq!(s.smooth_phase(short.view()).unwrap(), short);
    }

    #[test]
    fn noise_filter_is_a_forward_backward_ema() {
        let s = PhaseSanitizer::new(PhaseSanitizerConfig {
            enable_noise_filtering: true,
            noise_threshold: 0.5,
            ..Default::default()
        })
        .unwrap();
        let mut x = Array2::zeros((1, 18));
        x[[0, 17]] = 1.0;
        let out = s.filter_noise(x.view()).unwrap();
        // forward leaves [.., 0, 0.5]; backward: y16 = 0.5·0 + 0.5·0.5 = 0.25.
        assert_eq!(out[[0, 17]], 0.5);
        assert_eq!(out[[0, 16]], 0.25);
        let short = Array2::from_elem((1, 17), 2.0);
        assert_eq!(s.filter_noise(short.view()).unwrap(), short);
    }

    #[test]
    fn counters() {
        let mut s = sanitizer();
        let x = Array2::from_shape_fn((4, 64), |(i, j)| wrap(0.1 * j as f64 + i as f64));
        s.sanitize(x.view()).unwrap();
        assert_eq!(s.statistics().total_processed, 1);
        s.sanitize(x.view()).unwrap();
        assert_eq!(s.statistics().total_processed, 2);
        assert!(s.sanitize(Array2::from_elem((1, 4), 9.0).view()).is_err());
        assert_eq!(s.statistics().sanitization_errors, 1);
        assert!((s.error_rate() - 1.0 / 3.0).abs() < 1e-15);
        s.reset_statistics();
        assert_eq!(s.statistics(), SanitizerStatistics::default());
    }

    #[test]
    fn batch_equals_per_frame_and_rejects_before_counting() {
        let frames = Array3::from_shape_fn((5, 3, 32), |(t, a, j)| {
            wrap(0.3 * j as f64 + a as f64 + 0.7 * t as f64)
        });
        let mut batch = PhaseSanitizer::new(PhaseSanitizerConfig {
            enable_noise_filtering: true,
            ..Default::default()
        })
        .unwrap();
        let mut single = batch.clone();
        let out = batch.sanitize_batch(frames.view()).unwrap();
        for (t, frame) in frames.axis_iter(Axis(0)).enumerate() {
            assert_eq!(single.sanitize(frame).unwrap(), out.index_axis(Axis(0), t));
        }
        assert_eq!(batch.statistics(), single.statistics());
        let mut bad = frames.clone();
        bad[[4, 0, 0]] = f64::INFINITY;
        let before = batch.statistics();
        assert!(batch.sanitize_batch(bad.view()).is_err());
        assert_eq!(batch.statistics(), before);
    }
}
