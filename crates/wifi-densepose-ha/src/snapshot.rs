//! Per-node snapshots built from `sensing_update` messages (wire.md 7.8 "Snapshot mapping").

use serde_json::Value;

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
/// snapshot when `nodes` is empty).
pub fn snapshots_from_sensing_update(update: &Value) -> HaResult<Vec<NodeSnapshot>> {
    let timestamp_s = number(update, "timestamp")
        .ok_or_else(|| HaError::input("timestamp", "missing or not a number"))?;
    HaError::ensure_finite("timestamp", timestamp_s)?;
    let global = Classification::parse(update.get("classification"))
        .ok_or_else(|| HaError::input("classification", "missing or malformed"))?;
    let nodes = match update.get("nodes") {
        Some(Value::Array(nodes)) => nodes.as_slice(),
        _ => return Err(HaError::input("nodes", "missing or not an array")),
    };
    let vitals = update.get("vital_signs");
    let breathing = vital(vitals, "breathing_rate_bpm", "breathing_confidence");
    let heart = vital(vitals, "heart_rate_bpm", "heartbeat_confidence");
    let n_persons = match update.get("persons") {
        Some(Value::Array(p)) => u32::try_from(p.len()).unwrap_or(u32::MAX),
        _ => update
            .get("estimated_persons")
            .and_then(Value::as_u64)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
    };
    let global_energy = update.get("features").and_then(|f| number(f, "motion_band_power"));
    let base = |node_id: Option<u8>, class: Classification, energy, rssi_dbm| NodeSnapshot {
        node_id,
        timestamp_s,
        presence: class.presence,
        moving: class.moving,
        motion_energy: energy,
        presence_score_pct: if class.presence { class.confidence * 100.0 } else { 0.0 },
        breathing,
        heart,
        n_persons,
        rssi_dbm,
    };
    if nodes.is_empty() {
        return Ok(vec![base(None, global, global_energy, None)]);
    }
    let mut out = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let node_id = node
            .get("node_id")
            .and_then(Value::as_u64)
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| {
                HaError::input(&format!("nodes[{index}].node_id"), "missing or not in 0..=255")
            })?;
        let own = own_features(update, node_id);
        let class = own.and_then(|f| Classification::parse(f.get("classification")));
        let energy = own
            .and_then(|f| f.get("features"))
            .and_then(|f| number(f, "motion_band_power"))
            .or(global_energy);
        out.push(base(Some(node_id), class.unwrap_or(global), energy, number(node, "rssi_dbm")));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
struct Classification {
    presence: bool,
    moving: bool,
    confidence: f64,
}

impl Classification {
    fn parse(v: Option<&Value>) -> Option<Self> {
        let v = v?;
        let presence = v.get("presence")?.as_bool()?;
        let label = v.get("motion_level").and_then(Value::as_str).unwrap_or("absent");
        let confidence = number(v, "confidence").unwrap_or(0.0);
        Some(Classification {
            presence,
            moving: !matches!(label, "absent" | "present_still"),
            confidence,
        })
    }
}

fn own_features(update: &Value, node_id: u8) -> Option<&Value> {
    update
        .get("node_features")?
        .as_array()?
        .iter()
        .find(|f| f.get("node_id").and_then(Value::as_u64) == Some(u64::from(node_id)))
}

fn number(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|x| x.is_finite())
}

fn vital(vitals: Option<&Value>, rate_key: &str, confidence_key: &str) -> Option<VitalEstimate> {
    let v = vitals?;
    let bpm = number(v, rate_key)?;
    Some(VitalEstimate { bpm, confidence: number(v, confidence_key).unwrap_or(0.0) })
}

/// The fields of an `edge_vitals` (or `edge_fused_vitals`) message the MQTT layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeVitalsInput {
    pub node_id: u8,
    pub fall_detected: bool,
}

impl EdgeVitalsInput {
    /// Reads `node_id` and `fall_detected` (absent means `false`: fused vitals from other
    /// servers do not carry the flag).
    pub fn from_message(msg: &Value) -> HaResult<Self> {
        let node_id = msg
            .get("node_id")
            .and_then(Value::as_u64)
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| HaError::input("node_id", "missing or not in 0..=255"))?;
        let fall_detected = msg.get("fall_detected").and_then(Value::as_bool).unwrap_or(false);
        Ok(EdgeVitalsInput { node_id, fall_detected })
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
    use serde_json::json;

    fn spec_example() -> Value {
        json!({"type":"sensing_update","timestamp":1775182187.352,"source":"esp32","tick":812,
         "nodes":[{"node_id":1,"rssi_dbm":-52.0,"position":[2.0,0.0,1.5],"amplitude":[0.0,15.03],"subcarrier_count":64}],
         "features":{"mean_rssi":-52.0,"variance":3.4,"motion_band_power":1.2,"breathing_band_power":0.8,"dominant_freq_hz":0.25,"change_points":5,"spectral_power":150.2},
         "classification":{"motion_level":"present_still","presence":true,"confidence":0.62},
         "signal_field":{"grid_size":[20,1,20],"values":[0.01]},
         "vital_signs":{"breathing_rate_bpm":14.2,"heart_rate_bpm":null,"breathing_confidence":0.6,"heartbeat_confidence":0.0,"signal_quality":0.7},
         "estimated_persons":1})
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
        assert_eq!(s.breathing, Some(VitalEstimate { bpm: 14.2, confidence: 0.6 }));
        assert_eq!(s.heart, None);
        assert_eq!(s.n_persons, 1);
        assert_eq!(s.rssi_dbm, Some(-52.0));
    }

    #[test]
    fn node_features_override_the_global_classification() {
        let mut u = spec_example();
        u["nodes"] = json!([{"node_id":1,"rssi_dbm":-50.0},{"node_id":2,"rssi_dbm":-70.0}]);
        u["node_features"] = json!([{"node_id":2,
            "features":{"motion_band_power":3.5},
            "classification":{"motion_level":"active","presence":true,"confidence":0.9}}]);
        u["persons"] = json!([{"id":1},{"id":2}]);
        let snaps = snapshots_from_sensing_update(&u).unwrap();
        assert_eq!(snaps[0].motion_energy, Some(1.2));
        assert!(!snaps[0].moving);
        assert_eq!(snaps[1].node_id, Some(2));
        assert!(snaps[1].moving);
        assert_eq!(snaps[1].motion_pct(), 100.0);
        assert_eq!(snaps[1].motion_energy, Some(3.5));
        assert_eq!(snaps[1].presence_score_pct, 90.0);
        assert_eq!(snaps[1].rssi_dbm, Some(-70.0));
        assert_eq!(snaps[1].n_persons, 2, "len(persons) wins over estimated_persons");
    }

    #[test]
    fn empty_nodes_give_the_aggregate_snapshot() {
        let mut u = spec_example();
        u["nodes"] = json!([]);
        u["classification"] = json!({"motion_level":"absent","presence":false,"confidence":0.8});
        u.as_object_mut().unwrap().remove("estimated_persons");
        u.as_object_mut().unwrap().remove("vital_signs");
        let snaps = snapshots_from_sensing_update(&u).unwrap();
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].node_id, None);
        assert_eq!(snaps[0].presence_score_pct, 0.0, "no presence, score 0");
        assert_eq!(snaps[0].n_persons, 0);
        assert_eq!(snaps[0].breathing, None);
        assert_eq!(snaps[0].rssi_dbm, None);
    }

    #[test]
    fn malformed_updates_are_rejected_with_the_field() {
        let mut u = spec_example();
        u["nodes"] = json!([{"node_id": 300}]);
        let e = snapshots_from_sensing_update(&u).unwrap_err();
        assert!(e.to_string().contains("nodes[0].node_id"), "{e}");
        let e = snapshots_from_sensing_update(&json!({"nodes": []})).unwrap_err();
        assert!(e.to_string().contains("timestamp"), "{e}");
    }

    #[test]
    fn fall_edges_are_rising_only() {
        let mut d = FallEdgeDetector::default();
        let seen: Vec<bool> =
            [false, true, true, false, true].iter().map(|&f| d.observe(f)).collect();
        assert_eq!(seen, [false, true, false, false, true]);
        let msg = json!({"type":"edge_vitals","node_id":3,"fall_detected":true});
        assert_eq!(
            EdgeVitalsInput::from_message(&msg).unwrap(),
            EdgeVitalsInput { node_id: 3, fall_detected: true }
        );
        let fused = json!({"type":"edge_fused_vitals","node_id":"3"});
        assert!(EdgeVitalsInput::from_message(&fused).is_err());
    }
}
