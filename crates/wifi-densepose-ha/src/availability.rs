//! Which entity of a node is `online` when (docs/wire.md §7.6).

use crate::config::{min_interval_s, EntityRates};
use crate::entity::{Component, Entity};
use crate::snapshot::NodeSnapshot;

/// A node with no snapshot for this long has every entity `offline` (seconds).
pub const NODE_STALE_S: f64 = 10.0;
/// A vital-sign estimate older than this makes its entity `offline` (seconds).
pub const VITALS_FRESH_S: f64 = 10.0;
/// The fall input expires this long after the last vitals message (seconds).
pub const FALL_INPUT_S: f64 = 30.0;
/// Availability of every node is re-sent at this period (seconds).
pub const AVAILABILITY_RESEND_S: f64 = 30.0;
/// Binary-sensor states are re-sent at this period even without a change (seconds).
pub const BINARY_HEARTBEAT_S: f64 = 60.0;

/// `expire_after` is this many publication periods of the entity...
const EXPIRE_PERIODS: f64 = 3.0;
/// ...and never less than this (seconds): at least three 10 s staleness windows.
const EXPIRE_MIN_S: f64 = 30.0;

/// Home Assistant's `expire_after` for `entity` (seconds): three of its publication periods,
/// at least 30 s. Rate-limited sensors publish every `1 / rate` seconds; binary sensors and
/// the fall-risk score repeat their state every 60 s (180 s). `None` for entities with no
/// period: events, and sensors whose rate is 0 ("on change only"), whose unchanged value
/// must not expire.
pub fn expire_after_s(entity: Entity, rates: &EntityRates) -> Option<u64> {
    if entity.spec().component == Component::Event {
        return None;
    }
    let period = match rates.rate_hz(entity) {
        Some(hz) => min_interval_s(hz)?,
        None => BINARY_HEARTBEAT_S,
    };
    Some((EXPIRE_PERIODS * period).max(EXPIRE_MIN_S).ceil() as u64)
}

/// The inputs of one node that decide availability. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeInputs {
    last_snapshot_s: Option<f64>,
    last_breathing_s: Option<f64>,
    last_heart_s: Option<f64>,
    last_vitals_message_s: Option<f64>,
    has_motion_energy: bool,
    has_rssi: bool,
    primitives_ready: bool,
}

impl NodeInputs {
    /// Records a snapshot of the node.
    pub fn observe_snapshot(&mut self, s: &NodeSnapshot) {
        self.last_snapshot_s = Some(s.timestamp_s);
        if s.breathing.is_some() {
            self.last_breathing_s = Some(s.timestamp_s);
        }
        if s.heart.is_some() {
            self.last_heart_s = Some(s.timestamp_s);
        }
        self.has_motion_energy = s.motion_energy.is_some();
        self.has_rssi = s.rssi_dbm.is_some();
    }

    /// Records an `edge_vitals` or `edge_fused_vitals` message of the node at `at_s`.
    pub fn observe_vitals_message(&mut self, at_s: f64) {
        self.last_vitals_message_s = Some(at_s);
    }

    /// Marks the end of the node's 60 s semantic warm-up.
    pub fn set_primitives_ready(&mut self, ready: bool) {
        self.primitives_ready = ready;
    }

    /// Whether the node sent a snapshot within the last 10 s.
    pub fn is_fresh(&self, now_s: f64) -> bool {
        within(self.last_snapshot_s, now_s, NODE_STALE_S)
    }

    fn has_breathing(&self, now_s: f64) -> bool {
        within(self.last_breathing_s, now_s, VITALS_FRESH_S)
    }

    fn has_heart(&self, now_s: f64) -> bool {
        within(self.last_heart_s, now_s, VITALS_FRESH_S)
    }

    fn has_fall_input(&self, now_s: f64) -> bool {
        within(self.last_vitals_message_s, now_s, FALL_INPUT_S)
    }

    /// Whether `entity` is `online` at `now_s`.
    pub fn is_available(&self, entity: Entity, now_s: f64) -> bool {
        if !self.is_fresh(now_s) {
            return false;
        }
        let semantic = self.primitives_ready;
        match entity {
            Entity::Presence
            | Entity::PersonCount
            | Entity::MotionLevel
            | Entity::PresenceScore => true,
            Entity::BreathingRate => self.has_breathing(now_s),
            Entity::HeartRate => self.has_heart(now_s),
            Entity::MotionEnergy => self.has_motion_energy,
            Entity::Rssi => self.has_rssi,
            Entity::Fall => self.has_fall_input(now_s),
            Entity::SomeoneSleeping | Entity::PossibleDistress => {
                semantic && (self.has_breathing(now_s) || self.has_heart(now_s))
            }
            Entity::FallRiskElevated => semantic && self.has_fall_input(now_s),
            Entity::RoomActive
            | Entity::ElderlyInactivityAnomaly
            | Entity::NoMovement
            | Entity::MeetingInProgress
            | Entity::BathroomOccupied
            | Entity::BedExit
            | Entity::MultiRoomTransition => semantic,
            // Never announced: no zone-occupancy or pose source.
            Entity::ZoneOccupancy | Entity::Pose => false,
        }
    }
}

fn within(last: Option<f64>, now_s: f64, window_s: f64) -> bool {
    last.is_some_and(|t| now_s - t <= window_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::VitalEstimate;

    fn snapshot(t: f64) -> NodeSnapshot {
        NodeSnapshot {
            node_id: Some(1),
            timestamp_s: t,
            presence: true,
            moving: false,
            motion_energy: Some(0.5),
            presence_score_pct: 50.0,
            breathing: Some(VitalEstimate {
                bpm: 15.0,
                confidence: 0.8,
            }),
            heart: None,
            n_persons: 1,
            rssi_dbm: None,
        }
    }

    #[test]
    fn expiry_is_three_periods_and_at_least_30_s() {
        let rates = EntityRates::default();
        // 0.2 Hz: 3 × 5 s = 15 s, raised to 30 s.
        assert_eq!(expire_after_s(Entity::HeartRate, &rates), Some(30));
        assert_eq!(expire_after_s(Entity::Rssi, &rates), Some(30)); // 3 × 10 s
        assert_eq!(expire_after_s(Entity::Presence, &rates), Some(180)); // 3 × 60 s
        assert_eq!(expire_after_s(Entity::FallRiskElevated, &rates), Some(180));
        assert_eq!(expire_after_s(Entity::Fall, &rates), None);
        let slow = EntityRates {
            rssi_hz: 0.05,
            count_hz: 0.0,
            ..rates
        };
        assert_eq!(expire_after_s(Entity::Rssi, &slow), Some(60)); // 3 × 20 s
        assert_eq!(expire_after_s(Entity::PersonCount, &slow), None);
    }

    #[test]
    fn nothing_is_online_before_the_first_snapshot() {
        let n = NodeInputs::default();
        assert!(Entity::ALL.iter().all(|&e| !n.is_available(e, 0.0)));
    }

    #[test]
    fn per_entity_inputs() {
        let mut n = NodeInputs::default();
        n.observe_snapshot(&snapshot(100.0));
        assert!(n.is_available(Entity::Presence, 100.0));
        assert!(n.is_available(Entity::BreathingRate, 100.0));
        assert!(!n.is_available(Entity::HeartRate, 100.0));
        assert!(n.is_available(Entity::MotionEnergy, 100.0));
        assert!(!n.is_available(Entity::Rssi, 100.0));
        assert!(!n.is_available(Entity::Fall, 100.0));
        assert!(
            !n.is_available(Entity::SomeoneSleeping, 100.0),
            "warm-up not over"
        );
        n.set_primitives_ready(true);
        assert!(n.is_available(Entity::SomeoneSleeping, 100.0));
        assert!(n.is_available(Entity::NoMovement, 100.0));
        assert!(
            !n.is_available(Entity::FallRiskElevated, 100.0),
            "needs the fall input"
        );
        n.observe_vitals_message(100.0);
        assert!(n.is_available(Entity::Fall, 100.0));
        assert!(n.is_available(Entity::FallRiskElevated, 100.0));
        assert!(!n.is_available(Entity::Pose, 100.0));
    }

    #[test]
    fn expiry_windows() {
        let mut n = NodeInputs::default();
        n.set_primitives_ready(true);
        n.observe_snapshot(&snapshot(100.0));
        n.observe_vitals_message(100.0);
        let mut later = snapshot(108.0);
        later.breathing = None;
        n.observe_snapshot(&later);
        assert!(n.is_available(Entity::BreathingRate, 110.0), "10 s fresh");
        assert!(!n.is_available(Entity::BreathingRate, 110.5));
        assert!(n.is_available(Entity::SomeoneSleeping, 110.0));
        assert!(
            !n.is_available(Entity::SomeoneSleeping, 110.5),
            "needs breathing or heart"
        );
        assert!(n.is_available(Entity::Presence, 118.0));
        assert!(
            !n.is_available(Entity::Presence, 118.5),
            "stale node: all offline"
        );
        let mut n2 = NodeInputs::default();
        n2.observe_vitals_message(100.0);
        n2.observe_snapshot(&snapshot(125.0));
        assert!(n2.is_available(Entity::Fall, 130.0));
        assert!(
            !n2.is_available(Entity::Fall, 130.5),
            "fall input expires after 30 s"
        );
    }
}
