"""The reference input `sample_csi_data.json`, rebuilt byte for byte from the checkout's fixture.

The 10 MB JSON file is not stored in the repository: `tests/data/reference_signal.npz` holds
its float64 arrays exactly, and Python's `json.dumps(..., indent=2)` writes every float with
`repr`, the shortest form that reads back to the same float, which is how the file was
written. The rebuilt bytes are checked against the published SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from wifi_densepose._core import WITNESS_REFERENCE_SHA256
from wifi_densepose.errors import NotFoundError, ValidationError

# `tests/data/reference_signal.npz` of a source checkout; the wheel does not carry it.
CHECKOUT_FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "data" / "reference_signal.npz"

# The reference file's top-level fields before "frames", in the file's key order.
_HEADER: dict[str, Any] = {
    "description": (
        "SYNTHETIC deterministic CSI reference signal for pipeline verification. This is NOT a "
        "real WiFi capture. Generated mathematically with known parameters for "
        "reproducibility testing."
    ),
    "generator": "generate_reference_signal.py",
    "generator_version": "1.0.0",
    "numpy_seed": 42,
    "num_frames": 1000,
    "num_antennas": 3,
    "num_subcarriers": 56,
    "sampling_rate_hz": 100,
    "frequency_hz": 5210000000.0,
    "bandwidth_hz": 17500000.0,
}


def reference_json_from_fixture(fixture: Path = CHECKOUT_FIXTURE) -> bytes:
    """The exact bytes of `sample_csi_data.json`, rebuilt from `fixture` (an `.npz` with
    `amplitude` and `phase` `[frame, antenna, subcarrier]` in radians, and `timestamp_s` in
    seconds).

    Raises `NotFoundError` without the fixture (an installed wheel: pass the reference file
    instead) and `ValidationError` if the rebuilt bytes do not have the published SHA-256.
    """
    if not fixture.is_file():
        raise NotFoundError(
            f"reference: no reference file given and no checkout fixture at {fixture}; "
            "pass the path of sample_csi_data.json"
        )
    with np.load(fixture, allow_pickle=False) as data:
        amplitude = data["amplitude"].tolist()
        phase = data["phase"].tolist()
        timestamps = data["timestamp_s"].tolist()
    frames = [
        {"frame_index": i, "timestamp_s": t, "amplitude": a, "phase": p}
        for i, (t, a, p) in enumerate(zip(timestamps, amplitude, phase, strict=True))
    ]
    text = json.dumps({**_HEADER, "frames": frames}, indent=2).encode()
    digest = hashlib.sha256(text).hexdigest()
    if digest != WITNESS_REFERENCE_SHA256:
        raise ValidationError(
            f"reference: {fixture} rebuilds to sha256 {digest}, not the published "
            f"{WITNESS_REFERENCE_SHA256}"
        )
    return text
