"""`--privacy-mode` on the WebSocket and REST (wire.md 7.9); MQTT is in test_server_mqtt.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from server_harness import ServerProcess, http_get, server_binary, wait_until
from websockets.asyncio.client import connect

__all__ = ["server_binary"]

REMOVED = {
    "vital_signs", "pose_keypoints", "keypoints", "breathing_rate_bpm", "heartrate_bpm",
    "hr_bpm", "br_bpm", "amplitude", "breathing_band_power", "dominant_freq_hz",
}  # fmt: skip


def keys(value: Any) -> set[str]:
    """Every object key at any depth."""
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value))
    return set()


async def websocket_messages(url: str, count: int) -> list[dict[str, Any]]:
    async with connect(url) as ws:
        return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(count)]


def rest(server: ServerProcess, path: str) -> dict[str, Any]:
    status, body = http_get(server.ports.http, path, headers={"Host": "localhost"})
    assert status == 200, (path, status, body)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_privacy_mode_filters_websocket_and_rest(server_binary: Path, tmp_path: Path) -> None:
    args = ["--mock-frames", "--privacy-mode", "--data-dir", str(tmp_path)]
    with ServerProcess(server_binary, args) as server:
        messages = asyncio.run(websocket_messages(server.ws_url, 30))
        pose_url = f"ws://127.0.0.1:{server.ports.http}/api/v1/stream/pose"
        pose = asyncio.run(websocket_messages(pose_url, 10))
        assert {m["type"] for m in pose} == {"connection_established", "pose_data"}
        for m in pose:
            assert not keys(m) & REMOVED, m
        assert {m["type"] for m in messages} <= {"sensing_update", "edge_vitals"}
        assert "sensing_update" in {m["type"] for m in messages}
        for m in messages:
            assert not keys(m) & REMOVED, m
        assert wait_until(lambda: rest(server, "/api/v1/edge-vitals")["status"] == "ok", 10)
        edge = rest(server, "/api/v1/edge-vitals")
        assert edge["edge_vitals"]["node_id"] == 1
        latest = rest(server, "/api/v1/sensing/latest")
        assert latest["type"] == "sensing_update"
        vitals = rest(server, "/api/v1/vital-signs")
        assert "buffer_status" in vitals
        for body in (edge, latest, vitals):
            assert not keys(body) & REMOVED, body


def test_without_privacy_mode_the_keys_are_there(server_binary: Path, tmp_path: Path) -> None:
    with ServerProcess(server_binary, ["--mock-frames", "--data-dir", str(tmp_path)]) as server:
        messages = asyncio.run(websocket_messages(server.ws_url, 30))
        updates = [m for m in messages if m["type"] == "sensing_update"]
        assert all("vital_signs" in u for u in updates)
        assert all("amplitude" in n for u in updates for n in u["nodes"])
        vitals = rest(server, "/api/v1/vital-signs")
        assert "vital_signs" in vitals
