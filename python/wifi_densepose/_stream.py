"""The live view of ``wdp stream``: what it shows and the loop that feeds it.

:class:`StreamView` collects what the server sends (``sensing_update``, ``edge_vitals``,
``edge_fused_vitals`` on the WebSocket; each node's vitals from ``GET /api/v1/nodes``) and the
connection's state, and renders one :class:`rich.table.Table` whose title is the status line:
``live``, ``stale`` (no new update for ``stale_after_s`` seconds, or the server's source is
offline), ``connecting`` or ``reconnecting`` (with the attempt and the next retry). Nodes of a
view that is not live, and nodes the server marks stale, are shown ``offline`` with no presence,
motion, vitals or frame rate. Room-level values have their own row.

:func:`run_stream` drives it: on a terminal through one :class:`rich.live.Live` (the table
replaces the previous one whole), otherwise one timestamped line per state change (for logs).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from wifi_densepose.client.messages import (
    DEFAULT_STALE_AFTER_S,
    EdgeFusedVitals,
    EdgeVitals,
    Message,
    SensingUpdate,
)

if TYPE_CHECKING:
    from wifi_densepose.client.rest import NodeStatus
    from wifi_densepose.client.ws import SensingClient

__all__ = ["COLUMNS", "Connection", "StreamView", "run_stream"]

COLUMNS = (
    "node",
    "state",
    "rssi (dBm)",
    "presence",
    "motion",
    "breathing (BPM)",
    "br. status",
    "br. conf",
    "heart (BPM)",
    "hr status",
    "hr conf",
    "frames/s",
)
"""The table's columns; confidences are in 0..1, statuses ``VitalStatus`` names."""

NODES_POLL_S = 1.0
# A terminal view is redrawn at most this often (updates arrive at 10-50 per second).
REDRAW_S = 0.25
"""Seconds between two ``GET /api/v1/nodes`` while connected."""


@dataclass(frozen=True)
class Connection:
    """The WebSocket's state: ``connected``; else ``ever_connected`` (reconnecting rather
    than connecting), ``failed_attempts`` in a row, ``retry_in_s`` seconds until the next
    attempt (``None`` while one runs), ``down_for_s`` seconds since the connection was lost
    and the ``last_error``."""

    connected: bool
    ever_connected: bool = False
    failed_attempts: int = 0
    retry_in_s: float | None = None
    down_for_s: float | None = None
    last_error: str | None = None

    @classmethod
    def of(cls, client: SensingClient, ever_connected: bool, now: float) -> Connection:
        """The state of ``client`` at ``time.monotonic()`` ``now``."""
        return cls(
            connected=client.connected,
            ever_connected=ever_connected,
            failed_attempts=client.failed_attempts,
            retry_in_s=None
            if client.next_attempt_at is None
            else max(0.0, client.next_attempt_at - now),
            down_for_s=None
            if client.disconnected_since is None
            else max(0.0, now - client.disconnected_since),
            last_error=client.last_error,
        )


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _status(value: object) -> str:
    return value if isinstance(value, str) else "-"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class StreamView:
    """What ``wdp stream`` shows; feed it with :meth:`on_message`, :meth:`on_nodes` and
    :meth:`set_connection`, draw it with :meth:`render`. Times are ``time.monotonic()``
    seconds; ``stale_after_s`` is the staleness threshold in seconds."""

    def __init__(self, target: str, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> None:
        self.target = target
        self.stale_after_s = stale_after_s
        self.update: SensingUpdate | None = None
        self.updates = 0
        self.received_at = 0.0
        self.node_status: dict[int, Mapping[str, Any]] = {}
        self.node_status_at = 0.0
        self.device: dict[int, tuple[EdgeVitals | EdgeFusedVitals, float]] = {}
        self.connection = Connection(connected=False)
        self.note: str | None = None
        """A remark under the table (e.g. why per-node vitals are missing)."""

    def on_message(self, message: Message, now: float) -> None:
        """Takes one WebSocket message received at ``now``."""
        if isinstance(message, SensingUpdate):
            self.update = message
            self.updates += 1
            self.received_at = now
        elif isinstance(message, EdgeVitals | EdgeFusedVitals):
            self.device[message.node_id] = (message, now)

    def on_nodes(self, nodes: list[NodeStatus], now: float) -> None:
        """Takes a ``GET /api/v1/nodes`` answer received at ``now``."""
        self.node_status = {int(n["node_id"]): n for n in nodes}
        self.node_status_at = now

    def set_connection(self, connection: Connection) -> None:
        self.connection = connection

    def age_s(self, now: float) -> float | None:
        """Age of the latest update in seconds: its age when received plus the time since."""
        if self.update is None:
            return None
        return (self.update.age_s or 0.0) + (now - self.received_at)

    def state(self, now: float) -> str:
        """``connecting``, ``reconnecting``, ``waiting`` (connected, no update yet),
        ``offline`` (the server's source is offline), ``stale`` or ``live``."""
        if not self.connection.connected:
            return "reconnecting" if self.connection.ever_connected else "connecting"
        age = self.age_s(now)
        if self.update is None or age is None:
            return "waiting"
        if self.update.is_offline:
            return "offline"
        if age > self.stale_after_s:
            return "stale"
        return "live"

    def status_line(self, now: float) -> str:
        """The title: the state and what it rests on."""
        state = self.state(now)
        c = self.connection
        if state in ("connecting", "reconnecting"):
            parts = [f"{state.upper()} to {self.target}"]
            if c.failed_attempts:
                parts.append(f"attempt {c.failed_attempts + 1}")
            if c.retry_in_s is not None:
                parts.append(f"next in {c.retry_in_s:.1f} s")
            if c.down_for_s is not None:
                parts.append(f"down for {c.down_for_s:.1f} s")
            if c.last_error:
                parts.append(c.last_error[:80])
            return " | ".join(parts)
        if state == "waiting":
            return f"connected to {self.target} | waiting for the first update"
        assert self.update is not None
        age = self.age_s(now) or 0.0
        label = {"live": "live", "stale": "STALE", "offline": "SOURCE OFFLINE"}[state]
        return (
            f"{label} | {self.update.source}  tick {self.update.tick}  "
            f"({self.updates} updates) | age {age:.1f} s"
        )

    def _node_vitals(self, node_id: int, now: float) -> tuple[str, ...]:
        """Breathing, its status and confidence, heart, its status and confidence."""
        status = self.node_status.get(node_id)
        fresh = now - self.node_status_at <= max(3 * NODES_POLL_S, self.stale_after_s)
        signs = status.get("vital_signs") if status is not None and fresh else None
        if isinstance(signs, Mapping):
            return (
                _fmt(_number(signs.get("breathing_rate_bpm"))),
                _status(signs.get("breathing_status")),
                _fmt(_number(signs.get("breathing_confidence")), 2),
                _fmt(_number(signs.get("heart_rate_bpm"))),
                _status(signs.get("heart_status")),
                _fmt(_number(signs.get("heartbeat_confidence")), 2),
            )
        device = self.device.get(node_id)
        if device is not None and now - device[1] <= self.stale_after_s:
            vitals = device[0]
            return (
                _fmt(vitals.breathing_bpm),
                "device",
                "-",
                _fmt(vitals.heart_bpm),
                "device",
                "-",
            )
        return ("-",) * 6

    def render(self, now: float) -> Table:
        """The whole view as one table (title: :meth:`status_line`)."""
        state = self.state(now)
        table = Table(title=self.status_line(now), caption=self.note)
        for column in COLUMNS:
            table.add_column(column, justify="left" if column == "state" else "right")
        update = self.update
        if update is None:
            return table
        live = state == "live"
        per_node = {f.node_id: f for f in update.node_features}
        node_ids = [n.node_id for n in update.nodes] or sorted(per_node)
        rssi = {n.node_id: n.rssi_dbm for n in update.nodes}
        for node_id in node_ids:
            features = per_node.get(node_id)
            status = self.node_status.get(node_id)
            node_stale = (features is not None and features.stale) or (
                status is not None and status.get("status") == "stale"
            )
            if not live or node_stale:
                table.add_row(str(node_id), "offline", *("-",) * (len(COLUMNS) - 2))
                continue
            if features is not None:
                presence: bool | None = features.classification.presence
                motion = features.classification.motion_level
                rate: float | None = features.frame_rate_hz
            else:
                presence, motion = None, "-"
                rate = _number(status.get("frame_rate_hz")) if status is not None else None
            table.add_row(
                str(node_id),
                "active",
                _fmt(rssi.get(node_id, features.rssi_dbm if features else None), 0),
                _yes_no(presence),
                motion,
                *self._node_vitals(node_id, now),
                _fmt(rate),
            )
        if live:
            signs = update.vital_signs
            classification = update.classification
            table.add_row(
                "room",
                state,
                _fmt(update.features.mean_rssi, 0),
                _yes_no(classification.presence),
                f"{classification.motion_level} ({classification.confidence:.2f})",
                _fmt(signs.breathing_bpm if signs else None),
                _status(signs.breathing_status if signs else None),
                _fmt(signs.breathing_confidence if signs else None, 2),
                _fmt(signs.heart_bpm if signs else None),
                _status(signs.heart_status if signs else None),
                _fmt(signs.heart_confidence if signs else None, 2),
                "-",
            )
        else:
            table.add_row("room", state, *("-",) * (len(COLUMNS) - 2))
        return table


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


async def run_stream(
    client: SensingClient, target: str, out: Console, count: int | None = None
) -> StreamView:
    """Shows ``client``'s stream on ``out`` until ``count`` sensing updates (forever when
    ``None``); raises what ``client.recv()`` raises (e.g. retries exhausted). On a terminal the
    view is redrawn in place 4 times a second; elsewhere each state change prints one line
    ``<UTC time> <status line>`` and the final table is printed at the end (also when
    interrupted or cancelled)."""
    from wifi_densepose.client.ws import SensingClientError, WrongListenerError

    view = StreamView(target, client.stale_after_s)
    live = Live(console=out, auto_refresh=False) if out.is_terminal else None
    recv_task: asyncio.Task[Message] | None = None
    poll_task: asyncio.Task[list[NodeStatus]] | None = None
    next_poll = 0.0
    drawn_at = -REDRAW_S
    ever_connected = False
    last_state = ""
    rest = True
    try:
        with live if live is not None else contextlib.nullcontext():
            while True:
                if recv_task is None:
                    recv_task = asyncio.ensure_future(client.recv())
                done, _ = await asyncio.wait({recv_task}, timeout=0.25)
                now = time.monotonic()
                finished = False
                if recv_task in done:
                    message = recv_task.result()
                    recv_task = None
                    view.on_message(message, now)
                    finished = (
                        isinstance(message, SensingUpdate)
                        and count is not None
                        and view.updates >= count
                    )
                ever_connected = ever_connected or client.connected
                if poll_task is not None and poll_task.done():
                    try:
                        view.on_nodes(poll_task.result(), now)
                    except WrongListenerError:
                        rest = False
                        view.note = (
                            "per-node vitals need the HTTP listener's URL "
                            "(--http-port, default 8080)"
                        )
                    except (SensingClientError, OSError, ValueError):
                        pass
                    poll_task = None
                    next_poll = now + NODES_POLL_S
                if rest and client.connected and poll_task is None and now >= next_poll:
                    poll_task = asyncio.ensure_future(client.nodes())
                view.set_connection(Connection.of(client, ever_connected, now))
                state = view.state(now)
                if live is not None:
                    if finished or state != last_state or now - drawn_at >= REDRAW_S:
                        live.update(view.render(now), refresh=True)
                        drawn_at = now
                elif state != last_state:
                    out.print(f"{_stamp()} {view.status_line(now)}", highlight=False)
                last_state = state
                if finished:
                    break
    finally:
        for task in (recv_task, poll_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if live is None and view.update is not None:
            # Also when interrupted: a log ends with the last state of every node.
            out.print(view.render(time.monotonic()))
    return view
