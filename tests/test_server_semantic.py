"""Semantic primitives without MQTT (docs/wire.md §3.10, §4.10): the real server with
``--mock-frames`` sends ``semantic_primitives`` on ``/ws/sensing`` and answers
``GET /api/v1/semantic``, with ``--zones`` and ``--no-semantic`` applied."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

from server_harness import ServerProcess, server_binary

from wifi_densepose.client.messages import SemanticPrimitives
from wifi_densepose.client.ws import SensingClient

__all__ = ["server_binary"]

# Announcement order of docs/wire.md §7.5: the default set, then the zone primitives a room
# tagged only "bathroom" gets (no bed_exit without the "bed" tag).
ALL_WITH_BATHROOM = [
    "someone_sleeping",
    "possible_distress",
    "room_active",
    "elderly_inactivity_anomaly",
    "fall_risk_elevated",
    "no_movement",
    "meeting_in_progress",
    "bathroom_occupied",
    "multi_room_transition",
]


def _zones(tmp_path: Path) -> Path:
    path = tmp_path / "zones.toml"
    path.write_text('[rooms.bath]\nnodes = [1]\ntags = ["bathroom"]\n')
    return path


async def _two_messages(url: str) -> list[tuple[float, SemanticPrimitives]]:
    """Two ``semantic_primitives`` messages received at least 2 s apart."""
    seen: list[tuple[float, SemanticPrimitives]] = []
    async with SensingClient(url + "?semantic=1", max_attempts=5) as client:
        async for message in client.stream():
            if not isinstance(message, SemanticPrimitives):
                continue
            now = time.monotonic()
            if not seen or now - seen[0][0] >= 2.0:
                seen.append((now, message))
            if len(seen) == 2:
                return seen
    raise AssertionError("the stream ended")


async def _types_without_asking(url: str) -> set[str]:
    """The message types of 3 s of a client that did not ask for the primitives."""
    types: set[str] = set()
    deadline = time.monotonic() + 3.0
    async with SensingClient(url, max_attempts=5) as client:
        async for message in client.stream():
            types.add(message.type)
            if time.monotonic() > deadline:
                return types
    raise AssertionError("the stream ended")


def test_websocket_and_rest_carry_the_primitives_during_the_warm_up(
    server_binary: Path, tmp_path: Path
) -> None:
    args = ["--mock-frames", "--zones", str(_zones(tmp_path)), "--no-semantic", "no_movement"]
    with ServerProcess(server_binary, args, log_path=tmp_path / "server.log") as server:
        (t1, first), (t2, second) = asyncio.run(
            asyncio.wait_for(_two_messages(server.ws_url), timeout=30.0)
        )
        for message in (first, second):
            assert message.type == "semantic_primitives"
            assert message.warm_up_s == 60.0
            assert abs(message.timestamp_s - time.time()) < 30.0  # type: ignore[operator]
            (node,) = message.nodes
            assert (node.node_id, node.room) == (1, "bath")
            assert [p.name for p in node.primitives] == ALL_WITH_BATHROOM
            assert node.warming_up and 0.0 < node.warm_up_remaining_s <= 60.0
            # Nothing has a value during the warm-up; the disabled one is marked.
            assert all(p.on is None and p.score is None for p in node.primitives)
            assert [p.name for p in node.primitives if p.disabled] == ["no_movement"]
            kinds = {p.name: p.kind for p in node.primitives}
            assert kinds["fall_risk_elevated"] == "score"
            assert kinds["multi_room_transition"] == "event"
            assert kinds["room_active"] == "binary"
        # The countdown follows the 1 Hz samples: it fell by the time between the messages
        # (within two samples).
        fell = first.nodes[0].warm_up_remaining_s - second.nodes[0].warm_up_remaining_s
        assert abs(fell - (t2 - t1)) <= 2.0, (fell, t2 - t1)
        # Only clients that ask get them: the stream of the others is as before.
        plain = asyncio.run(asyncio.wait_for(_types_without_asking(server.ws_url), 20.0))
        assert plain == {"sensing_update", "edge_vitals"}, plain

        rest = server.get_json("/api/v1/semantic")
        assert rest["type"] == "semantic_primitives"
        assert abs(rest["timestamp_s"] - time.time()) < 5.0
        (node,) = rest["nodes"]
        assert node["node_id"] == 1 and node["room"] == "bath"
        assert [p["name"] for p in node["primitives"]] == ALL_WITH_BATHROOM
        assert 0.0 < node["warm_up_remaining_s"] < second.nodes[0].warm_up_remaining_s + 1.0
        assert node["primitives"][5] == {
            "name": "no_movement",
            "kind": "binary",
            "disabled": True,
        }


def test_privacy_mode_leaves_the_biometric_primitives_out(
    server_binary: Path, tmp_path: Path
) -> None:
    args = ["--mock-frames", "--privacy-mode"]
    with ServerProcess(server_binary, args, log_path=tmp_path / "server.log") as server:
        deadline = time.monotonic() + 15
        body = server.get_json("/api/v1/semantic")
        while not body["nodes"] and time.monotonic() < deadline:
            time.sleep(0.1)
            body = server.get_json("/api/v1/semantic")
        (node,) = body["nodes"]
        assert [p["name"] for p in node["primitives"]] == [
            "room_active",
            "elderly_inactivity_anomaly",
            "fall_risk_elevated",
            "no_movement",
        ]


def test_semantic_flags_are_checked_without_mqtt(server_binary: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(server_binary), "--mock-frames", "--http-port", "0", "--ws-port", "0",
             "--data-dir", str(tmp_path), *args],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip

    unknown = run("--no-semantic", "nap")
    assert unknown.returncode == 2 and b"nap" in unknown.stderr
    bad_zones = tmp_path / "zones.toml"
    bad_zones.write_text("[rooms.a]\nnodes = []\n")
    zones = run("--zones", str(bad_zones))
    assert zones.returncode == 1
    assert b"lists no nodes" in zones.stderr
