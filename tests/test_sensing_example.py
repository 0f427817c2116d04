"""`examples/sensing_room.py` runs and reports the simulated room correctly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sensing_room.py"


@pytest.mark.parametrize(
    ("walkers", "sitters", "expected"),
    [
        (0, 0, "presence: False, person count: 0"),
        (0, 1, "presence: True, person count: 1"),
        (1, 0, "presence: True, person count: not valid"),
    ],
)
def test_example_reports_presence_and_count(walkers: int, sitters: int, expected: str) -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "--walkers", str(walkers), "--sitters", str(sitters)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.startswith("calibrated 6 links")
    assert f"people present: {walkers + sitters}" in run.stdout
    assert expected in run.stdout
