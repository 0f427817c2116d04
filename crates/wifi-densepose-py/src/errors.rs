//! The one place where Rust errors become Python exceptions.
//!
//! The exception classes live in `wifi_densepose.errors` (so they can inherit from both the
//! package root and `ValueError`/`LookupError`/...); each crate error's kind picks the class.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation => "ValidationError",
        ErrorKind::NonFinite => "NonFiniteError",
        ErrorKind::Shape => "ShapeError",
        ErrorKind::Configuration => "ConfigError",
        ErrorKind::InsufficientData => "InsufficientDataError",
        ErrorKind::Computation => "ComputationError",
        ErrorKind::LowSignalQuality => "LowSignalQualityError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Timeout => "OperationTimeoutError",
        ErrorKind::InvalidState => "InvalidStateError",
        _ => "InternalError",
    }
}

fn build_exception(
    py: Python<'_>,
    kind: ErrorKind,
    code: &str,
    message: &str,
    recoverable: bool,
) -> PyResult<PyErr> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        PyModule::import(py, "wifi_densepose.errors").map(Bound::unbind)
    })?;
    let exception = module
        .bind(py)
        .getattr(class_name(kind))?
        .call1((message, code))?;
    exception.setattr("recoverable", recoverable)?;
    Ok(PyErr::from_value(exception))
}

/// Converts any crate's error into the matching `wifi_densepose.errors` exception.
pub fn to_pyerr<E: ErrorInfo + ?Sized>(error: &E) -> PyErr {
    Python::attach(|py| {
        build_exception(
            py,
            error.kind(),
            error.code(),
            &error.to_string(),
            error.is_recoverable(),
        )
        .unwrap_or_else(|import_failure| {
            PyRuntimeError::new_err(format!(
                "{error} (and the exception class failed: {import_failure})"
            ))
        })
    })
}

/// `.or_raise()` turns a crate `Result` into a `PyResult` through [`to_pyerr`].
pub trait OrRaise<T> {
    fn or_raise(self) -> PyResult<T>;
}

impl<T, E: ErrorInfo> OrRaise<T> for Result<T, E> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(|e| to_pyerr(&e))
    }
}

/// A `ValidationError` raised by the bindings themselves (wrong dtype, bad keyword, ...).
pub fn validation_error(field: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(&CoreError::validation(field, message))
}

/// A `ShapeError` raised by the bindings themselves (wrong dimensionality, ...).
pub fn shape_error(
    field: &str,
    expected: impl std::fmt::Display,
    actual: impl std::fmt::Display,
) -> PyErr {
    to_pyerr(&CoreError::shape(field, expected, actual))
}

/// A `DeprecationWarning` for an old spelling: "`Type.old` is deprecated; use `Type.new`".
pub fn deprecated(py: Python<'_>, old: &str, new: &str) -> PyResult<()> {
    let message = format!("{old} is deprecated; use {new}");
    let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
    PyErr::warn(py, &category, &std::ffi::CString::new(message)?, 1)
}
