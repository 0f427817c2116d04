//! `HardwareType`, `HardwareNormalizer`, `catmull_rom_resample`, `detrend_linear`.

use ndarray::{Array1, Ix1, Ix2};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use wifi_densepose_core::validate::{ensure_finite_array, ensure_size, MAX_LENGTH};
use wifi_densepose_signal::{
    catmull_rom_resample as resample, detrend_linear as detrend, HardwareNormalizer, HardwareType,
    PhaseOrder,
};

use crate::arrays::{f64_array, readonly_array, CachedArray};
use crate::errors::{shape_error, OrRaise};
use crate::getters::getters;
use crate::mirror::py_enum;

py_enum! {
    /// CSI chipsets: native subcarrier count and MIMO streams.
    PyHardwareType("HardwareType") <=> HardwareType {
        ESP32_S3 = Esp32S3,
        INTEL_5300 = Intel5300,
        ATHEROS = Atheros,
        GENERIC = Generic,
    }
}

#[pymethods]
impl PyHardwareType {
    /// 64 → ESP32_S3, 30 → INTEL_5300, 56 → ATHEROS, anything else → GENERIC.
    #[staticmethod]
    fn detect_hardware(n_subcarriers: usize) -> Self {
        HardwareType::detect(n_subcarriers).into()
    }
}

getters!(PyHardwareType, |this| {
    /// Native subcarrier count: 64, 30, 56, 56.
    subcarrier_count: usize = HardwareType::from(*this).subcarrier_count(),

    /// MIMO streams: 1, 3, 3, 1.
    mimo_streams: usize = HardwareType::from(*this).mimo_streams(),
});

/// A frame on the canonical grid: z-scored amplitude and detrended phase (radians).
#[pyclass(module = "wifi_densepose._core", name = "CanonicalCsiFrame", frozen)]
pub struct PyCanonicalCsiFrame {
    amplitude: CachedArray<f64, Ix1>,
    phase: CachedArray<f64, Ix1>,
    hardware_type: PyHardwareType,
}

getters!(PyCanonicalCsiFrame, |this| {
    amplitude(py): PyResult<Bound<'py, PyArray1<f64>>> = this.amplitude.get(py),

    /// Radians, linear trend removed.
    phase(py): PyResult<Bound<'py, PyArray1<f64>>> = this.phase.get(py),

    hardware_type: PyHardwareType = this.hardware_type,
});

fn hw_arg(hardware_type: Option<PyHardwareType>, n: usize) -> HardwareType {
    hardware_type
        .map(HardwareType::from)
        .unwrap_or_else(|| HardwareType::detect(n))
}

/// Maps CSI of any supported chipset onto `canonical_subcarriers` bins: Catmull-Rom resampling,
/// amplitude z-score, and for phase (radians) unwrap → resample → linear detrend
/// (`phase_order="unwrap_first"`) or RuView's resample → unwrap → detrend ("resample_first").
#[pyclass(module = "wifi_densepose._core", name = "HardwareNormalizer")]
pub struct PyHardwareNormalizer(HardwareNormalizer);

type BatchPair<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

#[pymethods]
impl PyHardwareNormalizer {
    #[new]
    #[pyo3(signature = (canonical_subcarriers=56, phase_order="unwrap_first"))]
    fn new(canonical_subcarriers: usize, phase_order: &str) -> PyResult<Self> {
        let order = phase_order.parse::<PhaseOrder>().or_raise()?;
        HardwareNormalizer::new(canonical_subcarriers, order)
            .or_raise()
            .map(PyHardwareNormalizer)
    }

    /// Registers the amplitude mean and std the z-score uses for `hardware_type`.
    fn set_hw_stats(&mut self, hardware_type: PyHardwareType, mean: f64, std: f64) -> PyResult<()> {
        self.0
            .set_hw_stats(hardware_type.into(), mean, std)
            .or_raise()
    }

    /// One frame: 1-D amplitude and phase of equal length. `hardware_type` defaults to
    /// `HardwareType.detect_hardware(len)`.
    #[pyo3(signature = (amplitude, phase, hardware_type=None))]
    fn normalize(
        &self,
        amplitude: &Bound<'_, PyAny>,
        phase: &Bound<'_, PyAny>,
        hardware_type: Option<PyHardwareType>,
    ) -> PyResult<PyCanonicalCsiFrame> {
        let a = f64_array::<Ix1>(amplitude, "amplitude")?;
        let p = f64_array::<Ix1>(phase, "phase")?;
        let hw = hw_arg(hardware_type, a.as_array().len());
        let f = self
            .0
            .normalize(a.as_array(), p.as_array(), hw)
            .or_raise()?;
        Ok(PyCanonicalCsiFrame {
            amplitude: CachedArray::new(f.amplitude),
            phase: CachedArray::new(f.phase),
            hardware_type: f.hardware_type.into(),
        })
    }

    /// `[time, n]` amplitude and phase → (`[time, C]` amplitude, `[time, C]` phase). Releases
    /// the GIL.
    #[pyo3(signature = (amplitude, phase, hardware_type=None))]
    fn normalize_batch<'py>(
        &self,
        py: Python<'py>,
        amplitude: &Bound<'py, PyAny>,
        phase: &Bound<'py, PyAny>,
        hardware_type: Option<PyHardwareType>,
    ) -> PyResult<BatchPair<'py>> {
        let a = f64_array::<Ix2>(amplitude, "amplitude")?;
        let p = f64_array::<Ix2>(phase, "phase")?;
        let (a, p) = (a.as_array(), p.as_array());
        let hw = hw_arg(hardware_type, a.ncols());
        let normalizer = &self.0;
        let batch = py
            .detach(|| normalizer.normalize_batch(a, p, hw))
            .or_raise()?;
        Ok((
            readonly_array(py, batch.amplitude)?,
            readonly_array(py, batch.phase)?,
        ))
    }
}

getters!(PyHardwareNormalizer, |this| {
    canonical_subcarriers: usize,

    phase_order: &'static str = {
        match this.0.phase_order() {
            PhaseOrder::UnwrapFirst => "unwrap_first",
            PhaseOrder::ResampleFirst => "resample_first",
        }
    },
});

/// Catmull-Rom resampling of a 1-D signal to `n_out` points; both endpoints are kept exactly.
#[pyfunction]
fn catmull_rom_resample<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_out: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let x = f64_array::<Ix1>(x, "x")?;
    let view = x.as_array();
    if view.is_empty() {
        return Err(shape_error("x", "at least 1 sample", "0 samples"));
    }
    ensure_finite_array("x", &view).or_raise()?;
    ensure_size("n_out", n_out, 0, MAX_LENGTH).or_raise()?;
    readonly_array(py, Array1::from(resample(&view.to_vec(), n_out)))
}

/// Subtracts the least-squares line over index 0…n−1 (one sample gives 0).
#[pyfunction]
fn detrend_linear<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let x = f64_array::<Ix1>(x, "x")?;
    ensure_finite_array("x", &x.as_array()).or_raise()?;
    readonly_array(py, detrend(x.as_array()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyHardwareType>()?;
    m.add_class::<PyCanonicalCsiFrame>()?;
    m.add_class::<PyHardwareNormalizer>()?;
    m.add_function(wrap_pyfunction!(catmull_rom_resample, m)?)?;
    m.add_function(wrap_pyfunction!(detrend_linear, m)?)?;
    Ok(())
}
