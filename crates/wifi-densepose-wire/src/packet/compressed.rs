//! Delta-compressed CSI, magic 0xC5110005 (docs/wire.md §1.7): run-length pairs `(value, run)`
//! of the byte-wise XOR between this frame's I/Q payload and a reference payload.

use super::{check_encoded_size, magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{Datagram, Encoder};
use crate::error::{PacketError, Reason};

const HEADER_LEN: usize = 10;
/// Offset of `compressed_len`, where malformed run-length data is reported.
const RUN_DATA_FIELD_OFFSET: usize = 8;
const MAX_RUN: usize = 255;

/// A compressed CSI payload; decoding it needs the reference payload ([`Self::decompress`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressedCsiPacket {
    pub node_id: u8,
    /// WiFi channel number.
    pub channel: u8,
    /// Length of the uncompressed I/Q payload, bytes.
    pub original_len: u16,
    /// The run-length pairs; `compressed_len` is its length.
    pub data: Vec<u8>,
    pub trailing_bytes: usize,
}

impl CompressedCsiPacket {
    pub fn compressed_len(&self) -> usize {
        self.data.len()
    }

    /// Compresses `current` against `reference` as the device does. Fails with
    /// `length_mismatch` when the payload lengths differ and `invalid_field` when the
    /// payload does not fit the u16 `original_len`.
    pub fn compress(
        node_id: u8,
        channel: u8,
        reference: &[u8],
        current: &[u8],
    ) -> Result<Self, PacketError> {
        let original_len = u16::try_from(current.len()).map_err(|_| {
            PacketError::new(
                Some(magic::COMPRESSED_CSI),
                6,
                Reason::InvalidField,
                format!("original_len must fit a u16, got {}", current.len()),
            )
        })?;
        check_reference(reference, current.len())?;
        let mut data = Vec::new();
        let mut xored = reference.iter().zip(current).map(|(a, b)| a ^ b).peekable();
        while let Some(value) = xored.next() {
            let mut run = 1;
            while run < MAX_RUN && xored.next_if_eq(&value).is_some() {
                run += 1;
            }
            data.push(value);
            data.push(run as u8);
        }
        Ok(CompressedCsiPacket {
            node_id,
            channel,
            original_len,
            data,
            trailing_bytes: 0,
        })
    }

    /// The I/Q payload: `reference` XOR the expanded runs. `length_mismatch` when
    /// `reference` is not `original_len` bytes long.
    pub fn decompress(&self, reference: &[u8]) -> Result<Vec<u8>, PacketError> {
        let original_len = usize::from(self.original_len);
        check_reference(reference, original_len)?;
        validate_runs(&self.data, original_len)?;
        let mut out = Vec::with_capacity(original_len);
        for pair in self.data.chunks_exact(2) {
            if let [value, run] = *pair {
                out.extend(std::iter::repeat_n(value, usize::from(run)));
            }
        }
        Ok(out.iter().zip(reference).map(|(x, r)| x ^ r).collect())
    }
}

fn check_reference(reference: &[u8], original_len: usize) -> Result<(), PacketError> {
    if reference.len() != original_len {
        return Err(PacketError::new(
            Some(magic::COMPRESSED_CSI),
            reference.len().min(original_len),
            Reason::LengthMismatch,
            format!(
                "reference payload must be original_len = {original_len} bytes, got {}",
                reference.len()
            ),
        ));
    }
    Ok(())
}

/// Even length, every run ≥ 1, runs summing to `original_len` (`invalid_field` at offset 8).
fn validate_runs(data: &[u8], original_len: usize) -> Result<(), PacketError> {
    let invalid = |detail: String| {
        PacketError::new(
            Some(magic::COMPRESSED_CSI),
            RUN_DATA_FIELD_OFFSET,
            Reason::InvalidField,
            detail,
        )
    };
    if data.len() % 2 != 0 {
        return Err(invalid(format!(
            "compressed_len must be even, got {}",
            data.len()
        )));
    }
    let mut total = 0usize;
    for (i, pair) in data.chunks_exact(2).enumerate() {
        let run = pair.get(1).copied().unwrap_or(0);
        if run == 0 {
            return Err(invalid(format!("run {i} is 0, must be 1-255")));
        }
        total += usize::from(run);
    }
    if total != original_len {
        return Err(invalid(format!(
            "runs add up to {total}, original_len is {original_len}"
        )));
    }
    Ok(())
}

impl Decode for CompressedCsiPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let original_len = d.u16(6)?;
        let compressed_len = usize::from(d.u16(8)?);
        let trailing_bytes = d.trailing_bytes(HEADER_LEN + compressed_len, options.strict)?;
        let data = d.slice(HEADER_LEN, compressed_len)?;
        validate_runs(data, usize::from(original_len))?;
        Ok(CompressedCsiPacket {
            node_id: d.u8(4)?,
            channel: d.u8(5)?,
            original_len,
            data: data.to_vec(),
            trailing_bytes,
        })
    }
}

impl WirePacket for CompressedCsiPacket {
    const MAGIC: u32 = magic::COMPRESSED_CSI;
    const FIXED_LEN: usize = HEADER_LEN;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        validate_runs(&self.data, usize::from(self.original_len))?;
        check_encoded_size(Self::MAGIC, HEADER_LEN + self.data.len())?;
        // Checked above: the datagram limit keeps the data well inside a u16.
        let compressed_len = self.data.len() as u16;
        let mut e = Encoder::with_magic(Self::MAGIC, HEADER_LEN + self.data.len());
        e.u8(self.node_id)
            .u8(self.channel)
            .u16(self.original_len)
            .u16(compressed_len)
            .bytes(&self.data);
        Ok(e.finish())
    }
}
