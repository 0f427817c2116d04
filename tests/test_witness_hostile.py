"""Hostile witness bundles: a bundle is exactly what was verified, bombs name the limit and
a flood of problems does not flood the report."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from wifi_densepose.witness import VerificationResult, generate_bundle, verify_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_bundle(tmp_path_factory.mktemp("bundle"), created_at="2026-11-28T10:15:00Z")


def tar_bytes(bundle: Path | None, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if bundle is not None:
            tar.add(bundle, arcname=bundle.name)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def bundle_check(result: VerificationResult) -> str:
    assert result.verdict == "FAIL", result.detail
    return next(c.detail for c in result.checks if c.name == "bundle")


def test_the_plain_archive_passes(bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(gzip.compress(tar_bytes(bundle)))
    assert verify_bundle(archive).verdict == "PASS"


def test_a_member_after_the_end_of_archive_marker_fails(bundle: Path, tmp_path: Path) -> None:
    # `tar -i` would list b/evil.sh; the verifier never looked at it.
    archive = tmp_path / "hidden.tar.gz"
    hidden = tar_bytes(None, {"b/evil.sh": b"#!/bin/sh\necho pwned\n"})
    archive.write_bytes(gzip.compress(tar_bytes(bundle) + hidden))
    assert bundle_check(verify_bundle(archive)) == "data after the tar end-of-archive marker"


def test_a_second_gzip_member_fails(bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "two-members.tar.gz"
    second = gzip.compress(tar_bytes(None, {"b/evil.sh": b"echo pwned\n"}))
    archive.write_bytes(gzip.compress(tar_bytes(bundle)) + second)
    assert bundle_check(verify_bundle(archive)).startswith("data after the gzip stream")


def test_a_gzip_bomb_names_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as f:
        f.write(tar_bytes(None, {"a/zeros.bin": bytes(65 << 20)}))
    assert bomb.stat().st_size < 1 << 20
    assert bundle_check(verify_bundle(bomb)) == (
        "archive expands to more than 67108864 bytes (the bundle size limit)"
    )


def test_a_huge_manifest_gives_a_bounded_report(bundle: Path, tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(bundle, tmp_path / bundle.name))
    lines = "".join(f"{'0' * 64}  ./missing/{i}.bin\n" for i in range(600_000))
    (copy / "MANIFEST.sha256").write_text(lines)
    result = verify_bundle(copy)
    assert result.verdict == "FAIL"
    detail = next(c.detail for c in result.checks if c.name == "manifest_sha256")
    # 600,000 missing files and the 4 required files now unlisted (manifest.json, the two
    # proof files, the reference input): 600,004 problems, 20 listed.
    assert detail.endswith("; and 599984 more"), detail[-200:]
    assert detail.count("is listed but missing") == 20
    assert len(result.detail) < 20_000
