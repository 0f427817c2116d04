"""Typed, frozen messages of the sensing WebSocket (``/ws/sensing``).

:func:`parse_message` turns one JSON object into :class:`SensingUpdate`, :class:`EdgeVitals`,
:class:`EdgeFusedVitals`, :class:`WasmEvent`, :class:`SemanticPrimitives` or
:class:`UnknownMessage`. It accepts the shapes of this project's server and of
RuView-compatible servers: nullable rates or ``0.0`` meaning "no estimate",
``heart_rate_bpm`` and ``heartrate_bpm`` spellings, missing optional keys, unknown keys and
unknown message types. Every message keeps the decoded JSON object as ``raw``; every key
this project's server sends is also a typed attribute (``JSON_NAMES`` of a class maps a JSON key
onto its attribute where the names differ).

Staleness: a :class:`SensingUpdate` carries ``age_s``, the seconds between the reading's
``timestamp`` and its reception (the server's ``age_ms`` when the message has it, as
``GET /api/v1/sensing/latest`` answers do), and ``is_stale`` compares it with
``stale_after_s`` (default :data:`DEFAULT_STALE_AFTER_S`; ``SensingClient(stale_after_s=...)``
sets it).

The JSON keys are the server's (docs/wire.md §3.3-3.5: ``breathing_rate_bpm``, ``heart_rate_bpm``,
``heartrate_bpm``, ``heartbeat_confidence``, ``hr_bpm``, ``br_bpm``); they are mapped here, once,
onto the package's spelling: ``breathing_bpm``, ``heart_bpm``, ``heart_confidence``. The 2.0
attribute names still work with a ``DeprecationWarning`` until 2.2.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

from wifi_densepose._deprecation import deprecated_alias

__all__ = [
    "DEFAULT_STALE_AFTER_S",
    "Classification",
    "EdgeFusedVitals",
    "EdgeVitals",
    "Features",
    "Message",
    "MmwaveReading",
    "NodeFeatures",
    "NodeInfo",
    "SemanticNode",
    "SemanticPrimitive",
    "SemanticPrimitives",
    "SensingUpdate",
    "SignalField",
    "SyncInfo",
    "UnknownMessage",
    "VitalSigns",
    "WasmEvent",
    "WasmEventEntry",
    "parse_message",
]

DEFAULT_STALE_AFTER_S = 5.0
"""Seconds after which a reading counts as stale: the server's own threshold (without sensing
data for 5 s its source becomes ``"esp32:offline"``); a live server sends a new update every
tick (100 ms by default)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _frozen(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(raw))


def _number(value: object) -> float | None:
    """A finite JSON number as float (bools are not numbers), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _float(value: object, default: float = 0.0) -> float:
    number = _number(value)
    return default if number is None else number


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _bool(value: object, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return default


def _optional_bool(value: object) -> bool | None:
    return None if value is None else _bool(value)


def _rate(value: object) -> float | None:
    """A rate in BPM; ``null``, ``0.0`` and non-numbers all mean "no estimate"."""
    number = _number(value)
    return number if number is not None and number > 0.0 else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _objects(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON array (other items and non-arrays are skipped)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _floats(value: object) -> tuple[float, ...]:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        return ()
    return tuple(_float(v) for v in value)


def _first_present(data: Mapping[str, Any], *keys: str) -> object:
    for key in keys:
        if key in data:
            return data[key]
    return None


_VITALS_JSON_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "breathing_rate_bpm": "breathing_bpm",
        "heartrate_bpm": "heart_bpm",
        "heart_rate_bpm": "heart_bpm",
    }
)


def _device_flags(data: Mapping[str, Any]) -> dict[str, Any]:
    """The device's flags and RSSI (dBm) of ``edge_vitals`` and ``edge_fused_vitals``."""
    return {
        "presence": _bool(data.get("presence")),
        "fall_detected": _bool(data.get("fall_detected")),
        "motion": _bool(data.get("motion")),
        "rssi": _optional_int(data.get("rssi")),
    }


def _node_vitals(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields ``edge_vitals`` and ``edge_fused_vitals`` share, as keyword arguments."""
    return {
        "node_id": _int(data.get("node_id")),
        "breathing_bpm": _rate(_first_present(data, "breathing_rate_bpm", "breathing_bpm")),
        "heart_bpm": _rate(_first_present(data, "heartrate_bpm", "heart_rate_bpm")),
        "n_persons": _int(data.get("n_persons")),
        "motion_energy": _float(data.get("motion_energy")),
        "presence_score": _float(data.get("presence_score")),
        "person_count_valid": _optional_bool(data.get("person_count_valid")),
        "timestamp_ms": _optional_int(data.get("timestamp_ms")),
        "raw": _frozen(data),
    }


@dataclass(frozen=True)
class SyncInfo:
    """A node's clock synchronisation (docs/wire.md §3.3 ``nodes[].sync``): ``offset_us`` of
    its clock to the leader's in microseconds, whether it ``is_leader``, whether the offset
    ``is_valid`` and ``smoothed``, the last sync packet's ``sequence``, its CSI frame rate as
    an exponential moving average ``csi_fps_ema`` in Hz over ``csi_fps_samples`` frames, and
    ``staleness_ms`` since its last sync packet in milliseconds (``None`` when not sent)."""

    offset_us: int
    is_leader: bool
    is_valid: bool
    smoothed: bool
    sequence: int
    csi_fps_ema: float
    csi_fps_samples: int
    staleness_ms: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncInfo:
        return cls(
            offset_us=_int(data.get("offset_us")),
            is_leader=_bool(data.get("is_leader")),
            is_valid=_bool(data.get("is_valid")),
            smoothed=_bool(data.get("smoothed")),
            sequence=_int(data.get("sequence")),
            csi_fps_ema=_float(data.get("csi_fps_ema")),
            csi_fps_samples=_int(data.get("csi_fps_samples")),
            staleness_ms=_optional_int(data.get("staleness_ms")),
        )


@dataclass(frozen=True)
class NodeInfo:
    """One node in ``sensing_update.nodes``.

    ``rssi_dbm`` is in dBm (-90.0 when the node never reported one); ``position`` in metres;
    ``amplitude`` holds up to 56 bin amplitudes of the node's latest raw frame (linear units);
    ``sync`` is the raw ``sync`` object and ``sync_info`` the same typed (both ``None`` for
    nodes that send no sync packets).
    """

    node_id: int
    rssi_dbm: float
    position: tuple[float, float, float]
    amplitude: tuple[float, ...]
    subcarrier_count: int
    sync: Mapping[str, Any] | None
    sync_info: SyncInfo | None = None

    JSON_NAMES: ClassVar[Mapping[str, str]] = MappingProxyType({"sync": "sync_info"})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NodeInfo:
        position = _floats(data.get("position"))
        x, y, z = (*position, 0.0, 0.0, 0.0)[:3] if position else (2.0, 0.0, 1.5)
        sync = data.get("sync")
        return cls(
            node_id=_int(data.get("node_id")),
            rssi_dbm=_float(data.get("rssi_dbm"), -90.0),
            position=(x, y, z),
            amplitude=_floats(data.get("amplitude")),
            subcarrier_count=_int(data.get("subcarrier_count")),
            sync=_frozen(sync) if isinstance(sync, Mapping) else None,
            sync_info=SyncInfo.from_json(sync) if isinstance(sync, Mapping) else None,
        )


@dataclass(frozen=True)
class Features:
    """Room-level signal features: RSSI in dBm, band powers in amplitude² units, Hz."""

    mean_rssi: float = 0.0
    variance: float = 0.0
    motion_band_power: float = 0.0
    breathing_band_power: float = 0.0
    dominant_freq_hz: float = 0.0
    spectral_power: float = 0.0
    change_points: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Features:
        return cls(
            mean_rssi=_float(data.get("mean_rssi")),
            variance=_float(data.get("variance")),
            motion_band_power=_float(data.get("motion_band_power")),
            breathing_band_power=_float(data.get("breathing_band_power")),
            dominant_freq_hz=_float(data.get("dominant_freq_hz")),
            spectral_power=_float(data.get("spectral_power")),
            change_points=_int(data.get("change_points")),
        )


@dataclass(frozen=True)
class Classification:
    """``motion_level`` is ``absent``, ``present_still``, ``present_moving``, ``active`` or
    any other label a server sends; ``confidence`` is in 0..1."""

    motion_level: str = "absent"
    presence: bool = False
    confidence: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Classification:
        level = data.get("motion_level")
        motion_level = level if isinstance(level, str) else "absent"
        presence = data.get("presence")
        return cls(
            motion_level=motion_level,
            presence=_bool(presence) if presence is not None else motion_level != "absent",
            confidence=_float(data.get("confidence")),
        )


@dataclass(frozen=True)
class VitalSigns:
    """Room vitals: rates in BPM (``None`` = no estimate), confidences and quality in 0..1,
    statuses as ``VitalStatus`` names (``None`` from servers that do not send them) and whether
    an estimate's window spans a gap in the node's frames."""

    breathing_bpm: float | None
    heart_bpm: float | None
    breathing_confidence: float = 0.0
    heart_confidence: float = 0.0
    signal_quality: float = 0.0
    breathing_status: str | None = None
    heart_status: str | None = None
    spans_gap: bool = False

    JSON_NAMES: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "breathing_rate_bpm": "breathing_bpm",
            "heart_rate_bpm": "heart_bpm",
            "heartrate_bpm": "heart_bpm",
            "heartbeat_confidence": "heart_confidence",
        }
    )
    breathing_rate_bpm = deprecated_alias("breathing_bpm", "VitalSigns")
    heart_rate_bpm = deprecated_alias("heart_bpm", "VitalSigns")
    heartbeat_confidence = deprecated_alias("heart_confidence", "VitalSigns")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VitalSigns:
        return cls(
            breathing_bpm=_rate(_first_present(data, "breathing_rate_bpm", "breathing_bpm")),
            heart_bpm=_rate(_first_present(data, "heart_rate_bpm", "heartrate_bpm")),
            breathing_confidence=_float(data.get("breathing_confidence")),
            heart_confidence=_float(data.get("heartbeat_confidence")),
            signal_quality=_float(data.get("signal_quality")),
            breathing_status=_status(data.get("breathing_status")),
            heart_status=_status(data.get("heart_status")),
            spans_gap=data.get("spans_gap") is True,
        )


def _status(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class NodeFeatures:
    """One node of ``sensing_update.node_features``: the node's own ``features`` and
    ``classification``, ``rssi_dbm`` in dBm, ``last_seen_ms`` since its last packet in
    milliseconds, ``frame_rate_hz`` of its CSI in Hz and ``stale`` (the server has had no
    packet from it for a while)."""

    node_id: int
    features: Features
    classification: Classification
    rssi_dbm: float
    last_seen_ms: int
    frame_rate_hz: float
    stale: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NodeFeatures:
        return cls(
            node_id=_int(data.get("node_id")),
            features=Features.from_json(_mapping(data.get("features"))),
            classification=Classification.from_json(_mapping(data.get("classification"))),
            rssi_dbm=_float(data.get("rssi_dbm"), -90.0),
            last_seen_ms=_int(data.get("last_seen_ms")),
            frame_rate_hz=_float(data.get("frame_rate_hz")),
            stale=_bool(data.get("stale")),
        )


@dataclass(frozen=True)
class SignalField:
    """``sensing_update.signal_field``: ``grid_size`` (x, y, z cells) and the ``values``
    (unitless field strength, index ``z * grid_size[0] + x``)."""

    grid_size: tuple[int, ...]
    values: tuple[float, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignalField:
        size = data.get("grid_size")
        grid = size if isinstance(size, Sequence) and not isinstance(size, (str, bytes)) else ()
        return cls(
            grid_size=tuple(_int(v) for v in grid),
            values=_floats(data.get("values")),
        )


@dataclass(frozen=True)
class SensingUpdate:
    """``sensing_update``: one server update (``timestamp`` in Unix seconds).

    Re-broadcasts repeat ``tick`` and ``timestamp``; a ``source`` ending in ``:offline``
    means the data is frozen (:attr:`is_offline`). ``estimated_persons`` is 0 when absent;
    ``person_count_valid`` is true only when the server counted it from an empty-room
    calibration (False from servers that do not send it).
    ``signal_field`` is the 20 x 20 heat grid, index ``z * 20 + x``.
    ``source_kind`` says what feeds the server (``"esp32"``, ``"simulated"``, ``"mock"``,
    ``"replay"``; ``None`` from servers that do not send it) and ``replay_speed`` a replay's
    speed factor (1.0 = recorded pace).
    ``signal_grid`` is the same grid with its ``grid_size``; ``node_features`` the per-node
    features and classification.

    ``age_s`` is the reading's age in seconds when it was received: the server's ``age_ms``
    when the message carries it (REST ``latest``), else the receiver's clock minus
    ``timestamp`` (never negative; assumes the two clocks agree, as on one host or with NTP);
    ``None`` when unknown (a message parsed without a reception time). :attr:`is_stale` is
    true when ``age_s`` exceeds ``stale_after_s`` seconds or the source is offline.
    """

    timestamp: float
    source: str
    tick: int
    nodes: tuple[NodeInfo, ...]
    features: Features
    classification: Classification
    vital_signs: VitalSigns | None
    estimated_persons: int
    signal_field: tuple[float, ...]
    person_count_valid: bool = False
    source_kind: str | None = None
    replay_speed: float | None = None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=lambda: _EMPTY)
    node_features: tuple[NodeFeatures, ...] = ()
    signal_grid: SignalField | None = None
    age_s: float | None = field(default=None, compare=False)
    stale_after_s: float = field(default=DEFAULT_STALE_AFTER_S, compare=False)

    type = "sensing_update"
    JSON_NAMES: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"signal_field": "signal_grid", "age_ms": "age_s"}
    )

    @property
    def is_offline(self) -> bool:
        """The server's source is offline (``source`` ends in ``:offline``): data is frozen."""
        return self.source.endswith(":offline")

    @property
    def is_stale(self) -> bool:
        """``age_s`` exceeds ``stale_after_s`` seconds, or the source is offline."""
        return self.is_offline or (self.age_s is not None and self.age_s > self.stale_after_s)

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        *,
        received_at_s: float | None = None,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
    ) -> SensingUpdate:
        """The update of one decoded JSON object. ``received_at_s`` (Unix seconds) is when it
        arrived; it gives ``age_s`` when the message has no ``age_ms``."""
        nodes = data.get("nodes")
        node_list = nodes if isinstance(nodes, Sequence) and not isinstance(nodes, str) else ()
        per_node = data.get("node_features")
        per_node_list = (
            per_node if isinstance(per_node, Sequence) and not isinstance(per_node, str) else ()
        )
        vitals = data.get("vital_signs")
        source = data.get("source")
        grid = data.get("signal_field")
        timestamp = _float(data.get("timestamp"))
        age_ms = _number(data.get("age_ms"))
        if age_ms is not None:
            age_s: float | None = max(0.0, age_ms / 1000.0)
        elif received_at_s is not None:
            age_s = max(0.0, received_at_s - timestamp)
        else:
            age_s = None
        return cls(
            timestamp=timestamp,
            source=source if isinstance(source, str) else "",
            tick=_int(data.get("tick")),
            nodes=tuple(NodeInfo.from_json(n) for n in node_list if isinstance(n, Mapping)),
            features=Features.from_json(_mapping(data.get("features"))),
            classification=Classification.from_json(_mapping(data.get("classification"))),
            vital_signs=VitalSigns.from_json(vitals) if isinstance(vitals, Mapping) else None,
            estimated_persons=_int(data.get("estimated_persons")),
            signal_field=_floats(_mapping(data.get("signal_field")).get("values")),
            person_count_valid=data.get("person_count_valid") is True,
            source_kind=_status(data.get("source_kind")),
            replay_speed=_number(data.get("replay_speed")),
            raw=_frozen(data),
            node_features=tuple(
                NodeFeatures.from_json(n) for n in per_node_list if isinstance(n, Mapping)
            ),
            signal_grid=SignalField.from_json(grid) if isinstance(grid, Mapping) else None,
            age_s=age_s,
            stale_after_s=stale_after_s,
        )


@dataclass(frozen=True)
class EdgeVitals:
    """``edge_vitals``: a node's own vitals. Rates in BPM (``None`` = no estimate), ``rssi`` in
    dBm, ``timestamp_ms`` in device milliseconds since boot. ``motion_energy`` and
    ``presence_score`` are the device's unnormalised metrics. ``person_count_valid`` and
    ``timestamp_ms`` are ``None`` when the server does not send them."""

    node_id: int
    presence: bool
    fall_detected: bool
    motion: bool
    breathing_bpm: float | None
    heart_bpm: float | None
    n_persons: int
    motion_energy: float
    presence_score: float
    rssi: int | None
    person_count_valid: bool | None
    timestamp_ms: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=lambda: _EMPTY)

    type = "edge_vitals"
    JSON_NAMES: ClassVar[Mapping[str, str]] = _VITALS_JSON_NAMES
    breathing_rate_bpm = deprecated_alias("breathing_bpm", "EdgeVitals")
    heartrate_bpm = deprecated_alias("heart_bpm", "EdgeVitals")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EdgeVitals:
        return cls(
            **_node_vitals(data),
            **_device_flags(data),
        )


@dataclass(frozen=True)
class MmwaveReading:
    """Raw mmWave sensor values: rates in BPM, distance in cm, confidence 0-100."""

    heart_bpm: float
    breathing_bpm: float
    distance_cm: float
    targets: int
    confidence: int
    sensor_type: int

    JSON_NAMES: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"hr_bpm": "heart_bpm", "br_bpm": "breathing_bpm", "type": "sensor_type"}
    )
    hr_bpm = deprecated_alias("heart_bpm", "MmwaveReading")
    br_bpm = deprecated_alias("breathing_bpm", "MmwaveReading")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MmwaveReading:
        return cls(
            heart_bpm=_float(data.get("hr_bpm")),
            breathing_bpm=_float(data.get("br_bpm")),
            distance_cm=_float(data.get("distance_cm")),
            targets=_int(data.get("targets")),
            confidence=_int(data.get("confidence")),
            sensor_type=_int(data.get("type")),
        )


@dataclass(frozen=True)
class EdgeFusedVitals:
    """``edge_fused_vitals``: CSI + mmWave vitals of a node. Rates in BPM (``None`` = no
    estimate), ``fusion_confidence`` 0-100, ``timestamp_ms`` in device milliseconds since
    boot, ``motion_energy`` and ``presence_score`` the device's unnormalised metrics. The
    device's flags: ``presence``, ``fall_detected``, ``motion`` and ``mmwave_present`` (an
    mmWave sensor is attached and reporting); ``rssi`` in dBm (``None`` when not sent)."""

    node_id: int
    breathing_bpm: float | None
    heart_bpm: float | None
    n_persons: int
    person_count_valid: bool | None
    fusion_confidence: int
    mmwave: MmwaveReading | None
    motion_energy: float
    presence_score: float
    timestamp_ms: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=lambda: _EMPTY)
    presence: bool = False
    fall_detected: bool = False
    motion: bool = False
    mmwave_present: bool = False
    rssi: int | None = None

    type = "edge_fused_vitals"
    JSON_NAMES: ClassVar[Mapping[str, str]] = _VITALS_JSON_NAMES
    breathing_rate_bpm = deprecated_alias("breathing_bpm", "EdgeFusedVitals")
    heartrate_bpm = deprecated_alias("heart_bpm", "EdgeFusedVitals")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EdgeFusedVitals:
        mmwave = data.get("mmwave")
        return cls(
            **_node_vitals(data),
            fusion_confidence=_int(data.get("fusion_confidence")),
            mmwave=MmwaveReading.from_json(mmwave) if isinstance(mmwave, Mapping) else None,
            **_device_flags(data),
            mmwave_present=_bool(data.get("mmwave_present")),
        )


@dataclass(frozen=True)
class WasmEventEntry:
    """One event of a WASM module: its ``event_type`` code and ``value`` (the module's unit)."""

    event_type: int
    value: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WasmEventEntry:
        return cls(event_type=_int(data.get("event_type")), value=_float(data.get("value")))


@dataclass(frozen=True)
class WasmEvent:
    """``wasm_event``: the output of WASM module ``module_id`` on node ``node_id``."""

    node_id: int
    module_id: int
    events: tuple[WasmEventEntry, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=lambda: _EMPTY)

    type = "wasm_event"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WasmEvent:
        events = data.get("events")
        entries = events if isinstance(events, Sequence) and not isinstance(events, str) else ()
        return cls(
            node_id=_int(data.get("node_id")),
            module_id=_int(data.get("module_id")),
            events=tuple(WasmEventEntry.from_json(e) for e in entries if isinstance(e, Mapping)),
            raw=_frozen(data),
        )


@dataclass(frozen=True)
class SemanticPrimitive:
    """One semantic primitive of a node (docs/wire.md §3.10). ``kind`` is ``"binary"``
    (``on``), ``"score"`` (``score``, 0-100) or ``"event"`` (``last_event_s``); the value is
    ``None`` while the node warms up and when the primitive is ``disabled``. Times are Unix
    seconds of the server's samples: ``since_s`` is when ``on``/``score`` took its value."""

    name: str
    kind: str
    disabled: bool
    on: bool | None
    score: int | None
    since_s: float | None
    last_event_s: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SemanticPrimitive:
        name, kind = data.get("name"), data.get("kind")
        score = data.get("score")
        return cls(
            name=name if isinstance(name, str) else "",
            kind=kind if isinstance(kind, str) else "",
            disabled=_bool(data.get("disabled")),
            on=_optional_bool(data.get("on")),
            score=None if _number(score) is None else _int(score),
            since_s=_number(data.get("since_s")),
            last_event_s=_number(data.get("last_event_s")),
        )


@dataclass(frozen=True)
class SemanticNode:
    """The primitives of one node (``node_id`` ``None`` for a room-level snapshot), its room
    in the zones file, its latest sample (Unix seconds) and the warm-up left (seconds, 0 once
    the primitives run)."""

    node_id: int | None
    room: str | None
    last_sample_s: float | None
    warm_up_remaining_s: float
    primitives: tuple[SemanticPrimitive, ...]

    @property
    def warming_up(self) -> bool:
        """Whether the node's primitives are still in their warm-up."""
        return self.warm_up_remaining_s > 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SemanticNode:
        room = data.get("room")
        return cls(
            node_id=_optional_int(data.get("node_id")),
            room=room if isinstance(room, str) else None,
            last_sample_s=_number(data.get("last_sample_s")),
            warm_up_remaining_s=_float(data.get("warm_up_remaining_s")),
            primitives=tuple(
                SemanticPrimitive.from_json(p) for p in _objects(data.get("primitives"))
            ),
        )


@dataclass(frozen=True)
class SemanticPrimitives:
    """``semantic_primitives`` (also ``GET /api/v1/semantic``): every node's semantic
    primitives, built at ``timestamp_s`` (Unix seconds); ``warm_up_s`` is the warm-up of a
    node after its first sample (seconds)."""

    timestamp_s: float | None
    warm_up_s: float | None
    nodes: tuple[SemanticNode, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=lambda: _EMPTY)

    type = "semantic_primitives"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SemanticPrimitives:
        return cls(
            timestamp_s=_number(data.get("timestamp_s")),
            warm_up_s=_number(data.get("warm_up_s")),
            nodes=tuple(SemanticNode.from_json(n) for n in _objects(data.get("nodes"))),
            raw=_frozen(data),
        )


@dataclass(frozen=True)
class UnknownMessage:
    """Any other ``type`` (e.g. vendor frames), kept as its raw object."""

    type: str
    raw: Mapping[str, Any] = field(repr=False, default_factory=lambda: _EMPTY)


Message: TypeAlias = (
    SensingUpdate | EdgeVitals | EdgeFusedVitals | WasmEvent | SemanticPrimitives | UnknownMessage
)

_PARSERS: dict[str, Callable[[Mapping[str, Any]], Message]] = {
    "edge_vitals": EdgeVitals.from_json,
    "edge_fused_vitals": EdgeFusedVitals.from_json,
    "wasm_event": WasmEvent.from_json,
    "semantic_primitives": SemanticPrimitives.from_json,
}


def parse_message(
    data: Mapping[str, Any],
    *,
    received_at_s: float | None = None,
    stale_after_s: float = DEFAULT_STALE_AFTER_S,
) -> Message:
    """The typed message for one decoded JSON object; never raises on odd content.
    ``received_at_s`` (Unix seconds) and ``stale_after_s`` (seconds) give a
    :class:`SensingUpdate` its ``age_s`` and ``is_stale``."""
    kind = data.get("type")
    name = kind if isinstance(kind, str) else ""
    if name == "sensing_update":
        return SensingUpdate.from_json(
            data, received_at_s=received_at_s, stale_after_s=stale_after_s
        )
    parser = _PARSERS.get(name)
    if parser is None:
        return UnknownMessage(type=name, raw=_frozen(data))
    return parser(data)
