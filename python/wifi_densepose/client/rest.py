"""The dict types of the server's REST answers (plain dicts at run time, typed for checkers).

``SensingClient.nodes()`` and ``SyncSensingClient.nodes()`` return ``list[NodeStatus]``: the
``/api/v1/nodes`` listing as the server sends it. No extra is needed to import this module.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = ["NodeStatus", "NodeVitalSigns", "VitalStatusName"]

VitalStatusName = Literal["VALID", "DEGRADED", "UNRELIABLE", "UNAVAILABLE"]
"""A ``wifi_densepose.vitals.VitalStatus`` member's name, as JSON carries it
(``VitalStatus[name]`` gives the member)."""


class NodeVitalSigns(TypedDict):
    """A node's latest vitals: rates in BPM (None without an estimate), confidences and
    quality in 0..1, statuses as ``VitalStatus`` names, and whether an estimate's window spans
    a gap in the node's frames."""

    breathing_rate_bpm: float | None
    heart_rate_bpm: float | None
    breathing_confidence: float
    heartbeat_confidence: float
    signal_quality: float
    breathing_status: VitalStatusName
    heart_status: VitalStatusName
    spans_gap: bool


class _NodeStatusRequired(TypedDict):
    node_id: int
    status: Literal["active", "stale"]
    last_seen_ms: int
    rssi_dbm: float
    motion_level: str
    person_count: int


class NodeStatus(_NodeStatusRequired, total=False):
    """One node of ``GET /api/v1/nodes``: ``status`` "active" or "stale", ``last_seen_ms``
    since its last packet, ``rssi_dbm`` in dBm, ``motion_level`` (``absent``,
    ``present_still``, ``present_moving``, ``active``) and ``person_count``; once it sent raw
    CSI, ``subcarrier_count`` and ``frame_rate_hz`` (capture time); once its vitals run,
    ``vitals_rate_hz`` (the pipeline's grid) and ``vital_signs``; ``sync`` when it sends sync
    packets. Servers of other projects may send fewer or more keys."""

    subcarrier_count: int
    frame_rate_hz: float
    vitals_rate_hz: float
    vital_signs: NodeVitalSigns
    sync: dict[str, Any]
