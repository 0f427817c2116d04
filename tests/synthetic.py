"""The synthetic vitals test signal of docs/dsp.md §5.1.

amplitude[i, k] = 15 + 5 sin(0.1k) + B sin(2π f_b t_i + θ_b) + H sin(2π f_h t_i + θ_h)
                  + sigma n[i, k]
phase[i, k] = W(0.2k), with t_i = i / fs, n iid N(0, 1) and θ drawn from the seed.
SNR = 10 log10((B^2/2) / sigma^2): sigma = B / sqrt(2 · 10^(SNR/10)).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FS = 100.0
SUBCARRIERS = 56
BREATHING_AMPLITUDE = 2.0
HEART_AMPLITUDE = 0.3  # 0.15 x breathing

FloatArray = npt.NDArray[np.float64]


def sigma_for_snr(snr_db: float, breathing_amplitude: float = BREATHING_AMPLITUDE) -> float:
    """White-noise sigma per subcarrier giving `snr_db` against the breathing component."""
    return float(breathing_amplitude / np.sqrt(2.0 * 10.0 ** (snr_db / 10.0)))


def wrap(d: FloatArray) -> FloatArray:
    """W(d) = d - 2π⌊(d + π)/2π⌋, into [-π, π)."""
    return d - 2.0 * np.pi * np.floor((d + np.pi) / (2.0 * np.pi))


def vital_signal(
    seconds: float,
    breathing_bpm: float,
    heart_bpm: float,
    *,
    sigma: float = 0.0,
    seed: int = 0,
    breathing_amplitude: float = BREATHING_AMPLITUDE,
    heart_amplitude: float = HEART_AMPLITUDE,
    fs: float = FS,
    subcarriers: int = SUBCARRIERS,
) -> tuple[FloatArray, FloatArray]:
    """(amplitudes, phases), each `[time, subcarrier]` float64."""
    rng = np.random.default_rng(seed)
    theta_b, theta_h = rng.uniform(0.0, 2.0 * np.pi, size=2)
    frames = round(seconds * fs)
    t = np.arange(frames) / fs
    k = np.arange(subcarriers)
    body = breathing_amplitude * np.sin(2.0 * np.pi * breathing_bpm / 60.0 * t + theta_b)
    body += heart_amplitude * np.sin(2.0 * np.pi * heart_bpm / 60.0 * t + theta_h)
    amplitudes = 15.0 + 5.0 * np.sin(0.1 * k)[None, :] + body[:, None]
    if sigma > 0.0:
        amplitudes = amplitudes + sigma * rng.standard_normal((frames, subcarriers))
    phases = np.broadcast_to(wrap(0.2 * k.astype(np.float64)), (frames, subcarriers)).copy()
    return amplitudes, phases
