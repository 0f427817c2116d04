//! One node's vitals from its raw CSI: the vitals crate's `CaptureVitals` (every layout through
//! the bins they share, null bins left out, frames resampled on capture time), and its latest
//! reading as `vital_signs`.

use wifi_densepose_vitals::{
    CaptureConfig, CaptureVitals, VitalEstimate, VitalReading, VitalStatus,
};
use wifi_densepose_wire::messages::VitalSigns;

use crate::sensing::mode::SampleClock;

/// The vitals buffers of the node whose estimate is in `vital_signs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufferStatus {
    pub breathing_samples: usize,
    pub breathing_capacity: usize,
    pub heartbeat_samples: usize,
    pub heartbeat_capacity: usize,
}

#[derive(Debug)]
pub struct NodeVitals {
    capture: CaptureVitals,
    latest: Option<VitalSigns>,
    /// Logged once: why this node's stream gives no vitals.
    reported_disabled: bool,
}

fn rate(estimate: VitalEstimate) -> Option<f64> {
    estimate.is_available().then(|| estimate.value_bpm())
}

fn vital_signs(reading: &VitalReading) -> VitalSigns {
    VitalSigns {
        breathing_rate_bpm: rate(reading.respiratory_rate()),
        heart_rate_bpm: rate(reading.heart_rate()),
        breathing_confidence: reading.respiratory_rate().confidence(),
        heartbeat_confidence: reading.heart_rate().confidence(),
        signal_quality: reading.signal_quality(),
        breathing_status: reading.respiratory_rate().status().name(),
        heart_status: reading.heart_rate().status().name(),
        spans_gap: reading.spans_gap(),
    }
}

impl NodeVitals {
    /// A fixed clock fixes the grid rate; a measured one lets the warm-up measure it.
    pub fn new(clock: SampleClock) -> Self {
        let config = CaptureConfig {
            sample_rate_hz: match clock {
                SampleClock::Fixed(rate) => Some(rate),
                SampleClock::Measured => None,
            },
            ..CaptureConfig::default()
        };
        let capture = CaptureVitals::new(config).expect("the capture defaults are valid");
        NodeVitals {
            capture,
            latest: None,
            reported_disabled: false,
        }
    }

    /// Feeds one frame captured at `capture_s` seconds.
    pub fn push(&mut self, capture_s: f64, amplitudes: &[f64], phases: &[f64]) {
        match self.capture.push(capture_s, amplitudes, phases) {
            Ok(Some(reading)) => self.latest = Some(vital_signs(&reading)),
            Ok(None) => {}
            Err(error) => tracing::debug!(%error, "frame rejected by the vitals stage"),
        }
        if let (Some(reason), false) = (self.capture.disabled_reason(), self.reported_disabled) {
            tracing::warn!(reason, "vitals disabled for this node");
            self.reported_disabled = true;
        }
    }

    /// The latest reading; `None` until the pipeline has an estimate.
    pub fn latest(&self) -> Option<VitalSigns> {
        self.latest
    }

    /// The pipeline's buffers; `None` during the warm-up.
    pub fn buffer_status(&self) -> Option<BufferStatus> {
        let pipeline = self.capture.pipeline()?;
        let (breathing, heart) = (pipeline.breathing(), pipeline.heart());
        Some(BufferStatus {
            breathing_samples: breathing.history_len(),
            breathing_capacity: breathing.capacity(),
            heartbeat_samples: heart.history_len(),
            heartbeat_capacity: heart.capacity(),
        })
    }

    /// The grid rate of the vitals pipeline, Hz, once the warm-up has fixed it.
    pub fn sample_rate_hz(&self) -> Option<f64> {
        self.capture.layout().map(|l| l.sample_rate_hz)
    }
}

/// `vital_signs` with no estimate of either vital.
pub const NO_VITALS: VitalSigns = VitalSigns {
    breathing_rate_bpm: None,
    heart_rate_bpm: None,
    breathing_confidence: 0.0,
    heartbeat_confidence: 0.0,
    signal_quality: 0.0,
    breathing_status: VitalStatus::Unavailable.name(),
    heart_status: VitalStatus::Unavailable.name(),
    spans_gap: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn irregular_frames_give_their_rates_on_capture_time() {
        let mut vitals = NodeVitals::new(SampleClock::Measured);
        assert_eq!(vitals.latest(), None);
        let phases: Vec<f64> = (0..64).map(|k| 0.2 * k as f64).collect();
        // 40 s of 15 BPM breathing and 72 BPM heartbeat, frames 30 or 70 ms apart (20 Hz).
        let mut t = 0.0;
        for i in 0..800 {
            t += if i % 2 == 0 { 0.03 } else { 0.07 };
            let m = 2.0 * (2.0 * PI * 0.25 * t).sin() + 0.3 * (2.0 * PI * 1.2 * t).sin();
            let amplitudes: Vec<f64> = (0..64)
                .map(|k| 15.0 + 5.0 * (0.1 * k as f64).sin() + m)
                .collect();
            vitals.push(t, &amplitudes, &phases);
        }
        assert_eq!(vitals.sample_rate_hz(), Some(20.0));
        let signs = vitals.latest().expect("a reading");
        let breathing = signs.breathing_rate_bpm.expect("breathing");
        let heart = signs.heart_rate_bpm.expect("heart");
        assert!((breathing - 15.0).abs() < 0.3, "breathing {breathing}");
        assert!((heart - 72.0).abs() < 0.5, "heart {heart}");
        assert_eq!(
            (signs.breathing_status, signs.heart_status),
            ("VALID", "VALID")
        );
        let buffers = vitals.buffer_status().unwrap();
        assert_eq!(
            (buffers.breathing_capacity, buffers.heartbeat_capacity),
            (600, 300)
        );
    }

    #[test]
    fn a_fixed_clock_fixes_the_grid_rate() {
        let mut vitals = NodeVitals::new(SampleClock::Fixed(50.0));
        for i in 0..64 {
            vitals.push(f64::from(i) / 50.0, &[1.0 + f64::from(i % 3); 8], &[0.0; 8]);
        }
        assert_eq!(vitals.sample_rate_hz(), Some(50.0));
    }
}
