//! Breathing and heart rate from WiFi CSI.
//!
//! Four stages, each usable alone: [`CsiVitalPreprocessor`] removes the static component of each
//! subcarrier, [`BreathingExtractor`] and [`HeartRateExtractor`] fuse the residuals, band-pass
//! them and estimate a rate, and [`VitalAnomalyDetector`] flags clinical ranges and sudden
//! changes. [`VitalsPipeline`] chains them over frames or whole `[time, subcarrier]` buffers and
//! keeps its readings in a [`VitalSignStore`].
//!
//! Every history is a fixed-capacity ring buffer; batch calls equal per-frame calls bit for bit;
//! invalid input is rejected before any state changes.

#![forbid(unsafe_code)]

pub mod anomaly;
pub mod breathing;
pub mod capture;
pub mod error;
pub mod extractor;
pub mod frames;
pub mod heart;
pub mod pipeline;
pub mod preprocessor;
pub mod resample;
pub mod resonator;
pub mod spectral;
pub mod store;
pub mod types;

pub use anomaly::{VitalAnomalyDetector, Welford};
pub use breathing::{BreathingExtractor, BreathingMethod};
pub use capture::{
    CaptureConfig, CaptureLayout, CaptureStats, CaptureVitals, DEFAULT_MEMORY_S,
    DEFAULT_WARMUP_FRAMES, LEVEL_WINDOW_S,
};
pub use error::VitalsError;
pub use extractor::ExtractorConfig;
pub use frames::{FrameMatrix, FrameSource, RowMajor};
pub use heart::{HeartMethod, HeartRateExtractor, LagPeak};
pub use pipeline::{
    VitalsConfig, VitalsPipeline, VitalsResult, DEFAULT_BREATHING_WINDOW_S,
    DEFAULT_RESTART_PERIOD_S, USE_PERIODS,
};
pub use preprocessor::CsiVitalPreprocessor;
pub use resample::{
    ensure_times, nominal_rate_hz, resample_uniform, ResampleStats, Resampled, UniformFrames,
    UniformResampler, DEFAULT_MAX_GAP_S, MAX_SAMPLE_RATE_HZ, MAX_TIME_S,
};
pub use store::VitalSignStore;
pub use types::{
    AlertType, AnomalyAlert, StatusThresholds, VitalEstimate, VitalReading, VitalStats,
    VitalStatus, VitalType,
};
