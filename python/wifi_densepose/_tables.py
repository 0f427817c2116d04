"""Results, readings, recordings and CSI as columns: ``to_dict`` / ``to_pandas`` / HTML.

Data layout only: every column is built from arrays the objects already hold (no signal
processing here). ``to_dict`` returns ``{column: numpy array}`` (statuses as ``VitalStatus``
names); ``to_pandas`` the same as a ``pandas.DataFrame`` with statuses as a categorical of
the ``VitalStatus`` names (in code order) and, when times are absolute (Unix seconds), a
``time`` column of UTC datetimes next to ``timestamp_s``.

Long CSI tables have one row per frame, receive chain, transmit chain and subcarrier:
``frame``, ``timestamp_s`` (``time``), ``rx``, ``tx``, ``subcarrier`` and either ``real`` and
``imag`` or ``amplitude`` and ``phase`` (radians); positions a smaller frame does not have
(files whose frames differ in shape) are left out.

pandas and pyarrow are optional: ``pip install 'wifi-densepose[dataframe]'``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from wifi_densepose._vital_status import VitalStatus

if TYPE_CHECKING:
    import pandas as pd

    from wifi_densepose._capture import CsiCapture
    from wifi_densepose._core.io import Recording
    from wifi_densepose._core.vitals import VitalReading, VitalsResult

__all__ = [
    "ABSOLUTE_TIME_FROM_S",
    "STATUS_NAMES",
    "Columns",
    "capture_columns",
    "frame",
    "recording_columns",
    "require",
    "vital_reading_columns",
    "vitals_result_columns",
]

Columns = dict[str, npt.NDArray[Any]]
"""Column name to a 1-D numpy array; every array has the same length."""

CsiLayout = Literal["real_imag", "amplitude_phase"]

STATUS_NAMES: tuple[str, ...] = tuple(s.name for s in VitalStatus)
"""`VitalStatus` names in code order: the categories of every status column."""

ABSOLUTE_TIME_FROM_S = 946_684_800.0
"""Times at or after 2000-01-01T00:00:00Z in seconds are read as Unix time (capture clocks);
smaller ones (seconds since a start) get no datetime column."""

EXTRA = "dataframe"


def require(module: str, what: str) -> Any:
    """Imports `module` (``pandas`` or ``pyarrow``) or raises ImportError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{what} needs {module}, which is not installed: "
            f"pip install 'wifi-densepose[{EXTRA}]' (or pip install {module})"
        ) from error


def status_names(codes: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """`VitalStatus` codes (int8) as their names."""
    table = np.array(STATUS_NAMES)
    return table[np.asarray(codes, dtype=np.int64)]


def is_absolute(timestamps_s: npt.NDArray[np.float64]) -> bool:
    """Whether every finite time reads as Unix seconds (see `ABSOLUTE_TIME_FROM_S`)."""
    finite = timestamps_s[np.isfinite(timestamps_s)]
    return bool(finite.size) and bool(np.all(finite >= ABSOLUTE_TIME_FROM_S))


def frame(columns: Mapping[str, npt.NDArray[Any]], what: str) -> pd.DataFrame:
    """Columns as a DataFrame: status columns categorical, plus a UTC ``time`` column right
    after ``timestamp_s`` when the times are absolute."""
    pandas = require("pandas", what)
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if name.endswith("status"):
            data[name] = pandas.Categorical(values, categories=list(STATUS_NAMES))
        else:
            data[name] = values
        if name == "timestamp_s" and is_absolute(np.asarray(values, dtype=np.float64)):
            data["time"] = pandas.to_datetime(
                np.asarray(values, dtype=np.float64), unit="s", utc=True
            )
    return cast("pd.DataFrame", pandas.DataFrame(data))


# --- vitals ----------------------------------------------------------------------------------


def vitals_result_columns(result: VitalsResult) -> Columns:
    """One row per reading: times, rates (BPM, NaN when UNAVAILABLE), confidences, statuses."""
    return {
        "timestamp_s": result.timestamp_s,
        "frame_index": result.frame_index,
        "breathing_bpm": result.breathing_bpm,
        "breathing_confidence": result.breathing_confidence,
        "breathing_status": status_names(result.breathing_status),
        "heart_bpm": result.heart_bpm,
        "heart_confidence": result.heart_confidence,
        "heart_status": status_names(result.heart_status),
        "signal_quality": result.signal_quality,
        "spans_gap": result.spans_gap,
    }


def vital_reading_columns(reading: VitalReading) -> dict[str, Any]:
    """One reading as scalars under the same names as `vitals_result_columns` (an UNAVAILABLE
    rate or confidence is NaN, as in `VitalsResult`)."""

    def known(value: float, status: VitalStatus) -> float:
        return float("nan") if status is VitalStatus.UNAVAILABLE else value

    b, h = reading.breathing, reading.heart
    return {
        "timestamp_s": reading.timestamp_s,
        "breathing_bpm": known(b.value_bpm, b.status),
        "breathing_confidence": known(b.confidence, b.status),
        "breathing_status": b.status.name,
        "heart_bpm": known(h.value_bpm, h.status),
        "heart_confidence": known(h.confidence, h.status),
        "heart_status": h.status.name,
        "signal_quality": reading.signal_quality,
        "subcarrier_count": reading.subcarrier_count,
        "spans_gap": reading.spans_gap,
    }


def _html_table(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


def _range(values: npt.NDArray[np.float64], unit: str) -> str:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return "-"
    return f"{np.min(finite):.1f} to {np.max(finite):.1f} {unit} (median {np.median(finite):.1f})"


def vitals_result_html(result: VitalsResult) -> str:
    """A small summary table: readings, time span, rate ranges and status counts."""
    rows = [("readings", str(len(result)))]
    if len(result):
        t = result.timestamp_s
        rows.append(("time", f"{t[0]:.3f} to {t[-1]:.3f} s"))
    for vital in ("breathing", "heart"):
        codes = np.asarray(getattr(result, f"{vital}_status"), dtype=np.int64)
        counts = np.bincount(codes, minlength=len(STATUS_NAMES))
        rows.append((f"{vital} (BPM)", _range(getattr(result, f"{vital}_bpm"), "BPM")))
        rows.append(
            (
                f"{vital} status",
                ", ".join(
                    f"{n} {name.lower()}" for name, n in zip(STATUS_NAMES, counts, strict=True)
                ),
            )
        )
    rows.append(("alerts", str(len(result.alerts))))
    return _html_table("VitalsResult", rows)


# --- recordings and CSI ----------------------------------------------------------------------


def _long_csi(
    csi: npt.NDArray[np.complex128],
    shapes: npt.NDArray[np.int64] | None,
    layout: CsiLayout,
) -> tuple[npt.NDArray[np.intp], Columns]:
    """``[time, subcarrier, rx, tx]`` CSI as long columns; returns the frame index of each row
    and the index/value columns. Positions outside a frame's own shape are dropped."""
    if layout not in ("real_imag", "amplitude_phase"):
        from wifi_densepose.errors import ValidationError

        raise ValidationError(
            f"layout: must be 'real_imag' or 'amplitude_phase', got {layout!r}", "Validation"
        )
    t, s, r, x = csi.shape
    index = np.indices((t, s, r, x)).reshape(4, -1)
    # Rows ordered frame, rx, tx, subcarrier: one link's spectrum is contiguous.
    order = np.lexsort((index[1], index[3], index[2], index[0]))
    frame_i, sub, rx, tx = (index[k][order] for k in range(4))
    values = csi.reshape(-1)[order]
    if shapes is not None and len(shapes):
        keep = (sub < shapes[frame_i, 0]) & (rx < shapes[frame_i, 1]) & (tx < shapes[frame_i, 2])
        if not np.all(keep):
            frame_i, sub, rx, tx, values = (a[keep] for a in (frame_i, sub, rx, tx, values))
    columns: Columns = {
        "rx": rx.astype(np.int16),
        "tx": tx.astype(np.int16),
        "subcarrier": sub.astype(np.int32),
    }
    if layout == "real_imag":
        columns["real"] = values.real.copy()
        columns["imag"] = values.imag.copy()
    else:
        columns["amplitude"] = np.abs(values)
        columns["phase"] = np.angle(values)
    return frame_i, columns


def capture_columns(
    capture: CsiCapture, layout: CsiLayout = "real_imag", first_frame: int = 0
) -> Columns:
    """Long CSI of a `CsiCapture` (one row per frame, rx, tx, subcarrier), with the frame's
    per-frame metadata (``rssi_dbm``, ...) repeated on its rows. `first_frame` numbers the
    frames of a chunk from its place in the file."""
    frame_i, csi_columns = _long_csi(capture.csi, capture.frame_shape, layout)
    columns: Columns = {
        "frame": (frame_i + first_frame).astype(np.int64),
        "timestamp_s": capture.timestamps_s[frame_i],
    }
    columns.update(csi_columns)
    for name, values in capture.meta.items():
        columns[name] = values[frame_i]
    return columns


def node_csi_columns(
    recording: Recording,
    node_id: int,
    n_subcarriers: int | None = None,
    layout: CsiLayout = "real_imag",
) -> Columns:
    """Long CSI of one node of a ``.csi.jsonl`` recording: one row per frame and subcarrier
    (rx = tx = 0), with the node id and the frame's bin count ``bins``; every subcarrier
    layout of the node, most frequent first (``Recording.layouts``), or only frames of
    `n_subcarriers` bins. ``frame`` counts the node's frames of that layout."""
    widths = (
        [n for n, _ in recording.layouts(node_id)] if n_subcarriers is None else [n_subcarriers]
    )
    parts = []
    for bins in widths:
        times, csi = recording.csi(node_id, bins)
        parts.append(node_csi_chunk(node_id, times, csi, 0, layout))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def node_csi_chunk(
    node_id: int,
    times: npt.NDArray[np.float64],
    csi: npt.NDArray[np.complex128],
    first_frame: int,
    layout: CsiLayout = "real_imag",
) -> Columns:
    """Long columns of frames ``first_frame ...`` of one layout of a node's ``[time, bins]``
    CSI."""
    frame_i, csi_columns = _long_csi(csi[:, :, None, None], None, layout)
    columns: Columns = {
        "node_id": np.full(frame_i.size, node_id, dtype=np.int16),
        "bins": np.full(frame_i.size, csi.shape[1], dtype=np.int16),
        "frame": (frame_i + first_frame).astype(np.int64),
        "timestamp_s": times[frame_i],
    }
    columns.update(csi_columns)
    return columns


def device_vitals_columns(recording: Recording, node_id: int | None = None) -> Columns:
    """The nodes' own edge-vitals records: one row per record (rates in BPM, NaN when the
    device sent 0 = no estimate)."""
    nodes = recording.nodes if node_id is None else [node_id]
    records = sorted(
        (v for n in nodes for v in recording.vitals(n)), key=lambda v: (v.timestamp, v.line)
    )

    def rate(value: float) -> float:
        return value if value > 0 else np.nan

    return {
        "timestamp_s": np.array([v.timestamp for v in records], dtype=np.float64),
        "node_id": np.array([v.node_id for v in records], dtype=np.int16),
        "line": np.array([v.line for v in records], dtype=np.int64),
        "breathing_bpm": np.array([rate(v.breathing_bpm) for v in records], dtype=np.float64),
        "heart_bpm": np.array([rate(v.heart_bpm) for v in records], dtype=np.float64),
        "presence": np.array([v.presence for v in records], dtype=bool),
        "motion": np.array([v.motion for v in records], dtype=bool),
        "fall_detected": np.array([v.fall_detected for v in records], dtype=bool),
        "n_persons": np.array([v.n_persons for v in records], dtype=np.int16),
        "rssi_dbm": np.array([v.rssi for v in records], dtype=np.float64),
    }


_KINDS = {"RawCsiRecord": "raw_csi", "VitalsRecord": "vitals", "FeatureRecord": "feature"}


def records_columns(recording: Recording) -> Columns:
    """One row per record (line) of a recording: time, line, node, kind (``raw_csi``,
    ``vitals``, ``feature``, ``other``), magic and RSSI (dBm)."""
    records = recording.records
    return {
        "timestamp_s": np.array([r.timestamp for r in records], dtype=np.float64),
        "line": np.array([r.line for r in records], dtype=np.int64),
        "node_id": np.array([r.node_id for r in records], dtype=np.int16),
        "kind": np.array([_KINDS.get(type(r).__name__, "other") for r in records], dtype=object),
        "magic": np.array([r.magic for r in records], dtype=np.int64),
        "rssi_dbm": np.array(
            [np.nan if getattr(r, "rssi", None) is None else r.rssi for r in records],
            dtype=np.float64,
        ),
    }


RecordingTable = Literal["records", "vitals", "csi"]


def recording_columns(
    recording: Recording,
    table: RecordingTable = "records",
    *,
    node_id: int | None = None,
    layout: CsiLayout = "real_imag",
) -> Columns:
    """`table` of a recording: ``records`` (one row per line), ``vitals`` (the devices'
    edge-vitals records) or ``csi`` (long CSI of every node with raw CSI, or of `node_id`)."""
    if table == "records":
        return records_columns(recording)
    if table == "vitals":
        return device_vitals_columns(recording, node_id)
    if table == "csi":
        nodes = (
            [n for n in recording.nodes if recording.layouts(n)] if node_id is None else [node_id]
        )
        parts = [node_csi_columns(recording, n, layout=layout) for n in nodes]
        if not parts:
            return node_csi_columns_empty(layout)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    from wifi_densepose.errors import ValidationError

    raise ValidationError(
        f"table: must be 'records', 'vitals' or 'csi', got {table!r}", "Validation"
    )


def node_csi_columns_empty(layout: CsiLayout) -> Columns:
    values = ("real", "imag") if layout == "real_imag" else ("amplitude", "phase")
    columns: Columns = {
        "node_id": np.zeros(0, np.int16),
        "bins": np.zeros(0, np.int16),
        "frame": np.zeros(0, np.int64),
        "timestamp_s": np.zeros(0, np.float64),
        "rx": np.zeros(0, np.int16),
        "tx": np.zeros(0, np.int16),
        "subcarrier": np.zeros(0, np.int32),
    }
    for v in values:
        columns[v] = np.zeros(0, np.float64)
    return columns


def recording_html(recording: Recording) -> str:
    """A small summary table: path, records, bad lines, duration, and one row per node."""
    summary = recording.summary()
    rows = [
        ("file", str(recording.path)),
        ("records", str(summary["records"])),
        ("bad lines", str(summary["bad_lines"])),
        ("kinds", ", ".join(f"{k} {n}" for k, n in summary["kinds"].items()) or "-"),
    ]
    for node in summary["nodes"]:
        span = node["last_timestamp_s"] - node["first_timestamp_s"]
        layouts = ", ".join(f"{n}x{c}" for n, c in node["layouts"]) or "-"
        rate = node["csi_rate_hz"]
        rows.append(
            (
                f"node {node['node_id']}",
                f"{node['raw_csi']} raw CSI ({layouts}), {node['vitals']} vitals, "
                f"{span:.1f} s" + ("" if rate is None else f", {rate:.1f} Hz"),
            )
        )
    return _html_table("Recording", rows)


def reading_frame(reading: VitalReading) -> pd.DataFrame:
    """One reading as a one-row DataFrame."""
    columns = {k: np.array([v]) for k, v in vital_reading_columns(reading).items()}
    return frame(columns, "VitalReading.to_pandas()")


# --- methods of the compiled classes ---------------------------------------------------------
# Defined here and set on the classes when the package is imported: data layout is Python's
# job, and each method bound in Rust would add to the size of the compiled core.


def _recording_to_dict(
    self: Recording,
    table: RecordingTable = "records",
    *,
    node_id: int | None = None,
    layout: CsiLayout = "real_imag",
) -> Columns:
    """A table of the recording as ``{column: numpy array}``: ``table="records"`` (one row per
    line: ``timestamp_s``, ``line``, ``node_id``, ``kind``, ``magic``, ``rssi_dbm``),
    ``"vitals"`` (the devices' edge-vitals records: ``breathing_bpm``, ``heart_bpm``, ...) or
    ``"csi"`` (long CSI of every layout: one row per node, frame and subcarrier; ``layout``
    "real_imag" or "amplitude_phase")."""
    return recording_columns(self, table, node_id=node_id, layout=layout)


def _recording_to_pandas(
    self: Recording,
    table: RecordingTable = "records",
    *,
    node_id: int | None = None,
    layout: CsiLayout = "real_imag",
) -> pd.DataFrame:
    """``to_dict(...)`` as a ``pandas.DataFrame``, with a UTC ``time`` column next to
    ``timestamp_s`` (needs the ``dataframe`` extra)."""
    return frame(_recording_to_dict(self, table, node_id=node_id, layout=layout), "to_pandas()")


def _result_to_dict(self: VitalsResult) -> Columns:
    """The readings as ``{column: numpy array}``: ``timestamp_s``, ``frame_index``,
    ``breathing_bpm``, ``breathing_confidence``, ``breathing_status`` (``VitalStatus`` names),
    ``heart_bpm``, ``heart_confidence``, ``heart_status``, ``signal_quality``, ``spans_gap``."""
    return vitals_result_columns(self)


def _result_to_pandas(self: VitalsResult) -> pd.DataFrame:
    """``to_dict()`` as a ``pandas.DataFrame``: statuses categorical, and a UTC ``time``
    column when the times are Unix seconds (needs the ``dataframe`` extra)."""
    return frame(vitals_result_columns(self), "VitalsResult.to_pandas()")


def _reading_to_dict(self: VitalReading) -> dict[str, Any]:
    """The reading as a dict of scalars under the column names of ``VitalsResult.to_dict``."""
    return vital_reading_columns(self)


def _reading_to_pandas(self: VitalReading) -> pd.DataFrame:
    """The reading as a one-row ``pandas.DataFrame`` (needs the ``dataframe`` extra)."""
    return reading_frame(self)


def _recording_html(self: Recording) -> str:
    """A small HTML summary table (Jupyter)."""
    return recording_html(self)


def _result_html(self: VitalsResult) -> str:
    """A small HTML summary table (Jupyter)."""
    return vitals_result_html(self)


def install() -> None:
    """Sets ``to_dict``/``to_pandas``/``_repr_html_`` on `Recording`, `VitalsResult` and
    `VitalReading`."""
    from wifi_densepose import _core

    methods: dict[type, dict[str, Any]] = {
        _core.Recording: {
            "to_dict": _recording_to_dict,
            "to_pandas": _recording_to_pandas,
            "_repr_html_": _recording_html,
        },
        _core.VitalsResult: {
            "to_dict": _result_to_dict,
            "to_pandas": _result_to_pandas,
            "_repr_html_": _result_html,
        },
        _core.VitalReading: {"to_dict": _reading_to_dict, "to_pandas": _reading_to_pandas},
    }
    for cls, named in methods.items():
        for name, function in named.items():
            setattr(cls, name, function)
