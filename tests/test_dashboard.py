"""The dashboard at ``/`` (docs/wire.md §4.9) in a real headless Chromium.

Each test starts the real server binary on free loopback ports and its own browser with its
own profile directory, so the tests run in parallel. Chromium and chromedriver come from
Debian (``scripts/system-deps.sh``); without them the tests fail and say how to install them,
unless ``WDP_SKIP_BROWSER_TESTS=1`` opts out on a developer machine. The screenshot of the
first test goes to ``docs/dashboard.png`` when ``WDP_UPDATE_SCREENSHOT=1``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_harness import (
    EXCERPT,
    REPO,
    Ports,
    ServerProcess,
    http_get,
    raw_csi,
    server_binary,
)

INSTALL_HINT = (
    "the dashboard tests need Chromium and chromedriver: run scripts/system-deps.sh "
    "(Debian: apt-get install -y chromium chromium-driver) and pip install -e '.[dev]' "
    "(selenium); set WDP_SKIP_BROWSER_TESTS=1 to skip them on a developer machine"
)
__all__ = ["server_binary"]

HIDDEN = "hidden (privacy mode)"
# Configured rates of the --mock-frames node (docs/wire.md §3.7).
MOCK_BREATHING_BPM = 15.0
MOCK_HEART_BPM = 72.0


def _browser_paths() -> tuple[str, str]:
    if os.environ.get("WDP_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("WDP_SKIP_BROWSER_TESTS=1")
    chromium = next(
        (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))),
        None,
    )
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return chromium, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium, driver_path = _browser_paths()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(INSTALL_HINT, pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the suite runs as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--no-first-run",
        "--window-size=1280,1000",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(what: str, predicate: Callable[[], Any], timeout_s: float) -> Any:
    """Polls until ``predicate()`` is truthy; fails naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = predicate()
        except Exception:  # an element not there yet, a page still loading
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.1)


def _field(driver: Any, node: int, name: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'#node-{node} [data-field="{name}"]')


def _by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def _debug(driver: Any) -> dict[str, Any]:
    return dict(driver.execute_script("return window.wdpDashboard.debug()"))


def _console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _rest_vitals(server: ServerProcess, node: int) -> dict[str, Any] | None:
    for entry in server.get_json("/api/v1/nodes")["nodes"]:
        if entry["node_id"] == node:
            return entry.get("vital_signs")
    return None


# One rate field of the page as it is rendered now.
READ_RATE = """
const el = document.querySelector(arguments[0]);
const number = el.querySelector('.num');
const label = el.querySelector('.status');
return {value: el.dataset.value, status: el.dataset.status,
        number: number ? number.textContent : null, label: label ? label.textContent : null,
        numberClass: number ? number.className : ''};
"""


def _png_stats(path: Path) -> tuple[int, float]:
    """Distinct colours and the share of pixels that differ from the most common colour."""
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 24) or []
        total = rgb.width * rgb.height
    background = max(count for count, _ in colours)
    return len(colours), 1.0 - background / total


def _mock_server(binary: Path, tmp_path: Path, *extra: str, **kwargs: Any) -> ServerProcess:
    return ServerProcess(
        binary, ["--mock-frames", *extra], log_path=tmp_path / "server.log", **kwargs
    )


def test_page_shows_rest_values_and_the_mock_badge(
    server_binary: Path, browser: Any, tmp_path: Path
) -> None:
    with _mock_server(server_binary, tmp_path) as server:
        browser.get(server.http_url + "/")
        badge = _by_id(browser, "source-badge")
        _wait("the mock badge", lambda: badge.get_attribute("data-kind") == "mock", 15)
        assert "MOCK" in badge.text
        _wait("a live connection", lambda: _debug(browser)["connection"] == "live", 15)

        # Node 1's rates: the page shows what REST says, within one update of it. The REST
        # values are sampled every 0.1 s, so every value the server held is seen.
        for field, key, status_key, configured in (
            ("breathing_bpm", "breathing_rate_bpm", "breathing_status", MOCK_BREATHING_BPM),
            ("heart_bpm", "heart_rate_bpm", "heart_status", MOCK_HEART_BPM),
        ):
            _wait(
                f"a {field} estimate on the page",
                lambda f=field: _field(browser, 1, f).get_attribute("data-value"),
                45,
            )
            seen: list[tuple[float, Any, Any]] = []
            matched: dict[str, Any] | None = None
            deadline = time.monotonic() + 10
            while matched is None and time.monotonic() < deadline:
                vitals = _rest_vitals(server, 1) or {}
                seen.append((time.monotonic(), vitals.get(key), vitals.get(status_key)))
                # Value, label and style read at once, from one rendering.
                page = dict(browser.execute_script(READ_RATE, f"#node-1 [data-field={field}]"))
                recent = [(v, s) for t, v, s in seen if time.monotonic() - t < 2.5]
                if page["value"] and (float(page["value"]), page["status"]) in recent:
                    matched = page
                time.sleep(0.1)
            assert matched is not None, (field, seen[-5:])
            shown, status = float(matched["value"]), matched["status"]
            # Also against the mock's configured rate (not a value from the server's code).
            assert abs(shown - configured) < 1.5, (field, shown)
            assert matched["number"] == f"{shown:.1f} BPM"
            # The status is a label next to the number, never left out, and styles it.
            assert matched["label"] == status
            assert f"status-{status}" in matched["numberClass"]

        # Node facts from REST, and the receiver panel.
        assert _field(browser, 1, "layout").text.startswith("56 subcarriers")
        assert _field(browser, 1, "rssi").text.endswith("dBm")
        assert "raw_csi" in _by_id(browser, "diag-packets").text
        assert _by_id(browser, "diag-dropped").text == "no UDP receiver in this mode"
        assert _by_id(browser, "room-presence").text in {"present", "absent"}

        screenshot = tmp_path / "dashboard.png"
        assert browser.save_screenshot(str(screenshot))
        colours, foreground = _png_stats(screenshot)
        assert colours > 50, colours
        assert foreground > 0.10, foreground
        if os.environ.get("WDP_UPDATE_SCREENSHOT") == "1":
            shutil.copyfile(screenshot, REPO / "docs" / "dashboard.png")

        assert _console_errors(browser) == []

        # Messages the page does not know, or cannot use, are counted and ignored.
        before = _debug(browser)
        for text in (
            '{"type":"brand_new_message","x":1}',
            "not json",
            "[1,2]",
            '{"no_type":true}',
            '{"type":"sensing_update","nodes":"oops","classification":[],"vital_signs":7}',
            '{"type":"edge_vitals","node_id":"x"}',
            '{"type":"edge_fused_vitals","node_id":1,"mmwave":null}',
        ):
            browser.execute_script("window.wdpDashboard.handleMessage(arguments[0])", text)
        after = _debug(browser)
        assert after["unknownTypes"].get("brand_new_message") == 1
        assert after["badMessages"] == before["badMessages"] + 3
        time.sleep(0.6)  # two render passes over the odd values
        assert _console_errors(browser) == []

        # Bounded buffers: an hour of updates at 10 Hz, and many unknown types, do not grow
        # the page's memory beyond its caps.
        browser.execute_script(
            """
            const t0 = Date.now() / 1000;
            for (let i = 0; i < 36000; i++) {
              window.wdpDashboard.handleMessage(JSON.stringify({type: 'sensing_update',
                timestamp: t0 + i / 10, source: 'simulated', source_kind: 'mock', tick: i,
                classification: {presence: true, motion_level: 'active', confidence: 1}}));
            }
            for (let i = 0; i < 1000; i++) {
              window.wdpDashboard.handleMessage(JSON.stringify({type: 'other_' + i}));
            }
            """
        )
        sizes = _debug(browser)
        assert sizes["sizes"]["roomPresence"] <= sizes["maxPoints"] == 600
        assert len(sizes["unknownTypes"]) == sizes["maxUnknownTypes"] == 32
        assert _console_errors(browser) == []


def test_disconnect_is_shown_within_5_s_and_a_restart_resumes(
    server_binary: Path, browser: Any, tmp_path: Path
) -> None:
    ports = Ports.allocate()
    server = _mock_server(server_binary, tmp_path, ports=ports).start()
    try:
        browser.get(server.http_url + "/")
        _wait("a live connection", lambda: _debug(browser)["connection"] == "live", 15)
        load_id = _debug(browser)["loadId"]
        _wait("a room update", lambda: _by_id(browser, "room-update").text.startswith("tick"), 10)

        server.stop()
        stopped = time.monotonic()
        connection = _by_id(browser, "connection")
        _wait(
            "the disconnected state",
            lambda: connection.get_attribute("data-state") == "disconnected",
            10,
        )
        assert time.monotonic() - stopped < 5.0
        assert "disconnected" in connection.text
        _wait(
            "the lost-connection alert",
            lambda: "Connection to the server lost" in _by_id(browser, "alerts").text,
            2,
        )
        # The last values are marked as not current rather than shown as live.
        assert "(last received)" in _by_id(browser, "room-update").text
        assert _by_id(browser, "node-1").get_attribute("data-status") == "gone"

        # While nothing arrives, show how a rate's status is drawn: DEGRADED and UNRELIABLE
        # values never look like VALID ones (label, and a different number style).
        looks = {}
        for status in ("VALID", "DEGRADED", "UNRELIABLE"):
            message = {
                "type": "sensing_update",
                "source": "simulated",
                "tick": 1,
                "vital_signs": {
                    "breathing_rate_bpm": 14.2,
                    "breathing_status": status,
                    "breathing_confidence": 0.5,
                },
            }
            browser.execute_script(
                "window.wdpDashboard.handleMessage(arguments[0])", json.dumps(message)
            )
            _wait(
                f"the {status} rate",
                lambda s=status: (
                    _by_id(browser, "room-breathing").get_attribute("data-status") == s
                ),
                2,
            )
            # Text and style read in one call: the page redraws the panel 4 times a second, which
            # replaces these elements (a second call could find them gone).
            parts, looks[status] = browser.execute_script(
                "const e = document.getElementById('room-breathing');"
                "const text = ['.num', '.status', '.conf'].map(q => e.querySelector(q).innerText);"
                "const s = getComputedStyle(e.querySelector('.num'));"
                "return [text, [s.color, s.fontStyle, s.textDecorationLine].join(' ')];"
            )
            assert parts == ["14.2 BPM", status, "conf 0.50"]
        assert len(set(looks.values())) == 3, looks

        server = _mock_server(server_binary, tmp_path, ports=ports).start()
        _wait("the reconnect", lambda: _debug(browser)["connection"] == "live", 20)

        def tick() -> str:
            return str(_by_id(browser, "room-update").text.split(" · ")[0])

        first = tick()
        _wait("new updates", lambda: tick() != first, 10)
        assert _debug(browser)["loadId"] == load_id  # the same page, not reloaded
        assert _by_id(browser, "source-badge").get_attribute("data-kind") == "mock"
    finally:
        server.stop()


def test_with_a_token_the_page_gets_in_only_through_a_ticket(
    server_binary: Path, browser: Any, tmp_path: Path
) -> None:
    token = secrets.token_hex(16)
    # Debug logging, so that the check below covers everything the server could log.
    env = {"RUVIEW_API_TOKEN": token, "RUST_LOG": "debug"}
    with _mock_server(server_binary, tmp_path, env=env) as server:
        assert server.get_json("/health")["token_required"] is True
        browser.get(server.http_url + "/")
        auth = _by_id(browser, "auth")
        _wait("the token prompt", lambda: auth.is_displayed(), 15)
        assert _by_id(browser, "connection").get_attribute("data-state") == "auth"
        time.sleep(1.5)  # no data arrives meanwhile
        assert browser.find_elements("css selector", "#nodes .node") == []
        assert _by_id(browser, "room-update").text == "—"

        token_input = _by_id(browser, "auth-token")
        token_input.send_keys("wrong-" + token)
        _by_id(browser, "auth-submit").click()
        _wait("the refusal", lambda: "refused" in _by_id(browser, "auth-error").text, 10)
        assert browser.find_elements("css selector", "#nodes .node") == []

        _by_id(browser, "auth-token").send_keys(token)
        _by_id(browser, "auth-submit").click()
        _wait("a live connection", lambda: _debug(browser)["connection"] == "live", 15)
        assert _debug(browser)["socketUsedTicket"] is True
        _wait("node 1", lambda: browser.find_elements("css selector", "#node-1"), 10)
        assert not auth.is_displayed()
        assert _by_id(browser, "source-badge").get_attribute("data-kind") == "mock"
        assert token not in browser.current_url
    assert token not in (tmp_path / "server.log").read_text()


def test_live_esp32_badge_then_stale_node_and_offline_source(
    server_binary: Path, browser: Any, tmp_path: Path
) -> None:
    args = ["--source", "esp32"]
    with ServerProcess(server_binary, args, log_path=tmp_path / "server.log") as server:
        browser.get(server.http_url + "/")
        badge = _by_id(browser, "source-badge")
        iq = bytes(range(1, 129))  # 64 subcarriers, one antenna
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for sequence in range(40):
                datagram = raw_csi(7, iq, 64, sequence=sequence, rssi=-48)
                udp.sendto(datagram, ("127.0.0.1", server.ports.udp))
                time.sleep(0.05)
        _wait("node 7", lambda: browser.find_elements("css selector", "#node-7"), 10)
        _wait("the live badge", lambda: badge.get_attribute("data-kind") == "esp32", 10)
        assert badge.text == "LIVE · ESP32"
        assert _field(browser, 7, "rssi").text == "-48 dBm"
        assert _field(browser, 7, "layout").text.startswith("64 subcarriers")
        # No more datagrams: after 5 s the node is stale and the source offline (§3.8).
        node = _by_id(browser, "node-7")
        _wait("the stale node", lambda: node.get_attribute("data-status") == "stale", 15)
        assert "STALE" in node.text
        _wait("the offline badge", lambda: badge.get_attribute("data-kind") == "offline", 10)
        assert "OFFLINE" in badge.text
        assert "ESP32 source offline" in _by_id(browser, "alerts").text
        assert _console_errors(browser) == []


def test_privacy_mode_shows_no_vitals(server_binary: Path, browser: Any, tmp_path: Path) -> None:
    with _mock_server(server_binary, tmp_path, "--privacy-mode") as server:
        assert server.get_json("/health")["privacy_mode"] is True
        browser.get(server.http_url + "/")
        _wait("node 1", lambda: browser.find_elements("css selector", "#node-1"), 15)
        _wait("the privacy badge", lambda: _by_id(browser, "privacy-badge").is_displayed(), 5)
        # Long enough for an edge_vitals message and a vitals estimate without privacy mode.
        time.sleep(6)
        for element in (
            _field(browser, 1, "breathing_bpm"),
            _field(browser, 1, "heart_bpm"),
            _field(browser, 1, "device_vitals"),
            _by_id(browser, "room-breathing"),
            _by_id(browser, "room-heart"),
        ):
            assert element.text == HIDDEN
        page = _by_id(browser, "content").text
        assert re.search(r"\d\s*BPM", page) is None, page
        assert _console_errors(browser) == []


READ_SEMANTIC = """
const block = document.querySelector('#semantic .semantic-node[data-node="' + arguments[0] + '"]');
if (block === null) return null;
const items = {};
const order = [];
for (const li of block.querySelectorAll('li')) {
  order.push(li.dataset.name);
  items[li.dataset.name] = { name: li.querySelector('.name').textContent,
    value: li.querySelector('.value').textContent, disabled: li.classList.contains('disabled') };
}
return { title: block.querySelector('h3').textContent,
  status: block.querySelector('.semantic-status').textContent, items, order };
"""


def test_semantic_primitives_panel_shows_the_warm_up_countdown_and_any_name(
    server_binary: Path, browser: Any, tmp_path: Path
) -> None:
    zones = tmp_path / "zones.toml"
    zones.write_text('[rooms.bath]\nnodes = [1]\ntags = ["bathroom"]\n')
    args = ("--zones", str(zones), "--no-semantic", "no_movement")
    with _mock_server(server_binary, tmp_path, *args) as server:
        browser.get(server.http_url + "/")
        first = _wait("node 1's primitives", lambda: browser.execute_script(READ_SEMANTIC, "1"), 15)
        t_first = time.monotonic()
        assert first["title"] == "Node 1 · bath"
        left = re.fullmatch(r"warming up, (\d+) s left", first["status"])
        assert left is not None, first["status"]
        assert 1 <= int(left.group(1)) <= 60
        # The same primitives as REST, by name, in its order.
        rest = server.get_json("/api/v1/semantic")["nodes"][0]["primitives"]
        assert first["order"] == [p["name"] for p in rest]
        assert first["items"]["room_active"] == {
            "name": "room active",
            "value": "warming up",
            "disabled": False,
        }
        assert first["items"]["no_movement"]["value"] == "disabled"
        assert first["items"]["no_movement"]["disabled"] is True
        assert first["items"]["bathroom_occupied"]["value"] == "warming up"

        # The countdown runs: at least 2 s later it shows fewer seconds left.
        def later() -> Any:
            page = browser.execute_script(READ_SEMANTIC, "1")
            now = re.fullmatch(r"warming up, (\d+) s left", page["status"])
            gone = time.monotonic() - t_first
            return now is not None and gone >= 2 and int(now.group(1)) <= int(left.group(1)) - 2

        _wait("the countdown to fall by 2 s", later, 10)
        server.stop()
        _wait("the lost connection", lambda: _debug(browser)["connection"] != "live", 10)
        # Names, kinds and shapes the page does not know are shown as sent, never thrown on.
        future = {
            "type": "semantic_primitives",
            "timestamp_s": time.time(),
            "warm_up_s": 60.0,
            "nodes": [
                {
                    "node_id": 7,
                    "last_sample_s": 1779544860.0,
                    "warm_up_remaining_s": 0.0,
                    "primitives": [
                        {"name": "cat_on_sofa", "kind": "gauge", "disabled": False,
                         "on": True, "since_s": 1779544800.0},
                        {"name": "room_active", "kind": "binary", "disabled": False,
                         "on": False, "since_s": 1779544800.0},
                        {"name": "bed_exit", "kind": "event", "disabled": False},
                        None, 5, {"name": 3}, {"name": "odd", "on": "yes"},
                    ],
                },
                "garbage",
            ],
        }  # fmt: skip
        inject = "window.wdpDashboard.handleMessage(arguments[0])"
        browser.execute_script(inject, json.dumps(future))
        page = _wait("the injected node", lambda: browser.execute_script(READ_SEMANTIC, "7"), 5)
        assert page["status"] == "running"
        assert page["items"]["cat_on_sofa"]["name"] == "cat on sofa"
        assert page["items"]["cat_on_sofa"]["value"].startswith("ON since ")
        assert page["items"]["room_active"]["value"].startswith("off since ")
        assert page["items"]["bed_exit"]["value"] == "no event yet"
        assert page["items"]["?"]["value"] == "—"
        assert page["items"]["odd"]["value"] == "—"
        assert _debug(browser)["unknownTypes"] == {}
        assert _console_errors(browser) == []


def test_page_and_assets_are_behind_the_host_guard(server_binary: Path, tmp_path: Path) -> None:
    with _mock_server(server_binary, tmp_path) as server:
        for path in ("/", "/dashboard/dashboard.js"):
            status, _ = http_get(server.ports.http, path, headers={"Host": "evil.example"})
            assert status == 421, path
            status, body = http_get(server.ports.http, path, headers={"Host": "localhost"})
            assert status == 200 and body, path


def test_updates_and_health_say_what_feeds_the_server(server_binary: Path, tmp_path: Path) -> None:
    from wifi_densepose.client.messages import SensingUpdate

    with _mock_server(server_binary, tmp_path) as server:
        health = server.get_json("/health")
        assert (health["source"], health["source_kind"]) == ("simulated", "mock")
        assert "replay_speed" not in health
        assert (health["privacy_mode"], health["token_required"]) == (False, False)
        latest = SensingUpdate.from_json(server.get_json("/api/v1/sensing/latest"))
        assert (latest.source_kind, latest.replay_speed) == ("mock", None)
    # A replay's updates say "esp32" in `source` (docs/wire.md §3.8), and "replay" here.
    args = ["--replay", str(EXCERPT), "--speed", "4"]
    with ServerProcess(server_binary, args, log_path=tmp_path / "replay.log") as server:
        _wait(
            "the first replayed update",
            lambda: "tick" in server.get_json("/api/v1/sensing/latest"),
            10,
        )
        latest = SensingUpdate.from_json(server.get_json("/api/v1/sensing/latest"))
        assert latest.source.startswith("esp32")
        assert (latest.source_kind, latest.replay_speed) == ("replay", 4.0)
        info = server.get_json("/api/v1/info")
        assert (info["source_kind"], info["replay_speed"]) == ("replay", 4.0)


def test_a_missing_browser_fails_with_the_install_hint_unless_opted_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium, no chromedriver
    monkeypatch.delenv("WDP_SKIP_BROWSER_TESTS", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install -y chromium chromium-driver"):
        _browser_paths()
    monkeypatch.setenv("WDP_SKIP_BROWSER_TESTS", "1")
    with pytest.raises(pytest.skip.Exception):
        _browser_paths()
