"""Reconnect: the server is killed and restarted; the client's stream keeps yielding."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from server_harness import Ports, ServerProcess, server_binary

from wifi_densepose.client.ws import SensingClient, SensingUpdate, SyncSensingClient

__all__ = ["server_binary"]


def test_stream_survives_a_server_restart(server_binary: Path) -> None:
    ports = Ports.allocate()
    server = ServerProcess(server_binary, ["--source", "simulate"], ports=ports)
    server.start()
    try:
        asyncio.run(asyncio.wait_for(_restart_while_streaming(server), timeout=60.0))
    finally:
        server.stop()


async def _restart_while_streaming(server: ServerProcess) -> None:
    ticks_before: list[int] = []
    ticks_after: list[int] = []
    client = SensingClient(
        server.ws_url, initial_backoff_s=0.1, max_backoff_s=0.5, max_attempts=100
    )
    async with client:
        stream = client.stream()
        async for message in stream:
            if isinstance(message, SensingUpdate):
                ticks_before.append(message.tick)
            if len(ticks_before) == 5:
                break
        # Killed without a clean close, then restarted on the same ports a little later.
        server.stop(signal.SIGKILL)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.start)
        # The same stream object resumes; the caller sees no exception.
        async for message in stream:
            if isinstance(message, SensingUpdate):
                ticks_after.append(message.tick)
            if len(ticks_after) == 5:
                break
    assert client.reconnects >= 1
    # A new process counts ticks from 1 again.
    assert ticks_after[0] < ticks_before[-1] or ticks_before[-1] < 10
    assert ticks_after == sorted(ticks_after)


def test_sync_wrapper_and_rest_helpers(server_binary: Path) -> None:
    with (
        ServerProcess(server_binary, ["--source", "simulate"]) as server,
        SyncSensingClient(server.http_url, max_attempts=5) as client,
    ):
        messages = list(client.messages(limit=3, timeout_s=5.0))
        assert all(isinstance(m, SensingUpdate) for m in messages)
        ticks = [m.tick for m in messages if isinstance(m, SensingUpdate)]
        assert ticks == sorted(ticks) and len(set(ticks)) == 3
        health = client.health()
        assert health["status"] == "ok" and health["clients"] == 1
        assert [n["node_id"] for n in client.nodes()] == [1]
        latest = client.latest()
        assert latest is not None and latest.source == "simulated"
        assert latest.vital_signs is None  # plain simulate has no vitals


@pytest.mark.load_sensitive
def test_simulated_tick_rate(server_binary: Path) -> None:
    # --tick-ms 50: a new update every 50 ms, ticks consecutive.
    args = ["--source", "simulate", "--tick-ms", "50"]
    with (
        ServerProcess(server_binary, args) as server,
        SyncSensingClient(server.ws_url, max_attempts=5) as client,
    ):
        start = time.monotonic()
        messages = list(client.messages(limit=21, timeout_s=5.0))
        elapsed = time.monotonic() - start
        ticks = [m.tick for m in messages if isinstance(m, SensingUpdate)]
        assert ticks == list(range(ticks[0], ticks[0] + 21))
        assert 0.7 <= elapsed <= 2.5
