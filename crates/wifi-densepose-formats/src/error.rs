//! The crate's error: a malformed file names the format, the byte offset (and the line for text
//! formats) and the reason; a file no reader accepts names every format tried.

use std::fmt;

use thiserror::Error;
use wifi_densepose_core::{CoreError, ErrorInfo, ErrorKind};

use crate::Format;

/// Why a file (or one frame of it) was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The input ends inside a header or a frame (only the byte source reports this, so it
    /// always means the end of the input).
    Truncated,
    /// A magic number or signature is wrong.
    BadMagic,
    /// A field holds a value the format does not allow.
    InvalidField,
    /// A length field disagrees with the data or with the other fields.
    LengthMismatch,
    /// A text line is not what the format prescribes.
    BadLine,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Truncated => "truncated",
            Reason::BadMagic => "bad_magic",
            Reason::InvalidField => "invalid_field",
            Reason::LengthMismatch => "length_mismatch",
            Reason::BadLine => "bad_line",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A malformed file: `format`, the byte `offset` of the problem, the 1-based `line` for text
/// formats, the `reason` and a human detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub format: Format,
    pub offset: u64,
    pub line: Option<usize>,
    pub reason: Reason,
    pub detail: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} file: {} at byte offset {}",
            self.format, self.reason, self.offset
        )?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// Errors of the format readers.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FormatError {
    #[error("{0}")]
    Malformed(Malformed),
    /// No reader accepts the file; every format tried with why it was rejected.
    #[error("no CSI format reader accepts this file; tried: {}", tried_list(.tried))]
    Unrecognized { tried: Vec<(Format, String)> },
    /// A bad argument (unknown format name, unknown chip, ...).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("I/O error: {source}")]
    Io {
        #[from]
        source: std::io::Error,
    },
}

fn tried_list(tried: &[(Format, String)]) -> String {
    tried
        .iter()
        .map(|(f, why)| format!("{f} ({why})"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl FormatError {
    pub fn malformed(
        format: Format,
        offset: u64,
        reason: Reason,
        detail: impl Into<String>,
    ) -> Self {
        Self::located(format, offset, None, reason, detail.into())
    }

    /// A malformed text line (1-based `line`, starting at byte `offset`).
    pub fn at_line(
        format: Format,
        offset: u64,
        line: usize,
        reason: Reason,
        detail: impl Into<String>,
    ) -> Self {
        Self::located(format, offset, Some(line), reason, detail.into())
    }

    fn located(
        format: Format,
        offset: u64,
        line: Option<usize>,
        reason: Reason,
        detail: String,
    ) -> Self {
        FormatError::Malformed(Malformed {
            format,
            offset,
            line,
            reason,
            detail,
        })
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        FormatError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl ErrorInfo for FormatError {
    fn kind(&self) -> ErrorKind {
        match self {
            FormatError::Malformed(_)
            | FormatError::Unrecognized { .. }
            | FormatError::Invalid { .. } => ErrorKind::Validation,
            FormatError::Io { source } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            FormatError::Io { .. } => ErrorKind::InvalidState,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            FormatError::Malformed(_) => "Malformed",
            FormatError::Unrecognized { .. } => "Unrecognized",
            FormatError::Invalid { .. } => "Invalid",
            FormatError::Io { .. } => "Io",
        }
    }
}

impl From<FormatError> for CoreError {
    fn from(e: FormatError) -> Self {
        CoreError::from_kind(e.kind(), e.to_string())
    }
}

pub type FormatResult<T> = Result<T, FormatError>;
