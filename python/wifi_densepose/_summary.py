"""The dict types of ``Recording.summary()`` (plain dicts at run time, typed for checkers)."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["NodeSummary", "RecordingSummary"]


class NodeSummary(TypedDict):
    """What one node contributed to a recording: line counts per kind, its raw CSI layouts
    as ``(n_subcarriers, frames)`` most frequent first, per layout the bins that never change
    (DC and guard subcarriers), its first and last timestamps (Unix seconds) and its raw CSI
    and vitals rates in Hz (None with fewer than two lines of that kind)."""

    node_id: int
    lines: int
    raw_csi: int
    vitals: int
    feature: int
    untyped: int
    other: int
    layouts: list[tuple[int, int]]
    null_bins: dict[int, list[int]]
    first_timestamp_s: float
    last_timestamp_s: float
    first_timestamp: float  # deprecated 2.0 spelling of first_timestamp_s (removed in 2.2)
    last_timestamp: float  # deprecated 2.0 spelling of last_timestamp_s (removed in 2.2)
    csi_rate_hz: float | None
    vitals_rate_hz: float | None


class RecordingSummary(TypedDict):
    """Counts, time span (Unix seconds; None for an empty recording) and nodes of a
    recording: ``kinds`` maps each line ``type`` (``"untyped"`` for lines without one) to its
    count, sorted by name."""

    records: int
    bad_lines: int
    kinds: dict[str, int]
    first_timestamp_s: float | None
    last_timestamp_s: float | None
    duration_s: float
    first_timestamp: float | None  # deprecated 2.0 spelling of first_timestamp_s (2.2 drops it)
    last_timestamp: float | None  # deprecated 2.0 spelling of last_timestamp_s (2.2 drops it)
    duration_secs: float  # deprecated 2.0 spelling of duration_s (2.2 drops it)
    nodes: list[NodeSummary]
