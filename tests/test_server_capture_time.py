"""The server on capture time: a replay reports and uses the recorded times at any speed, and
a long jittered stream with drifting rate never restarts a node's vitals."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from esp32_stream import fit_models, stream
from server_harness import EXCERPT, ServerProcess, server_binary, wait_until

from wifi_densepose.client.ws import SensingClient, SensingUpdate

__all__ = ["server_binary"]

FRAME_RATE_WINDOW = 32
"""Raw frames over which the server reports a node's frame rate."""


def _raw_times(path: Path) -> dict[int, list[float]]:
    times: dict[int, list[float]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("type") == "raw_csi":
            times.setdefault(record["node_id"], []).append(record["timestamp"])
    return times


def _window_rate(times: list[float]) -> float:
    """Frames per second of capture time over the last window, as the file says."""
    last = times[-FRAME_RATE_WINDOW:]
    return (len(last) - 1) / (last[-1] - last[0])


async def _last_updates(server: ServerProcess, total_raw: int) -> dict[int, dict[str, object]]:
    """The latest `node_features` entry of each node once every raw frame is in (the updates
    that follow repeat the last one built)."""
    latest: dict[int, dict[str, object]] = {}
    done_at = None
    loop = asyncio.get_running_loop()
    async with SensingClient(server.ws_url, max_attempts=5) as client:
        while done_at is None or loop.time() < done_at + 1.5:
            try:
                message = await asyncio.wait_for(client.recv(), 0.5)
            except asyncio.TimeoutError:
                message = None
            if isinstance(message, SensingUpdate):
                for entry in message.raw.get("node_features") or []:
                    latest[entry["node_id"]] = entry
            if done_at is None:
                packets = server.get_json("/health")["processing"]["packets"]
                if packets.get("raw_csi") == total_raw:
                    done_at = loop.time()
    return latest


def test_replay_at_speed_4_reports_capture_rates(server_binary: Path, tmp_path: Path) -> None:
    times = _raw_times(EXCERPT)
    total = sum(len(t) for t in times.values())
    log = tmp_path / "server.log"
    args = ["--replay", str(EXCERPT), "--speed", "4"]
    with ServerProcess(server_binary, args, env={"RUST_LOG": "info"}, log_path=log) as server:
        latest = asyncio.run(asyncio.wait_for(_last_updates(server, total), timeout=30.0))
        nodes = {n["node_id"]: n for n in server.get_json("/api/v1/nodes")["nodes"]}
    assert "recording loaded" in log.read_text()
    assert "restart" not in log.read_text()
    for node_id, node_times in times.items():
        expected = _window_rate(node_times)
        # About 22 Hz of capture time, not the 88 Hz at which the frames arrived.
        assert 15.0 < expected < 30.0
        assert latest[node_id]["frame_rate_hz"] == pytest.approx(expected, rel=1e-9)
        assert nodes[node_id]["frame_rate_hz"] == pytest.approx(expected, rel=1e-9)
        # The vitals grid is the first 64 frames' mean rate, rounded.
        first = node_times[:64]
        assert nodes[node_id]["vitals_rate_hz"] == round(63 / (first[-1] - first[0]))


def test_a_five_minute_jittered_stream_keeps_its_vitals(
    server_binary: Path, tmp_path: Path
) -> None:
    """Two nodes with the bundled capture's timing, rates drifting 22 -> 15 Hz, 300 s; the
    old server restarted vitals whenever the measured rate moved 20 %."""
    path = tmp_path / "five-minutes.csi.jsonl"
    models = fit_models()
    truth = {1: (14.0, 66.0), 2: (18.0, 84.0)}
    for node_id, (breathing, heart) in truth.items():
        stream(
            models[node_id],
            seconds=300.0,
            breathing_bpm=breathing,
            heart_bpm=heart,
            breathing_depth=0.1,
            heart_depth=0.06,
            seed=node_id,
            noise_lsb=0.5,
        ).write_jsonl(path)
    # Time order, as a capture is written.
    lines = sorted(path.read_text().splitlines(), key=lambda ln: json.loads(ln)["timestamp"])
    path.write_text("\n".join(lines) + "\n")
    total = len(lines)
    log = tmp_path / "server.log"
    args = ["--replay", str(path), "--speed", "30"]
    with ServerProcess(server_binary, args, env={"RUST_LOG": "info"}, log_path=log) as server:
        assert wait_until(
            lambda: server.get_json("/health")["processing"]["packets"].get("raw_csi") == total,
            40.0,
        )
        nodes = {n["node_id"]: n for n in server.get_json("/api/v1/nodes")["nodes"]}
        room = server.get_json("/api/v1/vital-signs")
    text = log.read_text()
    assert "replay finished" in text or "recording loaded" in text, text[-2000:]
    assert "restart" not in text
    assert "vitals disabled" not in text
    for node_id, (breathing, heart) in truth.items():
        signs = nodes[node_id]["vital_signs"]
        assert signs["breathing_rate_bpm"] == pytest.approx(breathing, abs=1.0), signs
        assert signs["heart_rate_bpm"] == pytest.approx(heart, abs=3.0), signs
        assert signs["breathing_status"] in {"VALID", "DEGRADED", "UNRELIABLE"}
        assert signs["heart_status"] in {"VALID", "DEGRADED", "UNRELIABLE"}
    # The room reading is one node's, with its statuses and confidences.
    assert room["vital_signs"]["breathing_status"] in {"VALID", "DEGRADED", "UNRELIABLE"}
    assert 0.0 <= room["vital_signs"]["heartbeat_confidence"] <= 1.0
