"""Loader for the reference-signal fixture `tests/data/reference_signal.npz`.

RuView's deterministic reference signal: 1,000 frames at 100 Hz (10 s), 3 antennas x 56
subcarriers, 0.3 Hz breathing and 1.2 Hz body motion, no noise. Built from the source JSON by
`scripts/make_reference_fixture.py`; the hashes are pinned in `tests/test_vitals_reference.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FIXTURE = Path(__file__).resolve().parent / "data" / "reference_signal.npz"
FIXTURE_SHA256 = "930a016e4ec730532cd331f60b14eb005496242164ed7f240c87207a6bfd4654"
SOURCE_SHA256 = "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65"


@dataclass(frozen=True)
class ReferenceSignal:
    amplitude: npt.NDArray[np.float64]  # [frame, antenna, subcarrier]
    phase: npt.NDArray[np.float64]  # [frame, antenna, subcarrier], radians in [-pi, pi]
    timestamp_s: npt.NDArray[np.float64]  # [frame], seconds
    sampling_rate_hz: float
    frequency_hz: float
    bandwidth_hz: float
    num_frames: int
    num_antennas: int
    num_subcarriers: int


def load_reference() -> ReferenceSignal:
    """The fixture's arrays and scalars."""
    with np.load(FIXTURE, allow_pickle=False) as data:
        return ReferenceSignal(
            amplitude=data["amplitude"],
            phase=data["phase"],
            timestamp_s=data["timestamp_s"],
            sampling_rate_hz=float(data["sampling_rate_hz"]),
            frequency_hz=float(data["frequency_hz"]),
            bandwidth_hz=float(data["bandwidth_hz"]),
            num_frames=int(data["num_frames"]),
            num_antennas=int(data["num_antennas"]),
            num_subcarriers=int(data["num_subcarriers"]),
        )
