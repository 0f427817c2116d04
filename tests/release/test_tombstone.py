"""tombstone/: wifi-densepose 1.99.0 installs, and importing it fails with directions to 2.0."""

from __future__ import annotations

import email.parser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fresh_venv import REPO, FreshVenv, clean_env, run

pytestmark = pytest.mark.packaging

MIGRATION_GUIDE = "https://github.com/ruvnet/wifi-densepose/blob/main/docs/migration.md"


@pytest.fixture(scope="module")
def tombstone_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tombstone")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out]
    run([*pip_wheel, REPO / "tombstone"])
    (wheel,) = out.glob("*.whl")
    return wheel


def test_the_tombstone_is_wifi_densepose_1_99_0_for_any_python(tombstone_wheel: Path) -> None:
    assert tombstone_wheel.name == "wifi_densepose-1.99.0-py3-none-any.whl"
    with zipfile.ZipFile(tombstone_wheel) as archive:
        names = set(archive.namelist())
        metadata = email.parser.Parser().parsestr(
            archive.read("wifi_densepose-1.99.0.dist-info/METADATA").decode()
        )
    assert metadata["Name"] == "wifi-densepose"
    assert metadata["Version"] == "1.99.0"
    assert not metadata.get_all("Requires-Dist")
    assert {name for name in names if not name.startswith("wifi_densepose-1.99.0.dist-info/")} == {
        "wifi_densepose/__init__.py"
    }


def test_importing_the_installed_tombstone_raises_import_error_with_directions(
    tombstone_wheel: Path, tmp_path: Path
) -> None:
    venv = FreshVenv(tmp_path / "venv")
    venv.install(tombstone_wheel)
    script = (
        "try:\n"
        "    import wifi_densepose\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__)\n"
        "    print(error)\n"
    )
    result = run([venv.python, "-c", script], cwd=tmp_path)
    kind, *message = result.stdout.splitlines()
    assert kind == "ImportError"
    assert "pip install wifi-densepose==2.0.0" in message[1]
    assert message[2] == f"Migration guide: {MIGRATION_GUIDE}"

    plain = subprocess.run(
        [venv.python, "-c", "import wifi_densepose"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert plain.returncode == 1
    assert "ImportError: wifi-densepose 1.x has ended" in plain.stderr
