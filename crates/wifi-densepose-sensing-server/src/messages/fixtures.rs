//! Messages with every field filled, for the tests of the messages and their consumers.

use wifi_densepose_wire::messages::{
    Classification, EdgeVitals, Features, FusedVitals, MmwaveReading, MotionLevel, NodeEntry,
    NodeFeatures, SensingUpdate, VitalSigns,
};

/// Features with both biometric values shown.
pub fn features() -> Features {
    Features {
        mean_rssi: -50.0,
        variance: 1.0,
        motion_band_power: 0.5,
        breathing_band_power: 0.8.into(),
        dominant_freq_hz: 0.25.into(),
        spectral_power: 3.0,
        change_points: 2,
    }
}

/// A `sensing_update` of one node with vitals and per-node features.
pub fn sensing_update() -> SensingUpdate {
    SensingUpdate {
        kind: "sensing_update",
        timestamp: 1_775_182_187.352,
        source: "esp32".into(),
        tick: 7,
        feed: None,
        nodes: vec![NodeEntry {
            node_id: 1,
            rssi_dbm: -50.0,
            position: [2.0, 0.0, 1.5],
            amplitude: vec![1.0, 2.5].into(),
            subcarrier_count: 64,
            sync: None,
        }],
        features: features(),
        classification: Classification::new(MotionLevel::PresentStill, 0.6),
        signal_field: None,
        vital_signs: Some(VitalSigns {
            breathing_rate_bpm: Some(14.0),
            heart_rate_bpm: None,
            breathing_confidence: 0.7,
            heartbeat_confidence: 0.0,
            signal_quality: 0.9,
            breathing_status: "Valid",
            heart_status: "Unavailable",
            spans_gap: false,
        }),
        estimated_persons: Some(1),
        person_count_valid: false,
        node_features: Some(vec![NodeFeatures {
            node_id: 1,
            features: features(),
            classification: Classification::new(MotionLevel::PresentStill, 0.6),
            rssi_dbm: -50.0,
            last_seen_ms: 12,
            frame_rate_hz: 20.0,
            stale: false,
        }]),
    }
}

/// The `edge_fused_vitals` of test vector V4 (docs/wire.md §3.5).
pub fn fused_vitals() -> FusedVitals {
    FusedVitals {
        node_id: 1,
        breathing_rate_bpm: Some(16.25).into(),
        heartrate_bpm: Some(68.5).into(),
        n_persons: 1,
        person_count_valid: true,
        fusion_confidence: 90,
        mmwave: MmwaveReading {
            hr_bpm: 68.0.into(),
            br_bpm: 16.0.into(),
            distance_cm: 142.5,
            targets: 1,
            confidence: 90,
            sensor_type: 2,
        },
        motion_energy: 0.25,
        presence_score: 0.5,
        timestamp_ms: 9,
        presence: true,
        fall_detected: false,
        motion: true,
        mmwave_present: true,
        rssi: -45,
    }
}

/// The `edge_vitals` of test vector V2 (docs/wire.md §3.4).
pub fn edge_vitals() -> EdgeVitals {
    EdgeVitals {
        node_id: 1,
        presence: true,
        fall_detected: false,
        motion: true,
        breathing_rate_bpm: Some(15.5).into(),
        heartrate_bpm: Some(72.0).into(),
        n_persons: 1,
        motion_energy: 0.25,
        presence_score: f64::from(0.9f32),
        rssi: Some(-45),
        person_count_valid: true,
        timestamp_ms: 123_456,
    }
}
