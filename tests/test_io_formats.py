"""CSI files of other tools: ``wifi_densepose.io.open_recording`` against reference decodes and
values read by hand from the sample files' bytes (fixtures in tests/data/formats, see its
README for provenance and licences)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio

from wifi_densepose.errors import FormatError, ValidationError
from wifi_densepose.io import (
    FORMATS,
    CsiCapture,
    detect_format,
    iter_recording,
    open_recording,
)

DATA = Path(__file__).parent / "data" / "formats"
INTEL = ["example", "log.all_csi.6.7.6"]
NEXMON = ["example_4358", "example_4366c0"]
ESP32_CSV = DATA / "esp32-csi-tool" / "example_data.csv"
RUVIEW_V1 = DATA / "ruview-amplitude-v1" / "rec_1772470567081-20260302_165607.csi.jsonl"


def test_formats_lists_the_readers() -> None:
    assert FORMATS == ("intel5300", "nexmon", "esp32-csi-tool", "ruview-v1")


# --- Intel 5300: the tool's own MATLAB decode (read_bf_file + get_scaled_csi) ---


@pytest.mark.parametrize("name", INTEL)
def test_intel5300_matches_the_matlab_reference(name: str) -> None:
    capture = open_recording(DATA / "intel5300" / f"{name}.dat")
    mat = sio.loadmat(DATA / "intel5300" / f"{name}.mat")
    refs, scaled = mat["csi"][:, 0], mat["csi_scaled"][:, 0]
    assert capture.format == "intel5300"
    assert capture.n_frames == len(refs)
    assert capture.csi_scaled is not None and capture.perm is not None
    for t, (ref_cell, ref_scaled) in enumerate(zip(refs, scaled, strict=True)):
        ref = ref_cell[0, 0]
        n_tx, n_rx = int(ref["Ntx"][0, 0]), int(ref["Nrx"][0, 0])
        # MATLAB keeps csi as [tx, rx, subcarrier]; ours is [subcarrier, rx, tx].
        ours = capture.csi[t, :, :n_rx, :n_tx].transpose(2, 1, 0)
        assert np.max(np.abs(ours - ref["csi"])) <= 1e-8
        ours_scaled = capture.csi_scaled[t, :, :n_rx, :n_tx].transpose(2, 1, 0)
        assert np.max(np.abs(ours_scaled - ref_scaled)) <= 1e-8
        assert tuple(capture.frame_shape[t]) == (30, n_rx, n_tx)
        assert capture.meta["noise_dbm"][t] == float(ref["noise"][0, 0])
        assert capture.meta["agc_db"][t] == float(ref["agc"][0, 0])
        assert capture.meta["bfee_count"][t] == float(ref["bfee_count"][0, 0])
        assert capture.meta["rate"][t] == float(ref["rate"][0, 0])
        assert list(capture.perm[t]) == list(ref["perm"][0])
        assert capture.meta["timestamp_low_us"][t] == float(ref["timestamp_low"][0, 0])


def test_intel5300_first_record_by_hand() -> None:
    # example.dat starts 01 89 BB BD 64 70 85 9F 15 00 00 03 02 25 26 27 B8 17 06 74 01 0D 05:
    # length 0x0189, code 0xBB, timestamp_low 0x857064BD = 2238735549 µs, bfee_count 0x159F
    # = 5535, Nrx 3, Ntx 2, rssi 0x25/0x26/0x27 = 37/38/39 dB, noise 0xB8 = -72 dBm, agc 0x17
    # = 23 dB, antenna_sel 0x06 -> perm (6&3)+1, (6>>2&3)+1, (6>>4&3)+1 = 3, 2, 1, len 0x0174 =
    # 372 = ceil(30·(3·2·16+3)/8), rate 0x050D = 1293.
    c = open_recording(DATA / "intel5300" / "example.dat")
    assert (c.n_subcarriers, c.n_rx, c.n_tx) == (30, 3, 2)
    assert c.timestamps_s[0] == pytest.approx(2238.735549, abs=1e-9)
    assert c.meta["bfee_count"][0] == 5535
    assert (c.meta["rssi_a_db"][0], c.meta["rssi_b_db"][0], c.meta["rssi_c_db"][0]) == (37, 38, 39)
    assert c.meta["noise_dbm"][0] == -72 and c.meta["agc_db"][0] == 23
    assert c.perm is not None and list(c.perm[0]) == [3, 2, 1]
    # get_total_rss.m: 10·log10(Σ 10^(rssi/10)) − 44 − agc.
    total = 10 * math.log10(10**3.7 + 10**3.8 + 10**3.9) - 44 - 23
    assert c.rssi_dbm is not None and c.rssi_dbm[0] == pytest.approx(total, abs=1e-12)


def test_intel5300_streams_of_different_counts_are_zero_filled() -> None:
    # log.all_csi.6.7.6.dat: frames 0-9 have Ntx 1, 10-18 Ntx 2, 19-28 Ntx 3 (per the .mat).
    c = open_recording(DATA / "intel5300" / "log.all_csi.6.7.6.dat")
    assert c.csi.shape == (29, 30, 3, 3)
    assert [tuple(s) for s in c.frame_shape[[0, 10, 19]]] == [(30, 3, 1), (30, 3, 2), (30, 3, 3)]
    assert not np.any(c.csi[:10, :, :, 1:])
    assert np.all(np.abs(c.csi[:10, :, :, 0]).sum(axis=1) > 0)


# --- Nexmon: csi_buff of nexmon_csi's csireader.m ---


@pytest.mark.parametrize("name", NEXMON)
def test_nexmon_equals_csireader(name: str) -> None:
    capture = open_recording(DATA / "nexmon" / f"{name}.pcap")
    csi_buff = sio.loadmat(DATA / "nexmon" / f"{name}.mat")["csi_buff"]
    assert capture.csi.shape == (csi_buff.shape[0], 256, 1, 1)
    assert np.array_equal(capture.csi[:, :, 0, 0], csi_buff)
    assert np.all(capture.meta["bandwidth_mhz"] == 80)


def test_nexmon_4358_header_by_hand() -> None:
    # First record header at byte 24: ts_sec 0x59D6407F = 1507213439, ts_usec 0x000485C9 =
    # 296393. nexmon header at byte 24+16+42 = 82: 11 11 | 11 | 11 | 00 12 34 56 78 9B | B0 00 |
    # 00 00 | 9B E2 | AD DE: rssi 0x11 = 17, MAC 00:12:34:56:78:9b, sequence 0x00B0 = 176,
    # core 0 / stream 0, chanspec 0xE29B (channel 0x9B = 155), chip version 0xDEAD (BCM4358).
    c = open_recording(DATA / "nexmon" / "example_4358.pcap")
    assert c.n_frames == 4
    assert c.timestamps_s[0] == pytest.approx(1507213439.296393, abs=1e-6)
    assert c.macs is not None and c.macs[0] == "00:12:34:56:78:9b"
    assert c.meta["sequence"][0] == 176 and c.meta["channel"][0] == 155
    assert c.meta["rssi_dbm"][0] == 17 and c.meta["chip_version"][0] == 0xDEAD
    # csireader.m's comment: the four packets are cores 0-1 × spatial streams 0-1.
    pairs = set(zip(c.meta["core"], c.meta["spatial_stream"], strict=True))
    assert pairs == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_nexmon_chip_override_changes_the_decoding() -> None:
    as_int16 = open_recording(DATA / "nexmon" / "example_4358.pcap", chip="43455c0")
    # The first packet's CSI starts at byte 82 + 18 = 100: 31 D0 4F 00, read as little-endian
    # int16 real, imaginary: 0xD031 = -12239, 0x004F = 79.
    assert as_int16.csi[0, 0, 0, 0] == complex(-12239, 79)
    with pytest.raises(ValidationError, match="chip"):
        open_recording(DATA / "nexmon" / "example_4358.pcap", chip="4999")


# --- ESP32-CSI-Tool CSV ---


def test_esp32_csi_tool_csv_by_hand() -> None:
    # example_data.csv: a header line and 60 CSI_DATA lines of 128 values (len column 384,
    # the driver's buffer, of which the tool prints the first 128). Line 2:
    # CSI_DATA,PASSIVE,D0:6E:DE:27:6B:63,-77,11,1,4,0,...,-97,2,6,0,2504852,...,2.695925,384,
    # [18 38 97 0 -20 -1 ...]: imaginary part first, so csi[0] = 38+18j, csi[1] = 0+97j,
    # csi[2] = -1-20j.
    c = open_recording(ESP32_CSV)
    assert c.format == "esp32-csi-tool" and c.has_phase
    assert c.csi.shape == (60, 64, 1, 1)
    assert list(c.csi[0, :3, 0, 0]) == [38 + 18j, 97j, -1 - 20j]
    assert c.timestamps_s[0] == 2.695925 and c.timestamps_s[-1] == 15.233247
    assert c.meta["rssi_dbm"][0] == -77 and c.meta["noise_dbm"][0] == -97
    assert c.meta["channel"][0] == 6 and c.meta["bandwidth_mhz"][0] == 20
    assert c.meta["local_timestamp_us"][0] == 2504852 and c.meta["buffer_len"][0] == 384
    assert c.macs is not None and c.macs[0] == "d0:6e:de:27:6b:63"


# --- RuView v1 (amplitude only) ---


def test_ruview_v1_amplitudes_by_hand() -> None:
    # 253 lines {"timestamp":1772470567.087,"subcarriers":[0.0,3.0,3.0,7.280109889280518,...]
    # (56 values),"rssi":0.0,"noise_floor":0.0,...}; the last line's timestamp is 1772470585.317.
    c = open_recording(RUVIEW_V1)
    assert c.format == "ruview-v1" and not c.has_phase
    assert c.csi.shape == (253, 56, 1, 1)
    assert list(c.csi[0, :4, 0, 0]) == [0.0, 3.0, 3.0, 7.280109889280518]
    assert not np.any(c.csi.imag)
    assert c.timestamps_s[0] == 1772470567.087 and c.timestamps_s[-1] == 1772470585.317
    # rssi 0.0 is "no value" in these recordings.
    assert c.rssi_dbm is not None and np.all(np.isnan(c.rssi_dbm))


# --- detection, errors, streaming, export ---


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (DATA / "intel5300" / "example.dat", "intel5300"),
        (DATA / "nexmon" / "example_4366c0.pcap", "nexmon"),
        (ESP32_CSV, "esp32-csi-tool"),
        (RUVIEW_V1, "ruview-v1"),
    ],
)
def test_detect_format(path: Path, name: str) -> None:
    assert detect_format(path) == name


def test_unrecognised_file_names_every_format_tried(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(FormatError) as info:
        open_recording(path)
    assert info.value.reason == "unrecognized"
    assert info.value.tried == list(FORMATS)
    for name in FORMATS:
        assert name in str(info.value)


def test_current_jsonl_is_not_taken_for_ruview_v1() -> None:
    with pytest.raises(FormatError, match="load_recording"):
        open_recording(Path(__file__).parent / "data" / "esp32-excerpt.csi.jsonl")


def test_truncated_file_names_the_offset(tmp_path: Path) -> None:
    data = (DATA / "intel5300" / "example.dat").read_bytes()
    path = tmp_path / "cut.dat"
    path.write_bytes(data[:100])  # inside the first record (3 + 392 bytes)
    with pytest.raises(FormatError) as info:
        open_recording(path)
    assert (info.value.format, info.value.reason, info.value.offset) == ("intel5300", "truncated", 3)
    assert isinstance(info.value, ValueError)


def test_bad_line_names_the_line(tmp_path: Path) -> None:
    lines = RUVIEW_V1.read_text().splitlines()
    lines[4] = '{"timestamp": 1.0, "subcarriers": "x"}'
    path = tmp_path / "bad.csi.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as info:
        open_recording(path)
    assert info.value.line == 5 and info.value.reason == "bad_line"


def test_unknown_format_name() -> None:
    with pytest.raises(ValidationError, match="format"):
        open_recording(ESP32_CSV, format="csv")


def test_missing_file() -> None:
    with pytest.raises(LookupError):
        open_recording(DATA / "absent.dat")


@pytest.mark.parametrize("chunk", [1, 7, 100])
def test_chunks_equal_the_whole_read(chunk: int) -> None:
    path = DATA / "nexmon" / "example_4366c0.pcap"
    whole = open_recording(path)
    chunks = iter_recording(path, chunk_frames=chunk)
    assert chunks.format == "nexmon" and chunks.position == 0
    parts = list(chunks)
    assert chunks.position == chunks.size == path.stat().st_size
    assert [p.n_frames for p in parts][:-1] == [chunk] * (len(parts) - 1)
    assert np.array_equal(np.concatenate([p.csi for p in parts]), whole.csi)
    assert np.array_equal(np.concatenate([p.timestamps_s for p in parts]), whole.timestamps_s)


def test_link_and_npz(tmp_path: Path) -> None:
    c = open_recording(DATA / "intel5300" / "example.dat")
    ts, link = c.link(rx=2, tx=1)
    assert link.shape == (26, 30) and np.array_equal(link, c.csi[:, :, 2, 1])
    assert ts is c.timestamps_s
    with pytest.raises(ValidationError, match="tx"):
        c.link(rx=0, tx=2)
    out = tmp_path / "c.npz"
    c.to_npz(out)
    with np.load(out) as z:
        assert np.array_equal(z["csi"], c.csi)
        assert str(z["format"]) == "intel5300"
        assert np.array_equal(z["meta_rssi_dbm"], c.meta["rssi_dbm"])
        assert np.array_equal(z["perm"], c.perm)
    assert isinstance(c, CsiCapture) and "n_frames=26" in repr(c)


# --- the CLI ---


def _wdp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "wdp"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


@pytest.mark.parametrize(
    ("path", "name", "frames", "has_phase"),
    [
        (DATA / "intel5300" / "log.all_csi.6.7.6.dat", "intel5300", 29, True),
        (DATA / "nexmon" / "example_4358.pcap", "nexmon", 4, True),
        (ESP32_CSV, "esp32-csi-tool", 60, True),
        (RUVIEW_V1, "ruview-v1", 253, False),
    ],
)
def test_wdp_inspect_reads_every_format(
    path: Path, name: str, frames: int, has_phase: bool
) -> None:
    result = _wdp("inspect", "--json", str(path))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["format"], summary["frames"], summary["has_phase"]) == (
        name,
        frames,
        has_phase,
    )


def test_wdp_inspect_ruview_v1_with_its_sidecar_says_phase_is_unavailable() -> None:
    # The sidecar (.csi.meta.json) lies next to the file, as RuView wrote it.
    assert RUVIEW_V1.with_name(RUVIEW_V1.name.replace(".jsonl", ".meta.json")).exists()
    result = _wdp("inspect", str(RUVIEW_V1))
    assert result.returncode == 0, result.stderr
    assert "253 frames" in result.stdout
    assert "phase: unavailable" in result.stdout
    assert "warning" not in result.stderr


def test_wdp_inspect_of_a_truncated_file_fails_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "cut.pcap"
    path.write_bytes((DATA / "nexmon" / "example_4358.pcap").read_bytes()[:1000])
    result = _wdp("inspect", str(path))
    assert result.returncode == 1
    assert "truncated at byte offset 40" in result.stderr


def test_open_capture_with_progress_equals_the_whole_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wifi_densepose import cli

    monkeypatch.setattr(cli, "LONG_FILE_BYTES", 0)  # show the bar even for a small file
    path = DATA / "intel5300" / "log.all_csi.6.7.6.dat"
    whole = open_recording(path)
    # Chunks of 4,096 frames hold the file in one chunk; concat of smaller chunks is checked
    # against the whole read below.
    assert np.array_equal(cli.open_capture(path).csi, whole.csi)
    parts = list(iter_recording(path, chunk_frames=4))  # the first chunks have Ntx 1 only
    assert parts[0].csi.shape == (4, 30, 3, 1)
    joined = CsiCapture.concat(parts)
    assert np.array_equal(joined.csi, whole.csi)
    assert joined.csi_scaled is not None and whole.csi_scaled is not None
    assert np.array_equal(joined.csi_scaled, whole.csi_scaled)
    assert np.array_equal(joined.meta["rssi_dbm"], whole.meta["rssi_dbm"])
