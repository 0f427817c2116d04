"""10,000 malformed and random datagrams interleaved with valid ones (docs/wire.md §1.11): the
server keeps serving, counts every drop by reason in /health and loses no valid packet. An
oversized WebSocket client message ends only that client's connection."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
from collections import Counter
from pathlib import Path

from server_harness import ServerProcess, edge_vitals, raw_csi, server_binary, wait_until
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

__all__ = ["server_binary"]

MALFORMED = 10_000
VALID_EVERY = 10  # one valid datagram after every 10 malformed ones
BATCH = 250


def _valid(rng: random.Random, index: int) -> bytes:
    if index % 5 == 0:
        return edge_vitals(3, 5, 15.5, 72.0, -45, 1, 0.25, 0.9, index)
    n = rng.choice([52, 64, 128])
    iq = bytes(rng.randrange(256) for _ in range(2 * n))
    return raw_csi(3, iq, n, sequence=index, rssi=-50)


def _malformed(rng: random.Random) -> tuple[bytes, str]:
    """A datagram and the reason the parser must report (docs/wire.md §1.11, checks in order)."""
    kind = rng.randrange(7)
    v1 = raw_csi(1, bytes([3, 4, 253, 4, 0, 5, 6, 248]), 4, sequence=42, rssi=-40)
    if kind == 0:  # random bytes under a magic that is not in the registry
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(4, 200)))
        magic = rng.choice([0xC5118100, 0xC5110084, 0xDEADBEEF, 0x00000000])
        return struct.pack("<I", magic) + body, "bad_magic"
    if kind == 1:  # fewer than 4 bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 4))), "truncated"
    if kind == 2:  # header cut short
        return v1[: rng.randrange(4, 20)], "truncated"
    if kind == 3:  # payload cut short
        return v1[: rng.randrange(20, len(v1))], "length_mismatch"
    if kind == 4:  # zero antennas
        return v1[:5] + b"\x00" + v1[6:], "zero_antennas"
    if kind == 5:  # over the 2048-byte limit
        return v1 + bytes(rng.randrange(2021, 4000)), "oversize"
    # JSON text is not a packet
    return b'{"type":"raw_csi","node_id":1}', "bad_magic"


def test_malformed_flood(server_binary: Path) -> None:
    rng = random.Random(20261128)
    expected_reasons: Counter[str] = Counter()
    datagrams: list[bytes] = []
    valid = Counter[str]()
    for i in range(MALFORMED):
        datagram, reason = _malformed(rng)
        datagrams.append(datagram)
        expected_reasons[reason] += 1
        if i % VALID_EVERY == VALID_EVERY - 1:
            good = _valid(rng, i)
            datagrams.append(good)
            valid["edge_vitals" if good[0] == 0x02 else "raw_csi"] += 1

    with ServerProcess(server_binary, ["--source", "esp32"]) as server:

        def udp_stats() -> dict[str, object]:
            stats = server.get_json("/health")["processing"]["udp"]
            assert isinstance(stats, dict)
            return stats

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            sent = 0
            for start in range(0, len(datagrams), BATCH):
                for datagram in datagrams[start : start + BATCH]:
                    udp.sendto(datagram, ("127.0.0.1", server.ports.udp))
                sent += len(datagrams[start : start + BATCH])
                # Let the server drain each batch so the kernel buffer never overflows.
                assert wait_until(lambda n=sent: udp_stats()["datagrams"] == n, 10.0)

        stats = udp_stats()
        assert stats["datagrams"] == MALFORMED + sum(valid.values())
        assert stats["malformed"] == MALFORMED
        assert stats["malformed_by_reason"] == dict(expected_reasons)
        assert stats["dropped_by_allowlist"] == 0
        packets = server.get_json("/health")["processing"]["packets"]
        assert packets == dict(valid)
        nodes = server.get_json("/api/v1/nodes")["nodes"]
        assert [n["node_id"] for n in nodes] == [3]


async def _oversized_message_session(url: str) -> tuple[bool, int]:
    """Two clients; one sends a 128 KiB text message. Returns whether that client was
    disconnected and how many updates the other received afterwards."""
    async with connect(url, open_timeout=5) as bystander, connect(url, open_timeout=5) as rogue:
        await asyncio.wait_for(rogue.recv(), 5)
        await rogue.send("x" * (128 * 1024))

        async def read_until_closed() -> None:
            while True:
                await rogue.recv()

        disconnected = False
        try:
            await asyncio.wait_for(read_until_closed(), 5)
        except ConnectionClosed:
            disconnected = True
        except asyncio.TimeoutError:
            pass
        received = 0
        while received < 3:
            json.loads(await asyncio.wait_for(bystander.recv(), 5))
            received += 1
        return disconnected, received


def test_oversized_client_message_closes_only_that_client(server_binary: Path) -> None:
    # Clients of /ws/sensing have nothing to send beyond control frames; a message over
    # 64 KiB ends that connection without disturbing the others.
    with ServerProcess(server_binary, ["--source", "simulate"]) as server:
        disconnected, received = asyncio.run(_oversized_message_session(server.ws_url))
        assert disconnected
        assert received == 3
        assert wait_until(lambda: server.get_json("/health")["clients"] == 0, 5.0)
        assert server.get_json("/health")["status"] == "ok"
