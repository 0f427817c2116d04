"""A real mosquitto broker on a free loopback port, and TLS certificates made with openssl.

Used by the MQTT tests; every broker started here is killed by the fixture that made it.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

T = TypeVar("T")


def mosquitto_binary() -> str:
    """Path of the mosquitto executable (Debian installs it in /usr/sbin)."""
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if found is None:
        raise RuntimeError("mosquitto is not installed; run scripts/system-deps.sh")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], T], timeout: float, what: str) -> T:
    """Polls ``predicate`` every 20 ms until it returns a truthy value; fails after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def make_certificates(directory: Path) -> Certificates:
    """A CA, a server certificate for ``localhost``/``127.0.0.1`` and a client certificate,
    all signed by the CA (RSA 2048, valid one day)."""

    def run(*args: str) -> None:
        subprocess.run(
            ["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=60
        )

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
    )
    (directory / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr")  # fmt: skip
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", f"{name}.ext",
            "-out", f"{name}.pem")  # fmt: skip
    return Certificates(
        ca=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
    )


class Broker:
    """One mosquitto process; ``restart()`` keeps the port."""

    def __init__(
        self,
        directory: Path,
        certificates: Certificates | None = None,
        users: dict[str, str] | None = None,
        bridge_to: int | None = None,
    ) -> None:
        """``bridge_to``: the port of another local broker this one bridges to, in both
        directions, for the discovery (``homeassistant/#``) and server (``ruview/#``) topics."""
        self.directory = directory
        self.port = free_port()
        self.certificates = certificates
        self.config = directory / "mosquitto.conf"
        self.log = directory / "mosquitto.log"
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"allow_anonymous {'false' if users else 'true'}",
            "persistence false",
            f"user {getpass.getuser()}",
        ]
        if users:
            passwords = directory / "passwords"
            for user, password in users.items():
                create = [] if passwords.exists() else ["-c"]
                subprocess.run(
                    ["mosquitto_passwd", "-b", *create, str(passwords), user, password],
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
            lines.append(f"password_file {passwords}")
        if certificates is not None:
            lines += [
                f"cafile {certificates.ca}",
                f"certfile {certificates.server_cert}",
                f"keyfile {certificates.server_key}",
                "require_certificate true",
            ]
        if bridge_to is not None:
            # MQTT 5 bridge: messages keep their retain flag ("retain as published"), so
            # retained discovery and availability are retained on this side too.
            lines += [
                f"connection bridge-to-{bridge_to}",
                f"address 127.0.0.1:{bridge_to}",
                "bridge_protocol_version mqttv50",
                "cleansession true",
                "try_private true",
                "notifications false",
                "restart_timeout 1",
                "topic homeassistant/# both 1",
                "topic ruview/# both 1",
            ]
        self.config.write_text("\n".join(lines) + "\n")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config)], stdout=log, stderr=log
            )
        wait_until(self._accepts, 10.0, f"mosquitto on port {self.port}")

    def _accepts(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"mosquitto exited: {self.log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path)
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, Certificates]]:
    certs = make_certificates(tmp_path)
    b = Broker(tmp_path, certs)
    b.start()
    try:
        yield b, certs
    finally:
        b.stop()


class Recorder:
    """A plain paho client that records every message of its subscriptions."""

    def __init__(
        self,
        port: int,
        topics: list[str],
        tls: Certificates | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.messages: list[paho.MQTTMessage] = []
        self._client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        if credentials is not None:
            self._client.username_pw_set(*credentials)
        if tls is not None:
            self._client.tls_set(
                ca_certs=str(tls.ca), certfile=str(tls.client_cert), keyfile=str(tls.client_key)
            )
        self._topics = topics
        self._subscribed = False
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = lambda _c, _u, m: self.messages.append(m)
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()
        wait_until(lambda: self._subscribed, 10.0, "recorder subscription")

    def _on_connect(self, client: paho.Client, *_: Any) -> None:
        if self._topics:
            client.subscribe([(t, 1) for t in self._topics])
        else:
            self._subscribed = True

    def _on_subscribe(self, *_: Any) -> None:
        self._subscribed = True

    def publish(self, topic: str, payload: str, retain: bool = False, qos: int = 1) -> None:
        self._client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)

    def on(self, topic: str) -> list[paho.MQTTMessage]:
        return [m for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
