"""WebSocket client of the sensing server (``/ws/sensing``), RuView-compatible.

.. code-block:: python

    async with SensingClient("http://127.0.0.1:8080", token=None) as client:
        async for message in client.stream():
            if isinstance(message, SensingUpdate) and message.vital_signs:
                print(message.vital_signs.breathing_bpm)

One base URL: the server's HTTP listener (``--http-port``, default 8080) serves REST and
``/ws/sensing``, so ``http://host:8080`` gives both (``ws://host:8080/ws/sensing`` too). The
second listener (``--ws-port``, default 8765) serves only ``/ws/sensing`` and ``/health``: the
stream works through it, and a REST call names the HTTP listener in a
:class:`WrongListenerError` instead of failing with a bare 404.

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
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from wifi_densepose._deprecation import warn_renamed
from wifi_densepose.client.messages import (
    DEFAULT_STALE_AFTER_S,
    Classification,
    EdgeFusedVitals,
    EdgeVitals,
    Features,
    Message,
    MmwaveReading,
    NodeFeatures,
    NodeInfo,
    SensingUpdate,
    SignalField,
    SyncInfo,
    UnknownMessage,
    VitalSigns,
    WasmEvent,
    WasmEventEntry,
    parse_message,
)
from wifi_densepose.client.rest import NodeStatus

__all__ = [
    "DEFAULT_STALE_AFTER_S",
    "WS_PATH",
    "AuthenticationError",
    "Classification",
    "EdgeFusedVitals",
    "EdgeVitals",
    "Features",
    "HostNotAllowedError",
    "Message",
    "MmwaveReading",
    "NodeFeatures",
    "NodeInfo",
    "NodeStatus",
    "SensingClient",
    "SensingClientError",
    "SensingUpdate",
    "SignalField",
    "SyncInfo",
    "SyncSensingClient",
    "UnknownMessage",
    "VitalSigns",
    "WasmEvent",
    "WasmEventEntry",
    "WrongListenerError",
    "endpoints",
    "parse_message",
]

WS_PATH = "/ws/sensing"
"""Path of the sensing WebSocket on both of the server's listeners."""

_log = logging.getLogger(__name__)


class SensingClientError(Exception):
    """The server refused a request or answered with an error."""


class AuthenticationError(SensingClientError):
    """401: the bearer token is missing or wrong (``RUVIEW_API_TOKEN`` on the server)."""


class HostNotAllowedError(SensingClientError):
    """421: the server's Host guard rejected the host name in the URL; start the server with
    ``--allowed-host NAME`` or connect through ``localhost``."""


class WrongListenerError(SensingClientError):
    """A REST request went to the server's WebSocket-only listener (``--ws-port``, default
    8765); REST is on the HTTP listener (``--http-port``, default 8080)."""


def _raise_for_status(status: int, body: str) -> None:
    if status == 401:
        raise AuthenticationError(f"401 Unauthorized: {body.strip()}")
    if status == 421:
        raise HostNotAllowedError(f"421 Misdirected Request: {body.strip()}")
    if status >= 400:
        raise SensingClientError(f"HTTP {status}: {body.strip()}")


def endpoints(url: str) -> tuple[str, str]:
    """``(websocket_url, rest_base_url)`` of one server URL.

    ``url`` is a base URL (``http://host:8080``, ``https://host/prefix``) or the WebSocket URL
    (``ws://host:8080/ws/sensing``); either way the WebSocket URL ends in ``/ws/sensing`` and
    the REST base is the same host, port and path prefix over http(s). A query string stays on
    the WebSocket URL. Raises ``ValueError`` naming ``url`` for another scheme, a missing host
    or a bad port.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        raise ValueError(f"url: expected http://, https://, ws:// or wss://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"url: no host in {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535 or not a number
    except ValueError as error:
        raise ValueError(f"url: {error} in {url!r}") from None
    path = parts.path.rstrip("/")
    prefix = path[: -len(WS_PATH)] if path.endswith(WS_PATH) else path
    secure = parts.scheme in ("https", "wss")
    ws_url = urlunsplit(
        ("wss" if secure else "ws", parts.netloc, prefix + WS_PATH, parts.query, "")
    )
    rest_url = urlunsplit(("https" if secure else "http", parts.netloc, prefix, "", ""))
    return ws_url, rest_url


def _http_base(ws_url: str) -> str:
    return endpoints(ws_url)[1]


class SensingClient:
    """Async client of ``/ws/sensing`` plus the REST helpers :meth:`health`, :meth:`nodes` and
    :meth:`latest`.

    ``url`` is the server's one base URL, the HTTP listener (``http://host:8080``), from which
    the WebSocket URL (:attr:`url`, ``ws://host:8080/ws/sensing``) and the REST base
    (:attr:`http_url`) are derived (:func:`endpoints`); a ``ws://.../ws/sensing`` URL is
    accepted too. Given the WebSocket-only listener (port 8765 by default), the stream works
    and REST calls raise :class:`WrongListenerError` naming the HTTP listener. ``token`` is
    sent as ``Authorization: Bearer`` on the upgrade and on REST requests; if an upgrade
    carrying it is still refused with 401, the client falls back once to a WebSocket ticket
    from ``POST /api/v1/ws-ticket`` (for proxies that drop the header). ``http_url`` (a
    separate REST base URL) is deprecated since 2.1: give the HTTP listener as ``url``.

    Staleness: every :class:`SensingUpdate` gets ``age_s`` and ``is_stale`` with the
    threshold ``stale_after_s`` seconds (default :data:`DEFAULT_STALE_AFTER_S`).

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
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
    ) -> None:
        if not stale_after_s > 0:
            raise ValueError(f"stale_after_s must be > 0 seconds, got {stale_after_s}")
        if initial_backoff_s <= 0 or max_backoff_s < initial_backoff_s:
            raise ValueError("need 0 < initial_backoff_s <= max_backoff_s (seconds)")
        if not 0.0 <= jitter <= 1.0:
            raise ValueError(f"jitter must be in [0, 1], got {jitter}")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 or None, got {max_attempts}")
        ws_url, rest_url = endpoints(url)
        if http_url is not None:
            warn_renamed(
                "SensingClient(http_url=...)",
                "one base URL, the HTTP listener: SensingClient('http://host:8080')",
            )
            rest_url = http_url.rstrip("/")
        self.url = ws_url
        """The WebSocket URL (``.../ws/sensing``)."""
        self.http_url = rest_url
        """The REST base URL (no trailing slash)."""
        self.stale_after_s = stale_after_s
        """Seconds after which an update counts as stale (``SensingUpdate.is_stale``)."""
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
        self.failed_attempts = 0
        """Consecutive failed connection attempts since the last connection (0 when
        connected)."""
        self.last_error: str | None = None
        """Why the last connection attempt failed or the last connection was lost."""
        self.disconnected_since: float | None = None
        """``time.monotonic()`` when the connection was lost (``None`` while connected or
        before the first connection)."""
        self.next_attempt_at: float | None = None
        """``time.monotonic()`` of the next connection attempt while waiting for it."""

    @property
    def connected(self) -> bool:
        """A WebSocket connection is open."""
        return self._connection is not None

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
                self._on_connected()
                return self._connection
            except InvalidStatus as error:
                response = error.response
                body = response.body.decode("utf-8", "replace") if response.body else ""
                if response.status_code == 401 and self._token:
                    # The header did not reach the server (e.g. a proxy dropped it): one
                    # ticket-authenticated upgrade is the fallback (docs/wire.md §5.3).
                    self._connection = await self._open_with_ticket(body)
                    self._on_connected()
                    return self._connection
                # 401 and 421 cannot heal by retrying; other statuses may (e.g. a restart).
                if response.status_code in (401, 421):
                    _raise_for_status(response.status_code, body)
                last_error: Exception = error
            except (OSError, TimeoutError, WebSocketException) as error:
                last_error = error
            attempt += 1
            self.failed_attempts = attempt
            self.last_error = str(last_error) or type(last_error).__name__
            if self._max_attempts is not None and attempt >= self._max_attempts:
                raise SensingClientError(
                    f"cannot connect to {self.url} after {attempt} attempts: {last_error}"
                ) from last_error
            delay = self.backoff_delay(attempt - 1)
            _log.info(
                "connecting to %s failed (%s); retrying in %.2f s", self.url, last_error, delay
            )
            self.next_attempt_at = time.monotonic() + delay
            await asyncio.sleep(delay)
            self.next_attempt_at = None

    def _on_connected(self) -> None:
        self.failed_attempts = 0
        self.disconnected_since = None
        self.next_attempt_at = None

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
            except ConnectionClosed as error:
                self._connection = None
                if self._closed:
                    raise
                self.disconnected_since = time.monotonic()
                self.last_error = str(error) or "connection closed"
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
        message = parse_message(data, received_at_s=time.time(), stale_after_s=self.stale_after_s)
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
            text = error.read().decode("utf-8", "replace")
            if error.code == 404 and self._is_websocket_listener(timeout_s):
                path = urlsplit(request.full_url).path
                raise WrongListenerError(
                    f"{self.http_url} answered {path} with 404: it is the server's "
                    "WebSocket-only listener (--ws-port, default 8765), which serves only "
                    f"{WS_PATH} and /health. Use the HTTP listener's URL (--http-port, "
                    "default 8080), e.g. http://<host>:8080: it serves REST and "
                    f"{WS_PATH}."
                ) from None
            _raise_for_status(error.code, text)
            raise
        data = json.loads(body)
        if isinstance(data, dict) and data.get("success") is False:
            raise SensingClientError(f"server error: {data.get('error', 'unknown error')}")
        return data

    def _is_websocket_listener(self, timeout_s: float) -> bool:
        """This server's WebSocket listener: ``/health`` answers, ``/`` is 404 (the HTTP
        listener answers ``/`` with its name)."""

        def status(path: str) -> int:
            request = urllib.request.Request(self.http_url + path, headers=self._headers())
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as response:
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return int(error.code)
            except OSError:
                return 0

        return status("/health") == 200 and status("/") == 404

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
        """``GET /api/v1/sensing/latest``: the latest update with its ``age_s`` (the server's
        ``age_ms``) and ``is_stale`` (older than ``stale_after_s``, or the source offline);
        ``None`` when the server has no data yet or answers that its data is stale (older than
        its own 10 s limit: it then sends no update)."""
        data = await self.get_json("/api/v1/sensing/latest")
        if isinstance(data, dict) and data.get("type") == "sensing_update":
            return SensingUpdate.from_json(
                data, received_at_s=time.time(), stale_after_s=self.stale_after_s
            )
        return None


class SyncSensingClient:
    """Blocking wrapper of :class:`SensingClient` for scripts (one thread at a time).

    .. code-block:: python

        with SyncSensingClient("http://127.0.0.1:8080") as client:
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
