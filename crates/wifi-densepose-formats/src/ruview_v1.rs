//! RuView's older recordings: one JSON object per line,
//! `{"timestamp": <Unix s>, "subcarriers": [<amplitude>, ...], "rssi": .., "noise_floor": .., ...}`.
//!
//! Amplitudes only (no phase, no node id): frames have `n_rx = n_tx = 1` and the capture's
//! `has_phase` is false. An `rssi` or `noise_floor` of 0 or more is not a signal level (the
//! recorder wrote 0 when it had none) and reads as NaN.

use std::io::BufRead;

use num_complex::Complex64;
use serde_json::Value;

use crate::capture::Frame;
use crate::error::{FormatError, FormatResult, Reason};
use crate::source::Source;
use crate::{Format, FrameReader};

/// Whether the first line of `head` is an object with `timestamp` and `subcarriers` (and none of
/// the `type` / `iq_hex` keys of the current `.csi.jsonl` format).
pub fn sniff(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if !first.starts_with('{') {
        return Err("first line is not a JSON object".into());
    }
    if first.contains("\"type\"") || first.contains("\"iq_hex\"") {
        return Err(
            "a typed .csi.jsonl line (the current recording format, read by load_recording)".into(),
        );
    }
    if first.contains("\"subcarriers\"") && first.contains("\"timestamp\"") {
        Ok(())
    } else {
        Err("first line has no \"timestamp\" and \"subcarriers\"".into())
    }
}

/// Streams lines as amplitude frames. Metadata: `rssi_dbm`, `noise_dbm`.
#[derive(Debug)]
pub struct RuViewV1Reader<R> {
    src: Source<R>,
    line: Vec<u8>,
    line_no: usize,
}

impl<R: BufRead> RuViewV1Reader<R> {
    pub fn new(inner: R, len: u64) -> Self {
        RuViewV1Reader {
            src: Source::new(inner, len, Format::RuViewV1),
            line: Vec::new(),
            line_no: 0,
        }
    }
}

impl<R: BufRead + Send + Sync> FrameReader for RuViewV1Reader<R> {
    fn format(&self) -> Format {
        Format::RuViewV1
    }

    fn next_frame(&mut self) -> FormatResult<Option<Frame>> {
        loop {
            let Some((line_at, line_no)) = self.src.next_line(&mut self.line, &mut self.line_no)?
            else {
                return Ok(None);
            };
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bad = |reason, detail: String| {
                FormatError::at_line(Format::RuViewV1, line_at, line_no, reason, detail)
            };
            let value: Value = serde_json::from_slice(&self.line)
                .map_err(|e| bad(Reason::BadLine, format!("invalid JSON: {e}")))?;
            let Value::Object(obj) = value else {
                return Err(bad(Reason::BadLine, "not a JSON object".into()));
            };
            let timestamp_s = obj
                .get("timestamp")
                .and_then(Value::as_f64)
                .ok_or_else(|| {
                    bad(
                        Reason::BadLine,
                        "\"timestamp\" missing or not a number".into(),
                    )
                })?;
            let Some(Value::Array(items)) = obj.get("subcarriers") else {
                return Err(bad(
                    Reason::BadLine,
                    "\"subcarriers\" missing or not an array".into(),
                ));
            };
            if items.is_empty() {
                return Err(bad(
                    Reason::LengthMismatch,
                    "\"subcarriers\" is empty".into(),
                ));
            }
            let mut csi = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_f64() {
                    Some(a) if a.is_finite() => csi.push(Complex64::new(a, 0.0)),
                    _ => {
                        return Err(bad(
                            Reason::BadLine,
                            format!("subcarriers[{i}] is not a finite number"),
                        ))
                    }
                }
            }
            let n = csi.len();
            let mut frame = Frame::new(timestamp_s, n, 1, 1, csi);
            for (key, name) in [("rssi", "rssi_dbm"), ("noise_floor", "noise_dbm")] {
                if let Some(v) = obj.get(key).and_then(Value::as_f64) {
                    frame.meta.push((name, if v < 0.0 { v } else { f64::NAN }));
                }
            }
            return Ok(Some(frame));
        }
    }

    source_progress!();
}
