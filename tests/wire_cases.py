"""Shared by the io tests and scripts/fuzz_wire.py: the test vectors of docs/wire.md §1.3-1.10 as
printed there, the fuzzing oracles (a datagram or a recording line may only decode or fail
with the typed error) and the mutation operator."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from wifi_densepose.io import (
    MAX_DATAGRAM_LEN,
    PacketError,
    RecordingWarning,
    load_recording,
    parse_packet,
)

V1 = bytes.fromhex(
    "01 00 11 c5 01 01 04 00 85 09 00 00 2a 00 00 00 d8 a6 00 00 03 04 fd 04 00 05 06 f8"
)
V1B = bytes.fromhex("01 00 11 c5 02 01 02 00 3c 14 00 00 04 03 02 01 c4 a1 01 18 01 ff 80 7f")
V1C = bytes.fromhex("01 00 11 c5 03 01 00 01 6c 09 00 00 07 00 00 00 ce a4 01 00") + bytes(512)
V2 = bytes.fromhex(
    "02 00 11 c5 01 05 0e 06 80 fc 0a 00 d3 01 00 00 00 00 80 3e 66 66 66 3f 40 e2 01 00 "
    "00 00 00 00"
)
V4 = bytes.fromhex(
    "04 00 11 c5 01 0d 59 06 c8 73 0a 00 cc 01 02 57 00 00 00 3e 00 00 40 3f 88 13 00 00 "
    "00 00 88 42 00 00 80 41 00 80 0e 43 01 5a 00 00 00 00 00 00"
)
V5 = bytes.fromhex(
    "03 00 11 c5 02 00 d9 14 d2 02 96 49 00 00 00 00 00 00 00 3f 00 00 80 3e 00 00 00 3f "
    "00 00 20 3f 00 00 00 3e 00 00 80 3e 00 00 00 00 00 00 40 3f"
)
V6 = bytes.fromhex("05 00 11 c5 01 06 08 00 04 00 00 06 05 02")
V7 = bytes.fromhex(
    "06 00 11 c5 01 00 64 00 40 42 0f 00 00 00 00 00 00 00 80 3e 00 00 60 3f 00 00 70 41 "
    "00 00 40 3f 00 00 84 42 00 00 00 3f 00 00 00 00 00 00 00 3e 00 00 80 3f 07 00 00 00 "
    "b3 22 01 43"
)
V8 = bytes.fromhex("07 00 11 c5 01 02 02 00 01 00 00 00 3f 03 00 00 80 bf")
V9 = bytes.fromhex(
    "10 a1 11 c5 01 02 06 40 80 96 98 00 00 00 00 00 a4 90 98 00 00 00 00 00 92 10 00 00 "
    "01 00 2d 14 aa bb cc dd ee 01"
)
V10 = (
    V9[:5]
    + b"\x04"
    + V9[6:]
    + bytes.fromhex("03 00 00 00 78 00 00 00 88 13 00 00 28 23 00 00 0c 00 00 00")
)
VALID = [V1, V1B, V1C, V2, V4, V5, V6, V7, V8, V9, V10]

REASONS = {
    "oversize",
    "truncated",
    "bad_magic",
    "zero_antennas",
    "zero_subcarriers",
    "length_mismatch",
    "bad_crc",
    "invalid_field",
}

T = TypeVar("T")


def apply_edits(items: Sequence[T], edits: Sequence[tuple[int, T, int]]) -> list[T]:
    """Each edit (position, value, op) overwrites (op 0), inserts (1), deletes (2) or
    truncates (3) at position modulo the length."""
    out = list(items)
    for position, value, op in edits:
        i = position % (len(out) + 1)
        if op == 0 and i < len(out):
            out[i] = value
        elif op == 1:
            out.insert(i, value)
        elif op == 2 and i < len(out):
            del out[i]
        elif op == 3:
            del out[i:]
    return out


def check_datagram(data: bytes) -> bool:
    """Parses `data`; only a packet (which re-encodes to an equal packet) or a PacketError
    with a known reason and an in-range offset may come out. True when it decoded."""
    try:
        packet = parse_packet(data)
    except PacketError as e:
        assert e.reason in REASONS, e.reason
        assert 0 <= e.offset <= max(len(data), MAX_DATAGRAM_LEN)
        assert e.magic is None or e.magic == int.from_bytes(data[:4], "little")
        return False
    assert parse_packet(packet.encode()) == parse_packet(data[: len(data) - packet.trailing_bytes])
    return True


def check_recording(path: Path, n_lines: int, n_blank: int) -> int:
    """Loads a recording of `n_lines` lines leniently; every non-blank line must be a record
    or a counted bad line with one RecordingWarning. Returns the bad-line count."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recording = load_recording(path)
    assert len(recording) + recording.bad_lines + n_blank == n_lines
    assert len(caught) == recording.bad_lines
    assert all(issubclass(w.category, RecordingWarning) for w in caught)
    return recording.bad_lines
