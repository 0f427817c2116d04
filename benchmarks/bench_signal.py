"""Speed of wifi_densepose.signal against numpy implementations of the same algorithms.

Run on a release build (``maturin develop --release``)::

    python benchmarks/bench_signal.py

Each workload first asserts that both sides agree (allclose, rtol 1e-9), then times them with
``perf_counter_ns`` (one warm-up run, best of 7) and prints ours, numpy and the ratio next to the
target of docs/dsp.md §5.3. A missed target is reported, not hidden.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import wifi_densepose
from wifi_densepose.signal import CsiData, FeatureExtractor, PhaseSanitizer, hampel, unwrap

PI = math.pi
RTOL = 1e-9


def best_of_7(fn: Callable[[], Any]) -> float:
    """Best wall time in ms over 7 runs after one warm-up."""
    fn()
    best = math.inf
    for _ in range(7):
        start = time.perf_counter_ns()
        fn()
        best = min(best, (time.perf_counter_ns() - start) / 1e6)
    return best


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- Hampel -------------------------------------------------------------------------------------


def hampel_numpy(x: np.ndarray, h: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Median/MAD over sliding_window_view for full windows, truncated windows at the edges."""
    n = x.shape[0]
    medians = np.empty_like(x)
    sigmas = np.empty_like(x)
    windows = sliding_window_view(x, 2 * h + 1, axis=0)
    med = np.median(windows, axis=-1)
    medians[h : n - h] = med
    sigmas[h : n - h] = 1.4826 * np.median(np.abs(windows - med[..., None]), axis=-1)
    for i in [*range(h), *range(n - h, n)]:
        w = x[max(0, i - h) : min(n, i + h + 1)]
        m = np.median(w, axis=0)
        medians[i] = m
        sigmas[i] = 1.4826 * np.median(np.abs(w - m), axis=0)
    deviation = np.abs(x - medians)
    mask = np.where(sigmas <= 1e-15, deviation > 1e-15, deviation > threshold * sigmas)
    return np.asarray(np.where(mask, medians, x)), mask


# --- phase sanitisation (default config: standard unwrap, 3-sigma outliers, smoothing 5) ---


def replace_outliers(x: np.ndarray, threshold: float = 3.0) -> None:
    """In place over the last axis: z-score outliers → interpolation between inliers."""
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    outliers = np.abs(x - mean) / (std + 1e-8) > threshold
    for index in zip(*np.nonzero(outliers.any(axis=-1)), strict=True):
        row, bad = x[index], outliers[index]
        good = np.flatnonzero(~bad)
        if good.size >= 2:
            row[bad] = np.interp(np.flatnonzero(bad), good, row[good])


def smooth(x: np.ndarray, window: int = 5) -> np.ndarray:
    h = window // 2
    out: np.ndarray = x.copy()
    out[..., h:-h] = sliding_window_view(x, window, axis=-1).mean(axis=-1)
    return out


def sanitize_numpy(p: np.ndarray) -> np.ndarray:
    """One frame [A, S] (the batch version is the same code on [T, A, S])."""
    x = np.unwrap(p, axis=-1)
    replace_outliers(x)
    return smooth(x)


# --- features (FFT 128, no Doppler) ----------------------------------------------------------


def features_numpy(amp: np.ndarray, ph: np.ndarray, n: int = 128, bw: float = 20e6) -> np.ndarray:
    """All scalar and array features of [A, S] frames, batched over leading axes; returns one
    flat vector per frame for comparison."""
    lead = amp.shape[:-2]
    a_count = amp.shape[-2]
    mean = amp.mean(axis=-2)
    var = amp.var(axis=-2)
    peak = amp.max(axis=(-2, -1))
    rms = np.sqrt((amp**2).mean(axis=(-2, -1)))
    dyn = peak - amp.min(axis=(-2, -1))
    diff = np.diff(ph, axis=-1).mean(axis=-2)
    grad = np.diff(diff, axis=-1)
    pvar = ph.var(axis=-2)
    pc = ph - ph.mean(axis=-1, keepdims=True)
    ac = amp - amp.mean(axis=-1, keepdims=True)
    s = amp.shape[-1]
    pcov = np.einsum("...is,...js->...ij", pc, pc) / s
    acov = np.einsum("...is,...js->...ij", ac, ac) / s
    iu = np.triu_indices(a_count, 1)
    pv = np.diagonal(pcov, axis1=-2, axis2=-1)
    prod = pv[..., iu[0]] * pv[..., iu[1]]
    valid = prod >= 1e-10
    pr = np.where(valid, pcov[..., iu[0], iu[1]] / np.sqrt(np.where(valid, prod, 1.0)), 0.0)
    count = valid.sum(axis=-1)
    coherence = np.where(count > 0, pr.sum(axis=-1) / np.maximum(count, 1), 0.0)
    astd = np.sqrt(np.diagonal(acov, axis1=-2, axis2=-1))
    denom = astd[..., :, None] * astd[..., None, :]
    corr = np.where(denom <= 1e-10, 0.0, acov / np.where(denom <= 1e-10, 1.0, denom))
    eye = np.eye(a_count, dtype=bool)
    corr = np.where(eye, 1.0, corr)
    off = corr[..., ~eye]
    flat = amp.reshape(*lead, -1)[..., :n]
    psd = np.abs(np.fft.fft(flat, n=n, axis=-1)) ** 2 / n
    k = np.arange(n)
    freqs = np.where(k <= n // 2, k, k - n) * bw / n
    p, f = psd[..., : n // 2], freqs[: n // 2]
    total = p.sum(axis=-1)
    safe = np.where(total > 1e-10, total, 1.0)
    centroid = np.where(total > 1e-10, (p * f).sum(axis=-1) / safe, 0.0)
    spread2 = (p * (f - centroid[..., None]) ** 2).sum(axis=-1) / safe
    bandwidth = np.where(total > 1e-10, np.sqrt(spread2), 0.0)
    scalars = np.stack(
        [
            peak,
            rms,
            dyn,
            coherence,
            off.mean(axis=-1),
            off.max(axis=-1),
            off.std(axis=-1),
            total,
            p.max(axis=-1),
            f[np.argmax(p, axis=-1)],
            centroid,
            bandwidth,
        ],
        axis=-1,
    )
    return np.concatenate(
        [scalars, mean, var, diff, grad, pvar, corr.reshape(*lead, -1), psd], axis=-1
    )


def features_ours(f: Any) -> np.ndarray:
    scalars = [
        f.amplitude.peak,
        f.amplitude.rms,
        f.amplitude.dynamic_range,
        f.phase.coherence,
        f.correlation.mean_correlation,
        f.correlation.max_correlation,
        f.correlation.correlation_spread,
        f.psd.total_power,
        f.psd.peak_power,
        f.psd.peak_frequency,
        f.psd.centroid,
        f.psd.bandwidth,
    ]
    return np.concatenate(
        [
            scalars,
            f.amplitude.mean,
            f.amplitude.variance,
            f.phase.difference,
            f.phase.gradient,
            f.phase.variance,
            f.correlation.matrix.ravel(),
            f.psd.values,
        ]
    )


def batch_ours(b: Any) -> np.ndarray:
    scalars = np.stack(
        [
            b.amplitude_peak,
            b.amplitude_rms,
            b.amplitude_dynamic_range,
            b.phase_coherence,
            b.mean_correlation,
            b.max_correlation,
            b.correlation_spread,
            b.psd_total_power,
            b.psd_peak_power,
            b.psd_peak_frequency,
            b.psd_centroid,
            b.psd_bandwidth,
        ],
        axis=-1,
    )
    t = len(b)
    return np.concatenate(
        [
            scalars,
            b.amplitude_mean,
            b.amplitude_variance,
            b.phase_difference,
            b.phase_gradient,
            b.phase_variance,
            b.correlation_matrix.reshape(t, -1),
            b.psd_values,
        ],
        axis=-1,
    )


def report(name: str, ours_ms: float, numpy_ms: float, target: float | None) -> None:
    ratio = numpy_ms / ours_ms
    verdict = "reported" if target is None else ("ok" if ratio >= target else "MISSED")
    goal = "" if target is None else f" (target >= {target:g}x)"
    print(
        f"{name:<46} ours {ours_ms:9.3f} ms  numpy {numpy_ms:9.3f} ms"
        f"  {ratio:7.1f}x{goal} {verdict}"
    )


def main() -> None:
    rng = np.random.default_rng(2024)
    print(
        f"wifi_densepose {wifi_densepose.__version__}, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores")
    print()

    # Hampel, half window 5, threshold 3, [10,000 x 56] along time.
    x = rng.normal(size=(10_000, 56))
    x[rng.random(x.shape) > 0.99] += 8.0
    r = hampel(x, half_window=5)
    filtered, mask = hampel_numpy(x, 5, 3.0)
    assert np.allclose(r.filtered, filtered, rtol=RTOL, atol=0)
    assert np.array_equal(r.outlier_mask, mask)
    report(
        "Hampel h=5, 10,000 x 56",
        best_of_7(lambda: hampel(x, half_window=5)),
        best_of_7(lambda: hampel_numpy(x, 5, 3.0)),
        50,
    )

    # Unwrap of one long row (a million samples of a random walk).
    walk = np.cumsum(rng.uniform(-0.9, 0.9, 1_000_000))
    wrapped = ((walk + PI) % (2 * PI)) - PI
    assert np.allclose(unwrap(wrapped), np.unwrap(wrapped), rtol=0, atol=1e-6)
    report(
        "Unwrap, 1,000,000 samples",
        best_of_7(lambda: unwrap(wrapped)),
        best_of_7(lambda: np.unwrap(wrapped)),
        None,
    )

    # Phase sanitisation: 1,000 frames of 4 x 64 wrapped phase, default config.
    phases = ((np.cumsum(rng.uniform(-0.9, 0.9, (1000, 4, 64)), axis=-1) + PI) % (2 * PI)) - PI
    frames = list(phases)
    sanitizer = PhaseSanitizer()
    for frame in frames[:50]:
        assert np.allclose(sanitizer.sanitize(frame), sanitize_numpy(frame), rtol=RTOL, atol=1e-12)
    assert np.allclose(
        sanitizer.sanitize_batch(phases), sanitize_numpy(phases.copy()), rtol=RTOL, atol=1e-12
    )
    report(
        "Phase sanitisation, 1,000 x sanitize(4 x 64)",
        best_of_7(lambda: [sanitizer.sanitize(f) for f in frames]),
        best_of_7(lambda: [sanitize_numpy(f) for f in frames]),
        10,
    )
    report(
        "Phase sanitisation, sanitize_batch(1000x4x64)",
        best_of_7(lambda: sanitizer.sanitize_batch(phases)),
        best_of_7(lambda: sanitize_numpy(phases.copy())),
        5,
    )

    # Feature extraction: 1,000 frames of 4 x 64, FFT 128, no Doppler.
    amps = 1.0 + 0.3 * rng.random((1000, 4, 64))
    extractor = FeatureExtractor()
    pairs = list(zip(amps, phases, strict=True))
    for a, p in pairs[:50]:
        ours = features_ours(extractor.extract(CsiData(a, p)))
        assert np.allclose(ours, features_numpy(a, p), rtol=RTOL, atol=1e-12)
    batch = extractor.extract_batch(amps, phases)
    assert np.allclose(batch_ours(batch), features_numpy(amps, phases), rtol=RTOL, atol=1e-12)
    report(
        "Features, 1,000 x extract(CsiData(4 x 64))",
        best_of_7(lambda: [extractor.extract(CsiData(a, p)) for a, p in pairs]),
        best_of_7(lambda: [features_numpy(a, p) for a, p in pairs]),
        10,
    )
    report(
        "Features, extract_batch(1000x4x64)",
        best_of_7(lambda: extractor.extract_batch(amps, phases)),
        best_of_7(lambda: features_numpy(amps, phases)),
        None,
    )


if __name__ == "__main__":
    main()
