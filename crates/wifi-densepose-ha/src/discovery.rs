//! Discovery config payloads (docs/wire.md §7.4).
//!
//! Each key follows the Home Assistant MQTT discovery documentation; the rule behind each
//! one is cited where it is set, and docs/wire.md §7.4 has the same table:
//!
//! * `default_entity_id` (`<domain>.<object id>`) instead of `object_id`: Home Assistant
//!   2025.10 deprecated `object_id` and 2026.4 stopped honouring it (home-assistant/core
//!   pull request 151775, "Deprecate object_id and instead suggest to use
//!   default_entity_id").
//! * `entity_category: diagnostic`, `suggested_display_precision`, `expire_after`:
//!   <https://www.home-assistant.io/integrations/sensor.mqtt/> and
//!   <https://www.home-assistant.io/integrations/binary_sensor.mqtt/>.
//! * `device.via_device`: "identifier of a device that routes messages between this device
//!   and Home Assistant", <https://www.home-assistant.io/integrations/mqtt/> (device
//!   options).
//! * Units: a sensor with a `device_class` uses one of that class's units (`signal_strength`:
//!   `dB` or `dBm`); counts and scores carry no unit
//!   (<https://developers.home-assistant.io/docs/core/entity/sensor/>).

use serde_json::{json, Map, Value};

use crate::availability::expire_after_s;
use crate::config::EntityRates;
use crate::entity::{Component, Entity};
use crate::topics::{
    default_entity_id, entity_topic, server_availability_topic, unique_id, NodeKey, TopicKind,
};
use crate::topics::{OFFLINE, ONLINE};

/// Server-wide facts every discovery payload repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryContext {
    pub prefix: String,
    pub client_id: String,
    /// The readable name in every device name (`--mqtt-server-name`).
    pub server_name: String,
    /// Whether the Last Will is registered: selects the two-topic `availability` form.
    pub last_will: bool,
    pub sw_version: String,
    pub support_url: String,
    /// Publication rates, for `expire_after`.
    pub rates: EntityRates,
}

/// Name under which the server identifies itself in `origin`.
pub const ORIGIN_NAME: &str = "wifi-densepose-sensing-server";
/// Manufacturer and model of every device.
const MANUFACTURER: &str = "wifi-densepose";
const MODEL: &str = "WiFi-DensePose sensing server";
const NODE_MODEL: &str = "WiFi-DensePose sensing node";
/// Slug of the server device's one entity: its connection to the broker.
pub const SERVER_SLUG: &str = "connectivity";

impl DiscoveryContext {
    /// The server's own device, named as `via_device` by every node device.
    pub fn server_node(&self) -> NodeKey {
        NodeKey::server(&self.client_id)
    }

    /// Display name of a device: `WiFi-DensePose <server name> node <N>` for a node,
    /// `… aggregate` for the aggregate node, `WiFi-DensePose <server name>` for the server.
    fn device_name(&self, node: &NodeKey) -> String {
        let base = format!("WiFi-DensePose {}", self.server_name);
        if *node == self.server_node() {
            return base;
        }
        let aggregate = NodeKey::new(&self.client_id, None);
        if *node == aggregate {
            return format!("{base} aggregate");
        }
        let n = node.as_str().strip_prefix(aggregate.as_str()).unwrap_or("");
        format!("{base} node {}", n.strip_prefix("node").unwrap_or(n))
    }

    fn device(&self, node: &NodeKey) -> Value {
        let server = self.server_node();
        let mut d = json!({
            "identifiers": [node.device_id()],
            "name": self.device_name(node),
            "manufacturer": MANUFACTURER,
            "model": if *node == server { MODEL } else { NODE_MODEL },
            "sw_version": self.sw_version,
        });
        if *node != server {
            // HA MQTT device option `via_device`: the server routes the node's messages.
            d["via_device"] = json!(server.device_id());
        }
        d
    }

    fn origin(&self) -> Value {
        json!({
            "name": ORIGIN_NAME,
            "sw_version": self.sw_version,
            "support_url": self.support_url,
        })
    }

    /// The retained config payload of `entity` on `node`.
    pub fn config_payload(&self, node: &NodeKey, entity: Entity) -> Value {
        let spec = entity.spec();
        let state_topic = entity_topic(&self.prefix, node, entity, TopicKind::State);
        let own_availability = entity_topic(&self.prefix, node, entity, TopicKind::Availability);
        let mut m = Map::new();
        m.insert("name".into(), json!(spec.name));
        m.insert("unique_id".into(), json!(unique_id(node, entity)));
        // Replaces the deprecated `object_id` (HA 2025.10, removed 2026.4).
        m.insert(
            "default_entity_id".into(),
            json!(default_entity_id(node, entity)),
        );
        m.insert("state_topic".into(), json!(state_topic));
        self.availability(&mut m, &own_availability);
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
            // Link diagnostics go to the device page's "Diagnostic" section.
            ("entity_category", spec.diagnostic.then_some("diagnostic")),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                m.insert(key.into(), json!(v));
            }
        }
        if let Some(decimals) = spec.precision {
            // The state is rounded to the same precision on the wire (state.rs).
            m.insert("suggested_display_precision".into(), json!(decimals));
        }
        if let Some(seconds) = expire_after_s(entity, &self.rates) {
            m.insert("expire_after".into(), json!(seconds));
        }
        if spec.json_attributes {
            m.insert("json_attributes_topic".into(), json!(state_topic));
        }
        if !spec.event_types.is_empty() {
            m.insert("event_types".into(), json!(spec.event_types));
        }
        m.insert("qos".into(), json!(spec.component.qos()));
        m.insert("device".into(), self.device(node));
        m.insert("origin".into(), self.origin());
        Value::Object(m)
    }

    /// `<prefix>/binary_sensor/wifi_densepose_<server_tag>server/connectivity/config`.
    pub fn server_config_topic(&self) -> String {
        format!(
            "{}/{}/{}/{SERVER_SLUG}/config",
            self.prefix,
            Component::BinarySensor.as_str(),
            self.server_node().device_id()
        )
    }

    /// The server device's one entity: a diagnostic `connectivity` binary sensor whose state
    /// topic is the server availability topic (`online` / `offline`, the Last Will).
    pub fn server_config_payload(&self) -> Value {
        let node = self.server_node();
        let server_topic = server_availability_topic(&self.client_id);
        let id = format!("{}_{SERVER_SLUG}", node.device_id());
        let mut m = Map::new();
        m.insert("name".into(), json!("Broker connection"));
        m.insert("unique_id".into(), json!(id));
        m.insert(
            "default_entity_id".into(),
            json!(format!("{}.{id}", Component::BinarySensor.as_str())),
        );
        m.insert("state_topic".into(), json!(server_topic));
        self.availability(&mut m, &server_topic);
        m.insert("payload_on".into(), json!(ONLINE));
        m.insert("payload_off".into(), json!(OFFLINE));
        m.insert("device_class".into(), json!("connectivity"));
        m.insert("entity_category".into(), json!("diagnostic"));
        m.insert("icon".into(), json!("mdi:server-network"));
        m.insert("qos".into(), json!(Component::BinarySensor.qos()));
        m.insert("device".into(), self.device(&node));
        m.insert("origin".into(), self.origin());
        Value::Object(m)
    }

    /// The two-topic form with the Last Will (server topic first, `availability_mode: all`),
    /// else the single `availability_topic` (7.6).
    fn availability(&self, m: &mut Map<String, Value>, own: &str) {
        let server = server_availability_topic(&self.client_id);
        if self.last_will {
            let mut list = vec![availability_entry(&server)];
            if own != server {
                list.push(availability_entry(own));
            }
            m.insert("availability".into(), json!(list));
            m.insert("availability_mode".into(), json!("all"));
        } else {
            m.insert("availability_topic".into(), json!(own));
        }
        m.insert("payload_available".into(), json!(ONLINE));
        m.insert("payload_not_available".into(), json!(OFFLINE));
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
            server_name: "kitchen".into(),
            last_will,
            sw_version: "2.0.0".into(),
            support_url: "https://github.com/ruvnet/wifi-densepose".into(),
            rates: EntityRates::default(),
        }
    }

    fn node() -> NodeKey {
        NodeKey::new("wifi-densepose-1a2b3c4d", Some(1))
    }

    const DEVICE: &str = "wifi_densepose_1a2b3c4dnode1";

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
        assert_eq!(
            p["default_entity_id"],
            format!("binary_sensor.{DEVICE}_presence")
        );
        assert!(p.get("object_id").is_none());
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
            json!({"identifiers": [DEVICE], "name": "WiFi-DensePose kitchen node 1",
                   "manufacturer": "wifi-densepose", "model": "WiFi-DensePose sensing node",
                   "sw_version": "2.0.0", "via_device": "wifi_densepose_1a2b3c4dserver"})
        );
        assert_eq!(p["origin"]["name"], "wifi-densepose-sensing-server");
        assert_eq!(
            keys(&p),
            [
                "availability",
                "availability_mode",
                "default_entity_id",
                "device",
                "device_class",
                "expire_after",
                "icon",
                "name",
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
        assert!(count.get("unit_of_measurement").is_none());
        assert_eq!(count["suggested_display_precision"], 0);
        assert_eq!(count["value_template"], "{{ value_json.n_persons }}");
        let score = ctx.config_payload(&node(), Entity::FallRiskElevated);
        assert!(score.get("unit_of_measurement").is_none());
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
    fn diagnostics_precision_and_expiry() {
        let ctx = context(true);
        for e in [Entity::Rssi, Entity::PresenceScore, Entity::MotionEnergy] {
            assert_eq!(
                ctx.config_payload(&node(), e)["entity_category"],
                "diagnostic"
            );
        }
        for e in [Entity::Presence, Entity::HeartRate, Entity::Fall] {
            assert!(ctx
                .config_payload(&node(), e)
                .get("entity_category")
                .is_none());
        }
        let hr = ctx.config_payload(&node(), Entity::HeartRate);
        assert_eq!(hr["suggested_display_precision"], 0);
        assert_eq!(hr["expire_after"], 30);
        let br = ctx.config_payload(&node(), Entity::BreathingRate);
        assert_eq!(br["suggested_display_precision"], 1);
        let presence = ctx.config_payload(&node(), Entity::Presence);
        assert_eq!(presence["expire_after"], 180);
        assert!(presence.get("suggested_display_precision").is_none());
        assert!(ctx
            .config_payload(&node(), Entity::Fall)
            .get("expire_after")
            .is_none());
    }

    #[test]
    fn server_device_and_device_names() {
        let ctx = context(true);
        assert_eq!(
            ctx.server_config_topic(),
            "homeassistant/binary_sensor/wifi_densepose_1a2b3c4dserver/connectivity/config"
        );
        let s = ctx.server_config_payload();
        assert_eq!(
            s["state_topic"],
            "ruview/wifi-densepose-1a2b3c4d/availability"
        );
        assert_eq!(s["availability"].as_array().unwrap().len(), 1);
        assert_eq!(
            (&s["payload_on"], &s["payload_off"]),
            (&json!("online"), &json!("offline"))
        );
        assert_eq!(s["device_class"], "connectivity");
        assert_eq!(s["entity_category"], "diagnostic");
        assert_eq!(
            s["default_entity_id"],
            "binary_sensor.wifi_densepose_1a2b3c4dserver_connectivity"
        );
        assert_eq!(s["device"]["name"], "WiFi-DensePose kitchen");
        assert!(s["device"].get("via_device").is_none());
        let aggregate = NodeKey::new("wifi-densepose-1a2b3c4d", None);
        let p = ctx.config_payload(&aggregate, Entity::Presence);
        assert_eq!(p["device"]["name"], "WiFi-DensePose kitchen aggregate");
        let twelve = NodeKey::new("wifi-densepose-1a2b3c4d", Some(12));
        let p = ctx.config_payload(&twelve, Entity::Presence);
        assert_eq!(p["device"]["name"], "WiFi-DensePose kitchen node 12");
        let plain = context(false).server_config_payload();
        assert_eq!(plain["availability_topic"], plain["state_topic"]);
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
