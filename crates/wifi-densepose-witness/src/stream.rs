//! The canonical feature stream: the fixed pipeline run over a [`CsiSequence`], and its hash.

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use wifi_densepose_signal::{
    motion_presence_batch, CsiData, CsiFeatures, CsiProcessor, CsiProcessorConfig,
    FeatureExtractor, FeatureExtractorConfig, MotionPresenceBatch, PhaseSanitizer,
    PhaseSanitizerConfig,
};
use wifi_densepose_vitals::{VitalReading, VitalsConfig, VitalsPipeline};

use crate::error::Result;
use crate::quantise::{StageSummary, StreamHasher, QUANTISATION_SCALE};
use crate::sequence::CsiSequence;
use crate::stage::{Stage, EXCLUDED_FEATURES};

/// Signal-to-noise ratio given to every frame; no hashed stage reads it.
const FRAME_SNR_DB: f64 = 20.0;

/// The stage configurations of the canonical pipeline for a sequence. Only the input's own
/// properties (rate, radio parameters, subcarrier count) vary; everything else is the
/// library default, with Doppler off because the extractor runs without history.
#[derive(Debug, Clone)]
struct CanonicalConfig {
    processor: CsiProcessorConfig,
    sanitizer: PhaseSanitizerConfig,
    extractor: FeatureExtractorConfig,
    vitals: VitalsConfig,
}

impl CanonicalConfig {
    fn for_rate(sampling_rate_hz: f64, num_subcarriers: usize) -> Self {
        CanonicalConfig {
            processor: CsiProcessorConfig {
                sampling_rate: sampling_rate_hz,
                ..CsiProcessorConfig::default()
            },
            sanitizer: PhaseSanitizerConfig::default(),
            extractor: FeatureExtractorConfig {
                sampling_rate: sampling_rate_hz,
                enable_doppler: false,
                ..FeatureExtractorConfig::default()
            },
            vitals: VitalsConfig {
                n_subcarriers: num_subcarriers,
                sample_rate_hz: sampling_rate_hz,
                ..VitalsConfig::default()
            },
        }
    }

    /// The settings the hashed values depend on, as written into `manifest.json`.
    fn describe(&self) -> Value {
        let (p, s, e, v) = (
            &self.processor,
            &self.sanitizer,
            &self.extractor,
            &self.vitals,
        );
        json!({
            "csi_processor": {
                "enable_preprocessing": p.enable_preprocessing,
                "noise_threshold_db": p.noise_threshold,
                "steps": ["remove_noise", "hamming_window", "normalize_amplitude"],
            },
            "phase_sanitizer": {
                "unwrapping_method": s.unwrapping_method.name(),
                "enable_outlier_removal": s.enable_outlier_removal,
                "outlier_threshold": s.outlier_threshold,
                "enable_smoothing": s.enable_smoothing,
                "smoothing_window": s.smoothing_window,
                "enable_noise_filtering": s.enable_noise_filtering,
                "phase_range": [s.phase_range.0, s.phase_range.1],
            },
            "feature_extractor": {
                "fft_size": e.fft_size,
                "enable_doppler": e.enable_doppler,
                "input": "processed amplitude and sanitised phase of the frame",
            },
            "vitals_pipeline": {
                "input": "antenna 0, raw amplitude and raw phase",
                "alpha": v.alpha,
                "breathing_window_s": v.breathing_window_s,
                "heart_window_s": v.heart_window_s,
                "breathing_method": v.breathing_method.as_str(),
                "heart_method": v.heart_method.as_str(),
                "reading_interval_s": v.reading_interval_s,
                "anomaly_window": v.anomaly_window,
                "z_threshold": v.z_threshold,
                "skip_unavailable": v.skip_unavailable,
            },
            "motion_presence": {
                "input": "antenna 0, raw amplitude, at the input's sampling rate",
                "ema_alpha": wifi_densepose_signal::activity::EMA_ALPHA,
                "series_len": wifi_densepose_signal::activity::SERIES_LEN,
                "refresh_frames": wifi_densepose_signal::activity::REFRESH_FRAMES,
                "warmup_frames": wifi_densepose_signal::activity::WARMUP_FRAMES,
            },
        })
    }
}

/// The pipeline configuration, hash order and exclusions, as recorded in `manifest.json`.
pub fn pipeline_description() -> Value {
    // The description leaves out the input-dependent settings, so any rate gives the same text.
    let config = CanonicalConfig::for_rate(100.0, 56);
    let order: Vec<Value> = Stage::ALL
        .iter()
        .map(|s| json!({"stage": s.name(), "values": s.description()}))
        .collect();
    let excluded: Vec<Value> = EXCLUDED_FEATURES
        .iter()
        .map(|(feature, reason)| json!({"feature": feature, "reason": reason}))
        .collect();
    json!({
        "stages": config.describe(),
        "from_input": "sampling rate (extractor, vitals), carrier frequency and bandwidth \
                       (frames, PSD), subcarrier count (vitals)",
        "quantisation": format!(
            "q = round_half_even(x * {QUANTISATION_SCALE:e}) as i64, 8 bytes little-endian; \
             integers (frame index, status codes) as they are"
        ),
        "hash": "sha256 over the concatenated quantised values",
        "order": order,
        "excluded": excluded,
    })
}

/// The result of hashing a sequence: the digest and what went into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureDigest {
    /// SHA-256 of the quantised stream, 64 lower-case hex digits.
    pub feature_hash: String,
    /// Number of 8-byte values hashed.
    pub value_count: u64,
    pub frames: usize,
    pub readings: usize,
    pub stages: Vec<StageSummary>,
}

impl FeatureDigest {
    /// `proof/features.summary.json`: counts and first/last quantised values per stage. It
    /// holds only integers, so equal hashes give byte-identical summaries on every machine.
    pub fn summary_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }
}

/// Runs the canonical pipeline over `sequence` and hashes the quantised stream.
///
/// Frames are processed in parallel (each frame's values depend on that frame only) and
/// hashed in frame order, so the hash does not depend on the thread count.
pub fn feature_hash(sequence: &CsiSequence) -> Result<FeatureDigest> {
    let config = CanonicalConfig::for_rate(sequence.sampling_rate_hz(), sequence.num_subcarriers());
    let processor = CsiProcessor::new(config.processor.clone())?;
    let extractor = FeatureExtractor::new(config.extractor.clone())?;
    // Constructed once up front so a configuration error surfaces before any work.
    PhaseSanitizer::new(config.sanitizer.clone())?;
    let mut vitals = VitalsPipeline::new(config.vitals.clone())?;

    // The vitals pipeline is sequential; it runs alongside the per-frame stages.
    let (frames, readings) = rayon::join(
        || -> Vec<Result<FrameValues>> {
            (0..sequence.num_frames())
                .into_par_iter()
                .map_init(
                    || PhaseSanitizer::new(config.sanitizer.clone()),
                    |sanitizer, t| {
                        let sanitizer = sanitizer.as_mut().map_err(|e| e.clone())?;
                        frame_values(sequence, t, &processor, sanitizer, &extractor)
                    },
                )
                .collect()
        },
        || {
            rayon::join(
                || vital_readings(sequence, &mut vitals),
                || motion_presence(sequence),
            )
        },
    );
    let (readings, motion) = readings;

    let mut hasher = StreamHasher::new();
    for frame in frames {
        frame?.hash_into(&mut hasher)?;
    }
    let readings = readings?;
    for (frame_index, reading) in &readings {
        hash_reading(&mut hasher, *frame_index, reading)?;
    }
    hash_motion_presence(&mut hasher, &motion?)?;
    let (feature_hash, value_count, stages) = hasher.finish();
    Ok(FeatureDigest {
        feature_hash,
        value_count,
        frames: sequence.num_frames(),
        readings: readings.len(),
        stages,
    })
}

/// The hashed values of one frame.
struct FrameValues {
    processed_amplitude: Array2<f64>,
    sanitized_phase: Array2<f64>,
    features: CsiFeatures,
}

impl FrameValues {
    fn hash_into(&self, hasher: &mut StreamHasher) -> Result<()> {
        let f = &self.features;
        hasher.push_reals(
            Stage::ProcessedAmplitude,
            self.processed_amplitude.iter().copied(),
        )?;
        hasher.push_reals(Stage::SanitizedPhase, self.sanitized_phase.iter().copied())?;
        hasher.push_reals(Stage::AmplitudeMean, f.amplitude.mean.iter().copied())?;
        hasher.push_reals(
            Stage::AmplitudeVariance,
            f.amplitude.variance.iter().copied(),
        )?;
        hasher.push_reals(Stage::PhaseDifference, f.phase.difference.iter().copied())?;
        hasher.push_reals(
            Stage::CorrelationMatrix,
            f.correlation.matrix.iter().copied(),
        )?;
        // Bin 0 is left out: see EXCLUDED_FEATURES.
        hasher.push_reals(Stage::PsdValues, f.psd.values.iter().skip(1).copied())?;
        Ok(())
    }
}

fn frame_values(
    sequence: &CsiSequence,
    t: usize,
    processor: &CsiProcessor,
    sanitizer: &mut PhaseSanitizer,
    extractor: &FeatureExtractor,
) -> Result<FrameValues> {
    let (amplitude, phase) = sequence.frame(t);
    let raw = CsiData::new(
        amplitude.to_owned(),
        phase.to_owned(),
        sequence.frequency_hz(),
        sequence.bandwidth_hz(),
        FRAME_SNR_DB,
        None,
    )?;
    let processed = processor.preprocess(&raw);
    let sanitized_phase = sanitizer.sanitize(phase)?;
    let processed_amplitude = processed.amplitude().to_owned();
    let for_features = CsiData::new(
        processed_amplitude.clone(),
        sanitized_phase.clone(),
        sequence.frequency_hz(),
        sequence.bandwidth_hz(),
        FRAME_SNR_DB,
        None,
    )?;
    let features = extractor.extract(&for_features);
    Ok(FrameValues {
        processed_amplitude,
        sanitized_phase,
        features,
    })
}

/// Every reading the vitals pipeline emits over antenna 0, with the index of its frame.
fn vital_readings(
    sequence: &CsiSequence,
    vitals: &mut VitalsPipeline,
) -> Result<Vec<(usize, VitalReading)>> {
    let mut readings = Vec::new();
    let amplitude = sequence.amplitude().index_axis(Axis(1), 0);
    let phase = sequence.phase().index_axis(Axis(1), 0);
    for (t, (a, p)) in amplitude.outer_iter().zip(phase.outer_iter()).enumerate() {
        if let Some(reading) = vitals.push_arrays(&a.to_vec(), &p.to_vec())? {
            readings.push((t, reading));
        }
    }
    Ok(readings)
}

/// The motion/presence stage over antenna 0's raw amplitude, as the sensing server runs it.
fn motion_presence(sequence: &CsiSequence) -> Result<MotionPresenceBatch> {
    let amplitude = sequence.amplitude().index_axis(Axis(1), 0);
    Ok(motion_presence_batch(
        amplitude,
        sequence.sampling_rate_hz(),
    )?)
}

/// Per frame, the well-conditioned outputs (see `EXCLUDED_FEATURES` for the others).
fn hash_motion_presence(hasher: &mut StreamHasher, m: &MotionPresenceBatch) -> Result<()> {
    let stage = Stage::MotionPresence;
    for t in 0..m.len() {
        hasher.push_reals(
            stage,
            [
                m.relative_fluctuation[t],
                m.variance[t],
                m.motion_band_power[t],
                m.dominant_freq_hz[t],
                m.spectral_power[t],
            ],
        )?;
        hasher.push_integer(stage, i64::from(m.change_points[t]));
        hasher.push_integer(stage, i64::from(m.motion_level[t].code()));
        hasher.push_reals(stage, [m.confidence[t]])?;
    }
    Ok(())
}

fn hash_reading(hasher: &mut StreamHasher, frame_index: usize, r: &VitalReading) -> Result<()> {
    let stage = Stage::VitalReadings;
    let (rr, hr) = (r.respiratory_rate(), r.heart_rate());
    hasher.push_integer(stage, i64::try_from(frame_index).unwrap_or(i64::MAX));
    hasher.push_reals(stage, [rr.value_bpm(), rr.confidence()])?;
    hasher.push_integer(stage, i64::from(rr.status().code()));
    hasher.push_reals(stage, [hr.value_bpm(), hr.confidence()])?;
    hasher.push_integer(stage, i64::from(hr.status().code()));
    hasher.push_reals(stage, [r.signal_quality()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_records_order_exclusions_and_configuration() {
        let description = pipeline_description();
        let order: Vec<&str> = description["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            order,
            [
                "processed_amplitude",
                "sanitized_phase",
                "amplitude_mean",
                "amplitude_variance",
                "phase_difference",
                "correlation_matrix",
                "psd_values",
                "vital_readings",
                "motion_presence"
            ]
        );
        let excluded = description["excluded"].to_string();
        assert!(
            excluded.contains("psd.values[0] (the DC bin)"),
            "{excluded}"
        );
        assert!(
            excluded.contains("psd.centroid, psd.bandwidth"),
            "{excluded}"
        );
        let stages = &description["stages"];
        assert_eq!(stages["feature_extractor"]["fft_size"], 128);
        assert_eq!(stages["feature_extractor"]["enable_doppler"], false);
        assert_eq!(stages["csi_processor"]["noise_threshold_db"], -30.0);
        assert_eq!(stages["phase_sanitizer"]["unwrapping_method"], "standard");
        assert_eq!(stages["vitals_pipeline"]["breathing_method"], "spectral");
        // The description does not depend on the input's rate.
        assert_eq!(description, pipeline_description());
    }
}
