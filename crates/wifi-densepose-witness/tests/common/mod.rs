//! A small synthetic reference input and bundle helpers for the integration tests.

#![allow(dead_code)]

use std::f64::consts::PI;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use wifi_densepose_witness::digest::sha256_hex;
use wifi_densepose_witness::manifest::{format_manifest, parse_manifest, MANIFEST_FILE};
use wifi_densepose_witness::{generate_bundle, BundleRequest, SigningKey};

pub const FRAMES: usize = 600;
pub const ANTENNAS: usize = 2;
pub const SUBCARRIERS: usize = 8;
pub const RATE_HZ: f64 = 100.0;

/// A reference-format document: multipath-like amplitude modulated by 0.3 Hz breathing and a
/// 1.2 Hz component, wrapped phase constant over time (as in `sample_csi_data.json`).
pub fn synthetic_reference_json() -> Vec<u8> {
    let frames: Vec<_> = (0..FRAMES)
        .map(|t| {
            let time = t as f64 / RATE_HZ;
            let modulation =
                1.0 + 0.02 * (2.0 * PI * 0.3 * time).sin() + 0.08 * (2.0 * PI * 1.2 * time).sin();
            let amplitude: Vec<Vec<f64>> = (0..ANTENNAS)
                .map(|a| {
                    (0..SUBCARRIERS)
                        .map(|s| (1.0 + 0.4 * (0.5 * s as f64 + a as f64).cos()) * modulation)
                        .collect()
                })
                .collect();
            let phase: Vec<Vec<f64>> = (0..ANTENNAS)
                .map(|a| {
                    (0..SUBCARRIERS)
                        .map(|s| wrap(0.9 * s as f64 + 1.3 * a as f64))
                        .collect()
                })
                .collect();
            json!({"frame_index": t, "timestamp_s": time, "amplitude": amplitude, "phase": phase})
        })
        .collect();
    let document = json!({
        "description": "synthetic test input",
        "num_frames": FRAMES,
        "sampling_rate_hz": RATE_HZ,
        "frequency_hz": 5.21e9,
        "bandwidth_hz": 17.5e6,
        "frames": frames,
    });
    serde_json::to_vec_pretty(&document).expect("a JSON value serialises")
}

fn wrap(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

/// A fresh, empty directory under the system temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("witness-test-{}-{label}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A bundle of the synthetic input in a fresh directory, and the pin to verify it with.
pub fn make_bundle(label: &str, key: Option<&SigningKey>) -> (PathBuf, String) {
    let reference = synthetic_reference_json();
    let pin = sha256_hex(&reference);
    let out = temp_dir(label);
    let request = BundleRequest {
        reference_sha256: &pin,
        signing_key: key,
        created_at: Some("2026-11-28T10:15:00Z".into()),
        ..BundleRequest::new(&out, &reference)
    };
    (generate_bundle(&request).expect("bundle"), pin)
}

/// Rewrites `MANIFEST.sha256` so it matches the bundle's current files again, as a forger
/// who edits a file and its manifest entry would.
pub fn rehash_manifest(bundle: &Path) {
    let text = fs::read(bundle.join(MANIFEST_FILE)).expect("manifest");
    let digests = parse_manifest(&text)
        .expect("parsable manifest")
        .into_iter()
        .map(|entry| {
            let path = entry.raw_path.trim_start_matches("./").to_owned();
            let digest = sha256_hex(&fs::read(bundle.join(&path)).expect("listed file"));
            (path, digest)
        })
        .collect();
    fs::write(bundle.join(MANIFEST_FILE), format_manifest(&digests)).expect("write manifest");
}

/// Flips the lowest bit of the byte at `offset` of `file` (relative to `bundle`).
pub fn flip_byte(bundle: &Path, file: &str, offset: usize) {
    let path = bundle.join(file);
    let mut bytes = fs::read(&path).expect("file");
    bytes[offset] ^= 1;
    fs::write(&path, bytes).expect("write");
}

pub fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}
