//! `wifi_densepose.utils`: phase unwrapping, normalisation, SNR, moving average, complex parts.

use ndarray::{Array2, ArrayView1, Axis, Ix1, Ix2};
use num_complex::Complex64;
use numpy::{PyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use wifi_densepose_core::utils;
use wifi_densepose_core::validate::ensure_finite_array;
use wifi_densepose_signal::{unwrap_phase as unwrap_1d, zscore_population};

use crate::arrays::{complex_array, f64_array, readonly_array};
use crate::errors::OrRaise;

fn finite_1d<'py>(
    obj: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<numpy::PyReadonlyArray1<'py, f64>> {
    let x = f64_array::<Ix1>(obj, field)?;
    ensure_finite_array(field, &x.as_array()).or_raise()?;
    Ok(x)
}

/// Standard phase unwrap (radians): one 2π turn per step larger than π; equals `numpy.unwrap`
/// while steps stay below 3π. A 2-D input is unwrapped along its last axis.
#[pyfunction]
fn unwrap_phase<'py>(py: Python<'py>, phase: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let ndim = numpy_ndim(phase)?;
    if ndim == 2 {
        let x = f64_array::<Ix2>(phase, "phase")?;
        let x = x.as_array();
        ensure_finite_array("phase", &x).or_raise()?;
        let out = py.detach(|| {
            let mut out = Array2::zeros(x.raw_dim());
            for (src, mut dst) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
                dst.assign(&unwrap_1d(src));
            }
            out
        });
        return Ok(readonly_array(py, out)?.into_any());
    }
    let x = finite_1d(phase, "phase")?;
    Ok(readonly_array(py, unwrap_1d(x.as_array()))?.into_any())
}

fn numpy_ndim(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(array) = obj.cast::<numpy::PyUntypedArray>() {
        return Ok(array.ndim());
    }
    PyModule::import(obj.py(), "numpy")?
        .call_method1("ndim", (obj,))?
        .extract()
}

fn map_1d<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    f: impl Fn(ArrayView1<'_, f64>) -> ndarray::Array1<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let x = finite_1d(x, "x")?;
    readonly_array(py, f(x.as_array()))
}

/// (x − min)/(max − min); zeros when the range is below machine epsilon.
#[pyfunction]
fn normalize_min_max<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    map_1d(py, x, utils::normalize_min_max)
}

/// (x − mean)/std (population); zeros when std is below machine epsilon.
#[pyfunction]
fn normalize_zscore<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    map_1d(py, x, zscore_population)
}

/// Centred moving average of `window` samples, truncated at the edges; `window` 0 or longer
/// than the input returns it unchanged.
#[pyfunction]
fn moving_average<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    window: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    map_1d(py, x, |v| utils::moving_average(v, window))
}

/// 10·log10(mean(signal²)/mean(noise²)) in dB; +inf for zero noise.
#[pyfunction]
fn calculate_snr_db(signal: &Bound<'_, PyAny>, noise: &Bound<'_, PyAny>) -> PyResult<f64> {
    let s = finite_1d(signal, "signal")?;
    let n = finite_1d(noise, "noise")?;
    utils::calculate_snr_db(s.as_array(), n.as_array()).or_raise()
}

fn complex_1d<'py>(z: &Bound<'py, PyAny>) -> PyResult<numpy::PyReadonlyArray1<'py, Complex64>> {
    let z = complex_array::<Ix1>(z, "z")?;
    if let Some((index, c)) = z
        .as_array()
        .iter()
        .enumerate()
        .find(|(_, c)| !(c.re.is_finite() && c.im.is_finite()))
    {
        let value = if c.re.is_finite() { c.im } else { c.re };
        return Err(crate::errors::to_pyerr(
            &wifi_densepose_core::CoreError::non_finite("z", &[index], value),
        ));
    }
    Ok(z)
}

/// |z| per element.
#[pyfunction]
fn complex_magnitude<'py>(
    py: Python<'py>,
    z: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    readonly_array(py, utils::complex_magnitude(complex_1d(z)?.as_array()))
}

/// atan2(Im, Re) per element, radians in [−π, π].
#[pyfunction]
fn complex_phase<'py>(
    py: Python<'py>,
    z: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    readonly_array(py, utils::complex_phase(complex_1d(z)?.as_array()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unwrap_phase, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_min_max, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_zscore, m)?)?;
    m.add_function(wrap_pyfunction!(moving_average, m)?)?;
    m.add_function(wrap_pyfunction!(calculate_snr_db, m)?)?;
    m.add_function(wrap_pyfunction!(complex_magnitude, m)?)?;
    m.add_function(wrap_pyfunction!(complex_phase, m)?)?;
    Ok(())
}
