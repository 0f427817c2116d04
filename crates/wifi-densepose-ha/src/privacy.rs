//! Privacy-mode filtering of JSON messages (wire.md 7.9).

use serde_json::Value;

/// Keys removed wherever they appear (top level, nested objects, array elements).
const BIOMETRIC_KEYS: [&str; 7] = [
    "vital_signs",
    "pose_keypoints",
    "keypoints",
    "breathing_rate_bpm",
    "heartrate_bpm",
    "hr_bpm",
    "br_bpm",
];

/// Keys removed from every `features` object (top level and `node_features[]`) and from
/// `pose_data`'s `metadata`, which repeats the breathing band power.
const BIOMETRIC_FEATURE_KEYS: [&str; 2] = ["breathing_band_power", "dominant_freq_hz"];
const FEATURE_OBJECTS: [&str; 2] = ["features", "metadata"];

/// WebSocket message types that survive privacy mode.
const ALLOWED_TYPES: [&str; 5] =
    ["sensing_update", "edge_vitals", "edge_fused_vitals", "pose_data", "connection_established"];

/// Whether a WebSocket message of this `type` is sent at all in privacy mode.
pub fn message_type_allowed(message_type: &str) -> bool {
    ALLOWED_TYPES.contains(&message_type)
}

/// Removes the biometric keys of 7.9 from `message` in place.
pub fn strip_biometrics(message: &mut Value) {
    match message {
        Value::Object(map) => {
            for key in BIOMETRIC_KEYS {
                map.remove(key);
            }
            if let Some(Value::Array(nodes)) = map.get_mut("nodes") {
                for node in nodes.iter_mut().filter_map(Value::as_object_mut) {
                    node.remove("amplitude");
                }
            }
            for name in FEATURE_OBJECTS {
                if let Some(Value::Object(features)) = map.get_mut(name) {
                    for key in BIOMETRIC_FEATURE_KEYS {
                        features.remove(key);
                    }
                }
            }
            for value in map.values_mut() {
                strip_biometrics(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_biometrics),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensing_update_loses_every_biometric_key() {
        let mut u = json!({"type":"sensing_update","timestamp":1.0,
            "nodes":[{"node_id":1,"rssi_dbm":-52.0,"amplitude":[1.0,2.0]}],
            "features":{"motion_band_power":1.2,"breathing_band_power":0.8,"dominant_freq_hz":0.25},
            "node_features":[{"node_id":1,"features":{"motion_band_power":1.2,"breathing_band_power":0.8}}],
            "vital_signs":{"breathing_rate_bpm":14.2},
            "pose_keypoints":[[0.0,0.0,0.0,1.0]],
            "persons":[{"id":1,"keypoints":[],"zone":"a"}]});
        strip_biometrics(&mut u);
        assert_eq!(
            u,
            json!({"type":"sensing_update","timestamp":1.0,
                "nodes":[{"node_id":1,"rssi_dbm":-52.0}],
                "features":{"motion_band_power":1.2},
                "node_features":[{"node_id":1,"features":{"motion_band_power":1.2}}],
                "persons":[{"id":1,"zone":"a"}]})
        );
    }

    #[test]
    fn edge_messages_lose_rates_including_mmwave() {
        let mut v = json!({"type":"edge_fused_vitals","node_id":1,"breathing_rate_bpm":16.25,
            "heartrate_bpm":68.5,"n_persons":1,"mmwave":{"hr_bpm":68.0,"br_bpm":16.0,"targets":1}});
        strip_biometrics(&mut v);
        assert_eq!(
            v,
            json!({"type":"edge_fused_vitals","node_id":1,"n_persons":1,"mmwave":{"targets":1}})
        );
    }

    #[test]
    fn pose_data_metadata_loses_the_breathing_band_power() {
        let mut p = json!({"type":"pose_data","payload":{"pose":{"persons":[{"id":1,"keypoints":[]}]},
            "metadata":{"tick":1,"breathing_band_power":0.8,"motion_band_power":1.2}}});
        strip_biometrics(&mut p);
        assert_eq!(
            p,
            json!({"type":"pose_data","payload":{"pose":{"persons":[{"id":1}]},
                "metadata":{"tick":1,"motion_band_power":1.2}}})
        );
    }

    #[test]
    fn only_listed_types_pass() {
        for t in ALLOWED_TYPES {
            assert!(message_type_allowed(t));
        }
        assert!(!message_type_allowed("wasm_event"));
        assert!(!message_type_allowed("vital_signs"));
    }
}
