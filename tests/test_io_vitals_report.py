"""The per-node vitals report behind `wdp vitals`, on a recording longer than one chunk."""

from __future__ import annotations

import json
from pathlib import Path

from wifi_densepose._vitals_report import CHUNK_FRAMES, node_report
from wifi_densepose.io import load_recording

EXCERPT = Path(__file__).parent / "data" / "esp32-excerpt.csi.jsonl"


def looped_excerpt(path: Path, copies: int) -> Path:
    """The excerpt repeated with shifted timestamps: a long file for the mechanics of chunking
    and progress only (a loop is not a real breathing signal)."""
    lines = EXCERPT.read_text().splitlines()
    first = json.loads(lines[0])["timestamp"]
    span = json.loads(lines[-1])["timestamp"] - first + 0.05
    out = []
    for k in range(copies):
        for line in lines:
            record = json.loads(line)
            record["timestamp"] = record["timestamp"] + k * span
            out.append(json.dumps(record))
    path.write_text("\n".join(out) + "\n")
    return path


def test_chunks_cover_every_frame_and_readings_continue(tmp_path: Path) -> None:
    recording = load_recording(looped_excerpt(tmp_path / "loop.csi.jsonl", 16))
    done: list[int] = []
    report = node_report(recording, 1, advance=done.append)
    assert report.frames == 16 * 183 > CHUNK_FRAMES
    assert done == [CHUNK_FRAMES, 16 * 183 - CHUNK_FRAMES]
    assert report.frames_used == 16 * 183
    times = [row.time_s for row in report.rows]
    assert times == sorted(times)
    # One reading per second of frames from 5 s on, across the chunk boundary.
    assert len(report.rows) >= int(report.duration_s) - 6
    assert any(row.breathing_status != "UNAVAILABLE" for row in report.rows if row.time_s > 11)
    assert report.device_vitals == 16 * 8


def test_a_node_without_enough_frames_has_no_reading(tmp_path: Path) -> None:
    lines = EXCERPT.read_text().splitlines()[:40]
    path = tmp_path / "short.csi.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = node_report(load_recording(path), 2)
    assert report.rows == ()
    assert report.heart_mean_abs_diff_bpm is None
    assert report.block_bins is None
