"""Fresh virtual environments for the packaging tests, with no build tools in them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Variables that would let a child process see this checkout or this virtual environment.
_LEAKY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CARGO_TARGET_DIR")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the variables that leak the development setup."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_VARIABLES}
    env.update(extra)
    return env


def run(
    command: Sequence[str | Path], *, cwd: Path | None = None, timeout: float = 600.0, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs a command to completion and fails the test with its output if it exits non-zero."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, command))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


class FreshVenv:
    """A virtual environment made without pip, setuptools or any other build tool.

    Packages go in through this interpreter's pip (``pip --python``) as binary wheels only, so
    nothing can be compiled on the way in.
    """

    def __init__(self, path: Path) -> None:
        run([sys.executable, "-m", "venv", "--without-pip", path])
        self.path = path
        self.bin = path / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bin / "python"

    def install(self, *requirements: str | Path) -> None:
        run(
            [
                sys.executable, "-m", "pip", "--python", self.python, "install", "--quiet",
                "--only-binary=:all:", *requirements,
            ]
        )  # fmt: skip

    def site_packages_entries(self) -> set[str]:
        """Top-level names in site-packages, without the dist-info folders."""
        listing = run([self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
        site = Path(listing.stdout.strip())
        return {entry.name for entry in site.iterdir() if not entry.name.endswith(".dist-info")}
