"""Home Assistant MQTT discovery and state payloads of a sensing server, parsed (read-only).

A server announces every entity of every node with a retained config message on
``<prefix>/<component>/wifi_densepose_<node_key>/<slug>/config``. :func:`parse_discovery`
turns one into a frozen :class:`DiscoveredEntity`; :func:`parse_state` turns a message of the
entity's state topic into a typed value:

.. code-block:: python

    entity = parse_discovery(topic, payload)
    if not entity.removed and entity.slug == "heart_rate":
        state = parse_state(entity, state_payload)   # SensorState(value=68.2, unit="bpm", ...)

Both availability forms are accepted: the two-topic list with ``availability_mode: "all"``
(servers with a Last Will) and the single ``availability_topic`` (RuView-compatible servers).
Device and origin strings are informational; nothing here depends on them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from wifi_densepose.errors import ValidationError

__all__ = [
    "BIOMETRIC_SLUGS",
    "COMPONENTS",
    "NODE_PREFIX",
    "AvailabilityTopic",
    "BinaryState",
    "DiscoveredEntity",
    "DiscoveryError",
    "EntityState",
    "EventState",
    "HaDevice",
    "SensorState",
    "StateValue",
    "node_key",
    "parse_availability",
    "parse_discovery",
    "parse_state",
    "server_availability_topic",
    "server_tag",
]

#: The Home Assistant components a sensing server announces.
COMPONENTS = frozenset({"binary_sensor", "sensor", "event"})
#: Prefix of the node level of every entity topic (``wifi_densepose_<node_key>``).
NODE_PREFIX = "wifi_densepose_"
#: Entities withheld by a server in privacy mode.
BIOMETRIC_SLUGS = frozenset(
    {"breathing_rate", "heart_rate", "pose", "someone_sleeping", "possible_distress"}
)

_TEMPLATE_KEY = re.compile(r"^\{\{\s*value_json\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


class DiscoveryError(ValidationError):
    """A discovery topic or payload does not have the shape of docs/wire.md §7.4."""


_GENERATED_PREFIX = "wifi-densepose-"


def server_tag(client_id: str) -> str:
    """The server's part of its node keys (docs/wire.md §7.3): the ASCII letters (lowercased)
    and digits of the MQTT client id, without the ``wifi-densepose-`` prefix of generated ids
    (``wifi-densepose-1a2b3c4d`` → ``1a2b3c4d``); ``server`` if nothing is left."""
    tag = "".join(
        c.lower() for c in client_id.removeprefix(_GENERATED_PREFIX) if c.isascii() and c.isalnum()
    )
    return tag or "server"


def node_key(client_id: str, node_id: int | None) -> str:
    """The node key of ESP32 node ``node_id`` (``<server_tag>node<N>``, letters and digits
    only), or the bare server tag for the aggregate node (``None``)."""
    tag = server_tag(client_id)
    return tag if node_id is None else f"{tag}node{node_id}"


def server_availability_topic(client_id: str) -> str:
    """``ruview/<client_id>/availability``: ``offline`` there means every entity is down."""
    return f"ruview/{client_id}/availability"


def parse_availability(payload: bytes | str) -> bool:
    """``True`` for ``online``, ``False`` for ``offline``; anything else raises."""
    text = _text(payload, "availability payload").strip()
    if text == "online":
        return True
    if text == "offline":
        return False
    raise DiscoveryError(f"availability payload: expected 'online' or 'offline', got {text!r}")


@dataclass(frozen=True)
class HaDevice:
    """The Home Assistant device an entity belongs to (one per node)."""

    identifiers: tuple[str, ...]
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    sw_version: str | None = None


@dataclass(frozen=True)
class AvailabilityTopic:
    """One availability topic and the payloads that mean available / unavailable."""

    topic: str
    payload_available: str = "online"
    payload_not_available: str = "offline"


@dataclass(frozen=True)
class DiscoveredEntity:
    """One entity announced by a discovery config message.

    ``removed`` is true for an empty retained config (the entity was withdrawn); only the
    topic-derived fields (``component``, ``node_key``, ``slug``, ``config_topic``) are set then.
    ``unit`` is the ``unit_of_measurement`` (``"bpm"``, ``"%"``, ``"dBm"``, ...);
    ``value_key`` is the JSON key the value template reads (``"bpm"`` for
    ``{{ value_json.bpm }}``).
    """

    config_topic: str
    component: str
    node_key: str
    slug: str
    removed: bool = False
    name: str | None = None
    unique_id: str | None = None
    state_topic: str | None = None
    availability: tuple[AvailabilityTopic, ...] = ()
    availability_mode: str = "latest"
    device_class: str | None = None
    state_class: str | None = None
    unit: str | None = None
    icon: str | None = None
    value_template: str | None = None
    value_key: str | None = None
    json_attributes_topic: str | None = None
    event_types: tuple[str, ...] = ()
    payload_on: str = "ON"
    payload_off: str = "OFF"
    qos: int = 0
    device: HaDevice | None = None
    #: The whole decoded config (read-only view).
    payload: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def biometric(self) -> bool:
        """Whether privacy mode withholds this entity."""
        return self.slug in BIOMETRIC_SLUGS


@dataclass(frozen=True)
class BinaryState:
    """A binary sensor state (``ON`` / ``OFF``)."""

    on: bool


@dataclass(frozen=True)
class SensorState:
    """A sensor state: ``value`` is what the value template selects, in ``unit``.

    ``attributes`` holds the whole JSON payload (e.g. ``confidence`` and ``ts`` of a vital
    sign); ``ts`` is parsed from the payload's ``ts`` when present (UTC).
    """

    value: float | None
    unit: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    ts: datetime | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class EventState:
    """One event (``fall_detected``, ``bed_exit``, ``transition``)."""

    event_type: str
    ts: datetime | None = None
    confidence: float | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


StateValue = BinaryState | SensorState | EventState


@dataclass(frozen=True)
class EntityState:
    """A parsed state message together with the entity it belongs to."""

    entity: DiscoveredEntity
    value: StateValue


def parse_discovery(topic: str, payload: bytes | str) -> DiscoveredEntity:
    """Parses one discovery config message.

    Raises :class:`DiscoveryError` when the topic is not ``<prefix>/<component>/<node>/<slug>/
    config``, the payload is not a JSON object, or a required key (``state_topic``, or an
    availability in either form) is missing.
    """
    levels = topic.split("/")
    if len(levels) < 5 or levels[-1] != "config":
        raise DiscoveryError(
            f"discovery topic: expected <prefix>/<component>/<node>/<slug>/config, got {topic!r}"
        )
    component, node_level, slug = levels[-4], levels[-3], levels[-2]
    if component not in COMPONENTS:
        raise DiscoveryError(f"discovery topic: unknown component {component!r} in {topic!r}")
    key = node_level.removeprefix(NODE_PREFIX)
    text = _text(payload, "discovery payload")
    if not text.strip():
        return DiscoveredEntity(topic, component, key, slug, removed=True)
    doc = _json_object(text, "discovery payload")
    state_topic = _opt_str(doc, "state_topic")
    if state_topic is None:
        raise DiscoveryError(f"discovery payload of {topic!r}: missing 'state_topic'")
    template = _opt_str(doc, "value_template")
    match = _TEMPLATE_KEY.match(template.strip()) if template is not None else None
    availability, mode = _availability(doc, topic)
    event_types = doc.get("event_types", [])
    if not isinstance(event_types, list) or not all(isinstance(e, str) for e in event_types):
        raise DiscoveryError(
            f"discovery payload of {topic!r}: 'event_types' is not a list of strings"
        )
    qos = doc.get("qos", 0)
    if qos not in (0, 1, 2):
        raise DiscoveryError(
            f"discovery payload of {topic!r}: 'qos' must be 0, 1 or 2, got {qos!r}"
        )
    return DiscoveredEntity(
        config_topic=topic,
        component=component,
        node_key=key,
        slug=slug,
        name=_opt_str(doc, "name"),
        unique_id=_opt_str(doc, "unique_id"),
        state_topic=state_topic,
        availability=availability,
        availability_mode=mode,
        device_class=_opt_str(doc, "device_class"),
        state_class=_opt_str(doc, "state_class"),
        unit=_opt_str(doc, "unit_of_measurement"),
        icon=_opt_str(doc, "icon"),
        value_template=template,
        value_key=match.group(1) if match else None,
        json_attributes_topic=_opt_str(doc, "json_attributes_topic"),
        event_types=tuple(event_types),
        payload_on=_opt_str(doc, "payload_on") or "ON",
        payload_off=_opt_str(doc, "payload_off") or "OFF",
        qos=int(qos),
        device=_device(doc.get("device")),
        payload=MappingProxyType(doc),
    )


def parse_state(entity: DiscoveredEntity, payload: bytes | str) -> StateValue:
    """Parses a message of ``entity``'s state topic into its typed value.

    Binary sensors give :class:`BinaryState`; sensors :class:`SensorState` (the value named
    by the value template, extra keys kept as attributes); events :class:`EventState`.
    Raises :class:`DiscoveryError` for a payload that does not fit the entity.
    """
    if entity.removed:
        raise DiscoveryError(f"entity {entity.slug!r} of {entity.node_key!r} was removed")
    text = _text(payload, f"{entity.slug} state").strip()
    if entity.component == "binary_sensor":
        if text == entity.payload_on:
            return BinaryState(True)
        if text == entity.payload_off:
            return BinaryState(False)
        expected = f"{entity.payload_on!r} or {entity.payload_off!r}"
        raise DiscoveryError(f"{entity.slug} state: expected {expected}, got {text!r}")
    if entity.component == "event":
        doc = _json_object(text, f"{entity.slug} state")
        event_type = doc.get("event_type")
        if not isinstance(event_type, str):
            raise DiscoveryError(f"{entity.slug} state: missing 'event_type'")
        if entity.event_types and event_type not in entity.event_types:
            raise DiscoveryError(
                f"{entity.slug} state: event_type {event_type!r} not in {list(entity.event_types)}"
            )
        confidence = _opt_float(doc, "confidence")
        return EventState(event_type, _ts(doc), confidence, MappingProxyType(doc))
    if entity.value_key is None:
        return SensorState(_number(text, entity.slug), entity.unit)
    doc = _json_object(text, f"{entity.slug} state")
    raw = doc.get(entity.value_key)
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
        raise DiscoveryError(f"{entity.slug} state: {entity.value_key!r} is not a number: {raw!r}")
    value = None if raw is None else float(raw)
    confidence = _opt_float(doc, "confidence")
    return SensorState(value, entity.unit, MappingProxyType(doc), _ts(doc), confidence)


def _text(payload: bytes | str, what: str) -> str:
    if isinstance(payload, str):
        return payload
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DiscoveryError(f"{what}: not UTF-8 ({e})") from e


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DiscoveryError(f"{what}: not JSON ({e.msg} at offset {e.pos})") from e
    if not isinstance(doc, dict):
        raise DiscoveryError(f"{what}: expected a JSON object, got {type(doc).__name__}")
    return doc


def _opt_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DiscoveryError(f"{key!r} must be a string, got {value!r}")
    return value


def _opt_float(doc: Mapping[str, Any], key: str) -> float | None:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _number(text: str, slug: str) -> float:
    try:
        return float(text)
    except ValueError as e:
        raise DiscoveryError(f"{slug} state: expected a number, got {text!r}") from e


def _ts(doc: Mapping[str, Any]) -> datetime | None:
    raw = doc.get("ts")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as e:
        raise DiscoveryError(f"'ts' is not ISO-8601: {raw!r}") from e


def _availability(doc: Mapping[str, Any], topic: str) -> tuple[tuple[AvailabilityTopic, ...], str]:
    default_on = _opt_str(doc, "payload_available") or "online"
    default_off = _opt_str(doc, "payload_not_available") or "offline"
    entries = doc.get("availability")
    single = _opt_str(doc, "availability_topic")
    if entries is not None and single is not None:
        raise DiscoveryError(
            f"discovery payload of {topic!r}: 'availability' and 'availability_topic' together"
        )
    if single is not None:
        return (AvailabilityTopic(single, default_on, default_off),), "latest"
    if entries is None:
        return (), "latest"
    if not isinstance(entries, list):
        raise DiscoveryError(f"discovery payload of {topic!r}: 'availability' is not a list")
    parsed = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("topic"), str):
            raise DiscoveryError(f"discovery payload of {topic!r}: availability[{i}] has no topic")
        parsed.append(
            AvailabilityTopic(
                entry["topic"],
                _opt_str(entry, "payload_available") or default_on,
                _opt_str(entry, "payload_not_available") or default_off,
            )
        )
    mode = _opt_str(doc, "availability_mode") or "latest"
    if mode not in ("all", "any", "latest"):
        raise DiscoveryError(f"discovery payload of {topic!r}: unknown availability_mode {mode!r}")
    return tuple(parsed), mode


def _device(raw: object) -> HaDevice | None:
    if not isinstance(raw, dict):
        return None
    ids = raw.get("identifiers", [])
    identifiers = (ids,) if isinstance(ids, str) else tuple(str(i) for i in ids or [])
    return HaDevice(
        identifiers=identifiers,
        name=_opt_str(raw, "name"),
        manufacturer=_opt_str(raw, "manufacturer"),
        model=_opt_str(raw, "model"),
        sw_version=_opt_str(raw, "sw_version"),
    )
