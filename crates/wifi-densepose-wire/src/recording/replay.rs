//! Rebuilding datagrams from recording lines, for replay through UDP ingest (docs/wire.md §2.8).

use super::record::{Record, RecordBody};
use crate::error::{WireError, WireResult};
use crate::packet::{EdgeVitalsPacket, FeatureVectorPacket, Packet, RawCsiPacket};

/// Rebuilds the datagrams of a recording in file order.
///
/// Raw CSI gets a synthesised header: sequence counting from 0 per node, the RSSI of the
/// node's most recent vitals line (0 before the first), frequency, noise floor, PPDU type
/// and flags 0. Vitals and feature lines restore their fields; the device clocks are the
/// offsets from the first record. Untyped lines and unknown types cannot be rebuilt.
#[derive(Debug, Clone)]
pub struct Replayer {
    first_timestamp: Option<f64>,
    sequences: [u32; 256],
    vitals_rssi: [i8; 256],
}

impl Default for Replayer {
    fn default() -> Self {
        Replayer {
            first_timestamp: None,
            sequences: [0; 256],
            vitals_rssi: [0; 256],
        }
    }
}

impl Replayer {
    pub fn new() -> Self {
        Replayer::default()
    }

    /// `(offset from the first record in seconds, packet)` for `record`, or `None` for a line
    /// that cannot be rebuilt. Records must be given in file order.
    pub fn packet(&mut self, record: &Record) -> WireResult<Option<(f64, Packet)>> {
        let first = *self.first_timestamp.get_or_insert(record.timestamp);
        let offset = record.timestamp - first;
        let node = usize::from(record.node_id);
        let packet = match &record.body {
            RecordBody::RawCsi(raw) => {
                let sequence = self.sequences.get(node).copied().unwrap_or(0);
                if let Some(s) = self.sequences.get_mut(node) {
                    *s = sequence.wrapping_add(1);
                }
                Packet::RawCsi(RawCsiPacket {
                    node_id: record.node_id,
                    n_antennas: raw.n_antennas,
                    n_subcarriers: raw.subcarriers,
                    frequency_mhz: 0,
                    sequence,
                    rssi: self.vitals_rssi.get(node).copied().unwrap_or(0),
                    noise_floor: 0,
                    ppdu_type: 0,
                    flags: 0,
                    iq: raw.iq.clone(),
                    trailing_bytes: 0,
                })
            }
            RecordBody::Vitals(v) => {
                let rssi = narrow::<i8>("rssi", record.recorded_rssi.round())?;
                if let Some(slot) = self.vitals_rssi.get_mut(node) {
                    *slot = rssi;
                }
                Packet::EdgeVitals(EdgeVitalsPacket {
                    node_id: record.node_id,
                    flags: v.flags,
                    breathing_rate: narrow("breathing_bpm", (v.breathing_bpm * 100.0).round())?,
                    heartrate: narrow("heartrate_bpm", (v.heartrate_bpm * 10_000.0).round())?,
                    rssi,
                    n_persons: v.n_persons,
                    motion_energy: v.motion_energy as f32,
                    presence_score: v.presence_score as f32,
                    timestamp_ms: narrow("timestamp", (offset * 1000.0).round())?,
                    trailing_bytes: 0,
                })
            }
            RecordBody::Feature(f) => Packet::FeatureVector(FeatureVectorPacket {
                node_id: record.node_id,
                seq: f.seq,
                timestamp_us: narrow("timestamp", (offset * 1e6).round())?,
                features: f.features.map(|x| x as f32),
                trailing_bytes: 0,
            }),
            RecordBody::Untyped | RecordBody::Other { .. } => return Ok(None),
        };
        Ok(Some((offset, packet)))
    }
}

/// A rounded value as the integer type of its packet field.
fn narrow<T: TryFrom<i64>>(field: &str, value: f64) -> WireResult<T> {
    let out_of_range =
        || WireError::invalid(field, format!("{value} does not fit the packet field"));
    if !value.is_finite() || value.abs() > 9.0e15 {
        return Err(out_of_range());
    }
    T::try_from(value as i64).map_err(|_| out_of_range())
}
