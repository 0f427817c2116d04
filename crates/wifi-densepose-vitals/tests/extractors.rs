//! Breathing extractor statistics of docs/dsp.md §6.3 that need a noise source.

mod common;

use std::f64::consts::PI;

use common::SplitMix64;
use wifi_densepose_vitals::{BreathingExtractor, RowMajor, VitalStatus};

fn estimate(signal: &[f64]) -> Option<wifi_densepose_vitals::VitalEstimate> {
    let mut extractor = BreathingExtractor::new(1, 10.0, 60.0).unwrap();
    extractor
        .push_batch(&RowMajor::new(signal, 1).unwrap(), None)
        .unwrap();
    extractor.estimate()
}

#[test]
fn spectral_breathing_in_half_sigma_noise_is_valid_and_accurate() {
    for seed in 0..50 {
        let mut rng = SplitMix64::new(seed);
        let signal: Vec<f64> = (0..600)
            .map(|i| (2.0 * PI * 0.25 * i as f64 / 10.0).sin() + 0.5 * rng.normal())
            .collect();
        let est = estimate(&signal).unwrap();
        assert_eq!(est.status(), VitalStatus::Valid, "seed {seed}: {est:?}");
        assert!(
            (est.value_bpm() - 15.0).abs() <= 0.1,
            "seed {seed}: {est:?}"
        );
    }
}

#[test]
fn spectral_breathing_on_noise_alone_is_never_valid() {
    for seed in 0..20 {
        let mut rng = SplitMix64::new(1000 + seed);
        let signal: Vec<f64> = (0..600).map(|_| rng.normal()).collect();
        if let Some(est) = estimate(&signal) {
            assert_ne!(est.status(), VitalStatus::Valid, "seed {seed}: {est:?}");
        }
    }
}
