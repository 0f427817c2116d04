//! 1 Hz sampling of a node's snapshots, keeping fall edges between samples.

use crate::error::{HaError, HaResult};
use crate::snapshot::{NodeSnapshot, VitalEstimate};

/// One per-second observation of a node, the input of every primitive.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Unix seconds.
    pub t_s: f64,
    pub presence: bool,
    /// Motion level in percent (0..100).
    pub motion_pct: f64,
    pub n_persons: u32,
    /// Breathing rate (BPM) when estimated.
    pub breathing_bpm: Option<f64>,
    pub heart: Option<VitalEstimate>,
    /// A fall edge arrived since the previous sample.
    pub fall_edge: bool,
}

/// Emits at most one sample per wall-clock second of the snapshot timestamps.
#[derive(Debug, Clone, Default)]
pub(crate) struct OneHzSampler {
    last_second: Option<i64>,
    pending_fall: bool,
}

impl OneHzSampler {
    /// Remembers a fall edge for the next emitted sample.
    pub fn note_fall_edge(&mut self) {
        self.pending_fall = true;
    }

    /// Rejects a snapshot with a non-finite time or vital sign.
    pub fn validate(s: &NodeSnapshot) -> HaResult<()> {
        HaError::ensure_finite("timestamp", s.timestamp_s)?;
        for (field, v) in [("breathing", s.breathing), ("heart", s.heart)] {
            if let Some(v) = v {
                HaError::ensure_finite(&format!("{field}.bpm"), v.bpm)?;
                HaError::ensure_finite(&format!("{field}.confidence"), v.confidence)?;
            }
        }
        Ok(())
    }

    /// The sample for `s` if it opens a new second; snapshots that go back in time are
    /// skipped. Invalid snapshots are rejected before any state changes.
    pub fn offer(&mut self, s: &NodeSnapshot) -> HaResult<Option<Sample>> {
        Self::validate(s)?;
        let second = s.timestamp_s.floor() as i64;
        if self.last_second.is_some_and(|last| second <= last) {
            return Ok(None);
        }
        self.last_second = Some(second);
        let fall_edge = std::mem::take(&mut self.pending_fall);
        Ok(Some(Sample {
            t_s: s.timestamp_s,
            presence: s.presence,
            motion_pct: s.motion_pct(),
            n_persons: s.n_persons,
            breathing_bpm: s.breathing.map(|b| b.bpm),
            heart: s.heart,
            fall_edge,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(t: f64) -> NodeSnapshot {
        NodeSnapshot {
            node_id: Some(1),
            timestamp_s: t,
            presence: true,
            moving: false,
            motion_energy: None,
            presence_score_pct: 0.0,
            breathing: None,
            heart: None,
            n_persons: 1,
            rssi_dbm: None,
        }
    }

    #[test]
    fn one_sample_per_second_and_falls_kept() {
        let mut s = OneHzSampler::default();
        let times = [10.0, 10.1, 10.9, 11.0, 11.5, 13.2, 12.0];
        let emitted: Vec<bool> = times
            .iter()
            .map(|&t| s.offer(&snap(t)).unwrap().is_some())
            .collect();
        assert_eq!(emitted, [true, false, false, true, false, true, false]);
        s.note_fall_edge();
        assert!(s.offer(&snap(13.5)).unwrap().is_none());
        assert!(
            s.offer(&snap(14.0)).unwrap().unwrap().fall_edge,
            "edge between samples kept"
        );
        assert!(!s.offer(&snap(15.0)).unwrap().unwrap().fall_edge);
    }

    #[test]
    fn non_finite_input_is_rejected_without_state_change() {
        let mut s = OneHzSampler::default();
        assert!(s.offer(&snap(f64::NAN)).is_err());
        let mut bad = snap(20.0);
        bad.heart = Some(VitalEstimate {
            bpm: f64::INFINITY,
            confidence: 0.9,
        });
        assert!(s.offer(&bad).is_err());
        assert!(
            s.offer(&snap(20.0)).unwrap().is_some(),
            "second 20 not consumed by the error"
        );
    }
}
