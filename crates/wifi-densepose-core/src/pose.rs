//! Pose types: confidence, COCO-17 keypoints, bounding boxes, persons and estimates.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::metadata::Timestamp;
use crate::validate::{ensure_finite_scalar, ensure_in_range};

/// Number of COCO keypoints per person.
pub const MAX_KEYPOINTS: usize = 17;
/// Confidence at and above which a keypoint counts as visible.
pub const DEFAULT_CONFIDENCE_THRESHOLD: f64 = 0.5;

/// A probability-like score in `[0, 1]`. Validated on every path, deserialisation included.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Confidence(f64);

impl Confidence {
    pub const MIN: Confidence = Confidence(0.0);
    pub const MAX: Confidence = Confidence(1.0);

    pub fn new(value: f64) -> CoreResult<Self> {
        ensure_in_range("confidence", value, 0.0, 1.0)?;
        Ok(Confidence(value))
    }

    pub fn value(self) -> f64 {
        self.0
    }

    /// At least [`DEFAULT_CONFIDENCE_THRESHOLD`].
    pub fn is_high(self) -> bool {
        self.0 >= DEFAULT_CONFIDENCE_THRESHOLD
    }

    pub fn exceeds(self, threshold: f64) -> bool {
        self.0 >= threshold
    }
}

impl TryFrom<f64> for Confidence {
    type Error = CoreError;
    fn try_from(v: f64) -> CoreResult<Self> {
        Confidence::new(v)
    }
}

impl From<Confidence> for f64 {
    fn from(c: Confidence) -> f64 {
        c.0
    }
}

/// The 17 COCO keypoints, in COCO order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "KeypointTypeRepr")]
pub enum KeypointType {
    Nose,
    LeftEye,
    RightEye,
    LeftEar,
    RightEar,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
}

/// JSON and dicts name a keypoint (`"nose"`); an integer COCO index is accepted too.
#[derive(Deserialize)]
#[serde(untagged)]
enum KeypointTypeRepr {
    Index(i64),
    Name(String),
}

impl TryFrom<KeypointTypeRepr> for KeypointType {
    type Error = CoreError;
    fn try_from(repr: KeypointTypeRepr) -> CoreResult<Self> {
        match repr {
            KeypointTypeRepr::Index(i) => KeypointType::from_index(i),
            KeypointTypeRepr::Name(name) => KeypointType::LABELS
                .iter()
                .position(|&label| label == name)
                .map(|i| KeypointType::ALL[i])
                .ok_or_else(|| {
                    CoreError::validation("keypoint_type", format!("Invalid keypoint type: {name}"))
                }),
        }
    }
}

impl KeypointType {
    pub const ALL: [KeypointType; MAX_KEYPOINTS] = [
        KeypointType::Nose,
        KeypointType::LeftEye,
        KeypointType::RightEye,
        KeypointType::LeftEar,
        KeypointType::RightEar,
        KeypointType::LeftShoulder,
        KeypointType::RightShoulder,
        KeypointType::LeftElbow,
        KeypointType::RightElbow,
        KeypointType::LeftWrist,
        KeypointType::RightWrist,
        KeypointType::LeftHip,
        KeypointType::RightHip,
        KeypointType::LeftKnee,
        KeypointType::RightKnee,
        KeypointType::LeftAnkle,
        KeypointType::RightAnkle,
    ];

    pub const LABELS: [&'static str; MAX_KEYPOINTS] = [
        "nose",
        "left_eye",
        "right_eye",
        "left_ear",
        "right_ear",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
    ];

    pub fn from_index(index: i64) -> CoreResult<Self> {
        usize::try_from(index)
            .ok()
            .and_then(|i| KeypointType::ALL.get(i).copied())
            .ok_or_else(|| {
                CoreError::validation("keypoint_type", format!("Invalid keypoint type: {index}"))
            })
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label(self) -> &'static str {
        KeypointType::LABELS[self.index()]
    }

    pub fn is_face(self) -> bool {
        self.index() <= 4
    }

    pub fn is_upper_body(self) -> bool {
        (5..=10).contains(&self.index())
    }

    pub fn is_lower_body(self) -> bool {
        self.index() >= 11
    }
}

/// One detected body keypoint: image-plane position, optional depth, confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KeypointFields")]
pub struct Keypoint {
    kind: KeypointType,
    x: f64,
    y: f64,
    z: Option<f64>,
    confidence: Confidence,
}

#[derive(Deserialize)]
struct KeypointFields {
    kind: KeypointType,
    x: f64,
    y: f64,
    #[serde(default)]
    z: Option<f64>,
    confidence: Confidence,
}

impl TryFrom<KeypointFields> for Keypoint {
    type Error = CoreError;
    fn try_from(f: KeypointFields) -> CoreResult<Self> {
        Keypoint::new(f.kind, f.x, f.y, f.confidence, f.z)
    }
}

impl Keypoint {
    /// x, y (and z when given) must be finite.
    pub fn new(
        kind: KeypointType,
        x: f64,
        y: f64,
        confidence: Confidence,
        z: Option<f64>,
    ) -> CoreResult<Self> {
        ensure_finite_scalar("x", x)?;
        ensure_finite_scalar("y", y)?;
        if let Some(z) = z {
            ensure_finite_scalar("z", z)?;
        }
        Ok(Keypoint {
            kind,
            x,
            y,
            z,
            confidence,
        })
    }

    pub fn kind(&self) -> KeypointType {
        self.kind
    }
    pub fn x(&self) -> f64 {
        self.x
    }
    pub fn y(&self) -> f64 {
        self.y
    }
    pub fn z(&self) -> Option<f64> {
        self.z
    }
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }

    pub fn is_visible(&self) -> bool {
        self.confidence.is_high()
    }

    pub fn position_2d(&self) -> (f64, f64) {
        (self.x, self.y)
    }

    pub fn position_3d(&self) -> Option<(f64, f64, f64)> {
        self.z.map(|z| (self.x, self.y, z))
    }

    /// Euclidean distance: 3-D when both points have z, else 2-D.
    pub fn distance_to(&self, other: &Keypoint) -> f64 {
        let dx = self.x - other.x;
        let dy = self.y - other.y;
        match (self.z, other.z) {
            (Some(a), Some(b)) => (dx * dx + dy * dy + (a - b) * (a - b)).sqrt(),
            _ => dx.hypot(dy),
        }
    }
}

/// An axis-aligned box with inclusive edges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BoxFields")]
pub struct BoundingBox {
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

#[derive(Deserialize)]
struct BoxFields {
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

impl TryFrom<BoxFields> for BoundingBox {
    type Error = CoreError;
    fn try_from(f: BoxFields) -> CoreResult<Self> {
        BoundingBox::new(f.x_min, f.y_min, f.x_max, f.y_max)
    }
}

impl BoundingBox {
    /// All finite, `x_min <= x_max` and `y_min <= y_max`.
    pub fn new(x_min: f64, y_min: f64, x_max: f64, y_max: f64) -> CoreResult<Self> {
        for (field, v) in [
            ("x_min", x_min),
            ("y_min", y_min),
            ("x_max", x_max),
            ("y_max", y_max),
        ] {
            ensure_finite_scalar(field, v)?;
        }
        if x_min > x_max {
            return Err(CoreError::validation(
                "x_min",
                format!("{x_min} is greater than x_max {x_max}"),
            ));
        }
        if y_min > y_max {
            return Err(CoreError::validation(
                "y_min",
                format!("{y_min} is greater than y_max {y_max}"),
            ));
        }
        Ok(BoundingBox {
            x_min,
            y_min,
            x_max,
            y_max,
        })
    }

    /// A box of `width` × `height` (both ≥ 0) centred on (cx, cy).
    pub fn from_center(cx: f64, cy: f64, width: f64, height: f64) -> CoreResult<Self> {
        for (field, v) in [("width", width), ("height", height)] {
            ensure_finite_scalar(field, v)?;
            if v < 0.0 {
                return Err(CoreError::validation(
                    field,
                    format!("must be >= 0, got {v}"),
                ));
            }
        }
        BoundingBox::new(
            cx - width / 2.0,
            cy - height / 2.0,
            cx + width / 2.0,
            cy + height / 2.0,
        )
    }

    pub fn x_min(&self) -> f64 {
        self.x_min
    }
    pub fn y_min(&self) -> f64 {
        self.y_min
    }
    pub fn x_max(&self) -> f64 {
        self.x_max
    }
    pub fn y_max(&self) -> f64 {
        self.y_max
    }
    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }
    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }
    pub fn center(&self) -> (f64, f64) {
        (
            (self.x_min + self.x_max) / 2.0,
            (self.y_min + self.y_max) / 2.0,
        )
    }

    /// Intersection over union; touching edges and empty unions give 0.
    pub fn iou(&self, other: &BoundingBox) -> f64 {
        let iw = self.x_max.min(other.x_max) - self.x_min.max(other.x_min);
        let ih = self.y_max.min(other.y_max) - self.y_min.max(other.y_min);
        if iw <= 0.0 || ih <= 0.0 {
            return 0.0;
        }
        let intersection = iw * ih;
        let union = self.area() + other.area() - intersection;
        if union <= 0.0 {
            0.0
        } else {
            intersection / union
        }
    }

    /// Inclusive on all edges.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        (self.x_min..=self.x_max).contains(&x) && (self.y_min..=self.y_max).contains(&y)
    }
}

/// One person: 17 optional keypoint slots, an overall confidence and an optional box.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "PersonFields")]
pub struct PersonPose {
    id: Option<u64>,
    confidence: Confidence,
    bounding_box: Option<BoundingBox>,
    keypoints: [Option<Keypoint>; MAX_KEYPOINTS],
}

#[derive(Deserialize)]
struct PersonFields {
    #[serde(default)]
    id: Option<u64>,
    confidence: Confidence,
    #[serde(default)]
    bounding_box: Option<BoundingBox>,
    keypoints: Vec<Option<Keypoint>>,
}

impl TryFrom<PersonFields> for PersonPose {
    type Error = CoreError;
    fn try_from(f: PersonFields) -> CoreResult<Self> {
        if f.keypoints.len() != MAX_KEYPOINTS {
            return Err(CoreError::shape(
                "keypoints",
                format!("{MAX_KEYPOINTS} slots"),
                f.keypoints.len(),
            ));
        }
        let mut pose = PersonPose::new(f.id, f.confidence, f.bounding_box);
        for (slot, kp) in f.keypoints.into_iter().enumerate() {
            if let Some(kp) = kp {
                if kp.kind.index() != slot {
                    return Err(CoreError::validation(
                        "keypoints",
                        format!("slot {slot} holds a {} keypoint", kp.kind.label()),
                    ));
                }
                pose.set_keypoint(kp);
            }
        }
        Ok(pose)
    }
}

impl PersonPose {
    pub fn new(id: Option<u64>, confidence: Confidence, bounding_box: Option<BoundingBox>) -> Self {
        PersonPose {
            id,
            confidence,
            bounding_box,
            keypoints: [None; MAX_KEYPOINTS],
        }
    }

    pub fn id(&self) -> Option<u64> {
        self.id
    }
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    pub fn set_confidence(&mut self, confidence: Confidence) {
        self.confidence = confidence;
    }
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        self.bounding_box
    }
    pub fn set_bounding_box(&mut self, bounding_box: Option<BoundingBox>) {
        self.bounding_box = bounding_box;
    }

    /// Stores `kp` in the slot of its kind, replacing what was there.
    pub fn set_keypoint(&mut self, kp: Keypoint) {
        self.keypoints[kp.kind.index()] = Some(kp);
    }

    pub fn get_keypoint(&self, kind: KeypointType) -> Option<Keypoint> {
        self.keypoints[kind.index()]
    }

    pub fn keypoints(&self) -> &[Option<Keypoint>; MAX_KEYPOINTS] {
        &self.keypoints
    }

    /// Keypoints with confidence ≥ 0.5, in COCO order.
    pub fn visible_keypoints(&self) -> Vec<Keypoint> {
        self.keypoints
            .iter()
            .flatten()
            .filter(|k| k.is_visible())
            .copied()
            .collect()
    }

    pub fn visible_keypoint_count(&self) -> usize {
        self.keypoints
            .iter()
            .flatten()
            .filter(|k| k.is_visible())
            .count()
    }

    /// The min/max box of the visible keypoints, or `None` when none is visible.
    pub fn compute_bounding_box(&self) -> Option<BoundingBox> {
        let visible = self.visible_keypoints();
        let first = visible.first()?;
        let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x, first.y);
        for k in &visible[1..] {
            x0 = x0.min(k.x);
            y0 = y0.min(k.y);
            x1 = x1.max(k.x);
            y1 = y1.max(k.y);
        }
        BoundingBox::new(x0, y0, x1, y1).ok()
    }

    /// `[x0, y0, c0, x1, y1, c1, …]` over the 17 slots; zeros for empty slots.
    pub fn to_flat_array(&self) -> [f32; MAX_KEYPOINTS * 3] {
        let mut out = [0.0f32; MAX_KEYPOINTS * 3];
        for (slot, kp) in self.keypoints.iter().enumerate() {
            if let Some(k) = kp {
                out[slot * 3] = k.x as f32;
                out[slot * 3 + 1] = k.y as f32;
                out[slot * 3 + 2] = k.confidence.value() as f32;
            }
        }
        out
    }
}

/// The persons found in one inference, with provenance and latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EstimateFields")]
pub struct PoseEstimate {
    id: String,
    persons: Vec<PersonPose>,
    confidence: Confidence,
    latency_ms: f64,
    model_version: String,
    source_signal_ids: Vec<String>,
    timestamp: Timestamp,
}

#[derive(Deserialize)]
struct EstimateFields {
    id: String,
    persons: Vec<PersonPose>,
    confidence: Confidence,
    latency_ms: f64,
    model_version: String,
    #[serde(default)]
    source_signal_ids: Vec<String>,
    timestamp: Timestamp,
}

impl TryFrom<EstimateFields> for PoseEstimate {
    type Error = CoreError;
    fn try_from(f: EstimateFields) -> CoreResult<Self> {
        PoseEstimate::new(
            f.persons,
            f.confidence,
            f.latency_ms,
            f.model_version,
            f.source_signal_ids,
            Some(f.id),
            Some(f.timestamp),
        )
    }
}

impl PoseEstimate {
    /// `id` defaults to a random UUID-4, `timestamp` to now; `latency_ms` finite and ≥ 0.
    pub fn new(
        persons: Vec<PersonPose>,
        confidence: Confidence,
        latency_ms: f64,
        model_version: String,
        source_signal_ids: Vec<String>,
        id: Option<String>,
        timestamp: Option<Timestamp>,
    ) -> CoreResult<Self> {
        ensure_finite_scalar("latency_ms", latency_ms)?;
        if latency_ms < 0.0 {
            return Err(CoreError::validation(
                "latency_ms",
                format!("must be >= 0, got {latency_ms}"),
            ));
        }
        Ok(PoseEstimate {
            id: id.unwrap_or_else(uuid4),
            persons,
            confidence,
            latency_ms,
            model_version,
            source_signal_ids,
            timestamp: timestamp.unwrap_or_else(Timestamp::now),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn persons(&self) -> &[PersonPose] {
        &self.persons
    }
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    pub fn latency_ms(&self) -> f64 {
        self.latency_ms
    }
    pub fn model_version(&self) -> &str {
        &self.model_version
    }
    pub fn source_signal_ids(&self) -> &[String] {
        &self.source_signal_ids
    }
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }
    pub fn person_count(&self) -> usize {
        self.persons.len()
    }
    pub fn has_detections(&self) -> bool {
        !self.persons.is_empty()
    }

    /// The most confident person; on ties the last one wins (RuView compatibility).
    pub fn highest_confidence_person(&self) -> Option<&PersonPose> {
        self.persons
            .iter()
            .fold(None, |best: Option<&PersonPose>, p| match best {
                Some(b) if b.confidence > p.confidence => Some(b),
                _ => Some(p),
            })
    }
}

/// A random RFC 4122 version-4 UUID string.
fn uuid4() -> String {
    let mut b = [0u8; 16];
    // An OS without a random source still gets a unique-enough id from the clock.
    if getrandom::fill(&mut b).is_err() {
        b = Timestamp::now().as_nanos().to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kp(kind: KeypointType, x: f64, y: f64, c: f64) -> Keypoint {
        Keypoint::new(kind, x, y, Confidence::new(c).unwrap(), None).unwrap()
    }

    #[test]
    fn confidence_bounds() {
        for ok in [0.5, 0.0, 1.0] {
            assert!(Confidence::new(ok).is_ok());
        }
        for bad in [-0.1, 1.1, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(Confidence::new(bad).is_err());
        }
        assert!(Confidence::new(0.8).unwrap().is_high());
        assert!(!Confidence::new(0.3).unwrap().is_high());
        for bad in ["-1", "-1e-9", "1.000000001", "2"] {
            assert!(serde_json::from_str::<Confidence>(bad).is_err(), "{bad}");
        }
        let nested = r#"{"kind":"nose","x":0,"y":0,"confidence":1.5}"#;
        assert!(serde_json::from_str::<Keypoint>(nested).is_err());
    }

    #[test]
    fn keypoint_distances() {
        let a = kp(KeypointType::Nose, 0.0, 0.0, 1.0);
        let b = kp(KeypointType::Nose, 3.0, 4.0, 1.0);
        assert!((a.distance_to(&b) - 5.0).abs() < 1e-3);
        let a3 = Keypoint::new(KeypointType::Nose, 0.0, 0.0, Confidence::MAX, Some(0.0)).unwrap();
        let b3 = Keypoint::new(KeypointType::Nose, 3.0, 4.0, Confidence::MAX, Some(12.0)).unwrap();
        assert!((a3.distance_to(&b3) - 13.0).abs() < 1e-12);
        assert!(matches!(
            Keypoint::new(KeypointType::Nose, f64::NAN, 0.0, Confidence::MAX, None),
            Err(CoreError::NonFinite { .. })
        ));
    }

    #[test]
    fn keypoint_types() {
        assert_eq!(KeypointType::from_index(0).unwrap(), KeypointType::Nose);
        assert_eq!(
            KeypointType::from_index(16).unwrap(),
            KeypointType::RightAnkle
        );
        let e = KeypointType::from_index(17).unwrap_err();
        assert!(e.to_string().contains("Invalid keypoint type: 17"));
        assert!(KeypointType::LeftEar.is_face() && KeypointType::RightWrist.is_upper_body());
        assert!(KeypointType::LeftHip.is_lower_body());
        assert_eq!(
            serde_json::to_string(&KeypointType::LeftShoulder).unwrap(),
            "\"left_shoulder\""
        );
        assert_eq!(
            serde_json::from_str::<KeypointType>("\"left_shoulder\"").unwrap(),
            KeypointType::LeftShoulder
        );
        assert_eq!(
            serde_json::from_str::<KeypointType>("16").unwrap(),
            KeypointType::RightAnkle
        );
        assert!(serde_json::from_str::<KeypointType>("17").is_err());
        assert!(serde_json::from_str::<KeypointType>("\"tail\"").is_err());
    }

    #[test]
    fn bounding_boxes() {
        let a = BoundingBox::new(0.0, 0.0, 10.0, 10.0).unwrap();
        let b = BoundingBox::new(5.0, 5.0, 15.0, 15.0).unwrap();
        assert!((a.iou(&b) - 25.0 / 175.0).abs() < 1e-3);
        let t1 = BoundingBox::new(0.0, 0.0, 1.0, 1.0).unwrap();
        let t2 = BoundingBox::new(1.0, 0.0, 2.0, 1.0).unwrap();
        assert_eq!(t1.iou(&t2), 0.0);
        assert!(a.contains(10.0, 0.0) && !a.contains(10.01, 0.0));
        assert_eq!(BoundingBox::from_center(5.0, 5.0, 10.0, 10.0).unwrap(), a);
        assert!(BoundingBox::new(2.0, 0.0, 1.0, 1.0).is_err());
    }

    #[test]
    fn person_pose() {
        let mut p = PersonPose::default();
        p.set_keypoint(kp(KeypointType::Nose, 1.0, 2.0, 0.95));
        p.set_keypoint(kp(KeypointType::LeftShoulder, 3.0, 5.0, 0.8));
        p.set_keypoint(kp(KeypointType::LeftHip, 100.0, 100.0, 0.2));
        assert_eq!(p.visible_keypoint_count(), 2);
        assert!(p.get_keypoint(KeypointType::Nose).is_some());
        assert!(p.get_keypoint(KeypointType::RightAnkle).is_none());
        let flat = p.to_flat_array();
        assert_eq!(flat.len(), 51);
        assert_eq!(&flat[3..6], &[0.0, 0.0, 0.0]);
        assert_eq!(
            p.compute_bounding_box().unwrap(),
            BoundingBox::new(1.0, 2.0, 3.0, 5.0).unwrap()
        );
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PersonPose>(&json).unwrap(), p);
    }

    #[test]
    fn highest_confidence_ties_pick_the_last() {
        let a = PersonPose::new(Some(1), Confidence::new(0.9).unwrap(), None);
        let b = PersonPose::new(Some(2), Confidence::new(0.9).unwrap(), None);
        let c = PersonPose::new(Some(3), Confidence::new(0.1).unwrap(), None);
        let e = PoseEstimate::new(
            vec![a, b, c],
            Confidence::MAX,
            1.0,
            "v".into(),
            vec![],
            None,
            None,
        )
        .unwrap();
        assert_eq!(e.highest_confidence_person().unwrap().id(), Some(2));
        assert_eq!(e.id().len(), 36);
        assert_eq!(&e.id()[14..15], "4");
        assert!(PoseEstimate::new(
            vec![],
            Confidence::MAX,
            -1.0,
            "v".into(),
            vec![],
            None,
            None
        )
        .is_err());
    }
}
