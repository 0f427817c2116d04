//! Discovery config payloads (docs/wire.md §7.4).

use serde_json::{json, Map, Value};

use crate::entity::{Component, Entity};
use crate::topics::{entity_topic, server_availability_topic, unique_id, NodeKey, TopicKind};
use crate::topics::{OFFLINE, ONLINE};

/// Server-wide facts every discovery payload repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryContext {
    pub prefix: String,
    pub client_id: String,
    /// Whether the Last Will is registered: selects the two-topic `availability` form.
    pub last_will: bool,
    pub sw_version: String,
    pub support_url: String,
}

/// Name under which the server identifies itself in `origin`.
pub const ORIGIN_NAME: &str = "wifi-densepose-sensing-server";

impl DiscoveryContext {
    /// The retained config payload of `entity` on `node`.
    pub fn config_payload(&self, node: &NodeKey, entity: Entity) -> Value {
        let spec = entity.spec();
        let state_topic = entity_topic(&self.prefix, node, entity, TopicKind::State);
        let own_availability = entity_topic(&self.prefix, node, entity, TopicKind::Availability);
        let id = unique_id(node, entity);
        let mut m = Map::new();
        m.insert("name".into(), json!(spec.name));
        m.insert("unique_id".into(), json!(id));
        m.insert("object_id".into(), json!(id));
        m.insert("state_topic".into(), json!(state_topic));
        if self.last_will {
            m.insert(
                "availability".into(),
                json!([
                    availability_entry(&server_availability_topic(&self.client_id)),
                    availability_entry(&own_availability),
                ]),
            );
            m.insert("availability_mode".into(), json!("all"));
        } else {
            m.insert("availability_topic".into(), json!(own_availability));
        }
        m.insert("payload_available".into(), json!(ONLINE));
        m.insert("payload_not_available".into(), json!(OFFLINE));
        if spec.component == Component::BinarySensor {
            m.insert("payload_on".into(), json!("ON"));
            m.insert("payload_off".into(), json!("OFF"));
        }
        let optional = [
            ("device_class", spec.device_class),
            ("state_class", spec.state_class),
            ("unit_of_measurement", spec.unit),
            ("icon", Some(spec.icon)),
            ("value_template", spec.value_template),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                m.insert(key.into(), json!(v));
            }
        }
        if spec.json_attributes {
            m.insert("json_attributes_topic".into(), json!(state_topic));
        }
        if !spec.event_types.is_empty() {
            m.insert("event_types".into(), json!(spec.event_types));
        }
        m.insert("qos".into(), json!(spec.component.qos()));
        m.insert(
            "device".into(),
            json!({
                "identifiers": [node.device_id()],
                "name": format!("WiFi-DensePose node {node}"),
                "manufacturer": "wifi-densepose",
                "model": "WiFi-DensePose sensing server",
                "sw_version": self.sw_version,
            }),
        );
        m.insert(
            "origin".into(),
            json!({
                "name": ORIGIN_NAME,
                "sw_version": self.sw_version,
                "support_url": self.support_url,
            }),
        );
        Value::Object(m)
    }
}

fn availability_entry(topic: &str) -> Value {
    json!({"topic": topic, "payload_available": ONLINE, "payload_not_available": OFFLINE})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(last_will: bool) -> DiscoveryContext {
        DiscoveryContext {
            prefix: "homeassistant".into(),
            client_id: "wifi-densepose-1a2b3c4d".into(),
            last_will,
            sw_version: "2.0.0".into(),
            support_url: "https://github.com/ruvnet/wifi-densepose".into(),
        }
    }

    fn node() -> NodeKey {
        NodeKey::new("wifi-densepose-1a2b3c4d", Some(1))
    }

    const DEVICE: &str = "wifi_densepose_wifi-densepose-1a2b3c4d-node1";

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    #[test]
    fn presence_payload_with_last_will() {
        let p = context(true).config_payload(&node(), Entity::Presence);
        let base = format!("homeassistant/binary_sensor/{DEVICE}/presence");
        assert_eq!(p["name"], "Presence");
        assert_eq!(p["unique_id"], format!("{DEVICE}_presence"));
        assert_eq!(p["object_id"], format!("{DEVICE}_presence"));
        assert_eq!(p["state_topic"], format!("{base}/state"));
        assert_eq!(
            p["availability"],
            json!([
                {"topic": "ruview/wifi-densepose-1a2b3c4d/availability",
                 "payload_available": "online", "payload_not_available": "offline"},
                {"topic": format!("{base}/availability"),
                 "payload_available": "online", "payload_not_available": "offline"},
            ])
        );
        assert_eq!(p["availability_mode"], "all");
        assert_eq!(p["payload_on"], "ON");
        assert_eq!(p["payload_off"], "OFF");
        assert_eq!(p["device_class"], "occupancy");
        assert_eq!(p["icon"], "mdi:motion-sensor");
        assert_eq!(p["qos"], 1);
        assert_eq!(
            p["device"],
            json!({"identifiers": [DEVICE], "name": "WiFi-DensePose node wifi-densepose-1a2b3c4d-node1",
                   "manufacturer": "wifi-densepose", "model": "WiFi-DensePose sensing server",
                   "sw_version": "2.0.0"})
        );
        assert_eq!(p["origin"]["name"], "wifi-densepose-sensing-server");
        assert_eq!(
            keys(&p),
            [
                "availability",
                "availability_mode",
                "device",
                "device_class",
                "icon",
                "name",
                "object_id",
                "origin",
                "payload_available",
                "payload_not_available",
                "payload_off",
                "payload_on",
                "qos",
                "state_topic",
                "unique_id",
            ]
        );
    }

    #[test]
    fn single_topic_form_without_last_will() {
        let p = context(false).config_payload(&node(), Entity::Rssi);
        assert_eq!(
            p["availability_topic"],
            format!("homeassistant/sensor/{DEVICE}/rssi/availability")
        );
        assert!(p.get("availability").is_none());
        assert!(p.get("availability_mode").is_none());
        assert_eq!(p["payload_available"], "online");
    }

    #[test]
    fn sensor_payloads_carry_units_templates_and_qos_0() {
        let ctx = context(true);
        let hr = ctx.config_payload(&node(), Entity::HeartRate);
        assert_eq!(hr["unit_of_measurement"], "bpm");
        assert_eq!(hr["state_class"], "measurement");
        assert_eq!(hr["value_template"], "{{ value_json.bpm }}");
        assert_eq!(hr["json_attributes_topic"], hr["state_topic"]);
        assert_eq!(hr["qos"], 0);
        assert!(hr.get("device_class").is_none());
        assert!(hr.get("payload_on").is_none());
        let rssi = ctx.config_payload(&node(), Entity::Rssi);
        assert_eq!(rssi["device_class"], "signal_strength");
        assert_eq!(rssi["unit_of_measurement"], "dBm");
        assert!(rssi.get("json_attributes_topic").is_none());
        let energy = ctx.config_payload(&node(), Entity::MotionEnergy);
        assert!(energy.get("unit_of_measurement").is_none());
        assert_eq!(energy["value_template"], "{{ value_json.energy }}");
        let count = ctx.config_payload(&node(), Entity::PersonCount);
        assert_eq!(count["unit_of_measurement"], "persons");
        assert_eq!(count["value_template"], "{{ value_json.n_persons }}");
        let score = ctx.config_payload(&node(), Entity::FallRiskElevated);
        assert_eq!(score["unit_of_measurement"], "score");
        assert_eq!(score["value_template"], "{{ value_json.score }}");
    }

    #[test]
    fn event_payloads_list_event_types() {
        let ctx = context(true);
        let fall = ctx.config_payload(&node(), Entity::Fall);
        assert_eq!(fall["event_types"], json!(["fall_detected"]));
        assert_eq!(fall["qos"], 1);
        assert_eq!(
            fall["state_topic"],
            format!("homeassistant/event/{DEVICE}/fall/state")
        );
        assert!(fall.get("state_class").is_none());
        assert!(fall.get("value_template").is_none());
        let bed = ctx.config_payload(&node(), Entity::BedExit);
        assert_eq!(bed["event_types"], json!(["bed_exit"]));
        let moved = ctx.config_payload(&node(), Entity::MultiRoomTransition);
        assert_eq!(moved["event_types"], json!(["transition"]));
        assert_eq!(moved["icon"], "mdi:transit-transfer");
    }

    #[test]
    fn no_payload_has_null_values() {
        let ctx = context(true);
        for e in Entity::ALL {
            let p = ctx.config_payload(&node(), e);
            for (k, v) in p.as_object().unwrap() {
                assert!(!v.is_null(), "{e:?}.{k} is null");
            }
        }
    }
}
