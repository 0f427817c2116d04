"""Hardware normalisation, CSI ratio, spectrograms, subcarrier selection, Fresnel, BVP."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wifi_densepose import (
    ConfigError,
    InsufficientDataError,
    NonFiniteError,
    ShapeError,
    ValidationError,
)
from wifi_densepose.signal import (
    BvpConfig,
    FresnelBreathingEstimator,
    FresnelGeometry,
    HardwareNormalizer,
    HardwareType,
    SpectrogramConfig,
    SubcarrierSelectionConfig,
    catmull_rom_resample,
    compute_multi_subcarrier_spectrogram,
    compute_ratio_matrix,
    compute_spectrogram,
    conjugate_multiply,
    detrend_linear,
    extract_bvp,
    extract_selected,
    ratio_to_amplitude_phase,
    select_by_variance,
    select_sensitive_subcarriers,
)

PI = math.pi


def wrap(v: np.ndarray) -> np.ndarray:
    return np.asarray(((v + PI) % (2 * PI)) - PI, dtype=np.float64)


def catmull_rom_reference(s: np.ndarray, c: int) -> np.ndarray:
    n = len(s)
    if n == c:
        return s.copy()
    if n == 1:
        return np.full(c, s[0])
    if c == 1:
        return s[:1].copy()
    x = (np.arange(c) * (n - 1)) / (c - 1)
    j = np.floor(x)
    t = x - j
    j = j.astype(int)
    p0, p1, p2, p3 = (s[np.clip(j + k, 0, n - 1)] for k in (-1, 0, 1, 2))
    return np.asarray(
        0.5
        * (
            2 * p1
            + (-p0 + p2) * t
            + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
            + (-p0 + 3 * p1 - 3 * p2 + p3) * t * t * t
        )
    )


@pytest.mark.parametrize(("n", "c"), [(64, 56), (30, 56), (56, 32), (7, 100), (2, 5)])
def test_resampler_matches_numpy_reference(n: int, c: int) -> None:
    s = np.random.default_rng(n * c).normal(size=n)
    out = catmull_rom_resample(s, c)
    np.testing.assert_allclose(out, catmull_rom_reference(s, c), rtol=1e-9, atol=1e-9)
    assert out[0] == s[0] and out[-1] == s[-1]


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, 56, elements=st.floats(-1e6, 1e6)))
def test_resampler_is_exact_at_56_to_56(s: np.ndarray) -> None:
    np.testing.assert_array_equal(catmull_rom_resample(s, 56), s)


@settings(max_examples=80, deadline=None)
@given(st.floats(-1e3, 1e3), st.integers(1, 200), st.integers(1, 200))
def test_resampler_preserves_constants(level: float, n: int, c: int) -> None:
    np.testing.assert_allclose(catmull_rom_resample(np.full(n, level), c), level, atol=1e-9)


def test_hardware_table_and_normalizer() -> None:
    assert HardwareType.detect_hardware(64) == HardwareType.ESP32_S3
    assert HardwareType.detect_hardware(30) == HardwareType.INTEL_5300
    assert HardwareType.detect_hardware(56) == HardwareType.ATHEROS
    assert HardwareType.detect_hardware(100) == HardwareType.GENERIC
    assert HardwareType.ESP32_S3.subcarrier_count == 64
    assert HardwareType.INTEL_5300.mimo_streams == 3
    n = HardwareNormalizer()
    amp = 10 + np.sin(0.2 * np.arange(64))
    ph = wrap(0.3 * np.arange(64))
    f = n.normalize(amp, ph)
    assert f.hardware_type == HardwareType.ESP32_S3
    assert f.amplitude.shape == (56,) and abs(f.amplitude.mean()) < 0.1
    assert n.normalize(amp[:30], ph[:30]).phase.shape == (56,)
    assert HardwareNormalizer(32).normalize(amp, ph).amplitude.shape == (32,)
    n.set_hw_stats(HardwareType.GENERIC, 20.0, 10.0)
    three = HardwareNormalizer(3)
    three.set_hw_stats(HardwareType.GENERIC, 20.0, 10.0)
    out = three.normalize([10.0, 20.0, 30.0], [0.0, 0.0, 0.0], HardwareType.GENERIC)
    assert out.amplitude.tolist() == [-1.0, 0.0, 1.0]
    np.testing.assert_allclose(detrend_linear(0.5 * np.arange(40)), 0, atol=1e-10)
    assert detrend_linear([1.5]).tolist() == [0.0]
    assert detrend_linear([]).tolist() == []
    with pytest.raises(ShapeError) as empty:
        n.normalize([], [])
    assert empty.value.code == "EmptyFrame"
    with pytest.raises(ShapeError) as mismatch:
        n.normalize(np.ones(3), np.ones(4))
    assert mismatch.value.code == "LengthMismatch"
    with pytest.raises(ConfigError) as canonical:
        HardwareNormalizer(0)
    assert canonical.value.code == "InvalidCanonical"
    with pytest.raises(ConfigError):
        HardwareNormalizer(phase_order="sideways")


def test_unwrap_first_beats_resample_first() -> None:
    ph = wrap(np.arange(64.0))
    ours = HardwareNormalizer().normalize(np.ones(64), ph)
    assert np.max(np.abs(ours.phase)) < 1e-6
    ruview = HardwareNormalizer(phase_order="resample_first").normalize(np.ones(64), ph)
    assert np.max(np.abs(ruview.phase)) > 1.0


def test_normalize_batch_equals_per_frame_and_accepts_views() -> None:
    rng = np.random.default_rng(4)
    amp = 5 + rng.random((6, 80))
    ph = wrap(rng.normal(size=(6, 80)))
    n = HardwareNormalizer()
    a, p = n.normalize_batch(amp[:, 8:72], ph[:, 8:72])
    for t in range(6):
        f = n.normalize(amp[t, 8:72].copy(), ph[t, 8:72].copy())
        np.testing.assert_array_equal(a[t], f.amplitude)
        np.testing.assert_array_equal(p[t], f.phase)


def test_csi_ratio() -> None:
    phi1 = 0.1 * np.arange(8)
    phi2 = -0.05 * np.arange(8)
    h1 = 2 * np.exp(1j * (phi1 + 1.7))
    h2 = 3 * np.exp(1j * (phi2 + 1.7))
    amp, phase = ratio_to_amplitude_phase(conjugate_multiply(h1, h2))
    np.testing.assert_allclose(amp, 6.0)
    np.testing.assert_allclose(phase, phi1 - phi2, atol=1e-12)
    assert compute_ratio_matrix(np.ones((3, 5), dtype=complex)).shape == (3, 5)
    assert compute_ratio_matrix(np.ones((4, 5), dtype=complex)).shape == (6, 5)
    assert compute_ratio_matrix(np.ones((2, 4, 5), dtype=complex)).shape == (2, 6, 5)
    delta = 2 * PI * 0.025 * math.sin(math.radians(30)) / 0.06
    base = 2.5 + 0.07 * np.arange(56)
    z = np.stack([np.exp(1j * base), np.exp(1j * (base + delta))])
    _, phase = ratio_to_amplitude_phase(compute_ratio_matrix(z))
    np.testing.assert_allclose(phase, -delta, atol=1e-10)
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 7)) + 1j * rng.normal(size=(3, 7))
    expected = np.stack([z[i] * np.conj(z[j]) for i in range(3) for j in range(i + 1, 3)])
    np.testing.assert_allclose(compute_ratio_matrix(z), expected, rtol=1e-12)
    with pytest.raises(ValidationError) as one:
        compute_ratio_matrix(np.ones((1, 5), dtype=complex))
    assert one.value.code == "InsufficientAntennas"
    with pytest.raises(ShapeError):
        conjugate_multiply(np.ones(3, dtype=complex), np.ones(4, dtype=complex))
    with pytest.raises(ShapeError):
        conjugate_multiply(np.ones(0, dtype=complex), np.ones(0, dtype=complex))
    with pytest.raises(NonFiniteError, match="h_target"):
        conjugate_multiply(np.ones(2, dtype=complex), np.array([1, np.nan * 1j]))


def stft_reference(x: np.ndarray, w: int, hop: int) -> np.ndarray:
    window = np.hanning(w)
    frames = (len(x) - w) // hop + 1
    cols = [np.abs(np.fft.rfft(x[f * hop : f * hop + w] * window)) ** 2 for f in range(frames)]
    return np.stack(cols, axis=1)


def test_spectrogram() -> None:
    x = np.sin(0.1 * np.arange(1000))
    s = compute_spectrogram(x, 100.0, SpectrogramConfig(window_size=128, hop_size=32))
    assert s.data.shape == (65, 28)
    np.testing.assert_allclose(s.data, stft_reference(x, 128, 32), rtol=1e-9, atol=1e-9)
    assert s.time_resolution == pytest.approx(0.32)
    tone = np.sin(2 * PI * 10 * np.arange(1000) / 100)
    t = compute_spectrogram(tone, 100.0, SpectrogramConfig(window_size=256))
    assert abs(int(np.argmax(t.data[:, 0])) - 10 / t.freq_resolution) <= 2
    columns = np.sin(np.outer(np.arange(1000), 0.01 * np.arange(1, 9)))
    many = compute_multi_subcarrier_spectrogram(columns, 100.0, SpectrogramConfig(128, 32))
    assert len(many) == 8 and all(m.data.shape[0] == 65 for m in many)
    with pytest.raises(InsufficientDataError) as short:
        compute_spectrogram(np.zeros(100), 100.0, SpectrogramConfig(window_size=128))
    assert short.value.code == "SignalTooShort"
    with pytest.raises(ConfigError):
        compute_spectrogram(np.zeros(100), 100.0, SpectrogramConfig(window_size=64, hop_size=0))
    with pytest.raises(ConfigError):
        SpectrogramConfig(window="kaiser")


def alternating(amplitudes: list[float], rows: int) -> np.ndarray:
    signs = np.where(np.arange(rows) % 2 == 0, 1.0, -1.0)[:, None]
    return signs * np.asarray(amplitudes)[None, :]


def test_subcarrier_selection() -> None:
    cfg = SubcarrierSelectionConfig(top_k=3, min_sensitivity=0.0)
    motion = alternating([5.0, 0.1, 2.0], 50)
    quiet = alternating([0.5, 0.5, 0.5], 50)
    assert select_sensitive_subcarriers(motion, quiet, cfg).selected_indices == [0, 2, 1]
    r = select_sensitive_subcarriers(
        alternating([3.0] * 10, 20), alternating([1.0] * 10, 20), SubcarrierSelectionConfig(top_k=5)
    )
    assert len(r.selected_indices) == 5
    ones = alternating([1.0] * 4, 20)
    none = select_sensitive_subcarriers(ones, ones, SubcarrierSelectionConfig(min_sensitivity=2.0))
    assert none.selected_indices == []
    x = alternating([1.0, 2.0, 0.5, 3.0, 9.0], 10)
    assert extract_selected(x, [1, 3]).tolist() == x[:, [1, 3]].tolist()
    assert select_by_variance(x).selected_indices[0] == 4
    np.testing.assert_allclose(select_by_variance(x).sensitivity_scores, x.var(axis=0, ddof=1))
    with pytest.raises(ShapeError):
        select_sensitive_subcarriers(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValidationError):
        extract_selected(x, [0, 9])


def test_fresnel() -> None:
    g = FresnelGeometry(3.0, 2.0, 5e9)
    assert g.wavelength == pytest.approx(0.06, abs=0.001)
    f1 = g.fresnel_radius(1)
    assert f1 == pytest.approx(math.sqrt(g.wavelength * 3 * 2 / 5), rel=1e-12) and 0.1 < f1 < 0.5
    assert g.phase_change(0.01) == pytest.approx(4 * PI * 0.01 / g.wavelength, rel=1e-12)
    assert g.expected_amplitude_variation(0.005) > 0.01
    e = FresnelBreathingEstimator(g)
    assert e.breathing_confidence(g.expected_amplitude_variation(0.007)) > 0.5
    assert e.breathing_confidence(g.expected_amplitude_variation(0.0)) < 0.5
    t = np.arange(3000) / 100
    est = e.estimate_breathing_rate(0.5 + 0.1 * np.sin(2 * PI * 0.267 * t), 100.0)
    assert abs(est.rate_bpm - 16) < 2 and est.confidence > 0.3 and est.autocorrelation_peak > 0.5
    with pytest.raises(ValidationError):
        FresnelGeometry(-1.0, 2.0, 5e9)
    with pytest.raises(InsufficientDataError):
        e.estimate_breathing_rate(np.ones(5), 100.0)


def test_bvp() -> None:
    x = np.sin(0.05 * np.arange(1000)[:, None] + np.arange(10)[None, :])
    b = extract_bvp(x, 100.0, BvpConfig(128, 32, n_velocity_bins=64))
    assert b.data.shape == (64, 28)
    assert b.time_resolution == pytest.approx(0.32)
    wide = extract_bvp(x, 100.0, BvpConfig(max_velocity=3.0, n_velocity_bins=60))
    assert abs(wide.velocity_bins[0] + 3) < 0.2 and wide.velocity_bins[-1] > 0
    assert extract_bvp(np.full((400, 4), 3.0), 100.0).data.sum() < 1
    modulated = 1 + 0.5 * np.sin(2 * PI * 5 * np.arange(400) / 100)[:, None] * np.ones((1, 4))
    assert extract_bvp(modulated, 100.0).data.sum() > 0
    with pytest.raises(InsufficientDataError):
        extract_bvp(np.zeros((10, 4)), 100.0)


def test_non_finite_inputs_name_the_argument() -> None:
    bad = np.ones((300, 4))
    bad[7, 2] = np.nan
    cases = [
        (lambda: catmull_rom_resample(bad[:, 2], 10), "x"),
        (lambda: compute_spectrogram(bad[:, 2], 100.0, SpectrogramConfig(64, 16)), "x"),
        (lambda: extract_bvp(bad, 100.0), "x"),
        (lambda: select_by_variance(bad), "x"),
        (lambda: select_sensitive_subcarriers(np.ones((300, 4)), bad), "static_data"),
        (lambda: HardwareNormalizer().normalize(bad[:, 2], np.ones(300)), "amplitude"),
        (
            lambda: FresnelBreathingEstimator(FresnelGeometry(1, 1, 5e9)).estimate_breathing_rate(
                bad[:, 2], 100.0
            ),
            "x",
        ),
    ]
    for call, field in cases:
        with pytest.raises(NonFiniteError, match=field):
            call()
