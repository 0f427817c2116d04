"""Witness bundles: an offline proof that this installation computes the published features
from the published reference input.

A bundle holds the reference input (`sample_csi_data.json`, SHA-256 `REFERENCE_SHA256`), the
SHA-256 of the canonical feature stream the pipeline computes from it, a summary, a
`sha256sum`-compatible `MANIFEST.sha256` and optionally an Ed25519 signature of that manifest.
`verify_bundle` re-hashes every file and re-runs the pipeline through the compiled core::

    from wifi_densepose.witness import generate_bundle, verify_bundle
    path = generate_bundle("dist/")
    result = verify_bundle(path)
    assert result.verdict == "PASS", result.detail

What is hashed, and what a PASS does and does not prove, is described in `docs/witness.md`.
"""

from __future__ import annotations

import os
from pathlib import Path

from wifi_densepose._core.witness import (
    WITNESS_REFERENCE_SHA256,
    WITNESS_SCHEMA,
    VerificationCheck,
    VerificationResult,
    witness_feature_hash,
    witness_generate_bundle,
    witness_public_key,
    witness_verify_bundle,
)
from wifi_densepose._files import read_bounded
from wifi_densepose.witness._reference import reference_json, reference_json_from_fixture

REFERENCE_SHA256 = WITNESS_REFERENCE_SHA256
SCHEMA = WITNESS_SCHEMA
feature_hash = witness_feature_hash
verify_bundle = witness_verify_bundle
public_key = witness_public_key

__all__ = [
    "REFERENCE_SHA256",
    "SCHEMA",
    "VerificationCheck",
    "VerificationResult",
    "feature_hash",
    "generate_bundle",
    "public_key",
    "reference_json",
    "reference_json_from_fixture",
    "verify_bundle",
]


MAX_REFERENCE_BYTES = 64 * 1024 * 1024
"""The largest reference input read (the reference `sample_csi_data.json` is about 10 MB)."""


def generate_bundle(
    out_dir: str | os.PathLike[str],
    sign_key: bytes | str | os.PathLike[str] | None = None,
    reference: str | os.PathLike[str] | None = None,
    *,
    created_at: str | None = None,
) -> Path:
    """Runs the pipeline over the reference input and writes
    `out_dir/witness-bundle-<version>-<first 8 hex of the hash>/`; returns that directory.

    `reference` is the path of `sample_csi_data.json`; by default it is regenerated from the
    generator's parameters (`reference_json()`, no file needed) and checked against
    `REFERENCE_SHA256`. `sign_key` is a 32-byte
    Ed25519 seed (raw or 64 hex digits) as bytes, or the path of a file holding it.
    `created_at` (RFC 3339, UTC) defaults to now. An existing bundle is never replaced
    (`ValidationError`).
    """
    reference_bytes = (
        reference_json()
        if reference is None
        else read_bounded(reference, MAX_REFERENCE_BYTES, "reference")
    )
    return Path(
        witness_generate_bundle(out_dir, reference_bytes, sign_key=sign_key, created_at=created_at)
    )
