"""Bearer token (401), Host guard (421/400) and graceful shutdown (docs/wire.md §5, 6)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from server_harness import ServerProcess, http_get, server_binary, upgrade_status

from wifi_densepose.client.ws import (
    AuthenticationError,
    HostNotAllowedError,
    SensingClient,
    SensingUpdate,
)

__all__ = ["server_binary"]

TOKEN = "test-token-5f1c"
UNAUTHORIZED = "missing or invalid bearer token (set Authorization: Bearer <RUVIEW_API_TOKEN>)"


def test_bearer_token(server_binary: Path) -> None:
    env = {"RUVIEW_API_TOKEN": TOKEN}
    with ServerProcess(server_binary, ["--source", "simulate"], env=env) as server:
        port = server.ports.http
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            status, body = http_get(port, "/api/v1/nodes", headers=headers)
            assert (status, body) == (401, UNAUTHORIZED)
        lowercase_scheme = {"Authorization": f"bearer {TOKEN}"}
        assert http_get(port, "/api/v1/nodes", headers=lowercase_scheme)[0] == 200
        # /health is never protected.
        assert http_get(port, "/health")[0] == 200
        assert http_get(server.ports.ws, "/health")[0] == 200
        # WebSocket upgrades on both listeners.
        for ws_port in (port, server.ports.ws):
            assert upgrade_status(ws_port, "/ws/sensing", {}) == 401
            auth = {"Authorization": f"Bearer {TOKEN}"}
            assert upgrade_status(ws_port, "/ws/sensing", auth) == 101

        async def connect(token: str | None) -> SensingUpdate:
            async with SensingClient(server.ws_url, token, max_attempts=3) as client:
                async for message in client.stream():
                    if isinstance(message, SensingUpdate):
                        return message
            raise AssertionError("stream ended")

        with pytest.raises(AuthenticationError):
            asyncio.run(connect(None))
        with pytest.raises(AuthenticationError):
            asyncio.run(connect("nope"))
        assert asyncio.run(asyncio.wait_for(connect(TOKEN), 10.0)).source == "simulated"


def test_host_guard(server_binary: Path) -> None:
    args = ["--source", "simulate", "--allowed-host", "sensor.lan"]
    with ServerProcess(server_binary, args) as server:
        port = server.ports.http
        status, body = http_get(port, "/health", headers={"Host": "192.168.1.20:8080"})
        assert status == 421
        assert "--allowed-host" in body
        assert upgrade_status(port, "/ws/sensing", {"Host": "evil.example"}) == 421
        assert upgrade_status(server.ports.ws, "/ws/sensing", {"Host": "evil.example"}) == 421
        assert http_get(port, "/health", headers={"Host": "SENSOR.LAN:9999"})[0] == 200
        assert http_get(port, "/health", headers={"Host": "[::1]:80"})[0] == 200
        # The guard runs before the token check, and unknown paths are 404.
        assert http_get(port, "/nope")[0] == 404


def test_host_guard_refuses_the_client(server_binary: Path) -> None:
    # 127.0.0.2 is loopback but not an allowed Host value: the client must raise the
    # 421 hint instead of retrying.
    with ServerProcess(server_binary, ["--source", "simulate"], host="127.0.0.2") as server:
        assert server.ws_url.startswith("ws://127.0.0.2:")

        async def connect() -> None:
            async with SensingClient(server.ws_url, max_attempts=3):
                pass

        with pytest.raises(HostNotAllowedError, match="allowed-host"):
            asyncio.run(connect())


def test_sigterm_exits_cleanly(server_binary: Path) -> None:
    server = ServerProcess(server_binary, ["--source", "simulate"]).start()
    try:
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--source", "mock"], 2),
        (["--mock-frames", "--source", "esp32"], 2),
        (["--bind-addr", "0.0.0.0"], 1),
        (["--udp-bind", "0.0.0.0"], 1),
    ],
)
def test_bad_startup_exit_codes(server_binary: Path, args: list[str], code: int) -> None:
    import subprocess

    result = subprocess.run([str(server_binary), *args], capture_output=True, timeout=20)
    assert result.returncode == code, result.stderr


def _post(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_websocket_tickets(server_binary: Path) -> None:
    import json

    env = {"RUVIEW_API_TOKEN": TOKEN}
    with ServerProcess(server_binary, ["--source", "simulate"], env=env) as server:
        port = server.ports.http
        assert _post(port, "/api/v1/ws-ticket", {})[0] == 401
        status, body = _post(port, "/api/v1/ws-ticket", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        ticket = json.loads(body)["ticket"]
        assert len(ticket) >= 32  # at least 128 random bits, hex
        # One upgrade, on either listener, without the header; a second use is refused.
        assert upgrade_status(server.ports.ws, f"/ws/sensing?ticket={ticket}", {}) == 101
        assert upgrade_status(port, f"/ws/sensing?ticket={ticket}", {}) == 401
        assert upgrade_status(port, "/ws/sensing?ticket=0123456789abcdef", {}) == 401
        # Tickets do not open REST routes.
        _, body = _post(port, "/api/v1/ws-ticket", {"Authorization": f"Bearer {TOKEN}"})
        ticket = json.loads(body)["ticket"]
        assert http_get(port, f"/api/v1/nodes?ticket={ticket}")[0] == 401
    with ServerProcess(server_binary, ["--source", "simulate"]) as server:
        # Without a token there are no tickets: 404 means "no ticket needed".
        assert _post(server.ports.http, "/api/v1/ws-ticket", {})[0] == 404
