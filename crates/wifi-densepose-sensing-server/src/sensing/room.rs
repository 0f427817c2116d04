//! Presence and person count from an empty-room calibration (`--calibration room.json`, made
//! by `wdp calibrate`): every node is one link of the field model, named by its node id.
//!
//! Frames are kept with their capture time (receive time live, recorded time under
//! `--replay`, simulated time for `--mock-people`). Every [`RECOUNT_EVERY`] the links are
//! aligned on a common grid of [`GRID_DT_S`] ending [`LAG_S`] before the newest frame (each
//! link's nearest frame within half a step, each frame used once:
//! `wifi_densepose_sensing::nearest_frames`), and the grid points where every link has a
//! frame are counted by `FieldModel::occupancy`. Until enough such points exist (16 of
//! [`WINDOW`]), or once no frame has arrived for [`SILENT_AFTER`], there is no estimate.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wifi_densepose_sensing::{nearest_frames, CalibrationConfig, FieldModel, OccupancyConfig};
use wifi_densepose_wire::iq::iq_to_amplitude;
use wifi_densepose_wire::RawCsiPacket;

/// Grid points in a counted window.
pub const WINDOW: usize = 40;
/// Grid step, seconds of capture time (longer than the usual 25–105 ms frame interval, so
/// every grid point gets its own frame).
pub const GRID_DT_S: f64 = 0.15;
/// The window ends this long before now, so every link's frames for it have arrived.
pub const LAG_S: f64 = 0.3;
/// No estimate once no frame of a calibrated node arrived for this long.
pub const SILENT_AFTER: Duration = Duration::from_secs(2);
/// Minimum time between two counts.
pub const RECOUNT_EVERY: Duration = Duration::from_millis(500);
/// Frames kept per link (a bound whatever the frame rate).
const MAX_FRAMES: usize = 1000;

/// The room's current estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomEstimate {
    pub presence: bool,
    pub person_count: u32,
    pub person_count_valid: bool,
}

/// The calibrated room: model, node → link map and per-link frames.
#[derive(Debug, Clone)]
pub struct RoomOccupancy {
    model: FieldModel,
    links: BTreeMap<u8, usize>,
    /// Per link: (capture time s since `origin`, amplitudes).
    frames: Vec<VecDeque<(f64, Vec<f64>)>>,
    /// Arrival of the newest frame, and the newest capture time.
    newest: Option<(Instant, f64)>,
    last: Option<(Instant, Option<RoomEstimate>)>,
}

impl RoomOccupancy {
    /// Reads a field model whose link labels are node ids (as `wdp calibrate` writes them).
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--calibration {}: {e}", path.display()))?;
        Self::from_model(
            FieldModel::from_json(&text)
                .map_err(|e| format!("--calibration {}: {e}", path.display()))?,
        )
    }

    pub fn from_model(model: FieldModel) -> Result<Self, String> {
        if model.labels().len() != model.n_links() {
            return Err(
                "--calibration: the field model must name its links by node id \
                        (as `wdp calibrate` writes it)"
                    .into(),
            );
        }
        let mut links = BTreeMap::new();
        for (l, label) in model.labels().iter().enumerate() {
            let node: u8 = label.parse().map_err(|_| {
                format!("--calibration: link label {label:?} at [{l}] is not a node id (0-255)")
            })?;
            links.insert(node, l);
        }
        let frames = vec![VecDeque::new(); model.n_links()];
        Ok(RoomOccupancy {
            model,
            links,
            frames,
            newest: None,
            last: None,
        })
    }

    /// Keeps a raw frame of a calibrated node (other nodes and other layouts are ignored).
    pub fn push(&mut self, raw: &RawCsiPacket, now: Instant, capture_s: f64) {
        let Some(&link) = self.links.get(&raw.node_id) else {
            return;
        };
        let s = self.model.n_subcarriers();
        if usize::from(raw.n_subcarriers) != s {
            return;
        }
        let Some(first_antenna) = raw.iq.get(..2 * s) else {
            return;
        };
        if !capture_s.is_finite() {
            return;
        }
        let mut t = capture_s;
        let frames = &mut self.frames[link];
        // Frames arriving in one burst keep their order a microsecond apart.
        if let Some((last, _)) = frames.back() {
            t = t.max(last + 1e-6);
        }
        frames.push_back((t, iq_to_amplitude(first_antenna)));
        let newest = self.newest.map_or(t, |(_, n)| n.max(t));
        self.newest = Some((now, newest));
        let oldest = t - (WINDOW as f64 * GRID_DT_S + LAG_S + 1.0);
        while frames.len() > MAX_FRAMES || frames.front().is_some_and(|(ft, _)| *ft < oldest) {
            frames.pop_front();
        }
    }

    /// The estimate at `now`, or `None` while the links do not yet fill a window.
    pub fn estimate(&mut self, now: Instant) -> Option<RoomEstimate> {
        if let Some((at, estimate)) = self.last {
            if now.saturating_duration_since(at) < RECOUNT_EVERY {
                return estimate;
            }
        }
        let estimate = match self.newest {
            Some((arrived, newest)) if now.saturating_duration_since(arrived) < SILENT_AFTER => {
                self.count(newest - LAG_S)
            }
            _ => None,
        };
        self.last = Some((now, estimate));
        estimate
    }

    fn count(&self, t_end: f64) -> Option<RoomEstimate> {
        let t0 = t_end - (WINDOW - 1) as f64 * GRID_DT_S;
        let mut picks = Vec::with_capacity(self.frames.len());
        for frames in &self.frames {
            let times: Vec<f64> = frames.iter().map(|(t, _)| *t).collect();
            picks.push(nearest_frames(&times, t0, GRID_DT_S, WINDOW, GRID_DT_S / 2.0).ok()?);
        }
        let rows: Vec<usize> = (0..WINDOW)
            .filter(|&k| picks.iter().all(|p| p[k].is_some()))
            .collect();
        let config = OccupancyConfig::default();
        if rows.len() < config.min_frames {
            return None;
        }
        let s = self.model.n_subcarriers();
        let mut window = Vec::with_capacity(rows.len() * self.frames.len() * s);
        for &k in &rows {
            for (frames, p) in self.frames.iter().zip(&picks) {
                let index = p[k]?;
                window.extend_from_slice(&frames[index].1);
            }
        }
        let occupancy = self.model.occupancy(&window, rows.len(), &config).ok()?;
        Some(RoomEstimate {
            presence: occupancy.presence,
            person_count: u32::try_from(occupancy.person_count).unwrap_or(u32::MAX),
            person_count_valid: occupancy.person_count_valid,
        })
    }
}

/// Most frames kept per node while recording a calibration (≈ 10 MB of amplitudes).
const MAX_CALIBRATION_FRAMES: usize = 20_000;

/// Records an empty-room calibration live (`--record-calibration PATH`): every node's raw
/// frames for `seconds` of capture time, then the field model (links named by node id) is
/// fitted, written to `path` and used.
#[derive(Debug, Clone)]
pub struct CalibrationRecorder {
    path: PathBuf,
    seconds: f64,
    start_s: Option<f64>,
    nodes: BTreeMap<u8, NodeFrames>,
}

/// One node's calibration frames.
#[derive(Debug, Clone, Default)]
struct NodeFrames {
    subcarriers: usize,
    /// Row-major `[frames, subcarriers]`.
    amplitudes: Vec<f64>,
    frames: usize,
}

impl CalibrationRecorder {
    pub fn new(path: PathBuf, seconds: f64) -> Self {
        CalibrationRecorder {
            path,
            seconds,
            start_s: None,
            nodes: BTreeMap::new(),
        }
    }

    /// Keeps a frame; once `seconds` have passed, the fitted room (or why it failed).
    pub fn push(
        &mut self,
        raw: &RawCsiPacket,
        capture_s: f64,
    ) -> Option<Result<RoomOccupancy, String>> {
        if !capture_s.is_finite() {
            return None;
        }
        let start = *self.start_s.get_or_insert(capture_s);
        if capture_s - start >= self.seconds {
            return Some(self.finish());
        }
        let width = usize::from(raw.n_subcarriers);
        let entry = self.nodes.entry(raw.node_id).or_insert(NodeFrames {
            subcarriers: width,
            ..NodeFrames::default()
        });
        if entry.subcarriers == width && entry.frames < MAX_CALIBRATION_FRAMES {
            if let Some(iq) = raw.iq.get(..2 * width) {
                entry.amplitudes.extend(iq_to_amplitude(iq));
                entry.frames += 1;
            }
        }
        None
    }

    fn finish(&self) -> Result<RoomOccupancy, String> {
        // The most common layout; nodes with another one, or too few frames, are left out.
        let config = CalibrationConfig::default();
        let mut widths: BTreeMap<usize, usize> = BTreeMap::new();
        for node in self.nodes.values() {
            *widths.entry(node.subcarriers).or_insert(0) += 1;
        }
        let width = widths
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(w, _)| *w)
            .unwrap_or(0);
        let need = config.min_frames.max(2 * width);
        let chosen: Vec<(&u8, &NodeFrames)> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.subcarriers == width && n.frames >= need)
            .collect();
        if chosen.is_empty() {
            return Err(format!(
                "calibration: no node sent {need} frames of {width} subcarriers in {} s",
                self.seconds
            ));
        }
        let links: Vec<(&[f64], usize)> = chosen
            .iter()
            .map(|(_, n)| (&n.amplitudes[..], n.frames))
            .collect();
        let labels = chosen.iter().map(|(node, _)| node.to_string()).collect();
        let model = FieldModel::fit(&links, width, &config)
            .and_then(|m| m.with_labels(labels))
            .map_err(|e| format!("calibration: {e}"))?;
        std::fs::write(&self.path, model.to_json())
            .map_err(|e| format!("calibration: cannot write {}: {e}", self.path.display()))?;
        RoomOccupancy::from_model(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_sensing::{CalibrationConfig, Scenario, Simulation};

    #[test]
    fn labels_must_be_node_ids() {
        let cal = Simulation::new(Scenario::room_with_people(0, 0, 1, 1)).record(0.0, 20.0);
        let links: Vec<(&[f64], usize)> = cal
            .iter()
            .map(|r| (&r.amplitudes[..], r.timestamps_s.len()))
            .collect();
        let model = FieldModel::fit(&links, 56, &CalibrationConfig::default()).unwrap();
        assert!(RoomOccupancy::from_model(model.clone())
            .unwrap_err()
            .contains("node id"));
        let named = model
            .with_labels(vec![
                "1".into(),
                "2".into(),
                "x".into(),
                "4".into(),
                "5".into(),
                "6".into(),
            ])
            .unwrap();
        assert!(RoomOccupancy::from_model(named)
            .unwrap_err()
            .contains("\"x\" at [2]"));
    }
}
