"""Packets decoded per second and recording lines read per second: wifi_densepose.io against a
straightforward pure-Python parser (struct for datagrams, json for lines).

The datagrams are the real excerpt's packets rebuilt as a replayer does (docs/wire.md §2.8): 368
raw CSI frames of 64, 128 and 192 bins and 32 vitals/feature packets. Both parsers decode the
header fields and the payload; the "+ CSI" rows also build the complex [antenna, subcarrier]
array. The Python line parser does json.loads plus bytes.fromhex and the per-type key reads,
without the full validation ours does. Build the extension with `maturin develop --release`
first.

    python benchmarks/bench_io.py
"""

from __future__ import annotations

import json
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from wifi_densepose.io import (
    EdgeVitalsPacket,
    FeatureRecord,
    FeatureVectorPacket,
    RawCsiPacket,
    RawCsiRecord,
    VitalsRecord,
    load_recording,
    parse_packet,
    read_recording,
)

EXCERPT = Path(__file__).resolve().parent.parent / "tests" / "data" / "esp32-excerpt.csi.jsonl"
REPEAT_LINES = 25  # the excerpt repeated, so a file read takes long enough to time

RAW_HEADER = struct.Struct("<IBBHIIbbBB")
VITALS = struct.Struct("<IBBHIbB2xffI4x")
FEATURE = struct.Struct("<IBxHq8f")


def python_parse(data: bytes) -> tuple[Any, ...]:
    """The straightforward parser: struct for the header, a slice for the payload."""
    magic = struct.unpack_from("<I", data)[0]
    if magic == 0xC5110001:
        header = RAW_HEADER.unpack_from(data)
        n = 2 * header[2] * header[3]
        if len(data) < 20 + n:
            raise ValueError("length_mismatch")
        return (*header, data[20 : 20 + n])
    if magic == 0xC5110002:
        return VITALS.unpack_from(data)
    if magic == 0xC5110003:
        return FEATURE.unpack_from(data)
    raise ValueError("bad_magic")


def python_parse_csi(data: bytes) -> Any:
    fields = python_parse(data)
    if fields[0] != 0xC5110001:
        return fields
    pairs = np.frombuffer(fields[-1], dtype=np.int8).astype(np.float64).reshape(-1, 2)
    return (pairs[:, 0] + 1j * pairs[:, 1]).reshape(fields[2], fields[3])


def ours_csi(data: bytes) -> Any:
    packet = parse_packet(data)
    return packet.csi if isinstance(packet, RawCsiPacket) else packet


def python_read(path: Path) -> int:
    records = 0
    with path.open() as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            ts, node, magic, size, rssi = (
                float(obj["timestamp"]),
                int(obj["node_id"]),
                obj["magic"],
                int(obj["size"]),
                obj["rssi"],
            )
            kind = obj.get("type")
            if kind == "raw_csi":
                iq = bytes.fromhex(obj["iq_hex"])
                if len(iq) != size - 20 or len(iq) % (2 * int(obj["subcarriers"])):
                    raise ValueError("inconsistent_length")
            elif kind == "vitals":
                _ = (obj["flags"], obj["breathing_bpm"], obj["heartrate_bpm"], obj["n_persons"])
            elif kind == "feature":
                _ = [float(v) for v in obj["features"]], obj["seq"]
            records += 1 if (ts, node, magic, rssi) else 0
    return records


def excerpt_datagrams() -> list[bytes]:
    """The excerpt's lines as datagrams, rebuilt by the rules of docs/wire.md §2.8."""
    out: list[bytes] = []
    sequence: dict[int, int] = {}
    rssi: dict[int, int] = {}
    for r in read_recording(EXCERPT):
        node = r.node_id
        if isinstance(r, RawCsiRecord):
            seq = sequence.get(node, 0)
            sequence[node] = seq + 1
            packet = RawCsiPacket(node_id=node, iq=r.iq, sequence=seq, rssi=rssi.get(node, 0))
            out.append(packet.encode())
        elif isinstance(r, VitalsRecord):
            rssi[node] = int(r.recorded_rssi)
            vitals = EdgeVitalsPacket(
                node_id=node,
                flags=r.flags,
                breathing_rate=round(r.breathing_bpm * 100),
                heartrate=round(r.heart_bpm * 10_000),
                rssi=rssi[node],
                n_persons=r.n_persons,
                motion_energy=r.motion_energy,
                presence_score=r.presence_score,
            )
            out.append(vitals.encode())
        elif isinstance(r, FeatureRecord):
            out.append(FeatureVectorPacket(node_id=node, features=r.features, seq=r.seq).encode())
    return out


def rate(fn: Callable[[], int], min_seconds: float = 1.0) -> float:
    """Items per second of `fn` (which returns its item count), best of repeated runs."""
    best = 0.0
    spent = 0.0
    while spent < min_seconds:
        start = time.perf_counter()
        items = fn()
        elapsed = time.perf_counter() - start
        spent += elapsed
        best = max(best, items / elapsed)
    return best


def main() -> None:
    datagrams = excerpt_datagrams()
    assert all(parse_packet(d).encode() == d for d in datagrams)

    def ours_loop() -> int:
        for d in datagrams:
            parse_packet(d)
        return len(datagrams)

    def python_loop() -> int:
        for d in datagrams:
            python_parse(d)
        return len(datagrams)

    def ours_csi_loop() -> int:
        for d in datagrams:
            ours_csi(d)
        return len(datagrams)

    def python_csi_loop() -> int:
        for d in datagrams:
            python_parse_csi(d)
        return len(datagrams)

    rows = [
        ("packets/s, decode", rate(ours_loop), rate(python_loop)),
        ("packets/s, decode + CSI array", rate(ours_csi_loop), rate(python_csi_loop)),
    ]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.csi.jsonl"
        path.write_text(EXCERPT.read_text() * REPEAT_LINES)
        n_lines = 400 * REPEAT_LINES
        assert python_read(path) == n_lines == len(load_recording(path, strict=True))

        def ours_stream() -> int:
            return sum(1 for _ in read_recording(path))

        def ours_load() -> int:
            return len(load_recording(path))

        python_rate = rate(lambda: python_read(path))
        rows.append(("lines/s, read_recording (iterate)", rate(ours_stream), python_rate))
        rows.append(("lines/s, load_recording", rate(ours_load), python_rate))

    print(f"{'workload':36} {'wifi_densepose.io':>18} {'struct/json':>14} {'ratio':>7}")
    for name, ours, theirs in rows:
        print(f"{name:36} {ours:18,.0f} {theirs:14,.0f} {ours / theirs:6.1f}x")


if __name__ == "__main__":
    main()
