//! Raw CSI frame, magic 0xC5110001 (docs/wire.md §1.3).

use num_complex::Complex64;
use wifi_densepose_core::{CoreResult, CsiFrame};

use super::{check_encoded_size, magic, sealed::Decode, ParseOptions, WirePacket};
use crate::bytes::{Datagram, Encoder};
use crate::error::{PacketError, Reason};
use crate::iq::{antenna_frame, iq_to_amplitude, iq_to_complex, iq_to_phase, IqOrder};

const HEADER_LEN: usize = 20;

/// One raw CSI frame. `iq` is the payload exactly as sent: for each antenna, for each
/// subcarrier, two signed bytes whose meaning [`IqOrder`] selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCsiPacket {
    pub node_id: u8,
    pub n_antennas: u8,
    pub n_subcarriers: u16,
    /// Centre frequency, MHz (0 = unknown).
    pub frequency_mhz: u32,
    pub sequence: u32,
    /// dBm.
    pub rssi: i8,
    /// dBm.
    pub noise_floor: i8,
    pub ppdu_type: u8,
    pub flags: u8,
    pub iq: Vec<u8>,
    /// Bytes after the payload that the parser ignored (always 0 for encoded packets).
    pub trailing_bytes: usize,
}

impl RawCsiPacket {
    /// Bandwidth from flag bits 0–1: 20, 40, 80 or 160 MHz.
    pub fn bandwidth_mhz(&self) -> u16 {
        20 << (self.flags & 0b11)
    }
    pub fn stbc(&self) -> bool {
        self.flags & 0x04 != 0
    }
    pub fn ldpc(&self) -> bool {
        self.flags & 0x08 != 0
    }
    pub fn time_sync_valid(&self) -> bool {
        self.flags & 0x10 != 0
    }

    /// Complex CSI, row-major `[antenna][subcarrier]`.
    pub fn complex(&self, order: IqOrder) -> Vec<Complex64> {
        iq_to_complex(&self.iq, order)
    }

    /// Amplitudes √(re² + im²), row-major `[antenna][subcarrier]`.
    pub fn amplitude(&self) -> Vec<f64> {
        iq_to_amplitude(&self.iq)
    }

    /// Phases atan2(im, re) in radians, row-major `[antenna][subcarrier]`.
    pub fn phase(&self, order: IqOrder) -> Vec<f64> {
        iq_to_phase(&self.iq, order)
    }

    /// A [`CsiFrame`] of one antenna row, with `sample_index` = `sequence`.
    pub fn to_frame(
        &self,
        sample_rate_hz: f64,
        antenna: usize,
        order: IqOrder,
    ) -> CoreResult<CsiFrame> {
        antenna_frame(
            &self.iq,
            self.n_subcarriers,
            antenna,
            order,
            u64::from(self.sequence),
            sample_rate_hz,
        )
    }

    fn payload_len(n_antennas: u8, n_subcarriers: u16) -> usize {
        2 * usize::from(n_antennas) * usize::from(n_subcarriers)
    }
}

impl Decode for RawCsiPacket {
    fn decode_fixed(d: Datagram<'_>, options: ParseOptions) -> Result<Self, PacketError> {
        let n_antennas = d.u8(5)?;
        let n_subcarriers = d.u16(6)?;
        if n_antennas == 0 {
            return Err(d.error(5, Reason::ZeroAntennas, "n_antennas must be >= 1, got 0"));
        }
        if n_subcarriers == 0 {
            return Err(d.error(
                6,
                Reason::ZeroSubcarriers,
                "n_subcarriers must be >= 1, got 0",
            ));
        }
        let payload_len = Self::payload_len(n_antennas, n_subcarriers);
        let trailing_bytes = d.trailing_bytes(HEADER_LEN + payload_len, options.strict)?;
        Ok(RawCsiPacket {
            node_id: d.u8(4)?,
            n_antennas,
            n_subcarriers,
            frequency_mhz: d.u32(8)?,
            sequence: d.u32(12)?,
            rssi: d.i8(16)?,
            noise_floor: d.i8(17)?,
            ppdu_type: d.u8(18)?,
            flags: d.u8(19)?,
            iq: d.slice(HEADER_LEN, payload_len)?.to_vec(),
            trailing_bytes,
        })
    }
}

impl WirePacket for RawCsiPacket {
    const MAGIC: u32 = magic::RAW_CSI;
    const FIXED_LEN: usize = HEADER_LEN;

    fn encode(&self) -> Result<Vec<u8>, PacketError> {
        let err = |offset, reason, detail: String| {
            PacketError::new(Some(Self::MAGIC), offset, reason, detail)
        };
        if self.n_antennas == 0 {
            return Err(err(
                5,
                Reason::ZeroAntennas,
                "n_antennas must be >= 1, got 0".into(),
            ));
        }
        if self.n_subcarriers == 0 {
            return Err(err(
                6,
                Reason::ZeroSubcarriers,
                "n_subcarriers must be >= 1, got 0".into(),
            ));
        }
        let expected = Self::payload_len(self.n_antennas, self.n_subcarriers);
        if self.iq.len() != expected {
            return Err(err(
                HEADER_LEN + self.iq.len().min(expected),
                Reason::LengthMismatch,
                format!(
                    "iq must hold 2·n_antennas·n_subcarriers = {expected} bytes, got {}",
                    self.iq.len()
                ),
            ));
        }
        check_encoded_size(Self::MAGIC, HEADER_LEN + expected)?;
        let mut e = Encoder::with_magic(Self::MAGIC, HEADER_LEN + expected);
        e.u8(self.node_id)
            .u8(self.n_antennas)
            .u16(self.n_subcarriers)
            .u32(self.frequency_mhz)
            .u32(self.sequence)
            .i8(self.rssi)
            .i8(self.noise_floor)
            .u8(self.ppdu_type)
            .u8(self.flags)
            .bytes(&self.iq);
        Ok(e.finish())
    }
}
