//! Core types of wifi-densepose: CSI frames, metadata, pose types, errors and array utilities.
//!
//! Plain Rust with no Python, async or network dependencies, so the bindings, the sensing
//! server and the witness all share one implementation.

pub mod error;
pub mod frame;
pub mod metadata;
pub mod motion;
pub mod pose;
pub mod ring;
pub mod utils;
pub mod validate;

pub use error::{CoreError, CoreResult, ErrorInfo, ErrorKind};
pub use frame::{iq_to_polar, CsiFrame};
pub use metadata::{AntennaConfig, CsiMetadata, CsiMetadataBuilder, FrequencyBand, Timestamp};
pub use motion::MotionLevel;
pub use pose::{
    BoundingBox, Confidence, Keypoint, KeypointType, PersonPose, PoseEstimate,
    DEFAULT_CONFIDENCE_THRESHOLD, MAX_KEYPOINTS,
};
pub use ring::{RingBuffer, MAX_HISTORY_LEN};

/// Informational upper bound on subcarriers per frame (not enforced).
pub const MAX_SUBCARRIERS: usize = 256;

/// The version of this crate, e.g. `"2.0.0"`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
