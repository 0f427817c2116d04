//! `MotionPresenceTracker`, `motion_presence_batch` and their results.

use ndarray::{Ix1, Ix2};
use numpy::PyArray1;
use pyo3::prelude::*;
use wifi_densepose_signal::{
    motion_presence_batch as batch, MotionPresence, MotionPresenceBatch, MotionPresenceTracker,
};

use crate::arrays::{f64_array, readonly_array};
use crate::errors::OrRaise;

/// The motion/presence stage's outputs after a frame (what the sensing server publishes as
/// `features` and `classification`).
#[pyclass(
    module = "wifi_densepose._core",
    name = "MotionPresence",
    frozen,
    get_all
)]
pub struct PyMotionPresence {
    /// "absent", "present_still", "present_moving" or "active".
    motion_level: &'static str,
    /// Any level but "absent".
    presence: bool,
    /// Confidence of the level, 0..1.
    confidence: f64,
    /// Mean per-subcarrier EMA standard deviation over the mean amplitude (dimensionless).
    relative_fluctuation: f64,
    /// Population variance of the last 128 frame means (amplitude²).
    variance: f64,
    /// DFT power of the frame-mean series above 0.5 Hz (amplitude²).
    motion_band_power: f64,
    /// DFT power of the frame-mean series in 0.1–0.5 Hz (amplitude²).
    breathing_band_power: f64,
    /// Frequency of the strongest DFT bin of the frame-mean series, Hz.
    dominant_freq_hz: f64,
    /// PSD total power of the latest refreshed frame along subcarriers (amplitude²).
    spectral_power: f64,
    /// Mean crossings of the frame-mean series.
    change_points: u32,
}

impl From<MotionPresence> for PyMotionPresence {
    fn from(s: MotionPresence) -> Self {
        PyMotionPresence {
            motion_level: s.motion_level.as_str(),
            presence: s.presence,
            confidence: s.confidence,
            relative_fluctuation: s.relative_fluctuation,
            variance: s.variance,
            motion_band_power: s.motion_band_power,
            breathing_band_power: s.breathing_band_power,
            dominant_freq_hz: s.dominant_freq_hz,
            spectral_power: s.spectral_power,
            change_points: s.change_points,
        }
    }
}

#[pymethods]
impl PyMotionPresence {
    fn __repr__(&self) -> String {
        format!(
            "MotionPresence(motion_level={:?}, confidence={:?}, relative_fluctuation={:?})",
            self.motion_level, self.confidence, self.relative_fluctuation
        )
    }
}

/// The stage's outputs after every frame of a batch, as `[T]` read-only arrays.
#[pyclass(
    module = "wifi_densepose._core",
    name = "MotionPresenceBatch",
    frozen,
    get_all
)]
pub struct PyMotionPresenceBatch {
    /// Level codes (uint8): 0 absent, 1 present_still, 2 present_moving, 3 active.
    motion_level: Py<PyArray1<u8>>,
    /// Any level but absent.
    presence: Py<PyArray1<bool>>,
    /// Confidence of the level, 0..1.
    confidence: Py<PyArray1<f64>>,
    /// Relative fluctuation (dimensionless).
    relative_fluctuation: Py<PyArray1<f64>>,
    /// Frame-mean series variance (amplitude²).
    variance: Py<PyArray1<f64>>,
    /// Power above 0.5 Hz (amplitude²).
    motion_band_power: Py<PyArray1<f64>>,
    /// Power in 0.1–0.5 Hz (amplitude²).
    breathing_band_power: Py<PyArray1<f64>>,
    /// Dominant frequency, Hz.
    dominant_freq_hz: Py<PyArray1<f64>>,
    /// PSD total power of the latest refreshed frame (amplitude²).
    spectral_power: Py<PyArray1<f64>>,
    /// Mean crossings (uint32).
    change_points: Py<PyArray1<u32>>,
}

impl PyMotionPresenceBatch {
    fn new(py: Python<'_>, b: MotionPresenceBatch) -> PyResult<Self> {
        let f = |a| readonly_array(py, a).map(Bound::unbind);
        let codes: ndarray::Array1<u8> = b.motion_level.iter().map(|l| l.code()).collect();
        Ok(PyMotionPresenceBatch {
            motion_level: readonly_array(py, codes)?.unbind(),
            presence: readonly_array(py, b.presence)?.unbind(),
            confidence: f(b.confidence)?,
            relative_fluctuation: f(b.relative_fluctuation)?,
            variance: f(b.variance)?,
            motion_band_power: f(b.motion_band_power)?,
            breathing_band_power: f(b.breathing_band_power)?,
            dominant_freq_hz: f(b.dominant_freq_hz)?,
            spectral_power: f(b.spectral_power)?,
            change_points: readonly_array(py, b.change_points)?.unbind(),
        })
    }
}

/// Streaming motion/presence of one CSI stream: per-subcarrier EMA variance (α = 0.025), a
/// DFT summary of the last 128 frame means, and a threshold classification; the stage the
/// sensing server runs. Stateful: use from one thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "MotionPresenceTracker")]
pub struct PyMotionPresenceTracker(MotionPresenceTracker);

#[pymethods]
impl PyMotionPresenceTracker {
    #[new]
    fn new() -> Self {
        PyMotionPresenceTracker(MotionPresenceTracker::new())
    }

    /// Adds one frame's subcarrier amplitudes (1-D); `sample_rate_hz` (Hz, > 0) enables the
    /// spectral summary. Returns the outputs after the frame; bad input changes no state.
    #[pyo3(signature = (amplitudes, sample_rate_hz=None))]
    fn push(
        &mut self,
        amplitudes: &Bound<'_, PyAny>,
        sample_rate_hz: Option<f64>,
    ) -> PyResult<PyMotionPresence> {
        let a = f64_array::<Ix1>(amplitudes, "amplitudes")?;
        let a = a.as_array().to_vec();
        self.0.push(&a, sample_rate_hz).or_raise()?;
        Ok(self.0.state().into())
    }

    /// Forgets everything (e.g. the subcarrier layout changed).
    fn reset(&mut self) {
        self.0.reset();
    }

    /// Frames pushed since construction or the last reset.
    #[getter]
    fn frames(&self) -> u64 {
        self.0.frames()
    }
}

/// Runs a fresh `MotionPresenceTracker` over the rows of `amplitude` (`[time, subcarrier]`,
/// sampled at `sample_rate_hz` Hz) and returns its outputs after every frame, equal bit for bit
/// to pushing the rows one by one. Releases the GIL.
#[pyfunction]
fn motion_presence_batch(
    py: Python<'_>,
    amplitude: &Bound<'_, PyAny>,
    sample_rate_hz: f64,
) -> PyResult<PyMotionPresenceBatch> {
    let a = f64_array::<Ix2>(amplitude, "amplitude")?;
    let view = a.as_array();
    let result = py.detach(|| batch(view, sample_rate_hz)).or_raise()?;
    PyMotionPresenceBatch::new(py, result)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMotionPresence>()?;
    m.add_class::<PyMotionPresenceBatch>()?;
    m.add_class::<PyMotionPresenceTracker>()?;
    m.add_function(wrap_pyfunction!(motion_presence_batch, m)?)?;
    Ok(())
}
