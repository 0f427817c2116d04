"""CsiData, CsiProcessor, FeatureExtractor and MotionDetector."""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wifi_densepose import ConfigError, CsiFrame, NonFiniteError, ShapeError, ValidationError
from wifi_densepose.signal import (
    CsiData,
    CsiFeatures,
    CsiPreprocessor,
    CsiProcessor,
    CsiProcessorConfig,
    FeatureExtractor,
    FeatureExtractorConfig,
    MotionDetector,
    MotionDetectorConfig,
    MotionScore,
    PhaseSanitizer,
    hamming_window,
)


def frame(a: int = 4, s: int = 64, seed: int = 0) -> CsiData:
    rng = np.random.default_rng(seed)
    return CsiData(1.0 + 0.3 * rng.random((a, s)), rng.uniform(-3, 3, (a, s)))


# --- reference implementations (numpy, population statistics) -------------------------------


def pearson(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    da, db = a - a.mean(), b - b.mean()
    return float((da * db).mean()), float((da * da).mean()), float((db * db).mean())


def features_reference(amp: np.ndarray, ph: np.ndarray, n: int, bandwidth: float) -> dict[str, Any]:
    a_count = amp.shape[0]
    diff = np.diff(ph, axis=1).mean(axis=0)
    gradient = np.diff(diff) if ph.shape[1] >= 3 else np.array([0.0])
    coherences = []
    matrix = np.eye(a_count)
    for i in range(a_count):
        for j in range(i + 1, a_count):
            cov, va, vb = pearson(ph[i], ph[j])
            if va * vb >= 1e-10:
                coherences.append(cov / math.sqrt(va * vb))
            cov, va, vb = pearson(amp[i], amp[j])
            std = math.sqrt(va) * math.sqrt(vb)
            matrix[i, j] = matrix[j, i] = 0.0 if std <= 1e-10 else cov / std
    off = matrix[~np.eye(a_count, dtype=bool)]
    flat = np.zeros(n)
    values = amp.ravel()[:n]
    flat[: values.size] = values
    psd = np.abs(np.fft.fft(flat)) ** 2 / n
    k = np.arange(n)
    freqs = np.where(k <= n // 2, k, k - n) * bandwidth / n
    p, f = psd[: n // 2], freqs[: n // 2]
    total = p.sum()
    centroid = (p * f).sum() / total if total > 1e-10 else 0.0
    spread = math.sqrt((p * (f - centroid) ** 2).sum() / total) if total > 1e-10 else 0.0
    return {
        "mean": amp.mean(axis=0),
        "variance": amp.var(axis=0),
        "peak": amp.max(),
        "rms": math.sqrt((amp**2).mean()),
        "dynamic_range": amp.max() - amp.min(),
        "difference": diff,
        "phase_variance": ph.var(axis=0),
        "gradient": gradient,
        "coherence": float(np.mean(coherences)) if coherences else 0.0,
        "matrix": matrix,
        "mean_correlation": off.mean() if off.size else 0.0,
        "max_correlation": off.max() if off.size else 0.0,
        "correlation_spread": off.std() if off.size else 0.0,
        "psd": psd,
        "frequencies": freqs,
        "total_power": total,
        "peak_power": p.max(),
        "peak_frequency": f[int(np.argmax(p))],
        "centroid": centroid,
        "bandwidth": spread,
    }


@pytest.mark.parametrize(("a", "s", "n"), [(4, 64, 128), (3, 56, 64), (1, 30, 128), (2, 2, 8)])
def test_features_match_numpy_reference(a: int, s: int, n: int) -> None:
    d = frame(a, s, seed=a * s)
    f = FeatureExtractor(FeatureExtractorConfig(fft_size=n)).extract(d)
    ref = features_reference(np.asarray(d.amplitude), np.asarray(d.phase), n, 20e6)
    np.testing.assert_allclose(f.amplitude.mean, ref["mean"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f.amplitude.variance, ref["variance"], rtol=1e-9, atol=1e-9)
    for name in ("peak", "rms", "dynamic_range"):
        assert getattr(f.amplitude, name) == pytest.approx(ref[name], rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(f.phase.difference, ref["difference"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f.phase.variance, ref["phase_variance"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f.phase.gradient, ref["gradient"], rtol=1e-9, atol=1e-9)
    assert f.phase.coherence == pytest.approx(ref["coherence"], rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(f.correlation.matrix, ref["matrix"], rtol=1e-9, atol=1e-9)
    for name in ("mean_correlation", "max_correlation", "correlation_spread"):
        assert getattr(f.correlation, name) == pytest.approx(ref[name], rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(f.psd.values, ref["psd"], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(f.psd.frequencies, ref["frequencies"])
    for name in ("total_power", "peak_power", "peak_frequency", "centroid", "bandwidth"):
        assert getattr(f.psd, name) == pytest.approx(ref[name], rel=1e-9, abs=1e-6)


def test_feature_expectations_on_4x64() -> None:
    f = FeatureExtractor().extract(frame())
    assert f.amplitude.mean.shape == (64,) and f.amplitude.variance.shape == (64,)
    assert f.amplitude.peak > 0 and f.amplitude.rms > 0 and f.amplitude.dynamic_range >= 0
    assert f.phase.difference.shape == (63,)
    assert abs(f.phase.coherence) <= 1
    m = f.correlation.matrix
    assert m.shape == (4, 4)
    np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-10)
    np.testing.assert_allclose(m, m.T, atol=1e-10)
    assert f.psd.values.shape == (128,) and f.psd.frequencies.shape == (128,)
    assert np.all(f.psd.values >= 0)
    assert f.doppler is None
    assert f.metadata == {
        "num_antennas": 4,
        "num_subcarriers": 64,
        "fft_size": 128,
        "sampling_rate": None,
        "doppler_samples": None,
    }


def test_doppler() -> None:
    e = FeatureExtractor()
    history = [frame(seed=t) for t in range(20)]
    doppler = e.extract_doppler(history)
    assert doppler is not None and doppler.shifts.shape == (64,)
    f = e.extract_with_history(frame(), history[:15])
    assert f.metadata["doppler_samples"] == 15
    assert e.extract_doppler([]) is None
    assert e.extract_doppler(history[:5]) is None


def test_simple_signals() -> None:
    e = FeatureExtractor()
    f = e.extract(CsiData(np.full((4, 64), 2.0), np.zeros((4, 64))))
    assert f.amplitude.rms == pytest.approx(2, abs=0.01)
    assert f.amplitude.peak == pytest.approx(2, abs=0.01)
    assert f.amplitude.dynamic_range < 0.01
    tone = np.abs(np.sin(2 * np.pi * 50 * np.arange(256) / 1000)) + 1
    f = e.extract(CsiData(tone, np.zeros(256)))
    assert f.psd.total_power > 0 and f.psd.centroid >= 0
    rows = np.tile(1 + np.sin(0.2 * np.arange(64)), (4, 1))
    linear = np.tile(-3 + 0.09 * np.arange(64), (4, 1))
    f = e.extract(CsiData(rows, linear))
    assert f.correlation.mean_correlation > 0.9
    assert f.phase.coherence == pytest.approx(1.0, abs=1e-12)
    f = e.extract(CsiData(np.linspace(0.5, 2.5, 64), np.zeros(64)))
    assert f.amplitude.dynamic_range == pytest.approx(2.0, abs=0.01)


def test_batch_equals_per_frame_bitwise() -> None:
    rng = np.random.default_rng(5)
    amp = 1 + rng.random((25, 3, 32))
    ph = rng.uniform(-3, 3, (25, 3, 32))
    e = FeatureExtractor()
    batch = e.extract_batch(amp, ph, doppler_window=12)
    assert len(batch) == 25
    frames = [CsiData(amp[t], ph[t]) for t in range(25)]
    for t in range(25):
        ref = e.extract_with_history(frames[t], frames[max(0, t - 11) : t + 1])
        assert batch.amplitude_rms[t] == ref.amplitude.rms
        np.testing.assert_array_equal(batch.psd_values[t], ref.psd.values)
        np.testing.assert_array_equal(batch.correlation_matrix[t], ref.correlation.matrix)
        np.testing.assert_array_equal(batch.phase_gradient[t], ref.phase.gradient)
        shifts = batch.doppler_shifts
        assert shifts is not None
        if t >= 9:
            assert ref.doppler is not None
            np.testing.assert_array_equal(shifts[t], ref.doppler.shifts)
        else:
            assert np.isnan(shifts[t]).all()
    plain = e.extract_batch(amp, ph)
    assert plain.doppler_shifts is None
    np.testing.assert_array_equal(plain.psd_values, batch.psd_values)


def test_strided_inputs_equal_contiguous_copies() -> None:
    rng = np.random.default_rng(7)
    amp = 1 + rng.random((10, 4, 80))
    ph = rng.uniform(-3, 3, (10, 4, 80))
    e = FeatureExtractor()
    a = e.extract_batch(amp[::2, :, 10:74], ph[::2, :, 10:74])
    b = e.extract_batch(
        np.ascontiguousarray(amp[::2, :, 10:74]), np.ascontiguousarray(ph[::2, :, 10:74])
    )
    np.testing.assert_array_equal(a.psd_values, b.psd_values)
    np.testing.assert_array_equal(a.phase_difference, b.phase_difference)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 40)), elements=st.floats(0, 10))
)
def test_correlation_matrix_is_symmetric_with_unit_diagonal(amp: np.ndarray) -> None:
    f = FeatureExtractor().extract(CsiData(amp, np.zeros_like(amp)))
    m = f.correlation.matrix
    np.testing.assert_array_equal(np.diag(m), 1.0)
    np.testing.assert_array_equal(m, m.T)
    assert np.all(np.abs(m) <= 1 + 1e-12)


def test_bad_feature_input() -> None:
    e = FeatureExtractor()
    with pytest.raises(ShapeError):
        e.extract_batch(np.ones((2, 2, 4)), np.ones((2, 2, 5)))
    with pytest.raises(ShapeError):
        e.extract_batch(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(ShapeError):
        e.extract_batch(np.ones((0, 2, 4)), np.ones((0, 2, 4)))
    nan = np.ones((2, 2, 4))
    nan[1, 1, 3] = np.nan
    with pytest.raises(NonFiniteError, match=r"phase.*at \[1, 1, 3\]"):
        e.extract_batch(np.ones((2, 2, 4)), nan)
    with pytest.raises(ValidationError):
        e.extract_batch(np.ones((2, 2, 4), dtype=complex), np.ones((2, 2, 4)))
    for bad in ({"fft_size": 0}, {"sampling_rate": 0.0}, {"min_doppler_history": 1}):
        with pytest.raises(ConfigError):
            FeatureExtractorConfig(**bad)


# --- CsiData and CsiProcessor -----------------------------------------------------------------


def test_csi_data() -> None:
    d = frame()
    assert (d.num_antennas, d.num_subcarriers) == (4, 64)
    back = CsiData.from_complex(d.to_complex())
    np.testing.assert_allclose(back.amplitude, d.amplitude, atol=1e-10)
    np.testing.assert_allclose(back.phase, d.phase, atol=1e-10)
    one = CsiData.from_frame(CsiFrame([1.0, 2.0], [0.1, 0.2], 2, 0, 100.0))
    assert one.amplitude.shape == (1, 2)
    with pytest.raises(ShapeError):
        CsiData(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ShapeError):
        CsiData(np.ones((0, 3)), np.ones((0, 3)))
    with pytest.raises(NonFiniteError, match="amplitude"):
        CsiData(np.array([1.0, np.inf]), np.zeros(2))
    with pytest.raises(ValidationError):
        CsiData(np.ones(3), np.zeros(3), frequency_hz=0.0)
    with pytest.raises(ValidationError):
        CsiData(np.ones(3, dtype=bool), np.zeros(3))


def test_processor_expectations() -> None:
    CsiProcessor(CsiProcessorConfig())
    with pytest.raises(ConfigError):
        CsiProcessorConfig(sampling_rate=-100.0)
    p = CsiProcessor()
    out = p.preprocess(frame())
    assert out.noise_filtered and out.windowed and out.normalized
    capped = CsiProcessor(CsiProcessorConfig(max_history_size=5))
    for _ in range(10):
        capped.add_to_history(frame())
    assert capped.history_len == 5
    first = p.apply_temporal_smoothing(1.0)
    assert first == pytest.approx(0.1, abs=1e-6)
    assert p.apply_temporal_smoothing(1.0) > first
    w = hamming_window(64)
    np.testing.assert_allclose(w, w[::-1], atol=1e-10)
    assert w[0] == pytest.approx(0.08, abs=0.01)
    assert hamming_window(1).tolist() == [1.0]
    assert p.statistics == {
        "total_processed": 0,
        "processing_errors": 0,
        "human_detections": 0,
        "history_size": 0,
    }
    assert p.error_rate == 0.0


def test_preprocessing_matches_numpy() -> None:
    d = frame(seed=3)
    a = np.asarray(d.amplitude)
    gated = np.where(20 * np.log10(a + 1e-12) <= -30.0, 0.0, a)
    windowed = gated * np.hamming(64)[None, :]
    expected = windowed / (windowed.std() + 1e-12)
    np.testing.assert_allclose(CsiPreprocessor().preprocess(d).amplitude, expected, rtol=1e-12)
    amp = np.stack([a, a * 2])
    ph = np.stack([np.asarray(d.phase)] * 2)
    out_a, out_p = CsiProcessor().preprocess_batch(amp, ph)
    np.testing.assert_allclose(out_a[0], expected, rtol=1e-12)
    np.testing.assert_array_equal(out_p, ph)


# --- motion -----------------------------------------------------------------------------------


def features(level: float, seed: int = 0) -> CsiFeatures:
    j = np.arange(64)[None, :]
    i = np.arange(4)[:, None]
    amp = 1 + level * np.sin(0.7 * j + 1.3 * i + seed)
    ph = level * np.cos(0.4 * j * (i + 1) + seed)
    return FeatureExtractor().extract(CsiData(amp, ph))


def test_motion_score() -> None:
    s = MotionScore(0.5, 0.6, 0.4)
    assert s.total == pytest.approx(0.50, abs=1e-12)
    assert (s.variance, s.correlation, s.phase) == (0.5, 0.6, 0.4)
    assert MotionScore(0.5, 0.6, 0.4, 0.7).total == pytest.approx(0.56, abs=1e-12)
    with pytest.raises(NonFiniteError):
        MotionScore(float("nan"), 0, 0)


def test_detector_expectations() -> None:
    d = MotionDetector()
    a = d.analyze_motion(features(0.5))
    assert 0 <= a.score.total <= 1 and 0 <= a.confidence <= 1
    first = d.detect_human(features(0.5)).confidence
    assert d.detect_human(features(0.5)).confidence >= first
    d.calibrate(features(0.1))
    assert d.is_calibrated
    d.clear_calibration()
    assert not d.is_calibrated
    for s in range(3):
        d.detect_human(features(0.3, s))
    assert d.statistics["total_detections"] == 5
    d.reset()
    assert d.statistics["total_detections"] == 0
    assert MotionDetector().analyze_motion(features(0.01)).score.total < 0.5
    adaptive = MotionDetector(MotionDetectorConfig(adaptive_threshold=True, history_size=10))
    for s in range(15):
        r = adaptive.detect_human(features(0.2, s))
    assert r.threshold > 0
    assert adaptive.statistics["history_size"] == 10
    with pytest.raises(ConfigError):
        MotionDetectorConfig(history_size=0)
    assert MotionDetectorConfig().weights(0.5, 0.25, 0.25).phase_weight == 0.25


def test_detect_batch_equals_per_frame() -> None:
    rng = np.random.default_rng(2)
    amp = 1 + rng.random((15, 3, 16))
    ph = rng.uniform(-1, 1, (15, 3, 16))
    batch = FeatureExtractor().extract_batch(amp, ph, doppler_window=10)
    one, many = MotionDetector(), MotionDetector()
    out = many.detect_human_batch(batch)
    for t in range(15):
        r = one.detect_human(batch.frame(t))
        assert r.confidence == out.confidence[t]
        assert r.human_detected == out.human_detected[t]
    assert one.statistics == many.statistics


def test_concurrent_use_raises_instead_of_corrupting_state() -> None:
    # The batch call releases the GIL while it holds the object mutably; a second thread's
    # call meanwhile must fail with RuntimeError and leave the counters consistent.
    s = PhaseSanitizer()
    rng = np.random.default_rng(0)
    batch = rng.uniform(-3, 3, (3000, 4, 64))
    row = rng.uniform(-3, 3, 64)
    worker = threading.Thread(target=s.sanitize_batch, args=(batch,))
    conflicts = successes = 0
    worker.start()
    while worker.is_alive():
        try:
            s.sanitize(row)
            successes += 1
        except RuntimeError:
            conflicts += 1
    worker.join()
    assert conflicts > 0
    assert s.statistics["total_processed"] == 3000 + successes
