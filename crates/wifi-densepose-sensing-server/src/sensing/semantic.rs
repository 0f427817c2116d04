//! The semantic primitives (docs/wire.md 7.10) computed once, in the sensing layer, from
//! the newly built (privacy-filtered) messages: the WebSocket's `semantic_primitives`
//! message, `GET /api/v1/semantic` and the MQTT publisher all read what [`SemanticLayer`]
//! computes. Times are passed in (Unix seconds); nothing here reads a clock.

use std::collections::BTreeMap;

use wifi_densepose_ha::primitives::WARM_UP_S;
use wifi_densepose_ha::snapshot::FallEdgeDetector;
use wifi_densepose_ha::zones::{TAG_BATHROOM, TAG_BED};
use wifi_densepose_ha::{
    announced_entities, snapshots_from_sensing_update, EdgeVitalsInput, Entity, NodeSnapshot,
    NodeStep, PrimitiveOutputs, SemanticEngine, Zones,
};
use wifi_densepose_wire::messages::{SemanticNode, SemanticPrimitive, SemanticPrimitives};

use crate::messages::Outgoing;

/// A node silent this long has its semantic primitives reset (seconds).
pub const FORGET_AFTER_S: f64 = 60.0;

/// The `type` of the WebSocket message.
pub const MESSAGE_TYPE: &str = "semantic_primitives";

/// Whether a node whose latest snapshot is from `last_snapshot_s` counts as gone at `now_s`
/// (Unix seconds): like the server's node table (3.8), a node back after a minute warms up
/// again.
pub fn is_silent(last_snapshot_s: f64, now_s: f64) -> bool {
    now_s - last_snapshot_s > FORGET_AFTER_S
}

/// The entities a node has in announcement order (7.5, 7.9): privacy mode drops the
/// biometric ones, `disabled` the switched-off ones, and the zone primitives need a room
/// (`bathroom_occupied` and `bed_exit` also its tag).
pub fn node_entities(
    zones: Option<&Zones>,
    node_id: Option<u8>,
    privacy_mode: bool,
    disabled: &[Entity],
) -> Vec<Entity> {
    let room = match (zones, node_id) {
        (Some(zones), Some(n)) => zones.room_of(n),
        _ => None,
    };
    announced_entities(privacy_mode, room.is_some(), disabled)
        .into_iter()
        .filter(|e| match e {
            Entity::BathroomOccupied => room.is_some_and(|r| r.has_tag(TAG_BATHROOM)),
            Entity::BedExit => room.is_some_and(|r| r.has_tag(TAG_BED)),
            _ => true,
        })
        .collect()
}

/// The on/off output of a binary primitive, if `entity` is one and the node has it.
pub fn binary_output(entity: Entity, outputs: &PrimitiveOutputs) -> Option<bool> {
    match entity {
        Entity::SomeoneSleeping => Some(outputs.someone_sleeping),
        Entity::PossibleDistress => Some(outputs.possible_distress),
        Entity::RoomActive => Some(outputs.room_active),
        Entity::ElderlyInactivityAnomaly => Some(outputs.elderly_inactivity_anomaly),
        Entity::NoMovement => Some(outputs.no_movement),
        Entity::MeetingInProgress => outputs.meeting_in_progress,
        Entity::BathroomOccupied => outputs.bathroom_occupied,
        _ => None,
    }
}

/// The value of a binary (0/1) or score primitive, for telling when it changed.
fn primitive_value(entity: Entity, outputs: &PrimitiveOutputs) -> Option<u8> {
    match entity {
        Entity::FallRiskElevated => Some(outputs.fall_risk_score),
        _ => binary_output(entity, outputs).map(u8::from),
    }
}

/// One snapshot of a message and what the engine made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedSnapshot {
    pub snapshot: NodeSnapshot,
    /// `false`: the engine rejected the snapshot (non-finite time, ...); nothing else applies.
    pub accepted: bool,
    /// The step when the snapshot opened a new second for its node.
    pub step: Option<NodeStep>,
    /// Where the node's warm-up started (Unix seconds), after this snapshot.
    pub warm_up_start_s: Option<f64>,
}

/// What one newly built message did to the primitives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Every snapshot of a `sensing_update`, in order.
    pub snapshots: Vec<ObservedSnapshot>,
    /// The vitals message raised its node's fall flag (a rising edge).
    pub fall_edge: bool,
}

impl Observed {
    /// A node took a new 1 Hz sample: the primitives message changed.
    pub fn sampled(&self) -> bool {
        self.snapshots.iter().any(|s| s.step.is_some())
    }
}

/// What a node's primitives look like for the WebSocket and REST.
#[derive(Debug, Clone, Default)]
struct NodeView {
    last_snapshot_s: f64,
    last_sample_s: Option<f64>,
    outputs: Option<PrimitiveOutputs>,
    /// Sample time since which each binary/score primitive holds its value.
    since_s: BTreeMap<Entity, f64>,
    last_event_s: BTreeMap<Entity, f64>,
}

/// The semantic primitives of every node.
#[derive(Debug)]
pub struct SemanticLayer {
    engine: SemanticEngine,
    privacy_mode: bool,
    disabled: Vec<Entity>,
    falls: BTreeMap<u8, FallEdgeDetector>,
    nodes: BTreeMap<Option<u8>, NodeView>,
}

impl SemanticLayer {
    /// `disabled`: the primitives switched off with `--no-semantic`; privacy mode leaves
    /// the biometric ones out of the message, as MQTT does not announce them (7.9).
    pub fn new(zones: Option<Zones>, disabled: Vec<Entity>, privacy_mode: bool) -> Self {
        SemanticLayer {
            engine: SemanticEngine::new(zones),
            privacy_mode,
            disabled,
            falls: BTreeMap::new(),
            nodes: BTreeMap::new(),
        }
    }

    pub fn zones(&self) -> Option<&Zones> {
        self.engine.zones()
    }

    /// Feeds one newly built message (already privacy-filtered) at `now_s`.
    pub fn observe(&mut self, message: &Outgoing, now_s: f64) -> Observed {
        let mut observed = Observed::default();
        match message {
            Outgoing::Sensing(update) => match snapshots_from_sensing_update(update) {
                Ok(snapshots) => {
                    for snapshot in snapshots {
                        let one = self.observe_snapshot(snapshot, now_s);
                        observed.snapshots.push(one);
                    }
                }
                Err(error) => tracing::debug!(%error, "sensing_update not usable for semantics"),
            },
            Outgoing::EdgeVitals(body) => {
                observed.fall_edge = self.observe_vitals(EdgeVitalsInput::from(body));
            }
            Outgoing::FusedVitals(body) => {
                observed.fall_edge = self.observe_vitals(EdgeVitalsInput::from(body));
            }
            Outgoing::Wasm(_) => {}
        }
        observed
    }

    /// Forgets nodes silent for more than [`FORGET_AFTER_S`]; `true` if any was.
    pub fn tick(&mut self, now_s: f64) -> bool {
        let silent: Vec<Option<u8>> = self
            .nodes
            .iter()
            .filter(|(_, v)| is_silent(v.last_snapshot_s, now_s))
            .map(|(&id, _)| id)
            .collect();
        for &id in &silent {
            self.forget(id);
        }
        !silent.is_empty()
    }

    fn forget(&mut self, id: Option<u8>) {
        self.engine.forget(id);
        self.nodes.remove(&id);
    }

    fn observe_snapshot(&mut self, snapshot: NodeSnapshot, now_s: f64) -> ObservedSnapshot {
        let id = snapshot.node_id;
        if self
            .nodes
            .get(&id)
            .is_some_and(|v| is_silent(v.last_snapshot_s, now_s))
        {
            self.forget(id);
        }
        let step = match self.engine.observe(&snapshot) {
            Ok(step) => step,
            Err(error) => {
                tracing::debug!(%error, "snapshot rejected by the semantic primitives");
                return ObservedSnapshot {
                    snapshot,
                    accepted: false,
                    step: None,
                    warm_up_start_s: self.engine.warm_up_start_s(id),
                };
            }
        };
        let view = self.nodes.entry(id).or_default();
        view.last_snapshot_s = snapshot.timestamp_s;
        if let Some(step) = &step {
            view.last_sample_s = Some(step.t_s);
            if let Some(outputs) = step.outputs {
                for entity in Entity::ALL {
                    let now = primitive_value(entity, &outputs);
                    let before = view
                        .outputs
                        .as_ref()
                        .and_then(|o| primitive_value(entity, o));
                    if now.is_some() && (now != before || !view.since_s.contains_key(&entity)) {
                        view.since_s.insert(entity, step.t_s);
                    }
                }
                view.outputs = Some(outputs);
            }
            if step.bed_exit {
                view.last_event_s.insert(Entity::BedExit, step.t_s);
            }
            if step.transition.is_some() {
                view.last_event_s
                    .insert(Entity::MultiRoomTransition, step.t_s);
            }
        }
        ObservedSnapshot {
            snapshot,
            accepted: true,
            step,
            warm_up_start_s: self.engine.warm_up_start_s(id),
        }
    }

    fn observe_vitals(&mut self, vitals: EdgeVitalsInput) -> bool {
        let rising = self
            .falls
            .entry(vitals.node_id)
            .or_default()
            .observe(vitals.fall_detected);
        if rising {
            self.engine.note_fall_edge(vitals.node_id);
        }
        rising
    }

    /// The `semantic_primitives` message at `now_s`.
    pub fn message(&self, now_s: f64) -> SemanticPrimitives {
        let nodes = self
            .nodes
            .iter()
            .map(|(&id, view)| self.node_message(id, view))
            .collect();
        SemanticPrimitives {
            kind: MESSAGE_TYPE,
            timestamp_s: now_s,
            warm_up_s: WARM_UP_S,
            nodes,
        }
    }

    fn node_message(&self, id: Option<u8>, view: &NodeView) -> SemanticNode {
        let room = match (self.zones(), id) {
            (Some(zones), Some(n)) => zones.room_of(n).map(|r| r.name.clone()),
            _ => None,
        };
        let last_sample_s = view.last_sample_s.unwrap_or(view.last_snapshot_s);
        let warm_up_remaining_s = self.engine.warm_up_start_s(id).map_or(WARM_UP_S, |start| {
            (WARM_UP_S - (last_sample_s - start)).max(0.0)
        });
        let primitives = node_entities(self.zones(), id, self.privacy_mode, &[])
            .into_iter()
            .filter(|e| e.spec().primitive.is_some())
            .map(|entity| {
                let disabled = self.disabled.contains(&entity);
                let outputs = view.outputs.as_ref().filter(|_| !disabled);
                let kind = match entity {
                    Entity::FallRiskElevated => "score",
                    Entity::BedExit | Entity::MultiRoomTransition => "event",
                    _ => "binary",
                };
                let on = outputs.and_then(|o| binary_output(entity, o));
                let score = outputs
                    .filter(|_| entity == Entity::FallRiskElevated)
                    .map(|o| o.fall_risk_score);
                let since_s = (on.is_some() || score.is_some())
                    .then(|| view.since_s.get(&entity).copied())
                    .flatten();
                let last_event_s = (!disabled)
                    .then(|| view.last_event_s.get(&entity).copied())
                    .flatten();
                SemanticPrimitive {
                    name: entity.slug(),
                    kind,
                    disabled,
                    on,
                    score,
                    since_s,
                    last_event_s,
                }
            })
            .collect();
        SemanticNode {
            node_id: id,
            room,
            last_sample_s,
            warm_up_remaining_s,
            primitives,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wifi_densepose_wire::messages::{
        Classification, Features, MotionLevel, NodeEntry, SensingUpdate, VitalSigns,
    };

    pub const T0: f64 = 1_779_544_800.0;

    /// A one-node `sensing_update` of node 1 at `t`.
    pub fn update(t: f64, presence: bool) -> Outgoing {
        let motion = if presence {
            MotionLevel::PresentStill
        } else {
            MotionLevel::Absent
        };
        Outgoing::Sensing(Box::new(SensingUpdate {
            kind: "sensing_update",
            timestamp: t,
            source: "simulated".into(),
            tick: 1,
            feed: None,
            nodes: vec![NodeEntry {
                node_id: 1,
                rssi_dbm: -40.0,
                position: [2.0, 0.0, 1.5],
                amplitude: vec![1.0].into(),
                subcarrier_count: 56,
                sync: None,
            }],
            features: Features {
                mean_rssi: -40.0,
                variance: 1.0,
                motion_band_power: 0.5,
                breathing_band_power: 0.1.into(),
                dominant_freq_hz: 0.25.into(),
                spectral_power: 1.0,
                change_points: 0,
            },
            classification: Classification {
                motion_level: motion,
                presence,
                confidence: 0.8,
            },
            signal_field: None,
            vital_signs: Some(VitalSigns {
                breathing_rate_bpm: Some(15.0),
                heart_rate_bpm: Some(72.0),
                breathing_confidence: 0.9,
                heartbeat_confidence: 0.9,
                signal_quality: 0.8,
                breathing_status: "Valid",
                heart_status: "Valid",
                spans_gap: false,
            }),
            estimated_persons: None,
            person_count_valid: false,
            node_features: None,
        }))
    }

    fn primitive<'a>(m: &'a SemanticPrimitives, name: &str) -> &'a SemanticPrimitive {
        m.nodes[0]
            .primitives
            .iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    /// The scenario the MQTT publisher's warm-up test scripts, fed to the layer and to a
    /// bare engine (what the publisher computed before the layer existed): the outputs are
    /// the same at every sample, and the message shows the warm-up and its end.
    #[test]
    fn primitives_equal_the_bare_engine_on_the_publisher_scenario() {
        let mut layer = SemanticLayer::new(None, vec![Entity::NoMovement], false);
        let mut bare = SemanticEngine::new(None);
        let compare = |layer: &mut SemanticLayer, bare: &mut SemanticEngine, i: u32| {
            let t = T0 + f64::from(i);
            let message = update(t, true);
            let observed = layer.observe(&message, t);
            let Outgoing::Sensing(u) = &message else {
                unreachable!()
            };
            let expected: Vec<Option<NodeStep>> = snapshots_from_sensing_update(u)
                .unwrap()
                .iter()
                .map(|s| bare.observe(s).unwrap())
                .collect();
            let got: Vec<Option<NodeStep>> =
                observed.snapshots.iter().map(|s| s.step.clone()).collect();
            assert_eq!(got, expected, "sample {i}");
        };
        for i in 0..=59 {
            compare(&mut layer, &mut bare, i);
        }
        let m = layer.message(T0 + 59.5);
        assert_eq!(m.nodes.len(), 1);
        assert_eq!(m.nodes[0].node_id, Some(1));
        assert_eq!(
            m.nodes[0].warm_up_remaining_s, 1.0,
            "60 s from T0, at T0+59"
        );
        assert_eq!(primitive(&m, "room_active").on, None);
        compare(&mut layer, &mut bare, 60);
        let m = layer.message(T0 + 60.0);
        assert_eq!(m.nodes[0].warm_up_remaining_s, 0.0);
        let room = primitive(&m, "room_active");
        assert_eq!(
            (room.on, room.since_s, room.kind),
            (Some(false), Some(T0 + 60.0), "binary")
        );
        let still = primitive(&m, "no_movement");
        assert!(still.disabled && still.on.is_none(), "--no-semantic");
        let risk = primitive(&m, "fall_risk_elevated");
        assert_eq!((risk.kind, risk.score), ("score", Some(0)));
        // The ten default-set primitives without zones: six of them, no zone ones.
        let names: Vec<&str> = m.nodes[0].primitives.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "someone_sleeping",
                "possible_distress",
                "room_active",
                "elderly_inactivity_anomaly",
                "fall_risk_elevated",
                "no_movement"
            ]
        );
        // The value holds: since_s stays at its first sample.
        compare(&mut layer, &mut bare, 61);
        assert_eq!(
            primitive(&layer.message(T0 + 61.0), "room_active").since_s,
            Some(T0 + 60.0)
        );
        // A minute of silence forgets the node; it warms up again when it returns.
        assert!(!layer.tick(T0 + 120.0), "60 s is not yet silence");
        assert!(layer.tick(T0 + 125.0));
        assert!(layer.message(T0 + 125.0).nodes.is_empty());
        bare.forget(Some(1));
        compare(&mut layer, &mut bare, 126);
        assert_eq!(layer.message(T0 + 126.0).nodes[0].warm_up_remaining_s, 60.0);
        for i in 127..=186 {
            compare(&mut layer, &mut bare, i);
        }
        assert_eq!(layer.message(T0 + 186.0).nodes[0].warm_up_remaining_s, 0.0);
    }

    #[test]
    fn privacy_mode_leaves_the_biometric_primitives_out() {
        let mut layer = SemanticLayer::new(None, Vec::new(), true);
        layer.observe(&update(T0, true), T0);
        let m = layer.message(T0);
        let names: Vec<&str> = m.nodes[0].primitives.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "room_active",
                "elderly_inactivity_anomaly",
                "fall_risk_elevated",
                "no_movement"
            ]
        );
    }

    #[test]
    fn a_node_silent_for_a_minute_starts_over_even_without_a_tick() {
        let mut layer = SemanticLayer::new(None, Vec::new(), false);
        for i in 0..=60 {
            let t = T0 + f64::from(i);
            layer.observe(&update(t, true), t);
        }
        let observed = layer.observe(&update(T0 + 130.0, true), T0 + 130.0);
        assert_eq!(observed.snapshots[0].warm_up_start_s, Some(T0 + 130.0));
        assert_eq!(observed.snapshots[0].step.as_ref().unwrap().outputs, None);
    }

    #[test]
    fn the_message_serialises_as_documented() {
        let mut layer = SemanticLayer::new(None, Vec::new(), true);
        layer.observe(&update(T0, true), T0);
        let json = serde_json::to_value(layer.message(T0 + 0.5)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "semantic_primitives",
                "timestamp_s": T0 + 0.5,
                "warm_up_s": 60.0,
                "nodes": [{
                    "node_id": 1,
                    "last_sample_s": T0,
                    "warm_up_remaining_s": 60.0,
                    "primitives": [
                        {"name": "room_active", "kind": "binary", "disabled": false},
                        {"name": "elderly_inactivity_anomaly", "kind": "binary", "disabled": false},
                        {"name": "fall_risk_elevated", "kind": "score", "disabled": false},
                        {"name": "no_movement", "kind": "binary", "disabled": false}
                    ]
                }]
            })
        );
    }
}
