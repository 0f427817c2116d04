//! Witness bundles: an offline, verifiable proof that an installed wifi-densepose computes the
//! published features from the published reference input.
//!
//! [`feature_hash`] runs the canonical pipeline (signal processing, phase sanitisation,
//! features, vitals readings) over a [`CsiSequence`] and hashes the values quantised to
//! integers. [`generate_bundle`] writes the reference input, the hash, a summary and a
//! `sha256sum`-compatible manifest, optionally signed with Ed25519; [`verify_bundle`] checks
//! a bundle directory or `.tar.gz` and re-runs the pipeline, reporting every check instead of
//! stopping at the first failure. A bad bundle is a failed check, never an error or a panic.

#![forbid(unsafe_code)]

pub mod contents;
pub mod digest;
pub mod error;
pub mod generate;
pub mod manifest;
pub mod quantise;
pub mod sequence;
pub mod signing;
pub mod stage;
pub mod stream;
pub mod verify;

pub use error::{Result, WitnessError};
pub use generate::{archive_bundle, generate_bundle, BundleRequest, PACKAGE_VERSION};
pub use manifest::{BundleManifest, SCHEMA};
pub use quantise::{quantise, StageSummary};
pub use sequence::{CsiSequence, REFERENCE_SHA256};
pub use signing::{
    public_key_from_hex, public_key_hex, signing_key_from_bytes, SigningKey, VerifyingKey,
};
pub use stage::{Stage, EXCLUDED_FEATURES};
pub use stream::{feature_hash, pipeline_description, FeatureDigest};
pub use verify::{verify_bundle, verify_bundle_pinned, Check, Verification};
