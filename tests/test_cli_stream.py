"""``wdp stream`` against the real server binary, and its table renderer.

Integration: the stream outlives a server restart (retrying forever, saying RECONNECTING
meanwhile, resuming on the restarted server); nodes whose source went offline are shown
offline (no presence, no frame rate); on a terminal (a pseudo-terminal read through a small
screen emulator) the view is redrawn whole, leaving no old title line when the node count
changes. Renderer: per-node vitals with status and confidence, room values on their own row.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from server_harness import Ports, ServerProcess, excerpt_datagrams, server_binary, wait_until

from wifi_densepose._stream import COLUMNS, Connection, StreamView
from wifi_densepose.client.messages import SensingUpdate

__all__ = ["server_binary"]

WDP = Path(sys.executable).parent / "wdp"
pytest.importorskip("websockets")


class StreamProcess:
    """``wdp stream`` with its output in a file (not a terminal: one line per state change)."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.out = tmp_path / "stream.out"
        self.err = tmp_path / "stream.err"
        env = {**os.environ, "COLUMNS": "250"}
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [str(WDP), "stream", *args], stdout=out, stderr=err, env=env
            )

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def lines(self) -> list[str]:
        return self.text().splitlines()

    def wait_for(self, pattern: str, after: int, timeout_s: float) -> int:
        """Index of the first line from ``after`` on matching ``pattern`` (fails after
        ``timeout_s`` seconds)."""

        def found() -> bool:
            return any(re.search(pattern, line) for line in self.lines()[after:])

        assert wait_until(found, timeout_s, 0.1), (
            f"no {pattern!r} in {self.lines()[after:]}; stderr: {self.err.read_text()}"
        )
        return next(
            i for i, line in enumerate(self.lines()) if i >= after and re.search(pattern, line)
        )

    def interrupt(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=20)


def test_stream_survives_server_restarts(server_binary: Path, tmp_path: Path) -> None:
    ports = Ports.allocate()
    server = ServerProcess(server_binary, ["--mock-frames"], ports=ports)
    server.start()
    stream = StreamProcess(tmp_path, server.http_url)
    try:
        live = stream.wait_for(r" live \| ", 0, 30.0)
        server.stop(signal.SIGTERM)
        down = stream.wait_for("RECONNECTING to ", live, 20.0)
        # 2.0 gave up after 5 attempts (3.7 s); it now keeps trying (0.5 s doubling to 10 s).
        time.sleep(8.0)
        assert stream.process.poll() is None, stream.err.read_text()
        server.start()
        resumed = stream.wait_for(r" live \| ", down, 40.0)
        assert resumed > down
        # A second restart, killed this time.
        server.stop(signal.SIGKILL)
        down = stream.wait_for("RECONNECTING to ", resumed, 20.0)
        server.start()
        stream.wait_for(r" live \| ", down, 40.0)
    finally:
        code = stream.interrupt()
        server.stop()
    assert code == 0, stream.err.read_text()


def test_retries_limit_the_attempts(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stream = StreamProcess(tmp_path, f"http://127.0.0.1:{port}", "--retries", "2")
    assert stream.process.wait(timeout=60) == 1
    assert "after 2 attempts" in stream.err.read_text()


def test_nodes_of_an_offline_source_are_offline(server_binary: Path, tmp_path: Path) -> None:
    # A UDP node sends part of the excerpt and falls silent; the server re-broadcasts its last
    # update, "esp32:offline" after 5 s. The table must not keep presence or a frame rate.
    with ServerProcess(server_binary, []) as server:
        stream = StreamProcess(tmp_path, server.http_url, "--stale-after", "2")
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for _, datagram in list(excerpt_datagrams())[:400]:
                    udp.sendto(datagram, ("127.0.0.1", server.ports.udp))
                    time.sleep(0.002)
            assert wait_until(lambda: server.get_json("/health")["source"] == "esp32:offline", 20.0)
            time.sleep(1.0)  # a re-broadcast with the offline source reaches the stream
        finally:
            assert stream.interrupt() == 0, stream.err.read_text()
    rows = _table_rows(stream.text())
    nodes = [row for row in rows if row[0].isdigit()]
    assert nodes, stream.text()
    for row in nodes:
        assert row[1:] == ["offline"] + ["-"] * (len(COLUMNS) - 2), row
    assert "SOURCE OFFLINE" in stream.text()


def _table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in text.splitlines()
        if line.startswith("│")
    ]


# --- the renderer ------------------------------------------------------------------------


def _update(**extra: Any) -> SensingUpdate:
    data: dict[str, Any] = {
        "type": "sensing_update",
        "timestamp": 1000.0,
        "source": "esp32",
        "tick": 812,
        "nodes": [
            {"node_id": 1, "rssi_dbm": -52.0, "position": [0, 0, 0], "subcarrier_count": 64},
            {"node_id": 2, "rssi_dbm": -61.0, "position": [1, 0, 0], "subcarrier_count": 64},
        ],
        "features": {"mean_rssi": -56.5},
        "classification": {"motion_level": "present_still", "presence": True, "confidence": 0.7},
        "vital_signs": {
            "breathing_rate_bpm": 14.2,
            "heart_rate_bpm": 66.0,
            "breathing_confidence": 0.9,
            "heartbeat_confidence": 0.4,
            "signal_quality": 0.8,
            "breathing_status": "VALID",
            "heart_status": "DEGRADED",
        },
        "node_features": [
            {
                "node_id": 1,
                "classification": {"motion_level": "present_still", "presence": True},
                "rssi_dbm": -52.0,
                "last_seen_ms": 10,
                "frame_rate_hz": 43.0,
                "stale": False,
            },
            {
                "node_id": 2,
                "classification": {"motion_level": "absent", "presence": False},
                "rssi_dbm": -61.0,
                "last_seen_ms": 10,
                "frame_rate_hz": 21.5,
                "stale": False,
            },
        ],
        **extra,
    }
    return SensingUpdate.from_json(data, received_at_s=1000.1)


def _node_status(node_id: int, breathing: float, heart: float | None) -> dict[str, Any]:
    return {
        "node_id": node_id,
        "status": "active",
        "last_seen_ms": 10,
        "rssi_dbm": -50.0,
        "motion_level": "present_still",
        "person_count": 1,
        "vital_signs": {
            "breathing_rate_bpm": breathing,
            "heart_rate_bpm": heart,
            "breathing_confidence": 0.81,
            "heartbeat_confidence": 0.0,
            "signal_quality": 0.7,
            "breathing_status": "VALID",
            "heart_status": "UNAVAILABLE" if heart is None else "VALID",
            "spans_gap": False,
        },
    }


def _rendered(view: StreamView, now: float) -> tuple[str, list[list[str]]]:
    console = Console(record=True, width=250, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(view.render(now))
    console.file.close()
    text = console.export_text()
    return text, _table_rows(text)


def _live_view() -> StreamView:
    view = StreamView("ws://h:8080/ws/sensing", stale_after_s=5.0)
    view.set_connection(Connection(connected=True, ever_connected=True))
    view.on_message(_update(), now=100.0)
    view.on_nodes(
        [_node_status(1, 12.0, 71.5), _node_status(2, 15.5, None)],  # type: ignore[list-item]
        now=100.0,
    )
    return view


def test_per_node_vitals_with_status_and_confidence_and_a_room_row() -> None:
    text, rows = _rendered(_live_view(), now=100.5)
    header = next(line for line in text.splitlines() if "node" in line and "state" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == list(COLUMNS)
    assert rows == [
        ["1", "active", "-52", "yes", "present_still", "12.0", "VALID", "0.81", "71.5", "VALID",
         "0.00", "43.0"],
        ["2", "active", "-61", "no", "absent", "15.5", "VALID", "0.81", "-", "UNAVAILABLE",
         "0.00", "21.5"],
        ["room", "live", "-56", "yes", "present_still (0.70)", "14.2", "VALID", "0.90", "66.0",
         "DEGRADED", "0.40", "-"],
    ]  # fmt: skip
    # The room's breathing rate is on the room row only.
    assert text.count("14.2") == 1
    # age: 0.1 s when received + 0.5 s since.
    assert "live | esp32  tick 812  (1 updates) | age 0.6 s" in text


def test_a_stale_view_shows_every_node_offline() -> None:
    view = _live_view()
    # 5.1 s without a new update (0.1 s old when received): stale, nodes offline.
    text, rows = _rendered(view, now=105.1)
    assert "STALE | esp32  tick 812  (1 updates) | age 5.2 s" in text
    assert rows[:2] == [[str(n), "offline"] + ["-"] * (len(COLUMNS) - 2) for n in (1, 2)]
    assert rows[2] == ["room", "stale"] + ["-"] * (len(COLUMNS) - 2)
    assert "yes" not in text and "43.0" not in text


def test_a_node_the_server_marks_stale_is_offline() -> None:
    view = _live_view()
    stale = dict(_update().raw)
    stale["node_features"] = [
        {**stale["node_features"][0], "stale": True},
        stale["node_features"][1],
    ]
    view.on_message(SensingUpdate.from_json(stale, received_at_s=1000.1), now=100.0)
    _, rows = _rendered(view, now=100.2)
    assert rows[0] == ["1", "offline"] + ["-"] * (len(COLUMNS) - 2)
    assert rows[1][:2] == ["2", "active"] and rows[1][-1] == "21.5"


def test_an_offline_source_is_offline() -> None:
    view = StreamView("ws://h:8080/ws/sensing")
    view.set_connection(Connection(connected=True, ever_connected=True))
    view.on_message(_update(source="esp32:offline"), now=100.0)
    text, rows = _rendered(view, now=100.1)
    assert view.state(100.1) == "offline"
    assert "SOURCE OFFLINE | esp32:offline" in text
    assert [row[1] for row in rows] == ["offline", "offline", "offline"]


def test_reconnecting_is_in_the_title() -> None:
    view = _live_view()
    view.set_connection(
        Connection(
            connected=False,
            ever_connected=True,
            failed_attempts=2,
            retry_in_s=1.5,
            down_for_s=4.0,
            last_error="Connect call failed",
        )
    )
    text, rows = _rendered(view, now=104.0)
    assert (
        "RECONNECTING to ws://h:8080/ws/sensing | attempt 3 | next in 1.5 s | down for 4.0 s"
        " | Connect call failed"
    ) in text
    assert [row[1] for row in rows] == ["offline", "offline", "reconnecting"]
    first = StreamView("ws://h:8080/ws/sensing")
    assert first.state(0.0) == "connecting"
    assert "CONNECTING to ws://h:8080/ws/sensing" in first.status_line(0.0)


# --- a terminal ---------------------------------------------------------------------------


class Screen:
    """Enough of a VT100 for rich's Live: text, CR, LF, cursor up/down, erase line/screen,
    SGR and mode switches ignored."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.row = 0
        self.col = 0

    def feed(self, data: str) -> None:
        i = 0
        while i < len(data):
            ch = data[i]
            if ch == "\x1b":
                match = re.match(r"\x1b\[([?0-9;]*)([A-Za-z])", data[i:])
                if match is None:
                    i += 1
                    continue
                self._csi(match.group(1), match.group(2))
                i += match.end()
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.row += 1
                self.col = 0
                while len(self.lines) <= self.row:
                    self.lines.append("")
            elif ch >= " ":
                line = self.lines[self.row].ljust(self.col)
                self.lines[self.row] = line[: self.col] + ch + line[self.col + 1 :]
                self.col += 1
            i += 1

    def _csi(self, params: str, command: str) -> None:
        count = int(params) if params.isdigit() else 1
        if command == "A":
            self.row = max(0, self.row - count)
        elif command == "B":
            self.row += count
            while len(self.lines) <= self.row:
                self.lines.append("")
        elif command == "K":
            if params in ("", "0"):
                self.lines[self.row] = self.lines[self.row][: self.col]
            else:
                self.lines[self.row] = ""
        elif command == "J" and params == "2":
            self.lines = [""] * len(self.lines)

    def text(self) -> list[str]:
        return [line.rstrip() for line in self.lines if line.strip()]


def _update_json(tick: int, node_ids: list[int]) -> str:
    return json.dumps(
        {
            "type": "sensing_update",
            "timestamp": time.time(),
            "source": "esp32",
            "tick": tick,
            "nodes": [
                {"node_id": n, "rssi_dbm": -50.0 - n, "position": [0, 0, 0]} for n in node_ids
            ],
            "features": {"mean_rssi": -55.0},
            "classification": {"motion_level": "absent", "presence": False, "confidence": 0.5},
        }
    )


@pytest.fixture
def changing_server() -> Iterator[str]:
    """A WebSocket endpoint whose updates have 3 nodes, then 1, then 2."""
    websockets_server = pytest.importorskip("websockets.sync.server")

    def handler(ws: Any) -> None:
        for tick, nodes in enumerate([[1, 2, 3]] * 3 + [[1]] * 3 + [[1, 2]] * 3, start=1):
            ws.send(_update_json(tick, nodes))
            time.sleep(0.3)
        ws.recv()

    with websockets_server.serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws/sensing"
        server.shutdown()
        thread.join(timeout=10)


def test_the_terminal_view_is_redrawn_whole(changing_server: str) -> None:
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "230", "LINES": "60", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [str(WDP), "stream", changing_server, "--count", "9"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    assert process.wait(timeout=20) == 0, output.decode(errors="replace")
    screen = Screen()
    screen.feed(output.decode("utf-8", errors="replace"))
    lines = screen.text()
    titles = [line for line in lines if "tick" in line]
    assert len(titles) == 1, "\n".join(lines)
    assert "tick 9" in titles[0]
    rows = _table_rows("\n".join(lines))
    assert [row[0] for row in rows] == ["1", "2", "room"], "\n".join(lines)
