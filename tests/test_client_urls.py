"""One base URL for the clients, and staleness of what they report.

The server's HTTP listener (``--http-port``) serves REST and ``/ws/sensing``; its second
listener (``--ws-port``, 8765 by default) only ``/ws/sensing`` and ``/health``. Given the HTTP
listener, everything works; given the WebSocket listener, the stream works and REST names the
right listener instead of a bare 404.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from server_harness import ServerProcess, excerpt_datagrams, server_binary, wait_until

from wifi_densepose.client.messages import DEFAULT_STALE_AFTER_S, SensingUpdate, parse_message

pytest.importorskip("websockets")
from wifi_densepose.client.ws import (
    SensingClient,
    SensingClientError,
    SyncSensingClient,
    WrongListenerError,
    endpoints,
)

__all__ = ["server_binary"]


@pytest.mark.parametrize(
    ("url", "ws_url", "rest_url"),
    [
        ("http://h:8080", "ws://h:8080/ws/sensing", "http://h:8080"),
        ("http://h:8080/", "ws://h:8080/ws/sensing", "http://h:8080"),
        ("https://h/ruview", "wss://h/ruview/ws/sensing", "https://h/ruview"),
        ("ws://h:8080/ws/sensing", "ws://h:8080/ws/sensing", "http://h:8080"),
        ("wss://h:9/ws/sensing?x=1", "wss://h:9/ws/sensing?x=1", "https://h:9"),
        ("ws://h:8765", "ws://h:8765/ws/sensing", "http://h:8765"),
        ("http://[::1]:8080/p/ws/sensing/", "ws://[::1]:8080/p/ws/sensing", "http://[::1]:8080/p"),
    ],
)
def test_endpoints_of_one_url(url: str, ws_url: str, rest_url: str) -> None:
    assert endpoints(url) == (ws_url, rest_url)
    client = SensingClient(url)
    assert (client.url, client.http_url) == (ws_url, rest_url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://h:8080", "url: expected http://, https://, ws:// or wss://"),
        ("http://:8080", "url: no host"),
        ("http://h:99999", "url: Port out of range"),
    ],
)
def test_bad_urls_are_named(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        endpoints(url)


def test_http_url_still_works_and_warns() -> None:
    with pytest.warns(DeprecationWarning, match=r"SensingClient\(http_url=\.\.\.\) is deprecated"):
        client = SensingClient("ws://h:8765/ws/sensing", http_url="http://h:8080/")
    assert (client.url, client.http_url) == ("ws://h:8765/ws/sensing", "http://h:8080")


def test_stale_after_must_be_positive() -> None:
    with pytest.raises(ValueError, match="stale_after_s must be > 0"):
        SensingClient("http://h:8080", stale_after_s=0.0)


def test_staleness_of_an_update() -> None:
    data = {"type": "sensing_update", "timestamp": 1000.0, "source": "esp32", "tick": 3}
    assert DEFAULT_STALE_AFTER_S == 5.0
    unknown = SensingUpdate.from_json(data)
    assert (unknown.age_s, unknown.is_stale) == (None, False)
    # Received 4.5 s after its timestamp: 4.5 s old, fresh under 5 s, stale under 2 s.
    fresh = parse_message(data, received_at_s=1004.5)
    assert isinstance(fresh, SensingUpdate)
    assert (fresh.age_s, fresh.is_stale) == (4.5, False)
    strict = SensingUpdate.from_json(data, received_at_s=1004.5, stale_after_s=2.0)
    assert (strict.age_s, strict.is_stale) == (4.5, True)
    # The server's age_ms wins over the clocks; a clock behind the timestamp gives age 0.
    rest = SensingUpdate.from_json({**data, "age_ms": 7250}, received_at_s=1000.0)
    assert (rest.age_s, rest.is_stale) == (7.25, True)
    assert SensingUpdate.from_json(data, received_at_s=999.0).age_s == 0.0
    # An offline source is stale whatever the age.
    offline = SensingUpdate.from_json({**data, "source": "esp32:offline"}, received_at_s=1000.0)
    assert (offline.age_s, offline.is_stale) == (0.0, True)


def test_base_url_of_the_http_listener_serves_everything(server_binary: Path) -> None:
    with (
        ServerProcess(server_binary, ["--source", "simulate"]) as server,
        SyncSensingClient(server.http_url, max_attempts=5) as client,
    ):
        message = client.recv(timeout_s=10.0)
        assert isinstance(message, SensingUpdate) and message.source == "simulated"
        assert message.age_s is not None and 0.0 <= message.age_s < 2.0
        assert [n["node_id"] for n in client.nodes()] == [1]
        latest = client.latest()
        assert latest is not None and latest.source == "simulated"
        assert client.health()["status"] == "ok"


def test_the_websocket_listener_names_the_http_listener(server_binary: Path) -> None:
    # README's URL: ws://127.0.0.1:8765/ws/sensing. The stream works; REST says where to go.
    with (
        ServerProcess(server_binary, ["--source", "simulate"]) as server,
        SyncSensingClient(server.ws_url, max_attempts=5) as client,
    ):
        assert isinstance(client.recv(timeout_s=10.0), SensingUpdate)
        assert client.health()["status"] == "ok"  # the WebSocket listener serves /health
        for call in (client.nodes, client.latest):
            with pytest.raises(WrongListenerError) as raised:
                call()
            text = str(raised.value)
            assert f"http://127.0.0.1:{server.ports.ws}" in text
            assert "--http-port, default 8080" in text and "--ws-port" in text


def test_a_real_404_stays_a_404(server_binary: Path) -> None:
    with (
        ServerProcess(server_binary, ["--source", "simulate"]) as server,
        SyncSensingClient(server.http_url, max_attempts=5) as client,
    ):
        with pytest.raises(SensingClientError, match="HTTP 404") as raised:
            client._loop.run_until_complete(client._client.get_json("/api/v1/no-such-thing"))
        assert not isinstance(raised.value, WrongListenerError)


def test_latest_reports_stale_data_as_stale(server_binary: Path) -> None:
    # A UDP node sends for a while and falls silent: latest() keeps returning its last update
    # for the server's 10 s, and its age grows past the client's threshold (1 s here).
    with ServerProcess(server_binary, []) as server:
        client = SyncSensingClient(server.http_url, max_attempts=5, stale_after_s=1.0)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for _, datagram in list(excerpt_datagrams())[:200]:
                    udp.sendto(datagram, ("127.0.0.1", server.ports.udp))
                    time.sleep(0.002)
            first = client.latest()
            assert first is not None and first.source == "esp32"
            assert first.age_s is not None and first.age_s < 1.0 and not first.is_stale
            silent_since = time.monotonic()
            assert wait_until(lambda: (u := client.latest()) is not None and u.is_stale, 8.0)
            stale = client.latest()
            waited = time.monotonic() - silent_since
            assert stale is not None and stale.is_stale
            assert stale.age_s is not None and 1.0 < stale.age_s <= waited + first.age_s + 0.5
        finally:
            client.close()
