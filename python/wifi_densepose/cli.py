"""The ``wifi-densepose`` (alias ``wdp``) command line.

Offline commands run on the compiled core: ``inspect`` (what a recording contains) and
``version``. ``serve`` runs the ``wifi-densepose-sensing-server`` binary and ``stream`` shows
a live table from a running server.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from wifi_densepose import WifiDenseposeError, __core_version__, __version__
from wifi_densepose.io import Recording, RecordingWarning, load_recording

SERVER_BINARY = "wifi-densepose-sensing-server"

SERVER_MISSING = f"""\
{SERVER_BINARY} was not found on PATH.

It is the Rust server of this project. Build and install it from a checkout with
    cargo install --path crates/{SERVER_BINARY}
or put a release binary named {SERVER_BINARY} on PATH, then run this command again."""

console = Console()
err_console = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """WiFi CSI to motion, presence, breathing and heart rate (ESP32 recordings and servers)."""


@main.command()
def version() -> None:
    """Print the package and core versions."""
    click.echo(f"wifi-densepose {__version__} (core {__core_version__})")


@contextmanager
def _cli_errors() -> Iterator[None]:
    """Library errors become a one-line message and exit status 1."""
    try:
        yield
    except WifiDenseposeError as e:
        raise click.ClickException(str(e)) from e


def _load(file: Path, strict: bool) -> tuple[Recording, list[str]]:
    """The recording and the warnings its loading issued (bad lines, sidecar disagreements)."""
    with _cli_errors(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RecordingWarning)
        recording = load_recording(file, strict=strict)
    return recording, [str(w.message) for w in caught if issubclass(w.category, RecordingWarning)]


def _fmt_rate(hz: float | None) -> str:
    return "-" if hz is None else f"{hz:.2f} Hz"


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--strict", is_flag=True, help="Fail at the first bad line instead of skipping it.")
def inspect(file: Path, as_json: bool, strict: bool) -> None:
    """Show the nodes, packet kinds, subcarrier layouts, rates and duration of a recording."""
    recording, notes = _load(file, strict)
    summary: dict[str, Any] = recording.summary()
    if as_json:
        summary["meta"] = recording.meta
        summary["warnings"] = notes
        click.echo(json.dumps(summary, indent=2))
        return

    kinds = ", ".join(f"{kind} {count}" for kind, count in summary["kinds"].items())
    console.print(
        f"[bold]{file.name}[/bold]: {summary['records']} records, "
        f"{summary['bad_lines']} bad lines, {summary['duration_secs']:.3f} s"
    )
    console.print(f"packet kinds: {kinds or 'none'}")
    if recording.meta is not None:
        meta = recording.meta
        console.print(
            f"sidecar: label {meta['label']!r}, {meta['started_at']} to "
            f"{meta['ended_at']}, {meta['frame_count']} lines"
        )

    table = Table(title="nodes")
    for column in [
        "node",
        "lines",
        "raw CSI",
        "layouts (bins x frames)",
        "CSI rate",
        "vitals",
        "feature",
        "other",
        "span",
    ]:
        table.add_column(column, justify="left" if column.startswith("layouts") else "right")
    for node in summary["nodes"]:
        layouts = ", ".join(f"{n}x{count}" for n, count in node["layouts"]) or "-"
        span = node["last_timestamp"] - node["first_timestamp"]
        table.add_row(
            str(node["node_id"]),
            str(node["lines"]),
            str(node["raw_csi"]),
            layouts,
            _fmt_rate(node["csi_rate_hz"]),
            str(node["vitals"]),
            str(node["feature"]),
            str(node["untyped"] + node["other"]),
            f"{span:.3f} s",
        )
    console.print(table)
    for note in notes:
        err_console.print(f"[yellow]warning:[/yellow] {note}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> None:
    """Run the sensing server with ARGS (e.g. --source esp32 --http-port 8080)."""
    binary = shutil.which(SERVER_BINARY)
    if binary is None:
        click.echo(SERVER_MISSING, err=True)
        sys.exit(2)
    # Replacing this process passes signals (clean shutdown on Ctrl-C) and the exit status
    # straight through.
    os.execv(binary, [binary, *args])
