//! A whole recording in memory, with per-node access and a summary.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use num_complex::Complex64;

use super::meta::{sidecar_path, RecordingMeta};
use super::reader::{LineOutcome, ReadMode, RecordingReader};
use super::record::{RawCsiRecord, Record, RecordBody, VitalsRecord};
use crate::error::{RecordingError, WireError, WireResult};
use crate::iq::{iq_to_amplitude, iq_to_complex, IqOrder};
use wifi_densepose_core::utils::ColumnRange;

/// Every good record of a file, the bad lines skipped in lenient mode, and the sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub records: Vec<Record>,
    pub skipped: Vec<RecordingError>,
    pub meta: Option<RecordingMeta>,
    /// Disagreements between the sidecar's counts and the data file.
    pub meta_warnings: Vec<String>,
}

/// One node's raw CSI frames of one subcarrier count, first antenna.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiSeries {
    pub n_subcarriers: u16,
    /// Host receive times, Unix seconds.
    pub timestamps: Vec<f64>,
    /// Row-major `[frame][subcarrier]`.
    pub values: Vec<Complex64>,
}

/// What one node contributed to a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSummary {
    pub node_id: u8,
    pub lines: usize,
    pub raw_csi: usize,
    pub vitals: usize,
    pub feature: usize,
    pub untyped: usize,
    pub other: usize,
    /// `(n_subcarriers, frames)`, most frequent first.
    pub layouts: Vec<(u16, usize)>,
    /// Per layout (in `layouts` order), the bins whose first-antenna amplitude never changes
    /// over the node's frames of that layout: an OFDM capture's DC and guard subcarriers.
    pub null_bins: Vec<(u16, Vec<usize>)>,
    pub first_timestamp: f64,
    pub last_timestamp: f64,
    /// Raw CSI frames per second over the node's first-to-last frame span.
    pub csi_rate_hz: Option<f64>,
    /// Vitals lines per second over the node's first-to-last vitals span.
    pub vitals_rate_hz: Option<f64>,
}

/// Counts, layouts, rates and time span of a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingSummary {
    pub records: usize,
    pub bad_lines: usize,
    /// Lines per `type` (`"untyped"` for lines without one), sorted by name.
    pub kinds: Vec<(String, usize)>,
    pub first_timestamp: Option<f64>,
    pub last_timestamp: Option<f64>,
    pub nodes: Vec<NodeSummary>,
}

impl RecordingSummary {
    /// Last − first timestamp, seconds (0 for an empty recording).
    pub fn duration_secs(&self) -> f64 {
        match (self.first_timestamp, self.last_timestamp) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        }
    }
}

impl Recording {
    /// Reads `path` and, when present, the sidecar next to it. The sidecar is optional: in
    /// lenient mode a damaged one is ignored with a warning in `meta_warnings` (strict mode
    /// fails on it).
    pub fn load(path: impl AsRef<Path>, mode: ReadMode) -> WireResult<Recording> {
        let path = path.as_ref();
        let mut recording = Recording::from_reader(RecordingReader::open(path, mode)?)?;
        if let Some(meta_path) = sidecar_path(path).filter(|p| p.is_file()) {
            match RecordingMeta::read(&meta_path) {
                Ok(meta) => {
                    recording.meta_warnings = recording.check_meta(&meta);
                    recording.meta = Some(meta);
                }
                Err(e) if mode == ReadMode::Lenient => recording
                    .meta_warnings
                    .push(format!("sidecar {} ignored: {e}", meta_path.display())),
                Err(e) => return Err(e),
            }
        }
        Ok(recording)
    }

    /// Reads every line of `reader` (no sidecar).
    pub fn from_reader<R: BufRead>(mut reader: RecordingReader<R>) -> WireResult<Recording> {
        let mut records = Vec::new();
        let mut skipped = Vec::new();
        while let Some(outcome) = reader.next_outcome() {
            match outcome? {
                LineOutcome::Record(r) => records.push(r),
                LineOutcome::Skipped(bad) => skipped.push(bad),
            }
        }
        Ok(Recording {
            records,
            skipped,
            meta: None,
            meta_warnings: Vec::new(),
        })
    }

    pub fn bad_lines(&self) -> usize {
        self.skipped.len()
    }

    /// Node ids in ascending order.
    pub fn nodes(&self) -> Vec<u8> {
        let mut seen = [false; 256];
        for r in &self.records {
            seen[usize::from(r.node_id)] = true;
        }
        (0..=255u8).filter(|&id| seen[usize::from(id)]).collect()
    }

    /// `(n_subcarriers, frames)` of a node's raw CSI, most frequent first (ties: fewer
    /// subcarriers first).
    pub fn layouts(&self, node_id: u8) -> Vec<(u16, usize)> {
        let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
        for r in &self.records {
            if let (true, RecordBody::RawCsi(raw)) = (r.node_id == node_id, &r.body) {
                *counts.entry(raw.subcarriers).or_default() += 1;
            }
        }
        let mut layouts: Vec<(u16, usize)> = counts.into_iter().collect();
        layouts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        layouts
    }

    /// A node's raw CSI frames with `n_subcarriers` bins (default: its most frequent
    /// count), first antenna. `NotFound` when the node has no raw CSI at all.
    pub fn csi(
        &self,
        node_id: u8,
        n_subcarriers: Option<u16>,
        order: IqOrder,
    ) -> WireResult<CsiSeries> {
        let dominant = self.layouts(node_id).first().map(|&(n, _)| n);
        let Some(n) = n_subcarriers.or(dominant) else {
            return Err(WireError::NotFound {
                what: format!("raw CSI frames of node {node_id}"),
            });
        };
        let row_bytes = 2 * usize::from(n);
        let mut series = CsiSeries {
            n_subcarriers: n,
            timestamps: Vec::new(),
            values: Vec::new(),
        };
        for r in &self.records {
            if let RecordBody::RawCsi(raw) = &r.body {
                if r.node_id == node_id && raw.subcarriers == n {
                    series.timestamps.push(r.timestamp);
                    series
                        .values
                        .extend(iq_to_complex(raw.iq.get(..row_bytes).unwrap_or(&[]), order));
                }
            }
        }
        Ok(series)
    }

    /// A node's raw CSI records of every layout, in file order, with their timestamps.
    pub fn raw_frames(&self, node_id: u8) -> impl Iterator<Item = (f64, &RawCsiRecord)> {
        self.records.iter().filter_map(move |r| match &r.body {
            RecordBody::RawCsi(raw) if r.node_id == node_id => Some((r.timestamp, raw)),
            _ => None,
        })
    }

    /// A node's own edge-vitals lines.
    pub fn vitals(&self, node_id: u8) -> impl Iterator<Item = (&Record, &VitalsRecord)> {
        self.records.iter().filter_map(move |r| match &r.body {
            RecordBody::Vitals(v) if r.node_id == node_id => Some((r, v)),
            _ => None,
        })
    }

    /// The records whose timestamp lies in `[start, end]` (Unix seconds, both ends
    /// included; `None` leaves that side open), in file order. The skipped lines, the sidecar
    /// and its warnings are kept: they describe the whole file. A non-finite bound or
    /// `start > end` is `WireError::Invalid` naming `start` or `end`.
    pub fn window(&self, start: Option<f64>, end: Option<f64>) -> WireResult<Recording> {
        for (field, bound) in [("start", start), ("end", end)] {
            if let Some(t) = bound.filter(|t| !t.is_finite()) {
                return Err(WireError::invalid(
                    field,
                    format!("must be a finite time, got {t}"),
                ));
            }
        }
        if let (Some(a), Some(b)) = (start, end) {
            if a > b {
                return Err(WireError::invalid(
                    "end",
                    format!("{b} is before start {a}"),
                ));
            }
        }
        let inside = |t: f64| start.is_none_or(|a| t >= a) && end.is_none_or(|b| t <= b);
        Ok(Recording {
            records: self
                .records
                .iter()
                .filter(|r| inside(r.timestamp))
                .cloned()
                .collect(),
            skipped: self.skipped.clone(),
            meta: self.meta.clone(),
            meta_warnings: self.meta_warnings.clone(),
        })
    }

    pub fn summary(&self) -> RecordingSummary {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for r in &self.records {
            *kinds
                .entry(r.type_name().unwrap_or("untyped").to_string())
                .or_default() += 1;
        }
        RecordingSummary {
            records: self.records.len(),
            bad_lines: self.bad_lines(),
            kinds: kinds.into_iter().collect(),
            first_timestamp: self.records.first().map(|r| r.timestamp),
            last_timestamp: self.records.last().map(|r| r.timestamp),
            nodes: self
                .nodes()
                .into_iter()
                .map(|id| self.node_summary(id))
                .collect(),
        }
    }

    fn node_summary(&self, node_id: u8) -> NodeSummary {
        let mut s = NodeSummary {
            node_id,
            lines: 0,
            raw_csi: 0,
            vitals: 0,
            feature: 0,
            untyped: 0,
            other: 0,
            layouts: self.layouts(node_id),
            null_bins: Vec::new(),
            first_timestamp: f64::NAN,
            last_timestamp: f64::NAN,
            csi_rate_hz: None,
            vitals_rate_hz: None,
        };
        let mut csi_times = Vec::new();
        let mut vitals_times = Vec::new();
        let mut ranges: BTreeMap<u16, ColumnRange> = BTreeMap::new();
        for r in self.records.iter().filter(|r| r.node_id == node_id) {
            if s.lines == 0 {
                s.first_timestamp = r.timestamp;
            }
            s.lines += 1;
            s.last_timestamp = r.timestamp;
            match &r.body {
                RecordBody::RawCsi(raw) => {
                    s.raw_csi += 1;
                    csi_times.push(r.timestamp);
                    let first = raw
                        .iq
                        .get(..2 * usize::from(raw.subcarriers))
                        .unwrap_or(&raw.iq);
                    ranges
                        .entry(raw.subcarriers)
                        .or_default()
                        .observe(&iq_to_amplitude(first));
                }
                RecordBody::Vitals(_) => {
                    s.vitals += 1;
                    vitals_times.push(r.timestamp);
                }
                RecordBody::Feature(_) => s.feature += 1,
                RecordBody::Untyped => s.untyped += 1,
                RecordBody::Other { .. } => s.other += 1,
            }
        }
        s.null_bins = s
            .layouts
            .iter()
            .map(|&(n, _)| {
                (
                    n,
                    ranges
                        .get(&n)
                        .map(ColumnRange::constant_columns)
                        .unwrap_or_default(),
                )
            })
            .collect();
        s.csi_rate_hz = rate_hz(&csi_times);
        s.vitals_rate_hz = rate_hz(&vitals_times);
        s
    }

    /// Warnings for a sidecar whose `frame_count` or `nodes` disagree with the data.
    fn check_meta(&self, meta: &RecordingMeta) -> Vec<String> {
        let mut warnings = Vec::new();
        let lines = (self.records.len() + self.bad_lines()) as u64;
        if meta.frame_count != lines {
            warnings.push(format!(
                "sidecar frame_count is {}, the data file has {lines} lines",
                meta.frame_count
            ));
        }
        for &(node_id, count) in &meta.nodes {
            let actual = self.records.iter().filter(|r| r.node_id == node_id).count() as u64;
            if actual != count {
                warnings.push(format!(
                    "sidecar says node {node_id} has {count} lines, the data file has {actual}"
                ));
            }
        }
        warnings
    }
}

/// (n − 1) / (last − first) for n ≥ 2 events spanning a positive time.
fn rate_hz(times: &[f64]) -> Option<f64> {
    match (times.first(), times.last()) {
        (Some(&a), Some(&b)) if times.len() >= 2 && b > a => {
            Some((times.len() - 1) as f64 / (b - a))
        }
        _ => None,
    }
}
