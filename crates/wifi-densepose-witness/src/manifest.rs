//! The bundle's file names, `manifest.json` and the `sha256sum`-compatible `MANIFEST.sha256`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::is_sha256_hex;

/// The `schema` of a version-2 `manifest.json`.
pub const SCHEMA: &str = "wifi-densepose-witness/2";
pub const MANIFEST_FILE: &str = "MANIFEST.sha256";
pub const SIGNATURE_FILE: &str = "MANIFEST.sha256.sig";
pub const MANIFEST_JSON: &str = "manifest.json";
pub const REFERENCE_FILE: &str = "reference/sample_csi_data.json";
pub const EXPECTED_HASH_FILE: &str = "proof/expected_features_v2.sha256";
pub const SUMMARY_FILE: &str = "proof/features.summary.json";

/// Files every bundle lists in `MANIFEST.sha256`.
pub const REQUIRED_FILES: [&str; 4] = [
    MANIFEST_JSON,
    EXPECTED_HASH_FILE,
    SUMMARY_FILE,
    REFERENCE_FILE,
];

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    pub schema: String,
    pub package: PackageInfo,
    pub core_version: String,
    /// UTC, RFC 3339, e.g. `2026-11-28T10:15:00Z`.
    pub created_at: String,
    /// Informational only; never checked.
    pub platform: String,
    pub input: InputInfo,
    /// SHA-256 of the canonical feature stream, as in `proof/expected_features_v2.sha256`.
    pub feature_hash: String,
    /// Number of 8-byte values hashed.
    pub feature_count: u64,
    /// Configuration, hash order and exclusions: [`crate::pipeline_description`].
    pub pipeline: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputInfo {
    pub path: String,
    pub sha256: String,
    pub frames: usize,
    pub antennas: usize,
    pub subcarriers: usize,
    pub sampling_rate_hz: f64,
}

/// `MANIFEST.sha256`: `"<sha256>  ./<path>\n"` per file, sorted by path, as `sha256sum`
/// writes it, so `sha256sum -c MANIFEST.sha256` checks it from the bundle directory.
pub fn format_manifest(digests: &BTreeMap<String, String>) -> String {
    digests
        .iter()
        .map(|(path, digest)| format!("{digest}  ./{path}\n"))
        .collect()
}

/// One parsed line of `MANIFEST.sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub digest: String,
    /// The path as written, e.g. `./reference/sample_csi_data.json`.
    pub raw_path: String,
}

/// Parses `MANIFEST.sha256`; the error names the first bad line.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<ManifestEntry>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("{MANIFEST_FILE} is not UTF-8 text ({e})"))?;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(format!("{MANIFEST_FILE} does not end with a newline"));
    }
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let (digest, raw_path) = line
            .split_once("  ")
            .filter(|(digest, path)| is_sha256_hex(digest) && !path.is_empty())
            .ok_or_else(|| {
                format!(
                    "{MANIFEST_FILE} line {}: expected '<64 lower-case hex>  ./<path>', got {line:?}",
                    number + 1
                )
            })?;
        entries.push(ManifestEntry {
            digest: digest.to_owned(),
            raw_path: raw_path.to_owned(),
        });
    }
    if entries.is_empty() {
        return Err(format!("{MANIFEST_FILE} lists no files"));
    }
    Ok(entries)
}

/// The bundle-relative path of a manifest entry, or why it is not allowed: it must be
/// `./` followed by plain `/`-separated names, so it cannot leave the bundle.
pub fn bundle_path(raw_path: &str) -> Result<&str, String> {
    if raw_path.starts_with('/') || raw_path.contains('\\') || raw_path.contains(':') {
        return Err(format!("{raw_path:?} is an absolute or non-portable path"));
    }
    let relative = raw_path
        .strip_prefix("./")
        .ok_or_else(|| format!("{raw_path:?} does not start with './'"))?;
    if relative.split('/').any(|part| part == "..") {
        return Err(format!("{raw_path:?} escapes the bundle ('..')"));
    }
    if relative
        .split('/')
        .any(|part| part.is_empty() || part == "." || part.contains('\0'))
    {
        return Err(format!("{raw_path:?} has an empty or '.' component"));
    }
    Ok(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sorted_sha256sum_lines() {
        let digests: BTreeMap<String, String> = [
            ("reference/x.json".to_owned(), "b".repeat(64)),
            ("manifest.json".to_owned(), "a".repeat(64)),
        ]
        .into();
        let text = format_manifest(&digests);
        assert_eq!(
            text,
            format!(
                "{}  ./manifest.json\n{}  ./reference/x.json\n",
                "a".repeat(64),
                "b".repeat(64)
            )
        );
        let entries = parse_manifest(text.as_bytes()).unwrap();
        assert_eq!(entries[1].raw_path, "./reference/x.json");
        assert_eq!(entries[1].digest, "b".repeat(64));
    }

    #[test]
    fn malformed_manifests_name_the_line() {
        let good = format!("{}  ./a\n", "a".repeat(64));
        let e = parse_manifest(format!("{good}{} ./b\n", "c".repeat(64)).as_bytes()).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse_manifest(format!("{}  ./a\n", "A".repeat(64)).as_bytes()).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(parse_manifest(good.trim_end().as_bytes())
            .unwrap_err()
            .contains("newline"));
        assert!(parse_manifest(b"").unwrap_err().contains("no files"));
        assert!(parse_manifest(&[0xff, b'\n'])
            .unwrap_err()
            .contains("UTF-8"));
    }

    #[test]
    fn paths_must_stay_inside_the_bundle() {
        assert_eq!(bundle_path("./proof/x.sha256"), Ok("proof/x.sha256"));
        assert!(bundle_path("./../outside").unwrap_err().contains("escapes"));
        assert!(bundle_path("./proof/../../x")
            .unwrap_err()
            .contains("escapes"));
        assert!(bundle_path("/etc/passwd").unwrap_err().contains("absolute"));
        assert!(bundle_path("C:/x").unwrap_err().contains("absolute"));
        assert!(bundle_path("proof/x").unwrap_err().contains("./"));
        assert!(bundle_path("./a//b").unwrap_err().contains("empty"));
        assert!(bundle_path("./a/./b").unwrap_err().contains("'.'"));
    }

    #[test]
    fn manifest_json_round_trips_and_rejects_unknown_fields() {
        let manifest = BundleManifest {
            schema: SCHEMA.into(),
            package: PackageInfo {
                name: "wifi-densepose".into(),
                version: "2.0.0".into(),
            },
            core_version: "2.0.0".into(),
            created_at: "2026-11-28T10:15:00Z".into(),
            platform: "linux-x86_64".into(),
            input: InputInfo {
                path: REFERENCE_FILE.into(),
                sha256: "a".repeat(64),
                frames: 1000,
                antennas: 3,
                subcarriers: 56,
                sampling_rate_hz: 100.0,
            },
            feature_hash: "b".repeat(64),
            feature_count: 5,
            pipeline: serde_json::json!({"k": 1}),
            signer_public_key: None,
        };
        let text = serde_json::to_string(&manifest).unwrap();
        assert!(!text.contains("signer_public_key"));
        assert_eq!(
            serde_json::from_str::<BundleManifest>(&text).unwrap(),
            manifest
        );
        let extra = text.replacen('{', "{\"extra\": 1, ", 1);
        assert!(serde_json::from_str::<BundleManifest>(&extra).is_err());
    }
}
