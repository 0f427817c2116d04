//! Encode → decode round trips of random packets of every kind.

mod common;

use common::Rng;
use wifi_densepose_wire::*;

const CASES_PER_KIND: usize = 500;

fn random_packet(rng: &mut Rng, kind: usize) -> Packet {
    match kind {
        0 => {
            let n_antennas = 1 + rng.below(3) as u8;
            let n_subcarriers = 1 + rng.below(300) as u16;
            let iq_len = 2 * usize::from(n_antennas) * usize::from(n_subcarriers);
            let (n_antennas, n_subcarriers, iq_len) = if 20 + iq_len > MAX_DATAGRAM_LEN {
                (1, n_subcarriers, 2 * usize::from(n_subcarriers))
            } else {
                (n_antennas, n_subcarriers, iq_len)
            };
            Packet::RawCsi(RawCsiPacket {
                node_id: rng.u8(),
                n_antennas,
                n_subcarriers,
                frequency_mhz: rng.u32(),
                sequence: rng.u32(),
                rssi: rng.u8() as i8,
                noise_floor: rng.u8() as i8,
                ppdu_type: rng.u8(),
                flags: rng.u8(),
                iq: rng.bytes(iq_len),
                trailing_bytes: 0,
            })
        }
        1 => Packet::EdgeVitals(EdgeVitalsPacket {
            node_id: rng.u8(),
            flags: rng.u8(),
            breathing_rate: rng.u16(),
            heartrate: rng.u32(),
            rssi: rng.u8() as i8,
            n_persons: rng.u8(),
            motion_energy: rng.finite_f32(),
            presence_score: rng.finite_f32(),
            timestamp_ms: rng.u32(),
            trailing_bytes: 0,
        }),
        2 => Packet::FeatureVector(FeatureVectorPacket {
            node_id: rng.u8(),
            seq: rng.u16(),
            timestamp_us: rng.next_u64() as i64,
            features: std::array::from_fn(|_| rng.finite_f32()),
            trailing_bytes: 0,
        }),
        3 => Packet::FusedVitals(FusedVitalsPacket {
            node_id: rng.u8(),
            flags: rng.u8(),
            breathing_rate: rng.u16(),
            heartrate: rng.u32(),
            rssi: rng.u8() as i8,
            n_persons: rng.u8(),
            mmwave_type: rng.u8(),
            fusion_confidence: rng.u8(),
            motion_energy: rng.finite_f32(),
            presence_score: rng.finite_f32(),
            timestamp_ms: rng.u32(),
            mmwave_hr_bpm: rng.finite_f32(),
            mmwave_br_bpm: rng.finite_f32(),
            mmwave_distance_cm: rng.finite_f32(),
            mmwave_targets: rng.u8(),
            mmwave_confidence: rng.u8(),
            trailing_bytes: 0,
        }),
        4 => {
            let len = rng.below(600);
            // Few distinct byte values, so runs form as in real deltas.
            let reference: Vec<u8> = (0..len).map(|_| rng.u8() & 0x03).collect();
            let current: Vec<u8> = (0..len).map(|_| rng.u8() & 0x03).collect();
            let p = CompressedCsiPacket::compress(rng.u8(), rng.u8(), &reference, &current)
                .expect("compress");
            assert_eq!(p.decompress(&reference).expect("decompress"), current);
            Packet::CompressedCsi(p)
        }
        5 => Packet::FeatureState(FeatureStatePacket {
            node_id: rng.u8(),
            mode: rng.u8(),
            seq: rng.u16(),
            timestamp_us: rng.next_u64(),
            motion_score: rng.finite_f32(),
            presence_score: rng.finite_f32(),
            respiration_bpm: rng.finite_f32(),
            respiration_conf: rng.finite_f32(),
            heartbeat_bpm: rng.finite_f32(),
            heartbeat_conf: rng.finite_f32(),
            anomaly_score: rng.finite_f32(),
            env_shift_score: rng.finite_f32(),
            node_coherence: rng.finite_f32(),
            quality_flags: rng.u16(),
            rssi: rng.u8() as i8,
            trailing_bytes: 0,
        }),
        6 => Packet::WasmOutput(WasmOutputPacket {
            node_id: rng.u8(),
            module_id: rng.u8(),
            events: (0..rng.below(17))
                .map(|_| WasmEvent {
                    event_type: rng.u8(),
                    value: rng.finite_f32(),
                })
                .collect(),
            trailing_bytes: 0,
        }),
        _ => {
            let groups = rng.below(5);
            let proto_ver = if groups == 0 {
                rng.u8() % 2
            } else {
                (groups as u8 + 1).max(rng.u8())
            };
            Packet::Sync(SyncPacket {
                node_id: rng.u8(),
                proto_ver,
                flags: rng.u8(),
                min_free_heap: rng.u8(),
                local_us: rng.next_u64(),
                epoch_us: rng.next_u64(),
                sequence: rng.u32(),
                reset_reason: rng.u8(),
                thermal_state: rng.u8(),
                die_temp_c: rng.u8() as i8,
                tx_power_dbm: rng.u8(),
                node_mac: (groups >= 1).then(|| std::array::from_fn(|_| rng.u8())),
                send_counters: (groups >= 2).then(|| SendCounters {
                    send_fail: rng.u32(),
                    rate_skip: rng.u32(),
                    early_drop: rng.u32(),
                }),
                frame_counters: (groups >= 3).then(|| FrameCounters {
                    frames_processed: rng.u32(),
                    frames_rejected: rng.u32(),
                }),
                seq_drop: (groups >= 4).then(|| rng.u32()),
                trailing_bytes: 0,
            })
        }
    }
}

#[test]
fn every_kind_round_trips_through_its_bytes() {
    let mut rng = Rng::new(0x5EED_0001);
    let mut seen = [0usize; 8];
    for (kind, count) in seen.iter_mut().enumerate() {
        for _ in 0..CASES_PER_KIND {
            let packet = random_packet(&mut rng, kind);
            let bytes = packet
                .encode()
                .unwrap_or_else(|e| panic!("{packet:?}: {e}"));
            assert!(bytes.len() <= MAX_DATAGRAM_LEN);
            let decoded = parse_packet_with(&bytes, ParseOptions { strict: true })
                .unwrap_or_else(|e| panic!("{packet:?}: {e}"));
            assert_eq!(decoded.magic(), packet.magic());
            assert_eq!(decoded, packet);
            *count += 1;
        }
    }
    assert_eq!(seen, [CASES_PER_KIND; 8]);
}

#[test]
fn sync_sizes_by_version() {
    let mut rng = Rng::new(7);
    for (groups, size) in [(0, 32), (1, 38), (2, 50), (3, 58), (4, 62)] {
        let Packet::Sync(mut p) = random_packet(&mut rng, 7) else {
            panic!("kind 7 is sync")
        };
        p.proto_ver = 5;
        p.node_mac = (groups >= 1).then_some([1; 6]);
        p.send_counters = (groups >= 2).then_some(SendCounters {
            send_fail: 1,
            rate_skip: 2,
            early_drop: 3,
        });
        p.frame_counters = (groups >= 3).then_some(FrameCounters {
            frames_processed: 4,
            frames_rejected: 5,
        });
        p.seq_drop = (groups >= 4).then_some(6);
        assert_eq!(p.encode().expect("encode").len(), size);
    }
}
