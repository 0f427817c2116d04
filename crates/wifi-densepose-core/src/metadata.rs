//! Frame metadata: timestamps, frequency bands, antenna layouts.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::validate::ensure_positive;

const NANOS_PER_SECOND: u32 = 1_000_000_000;

/// A UTC instant: whole seconds since the Unix epoch plus nanoseconds in `[0, 1e9)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "TimestampFields")]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
}

#[derive(Deserialize)]
struct TimestampFields {
    seconds: i64,
    nanos: u32,
}

impl TryFrom<TimestampFields> for Timestamp {
    type Error = CoreError;
    fn try_from(f: TimestampFields) -> CoreResult<Self> {
        Timestamp::new(f.seconds, f.nanos)
    }
}

impl Timestamp {
    pub fn new(seconds: i64, nanos: u32) -> CoreResult<Self> {
        if nanos >= NANOS_PER_SECOND {
            return Err(CoreError::validation(
                "nanos",
                format!("must be in [0, 1e9), got {nanos}"),
            ));
        }
        Ok(Timestamp { seconds, nanos })
    }

    /// The current wall-clock time.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            seconds: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    pub fn seconds(&self) -> i64 {
        self.seconds
    }

    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// seconds·10⁹ + nanos.
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos)
    }

    /// Seconds elapsed from `earlier` to `self` (negative if `earlier` is later).
    pub fn duration_since(&self, earlier: &Timestamp) -> f64 {
        (self.as_nanos() - earlier.as_nanos()) as f64 / f64::from(NANOS_PER_SECOND)
    }
}

/// The WiFi band a frame was captured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FrequencyBand {
    #[serde(rename = "band_2_4ghz")]
    Band2_4GHz,
    #[serde(rename = "band_5ghz")]
    Band5GHz,
    #[serde(rename = "band_6ghz")]
    Band6GHz,
}

impl FrequencyBand {
    pub const ALL: [FrequencyBand; 3] = [
        FrequencyBand::Band2_4GHz,
        FrequencyBand::Band5GHz,
        FrequencyBand::Band6GHz,
    ];

    /// Centre frequency in MHz.
    pub fn center_frequency_mhz(self) -> u32 {
        match self {
            FrequencyBand::Band2_4GHz => 2437,
            FrequencyBand::Band5GHz => 5180,
            FrequencyBand::Band6GHz => 5975,
        }
    }

    /// Typical number of CSI subcarriers reported in this band.
    pub fn typical_subcarriers(self) -> usize {
        match self {
            FrequencyBand::Band2_4GHz => 56,
            FrequencyBand::Band5GHz => 114,
            FrequencyBand::Band6GHz => 234,
        }
    }

    /// The JSON name, e.g. `"band_5ghz"`.
    pub fn json_name(self) -> &'static str {
        match self {
            FrequencyBand::Band2_4GHz => "band_2_4ghz",
            FrequencyBand::Band5GHz => "band_5ghz",
            FrequencyBand::Band6GHz => "band_6ghz",
        }
    }
}

/// Transmit and receive antenna counts, and optional element spacing in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AntennaFields")]
pub struct AntennaConfig {
    tx: u8,
    rx: u8,
    spacing_mm: Option<f64>,
}

#[derive(Deserialize)]
struct AntennaFields {
    tx: u32,
    rx: u32,
    spacing_mm: Option<f64>,
}

impl TryFrom<AntennaFields> for AntennaConfig {
    type Error = CoreError;
    fn try_from(f: AntennaFields) -> CoreResult<Self> {
        AntennaConfig::new(f.tx, f.rx, f.spacing_mm)
    }
}

impl AntennaConfig {
    pub const SIMO_1X3: AntennaConfig = AntennaConfig {
        tx: 1,
        rx: 3,
        spacing_mm: None,
    };
    pub const MIMO_2X2: AntennaConfig = AntennaConfig {
        tx: 2,
        rx: 2,
        spacing_mm: None,
    };
    pub const MIMO_3X3: AntennaConfig = AntennaConfig {
        tx: 3,
        rx: 3,
        spacing_mm: None,
    };

    /// `tx` and `rx` in 1..=255; `spacing_mm` finite and > 0 when given.
    pub fn new(tx: u32, rx: u32, spacing_mm: Option<f64>) -> CoreResult<Self> {
        let count = |field: &str, v: u32| -> CoreResult<u8> {
            u8::try_from(v)
                .ok()
                .filter(|&c| c >= 1)
                .ok_or_else(|| CoreError::validation(field, format!("must be in 1..=255, got {v}")))
        };
        let tx = count("tx", tx)?;
        let rx = count("rx", rx)?;
        if let Some(s) = spacing_mm {
            ensure_positive("spacing_mm", s)?;
        }
        Ok(AntennaConfig { tx, rx, spacing_mm })
    }

    pub fn tx(&self) -> u8 {
        self.tx
    }

    pub fn rx(&self) -> u8 {
        self.rx
    }

    pub fn spacing_mm(&self) -> Option<f64> {
        self.spacing_mm
    }

    /// tx·rx.
    pub fn spatial_streams(&self) -> u32 {
        u32::from(self.tx) * u32::from(self.rx)
    }
}

impl Default for AntennaConfig {
    fn default() -> Self {
        AntennaConfig::SIMO_1X3
    }
}

/// Where and how a CSI frame was captured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MetadataFields")]
pub struct CsiMetadata {
    device_id: String,
    frequency_band: FrequencyBand,
    channel: u8,
    bandwidth_mhz: u16,
    antenna_config: AntennaConfig,
    rssi_dbm: i8,
    noise_floor_dbm: i8,
    sequence_number: u32,
    timestamp: Timestamp,
}

#[derive(Deserialize)]
struct MetadataFields {
    device_id: String,
    frequency_band: FrequencyBand,
    channel: i64,
    bandwidth_mhz: i64,
    antenna_config: AntennaConfig,
    rssi_dbm: i64,
    noise_floor_dbm: i64,
    sequence_number: i64,
    timestamp: Timestamp,
}

impl TryFrom<MetadataFields> for CsiMetadata {
    type Error = CoreError;
    fn try_from(f: MetadataFields) -> CoreResult<Self> {
        CsiMetadataBuilder {
            device_id: f.device_id,
            frequency_band: f.frequency_band,
            channel: f.channel,
            bandwidth_mhz: f.bandwidth_mhz,
            antenna_config: f.antenna_config,
            rssi_dbm: f.rssi_dbm,
            noise_floor_dbm: f.noise_floor_dbm,
            sequence_number: f.sequence_number,
            timestamp: Some(f.timestamp),
        }
        .build()
    }
}

/// The unchecked fields of a [`CsiMetadata`]; `build` validates every one.
#[derive(Debug, Clone)]
pub struct CsiMetadataBuilder {
    pub device_id: String,
    pub frequency_band: FrequencyBand,
    pub channel: i64,
    pub bandwidth_mhz: i64,
    pub antenna_config: AntennaConfig,
    pub rssi_dbm: i64,
    pub noise_floor_dbm: i64,
    pub sequence_number: i64,
    /// `None` means now.
    pub timestamp: Option<Timestamp>,
}

impl CsiMetadataBuilder {
    /// Defaults: 20 MHz, SIMO 1x3, −50 dBm RSSI, −90 dBm noise floor, sequence 0, now.
    pub fn new(device_id: impl Into<String>, frequency_band: FrequencyBand, channel: i64) -> Self {
        CsiMetadataBuilder {
            device_id: device_id.into(),
            frequency_band,
            channel,
            bandwidth_mhz: 20,
            antenna_config: AntennaConfig::SIMO_1X3,
            rssi_dbm: -50,
            noise_floor_dbm: -90,
            sequence_number: 0,
            timestamp: None,
        }
    }

    pub fn build(self) -> CoreResult<CsiMetadata> {
        fn int_in<T: TryFrom<i64>>(field: &str, v: i64, lo: i64, hi: i64) -> CoreResult<T> {
            if (lo..=hi).contains(&v) {
                T::try_from(v).map_err(|_| CoreError::validation(field, "out of range"))
            } else {
                Err(CoreError::validation(
                    field,
                    format!("must be in {lo}..={hi}, got {v}"),
                ))
            }
        }
        if self.device_id.is_empty() {
            return Err(CoreError::validation("device_id", "must not be empty"));
        }
        Ok(CsiMetadata {
            device_id: self.device_id,
            frequency_band: self.frequency_band,
            channel: int_in("channel", self.channel, 0, 255)?,
            bandwidth_mhz: int_in("bandwidth_mhz", self.bandwidth_mhz, 1, 65535)?,
            antenna_config: self.antenna_config,
            rssi_dbm: int_in("rssi_dbm", self.rssi_dbm, -128, 127)?,
            noise_floor_dbm: int_in("noise_floor_dbm", self.noise_floor_dbm, -128, 127)?,
            sequence_number: int_in(
                "sequence_number",
                self.sequence_number,
                0,
                i64::from(u32::MAX),
            )?,
            timestamp: self.timestamp.unwrap_or_else(Timestamp::now),
        })
    }
}

impl CsiMetadata {
    pub fn device_id(&self) -> &str {
        &self.device_id
    }
    pub fn frequency_band(&self) -> FrequencyBand {
        self.frequency_band
    }
    pub fn channel(&self) -> u8 {
        self.channel
    }
    pub fn bandwidth_mhz(&self) -> u16 {
        self.bandwidth_mhz
    }
    pub fn antenna_config(&self) -> AntennaConfig {
        self.antenna_config
    }
    pub fn rssi_dbm(&self) -> i8 {
        self.rssi_dbm
    }
    pub fn noise_floor_dbm(&self) -> i8 {
        self.noise_floor_dbm
    }
    pub fn sequence_number(&self) -> u32 {
        self.sequence_number
    }
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// rssi_dbm − noise_floor_dbm, in dB.
    pub fn snr_db(&self) -> f64 {
        f64::from(self.rssi_dbm) - f64::from(self.noise_floor_dbm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_arithmetic_and_validation() {
        let a = Timestamp::new(101, 500_000_000).unwrap();
        let b = Timestamp::new(100, 0).unwrap();
        assert_eq!(a.duration_since(&b), 1.5);
        assert!(Timestamp::new(0, 1_000_000_000).is_err());
        assert!(b < a);
        assert_eq!(a.as_nanos(), 101_500_000_000);
    }

    #[test]
    fn bands_follow_the_table() {
        let subs: Vec<_> = FrequencyBand::ALL
            .iter()
            .map(|b| b.typical_subcarriers())
            .collect();
        assert_eq!(subs, [56, 114, 234]);
        assert!(FrequencyBand::Band5GHz.center_frequency_mhz() > 5000);
        assert_eq!(
            serde_json::to_string(&FrequencyBand::Band2_4GHz).unwrap(),
            "\"band_2_4ghz\""
        );
    }

    #[test]
    fn metadata_defaults_and_validation() {
        let m = CsiMetadataBuilder::new("node-1", FrequencyBand::Band5GHz, 36)
            .build()
            .unwrap();
        assert_eq!(m.snr_db(), 40.0);
        assert_eq!(m.antenna_config().spatial_streams(), 3);
        assert!(CsiMetadataBuilder::new("", FrequencyBand::Band5GHz, 36)
            .build()
            .is_err());
        assert!(CsiMetadataBuilder::new("n", FrequencyBand::Band5GHz, 256)
            .build()
            .is_err());
        let mut b = CsiMetadataBuilder::new("n", FrequencyBand::Band5GHz, 1);
        b.rssi_dbm = -129;
        assert!(b.build().is_err());
        assert!(AntennaConfig::new(0, 1, None).is_err());
        assert!(AntennaConfig::new(1, 256, None).is_err());
        assert!(AntennaConfig::new(1, 1, Some(f64::NAN)).is_err());
    }

    #[test]
    fn metadata_json_round_trip_validates() {
        let m = CsiMetadataBuilder::new("node-1", FrequencyBand::Band6GHz, 5)
            .build()
            .unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<CsiMetadata>(&json).unwrap(), m);
        let bad = json.replace("\"channel\":5", "\"channel\":300");
        assert!(serde_json::from_str::<CsiMetadata>(&bad).is_err());
    }
}
