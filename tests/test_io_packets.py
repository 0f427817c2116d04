"""ESP32 packets (docs/wire.md §1): the spec's byte-exact vectors, the malformed vectors,
round trips of every packet kind and fuzzing of random and mutated datagrams."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_cases import (
    V1,
    V1B,
    V1C,
    V2,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V10,
    VALID,
    apply_edits,
    check_datagram,
)

from wifi_densepose import CsiFrame, ValidationError, WifiDenseposeError
from wifi_densepose.io import (
    MAX_DATAGRAM_LEN,
    CompressedCsiPacket,
    EdgeVitalsPacket,
    FeatureStatePacket,
    FeatureVectorPacket,
    FusedVitalsPacket,
    Packet,
    PacketError,
    RawCsiPacket,
    SyncPacket,
    WasmOutputPacket,
    encode_compressed_csi,
    encode_edge_vitals,
    encode_feature_state,
    encode_feature_vector,
    encode_fused_vitals,
    encode_raw_csi,
    encode_sync,
    encode_wasm_output,
    parse_packet,
)


def patched(data: bytes, changes: dict[int, int]) -> bytes:
    out = bytearray(data)
    for i, b in changes.items():
        out[i] = b
    return bytes(out)


def test_v1_raw_csi_fields_amplitudes_and_phases() -> None:
    p = parse_packet(V1)
    assert isinstance(p, RawCsiPacket)
    assert (p.node_id, p.n_antennas, p.n_subcarriers, p.frequency_mhz, p.sequence) == (
        1,
        1,
        4,
        2437,
        42,
    )
    assert (p.rssi, p.noise_floor, p.ppdu_type, p.flags, p.trailing_bytes) == (-40, -90, 0, 0, 0)
    assert p.magic == 0xC5110001
    assert p.iq == V1[20:]
    assert p.csi.dtype == np.complex128 and p.csi.shape == (1, 4)
    np.testing.assert_array_equal(p.csi[0], [3 + 4j, -3 + 4j, 5j, 6 - 8j])
    np.testing.assert_array_equal(p.amplitudes, [[5.0, 5.0, 5.0, 10.0]])
    np.testing.assert_allclose(p.phases[0], [0.927295, 2.214297, 1.570796, -0.927295], atol=5e-7)
    np.testing.assert_allclose(p.phase("qi")[0], [0.643501, -0.643501, 0.0, 2.498092], atol=5e-7)
    qi = parse_packet(V1, "qi")
    assert isinstance(qi, RawCsiPacket)
    assert qi.iq_order == "qi"
    np.testing.assert_allclose(qi.phases[0], [0.643501, -0.643501, 0.0, 2.498092], atol=5e-7)
    np.testing.assert_array_equal(qi.amplitude(), p.amplitude())
    assert not p.csi.flags.writeable
    assert p.encode() == V1 == encode_raw_csi(p)


def test_v1_to_frame() -> None:
    p = parse_packet(V1)
    assert isinstance(p, RawCsiPacket)
    frame = p.to_frame()
    assert isinstance(frame, CsiFrame)
    assert (frame.n_subcarriers, frame.sample_index, frame.sample_rate_hz) == (4, 42, 100.0)
    np.testing.assert_array_equal(frame.amplitudes, [5.0, 5.0, 5.0, 10.0])
    qi = p.to_frame(sample_rate_hz=22.0, iq_order="qi")
    assert qi.sample_rate_hz == 22.0
    assert qi.phases[3] == pytest.approx(2.498092, abs=5e-7)
    with pytest.raises(ValidationError, match="antenna"):
        p.to_frame(antenna=1)
    with pytest.raises(ValidationError, match="iq_order"):
        p.complex("ri")  # type: ignore[arg-type]


def test_v1b_and_v1c_header_fields() -> None:
    p = parse_packet(V1B)
    assert isinstance(p, RawCsiPacket)
    assert (p.node_id, p.n_subcarriers, p.frequency_mhz, p.sequence) == (2, 2, 5180, 16_909_060)
    assert (p.rssi, p.noise_floor, p.ppdu_type, p.flags) == (-60, -95, 1, 0x18)
    assert (p.bandwidth_mhz, p.stbc, p.ldpc, p.time_sync_valid) == (20, False, True, True)
    np.testing.assert_allclose(p.amplitudes[0], [1.414214, 180.313616], atol=5e-7)
    assert p.encode() == V1B
    c = parse_packet(V1C)
    assert isinstance(c, RawCsiPacket)
    assert (c.node_id, c.n_subcarriers, c.frequency_mhz, c.sequence, c.rssi, c.noise_floor) == (
        3,
        256,
        2412,
        7,
        -50,
        -92,
    )
    assert c.csi.shape == (1, 256)
    assert c.encode() == V1C


def test_v2_edge_vitals() -> None:
    p = parse_packet(V2)
    assert isinstance(p, EdgeVitalsPacket)
    assert (p.node_id, p.flags, p.presence, p.motion, p.fall_detected) == (1, 5, True, True, False)
    assert (p.breathing_bpm, p.heart_bpm, p.breathing_rate, p.heartrate) == (
        15.5,
        72.0,
        1550,
        720_000,
    )
    assert (p.rssi, p.n_persons, p.motion_energy, p.timestamp_ms) == (-45, 1, 0.25, 123_456)
    assert p.presence_score == 0.8999999761581421
    assert encode_edge_vitals(p) == V2


def test_v4_fused_vitals() -> None:
    p = parse_packet(V4)
    assert isinstance(p, FusedVitalsPacket)
    assert (p.flags, p.presence, p.motion, p.mmwave_present, p.fall_detected) == (
        0x0D,
        True,
        True,
        True,
        False,
    )
    assert (p.breathing_bpm, p.heart_bpm, p.rssi, p.n_persons) == (16.25, 68.5, -52, 1)
    assert (p.mmwave_type, p.fusion_confidence, p.motion_energy, p.presence_score) == (
        2,
        87,
        0.125,
        0.75,
    )
    assert (p.timestamp_ms, p.mmwave_hr_bpm, p.mmwave_br_bpm, p.mmwave_distance_cm) == (
        5000,
        68.0,
        16.0,
        142.5,
    )
    assert (p.mmwave_targets, p.mmwave_confidence) == (1, 90)
    assert encode_fused_vitals(p) == V4


def test_v5_feature_vector() -> None:
    p = parse_packet(V5)
    assert isinstance(p, FeatureVectorPacket)
    assert (p.node_id, p.seq, p.timestamp_us) == (2, 5337, 1_234_567_890)
    assert list(p.features) == [0.5, 0.25, 0.5, 0.625, 0.125, 0.25, 0.0, 0.75]
    assert encode_feature_vector(p) == V5


def test_v6_compressed_csi() -> None:
    p = parse_packet(V6)
    assert isinstance(p, CompressedCsiPacket)
    assert (p.node_id, p.channel, p.original_len, p.compressed_len, p.data) == (
        1,
        6,
        8,
        4,
        bytes([0, 6, 5, 2]),
    )
    reference = bytes([1, 2, 3, 4, 5, 6, 7, 8])
    assert p.decompress(reference) == bytes([1, 2, 3, 4, 5, 6, 2, 0x0D])
    with pytest.raises(PacketError) as err:
        p.decompress(reference[:7])
    assert (err.value.reason, err.value.offset) == ("length_mismatch", 7)
    again = CompressedCsiPacket.compress(1, 6, reference, bytes([1, 2, 3, 4, 5, 6, 2, 0x0D]))
    assert again == p
    assert encode_compressed_csi(again) == V6


def test_v7_feature_state() -> None:
    p = parse_packet(V7)
    assert isinstance(p, FeatureStatePacket)
    assert (p.node_id, p.mode, p.seq, p.timestamp_us) == (1, 0, 100, 1_000_000)
    assert (p.motion_score, p.presence_score, p.respiration_bpm, p.respiration_conf) == (
        0.25,
        0.875,
        15.0,
        0.75,
    )
    assert (p.heartbeat_bpm, p.heartbeat_conf, p.anomaly_score, p.env_shift_score) == (
        66.0,
        0.5,
        0.0,
        0.125,
    )
    assert (p.node_coherence, p.quality_flags, p.rssi, p.crc32) == (1.0, 7, 0, 0x430122B3)
    assert encode_feature_state(p) == V7


def test_v8_wasm_output() -> None:
    p = parse_packet(V8)
    assert isinstance(p, WasmOutputPacket)
    assert (p.node_id, p.module_id, p.event_count, p.events) == (1, 2, 2, ((1, 0.5), (3, -1.0)))
    assert encode_wasm_output(p) == V8


def test_v9_v10_sync_and_tail_rules() -> None:
    p = parse_packet(V9)
    assert isinstance(p, SyncPacket)
    assert (p.node_id, p.proto_ver, p.flags, p.leader, p.valid, p.smoothed) == (
        1,
        2,
        6,
        False,
        True,
        True,
    )
    assert (p.min_free_heap_kib, p.local_us, p.epoch_us, p.offset_us) == (
        128,
        10_000_000,
        9_998_500,
        1500,
    )
    assert (p.sequence, p.reset_reason, p.thermal_state, p.die_temp_c, p.tx_power_dbm) == (
        4242,
        1,
        0,
        45,
        20,
    )
    assert p.node_mac == bytes.fromhex("aabbccddee01")
    assert (p.send_fail, p.frames_processed, p.seq_drop) == (None, None, None)
    assert encode_sync(p) == V9
    base = parse_packet(V9[:32])
    assert isinstance(base, SyncPacket) and base.node_mac is None
    v1_long = parse_packet(patched(V9, {5: 1}))
    assert isinstance(v1_long, SyncPacket)
    assert (v1_long.node_mac, v1_long.trailing_bytes) == (None, 6)
    q = parse_packet(V10)
    assert isinstance(q, SyncPacket)
    assert (q.send_fail, q.rate_skip, q.early_drop) == (3, 120, 5000)
    assert (q.frames_processed, q.frames_rejected, q.seq_drop) == (9000, 12, None)
    assert encode_sync(q) == V10


MALFORMED: list[tuple[str, bytes, str, int | None, int]] = [
    ("M1", V1[:12], "truncated", 0xC5110001, 12),
    ("M2", V1[:3], "truncated", None, 3),
    ("M3", patched(V1, {0: 0x09}), "bad_magic", 0xC5110009, 0),
    ("M4", patched(V1, {5: 0}), "zero_antennas", 0xC5110001, 5),
    ("M5", patched(V1, {6: 0, 7: 0}), "zero_subcarriers", 0xC5110001, 6),
    ("M6", V1[:27], "length_mismatch", 0xC5110001, 27),
    ("M8", V2[:31], "truncated", 0xC5110002, 31),
    ("M9", patched(V7, {16: 1}), "bad_crc", 0xC5110006, 56),
    ("M10", V1 + bytes(2021), "oversize", 0xC5110001, 2048),
    ("M11", patched(V8, {6: 0x11, 7: 0}), "invalid_field", 0xC5110007, 6),
    ("M12", patched(V8, {6: 3, 7: 0}), "length_mismatch", 0xC5110007, 18),
    ("M13", bytes.fromhex("04 00 11 c5") + V8[4:18], "truncated", 0xC5110004, 18),
    ("M14", V2[:20] + bytes.fromhex("00 00 c0 7f") + V2[24:], "invalid_field", 0xC5110002, 20),
    ("M15", V9[:31], "truncated", 0xC511A110, 31),
]


@pytest.mark.parametrize(("name", "data", "reason", "magic", "offset"), MALFORMED)
def test_malformed_vectors(
    name: str, data: bytes, reason: str, magic: int | None, offset: int
) -> None:
    with pytest.raises(PacketError) as err:
        parse_packet(data)
    e = err.value
    assert (e.reason, e.magic, e.offset) == (reason, magic, offset), name
    assert isinstance(e, ValueError) and isinstance(e, WifiDenseposeError)
    text = str(e)
    assert reason in text and f"offset {offset}" in text
    assert (f"0x{magic:08X}" if magic is not None else "magic none") in text


def test_m1_message_and_m7_trailing_bytes() -> None:
    with pytest.raises(PacketError, match=r"^truncated: magic 0xC5110001 at offset 12: need 20"):
        parse_packet(V1[:12])
    m7 = parse_packet(V1 + b"\x00")
    assert m7.trailing_bytes == 1
    with pytest.raises(PacketError) as err:
        parse_packet(V1 + b"\x00", strict=True)
    assert (err.value.reason, err.value.offset) == ("length_mismatch", 28)


def test_bytes_like_inputs_and_rejected_types() -> None:
    assert parse_packet(bytearray(V2)) == parse_packet(memoryview(V2)) == parse_packet(V2)
    with pytest.raises(ValidationError, match="data"):
        parse_packet([1, 2, 3])  # type: ignore[arg-type]


def test_constructors_validate_like_the_parser() -> None:
    with pytest.raises(PacketError) as err:
        EdgeVitalsPacket(node_id=1, presence_score=math.nan)
    assert (err.value.reason, err.value.offset) == ("invalid_field", 20)
    with pytest.raises(ValidationError, match=r"node_id: must be in 0\.\.=255, got 256"):
        EdgeVitalsPacket(node_id=256)
    with pytest.raises(PacketError, match="length_mismatch"):
        RawCsiPacket(node_id=1, iq=b"\x01\x02\x03\x04", n_subcarriers=3)
    raw = RawCsiPacket(
        node_id=1, iq=V1[20:], frequency_mhz=2437, sequence=42, rssi=-40, noise_floor=-90
    )
    assert raw.n_subcarriers == 4 and raw.encode() == V1
    with pytest.raises(PacketError) as too_many:
        WasmOutputPacket(node_id=1, events=[(0, 0.0)] * 17)
    assert too_many.value.offset == 6
    with pytest.raises(ValidationError, match="together"):
        SyncPacket(node_id=1, proto_ver=3, node_mac=bytes(6), send_fail=1)
    with pytest.raises(PacketError, match="proto_ver"):
        SyncPacket(node_id=1, proto_ver=1, node_mac=bytes(6))


def test_equality_hashing_and_pickling() -> None:
    for data in [*VALID, V1 + b"\x00\x00"]:
        p = parse_packet(data)
        again = pickle.loads(pickle.dumps(p))
        assert again == p and hash(again) == hash(p)
        assert again.trailing_bytes == p.trailing_bytes
    assert parse_packet(V1) != parse_packet(V1 + b"\x00")
    assert parse_packet(V1) != parse_packet(V1B)
    assert len({parse_packet(v) for v in VALID}) == len(VALID)
    qi = pickle.loads(pickle.dumps(parse_packet(V1, "qi")))
    assert isinstance(qi, RawCsiPacket) and qi.iq_order == "qi"


# --- Round trips of every kind -------------------------------------------------------------

u8 = st.integers(0, 255)
i8 = st.integers(-128, 127)
u16 = st.integers(0, 65535)
u32 = st.integers(0, 2**32 - 1)
u64 = st.integers(0, 2**64 - 1)
f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@st.composite
def raw_csi(draw: st.DrawFn) -> RawCsiPacket:
    n_antennas = draw(st.integers(1, 3))
    n_subcarriers = draw(st.integers(1, 1000 // n_antennas))
    return RawCsiPacket(
        node_id=draw(u8),
        iq=draw(
            st.binary(
                min_size=2 * n_antennas * n_subcarriers, max_size=2 * n_antennas * n_subcarriers
            )
        ),
        n_antennas=n_antennas,
        frequency_mhz=draw(u32),
        sequence=draw(u32),
        rssi=draw(i8),
        noise_floor=draw(i8),
        ppdu_type=draw(u8),
        flags=draw(u8),
    )


# The fields both vitals packets carry (docs/wire.md §1.4 and 1.6 share them).
vitals_fields = {
    "node_id": u8,
    "flags": u8,
    "breathing_rate": u16,
    "heartrate": u32,
    "rssi": i8,
    "n_persons": u8,
    "motion_energy": f32,
    "presence_score": f32,
    "timestamp_ms": u32,
}
edge_vitals = st.builds(EdgeVitalsPacket, **vitals_fields)
fused_vitals = st.builds(
    FusedVitalsPacket,
    **vitals_fields,
    mmwave_type=u8,
    fusion_confidence=u8,
    mmwave_hr_bpm=f32,
    mmwave_br_bpm=f32,
    mmwave_distance_cm=f32,
    mmwave_targets=u8,
    mmwave_confidence=u8,
)
feature_vector = st.builds(
    FeatureVectorPacket,
    node_id=u8,
    features=st.lists(f32, min_size=8, max_size=8),
    seq=u16,
    timestamp_us=st.integers(-(2**63), 2**63 - 1),
)
feature_state = st.builds(
    FeatureStatePacket,
    node_id=u8,
    mode=u8,
    seq=u16,
    timestamp_us=u64,
    motion_score=f32,
    presence_score=f32,
    respiration_bpm=f32,
    respiration_conf=f32,
    heartbeat_bpm=f32,
    heartbeat_conf=f32,
    anomaly_score=f32,
    env_shift_score=f32,
    node_coherence=f32,
    quality_flags=u16,
    rssi=i8,
)
wasm_output = st.builds(
    WasmOutputPacket,
    node_id=u8,
    module_id=u8,
    events=st.lists(st.tuples(u8, f32), max_size=16),
)


@st.composite
def compressed(draw: st.DrawFn) -> CompressedCsiPacket:
    n = draw(st.integers(0, 600))
    small = st.binary(min_size=n, max_size=n).map(lambda b: bytes(x & 3 for x in b))
    return CompressedCsiPacket.compress(draw(u8), draw(u8), draw(small), draw(small))


@st.composite
def sync(draw: st.DrawFn) -> SyncPacket:
    groups = draw(st.integers(0, 4))
    kwargs: dict[str, Any] = {}
    if groups >= 1:
        kwargs["node_mac"] = draw(st.binary(min_size=6, max_size=6))
    if groups >= 2:
        kwargs.update(send_fail=draw(u32), rate_skip=draw(u32), early_drop=draw(u32))
    if groups >= 3:
        kwargs.update(frames_processed=draw(u32), frames_rejected=draw(u32))
    if groups >= 4:
        kwargs["seq_drop"] = draw(u32)
    return SyncPacket(
        node_id=draw(u8),
        proto_ver=draw(st.integers(max(groups + 1, 1), 255)),
        flags=draw(u8),
        min_free_heap=draw(u8),
        local_us=draw(u64),
        epoch_us=draw(u64),
        sequence=draw(u32),
        reset_reason=draw(u8),
        thermal_state=draw(u8),
        die_temp_c=draw(i8),
        tx_power_dbm=draw(u8),
        **kwargs,
    )


KINDS: dict[str, st.SearchStrategy[Packet]] = {
    "raw_csi": raw_csi(),
    "edge_vitals": edge_vitals,
    "feature_vector": feature_vector,
    "fused_vitals": fused_vitals,
    "compressed_csi": compressed(),
    "feature_state": feature_state,
    "wasm_output": wasm_output,
    "sync": sync(),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_kind_round_trips(kind: str, data: st.DataObject) -> None:
    packet: Packet = data.draw(KINDS[kind])
    encoded = packet.encode()
    assert len(encoded) <= MAX_DATAGRAM_LEN
    decoded = parse_packet(encoded, strict=True)
    assert type(decoded) is type(packet)
    assert decoded == packet
    assert decoded.encode() == encoded


# --- Fuzzing ---------------------------------------------------------------------------------


def test_every_prefix_of_every_vector() -> None:
    for v in VALID:
        for n in range(len(v) + 1):
            check_datagram(v[:n])


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes(data: bytes) -> None:
    check_datagram(data)


@settings(max_examples=1500, deadline=None)
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.integers(0, 3)),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_vectors(base: bytes, edits: list[tuple[int, int, int]]) -> None:
    check_datagram(bytes(apply_edits(list(base), edits)))
