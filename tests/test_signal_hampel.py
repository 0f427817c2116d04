"""Hampel filter: spec expectations, a numpy reference, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wifi_densepose import ConfigError, NonFiniteError, ShapeError, ValidationError
from wifi_densepose.signal import hampel


def hampel_reference(
    x: np.ndarray, half_window: int, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Direct numpy version along axis 0 (edges truncated, original values)."""
    n = x.shape[0]
    medians = np.empty_like(x)
    sigmas = np.empty_like(x)
    for i in range(n):
        window = x[max(0, i - half_window) : min(n, i + half_window + 1)]
        med = np.median(window, axis=0)
        medians[i] = med
        sigmas[i] = 1.4826 * np.median(np.abs(window - med), axis=0)
    deviation = np.abs(x - medians)
    mask = np.where(sigmas <= 1e-15, deviation > 1e-15, deviation > threshold * sigmas)
    return np.where(mask, medians, x), mask, medians, sigmas


def test_clean_sinusoid_is_unchanged() -> None:
    x = np.sin(0.1 * np.arange(100))
    r = hampel(x)
    assert r.outlier_indices.size == 0
    np.testing.assert_allclose(r.filtered, x, atol=1e-10)


def test_single_spike_is_replaced() -> None:
    x = np.ones(50)
    x[25] = 100.0
    r = hampel(x)
    assert r.outlier_mask[25]
    assert r.filtered[25] == 1.0
    assert r.outlier_indices.tolist() == [25]
    assert r.outlier_indices.dtype == np.int64


def test_spikes_on_a_sinusoid_are_flagged() -> None:
    x = np.sin(0.05 * np.arange(200))
    x[[30, 100, 170]] += 10.0
    r = hampel(x, half_window=5)
    assert all(r.outlier_mask[[30, 100, 170]])


def test_zero_mad_rule_flags() -> None:
    x = np.zeros(100)
    x[::3] = 50.0
    assert hampel(x, half_window=5).outlier_indices.size > 0


def test_columns_of_a_2d_array() -> None:
    x = np.sin(0.3 * np.arange(20))[:, None] + np.arange(3)[None, :]
    x[2, 1] = 40.0
    x[4, 2] = -40.0
    r = hampel(x)
    assert r.outlier_mask[2, 1] and r.outlier_mask[4, 2]
    assert r.outlier_indices.tolist() == [[2, 1], [4, 2]]
    rows = hampel(x.T, axis=1)
    np.testing.assert_array_equal(rows.filtered, r.filtered.T)
    assert rows.outlier_indices.tolist() == [[1, 2], [2, 4]]


def test_medians_of_truncated_windows() -> None:
    r = hampel(np.array([1.0, 3.0, 2.0]), half_window=1)
    assert r.medians[1] == 2.0
    r = hampel(np.array([1.0, 2.0, 3.0, 4.0]), half_window=2)
    assert r.medians[1] == 2.5
    assert hampel(np.array([5.0]), half_window=1).medians.tolist() == [5.0]


def test_errors() -> None:
    with pytest.raises(ShapeError) as empty:
        hampel(np.array([]))
    assert empty.value.code == "EmptySignal"
    with pytest.raises(ConfigError) as window:
        hampel(np.ones(5), half_window=0)
    assert window.value.code == "InvalidWindow"
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ConfigError):
            hampel(np.ones(5), threshold=bad)
    with pytest.raises(NonFiniteError, match=r"at \[3\]"):
        hampel(np.array([0.0, 1.0, 2.0, np.nan]))
    with pytest.raises(ShapeError):
        hampel(np.ones((2, 2, 2)))
    with pytest.raises(ValidationError):
        hampel(np.ones(4) + 1j)
    with pytest.raises(ValidationError):
        hampel(np.array([True, False]))
    with pytest.raises(ValidationError):
        hampel(np.ones((4, 4)), axis=2)


@pytest.mark.parametrize("half_window", [1, 3, 5, 7, 9])
def test_matches_numpy_reference_on_random_2d_input(half_window: int) -> None:
    rng = np.random.default_rng(half_window)
    x = rng.normal(size=(400, 23))
    x[rng.random(x.shape) > 0.97] += 25.0
    r = hampel(x, half_window=half_window, threshold=2.5)
    filtered, mask, medians, sigmas = hampel_reference(x, half_window, 2.5)
    np.testing.assert_allclose(r.filtered, filtered, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(r.outlier_mask, mask)
    np.testing.assert_allclose(r.medians, medians, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.sigma_estimates, sigmas, rtol=0, atol=1e-12)


def test_strided_views_equal_contiguous_copies() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 60))
    for view in (x[:, 10:40], x[::2, ::3], x.T[5:9].T, x[::-1]):
        a = hampel(view, half_window=5)
        b = hampel(np.ascontiguousarray(view), half_window=5)
        np.testing.assert_array_equal(a.filtered, b.filtered)
        np.testing.assert_array_equal(a.outlier_indices, b.outlier_indices)


def test_other_dtypes_are_converted() -> None:
    x = [1.0, 1.0, 9.0, 1.0, 1.0]
    assert hampel(x, half_window=2).filtered.tolist() == [1.0] * 5
    np.testing.assert_array_equal(
        hampel(np.array(x, dtype=np.float32), half_window=2).filtered, np.ones(5)
    )
    assert hampel(np.array([1, 1, 9, 1, 1]), half_window=2).filtered.tolist() == [1.0] * 5


def test_results_are_read_only_and_cached() -> None:
    r = hampel(np.arange(10.0))
    assert r.filtered is r.filtered
    with pytest.raises(ValueError):
        r.filtered[0] = 1.0


@settings(max_examples=60, deadline=None)
@given(
    frequency=st.floats(0.005, 0.08),
    amplitude=st.floats(0.1, 100.0),
    phase=st.floats(0.0, 6.0),
    half_window=st.integers(2, 5),
)
def test_clean_sinusoid_property(
    frequency: float, amplitude: float, phase: float, half_window: int
) -> None:
    # Full windows only: a one-sided edge window over a curved stretch can legitimately flag
    # its end sample.
    x = amplitude * np.sin(frequency * np.arange(300) + phase)
    r = hampel(x, half_window=half_window, threshold=3.0)
    inner = slice(half_window, 300 - half_window)
    assert not r.outlier_mask[inner].any()
    np.testing.assert_array_equal(r.filtered[inner], x[inner])


@settings(max_examples=60, deadline=None)
@given(
    positions=st.lists(st.integers(10, 289), min_size=1, max_size=5, unique=True).filter(
        lambda p: all(abs(a - b) > 8 for a in p for b in p if a != b)
    ),
    spike=st.floats(20.0, 1e6),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_injected_spikes_are_replaced(positions: list[int], spike: float, sign: float) -> None:
    clean = np.sin(0.05 * np.arange(300))
    x = clean.copy()
    x[positions] += sign * spike
    r = hampel(x, half_window=4)
    assert all(r.outlier_mask[positions])
    assert np.all(np.abs(r.filtered[positions] - clean[positions]) < 0.5)
