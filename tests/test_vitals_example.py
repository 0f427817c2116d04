"""`examples/vitals_from_buffer.py` runs and prints estimates close to the true rates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vitals_from_buffer.py"
LINE = re.compile(
    r"^(breathing|heart): true ([\d.]+) BPM, estimated ([\d.]+) BPM "
    r"\(confidence ([\d.]+), (\w+)\)$",
    re.MULTILINE,
)


@pytest.mark.parametrize(("breathing", "heart"), [(14.0, 68.0), (22.0, 95.0)])
def test_example_prints_accurate_estimates(breathing: float, heart: float) -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--breathing-bpm",
            str(breathing),
            "--heart-bpm",
            str(heart),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.startswith("56 readings over 60 s")
    found = {m[0]: m for m in LINE.findall(run.stdout)}
    assert set(found) == {"breathing", "heart"}
    for name, truth, tolerance in (("breathing", breathing, 0.1), ("heart", heart, 0.2)):
        _, true_text, estimate, confidence, status = found[name]
        assert float(true_text) == truth
        assert abs(float(estimate) - truth) <= tolerance
        assert float(confidence) >= 0.9
        assert status == "VALID"


def test_reference_example_prints_the_known_rates() -> None:
    example = EXAMPLE.parent / "reference_vitals.py"
    run = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=120, check=True
    )
    assert "1000 frames x 56 subcarriers" in run.stdout
    breathing = re.search(r"^breathing ([\d.]+) BPM", run.stdout, re.MULTILINE)
    heart = re.search(r"^heart +([\d.]+) BPM", run.stdout, re.MULTILINE)
    assert breathing is not None and heart is not None
    assert abs(float(breathing[1]) - 18.0) <= 0.5
    assert abs(float(heart[1]) - 72.0) <= 0.5
