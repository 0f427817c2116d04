//! `wifi_densepose.sensing`: the empty-room field model and occupancy count, radio tomographic
//! imaging, the multi-target tracker, DTW gestures, node fusion and the room simulator.
//!
//! Arrays come in as float64 views of any strides and are copied once into the row-major
//! buffers the crate works on; results go out as read-only numpy arrays.

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView, Dimension, Ix1, Ix2, Ix3, IxDyn};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use wifi_densepose_sensing::{
    count_components, dtw, fuse_nodes, geometric_diversity, nearest_frames, CalibrationConfig,
    ComponentCount, FieldModel, GestureClassifier, GestureMatch, Grid, OccupancyConfig, Scenario,
    Simulation, Tomographer, Track, TrackStatus, Tracker, TrackerConfig,
};

use crate::arrays::{f64_array, readonly_array};
use crate::errors::{shape_error, validation_error, OrRaise};
use crate::getters::getters;

/// A row-major copy (or borrow, when already contiguous) of any view.
fn flat<'a, D: Dimension>(view: &'a ArrayView<'_, f64, D>) -> Cow<'a, [f64]> {
    match view.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(view.iter().copied().collect()),
    }
}

fn points(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<[f64; 2]>> {
    let array = f64_array::<Ix2>(obj, field)?;
    let view = array.as_array();
    if view.ncols() != 2 {
        return Err(shape_error(
            field,
            "shape (n, 2) (x, y in metres)",
            format!("shape {:?}", view.shape()),
        ));
    }
    Ok(view.rows().into_iter().map(|r| [r[0], r[1]]).collect())
}

fn occupancy_config(min_frames: usize, tw_margin: f64, max_count: usize) -> OccupancyConfig {
    OccupancyConfig {
        min_frames,
        tw_margin,
        max_count,
    }
}

// ---------------------------------------------------------------------------------------------
// Occupancy

/// The independent components of a window (`count_components`): `significant_components`,
/// `noise_variance` σ̂² (input units²), `threshold` (eigenvalue threshold, input units²),
/// `eigenvalues` (descending), `valid` and `reason` (why the count is not valid; "" if it is).
#[pyclass(module = "wifi_densepose._core", name = "ComponentCount", frozen)]
pub struct PyComponentCount(ComponentCount);

#[pymethods]
impl PyComponentCount {
    fn __repr__(&self) -> String {
        format!(
            "ComponentCount(significant_components={}, noise_variance={}, valid={})",
            self.0.significant_components, self.0.noise_variance, self.0.valid
        )
    }
}

getters!(PyComponentCount, |this| {
    significant_components: usize = this.0.significant_components,
    noise_variance: f64 = this.0.noise_variance,
    threshold: f64 = this.0.threshold,
    eigenvalues(py): PyResult<Bound<'py, PyArray1<f64>>> = readonly_array(py, Array1::from(this.0.eigenvalues.clone())),
    valid: bool = this.0.valid,
    reason: String = this.0.reason.clone(),
});

/// Counts the components of a `[frames, features]` window that stand out of white noise:
/// eigenvalues of the window covariance above the Marchenko–Pastur edge plus `tw_margin`
/// Tracy–Widom units, with an unbiased noise-variance estimate. A window shorter than
/// `min_frames` (or with more than `max_count` components) is reported `valid=False`.
#[pyfunction]
#[pyo3(name = "count_components")]
#[pyo3(signature = (window, *, min_frames=16, tw_margin=4.0, max_count=8))]
fn count_window_components(
    py: Python<'_>,
    window: &Bound<'_, PyAny>,
    min_frames: usize,
    tw_margin: f64,
    max_count: usize,
) -> PyResult<PyComponentCount> {
    let array = f64_array::<Ix2>(window, "window")?;
    let view = array.as_array();
    let (t, d) = view.dim();
    let data = flat(&view);
    let cfg = occupancy_config(min_frames, tw_margin, max_count);
    py.detach(|| count_components(&data, t, d, &cfg))
        .or_raise()
        .map(PyComponentCount)
}

/// Presence and person count of one window against a `FieldModel`: `presence`,
/// `person_count` (0 when not valid), `person_count_valid`, `link_energy` (mean normalised
/// perturbation energy per link, ≈ 1 when empty, dimensionless) and `components`.
#[pyclass(module = "wifi_densepose._core", name = "Occupancy", frozen)]
pub struct PyOccupancy(wifi_densepose_sensing::calibration::Occupancy);

#[pymethods]
impl PyOccupancy {
    fn __repr__(&self) -> String {
        format!(
            "Occupancy(presence={}, person_count={}, person_count_valid={})",
            if self.0.presence { "True" } else { "False" },
            self.0.person_count,
            if self.0.person_count_valid {
                "True"
            } else {
                "False"
            }
        )
    }
}

getters!(PyOccupancy, |this| {
    presence: bool = this.0.presence,
    person_count: usize = this.0.person_count,
    person_count_valid: bool = this.0.person_count_valid,
    link_energy(py): PyResult<Bound<'py, PyArray1<f64>>> = readonly_array(py, Array1::from(this.0.link_energy.clone())),
    components: PyComponentCount = PyComponentCount(this.0.components.clone()),
});

// ---------------------------------------------------------------------------------------------
// Field model

/// The empty-room field model: per link the mean amplitude per subcarrier, the background
/// (environmental) components found by PCA, and the noise variance. Fit it on frames recorded
/// with nobody in the room; save it with `to_json`.
#[pyclass(module = "wifi_densepose._core", name = "FieldModel", frozen)]
pub struct PyFieldModel(FieldModel);

#[pymethods]
impl PyFieldModel {
    /// Fits one link model per `[frames, subcarriers]` amplitude array in `links` (frame
    /// counts may differ; each needs at least `max(min_frames, 2 × subcarriers)` frames),
    /// optionally named by `labels` (one per link).
    /// Background components: those standing out of the noise by the occupancy test, at most
    /// `max_modes`.
    #[staticmethod]
    #[pyo3(signature = (links, *, labels=None, min_frames=100, max_modes=5, tw_margin=4.0))]
    fn fit(
        py: Python<'_>,
        links: Vec<Bound<'_, PyAny>>,
        labels: Option<Vec<String>>,
        min_frames: usize,
        max_modes: usize,
        tw_margin: f64,
    ) -> PyResult<Self> {
        let mut owned = Vec::with_capacity(links.len());
        let mut width = None;
        for (l, obj) in links.iter().enumerate() {
            let field = format!("links[{l}]");
            let array = f64_array::<Ix2>(obj, &field)?;
            let view = array.as_array();
            let (t, s) = view.dim();
            match width {
                None => width = Some(s),
                Some(w) if w != s => {
                    return Err(shape_error(
                        &field,
                        format!("{w} subcarriers (as links[0])"),
                        format!("{s}"),
                    ))
                }
                _ => {}
            }
            owned.push((flat(&view).into_owned(), t));
        }
        let s = width.ok_or_else(|| validation_error("links", "need at least one link"))?;
        let cfg = CalibrationConfig {
            min_frames,
            max_modes,
            tw_margin,
        };
        let refs: Vec<(&[f64], usize)> = owned.iter().map(|(v, t)| (&v[..], *t)).collect();
        let model = py.detach(|| FieldModel::fit(&refs, s, &cfg)).or_raise()?;
        match labels {
            Some(labels) => model.with_labels(labels).or_raise().map(PyFieldModel),
            None => Ok(PyFieldModel(model)),
        }
    }

    /// The background components of link `link`, `[n_modes, subcarriers]` unit rows.
    fn modes<'py>(&self, py: Python<'py>, link: usize) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let model = self.0.links().get(link).ok_or_else(|| {
            validation_error(
                "link",
                format!("must be < {}, got {link}", self.0.n_links()),
            )
        })?;
        let data: Vec<f64> = model.modes.iter().flatten().copied().collect();
        readonly_array(
            py,
            Array2::from_shape_vec((model.modes.len(), self.0.n_subcarriers()), data)
                .map_err(|e| shape_error("modes", "a regular array", e))?,
        )
    }

    /// The residual outside the background subspace of frames `[subcarriers]` or
    /// `[frames, subcarriers]` on link `link` (amplitude units, same shape).
    fn residual<'py>(
        &self,
        py: Python<'py>,
        link: usize,
        frames: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.per_frame(py, link, frames, |m, l, f| m.residual(l, f))
    }

    /// Normalised perturbation energy `‖r‖² / (σ̂² (S − K))` of frames `[subcarriers]`
    /// (a float) or `[frames, subcarriers]` (an array); ≈ 1 in the empty room.
    fn perturbation_energy<'py>(
        &self,
        py: Python<'py>,
        link: usize,
        frames: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let out = self.per_frame(py, link, frames, |m, l, f| {
            m.perturbation_energy(l, f).map(|e| vec![e])
        })?;
        // One frame gives shape (1,): a float; T frames give (T, 1): a [T] array.
        if out.getattr("ndim")?.extract::<usize>()? == 1 {
            out.call_method0("item")
        } else {
            out.call_method1("reshape", (-1,))
        }
    }

    /// Presence and person count of a window `[frames, links, subcarriers]` of time-aligned
    /// amplitudes (align links first, e.g. with `nearest_frames`).
    #[pyo3(signature = (window, *, min_frames=16, tw_margin=4.0, max_count=8))]
    fn occupancy(
        &self,
        py: Python<'_>,
        window: &Bound<'_, PyAny>,
        min_frames: usize,
        tw_margin: f64,
        max_count: usize,
    ) -> PyResult<PyOccupancy> {
        let array = f64_array::<Ix3>(window, "window")?;
        let view = array.as_array();
        let (t, l, s) = view.dim();
        if l != self.0.n_links() || s != self.0.n_subcarriers() {
            return Err(shape_error(
                "window",
                format!(
                    "shape (frames, {}, {})",
                    self.0.n_links(),
                    self.0.n_subcarriers()
                ),
                format!("shape {:?}", view.shape()),
            ));
        }
        let data = flat(&view);
        let cfg = occupancy_config(min_frames, tw_margin, max_count);
        let model = &self.0;
        py.detach(|| model.occupancy(&data, t, &cfg))
            .or_raise()
            .map(PyOccupancy)
    }

    /// The model as JSON text (format "wifi-densepose-field-model/1").
    fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// A model from `to_json` text, validated (raises `ValidationError` naming the field).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        FieldModel::from_json(text).or_raise().map(PyFieldModel)
    }

    fn __repr__(&self) -> String {
        format!(
            "FieldModel(n_links={}, n_subcarriers={}, n_modes={:?})",
            self.0.n_links(),
            self.0.n_subcarriers(),
            self.n_modes()
        )
    }
}

getters!(PyFieldModel, |this| {
    /// The link names given to `fit` (e.g. node ids), empty when none were.
    labels: Vec<String> = this.0.labels().to_vec(),

    n_links: usize,
    n_subcarriers: usize,

    /// Background components kept per link.
    n_modes: Vec<usize> = this.0.links().iter().map(|l| l.modes.len()).collect(),

    /// Noise variance σ̂² per link (amplitude units²).
    noise_variance(py): PyResult<Bound<'py, PyArray1<f64>>> = {
        readonly_array(
            py,
            this.0
                .links()
                .iter()
                .map(|l| l.noise_variance)
                .collect::<Array1<f64>>(),
        )
    },

    /// Mean amplitude `[links, subcarriers]`.
    mean(py): PyResult<Bound<'py, PyArray2<f64>>> = {
        let (l, s) = (this.0.n_links(), this.0.n_subcarriers());
        let data: Vec<f64> = this
            .0
            .links()
            .iter()
            .flat_map(|x| x.mean.iter().copied())
            .collect();
        readonly_array(
            py,
            Array2::from_shape_vec((l, s), data)
                .map_err(|e| shape_error("mean", "a regular array", e))?,
        )
    },
});

impl PyFieldModel {
    /// Applies `f` to one frame `[S]` or each row of `[T, S]`; returns the stacked outputs.
    fn per_frame<'py>(
        &self,
        py: Python<'py>,
        link: usize,
        frames: &Bound<'py, PyAny>,
        f: impl Fn(&FieldModel, usize, &[f64]) -> wifi_densepose_sensing::error::Result<Vec<f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = f64_array::<IxDyn>(frames, "frames")?;
        let view = array.as_array();
        let s = self.0.n_subcarriers();
        let shape = view.shape().to_vec();
        let rows = match shape.as_slice() {
            [n] if *n == s => 1,
            [t, n] if *n == s => *t,
            _ => {
                return Err(shape_error(
                    "frames",
                    format!("shape ({s},) or (frames, {s})"),
                    format!("shape {shape:?}"),
                ))
            }
        };
        let data = flat(&view);
        let mut out = Vec::new();
        let mut width = 0;
        for r in 0..rows {
            let v = f(&self.0, link, &data[r * s..(r + 1) * s]).or_raise()?;
            width = v.len();
            out.extend(v);
        }
        let array = Array2::from_shape_vec((rows, width), out)
            .map_err(|e| shape_error("frames", "a regular array", e))?;
        let result = readonly_array(py, array)?.into_any();
        if shape.len() == 1 {
            result.call_method1("reshape", (width,))
        } else {
            Ok(result)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tomography

/// Radio tomographic imaging (Wilson & Patwari 2010) for fixed node positions `nodes`
/// `[n, 2]` (metres) over an `nx × ny` grid covering `bounds = (x0, y0, x1, y1)` metres:
/// ellipse weights (`1/√d` inside the ellipse of excess path `excess_path_m`) and a
/// precomputed Tikhonov reconstruction with regularisation `alpha`. Links are every unordered
/// node pair `(i, j)`, `i < j`, in `links` order.
#[pyclass(module = "wifi_densepose._core", name = "Tomographer", frozen)]
pub struct PyTomographer(Tomographer);

#[pymethods]
impl PyTomographer {
    #[new]
    #[pyo3(signature = (nodes, bounds, *, nx=20, ny=16, excess_path_m=1.0, alpha=0.5))]
    fn new(
        py: Python<'_>,
        nodes: &Bound<'_, PyAny>,
        bounds: (f64, f64, f64, f64),
        nx: usize,
        ny: usize,
        excess_path_m: f64,
        alpha: f64,
    ) -> PyResult<Self> {
        let nodes = points(nodes, "nodes")?;
        let grid = Grid {
            nx,
            ny,
            x0: bounds.0,
            y0: bounds.1,
            x1: bounds.2,
            y1: bounds.3,
        };
        py.detach(|| Tomographer::new(&nodes, grid, excess_path_m, alpha))
            .or_raise()
            .map(PyTomographer)
    }

    /// The image `[ny, nx]` from per-link attenuations `[links]`.
    fn reconstruct<'py>(
        &self,
        py: Python<'py>,
        attenuation: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let array = f64_array::<Ix1>(attenuation, "attenuation")?;
        let view = array.as_array();
        let image = self.0.reconstruct(&flat(&view)).or_raise()?;
        let g = self.0.grid();
        readonly_array(
            py,
            Array2::from_shape_vec((g.ny, g.nx), image)
                .map_err(|e| shape_error("image", "a regular array", e))?,
        )
    }

    /// The forward model `W x` (per-link attenuation) of an image `[ny, nx]`.
    fn forward<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let array = f64_array::<Ix2>(image, "image")?;
        let view = array.as_array();
        let g = self.0.grid();
        if view.dim() != (g.ny, g.nx) {
            return Err(shape_error(
                "image",
                format!("shape ({}, {})", g.ny, g.nx),
                format!("shape {:?}", view.shape()),
            ));
        }
        readonly_array(py, Array1::from(self.0.forward(&flat(&view)).or_raise()?))
    }

    /// The centre `(x, y)` (metres) of the image's largest voxel and its value.
    fn peak(&self, image: &Bound<'_, PyAny>) -> PyResult<((f64, f64), f64)> {
        let array = f64_array::<Ix2>(image, "image")?;
        let view = array.as_array();
        let g = self.0.grid();
        if view.dim() != (g.ny, g.nx) {
            return Err(shape_error(
                "image",
                format!("shape ({}, {})", g.ny, g.nx),
                format!("shape {:?}", view.shape()),
            ));
        }
        let (p, v) = self.0.peak(&flat(&view));
        Ok(((p[0], p[1]), v))
    }
}

getters!(PyTomographer, |this| {
    /// The node pairs `(i, j)` in attenuation order.
    links: Vec<(usize, usize)> = this.0.links().to_vec(),

    /// The weight matrix `[links, ny × nx]`.
    weights(py): PyResult<Bound<'py, PyArray2<f64>>> = {
        let g = this.0.grid();
        let array = Array2::from_shape_vec(
            (this.0.links().len(), g.nx * g.ny),
            this.0.weights().to_vec(),
        )
        .map_err(|e| shape_error("weights", "a regular array", e))?;
        readonly_array(py, array)
    },
});

// ---------------------------------------------------------------------------------------------
// Tracker

/// A track: `track_id`, `confirmed`, `position` (x, y metres), `velocity` (m/s),
/// `position_variance` (m² per axis), `hits`, `misses`.
#[pyclass(module = "wifi_densepose._core", name = "Track", frozen)]
pub struct PyTrack(Track);

#[pymethods]
impl PyTrack {
    fn __repr__(&self) -> String {
        format!(
            "Track(track_id={}, confirmed={}, position=({:.3}, {:.3}), velocity=({:.3}, {:.3}))",
            self.0.id,
            if self.0.status == TrackStatus::Confirmed {
                "True"
            } else {
                "False"
            },
            self.0.position[0],
            self.0.position[1],
            self.0.velocity[0],
            self.0.velocity[1]
        )
    }
}

getters!(PyTrack, |this| {
    track_id: u64 = this.0.id,
    confirmed: bool = this.0.status == TrackStatus::Confirmed,
    position: (f64, f64) = (this.0.position[0], this.0.position[1]),
    velocity: (f64, f64) = (this.0.velocity[0], this.0.velocity[1]),
    position_variance: (f64, f64) = (this.0.position_variance[0], this.0.position_variance[1]),
    hits: u32 = this.0.hits,
    misses: u32 = this.0.misses,
});

/// Multi-target tracker on the floor plane: constant-velocity Kalman filters (σ_a
/// `accel_sigma` m/s², σ_z `measurement_sigma` m), squared-Mahalanobis `gate` (default
/// χ²₂(0.99) = 9.21), Hungarian assignment, confirmation after `confirm_hits` hits and
/// deletion after `max_misses` misses. One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "Tracker")]
pub struct PyTracker(Tracker);

#[pymethods]
impl PyTracker {
    #[new]
    #[pyo3(signature = (*, accel_sigma=1.0, measurement_sigma=0.3, initial_velocity_sigma=1.0, gate=9.21, confirm_hits=3, max_misses=10))]
    fn new(
        accel_sigma: f64,
        measurement_sigma: f64,
        initial_velocity_sigma: f64,
        gate: f64,
        confirm_hits: u32,
        max_misses: u32,
    ) -> PyResult<Self> {
        let cfg = TrackerConfig {
            accel_sigma,
            measurement_sigma,
            initial_velocity_sigma,
            gate,
            confirm_hits,
            max_misses,
        };
        Tracker::new(cfg).or_raise().map(PyTracker)
    }

    /// Advances by `dt` seconds with `detections` `[m, 2]` (x, y metres; may be empty) and
    /// returns the live tracks ordered by id.
    fn step(&mut self, detections: &Bound<'_, PyAny>, dt: f64) -> PyResult<Vec<PyTrack>> {
        let array = f64_array::<IxDyn>(detections, "detections")?;
        let view = array.as_array();
        let det: Vec<[f64; 2]> = match view.shape() {
            [0] | [0, _] => Vec::new(),
            [_, 2] => view.rows().into_iter().map(|r| [r[0], r[1]]).collect(),
            shape => {
                return Err(shape_error(
                    "detections",
                    "shape (m, 2)",
                    format!("shape {shape:?}"),
                ))
            }
        };
        Ok(self
            .0
            .step(&det, dt)
            .or_raise()?
            .into_iter()
            .map(PyTrack)
            .collect())
    }
}

getters!(PyTracker, |this| {
    /// The live tracks ordered by id.
    tracks: Vec<PyTrack> = this.0.tracks().into_iter().map(PyTrack).collect(),
});

// ---------------------------------------------------------------------------------------------
// Gestures

fn read_sequence(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<(Vec<f64>, usize)> {
    let array = f64_array::<IxDyn>(obj, field)?;
    let view = array.as_array();
    let dim = match view.shape() {
        [_] => 1,
        [_, d] => *d,
        shape => {
            return Err(shape_error(
                field,
                "shape (length,) or (length, dim)",
                format!("shape {shape:?}"),
            ))
        }
    };
    Ok((flat(&view).into_owned(), dim))
}

/// The DTW distance (sum of Euclidean frame costs along the best path) between sequences `a`
/// and `b` (`[length]` or `[length, dim]`) within a Sakoe–Chiba band of half-width
/// `max(band, |len(a) − len(b)|)` frames, so it is finite for any two lengths.
#[pyfunction]
#[pyo3(name = "dtw")]
#[pyo3(signature = (a, b, *, band=5))]
fn dtw_distance(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>, band: usize) -> PyResult<f64> {
    let (a, da) = read_sequence(a, "a")?;
    let (b, db) = read_sequence(b, "b")?;
    if da != db {
        return Err(shape_error(
            "b",
            format!("{da} features per frame (as a)"),
            db,
        ));
    }
    dtw(&a, &b, da, band).or_raise()
}

/// A classification: `name` (None when rejected), `distance` (DTW distance / total frames,
/// feature units) and `margin` (1 − best/second-best, in [0, 1]).
#[pyclass(module = "wifi_densepose._core", name = "GestureMatch", frozen)]
pub struct PyGestureMatch(GestureMatch);

#[pymethods]
impl PyGestureMatch {
    fn __repr__(&self) -> String {
        format!(
            "GestureMatch(name={:?}, distance={}, margin={})",
            self.0.name, self.0.distance, self.0.margin
        )
    }
}

getters!(PyGestureMatch, |this| {
    name: Option<String> = this.0.name.clone(),
    distance: f64 = this.0.distance,
    margin: f64 = this.0.margin,
});

/// Nearest-template DTW gesture classifier over `dim` features per frame, band half-width
/// `band` frames, rejecting queries whose normalised distance exceeds `threshold` (feature
/// units). One thread at a time.
#[pyclass(module = "wifi_densepose._core", name = "GestureClassifier")]
pub struct PyGestureClassifier(GestureClassifier);

#[pymethods]
impl PyGestureClassifier {
    #[new]
    #[pyo3(signature = (dim=1, *, band=5, threshold=0.5))]
    fn new(dim: usize, band: usize, threshold: f64) -> PyResult<Self> {
        GestureClassifier::new(dim, band, threshold)
            .or_raise()
            .map(PyGestureClassifier)
    }

    /// Adds or replaces template `name` (`[length]` or `[length, dim]`).
    fn add_template(&mut self, name: &str, sequence: &Bound<'_, PyAny>) -> PyResult<()> {
        let (seq, _) = read_sequence(sequence, "sequence")?;
        self.0.add_template(name, &seq).or_raise()
    }

    /// The best template for `sequence` or a rejection.
    fn classify(&self, sequence: &Bound<'_, PyAny>) -> PyResult<PyGestureMatch> {
        let (seq, _) = read_sequence(sequence, "sequence")?;
        self.0.classify(&seq).or_raise().map(PyGestureMatch)
    }
}

getters!(PyGestureClassifier, |this| {
    /// Template names in insertion order.
    template_names: Vec<String>,
});

// ---------------------------------------------------------------------------------------------
// Fusion

/// Nodes fused by link quality: `fused` (the weighted mean vector), `weights` (summing to 1)
/// and `coherence` ((Σw)²/(N Σw²) in [1/N, 1]; 1 when all nodes count equally).
#[pyclass(module = "wifi_densepose._core", name = "FusedFrame", frozen)]
pub struct PyFusedFrame(wifi_densepose_sensing::FusedFrame);

getters!(PyFusedFrame, |this| {
    fused(py): PyResult<Bound<'py, PyArray1<f64>>> = readonly_array(py, Array1::from(this.0.fused.clone())),
    weights(py): PyResult<Bound<'py, PyArray1<f64>>> = readonly_array(py, Array1::from(this.0.weights.clone())),
    coherence: f64 = this.0.coherence,
});

/// Fuses node vectors `frames` `[nodes, width]` measuring the same quantity, weighting node
/// `i` by `1 / noise_variance[i]` (minimum-variance combination for independent noise).
#[pyfunction]
#[pyo3(name = "fuse_nodes")]
fn fuse_node_frames(
    frames: &Bound<'_, PyAny>,
    noise_variance: &Bound<'_, PyAny>,
) -> PyResult<PyFusedFrame> {
    let f = f64_array::<Ix2>(frames, "frames")?;
    let fv = f.as_array();
    let v = f64_array::<Ix1>(noise_variance, "noise_variance")?;
    let vv = v.as_array();
    if fv.nrows() != vv.len() {
        return Err(shape_error(
            "noise_variance",
            format!("{} values (one per row of frames)", fv.nrows()),
            vv.len(),
        ));
    }
    fuse_nodes(&flat(&fv), fv.ncols(), &flat(&vv))
        .or_raise()
        .map(PyFusedFrame)
}

/// How evenly nodes `[n, 2]` surround their centroid: `min(1, (2π/n) / largest bearing gap)`
/// (1 for nodes evenly on a circle, 0 for fewer than two nodes).
#[pyfunction]
#[pyo3(name = "geometric_diversity")]
fn node_geometric_diversity(positions: &Bound<'_, PyAny>) -> PyResult<f64> {
    geometric_diversity(&points(positions, "positions")?).or_raise()
}

/// For each grid time `t0_s + k·dt_s` (`k < n`), the index of the nearest frame of
/// `timestamps_s` (seconds, strictly increasing) within `max_offset_s`, each frame used at
/// most once; -1 where there is none. Aligns nodes' irregular frames on a common time grid.
#[pyfunction]
#[pyo3(name = "nearest_frames")]
fn align_nearest_frames<'py>(
    py: Python<'py>,
    timestamps_s: &Bound<'py, PyAny>,
    t0_s: f64,
    dt_s: f64,
    n: usize,
    max_offset_s: f64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let ts = f64_array::<Ix1>(timestamps_s, "timestamps_s")?;
    let view = ts.as_array();
    let picks = nearest_frames(&flat(&view), t0_s, dt_s, n, max_offset_s).or_raise()?;
    readonly_array(
        py,
        picks
            .into_iter()
            .map(|p| p.map_or(-1, |i| i as i64))
            .collect::<Array1<i64>>(),
    )
}

// ---------------------------------------------------------------------------------------------
// Simulator

/// One link's recording: (timestamps_s `[frames]`, amplitudes `[frames, subcarriers]`).
type LinkArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>);

/// A simulated 5 m × 4 m room with four wall nodes (six links), `walkers` people walking and
/// `sitters` sitting still and breathing; int8 CSI amplitudes (56 subcarriers) with ESP32-like
/// irregular frame timing (25–105 ms, 2 % gaps up to 260 ms). The same `room_seed` gives the
/// same room; `seed` drives the people, noise and timing. For tests and demonstrations.
#[pyclass(module = "wifi_densepose._core", name = "RoomSimulation")]
pub struct PyRoomSimulation(Simulation);

#[pymethods]
impl PyRoomSimulation {
    #[new]
    #[pyo3(signature = (walkers=0, sitters=0, *, room_seed=0, seed=0))]
    fn new(walkers: usize, sitters: usize, room_seed: u64, seed: u64) -> PyResult<Self> {
        if walkers + sitters > 10 {
            return Err(validation_error(
                "walkers",
                format!("at most 10 people in total, got {}", walkers + sitters),
            ));
        }
        Ok(PyRoomSimulation(Simulation::new(
            Scenario::room_with_people(walkers, sitters, room_seed, seed),
        )))
    }

    /// Everyone's position `[people, 2]` (metres) at `t_s` seconds: walkers first.
    fn people_at<'py>(&self, py: Python<'py>, t_s: f64) -> PyResult<Bound<'py, PyArray2<f64>>> {
        if !t_s.is_finite() {
            return Err(validation_error(
                "t_s",
                format!("must be finite, got {t_s}"),
            ));
        }
        let p = self.0.people_at(t_s);
        let data: Vec<f64> = p.iter().flatten().copied().collect();
        readonly_array(
            py,
            Array2::from_shape_vec((p.len(), 2), data)
                .map_err(|e| shape_error("people", "a regular array", e))?,
        )
    }

    /// Records `duration_s` seconds from `start_s`: per link a pair (`timestamps_s`
    /// `[frames]`, `amplitudes` `[frames, 56]`).
    fn record<'py>(
        &mut self,
        py: Python<'py>,
        start_s: f64,
        duration_s: f64,
    ) -> PyResult<Vec<LinkArrays<'py>>> {
        if !(start_s.is_finite() && duration_s.is_finite() && (0.0..=3600.0).contains(&duration_s))
        {
            return Err(validation_error(
                "duration_s",
                format!("must be in [0, 3600] seconds with a finite start, got {duration_s}"),
            ));
        }
        let sim = &mut self.0;
        let recs = py.detach(|| sim.record(start_s, duration_s));
        let s = self.0.scenario().n_subcarriers;
        recs.into_iter()
            .map(|r| {
                let n = r.timestamps_s.len();
                let amps = Array2::from_shape_vec((n, s), r.amplitudes)
                    .map_err(|e| shape_error("amplitudes", "a regular array", e))?;
                Ok((
                    readonly_array(py, Array1::from(r.timestamps_s))?,
                    readonly_array(py, amps)?,
                ))
            })
            .collect()
    }
}

getters!(PyRoomSimulation, |this| {
    /// Node positions `[n, 2]`, metres.
    nodes(py): PyResult<Bound<'py, PyArray2<f64>>> = {
        let nodes = &this.0.scenario().nodes;
        let data: Vec<f64> = nodes.iter().flatten().copied().collect();
        readonly_array(
            py,
            Array2::from_shape_vec((nodes.len(), 2), data)
                .map_err(|e| shape_error("nodes", "a regular array", e))?,
        )
    },

    /// Room size (x, y), metres.
    room: (f64, f64) = {
        let r = this.0.scenario().room;
        (r[0], r[1])
    },

    /// Node pairs `(i, j)` of the links, in `record` order.
    links: Vec<(usize, usize)> = this.0.links().to_vec(),
});

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyComponentCount>()?;
    m.add_class::<PyOccupancy>()?;
    m.add_class::<PyFieldModel>()?;
    m.add_class::<PyTomographer>()?;
    m.add_class::<PyTrack>()?;
    m.add_class::<PyTracker>()?;
    m.add_class::<PyGestureMatch>()?;
    m.add_class::<PyGestureClassifier>()?;
    m.add_class::<PyFusedFrame>()?;
    m.add_class::<PyRoomSimulation>()?;
    m.add_function(wrap_pyfunction!(count_window_components, m)?)?;
    m.add_function(wrap_pyfunction!(dtw_distance, m)?)?;
    m.add_function(wrap_pyfunction!(fuse_node_frames, m)?)?;
    m.add_function(wrap_pyfunction!(node_geometric_diversity, m)?)?;
    m.add_function(wrap_pyfunction!(align_nearest_frames, m)?)?;
    Ok(())
}
