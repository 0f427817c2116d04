"""Build `tests/data/reference_signal.npz` from RuView's reference signal JSON.

Usage: python scripts/make_reference_fixture.py PATH/TO/sample_csi_data.json [OUTPUT.npz]

The JSON (1,000 frames at 100 Hz, 3 antennas x 56 subcarriers) is converted exactly: every
value is parsed as float64 and stored bit for bit in a deflated `.npz` whose zip entries carry
a fixed date, so the same input always gives the same bytes. Prints the SHA-256
of the source and of the fixture; refuses a source whose hash differs from the pinned one.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

SOURCE_SHA256 = "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "reference_signal.npz"
# The earliest date a zip entry can carry; fixed so the archive does not depend on the clock.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def arrays_from_json(document: dict[str, Any]) -> dict[str, np.ndarray]:
    frames = document["frames"]
    return {
        "amplitude": np.array([f["amplitude"] for f in frames], dtype=np.float64),
        "phase": np.array([f["phase"] for f in frames], dtype=np.float64),
        "timestamp_s": np.array([f["timestamp_s"] for f in frames], dtype=np.float64),
        "sampling_rate_hz": np.float64(document["sampling_rate_hz"]),
        "frequency_hz": np.float64(document["frequency_hz"]),
        "bandwidth_hz": np.float64(document["bandwidth_hz"]),
        "num_frames": np.int64(document["num_frames"]),
        "num_antennas": np.int64(document["num_antennas"]),
        "num_subcarriers": np.int64(document["num_subcarriers"]),
    }


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An `np.load`-compatible archive with fixed entry dates, in sorted name order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as archive:
        for name in sorted(arrays):
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="sample_csi_data.json")
    parser.add_argument("output", type=Path, nargs="?", default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    source_hash = sha256(raw)
    print(f"source  {source_hash}  {args.source.name}")
    if source_hash != SOURCE_SHA256:
        print(f"error: expected source SHA-256 {SOURCE_SHA256}", file=sys.stderr)
        return 1
    data = npz_bytes(arrays_from_json(json.loads(raw)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"fixture {sha256(data)}  {args.output.name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
