"""`.csi.jsonl` recordings (docs/wire.md §2) on the real two-node excerpt of 2.8 and on
hand-made bad lines. Expected numbers are the spec's tables, or were computed independently
with Python's json module and written down here."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_cases import apply_edits, check_recording

from wifi_densepose import NotFoundError
from wifi_densepose.io import (
    FeatureRecord,
    OtherRecord,
    RawCsiRecord,
    RecordingError,
    RecordingWarning,
    VitalsRecord,
    load_recording,
    read_recording,
)

DATA = Path(__file__).parent / "data"
EXCERPT = DATA / "esp32-excerpt.csi.jsonl"
EXCERPT_LINES = EXCERPT.read_text().splitlines()


def test_excerpt_counts_layouts_and_nodes() -> None:
    rec = load_recording(EXCERPT, strict=True)
    assert (len(rec), rec.bad_lines, rec.nodes) == (400, 0, [1, 2])
    s = rec.summary()
    assert s["kinds"] == {"feature": 16, "raw_csi": 368, "vitals": 16}
    assert s["duration_s"] == 8.129119634628296
    first_last = (s["first_timestamp_s"], s["last_timestamp_s"])
    assert first_last == (1775182186.9577758, 1775182195.0868955)
    # The 2.0 spellings stay until 2.2, with the same values.
    assert (s["duration_secs"], s["first_timestamp"], s["last_timestamp"]) == (
        s["duration_s"],
        s["first_timestamp_s"],
        s["last_timestamp_s"],
    )
    for node in s["nodes"]:
        assert (node["first_timestamp"], node["last_timestamp"]) == (
            node["first_timestamp_s"],
            node["last_timestamp_s"],
        )
    n1, n2 = s["nodes"]
    assert (n1["node_id"], n1["lines"], n1["raw_csi"], n1["vitals"], n1["feature"]) == (
        1,
        199,
        183,
        8,
        8,
    )
    assert (n2["node_id"], n2["lines"], n2["raw_csi"], n2["vitals"], n2["feature"]) == (
        2,
        201,
        185,
        8,
        8,
    )
    assert rec.layouts(1) == [(64, 153), (128, 28), (192, 2)]
    assert rec.layouts(2) == [(64, 145), (128, 38), (192, 2)]
    wide = [r.line for r in rec.records if isinstance(r, RawCsiRecord) and r.subcarriers == 192]
    assert wide == [228, 229, 342, 343]


def test_excerpt_per_node_rates() -> None:
    nodes = load_recording(EXCERPT).summary()["nodes"]
    # (frames - 1) / span of each node's raw CSI, computed with the json module.
    assert nodes[0]["csi_rate_hz"] == pytest.approx(22.39237592439356, rel=1e-12)
    assert nodes[1]["csi_rate_hz"] == pytest.approx(22.638649197505533, rel=1e-12)
    assert nodes[0]["vitals_rate_hz"] == pytest.approx(0.9818474060614233, rel=1e-12)


def test_excerpt_sidecar() -> None:
    meta = load_recording(EXCERPT).meta
    assert meta is not None
    assert meta == {
        "id": "esp32-excerpt",
        "name": "esp32-excerpt",
        "label": "mixed-activity",
        "started_at": "2026-04-03T02:09:46Z",
        "ended_at": "2026-04-03T02:09:55Z",
        "duration_secs": 8.129119634628296,
        "frame_count": 400,
        "file_size_bytes": 175362,
        "file_path": "esp32-excerpt.csi.jsonl",
        "nodes": {"2": 201, "1": 199},
    }
    assert list(meta["nodes"]) == ["2", "1"]


def test_records_of_lines_1_18_19() -> None:
    records = load_recording(EXCERPT).records
    first = records[0]
    assert isinstance(first, RawCsiRecord)
    assert (first.line, first.node_id, first.magic, first.size, first.type) == (
        1,
        2,
        0xC5110001,
        148,
        "raw_csi",
    )
    assert (first.rssi, first.recorded_rssi, first.subcarriers, first.n_antennas) == (
        None,
        1.0,
        64,
        1,
    )
    assert first.iq[:4] == bytes([0, 0, 0x0F, 0x03])
    assert first.complex().shape == (1, 64)
    assert first.complex()[0, 1] == 15 + 3j
    assert first.complex("qi")[0, 1] == 3 + 15j
    assert first.to_json_line() == EXCERPT_LINES[0]
    frame = first.to_frame(sample_index=0, sample_rate_hz=22.0)
    assert frame.amplitudes[1] == pytest.approx(np.hypot(15, 3))

    vitals = records[17]
    assert isinstance(vitals, VitalsRecord)
    assert (vitals.line, vitals.node_id, vitals.rssi, vitals.flags) == (18, 2, -19.0, 4)
    assert (vitals.motion, vitals.presence, vitals.fall_detected) == (True, False, False)
    assert (vitals.breathing_bpm, vitals.heart_bpm, vitals.n_persons) == (22.42, 85.0, 4)
    assert vitals.motion_energy == vitals.presence_score == 4.856170177459717

    feature = records[18]
    assert isinstance(feature, FeatureRecord)
    assert (feature.line, feature.rssi, feature.seq) == (19, -18.0, 5337)
    assert feature.features[7] == 0.8100000023841858


def test_csi_arrays_per_node() -> None:
    rec = load_recording(EXCERPT)
    t, z = rec.csi(2)
    assert (t.shape, z.shape) == ((145,), (145, 64))
    assert z.dtype == np.complex128
    assert t[0] == 1775182186.9577758 and np.all(np.diff(t) >= 0)
    assert z[0, 1] == 15 + 3j
    assert not z.flags.writeable
    t128, z128 = rec.csi(2, 128)
    assert (t128.shape, z128.shape) == ((38,), (38, 128))
    t192, z192 = rec.csi(1, n_subcarriers=192, iq_order="qi")
    assert (t192.shape, z192.shape) == ((2,), (2, 192))
    # DC and guard bins are exactly zero in every real frame (docs/wire.md §2.4).
    assert np.all(z[:, 0] == 0) and np.all(z[:, 27:38] == 0)
    assert rec.csi(1, 100)[1].shape == (0, 100)
    with pytest.raises(NotFoundError, match="node 9"):
        rec.csi(9)


def test_vitals_per_node() -> None:
    v = load_recording(EXCERPT).vitals(1)
    assert [r.line for r in v] == [22, 75, 122, 168, 212, 263, 319, 369]
    assert [r.heart_bpm for r in v][:3] == [79.0123, 76.2711, 80.0]
    assert all(isinstance(r, VitalsRecord) and r.node_id == 1 for r in v)


def test_streaming_reader_matches_the_whole_file() -> None:
    it = read_recording(EXCERPT)
    streamed = [(r.line, r.type, r.node_id) for r in it]
    loaded = [(r.line, r.type, r.node_id) for r in load_recording(EXCERPT).records]
    assert streamed == loaded
    assert (it.bad_lines, it.lines_read) == (0, 400)


def test_iq_order_is_the_records_default() -> None:
    first = next(iter(read_recording(EXCERPT, iq_order="qi")))
    assert isinstance(first, RawCsiRecord)
    assert first.iq_order == "qi"
    assert first.complex()[0, 1] == 3 + 15j
    assert first.complex("iq")[0, 1] == 15 + 3j
    assert first.phase()[0, 1] == pytest.approx(np.arctan2(15, 3))
    loaded = load_recording(EXCERPT, iq_order="qi").records[0]
    assert isinstance(loaded, RawCsiRecord) and loaded.iq_order == "qi"


def test_every_line_rewrites_byte_for_byte() -> None:
    assert [r.to_json_line() for r in read_recording(EXCERPT)] == EXCERPT_LINES


GOOD = json.dumps(
    {
        "timestamp": 5.5,
        "node_id": 1,
        "magic": "0xC5110002",
        "size": 32,
        "rssi": -40,
        "type": "vitals",
        "flags": 1,
        "breathing_bpm": 15,
        "heartrate_bpm": 72.5,
        "n_persons": 1,
        "motion_energy": 2,
        "presence_score": 2,
    }
)


def raw_line(iq_hex: str, size: int, subcarriers: object) -> str:
    return json.dumps(
        {
            "timestamp": 1.0,
            "node_id": 1,
            "magic": "0xC5110001",
            "size": size,
            "rssi": 1,
            "type": "raw_csi",
            "iq_hex": iq_hex,
            "subcarriers": subcarriers,
        }
    )


BAD_LINES = [
    (GOOD[:40], "invalid_json"),
    ("[1, 2]", "not_object"),
    (GOOD.replace('"size": 32, ', ""), "missing_field"),
    (GOOD.replace('"n_persons": 1, ', ""), "missing_field"),
    (GOOD.replace('"node_id": 1', '"node_id": 300'), "bad_field_type"),
    (GOOD.replace('"timestamp": 5.5', '"timestamp": "5.5"'), "bad_field_type"),
    (GOOD.replace("0xC5110002", "0xC51100"), "bad_field_type"),
    (raw_line("0102fd0", 24, 2), "bad_iq_hex"),
    (raw_line("0102fdzz", 24, 2), "bad_iq_hex"),
    (raw_line("0102fd00", 26, 2), "inconsistent_length"),
    (raw_line("0102fd00", 24, 0), "inconsistent_length"),
    (
        GOOD.replace('"type": "vitals"', '"type": "feature", "seq": 1, "features": [1, 2]'),
        "bad_features",
    ),
]


def write(tmp_path: Path, lines: list[str], name: str = "x.csi.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_strict_mode_names_the_line_and_reason(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path, [GOOD, "", line, GOOD])
    with pytest.raises(RecordingError) as err:
        load_recording(path, strict=True)
    e = err.value
    assert (e.line, e.reason, e.path) == (3, reason, str(path))
    assert isinstance(e, ValueError)
    assert "line 3" in str(e) and reason in str(e)
    again = pickle.loads(pickle.dumps(e))
    assert (again.line, again.reason, again.path) == (3, reason, str(path))
    with pytest.raises(RecordingError, match=f"line 3: {reason}"):
        list(read_recording(path, strict=True))


def test_lenient_mode_counts_and_warns(tmp_path: Path) -> None:
    lines = [GOOD] + [line for line, _ in BAD_LINES] + ["   ", GOOD]
    path = write(tmp_path, lines)
    with pytest.warns(RecordingWarning) as caught:
        rec = load_recording(path)
    assert (len(rec), rec.bad_lines) == (2, len(BAD_LINES))
    messages = [str(w.message) for w in caught]
    assert len(messages) == len(BAD_LINES)
    for n, (message, (_, reason)) in enumerate(zip(messages, BAD_LINES, strict=True), start=2):
        assert f"line {n}: {reason}" in message
    assert [line for line, _, _ in rec.skipped] == list(range(2, 2 + len(BAD_LINES)))
    with pytest.warns(RecordingWarning):
        it = read_recording(path)
        assert len(list(it)) == 2
    assert it.bad_lines == len(BAD_LINES)


def test_tolerated_lines(tmp_path: Path) -> None:
    untyped = '{"timestamp": 3, "node_id": 1, "magic": "0xc5110005", "size": 104, "rssi": 0}'
    unknown = (
        '{"timestamp": 2, "node_id": 1, "magic": 3306225671, "size": 18, "rssi": 0, '
        '"type": "wasm", "events": [[1, 0.5]]}'
    )
    path = tmp_path / "t.csi.jsonl"
    path.write_bytes((GOOD + "\r\n\n" + untyped + "\n" + unknown).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = load_recording(path, strict=True)
    assert [r.line for r in rec.records] == [1, 3, 4]
    a, b = rec.records[1], rec.records[2]
    assert isinstance(a, OtherRecord) and isinstance(b, OtherRecord)
    assert (a.type, a.magic, a.rssi, a.fields) == (None, 0xC5110005, None, {})
    assert (b.type, b.magic, b.fields) == ("wasm", 0xC5110007, {"events": [[1, 0.5]]})
    assert rec.meta is None


def test_sidecar_disagreement_warns(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD, GOOD], "two.csi.jsonl")
    meta = json.loads((DATA / "esp32-excerpt.csi.meta.json").read_text())
    (tmp_path / "two.csi.meta.json").write_text(json.dumps(meta))
    with pytest.warns(RecordingWarning) as caught:
        rec = load_recording(path)
    assert rec.meta is not None and rec.meta["id"] == "esp32-excerpt"
    expected = [
        "sidecar frame_count is 400, the data file has 2 lines",
        "sidecar says node 2 has 201 lines, the data file has 0",
        "sidecar says node 1 has 199 lines, the data file has 2",
    ]
    assert rec.meta_warnings == expected
    assert [str(w.message) for w in caught] == [f"{path}: {m}" for m in expected]


def test_missing_file_raises_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_recording(tmp_path / "absent.csi.jsonl")
    with pytest.raises(NotFoundError, match=r"absent\.csi\.jsonl"):
        read_recording(tmp_path / "absent.csi.jsonl")


INTERESTING = '{}[]",:0-.eE9aZx \\'


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(
        st.tuples(
            st.integers(0, len(EXCERPT_LINES) - 1),
            st.lists(
                st.tuples(st.integers(0, 5000), st.sampled_from(INTERESTING), st.integers(0, 3)),
                min_size=1,
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_mutated_lines_are_records_or_bad_lines(
    tmp_path: Path, picks: list[tuple[int, list[tuple[int, str, int]]]]
) -> None:
    lines = [
        "".join(apply_edits(list(EXCERPT_LINES[index]), edits)).replace("\r", " ")
        for index, edits in picks
    ]
    path = write(tmp_path, lines, "fuzz.csi.jsonl")
    check_recording(path, len(lines), sum(1 for line in lines if not line.strip()))
