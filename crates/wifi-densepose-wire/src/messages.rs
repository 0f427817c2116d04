//! The JSON messages of `/ws/sensing` and the REST bodies built from them (docs/wire.md
//! sections 3 and 4), as typed values: the server builds them, its privacy filter withholds
//! their biometric fields, the Home Assistant model reads them, and each is serialised once.
//!
//! Optional keys are `Option` with `skip_serializing_if`, so they are omitted rather than
//! sent as `null`; the nullable vitals rates are `Option<f64>` and serialise as `null`.
//! Biometric fields are [`Biometric`]: privacy mode (docs/wire.md 7.9) withholds them, which
//! leaves their key out.

use serde::Serialize;
use serde_json::value::RawValue;

/// A biometric field: shown, or withheld by privacy mode (its key is then left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Biometric<T> {
    Shown(T),
    Withheld,
}

impl<T> Biometric<T> {
    /// `true` once privacy mode withheld the value.
    pub fn is_withheld(&self) -> bool {
        matches!(self, Biometric::Withheld)
    }

    /// The value, unless withheld.
    pub fn shown(&self) -> Option<&T> {
        match self {
            Biometric::Shown(value) => Some(value),
            Biometric::Withheld => None,
        }
    }

    /// Withholds the value.
    pub fn withhold(&mut self) {
        *self = Biometric::Withheld;
    }
}

impl<T: Copy> Biometric<T> {
    /// A copy of the value, unless withheld.
    pub fn get(&self) -> Option<T> {
        self.shown().copied()
    }
}

impl<T> From<T> for Biometric<T> {
    fn from(value: T) -> Self {
        Biometric::Shown(value)
    }
}

impl<T: Default> Default for Biometric<T> {
    fn default() -> Self {
        Biometric::Shown(T::default())
    }
}

/// Serialises the shown value; a withheld one is left out by `skip_serializing_if` (and
/// would be `null` without it).
impl<T: Serialize> Serialize for Biometric<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Biometric::Shown(value) => value.serialize(serializer),
            Biometric::Withheld => serializer.serialize_none(),
        }
    }
}

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
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub amplitude: Biometric<Vec<f64>>,
    pub subcarrier_count: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncInfo>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Features {
    pub mean_rssi: f64,
    pub variance: f64,
    pub motion_band_power: f64,
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub breathing_band_power: Biometric<f64>,
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub dominant_freq_hz: Biometric<f64>,
    pub spectral_power: f64,
    pub change_points: u32,
}

/// Motion level labels of `classification.motion_level` (serialised by name).
pub use wifi_densepose_core::MotionLevel;

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

/// What feeds the server (3.3): `source_kind` is `"esp32"` (live UDP datagrams),
/// `"simulated"` (`--source simulate`, or `auto` before the first datagram), `"mock"`
/// (`--mock-frames`) or `"replay"` (`--replay`), and `replay_speed` the replay's speed
/// factor (1.0 = recorded pace; only for a replay). Unlike `source`, it tells synthetic and
/// replayed data apart from live data.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Feed {
    pub source_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_speed: Option<f64>,
}

/// `sensing_update` (3.3). `source` is re-evaluated on every send.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SensingUpdate {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: f64,
    pub source: String,
    pub tick: u64,
    /// `source_kind` and `replay_speed` at the top level; `None` (omitted) only in messages
    /// built without a server (tests, other producers).
    #[serde(flatten)]
    pub feed: Option<Feed>,
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
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub breathing_rate_bpm: Biometric<Option<f64>>,
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub heartrate_bpm: Biometric<Option<f64>>,
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
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub hr_bpm: Biometric<f64>,
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub br_bpm: Biometric<f64>,
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
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub breathing_rate_bpm: Biometric<Option<f64>>,
    #[serde(skip_serializing_if = "Biometric::is_withheld")]
    pub heartrate_bpm: Biometric<Option<f64>>,
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

/// `semantic_primitives` (3.10, also the body of `GET /api/v1/semantic`, 4.10): the
/// semantic primitives of every node the server has heard, computed once by the sensing
/// layer for the WebSocket, REST and MQTT alike.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SemanticPrimitives {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Unix seconds at which the message was built.
    pub timestamp_s: f64,
    /// The warm-up every node goes through after its first sample (seconds).
    pub warm_up_s: f64,
    pub nodes: Vec<SemanticNode>,
}

/// One node's primitives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SemanticNode {
    /// `None` (omitted) for a room-level snapshot that names no node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<u8>,
    /// The node's room in the zones file (`--zones`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Unix seconds of the node's latest 1 Hz sample.
    pub last_sample_s: f64,
    /// Seconds of warm-up left after the latest sample; 0 once the primitives run.
    pub warm_up_remaining_s: f64,
    pub primitives: Vec<SemanticPrimitive>,
}

/// One primitive of a node. `kind` is `"binary"` (`on`), `"score"` (`score`, 0..=100) or
/// `"event"` (`last_event_s`). Value keys are omitted while the node warms up and for
/// disabled primitives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SemanticPrimitive {
    /// The entity slug of docs/wire.md 7.5, e.g. `"no_movement"`.
    pub name: &'static str,
    pub kind: &'static str,
    /// Switched off with `--no-semantic`.
    pub disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// Unix seconds (sample time) since which `on` / `score` has held its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_s: Option<f64>,
    /// Unix seconds (sample time) of the latest event of an `"event"` primitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_s: Option<f64>,
}
