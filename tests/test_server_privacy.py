"""`--privacy-mode` (docs/wire.md §7.9): biometric keys never leave the server on the WebSocket
or REST."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server_harness import ServerProcess, server_binary

from wifi_densepose.client.ws import EdgeVitals, Message, SensingClient, SensingUpdate

__all__ = ["server_binary"]

BIOMETRIC = {
    "vital_signs",
    "breathing_rate_bpm",
    "heartrate_bpm",
    "heart_rate_bpm",
    "hr_bpm",
    "br_bpm",
    "pose_keypoints",
}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, (list, tuple)):
        return {k for v in value for k in _keys(v)}
    return set()


async def _collect(url: str) -> list[Message]:
    messages: list[Message] = []
    async with SensingClient(url, max_attempts=5) as client:
        async for message in client.stream():
            messages.append(message)
            if any(isinstance(m, EdgeVitals) for m in messages) and len(messages) >= 20:
                break
    return messages


def test_privacy_mode(server_binary: Path) -> None:
    args = ["--mock-frames", "--mock-speed", "4", "--privacy-mode"]
    with ServerProcess(server_binary, args) as server:
        messages = asyncio.run(asyncio.wait_for(_collect(server.ws_url), 30.0))
        for message in messages:
            assert isinstance(message, (SensingUpdate, EdgeVitals))
            assert not _keys(dict(message.raw)) & BIOMETRIC
        updates = [m for m in messages if isinstance(m, SensingUpdate)]
        assert updates and all(m.vital_signs is None for m in updates)
        assert all("amplitude" not in n for m in updates for n in m.raw["nodes"])
        assert all("breathing_band_power" not in m.raw["features"] for m in updates)
        edge = next(m for m in messages if isinstance(m, EdgeVitals))
        assert (edge.breathing_bpm, edge.heart_bpm, edge.presence) == (None, None, True)
        for path in (
            "/api/v1/sensing/latest",
            "/api/v1/vital-signs",
            "/api/v1/edge-vitals",
            "/api/v1/semantic",
        ):
            body = server.get_json(path)
            assert not _keys(body) & BIOMETRIC, path
        assert server.get_json("/api/v1/edge-vitals")["edge_vitals"]["n_persons"] == 1
