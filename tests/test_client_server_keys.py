"""Every key the real server sends is a typed attribute of the client's message classes.

The server runs with ``--mock-frames`` (sensing updates with per-node features and vitals)
and gets ``edge_vitals``, ``edge_fused_vitals``, ``wasm_event`` and sync datagrams over UDP;
each received JSON object is walked recursively beside its parsed message: a key with no
dataclass field (under its own name or the class's ``JSON_NAMES``), or a nested object whose
attribute is not itself typed, fails the test with its path.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from server_harness import ServerProcess, server_binary, wait_until

from wifi_densepose.client.messages import EdgeFusedVitals, SensingUpdate, parse_message
from wifi_densepose.io import (
    EdgeVitalsPacket,
    FusedVitalsPacket,
    SyncPacket,
    WasmOutputPacket,
    encode_edge_vitals,
    encode_fused_vitals,
    encode_sync,
    encode_wasm_output,
)

websockets_client = pytest.importorskip("websockets.sync.client")
from wifi_densepose.client.ws import SyncSensingClient  # noqa: E402

__all__ = ["server_binary"]


def untyped_keys(data: Mapping[str, Any], typed: object, path: str) -> list[str]:
    """The paths of keys of ``data`` that ``typed`` (its parsed dataclass) has no field for."""
    assert dataclasses.is_dataclass(typed), path
    names: Mapping[str, str] = getattr(type(typed), "JSON_NAMES", {})
    fields = {f.name for f in dataclasses.fields(typed)} - {"raw"}
    found: list[str] = []
    for key, value in data.items():
        where = f"{path}.{key}"
        attribute = names.get(key, key)
        if key == "type" and attribute == "type":
            continue  # the message kind: the class's ``type``
        if attribute not in fields:
            found.append(where)
            continue
        parsed = getattr(typed, attribute)
        if isinstance(value, Mapping):
            if not dataclasses.is_dataclass(parsed):
                found.append(f"{where} (an untyped object)")
                continue
            found += untyped_keys(value, parsed, where)
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            if not isinstance(parsed, tuple) or len(parsed) != len(value):
                found.append(f"{where} (an untyped list)")
                continue
            for index, (item, parsed_item) in enumerate(zip(value, parsed, strict=True)):
                found += untyped_keys(item, parsed_item, f"{where}[{index}]")
    return found


def test_the_walker_finds_an_untyped_key() -> None:
    # The walker itself: an extra key, and the five fused keys a 2.0 class would not type.
    update = {"type": "sensing_update", "timestamp": 1.0, "source": "esp32", "tick": 1}
    extra = {**update, "unheard_of": 1, "classification": {"presence": True, "odd": 2}}
    assert untyped_keys(extra, parse_message(extra), "m") == [
        "m.unheard_of",
        "m.classification.odd",
    ]
    fused = {"type": "edge_fused_vitals", "node_id": 1, "presence": True}
    parsed = parse_message(fused)
    assert isinstance(parsed, EdgeFusedVitals) and parsed.presence is True
    assert untyped_keys(fused, parsed, "m") == []


def _send_node_datagrams(port: int, node_id: int, seconds: float) -> None:
    common: dict[str, Any] = {
        "node_id": node_id,
        "flags": 0b011,
        "breathing_rate": 1500,
        "heartrate": 720000,
        "rssi": -55,
        "n_persons": 1,
        "motion_energy": 0.5,
        "presence_score": 0.8,
        "timestamp_ms": 1000,
    }
    datagrams = [
        encode_edge_vitals(EdgeVitalsPacket(**common)),
        encode_fused_vitals(
            FusedVitalsPacket(
                **common,
                mmwave_type=1,
                fusion_confidence=80,
                mmwave_hr_bpm=71.0,
                mmwave_br_bpm=15.0,
                mmwave_distance_cm=120.0,
                mmwave_targets=1,
                mmwave_confidence=90,
            )
        ),
        encode_wasm_output(
            WasmOutputPacket(node_id=node_id, module_id=3, events=[(1, 0.5), (2, 7.0)])
        ),
        encode_sync(SyncPacket(node_id=node_id, local_us=1_000_000, epoch_us=1_000_000)),
    ]
    deadline = time.monotonic() + seconds
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        while time.monotonic() < deadline:
            for datagram in datagrams:
                udp.sendto(datagram, ("127.0.0.1", port))
            time.sleep(0.1)


def _collect(
    server: ServerProcess, wanted: set[str], done: Any, timeout_s: float = 30.0
) -> dict[str, list[dict[str, Any]]]:
    """The server's WebSocket messages by type, until ``wanted`` types arrived and
    ``done(received)`` holds."""
    received: dict[str, list[dict[str, Any]]] = {}
    with websockets_client.connect(server.ws_url, open_timeout=10) as ws:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            data = json.loads(ws.recv(timeout=5.0))
            received.setdefault(data["type"], []).append(data)
            if wanted <= received.keys() and done(received):
                break
    assert wanted <= received.keys(), received.keys()
    return received


def test_every_key_the_server_sends_is_typed(server_binary: Path) -> None:
    # The mock node: sensing updates with per-node features and room vitals, edge_vitals.
    with ServerProcess(server_binary, ["--mock-frames"]) as server:
        assert wait_until(
            lambda: any("vital_signs" in n for n in server.get_json("/api/v1/nodes")["nodes"]),
            30.0,
        )
        received = _collect(
            server,
            {"sensing_update", "edge_vitals"},
            lambda r: sum("vital_signs" in m for m in r["sensing_update"]) >= 3,
        )
        latest = server.get_json("/api/v1/sensing/latest")
    # A UDP node: fused vitals, WASM output and sync packets (node entries with "sync").
    with ServerProcess(server_binary, []) as server:
        sender = threading.Thread(
            target=_send_node_datagrams, args=(server.ports.udp, 2, 4.0), daemon=True
        )
        sender.start()
        udp = _collect(
            server,
            {"sensing_update", "edge_vitals", "edge_fused_vitals", "wasm_event"},
            lambda r: any("sync" in n for m in r["sensing_update"] for n in m["nodes"]),
        )
        sender.join(timeout=10)
    for kind, messages in udp.items():
        received.setdefault(kind, []).extend(messages)
    updates = received["sensing_update"]
    assert any("vital_signs" in m for m in updates)
    assert any("node_features" in m for m in updates)
    assert any("signal_field" in m for m in updates)
    assert any("sync" in n for m in updates for n in m["nodes"])
    untyped: set[str] = set()
    for kind, messages in received.items():
        for data in messages:
            untyped.update(untyped_keys(data, parse_message(data), kind))
    # REST: the latest update carries its age.
    assert "age_ms" in latest
    parsed_latest = SensingUpdate.from_json(latest)
    untyped.update(untyped_keys(latest, parsed_latest, "latest"))
    assert sorted(untyped) == []
    assert parsed_latest.age_s == pytest.approx(latest["age_ms"] / 1000.0)
    # The fused message's flags and RSSI reach the typed fields.
    raw = received["edge_fused_vitals"][0]
    fused = parse_message(raw)
    assert isinstance(fused, EdgeFusedVitals)
    assert (fused.presence, fused.fall_detected, fused.motion, fused.mmwave_present) == (
        raw["presence"],
        raw["fall_detected"],
        raw["motion"],
        raw["mmwave_present"],
    )
    assert fused.rssi == -55 == raw["rssi"]


def test_one_base_url_gives_rest_and_the_stream(server_binary: Path) -> None:
    with (
        ServerProcess(server_binary, ["--mock-frames"]) as server,
        SyncSensingClient(server.http_url, max_attempts=5) as client,
    ):
        assert client._client.url == f"ws://127.0.0.1:{server.ports.http}/ws/sensing"
        message = client.recv(timeout_s=10.0)
        assert isinstance(message, SensingUpdate)
        assert [n["node_id"] for n in client.nodes()] == [1]
        latest = client.latest()
        assert latest is not None and latest.age_s is not None and latest.age_s < 2.0
        assert latest.is_stale is False
