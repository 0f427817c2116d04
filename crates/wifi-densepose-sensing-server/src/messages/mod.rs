//! The messages layer: every outgoing message as a typed value ([`Outgoing`], [`PoseData`]),
//! serialised once for all WebSocket clients, and the privacy filter that works on those
//! values ([`privacy`]). The message bodies are the types of `wifi_densepose_wire::messages`
//! (docs/wire.md sections 3 and 4), shared with the Home Assistant model.

#[cfg(test)]
pub mod fixtures;
pub mod privacy;

use serde::Serialize;
use wifi_densepose_wire::messages::{Biometric, EdgeVitals, FusedVitals, SensingUpdate, WasmEvent};

/// Side length of the top-down heat grid; `values` has `GRID_SIDE²` entries.
pub const GRID_SIDE: usize = 20;

/// Up to this many bin amplitudes are sent per node.
pub const MAX_AMPLITUDES: usize = 56;

/// `rssi_dbm` of a node that never reported an RSSI.
pub const DEFAULT_RSSI_DBM: f64 = -90.0;

/// Default node position, metres.
pub const DEFAULT_POSITION: [f64; 3] = [2.0, 0.0, 1.5];

/// Wraps a body with its `type` key for the WebSocket.
#[derive(Debug, Serialize)]
struct Typed<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// Anything broadcast on `/ws/sensing`.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Sensing(Box<SensingUpdate>),
    EdgeVitals(EdgeVitals),
    FusedVitals(FusedVitals),
    Wasm(WasmEvent),
}

impl Outgoing {
    /// The `type` key of the message.
    pub fn kind(&self) -> &'static str {
        match self {
            Outgoing::Sensing(_) => "sensing_update",
            Outgoing::EdgeVitals(_) => "edge_vitals",
            Outgoing::FusedVitals(_) => "edge_fused_vitals",
            Outgoing::Wasm(_) => "wasm_event",
        }
    }

    /// The message as one JSON text frame.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (no maps with non-string keys, no
        // failing custom serialisers); an empty object keeps the channel well-formed regardless.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

impl Serialize for Outgoing {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kind = self.kind();
        match self {
            Outgoing::Sensing(update) => update.serialize(serializer),
            Outgoing::EdgeVitals(body) => Typed { kind, body }.serialize(serializer),
            Outgoing::FusedVitals(body) => Typed { kind, body }.serialize(serializer),
            Outgoing::Wasm(body) => Typed { kind, body }.serialize(serializer),
        }
    }
}

/// `pose_data` of `/api/v1/stream/pose` (docs/wire.md §3.9). Keys are declared in alphabetical
/// order, the order this message has always had on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoseData {
    pub payload: PosePayload,
    pub timestamp: f64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub zone_id: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PosePayload {
    /// The update's motion level label.
    pub activity: &'static str,
    /// The update's confidence when someone is present, else 0.
    pub confidence: f64,
    pub metadata: PoseMetadata,
    pub pose: Pose,
    pub pose_source: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoseMetadata {
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub breathing_band_power: Biometric<f64>,
    pub estimated_persons: u32,
    pub frame_id: String,
    pub motion_band_power: f64,
    pub processing_time_ms: u32,
    pub signal_strength: f64,
    pub source: String,
    pub tick: u64,
}

/// No pose model is loaded: always no persons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pose {
    pub persons: [(); 0],
}

impl PoseData {
    /// The signal-derived `pose_data` of one update (no pose model: `persons` is empty).
    pub fn from_update(update: &SensingUpdate) -> Self {
        let c = update.classification;
        PoseData {
            payload: PosePayload {
                activity: c.motion_level.as_str(),
                confidence: if c.presence { c.confidence } else { 0.0 },
                metadata: PoseMetadata {
                    breathing_band_power: update.features.breathing_band_power,
                    estimated_persons: update.estimated_persons.unwrap_or(0),
                    frame_id: format!("frame_{}", update.tick),
                    motion_band_power: update.features.motion_band_power,
                    processing_time_ms: 0,
                    signal_strength: update.features.mean_rssi,
                    source: update.source.clone(),
                    tick: update.tick,
                },
                pose: Pose { persons: [] },
                pose_source: "signal_derived",
            },
            timestamp: update.timestamp,
            kind: "pose_data",
            zone_id: "zone_1",
        }
    }
}

/// `connection_established` sent first on `/api/v1/stream/pose`.
pub fn connection_established_json() -> String {
    serde_json::json!({
        "type": "connection_established",
        "payload": {"status": "connected", "backend": "rust"},
    })
    .to_string()
}

/// The person-count consistency rule of 3.4: `(n_persons, person_count_valid)`.
pub fn consistent_person_count(presence: bool, n_persons: u8) -> (u8, bool) {
    if n_persons > 4 || (!presence && n_persons != 0) {
        (0, false)
    } else {
        (n_persons, true)
    }
}

/// A rate of exactly 0 means "no estimate".
pub fn nonzero_rate(bpm: f64) -> Option<f64> {
    (bpm != 0.0).then_some(bpm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::fixtures::edge_vitals;
    use serde_json::{json, Value};
    use wifi_densepose_wire::messages::{
        Classification, Features, FieldJson, MotionLevel, SignalField,
    };

    #[test]
    fn edge_vitals_json_has_the_spec_keys() {
        let text = Outgoing::EdgeVitals(edge_vitals()).to_json();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"type":"edge_vitals","node_id":1,"presence":true,"fall_detected":false,"motion":true,
                   "breathing_rate_bpm":15.5,"heartrate_bpm":72.0,"n_persons":1,"motion_energy":0.25,
                   "presence_score":0.8999999761581421,"rssi":-45,"person_count_valid":true,
                   "timestamp_ms":123456})
        );
    }

    #[test]
    fn missing_rates_are_null_and_missing_rssi_is_omitted() {
        let body = EdgeVitals {
            breathing_rate_bpm: None.into(),
            heartrate_bpm: None.into(),
            rssi: None,
            ..edge_vitals()
        };
        let value: Value = serde_json::from_str(&Outgoing::EdgeVitals(body).to_json()).unwrap();
        assert_eq!(value["breathing_rate_bpm"], Value::Null);
        assert_eq!(value["heartrate_bpm"], Value::Null);
        assert!(value.get("rssi").is_none());
    }

    #[test]
    fn person_count_rule() {
        assert_eq!(consistent_person_count(true, 1), (1, true));
        assert_eq!(consistent_person_count(false, 0), (0, true));
        assert_eq!(consistent_person_count(false, 4), (0, false));
        assert_eq!(consistent_person_count(true, 5), (0, false));
        assert_eq!(nonzero_rate(0.0), None);
        assert_eq!(nonzero_rate(22.42), Some(22.42));
    }

    #[test]
    fn pose_data_follows_the_update() {
        let update = SensingUpdate {
            kind: "sensing_update",
            timestamp: 1_775_182_187.352,
            source: "esp32".to_string(),
            tick: 812,
            feed: None,
            nodes: Vec::new(),
            features: Features {
                mean_rssi: -52.0,
                motion_band_power: 1.2,
                breathing_band_power: 0.8.into(),
                ..Features::default()
            },
            classification: Classification::new(MotionLevel::PresentStill, 0.62),
            signal_field: FieldJson::new(&SignalField {
                grid_size: [20, 1, 20],
                values: Vec::new(),
            }),
            vital_signs: None,
            estimated_persons: Some(1),
            person_count_valid: false,
            node_features: None,
        };
        let text = serde_json::to_string(&PoseData::from_update(&update)).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        // The bytes too: keys in alphabetical order, as a JSON object value writes them.
        assert_eq!(text, value.to_string());
        assert_eq!(
            value,
            json!({"type":"pose_data","zone_id":"zone_1","timestamp":1775182187.352,
                   "payload":{"pose":{"persons":[]},"confidence":0.62,"activity":"present_still",
                     "pose_source":"signal_derived",
                     "metadata":{"frame_id":"frame_812","processing_time_ms":0,"source":"esp32","tick":812,
                       "signal_strength":-52.0,"motion_band_power":1.2,"breathing_band_power":0.8,
                       "estimated_persons":1}}})
        );
        let absent = SensingUpdate {
            classification: Classification::new(MotionLevel::Absent, 0.9),
            ..update
        };
        let value: Value = serde_json::to_value(PoseData::from_update(&absent)).unwrap();
        assert_eq!(value["payload"]["confidence"], 0.0);
        let established: Value = serde_json::from_str(&connection_established_json()).unwrap();
        assert_eq!(established["payload"]["status"], "connected");
    }

    #[test]
    fn motion_levels_serialise_as_snake_case() {
        let value =
            serde_json::to_value(Classification::new(MotionLevel::PresentStill, 0.5)).unwrap();
        assert_eq!(
            value,
            json!({"motion_level":"present_still","presence":true,"confidence":0.5})
        );
        let absent = serde_json::to_value(Classification::new(MotionLevel::Absent, 0.0)).unwrap();
        assert_eq!(absent["presence"], json!(false));
        assert_eq!(MotionLevel::Active.as_str(), "active");
    }
}
