//! Feature state with CRC32, magic 0xC5110006 (docs/wire.md §1.8).

use super::{magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{check_finite, Datagram, Encoder};
use crate::crc32::crc32;
use crate::error::{PacketError, Reason};

const CRC_OFFSET: usize = 56;

/// Offsets and names of the nine f32 fields, in wire order.
const FLOAT_FIELDS: [(usize, &str); 9] = [
    (16, "motion_score"),
    (20, "presence_score"),
    (24, "respiration_bpm"),
    (28, "respiration_conf"),
    (32, "heartbeat_bpm"),
    (36, "heartbeat_conf"),
    (40, "anomaly_score"),
    (44, "env_shift_score"),
    (48, "node_coherence"),
];

/// The node's feature state. The CRC is checked on decode and computed on encode.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureStatePacket {
    pub node_id: u8,
    /// Capture profile (passed through).
    pub mode: u8,
    pub seq: u16,
    /// Node-local microseconds.
    pub timestamp_us: u64,
    pub motion_score: f32,
    pub presence_score: f32,
    pub respiration_bpm: f32,
    pub respiration_conf: f32,
    pub heartbeat_bpm: f32,
    pub heartbeat_conf: f32,
    pub anomaly_score: f32,
    pub env_shift_score: f32,
    pub node_coherence: f32,
    pub quality_flags: u16,
    /// Median RSSI, dBm; 0 = not measured.
    pub rssi: i8,
    pub trailing_bytes: usize,
}

impl FeatureStatePacket {
    fn floats(&self) -> [f32; 9] {
        [
            self.motion_score,
            self.presence_score,
            self.respiration_bpm,
            self.respiration_conf,
            self.heartbeat_bpm,
            self.heartbeat_conf,
            self.anomaly_score,
            self.env_shift_score,
            self.node_coherence,
        ]
    }

    /// Bytes 0–55, the part the CRC covers.
    fn body(&self) -> Vec<u8> {
        let mut e = Encoder::with_magic(Self::MAGIC, Self::FIXED_LEN);
        e.u8(self.node_id)
            .u8(self.mode)
            .u16(self.seq)
            .u64(self.timestamp_us);
        for v in self.floats() {
            e.f32(v);
        }
        e.u16(self.quality_flags).i8(self.rssi).zeros(1);
        e.finish()
    }

    /// The CRC-32 the encoded packet carries at offset 56.
    pub fn crc32(&self) -> u32 {
        crc32(&self.body())
    }
}

impl Decode for FeatureStatePacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let trailing_bytes = d.trailing_bytes(Self::FIXED_LEN, options.strict)?;
        let stored = d.u32(CRC_OFFSET)?;
        let computed = crc32(d.slice(0, CRC_OFFSET)?);
        if stored != computed {
            return Err(d.error(
                CRC_OFFSET,
                Reason::BadCrc,
                format!("stored CRC 0x{stored:08X}, computed 0x{computed:08X}"),
            ));
        }
        let mut f = [0f32; 9];
        for (slot, (offset, field)) in f.iter_mut().zip(FLOAT_FIELDS) {
            *slot = d.finite_f32(offset, field)?;
        }
        Ok(FeatureStatePacket {
            node_id: d.u8(4)?,
            mode: d.u8(5)?,
            seq: d.u16(6)?,
            timestamp_us: d.u64(8)?,
            motion_score: f[0],
            presence_score: f[1],
            respiration_bpm: f[2],
            respiration_conf: f[3],
            heartbeat_bpm: f[4],
            heartbeat_conf: f[5],
            anomaly_score: f[6],
            env_shift_score: f[7],
            node_coherence: f[8],
            quality_flags: d.u16(52)?,
            rssi: d.i8(54)?,
            trailing_bytes,
        })
    }
}

impl WirePacket for FeatureStatePacket {
    const MAGIC: u32 = magic::FEATURE_STATE;
    const FIXED_LEN: usize = 60;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        for ((offset, field), v) in FLOAT_FIELDS.into_iter().zip(self.floats()) {
            check_finite(Self::MAGIC, offset, field, v)?;
        }
        let mut bytes = self.body();
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        Ok(bytes)
    }
}
