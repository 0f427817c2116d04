//! The canonical feature stream: layout, determinism and thread-count independence.

mod common;

use common::{synthetic_reference_json, ANTENNAS, FRAMES, SUBCARRIERS};
use ndarray::Array3;
use wifi_densepose_core::{ErrorInfo, ErrorKind};
use wifi_densepose_witness::{feature_hash, CsiSequence, Stage};

fn sequence() -> CsiSequence {
    CsiSequence::from_reference_json(&synthetic_reference_json()).unwrap()
}

#[test]
fn stream_layout_matches_the_documented_order_and_counts() {
    let digest = feature_hash(&sequence()).unwrap();
    let (a, s, psd_bins) = (ANTENNAS as u64, SUBCARRIERS as u64, 127u64);
    let per_frame = [a * s, a * s, s, s, s - 1, a * a, psd_bins];
    for (stage, count) in Stage::ALL.iter().zip(per_frame) {
        assert_eq!(
            digest.stages[*stage as usize].values,
            count * FRAMES as u64,
            "{stage:?}"
        );
    }
    // 600 frames at 100 Hz: readings every 100 frames once the 500-frame heart history is
    // full, at frames 499 and 599; 8 values each, the frame index first.
    assert_eq!(digest.readings, 2);
    let readings = &digest.stages[Stage::VitalReadings as usize];
    assert_eq!(readings.values, 16);
    assert_eq!(readings.first, Some(499));
    // Then the motion/presence stage: 8 values per frame, the first the relative fluctuation
    // after one frame, which is 0 (no variance yet).
    let motion = &digest.stages[Stage::MotionPresence as usize];
    assert_eq!(motion.values, 8 * FRAMES as u64);
    assert_eq!(motion.first, Some(0));
    let total: u64 = per_frame.iter().sum::<u64>() * FRAMES as u64 + 16 + 8 * FRAMES as u64;
    assert_eq!(digest.value_count, total);
    assert_eq!(digest.frames, FRAMES);
    // The correlation matrix has a unit diagonal: its first value is 1.0 = 10^6 quanta.
    assert_eq!(
        digest.stages[Stage::CorrelationMatrix as usize].first,
        Some(1_000_000)
    );
}

#[test]
fn hash_is_identical_run_to_run_and_with_one_or_two_threads() {
    let sequence = sequence();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| feature_hash(&sequence).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(1));
    assert_eq!(one.feature_hash.len(), 64);
}

#[test]
fn summary_holds_only_integers() {
    let digest = feature_hash(&sequence()).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&digest.summary_json()).unwrap();
    assert_eq!(summary["feature_hash"], digest.feature_hash.as_str());
    let stages = summary["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 9);
    assert_eq!(stages[0]["stage"], "processed_amplitude");
    for stage in stages {
        assert!(stage["first"].is_i64() && stage["last"].is_i64(), "{stage}");
    }
}

#[test]
fn any_input_change_changes_the_hash() {
    let base = sequence();
    let mut amplitude = base.amplitude().clone();
    amplitude[[123, 1, 4]] += 1e-3;
    let changed = CsiSequence::new(
        amplitude,
        base.phase().clone(),
        base.sampling_rate_hz(),
        base.frequency_hz(),
        base.bandwidth_hz(),
    )
    .unwrap();
    assert_ne!(
        feature_hash(&base).unwrap().feature_hash,
        feature_hash(&changed).unwrap().feature_hash
    );
}

#[test]
fn stage_errors_surface_with_their_kind() {
    // A phase outside [-pi, pi] is rejected by the phase sanitiser.
    let phase = Array3::from_elem((4, 1, 4), 4.0);
    let s = CsiSequence::new(Array3::ones((4, 1, 4)), phase, 100.0, 5e9, 20e6).unwrap();
    let e = feature_hash(&s).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    // The vitals pipeline needs a rate above twice its 2 Hz heart band.
    let s = CsiSequence::new(
        Array3::ones((4, 1, 4)),
        Array3::zeros((4, 1, 4)),
        3.0,
        5e9,
        20e6,
    )
    .unwrap();
    let e = feature_hash(&s).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration, "{e}");
}
