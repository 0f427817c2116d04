"""Vitals on real ESP32 timing: resampling on capture time, every layout, null bins out.

The accuracy study uses `tests/esp32_stream.py`: the bundled capture's own per-node timing,
layouts and CSI profiles, stretched to 150 s with rate drift, gaps and a dropout, int8
quantisation, a moving person and known breathing and heart modulations.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from esp32_stream import EXCERPT, run_study

from wifi_densepose.errors import NonFiniteError, ShapeError, ValidationError
from wifi_densepose.io import load_recording
from wifi_densepose.vitals import CaptureVitals, VitalsPipeline, resample_uniform


def _excerpt_frames() -> dict[int, list[tuple[float, np.ndarray]]]:
    """Each node's raw CSI frames of the excerpt as (time, amplitudes), decoded here."""
    frames: dict[int, list[tuple[float, np.ndarray]]] = {}
    for line in EXCERPT.read_text().splitlines():
        record = json.loads(line)
        if record.get("type") == "raw_csi":
            iq = np.frombuffer(bytes.fromhex(record["iq_hex"]), dtype=np.int8).astype(float)
            amplitude = np.hypot(iq[0::2], iq[1::2])
            frames.setdefault(record["node_id"], []).append((record["timestamp"], amplitude))
    return frames


def test_the_wider_layouts_begin_with_the_64_bin_block() -> None:
    """The claim behind using every frame: bins 0-63 of the 128-bin frames have the 64-bin
    frames' mean amplitude profile (r ≈ 0.98 on this capture)."""
    for node, frames in _excerpt_frames().items():
        narrow = np.array([a for _, a in frames if len(a) == 64])
        wide = np.array([a[:64] for _, a in frames if len(a) == 128])
        assert len(narrow) > 100 and len(wide) > 20, node
        r = np.corrcoef(narrow.mean(0), wide.mean(0))[0, 1]
        assert r > 0.95, (node, r)


def test_capture_vitals_finds_the_excerpts_block_null_bins_and_rate() -> None:
    frames = _excerpt_frames()
    recording = load_recording(EXCERPT)
    for node, node_frames in frames.items():
        narrow = np.array([a for _, a in node_frames if len(a) == 64])
        # The DC bin and the guard bins 27-37 are zero in every frame.
        expected_null = [int(b) for b in np.where(narrow.max(0) == narrow.min(0))[0]]
        assert expected_null == [0, *range(27, 38)]
        capture = CaptureVitals()
        capture.process_recording(recording, node)
        layout = capture.layout
        assert layout is not None
        assert layout["block_bins"] == 64
        assert layout["null_bins"] == expected_null
        assert len(layout["active_bins"]) == 52
        times = [t for t, _ in node_frames[:64]]
        assert layout["sample_rate_hz"] == round(63 / (times[-1] - times[0]))
        assert layout["reference_bins"] == 64
        # Every frame is used: none narrower than the block, none dropped.
        stats = capture.stats
        assert stats["frames"] == len(node_frames) == stats["accepted"]
        assert stats["narrow"] == stats["duplicates"] == stats["out_of_order"] == 0


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, float], dict[str, float]]:
    time_true, ignored = run_study(tmp_path_factory.mktemp("study"))
    return time_true.row(), ignored.row()


def test_semi_synthetic_accuracy_on_real_timing(study: tuple[dict[str, float], ...]) -> None:
    time_true, _ = study
    assert time_true["breathing_median"] <= 0.3, time_true
    assert time_true["breathing_p90"] <= 0.7, time_true
    assert time_true["heart_median"] <= 1.0, time_true
    assert time_true["heart_p90"] <= 2.0, time_true
    assert time_true["breathing_valid_max"] <= 1.5, time_true
    assert time_true["heart_valid_max"] <= 3.0, time_true
    # VALID is not a rare exception: it is given where a full window backs it.
    assert time_true["breathing_valid_share"] > 0.3, time_true
    assert time_true["heart_valid_share"] > 0.05, time_true


def test_ignoring_timestamps_is_far_worse(study: tuple[dict[str, float], ...]) -> None:
    time_true, ignored = study
    assert ignored["heart_median"] > 5 * time_true["heart_median"], (time_true, ignored)
    assert ignored["breathing_median"] > 5 * time_true["breathing_median"], (time_true, ignored)


def _circular_interp(t: np.ndarray, times: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """Reference: interpolate the unit phasor's angle along the shorter arc."""
    out = np.empty((len(t), phases.shape[1]))
    for i, g in enumerate(t):
        k = min(int(np.searchsorted(times, g, side="right")) - 1, len(times) - 2)
        w = (g - times[k]) / (times[k + 1] - times[k])
        d = np.angle(np.exp(1j * (phases[k + 1] - phases[k])))
        out[i] = np.angle(np.exp(1j * (phases[k] + w * d)))
    return out


def test_resample_uniform_matches_numpy_interp() -> None:
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.uniform(0.02, 0.11, 400))
    amplitudes = rng.normal(10.0, 2.0, (400, 5))
    phases = rng.uniform(-np.pi, np.pi, (400, 5))
    grid, a, p, stats = resample_uniform(times, amplitudes, phases, sample_rate_hz=20.0)
    # The absolute grid k/20 s from timestamp 0, from the first grid time at or after the
    # first frame.
    expected_grid = (np.ceil(times[0] * 20.0) + np.arange(len(grid))) / 20.0
    assert grid[0] >= times[0]
    np.testing.assert_allclose(grid, expected_grid, rtol=0, atol=1e-12)
    assert grid[-1] <= times[-1] < grid[-1] + 0.05
    for column in range(5):
        np.testing.assert_allclose(
            a[:, column], np.interp(grid, times, amplitudes[:, column]), rtol=0, atol=1e-12
        )
    diff = np.angle(np.exp(1j * (p - _circular_interp(grid, times, phases))))
    assert np.abs(diff).max() < 1e-12
    assert stats == {
        "accepted": 400,
        "duplicates": 0,
        "out_of_order": 0,
        "gaps": 0,
        "emitted": len(grid),
    }


def test_resample_uniform_drops_bad_times_and_restarts_after_a_gap() -> None:
    times = np.array([0.0, 0.1, 0.1, 0.05, 0.2, 1.0, 1.1])
    values = np.arange(7.0)[:, None]
    grid, a, _, stats = resample_uniform(times, values, np.zeros((7, 1)), sample_rate_hz=10.0)
    np.testing.assert_allclose(grid, [0.0, 0.1, 0.2, 1.0, 1.1], atol=1e-12)
    # Rows 2 (same time) and 3 (earlier) are dropped; nothing is interpolated over 0.2 -> 1.0.
    np.testing.assert_allclose(a[:, 0], [0.0, 1.0, 4.0, 5.0, 6.0], atol=1e-12)
    assert (stats["duplicates"], stats["out_of_order"], stats["gaps"]) == (1, 1, 1)


def test_timestamped_process_equals_per_frame_pushes_and_flags_gaps() -> None:
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.025, 0.1, 1400))
    times[700:] += 2.0  # a 2 s dropout
    t = times
    body = 0.5 * np.sin(2 * np.pi * 0.25 * t) + 0.1 * np.sin(2 * np.pi * 1.2 * t)
    amplitudes = 10 + np.sin(0.3 * np.arange(52))[None, :] + body[:, None]
    amplitudes += rng.normal(0, 0.02, amplitudes.shape)
    phases = np.broadcast_to(0.1 * np.arange(52), amplitudes.shape)
    batch = VitalsPipeline(52, 16.0)
    result = batch.process(amplitudes, phases, timestamps=times)
    streaming = VitalsPipeline(52, 16.0)
    readings = [
        r
        for i in range(len(times))
        if (r := streaming.push_arrays(amplitudes[i], phases[i], timestamp_s=times[i]))
    ]
    assert readings == result.readings
    assert batch.resample_stats["gaps"] == 1
    gap_start = times[700]
    flagged = result.timestamp_s[result.spans_gap]
    assert flagged.min() >= gap_start and flagged.max() < gap_start + 30.0
    assert not result.spans_gap[result.timestamp_s > gap_start + 30.0].any()
    after = result.heart_bpm[result.timestamp_s > gap_start + 16.0]
    assert np.all(np.abs(after - 72.0) < 1.5), after


def test_timestamp_errors_name_the_argument() -> None:
    a = np.ones((10, 4))
    with pytest.raises(ShapeError, match="timestamps"):
        VitalsPipeline(4, 20.0).process(a, a, timestamps=np.arange(9.0))
    bad = np.arange(10.0)
    bad[3] = math.nan
    with pytest.raises(NonFiniteError, match="timestamps"):
        VitalsPipeline(4, 20.0).process(a, a, timestamps=bad)
    pipeline = VitalsPipeline(4, 20.0)
    pipeline.push_arrays(a[0], a[0], timestamp_s=0.0)
    with pytest.raises(ValidationError, match="timestamp"):
        pipeline.push_arrays(a[0], a[0])
    with pytest.raises(NonFiniteError):
        CaptureVitals().push(math.inf, a[0], a[0])
    with pytest.raises(ShapeError):
        CaptureVitals().push(0.0, a[0], a[0][:3])


def test_a_stream_too_slow_for_vitals_says_why() -> None:
    capture = CaptureVitals()
    for i in range(64):
        capture.push(i * 0.5, np.full(8, 1.0 + i % 3), np.zeros(8))
    assert capture.layout is None
    assert "Hz" in (capture.disabled_reason or "")


def test_the_capture_example_runs_on_the_bundled_recording() -> None:
    example = Path(__file__).resolve().parent.parent / "examples" / "esp32_capture_vitals.py"
    run = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=120, check=True
    )
    lines = run.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["node 1", "node 2"]
    assert "183 frames, 64 shared bins, 12 null bins, grid 22 Hz; 4 readings" in lines[0]
    assert "185 frames, 64 shared bins, 12 null bins, grid 22 Hz; 4 readings" in lines[1]
    # 8 s is too short for breathing.
    assert all(line.endswith("breathing -") for line in lines)
