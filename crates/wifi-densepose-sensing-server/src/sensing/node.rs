//! Everything the server knows about one ESP32 node: liveness, RSSI, frame rate, the gated
//! feature path (activity and vitals) and the node's own edge vitals and sync state.

use std::time::{Duration, Instant};

use wifi_densepose_wire::messages::{
    Classification, Features, MotionLevel, NodeEntry, NodeFeatures, SyncInfo, VitalSigns,
};

use crate::messages::{DEFAULT_RSSI_DBM, MAX_AMPLITUDES};
use crate::sensing::activity::ActivityTracker;
use crate::sensing::grid::{GridGate, GridKey};
use crate::sensing::mode::SampleClock;
use crate::sensing::vitals::NodeVitals;
use wifi_densepose_core::RingBuffer as Ring;

/// A node is stale after this long without a datagram (docs/wire.md §3.8).
pub const STALE_AFTER: Duration = Duration::from_secs(5);
/// A node leaves `nodes[]` after this long.
pub const HIDDEN_AFTER: Duration = Duration::from_secs(10);
/// A node is forgotten after this long.
pub const FORGOTTEN_AFTER: Duration = Duration::from_secs(60);

const RSSI_HISTORY: usize = 32;
const FRAME_RATE_WINDOW: usize = 32;
/// Smoothing of the CSI frame rate reported with the sync state.
const SYNC_FPS_ALPHA: f64 = 0.2;

/// What the node's own vitals packets said last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeState {
    pub presence: bool,
    pub motion: bool,
    pub n_persons: u8,
    pub person_count_valid: bool,
}

/// Decoded fields of a mesh time-sync packet (docs/wire.md §1.10) the server keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncSample {
    pub offset_us: i64,
    pub is_leader: bool,
    pub is_valid: bool,
    pub smoothed: bool,
    pub sequence: u32,
    pub local_us: u64,
}

#[derive(Debug, Clone, Copy)]
struct SyncState {
    sample: SyncSample,
    received: Instant,
    fps_ema: f64,
    fps_samples: u64,
}

/// Gated frames over which the feature path's frame rate is measured.
pub const RATE_WINDOW: usize = 64;

/// One gated raw CSI frame, first antenna.
#[derive(Debug, Clone, Copy)]
pub struct RawFrame<'a> {
    pub rssi: i8,
    pub layout: GridKey,
    pub amplitudes: &'a [f64],
    pub phases: &'a [f64],
}

#[derive(Debug)]
pub struct NodeTracker {
    node_id: u8,
    position: [f64; 3],
    clock: SampleClock,
    /// Capture times (seconds) of gated frames.
    gated_times: Ring<f64>,
    /// The gated frames' rate the feature path uses, once measured.
    sample_rate_hz: Option<f64>,
    last_seen: Instant,
    rssi_dbm: Option<f64>,
    rssi_history: Ring<f64>,
    /// Capture times (seconds) of every raw frame.
    frame_times: Ring<f64>,
    raw_frames: u64,
    grid: GridGate,
    gated_layout: Option<GridKey>,
    amplitude: Vec<f64>,
    subcarrier_count: u16,
    activity: ActivityTracker,
    vitals: Option<NodeVitals>,
    edge: Option<EdgeState>,
    sync: Option<SyncState>,
}

impl NodeTracker {
    pub fn new(node_id: u8, position: [f64; 3], clock: SampleClock, now: Instant) -> Self {
        NodeTracker {
            node_id,
            position,
            clock,
            gated_times: Ring::new(RATE_WINDOW),
            sample_rate_hz: None,
            last_seen: now,
            rssi_dbm: None,
            rssi_history: Ring::new(RSSI_HISTORY),
            frame_times: Ring::new(FRAME_RATE_WINDOW),
            raw_frames: 0,
            grid: GridGate::default(),
            gated_layout: None,
            amplitude: Vec::new(),
            subcarrier_count: 0,
            activity: ActivityTracker::new(),
            vitals: None,
            edge: None,
            sync: None,
        }
    }

    pub fn node_id(&self) -> u8 {
        self.node_id
    }

    /// Any accepted datagram of this node.
    pub fn touch(&mut self, now: Instant) {
        self.last_seen = now;
    }

    /// An RSSI in dBm; 0 means "not measured" and is ignored.
    pub fn record_rssi(&mut self, rssi_dbm: i8) {
        if rssi_dbm != 0 {
            let value = f64::from(rssi_dbm);
            self.rssi_dbm = Some(value);
            self.rssi_history.push(value);
        }
    }

    /// A raw CSI frame captured at `capture_s` (seconds on any fixed origin; a fixed clock
    /// places frames itself): updates liveness, RSSI, frame rate and vitals (every layout: the
    /// vitals stage uses the bins they share, on capture time) always, and the feature path
    /// only when the frame has the node's dominant layout.
    pub fn on_raw_frame(&mut self, frame: RawFrame<'_>, now: Instant, capture_s: f64) {
        self.touch(now);
        let capture_s = match self.clock {
            SampleClock::Fixed(rate) => self.raw_frames as f64 / rate,
            SampleClock::Measured => capture_s,
        };
        self.raw_frames += 1;
        // RuView-compatible: a positive RSSI is a sign error.
        self.record_rssi(if frame.rssi > 0 {
            frame.rssi.saturating_neg()
        } else {
            frame.rssi
        });
        self.frame_times.push(capture_s);
        let vitals = self
            .vitals
            .get_or_insert_with(|| NodeVitals::new(self.clock));
        vitals.push(capture_s, frame.amplitudes, frame.phases);
        // Two decimals are far below the i8 quantisation step and keep messages small.
        self.amplitude = frame
            .amplitudes
            .iter()
            .take(MAX_AMPLITUDES)
            .map(|a| round_to(*a, 100.0))
            .collect();
        self.subcarrier_count = frame.layout.0;
        let dominant = self.grid.observe(frame.layout);
        if frame.layout != dominant {
            return;
        }
        if self.gated_layout != Some(dominant) {
            self.gated_layout = Some(dominant);
            self.activity.reset();
            self.gated_times.clear();
            self.sample_rate_hz = None;
        }
        self.gated_times.push(capture_s);
        self.sample_rate_hz = match self.clock {
            SampleClock::Fixed(rate) => Some(rate),
            // Follows the measured rate as it drifts; the activity path needs no restart.
            SampleClock::Measured => rate_over(&self.gated_times, RATE_WINDOW)
                .map(|rate| round_to(rate, 10.0))
                .or(self.sample_rate_hz),
        };
        self.activity.push(frame.amplitudes, self.sample_rate_hz);
    }

    pub fn set_edge(&mut self, edge: EdgeState) {
        self.edge = Some(edge);
    }

    pub fn on_sync(&mut self, sample: SyncSample, now: Instant) {
        self.touch(now);
        let (fps_ema, fps_samples) = match self.sync {
            Some(previous) if sample.local_us > previous.sample.local_us => {
                let frames = f64::from(sample.sequence.wrapping_sub(previous.sample.sequence));
                let seconds = (sample.local_us - previous.sample.local_us) as f64 / 1e6;
                let fps = frames / seconds;
                if previous.fps_samples == 0 {
                    (fps, 1)
                } else {
                    (
                        previous.fps_ema + SYNC_FPS_ALPHA * (fps - previous.fps_ema),
                        previous.fps_samples + 1,
                    )
                }
            }
            Some(previous) => (previous.fps_ema, previous.fps_samples),
            None => (0.0, 0),
        };
        self.sync = Some(SyncState {
            sample,
            received: now,
            fps_ema,
            fps_samples,
        });
    }

    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_seen)
    }

    pub fn is_stale(&self, now: Instant) -> bool {
        self.age(now) >= STALE_AFTER
    }

    pub fn rssi_dbm(&self) -> f64 {
        self.rssi_dbm.unwrap_or(DEFAULT_RSSI_DBM)
    }

    fn mean_rssi(&self) -> f64 {
        if self.rssi_history.is_empty() {
            DEFAULT_RSSI_DBM
        } else {
            self.rssi_history.iter().sum::<f64>() / self.rssi_history.len() as f64
        }
    }

    /// Raw frames per second of capture time over the recent window.
    pub fn frame_rate_hz(&self) -> f64 {
        rate_over(&self.frame_times, 2).unwrap_or(0.0)
    }

    pub fn has_csi(&self) -> bool {
        self.activity.frames() > 0
    }

    pub fn subcarrier_count(&self) -> u16 {
        self.subcarrier_count
    }

    pub fn features(&self) -> Features {
        self.activity.features(self.mean_rssi())
    }

    /// From CSI when the node sends it; otherwise from its own vitals flags.
    pub fn classification(&self) -> Classification {
        if self.has_csi() {
            return self.activity.classification();
        }
        match self.edge {
            Some(edge) if edge.motion => Classification::new(MotionLevel::PresentMoving, 0.5),
            Some(edge) if edge.presence => Classification::new(MotionLevel::PresentStill, 0.5),
            Some(_) => Classification::new(MotionLevel::Absent, 0.5),
            None => Classification::new(MotionLevel::Absent, 0.0),
        }
    }

    /// People this node accounts for: its own valid count, else 1 when present.
    pub fn person_estimate(&self) -> u32 {
        match self.edge {
            Some(edge) if edge.person_count_valid && edge.n_persons > 0 => {
                u32::from(edge.n_persons)
            }
            _ => u32::from(self.classification().presence),
        }
    }

    /// Motion intensity in 0..1 for the heat grid.
    pub fn intensity(&self) -> f64 {
        let c = self.classification();
        match c.motion_level {
            MotionLevel::Absent => 0.0,
            MotionLevel::PresentStill => 0.35,
            MotionLevel::PresentMoving => 0.7,
            MotionLevel::Active => 1.0,
        }
    }

    pub fn position(&self) -> [f64; 3] {
        self.position
    }

    pub fn vital_signs(&self) -> Option<VitalSigns> {
        self.vitals.as_ref().and_then(NodeVitals::latest)
    }

    pub fn vitals(&self) -> Option<&NodeVitals> {
        self.vitals.as_ref()
    }

    pub fn entry(&self, now: Instant) -> NodeEntry {
        NodeEntry {
            node_id: self.node_id,
            rssi_dbm: self.rssi_dbm(),
            position: self.position,
            amplitude: self.amplitude.clone().into(),
            subcarrier_count: self.subcarrier_count,
            sync: self.sync.map(|s| SyncInfo {
                offset_us: s.sample.offset_us,
                is_leader: s.sample.is_leader,
                is_valid: s.sample.is_valid,
                smoothed: s.sample.smoothed,
                sequence: s.sample.sequence,
                csi_fps_ema: s.fps_ema,
                csi_fps_samples: s.fps_samples,
                staleness_ms: Some(millis(now.saturating_duration_since(s.received))),
            }),
        }
    }

    pub fn node_features(&self, now: Instant) -> NodeFeatures {
        NodeFeatures {
            node_id: self.node_id,
            features: self.features(),
            classification: self.classification(),
            rssi_dbm: self.rssi_dbm(),
            last_seen_ms: millis(self.age(now)),
            frame_rate_hz: self.frame_rate_hz(),
            stale: self.is_stale(now),
        }
    }
}

/// (n − 1) / span of the capture times in `times`, once it holds at least `min_len` and spans
/// a positive time.
fn rate_over(times: &Ring<f64>, min_len: usize) -> Option<f64> {
    let (first, last) = (times.front()?, times.back()?);
    let span = last - first;
    (times.len() >= min_len.max(2) && span > 0.0).then(|| (times.len() - 1) as f64 / span)
}

/// `value` rounded to a multiple of `1 / scale`.
pub fn round_to(value: f64, scale: f64) -> f64 {
    (value * scale).round() / scale
}

/// Whole milliseconds, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rssi: i8, layout: GridKey, amplitudes: &[f64]) -> RawFrame<'_> {
        RawFrame {
            rssi,
            layout,
            amplitudes,
            phases: amplitudes,
        }
    }

    #[test]
    fn positive_rssi_is_negated_and_zero_ignored() {
        let now = Instant::now();
        let mut node = NodeTracker::new(1, [0.0; 3], SampleClock::Fixed(20.0), now);
        assert_eq!(node.rssi_dbm(), DEFAULT_RSSI_DBM);
        node.on_raw_frame(frame(40, (4, 0), &[1.0; 4]), now, 0.0);
        assert_eq!(node.rssi_dbm(), -40.0);
        node.record_rssi(0);
        assert_eq!(node.rssi_dbm(), -40.0);
        node.record_rssi(-60);
        assert_eq!(node.rssi_dbm(), -60.0);
        assert_eq!(node.features().mean_rssi, -50.0);
    }

    #[test]
    fn off_grid_frames_update_liveness_but_not_the_feature_path() {
        let start = Instant::now();
        let mut node = NodeTracker::new(1, [0.0; 3], SampleClock::Measured, start);
        for i in 0..3 {
            node.on_raw_frame(
                frame(-50, (64, 0), &[10.0; 64]),
                start + Duration::from_millis(50 * i),
                0.05 * i as f64,
            );
        }
        let later = start + Duration::from_millis(200);
        node.on_raw_frame(frame(-50, (128, 0), &[10.0; 128]), later, 0.2);
        assert_eq!(node.activity.frames(), 3);
        assert_eq!(node.subcarrier_count(), 128);
        assert_eq!(
            node.entry(later).amplitude.shown().map(Vec::len),
            Some(MAX_AMPLITUDES)
        );
        assert_eq!(node.age(later), Duration::ZERO);
        // 4 frames over 200 ms of capture time.
        assert!((node.frame_rate_hz() - 15.0).abs() < 1e-9);
    }

    /// `frames` frames of 56 bins, `spacing_s` apart in capture time from `t0`, received all
    /// at once (as a fast replay delivers them).
    fn feed(node: &mut NodeTracker, t0: f64, frames: u32, spacing_s: f64) -> f64 {
        let now = Instant::now();
        let mut t = t0;
        for i in 0..frames {
            t = t0 + spacing_s * f64::from(i);
            let bins: Vec<f64> = (0..56).map(|k| 10.0 + f64::from((i + k) % 3)).collect();
            node.on_raw_frame(frame(-50, (56, 0), &bins), now, t);
        }
        t
    }

    #[test]
    fn capture_time_sets_rates_and_a_drifting_rate_restarts_nothing() {
        let mut node = NodeTracker::new(1, [0.0; 3], SampleClock::Measured, Instant::now());
        let end = feed(&mut node, 0.0, RATE_WINDOW as u32, 0.05);
        assert_eq!(node.sample_rate_hz, Some(20.0));
        assert!((node.frame_rate_hz() - 20.0).abs() < 1e-9);
        // The vitals stage fixed its grid at the warm-up's 20 Hz: 600 breathing samples.
        let vitals = node.vitals().unwrap();
        assert_eq!(vitals.sample_rate_hz(), Some(20.0));
        assert_eq!(vitals.buffer_status().unwrap().breathing_capacity, 600);
        // The stream slows to 10 Hz: the feature path follows, vitals keep their history.
        let before = vitals.buffer_status().unwrap().breathing_samples;
        feed(&mut node, end + 0.1, 128, 0.1);
        assert_eq!(node.sample_rate_hz, Some(10.0));
        assert!((node.frame_rate_hz() - 10.0).abs() < 1e-9);
        let vitals = node.vitals().unwrap();
        assert_eq!(vitals.sample_rate_hz(), Some(20.0));
        // 12.8 s more at 20 Hz on the grid: 256 more samples, none lost.
        assert_eq!(
            vitals.buffer_status().unwrap().breathing_samples,
            before + 256
        );
    }

    #[test]
    fn a_fixed_clock_places_frames_itself() {
        let mut node = NodeTracker::new(1, [0.0; 3], SampleClock::Fixed(50.0), Instant::now());
        // The capture times given are ignored: frame n is at n / 50 s.
        feed(&mut node, 1000.0, 100, 1.0);
        assert!((node.frame_rate_hz() - 50.0).abs() < 1e-9);
        assert_eq!(node.vitals().unwrap().sample_rate_hz(), Some(50.0));
    }

    #[test]
    fn staleness_thresholds() {
        let start = Instant::now();
        let node = NodeTracker::new(7, [0.0; 3], SampleClock::Fixed(20.0), start);
        assert!(!node.is_stale(start + Duration::from_millis(4999)));
        assert!(node.is_stale(start + STALE_AFTER));
        assert_eq!(node.node_features(start + STALE_AFTER).last_seen_ms, 5000);
    }

    #[test]
    fn vitals_only_node_is_classified_from_its_flags() {
        let now = Instant::now();
        let mut node = NodeTracker::new(2, [0.0; 3], SampleClock::Fixed(20.0), now);
        node.set_edge(EdgeState {
            presence: false,
            motion: true,
            n_persons: 0,
            person_count_valid: false,
        });
        assert_eq!(
            node.classification().motion_level,
            MotionLevel::PresentMoving
        );
        assert_eq!(node.person_estimate(), 1);
        node.set_edge(EdgeState {
            presence: true,
            motion: false,
            n_persons: 2,
            person_count_valid: true,
        });
        assert_eq!(
            node.classification().motion_level,
            MotionLevel::PresentStill
        );
        assert_eq!(node.person_estimate(), 2);
    }

    #[test]
    fn sync_frame_rate_from_sequence_and_local_clock() {
        let now = Instant::now();
        let mut node = NodeTracker::new(1, [0.0; 3], SampleClock::Fixed(20.0), now);
        let sample = SyncSample {
            offset_us: 1500,
            is_leader: false,
            is_valid: true,
            smoothed: true,
            sequence: 100,
            local_us: 1_000_000,
        };
        node.on_sync(sample, now);
        node.on_sync(
            SyncSample {
                sequence: 111,
                local_us: 1_500_000,
                ..sample
            },
            now,
        );
        let sync = node.entry(now).sync.unwrap();
        assert_eq!(
            (sync.csi_fps_ema, sync.csi_fps_samples, sync.offset_us),
            (22.0, 1, 1500)
        );
    }
}
