"""The `witness` command group, through click's runner and as the installed console script:
exit code 0 on PASS, 1 on FAIL, 2 on usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wifi_densepose.witness.cli import witness_group

SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed bundle made through the CLI."""
    out = tmp_path_factory.mktemp("cli")
    key = out / "witness.key"
    key.write_text(SEED_HEX)
    result = CliRunner().invoke(
        witness_group, ["generate", str(out / "dist"), "--sign-key", str(key)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == f"signed by public key {PUBLIC_HEX}"
    return Path(lines[0])


def test_verify_pass_exits_0(signed: Path) -> None:
    result = CliRunner().invoke(witness_group, ["verify", str(signed), "--public-key", PUBLIC_HEX])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("PASS: all 11 checks passed")


def test_verify_fail_exits_1(signed: Path, tmp_path: Path) -> None:
    other = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
    result = CliRunner().invoke(witness_group, ["verify", str(signed), "--public-key", other])
    assert result.exit_code == 1, result.output
    assert "[FAIL] signature" in result.output
    assert result.output.splitlines()[-1].startswith("FAIL: signature: bad signature")


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["verify", "no/such/bundle"],
        ["verify", "{bundle}", "--public-key", "not-hex"],
        ["generate"],
        ["generate", "{tmp}/out", "--sign-key", "{tmp}/missing.key"],
        ["generate", "{tmp}/out", "--reference", "{tmp}/missing.json"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(signed: Path, tmp_path: Path, args: list[str]) -> None:
    argv = [a.format(bundle=signed, tmp=tmp_path) for a in args]
    result = CliRunner().invoke(witness_group, argv)
    assert result.exit_code == 2, (argv, result.output)


def test_generate_into_an_existing_bundle_is_a_usage_error(signed: Path) -> None:
    result = CliRunner().invoke(witness_group, ["generate", str(signed.parent)])
    assert result.exit_code == 2
    assert "already exists" in result.output


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "wifi-densepose"
    return subprocess.run(
        [str(script), "witness", *args], capture_output=True, text=True, timeout=600
    )


def test_console_script_generates_and_verifies(tmp_path: Path) -> None:
    generated = run_script("generate", str(tmp_path))
    assert generated.returncode == 0, generated.stderr
    bundle = Path(generated.stdout.strip())
    assert bundle.parent == tmp_path and bundle.name.startswith("witness-bundle-")
    verified = run_script("verify", str(bundle))
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.splitlines()[-1].startswith("PASS: all 11 checks passed")
    (bundle / "proof" / "features.summary.json").write_text("{}")
    failed = run_script("verify", str(bundle))
    assert failed.returncode == 1
    assert "features.summary.json has sha256" in failed.stdout
    usage = run_script("verify", str(bundle), "--public-key", "zz")
    assert usage.returncode == 2
    assert "public_key" in usage.stderr
