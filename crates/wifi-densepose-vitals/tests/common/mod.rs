//! The synthetic test signal of docs/dsp.md §5.1 and helpers shared by the integration tests.

#![allow(dead_code)]

use std::f64::consts::PI;

use wifi_densepose_vitals::{RowMajor, VitalReading, VitalsPipeline, VitalsResult};

pub const FS: f64 = 100.0;
pub const SUBCARRIERS: usize = 56;
pub const BREATHING_AMPLITUDE: f64 = 2.0;
pub const HEART_AMPLITUDE: f64 = 0.3;

/// SplitMix64: a tiny deterministic generator, so the tests need no RNG dependency.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// N(0, 1) by Box–Muller.
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// W(d) = d − 2π⌊(d + π)/2π⌋.
pub fn wrap(d: f64) -> f64 {
    d - 2.0 * PI * ((d + PI) / (2.0 * PI)).floor()
}

/// Noise σ for a breathing-to-noise ratio in dB: B/√(2·10^{SNR/10}).
pub fn sigma_for_snr(snr_db: f64) -> f64 {
    BREATHING_AMPLITUDE / (2.0 * 10f64.powf(snr_db / 10.0)).sqrt()
}

/// One synthetic `[time, subcarrier]` buffer (row-major amplitudes and phases).
pub struct Signal {
    pub amplitudes: Vec<f64>,
    pub phases: Vec<f64>,
}

impl Signal {
    /// amplitude = 15 + 5 sin(0.1k) + B sin(2πf_b t + θ_b) + H sin(2πf_h t + θ_h) + σ n,
    /// phase = W(0.2k); θ_b, θ_h and n drawn from `seed`.
    pub fn generate(
        seconds: f64,
        breathing_bpm: f64,
        heart_bpm: f64,
        breathing_amplitude: f64,
        heart_amplitude: f64,
        sigma: f64,
        seed: u64,
    ) -> Self {
        let mut rng = SplitMix64::new(seed);
        let theta_b = 2.0 * PI * rng.uniform();
        let theta_h = 2.0 * PI * rng.uniform();
        let (f_b, f_h) = (breathing_bpm / 60.0, heart_bpm / 60.0);
        let frames = (seconds * FS).round() as usize;
        let mut amplitudes = Vec::with_capacity(frames * SUBCARRIERS);
        let mut phases = Vec::with_capacity(frames * SUBCARRIERS);
        for i in 0..frames {
            let t = i as f64 / FS;
            let body = breathing_amplitude * (2.0 * PI * f_b * t + theta_b).sin()
                + heart_amplitude * (2.0 * PI * f_h * t + theta_h).sin();
            for k in 0..SUBCARRIERS {
                let noise = if sigma > 0.0 {
                    sigma * rng.normal()
                } else {
                    0.0
                };
                amplitudes.push(15.0 + 5.0 * (0.1 * k as f64).sin() + body + noise);
                phases.push(wrap(0.2 * k as f64));
            }
        }
        Signal { amplitudes, phases }
    }

    /// The default mix: B = 2.0, H = 0.3.
    pub fn vitals(seconds: f64, breathing_bpm: f64, heart_bpm: f64, sigma: f64, seed: u64) -> Self {
        Signal::generate(
            seconds,
            breathing_bpm,
            heart_bpm,
            BREATHING_AMPLITUDE,
            HEART_AMPLITUDE,
            sigma,
            seed,
        )
    }

    pub fn run(&self, pipeline: &mut VitalsPipeline) -> VitalsResult {
        let amplitudes = RowMajor::new(&self.amplitudes, SUBCARRIERS).unwrap();
        let phases = RowMajor::new(&self.phases, SUBCARRIERS).unwrap();
        pipeline.process(&amplitudes, &phases, Some(FS)).unwrap()
    }
}

/// The reading taken after `seconds` of data (frame index seconds·fs − 1).
pub fn reading_at(result: &VitalsResult, seconds: f64) -> VitalReading {
    let frame = (seconds * FS).round() as u64 - 1;
    let position = result
        .frame_index()
        .iter()
        .position(|&f| f == frame)
        .expect("a reading at that time");
    result.readings()[position]
}
