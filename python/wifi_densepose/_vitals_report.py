"""Vital-sign readings of a recording, per node, next to the node's own edge vitals.

Used by ``wifi-densepose vitals``. Each node's raw CSI frames of every layout go, in file
order with their receive times, through a ``CaptureVitals``: it finds the block of bins all
layouts share, leaves out the null (always-constant) bins, puts the frames on a uniform time
grid and runs the vitals pipeline (see ``wifi_densepose.vitals``). Breathing needs 10 s of CSI
and heart rate 5 s before a first estimate; an estimate is VALID only from a full window
(30 s breathing, 15 s heart).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wifi_densepose.io import CsiCapture, Recording
from wifi_densepose.vitals import CaptureVitals, VitalsResult, VitalStatus

CHUNK_FRAMES = 2_000
"""Frames per `process_recording` call: the estimator keeps its state, so chunks only pace
progress."""


@dataclass(frozen=True)
class ReadingRow:
    """One pipeline reading; rates in BPM and confidences in [0, 1] (None when unavailable),
    times in seconds (`time_s` from the recording's first line, `timestamp_s` as the capture
    clock gives it: Unix time for recordings)."""

    node_id: int
    time_s: float
    timestamp_s: float
    breathing_bpm: float | None
    breathing_confidence: float | None
    breathing_status: str
    heart_bpm: float | None
    heart_confidence: float | None
    heart_status: str
    signal_quality: float
    spans_gap: bool
    device_breathing_bpm: float | None
    device_heart_bpm: float | None


def _mean_abs_diff(pairs: Sequence[tuple[float | None, float | None]]) -> float | None:
    diffs = [abs(a - b) for a, b in pairs if a is not None and b is not None]
    return sum(diffs) / len(diffs) if diffs else None


@dataclass(frozen=True)
class NodeReport:
    """A node's readings, what the estimator found in its stream, and how the readings compare
    with the node's own edge-vitals packets."""

    node_id: int
    frames: int
    duration_s: float
    block_bins: int | None
    null_bins: tuple[int, ...]
    sample_rate_hz: float | None
    frames_used: int
    dropped_frames: int
    gaps: int
    disabled_reason: str | None
    device_vitals: int
    rows: tuple[ReadingRow, ...]

    @property
    def breathing_mean_abs_diff_bpm(self) -> float | None:
        """Mean |pipeline - device| breathing rate over readings where both exist, BPM."""
        return _mean_abs_diff([(r.breathing_bpm, r.device_breathing_bpm) for r in self.rows])

    @property
    def heart_mean_abs_diff_bpm(self) -> float | None:
        """Mean |pipeline - device| heart rate over readings where both exist, BPM."""
        return _mean_abs_diff([(r.heart_bpm, r.device_heart_bpm) for r in self.rows])

    def status_counts(self, vital: str) -> dict[str, int]:
        """Readings per status name of `vital` ("breathing" or "heart"), every status listed."""
        counts = Counter(getattr(r, f"{vital}_status") for r in self.rows)
        return {status.name: counts.get(status.name, 0) for status in VitalStatus}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["null_bins"] = list(self.null_bins)
        d["rows"] = [asdict(r) for r in self.rows]
        d["breathing_mean_abs_diff_bpm"] = self.breathing_mean_abs_diff_bpm
        d["heart_mean_abs_diff_bpm"] = self.heart_mean_abs_diff_bpm
        d["breathing_status_counts"] = self.status_counts("breathing")
        d["heart_status_counts"] = self.status_counts("heart")
        return d


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _device_at(
    times: Sequence[float], values: Sequence[tuple[float, float]], t: float
) -> tuple[float | None, float | None]:
    """The latest device (breathing, heart) at or before host time `t`; 0 means no estimate."""
    index = int(np.searchsorted(np.asarray(times), t, side="right")) - 1
    if index < 0:
        return (None, None)
    breathing, heart = values[index]
    return (breathing or None, heart or None)


def node_frames(recording: Recording, node_id: int) -> int:
    """Raw CSI frames of a node, every layout."""
    return sum(count for _, count in recording.layouts(node_id))


def _rows(
    node_id: int,
    result: VitalsResult,
    start: float,
    device: Callable[[float], tuple[float | None, float | None]],
) -> list[ReadingRow]:
    """The readings of one `process` call as rows; `device(t)` gives the device's own
    (breathing, heart) at time `t`."""
    rows = []
    for i in range(len(result)):
        t = float(result.timestamp_s[i])
        device_breathing, device_heart = device(t)
        rows.append(
            ReadingRow(
                node_id=node_id,
                time_s=t - start,
                timestamp_s=t,
                breathing_bpm=_finite(result.breathing_bpm[i]),
                breathing_confidence=_finite(result.breathing_confidence[i]),
                breathing_status=VitalStatus(int(result.breathing_status[i])).name,
                heart_bpm=_finite(result.heart_bpm[i]),
                heart_confidence=_finite(result.heart_confidence[i]),
                heart_status=VitalStatus(int(result.heart_status[i])).name,
                signal_quality=float(result.signal_quality[i]),
                spans_gap=bool(result.spans_gap[i]),
                device_breathing_bpm=device_breathing,
                device_heart_bpm=device_heart,
            )
        )
    return rows


def _report(
    capture: CaptureVitals,
    node_id: int,
    frames: int,
    duration_s: float,
    device_vitals: int,
    rows: list[ReadingRow],
) -> NodeReport:
    layout = capture.layout
    stats = capture.stats
    return NodeReport(
        node_id=node_id,
        frames=frames,
        duration_s=duration_s,
        block_bins=layout["block_bins"] if layout else None,
        null_bins=tuple(layout["null_bins"]) if layout else (),
        sample_rate_hz=layout["sample_rate_hz"] if layout else None,
        frames_used=stats["accepted"],
        dropped_frames=stats["duplicates"] + stats["out_of_order"],
        gaps=stats["gaps"],
        disabled_reason=capture.disabled_reason,
        device_vitals=device_vitals,
        rows=tuple(rows),
    )


def node_report(
    recording: Recording,
    node_id: int,
    *,
    block_bins: int | None = None,
    advance: Callable[[int], None] | None = None,
    frames_from: int = 0,
    frames_to: int | None = None,
) -> NodeReport:
    """Runs `CaptureVitals` over one node's raw CSI. `advance(n)` reports frames done.
    `frames_from`/`frames_to` (the node's raw CSI frame indices, every layout) run only that
    part of the stream after the stream's own warm-up frames (its first frames, which fix the
    layout: block, null bins, grid rate), so readings more than `CAPTURE_MEMORY_S` after
    `frames_from` equal the whole stream's; `time_s` stays measured from the recording's
    first line."""
    frames = node_frames(recording, node_id)
    start = recording.records[0].timestamp if len(recording) else 0.0
    device = recording.vitals(node_id)
    device_times = [v.timestamp for v in device]
    device_values = [(v.breathing_bpm, v.heart_bpm) for v in device]
    capture = CaptureVitals(block_bins=block_bins)
    rows: list[ReadingRow] = []
    stop = frames if frames_to is None else min(frames_to, frames)
    # The stream's warm-up first, one frame at a time until it has fixed the layout (a short
    # warm-up of a slice would round the grid rate of a drifting stream differently).
    warmup = 0
    while warmup < frames_from and capture.layout is None and capture.disabled_reason is None:
        capture.process_recording(recording, node_id, start=warmup, stop=warmup + 1)
        warmup += 1
    for begin in range(frames_from, stop, CHUNK_FRAMES):
        end = min(begin + CHUNK_FRAMES, stop)
        result = capture.process_recording(recording, node_id, start=begin, stop=end)
        rows += _rows(node_id, result, start, lambda t: _device_at(device_times, device_values, t))
        if advance is not None:
            advance(end - begin)
    span = next((n for n in recording.summary()["nodes"] if n["node_id"] == node_id), None)
    duration = span["last_timestamp_s"] - span["first_timestamp_s"] if span else 0.0
    return _report(capture, node_id, frames, duration, len(device), rows)


def link_report(
    capture: CsiCapture,
    rx: int,
    tx: int,
    *,
    block_bins: int | None = None,
    frames_from: int = 0,
    frames_to: int | None = None,
) -> NodeReport:
    """Runs `CaptureVitals` over one receive/transmit chain pair of a CSI file of another
    tool (frames that lack the pair are left out). Amplitude-only captures give zero phases,
    so heart-rate fusion weighs every subcarrier alike. The report's `node_id` is the link
    number `rx * n_tx + tx`. `frames_from`/`frames_to` (indices of the link's frames) run only
    that part, as if it were the whole; `time_s` stays measured from the link's first frame."""
    times, csi = capture.link(rx, tx)
    shapes = np.asarray(capture.frame_shape)
    present = (shapes[:, 1] > rx) & (shapes[:, 2] > tx)
    times, csi = times[present], csi[present]
    origin = float(times[0]) if len(times) else 0.0
    times, csi = times[frames_from:frames_to], csi[frames_from:frames_to]
    amplitudes = np.abs(csi)
    phases = np.angle(csi) if capture.has_phase else np.zeros_like(amplitudes)
    vitals = CaptureVitals(block_bins=block_bins)
    link = rx * capture.n_tx + tx
    rows: list[ReadingRow] = []
    if len(times):
        result = vitals.process(times, amplitudes, phases)
        rows = _rows(link, result, origin, lambda _: (None, None))
    duration = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    return _report(vitals, link, len(times), duration, 0, rows)


# Marker per status: a DEGRADED or UNRELIABLE estimate never looks like a VALID one (filled
# circle VALID, open circle DEGRADED, small x UNRELIABLE); the fill's opacity is the confidence.
_STATUS_MARKER = {"VALID": "o", "DEGRADED": "o", "UNRELIABLE": "x"}
_VITAL_COLOR = {"breathing": "tab:blue", "heart": "tab:red"}
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
MAX_POINTS = 600
"""Readings per panel above which the line is a median per time bin (about one per pixel
column) instead of every reading."""


def _binned_median(
    t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], bins: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Median of `v` per equal-width time bin (NaN where a bin has no finite value)."""
    edges = np.linspace(t[0], t[-1], bins + 1)
    which = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, bins - 1)
    centers = (edges[:-1] + edges[1:]) / 2
    medians = np.full(bins, np.nan)
    for b in np.unique(which[np.isfinite(v)]):
        medians[b] = np.median(v[(which == b) & np.isfinite(v)])
    return centers, medians


MARKER_BINS = 120
"""Status markers per panel for long files: one per time bin, at the bin's median rate, with
the bin's most frequent status and its mean confidence."""


def _binned_markers(
    x: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    confidence: npt.NDArray[np.float64],
    statuses: npt.NDArray[np.str_],
    bins: int,
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.str_]
]:
    """One marker per equal-width bin of `x` holding finite values."""
    edges = np.linspace(x[0], x[-1], bins + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    out: list[tuple[float, float, float, str]] = []
    for b in range(bins):
        chosen = (which == b) & np.isfinite(values)
        if not np.any(chosen):
            continue
        names, counts = np.unique(statuses[chosen], return_counts=True)
        out.append(
            (
                (edges[b] + edges[b + 1]) / 2,
                float(np.median(values[chosen])),
                float(np.mean(confidence[chosen])),
                str(names[np.argmax(counts)]),
            )
        )
    if not out:
        empty = np.zeros(0)
        return empty, empty, empty, np.zeros(0, dtype=str)
    bx, bv, bc, bs = zip(*out, strict=True)
    return np.array(bx), np.array(bv), np.array(bc), np.array(bs)


def vitals_figure(
    reports: Sequence[NodeReport],
    recording: Recording | None,
    unit: str = "node",
    absolute_time: bool = False,
) -> Any:
    """A matplotlib Figure with two panels per node (or link), breathing and heart rate (BPM),
    each on its own y axis: the pipeline's readings marked by status and confidence, a line
    (for more readings than `MAX_POINTS`: a median per time bin, and one status marker per
    `MARKER_BINS` bin), and from a
    recording the node's own estimates as a black dashed step line with square markers.
    `absolute_time` puts UTC clock time on the x axis (readings' `timestamp_s` as Unix time)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D

    start = recording.records[0].timestamp if recording is not None and len(recording) else 0.0

    def x_of(t_s: npt.NDArray[np.float64], unix: npt.NDArray[np.float64]) -> Any:
        if not absolute_time:
            return t_s
        # Matplotlib date numbers: days since its epoch (1970-01-01 unless configured).
        epoch = np.datetime64(mdates.get_epoch())  # type: ignore[no-untyped-call]
        return (
            unix - (epoch - np.datetime64("1970-01-01T00:00:00")) / np.timedelta64(1, "s")
        ) / 86_400.0

    fig, axes = plt.subplots(
        2 * len(reports), 1, figsize=(10, 2.4 * 2 * len(reports)), squeeze=False, sharex=True
    )
    for n, report in enumerate(reports):
        device = recording.vitals(report.node_id) if recording is not None else []
        device_unix = np.array([v.timestamp for v in device], dtype=np.float64)
        t = np.array([r.time_s for r in report.rows], dtype=np.float64)
        unix = np.array([r.timestamp_s for r in report.rows], dtype=np.float64)
        for k, vital in enumerate(("breathing", "heart")):
            ax = axes[2 * n + k, 0]
            color = _VITAL_COLOR[vital]
            values = np.array(
                [np.nan if (v := getattr(r, f"{vital}_bpm")) is None else v for r in report.rows],
                dtype=np.float64,
            )
            confidence = np.array(
                [getattr(r, f"{vital}_confidence") or 0.0 for r in report.rows], dtype=np.float64
            )
            statuses = np.array([getattr(r, f"{vital}_status") for r in report.rows])
            x = x_of(t, unix)
            if len(t) > MAX_POINTS:
                bx, by = _binned_median(np.asarray(x, np.float64), values, MAX_POINTS)
                ax.plot(bx, by, "-", color=color, linewidth=1.2)
                x, values, confidence, statuses = _binned_markers(
                    np.asarray(x, np.float64), values, confidence, statuses, MARKER_BINS
                )
                size = 16
            elif len(t):
                ax.plot(x, values, "-", color=color, alpha=0.35, linewidth=1)
                size = 28
            for status, marker in _STATUS_MARKER.items():
                chosen = (statuses == status) & np.isfinite(values)
                if not np.any(chosen):
                    continue
                alpha = np.clip(0.25 + 0.75 * confidence[chosen], 0.25, 1.0)
                rgba = np.array([to_rgba(color, a) for a in alpha])
                if status == "DEGRADED":
                    ax.scatter(
                        x[chosen],
                        values[chosen],
                        s=size,
                        marker=marker,
                        facecolors="none",
                        edgecolors=rgba,
                        linewidths=1.0,
                        gid=f"node{report.node_id}-{vital}-{status.lower()}",
                    )
                else:
                    ax.scatter(
                        x[chosen],
                        values[chosen],
                        s=size * (0.6 if status == "UNRELIABLE" else 1.0),
                        marker=marker,
                        c=rgba,
                        linewidths=1.0,
                        gid=f"node{report.node_id}-{vital}-{status.lower()}",
                    )
            if len(device):
                device_values = np.array(
                    [
                        (v.breathing_bpm if vital == "breathing" else v.heart_bpm) or np.nan
                        for v in device
                    ],
                    dtype=np.float64,
                )
                dx = x_of(device_unix - start, device_unix)
                ax.step(
                    dx,
                    device_values,
                    where="post",
                    color="black",
                    alpha=0.7,
                    linestyle="--",
                    linewidth=1,
                )
                ax.scatter(dx, device_values, s=12, marker="s", color="black", alpha=0.7)
            ax.set_ylabel(f"{vital} (BPM)")
            ax.set_title(f"{unit} {report.node_id}: {vital} rate", fontsize="medium", loc="left")
            ax.grid(alpha=0.3)
    handles = [
        Line2D(
            [], [], marker="o", linestyle="none", color="gray", label="VALID (opacity: confidence)"
        ),
        Line2D(
            [], [], marker="o", linestyle="none", color="gray", fillstyle="none", label="DEGRADED"
        ),
        Line2D([], [], marker="x", linestyle="none", color="gray", label="UNRELIABLE"),
        Line2D([], [], color="tab:blue", label="breathing, ours"),
        Line2D([], [], color="tab:red", label="heart, ours"),
    ]
    if recording is not None:
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                linestyle="--",
                marker="s",
                markersize=4,
                label="device (edge vitals)",
            )
        )
    if absolute_time:
        axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
        axes[-1, 0].set_xlabel("time (UTC)")
    else:
        axes[-1, 0].set_xlabel(
            "time since the first line (s)"
            if recording is not None
            else "time since the first frame (s)"
        )
    fig.tight_layout(rect=(0, 0, 0.76, 1))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.77, 0.98),
        frameon=False,
        fontsize="small",
    )
    return fig


def plot_reports(
    reports: Sequence[NodeReport],
    recording: Recording | None,
    path: Path,
    unit: str = "node",
    absolute_time: bool = False,
) -> None:
    """Writes `vitals_figure(...)` to `path`: PNG, SVG or PDF by the suffix."""
    from wifi_densepose.errors import ValidationError

    suffix = Path(path).suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise ValidationError(
            f"plot: the file name must end in .png, .svg or .pdf, got {str(path)!r}", "Validation"
        )
    import matplotlib.pyplot as plt

    fig = vitals_figure(reports, recording, unit, absolute_time)
    fig.savefig(path, dpi=100, format=suffix[1:])
    plt.close(fig)
