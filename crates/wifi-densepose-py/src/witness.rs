//! `wifi_densepose.witness`: the canonical feature hash, bundle generation and verification.
//!
//! Verification never raises for a bad bundle: it returns a `VerificationResult` whose checks
//! say what failed. Only bad arguments (a malformed key, an unreadable key file) raise.

use std::path::PathBuf;

use ndarray::{Array3, Ix2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use wifi_densepose_witness::{
    feature_hash, generate_bundle, public_key_from_hex, public_key_hex, signing_key_from_bytes,
    verify_bundle, BundleRequest, Check, CsiSequence, SigningKey, Verification, VerifyingKey,
    WitnessError, REFERENCE_SHA256, SCHEMA,
};

use crate::arrays::f64_array;
use crate::errors::{shape_error, validation_error, OrRaise};
use crate::getters::getters;

/// One named check of a bundle verification: `ok` and a `detail` naming the cause.
#[pyclass(
    module = "wifi_densepose._core",
    name = "VerificationCheck",
    frozen,
    eq
)]
#[derive(Clone, PartialEq)]
pub struct PyVerificationCheck(Check);

#[pymethods]
impl PyVerificationCheck {
    fn __repr__(&self) -> String {
        let ok = if self.0.ok { "True" } else { "False" };
        format!(
            "VerificationCheck(name={:?}, ok={ok}, detail={:?})",
            self.0.name, self.0.detail
        )
    }
}

getters!(PyVerificationCheck, |this| {
    name: &'static str = this.0.name,
    ok: bool = this.0.ok,
    detail: &str = &this.0.detail,
});

/// The outcome of `verify_bundle`: `verdict` ("PASS" or "FAIL"), a one-line `detail` naming
/// every failed check and its cause, and all `checks` in the order they ran. True when PASS.
#[pyclass(module = "wifi_densepose._core", name = "VerificationResult", frozen)]
pub struct PyVerificationResult(Verification);

#[pymethods]
impl PyVerificationResult {
    fn __bool__(&self) -> bool {
        self.0.passed()
    }

    fn __repr__(&self) -> String {
        format!(
            "VerificationResult(verdict={:?}, detail={:?})",
            self.0.verdict(),
            self.0.detail()
        )
    }
}

getters!(PyVerificationResult, |this| {
    verdict: &'static str,
    passed: bool,
    detail: String,

    checks: Vec<PyVerificationCheck> = {
        this.0
            .checks
            .iter()
            .cloned()
            .map(PyVerificationCheck)
            .collect()
    },

    /// The feature hash this installation computed from the bundle's reference input (64 hex
    /// digits), or None when the pipeline did not run.
    computed_hash: Option<&str> = this.0.computed_hash.as_deref(),
});

/// The SHA-256 (64 hex digits) of the canonical feature stream over `frames`.
///
/// `frames` is a sequence of mappings with `"amplitude"` and `"phase"` (radians, wrapped to
/// [-pi, pi]), each `[antenna, subcarrier]`: the `frames` list of a reference JSON file, so
/// `witness_feature_hash(json.load(f)["frames"])` reproduces the published hash.
/// `sampling_rate_hz`, `frequency_hz` and `bandwidth_hz` (Hz) default to the reference input's.
#[pyfunction]
#[pyo3(signature = (frames, *, sampling_rate_hz=100.0, frequency_hz=5.21e9, bandwidth_hz=17.5e6))]
fn witness_feature_hash(
    py: Python<'_>,
    frames: &Bound<'_, PyAny>,
    sampling_rate_hz: f64,
    frequency_hz: f64,
    bandwidth_hz: f64,
) -> PyResult<String> {
    let (amplitude, phase) = frames_to_arrays(frames)?;
    let sequence = CsiSequence::new(
        amplitude,
        phase,
        sampling_rate_hz,
        frequency_hz,
        bandwidth_hz,
    )
    .or_raise()?;
    py.detach(|| feature_hash(&sequence))
        .map(|d| d.feature_hash)
        .or_raise()
}

/// `[T, A, S]` amplitude and phase from a sequence of `{"amplitude", "phase"}` mappings.
fn frames_to_arrays(frames: &Bound<'_, PyAny>) -> PyResult<(Array3<f64>, Array3<f64>)> {
    let mut amplitudes = Vec::new();
    let mut phases = Vec::new();
    for (t, frame) in frames.try_iter()?.enumerate() {
        let frame = frame?;
        for (key, out) in [("amplitude", &mut amplitudes), ("phase", &mut phases)] {
            let field = format!("frames[{t}].{key}");
            let value = frame.get_item(key).map_err(|_| {
                validation_error(&field, "missing: each frame needs amplitude and phase")
            })?;
            out.push(f64_array::<Ix2>(&value, &field)?.as_array().to_owned());
        }
    }
    let first = amplitudes
        .first()
        .ok_or_else(|| shape_error("frames", "at least 1 frame", "0 frames"))?;
    let (antennas, subcarriers) = first.dim();
    let stack = |arrays: &[ndarray::Array2<f64>], key: &str| -> PyResult<Array3<f64>> {
        let mut out = Array3::zeros((arrays.len(), antennas, subcarriers));
        for (t, (array, mut target)) in arrays.iter().zip(out.outer_iter_mut()).enumerate() {
            if array.dim() != (antennas, subcarriers) {
                return Err(shape_error(
                    &format!("frames[{t}].{key}"),
                    format!("[{antennas}, {subcarriers}] (as frames[0].amplitude)"),
                    format!("shape {:?}", array.shape()),
                ));
            }
            target.assign(array);
        }
        Ok(out)
    };
    Ok((stack(&amplitudes, "amplitude")?, stack(&phases, "phase")?))
}

/// An Ed25519 signing key from bytes (a 32-byte seed, raw or as 64 hex digits) or from the
/// path of a file holding such bytes.
/// The most bytes read from a key file.
const MAX_KEY_FILE: u64 = 4096;

fn signing_key(key: &Bound<'_, PyAny>) -> PyResult<SigningKey> {
    if let Ok(bytes) = key.cast::<PyBytes>() {
        return signing_key_from_bytes(bytes.as_bytes()).or_raise();
    }
    let path: PathBuf = key
        .extract()
        .map_err(|_| validation_error("sign_key", "expected bytes or the path of a key file"))?;
    // A key file holds 32 bytes or 64 hex digits; read a little more than that, never a
    // device or a huge file whole.
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|file| {
            std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_KEY_FILE + 1), &mut bytes)
        })
        .map_err(|e| WitnessError::io(&path, &e))
        .or_raise()?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(validation_error(
            "sign_key",
            format!("{} is larger than {MAX_KEY_FILE} bytes; a key file holds 32 bytes or 64 hex digits", path.display()),
        ));
    }
    signing_key_from_bytes(&bytes).or_raise()
}

/// A public key from 64 hex digits or 32 raw bytes.
fn public_key(key: &Bound<'_, PyAny>) -> PyResult<VerifyingKey> {
    if let Ok(bytes) = key.cast::<PyBytes>() {
        let raw: [u8; 32] = bytes.as_bytes().try_into().map_err(|_| {
            validation_error(
                "public_key",
                format!("expected 32 bytes, got {}", bytes.as_bytes().len()),
            )
        })?;
        return VerifyingKey::from_bytes(&raw)
            .map_err(|_| validation_error("public_key", "not a valid Ed25519 public key"));
    }
    let text: String = key
        .extract()
        .map_err(|_| validation_error("public_key", "expected 64 hex digits or 32 bytes"))?;
    public_key_from_hex(&text).or_raise()
}

/// Writes `witness-bundle-<version>-<hash8>/` into `out_dir` (created if missing) and returns
/// its path. `reference` is the exact bytes of `sample_csi_data.json` (its SHA-256 must be
/// `WITNESS_REFERENCE_SHA256`); `sign_key` (bytes or a key-file path) adds an Ed25519
/// signature; `created_at` (RFC 3339 UTC) defaults to now.
#[pyfunction]
#[pyo3(signature = (out_dir, reference, *, sign_key=None, created_at=None))]
fn witness_generate_bundle(
    py: Python<'_>,
    out_dir: PathBuf,
    reference: &[u8],
    sign_key: Option<&Bound<'_, PyAny>>,
    created_at: Option<String>,
) -> PyResult<PathBuf> {
    let key = sign_key.map(signing_key).transpose()?;
    let request = BundleRequest {
        signing_key: key.as_ref(),
        created_at,
        ..BundleRequest::new(&out_dir, reference)
    };
    py.detach(|| generate_bundle(&request)).or_raise()
}

/// Verifies a bundle directory or `.tar.gz`: every manifest entry re-hashed, unlisted files and
/// escaping paths rejected, the reference input checked against its published SHA-256, the
/// pipeline re-run and its hash compared. With `public_key` (64 hex digits or 32 bytes) the
/// bundle must carry a valid signature by that key. Never raises for a bad bundle.
#[pyfunction]
#[pyo3(signature = (path, public_key=None))]
fn witness_verify_bundle(
    py: Python<'_>,
    path: PathBuf,
    public_key: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyVerificationResult> {
    let key = public_key.map(self::public_key).transpose()?;
    Ok(PyVerificationResult(
        py.detach(|| verify_bundle(&path, key.as_ref())),
    ))
}

/// The public key (64 hex digits) of a signing key given as bytes or a key-file path.
#[pyfunction]
fn witness_public_key(sign_key: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(public_key_hex(&signing_key(sign_key)?.verifying_key()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyVerificationCheck>()?;
    m.add_class::<PyVerificationResult>()?;
    m.add_function(wrap_pyfunction!(witness_feature_hash, m)?)?;
    m.add_function(wrap_pyfunction!(witness_generate_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(witness_verify_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(witness_public_key, m)?)?;
    m.add("WITNESS_REFERENCE_SHA256", REFERENCE_SHA256)?;
    m.add("WITNESS_SCHEMA", SCHEMA)?;
    Ok(())
}
