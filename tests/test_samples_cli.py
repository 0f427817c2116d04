"""The bundled sample recording, `wdp demo`, `--sample`, `--version`, `serve --help` and the
`--start`/`--end` windows of `vitals` and `inspect`. Expected counts were read from
`tests/data/esp32-excerpt.csi.jsonl` with Python's json module (see the comments)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
from server_harness import server_binary

import wifi_densepose
from wifi_densepose import samples
from wifi_densepose.errors import NotFoundError, ValidationError
from wifi_densepose.io import NodeSummary, RecordingSummary, load_recording, open_recording

__all__ = ["server_binary"]

DATA = Path(__file__).parent / "data"
EXCERPT = DATA / "esp32-excerpt.csi.jsonl"
INTEL = DATA / "formats" / "intel5300" / "example.dat"
SCRIPTS = Path(sys.executable).parent
# The excerpt's first line: 1775182186.9577758 = 2026-04-03T02:09:46.957776Z.
FIRST = 1775182186.9577758


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / "wdp"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("WIFI_DENSEPOSE_CACHE", str(directory))
    return directory


def test_sample_is_the_excerpt_byte_for_byte_with_its_sidecar(cache: Path) -> None:
    path = samples.path()
    assert path == cache / f"samples-{wifi_densepose.__version__}" / "esp32-excerpt.csi.jsonl"
    assert path.read_bytes() == EXCERPT.read_bytes()
    assert (
        path.with_name("esp32-excerpt.csi.meta.json").read_bytes()
        == (DATA / "esp32-excerpt.csi.meta.json").read_bytes()
    )
    assert samples.decompressed() == EXCERPT.read_bytes()
    assert samples.NAMES == ("esp32-excerpt",)


def test_sample_loads_with_the_known_counts(cache: Path) -> None:
    recording = samples.load()
    # 400 lines: 368 raw_csi (node 1: 183, node 2: 185), 16 vitals, 16 feature.
    assert len(recording) == 400
    assert recording.nodes == [1, 2]
    summary = recording.summary()
    assert summary["kinds"] == {"feature": 16, "raw_csi": 368, "vitals": 16}
    assert [(n["node_id"], n["raw_csi"]) for n in summary["nodes"]] == [(1, 183), (2, 185)]
    assert recording.meta is not None and recording.meta["frame_count"] == 400


def test_a_damaged_or_replaced_cached_copy_is_rewritten(cache: Path) -> None:
    path = samples.path()
    path.write_bytes(b'{"timestamp": 1.0}\n')
    assert samples.path() == path
    assert (
        hashlib.sha256(path.read_bytes()).hexdigest()
        == hashlib.sha256(EXCERPT.read_bytes()).hexdigest()
    )
    path.unlink()
    path.symlink_to(EXCERPT)
    samples.path()
    assert not path.is_symlink() and path.read_bytes() == EXCERPT.read_bytes()


def test_an_unwritable_cache_falls_back_to_a_private_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("WIFI_DENSEPOSE_CACHE", str(blocker))
    path = samples.path()
    assert blocker not in path.parents
    assert path.read_bytes() == EXCERPT.read_bytes()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_unknown_sample_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="no sample 'nope'; the samples are esp32-excerpt"):
        samples.path("nope")


def test_licence_notice_names_the_source() -> None:
    text = samples.licence()
    assert "esp32-excerpt.csi.jsonl" in text and "MIT License" in text
    assert "Copyright (c) 2024 rUv" in text


def test_recording_window_keeps_records_between_two_unix_times() -> None:
    recording = load_recording(EXCERPT)
    # json module: 90 lines within 2-4 s of the first, 41 raw CSI frames per node.
    window = recording.window(FIRST + 2.0, FIRST + 4.0)
    assert len(window) == 90
    summary = window.summary()
    assert [n["raw_csi"] for n in summary["nodes"]] == [41, 41]
    assert summary["first_timestamp_s"] == 1775182188.993189
    assert len(recording.window()) == 400
    assert len(recording.window(end=FIRST)) == 1
    with pytest.raises(ValidationError, match="end: 1 is before start 5"):
        recording.window(5.0, 1.0)
    with pytest.raises(ValidationError, match="start: must be a finite time, got NaN"):
        recording.window(float("nan"))


def test_capture_window_keeps_frames_between_two_times_of_its_clock() -> None:
    capture = open_recording(INTEL)
    t = capture.timestamps_s
    window = capture.window(float(t[3]), float(t[9]))
    assert window.n_frames == 7
    assert window.timestamps_s.tolist() == t[3:10].tolist()
    assert (window.csi == capture.csi[3:10]).all()
    assert window.meta["rssi_dbm"].tolist() == capture.meta["rssi_dbm"][3:10].tolist()
    assert window.perm is not None and capture.perm is not None
    assert window.perm.tolist() == capture.perm[3:10].tolist()
    with pytest.raises(ValidationError, match=r"end: 1\.0 is before start 2\.0"):
        capture.window(2.0, 1.0)


def test_version_flag_prints_package_and_core_versions() -> None:
    result = run("--version")
    assert result.returncode == 0
    expected = (
        f"wifi-densepose {wifi_densepose.__version__} (core {wifi_densepose.__core_version__})"
    )
    assert result.stdout.strip() == expected
    assert run("-V").stdout == result.stdout


def test_demo_prints_the_vitals_report_of_the_sample(cache: Path) -> None:
    demo = run("demo", env={"WIFI_DENSEPOSE_CACHE": str(cache)})
    assert demo.returncode == 0, demo.stderr
    header, report = demo.stdout.split("\n", 1)
    assert "the bundled esp32-excerpt.csi.jsonl" in header
    # The report is `wdp vitals` of the checkout's copy of the file (tested in test_io_cli.py):
    # node 1 183 frames, node 2 185.
    assert report == run("vitals", str(EXCERPT)).stdout
    assert "node 2: 185 frames" in report


def test_vitals_sample_equals_vitals_of_the_checkout_file(cache: Path) -> None:
    env = {"WIFI_DENSEPOSE_CACHE": str(cache)}
    sample = json.loads(run("vitals", "--sample", "--json", env=env).stdout)
    direct = json.loads(run("vitals", str(EXCERPT), "--json").stdout)
    assert sample["nodes"] == direct["nodes"]
    assert [n["frames"] for n in sample["nodes"]] == [183, 185]


def test_file_or_sample_is_required_and_exclusive() -> None:
    missing = run("inspect")
    assert missing.returncode == 2
    assert "missing FILE (or --sample for the bundled ESP32 recording)" in missing.stderr
    both = run("vitals", "--sample", str(EXCERPT))
    assert both.returncode == 2 and "give FILE or --sample, not both" in both.stderr


def test_inspect_window_in_seconds_and_in_absolute_time(cache: Path) -> None:
    relative = json.loads(
        run("inspect", str(EXCERPT), "--start", "2", "--end", "4", "--json").stdout
    )
    assert relative["records"] == 90
    assert [n["raw_csi"] for n in relative["nodes"]] == [41, 41]
    # The same window in UTC (the first line is at 02:09:46.957776).
    absolute = run(
        "inspect",
        str(EXCERPT),
        "--start",
        "2026-04-03T02:09:48.957776+00:00",
        "--end",
        "2026-04-03T02:09:50.957776Z",
        "--json",
    )
    assert json.loads(absolute.stdout)["records"] == 90


def test_vitals_window_uses_only_the_frames_inside_it() -> None:
    result = run("vitals", str(EXCERPT), "--start", "0", "--end", "6", "--json")
    assert result.returncode == 0, result.stderr
    nodes = json.loads(result.stdout)["nodes"]
    # json module: raw CSI frames within the first 6 s: node 1 134, node 2 136.
    assert [n["frames"] for n in nodes] == [134, 136]
    # A reading depends only on the frames before it: the window's readings are the whole
    # file's readings up to 6 s. Heart rate needs 5 s of data and readings fall on whole
    # seconds of the Unix clock; the file starts at ...186.958 s, so the first is at
    # ...192 (5.04 s) and the next, 6.04 s, is outside: one.
    whole = json.loads(run("vitals", str(EXCERPT), "--json").stdout)["nodes"]
    for windowed, full in zip(nodes, whole, strict=True):
        assert windowed["rows"] == [r for r in full["rows"] if r["time_s"] <= 6.0]
        assert len(windowed["rows"]) == 1
        assert windowed["rows"][0]["timestamp_s"] == 1_775_182_192.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "-1"], "-1 is not a number of seconds >= 0 from the start"),
        (["--start", "soon"], "'soon' is neither seconds from the start"),
        (["--end", "2026-04-03T02:09:48"], "needs a time zone (Z or +hh:mm)"),
        (["--start", "5", "--end", "2"], "the end is before the start"),
        (["--start", "nan"], "nan is not a number of seconds >= 0 from the start"),
    ],
)
def test_bad_windows_are_usage_errors_naming_the_option(args: list[str], message: str) -> None:
    for command in ("inspect", "vitals"):
        result = run(command, str(EXCERPT), *args)
        assert result.returncode == 2, result.stdout
        assert message in result.stderr
        assert "--start" in result.stderr or "--end" in result.stderr


def test_empty_window_and_absolute_time_on_a_relative_clock_are_refused() -> None:
    empty = run("vitals", str(EXCERPT), "--start", "100")
    assert empty.returncode == 1
    assert "no records between the --start and --end times" in empty.stderr
    relative_clock = run("inspect", str(INTEL), "--start", "2026-04-03T02:09:48Z")
    assert relative_clock.returncode == 2
    assert "absolute times need a .csi.jsonl recording" in relative_clock.stderr


def test_inspect_window_of_another_format_counts_frames_from_its_first() -> None:
    capture = open_recording(INTEL)
    offsets = capture.timestamps_s - capture.timestamps_s[0]
    expected = int(((offsets >= 0.1) & (offsets <= 0.5)).sum())
    result = run("inspect", str(INTEL), "--start", "0.1", "--end", "0.5", "--json")
    assert json.loads(result.stdout)["frames"] == expected == 7


def test_serve_help_is_the_server_binarys_own_help(tmp_path: Path) -> None:
    fake = tmp_path / "wifi-densepose-sensing-server"
    fake.write_text(f'#!{shutil.which("sh")}\necho "server help for: $*"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    for flag in ("--help", "-h"):
        result = run("serve", flag, env={"PATH": str(tmp_path)})
        assert result.returncode == 0
        assert result.stdout.strip() == f"server help for: {flag}"


def test_serve_help_without_the_binary_says_how_to_get_its_flags(tmp_path: Path) -> None:
    result = run("serve", "--help", env={"PATH": str(tmp_path)})
    assert result.returncode == 0
    assert "Usage: wdp serve" in result.stdout
    assert 'pip install "wifi-densepose[server]"' in result.stdout
    assert "`serve --help` then lists the server's own flags" in result.stdout


def test_serve_help_lists_the_real_servers_flags(server_binary: Path) -> None:
    result = run(
        "serve", "--help", env={"PATH": f"{server_binary.parent}{os.pathsep}{os.environ['PATH']}"}
    )
    assert result.returncode == 0
    assert "--mock-frames" in result.stdout and "--http-port" in result.stdout


def test_reference_signal_is_the_checkout_fixture_bit_for_bit() -> None:
    amplitude, phase = samples.reference_signal()
    with np.load(DATA / "reference_signal.npz", allow_pickle=False) as fixture:
        assert amplitude.shape == phase.shape == (1000, 3, 56)
        assert amplitude.view(np.uint64).tolist() == fixture["amplitude"].view(np.uint64).tolist()
        assert phase.view(np.uint64).tolist() == fixture["phase"].view(np.uint64).tolist()


def test_summary_has_exactly_the_keys_of_its_typed_dicts() -> None:
    summary = load_recording(EXCERPT).summary()
    assert summary.keys() == typing.get_type_hints(RecordingSummary).keys()
    for node in summary["nodes"]:
        assert node.keys() == typing.get_type_hints(NodeSummary).keys()
        assert all(isinstance(k, int) for k in node["null_bins"])
        assert all(isinstance(layout, tuple) for layout in node["layouts"])
