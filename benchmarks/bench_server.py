"""Sensing-server benchmark on loopback (bounded in time; run on a release build).

1. Ingest: the highest raw-CSI rate (64-bin frames, two nodes) at which the server accepts
   every datagram, checked against ``/health`` (``datagrams`` and the parsed ``raw_csi``
   count). Each rate runs for ``--ingest-seconds`` on a fresh server.
2. Latency: packet-to-WebSocket latency with 1, 10 and 100 clients while raw CSI arrives at
   1,000 packets/s, measured by the Rust probe ``examples/ws_latency_probe.rs`` (sender and
   clients in one process on one clock; every client reads every message, up to 10 of them
   time it). A Python client fleet would measure Python, not the server: 100 clients at
   1,000 messages/s are 100,000 messages/s to decode.

3. Nodes: raw CSI from 1, 16 and 256 nodes at ``--nodes-rate`` (5,000/s) with one WebSocket
   client: datagrams lost (the kernel's drop counter from ``/health``), updates built (a busy
   receiver ingests what is queued as one batch with one update) and server CPU per
   datagram. ``--baseline BIN`` runs the same rows on another server build side by side.

The server's CPU use (user + system, share of one core) is printed next to the latency.
Usage: ``python benchmarks/bench_server.py`` (builds the release server and probe unless
``WDP_SERVER_BIN`` and ``WDP_PROBE_BIN`` are set). Prints tables; nothing here is a
pass/fail test, and figures depend on what else the machine is running.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BINARY_NAME = "wifi-densepose-sensing-server"
BINS = 64


def release_binaries() -> tuple[Path, Path]:
    """The release server and latency probe (``WDP_SERVER_BIN`` / ``WDP_PROBE_BIN``, or
    built here)."""
    server = os.environ.get("WDP_SERVER_BIN")
    probe = os.environ.get("WDP_PROBE_BIN")
    if server and probe:
        return Path(server), Path(probe)
    subprocess.run(
        [
            "cargo",
            "build",
            "-q",
            "--release",
            "-p",
            BINARY_NAME,
            "--bins",
            "--example",
            "ws_latency_probe",
        ],
        cwd=REPO,
        check=True,
        timeout=3600,
    )
    release = REPO / "target" / "release"
    return (
        Path(server) if server else release / BINARY_NAME,
        Path(probe) if probe else release / "examples" / "ws_latency_probe",
    )


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, binary: Path, args: Sequence[str]) -> None:
        self.http = free_port()
        self.ws = free_port()
        self.udp = free_port(socket.SOCK_DGRAM)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUVIEW_", "SENSING_"))}
        env["RUST_LOG"] = "warn"
        self.process = subprocess.Popen(
            [
                str(binary),
                "--http-port",
                str(self.http),
                "--ws-port",
                str(self.ws),
                "--udp-port",
                str(self.udp),
                *args,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.health()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not start")

    def health(self) -> dict[str, Any]:
        """``GET /health`` as a dict."""
        connection = http.client.HTTPConnection("127.0.0.1", self.http, timeout=5)
        try:
            connection.request("GET", "/health")
            return dict(json.loads(connection.getresponse().read()))
        finally:
            connection.close()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def nodes_run(binary: Path, nodes: int, rate: int, seconds: float) -> dict[str, float]:
    """Raw CSI round-robin over `nodes` node ids at `rate`/s with one draining WebSocket
    client; loss, updates and CPU from ``/health`` and /proc."""
    server = Server(binary, ["--source", "esp32"])
    reader: mp.Process | None = None
    try:
        ready = mp.Event()
        reader = mp.Process(target=_drain_client, args=(server.ws, seconds + 15, ready))
        reader.start()
        ready.wait(10)
        count = int(rate * seconds)
        datagrams = [raw_csi(i % nodes, i // nodes, i) for i in range(count)]
        tick_before = int(server.health()["tick"])
        cpu_before = server.cpu_seconds()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            achieved = paced_send(udp, server.udp, datagrams, rate)
        deadline = time.monotonic() + 10
        health = server.health()
        while time.monotonic() < deadline:
            health = server.health()
            udp_stats = health["processing"]["udp"]
            if udp_stats["datagrams"] + udp_stats.get("kernel_drops", 0) >= count:
                break
            time.sleep(0.1)
        cpu = server.cpu_seconds() - cpu_before
        udp_stats = health["processing"]["udp"]
        received = int(udp_stats["datagrams"])
        updates = int(health["tick"]) - tick_before
        return {
            "sent_per_s": achieved,
            "received": received,
            "lost": count - received,
            "kernel_drops": float(udp_stats.get("kernel_drops", float("nan"))),
            "loss": (count - received) / count,
            "updates": updates,
            "cpu_us_per_datagram": 1e6 * cpu / max(received, 1),
        }
    finally:
        server.stop()
        if reader is not None:
            reader.join(timeout=20)
            if reader.is_alive():
                reader.terminate()


def raw_csi(node_id: int, sequence: int, marker: int) -> bytes:
    """A 64-bin frame (docs/wire.md §1.3) whose bins 0 and 1 have amplitudes marker % 100 and
    marker // 100 % 100 (I = value, Q = 0); the other bins carry a fixed pattern."""
    iq = bytearray()
    for k in range(BINS):
        if k == 0:
            iq += bytes([marker % 100, 0])
        elif k == 1:
            iq += bytes([marker // 100 % 100, 0])
        else:
            iq += bytes([(10 + k) % 40, (5 + 3 * k) % 30])
    header = struct.pack(
        "<IBBHIIbbBB", 0xC5110001, node_id, 1, BINS, 2437, sequence, -50, -90, 0, 0
    )
    return header + bytes(iq)


def paced_send(udp: socket.socket, port: int, datagrams: Sequence[bytes], rate: float) -> float:
    """Sends in 1 ms slices at ``rate`` datagrams/s; returns the achieved rate."""
    start = time.perf_counter()
    sent = 0
    total = len(datagrams)
    address = ("127.0.0.1", port)
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        while sent < due:
            udp.sendto(datagrams[sent], address)
            sent += 1
        if sent < total:
            time.sleep(0.0005)
    return total / (time.perf_counter() - start)


def ingest_run(binary: Path, rate: int, seconds: float, client: bool) -> tuple[bool, float, int]:
    server = Server(binary, ["--source", "esp32"])
    reader: mp.Process | None = None
    try:
        if client:
            ready = mp.Event()
            reader = mp.Process(target=_drain_client, args=(server.ws, seconds + 5, ready))
            reader.start()
            ready.wait(10)
        count = int(rate * seconds)
        datagrams = [raw_csi(1 + i % 2, i // 2, i) for i in range(count)]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            achieved = paced_send(udp, server.udp, datagrams, rate)
        deadline = time.monotonic() + 5
        received = 0
        while time.monotonic() < deadline:
            health = server.health()
            received = health["processing"]["udp"]["datagrams"]
            if received >= count:
                break
            time.sleep(0.1)
        parsed = server.health()["processing"]["packets"].get("raw_csi", 0)
        return received == count and parsed == count, achieved, received
    finally:
        server.stop()
        if reader is not None:
            reader.join(timeout=10)
            if reader.is_alive():
                reader.terminate()


# --- minimal WebSocket reader (server-to-client frames are never masked) -----------------


def ws_connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/sensing HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during handshake")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(response.split(b"\r\n", 1)[0].decode())
    sock.setblocking(False)
    leftover = response.split(b"\r\n\r\n", 1)[1]
    assert not leftover
    return sock


def _drain_client(port: int, seconds: float, ready: Any) -> None:
    import selectors

    sock = ws_connect(port)
    ready.set()
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for _ in selector.select(0.2):
            try:
                if not sock.recv(1 << 20):
                    return
            except BlockingIOError:
                pass


def latency_run(
    binary: Path, probe: Path, n_clients: int, rate: int, seconds: float
) -> dict[str, float]:
    """Runs the Rust probe (``examples/ws_latency_probe.rs``) against a fresh server."""
    server = Server(binary, ["--source", "esp32"])
    try:
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        result = subprocess.run(
            [
                str(probe),
                "--ws-port",
                str(server.ws),
                "--udp-port",
                str(server.udp),
                "--clients",
                str(n_clients),
                "--probes",
                str(min(n_clients, 10)),
                "--rate",
                str(rate),
                "--seconds",
                str(seconds),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=True,
        )
        server_cpu = (server.cpu_seconds() - cpu_before) / (time.monotonic() - started)
        figures = dict(json.loads(result.stdout))
        figures["server_cpu"] = server_cpu
        return figures
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates", type=int, nargs="+", default=[10_000, 20_000, 30_000, 40_000, 60_000]
    )
    parser.add_argument("--ingest-seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--latency-rate", type=int, default=1000)
    parser.add_argument("--latency-seconds", type=float, default=5.0)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 16, 256])
    parser.add_argument("--nodes-rate", type=int, default=5000)
    parser.add_argument("--nodes-seconds", type=float, default=3.0)
    parser.add_argument("--baseline", type=Path, help="another server build to compare")
    parser.add_argument(
        "--only-nodes", action="store_true", help="run only the nodes section (no probe needed)"
    )
    args = parser.parse_args(argv)
    if args.only_nodes:
        server_bin = os.environ.get("WDP_SERVER_BIN")
        binary = Path(server_bin) if server_bin else release_binaries()[0]
        nodes_section(binary, args)
        return 0
    binary, probe = release_binaries()
    print(f"server: {binary}\nprobe: {probe}")
    print("\ningest (raw CSI, 64 bins, 2 nodes)")
    print(f"{'target/s':>10} {'sent/s':>10} {'received':>10} {'client':>7} lossless")
    best: dict[bool, int] = {False: 0, True: 0}
    for client in (False, True):
        for rate in args.rates:
            lossless, achieved, received = ingest_run(binary, rate, args.ingest_seconds, client)
            print(
                f"{rate:>10} {achieved:>10.0f} {received:>10} {('1' if client else '0'):>7} "
                f"{'yes' if lossless else 'NO'}"
            )
            if not lossless:
                break
            best[client] = rate
    print(
        f"max lossless ingest: {best[False]}/s without clients, {best[True]}/s with one "
        "WebSocket client"
    )
    print(
        f"\npacket-to-WebSocket latency at {args.latency_rate} packets/s ({args.latency_seconds} s)"
    )
    print(
        f"{'clients':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'delivered':>10} "
        f"{'server CPU':>10}  (timed on up to 10 of the clients)"
    )
    for n_clients in args.clients:
        r = latency_run(binary, probe, n_clients, args.latency_rate, args.latency_seconds)
        print(
            f"{n_clients:>8} {r['p50']:>8.3f} {r['p99']:>8.3f} {r['max']:>8.2f} "
            f"{r['delivered']:>10.4f} {r['server_cpu']:>9.0%}"
        )
    nodes_section(binary, args)
    return 0


def nodes_section(binary: Path, args: argparse.Namespace) -> None:
    builds = [("this", binary)] + ([("baseline", args.baseline)] if args.baseline else [])
    print(
        f"\nnodes: raw CSI at {args.nodes_rate}/s for {args.nodes_seconds} s, one WebSocket client"
    )
    print(
        f"{'build':>9} {'nodes':>6} {'sent/s':>8} {'received':>9} {'lost':>7} {'loss':>7} "
        f"{'kernel drops':>12} {'updates':>8} {'CPU us/datagram':>15}"
    )
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for nodes in args.nodes:
        for name, build in builds:
            r = nodes_run(build, nodes, args.nodes_rate, args.nodes_seconds)
            rows[(name, nodes)] = r
            print(
                f"{name:>9} {nodes:>6} {r['sent_per_s']:>8.0f} {r['received']:>9} {r['lost']:>7} "
                f"{r['loss']:>7.2%} {r['kernel_drops']:>12.0f} {r['updates']:>8} "
                f"{r['cpu_us_per_datagram']:>15.1f}"
            )
        if args.baseline:
            this, base = rows[("this", nodes)], rows[("baseline", nodes)]
            print(
                f"{'ratio':>9} {nodes:>6}  CPU per datagram baseline/this = "
                f"{base['cpu_us_per_datagram'] / this['cpu_us_per_datagram']:.2f}x"
            )


if __name__ == "__main__":
    sys.exit(main())
