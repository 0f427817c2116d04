"""The wifi-densepose-server distribution: `pip install "wifi-densepose[server]"` puts the
sensing-server binary on the virtual environment's PATH."""

from __future__ import annotations

import email.parser
import os
import platform
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from fresh_venv import FreshVenv, run

pytestmark = pytest.mark.packaging

BINARY = "wifi-densepose-sensing-server"


@pytest.fixture(scope="module")
def with_server(
    wheel: Path, server_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> FreshVenv:
    """A fresh venv where the server extra of the wheel resolved to the built server wheel."""
    venv = FreshVenv(tmp_path_factory.mktemp("server-venv") / "venv")
    venv.install(f"{wheel}[server]", server_wheel)
    return venv


def test_the_server_extra_puts_the_binary_on_the_venv_path(with_server: FreshVenv) -> None:
    found = shutil.which(BINARY, path=str(with_server.bin))
    assert found is not None
    assert run([found, "--version"]).stdout == f"{BINARY} 2.0.0\n"
    assert f"Usage: {BINARY} [OPTIONS]" in run([found, "--help"]).stdout


def test_serve_runs_the_installed_server_from_an_activated_venv(with_server: FreshVenv) -> None:
    path = f"{with_server.bin}{os.pathsep}{os.environ['PATH']}"
    result = run([with_server.bin / "wifi-densepose", "serve", "--version"], PATH=path)
    assert result.stdout == f"{BINARY} 2.0.0\n"


def test_the_server_wheel_holds_only_the_binary(server_wheel: Path) -> None:
    machine = platform.machine()
    assert re.fullmatch(
        rf"wifi_densepose_server-2\.0\.0-py3-none-(manylinux_\d+_\d+_{machine}\.?)+\.whl",
        server_wheel.name,
    ), server_wheel.name
    with zipfile.ZipFile(server_wheel) as archive:
        names = set(archive.namelist())
        metadata = email.parser.Parser().parsestr(
            archive.read("wifi_densepose_server-2.0.0.dist-info/METADATA").decode()
        )
    payload = {name for name in names if ".dist-info/" not in name}
    assert payload == {f"wifi_densepose_server-2.0.0.data/scripts/{BINARY}"}
    assert metadata["Name"] == "wifi-densepose-server"
    assert metadata["Version"] == "2.0.0"
    assert not metadata.get_all("Requires-Dist")


def test_the_server_sdist_is_a_self_contained_cargo_workspace(server_sdist: Path) -> None:
    with tarfile.open(server_sdist) as archive:
        root = "wifi_densepose_server-2.0.0/"
        names = {name.removeprefix(root) for name in archive.getnames()}
        pyproject = archive.extractfile(root + "pyproject.toml")
        assert pyproject is not None
        config = pyproject.read().decode()
    assert {"pyproject.toml", "Cargo.toml", "Cargo.lock", "README.md", "PKG-INFO"} <= names
    assert f"crates/{BINARY}/src/main.rs" in names
    assert f'manifest-path = "crates/{BINARY}/Cargo.toml"' in config
    assert 'bindings = "bin"' in config
    for folder in ("target/", "python/", "tests/"):
        assert not [name for name in names if name.startswith(folder)], folder
