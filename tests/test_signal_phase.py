"""Phase unwrapping and PhaseSanitizer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wifi_densepose import ConfigError, NonFiniteError, ShapeError, ValidationError
from wifi_densepose.signal import PhaseSanitizer, PhaseSanitizerConfig, phase_quality_map, unwrap
from wifi_densepose.utils import unwrap_phase

PI = math.pi


def wrap(v: np.ndarray) -> np.ndarray:
    return np.asarray(((v + PI) % (2 * PI)) - PI, dtype=np.float64)


def cascading_unwrap(p: np.ndarray) -> np.ndarray:
    """RuView's O(n²) form: every jump shifts all later samples by 2π."""
    out = p.astype(np.float64).copy()
    for j in range(1, len(out)):
        d = p[j] - p[j - 1]
        if d > PI:
            out[j:] -= 2 * PI
        elif d < -PI:
            out[j:] += 2 * PI
    return out


def random_walk(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return wrap(np.cumsum(rng.uniform(-2.5, 2.5, n)))


def test_wrapped_ramp() -> None:
    truth = np.linspace(0, 4 * PI, 100)
    out = unwrap_phase(wrap(truth))
    d = np.diff(out)
    assert np.all(np.abs(d) < PI)
    assert np.max(np.abs(d - np.diff(truth))) < 0.1


@pytest.mark.parametrize("seed", range(5))
def test_standard_equals_numpy_and_cascading_reference(seed: int) -> None:
    p = random_walk(seed, 500)
    ours = unwrap(p)
    np.testing.assert_allclose(ours, np.unwrap(p), rtol=0, atol=1e-9)
    reference = cascading_unwrap(p)
    turns = np.abs(np.round((ours - p) / (2 * PI)))
    assert np.all(np.abs(ours - reference) <= 1e-12 * (1 + turns))


def test_a_million_samples_unwrap_like_numpy() -> None:
    # Speed is measured in benchmarks/bench_signal.py; here the long input's values.
    p = random_walk(9, 1_000_000)
    np.testing.assert_allclose(unwrap(p), np.unwrap(p), rtol=0, atol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_quality_guided_single_row_equals_standard_bitwise(seed: int) -> None:
    p = random_walk(seed, 300)[None, :]
    np.testing.assert_array_equal(unwrap(p, "quality_guided"), unwrap(p, "standard"))


def test_quality_guided_surface_and_corrupt_pixels() -> None:
    r, c = np.meshgrid(np.arange(4), np.arange(64), indexing="ij")
    truth = 0.45 * c + 0.3 * r
    wrapped = wrap(truth)
    np.testing.assert_allclose(unwrap(wrapped, "quality_guided"), truth, atol=1e-9)
    corrupt = wrapped.copy()
    corrupt[1, 20:22] = wrap(truth[1, 20:22] + 3.0)
    guided = unwrap(corrupt, "quality_guided")
    good = np.ones_like(truth, dtype=bool)
    good[1, 20:22] = False
    np.testing.assert_allclose(guided[good], truth[good], atol=1e-9)
    standard = unwrap(corrupt, "standard")
    np.testing.assert_allclose(np.abs(standard[1, 22:] - truth[1, 22:]), 2 * PI, atol=1e-9)


def test_quality_map_values() -> None:
    assert phase_quality_map(np.array([[0.3]])).tolist() == [[1.0]]
    np.testing.assert_allclose(phase_quality_map(np.array([0.0, 1.0])), [0.5, 0.5])


@settings(max_examples=80, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 200), elements=st.floats(-PI, PI, exclude_max=True)),
    st.sampled_from(["standard", "custom", "itoh", "quality_guided"]),
)
def test_unwrap_then_rewrap_returns_the_input(p: np.ndarray, method: str) -> None:
    out = unwrap(p[None, :], method)[0]
    turns = (out - p) / (2 * PI)
    np.testing.assert_allclose(turns, np.round(turns), atol=1e-9)
    # Re-wrapping gives the input back as an angle; compare on the circle, since -pi and pi
    # are the same angle and either may come out of the modulo.
    np.testing.assert_allclose(np.abs(wrap(wrap(out) - p)), 0.0, atol=1e-9)


def sanitize_reference(p: np.ndarray, threshold: float = 3.0, window: int = 5) -> np.ndarray:
    """Default-config sanitisation in numpy: unwrap, outliers, smoothing."""
    d = np.diff(p, axis=1)
    turns = np.cumsum(-(d > PI).astype(np.int64) + (d < -PI).astype(np.int64), axis=1)
    x = p.copy()
    x[:, 1:] += 2 * PI * turns
    for row in x:
        z = np.abs(row - row.mean()) / (row.std() + 1e-8)
        outliers = z > threshold
        inliers = np.flatnonzero(~outliers)
        if outliers.any() and inliers.size >= 2:
            original = row.copy()
            row[outliers] = np.interp(np.flatnonzero(outliers), inliers, original[inliers])
    h = window // 2
    out = x.copy()
    for j in range(h, x.shape[1] - h):
        out[:, j] = x[:, j - h : j + h + 1].mean(axis=1)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_sanitize_matches_numpy_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = wrap(np.cumsum(rng.uniform(-0.8, 0.8, size=(4, 64)), axis=1))
    p[rng.integers(0, 4), rng.integers(0, 64)] = PI
    s = PhaseSanitizer()
    np.testing.assert_allclose(s.sanitize(p), sanitize_reference(p), rtol=0, atol=1e-9)
    batch = np.stack([p, p[::-1]])
    out = PhaseSanitizer().sanitize_batch(batch)
    np.testing.assert_array_equal(out[0], s.sanitize(p))


def test_sanitizer_expectations() -> None:
    PhaseSanitizerConfig()
    with pytest.raises(ConfigError):
        PhaseSanitizerConfig(outlier_threshold=-1.0)
    with pytest.raises(ConfigError):
        PhaseSanitizerConfig(unwrapping_method="magic")
    s = PhaseSanitizer()
    j = np.arange(64)
    good = np.sin(0.05 * j)[None, :] * PI / 2 + 0.1 * np.arange(4)[:, None]
    s.validate_phase_data(good)
    with pytest.raises(ValidationError):
        s.validate_phase_data(np.full((2, 8), 10.0))
    # The first value outside [-pi, pi] is named by its position per axis.
    out_of_range = good.copy()
    out_of_range[2, 5] = 4.0
    with pytest.raises(ValidationError, match=r"value 4 at \[2, 5\] is outside the phase range"):
        s.validate_phase_data(out_of_range)
    batch = np.stack([good, good, out_of_range])
    with pytest.raises(ValidationError, match=r"at \[2, 2, 5\] is outside"):
        s.sanitize_batch(batch)
    ramp = wrap(0.4 * np.arange(20)[None, :] + 0.2 * np.arange(2)[:, None])
    for method in ["standard", "custom", "itoh", "quality_guided"]:
        out = PhaseSanitizer(PhaseSanitizerConfig(unwrapping_method=method)).unwrap_phase(ramp)
        assert np.all(np.abs(np.diff(out, axis=1)) < PI + 0.1)
    for call in (s.validate_phase_data, s.unwrap_phase):
        with pytest.raises(ShapeError):
            call(np.zeros((0, 0)))
    assert s.remove_outliers(good).shape == good.shape
    assert s.smooth_phase(good).shape == good.shape
    assert s.filter_noise(good).shape == good.shape
    s.sanitize(good)
    assert s.statistics["total_processed"] == 1
    s.sanitize_phase(good)
    assert s.statistics["total_processed"] == 2
    s.reset_statistics()
    assert s.statistics == {"total_processed": 0, "outliers_removed": 0, "sanitization_errors": 0}


def test_one_row_keeps_its_dimensionality() -> None:
    row = wrap(0.3 * np.arange(30))
    out = PhaseSanitizer().sanitize(row)
    assert out.shape == (30,)
    stream = np.stack([row, row])
    assert PhaseSanitizer().sanitize_batch(stream).shape == (2, 30)


def test_batch_rejects_before_counting() -> None:
    s = PhaseSanitizer()
    bad = np.zeros((3, 2, 8))
    bad[2, 1, 5] = np.inf
    with pytest.raises(NonFiniteError, match=r"at \[2, 1, 5\]"):
        s.sanitize_batch(bad)
    assert s.statistics["total_processed"] == 0
    with pytest.raises(ShapeError):
        s.sanitize_batch(np.zeros(5))


def test_strided_views_equal_contiguous_copies() -> None:
    rng = np.random.default_rng(3)
    p = wrap(rng.normal(size=(6, 128)))
    view = p[::2, 10:80]
    np.testing.assert_array_equal(
        PhaseSanitizer().sanitize(view), PhaseSanitizer().sanitize(np.ascontiguousarray(view))
    )
    np.testing.assert_array_equal(unwrap(view, "itoh"), unwrap(view.copy(), "itoh"))


def test_bad_input() -> None:
    s = PhaseSanitizer()
    with pytest.raises(ShapeError):
        s.sanitize(np.zeros((2, 2, 2)))
    with pytest.raises(ValidationError):
        s.sanitize(np.zeros(4, dtype=complex))
    with pytest.raises(ValidationError):
        s.sanitize(np.array([object(), object()]))
    with pytest.raises(NonFiniteError):
        unwrap(np.array([0.0, np.nan]))
    with pytest.raises(NonFiniteError):
        s.remove_outliers(np.array([0.0, np.inf]))
    with pytest.raises(ConfigError):
        unwrap(np.zeros(3), "sideways")
