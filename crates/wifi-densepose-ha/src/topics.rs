//! Node keys and MQTT topic names (docs/wire.md §7.3, 7.7).

use std::fmt;

use crate::entity::Entity;

/// Identifies one Home Assistant device: `<server_tag>node<N>`, or the bare server tag for
/// the aggregate node (a `sensing_update` with an empty `nodes` list). Letters and digits
/// only, so the `wifi_densepose_<node_key>` topic level is read by every RuView tool (its
/// `HABlueprintHelper` accepts `[A-Za-z0-9]+` there) and makes a valid entity id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey(String);

impl NodeKey {
    /// The key of ESP32 node `node_id` (or the aggregate node for `None`) of the server
    /// with MQTT client id `client_id`.
    pub fn new(client_id: &str, node_id: Option<u8>) -> Self {
        let tag = server_tag(client_id);
        match node_id {
            Some(n) => NodeKey(format!("{tag}node{n}")),
            None => NodeKey(tag),
        }
    }

    /// The key of the server's own device (`<server_tag>server`), which every node device
    /// names as its `via_device`.
    pub fn server(client_id: &str) -> Self {
        NodeKey(format!("{}server", server_tag(client_id)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `wifi_densepose_<node_key>`: the device identifier and topic level.
    pub fn device_id(&self) -> String {
        format!("wifi_densepose_{}", self.0)
    }
}

/// Prefix of generated client ids, left out of the server tag.
const GENERATED_PREFIX: &str = "wifi-densepose-";

/// The server's part of every node key: the ASCII letters (lowercased) and digits of the
/// client id, without the `wifi-densepose-` prefix of generated ids
/// (`wifi-densepose-1a2b3c4d` → `1a2b3c4d`, `Kitchen-Pi` → `kitchenpi`); `server` if nothing
/// is left. Servers sharing a broker need client ids whose tags differ.
pub fn server_tag(client_id: &str) -> String {
    let id = client_id
        .strip_prefix(GENERATED_PREFIX)
        .unwrap_or(client_id);
    let tag: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if tag.is_empty() {
        "server".into()
    } else {
        tag
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The last level of an entity topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    Config,
    State,
    Availability,
}

impl TopicKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TopicKind::Config => "config",
            TopicKind::State => "state",
            TopicKind::Availability => "availability",
        }
    }
}

/// `<prefix>/<component>/wifi_densepose_<node_key>/<slug>/<kind>`.
pub fn entity_topic(prefix: &str, node: &NodeKey, entity: Entity, kind: TopicKind) -> String {
    let spec = entity.spec();
    format!(
        "{prefix}/{}/{}/{}/{}",
        spec.component.as_str(),
        node.device_id(),
        spec.slug,
        kind.as_str()
    )
}

/// `wifi_densepose_<node_key>_<slug>`: the entity's `unique_id`.
pub fn unique_id(node: &NodeKey, entity: Entity) -> String {
    format!("{}_{}", node.device_id(), entity.slug())
}

/// `<component>.wifi_densepose_<node_key>_<slug>`: the entity id Home Assistant gives the
/// entity when it first sees it (`default_entity_id`, which replaced `object_id` in Home
/// Assistant 2025.10 and includes the domain).
pub fn default_entity_id(node: &NodeKey, entity: Entity) -> String {
    format!(
        "{}.{}",
        entity.spec().component.as_str(),
        unique_id(node, entity)
    )
}

/// The server-wide availability topic carrying the Last Will.
pub fn server_availability_topic(client_id: &str) -> String {
    format!("ruview/{client_id}/availability")
}

/// Home Assistant's birth/last-will topic the server subscribes to.
pub fn ha_status_topic(prefix: &str) -> String {
    format!("{prefix}/status")
}

/// Which raw message a raw topic carries (7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind {
    SensingUpdate,
    EdgeVitals,
}

/// `ruview/<client_id>/<node_id>/raw/{sensing_update|edge_vitals}`: under the server's own
/// `ruview/<client_id>/` level, so servers sharing a broker (or bridged brokers) never publish
/// on each other's raw topics even when their nodes have the same ids.
pub fn raw_topic(client_id: &str, node_id: u8, kind: RawKind) -> String {
    let leaf = match kind {
        RawKind::SensingUpdate => "sensing_update",
        RawKind::EdgeVitals => "edge_vitals",
    };
    format!("ruview/{client_id}/{node_id}/raw/{leaf}")
}

/// Payloads of every availability topic.
pub const ONLINE: &str = "online";
pub const OFFLINE: &str = "offline";

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "wifi-densepose-1a2b3c4d";

    #[test]
    fn spec_example_topics() {
        let node = NodeKey::new(CLIENT, Some(1));
        let base = "homeassistant/binary_sensor/wifi_densepose_1a2b3c4dnode1/presence";
        assert_eq!(
            entity_topic("homeassistant", &node, Entity::Presence, TopicKind::Config),
            format!("{base}/config")
        );
        assert_eq!(
            entity_topic("homeassistant", &node, Entity::Presence, TopicKind::State),
            format!("{base}/state")
        );
        assert_eq!(
            entity_topic(
                "homeassistant",
                &node,
                Entity::Presence,
                TopicKind::Availability
            ),
            format!("{base}/availability")
        );
        assert_eq!(
            unique_id(&node, Entity::HeartRate),
            "wifi_densepose_1a2b3c4dnode1_heart_rate"
        );
        assert_eq!(
            default_entity_id(&node, Entity::HeartRate),
            "sensor.wifi_densepose_1a2b3c4dnode1_heart_rate"
        );
        assert_eq!(
            default_entity_id(&node, Entity::Presence),
            "binary_sensor.wifi_densepose_1a2b3c4dnode1_presence"
        );
    }

    #[test]
    fn server_tags_keep_letters_and_digits_only() {
        assert_eq!(server_tag(CLIENT), "1a2b3c4d");
        assert_eq!(server_tag("wdp-test"), "wdptest");
        assert_eq!(server_tag("Kitchen_Pi-2"), "kitchenpi2");
        assert_eq!(server_tag("wifi-densepose"), "wifidensepose");
        assert_eq!(server_tag("--"), "server");
        assert_eq!(server_tag("été"), "t");
        assert_eq!(NodeKey::new("wdp-test", Some(12)).as_str(), "wdptestnode12");
        assert_eq!(
            NodeKey::server(CLIENT).device_id(),
            "wifi_densepose_1a2b3c4dserver"
        );
    }

    #[test]
    fn aggregate_node_is_the_bare_server_tag() {
        let node = NodeKey::new(CLIENT, None);
        assert_eq!(node.as_str(), "1a2b3c4d");
        assert_eq!(
            entity_topic("ha", &node, Entity::Rssi, TopicKind::State),
            "ha/sensor/wifi_densepose_1a2b3c4d/rssi/state"
        );
        assert_eq!(
            entity_topic("ha", &node, Entity::Fall, TopicKind::State),
            "ha/event/wifi_densepose_1a2b3c4d/fall/state"
        );
    }

    #[test]
    fn server_and_raw_topics() {
        assert_eq!(
            server_availability_topic(CLIENT),
            "ruview/wifi-densepose-1a2b3c4d/availability"
        );
        assert_eq!(ha_status_topic("homeassistant"), "homeassistant/status");
        assert_eq!(
            raw_topic(CLIENT, 1, RawKind::SensingUpdate),
            "ruview/wifi-densepose-1a2b3c4d/1/raw/sensing_update"
        );
        assert_eq!(
            raw_topic("wifi-densepose-00000002", 12, RawKind::EdgeVitals),
            "ruview/wifi-densepose-00000002/12/raw/edge_vitals"
        );
    }
}
