"""The installed console scripts, run as real subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wifi_densepose

DATA = Path(__file__).parent / "data"
EXCERPT = DATA / "esp32-excerpt.csi.jsonl"
SCRIPTS = Path(sys.executable).parent


def run(
    *args: str, env: dict[str, str] | None = None, script: str = "wdp"
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        check=False,
    )


def test_both_script_names_print_the_version() -> None:
    for script in ["wdp", "wifi-densepose"]:
        result = run("version", script=script)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            f"wifi-densepose {wifi_densepose.__version__} (core {wifi_densepose.__core_version__})"
        )


def test_inspect_the_excerpt() -> None:
    result = run("inspect", str(EXCERPT))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "400 records, 0 bad lines, 8.129 s" in out
    assert "feature 16, raw_csi 368, vitals 16" in out
    assert "64x153, 128x28, 192x2" in out and "64x145, 128x38, 192x2" in out
    assert "22.39 Hz" in out and "22.64 Hz" in out
    assert "label 'mixed-activity'" in out
    # Null bins per layout: the DC bin and the guard bins of each 64-bin block.
    assert "64: 0, 27-37; 128: 0, 27-37, 64, 93-99" in out
    summary = json.loads(run("inspect", "--json", str(EXCERPT)).stdout)
    assert summary["nodes"][0]["null_bins"]["64"] == [0, *range(27, 38)]


def test_inspect_json_and_bad_lines(tmp_path: Path) -> None:
    data = tmp_path / "bad.csi.jsonl"
    data.write_text(EXCERPT.read_text().replace('"size": 148', '"size": "148"', 1) + "oops\n")
    result = run("inspect", "--json", str(data))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["records"], summary["bad_lines"], summary["meta"]) == (399, 2, None)
    assert summary["warnings"][0].endswith(
        'line 1: bad_field_type: size must be an integer in 0..=18446744073709551615, got "148"'
    )
    assert "line 401: invalid_json" in summary["warnings"][1]
    strict = run("inspect", "--strict", str(data))
    assert strict.returncode == 1
    assert "line 1: bad_field_type" in strict.stderr


def test_vitals_table_on_the_excerpt() -> None:
    result = run("vitals", str(EXCERPT))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Every frame of every layout, through the 64 shared bins less the 12 null ones; the grid
    # is the first 64 frames' mean rate (22.4 Hz) rounded.
    assert "node 1: 183 frames (64x153, 128x28, 192x2), 8.1 s; 64 shared bins, 12 null" in out
    assert "grid 22 Hz; 8 edge-vitals packets" in out
    assert "node 2: 185 frames (64x145, 128x38, 192x2)" in out
    # Statuses are counted for both vitals and both are compared with the device.
    assert "node 1 breathing: 0 valid, 0 degraded, 0 unreliable, 4 unavailable" in out
    assert "node 1 heart: 0 valid" in out and "mean |pipeline - device|" in out
    assert "no reading to compare with the device" in out


def test_vitals_json_is_strict_json_and_csv_agrees() -> None:
    result = run("vitals", "--json", "--node", "2", str(EXCERPT))
    assert result.returncode == 0, result.stderr

    def no_constants(name: str) -> None:
        raise AssertionError(f"non-JSON constant {name}")

    report = json.loads(result.stdout, parse_constant=no_constants)
    (node,) = report["nodes"]
    assert (node["node_id"], node["frames"], node["block_bins"], node["device_vitals"]) == (
        2,
        185,
        64,
        8,
    )
    assert node["null_bins"] == [0, *range(27, 38)]
    assert node["sample_rate_hz"] == 22.0
    assert node["frames_used"] == 185 and node["dropped_frames"] == 0
    rows = node["rows"]
    assert rows, "heart rate needs 5 s and the node has 8 s of CSI"
    # Breathing needs 10 s: unavailable, with null (not NaN) values.
    assert all(r["breathing_bpm"] is None and r["breathing_confidence"] is None for r in rows)
    assert all(r["breathing_status"] == "UNAVAILABLE" for r in rows)
    assert all(r["time_s"] >= 4.9 for r in rows)
    assert all(40.0 <= r["heart_bpm"] <= 180.0 for r in rows)
    # A 15 s heart window is not full in 8 s: nothing is VALID.
    assert node["heart_status_counts"]["VALID"] == 0
    assert sum(node["heart_status_counts"].values()) == len(rows)
    # The device's own estimates are attached to each reading.
    assert all(r["device_heart_bpm"] is not None for r in rows)

    csv_result = run("vitals", "--csv", "--node", "2", str(EXCERPT))
    assert csv_result.returncode == 0, csv_result.stderr
    csv_rows = list(csv.DictReader(io.StringIO(csv_result.stdout)))
    assert len(csv_rows) == len(rows)
    for from_csv, from_json in zip(csv_rows, rows, strict=True):
        assert set(from_csv) == set(from_json)
        for key, value in from_json.items():
            if value is None:
                assert from_csv[key] == "", key
            elif isinstance(value, bool):
                assert from_csv[key] == str(value), key
            elif isinstance(value, float):
                assert float(from_csv[key]) == value, key
            else:
                assert from_csv[key] == str(value), key


def test_vitals_plot_marks_statuses(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "vitals.png"
    result = run("vitals", "--plot", str(out), "--node", "1", str(EXCERPT))
    assert result.returncode == 0, result.stderr
    from matplotlib import image

    pixels = image.imread(out)
    height, width = pixels.shape[:2]
    # One node: a breathing panel and a heart panel (10 x 4.8 inches at 100 dpi).
    assert (width, height) == (1000, 480)
    rgb = pixels[..., :3]
    non_white = (rgb < 0.95).any(axis=-1)
    assert non_white.mean() > 0.02
    # Faint red: the unreliable heart readings and the line through them.
    reddish = rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2]) > 0.15
    assert reddish.sum() > 30, "the heart readings are drawn"
    svg = tmp_path / "vitals.svg"
    assert run("vitals", "--plot", str(svg), "--node", "1", str(EXCERPT)).returncode == 0
    text = svg.read_text()
    # Node 1's four heart readings are UNRELIABLE: drawn as the x markers the legend names.
    assert 'id="node1-heart-unreliable"' in text and "node1-heart-valid" not in text
    assert "UNRELIABLE" in text and "device (edge vitals)" in text


FORMATS = DATA / "formats"


def test_vitals_reads_csi_files_of_other_tools() -> None:
    (ruview,) = (FORMATS / "ruview-amplitude-v1").glob("*.csi.jsonl")
    result = run("vitals", "--json", str(ruview))
    assert result.returncode == 0, result.stderr
    # Amplitude-only: said on stderr, and the amplitude path runs.
    assert "phase unavailable (ruview-v1 is amplitude-only)" in result.stderr
    (link,) = json.loads(result.stdout)["nodes"]
    # 253 frames of 56 amplitudes over 18.2 s (the file's own count and span); bins 0 and
    # 27-37 of RuView's 56-bin layout never change in it.
    assert (link["node_id"], link["frames"], link["block_bins"]) == (0, 253, 56)
    assert link["duration_s"] == pytest.approx(18.2, abs=0.05)
    assert link["rows"] and link["device_vitals"] == 0
    nexmon = FORMATS / "nexmon" / "example_4366c0.pcap"
    table = run("vitals", "--link", "0", "0", str(nexmon))
    assert table.returncode == 0, table.stderr
    assert "link 0: 293 frames (256x293)" in table.stdout
    short = run("vitals", str(FORMATS / "intel5300" / "example.dat"))
    assert short.returncode == 0, short.stderr
    assert "link 0: 26 frames (30x26), " in short.stdout and "no estimate" in short.stdout
    bad = run("vitals", "--link", "5", "0", str(FORMATS / "intel5300" / "example.dat"))
    assert bad.returncode == 1 and "rx" in bad.stderr
    assert run("vitals", "--node", "1", str(nexmon)).returncode == 2
    assert run("vitals", "--link", "0", "0", str(EXCERPT)).returncode == 2


def test_vitals_usage_errors() -> None:
    result = run("vitals", "--node", "9", str(EXCERPT))
    assert result.returncode == 2
    assert "no raw CSI frames for node(s) [9]" in result.stderr
    both = run("vitals", "--json", "--csv", str(EXCERPT))
    assert both.returncode == 2


def test_serve_without_the_server_binary_explains(tmp_path: Path) -> None:
    result = run("serve", "--http-port", "0", env={"PATH": str(tmp_path)})
    assert result.returncode == 2
    assert "wifi-densepose-sensing-server was not found on PATH" in result.stderr
    assert "cargo install --path crates/wifi-densepose-sensing-server" in result.stderr


def test_serve_runs_the_server_binary_with_its_arguments(tmp_path: Path) -> None:
    fake = tmp_path / "wifi-densepose-sensing-server"
    fake.write_text(f'#!{shutil.which("sh")}\necho "server args: $*"\nexit 7\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run("serve", "--source", "esp32", "--http-port", "0", env={"PATH": str(tmp_path)})
    assert result.returncode == 7
    assert result.stdout.strip() == "server args: --source esp32 --http-port 0"


SENSING_UPDATE = {
    "type": "sensing_update",
    "timestamp": 1775182187.352,
    "source": "esp32",
    "tick": 812,
    "nodes": [
        {"node_id": 1, "rssi_dbm": -52.0, "position": [2.0, 0.0, 1.5], "subcarrier_count": 64},
        {"node_id": 2, "rssi_dbm": -61.0, "position": [2.0, 0.0, 1.5], "subcarrier_count": 64},
    ],
    "features": {"mean_rssi": -52.0, "motion_band_power": 1.2},
    "classification": {"motion_level": "present_still", "presence": True, "confidence": 0.62},
    "signal_field": {"grid_size": [20, 1, 20], "values": [0.0] * 400},
    "vital_signs": {"breathing_rate_bpm": 14.2, "heart_rate_bpm": None},
    "node_features": [
        {
            "node_id": 2,
            "classification": {"motion_level": "absent", "presence": False},
            "frame_rate_hz": 21.5,
        },
    ],
}


@pytest.fixture
def sensing_server() -> Iterator[tuple[str, list[str]]]:
    """A WebSocket endpoint that records the Authorization header it is given and sends an
    edge_vitals message and two sensing updates (docs/wire.md §3.3, 3.4)."""
    websockets_server = pytest.importorskip("websockets.sync.server")
    seen_auth: list[str] = []

    def handler(ws: Any) -> None:
        seen_auth.append(ws.request.headers.get("Authorization", ""))
        ws.send(json.dumps({"type": "edge_vitals", "node_id": 1, "heartrate_bpm": 70.0}))
        now = time.time()  # a current timestamp: the view is live, not stale
        ws.send(json.dumps({**SENSING_UPDATE, "tick": 811, "timestamp": now}))
        ws.send(json.dumps({**SENSING_UPDATE, "timestamp": now}))
        ws.recv()  # hold the connection until the client closes it

    with websockets_server.serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws/sensing", seen_auth
        server.shutdown()
        thread.join(timeout=10)


def test_stream_prints_the_nodes_of_a_live_server(sensing_server: tuple[str, list[str]]) -> None:
    url, seen_auth = sensing_server
    result = run("stream", url, "--count", "2", env={"RUVIEW_API_TOKEN": "secret"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "live | esp32  tick 812  (2 updates)" in out
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.splitlines()
        if line.startswith("│")
    ]
    # Node 1 has no node_features: its device's edge_vitals give its heart rate; the room's
    # classification and vitals are on the room row only.
    assert rows == [
        ["1", "active", "-52", "-", "-", "-", "device", "-", "70.0", "device", "-", "-"],
        ["2", "active", "-61", "no", "absent", "-", "-", "-", "-", "-", "-", "21.5"],
        ["room", "live", "-52", "yes", "present_still (0.62)", "14.2", "-", "0.00", "-", "-",
         "0.00", "-"],
    ]  # fmt: skip
    assert seen_auth[0] == "Bearer secret"


def test_stream_reports_an_unreachable_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("stream", f"http://127.0.0.1:{port}", "--count", "1", "--retries", "3")
    assert result.returncode == 1
    assert f"ws://127.0.0.1:{port}/ws/sensing" in result.stderr
    assert "after 3 attempts" in result.stderr
    assert f"CONNECTING to ws://127.0.0.1:{port}/ws/sensing" in result.stdout
