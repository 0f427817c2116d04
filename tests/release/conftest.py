"""Fixtures of the packaging tests: the release artefacts, built once per session.

`make wheel-test` builds them into dist/ with scripts/build-wheels.sh and passes that folder in
WDP_DIST_DIR; without it, the session builds them into a temporary folder with the same script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from fresh_venv import REPO, FreshVenv, run


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("WDP_DIST_DIR")
    if given:
        return (REPO / given).resolve()
    out = tmp_path_factory.mktemp("dist")
    run(
        ["bash", REPO / "scripts" / "build-wheels.sh"],
        timeout=3600,
        VENV=sys.prefix,
        DIST_DIR=str(out),
    )
    return out


def _only(folder: Path, pattern: str) -> Path:
    matches = sorted(folder.glob(pattern))
    assert len(matches) == 1, f"expected one {pattern} in {folder}, found {matches}"
    return matches[0]


@pytest.fixture(scope="session")
def wheel(dist_dir: Path) -> Path:
    return _only(dist_dir, "wifi_densepose-*.whl")


@pytest.fixture(scope="session")
def sdist(dist_dir: Path) -> Path:
    return _only(dist_dir, "wifi_densepose-*.tar.gz")


@pytest.fixture(scope="session")
def server_wheel(dist_dir: Path) -> Path:
    return _only(dist_dir, "wifi_densepose_server-*.whl")


@pytest.fixture(scope="session")
def server_sdist(dist_dir: Path) -> Path:
    return _only(dist_dir, "wifi_densepose_server-*.tar.gz")


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A brand-new virtual environment with only the wheel (and numpy) installed."""
    venv = FreshVenv(tmp_path_factory.mktemp("wheel-venv") / "venv")
    venv.install(wheel)
    return venv
