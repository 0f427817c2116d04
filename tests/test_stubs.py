"""The `.pyi` stubs match the compiled extension."""

from __future__ import annotations

import subprocess
import sys


def test_stubtest_finds_no_inconsistency() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "wifi_densepose._core"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
