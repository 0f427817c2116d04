//! Streaming `.csi.jsonl` reader (docs/wire.md §2.1, 2.6).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::record::{parse_line, Record};
use crate::error::{LineReason, RecordingError, WireError, WireResult};

/// The longest line a reader keeps: 1 MiB (a raw-CSI line of 4 antennas × 1,024 subcarriers
/// is about 17 kB). Longer lines are read past in constant memory and reported as bad lines
/// (`line_too_long`), so a file without newlines cannot make a reader allocate without bound.
pub const MAX_LINE_LEN: usize = 1 << 20;

/// Reads one line (up to and including `\n`) into `buf`, keeping at most `max` bytes and
/// consuming the rest of an over-long line. Returns the bytes consumed (0 at the end of the
/// input) and whether the line was cut.
pub fn read_line_bounded<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool)> {
    let (mut consumed, mut cut) = (0usize, false);
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((consumed, cut));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        if take > room {
            cut = true;
        }
        buf.extend_from_slice(&chunk[..take.min(room)]);
        input.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, cut));
        }
    }
}

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
    /// Opens a `.csi.jsonl` file. Devices (`/dev/zero`) are refused: a recording is a regular
    /// file or a pipe.
    pub fn open(path: impl AsRef<Path>, mode: ReadMode) -> WireResult<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| WireError::io(path.display(), e))?;
        let kind = file
            .metadata()
            .map_err(|e| WireError::io(path.display(), e))?
            .file_type();
        if !(kind.is_file() || is_pipe(&kind)) {
            let e = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file or a pipe");
            return Err(WireError::io(path.display(), e));
        }
        Ok(RecordingReader::new(
            BufReader::new(file),
            mode,
            path.display().to_string(),
        ))
    }
}

impl<R: BufRead> RecordingReader<R> {
    /// Reads from `input`; `source` names it in I/O errors.
    pub fn new(input: R, mode: ReadMode, source: impl Into<String>) -> Self {
        RecordingReader {
            input,
            mode,
            line: 0,
            bad_lines: 0,
            buf: Vec::new(),
            source: source.into(),
        }
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
            let cut = match read_line_bounded(&mut self.input, &mut self.buf, MAX_LINE_LEN) {
                Ok((0, _)) => return None,
                Ok((_, cut)) => cut,
                Err(e) => return Some(Err(WireError::io(&self.source, e))),
            };
            self.line += 1;
            let parsed = if cut {
                Err(RecordingError::new(
                    self.line,
                    LineReason::LineTooLong,
                    format!("longer than {MAX_LINE_LEN} bytes"),
                ))
            } else {
                parse_line(trim_line_end(&self.buf), self.line)
            };
            match parsed {
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

#[cfg(unix)]
fn is_pipe(kind: &std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(kind)
}

#[cfg(not(unix))]
fn is_pipe(_kind: &std::fs::FileType) -> bool {
    false
}

/// The line without its `\n` or `\r\n`.
fn trim_line_end(buf: &[u8]) -> &[u8] {
    let buf = buf.strip_suffix(b"\n").unwrap_or(buf);
    buf.strip_suffix(b"\r").unwrap_or(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines_keep_at_most_max_bytes_and_consume_the_rest() {
        let mut input = io::BufReader::with_capacity(4, &b"abcdefgh\nxy\nz"[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_line_bounded(&mut input, &mut buf, 5).unwrap(),
            (9, true)
        );
        assert_eq!(buf, b"abcde");
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut input, &mut buf, 5).unwrap(),
            (3, false)
        );
        assert_eq!(buf, b"xy\n");
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut input, &mut buf, 5).unwrap(),
            (1, false)
        );
        assert_eq!(buf, b"z");
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut input, &mut buf, 5).unwrap(),
            (0, false)
        );
    }

    #[test]
    fn an_over_long_line_is_a_bad_line_and_reading_goes_on() {
        let mut text = vec![b'{'; MAX_LINE_LEN + 10];
        text.push(b'\n');
        text.extend_from_slice(b"\n");
        let mut reader = RecordingReader::new(&text[..], ReadMode::Lenient, "test");
        match reader.next_outcome() {
            Some(Ok(LineOutcome::Skipped(bad))) => {
                assert_eq!((bad.line, bad.reason), (1, LineReason::LineTooLong));
            }
            other => panic!("expected a skipped line, got {other:?}"),
        }
        assert!(reader.next_outcome().is_none());
        assert_eq!((reader.bad_lines(), reader.lines_read()), (1, 2));
        let mut strict = RecordingReader::new(&text[..], ReadMode::Strict, "test");
        assert!(matches!(strict.next_outcome(), Some(Err(_))));
    }

    #[test]
    fn a_device_is_refused() {
        let error = RecordingReader::open("/dev/zero", ReadMode::Lenient).unwrap_err();
        assert!(
            error.to_string().contains("not a regular file or a pipe"),
            "{error}"
        );
    }
}
