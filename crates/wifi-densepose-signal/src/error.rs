//! The signal crate's error enum. Every variant belongs to one [`ErrorKind`]; the variant name
//! is the `.code` seen from Python.

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

/// Errors of the signal-processing stages.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SignalError {
    /// A failed shared check (finiteness, positivity, range) from `wifi_densepose_core::validate`.
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("{field}: expected {expected}, got {actual}")]
    Shape {
        field: String,
        expected: String,
        actual: String,
    },
    #[error("{message}")]
    Configuration { message: String },
    #[error("{field}: expected at least 1 sample, got 0")]
    EmptySignal { field: String },
    #[error("{field}: expected a non-empty frame, got 0 subcarriers")]
    EmptyFrame { field: String },
    #[error("{field}: expected a non-empty array, got shape {shape}")]
    EmptyInput { field: String, shape: String },
    #[error("{field}: expected {expected}, got {actual}")]
    LengthMismatch {
        field: String,
        expected: String,
        actual: String,
    },
    #[error("{field}: expected at least 1 subcarrier, got 0")]
    NoSubcarriers { field: String },
    #[error("static_data: expected {expected} subcarriers (as in motion), got {actual}")]
    SubcarrierCountMismatch { expected: usize, actual: usize },
    #[error("{message}")]
    InvalidWindow { message: String },
    #[error("canonical_subcarriers must be >= 1, got {value}")]
    InvalidCanonical { value: usize },
    #[error("hop_size must be >= 1, got {value}")]
    InvalidHopSize { value: usize },
    #[error("window_size must be >= 1, got {value}")]
    InvalidWindowSize { value: usize },
    #[error("{field}: need at least 2 antennas, got {actual}")]
    InsufficientAntennas { field: String, actual: usize },
    #[error("selected: index {index} is out of bounds for {len} subcarriers")]
    IndexOutOfBounds { index: usize, len: usize },
    #[error("selected: no subcarriers selected")]
    NoSubcarriersSelected,
    #[error("{field}: must be finite and > 0, got {value}")]
    InvalidDistance { field: String, value: f64 },
    #[error("frequency_hz: must be finite and > 0, got {value}")]
    InvalidFrequency { value: f64 },
    #[error("insufficient data: need {required}, have {available}")]
    InsufficientData { required: usize, available: usize },
    #[error(
        "insufficient data: need {required}, have {available} (signal shorter than the window)"
    )]
    SignalTooShort { required: usize, available: usize },
    #[error("insufficient data: the signal has no energy after mean removal ({energy:e})")]
    NoSignal { energy: f64 },
}

impl SignalError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        SignalError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn shape(
        field: impl Into<String>,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) -> Self {
        SignalError::Shape {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        SignalError::Configuration {
            message: message.into(),
        }
    }

    pub fn length_mismatch(
        field: impl Into<String>,
        expected: impl std::fmt::Display,
        actual: impl std::fmt::Display,
    ) -> Self {
        SignalError::LengthMismatch {
            field: field.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

impl ErrorInfo for SignalError {
    fn kind(&self) -> ErrorKind {
        use SignalError::*;
        match self {
            Core(e) => e.kind(),
            Validation { .. }
            | InsufficientAntennas { .. }
            | IndexOutOfBounds { .. }
            | NoSubcarriersSelected
            | InvalidDistance { .. }
            | InvalidFrequency { .. } => ErrorKind::Validation,
            Shape { .. }
            | EmptySignal { .. }
            | EmptyFrame { .. }
            | EmptyInput { .. }
            | LengthMismatch { .. }
            | NoSubcarriers { .. }
            | SubcarrierCountMismatch { .. } => ErrorKind::Shape,
            Configuration { .. }
            | InvalidWindow { .. }
            | InvalidCanonical { .. }
            | InvalidHopSize { .. }
            | InvalidWindowSize { .. } => ErrorKind::Configuration,
            InsufficientData { .. } | SignalTooShort { .. } | NoSignal { .. } => {
                ErrorKind::InsufficientData
            }
        }
    }

    fn code(&self) -> &'static str {
        use SignalError::*;
        match self {
            Core(e) => e.code(),
            Validation { .. } => "Validation",
            Shape { .. } => "Shape",
            Configuration { .. } => "Configuration",
            EmptySignal { .. } => "EmptySignal",
            EmptyFrame { .. } => "EmptyFrame",
            EmptyInput { .. } => "EmptyInput",
            LengthMismatch { .. } => "LengthMismatch",
            NoSubcarriers { .. } => "NoSubcarriers",
            SubcarrierCountMismatch { .. } => "SubcarrierCountMismatch",
            InvalidWindow { .. } => "InvalidWindow",
            InvalidCanonical { .. } => "InvalidCanonical",
            InvalidHopSize { .. } => "InvalidHopSize",
            InvalidWindowSize { .. } => "InvalidWindowSize",
            InsufficientAntennas { .. } => "InsufficientAntennas",
            IndexOutOfBounds { .. } => "IndexOutOfBounds",
            NoSubcarriersSelected => "NoSubcarriersSelected",
            InvalidDistance { .. } => "InvalidDistance",
            InvalidFrequency { .. } => "InvalidFrequency",
            InsufficientData { .. } => "InsufficientData",
            SignalTooShort { .. } => "SignalTooShort",
            NoSignal { .. } => "NoSignal",
        }
    }
}

impl From<SignalError> for CoreError {
    /// Keeps the kind and, where the core has the same fields, the fields themselves.
    fn from(e: SignalError) -> Self {
        match e {
            SignalError::Core(inner) => inner,
            SignalError::Validation { field, message } => CoreError::Validation { field, message },
            SignalError::Shape {
                field,
                expected,
                actual,
            }
            | SignalError::LengthMismatch {
                field,
                expected,
                actual,
            } => CoreError::Shape {
                field,
                expected,
                actual,
            },
            SignalError::InsufficientData {
                required,
                available,
            }
            | SignalError::SignalTooShort {
                required,
                available,
            } => CoreError::InsufficientData {
                required,
                available,
            },
            other => CoreError::from_kind(other.kind(), other.to_string()),
        }
    }
}

pub type SignalResult<T> = Result<T, SignalError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes() {
        let e = SignalError::EmptySignal { field: "x".into() };
        assert_eq!((e.kind(), e.code()), (ErrorKind::Shape, "EmptySignal"));
        let e = SignalError::InvalidWindow {
            message: "half_window must be >= 1, got 0".into(),
        };
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.to_string(), "half_window must be >= 1, got 0");
        let e = SignalError::SignalTooShort {
            required: 256,
            available: 10,
        };
        assert!(e.is_recoverable());
        assert_eq!(e.code(), "SignalTooShort");
    }

    #[test]
    fn conversion_into_core_keeps_the_kind() {
        let cases = [
            SignalError::NoSubcarriersSelected,
            SignalError::InvalidHopSize { value: 0 },
            SignalError::NoSignal { energy: 0.0 },
            SignalError::length_mismatch("phase", "length 3", "length 2"),
            SignalError::Core(CoreError::non_finite("x", &[2], f64::NAN)),
        ];
        for e in cases {
            let kind = e.kind();
            assert_eq!(CoreError::from(e).kind(), kind);
        }
    }
}
