//! The accuracy targets of docs/dsp.md §5.2 on the synthetic signal of 5.1, with the `ruview`
//! methods' figures on the same grids printed beside them (`--nocapture`).

mod common;

use common::{reading_at, sigma_for_snr, Signal, FS};
use wifi_densepose_vitals::{
    HeartMethod, VitalEstimate, VitalStatus, VitalsConfig, VitalsPipeline, VitalsResult,
};

/// Worst case over a grid for one vital.
#[derive(Debug, Default)]
struct Worst {
    max_error: f64,
    min_confidence: f64,
    missing: usize,
    not_valid: usize,
    count: usize,
}

impl Worst {
    fn new() -> Self {
        Worst {
            min_confidence: f64::INFINITY,
            ..Worst::default()
        }
    }

    fn add(&mut self, estimate: VitalEstimate, truth: f64) {
        self.count += 1;
        if !estimate.is_available() {
            self.missing += 1;
            self.not_valid += 1;
            return;
        }
        self.max_error = self.max_error.max((estimate.value_bpm() - truth).abs());
        self.min_confidence = self.min_confidence.min(estimate.confidence());
        if estimate.status() != VitalStatus::Valid {
            self.not_valid += 1;
        }
    }

    fn valid_share(&self) -> f64 {
        1.0 - self.not_valid as f64 / self.count as f64
    }
}

fn ruview() -> VitalsPipeline {
    VitalsPipeline::ruview_compatible(56, FS).unwrap()
}

/// Readings from `from_s` seconds of data to the end.
fn readings_from(
    result: &VitalsResult,
    from_s: f64,
) -> impl Iterator<Item = &wifi_densepose_vitals::VitalReading> {
    let first = (from_s * FS).round() as u64 - 1;
    result
        .frame_index()
        .iter()
        .zip(result.readings())
        .filter(move |(&f, _)| f >= first)
        .map(|(_, r)| r)
}

#[test]
fn clean_breathing_grid() {
    let (mut ours, mut theirs) = (Worst::new(), Worst::new());
    let mut heart_status = Worst::new();
    for (i, f_b) in (6..=30).enumerate() {
        for f_h in [48.0, 72.0, 120.0] {
            let signal = Signal::vitals(30.0, f_b as f64, f_h, 0.0, i as u64);
            for r in readings_from(&signal.run(&mut VitalsPipeline::esp32_default()), 20.0) {
                ours.add(r.respiratory_rate(), f_b as f64);
                heart_status.add(r.heart_rate(), f_h);
            }
            for r in readings_from(&signal.run(&mut ruview()), 20.0) {
                theirs.add(r.respiratory_rate(), f_b as f64);
            }
        }
    }
    println!("breathing clean (>= 20 s): ours {ours:?}\n  ruview {theirs:?}");
    assert!(ours.max_error <= 0.5, "{ours:?}");
    assert_eq!(ours.not_valid, 0);
    assert_eq!(heart_status.not_valid, 0, "{heart_status:?}");
    assert!(ours.min_confidence >= 0.87, "{ours:?}");
}

#[test]
fn clean_heart_grid() {
    let (mut ours, mut theirs) = (Worst::new(), Worst::new());
    let mut breathing_status = Worst::new();
    for (i, f_h) in (48..=120).step_by(2).enumerate() {
        for f_b in [6.0, 15.0, 30.0] {
            let signal = Signal::vitals(30.0, f_b, f_h as f64, 0.0, 100 + i as u64);
            let result = signal.run(&mut VitalsPipeline::esp32_default());
            for r in readings_from(&result, 10.0) {
                ours.add(r.heart_rate(), f_h as f64);
            }
            for r in readings_from(&result, 20.0) {
                breathing_status.add(r.respiratory_rate(), f_b);
            }
            for r in readings_from(&signal.run(&mut ruview()), 10.0) {
                theirs.add(r.heart_rate(), f_h as f64);
            }
        }
    }
    println!("heart clean (>= 10 s): ours {ours:?}\n  ruview {theirs:?}");
    assert!(ours.max_error <= 1.5, "{ours:?}");
    assert_eq!(breathing_status.not_valid, 0, "{breathing_status:?}");
}

#[test]
fn autocorrelation_meets_the_clean_heart_target_without_breathing() {
    let config = VitalsConfig {
        heart_method: HeartMethod::Autocorrelation,
        ..VitalsConfig::default()
    };
    let mut worst = Worst::new();
    for (i, f_h) in (48..=120).step_by(2).enumerate() {
        let signal = Signal::generate(30.0, 15.0, f_h as f64, 0.0, 0.3, 0.0, 200 + i as u64);
        for r in readings_from(
            &signal.run(&mut VitalsPipeline::new(config.clone()).unwrap()),
            10.0,
        ) {
            worst.add(r.heart_rate(), f_h as f64);
        }
    }
    println!("heart clean, B = 0, autocorrelation: {worst:?}");
    assert!(worst.max_error <= 1.5, "{worst:?}");
    assert_eq!(worst.missing, 0);
}

fn noisy_grid(snr_db: f64) -> [Worst; 4] {
    let sigma = sigma_for_snr(snr_db);
    let [mut rr, mut hr, mut rr_ruview, mut hr_ruview] =
        [Worst::new(), Worst::new(), Worst::new(), Worst::new()];
    for f_b in [8.0, 12.0, 18.0, 24.0] {
        for f_h in [55.0, 72.0, 90.0, 110.0] {
            for seed in 0..3 {
                let signal = Signal::vitals(30.0, f_b, f_h, sigma, seed);
                let r = reading_at(&signal.run(&mut VitalsPipeline::esp32_default()), 30.0);
                rr.add(r.respiratory_rate(), f_b);
                hr.add(r.heart_rate(), f_h);
                let r = reading_at(&signal.run(&mut ruview()), 30.0);
                rr_ruview.add(r.respiratory_rate(), f_b);
                hr_ruview.add(r.heart_rate(), f_h);
            }
        }
    }
    println!(
        "{snr_db} dB at 30 s:\n  breathing ours {rr:?}\n  breathing ruview {rr_ruview:?}\n  heart ours {hr:?}\n  heart ruview {hr_ruview:?}"
    );
    [rr, hr, rr_ruview, hr_ruview]
}

#[test]
fn twenty_db_grid() {
    let [rr, hr, ..] = noisy_grid(20.0);
    assert!(rr.max_error <= 0.5 && hr.max_error <= 1.5, "{rr:?} {hr:?}");
    assert_eq!((rr.not_valid, hr.not_valid), (0, 0));
}

#[test]
fn ten_db_grid() {
    let [rr, hr, ..] = noisy_grid(10.0);
    assert!(rr.max_error <= 0.5 && hr.max_error <= 1.5, "{rr:?} {hr:?}");
    assert!(
        rr.valid_share() >= 0.9 && hr.valid_share() >= 0.9,
        "{rr:?} {hr:?}"
    );
}

#[test]
fn pure_noise_is_rarely_valid() {
    let sigma = sigma_for_snr(10.0);
    let mut counts = [[0usize; 2]; 2]; // [vital][valid, unreliable or missing]
    let mut ruview_valid = [0usize; 2];
    for seed in 0..100 {
        let signal = Signal::generate(30.0, 15.0, 72.0, 0.0, 0.0, sigma, 1000 + seed);
        let r = reading_at(&signal.run(&mut VitalsPipeline::esp32_default()), 30.0);
        for (v, estimate) in [r.respiratory_rate(), r.heart_rate()]
            .into_iter()
            .enumerate()
        {
            match estimate.status() {
                VitalStatus::Valid => counts[v][0] += 1,
                VitalStatus::Unreliable | VitalStatus::Unavailable => counts[v][1] += 1,
                VitalStatus::Degraded => {}
            }
        }
        let r = reading_at(&signal.run(&mut ruview()), 30.0);
        for (v, estimate) in [r.respiratory_rate(), r.heart_rate()]
            .into_iter()
            .enumerate()
        {
            if estimate.status() == VitalStatus::Valid {
                ruview_valid[v] += 1;
            }
        }
    }
    println!("pure noise, 100 seeds: [valid, unreliable-or-none] breathing {:?} heart {:?}; ruview valid {ruview_valid:?}", counts[0], counts[1]);
    for [valid, unreliable] in counts {
        assert!(valid <= 2 && unreliable >= 80, "{counts:?}");
    }
}
