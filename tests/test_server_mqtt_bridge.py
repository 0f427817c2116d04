"""Several servers on one broker cluster: two mosquitto brokers joined by a bridge, three
servers split across them, one consumer on the second broker (docs: README "Many servers").

Every node of every server reaches the consumer under its own unique ids and topics, and a
server that dies (SIGKILL: its broker publishes its Last Will) turns only its own entities
unavailable. Brokers and servers run on loopback ports and are always stopped.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_support import Broker, Recorder, wait_until
from server_harness import ServerProcess, server_binary

from wifi_densepose.client.mqtt import RuViewMqttClient

__all__ = ["server_binary"]

SERVERS = ("wdp-hall", "wdp-lab", "wdp-ward")  # client ids; the first two use broker A
# Node key of node 1 of each server: the letters and digits of its client id (wire.md §7.3).
NODE1 = {"wdp-hall": "wdphallnode1", "wdp-lab": "wdplabnode1", "wdp-ward": "wdpwardnode1"}


@pytest.fixture
def bridged(tmp_path: Path) -> Iterator[tuple[Broker, Broker]]:
    """Broker A, and broker B bridged to it; yields once a message crosses the bridge."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Broker(tmp_path / "a")
    a.start()
    b = Broker(tmp_path / "b", bridge_to=a.port)
    try:
        b.start()
        probe = f"ruview/probe-{uuid.uuid4().hex}/availability"
        seen = Recorder(b.port, [probe])
        sender = Recorder(a.port, [])
        try:
            # The bridge connects asynchronously: publish until a copy arrives on B.
            def crossed() -> bool:
                sender.publish(probe, "online", qos=1)
                time.sleep(0.2)
                return bool(seen.messages)

            wait_until(crossed, 15, "a message from broker A on broker B")
        finally:
            seen.close()
            sender.close()
        yield a, b
    finally:
        b.stop()
        a.stop()


def start_server(binary: Path, broker: Broker, client_id: str, data_dir: Path) -> ServerProcess:
    args = ["--mock-frames", "--mqtt", "--mqtt-host", "127.0.0.1", "--mqtt-port",
            str(broker.port), "--mqtt-client-id", client_id, "--data-dir", str(data_dir),
            "--mqtt-publish-raw"]  # fmt: skip
    return ServerProcess(binary, args).start()


def test_bridged_brokers_carry_every_server_and_each_last_will_is_its_own(
    server_binary: Path, bridged: tuple[Broker, Broker], tmp_path: Path
) -> None:
    a, b = bridged
    consumer = RuViewMqttClient("127.0.0.1", b.port)
    raw = Recorder(b.port, ["ruview/+/+/raw/+"])
    servers: dict[str, ServerProcess] = {}
    try:
        consumer.connect()
        consumer.subscribe_node(None)  # discovery, states and availability of every node
        assert consumer.wait_subscribed(10)
        for client_id, broker in zip(SERVERS, (a, a, b), strict=True):
            servers[client_id] = start_server(
                server_binary, broker, client_id, tmp_path / client_id
            )

        # Every node device, and every server's own device.
        nodes = set(NODE1.values()) | {"wdphallserver", "wdplabserver", "wdpwardserver"}
        wait_until(
            lambda: {e.node_key for e in consumer.entities.values()} == nodes,
            30,
            "a device for the node of every server",
        )

        def entity_counts() -> list[int]:
            found = list(consumer.entities.values())
            return [sum(e.node_key == NODE1[c] for e in found) for c in SERVERS]

        wait_until(
            lambda: len(set(counts := entity_counts())) == 1 and counts[0] > 10,
            20,
            "the same entity set from every server",
        )
        entities = list(consumer.entities.values())
        unique_ids = [e.unique_id for e in entities]
        assert len(set(unique_ids)) == len(unique_ids)
        assert len({e.state_topic for e in entities}) == len(entities)
        for c in SERVERS:
            assert all(
                e.unique_id.startswith(f"wifi_densepose_{NODE1[c]}_")
                for e in consumer.entities.values()
                if e.node_key == NODE1[c]
            )

        # Raw topics sit under each server's own level: no two servers share one.
        wait_until(
            lambda: {m.topic.split("/")[1] for m in list(raw.messages)} == set(SERVERS),
            20,
            "raw messages of every server",
        )
        assert {m.topic for m in list(raw.messages)} <= {
            f"ruview/{c}/1/raw/{kind}"
            for c in SERVERS
            for kind in ("sensing_update", "edge_vitals")
        }

        def available(server: str) -> dict[str, bool | None]:
            return {
                e.config_topic: consumer.is_available(e)
                for e in consumer.entities.values()
                if e.node_key == NODE1[server]
            }

        # Entities without data yet (a vital before its window fills) are offline on their own
        # topic; the presence entities of every server are online.
        wait_until(
            lambda: all(
                available(c)[
                    f"homeassistant/binary_sensor/wifi_densepose_{NODE1[c]}/presence/config"
                ]
                for c in SERVERS
            ),
            30,
            "the presence entity of every server available",
        )
        online_before = {c: {t for t, ok in available(c).items() if ok} for c in SERVERS}

        servers.pop("wdp-hall").stop(signal.SIGKILL)
        wait_until(
            lambda: set(available("wdp-hall").values()) == {False},
            15,
            "every entity of the killed server unavailable through the bridge",
        )
        time.sleep(1.0)
        for c in ("wdp-lab", "wdp-ward"):
            now = available(c)
            assert all(now[t] for t in online_before[c]), (c, now)
    finally:
        for server in servers.values():
            server.stop()
        raw.close()
        consumer.close()
