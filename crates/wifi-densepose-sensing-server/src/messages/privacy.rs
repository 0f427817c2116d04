//! `--privacy-mode` (docs/wire.md §7.9): biometric fields are withheld and WebSocket messages of
//! other types than the listed ones are dropped.
//!
//! Outgoing messages are filtered as typed values, before they are serialised
//! ([`redact_message`], [`redact_pose`]); the REST bodies, built as JSON values, go through
//! [`redact`], which removes the same keys by name. A test holds the two to the same result.

use serde::Serialize;
use serde_json::Value;
use wifi_densepose_wire::messages::{Features, NodeEntry, SensingUpdate};

use crate::messages::{Outgoing, PoseData};

/// Removed wherever they occur, at any depth of any JSON body: the band power and dominant
/// frequency (docs/wire.md lists them under `features`) are breathing signals wherever a message
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

/// Strips the biometric keys of 7.9 from a JSON body, recursively.
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

fn redact_features(features: &mut Features) {
    features.breathing_band_power.withhold();
    features.dominant_freq_hz.withhold();
}

fn redact_node(node: &mut NodeEntry) {
    node.amplitude.withhold();
}

fn redact_update(update: &mut SensingUpdate) {
    update.vital_signs = None;
    redact_features(&mut update.features);
    update.nodes.iter_mut().for_each(redact_node);
    for node in update.node_features.iter_mut().flatten() {
        redact_features(&mut node.features);
    }
}

/// The privacy-mode form of a `/ws/sensing` message, or `None` when privacy mode drops it
/// (`wasm_event`).
pub fn redact_message(message: Outgoing) -> Option<Outgoing> {
    match message {
        Outgoing::Sensing(mut update) => {
            redact_update(&mut update);
            Some(Outgoing::Sensing(update))
        }
        Outgoing::EdgeVitals(mut body) => {
            body.breathing_rate_bpm.withhold();
            body.heartrate_bpm.withhold();
            Some(Outgoing::EdgeVitals(body))
        }
        Outgoing::FusedVitals(mut body) => {
            body.breathing_rate_bpm.withhold();
            body.heartrate_bpm.withhold();
            body.mmwave.hr_bpm.withhold();
            body.mmwave.br_bpm.withhold();
            Some(Outgoing::FusedVitals(body))
        }
        Outgoing::Wasm(_) => None,
    }
}

/// The privacy-mode form of `pose_data`.
pub fn redact_pose(pose: &mut PoseData) {
    pose.payload.metadata.breathing_band_power.withhold();
}

/// The text of a privacy-mode message. Privacy mode has always sent its messages with their
/// keys in alphabetical order (the order of a JSON object value); this keeps those bytes.
pub fn private_json<T: Serialize>(message: &T) -> String {
    serde_json::to_value(message).map_or_else(|_| "{}".to_string(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::fixtures::{edge_vitals, fused_vitals, sensing_update};
    use serde_json::json;
    use wifi_densepose_wire::messages::WasmEvent;

    /// The old filter: the message's JSON text parsed, its keys removed, written again.
    fn by_name(text: &str) -> String {
        let mut value: Value = serde_json::from_str(text).unwrap();
        redact(&mut value);
        value.to_string()
    }

    #[test]
    fn typed_and_by_name_filters_give_the_same_bytes() {
        for message in [
            Outgoing::Sensing(Box::new(sensing_update())),
            Outgoing::EdgeVitals(edge_vitals()),
            Outgoing::FusedVitals(fused_vitals()),
        ] {
            let expected = by_name(&message.to_json());
            let typed = private_json(&redact_message(message).unwrap());
            assert_eq!(typed, expected);
        }
        let mut pose = PoseData::from_update(&sensing_update());
        let expected = by_name(&serde_json::to_string(&pose).unwrap());
        redact_pose(&mut pose);
        assert_eq!(private_json(&pose), expected);
    }

    #[test]
    fn sensing_update_loses_its_biometric_keys() {
        let Some(Outgoing::Sensing(redacted)) =
            redact_message(Outgoing::Sensing(Box::new(sensing_update())))
        else {
            panic!("kept")
        };
        let value = serde_json::to_value(&redacted).unwrap();
        assert_eq!(
            value["nodes"],
            json!([{"node_id": 1, "rssi_dbm": -50.0, "position": [2.0, 0.0, 1.5], "subcarrier_count": 64}])
        );
        assert_eq!(
            value["features"],
            json!({"mean_rssi": -50.0, "variance": 1.0, "motion_band_power": 0.5,
                   "spectral_power": 3.0, "change_points": 2})
        );
        assert_eq!(value["node_features"][0]["features"], value["features"]);
        assert!(value.get("vital_signs").is_none());
    }

    #[test]
    fn vitals_messages_keep_only_non_biometric_keys_and_wasm_events_are_dropped() {
        let Some(Outgoing::FusedVitals(body)) =
            redact_message(Outgoing::FusedVitals(fused_vitals()))
        else {
            panic!("kept")
        };
        let value = serde_json::to_value(&body).unwrap();
        assert!(value.get("breathing_rate_bpm").is_none() && value.get("heartrate_bpm").is_none());
        assert_eq!(
            value["mmwave"],
            json!({"distance_cm": 142.5, "targets": 1, "confidence": 90, "type": 2})
        );
        let wasm = WasmEvent {
            node_id: 1,
            module_id: 2,
            events: Vec::new(),
        };
        assert_eq!(redact_message(Outgoing::Wasm(wasm)), None);
    }

    #[test]
    fn rest_bodies_lose_the_keys_at_any_depth() {
        let mut value = json!({
            "type": "pose_data",
            "payload": {"metadata": {"breathing_band_power": 0.4, "dominant_freq_hz": 0.3, "frame_id": 7}},
            "persons": [{"id": 1, "keypoints": [], "bbox": {}}],
            "pose_keypoints": [[0.0, 0.0, 0.0, 1.0]],
        });
        redact(&mut value);
        assert_eq!(
            value,
            json!({"type": "pose_data", "payload": {"metadata": {"frame_id": 7}},
                   "persons": [{"id": 1, "bbox": {}}]})
        );
    }
}
