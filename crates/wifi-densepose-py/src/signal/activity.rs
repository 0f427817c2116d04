//! `MotionPresenceTracker` and `motion_presence_batch`. Results are plain dicts (typed as
//! TypedDicts in the stubs): ten getters per result class would cost wheel bytes for nothing.

use ndarray::{Ix1, Ix2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wifi_densepose_signal::{
    motion_presence_batch as batch, MotionPresence, MotionPresenceBatch, MotionPresenceTracker,
};

use crate::arrays::{f64_array, readonly_array};
use crate::errors::OrRaise;
use crate::getters::getters;

/// The state after a frame as a dict (keys as the Rust fields; `motion_level` by name).
fn state_dict(py: Python<'_>, s: MotionPresence) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("motion_level", s.motion_level.as_str())?;
    d.set_item("presence", s.presence)?;
    d.set_item("confidence", s.confidence)?;
    d.set_item("relative_fluctuation", s.relative_fluctuation)?;
    d.set_item("variance", s.variance)?;
    d.set_item("motion_band_power", s.motion_band_power)?;
    d.set_item("breathing_band_power", s.breathing_band_power)?;
    d.set_item("dominant_freq_hz", s.dominant_freq_hz)?;
    d.set_item("spectral_power", s.spectral_power)?;
    d.set_item("change_points", s.change_points)?;
    Ok(d)
}

/// The per-frame outputs as a dict of read-only `[T]` arrays (`motion_level` as uint8 codes).
fn batch_dict(py: Python<'_>, b: MotionPresenceBatch) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let codes: ndarray::Array1<u8> = b.motion_level.iter().map(|l| l.code()).collect();
    d.set_item("motion_level", readonly_array(py, codes)?)?;
    d.set_item("presence", readonly_array(py, b.presence)?)?;
    for (key, values) in [
        ("confidence", b.confidence),
        ("relative_fluctuation", b.relative_fluctuation),
        ("variance", b.variance),
        ("motion_band_power", b.motion_band_power),
        ("breathing_band_power", b.breathing_band_power),
        ("dominant_freq_hz", b.dominant_freq_hz),
        ("spectral_power", b.spectral_power),
    ] {
        d.set_item(key, readonly_array(py, values)?)?;
    }
    d.set_item("change_points", readonly_array(py, b.change_points)?)?;
    Ok(d)
}

/// Streaming motion/presence of one CSI stream: per-subcarrier EMA variance (α = 0.025), a
/// DFT summary of the last 128 frame means, and a threshold classification; the stage the
/// sensing server publishes as `features` and `classification`. Stateful: use from one
/// thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "MotionPresenceTracker")]
pub struct PyMotionPresenceTracker(MotionPresenceTracker);

#[pymethods]
impl PyMotionPresenceTracker {
    #[new]
    fn new() -> Self {
        PyMotionPresenceTracker(MotionPresenceTracker::new())
    }

    /// Adds one frame's subcarrier amplitudes (1-D); `sample_rate_hz` (Hz, > 0) enables the
    /// spectral summary. Returns the outputs after the frame: `motion_level` ("absent",
    /// "present_still", "present_moving", "active"), `presence`, `confidence` (0..1),
    /// `relative_fluctuation` (mean EMA std / mean amplitude), `variance`,
    /// `motion_band_power` (> 0.5 Hz), `breathing_band_power` (0.1–0.5 Hz) and
    /// `spectral_power` (amplitude²), `dominant_freq_hz` (Hz), `change_points` (mean
    /// crossings). Bad input raises and changes no state.
    #[pyo3(signature = (amplitudes, sample_rate_hz=None))]
    fn push<'py>(
        &mut self,
        py: Python<'py>,
        amplitudes: &Bound<'py, PyAny>,
        sample_rate_hz: Option<f64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let a = f64_array::<Ix1>(amplitudes, "amplitudes")?;
        let a = a.as_array().to_vec();
        self.0.push(&a, sample_rate_hz).or_raise()?;
        state_dict(py, self.0.state())
    }

    /// Forgets everything (e.g. the subcarrier layout changed).
    fn reset(&mut self) {
        self.0.reset();
    }
}

getters!(PyMotionPresenceTracker, |this| {
    /// Frames pushed since construction or the last reset.
    frames: u64,
});

/// Runs a fresh `MotionPresenceTracker` over the rows of `amplitude` (`[time, subcarrier]`,
/// sampled at `sample_rate_hz` Hz) and returns its outputs after every frame as `[T]`
/// read-only arrays under the keys of `push` (`motion_level` as uint8 codes: 0 absent,
/// 1 present_still, 2 present_moving, 3 active); equal bit for bit to pushing the rows one by
/// one. Releases the GIL.
#[pyfunction]
fn motion_presence_batch<'py>(
    py: Python<'py>,
    amplitude: &Bound<'py, PyAny>,
    sample_rate_hz: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let a = f64_array::<Ix2>(amplitude, "amplitude")?;
    let view = a.as_array();
    let result = py.detach(|| batch(view, sample_rate_hz)).or_raise()?;
    batch_dict(py, result)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMotionPresenceTracker>()?;
    m.add_function(wrap_pyfunction!(motion_presence_batch, m)?)?;
    Ok(())
}
