//! `--privacy-mode` on the WebSocket and REST (wire.md 7.9): biometric keys are removed and
//! WebSocket messages of other types than the listed ones are dropped.

use serde_json::Value;

/// Removed wherever they occur, at any depth of any message: the band power and dominant
/// frequency (wire.md lists them under `features`) are breathing signals wherever a message
/// carries them, e.g. `payload.metadata` of `pose_data`.
const BIOMETRIC_KEYS: [&str; 8] = [
    "vital_signs",
    "pose_keypoints",
    "breathing_rate_bpm",
    "heartrate_bpm",
    "hr_bpm",
    "br_bpm",
    "breathing_band_power",
    "dominant_freq_hz",
];
/// WebSocket message types that survive privacy mode.
const KEPT_TYPES: [&str; 5] = [
    "sensing_update",
    "edge_vitals",
    "edge_fused_vitals",
    "pose_data",
    "connection_established",
];

/// Strips the biometric keys of 7.9 from `value`, recursively.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in BIOMETRIC_KEYS {
                map.remove(key);
            }
            for (list, key) in [("nodes", "amplitude"), ("persons", "keypoints")] {
                if let Some(Value::Array(items)) = map.get_mut(list) {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        item.remove(key);
                    }
                }
            }
            map.values_mut().for_each(redact);
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The WebSocket text of `json` in privacy mode, or `None` when the message is dropped.
pub fn redact_message(json: &str) -> Option<String> {
    let mut value: Value = serde_json::from_str(json).ok()?;
    let kind = value.get("type").and_then(Value::as_str)?;
    if !KEPT_TYPES.contains(&kind) {
        return None;
    }
    redact(&mut value);
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensing_update_loses_its_biometric_keys() {
        let text = json!({
            "type": "sensing_update", "tick": 1,
            "nodes": [{"node_id": 1, "amplitude": [1.0], "rssi_dbm": -50.0}],
            "features": {"mean_rssi": -50.0, "breathing_band_power": 0.8, "dominant_freq_hz": 0.25},
            "node_features": [{"node_id": 1, "features": {"variance": 1.0, "dominant_freq_hz": 0.2}}],
            "vital_signs": {"breathing_rate_bpm": 14.0},
            "persons": [{"id": 1, "keypoints": [], "bbox": {}}],
            "pose_keypoints": [[0.0, 0.0, 0.0, 1.0]],
        })
        .to_string();
        let value: Value = serde_json::from_str(&redact_message(&text).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({
                "type": "sensing_update", "tick": 1,
                "nodes": [{"node_id": 1, "rssi_dbm": -50.0}],
                "features": {"mean_rssi": -50.0},
                "node_features": [{"node_id": 1, "features": {"variance": 1.0}}],
                "persons": [{"id": 1, "bbox": {}}],
            })
        );
    }

    #[test]
    fn vitals_messages_keep_only_non_biometric_keys_and_others_are_dropped() {
        let fused = json!({"type": "edge_fused_vitals", "node_id": 1, "breathing_rate_bpm": 16.25,
                           "heartrate_bpm": 68.5, "mmwave": {"hr_bpm": 68.0, "br_bpm": 16.0, "targets": 1}})
        .to_string();
        let value: Value = serde_json::from_str(&redact_message(&fused).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"type": "edge_fused_vitals", "node_id": 1, "mmwave": {"targets": 1}})
        );
        assert_eq!(redact_message(r#"{"type":"wasm_event","node_id":1}"#), None);
        assert_eq!(redact_message("not json"), None);
    }

    #[test]
    fn pose_data_metadata_loses_the_band_power() {
        let text = json!({
            "type": "pose_data",
            "payload": {"metadata": {"breathing_band_power": 0.4, "dominant_freq_hz": 0.3, "frame_id": 7}},
        })
        .to_string();
        let value: Value = serde_json::from_str(&redact_message(&text).unwrap()).unwrap();
        assert_eq!(value["payload"]["metadata"], json!({"frame_id": 7}));
    }
}
