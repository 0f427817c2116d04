"""The four vitals stages one by one: docs/dsp.md §6.3 expectations through the bindings."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest

from wifi_densepose import ConfigError, CsiFrame, NonFiniteError, ShapeError, ValidationError
from wifi_densepose.vitals import (
    AnomalyAlert,
    BreathingExtractor,
    CsiVitalPreprocessor,
    HeartRateExtractor,
    VitalEstimate,
    VitalReading,
    VitalSignStore,
    VitalStatus,
)

# --- preprocessor -------------------------------------------------------------------------


def test_preprocessor_empty_first_frame_and_constant() -> None:
    pre = CsiVitalPreprocessor(4, alpha=0.1)
    assert pre.process(np.array([])) is None
    np.testing.assert_array_equal(pre.process([1.0, 2.0, 3.0, 4.0]), np.zeros(4))
    for _ in range(100):
        residuals = pre.process(np.full(4, 1.0))
        assert residuals is not None
    assert np.all(np.abs(residuals) < 0.01)


def test_preprocessor_step_reset_and_alpha_clamp() -> None:
    pre = CsiVitalPreprocessor(1, alpha=0.05)
    for _ in range(200):
        pre.process([10.0])
    step = pre.process([20.0])
    assert step is not None and step[0] > 5.0
    pre.reset()
    np.testing.assert_array_equal(pre.process([20.0]), [0.0])
    assert CsiVitalPreprocessor(56, alpha=-5.0).alpha == 0.001
    assert CsiVitalPreprocessor(56, alpha=100.0).alpha == 0.999
    with pytest.raises(ConfigError):
        CsiVitalPreprocessor(56, alpha=math.nan)
    pre.alpha = 7.0
    assert pre.alpha == 0.999
    assert CsiVitalPreprocessor.esp32_default().n_subcarriers == 56


def test_preprocessor_accepts_frames_and_batch_equals_per_frame() -> None:
    rng = np.random.default_rng(3)
    x = 10.0 + rng.standard_normal((300, 6))
    batch = CsiVitalPreprocessor(4).process_batch(x)
    assert batch.shape == (300, 4) and not batch.flags.writeable
    single = CsiVitalPreprocessor(4)
    rows = [single.process(row) for row in x]
    assert np.array_equal(np.stack(rows), batch)  # type: ignore[arg-type]
    frame = CsiFrame(x[0, :4], np.zeros(4), 4, 0, 100.0)
    np.testing.assert_array_equal(CsiVitalPreprocessor(4).process(frame), np.zeros(4))


def test_preprocessor_rejects_non_finite_without_change() -> None:
    pre = CsiVitalPreprocessor(3)
    pre.process([1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError, match=r"amplitudes .*\(NaN\) at \[1\]"):
        pre.process([1.0, math.nan, 3.0])
    np.testing.assert_array_equal(pre.process([2.0, 2.0, 3.0]), [1.0, 0.0, 0.0])


# --- breathing ----------------------------------------------------------------------------


def run_breathing(method: str) -> VitalEstimate:
    ext = BreathingExtractor(1, 10.0, 60.0, method=method)
    estimate = None
    for i in range(600):
        estimate = ext.extract([math.sin(2 * math.pi * 0.25 * i / 10.0)], [1.0])
    assert estimate is not None
    return estimate


def test_breathing_table_of_6_3() -> None:
    ruview = run_breathing("ruview")
    assert ruview.value_bpm == 15.0
    assert ruview.confidence == pytest.approx(0.2865, abs=0.001)
    assert ruview.status == VitalStatus.UNRELIABLE
    spectral = run_breathing("spectral")
    assert spectral.value_bpm == pytest.approx(15.0, abs=0.05)
    assert spectral.confidence >= 0.95
    assert spectral.status is VitalStatus.VALID


def test_breathing_basics() -> None:
    ext = BreathingExtractor(4, 10.0, 30.0)
    assert ext.extract(np.array([])) is None and ext.history_len == 0
    for _ in range(5):
        assert ext.extract([1.0, 2.0], [0.5, 0.5]) is None
    with pytest.raises(ConfigError):
        BreathingExtractor(56, 1.0, 30.0)
    with pytest.raises(ConfigError):
        BreathingExtractor(method="fft")
    assert BreathingExtractor.zero_crossings([1.0, -1.0, 1.0, -1.0, 1.0]) == 4
    assert BreathingExtractor.zero_crossings(np.ones(10)) == 0
    assert ext.band == (0.1, 0.5)
    ext.reset()
    assert ext.history_len == 0
    assert BreathingExtractor.ruview_confidence(np.zeros(100)) == 0.0
    assert BreathingExtractor.ruview_confidence(np.sin(0.5 * np.arange(100))) > 0.0


def test_spectral_breathing_with_noise_and_on_noise_alone() -> None:
    t = np.arange(600) / 10.0
    for seed in range(50):
        rng = np.random.default_rng(seed)
        x = np.sin(2 * np.pi * 0.25 * t) + 0.5 * rng.standard_normal(600)
        ext = BreathingExtractor(1, 10.0, 60.0)
        ext.push_batch(x[:, None])
        est = ext.estimate()
        assert est is not None and est.status == VitalStatus.VALID, seed
        assert abs(est.value_bpm - 15.0) <= 0.1
    for seed in range(20):
        ext = BreathingExtractor(1, 10.0, 60.0)
        ext.push_batch(np.random.default_rng(100 + seed).standard_normal((600, 1)))
        est = ext.estimate()
        assert est is None or est.status != VitalStatus.VALID


# --- heart --------------------------------------------------------------------------------


def run_heart(method: str, n: int = 4) -> VitalEstimate:
    ext = HeartRateExtractor(n, 50.0, 20.0, method=method)
    phases = [0.0, 0.01, 0.02, 0.03]
    estimate = None
    for i in range(1000):
        estimate = ext.extract([math.sin(2 * math.pi * 1.2 * i / 50.0)] * 4, phases)
    assert estimate is not None
    return estimate


def test_heart_table_of_6_3() -> None:
    ruview = run_heart("ruview")
    assert ruview.value_bpm == pytest.approx(60.0 * 50.0 / 42.0, abs=1e-9)
    assert round(ruview.value_bpm, 2) == 71.43
    assert ruview.confidence == pytest.approx(0.96, abs=0.01)
    assert ruview.status == VitalStatus.VALID
    acf = run_heart("autocorrelation")
    assert acf.value_bpm == pytest.approx(72.0, abs=0.5)
    assert acf.confidence == pytest.approx(0.96, abs=0.01) and acf.status == VitalStatus.VALID
    spectral = run_heart("spectral")
    assert spectral.value_bpm == pytest.approx(72.0, abs=0.05)
    assert spectral.confidence >= 0.95 and spectral.status == VitalStatus.VALID


@pytest.mark.parametrize("method", ["spectral", "ruview", "autocorrelation"])
def test_two_subcarriers_halve_the_confidence(method: str) -> None:
    four, two = run_heart(method, 4), run_heart(method, 2)
    assert two.confidence == pytest.approx(four.confidence / 2, abs=0.02)
    assert two.status != VitalStatus.VALID


def test_heart_basics() -> None:
    ext = HeartRateExtractor(4, 100.0, 15.0)
    assert ext.extract([], []) is None
    for _ in range(10):
        assert ext.extract([0.1, 0.2, 0.3, 0.4], [0.0, 0.1, 0.2, 0.3]) is None
    assert ext.band == (0.8, 2.0) and ext.min_subcarriers == 4
    assert HeartRateExtractor.phase_coherence_fusion([5.0], [0.0]) == 5.0
    fused = HeartRateExtractor.phase_coherence_fusion([1.0, 1.0], [0.0, 0.01])
    assert fused == pytest.approx(1.0, abs=0.1)
    peak = HeartRateExtractor.autocorrelation_peak(np.sin(2 * np.pi * np.arange(500) / 50.0), 50.0)
    assert peak is not None
    lag, rho, _ = peak
    assert lag == 50 and rho == pytest.approx(0.90, abs=1e-9) and abs(50.0 / lag - 1) < 0.1
    with pytest.raises(ShapeError):
        ext.push_batch(np.zeros((5, 4)), np.zeros((4, 4)))


# --- ring buffers against a list-based reference (docs/dsp.md §1.6 and 6.3) --------------------


class ListResonator:
    """y[n] = (1-r)(x[n] - x[n-2]) + 2r cos ω₀ y[n-1] - r^2 y[n-2], written out in Python."""

    def __init__(self, lo: float, hi: float, fs: float) -> None:
        w_lo, w_hi = 2 * math.pi * lo / fs, 2 * math.pi * hi / fs
        self.r = 1.0 - (w_hi - w_lo) / 2.0
        self.cos_w0 = math.cos((w_lo + w_hi) / 2.0)
        self.x1 = self.x2 = self.y1 = self.y2 = 0.0

    def step(self, x: float) -> float:
        r = self.r
        y = (1.0 - r) * (x - self.x2) + 2.0 * r * self.cos_w0 * self.y1 - r * r * self.y2
        self.x2, self.x1, self.y2, self.y1 = self.x1, x, self.y1, y
        return y


def list_breathing(history: list[float], fs: float) -> tuple[float, float] | None:
    crossings = sum(1 for a, b in itertools.pairwise(history) if a * b < 0.0)
    f = crossings / (2.0 * len(history) / fs)
    if not 0.1 <= f <= 0.5:
        return None
    n = len(history)
    mean = sum(history) / n
    var = sum((x - mean) ** 2 for x in history) / n
    conf = 0.0 if var < 1e-15 else min(max(abs(x) for x in history) / math.sqrt(var) / 5.0, 1.0)
    return 60.0 * f, conf


def list_heart(history: list[float], fs: float, n_sub: int) -> tuple[float, float] | None:
    n = len(history)
    lag_min, lag_max = max(math.floor(fs / 2.0), 1), min(math.ceil(fs / 0.8), n // 2)
    if lag_min >= lag_max:
        return None
    x = np.array(history) - sum(history) / n
    a0 = float(x @ x)
    if a0 < 1e-15:
        return None
    rho = [float(x[: n - lag] @ x[lag:]) / a0 for lag in range(lag_min, lag_max + 1)]
    best = int(np.argmax(rho))
    if rho[best] <= 0:
        return None
    bpm = 60.0 * fs / (lag_min + best)
    if not 40.0 <= bpm <= 180.0:
        return None
    kappa = 1.0 if n_sub >= 4 else n_sub / 4
    return bpm, min(max(rho[best] * kappa, 0.0), 1.0)


def test_ruview_extractors_match_a_list_reference_over_10000_frames() -> None:
    fs, frames, n_sub = 20.0, 10_000, 4
    rng = np.random.default_rng(11)
    t = np.arange(frames) / fs
    rate = 0.2 + 0.1 * np.sin(2 * np.pi * t / 200.0)
    residuals = (
        np.sin(2 * np.pi * np.cumsum(rate) / fs)[:, None]
        + 0.2 * np.sin(2 * np.pi * 1.1 * t)[:, None]
        + 0.1 * rng.standard_normal((frames, n_sub))
    )
    phases = np.tile([0.0, 0.1, 0.25, 0.3], (frames, 1))

    breathing = BreathingExtractor(n_sub, fs, 30.0, method="ruview")
    heart = HeartRateExtractor(n_sub, fs, 15.0, method="ruview")
    got_b = breathing.extract_batch(residuals)
    got_h = heart.extract_batch(residuals, phases)

    b_filter, h_filter = ListResonator(0.1, 0.5, fs), ListResonator(0.8, 2.0, fs)
    b_hist: list[float] = []
    h_hist: list[float] = []
    for i in range(frames):
        b_hist.append(b_filter.step(sum(float(r) * (1.0 / n_sub) for r in residuals[i])))
        if len(b_hist) > 600:
            b_hist.pop(0)
        c = [math.exp(-abs(phases[i, j + 1] - phases[i, j])) for j in range(n_sub - 1)]
        c.append(c[-1])
        h_hist.append(
            h_filter.step(sum(r * w for r, w in zip(residuals[i], c, strict=True)) / sum(c))
        )
        if len(h_hist) > 300:
            h_hist.pop(0)
        for got, expected in (
            (got_b[i], list_breathing(b_hist, fs) if len(b_hist) >= 200 else None),
            (got_h[i], list_heart(h_hist, fs, n_sub) if len(h_hist) >= 100 else None),
        ):
            if expected is None:
                assert got is None, i
            else:
                assert got is not None, i
                assert got.value_bpm == pytest.approx(expected[0], rel=1e-12, abs=1e-12)
                assert got.confidence == pytest.approx(expected[1], rel=1e-12, abs=1e-12)
    assert sum(e is not None for e in got_b) > 5000 and sum(e is not None for e in got_h) > 5000

    # Batch equals per-frame calls bit for bit.
    single = BreathingExtractor(n_sub, fs, 30.0, method="ruview")
    for i in range(frames):
        assert single.extract(residuals[i]) == got_b[i]


# --- store --------------------------------------------------------------------------------


def reading(rr: float, hr: float, status: VitalStatus = VitalStatus.VALID) -> VitalReading:
    return VitalReading(
        VitalEstimate(rr, 0.9, status), VitalEstimate(hr, 0.9, VitalStatus.VALID), 56, 0.9, 0.0
    )


def test_store_expectations() -> None:
    store = VitalSignStore()
    assert store.latest() is None and store.stats() is None
    assert VitalSignStore.default_capacity() == 3600 and store.capacity == 3600
    small = VitalSignStore(3)
    for rr in (10.0, 15.0, 20.0, 25.0):
        small.push(reading(rr, 70.0))
    assert small.history(3)[0].breathing.value_bpm == 15.0
    for rr in (10.0, 11.0, 12.0, 13.0, 14.0):
        store.push(reading(rr, 70.0))
    assert [r.breathing.value_bpm for r in store.history(3)] == [12.0, 13.0, 14.0]
    one = VitalSignStore()
    one.push(reading(10.0, 60.0))
    assert len(one.history(100)) == 1
    stats_store = VitalSignStore()
    for rr, hr in ((10.0, 60.0), (20.0, 80.0), (15.0, 70.0)):
        stats_store.push(reading(rr, hr))
    s = stats_store.stats()
    assert s is not None
    assert (s.count, s.rr_mean, s.hr_mean, s.rr_min, s.rr_max, s.hr_min, s.hr_max) == (
        3,
        15.0,
        70.0,
        10.0,
        20.0,
        60.0,
        80.0,
    )
    assert s.valid_fraction == 1.0
    mixed = VitalSignStore()
    mixed.push(reading(15.0, 70.0))
    mixed.push(reading(15.0, 70.0, VitalStatus.DEGRADED))
    mixed_stats = mixed.stats()
    assert mixed_stats is not None and mixed_stats.valid_fraction == 0.5
    mixed.clear()
    assert len(mixed) == 0


# --- value types --------------------------------------------------------------------------


def test_value_types_validate_compare_and_hash() -> None:
    assert [int(s) for s in VitalStatus] == [0, 1, 2, 3]
    u = VitalEstimate.unavailable()
    assert (u.value_bpm, u.confidence, u.status) == (0.0, 0.0, VitalStatus.UNAVAILABLE)
    a, b = VitalEstimate(15.0, 0.9, VitalStatus.VALID), VitalEstimate(15.0, 0.9, 0)
    assert a == b and hash(a) == hash(b) and b.status is VitalStatus.VALID
    for bad in ((-1.0, 0.5, 0), (math.nan, 0.5, 0), (10.0, 1.5, 0)):
        with pytest.raises(ValidationError):
            VitalEstimate(*bad)
    with pytest.raises(ValidationError):
        VitalEstimate(10.0, 0.5, 7)
    with pytest.raises(ValidationError):
        VitalReading(a, a, 56, 1.2, 0.0)
    assert reading(15.0, 72.0) == reading(15.0, 72.0)
    assert "VALID" in repr(a)


def test_vital_reading_takes_its_2_0_keyword_names_with_a_warning() -> None:
    b, h = VitalEstimate(15.0, 0.9, VitalStatus.VALID), VitalEstimate(72.0, 0.8, VitalStatus.VALID)
    new = VitalReading(
        breathing=b, heart=h, subcarrier_count=56, signal_quality=0.9, timestamp_s=3.5
    )
    with pytest.warns(DeprecationWarning) as caught:
        old = VitalReading(
            respiratory_rate=b,
            heart_rate=h,
            subcarrier_count=56,
            signal_quality=0.9,
            timestamp_secs=3.5,
        )
    assert old == new and old.timestamp_s == 3.5 and old.heart.value_bpm == 72.0
    assert [str(w.message) for w in caught] == [
        "VitalReading(respiratory_rate=...) is deprecated; use breathing=...",
        "VitalReading(heart_rate=...) is deprecated; use heart=...",
        "VitalReading(timestamp_secs=...) is deprecated; use timestamp_s=...",
    ]
    with pytest.raises(TypeError, match="both 'heart' and its deprecated name 'heart_rate'"):
        VitalReading(b, h, 56, 0.9, 0.0, heart_rate=h)
    with pytest.raises(TypeError, match="missing required argument: 'timestamp_s'"):
        VitalReading(b, h, 56, 0.9)
    with pytest.raises(TypeError, match="missing required argument: 'signal_quality'"):
        VitalReading(b, h, 56, timestamp_s=0.0)


def test_value_types_pickle() -> None:
    values = [
        VitalEstimate(15.5, 0.9, VitalStatus.DEGRADED),
        VitalEstimate.unavailable(),
        reading(15.0, 72.0, VitalStatus.UNRELIABLE),
        AnomalyAlert("cardiac", "tachycardia", 0.375, "Elevated heart rate: HR = 130.0 BPM"),
    ]
    for value in values:
        restored = pickle.loads(pickle.dumps(value))
        assert restored == value and type(restored) is type(value)
    assert pickle.loads(pickle.dumps(values[0])).status is VitalStatus.DEGRADED


# --- non-finite input ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_extractors_reject_non_finite_values_without_change(bad: float) -> None:
    good = np.ones(4)
    poisoned = np.array([1.0, 1.0, bad, 1.0])
    breathing = BreathingExtractor(4, 10.0, 30.0)
    heart = HeartRateExtractor(4, 10.0, 15.0)
    breathing.push(good)
    heart.push(good, good)
    calls = [
        (lambda: breathing.push(poisoned), "residuals"),
        (lambda: breathing.push(good, poisoned), "weights"),
        (lambda: breathing.push_batch(np.vstack([good, poisoned])), "residuals"),
        (lambda: heart.push(poisoned, good), "residuals"),
        (lambda: heart.push(good, poisoned), "phases"),
        (lambda: heart.push_batch(np.vstack([good, good]), np.vstack([good, poisoned])), "phases"),
    ]
    for call, field in calls:
        with pytest.raises(NonFiniteError, match=rf"^{field} contains a non-finite value .* at \["):
            call()
    assert breathing.history_len == 1 and heart.history_len == 1
