"""The server's MQTT publisher against a real mosquitto broker (docs/wire.md §7).

Each test starts its own broker on a free loopback port and the server with
``--mock-frames --mqtt``; both are always stopped. Timeouts bound every wait.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from mqtt_support import Broker, Certificates, Recorder, broker, tls_broker, wait_until
from server_harness import ServerProcess, server_binary

from wifi_densepose.client.ha import (
    BIOMETRIC_SLUGS,
    BinaryState,
    DiscoveredEntity,
    SensorState,
    parse_discovery,
    parse_state,
)
from wifi_densepose.client.mqtt import RuViewMqttClient, TlsOptions

__all__ = ["broker", "server_binary", "tls_broker"]

DEFAULT_SLUGS = [
    "presence", "person_count", "breathing_rate", "heart_rate", "motion_level",
    "motion_energy", "fall", "presence_score", "rssi", "someone_sleeping",
    "possible_distress", "room_active", "elderly_inactivity_anomaly", "fall_risk_elevated",
    "no_movement",
]  # fmt: skip
BIOMETRIC_KEYS = ["vital_signs", "breathing_rate_bpm", "heartrate_bpm", "heart_rate_bpm",
                  "breathing_band_power", "dominant_freq_hz", "amplitude"]  # fmt: skip


def mqtt_server(binary: Path, broker: Broker, data_dir: Path, *extra: str) -> ServerProcess:
    return ServerProcess(
        binary,
        [
            "--mock-frames",
            "--mqtt",
            "--mqtt-host",
            "127.0.0.1",
            "--mqtt-port",
            str(broker.port),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        env={"RUST_LOG": "info"},
    )


def client_id(data_dir: Path) -> str:
    path = data_dir / "mqtt_client_id"
    wait_until(path.exists, 10, "the persisted client id")
    return path.read_text().strip()


def all_configs(recorder: Recorder) -> dict[str, DiscoveredEntity]:
    """Every entity announced (the last config of each topic), by config topic."""
    found = {}
    for m in list(recorder.messages):
        if m.topic.startswith("homeassistant/") and m.topic.endswith("/config") and m.payload:
            found[m.topic] = parse_discovery(m.topic, bytes(m.payload))
    return found


def configs(recorder: Recorder) -> dict[str, DiscoveredEntity]:
    """The node entities, by slug (the server device's connectivity entity left out)."""
    return {e.slug: e for e in all_configs(recorder).values() if not e.node_key.endswith("server")}


def payloads(recorder: Recorder, topic: str) -> list[str]:
    return [m.payload.decode() for m in list(recorder.messages) if m.topic == topic]


def stop_and_read_stderr(server: ServerProcess, sig: int) -> tuple[int, str]:
    process = server.process
    assert process is not None
    process.send_signal(sig)
    _, err = process.communicate(timeout=15)
    server.stop()
    return process.returncode, err.decode()


def test_discovery_states_and_last_will(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    live = Recorder(broker.port, ["#"])
    server = mqtt_server(server_binary, broker, data_dir, "--mqtt-publish-raw").start()
    try:
        cid = client_id(data_dir)
        assert cid.startswith("wifi-densepose-") and len(cid) == 23
        node = f"{cid[15:]}node1"  # the hex part of the generated id, then node<N> (7.3)
        server_topic = f"ruview/{cid}/availability"
        wait_until(lambda: len(configs(live)) == 15, 20, "15 discovery configs")
        entities = configs(live)
        assert sorted(entities) == sorted(DEFAULT_SLUGS)
        for slug, e in entities.items():
            assert e.node_key == node
            assert e.unique_id == f"wifi_densepose_{node}_{slug}"
            assert e.availability_mode == "all"
            assert e.availability[0].topic == server_topic
            assert e.availability[1].topic == e.config_topic.replace("/config", "/availability")
            assert e.device is not None and e.device.identifiers == (f"wifi_densepose_{node}",)
        assert (entities["heart_rate"].unit, entities["heart_rate"].value_key) == ("bpm", "bpm")
        assert entities["rssi"].device_class == "signal_strength"
        assert entities["presence"].component == "binary_sensor" and entities["presence"].qos == 1
        assert entities["fall"].event_types == ("fall_detected",)
        assert payloads(live, server_topic)[0] == "online"

        # A late subscriber gets every config (and binary state) retained.
        late = Recorder(broker.port, ["homeassistant/#"])
        try:
            wait_until(lambda: len(configs(late)) == 15, 10, "retained configs")
            assert all(m.retain for m in late.messages if m.topic.endswith("/config"))
            presence_state = entities["presence"].state_topic
            wait_until(lambda: payloads(late, presence_state or ""), 10, "retained presence")
        finally:
            late.close()

        # States arrive and parse into typed values.
        def state(slug: str) -> object:
            topic = entities[slug].state_topic
            got = payloads(live, topic or "")
            return parse_state(entities[slug], got[-1]) if got else None

        def all_states() -> bool:
            slugs = ("presence", "person_count", "motion_level", "presence_score", "rssi")
            return all(state(slug) is not None for slug in slugs)

        wait_until(all_states, 15, "presence, count, motion, score and rssi states")
        assert isinstance(state("presence"), BinaryState)
        count = state("person_count")
        assert isinstance(count, SensorState) and count.value in (0.0, 1.0)
        level = state("motion_level")
        assert isinstance(level, SensorState) and level.value in (0.0, 100.0)
        rssi = state("rssi")
        assert (
            isinstance(rssi, SensorState) and rssi.unit == "dBm" and -60 < (rssi.value or 0) < -20
        )
        fall_availability = entities["fall"].availability[1].topic
        wait_until(lambda: "online" in payloads(live, fall_availability), 10, "fall online")
        raw_topic = f"ruview/{cid}/1/raw"
        wait_until(lambda: payloads(live, f"{raw_topic}/edge_vitals"), 10, "raw edge_vitals")
        raw = json.loads(payloads(live, f"{raw_topic}/sensing_update")[-1])
        assert raw["type"] == "sensing_update" and raw["nodes"][0]["node_id"] == 1
        edge = json.loads(payloads(live, f"{raw_topic}/edge_vitals")[-1])
        assert (edge["node_id"], edge["heartrate_bpm"]) == (1, 72.0)

        # SIGKILL: the broker publishes the Last Will.
        server.process.kill()  # type: ignore[union-attr]
        wait_until(lambda: payloads(live, server_topic)[-1] == "offline", 10, "the Last Will")
    finally:
        server.stop()
        live.close()


def test_client_follows_a_node_and_clean_shutdown_goes_offline(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    (data_dir).mkdir()
    (data_dir / "mqtt_client_id").write_text("wifi-densepose-0000beef\n")
    live = Recorder(broker.port, ["#"])
    states: list[object] = []
    server = mqtt_server(server_binary, broker, data_dir).start()
    try:
        with RuViewMqttClient("127.0.0.1", broker.port) as client:
            client.subscribe_node("0000beefnode1", on_state=states.append)
            wait_until(lambda: len(client.entities) == 16, 20, "the persisted client id in use")
            wait_until(lambda: len(states) >= 5, 15, "states through the client")
        code, stderr = stop_and_read_stderr(server, signal.SIGTERM)
        assert code == 0 and "MQTT shutdown" not in stderr, stderr
        # The broker acknowledged every offline message before the server exited, so its
        # retained state is final; the recorder's copies may still be on their way.
        server_topic = "ruview/wifi-densepose-0000beef/availability"
        presence = "homeassistant/binary_sensor/wifi_densepose_0000beefnode1/presence"
        topics = [server_topic, f"{presence}/availability"]
        assert retained(broker.port, topics) == dict.fromkeys(topics, "offline")
        wait_until(lambda: payloads(live, server_topic)[-1] == "offline", 5, "offline delivered")
    finally:
        server.stop()
        live.close()


def test_privacy_mode_withholds_biometrics(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    live = Recorder(broker.port, ["#"])
    server = mqtt_server(
        server_binary, broker, tmp_path / "data", "--privacy-mode", "--mqtt-publish-raw"
    ).start()
    try:
        wait_until(lambda: len(configs(live)) == 11, 20, "11 discovery configs")
        raw_topic = f"ruview/{client_id(tmp_path / 'data')}/1/raw"
        wait_until(lambda: payloads(live, f"{raw_topic}/edge_vitals"), 10, "raw edge_vitals")
        wait_until(
            lambda: len(payloads(live, f"{raw_topic}/sensing_update")) > 5, 10, "raw updates"
        )
        assert not set(configs(live)) & BIOMETRIC_SLUGS
        for m in list(live.messages):
            text = m.payload.decode()
            assert not any(f"/{slug}/" in m.topic for slug in BIOMETRIC_SLUGS), m.topic
            for key in BIOMETRIC_KEYS:
                assert f'"{key}"' not in text, (m.topic, key)
    finally:
        server.stop()
        live.close()


def test_broker_restart_brings_discovery_and_states_back(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    server = mqtt_server(server_binary, broker, tmp_path / "data").start()
    try:
        first = Recorder(broker.port, ["homeassistant/#"])
        try:
            wait_until(lambda: len(configs(first)) == 15, 20, "discovery before the restart")
        finally:
            first.close()
        broker.restart()  # no persistence: the broker forgets every retained message
        after = Recorder(broker.port, ["homeassistant/#", "ruview/#"])
        try:
            wait_until(lambda: len(configs(after)) == 15, 30, "discovery after the restart")
            presence = configs(after)["presence"]
            wait_until(lambda: payloads(after, presence.state_topic or ""), 10, "states again")
            assert any(p == "online" for m in after.messages for p in [m.payload.decode()]
                       if m.topic.startswith("ruview/"))  # fmt: skip
        finally:
            after.close()
        assert server.process is not None and server.process.poll() is None
        # The clean shutdown after a reconnect still waits for exactly its own messages.
        code, stderr = stop_and_read_stderr(server, signal.SIGTERM)
        assert code == 0 and "MQTT shutdown" not in stderr, stderr
        left = retained(broker.port, ["homeassistant/+/+/+/availability"])
        assert len(left) == 15 and set(left.values()) == {"offline"}, left
    finally:
        server.stop()


def test_mutual_tls(
    server_binary: Path, tls_broker: tuple[Broker, Certificates], tmp_path: Path
) -> None:
    broker, certs = tls_broker
    tls_args = ["--mqtt-tls", "--mqtt-ca-file", str(certs.ca)]
    client_args = ["--mqtt-client-cert", str(certs.client_cert),
                   "--mqtt-client-key", str(certs.client_key)]  # fmt: skip
    tls = TlsOptions(ca_file=certs.ca, client_cert=certs.client_cert, client_key=certs.client_key)
    with RuViewMqttClient("127.0.0.1", broker.port, tls=tls) as client:
        client.subscribe_discovery()
        with mqtt_server(server_binary, broker, tmp_path / "a", *tls_args, *client_args):
            wait_until(lambda: len(client.entities) == 16, 20, "discovery over mutual TLS")
        client_id = (tmp_path / "a" / "mqtt_client_id").read_text().strip()

        # Without a client certificate the broker refuses; the server says so and keeps trying.
        server = mqtt_server(server_binary, broker, tmp_path / "b", *tls_args).start()
        try:
            other = (tmp_path / "b" / "mqtt_client_id").read_text().strip()
            assert other != client_id
            time.sleep(3)
            other_tag = other[15:]  # the hex part of the generated id (7.3)
            assert not any(e.node_key.startswith(other_tag) for e in client.entities.values())
            _, stderr = stop_and_read_stderr(server, signal.SIGTERM)
        finally:
            server.stop()
    assert "MQTT connection failed" in stderr
    assert "the broker requires a client certificate" in stderr, stderr


def test_bad_mqtt_configuration_is_refused(server_binary: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(server_binary), "--mock-frames", "--http-port", "0", "--ws-port", "0",
             "--data-dir", str(tmp_path), "--mqtt", *args],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip

    for usage in (["--mqtt-port", "0"], ["--mqtt-ca-file", "ca.pem"], ["--mqtt-host", ""],
                  ["--mqtt-rate-vitals", "-1"], ["--no-semantic", "nap"],
                  ["--mqtt-server-name", " "]):  # fmt: skip
        result = run(*usage)
        assert result.returncode == 2, (usage, result.stderr)
    missing = run("--mqtt-tls", "--mqtt-ca-file", str(tmp_path / "missing.pem"))
    assert missing.returncode == 1
    assert b"missing.pem" in missing.stderr
    bad_zones = tmp_path / "zones.toml"
    bad_zones.write_text("[rooms.a]\nnodes = []\n")
    zones = run("--zones", str(bad_zones))
    assert zones.returncode == 1
    assert b"lists no nodes" in zones.stderr


def test_zones_no_lwt_no_semantic_and_home_assistant_birth(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    zones = tmp_path / "zones.toml"
    zones.write_text('[rooms.bathroom]\nnodes = [1]\ntags = ["bathroom"]\n')
    live = Recorder(broker.port, ["homeassistant/#"])
    server = mqtt_server(
        server_binary, broker, tmp_path / "data",
        "--zones", str(zones), "--mqtt-no-lwt", "--no-semantic", "no_movement",
    ).start()  # fmt: skip
    try:
        expected = set(DEFAULT_SLUGS) - {"no_movement"}
        expected |= {"meeting_in_progress", "bathroom_occupied", "multi_room_transition"}
        wait_until(lambda: set(configs(live)) == expected, 20, "default minus one plus zones")
        for e in configs(live).values():
            # The RuView-compatible single-topic form.
            assert e.availability_mode == "latest"
            assert [a.topic for a in e.availability] == [
                e.config_topic.replace("/config", "/availability")
            ]
        count = sum(m.topic.endswith("/config") for m in live.messages)
        live.publish("homeassistant/status", "online")
        wait_until(
            lambda: sum(m.topic.endswith("/config") for m in live.messages) >= count + 17,
            10,
            "discovery again after Home Assistant's birth message",
        )
    finally:
        server.stop()
        live.close()


def test_username_and_password_from_the_environment(server_binary: Path, tmp_path: Path) -> None:
    broker = Broker(tmp_path, users={"sensor": "s3cret"})
    broker.start()
    try:
        live = Recorder(broker.port, ["homeassistant/#"], credentials=("sensor", "s3cret"))
        try:
            good = mqtt_server(
                server_binary, broker, tmp_path / "a", "--mqtt-username", "sensor",
                "--mqtt-password-env", "WDP_TEST_MQTT_PASSWORD",
            )  # fmt: skip
            good.env["WDP_TEST_MQTT_PASSWORD"] = "s3cret"
            with good:
                wait_until(lambda: len(configs(live)) == 15, 20, "discovery with a password")
            # The default variable, MQTT_PASSWORD, holds a wrong password: refused.
            bad = mqtt_server(server_binary, broker, tmp_path / "b", "--mqtt-username", "sensor")
            bad.env["MQTT_PASSWORD"] = "wrong"
            bad.start()
            try:
                time.sleep(2)
                _, stderr = stop_and_read_stderr(bad, signal.SIGTERM)
            finally:
                bad.stop()
            assert "MQTT connection failed" in stderr
            assert "s3cret" not in stderr
        finally:
            live.close()
    finally:
        broker.stop()


def test_replayed_esp32_nodes_become_two_devices(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    excerpt = Path(__file__).resolve().parent / "data" / "esp32-excerpt.csi.jsonl"
    live = Recorder(broker.port, ["#"])
    args = ["--replay", str(excerpt), "--speed", "2", "--mqtt", "--mqtt-host", "127.0.0.1",
            "--mqtt-port", str(broker.port), "--data-dir", str(tmp_path / "data"),
            "--mqtt-client-id", "wdp-test", "--mqtt-publish-raw"]  # fmt: skip
    server = ServerProcess(server_binary, args).start()
    try:

        def all_configs() -> list[DiscoveredEntity]:
            return [
                parse_discovery(m.topic, bytes(m.payload))
                for m in list(live.messages)
                if m.topic.endswith("/config") and m.payload
            ]

        wait_until(
            lambda: (
                {e.node_key for e in all_configs()}
                == {"wdptestnode1", "wdptestnode2", "wdptestserver"}
            ),
            20,
            "one device per node and one for the server",
        )
        raw_vitals = ["ruview/wdp-test/1/raw/edge_vitals", "ruview/wdp-test/2/raw/edge_vitals"]
        wait_until(lambda: all(payloads(live, t) for t in raw_vitals), 20, "raw vitals per node")
        for node in (1, 2):
            # Each raw topic carries the messages of its own node only.
            for text in payloads(live, f"ruview/wdp-test/{node}/raw/edge_vitals"):
                assert json.loads(text)["node_id"] == node
            assert payloads(live, f"ruview/wdp-test/{node}/raw/sensing_update")
        assert len(all_configs()) >= 30
    finally:
        server.stop()
        live.close()


def retained(port: int, topics: list[str]) -> dict[str, str]:
    """The retained messages of ``topics`` (wildcards allowed), read by a fresh subscriber."""
    reader = Recorder(port, topics)
    try:
        # Retained messages arrive right after the SUBACK; wait until none came for 0.5 s.
        seen = -1
        while seen != len(reader.messages):
            seen = len(reader.messages)
            time.sleep(0.5)
        return {m.topic: m.payload.decode() for m in list(reader.messages) if m.retain}
    finally:
        reader.close()


def test_sigterm_leaves_every_availability_topic_offline(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    """wire.md §7.6 step 4: a clean shutdown publishes `offline` on every entity topic and the
    server topic, has the broker acknowledge each (QoS 1), and only then disconnects."""
    data_dir = tmp_path / "data"
    live = Recorder(broker.port, ["homeassistant/#", "ruview/#"])
    server = mqtt_server(server_binary, broker, data_dir).start()
    try:
        server_topic = f"ruview/{client_id(data_dir)}/availability"
        wait_until(lambda: len(configs(live)) == 15, 20, "15 discovery configs")
        entity_topics = {
            e.config_topic.replace("/config", "/availability") for e in configs(live).values()
        }
        before = lambda: retained(broker.port, ["homeassistant/+/+/+/availability"])  # noqa: E731
        # Wait until the retained availability of every entity is known and some are online.
        wait_until(
            lambda: entity_topics <= set(b := before()) and "online" in b.values(),
            20,
            "every entity availability retained, some online",
        )
        code, stderr = stop_and_read_stderr(server, signal.SIGTERM)
        assert code == 0, stderr
        after = retained(broker.port, ["homeassistant/+/+/+/availability", "ruview/+/availability"])
        assert set(after) == entity_topics | {server_topic}
        still_online = sorted(t for t, p in after.items() if p != "offline")
        assert still_online == [], f"{len(still_online)} topics still online: {still_online}"
        log = broker.log.read_text()
        assert "out of memory" not in log, log
        assert "MQTT shutdown" not in stderr, stderr  # no flush timeout was needed
    finally:
        server.stop()
        live.close()


def test_sigkill_last_will_makes_every_entity_unavailable(
    server_binary: Path, broker: Broker, tmp_path: Path
) -> None:
    """wire.md §7.6: after SIGKILL the broker publishes the Last Will; every entity lists the
    server topic first with `availability_mode: all`, so each reads unavailable, and the
    server device's connectivity entity reads `offline` (off)."""
    data_dir = tmp_path / "data"
    live = Recorder(broker.port, ["homeassistant/#"])
    server = mqtt_server(server_binary, broker, data_dir).start()
    try:
        server_topic = f"ruview/{client_id(data_dir)}/availability"
        wait_until(lambda: len(all_configs(live)) == 16, 20, "16 discovery configs")
        entities = list(all_configs(live).values())
        wait_until(
            lambda: retained(broker.port, [server_topic]).get(server_topic) == "online",
            10,
            "the server online",
        )
        assert server.process is not None
        server.process.kill()
        server.process.wait(timeout=10)
        wait_until(
            lambda: retained(broker.port, [server_topic]).get(server_topic) == "offline",
            15,
            "the Last Will",
        )
        for e in entities:
            assert e.availability_mode == "all", e.config_topic
            assert e.availability[0].topic == server_topic, e.config_topic
        with RuViewMqttClient("127.0.0.1", broker.port) as client:
            client.subscribe_node(None)
            wait_until(lambda: len(client.entities) == 16, 10, "retained configs")
            wait_until(
                lambda: all(client.is_available(e) is False for e in client.entities.values()),
                10,
                "every entity unavailable",
            )
        connectivity = [e for e in entities if e.slug == "connectivity"]
        assert len(connectivity) == 1
        assert connectivity[0].state_topic == server_topic
        assert connectivity[0].device_class == "connectivity"
    finally:
        server.stop()
        live.close()


def test_sigterm_with_a_broker_that_never_acknowledges_is_bounded(
    server_binary: Path, tmp_path: Path
) -> None:
    """A broker that accepts the connection but never sends a PUBACK: the clean shutdown gives
    up after its bound (4 s), says what it could not deliver, and the server still exits 0
    before the 5 s the server allows its tasks."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    received = bytearray()

    def silent_broker() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            connect = conn.recv(4096)
            assert connect[0] == 0x10  # CONNECT
            conn.sendall(bytes([0x20, 0x02, 0x00, 0x00]))  # CONNACK, accepted
            while True:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                received.extend(chunk)

    thread = threading.Thread(target=silent_broker, daemon=True)
    thread.start()
    args = ["--mock-frames", "--mqtt", "--mqtt-host", "127.0.0.1", "--mqtt-port", str(port),
            "--data-dir", str(tmp_path / "data")]  # fmt: skip
    server = ServerProcess(server_binary, args, env={"RUST_LOG": "info"}).start()
    try:
        wait_until(lambda: b"availability" in received, 10, "the first publications")
        time.sleep(1.0)
        started = time.monotonic()
        code, stderr = stop_and_read_stderr(server, signal.SIGTERM)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
        listener.close()
    assert code == 0, stderr
    assert "MQTT shutdown" in stderr and "unacknowledged" in stderr, stderr
    assert "did not stop within 5 s" not in stderr, stderr
    assert 3.5 < elapsed < 7.0, elapsed
