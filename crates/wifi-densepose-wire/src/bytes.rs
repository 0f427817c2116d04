//! Bounds-checked little-endian field access for decoding and field checks for encoding.

use crate::error::{PacketError, Reason};

/// A datagram whose magic is known; every read is checked against its length.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    pub data: &'a [u8],
    pub magic: u32,
}

impl<'a> Datagram<'a> {
    pub fn error(&self, offset: usize, reason: Reason, detail: impl Into<String>) -> PacketError {
        PacketError::new(Some(self.magic), offset, reason, detail)
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn slice(&self, offset: usize, len: usize) -> Result<&'a [u8], PacketError> {
        offset
            .checked_add(len)
            .and_then(|end| self.data.get(offset..end))
            .ok_or_else(|| {
                self.error(
                    self.len(),
                    Reason::Truncated,
                    format!(
                        "need {} bytes, got {}",
                        offset.saturating_add(len),
                        self.len()
                    ),
                )
            })
    }

    pub fn array<const N: usize>(&self, offset: usize) -> Result<[u8; N], PacketError> {
        let s = self.slice(offset, N)?;
        <[u8; N]>::try_from(s).map_err(|_| self.error(offset, Reason::Truncated, "short field"))
    }

    pub fn u8(&self, offset: usize) -> Result<u8, PacketError> {
        Ok(self.array::<1>(offset)?[0])
    }
    pub fn i8(&self, offset: usize) -> Result<i8, PacketError> {
        Ok(i8::from_le_bytes(self.array(offset)?))
    }
    pub fn u16(&self, offset: usize) -> Result<u16, PacketError> {
        Ok(u16::from_le_bytes(self.array(offset)?))
    }
    pub fn u32(&self, offset: usize) -> Result<u32, PacketError> {
        Ok(u32::from_le_bytes(self.array(offset)?))
    }
    pub fn u64(&self, offset: usize) -> Result<u64, PacketError> {
        Ok(u64::from_le_bytes(self.array(offset)?))
    }
    pub fn i64(&self, offset: usize) -> Result<i64, PacketError> {
        Ok(i64::from_le_bytes(self.array(offset)?))
    }

    /// An f32 that must be finite (`invalid_field` at its own offset otherwise).
    pub fn finite_f32(&self, offset: usize, field: &str) -> Result<f32, PacketError> {
        let v = f32::from_le_bytes(self.array(offset)?);
        check_finite(self.magic, offset, field, v)?;
        Ok(v)
    }

    /// Rule 1.11 step 6 against the length the header implies: shorter is a
    /// `length_mismatch`; longer returns the count of ignored trailing bytes, or is a
    /// `length_mismatch` at the first unexpected byte in strict mode.
    pub fn trailing_bytes(&self, expected: usize, strict: bool) -> Result<usize, PacketError> {
        let actual = self.len();
        if actual < expected || (strict && actual > expected) {
            return Err(self.error(
                actual.min(expected),
                Reason::LengthMismatch,
                format!("expected {expected} bytes, got {actual}"),
            ));
        }
        Ok(actual - expected)
    }
}

/// `invalid_field` at `offset` when `value` is NaN or infinite.
pub(crate) fn check_finite(
    magic: u32,
    offset: usize,
    field: &str,
    value: f32,
) -> Result<(), PacketError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(PacketError::new(
            Some(magic),
            offset,
            Reason::InvalidField,
            format!("{field} must be finite, got {value}"),
        ))
    }
}

/// Little-endian output buffer for encoders.
#[derive(Debug, Default)]
pub(crate) struct Encoder(Vec<u8>);

impl Encoder {
    pub fn with_magic(magic: u32, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity);
        buf.extend_from_slice(&magic.to_le_bytes());
        Encoder(buf)
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn i8(&mut self, v: i8) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn f32(&mut self, v: f32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }
    pub fn zeros(&mut self, n: usize) -> &mut Self {
        self.0.resize(self.0.len() + n, 0);
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}
