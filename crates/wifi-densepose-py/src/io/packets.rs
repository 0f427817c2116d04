//! The eight ESP32 packet classes, `parse_packet` and the `encode_*` functions.
//!
//! Packets are frozen; a constructed packet is checked by encoding it, so it is valid exactly
//! when the parser would accept its bytes. Equality and hashing compare the encoded bytes (and
//! the count of ignored trailing bytes); pickling goes through `parse_packet`.

use std::hash::{DefaultHasher, Hash, Hasher};

use ndarray::Array2;
use num_complex::Complex64;
use numpy::PyArray2;
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyTuple};
use wifi_densepose_wire::{
    parse_packet_with, CompressedCsiPacket, EdgeVitalsPacket, FeatureStatePacket,
    FeatureVectorPacket, FrameCounters, FusedVitalsPacket, IqOrder, Packet, ParseOptions,
    RawCsiPacket, SendCounters, SyncPacket, WasmEvent, WasmOutputPacket, WirePacket,
};

use super::{bytes_arg, iq_order_arg, packet_error};
use crate::arrays::readonly_array;
use crate::errors::{shape_error, validation_error, OrRaise};
use crate::frame::PyCsiFrame;
use crate::getters::getters;
use crate::serialize::Wrapper;

/// An integer argument narrowed to a wire field's type, with a `ValidationError` naming the
/// field and its range otherwise.
trait IntField: Sized + TryFrom<i128> {
    const RANGE: &'static str;
}

macro_rules! int_fields {
    ($($t:ty => $range:literal),*) => { $(impl IntField for $t { const RANGE: &'static str = $range; })* };
}

int_fields!(u8 => "0..=255", i8 => "-128..=127", u16 => "0..=65535", u32 => "0..=4294967295",
            u64 => "0..=18446744073709551615", i64 => "-9223372036854775808..=9223372036854775807");

fn int<T: IntField>(field: &str, value: i128) -> PyResult<T> {
    T::try_from(value)
        .map_err(|_| validation_error(field, format!("must be in {}, got {value}", T::RANGE)))
}

/// Validates a constructed packet the way the parser would validate its bytes.
fn checked<P: WirePacket>(packet: P) -> PyResult<P> {
    packet.encode().map_err(|e| packet_error(&e))?;
    Ok(packet)
}

fn encoded<'py, P: WirePacket>(py: Python<'py>, packet: &P) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = packet.encode().map_err(|e| packet_error(&e))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Encoded bytes followed by `trailing` zero bytes: parses back to an equal packet.
fn wire_image<P: WirePacket>(packet: &P, trailing: usize) -> PyResult<Vec<u8>> {
    let mut bytes = packet.encode().map_err(|e| packet_error(&e))?;
    bytes.resize(bytes.len() + trailing, 0);
    Ok(bytes)
}

/// Getters, `magic`, `trailing_bytes`, `encode`, comparison, hashing and pickling.
macro_rules! packet_class {
    ($py_ty:ident, $rust_ty:ty, { $( $(#[$doc:meta])* $field:ident : $t:ty ),* $(,)? }) => {
        #[pymethods]
        impl $py_ty {
            $( $(#[$doc])* #[getter] fn $field(&self) -> $t { self.inner.$field.clone() } )*

            /// The magic number of this packet kind (the first 4 bytes, little-endian).
            #[getter]
            fn magic(&self) -> u32 {
                <$rust_ty as WirePacket>::MAGIC
            }

            /// Bytes after the packet that the parser ignored (0 for a constructed packet).
            #[getter]
            fn trailing_bytes(&self) -> usize {
                self.inner.trailing_bytes
            }

            /// The packet as datagram bytes (trailing bytes are not kept).
            fn encode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                encoded(py, &self.inner)
            }

            fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let Ok(other) = other.cast::<$py_ty>() else { return Ok(py.NotImplemented()) };
                let other = other.get();
                let equal = wire_image(&self.inner, self.inner.trailing_bytes)?
                    == wire_image(&other.inner, other.inner.trailing_bytes)?;
                Ok(match op {
                    CompareOp::Eq => equal.into_pyobject(py)?.to_owned().into_any().unbind(),
                    CompareOp::Ne => (!equal).into_pyobject(py)?.to_owned().into_any().unbind(),
                    _ => py.NotImplemented(),
                })
            }

            fn __hash__(&self) -> PyResult<u64> {
                let mut state = DefaultHasher::new();
                wire_image(&self.inner, self.inner.trailing_bytes)?.hash(&mut state);
                Ok(state.finish())
            }

            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>, &'static str))> {
                let parse = PyModule::import(py, "wifi_densepose._core")?.getattr("parse_packet")?;
                let bytes = PyBytes::new(py, &wire_image(&self.inner, self.inner.trailing_bytes)?);
                Ok((parse, (bytes, self.order().as_str())))
            }
        }
    };
}

/// A raw CSI frame (magic 0xC5110001). `iq` keeps the payload bytes unchanged; `csi`,
/// `amplitudes` and `phases` are read-only arrays shaped `[antenna, subcarrier]`, with the
/// packet's `iq_order`.
#[pyclass(module = "wifi_densepose._core", name = "RawCsiPacket", frozen)]
pub struct PyRawCsiPacket {
    pub inner: RawCsiPacket,
    iq_order: IqOrder,
    csi: PyOnceLock<Py<PyArray2<Complex64>>>,
    amplitudes: PyOnceLock<Py<PyArray2<f64>>>,
    phases: PyOnceLock<Py<PyArray2<f64>>>,
}

impl PyRawCsiPacket {
    pub fn new_from(inner: RawCsiPacket, iq_order: IqOrder) -> Self {
        PyRawCsiPacket {
            inner,
            iq_order,
            csi: PyOnceLock::new(),
            amplitudes: PyOnceLock::new(),
            phases: PyOnceLock::new(),
        }
    }

    fn order(&self) -> IqOrder {
        self.iq_order
    }

    fn shaped<'py, T: numpy::Element>(
        &self,
        py: Python<'py>,
        values: Vec<T>,
    ) -> PyResult<Bound<'py, PyArray2<T>>> {
        let shape = (
            usize::from(self.inner.n_antennas),
            usize::from(self.inner.n_subcarriers),
        );
        let array = Array2::from_shape_vec(shape, values)
            .map_err(|e| shape_error("iq", "n_antennas·n_subcarriers pairs", e))?;
        readonly_array(py, array)
    }

    fn order_or_default(&self, iq_order: Option<&str>) -> PyResult<IqOrder> {
        iq_order.map_or(Ok(self.iq_order), iq_order_arg)
    }
}

packet_class!(PyRawCsiPacket, RawCsiPacket, {
    node_id: u8,
    n_antennas: u8,
    n_subcarriers: u16,
    /// Centre frequency in MHz (0 = unknown).
    frequency_mhz: u32,
    sequence: u32,
    /// Received signal strength in dBm.
    rssi: i8,
    /// Noise floor in dBm.
    noise_floor: i8,
    ppdu_type: u8,
    flags: u8,
});

#[pymethods]
impl PyRawCsiPacket {
    #[new]
    #[pyo3(signature = (*, node_id, iq, n_antennas=1, n_subcarriers=None, frequency_mhz=0, sequence=0, rssi=0,
                        noise_floor=0, ppdu_type=0, flags=0, iq_order="iq"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_id: i128,
        iq: &Bound<'_, PyAny>,
        n_antennas: i128,
        n_subcarriers: Option<i128>,
        frequency_mhz: i128,
        sequence: i128,
        rssi: i128,
        noise_floor: i128,
        ppdu_type: i128,
        flags: i128,
        iq_order: &str,
    ) -> PyResult<Self> {
        let iq = bytes_arg(iq, "iq")?;
        let n_antennas: u8 = int("n_antennas", n_antennas)?;
        let derived = (iq.len() / (2 * usize::from(n_antennas.max(1)))) as i128;
        let inner = RawCsiPacket {
            node_id: int("node_id", node_id)?,
            n_antennas,
            n_subcarriers: int("n_subcarriers", n_subcarriers.unwrap_or(derived))?,
            frequency_mhz: int("frequency_mhz", frequency_mhz)?,
            sequence: int("sequence", sequence)?,
            rssi: int("rssi", rssi)?,
            noise_floor: int("noise_floor", noise_floor)?,
            ppdu_type: int("ppdu_type", ppdu_type)?,
            flags: int("flags", flags)?,
            iq,
            trailing_bytes: 0,
        };
        Ok(Self::new_from(checked(inner)?, iq_order_arg(iq_order)?))
    }

    /// Complex CSI `[antenna, subcarrier]`; `iq_order` defaults to the packet's.
    #[pyo3(signature = (iq_order=None))]
    fn complex<'py>(
        &self,
        py: Python<'py>,
        iq_order: Option<&str>,
    ) -> PyResult<Bound<'py, PyArray2<Complex64>>> {
        self.shaped(py, self.inner.complex(self.order_or_default(iq_order)?))
    }

    /// Amplitudes `[antenna, subcarrier]` (the same for both I/Q orders).
    fn amplitude<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        self.shaped(py, self.inner.amplitude())
    }

    /// Phases in radians `[antenna, subcarrier]`; `iq_order` defaults to the packet's.
    #[pyo3(signature = (iq_order=None))]
    fn phase<'py>(
        &self,
        py: Python<'py>,
        iq_order: Option<&str>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        self.shaped(py, self.inner.phase(self.order_or_default(iq_order)?))
    }

    /// A `CsiFrame` of one antenna row with `sample_index` = `sequence` and the given rate (Hz).
    #[pyo3(signature = (*, sample_rate_hz=100.0, antenna=0, iq_order=None))]
    fn to_frame(
        &self,
        sample_rate_hz: f64,
        antenna: usize,
        iq_order: Option<&str>,
    ) -> PyResult<PyCsiFrame> {
        let frame = self
            .inner
            .to_frame(sample_rate_hz, antenna, self.order_or_default(iq_order)?)
            .or_raise()?;
        Ok(PyCsiFrame::wrap(frame))
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "RawCsiPacket(node_id={}, n_antennas={}, n_subcarriers={}, frequency_mhz={}, sequence={}, rssi={}, noise_floor={}, ppdu_type={}, flags={}, iq_order={:?})",
            p.node_id, p.n_antennas, p.n_subcarriers, p.frequency_mhz, p.sequence, p.rssi, p.noise_floor, p.ppdu_type, p.flags, self.iq_order.as_str()
        )
    }
}

getters!(PyRawCsiPacket, |this| {
    /// The I/Q payload bytes exactly as received.
    iq(py): Bound<'py, PyBytes> = PyBytes::new(py, &this.inner.iq),

    /// The I/Q order used by `csi` and `phases`: "iq" (real first) or "qi".
    iq_order: &'static str = this.iq_order.as_str(),

    /// Channel bandwidth in MHz from flag bits 0–1 (20, 40, 80 or 160).
    bandwidth_mhz: u16 = this.inner.bandwidth_mhz(),

    stbc: bool = this.inner.stbc(),
    ldpc: bool = this.inner.ldpc(),
    time_sync_valid: bool = this.inner.time_sync_valid(),

    /// Complex CSI `[antenna, subcarrier]` (complex128, read-only) in the packet's `iq_order`.
    csi(py): PyResult<Bound<'py, PyArray2<Complex64>>> = {
        this.csi
            .get_or_try_init(py, || {
                this.shaped(py, this.inner.complex(this.iq_order))
                    .map(Bound::unbind)
            })
            .map(|a| a.bind(py).clone())
    },

    /// Amplitudes √(re² + im²) `[antenna, subcarrier]` (float64, read-only).
    amplitudes(py): PyResult<Bound<'py, PyArray2<f64>>> = {
        this.amplitudes
            .get_or_try_init(py, || {
                this.shaped(py, this.inner.amplitude()).map(Bound::unbind)
            })
            .map(|a| a.bind(py).clone())
    },

    /// Phases atan2(im, re) in radians `[antenna, subcarrier]` (float64, read-only), packet's `iq_order`.
    phases(py): PyResult<Bound<'py, PyArray2<f64>>> = {
        this.phases
            .get_or_try_init(py, || {
                this.shaped(py, this.inner.phase(this.iq_order))
                    .map(Bound::unbind)
            })
            .map(|a| a.bind(py).clone())
    },
});

/// Simple packet classes: the Rust value and nothing else.
macro_rules! plain_packet {
    ($py_ty:ident, $name:literal, $rust_ty:ty, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(module = "wifi_densepose._core", name = $name, frozen)]
        pub struct $py_ty {
            pub inner: $rust_ty,
        }

        impl $py_ty {
            fn order(&self) -> IqOrder {
                IqOrder::RealFirst
            }
        }
    };
}

plain_packet!(PyEdgeVitalsPacket, "EdgeVitalsPacket", EdgeVitalsPacket,
    "The device's own vital signs (magic 0xC5110002). Rates are scaled integers; `breathing_bpm` and `heart_bpm` give BPM (0 = no estimate).");
plain_packet!(
    PyFusedVitalsPacket,
    "FusedVitalsPacket",
    FusedVitalsPacket,
    "Vital signs fused from CSI and an mmWave sensor (magic 0xC5110004)."
);
plain_packet!(PyFeatureVectorPacket, "FeatureVectorPacket", FeatureVectorPacket,
    "Eight device features, each 0..1 (magic 0xC5110003): presence/10, motion/10, breathing BPM/30, heart BPM/120, phase variance, persons/4, fall, (RSSI + 100)/100.");
plain_packet!(PyCompressedCsiPacket, "CompressedCsiPacket", CompressedCsiPacket,
    "Delta-compressed CSI (magic 0xC5110005): run-length pairs of the XOR with a reference payload; `decompress(reference)` restores the payload.");
plain_packet!(PyFeatureStatePacket, "FeatureStatePacket", FeatureStatePacket,
    "The node's feature state with a CRC-32 (magic 0xC5110006); the CRC is checked on parse and computed on encode.");
plain_packet!(
    PyWasmOutputPacket,
    "WasmOutputPacket",
    WasmOutputPacket,
    "Up to 16 events of a WASM module slot (magic 0xC5110007); `events` holds (event_type, value) pairs."
);
plain_packet!(PySyncPacket, "SyncPacket", SyncPacket,
    "Mesh time-sync and node health (magic 0xC511A110). Tail fields are None when the version or length does not carry them.");

/// Flag accessors and BPM conversions shared by the two vitals packets.
macro_rules! vitals_methods {
    ($py_ty:ident) => {
        getters!($py_ty, |this| {
            presence: bool = this.inner.presence(),
            fall_detected: bool = this.inner.fall_detected(),
            motion: bool = this.inner.motion(),

            /// Breathing rate in BPM (0 = no estimate): the `breathing_rate` field / 100.
            breathing_bpm: f64 = this.inner.breathing_rate_bpm(),

            /// Heart rate in BPM (0 = no estimate): the `heartrate` field / 10 000.
            heart_bpm: f64 = this.inner.heartrate_bpm(),
        });

        #[pymethods]
        impl $py_ty {
            /// Deprecated spelling of `breathing_bpm`.
            #[getter]
            fn breathing_rate_bpm(&self, py: Python<'_>) -> PyResult<f64> {
                let name = stringify!($py_ty).trim_start_matches("Py");
                crate::errors::deprecated(
                    py,
                    &format!("{name}.breathing_rate_bpm"),
                    &format!("{name}.breathing_bpm"),
                )?;
                Ok(self.inner.breathing_rate_bpm())
            }
            /// Deprecated spelling of `heart_bpm`.
            #[getter]
            fn heartrate_bpm(&self, py: Python<'_>) -> PyResult<f64> {
                let name = stringify!($py_ty).trim_start_matches("Py");
                crate::errors::deprecated(
                    py,
                    &format!("{name}.heartrate_bpm"),
                    &format!("{name}.heart_bpm"),
                )?;
                Ok(self.inner.heartrate_bpm())
            }
        }
    };
}

packet_class!(PyEdgeVitalsPacket, EdgeVitalsPacket, {
    node_id: u8,
    /// Bit 0 presence, bit 1 fall, bit 2 motion.
    flags: u8,
    /// Breathing rate × 100 (BPM).
    breathing_rate: u16,
    /// Heart rate × 10 000 (BPM).
    heartrate: u32,
    /// dBm.
    rssi: i8,
    n_persons: u8,
    /// Device motion metric (not normalised).
    motion_energy: f32,
    /// Device presence metric (not normalised).
    presence_score: f32,
    /// Milliseconds since the device booted.
    timestamp_ms: u32,
});
vitals_methods!(PyEdgeVitalsPacket);

#[pymethods]
impl PyEdgeVitalsPacket {
    #[new]
    #[pyo3(signature = (*, node_id, flags=0, breathing_rate=0, heartrate=0, rssi=0, n_persons=0,
                        motion_energy=0.0, presence_score=0.0, timestamp_ms=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_id: i128,
        flags: i128,
        breathing_rate: i128,
        heartrate: i128,
        rssi: i128,
        n_persons: i128,
        motion_energy: f64,
        presence_score: f64,
        timestamp_ms: i128,
    ) -> PyResult<Self> {
        let inner = EdgeVitalsPacket {
            node_id: int("node_id", node_id)?,
            flags: int("flags", flags)?,
            breathing_rate: int("breathing_rate", breathing_rate)?,
            heartrate: int("heartrate", heartrate)?,
            rssi: int("rssi", rssi)?,
            n_persons: int("n_persons", n_persons)?,
            motion_energy: motion_energy as f32,
            presence_score: presence_score as f32,
            timestamp_ms: int("timestamp_ms", timestamp_ms)?,
            trailing_bytes: 0,
        };
        Ok(PyEdgeVitalsPacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "EdgeVitalsPacket(node_id={}, flags={}, breathing_bpm={}, heart_bpm={}, rssi={}, n_persons={}, motion_energy={}, presence_score={}, timestamp_ms={})",
            p.node_id, p.flags, p.breathing_rate_bpm(), p.heartrate_bpm(), p.rssi, p.n_persons, p.motion_energy, p.presence_score, p.timestamp_ms
        )
    }
}

packet_class!(PyFusedVitalsPacket, FusedVitalsPacket, {
    node_id: u8,
    /// Bit 0 presence, bit 1 fall, bit 2 motion, bit 3 mmWave target present.
    flags: u8,
    /// Fused breathing rate × 100 (BPM).
    breathing_rate: u16,
    /// Fused heart rate × 10 000 (BPM).
    heartrate: u32,
    /// dBm.
    rssi: i8,
    n_persons: u8,
    mmwave_type: u8,
    /// 0–100.
    fusion_confidence: u8,
    motion_energy: f32,
    presence_score: f32,
    /// Milliseconds since boot.
    timestamp_ms: u32,
    /// Heart rate from the mmWave sensor, BPM.
    mmwave_hr_bpm: f32,
    /// Breathing rate from the mmWave sensor, BPM.
    mmwave_br_bpm: f32,
    /// Distance to the nearest target, cm.
    mmwave_distance_cm: f32,
    mmwave_targets: u8,
    /// 0–100.
    mmwave_confidence: u8,
});
vitals_methods!(PyFusedVitalsPacket);

#[pymethods]
impl PyFusedVitalsPacket {
    #[new]
    #[pyo3(signature = (*, node_id, flags=0, breathing_rate=0, heartrate=0, rssi=0, n_persons=0, mmwave_type=0,
                        fusion_confidence=0, motion_energy=0.0, presence_score=0.0, timestamp_ms=0,
                        mmwave_hr_bpm=0.0, mmwave_br_bpm=0.0, mmwave_distance_cm=0.0, mmwave_targets=0,
                        mmwave_confidence=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_id: i128,
        flags: i128,
        breathing_rate: i128,
        heartrate: i128,
        rssi: i128,
        n_persons: i128,
        mmwave_type: i128,
        fusion_confidence: i128,
        motion_energy: f64,
        presence_score: f64,
        timestamp_ms: i128,
        mmwave_hr_bpm: f64,
        mmwave_br_bpm: f64,
        mmwave_distance_cm: f64,
        mmwave_targets: i128,
        mmwave_confidence: i128,
    ) -> PyResult<Self> {
        let inner = FusedVitalsPacket {
            node_id: int("node_id", node_id)?,
            flags: int("flags", flags)?,
            breathing_rate: int("breathing_rate", breathing_rate)?,
            heartrate: int("heartrate", heartrate)?,
            rssi: int("rssi", rssi)?,
            n_persons: int("n_persons", n_persons)?,
            mmwave_type: int("mmwave_type", mmwave_type)?,
            fusion_confidence: int("fusion_confidence", fusion_confidence)?,
            motion_energy: motion_energy as f32,
            presence_score: presence_score as f32,
            timestamp_ms: int("timestamp_ms", timestamp_ms)?,
            mmwave_hr_bpm: mmwave_hr_bpm as f32,
            mmwave_br_bpm: mmwave_br_bpm as f32,
            mmwave_distance_cm: mmwave_distance_cm as f32,
            mmwave_targets: int("mmwave_targets", mmwave_targets)?,
            mmwave_confidence: int("mmwave_confidence", mmwave_confidence)?,
            trailing_bytes: 0,
        };
        Ok(PyFusedVitalsPacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "FusedVitalsPacket(node_id={}, flags={}, breathing_bpm={}, heart_bpm={}, rssi={}, n_persons={}, fusion_confidence={}, mmwave_hr_bpm={}, mmwave_br_bpm={}, mmwave_distance_cm={})",
            p.node_id, p.flags, p.breathing_rate_bpm(), p.heartrate_bpm(), p.rssi, p.n_persons, p.fusion_confidence, p.mmwave_hr_bpm, p.mmwave_br_bpm, p.mmwave_distance_cm
        )
    }
}

getters!(PyFusedVitalsPacket, |this| {
    mmwave_present: bool = this.inner.mmwave_present(),
});

packet_class!(PyFeatureVectorPacket, FeatureVectorPacket, {
    node_id: u8,
    seq: u16,
    /// Microseconds since the device booted.
    timestamp_us: i64,
});

#[pymethods]
impl PyFeatureVectorPacket {
    #[new]
    #[pyo3(signature = (*, node_id, features, seq=0, timestamp_us=0))]
    fn new(node_id: i128, features: Vec<f64>, seq: i128, timestamp_us: i128) -> PyResult<Self> {
        let features: [f64; 8] = features.try_into().map_err(|v: Vec<f64>| {
            shape_error("features", "8 values", format!("{} values", v.len()))
        })?;
        let inner = FeatureVectorPacket {
            node_id: int("node_id", node_id)?,
            seq: int("seq", seq)?,
            timestamp_us: int("timestamp_us", timestamp_us)?,
            features: features.map(|v| v as f32),
            trailing_bytes: 0,
        };
        Ok(PyFeatureVectorPacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "FeatureVectorPacket(node_id={}, seq={}, timestamp_us={}, features={:?})",
            p.node_id, p.seq, p.timestamp_us, p.features
        )
    }
}

getters!(PyFeatureVectorPacket, |this| {
    /// The eight features (each clamped to 0..1 by the device).
    features: [f32; 8] = this.inner.features,
});

packet_class!(PyCompressedCsiPacket, CompressedCsiPacket, {
    node_id: u8,
    /// WiFi channel number.
    channel: u8,
    /// Length of the uncompressed I/Q payload, bytes.
    original_len: u16,
});

#[pymethods]
impl PyCompressedCsiPacket {
    #[new]
    #[pyo3(signature = (*, node_id, channel, original_len, data))]
    fn new(
        node_id: i128,
        channel: i128,
        original_len: i128,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let inner = CompressedCsiPacket {
            node_id: int("node_id", node_id)?,
            channel: int("channel", channel)?,
            original_len: int("original_len", original_len)?,
            data: bytes_arg(data, "data")?,
            trailing_bytes: 0,
        };
        Ok(PyCompressedCsiPacket {
            inner: checked(inner)?,
        })
    }

    /// Compresses the payload `current` against `reference` as the device does.
    #[staticmethod]
    fn compress(
        node_id: i128,
        channel: i128,
        reference: &Bound<'_, PyAny>,
        current: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let inner = CompressedCsiPacket::compress(
            int("node_id", node_id)?,
            int("channel", channel)?,
            &bytes_arg(reference, "reference")?,
            &bytes_arg(current, "current")?,
        )
        .map_err(|e| packet_error(&e))?;
        Ok(PyCompressedCsiPacket { inner })
    }

    /// The I/Q payload: `reference` (the previous payload, `original_len` bytes) XOR the runs.
    fn decompress<'py>(
        &self,
        py: Python<'py>,
        reference: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let payload = self
            .inner
            .decompress(&bytes_arg(reference, "reference")?)
            .map_err(|e| packet_error(&e))?;
        Ok(PyBytes::new(py, &payload))
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "CompressedCsiPacket(node_id={}, channel={}, original_len={}, compressed_len={})",
            p.node_id,
            p.channel,
            p.original_len,
            p.compressed_len()
        )
    }
}

getters!(PyCompressedCsiPacket, |this| {
    /// The run-length pairs `(value, run)`.
    data(py): Bound<'py, PyBytes> = PyBytes::new(py, &this.inner.data),

    compressed_len: usize = this.inner.compressed_len(),
});

packet_class!(PyFeatureStatePacket, FeatureStatePacket, {
    node_id: u8,
    /// Capture profile (passed through).
    mode: u8,
    seq: u16,
    /// Node-local microseconds.
    timestamp_us: u64,
    /// 0..1.
    motion_score: f32,
    /// 0..1.
    presence_score: f32,
    /// Breathing rate, BPM.
    respiration_bpm: f32,
    respiration_conf: f32,
    /// Heart rate, BPM.
    heartbeat_bpm: f32,
    heartbeat_conf: f32,
    anomaly_score: f32,
    env_shift_score: f32,
    node_coherence: f32,
    /// Bit 0 presence valid, 1 respiration valid, 2 heartbeat valid, 3 anomaly, 4 environment shift, 5 degraded, 6 calibrating, 7 recalibration recommended.
    quality_flags: u16,
    /// Median RSSI in dBm; 0 = not measured.
    rssi: i8,
});

#[pymethods]
impl PyFeatureStatePacket {
    #[new]
    #[pyo3(signature = (*, node_id, mode=0, seq=0, timestamp_us=0, motion_score=0.0, presence_score=0.0,
                        respiration_bpm=0.0, respiration_conf=0.0, heartbeat_bpm=0.0, heartbeat_conf=0.0,
                        anomaly_score=0.0, env_shift_score=0.0, node_coherence=0.0, quality_flags=0, rssi=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_id: i128,
        mode: i128,
        seq: i128,
        timestamp_us: i128,
        motion_score: f64,
        presence_score: f64,
        respiration_bpm: f64,
        respiration_conf: f64,
        heartbeat_bpm: f64,
        heartbeat_conf: f64,
        anomaly_score: f64,
        env_shift_score: f64,
        node_coherence: f64,
        quality_flags: i128,
        rssi: i128,
    ) -> PyResult<Self> {
        let inner = FeatureStatePacket {
            node_id: int("node_id", node_id)?,
            mode: int("mode", mode)?,
            seq: int("seq", seq)?,
            timestamp_us: int("timestamp_us", timestamp_us)?,
            motion_score: motion_score as f32,
            presence_score: presence_score as f32,
            respiration_bpm: respiration_bpm as f32,
            respiration_conf: respiration_conf as f32,
            heartbeat_bpm: heartbeat_bpm as f32,
            heartbeat_conf: heartbeat_conf as f32,
            anomaly_score: anomaly_score as f32,
            env_shift_score: env_shift_score as f32,
            node_coherence: node_coherence as f32,
            quality_flags: int("quality_flags", quality_flags)?,
            rssi: int("rssi", rssi)?,
            trailing_bytes: 0,
        };
        Ok(PyFeatureStatePacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "FeatureStatePacket(node_id={}, seq={}, timestamp_us={}, motion_score={}, presence_score={}, respiration_bpm={}, heartbeat_bpm={}, quality_flags={:#06x}, rssi={})",
            p.node_id, p.seq, p.timestamp_us, p.motion_score, p.presence_score, p.respiration_bpm, p.heartbeat_bpm, p.quality_flags, p.rssi
        )
    }
}

getters!(PyFeatureStatePacket, |this| {
    /// The CRC-32 over bytes 0–55 that the encoded packet carries.
    crc32: u32 = this.inner.crc32(),
});

packet_class!(PyWasmOutputPacket, WasmOutputPacket, {
    node_id: u8,
    /// Module slot.
    module_id: u8,
});

#[pymethods]
impl PyWasmOutputPacket {
    #[new]
    #[pyo3(signature = (*, node_id, module_id=0, events=Vec::new()))]
    fn new(node_id: i128, module_id: i128, events: Vec<(i128, f64)>) -> PyResult<Self> {
        let events = events
            .into_iter()
            .enumerate()
            .map(|(i, (t, v))| {
                Ok(WasmEvent {
                    event_type: int(&format!("events[{i}].event_type"), t)?,
                    value: v as f32,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let inner = WasmOutputPacket {
            node_id: int("node_id", node_id)?,
            module_id: int("module_id", module_id)?,
            events,
            trailing_bytes: 0,
        };
        Ok(PyWasmOutputPacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        let events: Vec<(u8, f32)> = p.events.iter().map(|e| (e.event_type, e.value)).collect();
        format!(
            "WasmOutputPacket(node_id={}, module_id={}, events={events:?})",
            p.node_id, p.module_id
        )
    }
}

getters!(PyWasmOutputPacket, |this| {
    /// The events as (event_type, value) pairs.
    events(py): PyResult<Bound<'py, PyTuple>> = {
        PyTuple::new(
            py,
            this.inner.events.iter().map(|e| (e.event_type, e.value)),
        )
    },

    event_count: usize = this.inner.event_count(),
});

packet_class!(PySyncPacket, SyncPacket, {
    node_id: u8,
    /// Tail version.
    proto_ver: u8,
    /// Bit 0 leader, bit 1 valid, bit 2 smoothed.
    flags: u8,
    /// Minimum free heap / 2048 (0 = not reported).
    min_free_heap: u8,
    /// Node-local timer, µs.
    local_us: u64,
    /// Mesh-aligned time, µs.
    epoch_us: u64,
    /// Highest raw-CSI sequence sent so far.
    sequence: u32,
    reset_reason: u8,
    /// 0 ok, 1 warn, 2 throttled, 3 critical.
    thermal_state: u8,
    /// Die temperature in °C (0 = not reported).
    die_temp_c: i8,
    /// Transmit-power ceiling in dBm (0 = not reported).
    tx_power_dbm: u8,
    seq_drop: Option<u32>,
});

#[pymethods]
impl PySyncPacket {
    #[new]
    #[pyo3(signature = (*, node_id, proto_ver=1, flags=0, min_free_heap=0, local_us=0, epoch_us=0, sequence=0,
                        reset_reason=0, thermal_state=0, die_temp_c=0, tx_power_dbm=0, node_mac=None,
                        send_fail=None, rate_skip=None, early_drop=None, frames_processed=None,
                        frames_rejected=None, seq_drop=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        node_id: i128,
        proto_ver: i128,
        flags: i128,
        min_free_heap: i128,
        local_us: i128,
        epoch_us: i128,
        sequence: i128,
        reset_reason: i128,
        thermal_state: i128,
        die_temp_c: i128,
        tx_power_dbm: i128,
        node_mac: Option<&Bound<'_, PyAny>>,
        send_fail: Option<i128>,
        rate_skip: Option<i128>,
        early_drop: Option<i128>,
        frames_processed: Option<i128>,
        frames_rejected: Option<i128>,
        seq_drop: Option<i128>,
    ) -> PyResult<Self> {
        let node_mac = node_mac
            .map(|m| {
                let bytes = bytes_arg(m, "node_mac")?;
                <[u8; 6]>::try_from(bytes.as_slice())
                    .map_err(|_| shape_error("node_mac", "6 bytes", bytes.len()))
            })
            .transpose()?;
        let send_counters = match (send_fail, rate_skip, early_drop) {
            (Some(a), Some(b), Some(c)) => Some(SendCounters {
                send_fail: int("send_fail", a)?,
                rate_skip: int("rate_skip", b)?,
                early_drop: int("early_drop", c)?,
            }),
            (None, None, None) => None,
            _ => {
                return Err(validation_error(
                    "send_fail",
                    "send_fail, rate_skip and early_drop are given together or not at all",
                ))
            }
        };
        let frame_counters = match (frames_processed, frames_rejected) {
            (Some(a), Some(b)) => Some(FrameCounters {
                frames_processed: int("frames_processed", a)?,
                frames_rejected: int("frames_rejected", b)?,
            }),
            (None, None) => None,
            _ => {
                return Err(validation_error(
                    "frames_processed",
                    "frames_processed and frames_rejected are given together or not at all",
                ))
            }
        };
        let inner = SyncPacket {
            node_id: int("node_id", node_id)?,
            proto_ver: int("proto_ver", proto_ver)?,
            flags: int("flags", flags)?,
            min_free_heap: int("min_free_heap", min_free_heap)?,
            local_us: int("local_us", local_us)?,
            epoch_us: int("epoch_us", epoch_us)?,
            sequence: int("sequence", sequence)?,
            reset_reason: int("reset_reason", reset_reason)?,
            thermal_state: int("thermal_state", thermal_state)?,
            die_temp_c: int("die_temp_c", die_temp_c)?,
            tx_power_dbm: int("tx_power_dbm", tx_power_dbm)?,
            node_mac,
            send_counters,
            frame_counters,
            seq_drop: seq_drop.map(|v| int("seq_drop", v)).transpose()?,
            trailing_bytes: 0,
        };
        Ok(PySyncPacket {
            inner: checked(inner)?,
        })
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "SyncPacket(node_id={}, proto_ver={}, flags={}, local_us={}, epoch_us={}, offset_us={}, sequence={})",
            p.node_id, p.proto_ver, p.flags, p.local_us, p.epoch_us, p.offset_us(), p.sequence
        )
    }
}

getters!(PySyncPacket, |this| {
    /// The station MAC (6 bytes), or None when the tail does not carry it.
    node_mac(py): Option<Bound<'py, PyBytes>> = this.inner.node_mac.map(|m| PyBytes::new(py, &m)),

    send_fail: Option<u32> = this.inner.send_counters.map(|c| c.send_fail),
    rate_skip: Option<u32> = this.inner.send_counters.map(|c| c.rate_skip),
    early_drop: Option<u32> = this.inner.send_counters.map(|c| c.early_drop),
    frames_processed: Option<u32> = this.inner.frame_counters.map(|c| c.frames_processed),
    frames_rejected: Option<u32> = this.inner.frame_counters.map(|c| c.frames_rejected),

    /// Clock offset local_us − epoch_us in µs (signed).
    offset_us: i64 = this.inner.offset_us(),

    leader: bool = this.inner.leader(),
    valid: bool = this.inner.valid(),
    smoothed: bool = this.inner.smoothed(),

    /// Minimum free heap in KiB (0 = not reported).
    min_free_heap_kib: u32 = this.inner.min_free_heap_kib(),
});

/// The Python object of a decoded packet.
pub fn packet_to_py(py: Python<'_>, packet: Packet, iq_order: IqOrder) -> PyResult<Py<PyAny>> {
    Ok(match packet {
        Packet::RawCsi(p) => Py::new(py, PyRawCsiPacket::new_from(p, iq_order))?.into_any(),
        Packet::EdgeVitals(p) => Py::new(py, PyEdgeVitalsPacket { inner: p })?.into_any(),
        Packet::FeatureVector(p) => Py::new(py, PyFeatureVectorPacket { inner: p })?.into_any(),
        Packet::FusedVitals(p) => Py::new(py, PyFusedVitalsPacket { inner: p })?.into_any(),
        Packet::CompressedCsi(p) => Py::new(py, PyCompressedCsiPacket { inner: p })?.into_any(),
        Packet::FeatureState(p) => Py::new(py, PyFeatureStatePacket { inner: p })?.into_any(),
        Packet::WasmOutput(p) => Py::new(py, PyWasmOutputPacket { inner: p })?.into_any(),
        Packet::Sync(p) => Py::new(py, PySyncPacket { inner: p })?.into_any(),
    })
}

/// Decodes one UDP datagram into its packet class; raises `PacketError` (a `ValueError`) with
/// `magic`, `offset` and `reason` otherwise. `iq_order` ("iq" or "qi") applies to raw CSI;
/// `strict=True` rejects bytes after the packet.
#[pyfunction]
#[pyo3(signature = (data, iq_order="iq", *, strict=false))]
fn parse_packet(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    iq_order: &str,
    strict: bool,
) -> PyResult<Py<PyAny>> {
    let order = iq_order_arg(iq_order)?;
    let options = ParseOptions { strict };
    let packet = match data.cast::<PyBytes>() {
        Ok(b) => parse_packet_with(b.as_bytes(), options),
        Err(_) => parse_packet_with(&bytes_arg(data, "data")?, options),
    }
    .map_err(|e| packet_error(&e))?;
    packet_to_py(py, packet, order)
}

macro_rules! encoder {
    ($fn_name:ident, $py_ty:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        fn $fn_name<'py>(
            py: Python<'py>,
            packet: &Bound<'py, $py_ty>,
        ) -> PyResult<Bound<'py, PyBytes>> {
            encoded(py, &packet.get().inner)
        }
    };
}

encoder!(
    encode_raw_csi,
    PyRawCsiPacket,
    "The datagram bytes of a `RawCsiPacket`."
);
encoder!(
    encode_edge_vitals,
    PyEdgeVitalsPacket,
    "The datagram bytes of an `EdgeVitalsPacket`."
);
encoder!(
    encode_feature_vector,
    PyFeatureVectorPacket,
    "The datagram bytes of a `FeatureVectorPacket`."
);
encoder!(
    encode_fused_vitals,
    PyFusedVitalsPacket,
    "The datagram bytes of a `FusedVitalsPacket`."
);
encoder!(
    encode_compressed_csi,
    PyCompressedCsiPacket,
    "The datagram bytes of a `CompressedCsiPacket`."
);
encoder!(
    encode_feature_state,
    PyFeatureStatePacket,
    "The datagram bytes of a `FeatureStatePacket` (the CRC-32 is computed)."
);
encoder!(
    encode_wasm_output,
    PyWasmOutputPacket,
    "The datagram bytes of a `WasmOutputPacket`."
);
encoder!(
    encode_sync,
    PySyncPacket,
    "The datagram bytes of a `SyncPacket` (base plus the tail groups present)."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRawCsiPacket>()?;
    m.add_class::<PyEdgeVitalsPacket>()?;
    m.add_class::<PyFeatureVectorPacket>()?;
    m.add_class::<PyFusedVitalsPacket>()?;
    m.add_class::<PyCompressedCsiPacket>()?;
    m.add_class::<PyFeatureStatePacket>()?;
    m.add_class::<PyWasmOutputPacket>()?;
    m.add_class::<PySyncPacket>()?;
    m.add_function(wrap_pyfunction!(parse_packet, m)?)?;
    m.add_function(wrap_pyfunction!(encode_raw_csi, m)?)?;
    m.add_function(wrap_pyfunction!(encode_edge_vitals, m)?)?;
    m.add_function(wrap_pyfunction!(encode_feature_vector, m)?)?;
    m.add_function(wrap_pyfunction!(encode_fused_vitals, m)?)?;
    m.add_function(wrap_pyfunction!(encode_compressed_csi, m)?)?;
    m.add_function(wrap_pyfunction!(encode_feature_state, m)?)?;
    m.add_function(wrap_pyfunction!(encode_wasm_output, m)?)?;
    m.add_function(wrap_pyfunction!(encode_sync, m)?)?;
    m.add("MAX_DATAGRAM_LEN", wifi_densepose_wire::MAX_DATAGRAM_LEN)?;
    Ok(())
}
