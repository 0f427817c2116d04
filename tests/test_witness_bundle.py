"""Witness bundles of the reference input: PASS unsigned and signed, and every "Must fail"
case of the spec with a detail naming the cause."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from wifi_densepose import __version__
from wifi_densepose.errors import NotFoundError, ValidationError
from wifi_densepose.witness import (
    SCHEMA,
    VerificationResult,
    generate_bundle,
    public_key,
    verify_bundle,
)

REPO = Path(__file__).resolve().parent.parent
COMMITTED_HASH = (REPO / "proof" / "expected_features_v2.sha256").read_text().strip()
# RFC 8032 section 7.1, TEST 1: a published key pair, so the expected public key is not
# produced by the code under test.
SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
OTHER_PUBLIC_HEX = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
FILES = [
    "manifest.json",
    "proof/expected_features_v2.sha256",
    "proof/features.summary.json",
    "reference/sample_csi_data.json",
]


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "witness.key"
    path.write_text(SEED_HEX + "\n")
    return path


@pytest.fixture(scope="module")
def unsigned_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_bundle(tmp_path_factory.mktemp("unsigned"), created_at="2026-11-28T10:15:00Z")


@pytest.fixture(scope="module")
def signed_bundle(tmp_path_factory: pytest.TempPathFactory, key_file: Path) -> Path:
    return generate_bundle(tmp_path_factory.mktemp("signed"), sign_key=key_file)


@pytest.fixture
def bundle(unsigned_bundle: Path, tmp_path: Path) -> Path:
    """A private copy of the unsigned bundle to tamper with."""
    return Path(shutil.copytree(unsigned_bundle, tmp_path / "unsigned" / unsigned_bundle.name))


@pytest.fixture
def signed_copy(signed_bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(signed_bundle, tmp_path / "signed" / signed_bundle.name))


def rehash_manifest(bundle: Path) -> None:
    """Makes MANIFEST.sha256 match the current files, as a forger would."""
    lines = (bundle / "MANIFEST.sha256").read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    digests = [hashlib.sha256((bundle / p).read_bytes()).hexdigest() for p in paths]
    text = "".join(f"{d}  {p}\n" for d, p in zip(digests, paths, strict=True))
    (bundle / "MANIFEST.sha256").write_text(text)


def assert_fails(result: VerificationResult, check: str, cause: str) -> None:
    assert result.verdict == "FAIL" and not result.passed and not result
    failed = {c.name: c.detail for c in result.checks if not c.ok}
    assert check in failed, (check, failed)
    assert cause in failed[check], (cause, failed[check])
    assert cause in result.detail


# PASS ----------------------------------------------------------------------------------------


def test_fresh_unsigned_bundle_passes(unsigned_bundle: Path) -> None:
    assert unsigned_bundle.name == f"witness-bundle-{__version__}-{COMMITTED_HASH[:8]}"
    result = verify_bundle(unsigned_bundle)
    assert result.verdict == "PASS", result.detail
    assert result.passed and bool(result)
    assert result.computed_hash == COMMITTED_HASH
    assert [c.name for c in result.checks] == [
        "bundle",
        "paths",
        "manifest_sha256",
        "unlisted_files",
        "schema",
        "signature",
        "reference_input",
        "expected_hash",
        "pipeline_config",
        "feature_hash",
        "summary",
    ]
    assert all(c.ok for c in result.checks)


def test_bundle_layout_and_manifest(unsigned_bundle: Path) -> None:
    files = sorted(
        str(p.relative_to(unsigned_bundle)) for p in unsigned_bundle.rglob("*") if p.is_file()
    )
    assert files == sorted([*FILES, "MANIFEST.sha256"])
    assert (unsigned_bundle / "proof/expected_features_v2.sha256").read_text() == (
        COMMITTED_HASH + "\n"
    )
    manifest = json.loads((unsigned_bundle / "manifest.json").read_text())
    assert manifest["schema"] == SCHEMA == "wifi-densepose-witness/2"
    assert manifest["created_at"] == "2026-11-28T10:15:00Z"
    assert manifest["package"] == {"name": "wifi-densepose", "version": __version__}
    assert manifest["feature_hash"] == COMMITTED_HASH
    assert manifest["input"] == {
        "path": "reference/sample_csi_data.json",
        "sha256": "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65",
        "frames": 1000,
        "antennas": 3,
        "subcarriers": 56,
        "sampling_rate_hz": 100.0,
    }
    # 1,000 frames x (168 + 168 + 56 + 56 + 55 + 9 + 127) values + 6 readings x 8, then
    # 1,000 frames x 8 motion/presence values.
    assert manifest["feature_count"] == 1000 * 639 + 6 * 8 + 1000 * 8
    assert "signer_public_key" not in manifest
    excluded = " ".join(e["feature"] for e in manifest["pipeline"]["excluded"])
    assert "psd.values[0]" in excluded and "psd.centroid" in excluded
    assert "motion_presence.breathing_band_power" in excluded
    motion = manifest["pipeline"]["stages"]["motion_presence"]
    assert motion["input"] == "antenna 0, raw amplitude, at the input's sampling rate"
    assert (motion["ema_alpha"], motion["series_len"], motion["warmup_frames"]) == (0.025, 128, 8)


def test_manifest_is_sha256sum_compatible(unsigned_bundle: Path) -> None:
    lines = (unsigned_bundle / "MANIFEST.sha256").read_text().splitlines()
    assert [line[66:] for line in lines] == [f"./{f}" for f in FILES]
    for line in lines:
        digest, path = line.split("  ")
        assert digest == hashlib.sha256((unsigned_bundle / path).read_bytes()).hexdigest()


def test_signed_bundle_passes_with_the_right_key(signed_bundle: Path, key_file: Path) -> None:
    assert public_key(key_file) == PUBLIC_HEX
    manifest = json.loads((signed_bundle / "manifest.json").read_text())
    assert manifest["signer_public_key"] == PUBLIC_HEX
    assert len((signed_bundle / "MANIFEST.sha256.sig").read_bytes()) == 64
    result = verify_bundle(signed_bundle, public_key=PUBLIC_HEX)
    assert result.verdict == "PASS", result.detail
    assert verify_bundle(signed_bundle, public_key=bytes.fromhex(PUBLIC_HEX)).passed
    assert verify_bundle(signed_bundle).passed


def test_tar_gz_bundle_passes(signed_bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(signed_bundle, arcname=signed_bundle.name)
    result = verify_bundle(archive, public_key=PUBLIC_HEX)
    assert result.verdict == "PASS", result.detail
    assert result.checks[0].detail == "archive with 6 files"


# Must fail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*FILES, "MANIFEST.sha256", "MANIFEST.sha256.sig"])
def test_one_changed_byte_in_any_file_fails(signed_copy: Path, name: str) -> None:
    path = signed_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify_bundle(signed_copy, public_key=PUBLIC_HEX)
    if name.startswith("MANIFEST"):
        assert_fails(result, "signature", "bad signature")
    else:
        assert_fails(result, "manifest_sha256", f"./{name} has sha256")


def test_an_added_file_fails(bundle: Path) -> None:
    (bundle / "proof" / "notes.txt").write_text("trust me")
    assert_fails(verify_bundle(bundle), "unlisted_files", "./proof/notes.txt is not listed")


def test_a_removed_file_fails(bundle: Path) -> None:
    (bundle / "proof" / "features.summary.json").unlink()
    assert_fails(
        verify_bundle(bundle),
        "manifest_sha256",
        "./proof/features.summary.json is listed but missing",
    )


def test_a_renamed_file_fails(bundle: Path) -> None:
    (bundle / "reference" / "sample_csi_data.json").rename(bundle / "reference" / "input.json")
    result = verify_bundle(bundle)
    assert_fails(
        result, "manifest_sha256", "./reference/sample_csi_data.json is listed but missing"
    )
    assert_fails(result, "unlisted_files", "./reference/input.json is not listed")
    assert_fails(result, "reference_input", "missing")


def test_an_edited_manifest_entry_fails(bundle: Path) -> None:
    manifest = bundle / "MANIFEST.sha256"
    lines = manifest.read_text().splitlines()
    path = lines[1].split("  ")[1]
    lines[1] = f"{'f' * 64}  {path}"
    manifest.write_text("\n".join(lines) + "\n")
    assert_fails(verify_bundle(bundle), "manifest_sha256", f"the manifest lists {'f' * 64}")


def test_an_edited_expected_hash_fails(bundle: Path) -> None:
    forged = "0" * 64
    (bundle / "proof" / "expected_features_v2.sha256").write_text(forged + "\n")
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["feature_hash"] = forged
    (bundle / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    rehash_manifest(bundle)
    result = verify_bundle(bundle)
    assert_fails(result, "feature_hash", f"computed {COMMITTED_HASH}")
    assert_fails(result, "feature_hash", f"the bundle expects {forged}")


def test_an_edited_reference_float_fails(bundle: Path) -> None:
    path = bundle / "reference" / "sample_csi_data.json"
    text = path.read_text()
    first = "1.6959632602515864"
    assert text.count(first) == 1
    path.write_text(text.replace(first, "1.6959632602515865"))
    rehash_manifest(bundle)
    result = verify_bundle(bundle)
    assert_fails(result, "reference_input", "the reference input was edited")
    assert_fails(result, "feature_hash", "not run")


def test_a_missing_signature_fails_when_a_key_is_given(bundle: Path, signed_copy: Path) -> None:
    assert_fails(verify_bundle(bundle, public_key=PUBLIC_HEX), "signature", "is missing")
    (signed_copy / "MANIFEST.sha256.sig").unlink()
    assert_fails(verify_bundle(signed_copy, public_key=PUBLIC_HEX), "signature", "is missing")


def test_a_signature_by_another_key_fails(signed_copy: Path) -> None:
    result = verify_bundle(signed_copy, public_key=OTHER_PUBLIC_HEX)
    assert_fails(result, "signature", f"does not verify with public key {OTHER_PUBLIC_HEX}")


def test_an_incompatible_schema_fails(bundle: Path) -> None:
    path = bundle / "manifest.json"
    path.write_text(path.read_text().replace(SCHEMA, "wifi-densepose-witness/1"))
    rehash_manifest(bundle)
    assert_fails(verify_bundle(bundle), "schema", 'unsupported schema "wifi-densepose-witness/1"')


def test_a_truncated_tar_gz_fails(unsigned_bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(unsigned_bundle, arcname=unsigned_bundle.name)
    data = archive.read_bytes()
    for cut in (len(data) // 3, len(data) - 5):
        truncated = tmp_path / f"cut-{cut}.tar.gz"
        truncated.write_bytes(data[:cut])
        assert_fails(verify_bundle(truncated), "bundle", "archive is truncated or corrupt")


@pytest.mark.parametrize(
    ("entry", "cause"),
    [
        ("./../outside.json", "escapes the bundle"),
        ("./proof/../../outside.json", "escapes the bundle"),
        ("/etc/passwd", "absolute"),
    ],
)
def test_a_manifest_path_escaping_the_bundle_fails(bundle: Path, entry: str, cause: str) -> None:
    (bundle.parent / "outside.json").write_text("{}")
    digest = hashlib.sha256(b"{}").hexdigest()
    with (bundle / "MANIFEST.sha256").open("a") as manifest:
        manifest.write(f"{digest}  {entry}\n")
    assert_fails(verify_bundle(bundle), "paths", cause)


def test_a_symlink_in_the_bundle_fails(bundle: Path, tmp_path: Path) -> None:
    summary = bundle / "proof" / "features.summary.json"
    outside = tmp_path / "elsewhere.json"
    outside.write_bytes(summary.read_bytes())
    summary.unlink()
    summary.symlink_to(outside)
    result = verify_bundle(bundle)
    assert_fails(result, "paths", "./proof/features.summary.json is a symlink")


def test_an_archive_member_escaping_the_bundle_fails(unsigned_bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(unsigned_bundle, arcname=unsigned_bundle.name)
        tar.add(unsigned_bundle / "manifest.json", arcname="../escape.json")
    assert_fails(verify_bundle(archive), "paths", 'archive member "../escape.json" escapes')


def test_a_symlink_member_of_an_archive_fails(unsigned_bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "linked.tar.gz"
    link = tarfile.TarInfo(f"{unsigned_bundle.name}/proof/extra.json")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(unsigned_bundle, arcname=unsigned_bundle.name)
        tar.addfile(link)
    assert_fails(verify_bundle(archive), "paths", "./proof/extra.json is a symlink")


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: shutil.rmtree(b / "proof"),
        lambda b: (b / "MANIFEST.sha256").write_bytes(b"\xff\xfe garbage"),
        lambda b: (b / "manifest.json").write_text("[]"),
        lambda b: (b / "reference" / "sample_csi_data.json").write_text("{"),
    ],
)
def test_damaged_bundles_fail_without_raising(bundle: Path, damage: Callable[[Path], None]) -> None:
    damage(bundle)
    result = verify_bundle(bundle)
    assert result.verdict == "FAIL" and result.detail


def test_a_missing_path_fails_without_raising(tmp_path: Path) -> None:
    assert_fails(verify_bundle(tmp_path / "nothing"), "bundle", "cannot read bundle")


# Errors of use -------------------------------------------------------------------------------


def test_a_malformed_public_key_raises(unsigned_bundle: Path) -> None:
    with pytest.raises(ValidationError, match="public_key"):
        verify_bundle(unsigned_bundle, public_key="abc")
    with pytest.raises(ValidationError, match="public_key"):
        verify_bundle(unsigned_bundle, public_key=b"short")


def test_generation_refuses_bad_inputs(unsigned_bundle: Path, tmp_path: Path) -> None:
    not_reference = tmp_path / "other.json"
    not_reference.write_text('{"frames": []}')
    with pytest.raises(ValidationError, match="not that of the reference input"):
        generate_bundle(tmp_path, reference=not_reference)
    with pytest.raises(ValidationError, match="already exists"):
        generate_bundle(unsigned_bundle.parent)
    with pytest.raises(ValidationError, match="sign_key"):
        generate_bundle(tmp_path / "out", sign_key=b"too short")
    with pytest.raises(NotFoundError, match=r"no-such\.key"):
        generate_bundle(tmp_path / "out", sign_key=tmp_path / "no-such.key")
