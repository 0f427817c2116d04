"""RuViewMqttClient against a real mosquitto broker on a free loopback port."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_support import (
    Broker,
    Certificates,
    Recorder,
    broker,
    free_port,
    tls_broker,
    wait_until,
)

from wifi_densepose.client.ha import BinaryState, DiscoveredEntity, EntityState, SensorState
from wifi_densepose.client.messages import EdgeVitals
from wifi_densepose.client.mqtt import (
    AvailabilityChange,
    ClientEvent,
    MqttConnectionError,
    RawMessage,
    RuViewMqttClient,
    TlsOptions,
)

__all__ = ["broker", "tls_broker"]

CLIENT = "wifi-densepose-1a2b3c4d"
NODE = "1a2b3c4dnode1"  # docs/wire.md §7.3: letters and digits only
DEVICE = f"wifi_densepose_{NODE}"
SERVER_AVAILABILITY = f"ruview/{CLIENT}/availability"


def presence_config() -> tuple[str, str]:
    base = f"homeassistant/binary_sensor/{DEVICE}/presence"
    doc = {
        "name": "Presence",
        "unique_id": f"{DEVICE}_presence",
        "default_entity_id": f"binary_sensor.{DEVICE}_presence",
        "state_topic": f"{base}/state",
        "availability": [{"topic": SERVER_AVAILABILITY}, {"topic": f"{base}/availability"}],
        "availability_mode": "all",
        "payload_on": "ON",
        "payload_off": "OFF",
        "device_class": "occupancy",
        "qos": 1,
    }
    return f"{base}/config", json.dumps(doc)


def heart_config() -> tuple[str, str]:
    base = f"homeassistant/sensor/{DEVICE}/heart_rate"
    doc = {
        "name": "Heart rate",
        "unique_id": f"{DEVICE}_heart_rate",
        "state_topic": f"{base}/state",
        "availability_topic": f"{base}/availability",
        "unit_of_measurement": "bpm",
        "value_template": "{{ value_json.bpm }}",
        "qos": 0,
    }
    return f"{base}/config", json.dumps(doc)


@pytest.fixture
def publisher(broker: Broker) -> Iterator[Recorder]:
    r = Recorder(broker.port, [])
    try:
        yield r
    finally:
        r.close()


def test_discovery_states_and_availability_arrive_typed(
    broker: Broker, publisher: Recorder
) -> None:
    for topic, payload in (presence_config(), heart_config()):
        publisher.publish(topic, payload, retain=True)
    events: list[ClientEvent] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.add_listener(events.append)
        client.subscribe_node(NODE)
        wait_until(lambda: len(client.entities) == 2, 10, "two retained configs")
        presence = next(e for e in client.entities.values() if e.slug == "presence")
        publisher.publish(presence.state_topic or "", "ON", retain=True)
        publisher.publish(
            f"homeassistant/sensor/{DEVICE}/heart_rate/state",
            '{"bpm": 71.5, "confidence": 0.8}',
            retain=True,
        )
        publisher.publish(SERVER_AVAILABILITY, "offline", retain=True)
        publisher.publish(
            f"homeassistant/binary_sensor/{DEVICE}/presence/availability", "online", retain=True
        )

        def states() -> list[EntityState]:
            return [e for e in events if isinstance(e, EntityState)]

        def changes() -> list[AvailabilityChange]:
            return [e for e in events if isinstance(e, AvailabilityChange)]

        wait_until(lambda: len(states()) >= 2, 10, "two states")
        wait_until(lambda: len(changes()) >= 3, 10, "availability changes")
    by_slug = {s.entity.slug: s.value for s in states()}
    assert by_slug["presence"] == BinaryState(True)
    heart = by_slug["heart_rate"]
    assert isinstance(heart, SensorState)
    assert (heart.value, heart.unit, heart.confidence) == (71.5, "bpm", 0.8)
    server = [c for c in changes() if c.entity is None]
    assert server and server[0].topic == SERVER_AVAILABILITY and not server[0].online
    # The server topic is listed by presence, so it also arrives as that entity's change.
    assert {(c.entity.slug, c.online) for c in changes() if c.entity is not None} >= {
        ("presence", False),
        ("presence", True),
    }


def test_other_nodes_are_not_followed(broker: Broker, publisher: Recorder) -> None:
    publisher.publish(*presence_config(), retain=True)
    states: list[EntityState] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.subscribe_node(f"{CLIENT}-node2", on_state=states.append)
        wait_until(lambda: client.entities, 10, "the retained config")
        publisher.publish(f"homeassistant/binary_sensor/{DEVICE}/presence/state", "ON")
        publisher.publish(f"homeassistant/binary_sensor/{CLIENT}-node2-probe/x/state", "ON")
    assert states == []


def test_removed_entity_is_forgotten(broker: Broker, publisher: Recorder) -> None:
    topic, payload = presence_config()
    publisher.publish(topic, payload, retain=True)
    seen: list[DiscoveredEntity] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.subscribe_discovery(on_entity=seen.append)
        wait_until(lambda: client.entities, 10, "the retained config")
        publisher.publish(topic, "", retain=True)
        wait_until(lambda: not client.entities, 10, "removal")
    assert [e.removed for e in seen] == [False, True]


EDGE_VITALS_V2 = (
    '{"type":"edge_vitals","node_id":1,"presence":true,"fall_detected":false,"motion":true,'
    '"breathing_rate_bpm":15.5,"heartrate_bpm":72.0,"n_persons":1,"motion_energy":0.25,'
    '"presence_score":0.9,"rssi":-45,"person_count_valid":true,"timestamp_ms":123456}'
)


def test_raw_topics(broker: Broker, publisher: Recorder) -> None:
    raw: list[RawMessage] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.subscribe_raw(1, "edge_vitals", on_message=raw.append)
        assert client.wait_subscribed(10)
        publisher.publish("ruview/wifi-densepose-a/1/raw/edge_vitals", EDGE_VITALS_V2, qos=0)
        publisher.publish(
            "ruview/wifi-densepose-a/2/raw/edge_vitals",
            EDGE_VITALS_V2.replace(":1,", ":2,", 1),
            qos=0,
        )
        publisher.publish(
            "ruview/wifi-densepose-a/1/raw/sensing_update", '{"type": "sensing_update"}', qos=0
        )
        publisher.publish("ruview/wifi-densepose-b/1/raw/edge_vitals", EDGE_VITALS_V2, qos=0)
        wait_until(lambda: len(raw) >= 2, 10, "raw messages of both servers")
        time.sleep(0.3)
    assert sorted((m.server_id, m.node_id, m.kind) for m in raw) == [
        ("wifi-densepose-a", 1, "edge_vitals"),
        ("wifi-densepose-b", 1, "edge_vitals"),
    ]
    vitals = raw[0].message
    assert isinstance(vitals, EdgeVitals)
    assert (vitals.node_id, vitals.heart_bpm, vitals.rssi) == (1, 72.0, -45)
    assert raw[0].data["breathing_rate_bpm"] == 15.5
    with pytest.raises(ValueError, match="kind"):
        client.subscribe_raw(1, "pose")
    with pytest.raises(ValueError, match="server_id"):
        client.subscribe_raw(1, server_id="a/b")


def test_async_iterator(broker: Broker, publisher: Recorder) -> None:
    async def main() -> list[ClientEvent]:
        client = RuViewMqttClient("127.0.0.1", broker.port)
        client.connect()
        try:
            client.subscribe_node(NODE)
            got: list[ClientEvent] = []

            async def collect() -> None:
                async for event in client.events():
                    got.append(event)
                    if isinstance(event, EntityState):
                        return

            task = asyncio.create_task(collect())
            await asyncio.sleep(0.2)
            topic, payload = presence_config()
            await asyncio.to_thread(publisher.publish, topic, payload, True)
            await asyncio.to_thread(
                wait_until, lambda: client.entities, 10, "discovery before the state"
            )
            await asyncio.to_thread(
                publisher.publish,
                f"homeassistant/binary_sensor/{DEVICE}/presence/state",
                "OFF",
                True,
            )
            await asyncio.wait_for(task, 10)
            return got
        finally:
            client.close()

    got = asyncio.run(main())
    assert isinstance(got[0], DiscoveredEntity)
    last = got[-1]
    assert isinstance(last, EntityState) and last.value == BinaryState(False)


def test_reconnects_and_resubscribes_after_a_broker_restart(broker: Broker) -> None:
    states: list[EntityState] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.subscribe_node(NODE, on_state=states.append)
        broker.restart()
        wait_until(lambda: client.connected, 20, "reconnect")
        publisher = Recorder(broker.port, [])
        try:
            publisher.publish(*presence_config(), retain=True)
            wait_until(lambda: client.entities, 10, "discovery after the restart")
            publisher.publish(
                f"homeassistant/binary_sensor/{DEVICE}/presence/state", "ON", retain=True
            )
            wait_until(lambda: states, 10, "a state after the restart")
        finally:
            publisher.close()
    assert states[0].value == BinaryState(True)


def test_connection_refused_is_a_clear_error() -> None:
    client = RuViewMqttClient("127.0.0.1", free_port())
    with pytest.raises(MqttConnectionError, match=r"cannot connect to 127\.0\.0\.1"):
        client.connect(timeout=5)


def test_mutual_tls(tls_broker: tuple[Broker, Certificates]) -> None:
    broker, certs = tls_broker
    publisher = Recorder(broker.port, [], tls=certs)
    try:
        publisher.publish(*presence_config(), retain=True)
    finally:
        publisher.close()
    tls = TlsOptions(ca_file=certs.ca, client_cert=certs.client_cert, client_key=certs.client_key)
    with RuViewMqttClient("127.0.0.1", broker.port, tls=tls) as client:
        client.subscribe_discovery()
        wait_until(lambda: client.entities, 10, "discovery over mutual TLS")
    without_cert = RuViewMqttClient("127.0.0.1", broker.port, tls=TlsOptions(ca_file=certs.ca))
    with pytest.raises(MqttConnectionError, match=rf"127\.0\.0\.1:{broker.port}"):
        without_cert.connect(timeout=5)
    assert not without_cert.connected
    with pytest.raises(ValueError, match="together"):
        TlsOptions(ca_file=certs.ca, client_cert=certs.client_cert)


def test_availability_combines_the_server_topic_and_the_entity_topic(
    broker: Broker, publisher: Recorder
) -> None:
    base = f"homeassistant/binary_sensor/{DEVICE}/presence"
    changes: list[AvailabilityChange] = []
    with RuViewMqttClient("127.0.0.1", broker.port) as client:
        client.subscribe_node(NODE, on_availability=changes.append)
        publisher.publish(*presence_config(), retain=True)
        wait_until(lambda: client.entities, 10, "discovery")
        presence = next(iter(client.entities.values()))
        assert client.wait_subscribed(10)
        assert client.is_available(presence) is None
        publisher.publish(f"{base}/availability", "online", retain=True)
        wait_until(lambda: changes, 10, "the entity topic")
        assert client.is_available(presence) is None, "mode all: the server topic is unknown"
        publisher.publish(SERVER_AVAILABILITY, "online", retain=True)
        wait_until(lambda: client.is_available(presence), 10, "both online")
        assert client.is_available(presence, stale_after_s=60)
        time.sleep(0.3)
        assert client.is_available(presence, stale_after_s=0.2) is False, "nothing heard since"
        publisher.publish(SERVER_AVAILABILITY, "offline", retain=True)
        wait_until(lambda: client.is_available(presence) is False, 10, "server offline")

        # RuView's single-topic form does not list the server topic; its offline still counts.
        heart_topic, heart_payload = heart_config()
        publisher.publish(heart_topic, heart_payload, retain=True)
        wait_until(lambda: len(client.entities) == 2, 10, "the heart-rate config")
        heart = client.entities[heart_topic]
        assert client.wait_subscribed(10)
        count = len(changes)
        publisher.publish(f"homeassistant/sensor/{DEVICE}/heart_rate/availability", "online")
        wait_until(lambda: len(changes) > count, 10, "the heart-rate availability")
        assert client.is_available(heart) is False
        publisher.publish(SERVER_AVAILABILITY, "online", retain=True)
        wait_until(lambda: client.is_available(heart), 10, "heart rate online")


def test_credentials(tmp_path: Path) -> None:
    broker = Broker(tmp_path, users={"reader": "pa55"})
    broker.start()
    try:
        with RuViewMqttClient("127.0.0.1", broker.port, username="reader", password="pa55") as c:
            assert c.connected
        wrong = RuViewMqttClient("127.0.0.1", broker.port, username="reader", password="nope")
        with pytest.raises(MqttConnectionError, match="refused"):
            wrong.connect(timeout=5)
        assert not wrong.connected
    finally:
        broker.stop()
