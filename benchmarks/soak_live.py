"""Soak test of the live path: server + mosquitto + ``wdp stream`` + a Python MQTT client.

Runs for ``--duration`` seconds (default 600) on loopback: a mosquitto broker, the sensing
server (``--mock-frames``, MQTT to that broker with ``--mqtt-publish-raw``), ``wdp stream`` as
a subprocess (its output captured: one timestamped line per state change) and a
``RuViewMqttClient`` following the raw ``sensing_update`` topic. At spread-out times the
server is restarted 3 times (SIGTERM, then started again on the same ports) and the broker
once (killed and started again). For each restart it records how long the stream and the MQTT
client took to get data again (seconds from the restarted process being ready), and per
server run the raw messages received against those expected (from the tick numbers: the server
counts its updates 1, 2, 3, ...), with the ones missing inside the broker outage counted apart.
At the end it checks the broker's retained availability against reality: while the server
runs, the server topic ``online`` and every entity's topic holding what the running server
last published on it (semantic entities stay ``offline`` while they warm up; a value the
running server never published is a left-over of an earlier run); after its final SIGTERM,
every topic ``offline``.

Prints a table and exits 1 on any failure (a component not recovering within
``--recover-timeout``, the stream process ending, messages lost outside the broker outage, or
a retained availability that contradicts the server's state). Not part of pytest:

    python benchmarks/soak_live.py --duration 600
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import paho.mqtt.client as paho  # noqa: E402
from mqtt_support import Broker  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402
from server_harness import Ports, build_server  # noqa: E402
from test_server_mqtt import mqtt_server  # noqa: E402

from wifi_densepose.client.ha import DiscoveryError, parse_discovery  # noqa: E402
from wifi_densepose.client.messages import SensingUpdate  # noqa: E402
from wifi_densepose.client.mqtt import ClientEvent, RawMessage, RuViewMqttClient  # noqa: E402

STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z (.*)$")


@dataclass
class Restart:
    """One restart: what, when (wall seconds), and the recovery times in seconds."""

    what: str
    down_at: float
    ready_at: float = 0.0
    stream_s: float | None = None
    mqtt_s: float | None = None
    notes: list[str] = field(default_factory=list)


class RawCounter:
    """Raw ``sensing_update`` arrivals of the MQTT client: (wall time, tick) per message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, int]] = []

    def __call__(self, event: ClientEvent) -> None:
        if isinstance(event, RawMessage) and isinstance(event.message, SensingUpdate):
            with self.lock:
                self.arrivals.append((time.time(), event.message.tick))

    def since(self, wall: float) -> list[tuple[float, int]]:
        with self.lock:
            return [a for a in self.arrivals if a[0] >= wall]


def stream_events(path: Path) -> list[tuple[float, str]]:
    """(wall time, status line) of each state line ``wdp stream`` printed."""
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = STAMP.match(line)
        if match:
            stamp = datetime.strptime(match.group(1) + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z")
            events.append((stamp.timestamp(), match.group(2)))
    return events


def wait_for(predicate: object, timeout_s: float) -> float | None:
    """Wall time when ``predicate()`` first held, or ``None`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return time.time()
        time.sleep(0.05)
    return None


def retained(port: int, seconds: float = 3.0) -> dict[str, bytes]:
    """Every retained message on the broker (topic → payload), read by a fresh client."""
    found: dict[str, bytes] = {}
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)

    def on_message(_c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        if msg.retain:
            found[msg.topic] = bytes(msg.payload)

    client.on_connect = lambda c, *_: c.subscribe("#", qos=1)
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    client.loop_start()
    time.sleep(seconds)
    client.disconnect()
    client.loop_stop()
    return found


class Published:
    """What the server publishes live (not retained re-deliveries) on its availability and
    discovery topics: topic -> [(wall time, payload)], from one paho subscription kept for
    the whole soak (it reconnects by itself after the broker restart)."""

    def __init__(self, port: int) -> None:
        self.lock = threading.Lock()
        self.live: dict[str, list[tuple[float, str]]] = {}
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.on_connect = lambda c, *_: c.subscribe(
            [("homeassistant/#", 1), ("ruview/+/availability", 1)]
        )
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        if msg.retain or not msg.topic.endswith("/availability"):
            return
        with self.lock:
            self.live.setdefault(msg.topic, []).append(
                (time.time(), bytes(msg.payload).decode("utf-8", "replace"))
            )

    def last_since(self, topic: str, wall: float) -> str | None:
        """The last payload published live on ``topic`` at or after ``wall``."""
        with self.lock:
            values = [p for t, p in self.live.get(topic, []) if t >= wall]
        return values[-1] if values else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def availability_errors(
    port: int, client_id: str, published: Published, since: float, running: bool
) -> tuple[int, list[str]]:
    """Availability topics checked, and those whose retained payload contradicts reality:
    every entity's topics (from the retained discovery; the broker serves only this soak's
    server ``client_id``) and the server's own. While the server runs: the server topic
    ``online`` and every entity topic holding what the server last published on it since it
    was started at ``since`` (semantic entities stay ``offline`` while they warm up; a topic
    not published since the start is a left-over). After SIGTERM: every topic ``offline``."""
    messages = retained(port)
    errors: list[str] = []
    expected: dict[str, str | None] = {}
    for topic, payload in messages.items():
        if not topic.endswith("/config") or not payload:
            continue
        try:
            entity = parse_discovery(topic, payload)
        except DiscoveryError as error:
            errors.append(f"{topic}: unparsable discovery ({error})")
            continue
        for availability in entity.availability:
            expected[availability.topic] = (
                published.last_since(availability.topic, since)
                if running
                else availability.payload_not_available
            )
    server_topic = f"ruview/{client_id}/availability"
    expected[server_topic] = "online" if running else "offline"
    for topic, want in sorted(expected.items()):
        got = messages.get(topic)
        text = None if got is None else got.decode("utf-8", "replace")
        if want is None:
            errors.append(f"{topic}: retained {text!r}, not published since the server started")
        elif text != want:
            errors.append(f"{topic}: retained {text!r}, expected {want!r}")
    return len(expected), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument(
        "--recover-timeout", type=float, default=60.0, help="seconds allowed per recovery"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.duration < 60:
        parser.error("--duration must be at least 60 seconds")

    work = Path(tempfile.mkdtemp(prefix="soak-live-"))
    binary = build_server()
    client_id = f"soak{uuid.uuid4().hex[:8]}"
    (work / "broker").mkdir()
    broker = Broker(work / "broker")
    broker.start()
    server = mqtt_server(
        binary, broker, work / "data", "--mqtt-client-id", client_id, "--mqtt-publish-raw"
    )
    server.ports = Ports.allocate()
    server.env["RUST_LOG"] = "warn"
    server.log_path = work / "server.log"
    start_call = time.time()
    server.start()
    stream_out = work / "stream.out"
    wdp = Path(sys.executable).parent / "wdp"
    with stream_out.open("wb") as out, (work / "stream.err").open("wb") as err:
        stream = subprocess.Popen(
            [str(wdp), "stream", server.http_url],
            stdout=out,
            stderr=err,
            env={**os.environ, "COLUMNS": "250"},
        )
    published = Published(broker.port)
    counter = RawCounter()
    mqtt = RuViewMqttClient("127.0.0.1", broker.port, reconnect_min_delay=1, reconnect_max_delay=4)
    mqtt.add_listener(counter)
    mqtt.connect()
    mqtt.subscribe_raw(kind="sensing_update", server_id=client_id)
    mqtt.subscribe_node(None)

    started = time.time()
    plan = [(0.2, "server"), (0.4, "server"), (0.6, "broker"), (0.8, "server")]
    restarts: list[Restart] = []
    runs: list[tuple[float, float]] = []  # wall (start, end) of each server run
    run_start = started
    failures: list[str] = []
    outage: tuple[float, float] | None = None
    try:
        for fraction, what in plan:
            time.sleep(max(0.0, started + fraction * args.duration - time.time()))
            if stream.poll() is not None:
                failures.append(f"wdp stream exited with {stream.returncode}")
                break
            restart = Restart(what, down_at=time.time())
            if what == "server":
                server.stop(signal.SIGTERM)
                runs.append((run_start, time.time()))
                start_call = time.time()
                server.start()
                restart.ready_at = run_start = time.time()
                stream_at = wait_for(
                    lambda r=restart: (
                        any(
                            t > r.down_at and "RECONNECTING" in s
                            for t, s in stream_events(stream_out)
                        )
                        and any(
                            t > r.ready_at and s.startswith("live")
                            for t, s in stream_events(stream_out)
                        )
                    ),
                    args.recover_timeout,
                )
                if stream_at is not None:
                    first_live = min(
                        t
                        for t, s in stream_events(stream_out)
                        if t > restart.ready_at and s.startswith("live")
                    )
                    restart.stream_s = first_live - restart.ready_at
            else:
                broker.stop()
                time.sleep(2.0)  # a real outage: both clients notice it
                broker.start()
                restart.ready_at = time.time()
                outage = (restart.down_at, restart.ready_at)
                # The stream does not depend on the broker: it must not have left "live".
                for t, s in stream_events(stream_out):
                    if t > restart.down_at and not s.startswith("live"):
                        restart.notes.append(f"stream left live: {s}")
            mqtt_at = wait_for(lambda r=restart: counter.since(r.ready_at), args.recover_timeout)
            if mqtt_at is not None:
                first = counter.since(restart.ready_at)[0][0]
                restart.mqtt_s = first - restart.ready_at
                if what == "broker":
                    # Lost to the outage: until the client gets data again (the server may be
                    # back on the broker before the client has subscribed again).
                    outage = (restart.down_at, first)
            if what == "server" and restart.stream_s is None:
                failures.append(f"stream did not resume within {args.recover_timeout} s")
            if restart.mqtt_s is None:
                failures.append(f"MQTT data did not resume within {args.recover_timeout} s")
            failures += restart.notes
            restarts.append(restart)
        time.sleep(max(0.0, started + args.duration - time.time()))
        if stream.poll() is not None:
            failures.append(f"wdp stream exited with {stream.returncode}")
        runs.append((run_start, time.time()))
        time.sleep(2.0)
        checked_online, online_errors = availability_errors(
            broker.port, client_id, published, start_call, running=True
        )
        server.stop(signal.SIGTERM)
        time.sleep(2.0)
        checked_offline, offline_errors = availability_errors(
            broker.port, client_id, published, start_call, running=False
        )
        failures += [f"while online: {e}" for e in online_errors]
        failures += [f"after SIGTERM: {e}" for e in offline_errors]
    finally:
        if stream.poll() is None:
            stream.send_signal(signal.SIGINT)
            try:
                stream.wait(timeout=20)
            except subprocess.TimeoutExpired:
                stream.kill()
        mqtt.close()
        published.close()
        server.stop()
        broker.stop()

    # Messages per server run: ticks count 1, 2, 3, ... so the gaps are the losses.
    print(f"soak: {args.duration:.0f} s, server {binary}, work dir {work}")
    print()
    print(f"{'restart':<8} {'at (s)':>8} {'stream (s)':>11} {'mqtt (s)':>9}  notes")
    for r in restarts:
        stream_s = "-" if r.stream_s is None else f"{r.stream_s:.2f}"
        if r.what == "broker" and not r.notes:
            stream_s = "stays live"
        mqtt_s = "-" if r.mqtt_s is None else f"{r.mqtt_s:.2f}"
        print(
            f"{r.what:<8} {r.down_at - started:>8.1f} {stream_s:>11} {mqtt_s:>9}  "
            + "; ".join(r.notes)
        )
    print()
    print(f"{'run':<4} {'from (s)':>8} {'to (s)':>8} {'received':>9} {'expected':>9} "
          f"{'lost':>6} {'lost in broker outage':>22}")  # fmt: skip
    total_lost = 0
    gaps: list[str] = []
    (work / "arrivals.tsv").write_text(
        "".join(f"{t - started:.3f}\t{tick}\n" for t, tick in sorted(counter.arrivals))
    )
    # A new run starts where the tick number drops (a restarted server counts from 1 again).
    segments: list[list[tuple[float, int]]] = []
    for arrival in sorted(counter.arrivals):
        if not segments or arrival[1] < segments[-1][-1][1]:
            segments.append([])
        segments[-1].append(arrival)
    if len(segments) != len(runs):
        failures.append(f"{len(segments)} runs seen on MQTT, {len(runs)} expected")
    for index, arrivals in enumerate(segments):
        ticks = sorted({tick for _, tick in arrivals})
        received = len(ticks)
        expected = ticks[-1] - ticks[0] + 1
        by_tick = {tick: t for t, tick in arrivals}
        in_outage = outside = 0
        for before, after in itertools.pairwise(ticks):
            missing = after - before - 1
            if missing <= 0:
                continue
            if outage is not None and by_tick[before] <= outage[1] and by_tick[after] >= outage[0]:
                in_outage += missing
            else:
                outside += missing
                gaps.append(
                    f"run {index + 1}: ticks {before + 1}..{after - 1} missing (between arrivals "
                    f"at {by_tick[before] - started:.2f} s and {by_tick[after] - started:.2f} s)"
                )
        total_lost += outside
        print(
            f"{index + 1:<4} {arrivals[0][0] - started:>8.1f} {arrivals[-1][0] - started:>8.1f} "
            f"{received:>9} {expected:>9} {outside:>6} {in_outage:>22}"
        )
    if total_lost:
        failures.append(f"{total_lost} raw messages lost outside the broker outage")
        failures += gaps
    print()
    print(f"retained availability: {checked_online} topics as published while running, "
          f"{checked_offline} offline after SIGTERM")  # fmt: skip
    if failures:
        print()
        print("FAILED:")
        for failure in failures:
            print(f"  - {failure}")
    if not args.keep and not failures:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
