//! One line of a `.csi.jsonl` recording (docs/wire.md §2.2–2.3): decoding with the bad-line
//! rules of 2.6, and encoding in the exact layout of 2.7.

use std::fmt::Write as _;

use num_complex::Complex64;
use serde_json::{Map, Value};

use crate::error::{LineReason, RecordingError, WireError, WireResult};
use crate::iq::{
    antenna_frame, first_antenna_polar, iq_to_amplitude, iq_to_complex, iq_to_phase, IqOrder,
};
use crate::packet::Packet;
use wifi_densepose_core::{CoreResult, CsiFrame};

/// Bytes of the raw CSI header, which a recording does not store.
const RAW_HEADER_LEN: u64 = 20;

/// One good line of a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based physical line number (0 for a record built in memory).
    pub line: usize,
    /// Host receive time, Unix seconds.
    pub timestamp: f64,
    pub node_id: u8,
    pub magic: u32,
    /// Length of the whole datagram, bytes.
    pub size: u64,
    /// The `rssi` value as written; its meaning depends on the line type ([`Self::rssi_dbm`]).
    pub recorded_rssi: f64,
    pub body: RecordBody,
}

/// The per-type part of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordBody {
    RawCsi(RawCsiRecord),
    Vitals(VitalsRecord),
    Feature(FeatureRecord),
    /// A line without `type`: a datagram the recorder did not decode.
    Untyped,
    /// A line of a `type` this reader does not know; every key but the five common ones
    /// and `type` is kept.
    Other {
        type_name: String,
        fields: Map<String, Value>,
    },
}

/// A raw CSI line: the I/Q payload without its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCsiRecord {
    pub subcarriers: u16,
    /// `(size − 20) / (2·subcarriers)`.
    pub n_antennas: u8,
    pub iq: Vec<u8>,
}

impl RawCsiRecord {
    /// Complex CSI, row-major `[antenna][subcarrier]`.
    pub fn complex(&self, order: IqOrder) -> Vec<Complex64> {
        iq_to_complex(&self.iq, order)
    }
    pub fn amplitude(&self) -> Vec<f64> {
        iq_to_amplitude(&self.iq)
    }
    pub fn phase(&self, order: IqOrder) -> Vec<f64> {
        iq_to_phase(&self.iq, order)
    }
    /// Amplitudes and phases (radians) of the first antenna.
    pub fn first_antenna_polar(&self, order: IqOrder) -> (Vec<f64>, Vec<f64>) {
        first_antenna_polar(&self.iq, self.subcarriers, order)
    }
    /// A [`CsiFrame`] of one antenna row; a recording has no frame counter, so the caller
    /// gives `sample_index`.
    pub fn to_frame(
        &self,
        sample_index: u64,
        sample_rate_hz: f64,
        antenna: usize,
        order: IqOrder,
    ) -> CoreResult<CsiFrame> {
        antenna_frame(
            &self.iq,
            self.subcarriers,
            antenna,
            order,
            sample_index,
            sample_rate_hz,
        )
    }
}

/// An edge-vitals line. Rates in BPM (0 = no estimate).
#[derive(Debug, Clone, PartialEq)]
pub struct VitalsRecord {
    pub flags: u8,
    pub breathing_bpm: f64,
    pub heartrate_bpm: f64,
    pub n_persons: u8,
    pub motion_energy: f64,
    pub presence_score: f64,
}

impl VitalsRecord {
    pub fn presence(&self) -> bool {
        self.flags & 0x01 != 0
    }
    pub fn fall_detected(&self) -> bool {
        self.flags & 0x02 != 0
    }
    pub fn motion(&self) -> bool {
        self.flags & 0x04 != 0
    }
}

/// A feature-vector line.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRecord {
    pub features: [f64; 8],
    pub seq: u16,
}

impl Record {
    /// The line's `type`, `None` for an untyped line.
    pub fn type_name(&self) -> Option<&str> {
        match &self.body {
            RecordBody::RawCsi(_) => Some("raw_csi"),
            RecordBody::Vitals(_) => Some("vitals"),
            RecordBody::Feature(_) => Some("feature"),
            RecordBody::Untyped => None,
            RecordBody::Other { type_name, .. } => Some(type_name),
        }
    }

    /// The recorded `rssi` as dBm, or `None` when it is ≥ 0: legacy raw CSI lines store a
    /// constant 1 and untyped lines 0, neither a signal strength (docs/wire.md §2.4).
    pub fn rssi_dbm(&self) -> Option<f64> {
        (self.recorded_rssi < 0.0).then_some(self.recorded_rssi)
    }

    /// The record a recorder writes for a received packet (docs/wire.md §2.3, 2.7). Raw CSI
    /// keeps the header RSSI; vitals and feature vectors keep their decoded fields; every
    /// other kind becomes an untyped line with `rssi` 0.
    pub fn from_packet(timestamp: f64, packet: &Packet) -> WireResult<Record> {
        if !timestamp.is_finite() {
            return Err(WireError::invalid(
                "timestamp",
                format!("must be finite, got {timestamp}"),
            ));
        }
        let encoded_len = packet.encode()?.len() as u64;
        let (recorded_rssi, body) = match packet {
            Packet::RawCsi(p) => (
                f64::from(p.rssi),
                RecordBody::RawCsi(RawCsiRecord {
                    subcarriers: p.n_subcarriers,
                    n_antennas: p.n_antennas,
                    iq: p.iq.clone(),
                }),
            ),
            Packet::EdgeVitals(p) => (
                f64::from(p.rssi),
                RecordBody::Vitals(VitalsRecord {
                    flags: p.flags,
                    breathing_bpm: p.breathing_rate_bpm(),
                    heartrate_bpm: p.heartrate_bpm(),
                    n_persons: p.n_persons,
                    motion_energy: f64::from(p.motion_energy),
                    presence_score: f64::from(p.presence_score),
                }),
            ),
            Packet::FeatureVector(p) => {
                let features = p.features.map(f64::from);
                // Derived as the reference recorder does: int(features[7]·100 − 100).
                let rssi = (features[7] * 100.0 - 100.0).trunc();
                (
                    rssi,
                    RecordBody::Feature(FeatureRecord {
                        features,
                        seq: p.seq,
                    }),
                )
            }
            _ => (0.0, RecordBody::Untyped),
        };
        Ok(Record {
            line: 0,
            timestamp,
            node_id: packet.node_id(),
            magic: packet.magic(),
            size: encoded_len,
            recorded_rssi,
            body,
        })
    }

    /// The JSON line (without its `\n`) in the key order and number formats of docs/wire.md
    /// 2.7: the same text a RuView-compatible recorder writes.
    pub fn to_json_line(&self) -> WireResult<String> {
        let mut s = String::with_capacity(160 + 2 * self.raw_len());
        s.push_str("{\"timestamp\": ");
        push_f64(&mut s, "timestamp", self.timestamp)?;
        let _ = write!(
            s,
            ", \"node_id\": {}, \"magic\": \"0x{:08X}\", \"size\": {}, \"rssi\": ",
            self.node_id, self.magic, self.size
        );
        push_number(&mut s, "rssi", self.recorded_rssi)?;
        match &self.body {
            RecordBody::RawCsi(r) => {
                s.push_str(", \"type\": \"raw_csi\", \"iq_hex\": \"");
                push_hex(&mut s, &r.iq);
                let _ = write!(s, "\", \"subcarriers\": {}", r.subcarriers);
            }
            RecordBody::Vitals(v) => {
                let _ = write!(
                    s,
                    ", \"type\": \"vitals\", \"flags\": {}, \"breathing_bpm\": ",
                    v.flags
                );
                push_f64(&mut s, "breathing_bpm", v.breathing_bpm)?;
                s.push_str(", \"heartrate_bpm\": ");
                push_f64(&mut s, "heartrate_bpm", v.heartrate_bpm)?;
                let _ = write!(s, ", \"n_persons\": {}, \"motion_energy\": ", v.n_persons);
                push_f64(&mut s, "motion_energy", v.motion_energy)?;
                s.push_str(", \"presence_score\": ");
                push_f64(&mut s, "presence_score", v.presence_score)?;
            }
            RecordBody::Feature(f) => {
                s.push_str(", \"type\": \"feature\", \"features\": [");
                for (i, v) in f.features.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    push_f64(&mut s, "features", *v)?;
                }
                let _ = write!(s, "], \"seq\": {}", f.seq);
            }
            RecordBody::Untyped => {}
            RecordBody::Other { type_name, fields } => {
                s.push_str(", \"type\": ");
                s.push_str(&Value::String(type_name.clone()).to_string());
                for (k, v) in fields {
                    let _ = write!(s, ", {}: {}", Value::String(k.clone()), to_spaced_json(v));
                }
            }
        }
        s.push('}');
        Ok(s)
    }

    fn raw_len(&self) -> usize {
        match &self.body {
            RecordBody::RawCsi(r) => r.iq.len(),
            _ => 0,
        }
    }
}

/// JSON text of `v` with the `", "` and `": "` separators of the reference recorder.
fn to_spaced_json(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(to_spaced_json)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), to_spaced_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Shortest round-trip form of a finite float, as Python's `repr` writes it (`85.0`,
/// `1775182186.9577758`).
fn push_f64(s: &mut String, field: &str, v: f64) -> WireResult<()> {
    if !v.is_finite() {
        return Err(WireError::invalid(
            field,
            format!("must be finite, got {v}"),
        ));
    }
    s.push_str(&Value::from(v).to_string());
    Ok(())
}

/// An integral value as a JSON integer, any other as a float.
fn push_number(s: &mut String, field: &str, v: f64) -> WireResult<()> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        let _ = write!(s, "{}", v as i64);
        Ok(())
    } else {
        push_f64(s, field, v)
    }
}

fn push_hex(s: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses one physical line (without its line terminator). `Ok(None)` for a blank line.
pub fn parse_line(text: &[u8], line: usize) -> Result<Option<Record>, RecordingError> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let bad = |reason, detail: String| RecordingError::new(line, reason, detail);
    let value: Value =
        serde_json::from_slice(text).map_err(|e| bad(LineReason::InvalidJson, e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(bad(
            LineReason::NotObject,
            "the line is JSON but not an object".into(),
        ));
    };
    let fields = Fields { obj: &obj, line };
    let timestamp = fields.number("timestamp")?;
    let node_id = fields.int_in("node_id", 0, 255)? as u8;
    let magic = fields.magic()?;
    let size = fields.int_in("size", 0, u64::MAX)?;
    let recorded_rssi = fields.number("rssi")?;
    let type_name = match obj.get("type") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(other) => {
            return Err(bad(
                LineReason::BadFieldType,
                format!("type must be a string, got {other}"),
            ))
        }
    };
    let body = match type_name.as_deref() {
        None => RecordBody::Untyped,
        Some("raw_csi") => RecordBody::RawCsi(fields.raw_csi(size)?),
        Some("vitals") => RecordBody::Vitals(VitalsRecord {
            flags: fields.int_in("flags", 0, 255)? as u8,
            breathing_bpm: fields.number("breathing_bpm")?,
            heartrate_bpm: fields.number("heartrate_bpm")?,
            n_persons: fields.int_in("n_persons", 0, 255)? as u8,
            motion_energy: fields.number("motion_energy")?,
            presence_score: fields.number("presence_score")?,
        }),
        Some("feature") => RecordBody::Feature(FeatureRecord {
            features: fields.features()?,
            seq: fields.int_in("seq", 0, u64::from(u16::MAX))? as u16,
        }),
        Some(other) => {
            for key in ["timestamp", "node_id", "magic", "size", "rssi", "type"] {
                obj.remove(key);
            }
            RecordBody::Other {
                type_name: other.to_string(),
                fields: obj,
            }
        }
    };
    Ok(Some(Record {
        line,
        timestamp,
        node_id,
        magic,
        size,
        recorded_rssi,
        body,
    }))
}

/// Typed access to the keys of one line, with the bad-line reasons of docs/wire.md §2.6.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    line: usize,
}

impl Fields<'_> {
    fn bad(&self, reason: LineReason, detail: String) -> RecordingError {
        RecordingError::new(self.line, reason, detail)
    }

    fn get(&self, key: &str) -> Result<&Value, RecordingError> {
        self.obj
            .get(key)
            .ok_or_else(|| self.bad(LineReason::MissingField, format!("missing key {key}")))
    }

    fn number(&self, key: &str) -> Result<f64, RecordingError> {
        let v = self.get(key)?;
        v.as_f64().ok_or_else(|| {
            self.bad(
                LineReason::BadFieldType,
                format!("{key} must be a number, got {v}"),
            )
        })
    }

    fn int_in(&self, key: &str, lo: u64, hi: u64) -> Result<u64, RecordingError> {
        let v = self.get(key)?;
        v.as_u64().filter(|n| (lo..=hi).contains(n)).ok_or_else(|| {
            self.bad(
                LineReason::BadFieldType,
                format!("{key} must be an integer in {lo}..={hi}, got {v}"),
            )
        })
    }

    fn magic(&self) -> Result<u32, RecordingError> {
        let v = self.get("magic")?;
        let parsed = match v {
            Value::String(s) => s
                .strip_prefix("0x")
                .filter(|h| h.len() == 8 && h.bytes().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok()),
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.bad(
                LineReason::BadFieldType,
                format!("magic must be \"0x\" and 8 hex digits or an integer in 0..=4294967295, got {v}"),
            )
        })
    }

    fn raw_csi(&self, size: u64) -> Result<RawCsiRecord, RecordingError> {
        let hex = match self.get("iq_hex")? {
            Value::String(s) => s.as_bytes(),
            other => {
                return Err(self.bad(
                    LineReason::BadFieldType,
                    format!("iq_hex must be a string, got {other}"),
                ))
            }
        };
        let subcarriers = self.get("subcarriers")?;
        let Some(subcarriers) = subcarriers.as_i64() else {
            return Err(self.bad(
                LineReason::BadFieldType,
                format!("subcarriers must be an integer, got {subcarriers}"),
            ));
        };
        if hex.len() % 2 != 0 {
            return Err(self.bad(
                LineReason::BadIqHex,
                format!("iq_hex has odd length {}", hex.len()),
            ));
        }
        let mut iq = Vec::with_capacity(hex.len() / 2);
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            match (
                pair.first().copied().and_then(hex_value),
                pair.get(1).copied().and_then(hex_value),
            ) {
                (Some(hi), Some(lo)) => iq.push(hi << 4 | lo),
                _ => {
                    return Err(self.bad(
                        LineReason::BadIqHex,
                        format!(
                            "iq_hex has a non-hex character at byte {i} (characters {}-{})",
                            2 * i,
                            2 * i + 1
                        ),
                    ))
                }
            }
        }
        let inconsistent = |detail: String| self.bad(LineReason::InconsistentLength, detail);
        if subcarriers < 1 {
            return Err(inconsistent(format!(
                "subcarriers must be >= 1, got {subcarriers}"
            )));
        }
        let subcarriers = u16::try_from(subcarriers).map_err(|_| {
            self.bad(
                LineReason::BadFieldType,
                format!("subcarriers must fit a u16, got {subcarriers}"),
            )
        })?;
        let payload = size.saturating_sub(RAW_HEADER_LEN);
        if iq.len() as u64 != payload {
            return Err(inconsistent(format!(
                "iq_hex holds {} bytes, size {size} implies {payload}",
                iq.len()
            )));
        }
        let per_antenna = 2 * u64::from(subcarriers);
        if payload == 0 || payload % per_antenna != 0 {
            return Err(inconsistent(format!(
                "payload of {payload} bytes is not a positive multiple of 2·subcarriers = {per_antenna}"
            )));
        }
        let n_antennas = u8::try_from(payload / per_antenna).map_err(|_| {
            inconsistent(format!(
                "{} antennas do not fit a u8",
                payload / per_antenna
            ))
        })?;
        Ok(RawCsiRecord {
            subcarriers,
            n_antennas,
            iq,
        })
    }

    fn features(&self) -> Result<[f64; 8], RecordingError> {
        let v = self.get("features")?;
        v.as_array()
            .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            .and_then(|values| <[f64; 8]>::try_from(values).ok())
            .ok_or_else(|| {
                self.bad(
                    LineReason::BadFeatures,
                    format!("features must be an array of 8 finite numbers, got {v}"),
                )
            })
    }
}
