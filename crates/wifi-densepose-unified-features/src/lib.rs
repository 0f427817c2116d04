//! No code: this crate only lists dependencies with the features every build of the workspace
//! uses, so that building one member reuses the artefacts of another build (see Cargo.toml).
