//! Error kinds shared by every core crate, and the core crate's own error enum.
//!
//! Each crate has one error enum; every variant belongs to exactly one [`ErrorKind`].
//! The Python bindings map kinds to exception classes in one place, so a new variant in
//! any crate needs no binding change.

use thiserror::Error;

/// The category an error belongs to; decides the Python exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    Validation,
    NonFinite,
    Shape,
    Configuration,
    InsufficientData,
    Computation,
    LowSignalQuality,
    NotFound,
    Timeout,
    InvalidState,
    Internal,
}

impl ErrorKind {
    /// Whether retrying with more or better data can succeed.
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            ErrorKind::InsufficientData
                | ErrorKind::Computation
                | ErrorKind::LowSignalQuality
                | ErrorKind::Timeout
        )
    }
}

/// What the bindings need from any crate's error: its kind and its variant name.
pub trait ErrorInfo: std::error::Error {
    fn kind(&self) -> ErrorKind;
    /// The variant name, e.g. `"EmptySignal"`; exposed to Python as `.code`.
    fn code(&self) -> &'static str;
    fn is_recoverable(&self) -> bool {
        self.kind().is_recoverable()
    }
}

/// Errors of the core types and utilities.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// `position` is the element's index in brackets, one number per axis (`[3, 7]`).
    #[error("{field} contains a non-finite value ({value}) at {position}")]
    NonFinite {
        field: String,
        position: String,
        value: f64,
    },
    #[error("{field}: expected {expected}, got {actual}")]
    Shape {
        field: String,
        expected: String,
        actual: String,
    },
    #[error("{message}")]
    Configuration { message: String },
    #[error("insufficient data: need {required}, have {available}")]
    InsufficientData { required: usize, available: usize },
    #[error("{message}")]
    Computation { message: String },
    #[error("Low signal quality: SNR {snr_db} dB is below the threshold of {threshold_db} dB")]
    LowSignalQuality { snr_db: f64, threshold_db: f64 },
    #[error("Resource not found: {resource_type} with id '{id}'")]
    NotFound { resource_type: String, id: String },
    #[error("Operation timed out after {duration_ms}ms: {operation}")]
    Timeout { operation: String, duration_ms: u64 },
    #[error("Invalid state: expected {expected}, got {actual}")]
    InvalidState { expected: String, actual: String },
    #[error("{message}")]
    Internal { message: String },
}

impl CoreError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn shape(
        field: impl Into<String>,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) -> Self {
        CoreError::Shape {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }

    /// A non-finite element of `field` at `index` (one number per axis, row-major order).
    pub fn non_finite(field: impl Into<String>, index: &[usize], value: f64) -> Self {
        CoreError::NonFinite {
            field: field.into(),
            position: bracketed(index),
            value,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        CoreError::Configuration {
            message: message.into(),
        }
    }

    /// Builds a `CoreError` of the given kind from any crate's error, keeping its message.
    ///
    /// Used by the `From` conversions of the signal and vitals error enums.
    pub fn from_kind(kind: ErrorKind, message: String) -> Self {
        match kind {
            ErrorKind::Validation => CoreError::Validation {
                field: String::new(),
                message,
            },
            ErrorKind::NonFinite => CoreError::NonFinite {
                field: message,
                position: String::new(),
                value: f64::NAN,
            },
            ErrorKind::Shape => CoreError::Shape {
                field: message,
                expected: String::new(),
                actual: String::new(),
            },
            ErrorKind::Configuration => CoreError::Configuration { message },
            ErrorKind::InsufficientData => CoreError::InsufficientData {
                required: 0,
                available: 0,
            },
            ErrorKind::Computation => CoreError::Computation { message },
            ErrorKind::LowSignalQuality => CoreError::LowSignalQuality {
                snr_db: f64::NAN,
                threshold_db: f64::NAN,
            },
            ErrorKind::NotFound => CoreError::NotFound {
                resource_type: message,
                id: String::new(),
            },
            ErrorKind::Timeout => CoreError::Timeout {
                operation: message,
                duration_ms: 0,
            },
            ErrorKind::InvalidState => CoreError::InvalidState {
                expected: String::new(),
                actual: message,
            },
            ErrorKind::Internal => CoreError::Internal { message },
        }
    }
}

/// An element index as `[3, 7]`: one number per axis, the way every error prints positions.
pub fn bracketed(index: &[usize]) -> String {
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// The position (one number per axis) of the `flat`-th element, in row-major (logical
/// iteration) order, of an array of `shape`.
pub fn unravel_index(flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0usize; shape.len()];
    let mut rest = flat;
    for (axis, &len) in shape.iter().enumerate().rev() {
        index[axis] = rest % len.max(1);
        rest /= len.max(1);
    }
    index
}

impl ErrorInfo for CoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            CoreError::Validation { .. } => ErrorKind::Validation,
            CoreError::NonFinite { .. } => ErrorKind::NonFinite,
            CoreError::Shape { .. } => ErrorKind::Shape,
            CoreError::Configuration { .. } => ErrorKind::Configuration,
            CoreError::InsufficientData { .. } => ErrorKind::InsufficientData,
            CoreError::Computation { .. } => ErrorKind::Computation,
            CoreError::LowSignalQuality { .. } => ErrorKind::LowSignalQuality,
            CoreError::NotFound { .. } => ErrorKind::NotFound,
            CoreError::Timeout { .. } => ErrorKind::Timeout,
            CoreError::InvalidState { .. } => ErrorKind::InvalidState,
            CoreError::Internal { .. } => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CoreError::Validation { .. } => "Validation",
            CoreError::NonFinite { .. } => "NonFinite",
            CoreError::Shape { .. } => "Shape",
            CoreError::Configuration { .. } => "Configuration",
            CoreError::InsufficientData { .. } => "InsufficientData",
            CoreError::Computation { .. } => "Computation",
            CoreError::LowSignalQuality { .. } => "LowSignalQuality",
            CoreError::NotFound { .. } => "NotFound",
            CoreError::Timeout { .. } => "Timeout",
            CoreError::InvalidState { .. } => "InvalidState",
            CoreError::Internal { .. } => "Internal",
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_value() {
        let e = CoreError::validation("sample_rate_hz", "must be finite and > 0, got 0");
        assert_eq!(
            e.to_string(),
            "sample_rate_hz: must be finite and > 0, got 0"
        );
        assert_eq!(CoreError::config("bad window").to_string(), "bad window");
        let nf = CoreError::NotFound {
            resource_type: "node".into(),
            id: "7".into(),
        };
        assert!(nf.to_string().contains("node") && nf.to_string().contains("'7'"));
        let t = CoreError::Timeout {
            operation: "connect".into(),
            duration_ms: 5000,
        };
        assert!(t.to_string().contains("5000ms") && t.to_string().contains("connect"));
    }

    #[test]
    fn recoverability_follows_the_kind() {
        assert!(CoreError::InsufficientData {
            required: 2,
            available: 1
        }
        .is_recoverable());
        assert!(!CoreError::shape("x", 3, 2).is_recoverable());
        assert_eq!(CoreError::shape("x", 3, 2).code(), "Shape");
    }

    #[test]
    fn from_kind_keeps_the_kind() {
        for kind in [
            ErrorKind::Validation,
            ErrorKind::NonFinite,
            ErrorKind::Shape,
            ErrorKind::Configuration,
            ErrorKind::InsufficientData,
            ErrorKind::Computation,
            ErrorKind::LowSignalQuality,
            ErrorKind::NotFound,
            ErrorKind::Timeout,
            ErrorKind::InvalidState,
            ErrorKind::Internal,
        ] {
            assert_eq!(CoreError::from_kind(kind, "m".into()).kind(), kind);
        }
    }
}
