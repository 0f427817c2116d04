//! `.csi.jsonl` recordings and sidecars (docs/wire.md §2) against the real excerpt of
//! 2.8 and hand-made bad lines. Expected counts and rates are the spec's table and values
//! computed independently with Python's `json` module.

mod common;

use std::io::Cursor;
use std::path::PathBuf;

use common::{hex, V1, V2, V5, V6};
use wifi_densepose_wire::recording::{
    parse_line, LineOutcome, RawCsiRecord, Replayer, VitalsRecord,
};
use wifi_densepose_wire::*;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

fn excerpt_path() -> PathBuf {
    data_dir().join("esp32-excerpt.csi.jsonl")
}

fn load_excerpt() -> Recording {
    Recording::load(excerpt_path(), ReadMode::Strict).expect("the excerpt loads in strict mode")
}

fn reader(text: &str, mode: ReadMode) -> RecordingReader<Cursor<Vec<u8>>> {
    RecordingReader::new(Cursor::new(text.as_bytes().to_vec()), mode, "test")
}

#[test]
fn excerpt_counts_match_the_spec() {
    let rec = load_excerpt();
    assert_eq!((rec.records.len(), rec.bad_lines()), (400, 0));
    let s = rec.summary();
    assert_eq!(
        s.kinds,
        vec![
            ("feature".to_string(), 16),
            ("raw_csi".to_string(), 368),
            ("vitals".to_string(), 16)
        ]
    );
    assert_eq!(rec.nodes(), vec![1, 2]);
    let n1 = &s.nodes[0];
    let n2 = &s.nodes[1];
    assert_eq!(
        (n1.node_id, n1.lines, n1.raw_csi, n1.vitals, n1.feature),
        (1, 199, 183, 8, 8)
    );
    assert_eq!(
        (n2.node_id, n2.lines, n2.raw_csi, n2.vitals, n2.feature),
        (2, 201, 185, 8, 8)
    );
    assert_eq!(n1.layouts, vec![(64, 153), (128, 28), (192, 2)]);
    assert_eq!(n2.layouts, vec![(64, 145), (128, 38), (192, 2)]);
    assert_eq!(s.first_timestamp, Some(1_775_182_186.957_775_8));
    assert_eq!(s.last_timestamp, Some(1_775_182_195.086_895_5));
    assert_eq!(s.duration_secs(), 8.129119634628296);
    let big: Vec<usize> = rec
        .records
        .iter()
        .filter(|r| matches!(&r.body, RecordBody::RawCsi(raw) if raw.subcarriers == 192))
        .map(|r| r.line)
        .collect();
    assert_eq!(big, vec![228, 229, 342, 343]);
}

#[test]
fn excerpt_rates_per_node() {
    let s = load_excerpt().summary();
    let rate = |i: usize| s.nodes[i].csi_rate_hz.expect("rate");
    assert!((rate(0) - 22.39237592439356).abs() < 1e-9, "{}", rate(0));
    assert!((rate(1) - 22.638649197505533).abs() < 1e-9, "{}", rate(1));
    let vitals_rate = s.nodes[0].vitals_rate_hz.expect("vitals rate");
    assert!((vitals_rate - 0.9818474060614233).abs() < 1e-9);
}

#[test]
fn excerpt_lines_1_18_19_decode_exactly() {
    let rec = load_excerpt();
    let first = &rec.records[0];
    assert_eq!(
        (first.line, first.node_id, first.magic, first.size),
        (1, 2, magic::RAW_CSI, 148)
    );
    assert_eq!((first.recorded_rssi, first.rssi_dbm()), (1.0, None));
    let RecordBody::RawCsi(RawCsiRecord {
        subcarriers,
        n_antennas,
        iq,
    }) = &first.body
    else {
        panic!("line 1 is raw CSI")
    };
    assert_eq!((*subcarriers, *n_antennas, iq.len()), (64, 1, 128));
    // "00000f030d03...": bin 0 is (0, 0), bin 1 is (15, 3).
    assert_eq!(&iq[..4], &[0x00, 0x00, 0x0f, 0x03]);
    assert_eq!(iq.last(), Some(&0x03));

    let vitals = rec.records.iter().find(|r| r.line == 18).expect("line 18");
    assert_eq!(
        (vitals.node_id, vitals.magic, vitals.size, vitals.rssi_dbm()),
        (2, magic::EDGE_VITALS, 32, Some(-19.0))
    );
    let RecordBody::Vitals(v) = &vitals.body else {
        panic!("line 18 is vitals")
    };
    assert_eq!(
        *v,
        VitalsRecord {
            flags: 4,
            breathing_bpm: 22.42,
            heartrate_bpm: 85.0,
            n_persons: 4,
            motion_energy: 4.856170177459717,
            presence_score: 4.856170177459717
        }
    );
    assert!(v.motion() && !v.presence() && !v.fall_detected());

    let feature = rec.records.iter().find(|r| r.line == 19).expect("line 19");
    assert_eq!(
        (feature.timestamp, feature.rssi_dbm()),
        (1_775_182_187.352_136, Some(-18.0))
    );
    let RecordBody::Feature(f) = &feature.body else {
        panic!("line 19 is a feature line")
    };
    assert_eq!(f.seq, 5337);
    assert_eq!(f.features[7], 0.8100000023841858);
}

#[test]
fn vitals_per_node_are_the_nodes_own_lines() {
    let rec = load_excerpt();
    let node1: Vec<(usize, f64)> = rec
        .vitals(1)
        .map(|(r, v)| (r.line, v.heartrate_bpm))
        .collect();
    assert_eq!(node1.len(), 8);
    assert_eq!(node1[0], (22, 79.0123));
    assert_eq!(node1[7], (369, 70.2928));
}

#[test]
fn csi_series_uses_the_dominant_layout_and_the_first_antenna() {
    let rec = load_excerpt();
    let s = rec.csi(2, None, IqOrder::RealFirst).expect("node 2");
    assert_eq!(
        (s.n_subcarriers, s.timestamps.len(), s.values.len()),
        (64, 145, 145 * 64)
    );
    assert_eq!(s.timestamps[0], 1_775_182_186.957_775_8);
    // Line 1: bin 1 is the byte pair (0x0f, 0x03).
    assert_eq!((s.values[1].re, s.values[1].im), (15.0, 3.0));
    let qi = rec.csi(2, None, IqOrder::ImagFirst).expect("node 2");
    assert_eq!((qi.values[1].re, qi.values[1].im), (3.0, 15.0));
    let wide = rec
        .csi(1, Some(192), IqOrder::RealFirst)
        .expect("node 1, 192 bins");
    assert_eq!((wide.timestamps.len(), wide.values.len()), (2, 2 * 192));
    assert!(rec
        .csi(1, Some(100), IqOrder::RealFirst)
        .expect("no such layout")
        .timestamps
        .is_empty());
    let missing = rec.csi(9, None, IqOrder::RealFirst).expect_err("no node 9");
    assert!(missing.to_string().contains("node 9"));
}

#[test]
fn rewriting_the_excerpt_reproduces_it_byte_for_byte_with_its_sidecar() {
    let original = std::fs::read(excerpt_path()).expect("excerpt");
    let rec = load_excerpt();
    let mut writer = RecordingWriter::new(Vec::new());
    for r in &rec.records {
        writer.write_record(r).expect("write");
    }
    let meta = writer.meta(
        "esp32-excerpt",
        Some("mixed-activity"),
        "esp32-excerpt.csi.jsonl",
    );
    assert_eq!(writer.finish().expect("finish"), original);

    let sidecar =
        std::fs::read_to_string(data_dir().join("esp32-excerpt.csi.meta.json")).expect("sidecar");
    assert_eq!(meta.to_json().expect("json"), sidecar);
    assert_eq!(rec.meta.as_ref(), Some(&meta));
    assert!(rec.meta_warnings.is_empty(), "{:?}", rec.meta_warnings);
}

#[test]
fn sidecar_fields_and_tolerated_variants() {
    let meta = load_excerpt().meta.expect("sidecar");
    assert_eq!(
        (meta.id.as_str(), meta.label.as_deref()),
        ("esp32-excerpt", Some("mixed-activity"))
    );
    assert_eq!(
        (meta.frame_count, meta.file_size_bytes, meta.duration_secs),
        (400, 175_362, 8.129119634628296)
    );
    assert_eq!(meta.nodes, vec![(2, 201), (1, 199)]);
    assert_eq!(meta.started_at_unix(), Some(1_775_182_186.0));

    let variant = r#"{"id": "x", "name": "x", "started_at": "2026-04-03T02:09:46.25+00:00",
        "ended_at": "2026-04-03T02:11:46Z", "duration_secs": 120, "frame_count": 5783,
        "file_size_bytes": 2580539, "file_path": "C:\\data\\x.csi.jsonl", "fps": 20,
        "nodes": {"1": 2897, "2": 2886}}"#;
    let m = RecordingMeta::from_json(variant).expect("variant sidecar");
    assert_eq!(
        (m.label.clone(), m.duration_secs, m.nodes.clone()),
        (None, 120.0, vec![(1, 2897), (2, 2886)])
    );
    assert_eq!(m.started_at_unix(), Some(1_775_182_186.25));

    for (broken, field) in [
        (variant.replace("\"frame_count\": 5783,", ""), "frame_count"),
        (
            variant.replace("2026-04-03T02:09:46.25+00:00", "yesterday"),
            "started_at",
        ),
        (variant.replace("\"1\": 2897", "\"one\": 2897"), "nodes"),
    ] {
        let e = RecordingMeta::from_json(&broken).expect_err(field);
        assert!(e.to_string().starts_with(field), "{e}");
    }
}

#[test]
fn sidecar_disagreements_are_warnings() {
    let dir = std::env::temp_dir().join(format!("wdp-wire-meta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.join("two.csi.jsonl");
    let mut w = RecordingWriter::new(Vec::new());
    let packet = parse_packet(&hex(V2)).expect("V2");
    w.write_packet(10.0, &packet).expect("write");
    w.write_packet(11.0, &packet).expect("write");
    let mut meta = w.meta("two", None, "two.csi.jsonl");
    std::fs::write(&data, w.finish().expect("finish")).expect("write data");
    meta.frame_count = 3;
    std::fs::write(dir.join("two.csi.meta.json"), meta.to_json().expect("json"))
        .expect("write sidecar");
    let rec = Recording::load(&data, ReadMode::Lenient).expect("load");
    assert_eq!(
        rec.meta_warnings,
        vec!["sidecar frame_count is 3, the data file has 2 lines".to_string()]
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

const GOOD_VITALS: &str = r#"{"timestamp": 5.5, "node_id": 1, "magic": "0xC5110002", "size": 32, "rssi": -40, "type": "vitals", "flags": 1, "breathing_bpm": 15, "heartrate_bpm": 72.5, "n_persons": 1, "motion_energy": 2, "presence_score": 2}"#;

fn bad_reason(line: &str) -> LineReason {
    parse_line(line.as_bytes(), 7).expect_err(line).reason
}

#[test]
fn every_bad_line_reason() {
    assert!(parse_line(GOOD_VITALS.as_bytes(), 1)
        .expect("good")
        .is_some());
    let cases: Vec<(String, LineReason)> = vec![
        (GOOD_VITALS[..40].to_string(), LineReason::InvalidJson),
        ("[1, 2]".into(), LineReason::NotObject),
        ("\"text\"".into(), LineReason::NotObject),
        (
            GOOD_VITALS.replace("\"size\": 32, ", ""),
            LineReason::MissingField,
        ),
        (
            GOOD_VITALS.replace("\"heartrate_bpm\": 72.5, ", ""),
            LineReason::MissingField,
        ),
        (
            GOOD_VITALS.replace("\"node_id\": 1", "\"node_id\": 256"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"node_id\": 1", "\"node_id\": 1.0"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"node_id\": 1", "\"node_id\": \"1\""),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"timestamp\": 5.5", "\"timestamp\": \"5.5\""),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("0xC5110002", "0xC51100020"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("0xC5110002", "C5110002xx"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"0xC5110002\"", "4294967296"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"type\": \"vitals\"", "\"type\": 3"),
            LineReason::BadFieldType,
        ),
        (
            GOOD_VITALS.replace("\"flags\": 1", "\"flags\": -1"),
            LineReason::BadFieldType,
        ),
    ];
    for (line, reason) in cases {
        assert_eq!(bad_reason(&line), reason, "{line}");
    }
    let raw = |hex: &str, size: u64, sub: i64| {
        format!(
            r#"{{"timestamp": 1, "node_id": 1, "magic": "0xC5110001", "size": {size}, "rssi": 1, "type": "raw_csi", "iq_hex": "{hex}", "subcarriers": {sub}}}"#
        )
    };
    assert!(parse_line(raw("0102fdFE", 24, 2).as_bytes(), 1)
        .expect("good raw")
        .is_some());
    assert_eq!(bad_reason(&raw("0102fd0", 24, 2)), LineReason::BadIqHex);
    assert_eq!(bad_reason(&raw("0102fdzz", 24, 2)), LineReason::BadIqHex);
    assert_eq!(
        bad_reason(&raw("0102fd00", 25, 2)),
        LineReason::InconsistentLength
    );
    assert_eq!(
        bad_reason(&raw("0102fd00", 24, 3)),
        LineReason::InconsistentLength
    );
    assert_eq!(
        bad_reason(&raw("0102fd00", 24, 0)),
        LineReason::InconsistentLength
    );
    assert_eq!(bad_reason(&raw("", 20, 1)), LineReason::InconsistentLength);
    assert_eq!(
        bad_reason(&raw("0102fd00", 24, 70000)),
        LineReason::BadFieldType
    );
    let two_antennas = parse_line(raw("0102fd00", 24, 1).as_bytes(), 1)
        .expect("2 antennas")
        .expect("record");
    assert!(matches!(
        two_antennas.body,
        RecordBody::RawCsi(RawCsiRecord { n_antennas: 2, .. })
    ));

    let feature = |features: &str| {
        format!(
            r#"{{"timestamp": 1, "node_id": 1, "magic": "0xC5110003", "size": 48, "rssi": -18, "type": "feature", "features": {features}, "seq": 1}}"#
        )
    };
    assert!(
        parse_line(feature("[0, 0, 0, 0, 0, 0, 0, 0.5]").as_bytes(), 1)
            .expect("good")
            .is_some()
    );
    for bad in [
        "[0, 0, 0, 0, 0, 0, 0]",
        "[0, 0, 0, 0, 0, 0, 0, \"x\"]",
        "[0, 0, 0, 0, 0, 0, 0, 0, 0]",
        "{}",
        "1",
    ] {
        assert_eq!(bad_reason(&feature(bad)), LineReason::BadFeatures, "{bad}");
    }
}

#[test]
fn tolerated_lines_are_not_bad() {
    let untyped =
        r#"{"timestamp": 3, "node_id": 1, "magic": "0xc5110005", "size": 104, "rssi": 0}"#;
    let unknown = r#"{"timestamp": 2, "node_id": 1, "magic": 3306225671, "size": 18, "rssi": 0, "type": "wasm", "events": [[1, 0.5]], "extra": {"a": true}}"#;
    let text = format!("{GOOD_VITALS}\r\n\n   \n{untyped}\n{unknown}");
    let recs: Vec<Record> = reader(&text, ReadMode::Strict)
        .map(|r| r.expect("good"))
        .collect();
    assert_eq!(
        recs.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![1, 4, 5]
    );
    assert_eq!(recs[1].body, RecordBody::Untyped);
    assert_eq!(
        (recs[1].magic, recs[1].rssi_dbm()),
        (magic::COMPRESSED_CSI, None)
    );
    assert_eq!(recs[2].magic, magic::WASM_OUTPUT);
    assert_eq!(recs[2].type_name(), Some("wasm"));
    // Unknown types are written back with their keys.
    assert_eq!(
        recs[2].to_json_line().expect("line"),
        r#"{"timestamp": 2.0, "node_id": 1, "magic": "0xC5110007", "size": 18, "rssi": 0, "type": "wasm", "events": [[1, 0.5]], "extra": {"a": true}}"#
    );
}

#[test]
fn lenient_mode_counts_and_strict_mode_names_the_line() {
    let text = format!("{GOOD_VITALS}\nnot json\n\n[1]\n{GOOD_VITALS}\n{{\"timestamp\": 1");
    let mut lenient = reader(&text, ReadMode::Lenient);
    let mut outcomes = Vec::new();
    while let Some(o) = lenient.next_outcome() {
        outcomes.push(o.expect("no I/O error"));
    }
    let skipped: Vec<(usize, LineReason)> = outcomes
        .iter()
        .filter_map(|o| match o {
            LineOutcome::Skipped(e) => Some((e.line, e.reason)),
            LineOutcome::Record(_) => None,
        })
        .collect();
    assert_eq!(
        skipped,
        vec![
            (2, LineReason::InvalidJson),
            (4, LineReason::NotObject),
            (6, LineReason::InvalidJson)
        ]
    );
    assert_eq!(
        (lenient.bad_lines(), lenient.lines_read(), outcomes.len()),
        (3, 6, 5)
    );
    assert_eq!(
        reader(&text, ReadMode::Lenient)
            .filter_map(Result::ok)
            .count(),
        2
    );

    let mut strict = reader(&text, ReadMode::Strict);
    assert!(strict.next().expect("line 1").is_ok());
    let err = strict.next().expect("line 2").expect_err("strict");
    assert!(err.to_string().starts_with("line 2: invalid_json"), "{err}");
    assert!(matches!(
        err,
        WireError::Recording(RecordingError {
            line: 2,
            reason: LineReason::InvalidJson,
            ..
        })
    ));
}

#[test]
fn packets_written_by_the_recorder_read_back() {
    let mut w = RecordingWriter::new(Vec::new());
    for (t, v) in [(100.25, V1), (100.5, V2), (100.5, V5), (101.0, V6)] {
        w.write_packet(t, &parse_packet(&hex(v)).expect("vector"))
            .expect("write");
    }
    let text = String::from_utf8(w.finish().expect("finish")).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"timestamp": 100.25, "node_id": 1, "magic": "0xC5110001", "size": 28, "rssi": -40, "type": "raw_csi", "iq_hex": "0304fd04000506f8", "subcarriers": 4}"#
    );
    assert_eq!(
        lines[1],
        r#"{"timestamp": 100.5, "node_id": 1, "magic": "0xC5110002", "size": 32, "rssi": -45, "type": "vitals", "flags": 5, "breathing_bpm": 15.5, "heartrate_bpm": 72.0, "n_persons": 1, "motion_energy": 0.25, "presence_score": 0.8999999761581421}"#
    );
    // V5's features[7] = 0.75 gives int(0.75·100 − 100) = −25.
    assert!(lines[2].contains(r#""rssi": -25, "type": "feature", "features": [0.5, 0.25, 0.5, 0.625, 0.125, 0.25, 0.0, 0.75], "seq": 5337"#));
    assert_eq!(
        lines[3],
        r#"{"timestamp": 101.0, "node_id": 1, "magic": "0xC5110005", "size": 14, "rssi": 0}"#
    );

    let recs: Vec<Record> = reader(&text, ReadMode::Strict)
        .map(|r| r.expect("good"))
        .collect();
    assert_eq!(recs[0].rssi_dbm(), Some(-40.0));
    let RecordBody::RawCsi(raw) = &recs[0].body else {
        panic!("raw")
    };
    assert_eq!(raw.amplitude(), vec![5.0, 5.0, 5.0, 10.0]);
    let nan = Record {
        timestamp: f64::NAN,
        ..recs[0].clone()
    };
    assert!(nan.to_json_line().is_err());
}

#[test]
fn replaying_the_excerpt_rebuilds_datagrams_by_the_rules_of_2_8() {
    let rec = load_excerpt();
    let mut replayer = Replayer::new();
    let mut rebuilt = Vec::new();
    for r in &rec.records {
        let (offset, packet) = replayer.packet(r).expect("rebuild").expect("typed line");
        let bytes = packet.encode().expect("encodes");
        assert_eq!(parse_packet(&bytes).expect("parses"), packet);
        rebuilt.push((r, offset, packet));
    }
    let (_, offset, first) = &rebuilt[0];
    let Packet::RawCsi(first) = first else {
        panic!("line 1 is raw CSI")
    };
    assert_eq!(
        (
            *offset,
            first.node_id,
            first.sequence,
            first.rssi,
            first.n_subcarriers
        ),
        (0.0, 2, 0, 0, 64)
    );
    // Line 18: node 2's first vitals (BR 22.42, HR 85.0, RSSI -19) at 0.394 s.
    let (_, offset, vitals) = &rebuilt[17];
    let Packet::EdgeVitals(v) = vitals else {
        panic!("line 18 is vitals")
    };
    assert!((offset - 0.3942805).abs() < 1e-6);
    assert_eq!(
        (
            v.breathing_rate,
            v.heartrate,
            v.rssi,
            v.n_persons,
            v.timestamp_ms
        ),
        (2242, 850_000, -19, 4, 394)
    );
    assert_eq!(f64::from(v.motion_energy), 4.856170177459717);
    // Node 2's raw frames after line 18 carry that RSSI and continue the sequence.
    let next = rebuilt[18..].iter().find_map(|(r, _, p)| match p {
        Packet::RawCsi(raw) if r.node_id == 2 => Some(raw),
        _ => None,
    });
    let next = next.expect("a later node-2 frame");
    assert_eq!(next.rssi, -19);
    let node2_frames_before = rec.records[..18]
        .iter()
        .filter(|r| r.node_id == 2 && matches!(r.body, RecordBody::RawCsi(_)))
        .count();
    assert_eq!(next.sequence as usize, node2_frames_before);
    // Vitals and feature lines recorded again from their rebuilt datagrams are the original
    // lines byte for byte.
    for (r, _, packet) in &rebuilt {
        if !matches!(r.body, RecordBody::RawCsi(_)) {
            let again = Record::from_packet(r.timestamp, packet).expect("record");
            assert_eq!(
                again.to_json_line().expect("line"),
                r.to_json_line().expect("line")
            );
        }
    }
    let untyped = parse_line(
        br#"{"timestamp": 9, "node_id": 1, "magic": "0xC5110005", "size": 82, "rssi": 0}"#,
        1,
    )
    .expect("good")
    .expect("record");
    assert_eq!(replayer.packet(&untyped).expect("no error"), None);
}

#[test]
fn window_keeps_the_records_between_two_times() {
    let rec = load_excerpt();
    let first = 1_775_182_186.957_775_8;
    // Counted with Python's json module: 90 lines within 2-4 s of the first, 41 raw CSI frames
    // per node, from 1775182188.993189 to 1775182190.935081.
    let w = rec.window(Some(first + 2.0), Some(first + 4.0)).unwrap();
    assert_eq!(w.records.len(), 90);
    let s = w.summary();
    assert_eq!((s.nodes[0].raw_csi, s.nodes[1].raw_csi), (41, 41));
    assert_eq!(s.first_timestamp, Some(1_775_182_188.993_189));
    assert_eq!(s.last_timestamp, Some(1_775_182_190.935_081));
    assert!(w.meta.is_some());
    // Open ends and bounds on a record's own time keep it.
    assert_eq!(rec.window(None, None).unwrap(), rec);
    assert_eq!(
        rec.window(Some(first), Some(first)).unwrap().records.len(),
        1
    );
    assert_eq!(
        rec.window(Some(first + 100.0), None).unwrap().records.len(),
        0
    );
}

#[test]
fn window_rejects_reversed_and_non_finite_bounds() {
    let rec = load_excerpt();
    let err = rec.window(Some(2.0), Some(1.0)).unwrap_err();
    assert_eq!(err.to_string(), "end: 1 is before start 2");
    let err = rec.window(Some(f64::NAN), None).unwrap_err();
    assert_eq!(err.to_string(), "start: must be a finite time, got NaN");
    let err = rec.window(None, Some(f64::INFINITY)).unwrap_err();
    assert_eq!(err.to_string(), "end: must be a finite time, got inf");
}
