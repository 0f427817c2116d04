//! Streaming `.csi.jsonl` reader (wire.md 2.1, 2.6).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::record::{parse_line, Record};
use crate::error::{RecordingError, WireError, WireResult};

/// What to do with a bad line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReadMode {
    /// Skip it and count it.
    #[default]
    Lenient,
    /// Fail with its line number and reason.
    Strict,
}

/// The outcome of one non-blank line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineOutcome {
    Record(Record),
    /// A bad line skipped in lenient mode.
    Skipped(RecordingError),
}

/// Reads records one line at a time; memory use is bounded by the longest line.
///
/// As an [`Iterator`] it yields good records, skipping bad lines in lenient mode (see
/// [`Self::bad_lines`]) and yielding the first bad line as an error in strict mode. I/O
/// errors are yielded in both modes.
#[derive(Debug)]
pub struct RecordingReader<R> {
    input: R,
    mode: ReadMode,
    line: usize,
    bad_lines: usize,
    buf: Vec<u8>,
    source: String,
}

impl RecordingReader<BufReader<File>> {
    /// Opens a `.csi.jsonl` file.
    pub fn open(path: impl AsRef<Path>, mode: ReadMode) -> WireResult<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| WireError::io(path.display(), e))?;
        Ok(RecordingReader::new(BufReader::new(file), mode, path.display().to_string()))
    }
}

impl<R: BufRead> RecordingReader<R> {
    /// Reads from `input`; `source` names it in I/O errors.
    pub fn new(input: R, mode: ReadMode, source: impl Into<String>) -> Self {
        RecordingReader { input, mode, line: 0, bad_lines: 0, buf: Vec::new(), source: source.into() }
    }

    /// Bad lines skipped so far (always 0 in strict mode).
    pub fn bad_lines(&self) -> usize {
        self.bad_lines
    }

    /// Physical lines read so far, blank ones included.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    /// The next record or skipped bad line; `None` at the end of the input.
    pub fn next_outcome(&mut self) -> Option<WireResult<LineOutcome>> {
        loop {
            self.buf.clear();
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(WireError::io(&self.source, e))),
            }
            self.line += 1;
            let text = trim_line_end(&self.buf);
            match parse_line(text, self.line) {
                Ok(None) => continue,
                Ok(Some(record)) => return Some(Ok(LineOutcome::Record(record))),
                Err(bad) if self.mode == ReadMode::Strict => return Some(Err(bad.into())),
                Err(bad) => {
                    self.bad_lines += 1;
                    return Some(Ok(LineOutcome::Skipped(bad)));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for RecordingReader<R> {
    type Item = WireResult<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_outcome()? {
                Ok(LineOutcome::Record(r)) => return Some(Ok(r)),
                Ok(LineOutcome::Skipped(_)) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The line without its `\n` or `\r\n`.
fn trim_line_end(buf: &[u8]) -> &[u8] {
    let buf = buf.strip_suffix(b"\n").unwrap_or(buf);
    buf.strip_suffix(b"\r").unwrap_or(buf)
}
