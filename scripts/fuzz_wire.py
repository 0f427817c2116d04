"""Long fuzzing run of the ESP32 packet parser and the recording reader (docs/wire.md §1.11, 2.6).

Feeds hypothesis-generated datagrams (random bytes, mutations of every spec vector, every
prefix of every vector) and recording lines (mutations of the real excerpt's lines, random
JSON objects) to `parse_packet` and `load_recording`. Any outcome other than a decoded
packet/record or the typed error (PacketError, a counted bad line with a RecordingWarning)
fails the run. The test suite runs the same oracles with a few thousand cases.

    python scripts/fuzz_wire.py            # 100,000 datagrams and 100,000 lines
    python scripts/fuzz_wire.py --cases 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from wire_cases import VALID, apply_edits, check_datagram, check_recording  # noqa: E402

EXCERPT_LINES = (TESTS / "data" / "esp32-excerpt.csi.jsonl").read_text().splitlines()
LINES_PER_FILE = 50
INTERESTING = '{}[]",:0-.eE9aZx \\'

counts: Counter[str] = Counter()


def run_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def fuzz_datagrams(n: int) -> None:
    for v in VALID:
        for k in range(len(v) + 1):
            counts["datagram:decoded" if check_datagram(v[:k]) else "datagram:rejected"] += 1
    counts["datagram:prefix cases"] += sum(len(v) + 1 for v in VALID)

    @run_settings(n // 2)
    @given(st.binary(max_size=200))
    def random_bytes(data: bytes) -> None:
        counts["datagram:random cases"] += 1
        counts["datagram:decoded" if check_datagram(data) else "datagram:rejected"] += 1

    @run_settings(n - n // 2)
    @given(
        st.sampled_from(VALID),
        st.lists(
            st.tuples(st.integers(0, 4000), st.integers(0, 255), st.integers(0, 3)),
            min_size=1,
            max_size=6,
        ),
    )
    def mutated(base: bytes, edits: list[tuple[int, int, int]]) -> None:
        counts["datagram:mutation cases"] += 1
        data = bytes(apply_edits(list(base), edits))
        counts["datagram:decoded" if check_datagram(data) else "datagram:rejected"] += 1

    random_bytes()
    mutated()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
record_keys = st.sampled_from(
    [
        "timestamp",
        "node_id",
        "magic",
        "size",
        "rssi",
        "type",
        "iq_hex",
        "subcarriers",
        "features",
        "seq",
        "flags",
        "breathing_bpm",
        "heartrate_bpm",
        "n_persons",
        "motion_energy",
        "presence_score",
    ]
)
json_lines = st.dictionaries(record_keys, json_values, max_size=10).map(json.dumps)
mutated_lines = st.tuples(
    st.integers(0, len(EXCERPT_LINES) - 1),
    st.lists(
        st.tuples(st.integers(0, 5000), st.sampled_from(INTERESTING), st.integers(0, 3)),
        min_size=1,
        max_size=4,
    ),
).map(lambda pick: "".join(apply_edits(list(EXCERPT_LINES[pick[0]]), pick[1])))


def fuzz_lines(n: int, workdir: Path) -> None:
    files = max(1, n // LINES_PER_FILE)
    path = workdir / "fuzz.csi.jsonl"

    @run_settings(files)
    @given(st.lists(mutated_lines | json_lines, min_size=LINES_PER_FILE, max_size=LINES_PER_FILE))
    def lines_file(lines: list[str]) -> None:
        lines = [line.replace("\r", " ") for line in lines]
        path.write_text("\n".join(lines) + "\n")
        blank = sum(1 for line in lines if not line.strip())
        bad = check_recording(path, len(lines), blank)
        counts["line cases"] += len(lines)
        counts["line:bad"] += bad
        counts["line:record"] += len(lines) - bad - blank

    lines_file()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="datagrams and lines each")
    args = parser.parse_args()
    start = time.perf_counter()
    fuzz_datagrams(args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        fuzz_lines(args.cases, Path(tmp))
    elapsed = time.perf_counter() - start
    datagrams = counts["datagram:decoded"] + counts["datagram:rejected"]
    print(
        f"datagrams: {datagrams} cases ({counts['datagram:prefix cases']} prefixes, "
        f"{counts['datagram:random cases']} random, {counts['datagram:mutation cases']} "
        f"mutations): {counts['datagram:decoded']} decoded, "
        f"{counts['datagram:rejected']} PacketError"
    )
    print(
        f"lines: {counts['line cases']} cases: {counts['line:record']} records, "
        f"{counts['line:bad']} bad lines"
    )
    print(f"total {datagrams + counts['line cases']} cases in {elapsed:.1f} s: no other outcome")


if __name__ == "__main__":
    main()
