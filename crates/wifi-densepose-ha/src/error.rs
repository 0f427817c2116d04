//! The crate's single error enum.

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

/// Errors of the Home Assistant model: configuration, zones file and input validation.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum HaError {
    /// An MQTT option is out of range or an invalid flag combination (a usage error).
    #[error("invalid MQTT option {field}: {message}")]
    InvalidOption { field: String, message: String },
    /// The zones file is not valid TOML or does not have the expected shape.
    #[error("zones file: {message}")]
    ZonesSyntax { message: String },
    /// The zones file parses but its content is inconsistent.
    #[error("zones file: room {room:?}: {message}")]
    InvalidZone { room: String, message: String },
    /// A numeric input is NaN or infinite.
    #[error("{field} must be finite, got {value}")]
    NonFinite { field: String, value: f64 },
    /// A message given to the snapshot mapping lacks a required key or has the wrong type.
    #[error("invalid {field}: {message}")]
    InvalidInput { field: String, message: String },
}

impl HaError {
    pub(crate) fn option(field: &str, message: impl Into<String>) -> Self {
        HaError::InvalidOption {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Rejects a NaN or infinite `value`, naming `field`.
    pub(crate) fn ensure_finite(field: &str, value: f64) -> Result<(), HaError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(HaError::NonFinite {
                field: field.to_string(),
                value,
            })
        }
    }
}

impl ErrorInfo for HaError {
    fn kind(&self) -> ErrorKind {
        match self {
            HaError::InvalidOption { .. }
            | HaError::ZonesSyntax { .. }
            | HaError::InvalidZone { .. } => ErrorKind::Configuration,
            HaError::NonFinite { .. } => ErrorKind::NonFinite,
            HaError::InvalidInput { .. } => ErrorKind::Validation,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            HaError::InvalidOption { .. } => "InvalidOption",
            HaError::ZonesSyntax { .. } => "ZonesSyntax",
            HaError::InvalidZone { .. } => "InvalidZone",
            HaError::NonFinite { .. } => "NonFinite",
            HaError::InvalidInput { .. } => "InvalidInput",
        }
    }
}

impl From<HaError> for CoreError {
    fn from(e: HaError) -> Self {
        CoreError::from_kind(e.kind(), e.to_string())
    }
}

/// Result alias of this crate.
pub type HaResult<T> = Result<T, HaError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_codes_and_messages() {
        let e = HaError::option("port", "must be 1..=65535, got 0");
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.code(), "InvalidOption");
        assert_eq!(
            e.to_string(),
            "invalid MQTT option port: must be 1..=65535, got 0"
        );
        let nf = HaError::ensure_finite("motion_pct", f64::NAN).unwrap_err();
        assert_eq!(nf.kind(), ErrorKind::NonFinite);
        assert_eq!(nf.to_string(), "motion_pct must be finite, got NaN");
        assert_eq!(CoreError::from(nf).kind(), ErrorKind::NonFinite);
        assert_eq!(
            HaError::InvalidInput {
                field: "nodes".into(),
                message: "not an array".into()
            }
            .kind(),
            ErrorKind::Validation
        );
    }
}
