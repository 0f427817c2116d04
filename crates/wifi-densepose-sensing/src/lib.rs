//! Multi-node WiFi sensing on CSI amplitudes.
//!
//! * [`calibration`]: the empty-room field model per link (mean, PCA background subspace,
//!   noise variance) and the perturbation of new frames against it; saved as JSON.
//! * [`occupancy`]: counting perturbation components above the Marchenko–Pastur edge, with an
//!   unbiased noise estimate and a validity flag instead of a guess.
//! * [`tomography`]: radio tomographic imaging (ellipse weights, Tikhonov reconstruction).
//! * [`tracker`]: constant-velocity Kalman tracks with Mahalanobis gating and Hungarian
//!   assignment.
//! * [`gesture`]: DTW template matching with a Sakoe–Chiba band.
//! * [`fusion`]: common-time frame alignment, quality-weighted node fusion, layout diversity.
//! * [`sim`]: a room simulator (nodes, walking and breathing people, int8 CSI, ESP32-like
//!   timing) for tests, studies and the server's mock source.

#![forbid(unsafe_code)]

pub mod calibration;
pub mod error;
pub mod fusion;
pub mod gesture;
pub mod linalg;
pub mod occupancy;
pub mod rng;
pub mod sim;
pub mod tomography;
pub mod tracker;

pub use calibration::{CalibrationConfig, FieldModel, LinkModel, FIELD_MODEL_FORMAT};
pub use error::SensingError;
pub use fusion::{fuse_nodes, geometric_diversity, nearest_frames, FusedFrame};
pub use gesture::{dtw, GestureClassifier, GestureMatch};
pub use occupancy::{count_components, ComponentCount, OccupancyConfig};
pub use sim::{LinkRecording, Scenario, Simulation, TimingModel};
pub use tomography::{Grid, Tomographer};
pub use tracker::{Track, TrackStatus, Tracker, TrackerConfig};
