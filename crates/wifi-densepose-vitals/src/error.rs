//! The vitals crate's error enum.

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

/// Every failure of the vitals stages and pipeline.
///
/// Core validation failures (non-finite values, out-of-range scalars) are wrapped unchanged in
/// [`VitalsError::Core`], so they keep their kind, code and message.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum VitalsError {
    #[error("{message}")]
    Configuration { message: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("sample_rate_hz: must equal the pipeline's {expected} Hz, got {actual} Hz")]
    SampleRateMismatch { expected: f64, actual: f64 },
    #[error("sample_index: must increase, got {actual} after {previous}")]
    SampleIndexNotIncreasing { previous: u64, actual: u64 },
    #[error("{field}: expected {expected}, got {actual}")]
    Shape {
        field: String,
        expected: String,
        actual: String,
    },
    #[error("{field}: expected at least one frame, got an empty array")]
    EmptySignal { field: String },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl VitalsError {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        VitalsError::Configuration {
            message: message.into(),
        }
    }

    /// A configuration value outside `[lo, hi]` (NaN included).
    pub(crate) fn ensure_config_in_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<()> {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(VitalsError::config(format!(
                "{field} must be in [{lo}, {hi}], got {value}"
            )))
        }
    }

    /// A configuration value that must be finite and > 0.
    pub(crate) fn ensure_config_positive(field: &str, value: f64) -> Result<()> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(VitalsError::config(format!(
                "{field} must be finite and > 0, got {value}"
            )))
        }
    }

    pub(crate) fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        VitalsError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn shape(
        field: impl Into<String>,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) -> Self {
        VitalsError::Shape {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

impl ErrorInfo for VitalsError {
    fn kind(&self) -> ErrorKind {
        match self {
            VitalsError::Configuration { .. } => ErrorKind::Configuration,
            VitalsError::Validation { .. }
            | VitalsError::SampleRateMismatch { .. }
            | VitalsError::SampleIndexNotIncreasing { .. } => ErrorKind::Validation,
            VitalsError::Shape { .. } | VitalsError::EmptySignal { .. } => ErrorKind::Shape,
            VitalsError::Core(inner) => inner.kind(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            VitalsError::Configuration { .. } => "Configuration",
            VitalsError::Validation { .. } => "Validation",
            VitalsError::SampleRateMismatch { .. } => "SampleRateMismatch",
            VitalsError::SampleIndexNotIncreasing { .. } => "SampleIndexNotIncreasing",
            VitalsError::Shape { .. } => "Shape",
            VitalsError::EmptySignal { .. } => "EmptySignal",
            VitalsError::Core(inner) => inner.code(),
        }
    }
}

impl From<VitalsError> for CoreError {
    fn from(error: VitalsError) -> Self {
        match error {
            VitalsError::Configuration { message } => CoreError::Configuration { message },
            VitalsError::Validation { field, message } => CoreError::Validation { field, message },
            VitalsError::SampleRateMismatch { expected, actual } => CoreError::validation(
                "sample_rate_hz",
                format!("must equal the pipeline's {expected} Hz, got {actual} Hz"),
            ),
            VitalsError::SampleIndexNotIncreasing { previous, actual } => CoreError::validation(
                "sample_index",
                format!("must increase, got {actual} after {previous}"),
            ),
            VitalsError::Shape {
                field,
                expected,
                actual,
            } => CoreError::Shape {
                field,
                expected,
                actual,
            },
            VitalsError::EmptySignal { field } => {
                CoreError::shape(field, "at least one frame", "an empty array")
            }
            VitalsError::Core(inner) => inner,
        }
    }
}

pub type Result<T, E = VitalsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_survive_conversion_to_core_error() {
        let cases = [
            VitalsError::config("alpha is NaN"),
            VitalsError::validation("alpha", "must not be NaN"),
            VitalsError::SampleRateMismatch {
                expected: 100.0,
                actual: 50.0,
            },
            VitalsError::SampleIndexNotIncreasing {
                previous: 4,
                actual: 4,
            },
            VitalsError::shape("amplitudes", 56, 55),
            VitalsError::EmptySignal {
                field: "amplitudes".into(),
            },
            VitalsError::Core(CoreError::non_finite("x", &[1], f64::NAN)),
        ];
        for error in cases {
            let kind = error.kind();
            assert_eq!(CoreError::from(error).kind(), kind);
        }
    }

    #[test]
    fn messages_name_the_field_and_the_value() {
        let e = VitalsError::SampleRateMismatch {
            expected: 100.0,
            actual: 50.0,
        };
        assert_eq!(
            e.to_string(),
            "sample_rate_hz: must equal the pipeline's 100 Hz, got 50 Hz"
        );
        assert_eq!(e.code(), "SampleRateMismatch");
        let nf = VitalsError::from(CoreError::non_finite("phases", &[3], f64::INFINITY));
        assert_eq!(nf.code(), "NonFinite");
        assert_eq!(
            nf.to_string(),
            "phases contains a non-finite value (inf) at [3]"
        );
        assert!(!VitalsError::shape("a", 1, 2).is_recoverable());
    }
}
