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
    part of the stream, as if it were the whole (its own warm-up); `time_s` stays measured
    from the recording's first line."""
    frames = node_frames(recording, node_id)
    start = recording.records[0].timestamp if len(recording) else 0.0
    device = recording.vitals(node_id)
    device_times = [v.timestamp for v in device]
    device_values = [(v.breathing_bpm, v.heart_bpm) for v in device]
    capture = CaptureVitals(block_bins=block_bins)
    rows: list[ReadingRow] = []
    stop = frames if frames_to is None else min(frames_to, frames)
    for begin in range(frames_from, stop, CHUNK_FRAMES):
        end = min(begin + CHUNK_FRAMES, stop)
        result = capture.process_recording(recording, node_id, start=begin, stop=end)
        rows += _rows(node_id, result, start, lambda t: _device_at(device_times, device_values, t))
        if advance is not None:
            advance(end - begin)
    span = next((n for n in recording.summary()["nodes"] if n["node_id"] == node_id), None)
    duration = span["last_timestamp"] - span["first_timestamp"] if span else 0.0
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


# Marker per status: a DEGRADED or UNRELIABLE estimate never looks like a VALID one.
_STATUS_STYLE = {
    "VALID": {"marker": "o", "fillstyle": "full", "alpha": 1.0},
    "DEGRADED": {"marker": "o", "fillstyle": "none", "alpha": 0.8},
    "UNRELIABLE": {"marker": "x", "fillstyle": "full", "alpha": 0.45},
}


def plot_reports(
    reports: Sequence[NodeReport], recording: Recording | None, path: Path, unit: str = "node"
) -> None:
    """An image (format from the suffix: PNG, SVG, PDF) with two panels per node (or link),
    breathing and heart rate (BPM): the pipeline's readings marked by status (filled VALID,
    open DEGRADED, faint x UNRELIABLE) and, from a recording, the node's own estimates as a
    dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = recording.records[0].timestamp if recording is not None and len(recording) else 0.0
    fig, axes = plt.subplots(
        2 * len(reports), 1, figsize=(9, 2.6 * 2 * len(reports)), squeeze=False, sharex=True
    )
    for n, report in enumerate(reports):
        device = recording.vitals(report.node_id) if recording is not None else []
        device_t = [v.timestamp - start for v in device]
        for ax, vital, device_values, color in (
            (
                axes[2 * n, 0],
                "breathing",
                [v.breathing_bpm or math.nan for v in device],
                "tab:blue",
            ),
            (axes[2 * n + 1, 0], "heart", [v.heart_bpm or math.nan for v in device], "tab:red"),
        ):
            t = [r.time_s for r in report.rows]
            values = [getattr(r, f"{vital}_bpm") for r in report.rows]
            statuses = [getattr(r, f"{vital}_status") for r in report.rows]
            line = [math.nan if v is None else v for v in values]
            ax.plot(t, line, "-", color=color, alpha=0.3, linewidth=1)
            for status, style in _STATUS_STYLE.items():
                points = [
                    (ti, v)
                    for ti, v, s in zip(t, values, statuses, strict=True)
                    if s == status and v is not None
                ]
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(
                        xs,
                        ys,
                        linestyle="none",
                        color=color,
                        markersize=5,
                        label=f"pipeline, {status.lower()}",
                        **style,
                    )
            if device_t:
                ax.step(
                    device_t,
                    device_values,
                    where="post",
                    color="black",
                    alpha=0.6,
                    linestyle="--",
                    label="device",
                )
            ax.set_ylabel(f"{vital} (BPM)")
            ax.set_title(f"{unit} {report.node_id}: {vital}", fontsize="medium", loc="left")
            ax.grid(alpha=0.3)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    axes[-1, 0].set_xlabel(
        "time since the first line (s)"
        if recording is not None
        else "time since the first frame (s)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
