//! ESP32 wire formats of wifi-densepose (spec: wire.md sections 1 and 2).
//!
//! * [`packet`]: decode and encode every UDP packet kind; malformed input is a typed
//!   [`PacketError`] naming the magic, the byte offset and the reason, never a panic.
//!
//! Plain Rust: no I/O beyond the files a caller names, no async, no network.

mod bytes;
pub mod crc32;
pub mod error;
pub mod iq;
pub mod packet;

pub use error::{LineReason, PacketError, Reason, RecordingError, WireError, WireResult};
pub use iq::IqOrder;
pub use packet::{
    magic, parse_packet, parse_packet_with, CompressedCsiPacket, EdgeVitalsPacket, FeatureStatePacket,
    FeatureVectorPacket, FrameCounters, FusedVitalsPacket, Packet, ParseOptions, RawCsiPacket, SendCounters,
    SyncPacket, WasmEvent, WasmOutputPacket, WirePacket, MAX_DATAGRAM_LEN,
};
