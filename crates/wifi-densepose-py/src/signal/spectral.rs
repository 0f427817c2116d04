//! CSI ratio, spectrograms, subcarrier selection, Fresnel breathing and body velocity profiles.

use ndarray::{Ix1, Ix2, Ix3, IxDyn};
use num_complex::Complex64;
use numpy::{PyArray1, PyArray2, PyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use wifi_densepose_signal::{
    compute_multi_subcarrier_spectrogram as multi_spectrogram,
    compute_ratio_matrix as ratio_matrix, compute_ratio_matrix_batch,
    compute_spectrogram as spectrogram, conjugate_multiply as conj_mul, extract_bvp as bvp,
    extract_selected as select_columns, ratio_to_amplitude_phase as polar,
    select_by_variance as by_variance, select_sensitive_subcarriers as by_sensitivity,
    BodyVelocityProfile, BreathingEstimate, BvpConfig, FresnelBreathingEstimator, FresnelGeometry,
    Spectrogram, SpectrogramConfig, SubcarrierSelection, SubcarrierSelectionConfig, WindowKind,
};

use crate::arrays::{complex_array, f64_array, readonly_array, CachedArray};
use crate::errors::{shape_error, OrRaise};
use crate::getters::getters;
use crate::mirror::config_class;

/// h_ref·conj(h_target) elementwise for complex 1-D or `[time, subcarrier]` arrays of equal shape.
#[pyfunction]
fn conjugate_multiply<'py>(
    py: Python<'py>,
    h_ref: &Bound<'py, PyAny>,
    h_target: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<Complex64>>> {
    let r = complex_array::<IxDyn>(h_ref, "h_ref")?;
    let t = complex_array::<IxDyn>(h_target, "h_target")?;
    for (field, a) in [("h_ref", &r), ("h_target", &t)] {
        if !(1..=2).contains(&a.ndim()) {
            return Err(shape_error(
                field,
                "a 1-D or [time, subcarrier] array",
                format!("shape {:?}", a.shape()),
            ));
        }
    }
    let (r, t) = (r.as_array(), t.as_array());
    let out = py.detach(|| conj_mul(r, t)).or_raise()?;
    readonly_array(py, out)
}

/// Ratios of all antenna pairs i < j: `[antenna, subcarrier]` → `[pairs, subcarrier]`, or
/// `[time, antenna, subcarrier]` → `[time, pairs, subcarrier]`.
#[pyfunction]
fn compute_ratio_matrix<'py>(
    py: Python<'py>,
    z: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<Complex64>>> {
    let a = complex_array::<IxDyn>(z, "z")?;
    let view = a.as_array();
    match view.ndim() {
        2 => {
            let v = view
                .into_dimensionality::<Ix2>()
                .map_err(|e| shape_error("z", "2-D", e))?;
            readonly_array(py, ratio_matrix(v).or_raise()?.into_dyn())
        }
        3 => {
            let v = view
                .into_dimensionality::<Ix3>()
                .map_err(|e| shape_error("z", "3-D", e))?;
            let out = py.detach(|| compute_ratio_matrix_batch(v)).or_raise()?;
            readonly_array(py, out.into_dyn())
        }
        _ => Err(shape_error(
            "z",
            "[antenna, subcarrier] or [time, antenna, subcarrier]",
            format!("shape {:?}", view.shape()),
        )),
    }
}

type PolarPair<'py> = (Bound<'py, PyArrayDyn<f64>>, Bound<'py, PyArrayDyn<f64>>);

/// (|r|, atan2(Im r, Re r)) of complex ratios (radians).
#[pyfunction]
fn ratio_to_amplitude_phase<'py>(
    py: Python<'py>,
    r: &Bound<'py, PyAny>,
) -> PyResult<PolarPair<'py>> {
    let r = complex_array::<IxDyn>(r, "r")?;
    let (amplitude, phase) = polar(r.as_array());
    Ok((readonly_array(py, amplitude)?, readonly_array(py, phase)?))
}

/// STFT parameters: `window` is "rectangular", "hann", "hamming" or "blackman" (symmetric);
/// `power` gives |X|², else |X|.
#[pyclass(
    module = "wifi_densepose._core",
    name = "SpectrogramConfig",
    frozen,
    get_all,
    from_py_object
)]
#[derive(Clone)]
pub struct PySpectrogramConfig {
    window_size: usize,
    hop_size: usize,
    window: String,
    power: bool,
}

impl PySpectrogramConfig {
    fn to_rust(&self) -> PyResult<SpectrogramConfig> {
        Ok(SpectrogramConfig {
            window_size: self.window_size,
            hop_size: self.hop_size,
            window: self.window.parse::<WindowKind>().or_raise()?,
            power: self.power,
        })
    }
}

#[pymethods]
impl PySpectrogramConfig {
    #[new]
    #[pyo3(signature = (window_size=256, hop_size=64, window="hann", power=true))]
    fn new(window_size: usize, hop_size: usize, window: &str, power: bool) -> PyResult<Self> {
        let config = PySpectrogramConfig {
            window_size,
            hop_size,
            window: window.to_string(),
            power,
        };
        config.to_rust()?;
        Ok(config)
    }

    fn __repr__(&self) -> String {
        format!(
            "SpectrogramConfig(window_size={}, hop_size={}, window={:?}, power={})",
            self.window_size,
            self.hop_size,
            self.window,
            if self.power { "True" } else { "False" }
        )
    }
}

/// `data[window_size/2 + 1, n_time]` (frequency bins × frames).
#[pyclass(module = "wifi_densepose._core", name = "Spectrogram", frozen)]
pub struct PySpectrogram {
    data: CachedArray<f64, Ix2>,
    freq_resolution: f64,
    time_resolution: f64,
}

impl From<Spectrogram> for PySpectrogram {
    fn from(s: Spectrogram) -> Self {
        PySpectrogram {
            freq_resolution: s.freq_resolution,
            time_resolution: s.time_resolution,
            data: CachedArray::new(s.data),
        }
    }
}

getters!(PySpectrogram, |this| {
    data(py): PyResult<Bound<'py, PyArray2<f64>>> = this.data.get(py),

    /// fs / window_size, Hz per bin.
    freq_resolution: f64 = this.freq_resolution,

    /// hop_size / fs, seconds per frame.
    time_resolution: f64 = this.time_resolution,
});

fn spectrogram_config(config: Option<PySpectrogramConfig>) -> PyResult<SpectrogramConfig> {
    config
        .map(|c| c.to_rust())
        .transpose()
        .map(Option::unwrap_or_default)
}

/// STFT of a 1-D signal sampled at `fs` Hz (no mean removal).
#[pyfunction]
#[pyo3(signature = (x, fs, config=None))]
fn compute_spectrogram(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    fs: f64,
    config: Option<PySpectrogramConfig>,
) -> PyResult<PySpectrogram> {
    let config = spectrogram_config(config)?;
    let x = f64_array::<Ix1>(x, "x")?;
    let x = x.as_array();
    py.detach(|| spectrogram(x, fs, &config))
        .or_raise()
        .map(PySpectrogram::from)
}

/// One spectrogram per column of `[time, subcarrier]`.
#[pyfunction]
#[pyo3(signature = (x, fs, config=None))]
fn compute_multi_subcarrier_spectrogram(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    fs: f64,
    config: Option<PySpectrogramConfig>,
) -> PyResult<Vec<PySpectrogram>> {
    let config = spectrogram_config(config)?;
    let x = f64_array::<Ix2>(x, "x")?;
    let x = x.as_array();
    let all = py.detach(|| multi_spectrogram(x, fs, &config)).or_raise()?;
    Ok(all.into_iter().map(PySpectrogram::from).collect())
}

/// Subcarrier selection parameters.
#[pyclass(
    module = "wifi_densepose._core",
    name = "SubcarrierSelectionConfig",
    frozen,
    get_all,
    from_py_object
)]
#[derive(Clone)]
pub struct PySubcarrierSelectionConfig {
    top_k: usize,
    min_sensitivity: f64,
}

#[pymethods]
impl PySubcarrierSelectionConfig {
    #[new]
    #[pyo3(signature = (top_k=20, min_sensitivity=1.5))]
    fn new(top_k: usize, min_sensitivity: f64) -> PyResult<Self> {
        wifi_densepose_core::validate::ensure_finite_scalar("min_sensitivity", min_sensitivity)
            .or_raise()?;
        Ok(PySubcarrierSelectionConfig {
            top_k,
            min_sensitivity,
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "SubcarrierSelectionConfig(top_k={}, min_sensitivity={:?})",
            self.top_k, self.min_sensitivity
        )
    }
}

fn selection_config(config: Option<PySubcarrierSelectionConfig>) -> SubcarrierSelectionConfig {
    config.map_or_else(SubcarrierSelectionConfig::default, |c| {
        SubcarrierSelectionConfig {
            top_k: c.top_k,
            min_sensitivity: c.min_sensitivity,
        }
    })
}

/// Selected column indices (best first) and every column's score.
#[pyclass(module = "wifi_densepose._core", name = "SubcarrierSelection", frozen)]
pub struct PySubcarrierSelection {
    selected_indices: Vec<usize>,
    sensitivity_scores: CachedArray<f64, Ix1>,
}

impl From<SubcarrierSelection> for PySubcarrierSelection {
    fn from(s: SubcarrierSelection) -> Self {
        PySubcarrierSelection {
            selected_indices: s.selected_indices,
            sensitivity_scores: CachedArray::new(s.sensitivity_scores),
        }
    }
}

getters!(PySubcarrierSelection, |this| {
    selected_indices: Vec<usize> = this.selected_indices.clone(),
    sensitivity_scores(py): PyResult<Bound<'py, PyArray1<f64>>> = this.sensitivity_scores.get(py),
});

/// Ranks subcarriers by var(motion)/var(static) (sample variances of `[time, subcarrier]`
/// recordings) and keeps up to `top_k` with a ratio of at least `min_sensitivity`.
#[pyfunction]
#[pyo3(signature = (motion, static_data, config=None))]
fn select_sensitive_subcarriers(
    motion: &Bound<'_, PyAny>,
    static_data: &Bound<'_, PyAny>,
    config: Option<PySubcarrierSelectionConfig>,
) -> PyResult<PySubcarrierSelection> {
    let m = f64_array::<Ix2>(motion, "motion")?;
    let s = f64_array::<Ix2>(static_data, "static_data")?;
    by_sensitivity(m.as_array(), s.as_array(), &selection_config(config))
        .or_raise()
        .map(PySubcarrierSelection::from)
}

/// The `top_k` columns of `[time, subcarrier]` by sample variance.
#[pyfunction]
#[pyo3(signature = (x, config=None))]
fn select_by_variance(
    x: &Bound<'_, PyAny>,
    config: Option<PySubcarrierSelectionConfig>,
) -> PyResult<PySubcarrierSelection> {
    let x = f64_array::<Ix2>(x, "x")?;
    by_variance(x.as_array(), &selection_config(config))
        .or_raise()
        .map(PySubcarrierSelection::from)
}

/// The columns of `[time, subcarrier]` in selection order.
#[pyfunction]
fn extract_selected<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    selected: Vec<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let x = f64_array::<Ix2>(x, "x")?;
    readonly_array(py, select_columns(x.as_array(), &selected).or_raise()?)
}

/// Transmitter–body–receiver geometry: distances in metres, carrier in Hz.
#[pyclass(
    module = "wifi_densepose._core",
    name = "FresnelGeometry",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyFresnelGeometry(FresnelGeometry);

#[pymethods]
impl PyFresnelGeometry {
    #[new]
    fn new(d_tx_body: f64, d_body_rx: f64, frequency_hz: f64) -> PyResult<Self> {
        FresnelGeometry::new(d_tx_body, d_body_rx, frequency_hz)
            .or_raise()
            .map(PyFresnelGeometry)
    }

    /// Radius in metres of the n-th Fresnel zone at the body.
    #[pyo3(signature = (n=1))]
    fn fresnel_radius(&self, n: u32) -> f64 {
        self.0.fresnel_radius(n)
    }

    /// 4π·Δd/λ radians for a displacement in metres.
    fn phase_change(&self, displacement_m: f64) -> f64 {
        self.0.phase_change(displacement_m)
    }

    /// |sin(phase_change/2)| for a displacement in metres.
    fn expected_amplitude_variation(&self, displacement_m: f64) -> f64 {
        self.0.expected_amplitude_variation(displacement_m)
    }
}

getters!(PyFresnelGeometry, |this| {
    d_tx_body: f64,
    d_body_rx: f64,
    frequency_hz: f64,

    /// λ = c/f in metres.
    wavelength: f64,
});

/// A breathing estimate: rate in BPM, period in seconds, confidences in [0, 1].
#[pyclass(
    module = "wifi_densepose._core",
    name = "BreathingEstimate",
    frozen,
    get_all
)]
pub struct PyBreathingEstimate {
    rate_bpm: f64,
    confidence: f64,
    period_seconds: f64,
    autocorrelation_peak: f64,
    fresnel_confidence: f64,
    amplitude_variation: f64,
}

impl From<BreathingEstimate> for PyBreathingEstimate {
    fn from(e: BreathingEstimate) -> Self {
        PyBreathingEstimate {
            rate_bpm: e.rate_bpm,
            confidence: e.confidence,
            period_seconds: e.period_seconds,
            autocorrelation_peak: e.autocorrelation_peak,
            fresnel_confidence: e.fresnel_confidence,
            amplitude_variation: e.amplitude_variation,
        }
    }
}

/// Scores breathing-like amplitude signals against the variation a 3–15 mm chest movement
/// produces in the given geometry.
#[pyclass(
    module = "wifi_densepose._core",
    name = "FresnelBreathingEstimator",
    frozen
)]
pub struct PyFresnelBreathingEstimator(FresnelBreathingEstimator);

#[pymethods]
impl PyFresnelBreathingEstimator {
    #[new]
    fn new(geometry: PyFresnelGeometry) -> Self {
        PyFresnelBreathingEstimator(FresnelBreathingEstimator::new(geometry.0))
    }

    /// 1 inside the expected interval, falling off proportionally outside it.
    fn breathing_confidence(&self, variation: f64) -> f64 {
        self.0.breathing_confidence(variation)
    }

    /// Breathing rate from the first autocorrelation maximum over lags of 1.5–10 s of a 1-D
    /// signal sampled at `fs` Hz (at least 10 samples).
    fn estimate_breathing_rate(
        &self,
        x: &Bound<'_, PyAny>,
        fs: f64,
    ) -> PyResult<PyBreathingEstimate> {
        let x = f64_array::<Ix1>(x, "x")?;
        self.0
            .estimate_breathing_rate(x.as_array(), fs)
            .or_raise()
            .map(PyBreathingEstimate::from)
    }
}

getters!(PyFresnelBreathingEstimator, |this| {
    /// The expected amplitude-variation interval (lo, hi).
    expected_range: (f64, f64),
});

config_class! {
    /// Body velocity profile parameters: carrier in Hz, velocities in m/s.
    PyBvpConfig("BvpConfig") <=> BvpConfig() {
        window_size: usize = 128,
        hop_size: usize = 32,
        carrier_frequency: f64 = 5e9,
        n_velocity_bins: usize = 64,
        max_velocity: f64 = 2.0,
    }
}

/// `data[n_velocity_bins, frames]` with bin velocities in m/s.
#[pyclass(module = "wifi_densepose._core", name = "BodyVelocityProfile", frozen)]
pub struct PyBodyVelocityProfile {
    data: CachedArray<f64, Ix2>,
    velocity_bins: CachedArray<f64, Ix1>,
    time_resolution: f64,
    velocity_resolution: f64,
}

impl From<BodyVelocityProfile> for PyBodyVelocityProfile {
    fn from(b: BodyVelocityProfile) -> Self {
        PyBodyVelocityProfile {
            data: CachedArray::new(b.data),
            velocity_bins: CachedArray::new(b.velocity_bins),
            time_resolution: b.time_resolution,
            velocity_resolution: b.velocity_resolution,
        }
    }
}

getters!(PyBodyVelocityProfile, |this| {
    data(py): PyResult<Bound<'py, PyArray2<f64>>> = this.data.get(py),

    /// Velocities in m/s, from −max_velocity.
    velocity_bins(py): PyResult<Bound<'py, PyArray1<f64>>> = this.velocity_bins.get(py),

    /// Seconds per frame.
    time_resolution: f64 = this.time_resolution,

    /// m/s per velocity bin.
    velocity_resolution: f64 = this.velocity_resolution,
});

/// Body velocity profile of `[time, subcarrier]` amplitudes sampled at `fs` Hz. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (x, fs, config=None))]
fn extract_bvp(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    fs: f64,
    config: Option<PyBvpConfig>,
) -> PyResult<PyBodyVelocityProfile> {
    let config = config.map(|c| c.to_rust()).unwrap_or_default();
    let x = f64_array::<Ix2>(x, "x")?;
    let x = x.as_array();
    py.detach(|| bvp(x, fs, &config))
        .or_raise()
        .map(PyBodyVelocityProfile::from)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(conjugate_multiply, m)?)?;
    m.add_function(wrap_pyfunction!(compute_ratio_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(ratio_to_amplitude_phase, m)?)?;
    m.add_class::<PySpectrogramConfig>()?;
    m.add_class::<PySpectrogram>()?;
    m.add_function(wrap_pyfunction!(compute_spectrogram, m)?)?;
    m.add_function(wrap_pyfunction!(compute_multi_subcarrier_spectrogram, m)?)?;
    m.add_class::<PySubcarrierSelectionConfig>()?;
    m.add_class::<PySubcarrierSelection>()?;
    m.add_function(wrap_pyfunction!(select_sensitive_subcarriers, m)?)?;
    m.add_function(wrap_pyfunction!(select_by_variance, m)?)?;
    m.add_function(wrap_pyfunction!(extract_selected, m)?)?;
    m.add_class::<PyFresnelGeometry>()?;
    m.add_class::<PyBreathingEstimate>()?;
    m.add_class::<PyFresnelBreathingEstimator>()?;
    m.add_class::<PyBvpConfig>()?;
    m.add_class::<PyBodyVelocityProfile>()?;
    m.add_function(wrap_pyfunction!(extract_bvp, m)?)?;
    Ok(())
}
