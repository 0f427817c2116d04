"""The server's person count end to end: `--mock-frames --mock-people N` simulates a room of
six links with N people sitting still; with `--calibration` (a field model of the same empty
room, fitted here from the simulator) presence and count come from the field model, without
one the count is reported as not valid."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from server_harness import ServerProcess, server_binary, wait_until

from wifi_densepose.sensing import FieldModel, RoomSimulation

__all__ = ["server_binary"]

ROOM_SEED = 7


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    empty = RoomSimulation(0, 0, room_seed=ROOM_SEED, seed=1).record(0.0, 60.0)
    model = FieldModel.fit([a for _, a in empty], labels=[str(n) for n in range(1, 7)])
    path = tmp_path_factory.mktemp("room") / "room.json"
    path.write_text(model.to_json(), encoding="utf-8")
    return path


def counted_updates(server: ServerProcess, wanted: int, timeout_s: float = 40.0) -> list[Any]:
    """`wanted` successive distinct latest updates once the count is valid."""
    deadline = time.monotonic() + timeout_s
    seen: list[Any] = []
    last_tick = -1
    while time.monotonic() < deadline and len(seen) < wanted:
        update = server.get_json("/api/v1/sensing/latest")
        if update.get("person_count_valid") and update["tick"] != last_tick:
            seen.append(update)
            last_tick = update["tick"]
        time.sleep(0.3)
    assert len(seen) == wanted, f"only {len(seen)} counted updates in {timeout_s} s"
    return seen


def mock_room(people: int, calibration: Path | None) -> list[str]:
    args = ["--mock-frames", "--mock-people", str(people), "--mock-room-seed", str(ROOM_SEED)]
    args += ["--mock-speed", "2"]
    return args + (["--calibration", str(calibration)] if calibration else [])


@pytest.mark.parametrize(("people", "counts"), [(0, {0}), (1, {1, 2}), (2, {2, 3})])
def test_calibrated_count_of_a_simulated_room(
    server_binary: Path, calibration: Path, people: int, counts: set[int]
) -> None:
    with ServerProcess(server_binary, mock_room(people, calibration)) as server:
        updates = counted_updates(server, 5)
    for update in updates:
        assert len(update["nodes"]) == 6
        assert update["classification"]["presence"] is (people > 0)
        # estimated_persons is omitted when 0 (docs/wire.md §3.3).
        assert update.get("estimated_persons", 0) in counts


def test_without_calibration_the_count_is_not_valid(server_binary: Path) -> None:
    with ServerProcess(server_binary, mock_room(1, None)) as server:
        deadline = time.monotonic() + 20.0
        update: Any = {}
        while time.monotonic() < deadline:
            update = server.get_json("/api/v1/sensing/latest")
            if len(update.get("nodes", ())) == 6:
                break
            time.sleep(0.3)
        assert len(update["nodes"]) == 6
        assert update["person_count_valid"] is False


def test_a_calibration_recorded_live_is_written_and_used(
    server_binary: Path, tmp_path: Path
) -> None:
    out = tmp_path / "live.json"
    args = [*mock_room(0, None), "--record-calibration", str(out), "--calibration-seconds", "20"]
    with ServerProcess(server_binary, args) as server:
        # 20 s of the room at --mock-speed 2: about 10 s.
        assert wait_until(out.exists, 30.0)
        updates = counted_updates(server, 3)
    assert FieldModel.from_json(out.read_text(encoding="utf-8")).labels == [
        str(n) for n in range(1, 7)
    ]
    for update in updates:
        assert update["classification"]["presence"] is False
        assert "estimated_persons" not in update


def test_bad_calibration_and_usage_are_refused(server_binary: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "other/1"}', encoding="utf-8")
    run = subprocess.run(
        [str(server_binary), "--mock-frames", "--calibration", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert f"--calibration {bad}" in run.stderr
    run = subprocess.run(
        [str(server_binary), "--mock-people", "1"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert "--mock-people is only valid with --mock-frames" in run.stderr
    run = subprocess.run(
        [str(server_binary), "--calibration", str(bad), "--record-calibration", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert "exclusive" in run.stderr
