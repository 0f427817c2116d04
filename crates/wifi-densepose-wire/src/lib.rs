//! Wire formats of wifi-densepose (spec: docs/wire.md §1 to 3).
//!
//! * [`packet`]: decode and encode every UDP packet kind; malformed input is a typed
//!   [`PacketError`] naming the magic, the byte offset and the reason, never a panic.
//! * [`recording`]: stream `.csi.jsonl` recordings in and out, load them whole with
//!   per-node access, and read and write their `.csi.meta.json` sidecar.
//! * [`messages`]: the JSON messages the sensing server sends, as typed values.
//!
//! Plain Rust: no I/O beyond the files a caller names, no async, no network.

mod bytes;
pub mod crc32;
pub mod error;
pub mod iq;
pub mod messages;
pub mod packet;
pub mod recording;

pub use error::{LineReason, PacketError, Reason, RecordingError, WireError, WireResult};
pub use iq::IqOrder;
pub use packet::{
    magic, parse_packet, parse_packet_with, CompressedCsiPacket, EdgeVitalsPacket,
    FeatureStatePacket, FeatureVectorPacket, FrameCounters, FusedVitalsPacket, Packet,
    ParseOptions, RawCsiPacket, SendCounters, SyncPacket, WasmEvent, WasmOutputPacket, WirePacket,
    MAX_DATAGRAM_LEN,
};
pub use recording::{
    LineOutcome, ReadMode, Record, RecordBody, Recording, RecordingMeta, RecordingReader,
    RecordingWriter, MAX_LINE_LEN,
};
