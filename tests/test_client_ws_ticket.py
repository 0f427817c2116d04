"""Ticket fallback of SensingClient (docs/wire.md §5.3): when an upgrade that carries the bearer
header is refused, the client fetches a ticket over REST and upgrades with ``?ticket=``.

The server here is a stand-in that behaves like a proxy dropping the Authorization header:
its WebSocket side accepts only a ticket, its REST side issues one for the bearer token."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from server_harness import free_port
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from wifi_densepose.client.ws import AuthenticationError, SensingClient, SensingUpdate

TOKEN = "proxy-token"
TICKET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


class _TicketHandler(BaseHTTPRequestHandler):
    issue = True

    def do_POST(self) -> None:
        authorized = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        if self.path != "/api/v1/ws-ticket" or not self.issue:
            self.send_response(404)
            body = b'{"error":"not found"}'
        elif not authorized:
            self.send_response(401)
            body = b"missing or invalid bearer token"
        else:
            self.send_response(200)
            body = json.dumps({"ticket": TICKET}).encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def rest_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TicketHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _only_tickets(connection: ServerConnection, request: Request) -> Response | None:
    if request.path.endswith(f"ticket={TICKET}"):
        return None
    return connection.respond(401, "missing or invalid bearer token\n")


async def _run(rest_port: int, token: str) -> SensingUpdate:
    async def handler(connection: ServerConnection) -> None:
        await connection.send(json.dumps({"type": "sensing_update", "tick": 7, "source": "esp32"}))
        await connection.wait_closed()

    ws_port = free_port()
    async with serve(handler, "127.0.0.1", ws_port, process_request=_only_tickets):
        # REST on another port than the WebSocket: the deprecated http_url still does it.
        with pytest.warns(DeprecationWarning, match="http_url"):
            client = SensingClient(
                f"ws://127.0.0.1:{ws_port}/ws/sensing",
                token,
                http_url=f"http://127.0.0.1:{rest_port}",
                max_attempts=2,
            )
        async with client:
            message = await asyncio.wait_for(client.recv(), 5.0)
    assert isinstance(message, SensingUpdate)
    return message


def test_ticket_fallback(rest_port: int) -> None:
    assert asyncio.run(_run(rest_port, TOKEN)).tick == 7


def test_no_ticket_means_authentication_error(rest_port: int) -> None:
    with pytest.raises(AuthenticationError):
        asyncio.run(_run(rest_port, "wrong-token"))
    _TicketHandler.issue = False
    try:
        with pytest.raises(AuthenticationError):
            asyncio.run(_run(rest_port, TOKEN))
    finally:
        _TicketHandler.issue = True
