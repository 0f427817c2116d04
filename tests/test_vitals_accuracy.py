"""Accuracy of the default methods on the synthetic signal (docs/dsp.md §5.2), through Python.

The full clean grids run in the Rust tests (`crates/wifi-densepose-vitals/tests/accuracy.rs`);
here the 20 dB and 10 dB grids, pure noise and a clean sample run through the bindings. Each
test prints the measured maxima and the `ruview` methods' figures on the same signals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from synthetic import FS, sigma_for_snr, vital_signal

from wifi_densepose.vitals import VitalsPipeline, VitalsResult, VitalStatus

BREATHING_GRID = (8.0, 12.0, 18.0, 24.0)
HEART_GRID = (55.0, 72.0, 90.0, 110.0)
SEEDS = (0, 1, 2)


def at_seconds(result: VitalsResult, seconds: float) -> int:
    """Position of the reading taken after `seconds` of data."""
    positions = np.flatnonzero(result.frame_index == round(seconds * FS) - 1)
    assert positions.size == 1
    return int(positions[0])


def grid_errors(snr_db: float, ruview: bool) -> dict[str, list[float]]:
    sigma = sigma_for_snr(snr_db)
    out: dict[str, list[float]] = {"rr_err": [], "hr_err": [], "rr_valid": [], "hr_valid": []}
    for f_b, f_h, seed in itertools.product(BREATHING_GRID, HEART_GRID, SEEDS):
        amplitudes, phases = vital_signal(30.0, f_b, f_h, sigma=sigma, seed=seed)
        pipeline = VitalsPipeline.ruview_compatible() if ruview else VitalsPipeline.esp32_default()
        result = pipeline.process(amplitudes, phases, sample_rate_hz=FS)
        i = at_seconds(result, 30.0)
        out["rr_err"].append(abs(result.breathing_bpm[i] - f_b))
        out["hr_err"].append(abs(result.heart_bpm[i] - f_h))
        out["rr_valid"].append(float(result.breathing_status[i] == VitalStatus.VALID))
        out["hr_valid"].append(float(result.heart_status[i] == VitalStatus.VALID))
    return out


def summary(errors: dict[str, list[float]]) -> str:
    rr, hr = np.array(errors["rr_err"]), np.array(errors["hr_err"])
    return (
        f"max |err| breathing {np.nanmax(rr):.4f} BPM (missing {np.isnan(rr).sum()}), "
        f"heart {np.nanmax(hr):.4f} BPM (missing {np.isnan(hr).sum()}); VALID "
        f"{np.mean(errors['rr_valid']):.0%} / {np.mean(errors['hr_valid']):.0%}"
    )


@pytest.mark.parametrize("snr_db", [20.0, 10.0])
def test_noisy_grid_meets_the_targets(snr_db: float) -> None:
    ours = grid_errors(snr_db, ruview=False)
    print(f"\n{snr_db:.0f} dB ours:   {summary(ours)}")
    print(f"{snr_db:.0f} dB ruview: {summary(grid_errors(snr_db, ruview=True))}")
    assert max(ours["rr_err"]) <= 0.5
    assert max(ours["hr_err"]) <= 1.5
    if snr_db >= 20.0:
        assert min(ours["rr_valid"]) == 1.0 and min(ours["hr_valid"]) == 1.0
    else:
        assert np.mean(ours["rr_valid"]) >= 0.9 and np.mean(ours["hr_valid"]) >= 0.9


def test_clean_signal_is_valid_from_20_s_with_small_errors() -> None:
    amplitudes, phases = vital_signal(30.0, 13.0, 84.0, seed=5)
    result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=FS)
    late = result.frame_index >= 1999
    assert np.all(result.breathing_status[late] == VitalStatus.VALID)
    assert np.all(result.heart_status[late] == VitalStatus.VALID)
    assert np.max(np.abs(result.breathing_bpm[late] - 13.0)) <= 0.06
    assert np.max(np.abs(result.heart_bpm[result.frame_index >= 999] - 84.0)) <= 0.4
    assert np.min(result.breathing_confidence[late]) >= 0.87


def test_pure_noise_is_rarely_valid() -> None:
    sigma = sigma_for_snr(10.0)
    statuses: dict[str, list[int]] = {"breathing": [], "heart": []}
    for seed in range(100):
        amplitudes, phases = vital_signal(
            30.0, 15.0, 72.0, sigma=sigma, seed=seed, breathing_amplitude=0.0, heart_amplitude=0.0
        )
        result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=FS)
        # With neither vital estimable there is no reading at all: both count as "none".
        at_30 = result.frame_index == 2999
        none = [int(VitalStatus.UNAVAILABLE)]
        statuses["breathing"] += result.breathing_status[at_30].tolist() or none
        statuses["heart"] += result.heart_status[at_30].tolist() or none
    for vital, codes in statuses.items():
        valid = codes.count(VitalStatus.VALID)
        weak = sum(c in (VitalStatus.UNRELIABLE, VitalStatus.UNAVAILABLE) for c in codes)
        print(f"\npure noise {vital}: VALID {valid}/100, UNRELIABLE or none {weak}/100")
        assert valid <= 2
        assert weak >= 80
