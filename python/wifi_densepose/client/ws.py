"""WebSocket client of the sensing server (``/ws/sensing``), RuView-compatible.

.. code-block:: python

    async with SensingClient("ws://127.0.0.1:8765/ws/sensing", token=None) as client:
        async for message in client.stream():
            if isinstance(message, SensingUpdate) and message.vital_signs:
                print(message.vital_signs.breathing_bpm)

The client reconnects by itself (capped exponential backoff with jitter) and ``stream()``
keeps yielding across reconnects; it can also be left and called again to resume. A refused
token (401) or Host header (421) raises instead, because retrying cannot fix either.
:class:`SyncSensingClient` wraps it for scripts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from wifi_densepose.client.messages import (
    Classification,
    EdgeFusedVitals,
    EdgeVitals,
    Features,
    Message,
    MmwaveReading,
    NodeInfo,
    SensingUpdate,
    UnknownMessage,
    VitalSigns,
    parse_message,
)
from wifi_densepose.client.rest import NodeStatus

__all__ = [
    "AuthenticationError",
    "Classification",
    "EdgeFusedVitals",
    "EdgeVitals",
    "Features",
    "HostNotAllowedError",
    "Message",
    "MmwaveReading",
    "NodeInfo",
    "NodeStatus",
    "SensingClient",
    "SensingClientError",
    "SensingUpdate",
    "SyncSensingClient",
    "UnknownMessage",
    "VitalSigns",
    "parse_message",
]

_log = logging.getLogger(__name__)


class SensingClientError(Exception):
    """The server refused a request or answered with an error."""


class AuthenticationError(SensingClientError):
    """401: the bearer token is missing or wrong (``RUVIEW_API_TOKEN`` on the server)."""


class HostNotAllowedError(SensingClientError):
    """421: the server's Host guard rejected the host name in the URL; start the server with
    ``--allowed-host NAME`` or connect through ``localhost``."""


def _raise_for_status(status: int, body: str) -> None:
    if status == 401:
        raise AuthenticationError(f"401 Unauthorized: {body.strip()}")
    if status == 421:
        raise HostNotAllowedError(f"421 Misdirected Request: {body.strip()}")
    if status >= 400:
        raise SensingClientError(f"HTTP {status}: {body.strip()}")


def _http_base(ws_url: str) -> str:
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, "", "", ""))


class SensingClient:
    """Async client of ``/ws/sensing`` plus the REST helpers :meth:`health`, :meth:`nodes` and
    :meth:`latest`.

    ``url`` is the WebSocket URL (``ws://host:port/ws/sensing``); ``token`` is sent as
    ``Authorization: Bearer`` on the upgrade and on REST requests; if an upgrade carrying it
    is still refused with 401, the client falls back once to a WebSocket ticket from
    ``POST /api/v1/ws-ticket`` (for proxies that drop the header). ``http_url`` is the REST
    base URL; by default the WebSocket URL's host and port (the server's HTTP listener;
    the separate WebSocket listener serves only ``/health``).

    Reconnect policy: the n-th consecutive failed attempt waits
    ``min(max_backoff_s, initial_backoff_s * 2**n)`` seconds scaled by a random factor in
    ``[1 - jitter, 1]``. ``max_attempts`` bounds consecutive failed attempts (``None``: retry
    forever), after which the last error is raised. ``deduplicate`` drops re-broadcast
    ``sensing_update`` messages whose ``(tick, timestamp)`` equals the previous one.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        http_url: str | None = None,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        jitter: float = 0.5,
        max_attempts: int | None = None,
        open_timeout_s: float = 10.0,
        deduplicate: bool = False,
    ) -> None:
        if initial_backoff_s <= 0 or max_backoff_s < initial_backoff_s:
            raise ValueError("need 0 < initial_backoff_s <= max_backoff_s (seconds)")
        if not 0.0 <= jitter <= 1.0:
            raise ValueError(f"jitter must be in [0, 1], got {jitter}")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 or None, got {max_attempts}")
        self.url = url
        self.http_url = (http_url or _http_base(url)).rstrip("/")
        self._token = token
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._jitter = jitter
        self._max_attempts = max_attempts
        self._open_timeout_s = open_timeout_s
        self._deduplicate = deduplicate
        self._connection: ClientConnection | None = None
        self._closed = False
        self._last_tick: tuple[int, float] | None = None
        self.reconnects = 0
        """Connections re-established after a loss (for monitoring)."""

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def backoff_delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (0-based), jitter included."""
        capped = min(self._max_backoff_s, self._initial_backoff_s * 2.0 ** min(attempt, 62))
        return capped * (1.0 - self._jitter * random.random())

    async def __aenter__(self) -> SensingClient:
        await self._ensure_connected()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the connection; :meth:`stream` then ends."""
        self._closed = True
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _ensure_connected(self) -> ClientConnection:
        if self._connection is not None:
            return self._connection
        attempt = 0
        while True:
            if self._closed:
                raise SensingClientError("client is closed")
            try:
                self._connection = await self._open(self.url)
                return self._connection
            except InvalidStatus as error:
                response = error.response
                body = response.body.decode("utf-8", "replace") if response.body else ""
                if response.status_code == 401 and self._token:
                    # The header did not reach the server (e.g. a proxy dropped it): one
                    # ticket-authenticated upgrade is the fallback (docs/wire.md §5.3).
                    self._connection = await self._open_with_ticket(body)
                    return self._connection
                # 401 and 421 cannot heal by retrying; other statuses may (e.g. a restart).
                if response.status_code in (401, 421):
                    _raise_for_status(response.status_code, body)
                last_error: Exception = error
            except (OSError, TimeoutError, WebSocketException) as error:
                last_error = error
            attempt += 1
            if self._max_attempts is not None and attempt >= self._max_attempts:
                raise SensingClientError(
                    f"cannot connect to {self.url} after {attempt} attempts: {last_error}"
                ) from last_error
            delay = self.backoff_delay(attempt - 1)
            _log.info(
                "connecting to %s failed (%s); retrying in %.2f s", self.url, last_error, delay
            )
            await asyncio.sleep(delay)

    async def _open(self, url: str) -> ClientConnection:
        return await connect(
            url,
            additional_headers=self._headers(),
            open_timeout=self._open_timeout_s,
            max_size=None,
        )

    async def _open_with_ticket(self, refusal: str) -> ClientConnection:
        """Upgrade with ``?ticket=`` from ``POST /api/v1/ws-ticket``; a server without
        tickets (404) or that refuses the token too raises :class:`AuthenticationError`."""
        try:
            data = await asyncio.to_thread(self._post_json_blocking, "/api/v1/ws-ticket", 5.0)
        except (SensingClientError, OSError, ValueError) as error:
            raise AuthenticationError(f"401 Unauthorized: {refusal.strip()}") from error
        ticket = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(ticket, str) or not ticket:
            raise AuthenticationError("401 Unauthorized and the server issued no ticket")
        separator = "&" if urlsplit(self.url).query else "?"
        try:
            return await self._open(f"{self.url}{separator}ticket={quote(ticket, safe='')}")
        except InvalidStatus as error:
            _raise_for_status(error.response.status_code, "ticket refused")
            raise

    async def recv(self) -> Message:
        """The next message, reconnecting as needed (raises only for 401/421, exhausted
        ``max_attempts``, or after :meth:`close`)."""
        while True:
            connection = await self._ensure_connected()
            try:
                frame = await connection.recv()
            except ConnectionClosed:
                self._connection = None
                if self._closed:
                    raise
                self.reconnects += 1
                _log.info("connection to %s lost; reconnecting", self.url)
                continue
            message = self._decode(frame)
            if message is not None:
                return message

    def _decode(self, frame: str | bytes) -> Message | None:
        try:
            data = json.loads(frame)
        except (ValueError, UnicodeDecodeError):
            _log.warning("ignoring a frame that is not JSON")
            return None
        if not isinstance(data, dict):
            return UnknownMessage(type="", raw={"value": data})
        message = parse_message(data)
        if self._deduplicate and isinstance(message, SensingUpdate):
            key = (message.tick, message.timestamp)
            if key == self._last_tick:
                return None
            self._last_tick = key
        return message

    async def stream(self) -> AsyncIterator[Message]:
        """Yields messages until :meth:`close`; reconnects transparently. Calling it again
        after leaving a previous ``async for`` resumes on the same connection."""
        while not self._closed:
            try:
                message = await self.recv()
            except ConnectionClosed:
                # recv() lets a closed connection through only after close().
                return
            yield message

    # --- REST helpers (blocking urllib calls run in a worker thread) -------------------

    def _get_json_blocking(self, path: str, timeout_s: float) -> Any:
        return self._request_json(
            urllib.request.Request(self.http_url + path, headers=self._headers()), timeout_s
        )

    def _post_json_blocking(self, path: str, timeout_s: float) -> Any:
        request = urllib.request.Request(
            self.http_url + path, data=b"", method="POST", headers=self._headers()
        )
        return self._request_json(request, timeout_s)

    def _request_json(self, request: urllib.request.Request, timeout_s: float) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                body = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            _raise_for_status(error.code, error.read().decode("utf-8", "replace"))
            raise
        data = json.loads(body)
        if isinstance(data, dict) and data.get("success") is False:
            raise SensingClientError(f"server error: {data.get('error', 'unknown error')}")
        return data

    async def get_json(self, path: str, timeout_s: float = 5.0) -> Any:
        """``GET http_url + path`` as decoded JSON; a 200 ``{"success": false}`` body raises
        :class:`SensingClientError`."""
        return await asyncio.to_thread(self._get_json_blocking, path, timeout_s)

    async def health(self) -> dict[str, Any]:
        """``GET /health``: status, effective source, tick, clients, processing counters."""
        return dict(await self.get_json("/health"))

    async def nodes(self) -> list[NodeStatus]:
        """``GET /api/v1/nodes``: one dict per known node (keys and units: ``NodeStatus``)."""
        data = await self.get_json("/api/v1/nodes")
        nodes = data.get("nodes", []) if isinstance(data, dict) else []
        return [cast(NodeStatus, dict(n)) for n in nodes if isinstance(n, dict)]

    async def latest(self) -> SensingUpdate | None:
        """``GET /api/v1/sensing/latest``: the latest update, or ``None`` when the server has
        no data yet or only stale data."""
        data = await self.get_json("/api/v1/sensing/latest")
        if isinstance(data, dict) and data.get("type") == "sensing_update":
            return SensingUpdate.from_json(data)
        return None


class SyncSensingClient:
    """Blocking wrapper of :class:`SensingClient` for scripts (one thread at a time).

    .. code-block:: python

        with SyncSensingClient("ws://127.0.0.1:8765/ws/sensing") as client:
            for message in client.messages(limit=10):
                print(message)
    """

    def __init__(self, url: str, token: str | None = None, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = SensingClient(url, token, **options)

    def __enter__(self) -> SyncSensingClient:
        self._loop.run_until_complete(self._client.__aenter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection and the private event loop."""
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self._client.close())
        self._loop.close()

    def recv(self, timeout_s: float | None = None) -> Message:
        """The next message; ``TimeoutError`` after ``timeout_s`` seconds without one."""
        return self._loop.run_until_complete(asyncio.wait_for(self._client.recv(), timeout_s))

    def messages(
        self, limit: int | None = None, timeout_s: float | None = None
    ) -> Iterator[Message]:
        """Up to ``limit`` messages (all, when ``None``), each within ``timeout_s`` seconds."""
        count = 0
        while limit is None or count < limit:
            yield self.recv(timeout_s)
            count += 1

    def health(self) -> Mapping[str, Any]:
        """See :meth:`SensingClient.health`."""
        return self._loop.run_until_complete(self._client.health())

    def nodes(self) -> list[NodeStatus]:
        """See :meth:`SensingClient.nodes`."""
        return self._loop.run_until_complete(self._client.nodes())

    def latest(self) -> SensingUpdate | None:
        """See :meth:`SensingClient.latest`."""
        return self._loop.run_until_complete(self._client.latest())
