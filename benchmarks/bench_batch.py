"""Many recordings on Dask: wall time of `wifi_densepose.batch.run_batch` with 1 and 2 worker
processes (a dask.distributed LocalCluster on loopback) against the same tasks run serially in
this process, on a corpus of semi-synthetic two-node ESP32 recordings (`tests/esp32_stream.py`:
the bundled capture's own timing and layouts, known rates).

Prints the times, the speed-up of 2 workers over 1, the tasks' compute time summed over the
workers (against the wall time: how much the tasks slowed each other), the peak resident memory
of each worker process (its own VmHWM, read in the worker after start-up and after the run),
the machine's load average before and after, and the speed-up two processes get on plain CPU
work at the same moment: a shared machine's other work takes cores from the workers, and that
figure is the ceiling. The tables of every run are checked equal to the serial one. The
clusters are started (and the library imported in each worker) before the clock starts; their
start-up is printed separately. Build the extension with `maturin develop --release` first.

    python benchmarks/bench_batch.py [--recordings 24] [--seconds 600]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import distributed
import pandas as pd

from wifi_densepose.batch import local_cluster, run_batch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from esp32_stream import fit_models, stream  # noqa: E402

RATES = [(8, 62), (12, 70), (16, 78), (20, 90), (24, 105), (14, 115), (10, 55)]


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def warm_up() -> None:
    import wifi_densepose._vitals_report
    import wifi_densepose.batch  # noqa: F401


def spin(seconds: float) -> int:
    """Pure-Python work for about `seconds` of one core."""
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n


def machine_parallelism(seconds: float = 2.0) -> float:
    """How much faster two processes do fixed CPU work than one, right now (2.0 on an idle
    2-core machine; less when other work holds the cores): the ceiling of any 2-worker
    speed-up at this moment."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(spin, [0.1, 0.1]))
        start = time.perf_counter()
        pool.submit(spin, seconds).result()
        one = time.perf_counter() - start
        start = time.perf_counter()
        list(pool.map(spin, [seconds, seconds]))
        two = time.perf_counter() - start
    return 2 * one / two


def corpus(directory: Path, recordings: int, seconds: float) -> int:
    models = fit_models()
    total = 0
    for i in range(recordings):
        breathing, heart = RATES[i % len(RATES)]
        path = directory / f"rec-{i:03d}.csi.jsonl"
        for node_id in sorted(models):
            stream(
                models[node_id],
                seconds=seconds,
                breathing_bpm=breathing,
                heart_bpm=heart,
                breathing_depth=0.10,
                heart_depth=0.06,
                seed=100 * i + node_id,
                dropout_at_s=seconds / 2,
                noise_lsb=0.5,
            ).write_jsonl(path, start=1_775_000_000.0 + 10_000 * i)
        total += path.stat().st_size
    return total


def on_cluster(
    directory: Path, workers: int
) -> tuple[float, float, float, pd.DataFrame, list[float], list[float]]:
    """(start-up s, run s, the tasks' summed compute s, readings, peak RSS MB per worker after
    start-up and after the run) on a fresh LocalCluster."""
    start = time.perf_counter()
    cluster = local_cluster(workers)
    client = distributed.Client(cluster)
    client.wait_for_workers(workers)
    # Imports of the library in each worker (once per worker process) belong to start-up.
    client.run(warm_up)
    startup = time.perf_counter() - start
    idle = sorted(client.run(peak_rss_mb).values())
    try:
        with distributed.get_task_stream(client) as stream_:
            start = time.perf_counter()
            result = run_batch([directory], scheduler=cluster.scheduler_address)
            elapsed = time.perf_counter() - start
        compute = sum(
            part["stop"] - part["start"]
            for task in stream_.data
            for part in task["startstops"]
            if part["action"] == "compute"
        )
        peaks = sorted(client.run(peak_rss_mb).values())
    finally:
        client.close()
        cluster.close()
    if len(result.errors):
        raise SystemExit(f"failed files:\n{result.errors.to_string()}")
    return startup, elapsed, compute, result.readings, idle, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=600.0, help="length of each recording")
    args = parser.parse_args()
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        size = corpus(directory, args.recordings, args.seconds)
        ceiling_before = machine_parallelism()
        print(
            f"corpus: {args.recordings} recordings x 2 nodes x {args.seconds:.0f} s "
            f"({size / 1e6:.0f} MB)"
        )
        start = time.perf_counter()
        serial = run_batch([directory], serial=True).readings
        serial_s = time.perf_counter() - start
        print(f"serial, in this process:  {serial_s:6.2f} s  ({len(serial)} readings)")
        times = {}
        for workers in (1, 2):
            startup, elapsed, compute, readings, idle, peaks = on_cluster(directory, workers)
            pd.testing.assert_frame_equal(readings, serial, check_exact=True)
            times[workers] = elapsed
            print(
                f"Dask, {workers} worker{'s' if workers > 1 else ' '}:        {elapsed:6.2f} s  "
                f"(tasks' compute summed {compute:.2f} s; cluster start-up {startup:.1f} s; "
                "peak RSS per worker "
                f"{', '.join(f'{p:.0f}' for p in peaks)} MB, "
                f"{', '.join(f'{p:.0f}' for p in idle)} MB after start-up; "
                "table equal to serial)"
            )
    print(f"speed-up, 2 workers over 1: {times[1] / times[2]:.2f}x")
    print(
        "two processes' speed-up on plain CPU work, before / after: "
        f"{ceiling_before:.2f}x / {machine_parallelism():.2f}x (the ceiling on this machine now)"
    )
    print(f"speed-up, 2 workers over serial in-process: {serial_s / times[2]:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
