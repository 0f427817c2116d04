"""The release wheel and sdist: tags, size, contents, and a user's first commands after
`pip install` into a brand-new virtual environment."""

from __future__ import annotations

import email.parser
import hashlib
import platform
import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from fresh_venv import REPO, FreshVenv, run

pytestmark = pytest.mark.packaging

# Mirrors scripts/build-wheels.sh: the target is 1 MB, the enforced ceiling 2 MB.
MAX_WHEEL_BYTES = 2_000_000


@dataclass(frozen=True)
class SmokeCommand:
    """A command a user runs right after installing; argv[0] is a program in the venv's bin/.

    It runs from the repository root, so paths to examples and bundled data are relative to it.
    The accuracy of what the commands print is tested in the main suite; here they must run
    from the installed wheel and print their usual report.
    """

    argv: tuple[str, ...]
    stdout_equals: str | None = None
    stdout_includes: tuple[str, ...] = ()


SMOKE_COMMANDS = [
    SmokeCommand(
        ("python", "-c", "import wifi_densepose; print(wifi_densepose.__version__)"),
        stdout_equals="2.0.0\n",
    ),
    SmokeCommand(
        ("wifi-densepose", "version"), stdout_equals="wifi-densepose 2.0.0 (core 2.0.0)\n"
    ),
    SmokeCommand(
        ("python", "examples/reference_vitals.py"),
        stdout_includes=("reference signal: 1000 frames x 56 subcarriers", "(expected 18)"),
    ),
    SmokeCommand(
        ("python", "examples/vitals_from_buffer.py"),
        stdout_includes=("56 readings over 60 s", "breathing: true 14.00 BPM", "VALID"),
    ),
    SmokeCommand(
        ("python", "examples/sensing_room.py", "--sitters", "0"),
        stdout_includes=("calibrated 6 links", "presence: False, person count: 0"),
    ),
    SmokeCommand(
        ("wifi-densepose", "vitals", "tests/data/esp32-excerpt.csi.jsonl"),
        stdout_includes=("node 1: 183 frames (64x153, 128x28, 192x2), 8.1 s; 64 shared bins",),
    ),
]


def run_smoke_command(venv: FreshVenv, command: SmokeCommand) -> None:
    program, *args = command.argv
    result = run([venv.bin / program, *args], cwd=REPO, timeout=300)
    if command.stdout_equals is not None:
        assert result.stdout == command.stdout_equals
    for fragment in command.stdout_includes:
        assert fragment in result.stdout


@pytest.mark.parametrize("command", SMOKE_COMMANDS, ids=lambda c: " ".join(c.argv))
def test_smoke_command_runs_in_a_fresh_venv(installed: FreshVenv, command: SmokeCommand) -> None:
    run_smoke_command(installed, command)


def test_the_fresh_venv_holds_no_build_tools(installed: FreshVenv) -> None:
    entries = installed.site_packages_entries()
    assert {"wifi_densepose", "numpy"} <= entries
    for tool in ("pip", "setuptools", "maturin", "wheel", "flit_core", "hatchling"):
        assert tool not in entries
    assert shutil.which("cargo", path=str(installed.bin)) is None


def test_the_package_is_imported_from_the_installed_wheel(installed: FreshVenv) -> None:
    result = run(
        [installed.python, "-c", "import wifi_densepose._core as c; print(c.__file__)"], cwd=REPO
    )
    core = Path(result.stdout.strip()).resolve()
    assert core.is_relative_to(installed.path.resolve())
    assert core.name in {"_core.abi3.so", "_core.pyd"}


def test_the_wheel_is_one_cp310_abi3_manylinux_wheel_for_this_machine(wheel: Path) -> None:
    machine = platform.machine()
    assert re.fullmatch(
        rf"wifi_densepose-2\.0\.0-cp310-abi3-(manylinux_\d+_\d+_{machine}\.?)+\.whl", wheel.name
    ), wheel.name


def test_the_wheel_is_within_the_size_budget(wheel: Path) -> None:
    size = wheel.stat().st_size
    print(f"{wheel.name}: {size} bytes")
    assert size <= MAX_WHEEL_BYTES


def test_the_wheel_holds_the_package_stubs_and_marker_and_no_sources(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    package = REPO / "python" / "wifi_densepose"
    expected = {
        f"wifi_densepose/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*")
        if path.suffix in {".py", ".pyi", ".typed"}
    }
    assert expected <= names, expected - names
    assert "wifi_densepose/_core.abi3.so" in names
    samples = {
        "wifi_densepose/_samples/esp32-excerpt.csi.jsonl.xz",
        "wifi_densepose/_samples/esp32-excerpt.csi.meta.json",
        "wifi_densepose/_samples/LICENSE-RuView.txt",
    }
    assert samples <= names, samples - names
    assert not [name for name in names if name.endswith((".rs", ".toml", ".pyc"))]


def test_the_wheel_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("wifi_densepose-2.0.0.dist-info/METADATA").decode()
    metadata = email.parser.Parser().parsestr(text)
    assert metadata["Name"] == "wifi-densepose"
    assert metadata["Version"] == "2.0.0"
    assert metadata["Requires-Python"] == ">=3.10"
    requires = metadata.get_all("Requires-Dist") or []
    assert "numpy>=1.24" in requires
    build_tools = ("maturin", "setuptools", "wheel", "auditwheel", "abi3audit", "twine")
    assert not [r for r in requires if "extra ==" not in r and r.startswith(build_tools)]
    assert "wifi-densepose-server==2.0.0 ; extra == 'server'" in requires
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])


def test_the_sdist_holds_the_lock_file_and_no_build_output(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert {"Cargo.lock", "Cargo.toml", "pyproject.toml", "README.md", "PKG-INFO"} <= set(names)
    for folder in ("target/", ".venv/", "dist/", "tests/", "tombstone/"):
        assert not [name for name in names if name.startswith(folder)], folder


def test_the_wheel_was_built_from_the_sdist(wheel: Path, sdist: Path, dist_dir: Path) -> None:
    """scripts/build-wheels.sh builds the wheel from the sdist (as pip does for a user with no
    wheel for their platform) and records which sdist; the other tests here install and run
    that wheel, so they check what the sdist builds."""
    recorded = (dist_dir / "wifi_densepose.wheel-source.sha256").read_text().split()
    assert recorded == [hashlib.sha256(sdist.read_bytes()).hexdigest(), sdist.name]
    assert wheel.name.startswith("wifi_densepose-2.0.0-cp310-abi3-")
