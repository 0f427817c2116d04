//! Runs every primitive for every node: 1 Hz sampling, the 60 s warm-up, zone roles.

use std::collections::BTreeMap;

use super::bathroom_occupied::BathroomOccupied;
use super::bed_exit::BedExit;
use super::elderly_inactivity_anomaly::ElderlyInactivityAnomaly;
use super::fall_risk_elevated::FallRiskElevated;
use super::meeting_in_progress::MeetingInProgress;
use super::multi_room_transition::{MultiRoomTransition, Transition, ANONYMOUS_TRACK};
use super::no_movement::NoMovement;
use super::possible_distress::PossibleDistress;
use super::room_active::RoomActive;
use super::sampler::OneHzSampler;
use super::someone_sleeping::SomeoneSleeping;
use crate::error::HaResult;
use crate::snapshot::NodeSnapshot;
use crate::time::seconds_of_day;
use crate::zones::{Zones, TAG_BATHROOM, TAG_BED};

/// Nothing fires, and the semantic entities are unavailable, for this long after a
/// node's first sample (seconds).
pub const WARM_UP_S: f64 = 60.0;

/// Whether a warm-up that started at `start_s` (Unix seconds) is over at `now_s`.
pub fn warm_up_done(start_s: f64, now_s: f64) -> bool {
    now_s - start_s >= WARM_UP_S
}

/// The binary and score outputs of one node after one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrimitiveOutputs {
    pub someone_sleeping: bool,
    pub possible_distress: bool,
    pub room_active: bool,
    pub elderly_inactivity_anomaly: bool,
    pub no_movement: bool,
    /// `fall_risk_elevated`, 0..=100.
    pub fall_risk_score: u8,
    /// `None` when the node is in no room of the zones file.
    pub meeting_in_progress: Option<bool>,
    /// `None` unless the node's room is tagged `bathroom`.
    pub bathroom_occupied: Option<bool>,
}

/// What one 1 Hz sample of a node produced.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStep {
    pub node_id: Option<u8>,
    /// Unix seconds of the sample.
    pub t_s: f64,
    /// `None` during the warm-up.
    pub outputs: Option<PrimitiveOutputs>,
    /// A `bed_exit` event happened at this sample.
    pub bed_exit: bool,
    /// A `multi_room_transition` event ending in this node's room.
    pub transition: Option<Transition>,
}

#[derive(Debug, Clone, Default)]
struct NodePrimitives {
    first_sample_s: Option<f64>,
    sampler: OneHzSampler,
    sleeping: SomeoneSleeping,
    distress: PossibleDistress,
    room_active: RoomActive,
    elderly: ElderlyInactivityAnomaly,
    no_movement: NoMovement,
    fall_risk: FallRiskElevated,
    meeting: MeetingInProgress,
    bathroom: BathroomOccupied,
    bed_exit: BedExit,
}

/// The semantic primitives of every node, plus the home-wide room transitions.
#[derive(Debug, Clone, Default)]
pub struct SemanticEngine {
    zones: Option<Zones>,
    nodes: BTreeMap<Option<u8>, NodePrimitives>,
    transitions: MultiRoomTransition,
}

impl SemanticEngine {
    pub fn new(zones: Option<Zones>) -> Self {
        SemanticEngine {
            zones,
            ..SemanticEngine::default()
        }
    }

    pub fn zones(&self) -> Option<&Zones> {
        self.zones.as_ref()
    }

    /// Records a fall edge of `node_id`; the node's next sample carries it.
    pub fn note_fall_edge(&mut self, node_id: u8) {
        self.nodes
            .entry(Some(node_id))
            .or_default()
            .sampler
            .note_fall_edge();
    }

    /// Forgets a node (e.g. after 60 s without data); it warms up again when it returns.
    pub fn forget(&mut self, node_id: Option<u8>) {
        self.nodes.remove(&node_id);
    }

    /// Whether `node_id` has finished its warm-up at `now_s`.
    pub fn is_ready(&self, node_id: Option<u8>, now_s: f64) -> bool {
        self.warm_up_start_s(node_id)
            .is_some_and(|first| warm_up_done(first, now_s))
    }

    /// Unix seconds of `node_id`'s first sample since it was created or forgotten: where its
    /// warm-up starts.
    pub fn warm_up_start_s(&self, node_id: Option<u8>) -> Option<f64> {
        self.nodes.get(&node_id).and_then(|n| n.first_sample_s)
    }

    /// Feeds one snapshot; returns the step when it opens a new second for its node.
    pub fn observe(&mut self, snapshot: &NodeSnapshot) -> HaResult<Option<NodeStep>> {
        OneHzSampler::validate(snapshot)?;
        let node = self.nodes.entry(snapshot.node_id).or_default();
        let Some(sample) = node.sampler.offer(snapshot)? else {
            return Ok(None);
        };
        let first = *node.first_sample_s.get_or_insert(sample.t_s);
        let mut step = NodeStep {
            node_id: snapshot.node_id,
            t_s: sample.t_s,
            outputs: None,
            bed_exit: false,
            transition: None,
        };
        if sample.t_s - first < WARM_UP_S {
            return Ok(Some(step));
        }
        let room = match (&self.zones, snapshot.node_id) {
            (Some(z), Some(id)) => z.room_of(id),
            _ => None,
        };
        let was_sleeping = node.sleeping.is_on();
        let mut outputs = PrimitiveOutputs {
            someone_sleeping: node.sleeping.update(&sample),
            possible_distress: node.distress.update(&sample),
            room_active: node.room_active.update(&sample),
            elderly_inactivity_anomaly: node.elderly.update(&sample),
            no_movement: node.no_movement.update(&sample),
            fall_risk_score: node.fall_risk.update(&sample),
            meeting_in_progress: None,
            bathroom_occupied: None,
        };
        if let Some(room) = room {
            outputs.meeting_in_progress = Some(node.meeting.update(&sample));
            if room.has_tag(TAG_BATHROOM) {
                outputs.bathroom_occupied = Some(node.bathroom.update(&sample));
            }
            if room.has_tag(TAG_BED) {
                let offset = self.zones.as_ref().map_or(0, Zones::utc_offset_minutes);
                let local = seconds_of_day(sample.t_s, offset);
                step.bed_exit = node.bed_exit.update(&sample, was_sleeping, local);
            }
            step.transition =
                self.transitions
                    .update(&room.name, ANONYMOUS_TRACK, sample.presence, sample.t_s);
        }
        step.outputs = Some(outputs);
        Ok(Some(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::VitalEstimate;

    /// Midnight UTC, 2026-05-23.
    const MIDNIGHT: f64 = 1_779_494_400.0;

    fn snap(node: u8, t: f64) -> NodeSnapshot {
        NodeSnapshot {
            node_id: Some(node),
            timestamp_s: t,
            presence: true,
            moving: false,
            motion_energy: None,
            presence_score_pct: 80.0,
            breathing: Some(VitalEstimate {
                bpm: 12.0,
                confidence: 0.8,
            }),
            heart: Some(VitalEstimate {
                bpm: 60.0,
                confidence: 0.9,
            }),
            n_persons: 2,
            rssi_dbm: Some(-50.0),
        }
    }

    fn zones() -> Zones {
        Zones::parse(
            "[rooms.bath]\nnodes = [2]\ntags = [\"bathroom\"]\n\
             [rooms.bedroom]\nnodes = [1]\ntags = [\"bed\"]\n",
        )
        .unwrap()
    }

    /// Feeds `make(t)` at 1 Hz from `start` for `seconds` and returns every step.
    fn feed(
        e: &mut SemanticEngine,
        start: f64,
        seconds: u32,
        make: impl Fn(f64) -> NodeSnapshot,
    ) -> Vec<NodeStep> {
        (0..seconds)
            .filter_map(|i| e.observe(&make(start + f64::from(i))).unwrap())
            .collect()
    }

    #[test]
    fn warm_up_hides_every_output_for_60_s() {
        let mut e = SemanticEngine::new(Some(zones()));
        let steps = feed(&mut e, 1000.0, 61, |t| snap(2, t));
        assert!(steps[..60].iter().all(|s| s.outputs.is_none()));
        assert!(!e.is_ready(Some(2), 1059.0));
        assert!(e.is_ready(Some(2), 1060.0));
        let out = steps[60].outputs.unwrap();
        assert_eq!(
            out.bathroom_occupied,
            Some(true),
            "fires at the first ready sample"
        );
        assert_eq!(out.meeting_in_progress, Some(false));
    }

    #[test]
    fn no_movement_off_at_60_on_at_1860() {
        let mut e = SemanticEngine::new(None);
        let steps = feed(&mut e, 0.0, 1900, |t| snap(1, t));
        let on: Vec<Option<bool>> = steps
            .iter()
            .map(|s| s.outputs.map(|o| o.no_movement))
            .collect();
        assert_eq!(on[59], None);
        assert_eq!(on[60], Some(false));
        assert_eq!(on[1859], Some(false));
        assert_eq!(on[1860], Some(true));
    }

    #[test]
    fn sleeping_counts_from_the_end_of_the_warm_up() {
        let mut e = SemanticEngine::new(None);
        let steps = feed(&mut e, 0.0, 400, |t| snap(1, t));
        let first_on = steps
            .iter()
            .position(|s| s.outputs.is_some_and(|o| o.someone_sleeping));
        assert_eq!(first_on, Some(360));
    }

    #[test]
    fn fall_edges_reach_the_fall_risk_score() {
        let mut e = SemanticEngine::new(None);
        feed(&mut e, 0.0, 62, |t| snap(1, t));
        e.note_fall_edge(1);
        assert!(e.observe(&snap(1, 61.5)).unwrap().is_none(), "same second");
        let step = e.observe(&snap(1, 62.0)).unwrap().unwrap();
        assert_eq!(step.outputs.unwrap().fall_risk_score, 15);
    }

    #[test]
    fn bed_exit_and_transition_between_rooms_at_night() {
        let mut e = SemanticEngine::new(Some(zones()));
        let start = MIDNIGHT + 3600.0; // 01:00 UTC
        let empty_bath = |t| NodeSnapshot {
            presence: false,
            n_persons: 0,
            ..snap(2, t)
        };
        // Asleep in the bedroom long enough to enter someone_sleeping (60 + 300 s).
        let mut sleeping = false;
        for i in 0..400 {
            let t = start + f64::from(i);
            let step = e.observe(&snap(1, t)).unwrap().unwrap();
            sleeping = step.outputs.is_some_and(|o| o.someone_sleeping);
            e.observe(&empty_bath(t)).unwrap();
        }
        assert!(sleeping);
        let gone = NodeSnapshot {
            presence: false,
            n_persons: 0,
            ..snap(1, start + 400.0)
        };
        assert!(e.observe(&gone).unwrap().unwrap().bed_exit);
        let gone_again = NodeSnapshot {
            timestamp_s: start + 401.0,
            ..gone
        };
        assert!(
            !e.observe(&gone_again).unwrap().unwrap().bed_exit,
            "one event per exit"
        );
        let step = e.observe(&snap(2, start + 405.0)).unwrap().unwrap();
        let t = step.transition.unwrap();
        assert_eq!(
            (t.from_room.as_str(), t.to_room.as_str()),
            ("bedroom", "bath")
        );
    }

    #[test]
    fn no_bed_exit_by_day() {
        let mut e = SemanticEngine::new(Some(zones()));
        let start = MIDNIGHT + 12.0 * 3600.0;
        feed(&mut e, start, 400, |t| snap(1, t));
        let gone = NodeSnapshot {
            presence: false,
            n_persons: 0,
            ..snap(1, start + 400.0)
        };
        assert!(!e.observe(&gone).unwrap().unwrap().bed_exit);
    }

    #[test]
    fn nodes_without_a_room_have_no_zone_outputs() {
        let mut e = SemanticEngine::new(Some(zones()));
        let steps = feed(&mut e, 0.0, 61, |t| snap(7, t));
        let out = steps[60].outputs.unwrap();
        assert_eq!(out.meeting_in_progress, None);
        assert_eq!(out.bathroom_occupied, None);
        e.forget(Some(7));
        assert!(!e.is_ready(Some(7), 100.0));
    }

    #[test]
    fn bad_snapshot_leaves_the_node_unchanged() {
        let mut e = SemanticEngine::new(None);
        assert!(e.observe(&snap(1, f64::NAN)).is_err());
        assert!(e.nodes.is_empty(), "no node created by a rejected snapshot");
        assert!(e.observe(&snap(1, 5.0)).unwrap().is_some());
        assert!(!e.is_ready(Some(1), 64.0));
        assert!(
            e.is_ready(Some(1), 65.0),
            "warm-up started at the first valid sample"
        );
    }
}
