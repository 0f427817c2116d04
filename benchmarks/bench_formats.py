"""Frames read per second from CSI files of other tools: wifi_densepose.io.open_recording against
csiread (Cython) and CSIKit (pure Python), the same files in one process.

The small sample files (tests/data/formats) are tiled (their frames repeated) into temporary
files of thousands of frames, so timings are meaningful. Every reader is timed on the whole
read of the file, best of 5 rounds in which the readers take turns. Ours returns the complex
CSI and every per-frame metadata field as numpy arrays; "+ scaled" rows add the Intel 5300
get_scaled_csi (ours: `capture.csi_scaled`). csiread needs the chip and bandwidth for Nexmon
and the antenna counts for Intel 5300 and Atheros; ours detects the format and takes the rest
from the file.

A peer that is not installed, or fails on a file, is skipped with the reason printed. Install
them in the benchmark's own environment (`pip install csiread csikit`) and build ours with
`maturin develop --release`:

    python benchmarks/bench_formats.py [--peers csiread]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from pathlib import Path
from typing import Any

from wifi_densepose.io import open_recording

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "formats"
RUNS = 5
SLOW_S = 2.0

Peer = Callable[[str], Any]


def tile_records(src: Path, dst: Path, header: int, times: int) -> None:
    """One copy of the first `header` bytes, then `times` copies of the rest."""
    data = src.read_bytes()
    dst.write_bytes(data[:header] + data[header:] * times)


def tile_lines(src: Path, dst: Path, times: int) -> None:
    """The header line once, then `times` copies of the other lines."""
    first, rest = src.read_bytes().split(b"\n", 1)
    dst.write_bytes(first + b"\n" + rest * times)


def best_of(readers: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Best time of each reader over RUNS rounds, the readers taking turns within a round so a
    change in the machine's load hits them alike; a reader slower than SLOW_S seconds a read is
    timed once, and one that raises is left out."""
    best = {name: float("inf") for name in readers}
    failed: dict[str, str] = {}
    slow: set[str] = set()
    for _ in range(RUNS):
        for name, fn in readers.items():
            if name in failed or name in slow:
                continue
            start = time.perf_counter()
            try:
                fn()
            except Exception as e:  # a peer failing on a file is reported, not fatal
                failed[name] = f"{type(e).__name__}: {e}"
                continue
            elapsed = time.perf_counter() - start
            best[name] = min(best[name], elapsed)
            if elapsed > SLOW_S:
                slow.add(name)
    for name, why in failed.items():
        print(f"  {name}: failed: {why}"[:120])
        del best[name]
    return best


def quiet(fn: Callable[[], Any]) -> Any:
    """Runs `fn` with the peers' progress prints and warnings silenced."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def read_scaled(path: Path) -> Any:
    return open_recording(path).csi_scaled


def run_quietly(peer: Peer, path: str) -> Any:
    return quiet(lambda: peer(path))


def csiread_peers() -> dict[str, dict[str, Peer]]:
    try:
        import csiread  # type: ignore[import-not-found]
    except ImportError as e:
        print(f"csiread: skipped ({e})")
        return {}

    def intel(nrx: int, ntx: int, scaled: bool) -> Peer:
        def run(path: str) -> Any:
            reader = csiread.Intel(path, nrxnum=nrx, ntxnum=ntx, if_report=False)
            reader.read()
            return reader.get_scaled_csi() if scaled else reader.csi

        return run

    def nexmon(chip: str) -> Peer:
        def run(path: str) -> Any:
            reader = csiread.Nexmon(path, chip=chip, bw=80, if_report=False)
            reader.read()
            return reader.csi

        return run

    def atheros(path: str) -> Any:
        reader = csiread.Atheros(path, nrxnum=1, ntxnum=1, tones=56, if_report=False)
        reader.read(endian="little")
        return reader.csi

    def picoscenes(path: str) -> Any:
        reader = csiread.Picoscenes(path, if_report=False)
        reader.read()
        return reader.raw

    def esp32(path: str) -> Any:
        reader = csiread.ESP32(path, if_report=False)
        reader.read()
        return reader.csi

    return {
        "intel5300/example.dat": {
            "csiread": intel(3, 2, False),
            "csiread + scaled": intel(3, 2, True),
        },
        "intel5300/log.all_csi.6.7.6.dat": {
            "csiread": intel(3, 3, False),
            "csiread + scaled": intel(3, 3, True),
        },
        "nexmon/example_4358.pcap": {"csiread": nexmon("4358")},
        "nexmon/example_4366c0.pcap": {"csiread": nexmon("4366c0")},
        "atheros/Ant_1-head.dat": {"csiread": atheros},
        "picoscenes/picoscenes_iwl5300_example.csi": {"csiread": picoscenes},
        "esp32-csi-tool/example_data.csv": {"csiread": esp32},
    }


def csikit_peers() -> dict[str, dict[str, Peer]]:
    try:
        import numpy as np

        if not hasattr(np, "complex"):  # CSIKit still names np.complex (removed in numpy 1.24)
            np.complex = complex  # type: ignore[attr-defined]
        from CSIKit.reader import (  # type: ignore[import-not-found]
            ATHBeamformReader,
            CSVBeamformReader,
            FeitCSIBeamformReader,
            IWLBeamformReader,
            NEXBeamformReader,
            PicoScenesBeamformReader,
        )
    except ImportError as e:
        print(f"CSIKit: skipped ({e})")
        return {}

    def iwl(scaled: bool) -> Peer:
        return lambda path: IWLBeamformReader().read_file(path, scaled=scaled)

    return {
        "intel5300/example.dat": {"CSIKit": iwl(False), "CSIKit scaled": iwl(True)},
        "intel5300/log.all_csi.6.7.6.dat": {"CSIKit": iwl(False), "CSIKit scaled": iwl(True)},
        "nexmon/example_4358.pcap": {"CSIKit": lambda p: NEXBeamformReader().read_file(p)},
        "nexmon/example_4366c0.pcap": {"CSIKit": lambda p: NEXBeamformReader().read_file(p)},
        "atheros/Ant_1-head.dat": {"CSIKit": lambda p: ATHBeamformReader().read_file(p)},
        "picoscenes/picoscenes_iwl5300_example.csi": {
            "CSIKit": lambda p: PicoScenesBeamformReader().read_file(p)
        },
        "feitcsi/HT20_2452.csi": {"CSIKit": lambda p: FeitCSIBeamformReader().read_file(p)},
        "esp32-csi-tool/example_data.csv": {"CSIKit": lambda p: CSVBeamformReader().read_file(p)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--peers",
        default="csiread,csikit",
        help="comma-separated peers to run (csiread, csikit); CSIKit reads ~500 frames/s",
    )
    chosen = set(parser.parse_args().peers.split(","))
    peers: dict[str, dict[str, Peer]] = {}
    sources = [
        f() for name, f in (("csiread", csiread_peers), ("csikit", csikit_peers)) if name in chosen
    ]
    for found in sources:
        for sample, readers in found.items():
            peers.setdefault(sample, {}).update(readers)
    # (label, sample, tiler)
    cases: list[tuple[str, str, Callable[[Path, Path], None]]] = [
        ("Intel 5300 (3x2)", "intel5300/example.dat", lambda s, d: tile_records(s, d, 0, 2000)),
        (
            "Intel 5300 (3x1..3)",
            "intel5300/log.all_csi.6.7.6.dat",
            lambda s, d: tile_records(s, d, 0, 2000),
        ),
        (
            "Nexmon BCM4358 80 MHz",
            "nexmon/example_4358.pcap",
            lambda s, d: tile_records(s, d, 24, 5000),
        ),
        (
            "Nexmon BCM4366c0 80 MHz",
            "nexmon/example_4366c0.pcap",
            lambda s, d: tile_records(s, d, 24, 60),
        ),
        ("Atheros 1x1 56 tones", "atheros/Ant_1-head.dat", lambda s, d: tile_records(s, d, 0, 200)),
        (
            "PicoScenes IWL5300",
            "picoscenes/picoscenes_iwl5300_example.csi",
            lambda s, d: tile_records(s, d, 0, 100),
        ),
        ("FeitCSI HT20 2x1", "feitcsi/HT20_2452.csi", lambda s, d: tile_records(s, d, 0, 400)),
        (
            "ESP32-CSI-Tool CSV",
            "esp32-csi-tool/example_data.csv",
            lambda s, d: tile_lines(s, d, 300),
        ),
    ]
    print("'ours is' compares like with like: plain reads with plain, scaled with scaled.")
    print(f"{'file':<26}{'frames':>8}{'reader':>24}{'frames/s':>14}{'ours is':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, sample, tile in cases:
            path = Path(tmp) / Path(sample).name
            tile(DATA / sample, path)
            n = open_recording(path).n_frames
            timed: dict[str, Callable[[], Any]] = {"wifi_densepose": partial(open_recording, path)}
            if sample.startswith("intel5300"):
                timed["wifi_densepose + scaled"] = partial(read_scaled, path)
            for name, peer in peers.get(sample, {}).items():
                timed[name] = partial(run_quietly, peer, str(path))
            times = best_of(timed)
            ours = times.pop("wifi_densepose")
            ours_scaled = times.pop("wifi_densepose + scaled", None)
            print(f"{label:<26}{n:>8}{'wifi_densepose':>24}{n / ours:>14,.0f}{'':>10}")
            if ours_scaled is not None:
                print(f"{label:<26}{n:>8}{'wifi_densepose + scaled':>24}{n / ours_scaled:>14,.0f}")
            for name, seconds in times.items():
                base = ours_scaled if "scaled" in name and ours_scaled is not None else ours
                print(f"{label:<26}{n:>8}{name:>24}{n / seconds:>14,.0f}{seconds / base:>9.1f}x")


if __name__ == "__main__":
    main()
