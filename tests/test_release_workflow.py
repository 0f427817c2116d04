"""The release workflow: valid against the GitHub Actions workflow schema (vendored by
check-jsonschema, so the check runs offline) and shaped as the release process needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "pip-release.yml"

CHECK_JSONSCHEMA = (sys.executable, "-m", "check_jsonschema")
MATURIN = "PyO3/maturin-action"

# (runner, maturin target) of every platform PyPI gets a wheel for.
RELEASE_PLATFORMS = {
    ("ubuntu-24.04", "x86_64"),
    ("ubuntu-24.04-arm", "aarch64"),
    ("macos-13", "x86_64"),
    ("macos-14", "aarch64"),
    ("windows-2022", "x64"),
}


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as the boolean True.
    document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load(WORKFLOW)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def test_the_workflow_matches_the_github_workflow_schema() -> None:
    result = schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_job_without_a_runner(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("    runs-on: ubuntu-24.04\n", "", 1),
        encoding="utf-8",
    )
    result = schema_check(broken)
    assert result.returncode == 1
    assert "'runs-on' is a required property" in result.stdout


def test_wheels_are_built_for_every_release_platform(workflow: dict[Any, Any]) -> None:
    job = workflow["jobs"]["wheels"]
    platforms = job["strategy"]["matrix"]["platform"]
    assert {(p["runner"], p["target"]) for p in platforms} == RELEASE_PLATFORMS
    assert job["runs-on"] == "${{ matrix.platform.runner }}"
    library, server = steps_using(job, MATURIN)
    assert "working-directory" not in library["with"]
    assert server["with"]["working-directory"] == "packaging/server"
    for build in (library, server):
        assert build["with"]["target"] == "${{ matrix.platform.target }}"
        assert build["with"]["manylinux"] == "${{ matrix.platform.manylinux }}"
        assert "--release" in build["with"]["args"]
    linux = [p for p in platforms if p["runner"].startswith("ubuntu")]
    assert {p["manylinux"] for p in linux} == {"2_28"}


def test_every_built_wheel_and_sdist_is_installed_and_smoke_tested(
    workflow: dict[Any, Any],
) -> None:
    for name in ("wheels", "sdist"):
        steps = workflow["jobs"][name]["steps"]
        runs = [step["run"] for step in steps if "run" in step]
        assert any("pytest" in run and "-m packaging" in run for run in runs), name
        assert any("test_server_wheel.py" in run for run in runs), name
        first_test = next(i for i, step in enumerate(steps) if "pytest" in step.get("run", ""))
        builds = [steps.index(step) for step in steps_using(workflow["jobs"][name], MATURIN)]
        assert len(builds) == 2, name
        assert max(builds) < first_test, name
    sdist_builds = steps_using(workflow["jobs"]["sdist"], MATURIN)
    assert [build["with"]["command"] for build in sdist_builds] == ["sdist", "sdist"]
    directories = [build["with"].get("working-directory") for build in sdist_builds]
    assert directories == [None, "packaging/server"]


def test_publishing_uses_trusted_publishing_after_every_build(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert set(publish["needs"]) == {"wheels", "sdist"}
    assert publish["permissions"] == {"id-token": "write"}
    assert "refs/tags/v" in publish["if"]
    (upload,) = steps_using(publish, "pypa/gh-action-pypi-publish")
    assert "password" not in upload.get("with", {})
    assert "secrets." not in WORKFLOW.read_text(encoding="utf-8")
    for name, job in workflow["jobs"].items():
        if name != "publish":
            assert "permissions" not in job, name


def test_releases_run_on_version_tags(workflow: dict[Any, Any]) -> None:
    assert workflow["on"]["push"] == {"tags": ["v*"]}
