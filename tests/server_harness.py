"""Runs the real ``wifi-densepose-sensing-server`` binary for the integration tests.

The binary is built once per session with ``cargo build -p wifi-densepose-sensing-server``
(or taken from ``WDP_SERVER_BIN``), started on free loopback ports and always stopped.
Also: a packet encoder following docs/wire.md §1 byte for byte (independent of the
server's own codec), and the reference excerpt reader used by several tests.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXCERPT = DATA / "esp32-excerpt.csi.jsonl"
BINARY_NAME = "wifi-densepose-sensing-server"


def build_server() -> Path:
    """The server binary: ``WDP_SERVER_BIN`` if set, else a fresh debug build."""
    override = os.environ.get("WDP_SERVER_BIN")
    if override:
        return Path(override)
    cargo = shutil.which("cargo")
    if cargo is None:
        raise RuntimeError("cargo is not on PATH; set WDP_SERVER_BIN to a built server binary")
    subprocess.run([cargo, "build", "-q", "-p", BINARY_NAME], cwd=REPO, check=True, timeout=1800)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / BINARY_NAME


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Ports:
    http: int
    ws: int
    udp: int

    @classmethod
    def allocate(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(socket.SOCK_DGRAM))


class ServerProcess:
    """One server process; use as a context manager (always terminated on exit)."""

    def __init__(
        self,
        binary: Path,
        args: Sequence[str] = (),
        *,
        ports: Ports | None = None,
        env: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
    ) -> None:
        self.binary = binary
        self.host = host
        # stderr goes here when given (a pipe nobody reads could fill and block the server).
        self.log_path = log_path
        self.args = list(args)
        self.ports = ports or Ports.allocate()
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.ports.http}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ports.ws}/ws/sensing"

    def start(self, ready_timeout_s: float = 20.0) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUVIEW_", "SENSING_"))}
        env.update(self.env)
        env.setdefault("RUST_LOG", "warn")
        argv = [
            str(self.binary),
            "--http-port",
            str(self.ports.http),
            "--ws-port",
            str(self.ports.ws),
            "--udp-port",
            str(self.ports.udp),
            "--bind-addr",
            self.host,
            *self.args,
        ]
        if self.log_path is not None:
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(
                    argv, env=env, stdout=subprocess.DEVNULL, stderr=log
                )
        else:
            self.process = subprocess.Popen(
                argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                if self.log_path is not None:
                    stderr = self.log_path.read_text()
                raise RuntimeError(f"server exited with {self.process.returncode}: {stderr}")
            with contextlib.suppress(OSError):
                status, _ = http_get(
                    self.ports.http,
                    "/health",
                    host=self.host,
                    headers={"Host": "localhost"},
                    timeout_s=1.0,
                )
                if status == 200:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not ready within {ready_timeout_s} s")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10.0) -> int | None:
        """Sends ``sig`` and waits; kills after ``timeout_s``. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        if self.process.stderr:
            self.process.stderr.close()
        code = self.process.returncode
        self.process = None
        return code

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def get_json(self, path: str, headers: Mapping[str, str] | None = None) -> Any:
        status, body = http_get(self.ports.http, path, headers=headers, host=self.host)
        assert status == 200, (status, body)
        return json.loads(body)


def http_get(
    port: int,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    timeout_s: float = 5.0,
) -> tuple[int, str]:
    """A raw GET (the ``Host`` header can be overridden); returns status and body."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        connection.putrequest("GET", path, skip_host="Host" in (headers or {}))
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def upgrade_status(port: int, path: str, headers: Mapping[str, str]) -> int:
    """Status of a WebSocket upgrade request (101 when accepted)."""
    all_headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **headers,
    }
    status, _ = http_get(port, path, headers=all_headers)
    return status


def wait_until(predicate: Any, timeout_s: float, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


# --- docs/wire.md §1 encoders (little-endian, exact layouts) ----------------------------


def raw_csi(
    node_id: int,
    iq: bytes,
    n_subcarriers: int,
    *,
    sequence: int = 0,
    rssi: int = 0,
    frequency_mhz: int = 0,
    ppdu_type: int = 0,
) -> bytes:
    header = struct.pack(
        "<IBBHIIbbBB",
        0xC5110001,
        node_id,
        len(iq) // (2 * n_subcarriers),
        n_subcarriers,
        frequency_mhz,
        sequence,
        rssi,
        0,
        ppdu_type,
        0,
    )
    return header + iq


def edge_vitals(
    node_id: int,
    flags: int,
    breathing_bpm: float,
    heartrate_bpm: float,
    rssi: int,
    n_persons: int,
    motion_energy: float,
    presence_score: float,
    timestamp_ms: int,
) -> bytes:
    return struct.pack(
        "<IBBHIbB2xffI4x",
        0xC5110002,
        node_id,
        flags,
        round(breathing_bpm * 100),
        round(heartrate_bpm * 10000),
        rssi,
        n_persons,
        motion_energy,
        presence_score,
        timestamp_ms,
    )


def feature_vector(node_id: int, seq: int, timestamp_us: int, features: Sequence[float]) -> bytes:
    return struct.pack("<IBxHq8f", 0xC5110003, node_id, seq, timestamp_us, *features)


def excerpt_lines() -> list[dict[str, Any]]:
    with EXCERPT.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def excerpt_datagrams() -> Iterator[tuple[dict[str, Any], bytes]]:
    """Each excerpt line with its datagram rebuilt as docs/wire.md §2.8 describes."""
    lines = excerpt_lines()
    first = lines[0]["timestamp"]
    sequences: dict[int, int] = {}
    vitals_rssi: dict[int, int] = {}
    for line in lines:
        node = line["node_id"]
        offset = line["timestamp"] - first
        kind = line.get("type")
        if kind == "raw_csi":
            seq = sequences.get(node, 0)
            sequences[node] = seq + 1
            datagram = raw_csi(
                node,
                bytes.fromhex(line["iq_hex"]),
                line["subcarriers"],
                sequence=seq,
                rssi=vitals_rssi.get(node, 0),
            )
        elif kind == "vitals":
            vitals_rssi[node] = line["rssi"]
            datagram = edge_vitals(
                node,
                line["flags"],
                line["breathing_bpm"],
                line["heartrate_bpm"],
                line["rssi"],
                line["n_persons"],
                line["motion_energy"],
                line["presence_score"],
                round(offset * 1000),
            )
        elif kind == "feature":
            datagram = feature_vector(node, line["seq"], round(offset * 1e6), line["features"])
        else:
            continue
        yield line, datagram


@pytest.fixture(scope="session")
def server_binary() -> Path:
    """The server binary, built once per session."""
    return build_server()
