"""What timestamps cost: `VitalsPipeline.process` on 1,000 frames with and without them.

Workload: a fresh `VitalsPipeline.esp32_default()` (56 subcarriers, 100 Hz grid), 1,000 frames
of RuView's demo signal. Without timestamps the frames are taken as evenly spaced; with them
every frame first goes through the resampler (linear interpolation onto the 100 Hz grid,
phases on the circle). The timestamps are jittered around 10 ms (7, 12, 11 ms cycling), so
the resampler does real interpolation on every frame. The honest alternative for the
resampling step alone is `numpy.interp` column by column, timed too (it does less: no phase
arc, no gap rule, no streaming).

Target: timestamps add at most 20 % to `process`. Timings are the best of 9 runs after one
warm-up. Run on a release build: `maturin develop --release && python
benchmarks/bench_resample.py`.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np

from wifi_densepose.vitals import VitalsPipeline, resample_uniform

FRAMES = 1_000
SUBCARRIERS = 56
FS = 100.0


def best_of(runs: int, work: Callable[[], object]) -> float:
    work()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter_ns()
        work()
        best = min(best, (time.perf_counter_ns() - start) / 1e6)
    return best


def main() -> None:
    steps = np.resize([0.007, 0.012, 0.011], FRAMES - 1)
    times = np.concatenate([[0.0], np.cumsum(steps)])
    k = np.arange(SUBCARRIERS)
    body = 2.0 * np.sin(2 * np.pi * 0.25 * times) + 0.3 * np.sin(2 * np.pi * 1.2 * times)
    amplitudes = 15.0 + 5.0 * np.sin(0.1 * k)[None, :] + body[:, None]
    phases = np.broadcast_to(0.2 * k, amplitudes.shape).copy()

    untimed = best_of(9, lambda: VitalsPipeline.esp32_default().process(amplitudes, phases))
    timed = best_of(
        9, lambda: VitalsPipeline.esp32_default().process(amplitudes, phases, timestamps=times)
    )
    resample_only = best_of(
        9, lambda: resample_uniform(times, amplitudes, phases, sample_rate_hz=FS)
    )

    def numpy_interp() -> None:
        grid = np.arange(0.0, times[-1], 1.0 / FS)
        for column in range(SUBCARRIERS):
            np.interp(grid, times, amplitudes[:, column])
            np.interp(grid, times, phases[:, column])

    numpy_only = best_of(9, numpy_interp)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"process, {FRAMES} frames x {SUBCARRIERS}, no timestamps : {untimed:7.3f} ms")
    print(f"process, {FRAMES} frames x {SUBCARRIERS}, timestamps    : {timed:7.3f} ms")
    print(f"  added by resampling: {100 * (timed / untimed - 1):+.1f} % (target <= +20 %)")
    print(f"resample_uniform alone                      : {resample_only:7.3f} ms")
    print(f"numpy.interp per column (amplitude, phase)  : {numpy_only:7.3f} ms")
    print(f"  ratio numpy / ours: {numpy_only / resample_only:.1f}x")


if __name__ == "__main__":
    main()
