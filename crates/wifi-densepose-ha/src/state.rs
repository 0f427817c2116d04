//! State payloads (docs/wire.md §7.8).

use serde_json::{json, Value};

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

/// Decimals of every `confidence` on the wire.
pub const CONFIDENCE_DECIMALS: u8 = 2;

/// `value` rounded half away from zero to `decimals` places, as the JSON number sent: an
/// integer for 0 decimals (`72`), else the shortest decimal (`15.0`, `15.01`); `null` for a
/// non-finite value.
pub fn rounded(value: f64, decimals: u8) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    if decimals == 0 {
        return json!(value.round() as i64);
    }
    let scale = 10f64.powi(i32::from(decimals));
    json!((value * scale).round() / scale)
}

/// The value of `entity` rounded to its display precision (7.5).
fn value(entity: Entity, v: f64) -> Value {
    rounded(v, entity.spec().precision.unwrap_or(CONFIDENCE_DECIMALS))
}

/// `{"bpm": 68.2, "confidence": 0.91, "ts": "…Z"}` for `entity` (breathing or heart rate),
/// `bpm` rounded to the entity's precision and `confidence` to 2 decimals.
pub fn vital_payload(entity: Entity, v: VitalEstimate, timestamp_s: f64) -> String {
    json!({
        "bpm": value(entity, v.bpm),
        "confidence": rounded(v.confidence, CONFIDENCE_DECIMALS),
        "ts": iso8601_utc(timestamp_s),
    })
    .to_string()
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
        Entity::BreathingRate => s.breathing.map(|v| vital_payload(entity, v, s.timestamp_s)),
        Entity::HeartRate => s.heart.map(|v| vital_payload(entity, v, s.timestamp_s)),
        Entity::MotionLevel => {
            Some(json!({"level_pct": if s.moving { 100 } else { 0 }}).to_string())
        }
        Entity::MotionEnergy => s
            .motion_energy
            .map(|e| json!({"energy": value(entity, e)}).to_string()),
        Entity::PresenceScore => {
            Some(json!({"score_pct": value(entity, s.presence_score_pct)}).to_string())
        }
        Entity::Rssi => s
            .rssi_dbm
            .map(|d| json!({"dbm": value(entity, d)}).to_string()),
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
            motion_energy: Some(1.23456),
            presence_score_pct: 62.4999,
            breathing: Some(VitalEstimate {
                bpm: 15.008315289427518,
                confidence: 0.8049999,
            }),
            heart: Some(VitalEstimate {
                bpm: 68.5,
                confidence: 0.91,
            }),
            n_persons: 1,
            rssi_dbm: Some(-52.4),
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
        // Rounded to the precision of 7.5: heart rate 0 decimals (68.5 rounds away from
        // zero), breathing 1, confidence 2.
        assert_eq!(
            p(Entity::HeartRate).as_deref(),
            Some(r#"{"bpm":69,"confidence":0.91,"ts":"2026-05-23T14:00:00Z"}"#)
        );
        assert_eq!(
            p(Entity::BreathingRate).as_deref(),
            Some(r#"{"bpm":15.0,"confidence":0.8,"ts":"2026-05-23T14:00:00Z"}"#)
        );
        assert_eq!(
            p(Entity::MotionLevel).as_deref(),
            Some(r#"{"level_pct":100}"#)
        );
        assert_eq!(
            p(Entity::MotionEnergy).as_deref(),
            Some(r#"{"energy":1.23}"#)
        );
        assert_eq!(
            p(Entity::PresenceScore).as_deref(),
            Some(r#"{"score_pct":62}"#)
        );
        assert_eq!(p(Entity::Rssi).as_deref(), Some(r#"{"dbm":-52}"#));
        assert_eq!(p(Entity::Fall), None);
        assert_eq!(p(Entity::NoMovement), None);
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_null_when_not_finite() {
        assert_eq!(rounded(-52.5, 0), json!(-53));
        assert_eq!(rounded(2.25, 1), json!(2.3));
        assert_eq!(rounded(0.125, 2), json!(0.13));
        assert_eq!(rounded(15.008315289427518, 1).to_string(), "15.0");
        assert_eq!(rounded(f64::NAN, 1), Value::Null);
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
