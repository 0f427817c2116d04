"""Every discovery payload the server announces, checked against Home Assistant's rules and
RuView's topic parser (docs/wire.md §7.4, §7.5).

One real server (``--mock-frames --zones``, so all 19 node entities and the server device are
announced) publishes to a real mosquitto; each test below checks one rule over every payload.
The rule table cites the Home Assistant documentation each rule comes from; the expected
values are written out here by hand, not taken from the server.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mqtt_support import Broker, Recorder, wait_until
from server_harness import ServerProcess, server_binary

__all__ = ["server_binary"]

CLIENT_ID = "wdp-ha-rules"
TAG = "wdpharules"  # the letters and digits of the client id (wire.md §7.3)
SERVER_DEVICE = f"wifi_densepose_{TAG}server"
NODE_DEVICE = f"wifi_densepose_{TAG}node1"
# Rates given on the command line, Hz, and the publication period of each sensor (s).
RATES = {"--mqtt-rate-vitals": 1.0, "--mqtt-rate-motion": 1.0, "--mqtt-rate-count": 0.5,
         "--mqtt-rate-rssi": 0.05}  # fmt: skip
PERIOD_S = {"breathing_rate": 1.0, "heart_rate": 1.0, "motion_level": 1.0, "motion_energy": 1.0,
            "presence_score": 1.0, "person_count": 2.0, "rssi": 20.0}  # fmt: skip
HEARTBEAT_S = 60.0  # binary sensors and the fall-risk score repeat their state (wire.md §7.3)

# ADR-115 §3.12 names of the semantic primitives (wire.md §7.10).
ADR_115_PRIMITIVES = {
    "someone_sleeping", "possible_distress", "room_active", "elderly_inactivity_anomaly",
    "meeting_in_progress", "bathroom_occupied", "fall_risk_elevated", "bed_exit", "no_movement",
    "multi_room_transition",
}  # fmt: skip
DIAGNOSTIC = {"rssi", "presence_score", "motion_energy", "connectivity"}
PRECISION = {
    "person_count": 0, "breathing_rate": 1, "heart_rate": 0, "motion_level": 0,
    "motion_energy": 2, "presence_score": 0, "rssi": 0, "fall_risk_elevated": 0,
}  # fmt: skip
# RuView 2.0.0a1 `wifi_densepose.client` HABlueprintHelper: the node level must be
# `wifi_densepose_` followed by letters and digits only (its _DISCOVERY_TOPIC_RE).
RUVIEW_DISCOVERY_TOPIC = re.compile(
    r"^homeassistant/[A-Za-z_]+/wifi_densepose_[A-Za-z0-9]+/[A-Za-z0-9_\-]+/config$"
)
# Home Assistant entity ids: `<domain>.<object id>`, lowercase letters, digits, underscores.
ENTITY_ID = re.compile(r"^(sensor|binary_sensor|event)\.[a-z0-9_]+$")


@dataclass(frozen=True)
class Announced:
    topic: str
    component: str
    slug: str
    doc: dict[str, Any]


@dataclass(frozen=True)
class Capture:
    entities: list[Announced]
    states: dict[str, list[str]]  # state topic -> payloads


@pytest.fixture(scope="module")
def capture(server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Capture]:
    directory = tmp_path_factory.mktemp("ha-rules")
    zones = directory / "zones.toml"
    zones.write_text('[rooms.suite]\nnodes = [1]\ntags = ["bathroom", "bed"]\n')
    broker = Broker(directory)
    broker.start()
    live = Recorder(broker.port, ["homeassistant/#"])
    rates = [str(x) for kv in RATES.items() for x in kv]
    args = ["--mock-frames", "--mqtt", "--mqtt-host", "127.0.0.1", "--mqtt-port",
            str(broker.port), "--data-dir", str(directory / "data"), "--mqtt-client-id",
            CLIENT_ID, "--zones", str(zones), *rates]  # fmt: skip
    server = ServerProcess(server_binary, args).start()
    try:

        def configs() -> dict[str, bytes]:
            return {m.topic: bytes(m.payload) for m in list(live.messages)
                    if m.topic.endswith("/config") and m.payload}  # fmt: skip

        node_configs = lambda: [t for t in configs() if "/connectivity/" not in t]  # noqa: E731
        wait_until(lambda: len(node_configs()) == 19, 20, "19 node entity configs")
        # The server device's config comes first after connecting; a server without one
        # (as before 2.1) still gets every rule checked.
        with contextlib.suppress(AssertionError):
            wait_until(lambda: len(configs()) == 20, 3, "the server device config")

        def states() -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for m in list(live.messages):
                if m.topic.endswith("/state"):
                    found.setdefault(m.topic, []).append(m.payload.decode())
            return found

        # A few publications of every numeric sensor the mock source feeds.
        fed = ("person_count", "motion_level", "motion_energy", "presence_score", "heart_rate",
               "breathing_rate")  # fmt: skip

        def count(slug: str) -> int:
            return sum(len(v) for k, v in states().items() if k.endswith(f"/{slug}/state"))

        wait_until(lambda: all(count(s) >= 3 for s in fed), 20, "three states of every sensor")
        entities = []
        for topic, payload in configs().items():
            levels = topic.split("/")
            entities.append(Announced(topic, levels[1], levels[3], json.loads(payload)))
        yield Capture(entities, states())
    finally:
        server.stop()
        live.close()
        broker.stop()


def node_entities(capture: Capture) -> list[Announced]:
    return [e for e in capture.entities if e.slug != "connectivity"]


# --- one function per rule ------------------------------------------------------------


def rule_default_entity_id(e: Announced) -> None:
    doc = e.doc
    assert "object_id" not in doc
    assert doc["default_entity_id"] == f"{e.component}.{doc['unique_id']}"
    assert ENTITY_ID.match(doc["default_entity_id"]), doc["default_entity_id"]


def rule_entity_category(e: Announced) -> None:
    if e.slug in DIAGNOSTIC:
        assert e.doc.get("entity_category") == "diagnostic"
    else:
        assert "entity_category" not in e.doc


def rule_display_precision(e: Announced) -> None:
    if e.component == "sensor":
        assert e.doc.get("suggested_display_precision") == PRECISION[e.slug]
    else:
        assert "suggested_display_precision" not in e.doc


def rule_units(e: Announced) -> None:
    unit = e.doc.get("unit_of_measurement")
    assert unit in (None, "%", "dBm", "bpm"), unit
    if e.doc.get("device_class") == "signal_strength":
        assert unit in ("dB", "dBm")
    if unit == "%":
        # A percent only where the value really is one (0-100).
        assert e.doc["value_template"].rstrip(" }").endswith("_pct"), e.doc["value_template"]
    if e.slug in ("person_count", "fall_risk_elevated"):
        assert unit is None and e.doc["state_class"] == "measurement"


def rule_expire_after(e: Announced) -> None:
    if e.component == "event" or e.slug == "connectivity":
        assert "expire_after" not in e.doc
        return
    period = PERIOD_S.get(e.slug, HEARTBEAT_S)
    assert e.doc["expire_after"] == max(30, math.ceil(3 * period)), (e.slug, period)


def rule_via_device(e: Announced) -> None:
    device = e.doc["device"]
    if e.slug == "connectivity":
        assert device["identifiers"] == [SERVER_DEVICE] and "via_device" not in device
    else:
        assert device["identifiers"] == [NODE_DEVICE]
        assert device["via_device"] == SERVER_DEVICE


def rule_device_name(e: Announced) -> None:
    # The configured client id is the default server name; no generated id in any name.
    expected = f"WiFi-DensePose {CLIENT_ID}"
    if e.slug != "connectivity":
        expected += " node 1"
    assert e.doc["device"]["name"] == expected


def rule_ruview_topic(e: Announced) -> None:
    assert RUVIEW_DISCOVERY_TOPIC.match(e.topic), e.topic


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    check: Callable[[Announced], None]


RULES = [
    Rule("default_entity_id", "home-assistant/core PR 151775 (HA 2025.10): `object_id` is "
         "deprecated and ignored from 2026.4; `default_entity_id` is `<domain>.<object_id>`",
         rule_default_entity_id),
    Rule("entity_category", "https://www.home-assistant.io/integrations/sensor.mqtt/ "
         "`entity_category`: `diagnostic` for entities about the device, not the room",
         rule_entity_category),
    Rule("suggested_display_precision", "https://www.home-assistant.io/integrations/sensor.mqtt/"
         " `suggested_display_precision`: decimals of the displayed state", rule_display_precision),
    Rule("units", "https://developers.home-assistant.io/docs/core/entity/sensor/: a device class "
         "fixes the unit (signal_strength: dB, dBm); counts and scores carry none", rule_units),
    Rule("expire_after", "https://www.home-assistant.io/integrations/sensor.mqtt/ and "
         "binary_sensor.mqtt/ `expire_after`: seconds after which a state not updated becomes "
         "unavailable; here 3 publication periods, at least 30 s", rule_expire_after),
    Rule("via_device", "https://www.home-assistant.io/integrations/mqtt/ device `via_device`: "
         "the device that routes this device's messages", rule_via_device),
    Rule("device_name", "readable, stable device names (wire.md §7.4)", rule_device_name),
    Rule("ruview_topic", "RuView 2.0.0a1 HABlueprintHelper discovery topic pattern",
         rule_ruview_topic),
]  # fmt: skip


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_payload_follows_the_rule(capture: Capture, rule: Rule) -> None:
    failures = []
    for e in capture.entities:
        try:
            rule.check(e)
        except (AssertionError, KeyError) as error:
            failures.append(f"{e.topic}: {error!r}")
    assert failures == [], f"{rule.name} ({rule.source}):\n" + "\n".join(failures)


def test_every_entity_is_announced_once_with_adr_115_names(capture: Capture) -> None:
    slugs = sorted(e.slug for e in node_entities(capture))
    assert len(slugs) == 19 and len(set(slugs)) == 19
    assert set(slugs) >= ADR_115_PRIMITIVES
    unique_ids = [e.doc["unique_id"] for e in capture.entities]
    assert len(set(unique_ids)) == len(unique_ids) == 20


def test_numeric_states_are_rounded_to_the_display_precision(capture: Capture) -> None:
    """No `15.008315289427518` on the wire: each value has at most its precision's decimals."""
    checked = 0
    for e in capture.entities:
        if e.component != "sensor":
            continue
        key = re.sub(r"^\{\{\s*value_json\.(\w+)\s*\}\}$", r"\1", e.doc["value_template"])
        for payload in capture.states.get(e.doc["state_topic"], []):
            value = json.loads(payload)[key]
            places = PRECISION[e.slug]
            assert round(value, places) == value, (e.slug, payload)
            text = re.search(rf'"{key}":(-?[0-9.]+)', payload)
            assert text is not None
            decimals = text.group(1).partition(".")[2]
            assert len(decimals) <= max(places, 1), (e.slug, payload)
            if "confidence" in payload:
                confidence = json.loads(payload)["confidence"]
                assert round(confidence, 2) == confidence, payload
            checked += 1
    assert checked >= 18
