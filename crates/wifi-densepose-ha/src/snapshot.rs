//! Per-node snapshots built from `sensing_update` messages (docs/wire.md §7.8 "Snapshot mapping").

use wifi_densepose_wire::messages::{
    Classification, EdgeVitals, FusedVitals, MotionLevel, SensingUpdate,
};

use crate::error::{HaError, HaResult};

/// One vital-sign estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitalEstimate {
    /// Beats or breaths per minute (BPM).
    pub bpm: f64,
    /// Estimator confidence, 0..1.
    pub confidence: f64,
}

/// What the MQTT layer knows about one node after one `sensing_update`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSnapshot {
    /// ESP32 node id, or `None` for the aggregate node (an update with no nodes).
    pub node_id: Option<u8>,
    /// The update's `timestamp` (Unix seconds).
    pub timestamp_s: f64,
    pub presence: bool,
    /// `true` unless the motion label is `absent` or `present_still`.
    pub moving: bool,
    pub motion_energy: Option<f64>,
    /// `classification.confidence × 100` when present, else 0 (percent).
    pub presence_score_pct: f64,
    pub breathing: Option<VitalEstimate>,
    pub heart: Option<VitalEstimate>,
    pub n_persons: u32,
    /// Latest RSSI of the node (dBm); `None` for the aggregate node.
    pub rssi_dbm: Option<f64>,
}

impl NodeSnapshot {
    /// Motion level in percent, as published: 0 or 100.
    pub fn motion_pct(&self) -> f64 {
        if self.moving {
            100.0
        } else {
            0.0
        }
    }
}

/// Splits one `sensing_update` into one snapshot per node in `nodes` (or one aggregate
/// snapshot when `nodes` is empty). A node's own classification and motion band power (from
/// `node_features`) win over the update's; non-finite numbers count as absent.
pub fn snapshots_from_sensing_update(update: &SensingUpdate) -> HaResult<Vec<NodeSnapshot>> {
    let timestamp_s = update.timestamp;
    HaError::ensure_finite("timestamp", timestamp_s)?;
    let global = Class::of(&update.classification);
    let vitals = update.vital_signs.as_ref();
    let breathing = vitals.and_then(|v| vital(v.breathing_rate_bpm, v.breathing_confidence));
    let heart = vitals.and_then(|v| vital(v.heart_rate_bpm, v.heartbeat_confidence));
    let n_persons = update.estimated_persons.unwrap_or(0);
    let global_energy = finite(update.features.motion_band_power);
    let base = |node_id: Option<u8>, class: Class, energy, rssi_dbm| NodeSnapshot {
        node_id,
        timestamp_s,
        presence: class.presence,
        moving: class.moving,
        motion_energy: energy,
        presence_score_pct: if class.presence {
            class.confidence * 100.0
        } else {
            0.0
        },
        breathing,
        heart,
        n_persons,
        rssi_dbm,
    };
    if update.nodes.is_empty() {
        return Ok(vec![base(None, global, global_energy, None)]);
    }
    let own_features = |node_id: u8| {
        update
            .node_features
            .as_ref()?
            .iter()
            .find(|f| f.node_id == node_id)
    };
    Ok(update
        .nodes
        .iter()
        .map(|node| {
            let own = own_features(node.node_id);
            let class = own.map_or(global, |f| Class::of(&f.classification));
            let energy = own
                .and_then(|f| finite(f.features.motion_band_power))
                .or(global_energy);
            base(Some(node.node_id), class, energy, finite(node.rssi_dbm))
        })
        .collect())
}

/// What a snapshot takes from a classification.
#[derive(Debug, Clone, Copy)]
struct Class {
    presence: bool,
    moving: bool,
    confidence: f64,
}

impl Class {
    fn of(c: &Classification) -> Self {
        Class {
            presence: c.presence,
            moving: !matches!(
                c.motion_level,
                MotionLevel::Absent | MotionLevel::PresentStill
            ),
            confidence: finite(c.confidence).unwrap_or(0.0),
        }
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn vital(bpm: Option<f64>, confidence: f64) -> Option<VitalEstimate> {
    let bpm = finite(bpm?)?;
    Some(VitalEstimate {
        bpm,
        confidence: finite(confidence).unwrap_or(0.0),
    })
}

/// The fields of an `edge_vitals` (or `edge_fused_vitals`) message the MQTT layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeVitalsInput {
    pub node_id: u8,
    pub fall_detected: bool,
}

impl From<&EdgeVitals> for EdgeVitalsInput {
    fn from(message: &EdgeVitals) -> Self {
        EdgeVitalsInput {
            node_id: message.node_id,
            fall_detected: message.fall_detected,
        }
    }
}

impl From<&FusedVitals> for EdgeVitalsInput {
    fn from(message: &FusedVitals) -> Self {
        EdgeVitalsInput {
            node_id: message.node_id,
            fall_detected: message.fall_detected,
        }
    }
}

/// Turns the `fall_detected` flag of successive vitals messages into rising edges.
#[derive(Debug, Clone, Default)]
pub struct FallEdgeDetector {
    previous: bool,
}

impl FallEdgeDetector {
    /// `true` exactly when the flag goes from clear to set.
    pub fn observe(&mut self, fall_detected: bool) -> bool {
        let rising = fall_detected && !self.previous;
        self.previous = fall_detected;
        rising
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_wire::messages::{Features, NodeEntry, NodeFeatures, VitalSigns};

    fn node(node_id: u8, rssi_dbm: f64) -> NodeEntry {
        NodeEntry {
            node_id,
            rssi_dbm,
            position: [2.0, 0.0, 1.5],
            amplitude: vec![0.0, 15.03].into(),
            subcarrier_count: 64,
            sync: None,
        }
    }

    fn class(motion_level: MotionLevel, presence: bool, confidence: f64) -> Classification {
        Classification {
            motion_level,
            presence,
            confidence,
        }
    }

    /// The `sensing_update` example of docs/wire.md §3.3.
    fn spec_example() -> SensingUpdate {
        SensingUpdate {
            kind: "sensing_update",
            timestamp: 1775182187.352,
            source: "esp32".into(),
            tick: 812,
            feed: None,
            nodes: vec![node(1, -52.0)],
            features: Features {
                mean_rssi: -52.0,
                variance: 3.4,
                motion_band_power: 1.2,
                breathing_band_power: 0.8.into(),
                dominant_freq_hz: 0.25.into(),
                spectral_power: 150.2,
                change_points: 5,
            },
            classification: class(MotionLevel::PresentStill, true, 0.62),
            signal_field: None,
            vital_signs: Some(VitalSigns {
                breathing_rate_bpm: Some(14.2),
                heart_rate_bpm: None,
                breathing_confidence: 0.6,
                heartbeat_confidence: 0.0,
                signal_quality: 0.7,
                breathing_status: "Valid",
                heart_status: "Unavailable",
                spans_gap: false,
            }),
            estimated_persons: Some(1),
            person_count_valid: false,
            node_features: None,
        }
    }

    #[test]
    fn maps_the_spec_example() {
        let snaps = snapshots_from_sensing_update(&spec_example()).unwrap();
        assert_eq!(snaps.len(), 1);
        let s = &snaps[0];
        assert_eq!(s.node_id, Some(1));
        assert_eq!(s.timestamp_s, 1775182187.352);
        assert!(s.presence);
        assert!(!s.moving);
        assert_eq!(s.motion_pct(), 0.0);
        assert_eq!(s.motion_energy, Some(1.2));
        assert_eq!(s.presence_score_pct, 62.0);
        assert_eq!(
            s.breathing,
            Some(VitalEstimate {
                bpm: 14.2,
                confidence: 0.6
            })
        );
        assert_eq!(s.heart, None);
        assert_eq!(s.n_persons, 1);
        assert_eq!(s.rssi_dbm, Some(-52.0));
    }

    #[test]
    fn node_features_override_the_global_classification() {
        let mut u = spec_example();
        u.nodes = vec![node(1, -50.0), node(2, -70.0)];
        u.estimated_persons = Some(2);
        u.node_features = Some(vec![NodeFeatures {
            node_id: 2,
            features: Features {
                motion_band_power: 3.5,
                ..Features::default()
            },
            classification: class(MotionLevel::Active, true, 0.9),
            rssi_dbm: -70.0,
            last_seen_ms: 10,
            frame_rate_hz: 20.0,
            stale: false,
        }]);
        let snaps = snapshots_from_sensing_update(&u).unwrap();
        assert_eq!(snaps[0].motion_energy, Some(1.2));
        assert!(!snaps[0].moving);
        assert_eq!(snaps[1].node_id, Some(2));
        assert!(snaps[1].moving);
        assert_eq!(snaps[1].motion_pct(), 100.0);
        assert_eq!(snaps[1].motion_energy, Some(3.5));
        assert_eq!(snaps[1].presence_score_pct, 90.0);
        assert_eq!(snaps[1].rssi_dbm, Some(-70.0));
        assert_eq!(snaps[1].n_persons, 2);
    }

    #[test]
    fn empty_nodes_give_the_aggregate_snapshot() {
        let mut u = spec_example();
        u.nodes = Vec::new();
        u.classification = class(MotionLevel::Absent, false, 0.8);
        u.estimated_persons = None;
        u.vital_signs = None;
        let snaps = snapshots_from_sensing_update(&u).unwrap();
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].node_id, None);
        assert_eq!(snaps[0].presence_score_pct, 0.0, "no presence, score 0");
        assert_eq!(snaps[0].n_persons, 0);
        assert_eq!(snaps[0].breathing, None);
        assert_eq!(snaps[0].rssi_dbm, None);
    }

    #[test]
    fn non_finite_numbers_are_absent_and_a_non_finite_time_is_rejected() {
        let mut u = spec_example();
        u.nodes = vec![node(1, f64::NAN)];
        u.features.motion_band_power = f64::INFINITY;
        u.classification.confidence = f64::NAN;
        let s = &snapshots_from_sensing_update(&u).unwrap()[0];
        assert_eq!(
            (s.rssi_dbm, s.motion_energy, s.presence_score_pct),
            (None, None, 0.0)
        );
        u.timestamp = f64::NAN;
        let e = snapshots_from_sensing_update(&u).unwrap_err();
        assert!(e.to_string().contains("timestamp"), "{e}");
    }

    #[test]
    fn fall_edges_are_rising_only() {
        let mut d = FallEdgeDetector::default();
        let seen: Vec<bool> = [false, true, true, false, true]
            .iter()
            .map(|&f| d.observe(f))
            .collect();
        assert_eq!(seen, [false, true, false, false, true]);
    }
}
