"""The canonical feature hash of the reference input: committed value, determinism across
processes and thread counts, and stability under 1e-12 perturbations of the input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from wifi_densepose.errors import ShapeError, ValidationError
from wifi_densepose.witness import REFERENCE_SHA256, feature_hash, reference_json_from_fixture

REPO = Path(__file__).resolve().parent.parent
EXPECTED_FILE = REPO / "proof" / "expected_features_v2.sha256"
FloatArray = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(reference_json_from_fixture())
    return document


@pytest.fixture(scope="module")
def arrays(reference: dict[str, Any]) -> tuple[FloatArray, FloatArray]:
    frames = reference["frames"]
    amplitude = np.array([f["amplitude"] for f in frames], dtype=np.float64)
    phase = np.array([f["phase"] for f in frames], dtype=np.float64)
    return amplitude, phase


def as_frames(amplitude: FloatArray, phase: FloatArray) -> list[dict[str, FloatArray]]:
    return [{"amplitude": a, "phase": p} for a, p in zip(amplitude, phase, strict=True)]


def committed_hash() -> str:
    text = EXPECTED_FILE.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    return text.strip()


def test_fixture_rebuilds_the_published_reference_bytes() -> None:
    data = reference_json_from_fixture()
    assert len(data) == 10_389_431
    assert hashlib.sha256(data).hexdigest() == REFERENCE_SHA256
    assert REFERENCE_SHA256 == "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65"


def test_reference_hash_matches_the_committed_one(reference: dict[str, Any]) -> None:
    assert feature_hash(reference["frames"]) == committed_hash()


def test_reference_input_has_the_documented_shape(arrays: tuple[FloatArray, FloatArray]) -> None:
    amplitude, phase = arrays
    assert amplitude.shape == phase.shape == (1000, 3, 56)
    assert np.abs(phase).max() <= np.pi


HASH_IN_SUBPROCESS = """
import json, sys
from wifi_densepose.witness import feature_hash, reference_json_from_fixture
print(feature_hash(json.loads(reference_json_from_fixture())["frames"]))
"""


@pytest.mark.parametrize("threads", ["1", "2"])
def test_hash_is_identical_in_a_fresh_process_with_one_or_two_threads(threads: str) -> None:
    env = {**os.environ, "RAYON_NUM_THREADS": threads}
    run = subprocess.run(
        [sys.executable, "-c", HASH_IN_SUBPROCESS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert run.stdout.strip() == committed_hash()


@pytest.mark.parametrize("pattern", ["plus", "minus", "alternating", "relative"])
def test_hash_is_unchanged_by_1e12_perturbations(
    arrays: tuple[FloatArray, FloatArray], pattern: str
) -> None:
    amplitude, phase = arrays
    sign = {
        "plus": np.ones(amplitude.size),
        "minus": -np.ones(amplitude.size),
        "alternating": np.where(np.arange(amplitude.size) % 2 == 0, 1.0, -1.0),
        "relative": None,
    }[pattern]
    if sign is None:
        shifted_a = amplitude * (1.0 + 1e-12)
        shifted_p = phase * (1.0 + 1e-12)
    else:
        shifted_a = amplitude + 1e-12 * sign.reshape(amplitude.shape)
        shifted_p = phase - 1e-12 * sign.reshape(phase.shape)
    assert not np.array_equal(shifted_a, amplitude)
    assert feature_hash(as_frames(shifted_a, shifted_p)) == committed_hash()


def test_a_real_change_of_one_value_changes_the_hash(
    arrays: tuple[FloatArray, FloatArray],
) -> None:
    amplitude, phase = arrays
    changed = amplitude.copy()
    changed[500, 1, 10] += 1e-4
    assert feature_hash(as_frames(changed, phase)) != committed_hash()


def test_bad_frames_raise_typed_errors(arrays: tuple[FloatArray, FloatArray]) -> None:
    amplitude, phase = arrays
    with pytest.raises(ShapeError, match="frames"):
        feature_hash([])
    ragged = as_frames(amplitude[:3], phase[:3])
    ragged[2] = {"amplitude": amplitude[2, :, :10], "phase": phase[2, :, :10]}
    with pytest.raises(ShapeError, match=r"frames\[2\]\.amplitude"):
        feature_hash(ragged)
    with pytest.raises(ValidationError, match=r"frames\[0\]\.phase"):
        feature_hash([{"amplitude": amplitude[0]}])
    wrapped_too_far = as_frames(amplitude[:2], phase[:2] + 4.0)
    with pytest.raises(ValidationError, match="phase"):
        feature_hash(wrapped_too_far)
