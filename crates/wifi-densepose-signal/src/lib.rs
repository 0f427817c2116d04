//! Signal processing for wifi-densepose: CSI preprocessing, phase unwrapping and sanitisation,
//! Hampel filtering, feature extraction, motion and presence detection, hardware normalisation,
//! CSI ratios, spectrograms, subcarrier selection, Fresnel-zone breathing and body velocity
//! profiles.
//!
//! Plain Rust (no Python, async or network dependencies). Every input array is checked for
//! NaN/±Inf and rejected with a `NonFinite` error naming the argument and the index.

pub mod activity;
pub mod bvp;
pub mod csi_data;
pub mod error;
pub mod features;
pub mod fresnel;
pub mod hampel;
pub mod motion;
pub mod normalizer;
pub mod preprocess;
pub mod processor;
pub mod ratio;
pub mod sanitizer;
pub mod selection;
pub mod spectrogram;
mod stats;
#[cfg(test)]
mod test_rng;
pub mod unwrap;
pub mod window;

pub use activity::{
    motion_presence_batch, MotionLevel, MotionPresence, MotionPresenceBatch, MotionPresenceTracker,
};
pub use bvp::{extract_bvp, BodyVelocityProfile, BvpConfig};
pub use csi_data::CsiData;
pub use error::{SignalError, SignalResult};
pub use features::{
    AmplitudeFeatures, CorrelationFeatures, CsiFeatureBatch, CsiFeatures, DopplerBatch,
    DopplerFeatures, FeatureExtractor, FeatureExtractorConfig, FeatureMetadata, PhaseFeatures,
    PsdFeatures,
};
pub use fresnel::{BreathingEstimate, FresnelBreathingEstimator, FresnelGeometry, SPEED_OF_LIGHT};
pub use hampel::{
    hampel_filter, hampel_filter_1d, hampel_filter_2d, median, Hampel2dResult, HampelAxis,
    HampelConfig, HampelResult,
};
pub use motion::{
    DetectionMetadata, DetectorStatistics, HumanDetectionBatch, HumanDetectionResult,
    MotionAnalysis, MotionDetector, MotionDetectorConfig, MotionScore,
};
pub use normalizer::{
    catmull_rom_resample, detrend_linear, zscore_population, zscore_sample, CanonicalCsiBatch,
    CanonicalCsiFrame, HardwareNormalizer, HardwareType, PhaseOrder,
};
pub use preprocess::CsiPreprocessor;
pub use processor::{CsiProcessor, CsiProcessorConfig, ProcessorStatistics};
pub use ratio::{
    compute_ratio_matrix, compute_ratio_matrix_batch, conjugate_multiply, ratio_to_amplitude_phase,
};
pub use sanitizer::{PhaseSanitizer, PhaseSanitizerConfig, SanitizerStatistics};
pub use selection::{
    extract_selected, select_by_variance, select_sensitive_subcarriers, SubcarrierSelection,
    SubcarrierSelectionConfig,
};
pub use spectrogram::{
    compute_multi_subcarrier_spectrogram, compute_spectrogram, Spectrogram, SpectrogramConfig,
};
pub use unwrap::{
    phase_quality_map, unwrap_2d, unwrap_phase, unwrap_with_threshold, wrap_difference,
    UnwrappingMethod,
};
pub use window::{hamming_window, WindowKind};
