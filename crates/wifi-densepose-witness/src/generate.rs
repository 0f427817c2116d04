//! Writing a witness bundle directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::digest::sha256_hex;
use crate::error::{Result, WitnessError};
use crate::manifest::{
    format_manifest, BundleManifest, InputInfo, PackageInfo, EXPECTED_HASH_FILE, MANIFEST_FILE,
    MANIFEST_JSON, REFERENCE_FILE, SCHEMA, SIGNATURE_FILE, SUMMARY_FILE,
};
use crate::sequence::{CsiSequence, REFERENCE_SHA256};
use crate::signing::{public_key_hex, sign, SigningKey};
use crate::stream::{feature_hash, pipeline_description};

/// The package a bundle describes (the Python distribution shares the workspace version).
pub const PACKAGE_NAME: &str = "wifi-densepose";
pub const PACKAGE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What [`generate_bundle`] needs.
#[derive(Debug, Clone)]
pub struct BundleRequest<'a> {
    /// The directory that receives `witness-bundle-<version>-<hash8>/`; created if missing.
    pub out_dir: &'a Path,
    /// The exact bytes of the reference input.
    pub reference_json: &'a [u8],
    /// The SHA-256 the reference must have: [`REFERENCE_SHA256`] for published bundles.
    pub reference_sha256: &'a str,
    pub signing_key: Option<&'a SigningKey>,
    /// RFC 3339 UTC time for `created_at`; `None` means now.
    pub created_at: Option<String>,
}

impl<'a> BundleRequest<'a> {
    /// An unsigned bundle of the published reference input, stamped now.
    pub fn new(out_dir: &'a Path, reference_json: &'a [u8]) -> Self {
        BundleRequest {
            out_dir,
            reference_json,
            reference_sha256: REFERENCE_SHA256,
            signing_key: None,
            created_at: None,
        }
    }
}

/// Runs the pipeline over the reference input and writes the bundle; returns its directory.
///
/// The bundle is written under a temporary name and renamed into place, so a failure never
/// leaves a half-written bundle under the final name. An existing bundle is not replaced.
pub fn generate_bundle(request: &BundleRequest<'_>) -> Result<PathBuf> {
    let input_sha256 = sha256_hex(request.reference_json);
    if input_sha256 != request.reference_sha256 {
        return Err(WitnessError::reference(format!(
            "sha256 {input_sha256} is not that of the reference input ({})",
            request.reference_sha256
        )));
    }
    let sequence = CsiSequence::from_reference_json(request.reference_json)?;
    let digest = feature_hash(&sequence)?;
    let manifest = BundleManifest {
        schema: SCHEMA.to_owned(),
        package: PackageInfo {
            name: PACKAGE_NAME.to_owned(),
            version: PACKAGE_VERSION.to_owned(),
        },
        core_version: wifi_densepose_core::VERSION.to_owned(),
        created_at: request.created_at.clone().unwrap_or_else(utc_now_rfc3339),
        platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        input: InputInfo {
            path: REFERENCE_FILE.to_owned(),
            sha256: input_sha256,
            frames: sequence.num_frames(),
            antennas: sequence.num_antennas(),
            subcarriers: sequence.num_subcarriers(),
            sampling_rate_hz: sequence.sampling_rate_hz(),
        },
        feature_hash: digest.feature_hash.clone(),
        feature_count: digest.value_count,
        pipeline: pipeline_description(),
        signer_public_key: request
            .signing_key
            .map(|k| public_key_hex(&k.verifying_key())),
    };
    let mut manifest_json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| WitnessError::validation("manifest", e.to_string()))?;
    manifest_json.push('\n');

    let files: BTreeMap<&str, Vec<u8>> = [
        (MANIFEST_JSON, manifest_json.into_bytes()),
        (REFERENCE_FILE, request.reference_json.to_vec()),
        (
            EXPECTED_HASH_FILE,
            format!("{}\n", digest.feature_hash).into_bytes(),
        ),
        (SUMMARY_FILE, digest.summary_json().into_bytes()),
    ]
    .into();
    let digests = files
        .iter()
        .map(|(path, bytes)| ((*path).to_owned(), sha256_hex(bytes)))
        .collect();
    let manifest_sha256 = format_manifest(&digests);
    let signature = request
        .signing_key
        .map(|key| sign(key, manifest_sha256.as_bytes()));

    let name = format!(
        "witness-bundle-{PACKAGE_VERSION}-{}",
        &digest.feature_hash[..8]
    );
    let final_dir = request.out_dir.join(&name);
    if final_dir.exists() {
        return Err(WitnessError::BundleExists {
            path: final_dir.display().to_string(),
        });
    }
    let staging = request
        .out_dir
        .join(format!(".{name}.partial-{}", std::process::id()));
    let written =
        write_files(&staging, &files, &manifest_sha256, signature.as_ref()).and_then(|()| {
            fs::rename(&staging, &final_dir).map_err(|e| WitnessError::io(&final_dir, &e))
        });
    if written.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = fs::remove_dir_all(&staging);
    }
    written.map(|()| final_dir)
}

fn write_files(
    dir: &Path,
    files: &BTreeMap<&str, Vec<u8>>,
    manifest_sha256: &str,
    signature: Option<&[u8; 64]>,
) -> Result<()> {
    let write = |relative: &str, bytes: &[u8]| -> Result<()> {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| WitnessError::io(parent, &e))?;
        }
        fs::write(&path, bytes).map_err(|e| WitnessError::io(&path, &e))
    };
    for (relative, bytes) in files {
        write(relative, bytes)?;
    }
    write(MANIFEST_FILE, manifest_sha256.as_bytes())?;
    if let Some(signature) = signature {
        write(SIGNATURE_FILE, signature)?;
    }
    Ok(())
}

/// Packs a bundle directory into `out_file` (`.tar.gz`), under the directory's own name.
pub fn archive_bundle(bundle_dir: &Path, out_file: &Path) -> Result<()> {
    let name = bundle_dir
        .file_name()
        .ok_or_else(|| WitnessError::validation("bundle_dir", "has no directory name"))?;
    let file = fs::File::create(out_file).map_err(|e| WitnessError::io(out_file, &e))?;
    let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder.follow_symlinks(false);
    builder
        .append_dir_all(name, bundle_dir)
        .map_err(|e| WitnessError::io(bundle_dir, &e))?;
    let encoder = builder
        .into_inner()
        .map_err(|e| WitnessError::io(out_file, &e))?;
    encoder
        .finish()
        .map_err(|e| WitnessError::io(out_file, &e))?;
    Ok(())
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_rfc3339(seconds)
}

/// Seconds since 1970-01-01T00:00:00Z as RFC 3339 (proleptic Gregorian calendar).
fn format_rfc3339(seconds: u64) -> String {
    let days = seconds / 86_400;
    let time = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a century leap year) 12:34:56.
        assert_eq!(format_rfc3339(951_827_696), "2000-02-29T12:34:56Z");
        assert_eq!(format_rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn refuses_an_input_that_is_not_the_reference() {
        let dir = std::env::temp_dir();
        let e = generate_bundle(&BundleRequest::new(&dir, b"{}")).unwrap_err();
        assert!(e.to_string().contains(REFERENCE_SHA256), "{e}");
    }
}
