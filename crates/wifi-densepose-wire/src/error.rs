//! The crate's error enum and the two structured errors it wraps: packet parse failures
//! (docs/wire.md §1.11) and bad recording lines (docs/wire.md §2.6).

use std::fmt;

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

/// Why a datagram was rejected (docs/wire.md §1.11); `as_str` gives the spec's reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    Oversize,
    Truncated,
    BadMagic,
    ZeroAntennas,
    ZeroSubcarriers,
    LengthMismatch,
    BadCrc,
    InvalidField,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Oversize,
        Reason::Truncated,
        Reason::BadMagic,
        Reason::ZeroAntennas,
        Reason::ZeroSubcarriers,
        Reason::LengthMismatch,
        Reason::BadCrc,
        Reason::InvalidField,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Oversize => "oversize",
            Reason::Truncated => "truncated",
            Reason::BadMagic => "bad_magic",
            Reason::ZeroAntennas => "zero_antennas",
            Reason::ZeroSubcarriers => "zero_subcarriers",
            Reason::LengthMismatch => "length_mismatch",
            Reason::BadCrc => "bad_crc",
            Reason::InvalidField => "invalid_field",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A datagram that is not a valid packet, or a packet value that cannot be encoded.
///
/// Displays as `<reason>: magic 0xC5110001 at offset 12: <detail>` (`magic none` when
/// fewer than 4 bytes arrived).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketError {
    pub magic: Option<u32>,
    pub offset: usize,
    pub reason: Reason,
    pub detail: String,
}

impl PacketError {
    pub fn new(
        magic: Option<u32>,
        offset: usize,
        reason: Reason,
        detail: impl Into<String>,
    ) -> Self {
        PacketError {
            magic,
            offset,
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: magic ", self.reason)?;
        match self.magic {
            Some(m) => write!(f, "0x{m:08X}")?,
            None => f.write_str("none")?,
        }
        write!(f, " at offset {}: {}", self.offset, self.detail)
    }
}

impl std::error::Error for PacketError {}

/// Why a recording line is bad (docs/wire.md §2.6); `as_str` gives the spec's reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineReason {
    InvalidJson,
    NotObject,
    MissingField,
    BadFieldType,
    BadIqHex,
    InconsistentLength,
    BadFeatures,
    /// Longer than [`crate::recording::MAX_LINE_LEN`] bytes; read past without being kept.
    LineTooLong,
}

impl LineReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LineReason::InvalidJson => "invalid_json",
            LineReason::NotObject => "not_object",
            LineReason::MissingField => "missing_field",
            LineReason::BadFieldType => "bad_field_type",
            LineReason::BadIqHex => "bad_iq_hex",
            LineReason::InconsistentLength => "inconsistent_length",
            LineReason::BadFeatures => "bad_features",
            LineReason::LineTooLong => "line_too_long",
        }
    }
}

impl fmt::Display for LineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bad line of a `.csi.jsonl` recording: 1-based physical line number, reason, detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingError {
    pub line: usize,
    pub reason: LineReason,
    pub detail: String,
}

impl RecordingError {
    pub fn new(line: usize, reason: LineReason, detail: impl Into<String>) -> Self {
        RecordingError {
            line,
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.reason, self.detail)
    }
}

impl std::error::Error for RecordingError {}

/// Every error of this crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WireError {
    #[error(transparent)]
    Packet(#[from] PacketError),
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// A value that cannot be written or read outside a packet or a recording line, e.g. a
    /// sidecar field or a non-finite timestamp given to the writer.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A node, layout or other item the data does not contain.
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl WireError {
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        WireError::Io {
            path: path.to_string(),
            source,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        WireError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl ErrorInfo for WireError {
    fn kind(&self) -> ErrorKind {
        match self {
            WireError::Packet(_) | WireError::Recording(_) | WireError::Invalid { .. } => {
                ErrorKind::Validation
            }
            WireError::NotFound { .. } => ErrorKind::NotFound,
            WireError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            WireError::Io { .. } => ErrorKind::InvalidState,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            WireError::Packet(_) => "Packet",
            WireError::Recording(_) => "Recording",
            WireError::Invalid { .. } => "Invalid",
            WireError::NotFound { .. } => "NotFound",
            WireError::Io { .. } => "Io",
        }
    }
}

impl From<WireError> for CoreError {
    fn from(e: WireError) -> Self {
        CoreError::from_kind(e.kind(), e.to_string())
    }
}

pub type WireResult<T> = Result<T, WireError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_error_message_has_reason_magic_and_offset() {
        let e = PacketError::new(
            Some(0xC511_0001),
            12,
            Reason::Truncated,
            "need 20 bytes, got 12",
        );
        assert_eq!(
            e.to_string(),
            "truncated: magic 0xC5110001 at offset 12: need 20 bytes, got 12"
        );
        let none = PacketError::new(None, 3, Reason::Truncated, "need 4 bytes, got 3");
        assert_eq!(
            none.to_string(),
            "truncated: magic none at offset 3: need 4 bytes, got 3"
        );
    }

    #[test]
    fn kinds_and_codes() {
        let p = WireError::from(PacketError::new(None, 0, Reason::BadMagic, "x"));
        assert_eq!((p.kind(), p.code()), (ErrorKind::Validation, "Packet"));
        let r = WireError::from(RecordingError::new(4, LineReason::BadIqHex, "odd length"));
        assert_eq!(r.to_string(), "line 4: bad_iq_hex: odd length");
        assert_eq!(CoreError::from(r).kind(), ErrorKind::Validation);
        let missing = WireError::io(
            "x.csi.jsonl",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(
            (missing.kind(), missing.code()),
            (ErrorKind::NotFound, "Io")
        );
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes.len(), 8);
        assert!(codes.contains(&"length_mismatch") && codes.contains(&"bad_crc"));
    }
}
