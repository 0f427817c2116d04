"""Vital signs of many recordings at once, on Dask or in-process, into one table.

::

    from wifi_densepose.batch import run_batch
    result = run_batch(["lab/2026-03/"], workers=4)      # a LocalCluster of 4 processes
    result.readings        # pandas DataFrame: one row per reading
    result.summaries       # one row per recording and node (or link)
    result.errors          # one row per file that failed: path, error type, message
    result.to_parquet("results.parquet")   # partitioned by recording and node

Every file ``wifi_densepose.io`` reads is taken: ESP32 ``.csi.jsonl`` recordings (per node,
next to the node's own edge vitals) and the CSI files of other tools (``FORMATS``; per
receive/transmit chain pair, link 0 = chains 0/0). Each task is one file (all its nodes), or
with ``slice_s`` one time slice of one node's stream. The work is the same as
``wifi-densepose vitals`` (``node_report`` and ``link_report``): a task's heavy calls (reading
the file, ``CaptureVitals``) run in the compiled core without the GIL.

A slice task runs the node stream's own warm-up frames (its first 64, which fix the layout:
block, null bins, grid rate), then the stream from ``preroll_s`` (default
``DEFAULT_PREROLL_S``, the core's ``CAPTURE_MEMORY_S``: 141.5 s) before its slice, and keeps
only the readings inside its slice. The vitals pipeline has finite memory on an absolute time
grid (docs/dsp.md, "Finite memory"): a reading at time t depends only on the frames in
[t - CAPTURE_MEMORY_S, t] and falls on a whole second of the timestamp axis, so with the
default pre-roll the sliced table equals the unsliced run bit for bit (numbers and statuses;
only the ``slice`` column tells them apart), whatever ``slice_s``, the engine and the number
of workers.

Needs the ``batch`` extra (``pip install 'wifi-densepose[batch]'``: pandas, pyarrow,
dask[distributed]); ``serial=True`` needs pandas only, not Dask.
"""

from __future__ import annotations

import glob
import math
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from wifi_densepose._core.vitals import CAPTURE_MEMORY_S
from wifi_densepose._tables import ABSOLUTE_TIME_FROM_S
from wifi_densepose._vital_status import VitalStatus

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_PREROLL_S",
    "READING_COLUMNS",
    "BatchResult",
    "find_inputs",
    "local_cluster",
    "run_batch",
]

DEFAULT_PREROLL_S: float = CAPTURE_MEMORY_S
"""Seconds a slice task runs before its slice: the vitals pipeline's memory
(``wifi_densepose.vitals.CAPTURE_MEMORY_S``, 141.5 s), so its readings equal the unsliced run's."""

EXTRA_HINT = "pip install 'wifi-densepose[batch]'"

READING_COLUMNS = (
    "recording",
    "unit",
    "node",
    "slice",
    "timestamp_s",
    "time",
    "time_s",
    "breathing_bpm",
    "breathing_confidence",
    "breathing_status",
    "heart_bpm",
    "heart_confidence",
    "heart_status",
    "signal_quality",
    "spans_gap",
    "device_breathing_bpm",
    "device_heart_bpm",
)
"""Columns of ``BatchResult.readings``: rates in BPM, confidences and signal quality in
[0, 1], ``timestamp_s`` in the file's clock (Unix seconds for ESP32 recordings), ``time_s``
seconds from the recording's first line (other formats: the link's first frame),
``time`` the reading's UTC time where the clock is Unix (else missing), statuses the
``VitalStatus`` names."""


def _require(module: str) -> Any:
    """Imports an optional dependency or raises ImportError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"wifi_densepose.batch needs {module.split('.')[0]} (the `batch` extra): {EXTRA_HINT}"
        ) from error


@dataclass(frozen=True)
class _Task:
    """One unit of work: every node (``unit="node"``, ``node`` None) or one node of an ESP32
    recording, or the link of chains ``rx``/``tx`` (``"link"``, CSI file of another tool;
    ``node`` None, the link number is rx·n_tx + tx) of one file; with a slice, its frames
    ``frames_from:frames_to`` and the readings kept, ``keep_from_s <= timestamp_s <
    keep_to_s`` (file clock, seconds)."""

    path: str
    recording: str
    unit: str
    node: int | None
    slice: int = 0
    frames_from: int = 0
    frames_to: int | None = None
    keep_from_s: float = -math.inf
    keep_to_s: float = math.inf
    rx: int = 0
    tx: int = 0


@dataclass
class _TaskOutput:
    """What a task gives back: reading rows, its summary row, or the error that stopped it."""

    task: _Task
    rows: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None


def find_inputs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files of `inputs`: files as given, directories walked (every file but hidden ones,
    ``*.meta.json`` sidecars and ``.md``/``.txt``/``.mat`` documents and reference decodes),
    glob patterns expanded (``**`` recursive); sorted, duplicates dropped.
    ``FileNotFoundError`` for an input that names nothing."""
    found: list[Path] = []
    for item in inputs:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            candidates = [path]
        else:
            candidates = sorted(Path(p) for p in glob.glob(text, recursive=True))
            candidates = [p for p in candidates if p.is_file()]
            if not candidates:
                raise FileNotFoundError(f"inputs: {text} names no file")
        for candidate in candidates:
            name = candidate.name
            if name.startswith(".") or name.endswith(".meta.json"):
                continue
            if path.is_dir() and name.endswith((".md", ".txt", ".mat")):
                continue
            found.append(candidate)
    return sorted(dict.fromkeys(found))


def _recording_names(paths: Sequence[Path]) -> list[str]:
    """A unique label per file: its name, or its path from the common parent when names clash."""
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    parent = Path(os.path.commonpath([str(p.resolve().parent) for p in paths]))
    return [str(p.resolve().relative_to(parent)).replace(os.sep, "__") for p in paths]


def _slices(
    times: Sequence[float], slice_s: float | None, preroll_s: float
) -> list[tuple[int, int | None, float, float]]:
    """(frames_from, frames_to, keep_from_s, keep_to_s) per slice of a stream with frame times
    `times` (ascending as received): slices of `slice_s` seconds from the first frame, each run
    from `preroll_s` before it through the first frame at or after its end (a reading's grid
    time never passes the frame that completed it)."""
    import numpy as np

    if slice_s is None or len(times) == 0 or times[-1] - times[0] <= slice_s:
        return [(0, None, -math.inf, math.inf)]
    t = np.maximum.accumulate(np.asarray(times, dtype=np.float64))
    count = math.ceil((t[-1] - t[0]) / slice_s)
    out = []
    for k in range(count):
        begin = t[0] + k * slice_s
        end = t[0] + (k + 1) * slice_s
        first = int(np.searchsorted(t, begin - preroll_s, side="left"))
        last = int(np.searchsorted(t, end, side="left")) + 1
        out.append(
            (
                first,
                None if k == count - 1 else min(last, len(t)),
                -math.inf if k == 0 else begin,
                math.inf if k == count - 1 else end,
            )
        )
    return out


def _plan(
    paths: Sequence[Path],
    *,
    slice_s: float | None = None,
    preroll_s: float = DEFAULT_PREROLL_S,
    links: Sequence[tuple[int, int]] = ((0, 0),),
) -> tuple[list[_Task], list[dict[str, str]]]:
    """The tasks of `paths` and the errors of files that could not even be planned (each
    ``{"path", "recording", "error_type", "message"}``). Without `slice_s` a task is a whole
    file and nothing is read here; with it each ESP32 recording is read once here for its
    nodes' frame times (other formats are not sliced)."""
    from wifi_densepose._capture import is_csi_file
    from wifi_densepose.io import RawCsiRecord, RecordingWarning, load_recording

    if slice_s is not None and not slice_s > 0:
        raise ValueError(f"slice_s: must be positive seconds, got {slice_s}")
    if not preroll_s >= 0:
        raise ValueError(f"preroll_s: must be non-negative seconds, got {preroll_s}")
    tasks: list[_Task] = []
    errors: list[dict[str, str]] = []
    for path, name in zip(paths, _recording_names(paths), strict=True):
        try:
            if is_csi_file(path):
                # Slicing another tool's file would need it read here; it is one task per link.
                for rx, tx in links:
                    tasks.append(_Task(str(path), name, "link", None, rx=rx, tx=tx))
                continue
            if slice_s is None:
                tasks.append(_Task(str(path), name, "node", None))
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RecordingWarning)
                recording = load_recording(path)
            with_csi = [n for n in recording.nodes if recording.layouts(n)]
            if not with_csi:
                raise ValueError(f"{path}: no raw CSI frames in any node")
            for node in with_csi:
                times = [
                    r.timestamp
                    for r in recording.records
                    if isinstance(r, RawCsiRecord) and r.node_id == node
                ]
                for k, (first, stop, keep_from, keep_to) in enumerate(
                    _slices(times, slice_s, preroll_s)
                ):
                    tasks.append(
                        _Task(str(path), name, "node", node, k, first, stop, keep_from, keep_to)
                    )
        except Exception as error:
            errors.append(_error_row(str(path), name, error))
    return tasks, errors


def _error_row(path: str, recording: str, error: BaseException) -> dict[str, str]:
    return {
        "path": path,
        "recording": recording,
        "error_type": type(error).__name__,
        "message": str(error),
    }


_ROW_NAMES = {"node_id": "node"}
"""``ReadingRow`` fields whose table column has the library's one spelling of the quantity."""


def _reading_record(task: _Task, row: Any, utc: bool) -> dict[str, Any]:
    """One table row (``READING_COLUMNS``) of a ``ReadingRow`` of ``_vitals_report``: its
    fields under their column names, plus the recording, unit, slice and UTC time."""
    values = {_ROW_NAMES.get(k, k): v for k, v in asdict(row).items()}
    timestamp = values["timestamp_s"]
    values.update(
        recording=task.recording,
        unit=task.unit,
        slice=task.slice,
        time=timestamp if utc and timestamp >= ABSOLUTE_TIME_FROM_S else None,
    )
    return {column: values[column] for column in READING_COLUMNS}


def _summary_record(task: _Task, report: Any, bad_lines: int) -> dict[str, Any]:
    """One summary row of a ``NodeReport``: what the warm-up found and the frame counts
    (readings and rates are summarised over the combined table by ``run_batch``)."""
    return {
        "recording": task.recording,
        "unit": task.unit,
        "node": report.node_id,
        "path": task.path,
        "bad_lines": bad_lines,
        "frames": report.frames,
        "duration_s": report.duration_s,
        "block_bins": report.block_bins,
        "null_bins": list(report.null_bins),
        "sample_rate_hz": report.sample_rate_hz,
        "device_vitals": report.device_vitals,
        "disabled_reason": report.disabled_reason,
    }


def _run_task(task: _Task) -> _TaskOutput:
    """Runs one task; any exception becomes the output's ``error`` (never raised), so one bad
    file cannot stop the others. Warnings of the readers (skipped bad lines, a file cut inside
    a frame) are counted in the summaries' ``warnings`` (the first in ``first_warning``), not
    shown."""
    from wifi_densepose._vitals_report import link_report, node_report
    from wifi_densepose.errors import FormatError
    from wifi_densepose.io import FORMATS, RecordingWarning, load_recording, open_recording

    out = _TaskOutput(task)
    try:
        path = Path(task.path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RecordingWarning)
            if task.unit == "node":
                recording = load_recording(path)
                nodes = [n for n in recording.nodes if recording.layouts(n)]
                if not len(recording):
                    raise FormatError(
                        f"{path}: not a recording: none of its {recording.bad_lines} lines is a "
                        f".csi.jsonl record and its first bytes match no CSI format "
                        f"({', '.join(FORMATS)})"
                    )
                if not nodes:
                    raise ValueError(f"{path}: no raw CSI frames in any node")
                bad_lines = recording.bad_lines
                reports = [
                    node_report(
                        recording, node, frames_from=task.frames_from, frames_to=task.frames_to
                    )
                    for node in ([task.node] if task.node is not None else nodes)
                ]
                utc = True
            else:
                capture = open_recording(path)
                if capture.n_frames == 0:
                    raise FormatError(f"{path}: no complete CSI frame ({capture.format} file)")
                bad_lines = 0
                reports = [link_report(capture, task.rx, task.tx)]
                utc = "Unix" in capture.timestamp_doc
        for report in reports:
            records = (_reading_record(task, row, utc) for row in report.rows)
            out.rows += [
                r for r in records if task.keep_from_s <= r["timestamp_s"] < task.keep_to_s
            ]
            if task.slice == 0:
                summary = _summary_record(task, report, bad_lines)
                summary["warnings"] = len(caught)
                summary["first_warning"] = str(caught[0].message) if caught else None
                out.summaries.append(summary)
    except Exception as error:
        out.error = _error_row(task.path, task.recording, error)
    return out


@dataclass
class BatchResult:
    """The table of a batch: ``readings`` (``READING_COLUMNS``), ``summaries`` (per recording
    and node or link: frames, duration, layout, reading counts per status, mean VALID rates,
    mean |pipeline - device| rates) and ``errors`` (path, recording, error_type, message)."""

    readings: pd.DataFrame
    summaries: pd.DataFrame
    errors: pd.DataFrame

    def to_parquet(self, path: str | os.PathLike[str]) -> list[Path]:
        """Writes ``readings`` as a Parquet dataset at `path` (a directory, Hive-partitioned
        ``recording=.../node=.../``), ``summaries`` and ``errors`` next to it as
        ``<path stem>.summaries.parquet`` and ``<path stem>.errors.parquet``; returns the three
        paths. Read back with ``pandas.read_parquet(path)``."""
        pa = _require("pyarrow")
        pq = _require("pyarrow.parquet")
        root = Path(path)
        if root.exists() and any(root.iterdir()):
            raise FileExistsError(f"out: {root} exists and is not empty")
        table = pa.Table.from_pandas(self.readings, preserve_index=False)
        pq.write_to_dataset(table, root, partition_cols=["recording", "node"])
        stem = root.with_suffix("")
        summaries = stem.with_name(stem.name + ".summaries.parquet")
        errors = stem.with_name(stem.name + ".errors.parquet")
        self.summaries.to_parquet(summaries, index=False)
        self.errors.to_parquet(errors, index=False)
        return [root, summaries, errors]


def _status_dtype() -> Any:
    pandas = _require("pandas")
    return pandas.CategoricalDtype([s.name for s in VitalStatus])


def _readings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The readings table of reading rows, sorted by recording, unit, node and time."""
    pandas = _require("pandas")
    frame = pandas.DataFrame(rows, columns=list(READING_COLUMNS))
    frame = frame.sort_values(["recording", "unit", "node", "timestamp_s"], kind="stable")
    frame = frame.reset_index(drop=True)
    for column in ("breathing_status", "heart_status"):
        frame[column] = frame[column].astype(_status_dtype())
    frame["time"] = pandas.to_datetime(frame["time"], unit="s", utc=True)
    for column in ("node", "slice"):
        frame[column] = frame[column].astype("int64")
    for column in (
        "timestamp_s",
        "time_s",
        "breathing_bpm",
        "breathing_confidence",
        "heart_bpm",
        "heart_confidence",
        "signal_quality",
        "device_breathing_bpm",
        "device_heart_bpm",
    ):
        frame[column] = frame[column].astype("float64")
    frame["spans_gap"] = frame["spans_gap"].astype(bool)
    return cast("pd.DataFrame", frame)


def _summaries_frame(summaries: list[dict[str, Any]], readings: pd.DataFrame) -> pd.DataFrame:
    """Summary rows completed from the readings table: ``readings``, ``valid_breathing``...,
    mean VALID rates and mean |pipeline - device| rates (BPM, missing where none)."""
    pandas = _require("pandas")
    rows = []
    groups = dict(iter(readings.groupby(["recording", "unit", "node"], observed=True)))
    for summary in summaries:
        key = (summary["recording"], summary["unit"], summary["node"])
        part = groups.get(key, readings.iloc[0:0])
        row = dict(summary)
        row["readings"] = len(part)
        for vital in ("breathing", "heart"):
            status = part[f"{vital}_status"]
            for name in (s.name for s in VitalStatus):
                row[f"{vital}_{name.lower()}"] = int((status == name).sum())
            valid = part.loc[status == "VALID", f"{vital}_bpm"]
            row[f"{vital}_valid_mean_bpm"] = float(valid.mean()) if len(valid) else math.nan
            diff = (part[f"{vital}_bpm"] - part[f"device_{vital}_bpm"]).abs().dropna()
            row[f"{vital}_device_mean_abs_diff_bpm"] = float(diff.mean()) if len(diff) else math.nan
        rows.append(row)
    frame = pandas.DataFrame(rows)
    if len(frame):
        frame = frame.sort_values(["recording", "unit", "node"], kind="stable")
    return cast("pd.DataFrame", frame.reset_index(drop=True))


def _errors_frame(errors: list[dict[str, str]]) -> pd.DataFrame:
    """The errors table, by path."""
    pandas = _require("pandas")
    frame = pandas.DataFrame(errors, columns=["path", "recording", "error_type", "message"])
    return cast("pd.DataFrame", frame.sort_values(["path"], kind="stable").reset_index(drop=True))


def _serial(tasks: Sequence[_Task], advance: Callable[[_TaskOutput], None]) -> list[_TaskOutput]:
    outputs = []
    for task in tasks:
        output = _run_task(task)
        advance(output)
        outputs.append(output)
    return outputs


def local_cluster(workers: int) -> Any:
    """A ``dask.distributed.LocalCluster`` of `workers` worker processes with one thread each
    (the core releases the GIL, but one task per core keeps memory per worker to one file), on
    loopback, without a dashboard. Close it (or use it as a context manager) when done."""
    distributed = _require("distributed")
    with warnings.catch_warnings():
        # Another cluster's diagnostics port: this one takes a free port instead.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        return distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        )


def _on_dask(
    tasks: Sequence[_Task],
    advance: Callable[[_TaskOutput], None],
    workers: int | None,
    scheduler: str | None,
) -> list[_TaskOutput]:
    distributed = _require("distributed")
    if scheduler is not None:
        client = distributed.Client(scheduler)
        cluster = None
    else:
        cluster = local_cluster(workers or os.cpu_count() or 1)
        client = distributed.Client(cluster)
    try:
        futures = client.map(_run_task, list(tasks), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        outputs: list[_TaskOutput | None] = [None] * len(tasks)
        for future in distributed.as_completed(futures):
            i = index[future.key]
            try:
                output = future.result()
            except Exception as error:  # the worker died or the result could not come back
                task = tasks[i]
                output = _TaskOutput(task, error=_error_row(task.path, task.recording, error))
            outputs[i] = output
            advance(output)
        return [o for o in outputs if o is not None]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    serial: bool = False,
    slice_s: float | None = None,
    preroll_s: float = DEFAULT_PREROLL_S,
    progress: bool = False,
) -> BatchResult:
    """Vital signs of every file of `inputs` (files, directories, glob patterns) into one
    table (see the module documentation).

    The engine: ``serial=True`` runs the tasks one after another in this process (no Dask);
    else a ``dask.distributed`` ``LocalCluster`` of `workers` processes (default: one per CPU)
    on loopback (a script doing this needs an ``if __name__ == "__main__":`` guard: the
    workers start by re-importing the main module), or the running cluster at `scheduler`
    (``"tcp://host:8786"``). `slice_s`
    (seconds) splits each node stream longer than that into slices run as separate tasks, each
    starting `preroll_s` seconds early. `progress` shows a progress bar on stderr (rich).
    A file that fails is a row of ``errors`` (with its error type and message); the others
    complete.
    """
    _require("pandas")
    if serial and (workers is not None or scheduler is not None):
        raise ValueError("serial: no workers or scheduler with serial=True")
    if workers is not None and scheduler is not None:
        raise ValueError("workers: give workers (a LocalCluster) or scheduler, not both")
    if workers is not None and workers < 1:
        raise ValueError(f"workers: must be at least 1, got {workers}")
    if not serial:
        _require("distributed")
    paths = find_inputs(inputs)
    tasks, errors = _plan(paths, slice_s=slice_s, preroll_s=preroll_s)

    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True, disable=not progress) as bar:
        job = bar.add_task(f"{len(paths)} files, {len(tasks)} tasks", total=len(tasks))

        def advance(_: _TaskOutput) -> None:
            bar.advance(job)

        if serial:
            outputs = _serial(tasks, advance)
        else:
            outputs = _on_dask(tasks, advance, workers, scheduler)

    rows: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    failed: dict[str, dict[str, str]] = {e["path"]: e for e in errors}
    for output in outputs:
        if output.error is not None:
            failed.setdefault(output.task.path, output.error)
    for output in outputs:
        if output.task.path in failed:
            continue
        rows += output.rows
        summaries += output.summaries
    readings = _readings_frame(rows)
    return BatchResult(
        readings, _summaries_frame(summaries, readings), _errors_frame(list(failed.values()))
    )
