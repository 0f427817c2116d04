"""Prints the real-timing accuracy table of README ("Real ESP32 streams").

The streams are the semi-synthetic ones of `tests/esp32_stream.py` (the bundled capture's
timing, layouts and profiles; known breathing and heart rates); the same study backs
`tests/test_vitals_real_timing.py`. Run from a checkout: `python scripts/vitals_real_timing.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from esp32_stream import run_study, study_cases


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        time_true, ignored = run_study(Path(directory))
    print(f"{len(study_cases())} streams; errors in BPM over every reading with an estimate")
    header = (
        f"{'':40} {'br med':>7} {'br p90':>7} {'hr med':>7} {'hr p90':>7} "
        f"{'VALID max br/hr':>16} {'VALID share br/hr':>18}"
    )
    print(header)
    for name, errors in (
        ("capture time, every layout", time_true),
        ("timestamps ignored", ignored),
    ):
        r = errors.row()
        print(
            f"{name:40} {r['breathing_median']:7.2f} {r['breathing_p90']:7.2f} "
            f"{r['heart_median']:7.2f} {r['heart_p90']:7.2f} "
            f"{r['breathing_valid_max']:7.2f}/{r['heart_valid_max']:<8.2f} "
            f"{r['breathing_valid_share']:8.2f}/{r['heart_valid_share']:<9.2f}"
        )


if __name__ == "__main__":
    main()
