"""The bindings and the server resolve every shared dependency with the features of a workspace
build, so `cargo test --workspace` reuses what `maturin develop` compiled (and the server's
release build what the wheel's compiled) instead of compiling those crates again.

When this fails after a dependency change, add the reported features to
crates/wifi-densepose-unified-features/Cargo.toml.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def resolved_features(*selection: str) -> dict[str, set[str]]:
    """Crate `name version` -> the feature lists cargo resolves for it in this selection."""
    cargo = shutil.which("cargo")
    assert cargo is not None, "cargo is not on PATH"
    command = [cargo, "tree", "-q", "--locked", "--offline", "-e", "features,normal,build,dev"]
    out = subprocess.run(
        [*command, "-f", "{p} {f}", "--prefix", "none", *selection],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    crates: dict[str, set[str]] = {}
    for line in out.splitlines():
        words = line.replace(" (*)", "").split()
        if len(words) < 2 or words[1] == "feature":
            continue
        # `name vX.Y.Z [(path)] [features]`: the features are the last word unless it is a path.
        features = "" if len(words) == 2 or words[-1].endswith(")") else words[-1]
        crates.setdefault(f"{words[0]} {words[1]}", set()).add(features)
    return crates


@pytest.fixture(scope="module")
def workspace() -> dict[str, set[str]]:
    return resolved_features("--workspace")


@pytest.mark.parametrize(
    "selection",
    [
        ("-p", "wifi-densepose-py", "-F", "pyo3/extension-module"),
        ("-p", "wifi-densepose-sensing-server"),
    ],
    ids=["bindings", "server"],
)
def test_a_member_alone_resolves_the_workspace_features(
    workspace: dict[str, set[str]], selection: tuple[str, ...]
) -> None:
    alone = resolved_features(*selection)
    assert len(alone) > 50, sorted(alone)
    differ = {
        name: (sorted(features), sorted(workspace.get(name, set())))
        for name, features in alone.items()
        if features != workspace.get(name)
    }
    assert not differ, f"alone vs workspace: {differ}"
