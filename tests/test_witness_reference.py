"""The reference input regenerated from the generator's parameters (what an installed wheel
uses) is the checkout fixture's input, byte for byte, with the pinned SHA-256 and the
committed feature hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from wifi_densepose.errors import NotFoundError, ValidationError
from wifi_densepose.witness import (
    _reference,
    feature_hash,
    generate_bundle,
    reference_json,
    reference_json_from_fixture,
    verify_bundle,
)

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "data" / "reference_signal.npz"
# RuView's published `sample_csi_data.json` (docs/witness.md, "Reference input").
PINNED_SHA256 = "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65"


@pytest.fixture(scope="module")
def regenerated() -> bytes:
    return reference_json()


def test_regenerated_arrays_equal_the_fixture_bit_for_bit() -> None:
    timestamps, amplitude, phase = _reference.reference_arrays()
    with np.load(FIXTURE, allow_pickle=False) as data:
        assert amplitude.view(np.uint64).tolist() == data["amplitude"].view(np.uint64).tolist()
        assert phase.view(np.uint64).tolist() == data["phase"].view(np.uint64).tolist()
        assert timestamps == data["timestamp_s"].tolist()
    assert amplitude.shape == (1000, 3, 56)
    assert timestamps[:3] == [0.0, 0.01, 0.02] and timestamps[-1] == 9.99


def test_regenerated_bytes_are_the_fixture_bytes_with_the_pinned_sha256(regenerated: bytes) -> None:
    assert len(regenerated) == 10_389_431
    assert hashlib.sha256(regenerated).hexdigest() == PINNED_SHA256
    assert regenerated == reference_json_from_fixture()


def test_regenerated_reference_gives_the_committed_feature_hash(regenerated: bytes) -> None:
    committed = (REPO / "proof" / "expected_features_v2.sha256").read_text().strip()
    assert feature_hash(json.loads(regenerated)["frames"]) == committed


def test_a_changed_parameter_is_refused_by_the_sha256_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_reference, "_BREATHING_DEPTH", 0.021)
    with pytest.raises(ValidationError, match=r"rebuilds to sha256 .* not the published"):
        reference_json()


def test_missing_fixture_names_the_regenerating_function(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"reference_json\(\) regenerates"):
        reference_json_from_fixture(tmp_path / "absent.npz")


def test_bundle_from_the_regenerated_reference_passes(tmp_path: Path) -> None:
    bundle = generate_bundle(tmp_path, created_at="2026-01-01T00:00:00Z")
    stored = bundle / "reference" / "sample_csi_data.json"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == PINNED_SHA256
    result = verify_bundle(bundle)
    assert result.verdict == "PASS", result.detail
