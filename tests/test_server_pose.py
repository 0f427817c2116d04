"""`/api/v1/stream/pose` (docs/wire.md §3.9): connection_established, pose_data per update,
ping/pong, HTTP listener only, behind the bearer token."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from server_harness import ServerProcess, server_binary, upgrade_status
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

__all__ = ["server_binary"]


async def _pose_session(url: str, headers: dict[str, str]) -> list[dict[str, object]]:
    received: list[dict[str, object]] = []
    async with connect(url, additional_headers=headers, open_timeout=5) as ws:
        received.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        received.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        await ws.send('{"type":"ping"}')
        for _ in range(50):
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] == "pong":
                received.append(message)
                break
    return received


def test_pose_stream(server_binary: Path) -> None:
    token = "pose-token"
    env = {"RUVIEW_API_TOKEN": token}
    with ServerProcess(server_binary, ["--source", "simulate"], env=env) as server:
        url = f"ws://127.0.0.1:{server.ports.http}/api/v1/stream/pose"
        first, pose, pong = asyncio.run(_pose_session(url, {"Authorization": f"Bearer {token}"}))
        assert first == {
            "type": "connection_established",
            "payload": {"status": "connected", "backend": "rust"},
        }
        assert pose["type"] == "pose_data" and pose["zone_id"] == "zone_1"
        payload = pose["payload"]
        assert isinstance(payload, dict)
        assert payload["pose"] == {"persons": []}
        assert payload["pose_source"] == "signal_derived"
        assert payload["metadata"]["source"] == "simulated"
        assert payload["metadata"]["frame_id"] == f"frame_{payload['metadata']['tick']}"
        assert pong == {"type": "pong"}
        # Protected by the token; served on the HTTP listener only.
        assert upgrade_status(server.ports.http, "/api/v1/stream/pose", {}) == 401
        with pytest.raises(InvalidStatus):
            asyncio.run(_pose_session(url, {}))
        auth = {"Authorization": f"Bearer {token}"}
        assert upgrade_status(server.ports.ws, "/api/v1/stream/pose", auth) == 404
