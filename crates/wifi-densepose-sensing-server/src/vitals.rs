//! One node's vitals from its gated raw CSI: the vitals crate's pipeline, fed the first
//! bins of every frame at the nominal CSI rate, and its latest reading as `vital_signs`.

use wifi_densepose_vitals::{VitalEstimate, VitalReading, VitalsConfig, VitalsPipeline};

use crate::engine::BufferStatus;
use crate::messages::VitalSigns;

/// Bins fed to the pipeline (its ESP32 profile).
pub const VITALS_BINS: usize = 56;

#[derive(Debug)]
pub struct NodeVitals {
    pipeline: VitalsPipeline,
    bins: usize,
    latest: Option<VitalSigns>,
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
    }
}

impl NodeVitals {
    /// A pipeline for frames of `frame_bins` bins at `sample_rate_hz`; `None` when the
    /// frame has no bins or the rate cannot carry the heart band.
    pub fn new(frame_bins: usize, sample_rate_hz: f64) -> Option<Self> {
        let bins = frame_bins.min(VITALS_BINS);
        if bins == 0 {
            return None;
        }
        let config = VitalsConfig {
            n_subcarriers: bins,
            sample_rate_hz,
            ..VitalsConfig::default()
        };
        match VitalsPipeline::new(config) {
            Ok(pipeline) => Some(NodeVitals {
                pipeline,
                bins,
                latest: None,
            }),
            Err(error) => {
                tracing::warn!(%error, sample_rate_hz, "vitals disabled for this node");
                None
            }
        }
    }

    /// Feeds one frame; frames shorter than the pipeline's bin count are skipped.
    pub fn push(&mut self, amplitudes: &[f64], phases: &[f64]) {
        let (Some(amplitudes), Some(phases)) =
            (amplitudes.get(..self.bins), phases.get(..self.bins))
        else {
            return;
        };
        match self.pipeline.push_arrays(amplitudes, phases) {
            Ok(Some(reading)) => self.latest = Some(vital_signs(&reading)),
            Ok(None) => {}
            Err(error) => tracing::debug!(%error, "frame rejected by the vitals pipeline"),
        }
    }

    /// The latest reading; `None` until the pipeline has an estimate.
    pub fn latest(&self) -> Option<VitalSigns> {
        self.latest
    }

    pub fn buffer_status(&self) -> BufferStatus {
        let breathing = self.pipeline.breathing();
        let heart = self.pipeline.heart();
        BufferStatus {
            breathing_samples: breathing.history_len(),
            breathing_capacity: breathing.capacity(),
            heartbeat_samples: heart.history_len(),
            heartbeat_capacity: heart.capacity(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn clean_modulation_gives_its_rates() {
        let fs = 20.0;
        let mut vitals = NodeVitals::new(64, fs).expect("pipeline");
        assert_eq!(vitals.latest(), None);
        let phases: Vec<f64> = (0..64).map(|k| 0.2 * k as f64).collect();
        // 30 s at 20 Hz of 15 BPM breathing and 72 BPM heartbeat.
        for i in 0..600 {
            let t = i as f64 / fs;
            let m = 2.0 * (2.0 * PI * 0.25 * t).sin() + 0.3 * (2.0 * PI * 1.2 * t).sin();
            let amplitudes: Vec<f64> = (0..64)
                .map(|k| 15.0 + 5.0 * (0.1 * k as f64).sin() + m)
                .collect();
            vitals.push(&amplitudes, &phases);
        }
        let signs = vitals.latest().expect("a reading");
        let breathing = signs.breathing_rate_bpm.expect("breathing");
        let heart = signs.heart_rate_bpm.expect("heart");
        assert!((breathing - 15.0).abs() < 0.5, "breathing {breathing}");
        assert!((heart - 72.0).abs() < 1.5, "heart {heart}");
        let buffers = vitals.buffer_status();
        assert_eq!(
            (buffers.breathing_capacity, buffers.heartbeat_capacity),
            (600, 300)
        );
        assert_eq!(
            (buffers.breathing_samples, buffers.heartbeat_samples),
            (600, 300)
        );
    }

    #[test]
    fn rates_that_cannot_carry_the_heart_band_disable_vitals() {
        assert!(NodeVitals::new(56, 3.0).is_none());
        assert!(NodeVitals::new(0, 20.0).is_none());
    }
}
