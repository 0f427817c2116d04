//! What to publish when (docs/wire.md §7.3–7.10), without any network: the connection task
//! feeds messages with what the sensing layer's semantic primitives made of them
//! ([`Observed`]), connection events and a 1 s tick, and sends what comes back.

use std::collections::BTreeMap;

use wifi_densepose_ha::availability::{AVAILABILITY_RESEND_S, BINARY_HEARTBEAT_S};
use wifi_densepose_ha::config::{min_interval_s, state_is_retained};
use wifi_densepose_ha::primitives::warm_up_done;
use wifi_densepose_ha::state::{
    binary_payload, event_payload, fall_event_payload, fall_risk_payload, snapshot_payload,
};
use wifi_densepose_ha::topics::{
    entity_topic, raw_topic, server_availability_topic, OFFLINE, ONLINE,
};
use wifi_densepose_ha::{
    DiscoveryContext, EdgeVitalsInput, Entity, MqttConfig, NodeInputs, NodeKey, NodeSnapshot,
    NodeStep, PrimitiveOutputs, RawKind, TopicKind, Zones,
};

use crate::messages::Outgoing;
use crate::sensing::semantic::{binary_output, is_silent, node_entities, Observed};

/// One MQTT PUBLISH to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub topic: String,
    pub payload: String,
    pub qos: u8,
    pub retain: bool,
}

/// Per-node publication state.
#[derive(Debug)]
struct Node {
    key: NodeKey,
    entities: Vec<Entity>,
    inputs: NodeInputs,
    snapshot: Option<NodeSnapshot>,
    outputs: Option<PrimitiveOutputs>,
    /// Where the sensing layer's warm-up of the node started (Unix seconds).
    warm_up_start_s: Option<f64>,
    /// Discovery sent on the current connection.
    announced: bool,
    availability: BTreeMap<Entity, bool>,
    /// Last payload and send time of every state topic, for changes, rates and heartbeats.
    sent: BTreeMap<Entity, (String, f64)>,
}

/// The publisher's whole state.
#[derive(Debug)]
pub struct Publisher {
    config: MqttConfig,
    context: DiscoveryContext,
    zones: Option<Zones>,
    nodes: BTreeMap<Option<u8>, Node>,
    connected: bool,
    last_refresh_s: f64,
    last_availability_resend_s: f64,
}

impl Publisher {
    /// `server_name` is the readable name in every device name (7.4).
    pub fn new(
        config: MqttConfig,
        client_id: String,
        server_name: String,
        zones: Option<Zones>,
    ) -> Self {
        let context = DiscoveryContext {
            prefix: config.prefix.clone(),
            client_id,
            server_name,
            last_will: config.last_will,
            sw_version: env!("CARGO_PKG_VERSION").to_string(),
            support_url: env!("CARGO_PKG_REPOSITORY").to_string(),
            rates: config.rates,
        };
        Publisher {
            config,
            context,
            zones,
            nodes: BTreeMap::new(),
            connected: false,
            last_refresh_s: f64::NEG_INFINITY,
            last_availability_resend_s: f64::NEG_INFINITY,
        }
    }

    pub fn server_availability_topic(&self) -> String {
        server_availability_topic(&self.context.client_id)
    }

    /// After CONNACK: `online` on the server topic, the server device, then everything
    /// again (7.3, 7.6).
    pub fn on_connected(&mut self, now_s: f64) -> Vec<Outbound> {
        self.connected = true;
        let mut out = vec![
            Outbound {
                topic: self.server_availability_topic(),
                payload: ONLINE.into(),
                qos: 1,
                retain: true,
            },
            self.server_discovery(),
        ];
        let ids: Vec<Option<u8>> = self.nodes.keys().copied().collect();
        for id in ids {
            if let Some(node) = self.nodes.get_mut(&id) {
                node.announced = false;
                node.availability.clear();
                node.sent.clear();
            }
            self.publish_node(id, now_s, &mut out);
        }
        self.last_refresh_s = now_s;
        self.last_availability_resend_s = now_s;
        out
    }

    pub fn on_disconnected(&mut self) {
        self.connected = false;
    }

    /// Home Assistant's birth message: discovery for every node again.
    pub fn on_home_assistant_online(&mut self) -> Vec<Outbound> {
        if !self.connected {
            return Vec::new();
        }
        let mut out = vec![self.server_discovery()];
        for node in self.nodes.values() {
            self.discovery(node, &mut out);
        }
        out
    }

    /// A newly built WebSocket message of `node_id` (already privacy-filtered), its
    /// WebSocket text (the payload of the raw topics) and what the sensing layer's semantic
    /// primitives made of it.
    pub fn on_message(
        &mut self,
        node_id: u8,
        message: &Outgoing,
        json: &str,
        observed: &Observed,
        now_s: f64,
    ) -> Vec<Outbound> {
        let mut out = Vec::new();
        match message {
            Outgoing::Sensing(_) => {
                self.raw(node_id, RawKind::SensingUpdate, json, &mut out);
                for snapshot in observed.snapshots.iter().filter(|s| s.accepted) {
                    self.on_snapshot(
                        &snapshot.snapshot,
                        snapshot.step.as_ref(),
                        snapshot.warm_up_start_s,
                        now_s,
                        &mut out,
                    );
                }
            }
            Outgoing::EdgeVitals(body) => {
                self.raw(node_id, RawKind::EdgeVitals, json, &mut out);
                self.on_vitals(EdgeVitalsInput::from(body), observed, now_s, &mut out);
            }
            Outgoing::FusedVitals(body) => {
                self.on_vitals(EdgeVitalsInput::from(body), observed, now_s, &mut out);
            }
            Outgoing::Wasm(_) => {}
        }
        if self.connected {
            out
        } else {
            Vec::new()
        }
    }

    /// Once a second: discovery refresh, availability changes and re-sends, heartbeats.
    pub fn on_tick(&mut self, now_s: f64) -> Vec<Outbound> {
        if !self.connected {
            return Vec::new();
        }
        let mut out = Vec::new();
        if now_s - self.last_refresh_s >= self.config.refresh_secs as f64 {
            self.last_refresh_s = now_s;
            out.push(self.server_discovery());
            for node in self.nodes.values() {
                self.discovery(node, &mut out);
            }
        }
        if now_s - self.last_availability_resend_s >= AVAILABILITY_RESEND_S {
            self.last_availability_resend_s = now_s;
            for node in self.nodes.values_mut() {
                node.availability.clear();
            }
        }
        let ids: Vec<Option<u8>> = self.nodes.keys().copied().collect();
        for id in ids {
            if let Some(node) = self.nodes.get_mut(&id) {
                let silent = node
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| is_silent(s.timestamp_s, now_s));
                if silent {
                    // The sensing layer forgets it too: it warms up again when it returns.
                    node.warm_up_start_s = None;
                }
            }
            self.publish_node(id, now_s, &mut out);
        }
        out
    }

    /// Clean shutdown: `offline` on every announced entity, then on the server topic (7.6).
    pub fn on_shutdown(&mut self) -> Vec<Outbound> {
        if !self.connected {
            return Vec::new();
        }
        let mut out = Vec::new();
        for node in self.nodes.values().filter(|n| n.announced) {
            for &entity in &node.entities {
                out.push(self.availability_message(node, entity, false));
            }
        }
        out.push(Outbound {
            topic: self.server_availability_topic(),
            payload: OFFLINE.into(),
            qos: 1,
            retain: true,
        });
        out
    }

    fn raw(&self, node_id: u8, kind: RawKind, json: &str, out: &mut Vec<Outbound>) {
        if self.config.publish_raw {
            out.push(Outbound {
                topic: raw_topic(&self.context.client_id, node_id, kind),
                payload: json.to_string(),
                qos: 0,
                retain: false,
            });
        }
    }

    fn node_entry(&mut self, id: Option<u8>) -> &mut Node {
        let entities = node_entities(
            self.zones.as_ref(),
            id,
            self.config.privacy_mode,
            &self.config.disabled,
        );
        let key = NodeKey::new(&self.context.client_id, id);
        self.nodes.entry(id).or_insert_with(|| Node {
            key,
            entities,
            inputs: NodeInputs::default(),
            snapshot: None,
            outputs: None,
            warm_up_start_s: None,
            announced: false,
            availability: BTreeMap::new(),
            sent: BTreeMap::new(),
        })
    }

    fn on_snapshot(
        &mut self,
        snapshot: &NodeSnapshot,
        step: Option<&NodeStep>,
        warm_up_start_s: Option<f64>,
        now_s: f64,
        out: &mut Vec<Outbound>,
    ) {
        let id = snapshot.node_id;
        let node = self.node_entry(id);
        node.inputs.observe_snapshot(snapshot);
        node.snapshot = Some(snapshot.clone());
        node.warm_up_start_s = warm_up_start_s;
        if let Some(step) = step {
            if step.outputs.is_some() {
                node.outputs = step.outputs;
            }
        }
        self.publish_node(id, now_s, out);
        if let Some(step) = step {
            self.events(id, step, out);
        }
    }

    fn on_vitals(
        &mut self,
        vitals: EdgeVitalsInput,
        observed: &Observed,
        now_s: f64,
        out: &mut Vec<Outbound>,
    ) {
        let id = Some(vitals.node_id);
        let node = self.node_entry(id);
        node.inputs.observe_vitals_message(now_s);
        if !observed.fall_edge {
            return;
        }
        self.publish_node(id, now_s, out);
        if let Some(node) = self.nodes.get(&id) {
            self.event(
                node,
                Entity::Fall,
                fall_event_payload(now_s, None),
                now_s,
                out,
            );
        }
    }

    fn events(&self, id: Option<u8>, step: &NodeStep, out: &mut Vec<Outbound>) {
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        if step.bed_exit {
            self.event(
                node,
                Entity::BedExit,
                event_payload("bed_exit", step.t_s),
                step.t_s,
                out,
            );
        }
        if step.transition.is_some() {
            let payload = event_payload("transition", step.t_s);
            self.event(node, Entity::MultiRoomTransition, payload, step.t_s, out);
        }
    }

    fn event(
        &self,
        node: &Node,
        entity: Entity,
        payload: String,
        now_s: f64,
        out: &mut Vec<Outbound>,
    ) {
        if node.announced
            && node.entities.contains(&entity)
            && node.inputs.is_available(entity, now_s)
        {
            out.push(Outbound {
                topic: entity_topic(&self.context.prefix, &node.key, entity, TopicKind::State),
                payload,
                qos: 1,
                retain: false,
            });
        }
    }

    /// The config of the server device's connectivity entity (7.4).
    fn server_discovery(&self) -> Outbound {
        Outbound {
            topic: self.context.server_config_topic(),
            payload: self.context.server_config_payload().to_string(),
            qos: 1,
            retain: true,
        }
    }

    fn discovery(&self, node: &Node, out: &mut Vec<Outbound>) {
        for &entity in &node.entities {
            out.push(Outbound {
                topic: entity_topic(&self.context.prefix, &node.key, entity, TopicKind::Config),
                payload: self.context.config_payload(&node.key, entity).to_string(),
                qos: 1,
                retain: true,
            });
        }
    }

    fn availability_message(&self, node: &Node, entity: Entity, online: bool) -> Outbound {
        Outbound {
            topic: entity_topic(
                &self.context.prefix,
                &node.key,
                entity,
                TopicKind::Availability,
            ),
            payload: if online { ONLINE } else { OFFLINE }.into(),
            qos: 1,
            retain: true,
        }
    }

    /// Discovery on first sight, availability changes, and every state that is due.
    fn publish_node(&mut self, id: Option<u8>, now_s: f64, out: &mut Vec<Outbound>) {
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        let ready = node
            .warm_up_start_s
            .is_some_and(|start| warm_up_done(start, now_s));
        node.inputs.set_primitives_ready(ready);
        if !self.connected {
            return;
        }
        let first_sight = !std::mem::replace(&mut node.announced, true);
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        if first_sight {
            self.discovery(node, out);
        }
        let mut availability_changes = Vec::new();
        let mut states = Vec::new();
        for &entity in &node.entities {
            let online = node.inputs.is_available(entity, now_s);
            if node.availability.get(&entity) != Some(&online) {
                availability_changes.push((entity, online));
                out.push(self.availability_message(node, entity, online));
            }
            if !online {
                continue;
            }
            if let Some(payload) = state_payload(node, entity) {
                let previous = node.sent.get(&entity);
                if self.state_due(entity, &payload, previous, now_s) {
                    let component = entity.spec().component;
                    out.push(Outbound {
                        topic: entity_topic(
                            &self.context.prefix,
                            &node.key,
                            entity,
                            TopicKind::State,
                        ),
                        payload: payload.clone(),
                        qos: component.qos(),
                        retain: state_is_retained(component),
                    });
                    states.push((entity, payload));
                }
            }
        }
        if let Some(node) = self.nodes.get_mut(&id) {
            node.availability.extend(availability_changes);
            for (entity, payload) in states {
                node.sent.insert(entity, (payload, now_s));
            }
        }
    }

    /// Binary sensors: on change and every 60 s. Rate-limited sensors: at their rate (on
    /// change for rate 0). The fall-risk score: on change and every 60 s.
    fn state_due(
        &self,
        entity: Entity,
        payload: &str,
        previous: Option<&(String, f64)>,
        now_s: f64,
    ) -> bool {
        let Some((last_payload, last_s)) = previous else {
            return true;
        };
        let changed = last_payload != payload;
        let elapsed = now_s - last_s;
        match self.config.rates.rate_hz(entity) {
            Some(hz) => match min_interval_s(hz) {
                Some(interval) => elapsed >= interval,
                None => changed,
            },
            None => changed || elapsed >= BINARY_HEARTBEAT_S,
        }
    }
}

/// The current state payload of a non-event entity, if its input exists.
fn state_payload(node: &Node, entity: Entity) -> Option<String> {
    let outputs = node.outputs;
    match entity {
        Entity::SomeoneSleeping
        | Entity::PossibleDistress
        | Entity::RoomActive
        | Entity::ElderlyInactivityAnomaly
        | Entity::NoMovement
        | Entity::MeetingInProgress
        | Entity::BathroomOccupied => outputs
            .as_ref()
            .and_then(|o| binary_output(entity, o))
            .map(|on| binary_payload(on).to_string()),
        Entity::FallRiskElevated => outputs.map(|o| fall_risk_payload(o.fall_risk_score)),
        _ => node
            .snapshot
            .as_ref()
            .and_then(|s| snapshot_payload(s, entity)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::fixtures;
    use crate::sensing::semantic::tests::{update, T0};
    use crate::sensing::semantic::SemanticLayer;
    use wifi_densepose_wire::messages::EdgeVitals;

    const CLIENT: &str = "wifi-densepose-1a2b3c4d";

    /// A publisher fed as the server feeds it: every message goes through the sensing
    /// layer's semantic primitives first.
    struct Rig {
        p: Publisher,
        layer: SemanticLayer,
    }

    impl std::ops::Deref for Rig {
        type Target = Publisher;
        fn deref(&self) -> &Publisher {
            &self.p
        }
    }

    impl std::ops::DerefMut for Rig {
        fn deref_mut(&mut self) -> &mut Publisher {
            &mut self.p
        }
    }

    impl Rig {
        /// A message of node 1 with its WebSocket text, as the connection task feeds it.
        fn feed(&mut self, message: &Outgoing, now_s: f64) -> Vec<Outbound> {
            let observed = self.layer.observe(message, now_s);
            self.p
                .on_message(1, message, &message.to_json(), &observed, now_s)
        }

        /// The server's tick: the sensing layer's, then the publisher's.
        fn on_tick(&mut self, now_s: f64) -> Vec<Outbound> {
            self.layer.tick(now_s);
            self.p.on_tick(now_s)
        }
    }

    fn publisher(config: MqttConfig) -> Rig {
        let layer = SemanticLayer::new(None, config.disabled.clone(), config.privacy_mode);
        Rig {
            p: Publisher::new(config, CLIENT.into(), "kitchen".into(), None),
            layer,
        }
    }

    fn edge_vitals(fall: bool) -> Outgoing {
        Outgoing::EdgeVitals(EdgeVitals {
            fall_detected: fall,
            ..fixtures::edge_vitals()
        })
    }

    fn topics<'a>(out: &'a [Outbound], suffix: &str) -> Vec<&'a str> {
        out.iter()
            .filter(|o| o.topic.ends_with(suffix))
            .map(|o| o.topic.as_str())
            .collect()
    }

    fn find<'a>(out: &'a [Outbound], topic_end: &str) -> Option<&'a Outbound> {
        out.iter().find(|o| o.topic.ends_with(topic_end))
    }

    #[test]
    fn server_online_comes_first_and_discovery_on_first_sight() {
        let mut p = publisher(MqttConfig::default());
        let out = p.on_connected(T0);
        assert_eq!(out[0].topic, format!("ruview/{CLIENT}/availability"));
        assert_eq!(
            (out[0].payload.as_str(), out[0].qos, out[0].retain),
            ("online", 1, true)
        );
        assert_eq!(
            out[1].topic,
            "homeassistant/binary_sensor/wifi_densepose_1a2b3c4dserver/connectivity/config"
        );
        let out = p.feed(&update(T0, true), T0);
        let configs = topics(&out, "/config");
        assert_eq!(configs.len(), 15);
        assert_eq!(
            configs[0],
            "homeassistant/binary_sensor/wifi_densepose_1a2b3c4dnode1/presence/config"
        );
        assert!(out
            .iter()
            .filter(|o| o.topic.ends_with("/config"))
            .all(|o| o.retain && o.qos == 1));
        let presence = find(&out, "/presence/state").unwrap();
        assert_eq!(
            (presence.payload.as_str(), presence.qos, presence.retain),
            ("ON", 1, true)
        );
        let heart = find(&out, "/heart_rate/state").unwrap();
        assert_eq!((heart.qos, heart.retain), (0, false));
        assert!(heart
            .payload
            .starts_with(r#"{"bpm":72,"confidence":0.9,"ts":"2026-05-23T14:00:00Z"#));
        // Semantic entities are announced but offline during the warm-up.
        let sleeping = find(&out, "/someone_sleeping/availability").unwrap();
        assert_eq!(sleeping.payload, "offline");
        assert!(find(&out, "/someone_sleeping/state").is_none());
        assert_eq!(find(&out, "/fall/availability").unwrap().payload, "offline");
        // No discovery the second time.
        let again = p.feed(&update(T0 + 0.5, true), T0 + 0.5);
        assert!(topics(&again, "/config").is_empty());
    }

    #[test]
    fn rates_changes_and_heartbeats() {
        let mut p = publisher(MqttConfig::default());
        p.on_connected(T0);
        p.feed(&update(T0, true), T0);
        let out = p.feed(&update(T0 + 0.5, true), T0 + 0.5);
        assert!(
            find(&out, "/presence/state").is_none(),
            "unchanged binary state"
        );
        assert!(find(&out, "/motion_level/state").is_none(), "1 Hz rate");
        let out = p.feed(&update(T0 + 1.0, false), T0 + 1.0);
        assert_eq!(find(&out, "/presence/state").unwrap().payload, "OFF");
        assert!(find(&out, "/motion_level/state").is_some());
        assert!(
            find(&out, "/heart_rate/state").is_none(),
            "0.2 Hz: every 5 s"
        );
        let out = p.feed(&update(T0 + 5.0, false), T0 + 5.0);
        assert!(find(&out, "/heart_rate/state").is_some());
        let out = p.feed(&update(T0 + 61.0, false), T0 + 61.0);
        assert_eq!(
            find(&out, "/presence/state").unwrap().payload,
            "OFF",
            "60 s heartbeat"
        );
    }

    #[test]
    fn fall_edges_publish_one_event_while_the_input_is_fresh() {
        let mut p = publisher(MqttConfig::default());
        p.on_connected(T0);
        p.feed(&update(T0, true), T0);
        let out = p.feed(&edge_vitals(false), T0 + 0.2);
        assert!(find(&out, "/fall/state").is_none());
        let out = p.feed(&edge_vitals(true), T0 + 0.4);
        let fall = find(&out, "/fall/state").unwrap();
        assert_eq!((fall.qos, fall.retain), (1, false));
        assert_eq!(
            fall.payload,
            r#"{"event_type":"fall_detected","ts":"2026-05-23T14:00:00Z"}"#
        );
        let out = p.feed(&edge_vitals(true), T0 + 0.6);
        assert!(
            find(&out, "/fall/state").is_none(),
            "one event per rising edge"
        );
    }

    #[test]
    fn privacy_mode_announces_11_entities_without_biometric_keys() {
        let mut p = publisher(MqttConfig {
            privacy_mode: true,
            ..MqttConfig::default()
        });
        p.on_connected(T0);
        let out = p.feed(&update(T0, true), T0);
        let configs = topics(&out, "/config");
        assert_eq!(configs.len(), 11);
        for slug in [
            "breathing_rate",
            "heart_rate",
            "pose",
            "someone_sleeping",
            "possible_distress",
        ] {
            assert!(
                out.iter().all(|o| !o.topic.contains(&format!("/{slug}/"))),
                "{slug}"
            );
        }
    }

    #[test]
    fn raw_topics_only_when_enabled() {
        let mut p = publisher(MqttConfig {
            publish_raw: true,
            ..MqttConfig::default()
        });
        p.on_connected(T0);
        let text = update(T0, true);
        let out = p.feed(&text, T0);
        let raw = find(&out, &format!("ruview/{CLIENT}/1/raw/sensing_update")).unwrap();
        assert_eq!(
            (raw.payload.as_str(), raw.qos, raw.retain),
            (text.to_json().as_str(), 0, false)
        );
        let out = p.feed(&edge_vitals(false), T0);
        assert!(find(&out, &format!("ruview/{CLIENT}/1/raw/edge_vitals")).is_some());
        let mut plain = publisher(MqttConfig::default());
        plain.on_connected(T0);
        assert!(plain
            .feed(&text, T0)
            .iter()
            .all(|o| !o.topic.contains("/raw/")));
    }

    #[test]
    fn reconnect_resends_everything_and_shutdown_goes_offline() {
        let mut p = publisher(MqttConfig::default());
        p.on_connected(T0);
        p.feed(&update(T0, true), T0);
        p.on_disconnected();
        assert!(p.feed(&update(T0 + 1.0, true), T0 + 1.0).is_empty());
        let out = p.on_connected(T0 + 2.0);
        assert_eq!(out[0].payload, "online");
        assert_eq!(
            topics(&out, "/config").len(),
            16,
            "the server and 15 node entities"
        );
        assert_eq!(find(&out, "/presence/state").unwrap().payload, "ON");
        let out = p.on_shutdown();
        assert_eq!(topics(&out, "/availability").len(), 16);
        assert!(out.iter().all(|o| o.payload == "offline" && o.retain));
        assert_eq!(
            out.last().unwrap().topic,
            format!("ruview/{CLIENT}/availability")
        );
    }

    #[test]
    fn stale_nodes_go_offline_on_the_tick() {
        let mut p = publisher(MqttConfig::default());
        p.on_connected(T0);
        p.feed(&update(T0, true), T0);
        assert!(p
            .on_tick(T0 + 5.0)
            .iter()
            .all(|o| !o.topic.ends_with("/availability")));
        let out = p.on_tick(T0 + 11.0);
        assert_eq!(
            find(&out, "/presence/availability").unwrap().payload,
            "offline"
        );
        let out = p.on_tick(T0 + 31.0);
        assert_eq!(
            topics(&out, "/availability").len(),
            15,
            "re-sent every 30 s"
        );
    }

    #[test]
    fn home_assistant_birth_triggers_discovery() {
        let mut p = publisher(MqttConfig::default());
        assert!(p.on_home_assistant_online().is_empty());
        p.on_connected(T0);
        p.feed(&update(T0, true), T0);
        assert_eq!(p.on_home_assistant_online().len(), 16);
        let out = p.on_tick(T0 + 600.0);
        assert_eq!(topics(&out, "/config").len(), 16, "refresh every 600 s");
    }

    #[test]
    fn semantic_entities_come_online_after_the_warm_up_and_again_after_silence() {
        let mut p = publisher(MqttConfig::default());
        p.on_connected(T0);
        let feed = |p: &mut Rig, from: u32, to: u32| -> Vec<Outbound> {
            (from..=to)
                .flat_map(|i| p.feed(&update(T0 + f64::from(i), true), T0 + f64::from(i)))
                .collect()
        };
        let out = feed(&mut p, 0, 59);
        assert!(out
            .iter()
            .all(|o| !(o.topic.contains("/room_active/") && o.payload == "online")));
        let out = feed(&mut p, 60, 60);
        assert_eq!(
            find(&out, "/room_active/availability").unwrap().payload,
            "online"
        );
        assert_eq!(find(&out, "/room_active/state").unwrap().payload, "OFF");
        assert_eq!(find(&out, "/no_movement/state").unwrap().payload, "OFF");
        assert_eq!(
            find(&out, "/fall_risk_elevated/availability"),
            None,
            "needs the fall input"
        );
        // A minute of silence: everything offline, and the primitives start over.
        let out = p.on_tick(T0 + 125.0);
        assert_eq!(
            find(&out, "/room_active/availability").unwrap().payload,
            "offline"
        );
        let out = feed(&mut p, 126, 126);
        assert_eq!(
            find(&out, "/presence/availability").unwrap().payload,
            "online"
        );
        assert!(
            find(&out, "/room_active/availability").is_none(),
            "still offline"
        );
        let out = feed(&mut p, 127, 186);
        assert_eq!(
            find(&out, "/room_active/availability").unwrap().payload,
            "online"
        );
    }
}
