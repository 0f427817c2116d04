"""CSI files of other tools: ``wifi_densepose.io.open_recording`` against reference decodes and
values read by hand from the sample files' bytes (fixtures in tests/data/formats, see its
README for provenance and licences)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st

from wifi_densepose.errors import FormatError, RecordingWarning, ValidationError
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
    assert FORMATS == (
        "intel5300",
        "nexmon",
        "picoscenes",
        "atheros",
        "feitcsi",
        "esp32-csi-tool",
        "ruview-v1",
    )


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
    # get_total_rss.m: 10·log10(Σ 10^(rssi/10)) - 44 - agc.
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
    # csireader.m's comment: the four packets are cores 0-1 x spatial streams 0-1.
    pairs = set(zip(c.meta["core"], c.meta["spatial_stream"], strict=True))
    assert pairs == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_nexmon_chip_override_changes_the_decoding() -> None:
    as_int16 = open_recording(DATA / "nexmon" / "example_4358.pcap", chip="43455c0")
    # The first packet's CSI starts at byte 82 + 18 = 100: 31 D0 4F 00, read as little-endian
    # int16 real, imaginary: 0xD031 = -12239, 0x004F = 79.
    assert as_int16.csi[0, 0, 0, 0] == complex(-12239, 79)
    with pytest.raises(ValidationError, match="chip"):
        open_recording(DATA / "nexmon" / "example_4358.pcap", chip="4999")


# --- PicoScenes (Intel 5300 CSI) ---

PICOSCENES = DATA / "picoscenes" / "picoscenes_iwl5300_example.csi"


def test_picoscenes_by_hand() -> None:
    # 112 frames (u32 length + magic 0x20150315, version 1, 3 segments: RxSBasic v1, ExtraInfo
    # v1, CSI v2). Frame 0's RxSBasic body: device 0x5300, timestamp bytes
    # 2B 16 78 73 46 00 00 00 little-endian = 0x467378162B = 302584960555 µs,
    # frequency 0x0985 = 2437 MHz, format 1, bandwidth 0x0014 = 20 MHz, GI 0x0320, MCS 3,
    # STS 1, ESS 0, Rx 2, noise 0xA7 = -89 dBm, RSSI 0x14 = 20, chains 0, 0x1B = 27, 0x22 = 34.
    # Its CSI v2 body: 30 tones, 1 STS, 2 Rx, antenna selection 6, buffer of 0x84 = 132 bytes
    # = ceil(30·(2·1·16+3)/8) (Nrx 2, Ntx 1), starting D0 67 08: after 3 pad bits, real =
    # (0xD0>>3 | 0x67<<5) as int8 = 0xFA = -6, imaginary = (0x67>>3 | 0x08<<5) = 0x0C = 12.
    c = open_recording(PICOSCENES)
    assert c.format == "picoscenes" and c.n_frames == 112
    assert tuple(c.frame_shape[0]) == (30, 2, 1)
    assert c.csi[0, 0, 0, 0] == complex(-6, 12)
    assert c.timestamps_s[0] == pytest.approx(302584.960555, abs=1e-9)
    assert c.meta["frequency_mhz"][0] == 2437 and c.meta["bandwidth_mhz"][0] == 20
    assert c.meta["noise_dbm"][0] == -89 and c.meta["mcs"][0] == 3
    assert (c.meta["rssi_db"][0], c.meta["rssi_b_db"][0], c.meta["rssi_c_db"][0]) == (20, 27, 34)
    # The MPDU after the segments: 88 02 30 00, address 1 00:21:6a:b2:16:e2, address 2
    # (the transmitter) 72:6c:9a:2f:d2:c3.
    assert c.macs is not None and c.macs[0] == "72:6c:9a:2f:d2:c3"


# --- FeitCSI ---


def test_feitcsi_by_hand() -> None:
    # HT20_2452.csi: 34,560 bytes = 48 records of 272 + 448. Record 0's header: csi_length
    # C0 01 00 00 = 448 = 4 x 2 x 1 x 56, num_rx 2 (byte 46), num_tx 1 (byte 47),
    # num_subcarriers 0x38 = 56 (bytes 52..56), RSSI 0x29 = 41 and 0x27 = 39, MAC
    # 00:16:ea:12:34:56 (bytes 68..74), µs clock 0x13D68D6E = 332828014 (bytes 88..92), rate
    # flags 0x0010C207: modulation (bits 8..10) 2 = HT, width (bits 11..13) 0 = 20 MHz, MCS 7.
    # CSI at byte 272: 63 00 BA FF -> 99 - 70j (rx 0, subcarrier 0), then 82 00 EE FF ->
    # 130 - 18j (subcarrier 1); rx 1 starts 56 values later.
    c = open_recording(DATA / "feitcsi" / "HT20_2452.csi")
    assert c.format == "feitcsi" and c.csi.shape == (48, 56, 2, 1)
    assert c.csi[0, 0, 0, 0] == 99 - 70j and c.csi[0, 1, 0, 0] == 130 - 18j
    assert c.timestamps_s[0] == pytest.approx(332.828014, abs=1e-9)
    assert (c.meta["rssi_a_db"][0], c.meta["rssi_b_db"][0]) == (41, 39)
    assert c.meta["modulation"][0] == 2 and c.meta["bandwidth_mhz"][0] == 20
    assert c.meta["mcs"][0] == 7
    assert c.macs is not None and c.macs[0] == "00:16:ea:12:34:56"
    # VHT20_5500.csi: 20,160 bytes = 28 records of 720 bytes.
    assert open_recording(DATA / "feitcsi" / "VHT20_5500.csi").n_frames == 28


# --- Atheros CSI Tool ---

ATHEROS = DATA / "atheros" / "Ant_1-head.dat"


def _atheros_big_endian(data: bytes) -> bytes:
    """The same records with the multi-byte header fields byte-swapped, as a big-endian
    (MIPS router) logger writes them; the CSI bit stream and payload are unchanged."""
    out = bytearray()
    at = 0
    while at < len(data):
        (length,) = struct.unpack_from("<H", data, at)
        head = data[at + 2 : at + 27]
        ts, csi_len, channel = struct.unpack_from("<QHH", head, 0)
        (payload_len,) = struct.unpack_from("<H", head, 23)
        out += struct.pack(">H", length)
        out += struct.pack(">QHH", ts, csi_len, channel) + head[12:23]
        out += struct.pack(">H", payload_len) + data[at + 27 : at + 2 + length]
        at += 2 + length
    return bytes(out)


def test_atheros_by_hand() -> None:
    # Record 0: length 0x00CE = 206 = 25 + csi_len 140 + payload_len 41 (little-endian),
    # timestamp 0xD40860A5 = 3557318821 µs, channel 0x096C = 2412 MHz, rate 0x87, 56 tones,
    # nr 1, nc 1, RSSI 0x26 = 38 (chain 0 38). CSI starts F9 5B 73 FE 3D: the little-endian
    # bit stream's 10-bit values 0x3F9 (-7, imaginary), 0x0D6 (214, real), 0x3E7 (-25),
    # 0x0F7 (247): csi[0] = 214 - 7j, csi[1] = 247 - 25j.
    c = open_recording(ATHEROS)
    assert c.format == "atheros" and c.csi.shape == (116, 56, 1, 1)
    assert c.csi[0, 0, 0, 0] == 214 - 7j and c.csi[0, 1, 0, 0] == 247 - 25j
    assert c.timestamps_s[0] == pytest.approx(3557.318821, abs=1e-9)
    assert c.meta["frequency_mhz"][0] == 2412 and c.meta["rssi_db"][0] == 38
    assert c.meta["bandwidth_mhz"][0] == 20


def test_atheros_big_endian_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "be.dat"
    path.write_bytes(_atheros_big_endian(ATHEROS.read_bytes()))
    assert path.read_bytes()[:2] == b"\x00\xce"  # the length 206, big-endian
    assert detect_format(path) == "atheros"
    le, be = open_recording(ATHEROS), open_recording(path)
    assert np.array_equal(le.csi, be.csi)
    assert np.array_equal(le.timestamps_s, be.timestamps_s)
    assert np.array_equal(le.meta["frequency_mhz"], be.meta["frequency_mhz"])


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
        (PICOSCENES, "picoscenes"),
        (ATHEROS, "atheros"),
        (DATA / "feitcsi" / "VHT20_5500.csi", "feitcsi"),
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
        open_recording(path, strict=True)
    assert (info.value.format, info.value.reason, info.value.offset) == (
        "intel5300",
        "truncated",
        3,
    )
    assert isinstance(info.value, ValueError)
    with pytest.warns(RecordingWarning, match="truncated at byte offset 3"):
        assert open_recording(path).n_frames == 0


def test_a_file_cut_mid_frame_keeps_the_frames_before_it(tmp_path: Path) -> None:
    # example.dat's records are 3 + 392 = 395 bytes: a cut 100 bytes into the third record
    # keeps two frames; the warning names the offset of the cut record's body (2·395 + 3).
    data = (DATA / "intel5300" / "example.dat").read_bytes()
    assert data[0:2] == b"\x01\x89"  # 0x0189 = 393 = code byte + 392
    path = tmp_path / "cut.dat"
    path.write_bytes(data[: 2 * 395 + 100])
    whole = open_recording(DATA / "intel5300" / "example.dat")
    with pytest.warns(RecordingWarning, match="byte offset 793.*2 frames before it"):
        cut = open_recording(path)
    assert np.array_equal(cut.csi, whole.csi[:2])
    with pytest.warns(RecordingWarning, match="byte offset 793"):
        chunks = list(iter_recording(path, chunk_frames=1))
    assert [c.n_frames for c in chunks] == [1, 1]
    with pytest.raises(FormatError, match="truncated at byte offset 793"):
        list(iter_recording(path, chunk_frames=1, strict=True))


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
        assert c.perm is not None and np.array_equal(z["perm"], c.perm)
        assert c.csi_scaled is not None and np.array_equal(z["csi_scaled"], c.csi_scaled)
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
        (PICOSCENES, "picoscenes", 112, True),
        (ATHEROS, "atheros", 116, True),
        (DATA / "feitcsi" / "HT20_2452.csi", "feitcsi", 48, True),
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


def test_wdp_inspect_of_a_truncated_file_names_the_offset(tmp_path: Path) -> None:
    # Cut inside the first packet (24-byte pcap header, 16-byte record header, 1,084 bytes):
    # no frame is left, so inspect fails; it names the cut (lenient: as a warning).
    path = tmp_path / "cut.pcap"
    path.write_bytes((DATA / "nexmon" / "example_4358.pcap").read_bytes()[:1000])
    for args in (["inspect"], ["inspect", "--strict"]):
        result = _wdp(*args, str(path))
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


def test_intel5300_scaled_csi_checks_its_inputs() -> None:
    from wifi_densepose._core import intel5300_scaled_csi

    c = open_recording(DATA / "intel5300" / "example.dat")
    m = c.meta
    args = (m["rssi_a_db"], m["rssi_b_db"], m["rssi_c_db"], m["agc_db"], m["noise_dbm"])
    with pytest.raises(ValidationError, match="frame_shape"):
        intel5300_scaled_csi(c.csi, c.frame_shape[:3], *args)
    bad_shape = c.frame_shape.copy()
    bad_shape[2, 1] = 4  # more rx chains than the array holds
    with pytest.raises(ValidationError, match="row 2"):
        intel5300_scaled_csi(c.csi, bad_shape, *args)
    with pytest.raises(ValidationError, match="agc_db"):
        intel5300_scaled_csi(c.csi, c.frame_shape, *args[:3], m["agc_db"][:5], args[4])
    # Other formats have no scaled CSI.
    assert open_recording(ESP32_CSV).csi_scaled is None


def _intel_records(path: Path) -> list[bytes]:
    """The records of an Intel 5300 log (big-endian u16 length, then that many bytes)."""
    data, at, out = path.read_bytes(), 0, []
    while at < len(data):
        (length,) = struct.unpack_from(">H", data, at)
        out.append(data[at : at + 2 + length])
        at += 2 + length
    return out


def test_whole_read_of_many_chunks_with_growing_frames(tmp_path: Path) -> None:
    # log.all_csi.6.7.6.dat: records 0-9 have Ntx 1, 19-28 Ntx 3 (per its .mat). 5,000 Ntx-3
    # records (more than one 4,096-frame chunk) then 20,000 smaller Ntx-1 records: the whole read
    # must grow its planned frame count, and a file starting with 5,000 Ntx-1 records must grow
    # its dimensions after the first chunk.
    records = _intel_records(DATA / "intel5300" / "log.all_csi.6.7.6.dat")
    small, big = records[0], records[19]
    for name, body in [
        ("more_frames.dat", big * 5000 + small * 20000),
        ("wider_frames.dat", small * 5000 + big * 3000),
    ]:
        path = tmp_path / name
        path.write_bytes(body)
        whole = open_recording(path)
        joined = CsiCapture.concat(list(iter_recording(path, chunk_frames=997)))
        assert whole.csi.shape == joined.csi.shape
        assert whole.csi.shape[1:] == (30, 3, 3)
        assert np.array_equal(whole.csi, joined.csi)
        assert np.array_equal(whole.frame_shape, joined.frame_shape)
        assert np.array_equal(whole.meta["bfee_count"], joined.meta["bfee_count"])
        assert not whole.csi.flags.writeable
    first = open_recording(DATA / "intel5300" / "log.all_csi.6.7.6.dat")
    wider = open_recording(tmp_path / "wider_frames.dat")
    # Frame 0 (Ntx 1) and frame 5000 (Ntx 3) equal records 0 and 19 read alone.
    assert np.array_equal(wider.csi[0], first.csi[0])
    assert np.array_equal(wider.csi[5000], first.csi[19])


@pytest.mark.parametrize(
    ("antenna_sel", "source_of"),
    [
        # perm = ((sel & 3) + 1, (sel >> 2 & 3) + 1, (sel >> 4 & 3) + 1); read_bf_file.m does
        # csi(:, perm, :) = csi(:, 1:3, :) when sum(perm) = 6, so output chain perm[r]-1 holds
        # decoded chain r, later assignments winning.
        (0x24, [0, 1, 2]),  # perm 1 2 3: identity
        (0x06, [2, 1, 0]),  # perm 3 2 1: reversed
        (0x15, [0, 2, 2]),  # perm 2 2 2: chain 2 gets decoded chain 3; chains 1, 3 keep theirs
        (0x3F, [0, 1, 2]),  # perm 4 4 4: sum 12 is not 6, so no permutation is applied
    ],
)
def test_intel5300_antenna_permutation(
    tmp_path: Path, antenna_sel: int, source_of: list[int]
) -> None:
    record = _intel_records(DATA / "intel5300" / "example.dat")[0]  # Nrx 3, Ntx 2
    identity = bytearray(record)
    identity[2 + 1 + 15] = 0x24  # length (2) + code (1) + antenna_sel at body byte 15
    changed = bytearray(record)
    changed[18] = antenna_sel
    (tmp_path / "id.dat").write_bytes(identity)
    (tmp_path / "x.dat").write_bytes(changed)
    raw = open_recording(tmp_path / "id.dat").csi[0]
    ours = open_recording(tmp_path / "x.dat").csi[0]
    for out_chain, src in enumerate(source_of):
        assert np.array_equal(ours[:, out_chain, :], raw[:, src, :])


@pytest.mark.parametrize(("nfft", "bandwidth_mhz"), [(64, 20), (128, 40)])
def test_nexmon_20_and_40_mhz(tmp_path: Path, nfft: int, bandwidth_mhz: int) -> None:
    # The first BCM4358 packet cut to `nfft` CSI words (the pcap record's incl_len and orig_len,
    # bytes 32..40, shortened to match); read as int16 pairs (chip 43455c0) each word decodes
    # on its own, so the result is the first `nfft` values of the 80 MHz int16 decode.
    data = (DATA / "nexmon" / "example_4358.pcap").read_bytes()
    (incl_len,) = struct.unpack_from("<I", data, 32)
    assert incl_len == 42 + 18 + 4 * 256
    length = 42 + 18 + 4 * nfft
    cut = data[:32] + struct.pack("<II", length, length) + data[40 : 40 + length]
    path = tmp_path / "cut.pcap"
    path.write_bytes(cut)
    whole = open_recording(DATA / "nexmon" / "example_4358.pcap", chip="43455c0")
    c = open_recording(path, chip="43455c0")
    assert c.csi.shape == (1, nfft, 1, 1)
    assert np.array_equal(c.csi[0, :, 0, 0], whole.csi[0, :nfft, 0, 0])
    assert c.meta["bandwidth_mhz"][0] == bandwidth_mhz


_FUZZ_SAMPLES = [
    DATA / "intel5300" / "example.dat",
    DATA / "nexmon" / "example_4358.pcap",
    PICOSCENES,
    ATHEROS,
    DATA / "feitcsi" / "VHT20_5500.csi",
    ESP32_CSV,
    RUVIEW_V1,
]


@pytest.mark.filterwarnings("ignore::wifi_densepose.errors.RecordingWarning")
@settings(max_examples=400, deadline=None)
@given(
    sample=st.sampled_from(_FUZZ_SAMPLES),
    where=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    damage=st.sampled_from(["truncate", "flip", "huge"]),
    bit=st.integers(min_value=0, max_value=7),
)
def test_damaged_files_raise_format_errors_through_the_bindings(
    sample: Path, where: float, damage: str, bit: int
) -> None:
    # The same damage as the crate's robustness tests, through open_recording, iter_recording
    # and detect_format: frames or a FormatError (a ValueError), nothing else.
    data = bytearray(sample.read_bytes())
    at = int(where * len(data))
    if damage == "truncate":
        data = data[:at]
    elif damage == "flip":
        data[at] ^= 1 << bit
    else:
        data[at : at + 4] = b"\xff\xff\xff\xff"[: len(data) - at]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / sample.name
        path.write_bytes(bytes(data))
        for read in (
            lambda: open_recording(path),
            lambda: list(iter_recording(path, chunk_frames=3)),
            lambda: detect_format(path),
        ):
            with contextlib.suppress(FormatError):
                read()
