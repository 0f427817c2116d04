//! numpy in and out.
//!
//! Inputs: a float64 (complex128) array of any strides is borrowed without a copy; other real
//! dtypes and Python sequences are converted once; bool, object, string and (for real inputs)
//! complex data are rejected with a `ValidationError` naming the argument, and a wrong ndim with
//! a `ShapeError` giving the shape seen. Outputs are moved into numpy and marked read-only.

use ndarray::{Array, Dimension};
use num_complex::Complex64;
use numpy::{Element, IntoPyArray, PyArray, PyArrayMethods, PyReadonlyArray};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::errors::{shape_error, validation_error};

/// What a converted input may hold.
#[derive(Clone, Copy)]
enum Want {
    Real,
    Complex,
}

fn convert<'py, T: Element, D: Dimension>(
    obj: &Bound<'py, PyAny>,
    field: &str,
    want: Want,
) -> PyResult<PyReadonlyArray<'py, T, D>> {
    if let Ok(array) = obj.cast::<PyArray<T, D>>() {
        return array.try_readonly().map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "{field}: array is being written: {e}"
            ))
        });
    }
    let expected = match want {
        Want::Real => "real numbers (float or int dtype)",
        Want::Complex => "complex or real numbers",
    };
    if obj.is_none() {
        return Err(validation_error(
            field,
            format!("expected an array of {expected}, got None"),
        ));
    }
    let py = obj.py();
    let numpy = PyModule::import(py, "numpy")?;
    let array = numpy
        .call_method1("asarray", (obj,))
        .map_err(|e| validation_error(field, format!("cannot be read as an array: {e}")))?;
    let dtype = array.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    let accepted = match want {
        Want::Real => matches!(kind.as_str(), "f" | "i" | "u"),
        Want::Complex => matches!(kind.as_str(), "c" | "f" | "i" | "u"),
    };
    if !accepted {
        return Err(validation_error(
            field,
            format!("expected {expected}, got dtype {}", dtype.str()?),
        ));
    }
    let ndim: usize = array.getattr("ndim")?.extract()?;
    if let Some(expected) = D::NDIM {
        if ndim != expected {
            let shape: Vec<usize> = array.getattr("shape")?.extract()?;
            return Err(shape_error(
                field,
                format!("a {expected}-D array"),
                shape_text(&shape),
            ));
        }
    }
    let target = match want {
        Want::Real => "float64",
        Want::Complex => "complex128",
    };
    let converted = array.call_method1("astype", (target,))?;
    Ok(converted.cast_into::<PyArray<T, D>>()?.readonly())
}

/// A shape the one way every error prints it: `shape [3, 4]`.
pub fn shape_text(shape: &[usize]) -> String {
    format!("shape {}", wifi_densepose_core::error::bracketed(shape))
}

/// A real input as float64, borrowed when it already is one.
pub fn f64_array<'py, D: Dimension>(
    obj: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<PyReadonlyArray<'py, f64, D>> {
    convert(obj, field, Want::Real)
}

/// A complex input as complex128 (real inputs get a zero imaginary part).
pub fn complex_array<'py, D: Dimension>(
    obj: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<PyReadonlyArray<'py, Complex64, D>> {
    convert(obj, field, Want::Complex)
}

/// Moves `data` into numpy without copying and marks the result read-only.
pub fn readonly_array<'py, T: Element, D: Dimension>(
    py: Python<'py>,
    data: Array<T, D>,
) -> PyResult<Bound<'py, PyArray<T, D>>> {
    let array = data.into_pyarray(py);
    let flags = PyDict::new(py);
    flags.set_item("write", false)?;
    array.call_method("setflags", (), Some(&flags))?;
    Ok(array)
}

/// A result field kept in Rust until first read, then cached as a read-only numpy array.
pub struct CachedArray<T: Element, D: Dimension> {
    data: Array<T, D>,
    numpy: PyOnceLock<Py<PyArray<T, D>>>,
}

impl<T: Element + Clone, D: Dimension> CachedArray<T, D> {
    pub fn new(data: Array<T, D>) -> Self {
        CachedArray {
            data,
            numpy: PyOnceLock::new(),
        }
    }

    pub fn get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray<T, D>>> {
        self.numpy
            .get_or_try_init(py, || {
                readonly_array(py, self.data.clone()).map(Bound::unbind)
            })
            .map(|array| array.bind(py).clone())
    }
}
