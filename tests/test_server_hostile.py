"""Hostile clients against the real server binary: idle floods, clients that stop reading,
malformed Host headers, tickets spent by plain GETs."""

from __future__ import annotations

import contextlib
import http.client
import json
import resource
import signal
import socket
import stat
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import ServerProcess, http_get, server_binary, upgrade_status, wait_until

__all__ = ["server_binary"]

TOKEN = "hostile-token-7a2e"
EXCERPT_PATH = Path(__file__).resolve().parent / "data" / "esp32-excerpt.csi.jsonl"


@contextlib.contextmanager
def fd_limit(at_least: int) -> Iterator[None]:
    """Raises this process's soft descriptor limit for the test (restored afterwards)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(max(soft, at_least), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def limited_binary(binary: Path, tmp_path: Path, soft: int) -> Path:
    """A wrapper that starts the server with the usual `ulimit -n` soft limit."""
    wrapper = tmp_path / "server-with-ulimit"
    wrapper.write_text(f'#!/bin/sh\nulimit -S -n {soft}\nexec "{binary}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


@pytest.mark.load_sensitive
def test_idle_connections_do_not_starve_health(server_binary: Path, tmp_path: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= 2400, f"this test needs a hard descriptor limit of 2400, have {hard}"
    wrapper = limited_binary(server_binary, tmp_path, 1024)
    with fd_limit(2400), ServerProcess(wrapper, ["--source", "simulate"]) as server:
        idle: list[socket.socket] = []
        opened = time.monotonic()
        try:
            for _ in range(1100):
                idle.append(socket.create_connection(("127.0.0.1", server.ports.http), timeout=5))
            # Give the server time to accept them all (each one takes a descriptor).
            time.sleep(1.0)
            status, body = http_get(
                server.ports.http, "/health", headers={"Host": "localhost"}, timeout_s=5
            )
            assert status == 200, body
            # A connection that never sends a byte is closed after the 10 s first-byte timeout.
            probe = idle[0]
            probe.settimeout(20)
            assert probe.recv(1) == b""
            assert 9.5 < time.monotonic() - opened < 16
        finally:
            for s in idle:
                s.close()


def tcp_memory_bytes() -> int:
    """System-wide TCP buffer memory (`/proc/net/sockstat`, pages)."""
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1]) * resource.getpagesize()
    raise AssertionError("no TCP line in /proc/net/sockstat")


def test_clients_that_stop_reading_are_dropped(server_binary: Path) -> None:
    """Non-reading WebSocket clients are closed by the write-stall timeout (20 s after their
    buffers fill); the kernel memory they pin stays bounded meanwhile."""
    clients = 200
    with fd_limit(4 * clients), ServerProcess(server_binary, ["--source", "simulate"]) as server:
        sockets: list[socket.socket] = []
        try:
            for _ in range(clients):
                s = socket.socket()
                # A tiny receive window: the server's sends stall within seconds.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.connect(("127.0.0.1", server.ports.ws))
                s.sendall(
                    b"GET /ws/sensing HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                )
                sockets.append(s)
            # While they stall, the kernel memory they pin stays bounded: the server's send
            # buffers are fixed at 128 KiB (the kernel doubles it), so 200 clients pin tens
            # of MB (without the bound, 200 such clients pinned 771 MB in 90 s).
            before = tcp_memory_bytes()
            time.sleep(15)
            pinned = tcp_memory_bytes() - before
            assert pinned < 150 << 20, f"{pinned / 2**20:.0f} MiB of TCP memory"
            # Each client is dropped within 60 s: reading now drains what was buffered and
            # then finds the end of the stream (or a reset).
            time.sleep(45)
            closed = 0
            for s in sockets:
                s.settimeout(0.5)
                with contextlib.suppress(ConnectionResetError):
                    while True:
                        try:
                            chunk = s.recv(65536)
                        except TimeoutError:
                            break
                        if not chunk:
                            closed += 1
                            break
                        continue
                    continue
                closed += 1
            assert closed == clients, f"{clients - closed} of {clients} clients still open"
            status, _ = http_get(server.ports.http, "/health", headers={"Host": "localhost"})
            assert status == 200
        finally:
            for s in sockets:
                s.close()


def raw_status(port: int, request: bytes) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < 12:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        with contextlib.suppress(TimeoutError, OSError):
            s.settimeout(0.5)
            data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def test_host_headers_are_parsed_strictly(server_binary: Path) -> None:
    with ServerProcess(server_binary, ["--source", "simulate"]) as server:
        port = server.ports.http
        for host in (b"[::1]evil.example", b"localhost:80x", b"h\xc3\xb6st", b"local host"):
            status, body = raw_status(port, b"GET /health HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
            assert status == 400, (host, body)
            assert body.startswith("malformed Host header"), (host, body)
        status, body = raw_status(
            port, b"GET /health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n"
        )
        assert (status, body) == (400, "malformed Host header: more than one Host header")
        assert raw_status(port, b"GET /health HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")[0] == 200


def test_a_plain_get_does_not_spend_a_ticket(server_binary: Path) -> None:
    env = {"RUVIEW_API_TOKEN": TOKEN}
    with ServerProcess(server_binary, ["--source", "simulate"], env=env) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.ports.http, timeout=5)
        connection.request(
            "POST", "/api/v1/ws-ticket", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        ticket = json.loads(connection.getresponse().read())["ticket"]
        connection.close()
        path = f"/ws/sensing?ticket={ticket}"
        assert http_get(server.ports.ws, path, headers={"Host": "localhost"})[0] == 401
        assert upgrade_status(server.ports.ws, path, {}) == 101
        assert upgrade_status(server.ports.ws, path, {}) == 401  # spent by the upgrade


def test_replay_survives_devices_long_lines_and_absurd_offsets(
    server_binary: Path, tmp_path: Path
) -> None:
    excerpt = Path(__file__).resolve().parent / "data" / "esp32-excerpt.csi.jsonl"
    lines = excerpt.read_text().splitlines()
    record = json.loads(next(line for line in lines if '"raw_csi"' in line))
    # 2,200 bins: a valid line whose datagram would exceed the largest UDP payload.
    wide = dict(record, subcarriers=2200, size=20 + 4400, iq_hex="0a05" * 2200)
    far = dict(record, timestamp=record["timestamp"] + 1e300)
    path = tmp_path / "hostile.csi.jsonl"
    pad = '{"pad": "' + "a" * (2 << 20) + '"}'  # over the 1 MiB line limit
    path.write_text(
        "\n".join([lines[0], pad, json.dumps(wide), *lines[1:], json.dumps(far)]) + "\n"
    )
    args = ["--replay", str(path), "--speed", "100"]
    with ServerProcess(server_binary, args, env={"RUST_LOG": "info"}) as server:
        # Every line of the excerpt arrives (the excerpt alone gives these counts); the wide
        # and the padded line are skipped, the one due in 1e300 s stops the replay quietly.
        expected = {"raw_csi": 368, "edge_vitals": 16, "feature_vector": 16}
        assert wait_until(
            lambda: server.get_json("/health")["processing"]["packets"] == expected, 15
        ), server.get_json("/health")
        time.sleep(0.5)
        assert server.process is not None and server.process.poll() is None
        assert server.get_json("/health")["processing"]["packets"] == expected
        process = server.process
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        log = process.stderr.read().decode()
    assert "line_too_long" in log and "bad_lines=1" in log and "unencodable=1" in log, log
    assert "replay stopped" in log, log


def test_replay_of_a_sparse_file_uses_constant_memory(server_binary: Path, tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.csi.jsonl"
    with sparse.open("wb") as f:
        f.truncate(256 << 20)
    with ServerProcess(server_binary, ["--replay", str(sparse)]) as server:
        assert server.process is not None
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        peak_kib = int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )
        assert peak_kib < 100 * 1024, f"peak RSS {peak_kib // 1024} MiB"


def raw_csi(node_id: int, sequence: int, bins: int = 64) -> bytes:
    """A raw CSI frame (docs/wire.md §1.3): one antenna, `bins` subcarriers of a fixed pattern."""
    header = struct.pack(
        "<IBBHIIbbBB", 0xC5110001, node_id, 1, bins, 2437, sequence, -50, -90, 0, 0
    )
    iq = bytes(((10 + k) % 40 if j == 0 else (5 + 3 * k) % 30) for k in range(bins) for j in (0, 1))
    return header + iq


def drain_websocket(port: int, stop: threading.Event, received: list[int]) -> None:
    """A WebSocket client that reads everything (bytes counted, frames not decoded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(
            b"GET /ws/sensing HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        s.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                chunk = s.recv(1 << 16)
                if not chunk:
                    return
                received[0] += len(chunk)


@pytest.mark.load_sensitive
def test_256_nodes_at_5000_datagrams_per_second(server_binary: Path) -> None:
    rate, seconds, nodes = 5000, 4.0, 256
    count = int(rate * seconds)
    datagrams = [raw_csi(i % nodes, i // nodes) for i in range(count)]
    with ServerProcess(server_binary, ["--source", "esp32"]) as server:
        stop = threading.Event()
        received_bytes = [0]
        reader = threading.Thread(
            target=drain_websocket, args=(server.ports.ws, stop, received_bytes), daemon=True
        )
        reader.start()
        time.sleep(0.3)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            start = time.perf_counter()
            sent = 0
            while sent < count:
                due = min(count, int((time.perf_counter() - start) * rate) + 1)
                while sent < due:
                    udp.sendto(datagrams[sent], ("127.0.0.1", server.ports.udp))
                    sent += 1
                time.sleep(0.0005)
            achieved = count / (time.perf_counter() - start)

        def udp_health() -> dict[str, int]:
            health = server.get_json("/health")
            return dict(
                health["processing"]["udp"], raw=health["processing"]["packets"].get("raw_csi", 0)
            )

        # Wait until every datagram is accounted for: received or dropped by the kernel.
        assert wait_until(
            lambda: (h := udp_health())["datagrams"] + h.get("kernel_drops", 0) >= count, 15
        ), udp_health()
        assert wait_until(lambda: (h := udp_health())["raw"] == h["datagrams"], 15), udp_health()
        stats = udp_health()
        stop.set()
        reader.join(5)
    assert achieved > 0.9 * rate
    # The kernel's drop counter for the socket is in /health, and accounts for any loss.
    assert "kernel_drops" in stats
    assert stats["datagrams"] + stats["kernel_drops"] == count
    assert stats["kernel_drops"] <= count // 100, stats
    assert stats["raw"] == stats["datagrams"]
    assert received_bytes[0] > 0


def test_replay_refuses_devices_and_absurd_speeds(server_binary: Path) -> None:
    device = subprocess.run(
        [str(server_binary), "--replay", "/dev/zero"], capture_output=True, timeout=20
    )
    assert device.returncode == 1
    assert b"not a regular file or a pipe" in device.stderr
    for speed in ("1e-300", "inf", "0"):
        result = subprocess.run(
            [str(server_binary), "--replay", str(EXCERPT_PATH), "--speed", speed],
            capture_output=True,
            timeout=20,
        )
        assert result.returncode == 2, (speed, result.stderr)
        assert b"speed must be in [0.001, 1000000]" in result.stderr
