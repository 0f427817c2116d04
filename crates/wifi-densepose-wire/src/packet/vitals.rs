//! Edge vitals, magic 0xC5110002 (docs/wire.md §1.4), and fused vitals, magic 0xC5110004 (1.6).
//! Both start with the same 14-byte layout.

use super::{magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{check_finite, Datagram, Encoder};
use crate::error::PacketError;

const FLAG_PRESENCE: u8 = 0x01;
const FLAG_FALL: u8 = 0x02;
const FLAG_MOTION: u8 = 0x04;
const FLAG_MMWAVE: u8 = 0x08;

/// Breathing rate field (u16) per BPM.
const BREATHING_SCALE: f64 = 100.0;
/// Heart rate field (u32) per BPM.
const HEART_SCALE: f64 = 10_000.0;

/// The device's own vital-sign estimate, sent once per vitals interval.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeVitalsPacket {
    pub node_id: u8,
    pub flags: u8,
    /// Breathing rate × 100 (BPM); 0 = no estimate.
    pub breathing_rate: u16,
    /// Heart rate × 10 000 (BPM); 0 = no estimate.
    pub heartrate: u32,
    /// dBm.
    pub rssi: i8,
    pub n_persons: u8,
    /// Device motion metric, not normalised.
    pub motion_energy: f32,
    /// Device presence metric, not normalised.
    pub presence_score: f32,
    /// Milliseconds since the device booted (wraps).
    pub timestamp_ms: u32,
    pub trailing_bytes: usize,
}

/// Vital signs fused from CSI and an mmWave sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct FusedVitalsPacket {
    pub node_id: u8,
    pub flags: u8,
    /// Fused breathing rate × 100 (BPM).
    pub breathing_rate: u16,
    /// Fused heart rate × 10 000 (BPM).
    pub heartrate: u32,
    /// dBm.
    pub rssi: i8,
    pub n_persons: u8,
    pub mmwave_type: u8,
    /// 0–100.
    pub fusion_confidence: u8,
    pub motion_energy: f32,
    pub presence_score: f32,
    /// Milliseconds since boot.
    pub timestamp_ms: u32,
    pub mmwave_hr_bpm: f32,
    pub mmwave_br_bpm: f32,
    pub mmwave_distance_cm: f32,
    pub mmwave_targets: u8,
    /// 0–100.
    pub mmwave_confidence: u8,
    pub trailing_bytes: usize,
}

/// Accessors derived from the shared flag byte and the scaled rates, and the encoder of
/// the shared head.
macro_rules! vitals_accessors {
    ($t:ty) => {
        impl $t {
            /// An encoder holding the magic and the 14-byte head both packets start with.
            fn head_encoder(&self) -> Encoder {
                let mut e = Encoder::with_magic(<$t>::MAGIC, <$t>::FIXED_LEN);
                e.u8(self.node_id)
                    .u8(self.flags)
                    .u16(self.breathing_rate)
                    .u32(self.heartrate)
                    .i8(self.rssi)
                    .u8(self.n_persons);
                e
            }
            pub fn presence(&self) -> bool {
                self.flags & FLAG_PRESENCE != 0
            }
            pub fn fall_detected(&self) -> bool {
                self.flags & FLAG_FALL != 0
            }
            pub fn motion(&self) -> bool {
                self.flags & FLAG_MOTION != 0
            }
            /// Breathing rate, BPM (0 = no estimate).
            pub fn breathing_rate_bpm(&self) -> f64 {
                f64::from(self.breathing_rate) / BREATHING_SCALE
            }
            /// Heart rate, BPM (0 = no estimate).
            pub fn heartrate_bpm(&self) -> f64 {
                f64::from(self.heartrate) / HEART_SCALE
            }
        }
    };
}

vitals_accessors!(EdgeVitalsPacket);
vitals_accessors!(FusedVitalsPacket);

impl FusedVitalsPacket {
    pub fn mmwave_present(&self) -> bool {
        self.flags & FLAG_MMWAVE != 0
    }
}

/// `node_id`, `flags`, `breathing_rate`, `heartrate`, `rssi` and `n_persons`: the 14-byte
/// head both packets start with.
type Head = (u8, u8, u16, u32, i8, u8);

fn decode_head(d: &Datagram<'_>) -> Result<Head, PacketError> {
    Ok((
        d.u8(4)?,
        d.u8(5)?,
        d.u16(6)?,
        d.u32(8)?,
        d.i8(12)?,
        d.u8(13)?,
    ))
}

impl Decode for EdgeVitalsPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let trailing_bytes = d.trailing_bytes(Self::FIXED_LEN, options.strict)?;
        let (node_id, flags, breathing_rate, heartrate, rssi, n_persons) = decode_head(&d)?;
        Ok(EdgeVitalsPacket {
            node_id,
            flags,
            breathing_rate,
            heartrate,
            rssi,
            n_persons,
            motion_energy: d.finite_f32(16, "motion_energy")?,
            presence_score: d.finite_f32(20, "presence_score")?,
            timestamp_ms: d.u32(24)?,
            trailing_bytes,
        })
    }
}

impl WirePacket for EdgeVitalsPacket {
    const MAGIC: u32 = magic::EDGE_VITALS;
    const FIXED_LEN: usize = 32;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        check_finite(Self::MAGIC, 16, "motion_energy", self.motion_energy)?;
        check_finite(Self::MAGIC, 20, "presence_score", self.presence_score)?;
        let mut e = self.head_encoder();
        e.zeros(2)
            .f32(self.motion_energy)
            .f32(self.presence_score)
            .u32(self.timestamp_ms)
            .zeros(4);
        Ok(e.finish())
    }
}

const FUSED_FLOATS: [(usize, &str); 5] = [
    (16, "motion_energy"),
    (20, "presence_score"),
    (28, "mmwave_hr_bpm"),
    (32, "mmwave_br_bpm"),
    (36, "mmwave_distance_cm"),
];

impl Decode for FusedVitalsPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let trailing_bytes = d.trailing_bytes(Self::FIXED_LEN, options.strict)?;
        let mut floats = [0f32; 5];
        for (slot, (offset, field)) in floats.iter_mut().zip(FUSED_FLOATS) {
            *slot = d.finite_f32(offset, field)?;
        }
        let [motion_energy, presence_score, mmwave_hr_bpm, mmwave_br_bpm, mmwave_distance_cm] =
            floats;
        let (node_id, flags, breathing_rate, heartrate, rssi, n_persons) = decode_head(&d)?;
        Ok(FusedVitalsPacket {
            node_id,
            flags,
            breathing_rate,
            heartrate,
            rssi,
            n_persons,
            mmwave_type: d.u8(14)?,
            fusion_confidence: d.u8(15)?,
            motion_energy,
            presence_score,
            timestamp_ms: d.u32(24)?,
            mmwave_hr_bpm,
            mmwave_br_bpm,
            mmwave_distance_cm,
            mmwave_targets: d.u8(40)?,
            mmwave_confidence: d.u8(41)?,
            trailing_bytes,
        })
    }
}

impl WirePacket for FusedVitalsPacket {
    const MAGIC: u32 = magic::FUSED_VITALS;
    const FIXED_LEN: usize = 48;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        let values = [
            self.motion_energy,
            self.presence_score,
            self.mmwave_hr_bpm,
            self.mmwave_br_bpm,
            self.mmwave_distance_cm,
        ];
        for ((offset, field), value) in FUSED_FLOATS.into_iter().zip(values) {
            check_finite(Self::MAGIC, offset, field, value)?;
        }
        let mut e = self.head_encoder();
        e.u8(self.mmwave_type)
            .u8(self.fusion_confidence)
            .f32(self.motion_energy)
            .f32(self.presence_score)
            .u32(self.timestamp_ms)
            .f32(self.mmwave_hr_bpm)
            .f32(self.mmwave_br_bpm)
            .f32(self.mmwave_distance_cm)
            .u8(self.mmwave_targets)
            .u8(self.mmwave_confidence)
            .zeros(6);
        Ok(e.finish())
    }
}
