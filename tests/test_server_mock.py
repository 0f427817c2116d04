"""`--mock-frames`: edge vitals within 5 s and vitals converging to the configured rates."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from server_harness import ServerProcess, server_binary

from wifi_densepose.client.ws import EdgeVitals, SensingClient, SensingUpdate

__all__ = ["server_binary"]

BREATHING_BPM = 12.0
HEART_BPM = 66.0


@pytest.mark.load_sensitive
def test_mock_frames_vitals_converge(server_binary: Path) -> None:
    # --mock-speed 4 emits the 20 Hz CSI four times faster than real time, so the 10 s of
    # breathing history the pipeline needs arrive in 2.5 s.
    args = [
        "--mock-frames",
        "--mock-speed",
        "4",
        "--mock-breathing-bpm",
        str(BREATHING_BPM),
        "--mock-heart-bpm",
        str(HEART_BPM),
    ]
    with ServerProcess(server_binary, args) as server:
        asyncio.run(asyncio.wait_for(_converge(server), timeout=40.0))
        health = server.get_json("/health")
        assert health["source"] == "simulated"
        assert "udp" not in health["processing"]


async def _converge(server: ServerProcess) -> None:
    start = time.monotonic()
    first_edge_vitals: EdgeVitals | None = None
    converged_since: float | None = None
    async with SensingClient(server.ws_url, max_attempts=5) as client:
        async for message in client.stream():
            now = time.monotonic() - start
            if isinstance(message, EdgeVitals) and first_edge_vitals is None:
                assert now < 5.0
                first_edge_vitals = message
            if not isinstance(message, SensingUpdate):
                continue
            assert message.source == "simulated"
            assert message.vital_signs is not None, "mock updates always carry vital_signs"
            breathing = message.vital_signs.breathing_bpm
            heart = message.vital_signs.heart_bpm
            ok = (
                breathing is not None
                and abs(breathing - BREATHING_BPM) <= 1.0
                and heart is not None
                and abs(heart - HEART_BPM) <= 3.0
            )
            if not ok:
                converged_since = None
            elif converged_since is None:
                converged_since = now
            # Converged means: stays within the tolerances for 2 s of updates.
            if converged_since is not None and now - converged_since >= 2.0:
                break
    assert first_edge_vitals is not None
    assert first_edge_vitals.node_id == 1
    assert (first_edge_vitals.presence, first_edge_vitals.motion) == (True, False)
    assert (first_edge_vitals.breathing_bpm, first_edge_vitals.heart_bpm) == (
        BREATHING_BPM,
        HEART_BPM,
    )
    assert (first_edge_vitals.n_persons, first_edge_vitals.person_count_valid) == (1, True)
    assert first_edge_vitals.rssi == -40


def test_mock_frames_rest_views(server_binary: Path) -> None:
    with ServerProcess(server_binary, ["--mock-frames", "--mock-speed", "4"]) as server:
        time.sleep(1.5)
        nodes = server.get_json("/api/v1/nodes")
        assert nodes["total"] == 1
        node = nodes["nodes"][0]
        assert (node["node_id"], node["status"], node["subcarrier_count"]) == (1, "active", 56)
        assert -46.0 <= node["rssi_dbm"] <= -34.0
        latest = server.get_json("/api/v1/sensing/latest")
        assert latest["type"] == "sensing_update" and latest["age_ms"] < 1000
        assert len(latest["signal_field"]["values"]) == 400
        assert len(latest["nodes"][0]["amplitude"]) == 56
        edge = server.get_json("/api/v1/edge-vitals")
        assert edge["status"] == "ok"
        assert edge["edge_vitals"]["heartrate_bpm"] == 72.0
        info = server.get_json("/api/v1/info")
        assert (info["version"], info["backend"]) == ("2.0.0", "rust")
        vitals = server.get_json("/api/v1/vital-signs")
        assert vitals["buffer_status"]["breathing_capacity"] == 600
        assert set(vitals["vital_signs"]) == {
            "breathing_rate_bpm",
            "heart_rate_bpm",
            "breathing_confidence",
            "heartbeat_confidence",
            "signal_quality",
            "breathing_status",
            "heart_status",
            "spans_gap",
        }
        assert vitals["vital_signs"]["heart_status"] in {
            "VALID",
            "DEGRADED",
            "UNRELIABLE",
            "UNAVAILABLE",
        }
