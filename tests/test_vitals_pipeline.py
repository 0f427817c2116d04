"""`VitalsPipeline` through the bindings: the four-line example, batch versus per-frame,
array handling, results and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic import vital_signal

from wifi_densepose import (
    ConfigError,
    CsiFrame,
    NonFiniteError,
    ShapeError,
    ValidationError,
    WifiDenseposeError,
)
from wifi_densepose.vitals import VitalReading, VitalsPipeline, VitalsResult, VitalStatus


def readings_equal(a: list[VitalReading], b: list[VitalReading]) -> bool:
    return len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True))


def test_four_line_example() -> None:
    amplitudes, phases = vital_signal(30.0, 15.0, 72.0, sigma=0.1, seed=1)
    result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=100.0)
    assert result.breathing_bpm[-1] == pytest.approx(15.0, abs=0.1)
    assert result.heart_bpm[-1] == pytest.approx(72.0, abs=0.2)


def test_result_arrays_readings_and_schedule() -> None:
    amplitudes, phases = vital_signal(12.0, 18.0, 66.0, seed=2)
    result = VitalsPipeline.esp32_default().process(amplitudes, phases)
    assert len(result) == 8
    np.testing.assert_array_equal(result.frame_index, [499, 599, 699, 799, 899, 999, 1099, 1199])
    assert result.frame_index.dtype == np.int64 and result.breathing_status.dtype == np.int8
    np.testing.assert_allclose(result.timestamp_s, (result.frame_index) / 100.0, rtol=0, atol=1e-12)
    assert np.all(np.isnan(result.breathing_bpm[:5])) and np.all(
        np.isnan(result.breathing_confidence[:5])
    )
    assert np.all(result.breathing_status[:5] == VitalStatus.UNAVAILABLE)
    assert np.all(np.isfinite(result.breathing_bpm[5:]))
    readings = result.readings
    assert readings[0].breathing.value_bpm == 0.0
    assert readings[0].breathing.status is VitalStatus.UNAVAILABLE
    assert readings[-1].heart.value_bpm == result.heart_bpm[-1]
    assert readings[-1].signal_quality == result.signal_quality[-1]
    # Cached and read-only.
    assert result.heart_bpm is result.heart_bpm
    with pytest.raises(ValueError, match="read-only"):
        result.heart_bpm[0] = 1.0


def test_process_equals_per_frame_pushes_and_frames() -> None:
    amplitudes, phases = vital_signal(11.0, 12.0, 80.0, sigma=0.2, seed=3)
    batch = VitalsPipeline.esp32_default()
    result = batch.process(amplitudes, phases, sample_rate_hz=100.0)
    arrays = VitalsPipeline.esp32_default()
    frames = VitalsPipeline.esp32_default()
    from_arrays: list[VitalReading] = []
    from_frames: list[VitalReading] = []
    for i, (a, p) in enumerate(zip(amplitudes, phases, strict=True)):
        r = arrays.push_arrays(a, p)
        if r is not None:
            from_arrays.append(r)
        f = frames.push(CsiFrame(a, p, 56, i, 100.0))
        if f is not None:
            from_frames.append(f)
    assert readings_equal(result.readings, from_arrays)
    assert readings_equal(from_frames, from_arrays)
    assert batch.frames_processed == arrays.frames_processed == 1100
    more_a, more_p = vital_signal(2.0, 12.0, 80.0, seed=4)
    assert readings_equal(
        batch.process(more_a, more_p).readings, arrays.process(more_a, more_p).readings
    )
    assert len(batch.store) == len(arrays.store) == 9  # frames 499, 599, ..., 1299


def test_strided_and_converted_inputs_give_the_same_result() -> None:
    amplitudes, phases = vital_signal(6.0, 15.0, 70.0, seed=5, subcarriers=112)
    contiguous = VitalsPipeline.esp32_default().process(
        np.ascontiguousarray(amplitudes[:, ::2]), np.ascontiguousarray(phases[:, ::2])
    )
    strided = VitalsPipeline.esp32_default().process(amplitudes[:, ::2], phases[:, ::2])
    fortran = VitalsPipeline.esp32_default().process(
        np.asfortranarray(amplitudes[:, ::2]), np.asfortranarray(phases[:, ::2])
    )
    as_float32 = VitalsPipeline.esp32_default().process(
        amplitudes[:, ::2].astype(np.float32), phases[:, ::2].astype(np.float32)
    )
    assert readings_equal(strided.readings, contiguous.readings)
    assert readings_equal(fortran.readings, contiguous.readings)
    assert len(as_float32) == len(contiguous) == 2


def test_alerts_come_with_reading_positions() -> None:
    amplitudes, phases = vital_signal(40.0, 15.0, 72.0, seed=6)
    fast_a, fast_p = vital_signal(20.0, 15.0, 115.0, seed=6)
    pipeline = VitalsPipeline.esp32_default()
    pipeline.process(amplitudes, phases)
    result = pipeline.process(fast_a, fast_p)
    kinds = {a.alert_type for _, a in result.alerts}
    assert "tachycardia" in kinds
    positions = [p for p, _ in result.alerts]
    assert positions == sorted(positions) and all(0 <= p < len(result) for p in positions)
    assert all(alert.vital_type in ("respiratory", "cardiac") for _, alert in result.alerts)
    assert pipeline.detector.reading_count == len(pipeline.store)


def state_after(
    pipeline: VitalsPipeline, amplitudes: np.ndarray, phases: np.ndarray
) -> VitalsResult:
    return pipeline.process(amplitudes, phases, sample_rate_hz=100.0)


@pytest.mark.parametrize(
    ("make_bad", "error"),
    [
        (lambda a, p: (a[:, :55], p[:, :55]), ShapeError),
        (lambda a, p: (np.where(np.arange(56) == 7, np.nan, a), p), NonFiniteError),
        (lambda a, p: (a, np.where(np.arange(56) == 3, np.inf, p)), NonFiniteError),
        (lambda a, p: (a[:0], p[:0]), ShapeError),
        (lambda a, p: (a, p[:-1]), ShapeError),
        (lambda a, p: (a[0], p[0]), ShapeError),
        (lambda a, p: (a.astype(bool), p), ValidationError),
    ],
)
def test_bad_buffers_raise_and_leave_the_state_unchanged(make_bad, error) -> None:  # type: ignore[no-untyped-def]
    amplitudes, phases = vital_signal(12.0, 15.0, 72.0, seed=7)
    first_a, first_p, rest_a, rest_p = (
        amplitudes[:700],
        phases[:700],
        amplitudes[700:],
        phases[700:],
    )
    clean = VitalsPipeline.esp32_default()
    probed = VitalsPipeline.esp32_default()
    clean.process(first_a, first_p)
    probed.process(first_a, first_p)
    bad_a, bad_p = make_bad(rest_a[:20].copy(), rest_p[:20].copy())
    with pytest.raises(error):
        probed.process(bad_a, bad_p)
    assert probed.frames_processed == 700
    assert readings_equal(
        state_after(clean, rest_a, rest_p).readings,
        state_after(probed, rest_a, rest_p).readings,
    )


def test_bad_frames_and_rates() -> None:
    pipeline = VitalsPipeline.esp32_default()
    a, p = np.full(56, 15.0), np.zeros(56)
    with pytest.raises(ValidationError, match=r"sample_rate_hz.*100 Hz.*50 Hz"):
        pipeline.process(a[None, :], p[None, :], sample_rate_hz=50.0)
    for rate in (0.0, -1.0, math.nan):
        with pytest.raises(ValidationError):
            pipeline.process(a[None, :], p[None, :], sample_rate_hz=rate)
    with pytest.raises(ValidationError):
        pipeline.push(CsiFrame(a, p, 56, 0, 50.0))
    with pytest.raises(ShapeError):
        pipeline.push(CsiFrame(a[:55], p[:55], 55, 0, 100.0))
    with pytest.raises(ShapeError):
        pipeline.push_arrays(a, p[:55])
    with pytest.raises(NonFiniteError):
        pipeline.push_arrays(np.where(np.arange(56) == 0, np.inf, a), p)
    assert pipeline.frames_processed == 0
    pipeline.push(CsiFrame(a, p, 56, 5, 100.0))
    with pytest.raises(ValidationError, match=r"sample_index.*5 after 5"):
        pipeline.push(CsiFrame(a, p, 56, 5, 100.0))
    assert pipeline.frames_processed == 1
    pipeline.push_arrays(a, p)
    pipeline.reset()
    assert pipeline.frames_processed == 0 and len(pipeline.store) == 0


def test_configuration() -> None:
    pipeline = VitalsPipeline(
        56,
        100.0,
        alpha=0.1,
        breathing_window_s=20.0,
        heart_window_s=10.0,
        breathing_method="ruview",
        heart_method="autocorrelation",
        breathing_weights=np.full(56, 1 / 56),
        reading_interval_s=0.5,
        anomaly_window=30,
        z_threshold=3.0,
        skip_unavailable=False,
        store_capacity=10,
        start_time_s=100.0,
    )
    amplitudes, phases = vital_signal(12.0, 15.0, 72.0, seed=8)
    result = pipeline.process(amplitudes, phases)
    assert result.frame_index[0] == 499 and result.frame_index[1] == 549
    assert result.timestamp_s[0] == pytest.approx(104.99)
    assert pipeline.store.capacity == 10 and len(pipeline.store) == 10
    assert pipeline.detector.z_threshold == 3.0 and not pipeline.detector.skip_unavailable
    ruview = VitalsPipeline.ruview_compatible()
    assert not ruview.detector.skip_unavailable
    for bad in (
        {"breathing_method": "fft"},
        {"heart_method": "x"},
        {"sample_rate_hz": 3.0},
        {"n_subcarriers": 0},
        {"breathing_window_s": 5.0},
        {"reading_interval_s": 0.0},
        {"z_threshold": -1.0},
    ):
        with pytest.raises(ConfigError):
            VitalsPipeline(**bad)  # type: ignore[arg-type]
    with pytest.raises(NonFiniteError):
        VitalsPipeline(breathing_weights=[1.0, math.nan])
    assert issubclass(ConfigError, WifiDenseposeError)
