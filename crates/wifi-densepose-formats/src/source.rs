//! A byte source that knows how many bytes remain, so no length field read from a file can make a
//! reader allocate (or wait for) more than the input holds.

use std::io::{BufRead, ErrorKind, Read};

use crate::error::{FormatError, FormatResult, Reason};
use crate::Format;

/// Longest text line a text reader accepts, bytes (a guard against a file with no newline).
pub const MAX_LINE_LEN: usize = 16 * 1024 * 1024;

/// A buffered reader of `len` bytes that tracks its position.
#[derive(Debug)]
pub struct Source<R> {
    inner: R,
    pos: u64,
    len: u64,
    format: Format,
}

impl<R: BufRead> Source<R> {
    /// `len` is the input's total size in bytes (a file's size, a slice's length).
    pub fn new(inner: R, len: u64, format: Format) -> Self {
        Source {
            inner,
            pos: 0,
            len,
            format,
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The input's total size, bytes.
    pub fn total_len(&self) -> u64 {
        self.len
    }

    pub fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    pub fn at_end(&self) -> bool {
        self.remaining() == 0
    }

    /// The input ends inside a frame: the error names where, and the rest of the input counts
    /// as consumed, so a lenient caller that keeps the frames read so far sees the end next.
    fn truncated(&mut self, n: u64, what: &str) -> FormatError {
        let error = FormatError::malformed(
            self.format,
            self.pos,
            Reason::Truncated,
            format!("{what} needs {n} bytes, {} remain", self.remaining()),
        );
        self.pos = self.len;
        error
    }

    /// Reads exactly `buf.len()` bytes; `what` names them in the error.
    pub fn read_exact(&mut self, buf: &mut [u8], what: &str) -> FormatResult<()> {
        let n = buf.len() as u64;
        if n > self.remaining() {
            return Err(self.truncated(n, what));
        }
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += n;
                Ok(())
            }
            // The file shrank under us: report it as a truncation at the current offset.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(self.truncated(n, what)),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces `buf` with the next `n` bytes; `n` is checked against the bytes that remain
    /// before anything is allocated.
    pub fn read_into(&mut self, buf: &mut Vec<u8>, n: u64, what: &str) -> FormatResult<()> {
        if n > self.remaining() {
            return Err(self.truncated(n, what));
        }
        // Same-length reads (the common case) reuse the buffer without zeroing it first.
        buf.resize(n as usize, 0);
        self.read_exact(buf, what)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: u64, what: &str) -> FormatResult<()> {
        if n > self.remaining() {
            return Err(self.truncated(n, what));
        }
        let copied = std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink())?;
        if copied != n {
            return Err(self.truncated(n, what));
        }
        self.pos += n;
        Ok(())
    }

    /// The next line into `buf` (see [`Source::read_line`]), counting lines in `line_no`:
    /// `Some((byte offset of the line, its 1-based number))`, `None` at the end of the input.
    pub fn next_line(
        &mut self,
        buf: &mut Vec<u8>,
        line_no: &mut usize,
    ) -> FormatResult<Option<(u64, usize)>> {
        let at = self.pos;
        *line_no += 1;
        Ok(self.read_line(buf, *line_no)?.then_some((at, *line_no)))
    }

    /// The next line without its `\n` (and `\r`) into `buf`; false at the end of the input.
    pub fn read_line(&mut self, buf: &mut Vec<u8>, line_no: usize) -> FormatResult<bool> {
        buf.clear();
        if self.at_end() {
            return Ok(false);
        }
        let start = self.pos;
        let limit = (MAX_LINE_LEN as u64 + 1).min(self.remaining());
        let n = (&mut self.inner).take(limit).read_until(b'\n', buf)? as u64;
        self.pos += n;
        if n == 0 {
            // The file shrank under us.
            self.len = self.pos;
            return Ok(false);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if n == MAX_LINE_LEN as u64 + 1 {
            return Err(FormatError::at_line(
                self.format,
                start,
                line_no,
                Reason::BadLine,
                format!("line longer than {MAX_LINE_LEN} bytes"),
            ));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(true)
    }
}

/// Little- and big-endian field access on a byte slice whose length the caller has checked.
pub fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub fn u16_be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub fn u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn u64_le(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

pub fn u64_be(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(a)
}

/// Unwraps a 32-bit microsecond counter into a monotonic 64-bit one: a fall by more than half
/// the range is a wrap, a smaller fall a frame out of order.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unwrap32 {
    last: Option<u32>,
    wraps: u64,
}

impl Unwrap32 {
    pub fn next(&mut self, value: u32) -> u64 {
        if let Some(last) = self.last {
            if value < last && last - value > 1 << 31 {
                self.wraps += 1;
            }
        }
        self.last = Some(value);
        (self.wraps << 32) + u64::from(value)
    }
}
