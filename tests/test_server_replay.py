"""The real ESP32 excerpt over UDP, and through `--replay`: nodes, subcarrier counts and edge
vitals come out on the WebSocket and REST as in the file (docs/wire.md §2.8, 3.4)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from server_harness import (
    EXCERPT,
    ServerProcess,
    excerpt_datagrams,
    excerpt_lines,
    server_binary,
    wait_until,
)

from wifi_densepose.client.ws import EdgeVitals, Message, SensingClient, SensingUpdate

__all__ = ["server_binary"]


def _expected_edge_vitals() -> list[dict[str, Any]]:
    """The edge_vitals of every vitals line, with the person-count rule of docs/wire.md §3.4."""
    expected = []
    for line in excerpt_lines():
        if line.get("type") != "vitals":
            continue
        presence = bool(line["flags"] & 1)
        consistent = line["n_persons"] <= 4 and (presence or line["n_persons"] == 0)
        expected.append(
            {
                "node_id": line["node_id"],
                "presence": presence,
                "motion": bool(line["flags"] & 4),
                "breathing_rate_bpm": line["breathing_bpm"],
                "heartrate_bpm": line["heartrate_bpm"],
                "rssi": line["rssi"],
                "n_persons": line["n_persons"] if consistent else 0,
                "person_count_valid": consistent,
            }
        )
    return expected


def _as_dict(message: EdgeVitals) -> dict[str, Any]:
    return {
        "node_id": message.node_id,
        "presence": message.presence,
        "motion": message.motion,
        "breathing_rate_bpm": message.breathing_bpm,
        "heartrate_bpm": message.heart_bpm,
        "rssi": message.rssi,
        "n_persons": message.n_persons,
        "person_count_valid": message.person_count_valid,
    }


def _check_stream(messages: list[Message]) -> None:
    edge = [_as_dict(m) for m in messages if isinstance(m, EdgeVitals)]
    assert edge == _expected_edge_vitals()
    counts: dict[int, set[int]] = defaultdict(set)
    for m in messages:
        if isinstance(m, SensingUpdate):
            assert m.source == "esp32"
            for node in m.nodes:
                if node.subcarrier_count:
                    counts[node.node_id].add(node.subcarrier_count)
    # Both nodes send 64-, 128- and 192-bin frames (docs/wire.md §2.8).
    assert dict(counts) == {1: {64, 128, 192}, 2: {64, 128, 192}}


def _check_rest(server: ServerProcess) -> None:
    nodes = server.get_json("/api/v1/nodes")
    assert sorted(n["node_id"] for n in nodes["nodes"]) == [1, 2]
    last_vitals = [line for line in excerpt_lines() if line.get("type") == "vitals"][-1]
    edge = server.get_json("/api/v1/edge-vitals")["edge_vitals"]
    assert edge["node_id"] == last_vitals["node_id"]
    assert edge["breathing_rate_bpm"] == last_vitals["breathing_bpm"]
    assert edge["heartrate_bpm"] == last_vitals["heartrate_bpm"]
    assert edge["rssi"] == last_vitals["rssi"]
    for node in nodes["nodes"]:
        # RSSI of raw frames is the node's latest vitals RSSI (docs/wire.md §2.8 rebuild rule).
        node_vitals = [
            ln
            for ln in excerpt_lines()
            if ln.get("type") == "vitals" and ln["node_id"] == node["node_id"]
        ]
        assert node["rssi_dbm"] == float(node_vitals[-1]["rssi"])
    packets = server.get_json("/health")["processing"]["packets"]
    assert packets == {"raw_csi": 368, "edge_vitals": 16, "feature_vector": 16}


async def _collect(server: ServerProcess, until_edge_vitals: int, send: Any) -> list[Message]:
    messages: list[Message] = []
    async with SensingClient(server.ws_url, max_attempts=5) as client:
        sender = asyncio.create_task(asyncio.to_thread(send))
        async for message in client.stream():
            messages.append(message)
            if sum(isinstance(m, EdgeVitals) for m in messages) == until_edge_vitals:
                break
        await sender
        # The last vitals line is followed by a few more raw frames.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                messages.append(await asyncio.wait_for(client.recv(), 0.3))
            except asyncio.TimeoutError:
                break
    return messages


def test_excerpt_over_udp(server_binary: Path) -> None:
    datagrams = list(excerpt_datagrams())
    assert len(datagrams) == 400

    with ServerProcess(server_binary, ["--source", "esp32"]) as server:

        def send() -> None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for _, datagram in datagrams:
                    udp.sendto(datagram, ("127.0.0.1", server.ports.udp))
                    # Paced so a WebSocket client never falls 256 messages behind.
                    time.sleep(0.002)

        messages = asyncio.run(asyncio.wait_for(_collect(server, 16, send), timeout=60.0))
        assert wait_until(
            lambda: server.get_json("/health")["processing"]["udp"]["datagrams"] == 400, 5.0
        )
        health = server.get_json("/health")
        assert health["processing"]["udp"]["malformed"] == 0
        assert health["processing"]["udp"]["malformed_by_reason"] == {}
        _check_stream(messages)
        _check_rest(server)


def test_excerpt_through_replay(server_binary: Path) -> None:
    # The recording spans 8.13 s; at speed 4 it plays in about 2 s.
    args = ["--replay", str(EXCERPT), "--speed", "4"]
    with ServerProcess(server_binary, args) as server:
        assert wait_until(
            lambda: server.get_json("/health")["processing"]["packets"].get("raw_csi") == 368,
            15.0,
        )
        health = server.get_json("/health")
        assert health["source"] == "esp32"
        assert "udp" not in health["processing"]
        _check_rest(server)
