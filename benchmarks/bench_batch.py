"""Many recordings on Dask: wall time of `wifi_densepose.batch.run_batch` with 1 and 2 worker
processes (a dask.distributed LocalCluster on loopback) against the same tasks run serially in
this process, on a corpus of semi-synthetic two-node ESP32 recordings (`tests/esp32_stream.py`:
the bundled capture's own timing and layouts, known rates).

Prints the times, the speed-up of 2 workers over 1, the peak resident memory of each worker
process (its own VmHWM, read in the worker after the run) and the machine's load average
before and after, since a shared machine's other work takes cores from the workers. The
tables of every run are checked equal to the serial one. The clusters are started before the
clock starts (their start-up is printed separately). Build the extension with
`maturin develop --release` first.

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


def on_cluster(directory: Path, workers: int) -> tuple[float, float, pd.DataFrame, list[float]]:
    """(start-up s, run s, readings, peak RSS MB per worker) on a fresh LocalCluster."""
    start = time.perf_counter()
    cluster = local_cluster(workers)
    client = distributed.Client(cluster)
    client.wait_for_workers(workers)
    startup = time.perf_counter() - start
    try:
        start = time.perf_counter()
        result = run_batch([directory], scheduler=cluster.scheduler_address)
        elapsed = time.perf_counter() - start
        peaks = sorted(client.run(peak_rss_mb).values())
    finally:
        client.close()
        cluster.close()
    if len(result.errors):
        raise SystemExit(f"failed files:\n{result.errors.to_string()}")
    return startup, elapsed, result.readings, peaks


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
            startup, elapsed, readings, peaks = on_cluster(directory, workers)
            pd.testing.assert_frame_equal(readings, serial, check_exact=True)
            times[workers] = elapsed
            print(
                f"Dask, {workers} worker{'s' if workers > 1 else ' '}:        {elapsed:6.2f} s  "
                f"(cluster start-up {startup:.1f} s; peak RSS per worker "
                f"{', '.join(f'{p:.0f}' for p in peaks)} MB; table equal to serial)"
            )
    print(f"speed-up, 2 workers over 1: {times[1] / times[2]:.2f}x")
    print(f"speed-up, 2 workers over serial in-process: {serial_s / times[2]:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
