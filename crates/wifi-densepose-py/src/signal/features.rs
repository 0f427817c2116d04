//! `FeatureExtractor` and its result types.

use ndarray::{Ix1, Ix2, Ix3};
use numpy::{PyArray1, PyArray2, PyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wifi_densepose_signal::{
    AmplitudeFeatures, CorrelationFeatures, CsiData, CsiFeatureBatch, CsiFeatures, DopplerFeatures,
    FeatureExtractor, FeatureExtractorConfig, FeatureMetadata, PhaseFeatures, PsdFeatures,
};

use super::data::PyCsiData;
use crate::arrays::{f64_array, CachedArray};
use crate::errors::OrRaise;
use crate::frame::PyTimestamp;
use crate::getters::{fields_dict, getters};
use crate::mirror::config_class;

/// Generates a frozen result class whose array fields are cached read-only numpy arrays and
/// whose scalar fields are plain floats.
macro_rules! result_class {
    ($py_name:ident, $name:literal, $doc:literal, $rust:ty,
     arrays { $($arr:ident : $dim:ty => $arr_doc:literal),* },
     scalars { $($sc:ident => $sc_doc:literal),* }) => {
        #[doc = $doc]
        #[pyclass(module = "wifi_densepose._core", name = $name, frozen)]
        pub struct $py_name {
            $($arr: CachedArray<f64, $dim>,)*
            $($sc: f64,)*
        }

        impl From<&$rust> for $py_name {
            fn from(r: &$rust) -> Self {
                $py_name {
                    $($arr: CachedArray::new(r.$arr.clone()),)*
                    $($sc: r.$sc,)*
                }
            }
        }

        #[pymethods]
        impl $py_name {
            $(
                #[doc = $arr_doc]
                #[getter]
                fn $arr<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray<f64, $dim>>> {
                    self.$arr.get(py)
                }
            )*
            $(
                #[doc = $sc_doc]
                #[getter]
                fn $sc(&self) -> f64 {
                    self.$sc
                }
            )*
        }
    };
}

result_class!(PyAmplitudeFeatures, "AmplitudeFeatures", "Amplitude statistics of one frame.", AmplitudeFeatures,
    arrays { mean: Ix1 => "Per-subcarrier mean across antennas.", variance: Ix1 => "Per-subcarrier population variance across antennas." },
    scalars { peak => "Largest amplitude.", rms => "Root mean square of all amplitudes.", dynamic_range => "max − min." });

result_class!(PyPhaseFeatures, "PhaseFeatures", "Phase statistics of one frame (radians).", PhaseFeatures,
    arrays { difference: Ix1 => "Antenna-mean of φ[i, j+1] − φ[i, j] (S − 1 values).",
             variance: Ix1 => "Per-subcarrier population variance across antennas.",
             gradient: Ix1 => "First difference of `difference`; [0.0] when S < 3." },
    scalars { coherence => "Mean Pearson correlation between phase rows (0 with one antenna)." });

result_class!(PyCorrelationFeatures, "CorrelationFeatures", "Pearson correlation between antenna amplitude rows.", CorrelationFeatures,
    arrays { matrix: Ix2 => "[antenna, antenna], unit diagonal." },
    scalars { mean_correlation => "Mean of the off-diagonal entries.", max_correlation => "Largest off-diagonal entry.",
              correlation_spread => "Population std of the off-diagonal entries." });

result_class!(PyPsdFeatures, "PsdFeatures", "Power spectrum of the flattened amplitudes (along subcarriers).", PsdFeatures,
    arrays { values: Ix1 => "|X_k|²/N for k = 0…N−1.", frequencies: Ix1 => "Bin frequencies in Hz (k·B/N, negative above N/2)." },
    scalars { total_power => "Sum over the first N/2 bins.", peak_power => "Largest power in the first N/2 bins.",
              peak_frequency => "Frequency (Hz) of the first maximum.", centroid => "Power-weighted mean frequency (Hz).",
              bandwidth => "Power-weighted frequency spread (Hz)." });

result_class!(PyDopplerFeatures, "DopplerFeatures", "Doppler shifts over a frame history.", DopplerFeatures,
    arrays { shifts: Ix1 => "Per-subcarrier Doppler shift in Hz." },
    scalars { peak_frequency => "Largest |shift| (Hz).", mean_magnitude => "Mean |shift| (Hz).", spread => "Population std of |shift| (Hz)." });

fn metadata_dict<'py>(py: Python<'py>, m: &FeatureMetadata) -> PyResult<Bound<'py, PyDict>> {
    Ok(fields_dict!(
        py,
        m,
        [
            num_antennas,
            num_subcarriers,
            fft_size,
            sampling_rate,
            doppler_samples,
        ]
    ))
}

/// All features of one frame.
#[pyclass(module = "wifi_densepose._core", name = "CsiFeatures", frozen)]
pub struct PyCsiFeatures {
    pub inner: CsiFeatures,
    amplitude: Py<PyAmplitudeFeatures>,
    phase: Py<PyPhaseFeatures>,
    correlation: Py<PyCorrelationFeatures>,
    psd: Py<PyPsdFeatures>,
    doppler: Option<Py<PyDopplerFeatures>>,
}

impl PyCsiFeatures {
    pub fn wrap(py: Python<'_>, inner: CsiFeatures) -> PyResult<Self> {
        Ok(PyCsiFeatures {
            amplitude: Py::new(py, PyAmplitudeFeatures::from(&inner.amplitude))?,
            phase: Py::new(py, PyPhaseFeatures::from(&inner.phase))?,
            correlation: Py::new(py, PyCorrelationFeatures::from(&inner.correlation))?,
            psd: Py::new(py, PyPsdFeatures::from(&inner.psd))?,
            doppler: inner
                .doppler
                .as_ref()
                .map(|d| Py::new(py, PyDopplerFeatures::from(d)))
                .transpose()?,
            inner,
        })
    }
}

#[pymethods]
impl PyCsiFeatures {
    fn __repr__(&self) -> String {
        format!(
            "CsiFeatures(num_antennas={}, num_subcarriers={}, doppler={})",
            self.inner.metadata.num_antennas,
            self.inner.metadata.num_subcarriers,
            if self.inner.doppler.is_some() {
                "DopplerFeatures(...)"
            } else {
                "None"
            }
        )
    }
}

getters!(PyCsiFeatures, |this| {
    amplitude(py): Py<PyAmplitudeFeatures> = this.amplitude.clone_ref(py),
    phase(py): Py<PyPhaseFeatures> = this.phase.clone_ref(py),
    correlation(py): Py<PyCorrelationFeatures> = this.correlation.clone_ref(py),
    psd(py): Py<PyPsdFeatures> = this.psd.clone_ref(py),

    /// None unless extracted with a long enough history.
    doppler(py): Option<Py<PyDopplerFeatures>> = this.doppler.as_ref().map(|d| d.clone_ref(py)),

    timestamp: Option<PyTimestamp> = this.inner.timestamp.map(PyTimestamp),

    /// {num_antennas, num_subcarriers, fft_size, sampling_rate, doppler_samples}.
    metadata(py): PyResult<Bound<'py, PyDict>> = metadata_dict(py, &this.inner.metadata),
});

/// Features of T frames stacked along the first axis (`extract_batch`). Doppler fields are
/// None without a `doppler_window`, and NaN rows where too few frames were available.
#[pyclass(module = "wifi_densepose._core", name = "CsiFeatureBatch", frozen)]
pub struct PyCsiFeatureBatch {
    pub inner: CsiFeatureBatch,
    arrays1: [CachedArray<f64, Ix1>; 13],
    arrays2: [CachedArray<f64, Ix2>; 6],
    correlation_matrix: CachedArray<f64, Ix3>,
    doppler_shifts: Option<CachedArray<f64, Ix2>>,
    doppler_scalars: Option<[CachedArray<f64, Ix1>; 3]>,
}

macro_rules! batch_getters {
    ($($field:ident => $store:ident[$i:literal] : $ty:ty, $doc:literal;)*) => {
        #[pymethods]
        impl PyCsiFeatureBatch {
            $(
                #[doc = $doc]
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, $ty>> {
                    self.$store[$i].get(py)
                }
            )*
        }
    };
}

impl PyCsiFeatureBatch {
    fn wrap(inner: CsiFeatureBatch) -> Self {
        let c1 = |a: &ndarray::Array1<f64>| CachedArray::new(a.clone());
        let c2 = |a: &ndarray::Array2<f64>| CachedArray::new(a.clone());
        PyCsiFeatureBatch {
            arrays1: [
                c1(&inner.amplitude_peak),
                c1(&inner.amplitude_rms),
                c1(&inner.amplitude_dynamic_range),
                c1(&inner.phase_coherence),
                c1(&inner.mean_correlation),
                c1(&inner.max_correlation),
                c1(&inner.correlation_spread),
                c1(&inner.psd_frequencies),
                c1(&inner.psd_total_power),
                c1(&inner.psd_peak_power),
                c1(&inner.psd_peak_frequency),
                c1(&inner.psd_centroid),
                c1(&inner.psd_bandwidth),
            ],
            arrays2: [
                c2(&inner.amplitude_mean),
                c2(&inner.amplitude_variance),
                c2(&inner.phase_difference),
                c2(&inner.phase_variance),
                c2(&inner.phase_gradient),
                c2(&inner.psd_values),
            ],
            correlation_matrix: CachedArray::new(inner.correlation_matrix.clone()),
            doppler_shifts: inner.doppler.as_ref().map(|d| c2(&d.shifts)),
            doppler_scalars: inner
                .doppler
                .as_ref()
                .map(|d| [c1(&d.peak_frequency), c1(&d.mean_magnitude), c1(&d.spread)]),
            inner,
        }
    }
}

batch_getters! {
    amplitude_peak => arrays1[0]: PyArray1<f64>, "[T] largest amplitude per frame.";
    amplitude_rms => arrays1[1]: PyArray1<f64>, "[T] RMS amplitude per frame.";
    amplitude_dynamic_range => arrays1[2]: PyArray1<f64>, "[T] max − min per frame.";
    phase_coherence => arrays1[3]: PyArray1<f64>, "[T] phase coherence per frame.";
    mean_correlation => arrays1[4]: PyArray1<f64>, "[T] mean off-diagonal amplitude correlation.";
    max_correlation => arrays1[5]: PyArray1<f64>, "[T] largest off-diagonal amplitude correlation.";
    correlation_spread => arrays1[6]: PyArray1<f64>, "[T] std of the off-diagonal correlations.";
    psd_frequencies => arrays1[7]: PyArray1<f64>, "[N] PSD bin frequencies in Hz (the same for every frame).";
    psd_total_power => arrays1[8]: PyArray1<f64>, "[T] PSD total power.";
    psd_peak_power => arrays1[9]: PyArray1<f64>, "[T] PSD peak power.";
    psd_peak_frequency => arrays1[10]: PyArray1<f64>, "[T] PSD peak frequency in Hz.";
    psd_centroid => arrays1[11]: PyArray1<f64>, "[T] PSD centroid in Hz.";
    psd_bandwidth => arrays1[12]: PyArray1<f64>, "[T] PSD bandwidth in Hz.";
    amplitude_mean => arrays2[0]: PyArray2<f64>, "[T, S] per-subcarrier amplitude mean.";
    amplitude_variance => arrays2[1]: PyArray2<f64>, "[T, S] per-subcarrier amplitude variance.";
    phase_difference => arrays2[2]: PyArray2<f64>, "[T, S − 1] antenna-mean phase differences (radians).";
    phase_variance => arrays2[3]: PyArray2<f64>, "[T, S] per-subcarrier phase variance.";
    phase_gradient => arrays2[4]: PyArray2<f64>, "[T, max(S − 2, 1)] phase gradients.";
    psd_values => arrays2[5]: PyArray2<f64>, "[T, N] PSD values.";
}

#[pymethods]
impl PyCsiFeatureBatch {
    /// The features of frame `t` as a `CsiFeatures`.
    fn frame(&self, py: Python<'_>, t: usize) -> PyResult<PyCsiFeatures> {
        let f = self.inner.frame(t).ok_or_else(|| {
            crate::errors::validation_error("t", format!("must be < {}, got {t}", self.inner.len()))
        })?;
        PyCsiFeatures::wrap(py, f)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        let doppler = if self.inner.doppler.is_some() {
            "True"
        } else {
            "False"
        };
        format!(
            "CsiFeatureBatch(frames={}, doppler={doppler})",
            self.inner.len()
        )
    }
}

getters!(PyCsiFeatureBatch, |this| {
    /// [T, A, A] amplitude correlation matrices.
    correlation_matrix(py): PyResult<Bound<'py, PyArray3<f64>>> = this.correlation_matrix.get(py),

    /// [T, S] Doppler shifts in Hz (NaN rows before the window fills), or None.
    doppler_shifts(py): PyResult<Option<Bound<'py, PyArray2<f64>>>> = this.doppler_shifts.as_ref().map(|a| a.get(py)).transpose(),

    /// [T] largest |Doppler shift| in Hz, or None.
    doppler_peak_frequency(py): PyResult<Option<Bound<'py, PyArray1<f64>>>> = {
        this.doppler_scalars
            .as_ref()
            .map(|a| a[0].get(py))
            .transpose()
    },

    /// [T] mean |Doppler shift| in Hz, or None.
    doppler_mean_magnitude(py): PyResult<Option<Bound<'py, PyArray1<f64>>>> = {
        this.doppler_scalars
            .as_ref()
            .map(|a| a[1].get(py))
            .transpose()
    },

    /// [T] std of |Doppler shift| in Hz, or None.
    doppler_spread(py): PyResult<Option<Bound<'py, PyArray1<f64>>>> = {
        this.doppler_scalars
            .as_ref()
            .map(|a| a[2].get(py))
            .transpose()
    },
});

config_class! {
    /// Configuration of a `FeatureExtractor` (validated on construction; immutable).
    PyFeatureExtractorConfig("FeatureExtractorConfig") <=> FeatureExtractorConfig(*), __repr__ {
        /// PSD length N.
        fft_size: usize = 128,
        /// Frame rate in Hz (Doppler).
        sampling_rate: f64 = 1000.0,
        /// Fewest history frames for Doppler (≥ 2).
        min_doppler_history: usize = 10,
        enable_doppler: bool = true,
    }
}

/// Extracts amplitude, phase, correlation, PSD and Doppler features from `CsiData` frames.
/// Holds no per-call state.
#[pyclass(module = "wifi_densepose._core", name = "FeatureExtractor", frozen)]
pub struct PyFeatureExtractor(FeatureExtractor);

fn history_of(history: &[PyRef<'_, PyCsiData>]) -> Vec<CsiData> {
    history.iter().map(|d| d.inner.clone()).collect()
}

#[pymethods]
impl PyFeatureExtractor {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<PyFeatureExtractorConfig>) -> PyResult<Self> {
        let config = config.map(|c| c.to_rust()).unwrap_or_default();
        FeatureExtractor::new(config)
            .or_raise()
            .map(PyFeatureExtractor)
    }

    /// Amplitude, phase, correlation and PSD features (no Doppler).
    fn extract(&self, py: Python<'_>, data: &PyCsiData) -> PyResult<PyCsiFeatures> {
        PyCsiFeatures::wrap(py, self.0.extract(&data.inner))
    }

    fn extract_amplitude(&self, data: &PyCsiData) -> PyAmplitudeFeatures {
        PyAmplitudeFeatures::from(&self.0.extract_amplitude(&data.inner))
    }

    fn extract_phase(&self, data: &PyCsiData) -> PyPhaseFeatures {
        PyPhaseFeatures::from(&self.0.extract_phase(&data.inner))
    }

    fn extract_correlation(&self, data: &PyCsiData) -> PyCorrelationFeatures {
        PyCorrelationFeatures::from(&self.0.extract_correlation(&data.inner))
    }

    fn extract_psd(&self, data: &PyCsiData) -> PyPsdFeatures {
        PyPsdFeatures::from(&self.0.extract_psd(&data.inner))
    }

    /// `extract` plus Doppler over `history` (oldest first) when enabled and long enough.
    fn extract_with_history(
        &self,
        py: Python<'_>,
        data: &PyCsiData,
        history: Vec<PyRef<'_, PyCsiData>>,
    ) -> PyResult<PyCsiFeatures> {
        let features = self
            .0
            .extract_with_history(&data.inner, &history_of(&history))
            .or_raise()?;
        PyCsiFeatures::wrap(py, features)
    }

    /// Doppler over `history` when it has at least `min_doppler_history` frames, else None.
    fn extract_doppler(
        &self,
        history: Vec<PyRef<'_, PyCsiData>>,
    ) -> PyResult<Option<PyDopplerFeatures>> {
        Ok(self
            .0
            .extract_doppler(&history_of(&history))
            .or_raise()?
            .as_ref()
            .map(PyDopplerFeatures::from))
    }

    /// Features of every frame of `[time, antenna, subcarrier]` amplitude and phase. With
    /// `doppler_window=W`, frame t also gets Doppler over frames max(0, t−W+1)…t (NaN until
    /// `min_doppler_history` frames exist). Equals per-frame extraction bit for bit. Releases
    /// the GIL.
    #[pyo3(signature = (amplitude, phase, *, bandwidth_hz=20e6, doppler_window=None))]
    fn extract_batch(
        &self,
        py: Python<'_>,
        amplitude: &Bound<'_, PyAny>,
        phase: &Bound<'_, PyAny>,
        bandwidth_hz: f64,
        doppler_window: Option<usize>,
    ) -> PyResult<PyCsiFeatureBatch> {
        let a = f64_array::<Ix3>(amplitude, "amplitude")?;
        let p = f64_array::<Ix3>(phase, "phase")?;
        let (a, p) = (a.as_array(), p.as_array());
        let extractor = &self.0;
        let batch = py
            .detach(|| extractor.extract_batch(a, p, bandwidth_hz, doppler_window))
            .or_raise()?;
        Ok(PyCsiFeatureBatch::wrap(batch))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAmplitudeFeatures>()?;
    m.add_class::<PyPhaseFeatures>()?;
    m.add_class::<PyCorrelationFeatures>()?;
    m.add_class::<PyPsdFeatures>()?;
    m.add_class::<PyDopplerFeatures>()?;
    m.add_class::<PyCsiFeatures>()?;
    m.add_class::<PyCsiFeatureBatch>()?;
    m.add_class::<PyFeatureExtractorConfig>()?;
    m.add_class::<PyFeatureExtractor>()?;
    Ok(())
}
