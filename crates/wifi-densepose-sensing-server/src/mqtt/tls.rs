//! rustls client configuration for the TLS modes of docs/wire.md §7.2, built at startup so an
//! unreadable or unparsable PEM file stops the server instead of failing at connect time.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use wifi_densepose_ha::TlsMode;

use crate::mqtt::error::SetupError;

/// `None` for [`TlsMode::Off`].
pub fn client_config(mode: &TlsMode) -> Result<Option<Arc<ClientConfig>>, SetupError> {
    let (roots, client) = match mode {
        TlsMode::Off => return Ok(None),
        TlsMode::SystemTrust => (system_roots()?, None),
        TlsMode::PinnedCa { ca_file } => (pinned_roots(ca_file)?, None),
        TlsMode::Mutual {
            ca_file,
            client_cert,
            client_key,
        } => {
            let chain = certificates(client_cert)?;
            let key = private_key(client_key)?;
            (pinned_roots(ca_file)?, Some((chain, key)))
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError::Tls {
            path: None,
            message: e.to_string(),
        })?
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((chain, key)) => {
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| SetupError::Tls {
                    path: None,
                    message: format!("client certificate: {e}"),
                })?
        }
    };
    Ok(Some(Arc::new(config)))
}

fn tls_error(path: &Path, message: impl Into<String>) -> SetupError {
    SetupError::Tls {
        path: Some(path.to_path_buf()),
        message: message.into(),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let file = File::open(path).map_err(|e| tls_error(path, e.to_string()))?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<_, _>>()
        .map_err(|e| tls_error(path, format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(tls_error(path, "contains no PEM certificate"));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, SetupError> {
    let file = File::open(path).map_err(|e| tls_error(path, e.to_string()))?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .map_err(|e| tls_error(path, format!("not valid PEM: {e}")))?
        .ok_or_else(|| tls_error(path, "contains no PEM private key"))
}

fn pinned_roots(path: &Path) -> Result<RootCertStore, SetupError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path)? {
        roots
            .add(cert)
            .map_err(|e| tls_error(path, format!("unusable CA certificate: {e}")))?;
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, SetupError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let detail = found
            .errors
            .first()
            .map_or_else(String::new, |e| format!(": {e}"));
        return Err(SetupError::Tls {
            path: None,
            message: format!("no usable system root certificate{detail}"),
        });
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_needs_nothing_and_missing_files_name_the_path() {
        assert!(client_config(&TlsMode::Off).unwrap().is_none());
        let missing = TlsMode::PinnedCa {
            ca_file: "no/such/ca.pem".into(),
        };
        let error = client_config(&missing).unwrap_err();
        assert!(error.to_string().contains("no/such/ca.pem"), "{error}");
    }

    #[test]
    fn files_without_pem_blocks_are_rejected() {
        let dir = std::env::temp_dir().join(format!("wdp-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let error = client_config(&TlsMode::PinnedCa {
            ca_file: junk.clone(),
        })
        .unwrap_err();
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
        let error = private_key(&junk).unwrap_err();
        assert!(error.to_string().contains("no PEM private key"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
