//! `multi_room_transition`: the same track seen in two rooms within 10 s.
//!
//! Home-wide rather than per node. A transition is reported when presence starts in a
//! room while the same track was present in another room at most 10 s earlier. The server
//! has no person tracker, so callers without track ids pass [`ANONYMOUS_TRACK`] and all
//! presence forms one track.

use std::collections::BTreeMap;

/// Track id for presence that carries no person identity.
pub const ANONYMOUS_TRACK: u32 = 0;
/// Maximum gap between the two rooms (seconds).
pub const WINDOW_S: f64 = 10.0;

/// A reported transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub track: u32,
    pub from_room: String,
    pub to_room: String,
}

#[derive(Debug, Clone, Default)]
pub struct MultiRoomTransition {
    /// Per room: whether it saw presence at its previous sample.
    room_present: BTreeMap<String, bool>,
    /// Per track: the room it was last present in, and when.
    last_seen: BTreeMap<u32, (String, f64)>,
}

impl MultiRoomTransition {
    /// Records one sample of `room` at `t_s` for `track`.
    pub fn update(
        &mut self,
        room: &str,
        track: u32,
        present: bool,
        t_s: f64,
    ) -> Option<Transition> {
        // Keeps memory bounded by the tracks seen within the window.
        self.last_seen.retain(|_, (_, t)| t_s - *t <= WINDOW_S);
        let was_present = self
            .room_present
            .insert(room.to_string(), present)
            .unwrap_or(false);
        if !present {
            return None;
        }
        let previous = self.last_seen.insert(track, (room.to_string(), t_s));
        match previous {
            Some((from, _)) if !was_present && from != room => Some(Transition {
                track,
                from_room: from,
                to_room: room.to_string(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walking_from_one_room_to_another_within_10_s() {
        let mut m = MultiRoomTransition::default();
        assert_eq!(m.update("kitchen", 0, true, 0.0), None);
        assert_eq!(m.update("kitchen", 0, false, 5.0), None);
        assert_eq!(
            m.update("hall", 0, true, 8.0),
            Some(Transition {
                track: 0,
                from_room: "kitchen".into(),
                to_room: "hall".into()
            })
        );
        assert_eq!(
            m.update("hall", 0, true, 9.0),
            None,
            "one event per arrival"
        );
    }

    #[test]
    fn a_gap_over_10_s_is_not_a_transition() {
        let mut m = MultiRoomTransition::default();
        m.update("kitchen", 0, true, 0.0);
        m.update("kitchen", 0, false, 1.0);
        assert_eq!(m.update("hall", 0, true, 10.5), None);
    }

    #[test]
    fn tracks_are_separate() {
        let mut m = MultiRoomTransition::default();
        m.update("kitchen", 1, true, 0.0);
        assert_eq!(m.update("hall", 2, true, 3.0), None);
        assert!(m.update("bedroom", 1, true, 4.0).is_some());
    }
}
