//! Verifying a bundle: every check runs and reports; nothing in a bad bundle is an error.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::contents::{load_bundle, BundleContents};
use crate::digest::{is_sha256_hex, sha256_hex};
use crate::manifest::{
    bundle_path, parse_manifest, BundleManifest, ManifestEntry, EXPECTED_HASH_FILE, MANIFEST_FILE,
    MANIFEST_JSON, REFERENCE_FILE, REQUIRED_FILES, SCHEMA, SIGNATURE_FILE, SUMMARY_FILE,
};
use crate::sequence::{CsiSequence, REFERENCE_SHA256};
use crate::signing::{check_signature, public_key_from_hex, public_key_hex, VerifyingKey};
use crate::stream::{feature_hash, pipeline_description, FeatureDigest};

/// The outcome of one named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// The most problems one check lists; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 20;

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            ok: true,
            detail: detail.into(),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            ok: false,
            detail: detail.into(),
        }
    }

    /// Passes when `problems` is empty, else fails listing the first [`MAX_LISTED_PROBLEMS`]
    /// of them and how many more there are (a hostile manifest cannot flood the report).
    fn from_problems(name: &'static str, problems: &[String], ok_detail: String) -> Self {
        if problems.is_empty() {
            return Check::pass(name, ok_detail);
        }
        let shown = &problems[..problems.len().min(MAX_LISTED_PROBLEMS)];
        let mut detail = shown.join("; ");
        if problems.len() > shown.len() {
            detail.push_str(&format!("; and {} more", problems.len() - shown.len()));
        }
        Check::fail(name, detail)
    }
}

/// All checks of one bundle, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub checks: Vec<Check>,
    /// The feature hash this installation computed from the bundle's reference input, if the
    /// pipeline ran.
    pub computed_hash: Option<String>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// `"PASS"` or `"FAIL"`.
    pub fn verdict(&self) -> &'static str {
        if self.passed() {
            "PASS"
        } else {
            "FAIL"
        }
    }

    /// One line: the failed checks and their causes, or a PASS summary.
    pub fn detail(&self) -> String {
        if self.passed() {
            let hash = self.computed_hash.as_deref().unwrap_or("none");
            return format!(
                "all {} checks passed; feature hash {hash}",
                self.checks.len()
            );
        }
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Verifies a bundle directory or `.tar.gz` of the published reference input. With
/// `public_key`, the bundle must carry a valid signature by that key.
pub fn verify_bundle(path: &Path, public_key: Option<&VerifyingKey>) -> Verification {
    verify_bundle_pinned(path, public_key, REFERENCE_SHA256)
}

/// [`verify_bundle`] for a bundle whose reference input must have SHA-256 `reference_sha256`.
pub fn verify_bundle_pinned(
    path: &Path,
    public_key: Option<&VerifyingKey>,
    reference_sha256: &str,
) -> Verification {
    let contents = match load_bundle(path) {
        Ok(contents) => contents,
        Err(cause) => {
            return Verification {
                checks: vec![Check::fail("bundle", cause)],
                computed_hash: None,
            }
        }
    };
    let mut checks = vec![Check::pass(
        "bundle",
        format!("{} with {} files", contents.source, contents.files.len()),
    )];
    let entries = contents
        .files
        .get(MANIFEST_FILE)
        .ok_or_else(|| format!("{MANIFEST_FILE} is missing"))
        .and_then(|bytes| parse_manifest(bytes));
    checks.push(check_paths(
        &contents,
        entries.as_deref().unwrap_or_default(),
    ));
    let (manifest_check, listed) = check_manifest_entries(&contents, &entries);
    checks.push(manifest_check);
    checks.push(check_unlisted(&contents, &listed));
    let (schema_check, manifest) = check_schema(&contents);
    checks.push(schema_check);
    checks.push(check_bundle_signature(
        &contents,
        manifest.as_ref(),
        public_key,
    ));
    let reference_check = check_reference(&contents, manifest.as_ref(), reference_sha256);
    let reference_ok = reference_check.ok;
    checks.push(reference_check);
    let (expected_check, expected) = check_expected_hash(&contents, manifest.as_ref());
    checks.push(expected_check);
    checks.push(check_pipeline_config(manifest.as_ref()));
    let (hash_check, digest) = check_feature_hash(
        &contents,
        reference_ok,
        expected.as_deref(),
        manifest.as_ref(),
    );
    checks.push(hash_check);
    checks.push(check_summary(&contents, digest.as_ref()));
    Verification {
        checks,
        computed_hash: digest.map(|d| d.feature_hash),
    }
}

/// No links, special files or escaping archive members; every manifest path stays inside.
fn check_paths(contents: &BundleContents, entries: &[ManifestEntry]) -> Check {
    let mut problems: Vec<String> = Vec::new();
    problems.extend(
        contents
            .links
            .iter()
            .map(|p| format!("./{p} is a symlink or hard link; a bundle holds regular files only")),
    );
    problems.extend(
        contents
            .unsafe_paths
            .iter()
            .map(|p| format!("archive member {p:?} escapes the bundle")),
    );
    problems.extend(
        contents
            .special
            .iter()
            .map(|p| format!("./{p} is not a regular file")),
    );
    problems.extend(
        entries
            .iter()
            .filter_map(|e| bundle_path(&e.raw_path).err()),
    );
    Check::from_problems(
        "paths",
        &problems,
        "every path is a regular file inside the bundle".into(),
    )
}

/// Every listed file exists and has the listed SHA-256; the required files are listed.
/// Returns the set of listed bundle paths.
fn check_manifest_entries(
    contents: &BundleContents,
    entries: &Result<Vec<ManifestEntry>, String>,
) -> (Check, BTreeSet<String>) {
    const NAME: &str = "manifest_sha256";
    let mut listed = BTreeSet::new();
    let entries = match entries {
        Ok(entries) => entries,
        Err(cause) => return (Check::fail(NAME, cause.clone()), listed),
    };
    let mut problems = Vec::new();
    for entry in entries {
        // Unsafe paths are reported by the `paths` check and never looked up.
        let Ok(path) = bundle_path(&entry.raw_path) else {
            continue;
        };
        if !listed.insert(path.to_owned()) {
            problems.push(format!("./{path} is listed twice"));
            continue;
        }
        match contents.files.get(path) {
            None => problems.push(format!("./{path} is listed but missing from the bundle")),
            Some(bytes) => {
                let actual = sha256_hex(bytes);
                if actual != entry.digest {
                    problems.push(format!(
                        "./{path} has sha256 {actual}, the manifest lists {}",
                        entry.digest
                    ));
                }
            }
        }
    }
    for required in REQUIRED_FILES {
        if !listed.contains(required) {
            problems.push(format!("required file ./{required} is not listed"));
        }
    }
    let ok_detail = format!("{} files match their sha256", listed.len());
    (Check::from_problems(NAME, &problems, ok_detail), listed)
}

/// Every file except the manifest and its signature is listed.
fn check_unlisted(contents: &BundleContents, listed: &BTreeSet<String>) -> Check {
    let problems: Vec<String> = contents
        .files
        .keys()
        .filter(|p| p.as_str() != MANIFEST_FILE && p.as_str() != SIGNATURE_FILE)
        .filter(|p| !listed.contains(p.as_str()))
        .map(|p| format!("./{p} is not listed in {MANIFEST_FILE}"))
        .collect();
    Check::from_problems("unlisted_files", &problems, "no unlisted files".into())
}

/// `manifest.json` parses and has the version-2 schema.
fn check_schema(contents: &BundleContents) -> (Check, Option<BundleManifest>) {
    const NAME: &str = "schema";
    let Some(bytes) = contents.files.get(MANIFEST_JSON) else {
        return (
            Check::fail(NAME, format!("{MANIFEST_JSON} is missing")),
            None,
        );
    };
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => {
            return (
                Check::fail(NAME, format!("{MANIFEST_JSON} is not JSON: {e}")),
                None,
            )
        }
    };
    match value.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        Some(other) => {
            let detail = format!("unsupported schema {other:?}; this verifier reads {SCHEMA:?}");
            return (Check::fail(NAME, detail), None);
        }
        None => {
            return (
                Check::fail(NAME, format!("{MANIFEST_JSON} has no \"schema\" string")),
                None,
            )
        }
    }
    match serde_json::from_value::<BundleManifest>(value) {
        Ok(manifest) => (Check::pass(NAME, SCHEMA), Some(manifest)),
        Err(e) => (
            Check::fail(
                NAME,
                format!("{MANIFEST_JSON} does not follow {SCHEMA}: {e}"),
            ),
            None,
        ),
    }
}

fn check_bundle_signature(
    contents: &BundleContents,
    manifest: Option<&BundleManifest>,
    public_key: Option<&VerifyingKey>,
) -> Check {
    const NAME: &str = "signature";
    let signature = contents.files.get(SIGNATURE_FILE);
    let signer = manifest.and_then(|m| m.signer_public_key.as_deref());
    let message = contents
        .files
        .get(MANIFEST_FILE)
        .map(Vec::as_slice)
        .unwrap_or_default();
    match (public_key, signature) {
        (Some(key), None) => Check::fail(
            NAME,
            format!(
                "{SIGNATURE_FILE} is missing, but public key {} was given",
                public_key_hex(key)
            ),
        ),
        (Some(key), Some(signature)) => {
            let given = public_key_hex(key);
            if let Err(cause) = check_signature(key, message, signature) {
                return Check::fail(NAME, format!("bad signature: {cause}"));
            }
            match signer {
                Some(named) if !named.eq_ignore_ascii_case(&given) => Check::fail(
                    NAME,
                    format!("{MANIFEST_JSON} names signer {named}, but the given key is {given}"),
                ),
                _ => Check::pass(NAME, format!("valid signature by {given}")),
            }
        }
        (None, Some(signature)) => match signer {
            None => Check::fail(
                NAME,
                format!("{SIGNATURE_FILE} is present but {MANIFEST_JSON} names no signer key"),
            ),
            Some(named) => match public_key_from_hex(named) {
                Err(e) => Check::fail(NAME, format!("{MANIFEST_JSON} signer key: {e}")),
                Ok(key) => match check_signature(&key, message, signature) {
                    Ok(()) => Check::pass(
                        NAME,
                        format!(
                            "valid signature by the bundle's own key {named}; give a public key \
                             to check who signed it"
                        ),
                    ),
                    Err(cause) => Check::fail(NAME, format!("bad signature: {cause}")),
                },
            },
        },
        (None, None) => match signer {
            Some(named) => Check::fail(
                NAME,
                format!("{MANIFEST_JSON} names signer {named}, but {SIGNATURE_FILE} is missing"),
            ),
            None => Check::pass(NAME, "unsigned bundle; no public key given"),
        },
    }
}

/// The reference input is the published one, as pinned in the library and the manifest.
fn check_reference(
    contents: &BundleContents,
    manifest: Option<&BundleManifest>,
    reference_sha256: &str,
) -> Check {
    const NAME: &str = "reference_input";
    let Some(bytes) = contents.files.get(REFERENCE_FILE) else {
        return Check::fail(NAME, format!("./{REFERENCE_FILE} is missing"));
    };
    let actual = sha256_hex(bytes);
    if actual != reference_sha256 {
        return Check::fail(
            NAME,
            format!(
                "./{REFERENCE_FILE} has sha256 {actual}, not that of the published reference \
                 input {reference_sha256}: the reference input was edited"
            ),
        );
    }
    match manifest {
        Some(m) if m.input.sha256 != reference_sha256 || m.input.path != REFERENCE_FILE => {
            Check::fail(
                NAME,
                format!(
                    "{MANIFEST_JSON} pins input {} with sha256 {}, expected {REFERENCE_FILE} with {reference_sha256}",
                    m.input.path, m.input.sha256
                ),
            )
        }
        _ => Check::pass(NAME, format!("sha256 {actual}")),
    }
}

/// `proof/expected_features_v2.sha256` is one hex digest, equal to the manifest's.
fn check_expected_hash(
    contents: &BundleContents,
    manifest: Option<&BundleManifest>,
) -> (Check, Option<String>) {
    const NAME: &str = "expected_hash";
    let Some(bytes) = contents.files.get(EXPECTED_HASH_FILE) else {
        return (
            Check::fail(NAME, format!("./{EXPECTED_HASH_FILE} is missing")),
            None,
        );
    };
    let text = String::from_utf8_lossy(bytes);
    let expected = text.strip_suffix('\n').unwrap_or(&text);
    if !is_sha256_hex(expected) {
        let detail = format!(
            "./{EXPECTED_HASH_FILE} must hold one line of 64 lower-case hex digits, got {:?}",
            expected.chars().take(80).collect::<String>()
        );
        return (Check::fail(NAME, detail), None);
    }
    let expected = expected.to_owned();
    match manifest {
        Some(m) if m.feature_hash != expected => {
            let detail = format!(
                "./{EXPECTED_HASH_FILE} holds {expected}, {MANIFEST_JSON} says {}",
                m.feature_hash
            );
            (Check::fail(NAME, detail), Some(expected))
        }
        _ => (Check::pass(NAME, expected.clone()), Some(expected)),
    }
}

/// The manifest describes the pipeline this library runs.
fn check_pipeline_config(manifest: Option<&BundleManifest>) -> Check {
    const NAME: &str = "pipeline_config";
    match manifest {
        None => Check::fail(NAME, format!("not checked: no valid {MANIFEST_JSON}")),
        Some(m) if m.pipeline != pipeline_description() => Check::fail(
            NAME,
            format!(
                "the pipeline configuration in {MANIFEST_JSON} differs from the one this \
                 library runs"
            ),
        ),
        Some(_) => Check::pass(NAME, "the configuration this library runs"),
    }
}

/// Re-runs the pipeline on the verified reference input and compares the hash.
fn check_feature_hash(
    contents: &BundleContents,
    reference_ok: bool,
    expected: Option<&str>,
    manifest: Option<&BundleManifest>,
) -> (Check, Option<FeatureDigest>) {
    const NAME: &str = "feature_hash";
    let bytes = match contents.files.get(REFERENCE_FILE) {
        Some(bytes) if reference_ok => bytes,
        _ => {
            return (
                Check::fail(NAME, "not run: the reference input did not verify"),
                None,
            )
        }
    };
    let digest = match CsiSequence::from_reference_json(bytes).and_then(|s| feature_hash(&s)) {
        Ok(digest) => digest,
        Err(e) => return (Check::fail(NAME, format!("the pipeline failed: {e}")), None),
    };
    let computed = &digest.feature_hash;
    let check = match expected {
        None => Check::fail(
            NAME,
            format!("computed {computed}; no valid expected hash to compare"),
        ),
        Some(expected) if expected != computed => Check::fail(
            NAME,
            format!(
                "computed {computed} over {} values, but the bundle expects {expected}",
                digest.value_count
            ),
        ),
        Some(_) => match manifest {
            Some(m) if m.feature_count != digest.value_count => Check::fail(
                NAME,
                format!(
                    "{MANIFEST_JSON} feature_count is {}, the pipeline hashed {} values",
                    m.feature_count, digest.value_count
                ),
            ),
            _ => Check::pass(
                NAME,
                format!("computed {computed} over {} values", digest.value_count),
            ),
        },
    };
    (check, Some(digest))
}

/// `proof/features.summary.json` equals the summary of the recomputed stream.
fn check_summary(contents: &BundleContents, digest: Option<&FeatureDigest>) -> Check {
    const NAME: &str = "summary";
    let Some(digest) = digest else {
        return Check::fail(NAME, "not checked: the pipeline did not run");
    };
    match contents.files.get(SUMMARY_FILE) {
        None => Check::fail(NAME, format!("./{SUMMARY_FILE} is missing")),
        Some(bytes) if bytes.as_slice() != digest.summary_json().as_bytes() => Check::fail(
            NAME,
            format!("./{SUMMARY_FILE} differs from the summary of the recomputed stream"),
        ),
        Some(_) => Check::pass(NAME, "matches the recomputed stream"),
    }
}
