//! `--replay FILE.csi.jsonl [--speed X]`: a recording's datagrams, rebuilt as docs/wire.md §2.8
//! describes, fed through the same parse-and-ingest path as live UDP at their recorded
//! offsets divided by the speed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wifi_densepose_wire::{
    EdgeVitalsPacket, FeatureVectorPacket, LineOutcome, PacketError, RawCsiPacket, ReadMode,
    Record, RecordBody, RecordingReader, WireError, WirePacket,
};

use crate::sensing::engine::Origin;
use crate::state::{wait_for_shutdown, AppState};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read recording {path}: {source}")]
    Read { path: PathBuf, source: WireError },
    #[error("recording {path}, line {line}: cannot rebuild the datagram: {source}")]
    Encode {
        path: PathBuf,
        line: usize,
        source: PacketError,
    },
}

/// One datagram and its offset from the recording's first line, seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedDatagram {
    pub offset_s: f64,
    pub bytes: Vec<u8>,
}

/// Rebuilds datagrams from records, keeping per-node state (sequence, last vitals RSSI).
#[derive(Debug, Default)]
pub struct DatagramBuilder {
    first_timestamp: Option<f64>,
    sequences: HashMap<u8, u32>,
    vitals_rssi: HashMap<u8, i8>,
}

impl DatagramBuilder {
    /// The datagram of `record`, or `None` for lines that cannot be rebuilt (untyped and
    /// unknown types).
    pub fn build(&mut self, record: &Record) -> Result<Option<TimedDatagram>, PacketError> {
        let first = *self.first_timestamp.get_or_insert(record.timestamp);
        let offset_s = record.timestamp - first;
        let node_id = record.node_id;
        let bytes = match &record.body {
            RecordBody::RawCsi(raw) => {
                let sequence = self.sequences.entry(node_id).or_insert(0);
                let packet = RawCsiPacket {
                    node_id,
                    n_antennas: raw.n_antennas,
                    n_subcarriers: raw.subcarriers,
                    frequency_mhz: 0,
                    sequence: *sequence,
                    rssi: self.vitals_rssi.get(&node_id).copied().unwrap_or(0),
                    noise_floor: 0,
                    ppdu_type: 0,
                    flags: 0,
                    iq: raw.iq.clone(),
                    trailing_bytes: 0,
                };
                *sequence = sequence.wrapping_add(1);
                packet.encode()?
            }
            RecordBody::Vitals(vitals) => {
                // Recorded vitals RSSI is byte 12 of the datagram, an i8 by construction.
                let rssi = record.recorded_rssi.round().clamp(-128.0, 127.0) as i8;
                self.vitals_rssi.insert(node_id, rssi);
                EdgeVitalsPacket {
                    node_id,
                    flags: vitals.flags,
                    breathing_rate: (vitals.breathing_bpm * 100.0).round().clamp(0.0, 65_535.0)
                        as u16,
                    heartrate: (vitals.heartrate_bpm * 10_000.0)
                        .round()
                        .clamp(0.0, 4_294_967_295.0) as u32,
                    rssi,
                    n_persons: vitals.n_persons,
                    motion_energy: vitals.motion_energy as f32,
                    presence_score: vitals.presence_score as f32,
                    timestamp_ms: (offset_s * 1000.0).round().clamp(0.0, 4_294_967_295.0) as u32,
                    trailing_bytes: 0,
                }
                .encode()?
            }
            RecordBody::Feature(feature) => FeatureVectorPacket {
                node_id,
                seq: feature.seq,
                timestamp_us: (offset_s * 1e6).round() as i64,
                features: feature.features.map(|f| f as f32),
                trailing_bytes: 0,
            }
            .encode()?,
            RecordBody::Untyped | RecordBody::Other { .. } => return Ok(None),
        };
        Ok(Some(TimedDatagram { offset_s, bytes }))
    }
}

/// Reads the whole recording (lenient: bad lines, over-long lines included, and records
/// that cannot be rebuilt as a datagram are skipped, each logged and counted).
pub fn load_datagrams(path: &Path) -> Result<Vec<TimedDatagram>, ReplayError> {
    let read_error = |source| ReplayError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = RecordingReader::open(path, ReadMode::Lenient).map_err(read_error)?;
    let mut builder = DatagramBuilder::default();
    let mut datagrams = Vec::new();
    let mut unencodable = 0usize;
    while let Some(outcome) = reader.next_outcome() {
        let record = match outcome.map_err(read_error)? {
            LineOutcome::Record(record) => record,
            LineOutcome::Skipped(bad) => {
                tracing::warn!(path = %path.display(), "skipped bad line: {bad}");
                continue;
            }
        };
        match builder.build(&record) {
            Ok(built) => datagrams.extend(built),
            Err(source) => {
                unencodable += 1;
                let error = ReplayError::Encode {
                    path: path.to_path_buf(),
                    line: record.line,
                    source,
                };
                tracing::warn!("skipped: {error}");
            }
        }
    }
    tracing::info!(
        path = %path.display(),
        datagrams = datagrams.len(),
        bad_lines = reader.bad_lines(),
        unencodable,
        "recording loaded for replay"
    );
    Ok(datagrams)
}

/// When a datagram is due: `offset / speed` after the start, or `None` when that lies beyond
/// what a timer can represent (the replay stops there).
fn due_after(offset_s: f64, speed: f64) -> Option<Duration> {
    Duration::try_from_secs_f64((offset_s / speed).max(0.0))
        .ok()
        .filter(|d| *d <= MAX_REPLAY_DELAY)
}

/// The latest a replayed datagram may be due: 100 years after the start.
const MAX_REPLAY_DELAY: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Sends every datagram at `offset / speed` after the start, in order, then idles.
pub async fn run(state: Arc<AppState>, datagrams: Vec<TimedDatagram>, speed: f64) {
    let start = tokio::time::Instant::now();
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    for (index, datagram) in datagrams.iter().enumerate() {
        let Some(delay) = due_after(datagram.offset_s, speed) else {
            tracing::warn!(
                offset_s = datagram.offset_s,
                speed,
                remaining = datagrams.len() - index,
                "replay stopped: the next datagram is due too far in the future"
            );
            return;
        };
        let due = start + delay;
        tokio::select! {
            () = tokio::time::sleep_until(due) => {}
            () = &mut shutdown => return,
        }
        // Capture time is the recorded time, whatever the speed.
        state.ingest_datagram(
            &datagram.bytes,
            None,
            Origin::Esp32,
            Some(datagram.offset_s),
        );
    }
    tracing::info!(datagrams = datagrams.len(), "replay finished");
}
