//! The sensing crate's error enum.

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

/// Every failure of the sensing modules.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SensingError {
    #[error("{message}")]
    Configuration { message: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("{field}: expected {expected}, got {actual}")]
    Shape {
        field: String,
        expected: String,
        actual: String,
    },
    #[error("{field} contains a non-finite value ({value}) at {position}")]
    NonFinite {
        field: String,
        position: String,
        value: f64,
    },
    #[error("insufficient data: {field}: need {required}, have {available}")]
    InsufficientData {
        field: String,
        required: usize,
        available: usize,
    },
    #[error("{message}")]
    Computation { message: String },
}

impl SensingError {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        SensingError::Configuration {
            message: message.into(),
        }
    }

    pub(crate) fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        SensingError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn shape(
        field: impl Into<String>,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) -> Self {
        SensingError::Shape {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }

    /// A configuration value that must be finite and > 0.
    pub(crate) fn ensure_positive(field: &str, value: f64) -> Result<()> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(SensingError::config(format!(
                "{field} must be finite and > 0, got {value}"
            )))
        }
    }
}

/// Rejects the first non-finite value of `values`, naming it as `field[row, col]` of a
/// row-major `[rows, cols]` array (`field[i]` when `cols` is 0).
pub(crate) fn ensure_finite(field: &str, values: &[f64], cols: usize) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(SensingError::NonFinite {
            field: field.to_string(),
            position: match i.checked_div(cols) {
                None => format!("[{i}]"),
                Some(row) => format!("[{row}, {}]", i % cols),
            },
            value: values[i],
        }),
    }
}

impl ErrorInfo for SensingError {
    fn kind(&self) -> ErrorKind {
        match self {
            SensingError::Configuration { .. } => ErrorKind::Configuration,
            SensingError::Validation { .. } => ErrorKind::Validation,
            SensingError::Shape { .. } => ErrorKind::Shape,
            SensingError::NonFinite { .. } => ErrorKind::NonFinite,
            SensingError::InsufficientData { .. } => ErrorKind::InsufficientData,
            SensingError::Computation { .. } => ErrorKind::Computation,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            SensingError::Configuration { .. } => "Configuration",
            SensingError::Validation { .. } => "Validation",
            SensingError::Shape { .. } => "Shape",
            SensingError::NonFinite { .. } => "NonFinite",
            SensingError::InsufficientData { .. } => "InsufficientData",
            SensingError::Computation { .. } => "Computation",
        }
    }
}

impl From<SensingError> for CoreError {
    fn from(error: SensingError) -> Self {
        let kind = error.kind();
        CoreError::from_kind(kind, error.to_string())
    }
}

pub type Result<T, E = SensingError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_names_row_and_column() {
        let e = ensure_finite("frames", &[1.0, 2.0, 3.0, f64::NAN], 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "frames contains a non-finite value (NaN) at [1, 1]"
        );
        assert_eq!(e.kind(), ErrorKind::NonFinite);
        let e = ensure_finite("y", &[0.0, f64::INFINITY], 0).unwrap_err();
        assert_eq!(e.to_string(), "y contains a non-finite value (inf) at [1]");
    }

    #[test]
    fn kinds_survive_conversion_to_core_error() {
        let cases = [
            SensingError::config("x"),
            SensingError::validation("a", "b"),
            SensingError::shape("a", 3, 2),
            SensingError::InsufficientData {
                field: "frames".into(),
                required: 10,
                available: 2,
            },
        ];
        for e in cases {
            let kind = e.kind();
            assert_eq!(CoreError::from(e).kind(), kind);
        }
    }
}
