"""``wdp export``: CSI, vitals and device records of a capture file as Parquet or ``.npz``.

Parquet tables are long (one row per value) and written in chunks, so a file larger than
memory exports with a bounded footprint (a progress bar shows on stderr for big files):

* ``csi`` (default): ``frame``, ``timestamp_s``, ``time`` (UTC, when the clock is Unix
  time), ``rx``, ``tx``, ``subcarrier``, ``real``/``imag`` (or ``amplitude``/``phase`` with
  ``--layout amplitude_phase``), plus per-frame metadata (``rssi_dbm``, ...) for CSI files of
  other tools and ``node_id`` for ``.csi.jsonl`` recordings.
* ``vitals``: the pipeline's readings per node (or link): ``node_id``, ``time_s``,
  ``timestamp_s``, ``breathing_bpm``, ``breathing_confidence``, ``breathing_status``,
  ``heart_bpm``, ... (statuses as ``VitalStatus`` names, dictionary-encoded).
* ``device``: the nodes' own edge-vitals records (``.csi.jsonl`` only).
* ``records``: one row per line of a ``.csi.jsonl`` recording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
import numpy.typing as npt
from rich.progress import Progress

from wifi_densepose import _tables

FC = TypeVar("FC", bound=Callable[..., Any])

LONG_FILE_BYTES = 8_000_000
"""File size above which `export` shows a progress bar."""


class _ParquetSink:
    """Appends column chunks to one Parquet file (schema from the first chunk)."""

    def __init__(self, path: Path) -> None:
        self.pa = _tables.require("pyarrow", "wdp export --parquet")
        self.pq = _tables.require("pyarrow.parquet", "wdp export --parquet")
        self.path = path
        self.writer: Any = None
        self.rows = 0

    def write(self, columns: dict[str, npt.NDArray[Any]]) -> None:
        pa = self.pa
        arrays: dict[str, Any] = {}
        for name, values in columns.items():
            if name.endswith("status"):
                arrays[name] = pa.array(values.astype(str)).dictionary_encode()
            elif values.dtype == object:
                arrays[name] = pa.array(values.tolist(), type=pa.string())
            else:
                arrays[name] = pa.array(values)
            if name == "timestamp_s" and _tables.is_absolute(np.asarray(values, np.float64)):
                micros = np.round(np.asarray(values, np.float64) * 1e6).astype("int64")
                arrays["time"] = pa.array(micros, type=pa.timestamp("us", tz="UTC"))
        table = pa.table(arrays)
        if self.writer is None:
            self.writer = self.pq.ParquetWriter(self.path, table.schema)
        elif table.schema != self.writer.schema:
            table = table.cast(self.writer.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _vitals_columns(reports: list[Any]) -> dict[str, npt.NDArray[Any]]:
    from wifi_densepose._vitals_report import ReadingRow

    rows = [asdict(r) for report in reports for r in report.rows]
    columns: dict[str, npt.NDArray[Any]] = {}
    for f in fields(ReadingRow):
        values = [row[f.name] for row in rows]
        if f.name.endswith("status"):
            columns[f.name] = np.array(values, dtype=object)
        elif f.name in ("node_id",):
            columns[f.name] = np.array(values, dtype=np.int16)
        elif f.name == "spans_gap":
            columns[f.name] = np.array(values, dtype=bool)
        else:
            columns[f.name] = np.array([np.nan if v is None else v for v in values], np.float64)
    return columns


def _output(flag: str, help: str) -> Callable[[FC], FC]:
    """An optional output-file option."""
    return click.option(flag, type=click.Path(dir_okay=False, path_type=Path), help=help)


CHUNK_FRAMES = 20_000
"""Frames per Parquet write of a ``.csi.jsonl`` node's CSI."""


def _export_recording_csi(
    recording: Any, nodes: list[int], sink: _ParquetSink, layout: Any
) -> None:
    """Each node's CSI, every layout, in chunks of `CHUNK_FRAMES`, with a progress bar for
    long recordings."""
    from wifi_densepose.cli import LONG_FILE_FRAMES, err_console
    from wifi_densepose.reports import node_frames

    total = sum(node_frames(recording, n) for n in nodes)
    with Progress(console=err_console, transient=True, disable=total < LONG_FILE_FRAMES) as bar:
        task = bar.add_task("exporting CSI", total=total)
        for node in nodes:
            for bins, count in recording.layouts(node):
                times, csi = recording.csi(node, bins)
                for first in range(0, len(times), CHUNK_FRAMES):
                    last = first + CHUNK_FRAMES
                    sink.write(
                        _tables.node_csi_chunk(
                            node, times[first:last], csi[first:last], first, layout
                        )
                    )
                bar.advance(task, count)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_output("--parquet", "Write a Parquet file (needs the `dataframe` extra).")
@_output("--npz", "Write the raw complex CSI as numpy .npz.")
@click.option(
    "--table",
    type=click.Choice(["csi", "vitals", "device", "records"]),
    default="csi",
    show_default=True,
    help="What --parquet holds.",
)
@click.option(
    "--layout",
    type=click.Choice(["real_imag", "amplitude_phase"]),
    default="real_imag",
    show_default=True,
    help="CSI columns: real and imaginary parts, or amplitude and phase (radians).",
)
@click.option("--strict", is_flag=True, help="Fail at the first bad line or frame.")
def export(
    file: Path, parquet: Path | None, npz: Path | None, table: str, layout: str, strict: bool
) -> None:
    """Export CSI (every format `inspect` reads), vitals readings or device records of FILE
    as Parquet (long format, written in chunks) or the raw CSI as .npz."""
    from wifi_densepose._capture import is_csi_file
    from wifi_densepose.cli import _cli_errors, _load, err_console, open_capture
    from wifi_densepose.io import CsiCapture, iter_recording

    if parquet is None and npz is None:
        raise click.UsageError("give --parquet OUT or --npz OUT")
    other = is_csi_file(file)
    if other and table in ("device", "records"):
        raise click.UsageError(f"--table {table} is for .csi.jsonl recordings")

    if npz is not None:
        if other:
            open_capture(file, strict=strict).to_npz(npz)
        else:
            recording, _ = _load(file, strict)
            arrays: dict[str, Any] = {}
            for node in [n for n in recording.nodes if recording.layouts(n)]:
                times, csi = recording.csi(node)
                arrays[f"node{node}_timestamps_s"] = times
                arrays[f"node{node}_csi"] = csi
            np.savez(npz, **arrays)
        click.echo(f"wrote {npz}")
    if parquet is None:
        return

    sink = _ParquetSink(parquet)
    try:
        with _cli_errors():
            if other and table == "csi":
                reader = iter_recording(file, "auto", strict=strict)
                with Progress(
                    console=err_console, transient=True, disable=reader.size < LONG_FILE_BYTES
                ) as progress:
                    task = progress.add_task(f"exporting {file.name}", total=reader.size)
                    first = 0
                    for chunk in reader:
                        assert isinstance(chunk, CsiCapture)
                        sink.write(_tables.capture_columns(chunk, layout, first))  # type: ignore[arg-type]
                        first += chunk.n_frames
                        progress.update(task, completed=reader.position)
            elif other:
                from wifi_densepose._vitals_report import link_report

                capture = open_capture(file, strict=strict)
                sink.write(_vitals_columns([link_report(capture, 0, 0)]))
            else:
                recording, _ = _load(file, strict)
                with_csi = [n for n in recording.nodes if recording.layouts(n)]
                if table == "csi":
                    _export_recording_csi(recording, with_csi, sink, layout)
                elif table == "vitals":
                    from wifi_densepose._vitals_report import node_report

                    sink.write(_vitals_columns([node_report(recording, n) for n in with_csi]))
                else:
                    name = "vitals" if table == "device" else "records"
                    sink.write(_tables.recording_columns(recording, name))  # type: ignore[arg-type]
    finally:
        sink.close()
    click.echo(f"wrote {parquet} ({sink.rows} rows, table {table})")
