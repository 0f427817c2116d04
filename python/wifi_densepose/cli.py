"""The ``wifi-densepose`` (alias ``wdp``) command line.

Offline commands run on the compiled core: ``vitals`` (breathing and heart rate of a
recording), ``batch`` (the same for many recordings, on Dask), ``inspect`` (what a recording
contains), ``demo`` (``vitals`` on the bundled sample), ``witness`` (generate and verify witness
bundles), ``calibrate`` (an empty-room field model from a recording) and ``version`` (also
``--version``).
``serve`` runs the ``wifi-densepose-sensing-server`` binary;
``stream`` shows a live table from a running server.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from wifi_densepose import WifiDenseposeError, __core_version__, __version__, samples
from wifi_densepose._capture import is_csi_file
from wifi_densepose.client.messages import DEFAULT_STALE_AFTER_S
from wifi_densepose.io import (
    CsiCapture,
    Recording,
    RecordingWarning,
    iter_recording,
    load_recording,
)
from wifi_densepose.witness.cli import witness_group

SERVER_BINARY = "wifi-densepose-sensing-server"
LONG_FILE_FRAMES = 20_000
"""Frames above which `vitals` shows a progress bar."""

SERVER_MISSING = f"""\
{SERVER_BINARY} was not found on PATH.

It is the Rust server of this project. Install it with
    pip install "wifi-densepose[server]"
or build it from a checkout with
    cargo install --path crates/{SERVER_BINARY}
then run this command again."""

console = Console()
err_console = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__,
    "-V",
    "--version",
    prog_name="wifi-densepose",
    message=f"%(prog)s %(version)s (core {__core_version__})",
)
def main() -> None:
    """WiFi CSI to motion, presence, breathing and heart rate (ESP32 recordings and servers)."""


main.add_command(witness_group)


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


def _fmt_bins(bins: list[int]) -> str:
    """Bin indices as ranges: [0, 27, 28, 29] -> "0, 27-29"."""
    runs: list[list[int]] = []
    for b in bins:
        if runs and b == runs[-1][-1] + 1:
            runs[-1].append(b)
        else:
            runs.append([b])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _fmt_rate(hz: float | None) -> str:
    return "-" if hz is None else f"{hz:.2f} Hz"


if TYPE_CHECKING:
    _TimeBoundBase = click.ParamType[tuple[bool, float]]
else:  # click < 8.2 has no generic ParamType
    _TimeBoundBase = click.ParamType


class TimeBound(_TimeBoundBase):
    """A window bound: seconds from the first record (a number >= 0), or an absolute time in
    ISO 8601 with a time zone (``2026-04-03T02:09:50Z``), kept as Unix seconds."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[bool, float]:
        """(absolute, seconds): Unix seconds when absolute, else seconds from the start."""
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            pass
        else:
            if not math.isfinite(seconds) or seconds < 0:
                self.fail(f"{text} is not a number of seconds >= 0 from the start", param, ctx)
            return (False, seconds)
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            self.fail(
                f"{text!r} is neither seconds from the start (e.g. 2.5) nor an ISO 8601 time "
                "(e.g. 2026-04-03T02:09:50Z)",
                param,
                ctx,
            )
        if moment.tzinfo is None:
            self.fail(f"{text!r} needs a time zone (Z or +hh:mm)", param, ctx)
        return (True, moment.timestamp())


TIME_BOUND = TimeBound()


def _window_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--start`` and ``--end``, shared by ``vitals`` and ``inspect``."""
    for name in ("end", "start"):
        command = click.option(
            f"--{name}",
            type=TIME_BOUND,
            default=None,
            help=f"Only data from this time on ({name} included): seconds from the first "
            "record or frame (2.5), or for .csi.jsonl recordings an ISO 8601 time "
            "(2026-04-03T02:09:50Z)."
            if name == "start"
            else "Only data up to this time (included), given like --start.",
        )(command)
    return command


def _bounds(
    first: float | None,
    start: tuple[bool, float] | None,
    end: tuple[bool, float] | None,
    absolute_ok: bool,
    clock: str,
) -> tuple[float | None, float | None]:
    """The window on the file's own clock (first record at `first`); usage errors for an
    absolute time on a file without absolute times and for an end before the start."""
    out: list[float | None] = []
    for name, bound in (("--start", start), ("--end", end)):
        if bound is None:
            out.append(None)
            continue
        absolute, seconds = bound
        if absolute and not absolute_ok:
            raise click.BadParameter(
                f"absolute times need a .csi.jsonl recording (Unix receive times); this file's "
                f"timestamps are {clock}: give seconds from the first frame",
                param_hint=name,
            )
        out.append(seconds if absolute or first is None else first + seconds)
    lo, hi = out
    if lo is not None and hi is not None and lo > hi:
        raise click.BadParameter("the end is before the start", param_hint="--end")
    return lo, hi


def _resolve_file(file: Path | None, sample: bool) -> Path:
    """FILE, or the bundled sample recording with ``--sample``."""
    if sample and file is not None:
        raise click.UsageError("give FILE or --sample, not both")
    if sample:
        return samples.path()
    if file is None:
        raise click.UsageError("missing FILE (or --sample for the bundled ESP32 recording)")
    return file


_Windowed = TypeVar("_Windowed", Recording, CsiCapture)


def _window(
    data: _Windowed, start: tuple[bool, float] | None, end: tuple[bool, float] | None
) -> _Windowed:
    """The records (of a recording) or frames (of a CSI file of another tool) within
    ``--start``/``--end``; an error if there are none."""
    if start is None and end is None:
        return data
    if isinstance(data, Recording):
        first, absolute_ok, clock = data.summary()["first_timestamp_s"], True, "Unix time"
        nothing = f"{Path(data.path).name}: no records"
    else:
        first, absolute_ok, clock = float(data.timestamps_s[0]), False, data.timestamp_doc
        nothing = f"no {data.format} frames"
    lo, hi = _bounds(first, start, end, absolute_ok, clock)
    with _cli_errors():
        window = data.window(lo, hi)
    if (len(window) if isinstance(window, Recording) else window.n_frames) == 0:
        raise click.ClickException(f"{nothing} between the --start and --end times")
    return window


@main.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--sample", is_flag=True, help="Use the bundled ESP32 sample recording.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--strict", is_flag=True, help="Fail at the first bad line instead of skipping it.")
@_window_options
def inspect(
    file: Path | None,
    sample: bool,
    as_json: bool,
    strict: bool,
    start: tuple[bool, float] | None,
    end: tuple[bool, float] | None,
) -> None:
    """Show the nodes, packet kinds, subcarrier layouts, rates and duration of a recording,
    or the frames, shape, duration and metadata of a CSI file of another tool (Intel 5300,
    Nexmon, PicoScenes, Atheros, FeitCSI, ESP32-CSI-Tool, RuView v1)."""
    file = _resolve_file(file, sample)
    if _inspect_other_format(file, as_json, strict, start, end):
        return
    recording, notes = _load(file, strict)
    recording = _window(recording, start, end)
    summary: dict[str, Any] = dict(recording.summary())
    if as_json:
        summary["meta"] = recording.meta
        summary["warnings"] = notes
        click.echo(json.dumps(summary, indent=2))
        return

    kinds = ", ".join(f"{kind} {count}" for kind, count in summary["kinds"].items())
    console.print(
        f"[bold]{file.name}[/bold]: {summary['records']} records, "
        f"{summary['bad_lines']} bad lines, {summary['duration_s']:.3f} s"
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
        "null bins",
        "CSI rate",
        "vitals",
        "feature",
        "other",
        "span",
    ]:
        table.add_column(column, justify="left" if column.startswith("layouts") else "right")
    for node in summary["nodes"]:
        layouts = ", ".join(f"{n}x{count}" for n, count in node["layouts"]) or "-"
        span = node["last_timestamp_s"] - node["first_timestamp_s"]
        table.add_row(
            str(node["node_id"]),
            str(node["lines"]),
            str(node["raw_csi"]),
            layouts,
            "; ".join(f"{n}: {_fmt_bins(bins)}" for n, bins in node["null_bins"].items() if bins)
            or "-",
            _fmt_rate(node["csi_rate_hz"]),
            str(node["vitals"]),
            str(node["feature"]),
            str(node["untyped"] + node["other"]),
            f"{span:.3f} s",
        )
    console.print(table)
    for note in notes:
        err_console.print(f"[yellow]warning:[/yellow] {note}")


LONG_FILE_BYTES = 8_000_000
"""File size above which reading a CSI file of another tool shows a progress bar."""


def open_capture(file: Path, format: str = "auto", strict: bool = False) -> CsiCapture:
    """Reads a CSI file of another tool (``wifi_densepose.io.FORMATS``) in chunks, with a
    progress bar on stderr for files over ``LONG_FILE_BYTES``; library errors exit with a
    one-line message. Use ``capture.link(rx, tx)`` for one chain pair's ``[time, subcarrier]``
    CSI and ``capture.has_phase`` to know whether phase is available. A file that ends inside
    a frame keeps the frames before it with a warning (``strict``: fails instead)."""
    chunks: list[CsiCapture] = []
    with _cli_errors():
        reader = iter_recording(file, format, strict=strict)
        with Progress(
            console=err_console, transient=True, disable=reader.size < LONG_FILE_BYTES
        ) as progress:
            task = progress.add_task(f"reading {file.name} ({reader.format})", total=reader.size)
            for chunk in reader:
                chunks.append(chunk)
                progress.update(task, completed=reader.position)
        if not chunks:
            raise click.ClickException(f"{file}: no CSI frames ({reader.format} file)")
        return CsiCapture.concat(chunks)


def _inspect_other_format(
    file: Path,
    as_json: bool,
    strict: bool,
    start: tuple[bool, float] | None = None,
    end: tuple[bool, float] | None = None,
) -> bool:
    """``inspect`` of a CSI file of another tool; False when the file is not one (then it is
    read as a ``.csi.jsonl`` recording)."""
    if not is_csi_file(file):
        return False
    capture = _window(open_capture(file, strict=strict), start, end)
    span = float(capture.timestamps_s[-1] - capture.timestamps_s[0])
    shapes: dict[str, int] = {}
    for s, rx, tx in capture.frame_shape:
        key = f"{s}x{rx}x{tx}"
        shapes[key] = shapes.get(key, 0) + 1
    summary: dict[str, Any] = {
        "format": capture.format,
        "frames": capture.n_frames,
        "shape": {
            "subcarriers": capture.n_subcarriers,
            "rx": capture.n_rx,
            "tx": capture.n_tx,
        },
        "frame_shapes": shapes,
        "has_phase": capture.has_phase,
        "duration_s": span,
        "timestamps": capture.timestamp_doc,
        "first_timestamp_s": float(capture.timestamps_s[0]),
        "sources": sorted(set(capture.macs)) if capture.macs is not None else [],
        "meta": {
            name: {"min": float(np.nanmin(v)), "max": float(np.nanmax(v))}
            if np.any(~np.isnan(v))
            else None
            for name, v in capture.meta.items()
        },
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return True
    console.print(
        f"[bold]{file.name}[/bold]: {capture.format} file, {capture.n_frames} frames, {span:.3f} s"
    )
    console.print(
        f"CSI (time x subcarrier x rx x tx): {capture.n_frames} x {capture.n_subcarriers} x "
        f"{capture.n_rx} x {capture.n_tx}; frame shapes (subcarriers x rx x tx): "
        + ", ".join(f"{k} ({n})" for k, n in shapes.items())
    )
    if not capture.has_phase:
        console.print("phase: unavailable (amplitude-only format); amplitudes only")
    console.print(f"timestamps: {capture.timestamp_doc}")
    if summary["sources"]:
        console.print(f"source MACs: {', '.join(summary['sources'])}")
    table = Table(title="per-frame metadata")
    for column in ("field", "min", "max"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for name, stats in summary["meta"].items():
        if stats is None:
            table.add_row(name, "-", "-")
        else:
            table.add_row(name, f"{stats['min']:g}", f"{stats['max']:g}")
    console.print(table)
    return True


@main.command(
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def serve(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Run wifi-densepose-sensing-server with ARGS, such as --source esp32 --http-port 8080.
    `serve --help` lists the server's own flags."""
    # The [server] extra installs the binary next to this interpreter, which finds it even when
    # the virtual environment is not activated.
    beside_python = Path(sys.executable).parent / SERVER_BINARY
    binary = shutil.which(SERVER_BINARY) or (
        str(beside_python) if beside_python.is_file() else None
    )
    if binary is None:
        if args and args[0] in ("-h", "--help"):
            click.echo(ctx.get_help())
            click.echo(f"\n{SERVER_MISSING}\n`serve --help` then lists the server's own flags.")
            sys.exit(0)
        click.echo(SERVER_MISSING, err=True)
        sys.exit(2)
    # Replacing this process passes signals (clean shutdown on Ctrl-C) and the exit status
    # straight through.
    os.execv(binary, [binary, *args])


def _fmt_bpm(value: float | None, status: str | None = None) -> str:
    if value is None:
        return "-" if status is None else status.lower()
    return f"{value:.1f}" if status in (None, "VALID") else f"{value:.1f} ({status.lower()})"


@main.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--sample", is_flag=True, help="Use the bundled ESP32 sample recording.")
@click.option(
    "--node",
    "nodes",
    type=click.IntRange(0, 255),
    multiple=True,
    help="Only this node, 0-255 (repeatable).",
)
@click.option(
    "--subcarriers",
    type=click.IntRange(min=1),
    default=None,
    help="Use the first N bins of every frame at least N wide (default: the bins every "
    "layout of the node shares).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the readings as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the readings as CSV.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write an image of the readings, PNG, SVG or PDF by suffix (needs the `plot` extra).",
)
@click.option(
    "--absolute-time",
    is_flag=True,
    help="--plot: clock time (UTC) on the x axis instead of seconds from the start.",
)
@click.option("--strict", is_flag=True, help="Fail at the first bad line instead of skipping it.")
@click.option(
    "--link",
    "links",
    type=(click.IntRange(min=0), click.IntRange(min=0)),
    multiple=True,
    help="CSI files of other tools: the receive and transmit chain (repeatable; default 0 0).",
)
@_window_options
def vitals(
    file: Path | None,
    sample: bool,
    nodes: tuple[int, ...],
    subcarriers: int | None,
    as_json: bool,
    as_csv: bool,
    plot: Path | None,
    absolute_time: bool,
    strict: bool,
    links: tuple[tuple[int, int], ...],
    start: tuple[bool, float] | None,
    end: tuple[bool, float] | None,
) -> None:
    """Breathing and heart rate (BPM) per node from a recording's raw CSI, next to the node's
    own edge-vitals packets, or per receive/transmit chain pair (--link) from a CSI file of
    another tool (every format `inspect` reads; amplitude-only files use amplitudes alone).
    Every frame is used on its receive time (resampled onto a uniform grid), through the bins
    all the node's layouts share, null bins left out. Breathing needs 10 s of CSI, heart rate
    5 s; an estimate is VALID only from a full window (30 s, 15 s)."""
    from wifi_densepose._vitals_report import (
        NodeReport,
        ReadingRow,
        link_report,
        node_frames,
        node_report,
        plot_reports,
    )

    if as_json and as_csv:
        raise click.UsageError("--json and --csv are exclusive")
    file = _resolve_file(file, sample)
    reports: list[NodeReport] = []
    recording: Recording | None = None
    notes: list[str] = []
    other_format = is_csi_file(file)
    capture_bins = 0
    if other_format:
        if nodes:
            raise click.UsageError("--node is for .csi.jsonl recordings; use --link RX TX")
        capture = _window(open_capture(file, strict=strict), start, end)
        capture_bins = capture.n_subcarriers
        if not capture.has_phase:
            err_console.print(
                f"{file.name}: phase unavailable ({capture.format} is amplitude-only); "
                "vitals from amplitudes alone"
            )
        for rx, tx in links or ((0, 0),):
            with _cli_errors():
                reports.append(link_report(capture, rx, tx, block_bins=subcarriers))
    else:
        if links:
            raise click.UsageError("--link is for CSI files of other tools; use --node")
        recording, notes = _load(file, strict)
        recording = _window(recording, start, end)
        with_csi = [n for n in recording.nodes if recording.layouts(n)]
        chosen = list(nodes) or with_csi
        missing = [n for n in chosen if n not in with_csi]
        if missing:
            raise click.UsageError(
                f"no raw CSI frames for node(s) {missing}; nodes with CSI: {with_csi}"
            )
        total = sum(node_frames(recording, n) for n in chosen)
        with (
            _cli_errors(),
            Progress(
                console=err_console, transient=True, disable=total < LONG_FILE_FRAMES
            ) as progress,
        ):
            task = progress.add_task("vitals", total=total)
            for node in chosen:
                reports.append(
                    node_report(
                        recording,
                        node,
                        block_bins=subcarriers,
                        advance=lambda n: progress.advance(task, n),
                    )
                )

    if plot is not None:
        try:
            with _cli_errors():
                plot_reports(
                    reports,
                    recording,
                    plot,
                    unit="link" if other_format else "node",
                    absolute_time=absolute_time,
                )
        except ImportError:
            click.echo("--plot needs matplotlib: pip install 'wifi-densepose[plot]'", err=True)
            sys.exit(2)

    if as_json:
        document = {"file": str(file), "nodes": [r.to_dict() for r in reports], "warnings": notes}
        # allow_nan=False: every missing value is null, so any JSON reader takes the output.
        click.echo(json.dumps(document, indent=2, allow_nan=False))
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([f.name for f in fields(ReadingRow)])
        for report in reports:
            for row in report.rows:
                writer.writerow(["" if v is None else v for v in asdict(row).values()])
        return

    for report in reports:
        layouts = (
            recording.layouts(report.node_id)
            if recording is not None
            else [(capture_bins, report.frames)]
        )
        _print_node_report(report, layouts, "node" if recording is not None else "link")
    for note in notes:
        err_console.print(f"[yellow]warning:[/yellow] {note}")
    if plot is not None:
        console.print(f"plot written to {plot}")


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run `vitals` on the bundled sample recording (8.1 s of two real ESP32-S3 nodes) and
    print the report: what `wdp vitals FILE` does with your own recording."""
    path = samples.path()
    click.echo(
        f"wdp vitals --sample: the bundled {path.name} (8.1 s real capture of two ESP32-S3 "
        "nodes, RuView, MIT licence)"
    )
    ctx.invoke(vitals, file=path)


def _print_node_report(report: Any, layouts: list[tuple[int, int]], unit: str = "node") -> None:
    """One node's (or link's) table and its summary against the device's own estimates."""
    shown = ", ".join(f"{n}x{count}" for n, count in layouts)
    if report.block_bins is None:
        console.print(
            f"{unit} {report.node_id}: {report.frames} frames ({shown}), "
            f"{report.duration_s:.1f} s: no estimate: "
            + (report.disabled_reason or "fewer frames than the warm-up needs")
        )
        return
    title = (
        f"{unit} {report.node_id}: {report.frames} frames ({shown}), {report.duration_s:.1f} s; "
        f"{report.block_bins} shared bins, {len(report.null_bins)} null left out, "
        f"grid {report.sample_rate_hz:.0f} Hz; {report.device_vitals} edge-vitals packets"
    )
    console.print(title, soft_wrap=True)
    table = Table()
    for column in ["time (s)", "breathing", "heart", "quality", "device breathing", "device heart"]:
        table.add_column(column, justify="right")
    for row in report.rows:
        gap = " gap" if row.spans_gap else ""
        table.add_row(
            f"{row.time_s:.2f}",
            _fmt_bpm(row.breathing_bpm, row.breathing_status) + gap,
            _fmt_bpm(row.heart_bpm, row.heart_status) + gap,
            f"{row.signal_quality:.2f}",
            _fmt_bpm(row.device_breathing_bpm),
            _fmt_bpm(row.device_heart_bpm),
        )
    console.print(table)
    if not report.rows:
        console.print(
            f"{unit} {report.node_id}: no reading: {report.duration_s:.1f} s of CSI; "
            "heart rate needs 5 s, breathing 10 s"
        )
    for vital, diff in (
        ("breathing", report.breathing_mean_abs_diff_bpm),
        ("heart", report.heart_mean_abs_diff_bpm),
    ):
        counts = ", ".join(f"{n} {k.lower()}" for k, n in report.status_counts(vital).items())
        versus = (
            "no reading to compare with the device"
            if diff is None
            else f"mean |pipeline - device| {diff:.1f} BPM"
        )
        console.print(f"{unit} {report.node_id} {vital}: {counts}; {versus}")
    if report.gaps or report.dropped_frames:
        console.print(
            f"{unit} {report.node_id}: {report.gaps} gaps over the interpolation limit, "
            f"{report.dropped_frames} frames dropped (repeated or earlier times)"
        )


def _sensing_url(url: str) -> str:
    """A server base URL (http://host:8080) or a WebSocket URL, as the `/ws/sensing` URL."""
    from wifi_densepose.client.ws import endpoints

    try:
        return endpoints(url)[0]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="URL") from None


@main.command()
@click.argument("url")
@click.option(
    "--token",
    envvar="RUVIEW_API_TOKEN",
    default=None,
    help="Bearer token (default: $RUVIEW_API_TOKEN).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many sensing updates.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=1),
    default=None,
    help="Give up after this many consecutive failed connection attempts "
    "(default: retry forever, waiting 0.5 s doubling to 10 s between attempts).",
)
@click.option(
    "--stale-after",
    type=click.FloatRange(min=0.0, min_open=True),
    default=DEFAULT_STALE_AFTER_S,
    show_default=True,
    help="Seconds without a new update after which the view shows STALE and nodes offline.",
)
def stream(
    url: str, token: str | None, count: int | None, retries: int | None, stale_after: float
) -> None:
    """Live table from a running server at URL, its HTTP listener (e.g.
    http://127.0.0.1:8080, which serves REST and the WebSocket) or a WebSocket URL
    (ws://127.0.0.1:8765/ws/sensing: no per-node vitals then). Per node: state, RSSI,
    presence, motion, breathing and heart rate with status and confidence, frame rate; the
    room's values on their own row. Reconnects forever when the server restarts (the title
    says RECONNECTING meanwhile; --retries limits it); Ctrl-C ends it."""
    try:
        from wifi_densepose.client.ws import SensingClient, SensingClientError
    except ImportError:
        click.echo(
            "stream needs the [client] extra: pip install 'wifi-densepose[client]'", err=True
        )
        sys.exit(2)
    from wifi_densepose._stream import run_stream

    target = _sensing_url(url)
    client = SensingClient(
        target,
        token,
        max_attempts=retries,
        initial_backoff_s=0.5,
        max_backoff_s=10.0,
        stale_after_s=stale_after,
    )

    async def run() -> None:
        try:
            await run_stream(client, target, console, count)
        finally:
            await client.close()

    try:
        asyncio.run(run())
    except (OSError, SensingClientError) as e:
        raise click.ClickException(f"{target}: {e}") from e
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the field model (JSON).",
)
@click.option("--node", "nodes", type=int, multiple=True, help="Only this node (repeatable).")
@click.option(
    "--subcarriers",
    type=int,
    default=None,
    help="Subcarrier layout to use (default: each node's most frequent one).",
)
@click.option(
    "--max-modes", type=int, default=5, show_default=True, help="Most background components."
)
@click.option("--strict", is_flag=True, help="Fail at the first bad line instead of skipping it.")
def calibrate(
    file: Path,
    out: Path,
    nodes: tuple[int, ...],
    subcarriers: int | None,
    max_modes: int,
    strict: bool,
) -> None:
    """Fit an empty-room field model (one link per node) from a recording made with nobody in
    the room, and save it as JSON for `FieldModel.from_json` and the server's
    `--calibration`."""
    import numpy as np

    from wifi_densepose.sensing import FieldModel

    recording, notes = _load(file, strict)
    for note in notes:
        err_console.print(f"warning: {note}", style="yellow", highlight=False)
    chosen = list(nodes) or [n for n in recording.nodes if recording.layouts(n)]
    missing = [n for n in chosen if not recording.layouts(n)]
    if missing or not chosen:
        raise click.UsageError(
            f"no raw CSI frames for node(s) {missing or chosen}; nodes with CSI: "
            f"{[n for n in recording.nodes if recording.layouts(n)]}"
        )
    amplitudes = [np.abs(recording.csi(n, subcarriers)[1]) for n in chosen]
    widths = {n: a.shape[1] for n, a in zip(chosen, amplitudes, strict=True)}
    if len(set(widths.values())) > 1:
        raise click.UsageError(
            f"the nodes' subcarrier layouts differ ({widths}); choose one with --subcarriers"
        )
    with _cli_errors():
        model = FieldModel.fit(amplitudes, labels=[str(n) for n in chosen], max_modes=max_modes)
    out.write_text(model.to_json(), encoding="utf-8")
    table = Table("node", "frames", "background modes", "noise variance")
    for n, a, modes, var in zip(
        chosen, amplitudes, model.n_modes, model.noise_variance, strict=True
    ):
        table.add_row(str(n), str(a.shape[0]), str(modes), f"{var:.4g}")
    console.print(table)
    click.echo(f"wrote {out} ({model.n_links} links, {model.n_subcarriers} subcarriers)")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Parquet dataset of the readings (a directory, partitioned by recording and node); "
    "summaries and errors go next to it (<out>.summaries.parquet, <out>.errors.parquet).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of a local Dask cluster (default: one per CPU).",
)
@click.option(
    "--scheduler",
    default=None,
    help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of a local "
    "cluster.",
)
@click.option(
    "--serial", is_flag=True, help="Run in this process, one task after another (no Dask)."
)
@click.option(
    "--slice-seconds",
    "slice_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Split node streams longer than this (seconds) into slices run as separate tasks, "
    "each starting 45 s early (readings may differ slightly from an unsliced run).",
)
def batch(
    inputs: tuple[str, ...],
    out: Path,
    workers: int | None,
    scheduler: str | None,
    serial: bool,
    slice_s: float | None,
) -> None:
    """Breathing and heart rate of many recordings (INPUTS: files, directories or glob
    patterns; every format `vitals` reads) into one Parquet table, on Dask or in this process
    (needs the `batch` extra). Files that fail are listed with their error; the others
    complete, and the command exits with status 1 when any failed."""
    if serial and (workers is not None or scheduler is not None):
        raise click.UsageError("--serial runs without Dask; leave out --workers and --scheduler")
    if workers is not None and scheduler is not None:
        raise click.UsageError("--workers (a local cluster) and --scheduler are exclusive")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise click.UsageError(f"--out: {out} exists; choose a new path")
    try:
        from wifi_densepose.batch import run_batch

        result = run_batch(
            inputs,
            workers=workers,
            scheduler=scheduler,
            serial=serial,
            slice_s=slice_s,
            progress=True,
        )
    except ImportError as e:
        raise click.ClickException(str(e)) from e
    except (FileNotFoundError, ValueError) as e:
        raise click.UsageError(str(e)) from e
    written = result.to_parquet(out)
    readings = result.readings
    table = Table("recording", "unit", "node", "readings", "breathing VALID", "heart VALID")
    for row in result.summaries.itertuples(index=False):
        table.add_row(
            str(row.recording),
            str(row.unit),
            str(row.node),
            str(row.readings),
            str(row.breathing_valid),
            str(row.heart_valid),
        )
    console.print(table)
    for error in result.errors.itertuples(index=False):
        err_console.print(
            f"[red]failed:[/red] {error.path}: {error.error_type}: {error.message}",
            highlight=False,
        )
    click.echo(
        f"{len(readings)} readings of {len(result.summaries)} nodes/links, "
        f"{len(result.errors)} failed files; wrote {', '.join(str(p) for p in written)}"
    )
    if len(result.errors):
        sys.exit(1)


# Registered last: the command reuses this module's loaders.
from wifi_densepose._export import export  # noqa: E402

main.add_command(export)
