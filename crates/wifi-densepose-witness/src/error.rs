//! The witness crate's error enum.
//!
//! These are errors of *use* (an unreadable reference file, a malformed key, an output
//! directory that already exists). A bad bundle is never an error: the verifier reports it
//! as a failed check.

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};
use wifi_densepose_signal::SignalError;
use wifi_densepose_vitals::VitalsError;

/// Every failure of the witness functions.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum WitnessError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Signal(#[from] SignalError),
    #[error(transparent)]
    Vitals(#[from] VitalsError),
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("reference: {message}")]
    InvalidReference { message: String },
    #[error("{field}: {message}")]
    InvalidKey { field: String, message: String },
    #[error("stage {stage}, value {index}: {value} cannot be quantised")]
    Unquantisable {
        stage: &'static str,
        index: u64,
        value: f64,
    },
    #[error("Resource not found: file '{path}'")]
    FileNotFound { path: String },
    #[error("out_dir: {path} already exists; remove it or choose another directory")]
    BundleExists { path: String },
    #[error("I/O error on '{path}': {message}")]
    Io { path: String, message: String },
}

impl WitnessError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        WitnessError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn reference(message: impl Into<String>) -> Self {
        WitnessError::InvalidReference {
            message: message.into(),
        }
    }

    pub fn key(field: impl Into<String>, message: impl Into<String>) -> Self {
        WitnessError::InvalidKey {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An I/O failure on `path`; a missing file becomes [`WitnessError::FileNotFound`].
    pub fn io(path: &std::path::Path, error: &std::io::Error) -> Self {
        let path = path.display().to_string();
        if error.kind() == std::io::ErrorKind::NotFound {
            WitnessError::FileNotFound { path }
        } else {
            WitnessError::Io {
                path,
                message: error.to_string(),
            }
        }
    }
}

impl ErrorInfo for WitnessError {
    fn kind(&self) -> ErrorKind {
        match self {
            WitnessError::Core(e) => e.kind(),
            WitnessError::Signal(e) => e.kind(),
            WitnessError::Vitals(e) => e.kind(),
            WitnessError::Validation { .. }
            | WitnessError::InvalidReference { .. }
            | WitnessError::InvalidKey { .. }
            | WitnessError::BundleExists { .. } => ErrorKind::Validation,
            WitnessError::Unquantisable { .. } => ErrorKind::Computation,
            WitnessError::FileNotFound { .. } => ErrorKind::NotFound,
            WitnessError::Io { .. } => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            WitnessError::Core(e) => e.code(),
            WitnessError::Signal(e) => e.code(),
            WitnessError::Vitals(e) => e.code(),
            WitnessError::Validation { .. } => "Validation",
            WitnessError::InvalidReference { .. } => "InvalidReference",
            WitnessError::InvalidKey { .. } => "InvalidKey",
            WitnessError::Unquantisable { .. } => "Unquantisable",
            WitnessError::FileNotFound { .. } => "FileNotFound",
            WitnessError::BundleExists { .. } => "BundleExists",
            WitnessError::Io { .. } => "Io",
        }
    }
}

impl From<WitnessError> for CoreError {
    fn from(error: WitnessError) -> Self {
        match error {
            WitnessError::Core(e) => e,
            other => CoreError::from_kind(other.kind(), other.to_string()),
        }
    }
}

pub type Result<T, E = WitnessError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes_follow_the_variant() {
        let missing = WitnessError::io(
            std::path::Path::new("nowhere/key"),
            &std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert_eq!(missing.code(), "FileNotFound");
        assert!(missing.to_string().contains("nowhere/key"));

        let key = WitnessError::key("public_key", "expected 64 hex digits, got 3 characters");
        assert_eq!(
            (key.kind(), key.code()),
            (ErrorKind::Validation, "InvalidKey")
        );
        assert_eq!(CoreError::from(key).kind(), ErrorKind::Validation);

        let nan = WitnessError::Unquantisable {
            stage: "psd_values",
            index: 7,
            value: f64::NAN,
        };
        assert_eq!(nan.kind(), ErrorKind::Computation);
        assert!(nan.to_string().contains("psd_values") && nan.to_string().contains("NaN"));
    }

    #[test]
    fn wrapped_errors_keep_their_kind_and_code() {
        let inner = CoreError::shape("amplitude", "[T, A, S]", "[0]");
        let wrapped = WitnessError::from(inner.clone());
        assert_eq!(
            (wrapped.kind(), wrapped.code()),
            (ErrorKind::Shape, "Shape")
        );
        assert_eq!(CoreError::from(wrapped), inner);
    }
}
