//! Phase sanitisation, 2-D unwrapping and the Hampel filter.

use std::f64::consts::PI;

use ndarray::{Array1, Array2, ArrayD, ArrayView2, Ix1, IxDyn};
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wifi_densepose_core::validate::ensure_finite_array;
use wifi_densepose_core::ErrorInfo;
use wifi_densepose_signal::{
    hampel_filter_1d, hampel_filter_2d, phase_quality_map as quality_map, unwrap_2d, HampelAxis,
    HampelConfig, PhaseSanitizer, PhaseSanitizerConfig, UnwrappingMethod,
};

use super::Rows;
use crate::arrays::{f64_array, readonly_array, CachedArray};
use crate::errors::{shape_error, validation_error, OrRaise};
use crate::getters::{fields_dict, getters};

const ROWS: &str = "a 1-D row or a [rows, subcarriers] array";

/// Runs one sanitiser step on `phase_data` (one row or `[rows, subcarriers]`) and gives the
/// result the input's dimensionality.
fn map_phase_rows<'py, E: ErrorInfo>(
    py: Python<'py>,
    phase_data: &Bound<'py, PyAny>,
    step: impl FnOnce(ArrayView2<'_, f64>) -> Result<Array2<f64>, E>,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let rows = Rows::new(phase_data, "phase_data", ROWS)?;
    let out = step(rows.view()?).or_raise()?;
    rows.output(py, out)
}

fn method(name: &str) -> PyResult<UnwrappingMethod> {
    name.parse::<UnwrappingMethod>().or_raise()
}

/// Configuration of a `PhaseSanitizer` (validated on construction; immutable).
/// `unwrapping_method` is "standard", "custom" (0.9π threshold), "itoh" or "quality_guided".
#[pyclass(
    module = "wifi_densepose._core",
    name = "PhaseSanitizerConfig",
    frozen,
    get_all,
    from_py_object
)]
#[derive(Clone)]
pub struct PyPhaseSanitizerConfig {
    unwrapping_method: String,
    /// z-score above which a value is an outlier.
    outlier_threshold: f64,
    /// Moving-average width in subcarriers (an even width is widened by one).
    smoothing_window: usize,
    enable_outlier_removal: bool,
    enable_smoothing: bool,
    enable_noise_filtering: bool,
    /// EMA coefficient α of the noise filter, 0 < α < 1.
    noise_threshold: f64,
    /// Accepted wrapped phase range in radians (inclusive).
    phase_range: (f64, f64),
}

impl PyPhaseSanitizerConfig {
    fn to_rust(&self) -> PyResult<PhaseSanitizerConfig> {
        Ok(PhaseSanitizerConfig {
            unwrapping_method: method(&self.unwrapping_method)?,
            outlier_threshold: self.outlier_threshold,
            smoothing_window: self.smoothing_window,
            enable_outlier_removal: self.enable_outlier_removal,
            enable_smoothing: self.enable_smoothing,
            enable_noise_filtering: self.enable_noise_filtering,
            noise_threshold: self.noise_threshold,
            phase_range: self.phase_range,
        })
    }
}

#[pymethods]
impl PyPhaseSanitizerConfig {
    #[new]
    #[pyo3(signature = (*, unwrapping_method="standard", outlier_threshold=3.0, smoothing_window=5,
        enable_outlier_removal=true, enable_smoothing=true, enable_noise_filtering=false,
        noise_threshold=0.05, phase_range=(-PI, PI)))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        unwrapping_method: &str,
        outlier_threshold: f64,
        smoothing_window: usize,
        enable_outlier_removal: bool,
        enable_smoothing: bool,
        enable_noise_filtering: bool,
        noise_threshold: f64,
        phase_range: (f64, f64),
    ) -> PyResult<Self> {
        let config = PyPhaseSanitizerConfig {
            unwrapping_method: unwrapping_method.to_string(),
            outlier_threshold,
            smoothing_window,
            enable_outlier_removal,
            enable_smoothing,
            enable_noise_filtering,
            noise_threshold,
            phase_range,
        };
        config.to_rust()?.validate().or_raise()?;
        Ok(config)
    }

    fn __repr__(&self) -> String {
        format!(
            "PhaseSanitizerConfig(unwrapping_method={:?}, outlier_threshold={:?}, smoothing_window={}, noise_threshold={:?})",
            self.unwrapping_method, self.outlier_threshold, self.smoothing_window, self.noise_threshold
        )
    }
}

/// Cleans wrapped phase (radians) given as one row or `[rows, subcarriers]`: validate → unwrap →
/// remove outliers → smooth → EMA noise filter. Counts calls, outliers and errors. Stateful:
/// use from one thread at a time (concurrent use raises `RuntimeError`).
#[pyclass(module = "wifi_densepose._core", name = "PhaseSanitizer")]
pub struct PyPhaseSanitizer(PhaseSanitizer);

#[pymethods]
impl PyPhaseSanitizer {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<PyPhaseSanitizerConfig>) -> PyResult<Self> {
        let config = match config {
            Some(c) => c.to_rust()?,
            None => PhaseSanitizerConfig::default(),
        };
        PhaseSanitizer::new(config).or_raise().map(PyPhaseSanitizer)
    }

    /// Raises `ShapeError` when empty, `NonFiniteError` on NaN/inf and `ValidationError` when a
    /// value lies outside `phase_range`.
    fn validate_phase_data(&self, phase_data: &Bound<'_, PyAny>) -> PyResult<()> {
        let rows = Rows::new(phase_data, "phase_data", ROWS)?;
        self.0.validate_phase_data(rows.view()?).or_raise()
    }

    /// The configured unwrapping method (radians in, radians out, same shape).
    fn unwrap_phase<'py>(
        &self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        map_phase_rows(py, phase_data, |rows| self.0.unwrap_phase(rows))
    }

    /// Replaces per-row z-score outliers by linear interpolation between neighbouring inliers.
    fn remove_outliers<'py>(
        &mut self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        map_phase_rows(py, phase_data, |rows| self.0.remove_outliers(rows))
    }

    /// Centred moving average over subcarriers (edges unchanged).
    fn smooth_phase<'py>(
        &self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        map_phase_rows(py, phase_data, |rows| self.0.smooth_phase(rows))
    }

    /// Forward-backward EMA over subcarriers (rows of at least 18 values, when enabled).
    fn filter_noise<'py>(
        &self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        map_phase_rows(py, phase_data, |rows| self.0.filter_noise(rows))
    }

    /// The whole pipeline on one frame (1-D row or `[antenna, subcarrier]`), radians.
    fn sanitize<'py>(
        &mut self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        map_phase_rows(py, phase_data, |rows| self.0.sanitize(rows))
    }

    /// Alias of `sanitize`.
    fn sanitize_phase<'py>(
        &mut self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        self.sanitize(py, phase_data)
    }

    /// `sanitize` for every frame of `[time, antenna, subcarrier]` (or `[time, subcarrier]`,
    /// one antenna); the whole input is validated first. Releases the GIL.
    fn sanitize_batch<'py>(
        &mut self,
        py: Python<'py>,
        phase_data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let x: PyReadonlyArrayDyn<'py, f64> = f64_array::<IxDyn>(phase_data, "phase_data")?;
        let view = x.as_array();
        let ndim = view.ndim();
        let three = match ndim {
            2 => view.insert_axis(ndarray::Axis(1)),
            3 => view,
            _ => {
                return Err(shape_error(
                    "phase_data",
                    "[time, antenna, subcarrier] or [time, subcarrier]",
                    format!("shape {:?}", view.shape()),
                ))
            }
        };
        let three = three
            .into_dimensionality::<ndarray::Ix3>()
            .map_err(|e| shape_error("phase_data", "3-D", e))?;
        let sanitizer = &mut self.0;
        let out = py.detach(|| sanitizer.sanitize_batch(three)).or_raise()?;
        let out: ArrayD<f64> = if ndim == 2 {
            out.index_axis_move(ndarray::Axis(1), 0).into_dyn()
        } else {
            out.into_dyn()
        };
        readonly_array(py, out)
    }

    fn reset_statistics(&mut self) {
        self.0.reset_statistics();
    }
}

getters!(PyPhaseSanitizer, |this| {
    /// {total_processed, outliers_removed, sanitization_errors}.
    statistics(py): PyResult<Bound<'py, PyDict>> = Ok(fields_dict!(py, this.0.statistics(), [
        total_processed,
        outliers_removed,
        sanitization_errors,
    ])),

    outlier_rate: f64,
    error_rate: f64,
});

/// Unwraps `[rows, cols]` phase (radians; 1-D = one row) with "standard", "custom", "itoh"
/// or "quality_guided".
#[pyfunction]
#[pyo3(signature = (phase, method="standard"))]
fn unwrap<'py>(
    py: Python<'py>,
    phase: &Bound<'py, PyAny>,
    method: &str,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let m = self::method(method)?;
    let rows = Rows::new(phase, "phase", ROWS)?;
    let view = rows.view()?;
    ensure_finite_array("phase", &view).or_raise()?;
    let out = py.detach(|| unwrap_2d(view, m));
    rows.output(py, out)
}

/// The quality map q = 1/(1 + mean |W(φ_n − φ)| over 4-neighbours) of `[rows, cols]` phase.
#[pyfunction]
fn phase_quality_map<'py>(
    py: Python<'py>,
    phase: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let rows = Rows::new(phase, "phase", ROWS)?;
    let view = rows.view()?;
    ensure_finite_array("phase", &view).or_raise()?;
    rows.output(py, quality_map(view))
}

/// Result of `hampel`: every array has the input's shape; `outlier_indices` is ascending
/// (1-D input) or `[k, 2]` (row, column) pairs in row-major order (2-D input).
#[pyclass(module = "wifi_densepose._core", name = "HampelResult", frozen)]
pub struct PyHampelResult {
    filtered: CachedArray<f64, IxDyn>,
    outlier_mask: CachedArray<bool, IxDyn>,
    medians: CachedArray<f64, IxDyn>,
    sigma_estimates: CachedArray<f64, IxDyn>,
    outlier_indices: CachedArray<i64, IxDyn>,
    outlier_count: usize,
}

#[pymethods]
impl PyHampelResult {
    fn __repr__(&self) -> String {
        format!("HampelResult(outliers={})", self.outlier_count)
    }
}

getters!(PyHampelResult, |this| {
    /// The signal with outliers replaced by their window median.
    filtered(py): PyResult<Bound<'py, PyArrayDyn<f64>>> = this.filtered.get(py),

    outlier_mask(py): PyResult<Bound<'py, PyArrayDyn<bool>>> = this.outlier_mask.get(py),

    /// Window medians.
    medians(py): PyResult<Bound<'py, PyArrayDyn<f64>>> = this.medians.get(py),

    /// σ = 1.4826·MAD of each window.
    sigma_estimates(py): PyResult<Bound<'py, PyArrayDyn<f64>>> = this.sigma_estimates.get(py),

    outlier_indices(py): PyResult<Bound<'py, PyArrayDyn<i64>>> = this.outlier_indices.get(py),
});

/// Hampel filter: flags samples farther than `threshold`·1.4826·MAD from the median of the
/// window [i − half_window, i + half_window] (truncated at the edges, original values) and
/// replaces them by that median. `x` is 1-D or `[time, subcarrier]`; `axis=0` filters each
/// column over time, `axis=1` each row. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (x, half_window=3, threshold=3.0, axis=0))]
fn hampel(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    half_window: i128,
    threshold: f64,
    axis: i64,
) -> PyResult<PyHampelResult> {
    let half_window = usize::try_from(half_window)
        .map_err(|_| validation_error("half_window", format!("must be >= 1, got {half_window}")))?;
    let config = HampelConfig {
        half_window,
        threshold,
    };
    let data = f64_array::<IxDyn>(x, "x")?;
    let view = data.as_array();
    let to_i64 = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    match view.ndim() {
        1 => {
            let view = view
                .into_dimensionality::<Ix1>()
                .map_err(|e| shape_error("x", "1-D", e))?;
            let r = py.detach(|| hampel_filter_1d(view, &config)).or_raise()?;
            let indices: Array1<i64> = r.outlier_indices.iter().map(|&i| to_i64(i)).collect();
            Ok(PyHampelResult {
                outlier_count: indices.len(),
                filtered: CachedArray::new(r.filtered.into_dyn()),
                outlier_mask: CachedArray::new(r.outlier_mask.into_dyn()),
                medians: CachedArray::new(r.medians.into_dyn()),
                sigma_estimates: CachedArray::new(r.sigma_estimates.into_dyn()),
                outlier_indices: CachedArray::new(indices.into_dyn()),
            })
        }
        2 => {
            let axis = match axis {
                0 | -2 => HampelAxis::Columns,
                1 | -1 => HampelAxis::Rows,
                other => {
                    return Err(validation_error(
                        "axis",
                        format!("must be 0 or 1 for a 2-D input, got {other}"),
                    ))
                }
            };
            let view = view
                .into_dimensionality::<ndarray::Ix2>()
                .map_err(|e| shape_error("x", "2-D", e))?;
            let r = py
                .detach(|| hampel_filter_2d(view, &config, axis))
                .or_raise()?;
            let pairs: Vec<i64> = r
                .outlier_indices
                .iter()
                .flat_map(|&(i, j)| [to_i64(i), to_i64(j)])
                .collect();
            let count = r.outlier_indices.len();
            let indices = Array2::from_shape_vec((count, 2), pairs)
                .map_err(|e| shape_error("outlier_indices", "[k, 2]", e))?;
            Ok(PyHampelResult {
                outlier_count: count,
                filtered: CachedArray::new(r.filtered.into_dyn()),
                outlier_mask: CachedArray::new(r.outlier_mask.into_dyn()),
                medians: CachedArray::new(r.medians.into_dyn()),
                sigma_estimates: CachedArray::new(r.sigma_estimates.into_dyn()),
                outlier_indices: CachedArray::new(indices.into_dyn()),
            })
        }
        _ => Err(shape_error(
            "x",
            "a 1-D or [time, subcarrier] array",
            format!("shape {:?}", view.shape()),
        )),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPhaseSanitizerConfig>()?;
    m.add_class::<PyPhaseSanitizer>()?;
    m.add_class::<PyHampelResult>()?;
    m.add_function(wrap_pyfunction!(unwrap, m)?)?;
    m.add_function(wrap_pyfunction!(phase_quality_map, m)?)?;
    m.add_function(wrap_pyfunction!(hampel, m)?)?;
    Ok(())
}
