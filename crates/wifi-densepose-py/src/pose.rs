//! Pose types: `Confidence`, `Keypoint`, `BoundingBox`, `PersonPose`, `PoseEstimate`.
//!
//! `KeypointType` is a Python `IntEnum` (`wifi_densepose._keypoints`); keypoint kinds cross the
//! boundary as their COCO index.

use ndarray::Array1;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use wifi_densepose_core::{
    BoundingBox, Confidence, Keypoint, KeypointType, PersonPose, PoseEstimate,
};

use crate::arrays::readonly_array;
use crate::errors::OrRaise;
use crate::frame::PyTimestamp;
use crate::getters::getters;
use crate::serialize::serde_methods;

static KEYPOINT_TYPE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python `KeypointType` member for a Rust keypoint kind.
fn keypoint_type_to_py<'py>(py: Python<'py>, kind: KeypointType) -> PyResult<Bound<'py, PyAny>> {
    let enum_type = KEYPOINT_TYPE.get_or_try_init(py, || {
        PyModule::import(py, "wifi_densepose._keypoints")?
            .getattr("KeypointType")
            .map(Bound::unbind)
    })?;
    enum_type.bind(py).call1((kind.index(),))
}

/// Any int-like (a `KeypointType` member or a plain index) as a keypoint kind.
fn keypoint_type_from_py(kind: &Bound<'_, PyAny>) -> PyResult<KeypointType> {
    // `operator.index` semantics: a KeypointType, an int or anything with `__index__`; any
    // other type (a float, None) is a TypeError naming the expected type.
    let index = kind.call_method0("__index__").map_err(|_| {
        let got = kind
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        pyo3::exceptions::PyTypeError::new_err(format!(
            "kind: expected a KeypointType or an int, got {got}"
        ))
    })?;
    let index: i64 = index.extract()?;
    KeypointType::from_index(index).or_raise()
}

/// A float or a `Confidence`, validated to [0, 1].
pub fn confidence_from_py(value: &Bound<'_, PyAny>) -> PyResult<Confidence> {
    if let Ok(c) = value.cast::<PyConfidence>() {
        return Ok(c.get().0);
    }
    Confidence::new(value.extract::<f64>()?).or_raise()
}

/// A score in [0, 1]; NaN, ±Inf and values outside the range raise `ValidationError`.
#[pyclass(
    module = "wifi_densepose._core",
    name = "Confidence",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyConfidence(pub Confidence);

serde_methods!(PyConfidence(Confidence, "Confidence"), ordered);

#[pymethods]
impl PyConfidence {
    #[new]
    #[pyo3(signature = (value=0.0))]
    fn new(value: f64) -> PyResult<Self> {
        Confidence::new(value).or_raise().map(PyConfidence)
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn MIN() -> Self {
        PyConfidence(Confidence::MIN)
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn MAX() -> Self {
        PyConfidence(Confidence::MAX)
    }

    fn __float__(&self) -> f64 {
        self.0.value()
    }

    /// At least 0.5.
    fn is_high(&self) -> bool {
        self.0.is_high()
    }

    /// At least `threshold`.
    fn exceeds(&self, threshold: f64) -> bool {
        self.0.exceeds(threshold)
    }

    fn __repr__(&self) -> String {
        format!("Confidence({:?})", self.0.value())
    }
}

getters!(PyConfidence, |this| {
    value: f64,
});

/// One body keypoint: image position (x, y), optional depth z, and confidence.
#[pyclass(
    module = "wifi_densepose._core",
    name = "Keypoint",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyKeypoint(pub Keypoint);

serde_methods!(PyKeypoint(Keypoint, "Keypoint"), hashable);

#[pymethods]
impl PyKeypoint {
    #[new]
    #[pyo3(signature = (kind, x, y, confidence, z=None))]
    fn new(
        kind: &Bound<'_, PyAny>,
        x: f64,
        y: f64,
        confidence: &Bound<'_, PyAny>,
        z: Option<f64>,
    ) -> PyResult<Self> {
        Keypoint::new(
            keypoint_type_from_py(kind)?,
            x,
            y,
            confidence_from_py(confidence)?,
            z,
        )
        .or_raise()
        .map(PyKeypoint)
    }

    /// Confidence of at least 0.5.
    fn is_visible(&self) -> bool {
        self.0.is_visible()
    }

    /// Euclidean distance; 3-D when both keypoints have z.
    fn distance_to(&self, other: &PyKeypoint) -> f64 {
        self.0.distance_to(&other.0)
    }

    fn __repr__(&self) -> String {
        let z = self.0.z().map_or(String::new(), |z| format!(", z={z:?}"));
        format!(
            "Keypoint({}, x={:?}, y={:?}{z}, confidence={:?})",
            self.0.kind().label(),
            self.0.x(),
            self.0.y(),
            self.0.confidence().value()
        )
    }
}

getters!(PyKeypoint, |this| {
    kind(py): PyResult<Bound<'py, PyAny>> = keypoint_type_to_py(py, this.0.kind()),
    x: f64,
    y: f64,
    z: Option<f64>,
    confidence: PyConfidence = PyConfidence(this.0.confidence()),
    position_2d: (f64, f64),

    /// (x, y, z), or None without depth.
    position_3d: Option<(f64, f64, f64)>,
});

/// An axis-aligned box with inclusive edges.
#[pyclass(
    module = "wifi_densepose._core",
    name = "BoundingBox",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyBoundingBox(pub BoundingBox);

serde_methods!(PyBoundingBox(BoundingBox, "BoundingBox"), hashable);

#[pymethods]
impl PyBoundingBox {
    #[new]
    fn new(x_min: f64, y_min: f64, x_max: f64, y_max: f64) -> PyResult<Self> {
        BoundingBox::new(x_min, y_min, x_max, y_max)
            .or_raise()
            .map(PyBoundingBox)
    }

    /// A `width` x `height` box (both >= 0) centred on (cx, cy).
    #[classmethod]
    fn from_center(
        _cls: &Bound<'_, PyType>,
        cx: f64,
        cy: f64,
        width: f64,
        height: f64,
    ) -> PyResult<Self> {
        BoundingBox::from_center(cx, cy, width, height)
            .or_raise()
            .map(PyBoundingBox)
    }

    /// Intersection over union in [0, 1]; boxes that only touch give 0.
    fn iou(&self, other: &PyBoundingBox) -> f64 {
        self.0.iou(&other.0)
    }

    /// Whether (x, y) lies inside or on an edge.
    fn contains(&self, x: f64, y: f64) -> bool {
        self.0.contains(x, y)
    }

    fn __repr__(&self) -> String {
        format!(
            "BoundingBox(x_min={:?}, y_min={:?}, x_max={:?}, y_max={:?})",
            self.0.x_min(),
            self.0.y_min(),
            self.0.x_max(),
            self.0.y_max()
        )
    }
}

getters!(PyBoundingBox, |this| {
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
    width: f64,
    height: f64,
    area: f64,
    center: (f64, f64),
});

/// One person: 17 optional COCO keypoint slots, a confidence and an optional box. Mutable.
#[pyclass(module = "wifi_densepose._core", name = "PersonPose", from_py_object)]
#[derive(Clone)]
pub struct PyPersonPose(pub PersonPose);

serde_methods!(PyPersonPose(PersonPose, "PersonPose"), mutable);

#[pymethods]
impl PyPersonPose {
    #[new]
    #[pyo3(signature = (id=None, confidence=None, bounding_box=None))]
    fn new(
        id: Option<u64>,
        confidence: Option<&Bound<'_, PyAny>>,
        bounding_box: Option<PyBoundingBox>,
    ) -> PyResult<Self> {
        let confidence = confidence
            .map(confidence_from_py)
            .transpose()?
            .unwrap_or_default();
        Ok(PyPersonPose(PersonPose::new(
            id,
            confidence,
            bounding_box.map(|b| b.0),
        )))
    }

    #[setter]
    fn set_confidence(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set_confidence(confidence_from_py(value)?);
        Ok(())
    }

    #[setter]
    fn set_bounding_box(&mut self, value: Option<PyBoundingBox>) {
        self.0.set_bounding_box(value.map(|b| b.0));
    }

    /// Stores `keypoint` in the slot of its kind, replacing what was there.
    fn set_keypoint(&mut self, keypoint: PyKeypoint) {
        self.0.set_keypoint(keypoint.0);
    }

    /// The keypoint in the slot of `kind`, or None.
    fn get_keypoint(&self, kind: &Bound<'_, PyAny>) -> PyResult<Option<PyKeypoint>> {
        Ok(self
            .0
            .get_keypoint(keypoint_type_from_py(kind)?)
            .map(PyKeypoint))
    }

    /// Keypoints with confidence >= 0.5, in COCO order.
    fn visible_keypoints(&self) -> Vec<PyKeypoint> {
        self.0
            .visible_keypoints()
            .into_iter()
            .map(PyKeypoint)
            .collect()
    }

    fn visible_keypoint_count(&self) -> usize {
        self.0.visible_keypoint_count()
    }

    /// The min/max box of the visible keypoints, or None.
    fn compute_bounding_box(&self) -> Option<PyBoundingBox> {
        self.0.compute_bounding_box().map(PyBoundingBox)
    }

    /// float32[51]: x, y, confidence per slot; zeros for empty slots.
    fn to_flat_array<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        readonly_array(py, Array1::from(self.0.to_flat_array().to_vec()))
    }

    fn __repr__(&self) -> String {
        format!(
            "PersonPose(id={}, confidence={:?}, visible_keypoints={}, bounding_box={})",
            self.0.id().map_or("None".to_string(), |i| i.to_string()),
            self.0.confidence().value(),
            self.0.visible_keypoint_count(),
            if self.0.bounding_box().is_some() {
                "BoundingBox(...)"
            } else {
                "None"
            }
        )
    }
}

getters!(PyPersonPose, |this| {
    id: Option<u64>,
    get_confidence: PyConfidence = PyConfidence(this.0.confidence()),
    get_bounding_box: Option<PyBoundingBox> = this.0.bounding_box().map(PyBoundingBox),

    /// The 17 slots in COCO order (None where empty).
    keypoints: Vec<Option<PyKeypoint>> = {
        this.0
            .keypoints()
            .iter()
            .map(|k| k.map(PyKeypoint))
            .collect()
    },
});

/// The persons of one inference, with model version, latency (ms) and provenance.
#[pyclass(
    module = "wifi_densepose._core",
    name = "PoseEstimate",
    frozen,
    from_py_object
)]
#[derive(Clone)]
pub struct PyPoseEstimate(pub PoseEstimate);

serde_methods!(PyPoseEstimate(PoseEstimate, "PoseEstimate"), hashable);

#[pymethods]
impl PyPoseEstimate {
    #[new]
    #[pyo3(signature = (persons, confidence, latency_ms, model_version, source_signal_ids=Vec::new(), id=None, timestamp=None))]
    fn new(
        persons: Vec<PyPersonPose>,
        confidence: &Bound<'_, PyAny>,
        latency_ms: f64,
        model_version: String,
        source_signal_ids: Vec<String>,
        id: Option<String>,
        timestamp: Option<PyTimestamp>,
    ) -> PyResult<Self> {
        PoseEstimate::new(
            persons.into_iter().map(|p| p.0).collect(),
            confidence_from_py(confidence)?,
            latency_ms,
            model_version,
            source_signal_ids,
            id,
            timestamp.map(|t| t.0),
        )
        .or_raise()
        .map(PyPoseEstimate)
    }

    /// The most confident person (ties: the last one), or None.
    fn highest_confidence_person(&self) -> Option<PyPersonPose> {
        self.0
            .highest_confidence_person()
            .cloned()
            .map(PyPersonPose)
    }

    fn __repr__(&self) -> String {
        format!(
            "PoseEstimate(id={:?}, persons={}, confidence={:?}, latency_ms={:?}, model_version={:?})",
            self.0.id(),
            self.0.person_count(),
            self.0.confidence().value(),
            self.0.latency_ms(),
            self.0.model_version()
        )
    }
}

getters!(PyPoseEstimate, |this| {
    id: &str,

    /// Copies of the persons (editing them does not change this estimate).
    persons: Vec<PyPersonPose> = this.0.persons().iter().cloned().map(PyPersonPose).collect(),

    confidence: PyConfidence = PyConfidence(this.0.confidence()),

    /// Inference latency in milliseconds.
    latency_ms: f64,

    model_version: &str,
    source_signal_ids: Vec<String> = this.0.source_signal_ids().to_vec(),
    timestamp: PyTimestamp = PyTimestamp(this.0.timestamp()),
    person_count: usize,
    has_detections: bool,
});

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConfidence>()?;
    m.add_class::<PyKeypoint>()?;
    m.add_class::<PyBoundingBox>()?;
    m.add_class::<PyPersonPose>()?;
    m.add_class::<PyPoseEstimate>()?;
    m.add("MAX_KEYPOINTS", wifi_densepose_core::MAX_KEYPOINTS)?;
    m.add("MAX_SUBCARRIERS", wifi_densepose_core::MAX_SUBCARRIERS)?;
    m.add(
        "DEFAULT_CONFIDENCE_THRESHOLD",
        wifi_densepose_core::DEFAULT_CONFIDENCE_THRESHOLD,
    )?;
    Ok(())
}
