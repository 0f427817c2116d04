//! Bundle generation and verification: PASS cases and every "Must fail" case of the spec.

mod common;

use std::fs;
use std::path::Path;

use common::{flip_byte, make_bundle, rehash_manifest, signing_key, temp_dir};
use wifi_densepose_witness::manifest::{
    EXPECTED_HASH_FILE, MANIFEST_FILE, MANIFEST_JSON, REFERENCE_FILE, SIGNATURE_FILE, SUMMARY_FILE,
};
use wifi_densepose_witness::{archive_bundle, verify_bundle_pinned, Verification, VerifyingKey};

fn verify(bundle: &Path, pin: &str, key: Option<&VerifyingKey>) -> Verification {
    verify_bundle_pinned(bundle, key, pin)
}

/// Asserts FAIL with a failed check `check` whose detail contains `cause`.
fn assert_fails(result: &Verification, check: &str, cause: &str) {
    assert_eq!(result.verdict(), "FAIL", "{}", result.detail());
    let failed = result.checks.iter().find(|c| c.name == check && !c.ok);
    let failed = failed.unwrap_or_else(|| panic!("check {check} did not fail: {result:#?}"));
    assert!(
        failed.detail.contains(cause),
        "{check}: {:?} lacks {cause:?}",
        failed.detail
    );
    assert!(result.detail().contains(cause), "{}", result.detail());
}

#[test]
fn a_fresh_bundle_passes_every_check() {
    let (bundle, pin) = make_bundle("fresh", None);
    let name = bundle.file_name().unwrap().to_str().unwrap().to_owned();
    let result = verify(&bundle, &pin, None);
    assert_eq!(result.verdict(), "PASS", "{}", result.detail());
    let names: Vec<_> = result.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "bundle",
            "paths",
            "manifest_sha256",
            "unlisted_files",
            "schema",
            "signature",
            "reference_input",
            "expected_hash",
            "pipeline_config",
            "feature_hash",
            "summary"
        ]
    );
    let expected = fs::read_to_string(bundle.join(EXPECTED_HASH_FILE)).unwrap();
    assert_eq!(result.computed_hash.as_deref(), Some(expected.trim_end()));
    assert_eq!(name, format!("witness-bundle-2.0.0-{}", &expected[..8]));
    assert!(
        result.detail().starts_with("all 11 checks passed"),
        "{}",
        result.detail()
    );
}

#[test]
fn manifest_is_sha256sum_format_sorted_by_path() {
    let (bundle, _) = make_bundle("format", None);
    let text = fs::read_to_string(bundle.join(MANIFEST_FILE)).unwrap();
    let paths: Vec<&str> = text.lines().map(|l| &l[66..]).collect();
    assert_eq!(
        paths,
        [
            "./manifest.json",
            "./proof/expected_features_v2.sha256",
            "./proof/features.summary.json",
            "./reference/sample_csi_data.json"
        ]
    );
    for line in text.lines() {
        let (digest, path) = line.split_once("  ").unwrap();
        let bytes = fs::read(bundle.join(&path[2..])).unwrap();
        assert_eq!(digest, wifi_densepose_witness::digest::sha256_hex(&bytes));
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join(MANIFEST_JSON)).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "wifi-densepose-witness/2");
    assert_eq!(manifest["created_at"], "2026-11-28T10:15:00Z");
    assert_eq!(manifest["input"]["frames"], common::FRAMES);
    assert!(manifest.get("signer_public_key").is_none());
}

#[test]
fn signed_bundle_passes_with_the_right_key_only() {
    let key = signing_key(3);
    let (bundle, pin) = make_bundle("signed", Some(&key));
    let public = key.verifying_key();
    let result = verify(&bundle, &pin, Some(&public));
    assert_eq!(result.verdict(), "PASS", "{}", result.detail());
    // Without a trusted key the bundle's own key is checked.
    assert_eq!(verify(&bundle, &pin, None).verdict(), "PASS");

    let stranger = signing_key(4).verifying_key();
    assert_fails(
        &verify(&bundle, &pin, Some(&stranger)),
        "signature",
        "bad signature",
    );
}

#[test]
fn missing_or_corrupt_signature_fails_when_a_key_is_given() {
    let key = signing_key(5);
    let (unsigned, pin) = make_bundle("unsigned-with-key", None);
    assert_fails(
        &verify(&unsigned, &pin, Some(&key.verifying_key())),
        "signature",
        "missing",
    );

    let (signed, pin) = make_bundle("sig-removed", Some(&key));
    fs::remove_file(signed.join(SIGNATURE_FILE)).unwrap();
    assert_fails(
        &verify(&signed, &pin, Some(&key.verifying_key())),
        "signature",
        "missing",
    );
    // The manifest still names the signer, so even without a key the removal is caught.
    assert_fails(&verify(&signed, &pin, None), "signature", "missing");

    let (corrupt, pin) = make_bundle("sig-corrupt", Some(&key));
    flip_byte(&corrupt, SIGNATURE_FILE, 10);
    assert_fails(
        &verify(&corrupt, &pin, Some(&key.verifying_key())),
        "signature",
        "bad signature",
    );
}

#[test]
fn one_changed_byte_in_any_file_fails_naming_the_file() {
    let key = signing_key(6);
    for file in [
        MANIFEST_JSON,
        REFERENCE_FILE,
        EXPECTED_HASH_FILE,
        SUMMARY_FILE,
    ] {
        let (bundle, pin) = make_bundle("byte", Some(&key));
        flip_byte(&bundle, file, 5);
        assert_fails(
            &verify(&bundle, &pin, None),
            "manifest_sha256",
            &format!("./{file} has sha256"),
        );
    }
    // A byte of the manifest itself: its entry no longer matches the file or the signature.
    let (bundle, pin) = make_bundle("byte-manifest", Some(&key));
    flip_byte(&bundle, MANIFEST_FILE, 3);
    let result = verify(&bundle, &pin, Some(&key.verifying_key()));
    assert_fails(&result, "signature", "bad signature");
    assert_fails(&result, "manifest_sha256", "./manifest.json has sha256");
}

#[test]
fn added_removed_or_renamed_files_fail() {
    let (added, pin) = make_bundle("added", None);
    fs::write(added.join("proof/extra.txt"), "hello").unwrap();
    assert_fails(
        &verify(&added, &pin, None),
        "unlisted_files",
        "./proof/extra.txt is not listed",
    );

    let (removed, pin) = make_bundle("removed", None);
    fs::remove_file(removed.join(SUMMARY_FILE)).unwrap();
    assert_fails(
        &verify(&removed, &pin, None),
        "manifest_sha256",
        "features.summary.json is listed but missing",
    );

    let (renamed, pin) = make_bundle("renamed", None);
    fs::rename(
        renamed.join(SUMMARY_FILE),
        renamed.join("proof/summary.json"),
    )
    .unwrap();
    let result = verify(&renamed, &pin, None);
    assert_fails(
        &result,
        "manifest_sha256",
        "features.summary.json is listed but missing",
    );
    assert_fails(
        &result,
        "unlisted_files",
        "./proof/summary.json is not listed",
    );
}

#[test]
fn an_edited_manifest_entry_fails() {
    let (bundle, pin) = make_bundle("entry", None);
    let path = bundle.join(MANIFEST_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let edited = text.replacen(&text[..64], &"0".repeat(64), 1);
    fs::write(&path, edited).unwrap();
    assert_fails(
        &verify(&bundle, &pin, None),
        "manifest_sha256",
        "the manifest lists 0000",
    );

    let (dropped, pin) = make_bundle("entry-dropped", None);
    let path = dropped.join(MANIFEST_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.ends_with("summary.json"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&path, kept).unwrap();
    let result = verify(&dropped, &pin, None);
    assert_fails(
        &result,
        "manifest_sha256",
        "required file ./proof/features.summary.json is not listed",
    );
    assert_fails(
        &result,
        "unlisted_files",
        "./proof/features.summary.json is not listed",
    );
}

#[test]
fn an_edited_expected_hash_fails_even_with_a_matching_manifest() {
    let (bundle, pin) = make_bundle("expected", None);
    let forged = format!("{}\n", "ab".repeat(32));
    fs::write(bundle.join(EXPECTED_HASH_FILE), &forged).unwrap();
    rehash_manifest(&bundle);
    let result = verify(&bundle, &pin, None);
    assert_fails(
        &result,
        "feature_hash",
        &format!("the bundle expects {}", "ab".repeat(32)),
    );
    assert_fails(&result, "expected_hash", "manifest.json says");

    // The forger also edits manifest.json: the re-run pipeline still disagrees.
    let text = fs::read_to_string(bundle.join(MANIFEST_JSON)).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let real = manifest["feature_hash"].as_str().unwrap().to_owned();
    fs::write(
        bundle.join(MANIFEST_JSON),
        text.replace(&real, &"ab".repeat(32)),
    )
    .unwrap();
    rehash_manifest(&bundle);
    let result = verify(&bundle, &pin, None);
    assert_fails(&result, "feature_hash", &format!("computed {real}"));
    assert!(
        result
            .checks
            .iter()
            .find(|c| c.name == "expected_hash")
            .unwrap()
            .ok
    );
}

#[test]
fn an_edited_reference_input_fails_even_with_a_matching_manifest() {
    let (bundle, pin) = make_bundle("reference", None);
    let path = bundle.join(REFERENCE_FILE);
    let text = fs::read_to_string(&path).unwrap();
    // One float of the first frame's amplitude, changed in its last digit.
    let start = text.find("\"amplitude\"").unwrap();
    let digit = start + text[start..].find(|c: char| c.is_ascii_digit()).unwrap();
    let end = digit
        + text[digit..]
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap();
    let mut edited = text.clone().into_bytes();
    edited[end - 1] = if edited[end - 1] == b'1' { b'2' } else { b'1' };
    fs::write(&path, edited).unwrap();
    rehash_manifest(&bundle);
    let result = verify(&bundle, &pin, None);
    assert_fails(&result, "reference_input", "the reference input was edited");
    assert_fails(&result, "feature_hash", "not run");
}

#[test]
fn an_incompatible_schema_fails() {
    let (bundle, pin) = make_bundle("schema", None);
    let path = bundle.join(MANIFEST_JSON);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("wifi-densepose-witness/2", "wifi-densepose-witness/1"),
    )
    .unwrap();
    rehash_manifest(&bundle);
    assert_fails(
        &verify(&bundle, &pin, None),
        "schema",
        "unsupported schema \"wifi-densepose-witness/1\"",
    );

    let (bundle, pin) = make_bundle("schema-garbage", None);
    fs::write(bundle.join(MANIFEST_JSON), "[1, 2").unwrap();
    rehash_manifest(&bundle);
    assert_fails(&verify(&bundle, &pin, None), "schema", "is not JSON");
}

#[test]
fn manifest_paths_that_escape_the_bundle_fail() {
    for (label, path, cause) in [
        ("dotdot", "./../outside.txt", "escapes the bundle"),
        ("nested", "./proof/../../outside.txt", "escapes the bundle"),
        ("absolute", "/etc/passwd", "absolute"),
    ] {
        let (bundle, pin) = make_bundle(label, None);
        let mut text = fs::read_to_string(bundle.join(MANIFEST_FILE)).unwrap();
        text.push_str(&format!("{}  {path}\n", "0".repeat(64)));
        fs::write(bundle.join(MANIFEST_FILE), text).unwrap();
        assert_fails(&verify(&bundle, &pin, None), "paths", cause);
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_bundle_fails() {
    let (bundle, pin) = make_bundle("symlink", None);
    let outside = temp_dir("symlink-target").join("summary.json");
    fs::copy(bundle.join(SUMMARY_FILE), &outside).unwrap();
    fs::remove_file(bundle.join(SUMMARY_FILE)).unwrap();
    std::os::unix::fs::symlink(&outside, bundle.join(SUMMARY_FILE)).unwrap();
    let result = verify(&bundle, &pin, None);
    assert_fails(
        &result,
        "paths",
        "./proof/features.summary.json is a symlink",
    );
    // The link target is never read: the file counts as missing.
    assert_fails(&result, "manifest_sha256", "listed but missing");
}

#[cfg(unix)]
#[test]
fn a_bundle_reached_through_a_symlink_passes() {
    let (bundle, pin) = make_bundle("linked-root", None);
    let link = temp_dir("linked-root-link").join("bundle");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    let result = verify(&link, &pin, None);
    assert_eq!(result.verdict(), "PASS", "{}", result.detail());
}

#[test]
fn tar_gz_passes_and_a_truncated_one_fails() {
    let key = signing_key(8);
    let (bundle, pin) = make_bundle("archive", Some(&key));
    let archive = bundle.with_extension("tar.gz");
    archive_bundle(&bundle, &archive).unwrap();
    let result = verify(&archive, &pin, Some(&key.verifying_key()));
    assert_eq!(result.verdict(), "PASS", "{}", result.detail());
    assert!(
        result.checks[0].detail.starts_with("archive with 6 files"),
        "{:?}",
        result.checks[0]
    );

    let bytes = fs::read(&archive).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 4] {
        let truncated = bundle.with_extension(format!("cut{cut}.tar.gz"));
        fs::write(&truncated, &bytes[..cut]).unwrap();
        assert_fails(
            &verify(&truncated, &pin, None),
            "bundle",
            "truncated or corrupt",
        );
    }
}

#[test]
fn unreadable_bundles_fail_without_panicking() {
    let pin = "0".repeat(64);
    assert_fails(
        &verify(Path::new("/nonexistent/bundle"), &pin, None),
        "bundle",
        "cannot read bundle",
    );
    let dir = temp_dir("not-archive");
    let junk = dir.join("junk.tar.gz");
    fs::write(&junk, b"not a gzip stream").unwrap();
    assert_fails(&verify(&junk, &pin, None), "bundle", "truncated or corrupt");
    let empty = temp_dir("empty-bundle");
    let result = verify(&empty, &pin, None);
    assert_fails(&result, "manifest_sha256", "MANIFEST.sha256 is missing");
    assert_fails(&result, "schema", "manifest.json is missing");
}

#[test]
fn an_existing_bundle_is_not_overwritten() {
    let (bundle, _) = make_bundle("exists", None);
    let reference = common::synthetic_reference_json();
    let pin = wifi_densepose_witness::digest::sha256_hex(&reference);
    let request = wifi_densepose_witness::BundleRequest {
        reference_sha256: &pin,
        ..wifi_densepose_witness::BundleRequest::new(bundle.parent().unwrap(), &reference)
    };
    let e = wifi_densepose_witness::generate_bundle(&request).unwrap_err();
    assert_eq!(wifi_densepose_core::ErrorInfo::code(&e), "BundleExists");
    assert!(
        e.to_string()
            .contains(bundle.file_name().unwrap().to_str().unwrap()),
        "{e}"
    );
}

#[test]
fn corrupted_archives_never_panic() {
    // A small archive (the reference replaced by two bytes) so every byte can be damaged.
    let (bundle, pin) = make_bundle("fuzz", None);
    let mut builder = tar::Builder::new(Vec::new());
    for file in [
        MANIFEST_FILE,
        MANIFEST_JSON,
        EXPECTED_HASH_FILE,
        SUMMARY_FILE,
        REFERENCE_FILE,
    ] {
        let data = if file == REFERENCE_FILE {
            b"{}".to_vec()
        } else {
            fs::read(bundle.join(file)).unwrap()
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, format!("bundle/{file}"), data.as_slice())
            .unwrap();
    }
    let tar_bytes = builder.into_inner().unwrap();
    let dir = temp_dir("fuzz-cases");
    let archive = dir.join("case.tar.gz");
    let mut cases = 0;
    for offset in (0..tar_bytes.len()).step_by(3) {
        let mut damaged = tar_bytes.clone();
        damaged[offset] ^= 0x5a;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &damaged).unwrap();
        fs::write(&archive, encoder.finish().unwrap()).unwrap();
        let result = verify(&archive, &pin, None);
        assert_eq!(result.verdict(), "FAIL");
        assert!(!result.detail().is_empty());
        cases += 1;
    }
    assert!(cases > 3000, "{cases}");
}
