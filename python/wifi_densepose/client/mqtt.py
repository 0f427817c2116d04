"""MQTT client of a sensing server's Home Assistant topics (paho-mqtt 2.x).

.. code-block:: python

    with RuViewMqttClient("127.0.0.1", 1883) as client:
        client.subscribe_node("1a2b3c4dnode1", on_state=print)
        ...

    # or, inside asyncio:
    client = RuViewMqttClient("broker.lan", tls=TlsOptions(ca_file="ca.pem"))
    client.connect()
    client.subscribe_discovery()
    async for event in client.events():
        ...   # DiscoveredEntity | EntityState | AvailabilityChange | RawMessage

Discovery configs (``<prefix>/+/+/+/config``) are parsed with
:func:`wifi_densepose.client.ha.parse_discovery`; once an entity of a subscribed node is
known, its state and availability topics are subscribed and their messages parsed with
:func:`~wifi_densepose.client.ha.parse_state`. The client reconnects by itself (backoff
from 1 s doubling to 30 s by default) and re-subscribes everything; retained configs and
states come back from the broker. Callbacks run on paho's network thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import ssl
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from wifi_densepose.client.ha import (
    DiscoveredEntity,
    DiscoveryError,
    EntityState,
    parse_availability,
    parse_discovery,
    parse_state,
    server_tag,
)
from wifi_densepose.client.messages import Message, parse_message

__all__ = [
    "RAW_KINDS",
    "AvailabilityChange",
    "ClientEvent",
    "MqttConnectionError",
    "RawMessage",
    "RuViewMqttClient",
    "TlsOptions",
]

log = logging.getLogger(__name__)

#: The raw topics a server started with ``--mqtt-publish-raw`` publishes per node.
RAW_KINDS = ("sensing_update", "edge_vitals")


class MqttConnectionError(ConnectionError):
    """The broker could not be reached, refused the connection, or the TLS handshake failed."""


@dataclass(frozen=True)
class TlsOptions:
    """TLS settings. No ``ca_file`` trusts the system roots; ``client_cert`` and
    ``client_key`` (PEM files) enable mutual TLS."""

    ca_file: str | os.PathLike[str] | None = None
    client_cert: str | os.PathLike[str] | None = None
    client_key: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        if (self.client_cert is None) != (self.client_key is None):
            raise ValueError("TlsOptions: client_cert and client_key must be given together")


@dataclass(frozen=True)
class AvailabilityChange:
    """An availability message. ``entity`` is ``None`` for a server topic
    (``ruview/<client_id>/availability``), whose ``offline`` makes every entity of that server
    unavailable."""

    topic: str
    online: bool
    entity: DiscoveredEntity | None = None


@dataclass(frozen=True)
class RawMessage:
    """One message of ``ruview/<server_id>/<node_id>/raw/<kind>``: the server's WebSocket
    message, typed like :mod:`wifi_densepose.client.ws` messages (``SensingUpdate``,
    ``EdgeVitals``), with the decoded JSON in ``data``. ``server_id`` is the MQTT client id of
    the server that published it (servers sharing a broker are told apart by it)."""

    node_id: int
    kind: str
    message: Message
    server_id: str
    data: Mapping[str, Any] = field(compare=False, hash=False)


ClientEvent = DiscoveredEntity | EntityState | AvailabilityChange | RawMessage


class RuViewMqttClient:
    """Subscribes to a sensing server's discovery, state, availability and raw topics.

    ``port`` defaults to 1883, or 8883 with ``tls``. ``password`` is sent with
    ``username``. Reconnect delays are whole seconds. One client serves any number of
    subscriptions; methods may be called from any thread, callbacks run on the network thread.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        tls: TlsOptions | None = None,
        prefix: str = "homeassistant",
        keepalive: int = 30,
        reconnect_min_delay: int = 1,
        reconnect_max_delay: int = 30,
    ) -> None:
        if not host:
            raise ValueError("host must not be empty")
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"port must be in 1..65535, got {port}")
        if not 0 < reconnect_min_delay <= reconnect_max_delay:
            raise ValueError(
                f"reconnect delays must satisfy 0 < min <= max, got {reconnect_min_delay}, "
                f"{reconnect_max_delay}"
            )
        self.host = host
        self.port = port if port is not None else (8883 if tls else 1883)
        self.prefix = prefix
        self._keepalive = keepalive
        self._lock = threading.RLock()
        self._subscriptions: dict[str, int] = {}
        self._watched_nodes: set[str] = set()
        self._watch_all = False
        self._entities: dict[str, DiscoveredEntity] = {}
        self._by_state_topic: dict[str, list[DiscoveredEntity]] = {}
        self._by_availability_topic: dict[str, list[DiscoveredEntity]] = {}
        self._availability: dict[str, bool] = {}
        # Monotonic time of each entity's latest state or availability message.
        self._last_heard: dict[str, float] = {}
        self._listeners: list[Callable[[ClientEvent], None]] = []
        self._connected = threading.Event()
        # Set when the first handshake of connect() ends, well or badly.
        self._handshake_done = threading.Event()
        self._connect_failure: str | None = None
        self._closing = False
        # SUBSCRIBE message ids awaiting their SUBACK, and SUBACKs that overtook the
        # bookkeeping of their SUBSCRIBE; both stay small.
        self._acked = threading.Condition(self._lock)
        self._pending_mids: set[int] = set()
        self._early_acks: set[int] = set()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id or f"wifi-densepose-client-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=True,
        )
        self._client.reconnect_delay_set(
            min_delay=reconnect_min_delay, max_delay=reconnect_max_delay
        )
        if username is not None:
            self._client.username_pw_set(username, password or "")
        if tls is not None:
            self._client.tls_set(
                ca_certs=os.fspath(tls.ca_file) if tls.ca_file is not None else None,
                certfile=os.fspath(tls.client_cert) if tls.client_cert is not None else None,
                keyfile=os.fspath(tls.client_key) if tls.client_key is not None else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    # --- connection -------------------------------------------------------------------

    def connect(self, timeout: float = 10.0) -> None:
        """Connects and starts the network thread; returns once the broker accepted
        (seconds of ``timeout``). Raises :class:`MqttConnectionError` otherwise."""
        self._connect_failure = None
        self._handshake_done.clear()
        self._closing = False
        try:
            self._client.connect(self.host, self.port, keepalive=self._keepalive)
        except (OSError, ssl.SSLError) as e:
            raise MqttConnectionError(f"cannot connect to {self.host}:{self.port}: {e}") from e
        self._client.loop_start()
        if not self._handshake_done.wait(timeout) or not self._connected.is_set():
            reason = self._connect_failure or f"no CONNACK within {timeout} s"
            self._client.loop_stop()
            with contextlib.suppress(Exception):
                self._client.disconnect()
            raise MqttConnectionError(f"cannot connect to {self.host}:{self.port}: {reason}")

    def close(self) -> None:
        """Disconnects and stops the network thread."""
        self._closing = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    @property
    def connected(self) -> bool:
        """Whether the client is currently connected to the broker."""
        return self._connected.is_set()

    def wait_subscribed(self, timeout: float = 10.0) -> bool:
        """Blocks until the broker acknowledged every subscription made so far (or
        ``timeout`` seconds passed); messages published afterwards are delivered."""
        with self._acked:
            return self._acked.wait_for(lambda: not self._pending_mids, timeout)

    def wait_connected(self, timeout: float) -> bool:
        """Blocks until (re)connected or ``timeout`` seconds passed; returns the state."""
        return self._connected.wait(timeout)

    def __enter__(self) -> RuViewMqttClient:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- subscriptions ----------------------------------------------------------------

    @property
    def entities(self) -> dict[str, DiscoveredEntity]:
        """Every entity discovered so far, by config topic (removed ones excluded)."""
        with self._lock:
            return dict(self._entities)

    def is_available(
        self, entity: DiscoveredEntity, stale_after_s: float | None = None
    ) -> bool | None:
        """Whether ``entity`` is available from the availability messages seen so far
        (``None`` before any). A server topic ``ruview/<client_id>/availability`` that says
        ``offline`` makes every entity of that server unavailable, whichever form its
        discovery uses; otherwise ``availability_mode`` combines the entity's topics.

        With ``stale_after_s`` (seconds), an entity that sent no state or availability for
        that long is unavailable too: servers without a Last Will leave their last retained
        ``online`` behind when they die. Binary sensors repeat their state every 60 s and
        availability is re-sent every 30 s, so 90 s or more avoids false alarms.
        """
        with self._lock:
            seen = dict(self._availability)
            last = self._last_heard.get(entity.config_topic)
        if stale_after_s is not None and (last is None or time.monotonic() - last > stale_after_s):
            return False
        for topic, online in seen.items():
            levels = topic.split("/")
            if len(levels) == 3 and levels[0] == "ruview" and not online:
                tag = server_tag(levels[1])
                rest = entity.node_key.removeprefix(tag)
                if rest in ("", "server") or (rest[4:].isdigit() and rest.startswith("node")):
                    return False
        own = {a.topic for a in entity.availability}
        # `seen` is ordered by arrival, so the last match is the latest message.
        states = [online for topic, online in seen.items() if topic in own]
        if not states:
            return None
        if entity.availability_mode == "all":
            if False in states:
                return False
            return True if len(states) == len(own) else None
        if entity.availability_mode == "any":
            return any(states)
        return states[-1]

    def add_listener(self, callback: Callable[[ClientEvent], None]) -> None:
        """Calls ``callback`` with every event of every subscription."""
        with self._lock:
            self._listeners.append(callback)

    def subscribe_discovery(
        self, on_entity: Callable[[DiscoveredEntity], None] | None = None
    ) -> None:
        """Subscribes to every discovery config under the prefix and to every server
        availability topic; ``on_entity`` gets each parsed config."""
        if on_entity is not None:
            self.add_listener(_only(DiscoveredEntity, on_entity))
        self._subscribe(f"{self.prefix}/+/+/+/config", 1)
        self._subscribe("ruview/+/availability", 1)

    def subscribe_node(
        self,
        node_key: str | None = None,
        on_state: Callable[[EntityState], None] | None = None,
        on_availability: Callable[[AvailabilityChange], None] | None = None,
    ) -> None:
        """Follows the states and availability of every entity of ``node_key`` (``None``:
        every node). Discovery is subscribed as well."""
        with self._lock:
            if node_key is None:
                self._watch_all = True
            else:
                self._watched_nodes.add(node_key)
            known = list(self._entities.values())
        if on_state is not None:
            self.add_listener(_only(EntityState, on_state))
        if on_availability is not None:
            self.add_listener(_only(AvailabilityChange, on_availability))
        for entity in known:
            self._follow(entity)
        self.subscribe_discovery()

    def subscribe_raw(
        self,
        node_id: int | None = None,
        kind: str | None = None,
        on_message: Callable[[RawMessage], None] | None = None,
        server_id: str | None = None,
    ) -> None:
        """Subscribes to ``ruview/<server_id>/<node_id>/raw/<kind>`` (``None``: any server /
        any node / both kinds)."""
        if kind is not None and kind not in RAW_KINDS:
            raise ValueError(f"kind must be one of {RAW_KINDS}, got {kind!r}")
        if node_id is not None and not 0 <= node_id <= 255:
            raise ValueError(f"node_id must be in 0..255, got {node_id}")
        if on_message is not None:
            self.add_listener(_only(RawMessage, on_message))
        if server_id is not None and (not server_id or any(c in server_id for c in "/+#")):
            raise ValueError(f"server_id must be one topic level, got {server_id!r}")
        node = "+" if node_id is None else str(node_id)
        self._subscribe(f"ruview/{server_id or '+'}/{node}/raw/{kind or '+'}", 0)

    async def events(self, max_queue: int = 1024) -> AsyncIterator[ClientEvent]:
        """Yields every event (discovery, states, availability, raw) as it arrives.

        Must run inside an event loop; when more than ``max_queue`` events are pending the
        newest are dropped (with a warning) rather than growing without bound.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ClientEvent] = asyncio.Queue(maxsize=max_queue)

        def put(event: ClientEvent) -> None:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("event queue full (%d); dropping %s", max_queue, type(event).__name__)

        def listener(event: ClientEvent) -> None:
            loop.call_soon_threadsafe(put, event)

        self.add_listener(listener)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._listeners.remove(listener)

    # --- internals --------------------------------------------------------------------

    def _subscribe(self, topic: str, qos: int) -> None:
        with self._lock:
            if self._subscriptions.get(topic) == qos:
                return
            self._subscriptions[topic] = qos
        if self._connected.is_set():
            self._track(self._client.subscribe(topic, qos))

    def _track(self, result: tuple[MQTTErrorCode, int | None]) -> None:
        rc, mid = result
        if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
            with self._acked:
                if mid in self._early_acks:
                    self._early_acks.discard(mid)
                else:
                    self._pending_mids.add(mid)

    def _follow(self, entity: DiscoveredEntity) -> None:
        with self._lock:
            if not (self._watch_all or entity.node_key in self._watched_nodes):
                return
        if entity.state_topic is not None:
            self._subscribe(entity.state_topic, entity.qos)
        for a in entity.availability:
            self._subscribe(a.topic, 1)

    def _index(self, entity: DiscoveredEntity) -> None:
        with self._lock:
            old = self._entities.pop(entity.config_topic, None)
            if old is not None:
                for table, topics in (
                    (self._by_state_topic, [old.state_topic]),
                    (self._by_availability_topic, [a.topic for a in old.availability]),
                ):
                    for t in topics:
                        if t is not None and old in table.get(t, []):
                            table[t].remove(old)
            if entity.removed:
                return
            self._entities[entity.config_topic] = entity
            if entity.state_topic is not None:
                self._by_state_topic.setdefault(entity.state_topic, []).append(entity)
            for a in entity.availability:
                self._by_availability_topic.setdefault(a.topic, []).append(entity)

    def _emit(self, event: ClientEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("MQTT event callback failed")

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            self._connect_failure = f"broker refused the connection: {reason_code}"
            self._handshake_done.set()
            return
        with self._lock:
            subscriptions = list(self._subscriptions.items())
        if subscriptions:
            self._track(client.subscribe(subscriptions))
        self._connected.set()
        self._handshake_done.set()
        log.info("connected to %s:%d", self.host, self.port)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        with self._acked:
            if mid in self._pending_mids:
                self._pending_mids.discard(mid)
            else:
                self._early_acks.add(mid)
            self._acked.notify_all()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if not self._connected.is_set():
            # A refused CONNACK was already reported by _on_connect; keep its reason.
            if not self._handshake_done.is_set():
                self._connect_failure = f"connection closed during the handshake ({reason_code})"
                self._handshake_done.set()
            return
        self._connected.clear()
        if self._closing:
            return
        log.warning("disconnected from %s:%d (%s); reconnecting", self.host, self.port, reason_code)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        try:
            for event in self._route(msg.topic, bytes(msg.payload)):
                self._emit(event)
        except (DiscoveryError, ValueError) as e:
            log.warning("ignoring malformed message on %s: %s", msg.topic, e)

    def _route(self, topic: str, payload: bytes) -> list[ClientEvent]:
        levels = topic.split("/")
        if topic.startswith(f"{self.prefix}/") and levels[-1] == "config":
            entity = parse_discovery(topic, payload)
            # Subscribe before the entity becomes visible, so a caller that sees it in
            # `entities` can rely on its state topics being subscribed.
            if not entity.removed:
                self._follow(entity)
            self._index(entity)
            return [entity]
        if len(levels) == 5 and levels[0] == "ruview" and levels[3] == "raw":
            message = json.loads(payload)
            if not isinstance(message, dict):
                raise ValueError("raw payload is not a JSON object")
            data = MappingProxyType(message)
            node_id, kind = int(levels[2]), levels[4]
            # A raw sensing_update gets its age on arrival (SensingUpdate.age_s, is_stale).
            parsed = parse_message(message, received_at_s=time.time())
            return [RawMessage(node_id, kind, parsed, levels[1], data)]
        events: list[ClientEvent] = []
        server_topic = len(levels) == 3 and levels[0] == "ruview" and levels[2] == "availability"
        with self._lock:
            by_state = list(self._by_state_topic.get(topic, []))
            by_availability = list(self._by_availability_topic.get(topic, []))
        if server_topic or by_availability:
            online = parse_availability(payload)
            with self._lock:
                self._availability.pop(topic, None)
                self._availability[topic] = online
            if server_topic:
                events.append(AvailabilityChange(topic, online))
            events += [AvailabilityChange(topic, online, e) for e in by_availability]
        events += [EntityState(e, parse_state(e, payload)) for e in by_state]
        heard = time.monotonic()
        with self._lock:
            for e in by_state + by_availability:
                self._last_heard[e.config_topic] = heard
        return events


def _only(kind: type[Any], callback: Callable[[Any], None]) -> Callable[[ClientEvent], None]:
    def listener(event: ClientEvent) -> None:
        if isinstance(event, kind):
            callback(event)

    return listener
