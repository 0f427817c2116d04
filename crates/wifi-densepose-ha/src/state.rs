//! State payloads (docs/wire.md §7.8).

use serde_json::json;

use crate::entity::Entity;
use crate::snapshot::{NodeSnapshot, VitalEstimate};
use crate::time::iso8601_utc;

/// `ON` / `OFF` for binary sensors.
pub fn binary_payload(on: bool) -> &'static str {
    if on {
        "ON"
    } else {
        "OFF"
    }
}

/// `{"bpm": 68.2, "confidence": 0.91, "ts": "…Z"}`.
pub fn vital_payload(v: VitalEstimate, timestamp_s: f64) -> String {
    json!({"bpm": v.bpm, "confidence": v.confidence, "ts": iso8601_utc(timestamp_s)}).to_string()
}

/// `{"score": 35}` for `fall_risk_elevated` (0..=100).
pub fn fall_risk_payload(score: u8) -> String {
    json!({"score": score}).to_string()
}

/// `{"event_type": "fall_detected", "ts": "…", "confidence": 0.9}`; `confidence` is
/// omitted when the source gives none.
pub fn fall_event_payload(timestamp_s: f64, confidence: Option<f64>) -> String {
    let mut v = json!({"event_type": "fall_detected", "ts": iso8601_utc(timestamp_s)});
    if let Some(c) = confidence {
        v["confidence"] = json!(c);
    }
    v.to_string()
}

/// `{"event_type": "<bed_exit|transition>", "ts": "…"}`.
pub fn event_payload(event_type: &str, timestamp_s: f64) -> String {
    json!({"event_type": event_type, "ts": iso8601_utc(timestamp_s)}).to_string()
}

/// The state payload a snapshot gives `entity`, for the entities fed directly by
/// snapshots; `None` when the snapshot lacks the value or the entity has another source
/// (events and semantic primitives).
pub fn snapshot_payload(snapshot: &NodeSnapshot, entity: Entity) -> Option<String> {
    let s = snapshot;
    match entity {
        Entity::Presence => Some(binary_payload(s.presence).to_string()),
        Entity::PersonCount => Some(json!({"n_persons": s.n_persons}).to_string()),
        Entity::BreathingRate => s.breathing.map(|v| vital_payload(v, s.timestamp_s)),
        Entity::HeartRate => s.heart.map(|v| vital_payload(v, s.timestamp_s)),
        Entity::MotionLevel => {
            Some(json!({"level_pct": if s.moving { 100 } else { 0 }}).to_string())
        }
        Entity::MotionEnergy => s.motion_energy.map(|e| json!({"energy": e}).to_string()),
        Entity::PresenceScore => Some(json!({"score_pct": s.presence_score_pct}).to_string()),
        Entity::Rssi => s.rssi_dbm.map(|d| json!({"dbm": d}).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: f64 = 1_779_544_800.0; // 2026-05-23T14:00:00Z

    fn snapshot() -> NodeSnapshot {
        NodeSnapshot {
            node_id: Some(1),
            timestamp_s: TS,
            presence: true,
            moving: true,
            motion_energy: Some(1.2),
            presence_score_pct: 62.0,
            breathing: None,
            heart: Some(VitalEstimate {
                bpm: 68.2,
                confidence: 0.91,
            }),
            n_persons: 1,
            rssi_dbm: Some(-52.0),
        }
    }

    #[test]
    fn payloads_match_7_8() {
        let s = snapshot();
        let p = |e| snapshot_payload(&s, e);
        assert_eq!(p(Entity::Presence).as_deref(), Some("ON"));
        assert_eq!(
            p(Entity::PersonCount).as_deref(),
            Some(r#"{"n_persons":1}"#)
        );
        assert_eq!(
            p(Entity::HeartRate).as_deref(),
            Some(r#"{"bpm":68.2,"confidence":0.91,"ts":"2026-05-23T14:00:00Z"}"#)
        );
        assert_eq!(p(Entity::BreathingRate), None);
        assert_eq!(
            p(Entity::MotionLevel).as_deref(),
            Some(r#"{"level_pct":100}"#)
        );
        assert_eq!(
            p(Entity::MotionEnergy).as_deref(),
            Some(r#"{"energy":1.2}"#)
        );
        assert_eq!(
            p(Entity::PresenceScore).as_deref(),
            Some(r#"{"score_pct":62.0}"#)
        );
        assert_eq!(p(Entity::Rssi).as_deref(), Some(r#"{"dbm":-52.0}"#));
        assert_eq!(p(Entity::Fall), None);
        assert_eq!(p(Entity::NoMovement), None);
    }

    #[test]
    fn still_motion_is_zero_and_absence_is_off() {
        let mut s = snapshot();
        s.moving = false;
        s.presence = false;
        assert_eq!(
            snapshot_payload(&s, Entity::MotionLevel).as_deref(),
            Some(r#"{"level_pct":0}"#)
        );
        assert_eq!(
            snapshot_payload(&s, Entity::Presence).as_deref(),
            Some("OFF")
        );
    }

    #[test]
    fn event_and_score_payloads() {
        assert_eq!(fall_risk_payload(35), r#"{"score":35}"#);
        assert_eq!(
            fall_event_payload(TS, Some(0.9)),
            r#"{"confidence":0.9,"event_type":"fall_detected","ts":"2026-05-23T14:00:00Z"}"#
        );
        assert_eq!(
            fall_event_payload(TS, None),
            r#"{"event_type":"fall_detected","ts":"2026-05-23T14:00:00Z"}"#
        );
        assert_eq!(
            event_payload("bed_exit", TS),
            r#"{"event_type":"bed_exit","ts":"2026-05-23T14:00:00Z"}"#
        );
        assert_eq!(binary_payload(false), "OFF");
    }
}
