"""`witness` command group: `generate OUT_DIR` and `verify PATH`.

Exit codes: 0 on success (PASS), 1 on a failed verification (FAIL) or an unexpected error,
2 on a usage error (bad arguments, missing or malformed key or reference file).
"""

from __future__ import annotations

from pathlib import Path

import click

from wifi_densepose.errors import NotFoundError, WifiDenseposeError
from wifi_densepose.witness import generate_bundle, verify_bundle
from wifi_densepose.witness import public_key as signer_public_key

USAGE_ERROR = 2
FAILED = 1


def _exit_code(error: Exception) -> int:
    """Bad arguments (invalid values, missing files) are usage errors; anything else failed."""
    if isinstance(error, ValueError | NotFoundError | FileNotFoundError | IsADirectoryError):
        return USAGE_ERROR
    return FAILED


@click.group(name="witness")
def witness_group() -> None:
    """Generate and verify witness bundles: offline proof that this installation computes the
    published features from the published reference input."""


@witness_group.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--sign-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding a 32-byte Ed25519 seed (raw or 64 hex digits); signs MANIFEST.sha256.",
)
@click.option(
    "--reference",
    type=click.Path(dir_okay=False, path_type=Path),
    help="sample_csi_data.json (default: rebuilt from the source checkout's fixture).",
)
def generate(out_dir: Path, sign_key: Path | None, reference: Path | None) -> None:
    """Write a witness bundle into OUT_DIR and print its path."""
    try:
        bundle = generate_bundle(out_dir, sign_key=sign_key, reference=reference)
        signer = signer_public_key(sign_key) if sign_key is not None else None
    except (WifiDenseposeError, OSError) as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(_exit_code(error)) from error
    click.echo(str(bundle))
    if signer is not None:
        click.echo(f"signed by public key {signer}")


@witness_group.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--public-key",
    metavar="HEX",
    help="Ed25519 public key (64 hex digits) that must have signed the bundle.",
)
def verify(path: Path, public_key: str | None) -> None:
    """Verify a bundle directory or .tar.gz at PATH; exit 0 on PASS, 1 on FAIL."""
    try:
        result = verify_bundle(path, public_key=public_key)
    except (WifiDenseposeError, OSError) as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(_exit_code(error)) from error
    for check in result.checks:
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"  [{mark}] {check.name}: {check.detail}")
    click.echo(f"{result.verdict}: {result.detail}")
    raise SystemExit(0 if result.passed else FAILED)
