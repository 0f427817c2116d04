//! The byte-exact test vectors of docs/wire.md §1.3–1.11: each decodes to the listed values
//! and re-encodes to the same bytes; the malformed vectors fail with the listed error.

// The expected values are the spec's printed 6-decimal numbers, some of which are near
// well-known constants.
#![allow(clippy::approx_constant)]

mod common;

use common::*;
use wifi_densepose_wire::*;

fn parse(bytes: &[u8]) -> Packet {
    match parse_packet(bytes) {
        Ok(p) => p,
        Err(e) => panic!("vector failed to parse: {e}"),
    }
}

fn assert_reencodes(bytes: &[u8]) {
    assert_eq!(parse(bytes).encode().expect("encodes"), bytes);
}

fn assert_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len());
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= tol, "index {i}: {a} vs {e}");
    }
}

#[test]
fn v1_raw_csi_fields_amplitudes_and_both_phase_orders() {
    let bytes = hex(V1);
    assert_eq!(bytes.len(), 28);
    let Packet::RawCsi(p) = parse(&bytes) else {
        panic!("not raw CSI")
    };
    assert_eq!(
        (
            p.node_id,
            p.n_antennas,
            p.n_subcarriers,
            p.frequency_mhz,
            p.sequence
        ),
        (1, 1, 4, 2437, 42)
    );
    assert_eq!(
        (
            p.rssi,
            p.noise_floor,
            p.ppdu_type,
            p.flags,
            p.trailing_bytes
        ),
        (-40, -90, 0, 0, 0)
    );
    assert_eq!(p.amplitude(), vec![5.0, 5.0, 5.0, 10.0]);
    assert_close(
        &p.phase(IqOrder::RealFirst),
        &[0.927295, 2.214297, 1.570796, -0.927295],
        5e-7,
    );
    assert_close(
        &p.phase(IqOrder::ImagFirst),
        &[0.643501, -0.643501, 0.0, 2.498092],
        5e-7,
    );
    let z = p.complex(IqOrder::RealFirst);
    assert_eq!((z[1].re, z[1].im, z[3].re, z[3].im), (-3.0, 4.0, 6.0, -8.0));
    assert_reencodes(&bytes);
}

#[test]
fn v1_to_frame_uses_sequence_and_phase_order() {
    let p = RawCsiPacket::parse(&hex(V1)).expect("V1");
    let frame = p.to_frame(100.0, 0, IqOrder::ImagFirst).expect("frame");
    assert_eq!(
        (
            frame.n_subcarriers(),
            frame.sample_index(),
            frame.sample_rate_hz()
        ),
        (4, 42, 100.0)
    );
    assert_eq!(frame.amplitudes(), &[5.0, 5.0, 5.0, 10.0]);
    assert!((frame.phases()[3] - 2.498092).abs() < 5e-7);
    assert!(p.to_frame(100.0, 1, IqOrder::RealFirst).is_err());
    assert!(p.to_frame(0.0, 0, IqOrder::RealFirst).is_err());
}

#[test]
fn v1b_newer_header_fields() {
    let bytes = hex(V1B);
    assert_eq!(bytes.len(), 24);
    let Packet::RawCsi(p) = parse(&bytes) else {
        panic!("not raw CSI")
    };
    assert_eq!(
        (p.node_id, p.n_subcarriers, p.frequency_mhz, p.sequence),
        (2, 2, 5180, 16_909_060)
    );
    assert_eq!(
        (p.rssi, p.noise_floor, p.ppdu_type, p.flags),
        (-60, -95, 1, 0x18)
    );
    assert_eq!(
        (p.bandwidth_mhz(), p.stbc(), p.ldpc(), p.time_sync_valid()),
        (20, false, true, true)
    );
    assert_close(&p.amplitude(), &[1.414214, 180.313616], 5e-7);
    assert_reencodes(&bytes);
}

#[test]
fn v1c_subcarrier_count_is_a_u16() {
    let bytes = v1c();
    let Packet::RawCsi(p) = parse(&bytes) else {
        panic!("not raw CSI")
    };
    assert_eq!(
        (p.node_id, p.n_subcarriers, p.frequency_mhz, p.sequence),
        (3, 256, 2412, 7)
    );
    assert_eq!(
        (p.rssi, p.noise_floor, p.ppdu_type, p.iq.len()),
        (-50, -92, 1, 512)
    );
    assert_reencodes(&bytes);
}

#[test]
fn v2_edge_vitals() {
    let bytes = hex(V2);
    let Packet::EdgeVitals(p) = parse(&bytes) else {
        panic!("not vitals")
    };
    assert_eq!(
        (
            p.node_id,
            p.flags,
            p.presence(),
            p.motion(),
            p.fall_detected()
        ),
        (1, 5, true, true, false)
    );
    assert_eq!((p.breathing_rate_bpm(), p.heartrate_bpm()), (15.5, 72.0));
    assert_eq!((p.rssi, p.n_persons, p.timestamp_ms), (-45, 1, 123_456));
    assert_eq!(p.motion_energy, 0.25);
    assert_eq!(f64::from(p.presence_score), 0.8999999761581421);
    assert_reencodes(&bytes);
}

#[test]
fn v4_fused_vitals() {
    let bytes = hex(V4);
    let Packet::FusedVitals(p) = parse(&bytes) else {
        panic!("not fused")
    };
    assert_eq!(
        (
            p.node_id,
            p.flags,
            p.presence(),
            p.motion(),
            p.mmwave_present()
        ),
        (1, 0x0d, true, true, true)
    );
    assert!(!p.fall_detected());
    assert_eq!((p.breathing_rate_bpm(), p.heartrate_bpm()), (16.25, 68.5));
    assert_eq!(
        (p.rssi, p.n_persons, p.mmwave_type, p.fusion_confidence),
        (-52, 1, 2, 87)
    );
    assert_eq!(
        (p.motion_energy, p.presence_score, p.timestamp_ms),
        (0.125, 0.75, 5000)
    );
    assert_eq!(
        (p.mmwave_hr_bpm, p.mmwave_br_bpm, p.mmwave_distance_cm),
        (68.0, 16.0, 142.5)
    );
    assert_eq!((p.mmwave_targets, p.mmwave_confidence), (1, 90));
    assert_reencodes(&bytes);
}

#[test]
fn v5_feature_vector() {
    let bytes = hex(V5);
    let Packet::FeatureVector(p) = parse(&bytes) else {
        panic!("not a feature vector")
    };
    assert_eq!((p.node_id, p.seq, p.timestamp_us), (2, 5337, 1_234_567_890));
    assert_eq!(p.features, [0.5, 0.25, 0.5, 0.625, 0.125, 0.25, 0.0, 0.75]);
    assert_reencodes(&bytes);
}

#[test]
fn v6_compressed_csi_decompresses_against_the_reference() {
    let bytes = hex(V6);
    let Packet::CompressedCsi(p) = parse(&bytes) else {
        panic!("not compressed")
    };
    assert_eq!(
        (p.node_id, p.channel, p.original_len, p.compressed_len()),
        (1, 6, 8, 4)
    );
    assert_eq!(p.data, vec![0x00, 6, 0x05, 2]);
    let reference = [1, 2, 3, 4, 5, 6, 7, 8];
    assert_eq!(
        p.decompress(&reference).expect("decompress"),
        vec![1, 2, 3, 4, 5, 6, 2, 0x0d]
    );
    let short = p.decompress(&reference[..7]).expect_err("short reference");
    assert_eq!((short.reason, short.offset), (Reason::LengthMismatch, 7));
    let again = CompressedCsiPacket::compress(1, 6, &reference, &[1, 2, 3, 4, 5, 6, 2, 0x0d])
        .expect("compress");
    assert_eq!(again.encode().expect("encode"), bytes);
    assert_reencodes(&bytes);
}

#[test]
fn v7_feature_state_with_crc() {
    let bytes = hex(V7);
    let Packet::FeatureState(p) = parse(&bytes) else {
        panic!("not feature state")
    };
    assert_eq!(
        (p.node_id, p.mode, p.seq, p.timestamp_us),
        (1, 0, 100, 1_000_000)
    );
    assert_eq!((p.motion_score, p.presence_score), (0.25, 0.875));
    assert_eq!(
        (
            p.respiration_bpm,
            p.respiration_conf,
            p.heartbeat_bpm,
            p.heartbeat_conf
        ),
        (15.0, 0.75, 66.0, 0.5)
    );
    assert_eq!(
        (p.anomaly_score, p.env_shift_score, p.node_coherence),
        (0.0, 0.125, 1.0)
    );
    assert_eq!((p.quality_flags, p.rssi), (7, 0));
    assert_eq!(p.crc32(), 0x4301_22B3);
    assert_reencodes(&bytes);
}

#[test]
fn v8_wasm_output() {
    let bytes = hex(V8);
    let Packet::WasmOutput(p) = parse(&bytes) else {
        panic!("not WASM output")
    };
    assert_eq!((p.node_id, p.module_id, p.event_count()), (1, 2, 2));
    assert_eq!(
        p.events,
        vec![
            WasmEvent {
                event_type: 1,
                value: 0.5
            },
            WasmEvent {
                event_type: 3,
                value: -1.0
            }
        ]
    );
    assert_reencodes(&bytes);
}

fn check_v9_base(p: &SyncPacket) {
    assert_eq!(
        (p.node_id, p.flags, p.leader(), p.valid(), p.smoothed()),
        (1, 6, false, true, true)
    );
    assert_eq!(
        (p.min_free_heap_kib(), p.local_us, p.epoch_us, p.offset_us()),
        (128, 10_000_000, 9_998_500, 1500)
    );
    assert_eq!(
        (
            p.sequence,
            p.reset_reason,
            p.thermal_state,
            p.die_temp_c,
            p.tx_power_dbm
        ),
        (4242, 1, 0, 45, 20)
    );
}

#[test]
fn v9_sync_v2_and_the_tail_rules() {
    let bytes = hex(V9);
    let Packet::Sync(p) = parse(&bytes) else {
        panic!("not sync")
    };
    check_v9_base(&p);
    assert_eq!(p.proto_ver, 2);
    assert_eq!(p.node_mac, Some([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01]));
    assert_eq!(
        (
            p.send_counters,
            p.frame_counters,
            p.seq_drop,
            p.trailing_bytes
        ),
        (None, None, None, 0)
    );
    assert_reencodes(&bytes);

    let base = SyncPacket::parse(&bytes[..32]).expect("first 32 bytes");
    check_v9_base(&base);
    assert_eq!(base.node_mac, None);
    assert_reencodes(&bytes[..32]);

    let mut v1 = bytes.clone();
    v1[5] = 1;
    let p1 = SyncPacket::parse(&v1).expect("v1 with 38 bytes");
    assert_eq!((p1.node_mac, p1.trailing_bytes), (None, 6));
    let strict = SyncPacket::parse_with(&v1, ParseOptions { strict: true }).expect("strict sync");
    assert_eq!(strict.node_mac, None);
}

#[test]
fn v10_sync_v4_counters() {
    let bytes = hex(V10);
    let Packet::Sync(p) = parse(&bytes) else {
        panic!("not sync")
    };
    check_v9_base(&p);
    assert_eq!(p.proto_ver, 4);
    assert_eq!(
        p.send_counters,
        Some(SendCounters {
            send_fail: 3,
            rate_skip: 120,
            early_drop: 5000
        })
    );
    assert_eq!(
        p.frame_counters,
        Some(FrameCounters {
            frames_processed: 9000,
            frames_rejected: 12
        })
    );
    assert_eq!(p.seq_drop, None);
    assert_reencodes(&bytes);
}

fn expect_err(bytes: &[u8], reason: Reason, magic: Option<u32>, offset: usize) -> PacketError {
    let e = parse_packet(bytes).expect_err("must not parse");
    assert_eq!(
        (e.reason, e.magic, e.offset),
        (reason, magic, offset),
        "{e}"
    );
    e
}

fn with(base: &str, patch: &[(usize, u8)]) -> Vec<u8> {
    let mut v = hex(base);
    for &(i, b) in patch {
        v[i] = b;
    }
    v
}

const RAW: Option<u32> = Some(magic::RAW_CSI);

#[test]
fn malformed_vectors_m1_to_m15() {
    let v1 = hex(V1);
    let m1 = expect_err(&v1[..12], Reason::Truncated, RAW, 12);
    assert_eq!(
        m1.to_string(),
        "truncated: magic 0xC5110001 at offset 12: need 20 bytes, got 12"
    );
    let m2 = expect_err(&v1[..3], Reason::Truncated, None, 3);
    assert!(m2
        .to_string()
        .starts_with("truncated: magic none at offset 3"));
    let m3 = expect_err(
        &with(V1, &[(0, 0x09)]),
        Reason::BadMagic,
        Some(0xC511_0009),
        0,
    );
    assert!(m3.to_string().contains("0xC5110009"));
    expect_err(&with(V1, &[(5, 0)]), Reason::ZeroAntennas, RAW, 5);
    expect_err(
        &with(V1, &[(6, 0), (7, 0)]),
        Reason::ZeroSubcarriers,
        RAW,
        6,
    );
    expect_err(&v1[..27], Reason::LengthMismatch, RAW, 27);

    let mut m7 = v1.clone();
    m7.push(0);
    let Packet::RawCsi(p) = parse(&m7) else {
        panic!("M7 not raw CSI")
    };
    assert_eq!(p.trailing_bytes, 1);
    assert_eq!(
        p.encode().expect("encode"),
        v1,
        "trailing bytes are not re-encoded"
    );
    let strict = parse_packet_with(&m7, ParseOptions { strict: true }).expect_err("strict M7");
    assert_eq!((strict.reason, strict.offset), (Reason::LengthMismatch, 28));

    expect_err(
        &hex(V2)[..31],
        Reason::Truncated,
        Some(magic::EDGE_VITALS),
        31,
    );
    let m9 = expect_err(
        &with(V7, &[(16, 1)]),
        Reason::BadCrc,
        Some(magic::FEATURE_STATE),
        56,
    );
    assert!(m9.to_string().contains("0x430122B3"));
    let mut m10 = v1.clone();
    m10.resize(2049, 0);
    expect_err(&m10, Reason::Oversize, RAW, 2048);
    expect_err(
        &with(V8, &[(6, 0x11), (7, 0)]),
        Reason::InvalidField,
        Some(magic::WASM_OUTPUT),
        6,
    );
    expect_err(
        &with(V8, &[(6, 3), (7, 0)]),
        Reason::LengthMismatch,
        Some(magic::WASM_OUTPUT),
        18,
    );
    let mut m13 = vec![0x04, 0x00, 0x11, 0xc5];
    m13.extend_from_slice(&hex(V8)[4..18]);
    expect_err(&m13, Reason::Truncated, Some(magic::FUSED_VITALS), 18);
    expect_err(
        &with(V2, &[(20, 0), (21, 0), (22, 0xc0), (23, 0x7f)]),
        Reason::InvalidField,
        Some(magic::EDGE_VITALS),
        20,
    );
    expect_err(&hex(V9)[..31], Reason::Truncated, Some(magic::SYNC), 31);
}

#[test]
fn exactly_2048_bytes_is_accepted() {
    let mut v = hex(V1);
    v.resize(2048, 0);
    let Packet::RawCsi(p) = parse(&v) else {
        panic!("not raw CSI")
    };
    assert_eq!(p.trailing_bytes, 2020);
}

#[test]
fn type_specific_parsers_reject_other_magics() {
    let e = EdgeVitalsPacket::parse(&hex(V1)).expect_err("V1 is not vitals");
    assert_eq!((e.reason, e.magic, e.offset), (Reason::BadMagic, RAW, 0));
    assert!(e.to_string().contains("expected 0xC5110002"));
    for other in [0xC511_8100u32, 0xC511_0084] {
        let mut v = other.to_le_bytes().to_vec();
        v.resize(64, 0);
        expect_err(&v, Reason::BadMagic, Some(other), 0);
    }
    expect_err(
        b"{\"type\": \"vitals\"}",
        Reason::BadMagic,
        Some(u32::from_le_bytes(*b"{\"ty")),
        0,
    );
}

#[test]
fn value_checks_report_the_float_offset() {
    // Fused vitals with mmwave_distance_cm = +inf.
    expect_err(
        &with(V4, &[(36, 0), (37, 0), (38, 0x80), (39, 0x7f)]),
        Reason::InvalidField,
        Some(magic::FUSED_VITALS),
        36,
    );
    // Feature vector with features[3] = NaN.
    expect_err(
        &with(V5, &[(28, 0), (29, 0), (30, 0xc0), (31, 0x7f)]),
        Reason::InvalidField,
        Some(magic::FEATURE_VECTOR),
        28,
    );
    // WASM event 1 value = NaN.
    expect_err(
        &with(V8, &[(14, 0), (15, 0), (16, 0xc0), (17, 0x7f)]),
        Reason::InvalidField,
        Some(magic::WASM_OUTPUT),
        14,
    );
    // Compressed data with a zero run, and with runs not adding up to original_len.
    expect_err(
        &with(V6, &[(11, 0)]),
        Reason::InvalidField,
        Some(magic::COMPRESSED_CSI),
        8,
    );
    expect_err(
        &with(V6, &[(13, 3)]),
        Reason::InvalidField,
        Some(magic::COMPRESSED_CSI),
        8,
    );
    // compressed_len odd: 3 bytes of data declared and present.
    let mut odd = with(V6, &[(8, 3)]);
    odd.pop();
    expect_err(&odd, Reason::InvalidField, Some(magic::COMPRESSED_CSI), 8);
}

#[test]
fn feature_state_checks_crc_before_floats() {
    // A NaN in respiration_bpm with a CRC recomputed over the changed bytes.
    let mut v = with(V7, &[(24, 0), (25, 0), (26, 0xc0), (27, 0x7f)]);
    let crc = crc32::crc32(&v[..56]).to_le_bytes();
    v[56..60].copy_from_slice(&crc);
    expect_err(&v, Reason::InvalidField, Some(magic::FEATURE_STATE), 24);
    // The same NaN under the old CRC fails the CRC first.
    expect_err(
        &with(V7, &[(24, 0), (25, 0), (26, 0xc0), (27, 0x7f)]),
        Reason::BadCrc,
        Some(magic::FEATURE_STATE),
        56,
    );
}

#[test]
fn encoders_reject_what_the_parser_would_reject() {
    let mut raw = RawCsiPacket::parse(&hex(V1)).expect("V1");
    raw.iq.pop();
    let e = raw.encode().expect_err("short payload");
    assert_eq!((e.reason, e.offset), (Reason::LengthMismatch, 27));
    raw.n_subcarriers = 1100;
    raw.iq = vec![0; 2200];
    assert_eq!(raw.encode().expect_err("oversize").reason, Reason::Oversize);

    let mut vitals = EdgeVitalsPacket::parse(&hex(V2)).expect("V2");
    vitals.presence_score = f32::NAN;
    let e = vitals.encode().expect_err("NaN");
    assert_eq!((e.reason, e.offset), (Reason::InvalidField, 20));

    let mut wasm = WasmOutputPacket::parse(&hex(V8)).expect("V8");
    wasm.events = vec![
        WasmEvent {
            event_type: 0,
            value: 0.0
        };
        17
    ];
    assert_eq!(wasm.encode().expect_err("17 events").offset, 6);

    let mut sync = SyncPacket::parse(&hex(V10)).expect("V10");
    sync.node_mac = None;
    assert_eq!(sync.encode().expect_err("gap").reason, Reason::InvalidField);
    let mut low = SyncPacket::parse(&hex(V10)).expect("V10");
    low.proto_ver = 2;
    let e = low.encode().expect_err("version too low");
    assert_eq!((e.reason, e.offset), (Reason::InvalidField, 5));
}
