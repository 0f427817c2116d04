//! `.csi.jsonl` writer (docs/wire.md §2.7), keeping what the sidecar needs.

use std::io::Write;

use super::meta::{format_utc, RecordingMeta};
use super::record::Record;
use crate::error::{WireError, WireResult};
use crate::packet::Packet;

/// Writes one line per record and tracks line counts per node and the time span.
#[derive(Debug)]
pub struct RecordingWriter<W: Write> {
    out: W,
    lines: u64,
    /// Lines per node, in order of first appearance.
    nodes: Vec<(u8, u64)>,
    first_timestamp: Option<f64>,
    last_timestamp: Option<f64>,
    bytes_written: u64,
}

impl<W: Write> RecordingWriter<W> {
    pub fn new(out: W) -> Self {
        RecordingWriter {
            out,
            lines: 0,
            nodes: Vec::new(),
            first_timestamp: None,
            last_timestamp: None,
            bytes_written: 0,
        }
    }

    /// Writes `record` as one `\n`-terminated line.
    pub fn write_record(&mut self, record: &Record) -> WireResult<()> {
        let mut line = record.to_json_line()?;
        line.push('\n');
        self.out
            .write_all(line.as_bytes())
            .map_err(|e| WireError::io("recording", e))?;
        self.lines += 1;
        self.bytes_written += line.len() as u64;
        match self.nodes.iter_mut().find(|(id, _)| *id == record.node_id) {
            Some((_, n)) => *n += 1,
            None => self.nodes.push((record.node_id, 1)),
        }
        self.first_timestamp.get_or_insert(record.timestamp);
        self.last_timestamp = Some(record.timestamp);
        Ok(())
    }

    /// Writes the line a recorder writes for `packet` received at `timestamp` (Unix s).
    pub fn write_packet(&mut self, timestamp: f64, packet: &Packet) -> WireResult<()> {
        self.write_record(&Record::from_packet(timestamp, packet)?)
    }

    pub fn lines_written(&self) -> u64 {
        self.lines
    }

    /// The sidecar for what has been written: `frame_count` = lines, `nodes` = lines per
    /// node, `duration_secs` = last − first timestamp, `file_size_bytes` = bytes written.
    pub fn meta(&self, id: &str, label: Option<&str>, file_path: &str) -> RecordingMeta {
        let first = self.first_timestamp.unwrap_or(0.0);
        let last = self.last_timestamp.unwrap_or(first);
        RecordingMeta {
            id: id.to_string(),
            name: id.to_string(),
            label: label.map(str::to_string),
            started_at: format_utc(first),
            ended_at: format_utc(last),
            duration_secs: last - first,
            frame_count: self.lines,
            file_size_bytes: self.bytes_written,
            file_path: file_path.to_string(),
            nodes: self.nodes.clone(),
        }
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> WireResult<W> {
        self.out
            .flush()
            .map_err(|e| WireError::io("recording", e))?;
        Ok(self.out)
    }
}
