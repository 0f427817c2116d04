"""The reference input `sample_csi_data.json`, rebuilt byte for byte.

The 10 MB JSON file is not stored anywhere: `reference_json()` regenerates its arrays from the
generator's published parameters (`sample_csi_meta.json` of RuView's proof: seed-42 phase
offsets, five paths, 0.3 Hz breathing and 1.2 Hz motion modulation; see `docs/witness.md`)
with the same float64 operations in the same order, and Python's `json.dumps(..., indent=2)`
writes every float with `repr`, the shortest form that reads back to the same float, which is
how the file was written. The rebuilt bytes are checked against the published SHA-256 before
use, so a platform whose `sin`/`exp` round differently fails loudly instead of producing a
different reference. `reference_json_from_fixture()` rebuilds the same bytes from the stored
arrays of a source checkout (`tests/data/reference_signal.npz`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wifi_densepose._core.witness import WITNESS_REFERENCE_SHA256
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

# The generator's parameters, as published in `sample_csi_meta.json` (the offsets are the
# values `numpy.random.RandomState(42)` drew: uniform(-pi, pi) of shape [path, antenna], then
# uniform(0, 2 pi) per antenna for breathing and for motion).
_FRAMES = 1000
_SAMPLE_RATE_HZ = 100
_CENTER_FREQUENCY_HZ = 5.21e9
_SUBCARRIER_SPACING_HZ = 312.5e3
_SUBCARRIERS = 56
_PATH_DELAYS_NS = (0.0, 15.0, 42.0, 78.0, 120.0)
_PATH_AMPLITUDES = (1.0, 0.6, 0.35, 0.18, 0.08)
_PATH_PHASE_OFFSETS_RAD = (
    (-0.788287681898749, 2.8319215077704234, 1.4576609265440963),
    (0.6198895383354297, -2.1612986243157413, -2.1614501754128375),
    (-2.776642555026645, 2.3007525789727232, 0.6353243561202211),
    (1.3073585636350948, -3.012256461474685, 2.952530678803174),
    (2.088798716157191, -1.8074266732364683, -1.9991526911557285),
)
_BREATHING_HZ, _BREATHING_DEPTH = 0.3, 0.02
_BREATHING_OFFSETS_RAD = (1.152364521581569, 1.9116103907867292, 3.297141901079666)
_MOTION_HZ, _MOTION_DEPTH = 1.2, 0.08
_MOTION_OFFSETS_RAD = (2.713990594641554, 1.8298466547148808, 3.844385118274953)

FloatArray = npt.NDArray[np.float64]


def reference_arrays() -> tuple[list[float], FloatArray, FloatArray]:
    """The reference signal regenerated from its parameters: (timestamps in seconds, amplitude
    and phase `[frame, antenna, subcarrier]`, phase in radians in [-pi, pi]).

    CSI[a, k, t] = sum over paths p of A_p exp(j (2 pi f_k tau_p + phi_pa))
    (1 + 0.02 sin(2 pi 0.3 t + psi_a)) (1 + 0.08 sin(2 pi 1.2 t + chi_a)), with
    f_k = 5.21 GHz + (k - 28) 312.5 kHz and t = frame / 100 Hz; each operation is the one the
    generator used, in its order, so the floats are bit for bit the published ones.
    """
    t = np.arange(_FRAMES) / _SAMPLE_RATE_HZ
    frequencies = _CENTER_FREQUENCY_HZ + (np.arange(_SUBCARRIERS) - _SUBCARRIERS // 2) * (
        _SUBCARRIER_SPACING_HZ
    )
    delays_s = np.array(_PATH_DELAYS_NS) * 1e-9
    offsets = np.array(_PATH_PHASE_OFFSETS_RAD)
    breathing = 1.0 + _BREATHING_DEPTH * np.sin(
        2.0 * np.pi * _BREATHING_HZ * t[:, None] + np.array(_BREATHING_OFFSETS_RAD)
    )
    motion = 1.0 + _MOTION_DEPTH * np.sin(
        2.0 * np.pi * _MOTION_HZ * t[:, None] + np.array(_MOTION_OFFSETS_RAD)
    )
    modulation = breathing * motion  # [frame, antenna]
    csi = np.zeros((_FRAMES, len(_BREATHING_OFFSETS_RAD), _SUBCARRIERS), dtype=np.complex128)
    for p, amplitude in enumerate(_PATH_AMPLITUDES):
        path = np.exp(
            1j * ((2.0 * np.pi * frequencies * delays_s[p])[None, :] + offsets[p][:, None])
        )
        csi += (amplitude * modulation)[:, :, None] * path[None]
    # Python's round (correctly rounded), as the generator wrote the times.
    timestamps = [round(x, 4) for x in t.tolist()]
    return timestamps, np.abs(csi), np.angle(csi)


def _reference_bytes(
    timestamps: list[float], amplitude: FloatArray, phase: FloatArray, source: str
) -> bytes:
    """The JSON file of these arrays, checked against the published SHA-256."""
    frames = [
        {"frame_index": i, "timestamp_s": t, "amplitude": a, "phase": p}
        for i, (t, a, p) in enumerate(
            zip(timestamps, amplitude.tolist(), phase.tolist(), strict=True)
        )
    ]
    text = json.dumps({**_HEADER, "frames": frames}, indent=2).encode()
    digest = hashlib.sha256(text).hexdigest()
    if digest != WITNESS_REFERENCE_SHA256:
        raise ValidationError(
            f"reference: {source} rebuilds to sha256 {digest}, not the published "
            f"{WITNESS_REFERENCE_SHA256}; pass the path of sample_csi_data.json instead"
        )
    return text


def reference_json() -> bytes:
    """The exact bytes of `sample_csi_data.json` (10,389,431 bytes), regenerated from the
    generator's parameters; needs no file. Raises `ValidationError` if the result does not
    have the published SHA-256 (a platform whose `sin`/`exp` round differently)."""
    timestamps, amplitude, phase = reference_arrays()
    return _reference_bytes(timestamps, amplitude, phase, "the regenerated reference signal")


def reference_json_from_fixture(fixture: Path = CHECKOUT_FIXTURE) -> bytes:
    """The exact bytes of `sample_csi_data.json`, rebuilt from `fixture` (an `.npz` with
    `amplitude` and `phase` `[frame, antenna, subcarrier]` in radians, and `timestamp_s` in
    seconds).

    Raises `NotFoundError` without the fixture (use `reference_json()`, which needs none) and
    `ValidationError` if the rebuilt bytes do not have the published SHA-256.
    """
    if not fixture.is_file():
        raise NotFoundError(
            f"reference: no fixture at {fixture}; reference_json() regenerates the reference "
            "without one"
        )
    with np.load(fixture, allow_pickle=False) as data:
        amplitude = data["amplitude"]
        phase = data["phase"]
        timestamps = data["timestamp_s"].tolist()
    return _reference_bytes(timestamps, amplitude, phase, str(fixture))
