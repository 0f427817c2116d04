//! Feature vector, magic 0xC5110003 (docs/wire.md §1.5).

use super::{magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{check_finite, Datagram, Encoder};
use crate::error::PacketError;

const FEATURES_OFFSET: usize = 16;

/// Eight device features, each clamped to 0..1 by the device: presence/10, motion/10,
/// breathing BPM/30, heart BPM/120, phase variance, persons/4, fall, (RSSI + 100)/100.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureVectorPacket {
    pub node_id: u8,
    pub seq: u16,
    /// Microseconds since the device booted.
    pub timestamp_us: i64,
    pub features: [f32; 8],
    pub trailing_bytes: usize,
}

impl Decode for FeatureVectorPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let trailing_bytes = d.trailing_bytes(Self::FIXED_LEN, options.strict)?;
        let mut features = [0f32; 8];
        for (i, slot) in features.iter_mut().enumerate() {
            *slot = d.finite_f32(FEATURES_OFFSET + 4 * i, &format!("features[{i}]"))?;
        }
        Ok(FeatureVectorPacket {
            node_id: d.u8(4)?,
            seq: d.u16(6)?,
            timestamp_us: d.i64(8)?,
            features,
            trailing_bytes,
        })
    }
}

impl WirePacket for FeatureVectorPacket {
    const MAGIC: u32 = magic::FEATURE_VECTOR;
    const FIXED_LEN: usize = 48;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        for (i, &v) in self.features.iter().enumerate() {
            check_finite(
                Self::MAGIC,
                FEATURES_OFFSET + 4 * i,
                &format!("features[{i}]"),
                v,
            )?;
        }
        let mut e = Encoder::with_magic(Self::MAGIC, Self::FIXED_LEN);
        e.u8(self.node_id)
            .zeros(1)
            .u16(self.seq)
            .i64(self.timestamp_us);
        for &v in &self.features {
            e.f32(v);
        }
        Ok(e.finish())
    }
}
