"""wifi_densepose.client.ha: discovery and state payloads of docs/wire.md §7.4 and 7.8."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import pytest

from wifi_densepose.client.ha import (
    AvailabilityTopic,
    BinaryState,
    DiscoveryError,
    EventState,
    HaDevice,
    SensorState,
    node_key,
    parse_availability,
    parse_discovery,
    parse_state,
    server_availability_topic,
    server_tag,
)
from wifi_densepose.errors import ValidationError

CLIENT = "wifi-densepose-1a2b3c4d"
NODE = "1a2b3c4dnode1"  # docs/wire.md §7.3: letters and digits only
DEVICE = f"wifi_densepose_{NODE}"


def config(component: str, slug: str, **extra: object) -> tuple[str, str]:
    base = f"homeassistant/{component}/{DEVICE}/{slug}"
    doc: dict[str, object] = {
        "name": slug.replace("_", " ").capitalize(),
        "unique_id": f"{DEVICE}_{slug}",
        "default_entity_id": f"{component}.{DEVICE}_{slug}",
        "state_topic": f"{base}/state",
        "availability": [
            {
                "topic": f"ruview/{CLIENT}/availability",
                "payload_available": "online",
                "payload_not_available": "offline",
            },
            {
                "topic": f"{base}/availability",
                "payload_available": "online",
                "payload_not_available": "offline",
            },
        ],
        "availability_mode": "all",
        "payload_available": "online",
        "payload_not_available": "offline",
        "qos": 0 if component == "sensor" else 1,
        "device": {
            "identifiers": [DEVICE],
            "name": "WiFi-DensePose kitchen node 1",
            "manufacturer": "wifi-densepose",
            "model": "WiFi-DensePose sensing server",
            "sw_version": "2.0.0",
        },
        "origin": {"name": "wifi-densepose-sensing-server", "sw_version": "2.0.0"},
    }
    doc.update(extra)
    return f"{base}/config", json.dumps(doc)


def test_binary_sensor_with_the_last_will_form() -> None:
    topic, payload = config(
        "binary_sensor", "presence", payload_on="ON", payload_off="OFF",
        device_class="occupancy", icon="mdi:motion-sensor",
    )  # fmt: skip
    e = parse_discovery(topic, payload.encode())
    assert (e.component, e.node_key, e.slug, e.removed) == (
        "binary_sensor",
        NODE,
        "presence",
        False,
    )
    assert e.unique_id == f"{DEVICE}_presence"
    assert e.device_class == "occupancy"
    assert e.availability == (
        AvailabilityTopic(f"ruview/{CLIENT}/availability"),
        AvailabilityTopic(f"homeassistant/binary_sensor/{DEVICE}/presence/availability"),
    )
    assert e.availability_mode == "all"
    assert e.qos == 1
    assert e.device == HaDevice(
        (DEVICE,), "WiFi-DensePose kitchen node 1", "wifi-densepose",
        "WiFi-DensePose sensing server", "2.0.0",
    )  # fmt: skip
    assert not e.biometric
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.slug = "x"  # type: ignore[misc]
    assert parse_state(e, b"ON") == BinaryState(True)
    assert parse_state(e, "OFF") == BinaryState(False)
    with pytest.raises(DiscoveryError, match="'ON' or 'OFF'"):
        parse_state(e, b"on")


def test_single_topic_availability_form_of_ruview() -> None:
    base = f"homeassistant/sensor/{DEVICE}/rssi"
    doc = {
        "name": "Signal strength",
        "unique_id": f"{DEVICE}_rssi",
        "state_topic": f"{base}/state",
        "availability_topic": f"{base}/availability",
        "device_class": "signal_strength",
        "unit_of_measurement": "dBm",
        "value_template": "{{ value_json.dbm }}",
    }
    e = parse_discovery(f"{base}/config", json.dumps(doc))
    assert e.availability == (AvailabilityTopic(f"{base}/availability"),)
    assert e.availability_mode == "latest"
    assert (e.unit, e.device_class, e.value_key) == ("dBm", "signal_strength", "dbm")
    assert e.device is None
    assert parse_state(e, '{"dbm": -52.0}') == SensorState(-52.0, "dBm")


def test_both_availability_forms_together_are_rejected() -> None:
    topic, payload = config("sensor", "rssi", availability_topic="x/availability")
    with pytest.raises(DiscoveryError, match="together"):
        parse_discovery(topic, payload)


def test_vital_sign_state_with_confidence_and_timestamp() -> None:
    topic, payload = config(
        "sensor", "heart_rate", unit_of_measurement="bpm", state_class="measurement",
        value_template="{{ value_json.bpm }}", icon="mdi:heart-pulse",
    )  # fmt: skip
    e = parse_discovery(topic, payload)
    assert e.biometric
    assert e.qos == 0
    s = parse_state(e, b'{"bpm": 68.2, "confidence": 0.91, "ts": "2026-05-23T14:00:00Z"}')
    assert isinstance(s, SensorState)
    assert s.value == 68.2
    assert s.unit == "bpm"
    assert s.confidence == 0.91
    assert s.ts == datetime(2026, 5, 23, 14, 0, tzinfo=timezone.utc)
    assert s.attributes["confidence"] == 0.91
    with pytest.raises(TypeError):
        s.attributes["bpm"] = 0.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("slug", "template", "payload", "value"),
    [
        ("person_count", "{{ value_json.n_persons }}", '{"n_persons": 1}', 1.0),
        ("motion_level", "{{ value_json.level_pct }}", '{"level_pct": 100}', 100.0),
        ("motion_energy", "{{ value_json.energy }}", '{"energy": 1.2}', 1.2),
        ("presence_score", "{{ value_json.score_pct }}", '{"score_pct": 62.0}', 62.0),
        ("fall_risk_elevated", "{{ value_json.score }}", '{"score": 35}', 35.0),
    ],
)
def test_sensor_payloads_of_7_8(slug: str, template: str, payload: str, value: float) -> None:
    topic, doc = config("sensor", slug, value_template=template)
    s = parse_state(parse_discovery(topic, doc), payload)
    assert isinstance(s, SensorState)
    assert s.value == value


def test_wrong_sensor_value_types() -> None:
    topic, doc = config("sensor", "rssi", value_template="{{ value_json.dbm }}")
    e = parse_discovery(topic, doc)
    with pytest.raises(DiscoveryError, match="not a number"):
        parse_state(e, '{"dbm": "loud"}')
    with pytest.raises(DiscoveryError, match="expected a JSON object, got int"):
        parse_state(e, "-52")
    with pytest.raises(DiscoveryError, match="not JSON"):
        parse_state(e, "{")
    assert parse_state(e, '{"other": 1}') == SensorState(None, None)


def test_event_payloads() -> None:
    topic, doc = config("event", "fall", event_types=["fall_detected"], icon="mdi:human-fall")
    e = parse_discovery(topic, doc)
    assert e.event_types == ("fall_detected",)
    s = parse_state(
        e, '{"event_type": "fall_detected", "ts": "2026-05-23T14:00:00Z", "confidence": 0.9}'
    )
    assert s == EventState("fall_detected", datetime(2026, 5, 23, 14, tzinfo=timezone.utc), 0.9)
    with pytest.raises(DiscoveryError, match="not in"):
        parse_state(e, '{"event_type": "bed_exit"}')
    topic, doc = config("event", "bed_exit", event_types=["bed_exit"])
    bed = parse_state(
        parse_discovery(topic, doc), '{"event_type": "bed_exit", "ts": "2026-05-23T23:10:05Z"}'
    )
    assert isinstance(bed, EventState)
    assert bed.confidence is None


def test_empty_retained_config_means_removed() -> None:
    e = parse_discovery(f"homeassistant/sensor/{DEVICE}/heart_rate/config", b"")
    assert e.removed
    assert (e.node_key, e.slug, e.state_topic) == (NODE, "heart_rate", None)
    with pytest.raises(DiscoveryError, match="removed"):
        parse_state(e, b"{}")


@pytest.mark.parametrize(
    ("topic", "payload", "message"),
    [
        ("homeassistant/sensor/x/config", "{}", "expected <prefix>"),
        ("homeassistant/light/dev/slug/config", "{}", "unknown component"),
        ("homeassistant/sensor/dev/slug/config", "[1]", "JSON object"),
        ("homeassistant/sensor/dev/slug/config", "{", "not JSON"),
        ("homeassistant/sensor/dev/slug/config", '{"name": "x"}', "state_topic"),
        ("homeassistant/sensor/dev/slug/config", '{"state_topic": "s", "qos": 3}', "qos"),
        ("homeassistant/sensor/dev/slug/config", b"\xff", "UTF-8"),
    ],
)
def test_malformed_discovery(topic: str, payload: str | bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message) as info:
        parse_discovery(topic, payload)
    assert isinstance(info.value, ValidationError)
    assert isinstance(info.value, ValueError)


def test_helpers() -> None:
    assert node_key(CLIENT, 1) == NODE
    assert node_key(CLIENT, None) == "1a2b3c4d"
    assert node_key("Kitchen-Pi_2", 12) == "kitchenpi2node12"
    assert server_tag("--") == "server"
    assert server_availability_topic(CLIENT) == f"ruview/{CLIENT}/availability"
    assert parse_availability(b"online") is True
    assert parse_availability("offline") is False
    with pytest.raises(DiscoveryError):
        parse_availability(b"gone")
