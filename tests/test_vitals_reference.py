"""The reference-signal fixture and the pipeline on it (docs/dsp.md §5.2, last row)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from reference import FIXTURE, FIXTURE_SHA256, SOURCE_SHA256, load_reference

from wifi_densepose.vitals import VitalsPipeline, VitalsResult, VitalStatus


def test_fixture_hash_and_contents() -> None:
    assert hashlib.sha256(FIXTURE.read_bytes()).hexdigest() == FIXTURE_SHA256
    assert SOURCE_SHA256 == "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65"
    ref = load_reference()
    assert ref.amplitude.shape == ref.phase.shape == (1000, 3, 56)
    assert ref.amplitude.dtype == np.float64 and ref.phase.dtype == np.float64
    assert (ref.num_frames, ref.num_antennas, ref.num_subcarriers) == (1000, 3, 56)
    assert ref.sampling_rate_hz == 100.0
    assert ref.frequency_hz == 5.21e9 and ref.bandwidth_hz == 17.5e6
    np.testing.assert_allclose(ref.timestamp_s, np.arange(1000) / 100.0, rtol=0, atol=1e-12)
    assert np.all(np.abs(ref.phase) <= np.pi)
    assert np.all(np.isfinite(ref.amplitude))


def run() -> VitalsResult:
    ref = load_reference()
    pipeline = VitalsPipeline.esp32_default()
    return pipeline.process(ref.amplitude[:, 0, :], ref.phase[:, 0, :], sample_rate_hz=100.0)


def result_bytes(result: VitalsResult) -> bytes:
    fields = (
        result.frame_index,
        result.timestamp_s,
        result.breathing_bpm,
        result.breathing_confidence,
        result.breathing_status,
        result.heart_bpm,
        result.heart_confidence,
        result.heart_status,
        result.signal_quality,
    )
    return b"".join(np.ascontiguousarray(f).tobytes() for f in fields)


def test_breathing_and_heart_at_frame_999() -> None:
    result = run()
    assert result.frame_index[-1] == 999
    assert result.breathing_bpm[-1] == pytest.approx(18.0, abs=0.5)
    assert result.breathing_status[-1] == VitalStatus.VALID
    assert result.heart_bpm[-1] == pytest.approx(72.0, abs=0.5)
    assert result.heart_status[-1] == VitalStatus.VALID
    print(
        f"\nreference frame 999: breathing {result.breathing_bpm[-1]:.4f} BPM "
        f"(confidence {result.breathing_confidence[-1]:.4f}), heart {result.heart_bpm[-1]:.4f} BPM "
        f"(confidence {result.heart_confidence[-1]:.4f})"
    )


def test_output_is_byte_identical_across_runs() -> None:
    assert result_bytes(run()) == result_bytes(run())
