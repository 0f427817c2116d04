//! `CsiFrame`, the metadata types and `iq_to_polar`.

use ndarray::{Array1, ArrayD, Axis, Ix1, IxDyn};
use num_complex::Complex64;
use numpy::{PyArray1, PyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyType;
use wifi_densepose_core::{
    iq_to_polar, AntennaConfig, CsiFrame, CsiMetadata, CsiMetadataBuilder, FrequencyBand, Timestamp,
};

use crate::arrays::{complex_array, f64_array, readonly_array, CachedArray};
use crate::errors::{shape_error, OrRaise};
use crate::getters::getters;
use crate::mirror::py_enum;
use crate::serialize::{serde_methods, Wrapper};

/// A UTC instant: whole seconds since the Unix epoch and nanoseconds in [0, 1e9).
#[pyclass(
    module = "wifi_densepose._core",
    name = "Timestamp",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyTimestamp(pub Timestamp);

serde_methods!(PyTimestamp(Timestamp, "Timestamp"), ordered);

#[pymethods]
impl PyTimestamp {
    #[new]
    #[pyo3(signature = (seconds, nanos=0))]
    fn new(seconds: i64, nanos: i64) -> PyResult<Self> {
        let nanos = u32::try_from(nanos).unwrap_or(u32::MAX);
        Timestamp::new(seconds, nanos).or_raise().map(PyTimestamp)
    }

    /// The current wall-clock time.
    #[staticmethod]
    fn now() -> Self {
        PyTimestamp(Timestamp::now())
    }

    /// From a `datetime`; a naive datetime is taken as UTC.
    #[staticmethod]
    fn from_datetime(dt: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = dt.py();
        let datetime = PyModule::import(py, "datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let aware = if dt.getattr("tzinfo")?.is_none() {
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("tzinfo", &utc)?;
            dt.call_method("replace", (), Some(&kwargs))?
        } else {
            dt.clone()
        };
        let epoch = datetime
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, &utc))?;
        let delta = aware.call_method1("__sub__", (epoch,))?;
        let days: i64 = delta.getattr("days")?.extract()?;
        let seconds: i64 = delta.getattr("seconds")?.extract()?;
        let micros: u32 = delta.getattr("microseconds")?.extract()?;
        Timestamp::new(days * 86_400 + seconds, micros * 1_000)
            .or_raise()
            .map(PyTimestamp)
    }

    /// A timezone-aware UTC `datetime` (microsecond precision).
    fn to_datetime<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let datetime = PyModule::import(py, "datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let epoch = datetime
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("seconds", self.0.seconds())?;
        kwargs.set_item("microseconds", self.0.nanos() / 1_000)?;
        let delta = datetime.getattr("timedelta")?.call((), Some(&kwargs))?;
        epoch.call_method1("__add__", (delta,))
    }

    /// seconds·10⁹ + nanos.
    fn as_nanos(&self) -> i128 {
        self.0.as_nanos()
    }

    /// Seconds from `earlier` to this instant.
    fn duration_since(&self, earlier: &PyTimestamp) -> f64 {
        self.0.duration_since(&earlier.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "Timestamp(seconds={}, nanos={})",
            self.0.seconds(),
            self.0.nanos()
        )
    }
}

getters!(PyTimestamp, |this| {
    seconds: i64,
    nanos: u32,
});

py_enum! {
    /// The WiFi band: 2.4, 5 or 6 GHz.
    PyFrequencyBand("FrequencyBand") <=> FrequencyBand {
        BAND_2_4GHZ = Band2_4GHz,
        BAND_5GHZ = Band5GHz,
        BAND_6GHZ = Band6GHz,
    }
}

getters!(PyFrequencyBand, |this| {
    /// Centre frequency in MHz.
    center_frequency_mhz: u32 = FrequencyBand::from(*this).center_frequency_mhz(),

    /// The typical number of CSI subcarriers in this band.
    typical_subcarriers: usize = FrequencyBand::from(*this).typical_subcarriers(),

    /// The JSON name, e.g. ``"band_5ghz"``.
    label: &'static str = FrequencyBand::from(*this).json_name(),
});

/// Transmit/receive antenna counts (1-255) and optional element spacing in mm.
#[pyclass(
    module = "wifi_densepose._core",
    name = "AntennaConfig",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyAntennaConfig(pub AntennaConfig);

serde_methods!(PyAntennaConfig(AntennaConfig, "AntennaConfig"), hashable);

#[pymethods]
impl PyAntennaConfig {
    #[new]
    #[pyo3(signature = (tx, rx, spacing_mm=None))]
    fn new(tx: i64, rx: i64, spacing_mm: Option<f64>) -> PyResult<Self> {
        let count = |v: i64| u32::try_from(v).unwrap_or(0);
        AntennaConfig::new(count(tx), count(rx), spacing_mm)
            .or_raise()
            .map(PyAntennaConfig)
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn SIMO_1X3() -> Self {
        PyAntennaConfig(AntennaConfig::SIMO_1X3)
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn MIMO_2X2() -> Self {
        PyAntennaConfig(AntennaConfig::MIMO_2X2)
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn MIMO_3X3() -> Self {
        PyAntennaConfig(AntennaConfig::MIMO_3X3)
    }

    fn __repr__(&self) -> String {
        let spacing = self
            .0
            .spacing_mm()
            .map_or("None".to_string(), |s| format!("{s:?}"));
        format!(
            "AntennaConfig(tx={}, rx={}, spacing_mm={spacing})",
            self.0.tx(),
            self.0.rx()
        )
    }
}

getters!(PyAntennaConfig, |this| {
    tx: u8,
    rx: u8,
    spacing_mm: Option<f64>,

    /// tx·rx.
    spatial_streams: u32,
});

/// Capture metadata: device, band, channel, bandwidth (MHz), antennas, RSSI and noise floor (dBm).
#[pyclass(
    module = "wifi_densepose._core",
    name = "CsiMetadata",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyCsiMetadata(pub CsiMetadata);

serde_methods!(PyCsiMetadata(CsiMetadata, "CsiMetadata"), hashable);

#[pymethods]
impl PyCsiMetadata {
    #[new]
    #[pyo3(signature = (device_id, frequency_band, channel, *, bandwidth_mhz=20, antenna_config=None,
                        rssi_dbm=-50, noise_floor_dbm=-90, sequence_number=0, timestamp=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        device_id: String,
        frequency_band: PyFrequencyBand,
        channel: i64,
        bandwidth_mhz: i64,
        antenna_config: Option<PyAntennaConfig>,
        rssi_dbm: i64,
        noise_floor_dbm: i64,
        sequence_number: i64,
        timestamp: Option<PyTimestamp>,
    ) -> PyResult<Self> {
        CsiMetadataBuilder {
            device_id,
            frequency_band: frequency_band.into(),
            channel,
            bandwidth_mhz,
            antenna_config: antenna_config.map_or(AntennaConfig::SIMO_1X3, |a| a.0),
            rssi_dbm,
            noise_floor_dbm,
            sequence_number,
            timestamp: timestamp.map(|t| t.0),
        }
        .build()
        .or_raise()
        .map(PyCsiMetadata)
    }

    /// rssi_dbm − noise_floor_dbm, in dB.
    fn snr_db(&self) -> f64 {
        self.0.snr_db()
    }

    fn __repr__(&self) -> String {
        format!(
            "CsiMetadata(device_id={:?}, frequency_band={}, channel={}, bandwidth_mhz={}, rssi_dbm={}, noise_floor_dbm={}, sequence_number={})",
            self.0.device_id(),
            self.0.frequency_band().json_name(),
            self.0.channel(),
            self.0.bandwidth_mhz(),
            self.0.rssi_dbm(),
            self.0.noise_floor_dbm(),
            self.0.sequence_number()
        )
    }
}

getters!(PyCsiMetadata, |this| {
    device_id: &str,
    frequency_band: PyFrequencyBand = this.0.frequency_band().into(),
    channel: u8,

    /// Channel bandwidth in MHz.
    bandwidth_mhz: u16,

    antenna_config: PyAntennaConfig = PyAntennaConfig(this.0.antenna_config()),

    /// Received signal strength in dBm.
    rssi_dbm: i8,

    /// Noise floor in dBm.
    noise_floor_dbm: i8,

    sequence_number: u32,
    timestamp: PyTimestamp = PyTimestamp(this.0.timestamp()),
});

/// Reads complex CSI given as complex values `[..., S]` or as real I/Q pairs `[..., S, 2]`.
pub fn iq_input(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ArrayD<Complex64>> {
    let numpy = PyModule::import(obj.py(), "numpy")?;
    let kind: String = numpy
        .call_method1("asarray", (obj,))?
        .getattr("dtype")?
        .getattr("kind")?
        .extract()?;
    if kind == "c" {
        return Ok(complex_array::<IxDyn>(obj, field)?.as_array().to_owned());
    }
    let pairs = f64_array::<IxDyn>(obj, field)?;
    let pairs = pairs.as_array();
    let shape = pairs.shape();
    if shape.len() < 2 || shape[shape.len() - 1] != 2 {
        return Err(shape_error(
            field,
            "complex values [..., S] or I/Q pairs [..., S, 2]",
            format!("real array of shape {shape:?}"),
        ));
    }
    let last = Axis(shape.len() - 1);
    let re = pairs.index_axis(last, 0);
    let im = pairs.index_axis(last, 1);
    Ok(ndarray::Zip::from(&re)
        .and(&im)
        .map_collect(|&r, &i| Complex64::new(r, i)))
}

/// One CSI sample from one antenna stream: amplitudes, phases (radians), index and rate (Hz).
#[pyclass(module = "wifi_densepose._core", name = "CsiFrame", frozen)]
pub struct PyCsiFrame {
    inner: CsiFrame,
    amplitudes: CachedArray<f64, Ix1>,
    phases: CachedArray<f64, Ix1>,
}

impl Wrapper for PyCsiFrame {
    type Inner = CsiFrame;
    const NAME: &'static str = "CsiFrame";
    fn inner(&self) -> &CsiFrame {
        &self.inner
    }
    fn wrap(inner: CsiFrame) -> Self {
        PyCsiFrame {
            amplitudes: CachedArray::new(Array1::from(inner.amplitudes().to_vec())),
            phases: CachedArray::new(Array1::from(inner.phases().to_vec())),
            inner,
        }
    }
}

serde_methods!(PyCsiFrame, hashable);

#[pymethods]
impl PyCsiFrame {
    #[new]
    #[pyo3(signature = (amplitudes, phases, n_subcarriers, sample_index, sample_rate_hz, metadata=None))]
    fn new(
        amplitudes: &Bound<'_, PyAny>,
        phases: &Bound<'_, PyAny>,
        n_subcarriers: usize,
        sample_index: u64,
        sample_rate_hz: f64,
        metadata: Option<PyCsiMetadata>,
    ) -> PyResult<Self> {
        let amplitudes = f64_array::<Ix1>(amplitudes, "amplitudes")?
            .as_array()
            .to_vec();
        let phases = f64_array::<Ix1>(phases, "phases")?.as_array().to_vec();
        CsiFrame::new(
            amplitudes,
            phases,
            n_subcarriers,
            sample_index,
            sample_rate_hz,
            metadata.map(|m| m.0),
        )
        .or_raise()
        .map(Self::wrap)
    }

    /// From complex CSI `[S]` (or real I/Q pairs `[S, 2]`): amplitude |z|, phase atan2 (radians).
    #[classmethod]
    #[pyo3(signature = (iq, sample_index, sample_rate_hz, metadata=None))]
    fn from_iq(
        _cls: &Bound<'_, PyType>,
        iq: &Bound<'_, PyAny>,
        sample_index: u64,
        sample_rate_hz: f64,
        metadata: Option<PyCsiMetadata>,
    ) -> PyResult<Self> {
        let z = iq_input(iq, "iq")?;
        if z.ndim() != 1 {
            return Err(shape_error(
                "iq",
                "one frame: [S] complex or [S, 2] real",
                format!("{} frames", z.len_of(Axis(0))),
            ));
        }
        let z: Vec<Complex64> = z.iter().copied().collect();
        CsiFrame::from_iq(&z, sample_index, sample_rate_hz, metadata.map(|m| m.0))
            .or_raise()
            .map(Self::wrap)
    }

    /// a·(cos φ + j sin φ) as a complex128 array.
    fn to_iq<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<Complex64>>> {
        readonly_array(py, Array1::from(self.inner.to_iq()))
    }

    fn __len__(&self) -> usize {
        self.inner.n_subcarriers()
    }

    fn __repr__(&self) -> String {
        let a = self.inner.amplitudes();
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        format!(
            "CsiFrame(n_subcarriers={}, sample_index={}, sample_rate_hz={:?}, mean_amplitude={mean:.4}, metadata={})",
            self.inner.n_subcarriers(),
            self.inner.sample_index(),
            self.inner.sample_rate_hz(),
            if self.inner.metadata().is_some() { "CsiMetadata(...)" } else { "None" }
        )
    }
}

getters!(PyCsiFrame, |this| {
    /// Amplitude per subcarrier (read-only float64 array).
    amplitudes(py): PyResult<Bound<'py, PyArray1<f64>>> = this.amplitudes.get(py),

    /// Phase per subcarrier in radians (read-only float64 array).
    phases(py): PyResult<Bound<'py, PyArray1<f64>>> = this.phases.get(py),

    n_subcarriers: usize = this.inner.n_subcarriers(),
    sample_index: u64 = this.inner.sample_index(),

    /// Sampling rate in Hz.
    sample_rate_hz: f64 = this.inner.sample_rate_hz(),

    metadata: Option<PyCsiMetadata> = this.inner.metadata().cloned().map(PyCsiMetadata),
});

type PolarArrays<'py> = (Bound<'py, PyArrayDyn<f64>>, Bound<'py, PyArrayDyn<f64>>);

/// Batch form of `CsiFrame.from_iq`: complex `[..., S]` or real `[..., S, 2]` to
/// (amplitudes, phases in radians), each shaped `[..., S]`.
#[pyfunction(name = "iq_to_polar")]
fn py_iq_to_polar<'py>(py: Python<'py>, iq: &Bound<'py, PyAny>) -> PyResult<PolarArrays<'py>> {
    let z = iq_input(iq, "iq")?;
    let shape = z.shape().to_vec();
    let flat: Vec<Complex64> = z.iter().copied().collect();
    let (amplitudes, phases) = py.detach(|| iq_to_polar(&flat)).or_raise()?;
    let reshape = |v: Vec<f64>| {
        ArrayD::from_shape_vec(shape.clone(), v)
            .map_err(|e| shape_error("iq", "a regular array", e))
    };
    Ok((
        readonly_array(py, reshape(amplitudes)?)?,
        readonly_array(py, reshape(phases)?)?,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTimestamp>()?;
    m.add_class::<PyFrequencyBand>()?;
    m.add_class::<PyAntennaConfig>()?;
    m.add_class::<PyCsiMetadata>()?;
    m.add_class::<PyCsiFrame>()?;
    m.add_function(wrap_pyfunction!(py_iq_to_polar, m)?)?;
    Ok(())
}
