"""Vital-sign readings of a recording, per node, next to the node's own edge vitals.

Used by ``wifi-densepose vitals``. Each node's raw CSI frames of one subcarrier count are fed,
in arrival order, to a ``VitalsPipeline`` whose sample rate is the measured frame rate of those
frames (ESP32 frames arrive irregularly, about 20 per second; the pipeline treats them as
evenly spaced). Breathing needs 10 s of CSI and heart rate 5 s before a first estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wifi_densepose import iq_to_polar
from wifi_densepose.io import Recording
from wifi_densepose.vitals import VitalsPipeline, VitalStatus

CHUNK_FRAMES = 2_000
"""Frames per `process` call: the pipeline keeps its state, so chunks only pace progress."""


@dataclass(frozen=True)
class ReadingRow:
    """One pipeline reading; rates in BPM (None when unavailable), times in seconds."""

    node_id: int
    time_s: float
    timestamp: float
    breathing_bpm: float | None
    breathing_confidence: float
    breathing_status: str
    heart_bpm: float | None
    heart_confidence: float
    heart_status: str
    signal_quality: float
    device_breathing_bpm: float | None
    device_heartrate_bpm: float | None


@dataclass(frozen=True)
class NodeReport:
    """A node's readings and how they compare with its own edge-vitals packets."""

    node_id: int
    n_subcarriers: int
    frames: int
    duration_s: float
    sample_rate_hz: float
    device_vitals: int
    rows: tuple[ReadingRow, ...]

    @property
    def heart_mean_abs_diff_bpm(self) -> float | None:
        """Mean |pipeline - device| heart rate over readings where both exist, BPM."""
        diffs = [
            abs(r.heart_bpm - r.device_heartrate_bpm)
            for r in self.rows
            if r.heart_bpm is not None and r.device_heartrate_bpm
        ]
        return sum(diffs) / len(diffs) if diffs else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows"] = [asdict(r) for r in self.rows]
        d["heart_mean_abs_diff_bpm"] = self.heart_mean_abs_diff_bpm
        return d


def _bpm(value: float) -> float | None:
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


def node_report(
    recording: Recording,
    node_id: int,
    *,
    n_subcarriers: int | None = None,
    advance: Callable[[int], None] | None = None,
) -> NodeReport:
    """Runs the vitals pipeline over one node's raw CSI. `advance(n)` reports frames done."""
    timestamps, csi = recording.csi(node_id, n_subcarriers)
    frames, bins = csi.shape
    start = recording.records[0].timestamp if len(recording) else 0.0
    device = recording.vitals(node_id)
    device_times = [v.timestamp for v in device]
    device_values = [(v.breathing_bpm, v.heartrate_bpm) for v in device]
    duration = float(timestamps[-1] - timestamps[0]) if frames > 1 else 0.0
    if frames < 2 or duration <= 0.0:
        if advance is not None:
            advance(frames)
        return NodeReport(node_id, bins, frames, duration, 0.0, len(device), ())

    rate = (frames - 1) / duration
    pipeline = VitalsPipeline(n_subcarriers=bins, sample_rate_hz=rate)
    amplitudes, phases = iq_to_polar(csi)
    rows: list[ReadingRow] = []
    for begin in range(0, frames, CHUNK_FRAMES):
        end = min(begin + CHUNK_FRAMES, frames)
        result = pipeline.process(amplitudes[begin:end], phases[begin:end], sample_rate_hz=rate)
        for i in range(len(result)):
            host_time = float(timestamps[int(result.frame_index[i])])
            device_breathing, device_heart = _device_at(device_times, device_values, host_time)
            rows.append(
                ReadingRow(
                    node_id=node_id,
                    time_s=host_time - start,
                    timestamp=host_time,
                    breathing_bpm=_bpm(result.breathing_bpm[i]),
                    breathing_confidence=float(result.breathing_confidence[i]),
                    breathing_status=VitalStatus(int(result.breathing_status[i])).name,
                    heart_bpm=_bpm(result.heart_bpm[i]),
                    heart_confidence=float(result.heart_confidence[i]),
                    heart_status=VitalStatus(int(result.heart_status[i])).name,
                    signal_quality=float(result.signal_quality[i]),
                    device_breathing_bpm=device_breathing,
                    device_heartrate_bpm=device_heart,
                )
            )
        if advance is not None:
            advance(end - begin)
    return NodeReport(node_id, bins, frames, duration, rate, len(device), tuple(rows))


def plot_reports(reports: Sequence[NodeReport], recording: Recording, path: Path) -> None:
    """A PNG with one panel per node: pipeline and device heart and breathing rates (BPM)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = recording.records[0].timestamp if len(recording) else 0.0
    fig, axes = plt.subplots(len(reports), 1, figsize=(9, 3.2 * len(reports)), squeeze=False)
    for ax, report in zip(axes[:, 0], reports, strict=True):
        device = recording.vitals(report.node_id)
        t = [r.time_s for r in report.rows]
        heart = [math.nan if r.heart_bpm is None else r.heart_bpm for r in report.rows]
        breathing = [math.nan if r.breathing_bpm is None else r.breathing_bpm for r in report.rows]
        ax.plot(t, heart, "o-", color="tab:red", label="heart, pipeline")
        ax.plot(t, breathing, "o-", color="tab:blue", label="breathing, pipeline")
        device_t = [v.timestamp - start for v in device]
        ax.step(
            device_t,
            [v.heartrate_bpm for v in device],
            where="post",
            color="tab:red",
            alpha=0.5,
            linestyle="--",
            label="heart, device",
        )
        ax.step(
            device_t,
            [v.breathing_bpm for v in device],
            where="post",
            color="tab:blue",
            alpha=0.5,
            linestyle="--",
            label="breathing, device",
        )
        ax.set_title(
            f"node {report.node_id}: {report.frames} frames of {report.n_subcarriers} "
            f"bins at {report.sample_rate_hz:.1f} Hz"
        )
        ax.set_xlabel("time since the first line (s)")
        ax.set_ylabel("rate (BPM)")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
