"""Frames read per second from CSI files of other tools: wifi_densepose.io.open_recording against
csiread (Cython) and CSIKit (pure Python), the same files in one process.

The small sample files (tests/data/formats) are tiled (their frames repeated) into temporary
files of thousands of frames, so timings are meaningful. Every reader is timed on the whole
read of the file (best of 3). Ours always also computes the Intel 5300 scaled CSI
(get_scaled_csi) and all per-frame metadata, and returns numpy arrays; the "+ scaled" peer rows
add the peer's own get_scaled_csi. csiread needs the chip and bandwidth for Nexmon and the
antenna counts for Intel 5300 and Atheros; ours detects the format and takes the rest from the
file.

A peer that is not installed, or fails on a file, is skipped with the reason printed. Install
them in the benchmark's own environment (`pip install csiread csikit`) and build ours with
`maturin develop --release`:

    python benchmarks/bench_formats.py
"""

from __future__ import annotations

import io
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from wifi_densepose.io import open_recording

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "formats"
RUNS = 3

Peer = Callable[[str], Any]


def tile_records(src: Path, dst: Path, header: int, times: int) -> None:
    """One copy of the first `header` bytes, then `times` copies of the rest."""
    data = src.read_bytes()
    dst.write_bytes(data[:header] + data[header:] * times)


def tile_lines(src: Path, dst: Path, times: int) -> None:
    """The header line once, then `times` copies of the other lines."""
    first, rest = src.read_bytes().split(b"\n", 1)
    dst.write_bytes(first + b"\n" + rest * times)


def best_of(fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def quiet(fn: Callable[[], Any]) -> Any:
    """Runs `fn` with the peers' progress prints and warnings silenced."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def csiread_peers() -> dict[str, dict[str, Peer]]:
    try:
        import csiread
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
        from CSIKit.reader import (
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
    peers: dict[str, dict[str, Peer]] = {}
    for found in (csiread_peers(), csikit_peers()):
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
    print(f"{'file':<26}{'frames':>8}{'reader':>20}{'frames/s':>14}{'ours is':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, sample, tile in cases:
            path = Path(tmp) / Path(sample).name
            tile(DATA / sample, path)
            n = open_recording(path).n_frames
            ours = best_of(lambda: open_recording(path))  # noqa: B023
            print(f"{label:<26}{n:>8}{'wifi_densepose':>20}{n / ours:>14,.0f}{'':>10}")
            for name, peer in peers.get(sample, {}).items():
                try:
                    seconds = best_of(lambda: quiet(lambda: peer(str(path))))  # noqa: B023
                except Exception as e:  # a peer failing on a file is reported, not fatal
                    print(f"{label:<26}{n:>8}{name:>20}  failed: {type(e).__name__}: {e}"[:120])
                    continue
                print(f"{label:<26}{n:>8}{name:>20}{n / seconds:>14,.0f}{seconds / ours:>9.1f}x")


if __name__ == "__main__":
    main()
