"""The dict types of the motion/presence stage (plain dicts at run time, typed for checkers)."""

from __future__ import annotations

from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt

__all__ = ["MotionPresence", "MotionPresenceBatch"]


class MotionPresence(TypedDict):
    """The outputs of ``MotionPresenceTracker.push`` after a frame: what the sensing server
    publishes as ``features`` and ``classification``. Powers and the variance are in squared
    amplitude units; ``relative_fluctuation`` (mean per-subcarrier EMA std over the mean
    amplitude) is dimensionless; ``dominant_freq_hz`` is in Hz; ``change_points`` counts mean
    crossings of the last 128 frame means; ``confidence`` is 0..1."""

    motion_level: Literal["absent", "present_still", "present_moving", "active"]
    presence: bool
    confidence: float
    relative_fluctuation: float
    variance: float
    motion_band_power: float
    breathing_band_power: float
    dominant_freq_hz: float
    spectral_power: float
    change_points: int


class MotionPresenceBatch(TypedDict):
    """``motion_presence_batch``: the same keys as :class:`MotionPresence`, each a read-only
    ``[T]`` array over the frames; ``motion_level`` holds uint8 codes (0 absent,
    1 present_still, 2 present_moving, 3 active)."""

    motion_level: npt.NDArray[np.uint8]
    presence: npt.NDArray[np.bool_]
    confidence: npt.NDArray[np.float64]
    relative_fluctuation: npt.NDArray[np.float64]
    variance: npt.NDArray[np.float64]
    motion_band_power: npt.NDArray[np.float64]
    breathing_band_power: npt.NDArray[np.float64]
    dominant_freq_hz: npt.NDArray[np.float64]
    spectral_power: npt.NDArray[np.float64]
    change_points: npt.NDArray[np.uint32]
