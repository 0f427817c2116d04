//! Why the MQTT publisher cannot start.

use std::path::PathBuf;

/// Why the publisher cannot start (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("MQTT client id file {path}: {source}")]
    ClientId {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("MQTT TLS{}: {message}", path.as_ref().map(|p| format!(" file {}", p.display())).unwrap_or_default())]
    Tls {
        path: Option<PathBuf>,
        message: String,
    },
}
