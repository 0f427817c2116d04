//! JSON shapes sent on `/ws/sensing` and returned by REST (wire.md sections 3 and 4).
//!
//! Optional keys are `Option` with `skip_serializing_if`, so they are omitted rather than
//! sent as `null`; the nullable vitals rates are plain `Option<f64>` and serialise as `null`.

pub mod privacy;

use serde::Serialize;
use serde_json::value::RawValue;

/// Side length of the top-down heat grid; `values` has `GRID_SIDE²` entries.
pub const GRID_SIDE: usize = 20;

/// Up to this many bin amplitudes are sent per node.
pub const MAX_AMPLITUDES: usize = 56;

/// `rssi_dbm` of a node that never reported an RSSI.
pub const DEFAULT_RSSI_DBM: f64 = -90.0;

/// Default node position, metres.
pub const DEFAULT_POSITION: [f64; 3] = [2.0, 0.0, 1.5];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SyncInfo {
    pub offset_us: i64,
    pub is_leader: bool,
    pub is_valid: bool,
    pub smoothed: bool,
    pub sequence: u32,
    pub csi_fps_ema: f64,
    pub csi_fps_samples: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staleness_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeEntry {
    pub node_id: u8,
    pub rssi_dbm: f64,
    pub position: [f64; 3],
    pub amplitude: Vec<f64>,
    pub subcarrier_count: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncInfo>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Features {
    pub mean_rssi: f64,
    pub variance: f64,
    pub motion_band_power: f64,
    pub breathing_band_power: f64,
    pub dominant_freq_hz: f64,
    pub spectral_power: f64,
    pub change_points: u32,
}

/// Motion level labels of `classification.motion_level`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum MotionLevel {
    #[default]
    Absent,
    PresentStill,
    PresentMoving,
    Active,
}

impl MotionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            MotionLevel::Absent => "absent",
            MotionLevel::PresentStill => "present_still",
            MotionLevel::PresentMoving => "present_moving",
            MotionLevel::Active => "active",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Classification {
    pub motion_level: MotionLevel,
    pub presence: bool,
    pub confidence: f64,
}

impl Classification {
    pub fn new(motion_level: MotionLevel, confidence: f64) -> Self {
        Classification {
            motion_level,
            presence: motion_level != MotionLevel::Absent,
            confidence,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SignalField {
    pub grid_size: [usize; 3],
    pub values: Vec<f64>,
}

/// A `signal_field` serialised once and reused while the grid is unchanged: formatting its
/// 400 numbers for every update was a third of the per-packet cost with a client connected.
#[derive(Debug, Clone)]
pub struct FieldJson(Box<RawValue>);

impl FieldJson {
    /// `None` only if serialisation fails, which plain numbers cannot cause.
    pub fn new(field: &SignalField) -> Option<Self> {
        serde_json::value::to_raw_value(field).ok().map(FieldJson)
    }
}

impl PartialEq for FieldJson {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for FieldJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct VitalSigns {
    pub breathing_rate_bpm: Option<f64>,
    pub heart_rate_bpm: Option<f64>,
    pub breathing_confidence: f64,
    pub heartbeat_confidence: f64,
    pub signal_quality: f64,
    /// `VitalStatus` names, as the library reports them.
    pub breathing_status: &'static str,
    pub heart_status: &'static str,
    /// An estimate's window spans a gap in the node's frames.
    pub spans_gap: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeFeatures {
    pub node_id: u8,
    pub features: Features,
    pub classification: Classification,
    pub rssi_dbm: f64,
    pub last_seen_ms: u64,
    pub frame_rate_hz: f64,
    pub stale: bool,
}

/// `sensing_update` (3.3). `source` is re-evaluated on every send.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SensingUpdate {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: f64,
    pub source: String,
    pub tick: u64,
    pub nodes: Vec<NodeEntry>,
    pub features: Features,
    pub classification: Classification,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_field: Option<FieldJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vital_signs: Option<VitalSigns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_persons: Option<u32>,
    /// Whether `estimated_persons` is a count rather than a guess: true only when an
    /// empty-room calibration (`--calibration`) counted it.
    pub person_count_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_features: Option<Vec<NodeFeatures>>,
}

/// The `edge_vitals` body without `type` (also the REST `/api/v1/edge-vitals` object).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EdgeVitals {
    pub node_id: u8,
    pub presence: bool,
    pub fall_detected: bool,
    pub motion: bool,
    pub breathing_rate_bpm: Option<f64>,
    pub heartrate_bpm: Option<f64>,
    pub n_persons: u8,
    pub motion_energy: f64,
    pub presence_score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rssi: Option<i8>,
    pub person_count_valid: bool,
    pub timestamp_ms: u32,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct MmwaveReading {
    pub hr_bpm: f64,
    pub br_bpm: f64,
    pub distance_cm: f64,
    pub targets: u8,
    pub confidence: u8,
    #[serde(rename = "type")]
    pub sensor_type: u8,
}

/// `edge_fused_vitals` body without `type` (3.5).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FusedVitals {
    pub node_id: u8,
    pub breathing_rate_bpm: Option<f64>,
    pub heartrate_bpm: Option<f64>,
    pub n_persons: u8,
    pub person_count_valid: bool,
    pub fusion_confidence: u8,
    pub mmwave: MmwaveReading,
    pub motion_energy: f64,
    pub presence_score: f64,
    pub timestamp_ms: u32,
    pub presence: bool,
    pub fall_detected: bool,
    pub motion: bool,
    pub mmwave_present: bool,
    pub rssi: i8,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct WasmEventEntry {
    pub event_type: u8,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WasmEvent {
    pub node_id: u8,
    pub module_id: u8,
    pub events: Vec<WasmEventEntry>,
}

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
    /// The message as one JSON text frame.
    pub fn to_json(&self) -> String {
        let result = match self {
            Outgoing::Sensing(update) => serde_json::to_string(update),
            Outgoing::EdgeVitals(body) => serde_json::to_string(&Typed {
                kind: "edge_vitals",
                body,
            }),
            Outgoing::FusedVitals(body) => serde_json::to_string(&Typed {
                kind: "edge_fused_vitals",
                body,
            }),
            Outgoing::Wasm(body) => serde_json::to_string(&Typed {
                kind: "wasm_event",
                body,
            }),
        };
        // Serialising these plain structs cannot fail (no maps with non-string keys, no
        // custom serialisers); an empty object keeps the channel well-formed regardless.
        result.unwrap_or_else(|_| "{}".to_string())
    }
}

/// `pose_data` of `/api/v1/stream/pose` for one update (wire.md 3.9). No pose model is
/// loaded, so `persons` is empty and the pose is signal-derived.
pub fn pose_data_json(update: &SensingUpdate) -> String {
    let c = update.classification;
    serde_json::json!({
        "type": "pose_data",
        "zone_id": "zone_1",
        "timestamp": update.timestamp,
        "payload": {
            "pose": {"persons": []},
            "confidence": if c.presence { c.confidence } else { 0.0 },
            "activity": c.motion_level.as_str(),
            "pose_source": "signal_derived",
            "metadata": {
                "frame_id": format!("frame_{}", update.tick),
                "processing_time_ms": 0,
                "source": update.source,
                "tick": update.tick,
                "signal_strength": update.features.mean_rssi,
                "motion_band_power": update.features.motion_band_power,
                "breathing_band_power": update.features.breathing_band_power,
                "estimated_persons": update.estimated_persons.unwrap_or(0),
            },
        },
    })
    .to_string()
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
    use serde_json::{json, Value};

    fn v2_edge_vitals() -> EdgeVitals {
        EdgeVitals {
            node_id: 1,
            presence: true,
            fall_detected: false,
            motion: true,
            breathing_rate_bpm: Some(15.5),
            heartrate_bpm: Some(72.0),
            n_persons: 1,
            motion_energy: 0.25,
            presence_score: f64::from(0.9f32),
            rssi: Some(-45),
            person_count_valid: true,
            timestamp_ms: 123_456,
        }
    }

    #[test]
    fn edge_vitals_json_has_the_spec_keys() {
        let text = Outgoing::EdgeVitals(v2_edge_vitals()).to_json();
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
            breathing_rate_bpm: None,
            heartrate_bpm: None,
            rssi: None,
            ..v2_edge_vitals()
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
            nodes: Vec::new(),
            features: Features {
                mean_rssi: -52.0,
                motion_band_power: 1.2,
                breathing_band_power: 0.8,
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
        let value: Value = serde_json::from_str(&pose_data_json(&update)).unwrap();
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
        let value: Value = serde_json::from_str(&pose_data_json(&absent)).unwrap();
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
