//! ESP32 UDP packets (docs/wire.md §1): one module per packet kind, the dispatching
//! [`parse_packet`], and the checks every kind shares (1.11 steps 1–4).

mod compressed;
mod feature_state;
mod feature_vector;
mod raw_csi;
mod sync;
mod vitals;
mod wasm;

pub use compressed::CompressedCsiPacket;
pub use feature_state::FeatureStatePacket;
pub use feature_vector::FeatureVectorPacket;
pub use raw_csi::RawCsiPacket;
pub use sync::{FrameCounters, SendCounters, SyncPacket};
pub use vitals::{EdgeVitalsPacket, FusedVitalsPacket};
pub use wasm::{WasmEvent, WasmOutputPacket};

use crate::bytes::Datagram;
use crate::error::{PacketError, Reason};

/// The largest datagram the parser accepts, bytes.
pub const MAX_DATAGRAM_LEN: usize = 2048;

/// The magic numbers of the registry (docs/wire.md §1.2).
pub mod magic {
    pub const RAW_CSI: u32 = 0xC511_0001;
    pub const EDGE_VITALS: u32 = 0xC511_0002;
    pub const FEATURE_VECTOR: u32 = 0xC511_0003;
    pub const FUSED_VITALS: u32 = 0xC511_0004;
    pub const COMPRESSED_CSI: u32 = 0xC511_0005;
    pub const FEATURE_STATE: u32 = 0xC511_0006;
    pub const WASM_OUTPUT: u32 = 0xC511_0007;
    pub const SYNC: u32 = 0xC511_A110;
}

/// Parser options. `strict` rejects trailing bytes after the length a packet's header
/// implies (`length_mismatch`) instead of counting them in `trailing_bytes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    pub strict: bool,
}

/// One packet kind: its magic, the size of its fixed part, and its codec.
pub trait WirePacket: sealed::Decode {
    const MAGIC: u32;
    /// The fixed part every datagram of this kind has (1.11 step 4).
    const FIXED_LEN: usize;

    /// The packet's bytes; fails with the error a parser would report for an unencodable
    /// value (e.g. a non-finite float, a payload of the wrong length).
    fn encode(&self) -> Result<Vec<u8>, PacketError>;

    /// Parses a datagram that must be of this kind (`bad_magic` for any other magic).
    fn parse(data: &[u8]) -> Result<Self, PacketError> {
        Self::parse_with(data, ParseOptions::default())
    }

    fn parse_with(data: &[u8], options: ParseOptions) -> Result<Self, PacketError> {
        let magic = read_magic(data)?;
        if magic != Self::MAGIC {
            return Err(PacketError::new(
                Some(magic),
                0,
                Reason::BadMagic,
                format!("expected 0x{:08X}", Self::MAGIC),
            ));
        }
        decode_known::<Self>(Datagram { data, magic }, options)
    }
}

pub(crate) mod sealed {
    use super::ParseOptions;
    use crate::bytes::Datagram;
    use crate::error::PacketError;

    /// The decoding half of a packet codec, private so the checks of 1.11 steps 1–4 always
    /// run before it.
    pub trait Decode: Sized {
        /// Decodes a datagram whose magic is known and at least the fixed part long.
        fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError>;
    }
}

fn decode_known<P: WirePacket>(d: Datagram<'_>, options: ParseOptions) -> Result<P, PacketError> {
    if d.len() < P::FIXED_LEN {
        return Err(d.error(
            d.len(),
            Reason::Truncated,
            format!("need {} bytes, got {}", P::FIXED_LEN, d.len()),
        ));
    }
    P::decode_fixed(d, options)
}

/// Steps 1 and 2 of 1.11: the size limit and the presence of a magic.
fn read_magic(data: &[u8]) -> Result<u32, PacketError> {
    let magic = data
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    if data.len() > MAX_DATAGRAM_LEN {
        return Err(PacketError::new(
            magic,
            MAX_DATAGRAM_LEN,
            Reason::Oversize,
            format!(
                "datagram of {} bytes exceeds {MAX_DATAGRAM_LEN}",
                data.len()
            ),
        ));
    }
    magic.ok_or_else(|| {
        PacketError::new(
            None,
            data.len(),
            Reason::Truncated,
            format!("need 4 bytes, got {}", data.len()),
        )
    })
}

/// Any decoded packet.
#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    RawCsi(RawCsiPacket),
    EdgeVitals(EdgeVitalsPacket),
    FeatureVector(FeatureVectorPacket),
    FusedVitals(FusedVitalsPacket),
    CompressedCsi(CompressedCsiPacket),
    FeatureState(FeatureStatePacket),
    WasmOutput(WasmOutputPacket),
    Sync(SyncPacket),
}

impl Packet {
    pub fn magic(&self) -> u32 {
        match self {
            Packet::RawCsi(_) => magic::RAW_CSI,
            Packet::EdgeVitals(_) => magic::EDGE_VITALS,
            Packet::FeatureVector(_) => magic::FEATURE_VECTOR,
            Packet::FusedVitals(_) => magic::FUSED_VITALS,
            Packet::CompressedCsi(_) => magic::COMPRESSED_CSI,
            Packet::FeatureState(_) => magic::FEATURE_STATE,
            Packet::WasmOutput(_) => magic::WASM_OUTPUT,
            Packet::Sync(_) => magic::SYNC,
        }
    }

    pub fn node_id(&self) -> u8 {
        match self {
            Packet::RawCsi(p) => p.node_id,
            Packet::EdgeVitals(p) => p.node_id,
            Packet::FeatureVector(p) => p.node_id,
            Packet::FusedVitals(p) => p.node_id,
            Packet::CompressedCsi(p) => p.node_id,
            Packet::FeatureState(p) => p.node_id,
            Packet::WasmOutput(p) => p.node_id,
            Packet::Sync(p) => p.node_id,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, PacketError> {
        match self {
            Packet::RawCsi(p) => p.encode(),
            Packet::EdgeVitals(p) => p.encode(),
            Packet::FeatureVector(p) => p.encode(),
            Packet::FusedVitals(p) => p.encode(),
            Packet::CompressedCsi(p) => p.encode(),
            Packet::FeatureState(p) => p.encode(),
            Packet::WasmOutput(p) => p.encode(),
            Packet::Sync(p) => p.encode(),
        }
    }
}

/// Decodes any datagram of the registry (docs/wire.md §1.12 `parse_packet`).
pub fn parse_packet(data: &[u8]) -> Result<Packet, PacketError> {
    parse_packet_with(data, ParseOptions::default())
}

/// [`parse_packet`] with options.
pub fn parse_packet_with(data: &[u8], options: ParseOptions) -> Result<Packet, PacketError> {
    let magic = read_magic(data)?;
    let d = Datagram { data, magic };
    Ok(match magic {
        magic::RAW_CSI => Packet::RawCsi(decode_known(d, options)?),
        magic::EDGE_VITALS => Packet::EdgeVitals(decode_known(d, options)?),
        magic::FEATURE_VECTOR => Packet::FeatureVector(decode_known(d, options)?),
        magic::FUSED_VITALS => Packet::FusedVitals(decode_known(d, options)?),
        magic::COMPRESSED_CSI => Packet::CompressedCsi(decode_known(d, options)?),
        magic::FEATURE_STATE => Packet::FeatureState(decode_known(d, options)?),
        magic::WASM_OUTPUT => Packet::WasmOutput(decode_known(d, options)?),
        magic::SYNC => Packet::Sync(decode_known(d, options)?),
        other => {
            return Err(PacketError::new(
                Some(other),
                0,
                Reason::BadMagic,
                "magic not in the registry",
            ))
        }
    })
}

/// Rejects an encoded length above [`MAX_DATAGRAM_LEN`], as the parser would.
pub(crate) fn check_encoded_size(magic: u32, len: usize) -> Result<(), PacketError> {
    if len > MAX_DATAGRAM_LEN {
        return Err(PacketError::new(
            Some(magic),
            MAX_DATAGRAM_LEN,
            Reason::Oversize,
            format!("encoded packet of {len} bytes exceeds {MAX_DATAGRAM_LEN}"),
        ));
    }
    Ok(())
}
