//! The stages of the canonical feature stream, in hash order, and the features left out.

/// One group of hashed values. Per frame the stream holds the stages up to
/// [`Stage::PsdValues`] in this order; [`Stage::VitalReadings`] and then
/// [`Stage::MotionPresence`] follow the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    ProcessedAmplitude,
    SanitizedPhase,
    AmplitudeMean,
    AmplitudeVariance,
    PhaseDifference,
    CorrelationMatrix,
    PsdValues,
    VitalReadings,
    MotionPresence,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::ProcessedAmplitude,
        Stage::SanitizedPhase,
        Stage::AmplitudeMean,
        Stage::AmplitudeVariance,
        Stage::PhaseDifference,
        Stage::CorrelationMatrix,
        Stage::PsdValues,
        Stage::VitalReadings,
        Stage::MotionPresence,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::ProcessedAmplitude => "processed_amplitude",
            Stage::SanitizedPhase => "sanitized_phase",
            Stage::AmplitudeMean => "amplitude_mean",
            Stage::AmplitudeVariance => "amplitude_variance",
            Stage::PhaseDifference => "phase_difference",
            Stage::CorrelationMatrix => "correlation_matrix",
            Stage::PsdValues => "psd_values",
            Stage::VitalReadings => "vital_readings",
            Stage::MotionPresence => "motion_presence",
        }
    }

    /// What the stage contributes, precise enough for a second implementation.
    pub fn description(self) -> &'static str {
        match self {
            Stage::ProcessedAmplitude => {
                "per frame: CsiProcessor.preprocess amplitude (noise gate, Hamming window, \
                 normalisation), [antenna, subcarrier] row-major"
            }
            Stage::SanitizedPhase => {
                "per frame: PhaseSanitizer.sanitize of the raw phase, [antenna, subcarrier] row-major"
            }
            Stage::AmplitudeMean => {
                "per frame: FeatureExtractor amplitude mean per subcarrier (S values) of the \
                 processed amplitude"
            }
            Stage::AmplitudeVariance => {
                "per frame: FeatureExtractor amplitude population variance per subcarrier (S values)"
            }
            Stage::PhaseDifference => {
                "per frame: FeatureExtractor phase difference of the sanitised phase (S-1 values)"
            }
            Stage::CorrelationMatrix => {
                "per frame: Pearson correlation of the processed amplitude rows, [A, A] row-major"
            }
            Stage::PsdValues => {
                "per frame: PSD values |X_k|^2/N, k = 1..N-1 (bin 0 excluded), of the processed \
                 amplitude"
            }
            Stage::VitalReadings => {
                "after the last frame, per VitalReading of the vitals pipeline fed antenna 0's raw \
                 amplitude and phase: frame index (integer), respiratory rate BPM, respiratory \
                 confidence, respiratory status code (integer), heart rate BPM, heart confidence, \
                 heart status code (integer), signal quality"
            }
            Stage::MotionPresence => MOTION_PRESENCE_DESCRIPTION,
        }
    }
}

/// What [`Stage::MotionPresence`] contributes.
pub const MOTION_PRESENCE_DESCRIPTION: &str = "after the vital readings, per frame of the \
    motion/presence stage (motion_presence_batch) fed antenna 0's raw amplitude at the input's \
    sampling rate: relative fluctuation, variance, motion band power, dominant frequency (Hz), \
    spectral power, change points (integer), motion level code (integer: 0 absent, \
    1 present_still, 2 present_moving, 3 active), confidence";

/// Computed features left out of the hash, with the reason. The first two are degenerate
/// (ill-conditioned against the 10⁻⁶ quantum); the others are not part of the canonical stream.
pub const EXCLUDED_FEATURES: &[(&str, &str)] = &[
    (
        "psd.centroid, psd.bandwidth",
        "degenerate: values in Hz of the order of 1e6, so the 1e-6 quantum is 1e-12 of the \
         value; a 1e-12 perturbation of the input moves them by up to 0.2 quanta and changed up \
         to 79 (centroid) and 202 (bandwidth) of their 1,000 values",
    ),
    (
        "psd.peak_frequency",
        "an argmax over bins in Hz (the same 1e-12 relative quantum); 0 Hz on every reference \
         frame, so it carries no information",
    ),
    (
        "psd.values[0] (the DC bin)",
        "degenerate: the square of a sum of 128 amplitudes, up to 233 on the reference input; a \
         1e-12 perturbation moves it by up to 3.2e-4 quanta (7.5 times more than any hashed \
         value), and one frame's DC value lies only 1.02 times that shift from a rounding \
         boundary; every hashed value keeps at least 2.8 times its shift",
    ),
    (
        "psd.frequencies",
        "constants k*B/N of the configuration, not computed from the data",
    ),
    (
        "psd.total_power, psd.peak_power, amplitude.peak, amplitude.rms, amplitude.dynamic_range, \
         correlation mean/max/spread",
        "summaries of values already hashed",
    ),
    (
        "phase.variance, phase.gradient, phase.coherence",
        "not in the canonical stream; gradient is the first difference of the hashed phase \
         difference",
    ),
    (
        "doppler",
        "not computed: the canonical extractor runs without history. Doppler shifts are an argmax \
         over FFT bins, and RuView's v1 proof hashed them over a phase that never changes, so \
         rounding noise decided the hash",
    ),
    (
        "motion_presence.breathing_band_power",
        "degenerate: 0 on every reference frame. The band (0.1-0.5 Hz) lies below the first DFT \
         bin of the 128-frame window at 100 Hz (0.78 Hz), so it carries no information",
    ),
    (
        "motion_presence.presence",
        "derived from the hashed motion level code (any level but 0)",
    ),
    (
        "anomaly alerts, vitals store statistics",
        "derived from the hashed readings",
    ),
];
