"""The motion/presence stage (the one the sensing server runs): EMA variance, the DFT summary
against numpy.fft, the PSD total power, the thresholds, batch equal to streaming, bad input."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from wifi_densepose import NonFiniteError, ShapeError, ValidationError
from wifi_densepose.signal import (
    MotionPresence,
    MotionPresenceTracker,
    motion_presence_batch,
)

FloatArray = npt.NDArray[np.float64]
ALPHA = 0.025


def test_ema_variance_of_a_known_sequence() -> None:
    # Hand-derived for one subcarrier fed 10, 12, 12 (m0 = 10, v0 = 0):
    # d = 2:    m = 10.05,    v = 0.975 * (0 + 0.025 * 4)            = 0.0975
    # d = 1.95: m = 10.09875, v = 0.975 * (0.0975 + 0.025 * 3.8025) = 0.1877484375
    tracker = MotionPresenceTracker()
    for value in (10.0, 12.0, 12.0):
        state = tracker.push(np.array([value]), 20.0)
    assert state["relative_fluctuation"] == pytest.approx(
        np.sqrt(0.1877484375) / 10.09875, rel=1e-14
    )
    # Still warming up (fewer than 8 frames): absent with confidence 0.
    assert (state["motion_level"], state["presence"], state["confidence"]) == ("absent", False, 0.0)
    assert tracker.frames == 3


def ema_fluctuation(amplitude: FloatArray) -> float:
    """The documented recurrence, written out for the reference."""
    mean = amplitude[0].copy()
    var = np.zeros_like(mean)
    for row in amplitude[1:]:
        delta = row - mean
        mean = mean + ALPHA * delta
        var = (1 - ALPHA) * (var + ALPHA * delta * delta)
    return float(np.mean(np.sqrt(var)) / np.mean(mean))


def test_relative_fluctuation_follows_the_recurrence_over_many_bins() -> None:
    rng = np.random.default_rng(18)
    amplitude = 20.0 + rng.normal(0.0, 1.0, size=(300, 52))
    state = None
    tracker = MotionPresenceTracker()
    for row in amplitude:
        state = tracker.push(row, 100.0)
    assert state is not None
    assert state["relative_fluctuation"] == pytest.approx(ema_fluctuation(amplitude), rel=1e-12)
    # Noise of std 1 on 20: the steady EMA std is about 1, so about 1/20 = 0.05, inside
    # present_still (0.015 to 0.12).
    assert state["motion_level"] == "present_still"


def test_dft_summary_matches_numpy_fft() -> None:
    fs = 50.0
    n_frames = 129  # frame 129 refreshes (129 mod 4 = 1) over frames 2…129
    t = np.arange(1, n_frames + 1) / fs
    series = 30.0 + 1.5 * np.sin(2 * np.pi * 0.3 * t) + 0.8 * np.sin(2 * np.pi * 2.0 * t + 1.0)
    amplitude = np.repeat(series[:, None], 8, axis=1)
    tracker = MotionPresenceTracker()
    state = None
    for row in amplitude:
        state = tracker.push(row, fs)
    assert state is not None
    window = series[-128:]
    centred = window - window.mean()
    power = np.abs(np.fft.fft(centred)) ** 2 / 128**2
    k = np.arange(1, 65)
    freq = k * fs / 128
    assert state["variance"] == pytest.approx(np.var(window), rel=1e-12)
    breathing = power[k][(freq >= 0.1) & (freq <= 0.5)].sum()
    motion = power[k][freq > 0.5].sum()
    assert state["breathing_band_power"] == pytest.approx(breathing, rel=1e-9)
    assert state["motion_band_power"] == pytest.approx(motion, rel=1e-9)
    assert state["dominant_freq_hz"] == freq[np.argmax(power[k])]
    signs = centred < 0
    assert state["change_points"] == int(np.count_nonzero(signs[1:] != signs[:-1]))


def test_spectral_power_is_the_128_point_psd_total() -> None:
    rng = np.random.default_rng(7)
    frame = rng.uniform(5.0, 25.0, size=56)
    state = MotionPresenceTracker().push(frame)
    spectrum = np.abs(np.fft.fft(frame, 128)) ** 2 / 128
    assert state["spectral_power"] == pytest.approx(spectrum[:64].sum(), rel=1e-12)
    # No rate given: the DFT summary keeps its initial zeros.
    assert (state["variance"], state["dominant_freq_hz"], state["change_points"]) == (0.0, 0.0, 0)


@pytest.mark.parametrize(
    ("swing", "level"),
    [(0.0, "absent"), (0.6, "present_still"), (3.0, "present_moving"), (9.0, "active")],
)
def test_levels_follow_the_fluctuation(swing: float, level: str) -> None:
    # A square wave of +-swing: delta tends to +-swing, so v tends to (1 - alpha) * swing**2 and
    # the relative fluctuation to sqrt(0.975) * swing / 20 = 0.0296, 0.148, 0.444
    # (thresholds 0.015, 0.12, 0.3).
    tracker = MotionPresenceTracker()
    state = None
    for i in range(400):
        state = tracker.push(np.full(16, 20.0 + (swing if i % 2 else -swing)), 20.0)
    assert state is not None
    assert state["motion_level"] == level
    assert state["presence"] == (level != "absent")
    assert 0.5 <= state["confidence"] <= 1.0


def test_batch_equals_streaming_bit_for_bit_on_random_inputs() -> None:
    rng = np.random.default_rng(2018)
    compared = 0
    for _ in range(12):
        frames, bins = int(rng.integers(1, 260)), int(rng.integers(1, 65))
        rate = float(rng.uniform(1.0, 200.0))
        amplitude = rng.uniform(0.0, 10.0 ** rng.uniform(-3, 4), size=(frames, bins))
        batch = motion_presence_batch(amplitude, rate)
        tracker = MotionPresenceTracker()
        codes = {"absent": 0, "present_still": 1, "present_moving": 2, "active": 3}
        for i, row in enumerate(amplitude):
            s: MotionPresence = tracker.push(row, rate)
            assert codes[s["motion_level"]] == batch["motion_level"][i]
            assert s["presence"] == batch["presence"][i]
            assert s["change_points"] == batch["change_points"][i]
            for name in (
                "confidence",
                "relative_fluctuation",
                "variance",
                "motion_band_power",
                "breathing_band_power",
                "dominant_freq_hz",
                "spectral_power",
            ):
                assert np.float64(s[name]).tobytes() == batch[name][i].tobytes()
            compared += 1
    assert compared > 500
    assert batch["confidence"].flags.writeable is False
    assert batch["motion_level"].dtype == np.uint8


def test_bad_input_raises_typed_errors_and_keeps_state() -> None:
    tracker = MotionPresenceTracker()
    tracker.push([1.0, 2.0], 10.0)
    with pytest.raises(NonFiniteError, match="amplitudes"):
        tracker.push([1.0, float("nan")], 10.0)
    with pytest.raises(ValidationError, match="sample_rate_hz"):
        tracker.push([1.0, 2.0], 0.0)
    with pytest.raises(ShapeError, match="amplitudes"):
        tracker.push(np.ones((2, 2)))
    assert tracker.frames == 1
    tracker.reset()
    assert tracker.frames == 0
    bad = np.ones((6, 4))
    bad[4, 3] = np.inf
    with pytest.raises(NonFiniteError, match=r"amplitude .*at \[4, 3\]"):
        motion_presence_batch(bad, 10.0)
    with pytest.raises(ShapeError, match="amplitude"):
        motion_presence_batch(np.ones((6, 0)), 10.0)
    with pytest.raises(ValidationError, match="sample_rate_hz"):
        motion_presence_batch(np.ones((6, 2)), -1.0)
