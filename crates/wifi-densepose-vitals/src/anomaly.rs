//! Stage 4: clinical-range and sudden-change alerts over the stream of readings.

use crate::error::{Result, VitalsError};
use crate::types::{AlertType, AnomalyAlert, VitalEstimate, VitalReading, VitalStatus, VitalType};
use wifi_densepose_core::{RingBuffer, MAX_HISTORY_LEN};

/// Readings a vital needs in its baseline before it is scored.
pub const WARM_UP_READINGS: u64 = 5;
/// Clinical rules fire only above this confidence.
pub const CLINICAL_CONFIDENCE_GATE: f64 = 0.3;
/// A standard deviation below this gives z = 0.
const MIN_SD: f64 = 1e-10;

/// Welford's running mean and variance over every value ever added.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Welford {
    count: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    pub fn new() -> Self {
        Welford::default()
    }

    pub fn update(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Sample standard deviation √(M2/(n−1)), or 0 for n < 2.
    pub fn std_dev(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.m2 / (self.count - 1) as f64).sqrt()
        }
    }

    /// (x − mean)/sd, or 0 when sd < 1e-10.
    pub fn z_score(&self, x: f64) -> f64 {
        let sd = self.std_dev();
        if sd < MIN_SD {
            0.0
        } else {
            (x - self.mean) / sd
        }
    }
}

/// The baseline of one vital: Welford over its whole history plus a window kept for inspection.
#[derive(Debug, Clone, PartialEq)]
struct Baseline {
    stats: Welford,
    recent: RingBuffer<f64>,
}

impl Baseline {
    fn new(window: usize) -> Self {
        Baseline {
            stats: Welford::new(),
            recent: RingBuffer::new(window),
        }
    }

    fn add(&mut self, value: f64) {
        self.recent.push(value);
        self.stats.update(value);
    }
}

/// Raises apnea, tachypnea, bradypnea, tachycardia, bradycardia and sudden-change alerts.
///
/// For one thread at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct VitalAnomalyDetector {
    window: usize,
    z_threshold: f64,
    skip_unavailable: bool,
    respiratory: Baseline,
    cardiac: Baseline,
    reading_count: u64,
}

impl VitalAnomalyDetector {
    /// `window` ≥ 1 values kept per vital; `z_threshold` finite and > 0. With
    /// `skip_unavailable`, UNAVAILABLE estimates stay out of the baseline.
    pub fn new(window: usize, z_threshold: f64, skip_unavailable: bool) -> Result<Self> {
        if window == 0 || window > MAX_HISTORY_LEN {
            return Err(VitalsError::config(format!(
                "anomaly window must be in 1..={MAX_HISTORY_LEN}, got {window}"
            )));
        }
        VitalsError::ensure_config_positive("z_threshold", z_threshold)?;
        Ok(VitalAnomalyDetector {
            window,
            z_threshold,
            skip_unavailable,
            respiratory: Baseline::new(window),
            cardiac: Baseline::new(window),
            reading_count: 0,
        })
    }

    /// (60, 2.5, skip_unavailable).
    pub fn default_config() -> Self {
        VitalAnomalyDetector::new(60, 2.5, true)
            .expect("the default anomaly configuration is valid")
    }

    /// Updates the baselines with `reading` and returns its alerts, in rule order.
    pub fn check(&mut self, reading: &VitalReading) -> Vec<AnomalyAlert> {
        self.reading_count += 1;
        let mut alerts = Vec::new();
        let rr = reading.respiratory_rate();
        let hr = reading.heart_rate();
        let rr_z = Self::include(self.skip_unavailable, &mut self.respiratory, &rr);
        let hr_z = Self::include(self.skip_unavailable, &mut self.cardiac, &hr);
        if let Some(z) = rr_z {
            alerts.extend(respiratory_clinical(&rr));
            alerts.extend(self.sudden_change(VitalType::Respiratory, z, rr.value_bpm()));
        }
        if let Some(z) = hr_z {
            alerts.extend(cardiac_clinical(&hr));
            alerts.extend(self.sudden_change(VitalType::Cardiac, z, hr.value_bpm()));
        }
        alerts
    }

    /// Adds an included estimate to its baseline before scoring; the z-score once warmed up.
    fn include(
        skip_unavailable: bool,
        baseline: &mut Baseline,
        estimate: &VitalEstimate,
    ) -> Option<f64> {
        if skip_unavailable && estimate.status() == VitalStatus::Unavailable {
            return None;
        }
        baseline.add(estimate.value_bpm());
        (baseline.stats.count() >= WARM_UP_READINGS)
            .then(|| baseline.stats.z_score(estimate.value_bpm()))
    }

    fn sudden_change(&self, vital: VitalType, z: f64, value: f64) -> Option<AnomalyAlert> {
        if z.abs() <= self.z_threshold {
            return None;
        }
        let severity = (z.abs() / (2.0 * self.z_threshold)).clamp(0.2, 1.0);
        let message = match vital {
            VitalType::Respiratory => {
                format!("Sudden respiratory rate change: z-score = {z:.2} (RR = {value:.1} BPM)")
            }
            VitalType::Cardiac => {
                format!("Sudden heart rate change: z-score = {z:.2} (HR = {value:.1} BPM)")
            }
        };
        Some(alert(vital, AlertType::SuddenChange, severity, message))
    }

    /// Clears both baselines and the reading count.
    pub fn reset(&mut self) {
        self.respiratory = Baseline::new(self.window);
        self.cardiac = Baseline::new(self.window);
        self.reading_count = 0;
    }

    pub fn reading_count(&self) -> u64 {
        self.reading_count
    }
    pub fn rr_mean(&self) -> f64 {
        self.respiratory.stats.mean()
    }
    pub fn hr_mean(&self) -> f64 {
        self.cardiac.stats.mean()
    }
    pub fn rr_stats(&self) -> Welford {
        self.respiratory.stats
    }
    pub fn hr_stats(&self) -> Welford {
        self.cardiac.stats
    }
    /// The last `window` respiratory values in the baseline, oldest first.
    pub fn rr_window(&self) -> Vec<f64> {
        self.respiratory.recent.iter().copied().collect()
    }
    /// The last `window` heart values in the baseline, oldest first.
    pub fn hr_window(&self) -> Vec<f64> {
        self.cardiac.recent.iter().copied().collect()
    }
    pub fn window(&self) -> usize {
        self.window
    }
    pub fn z_threshold(&self) -> f64 {
        self.z_threshold
    }
    pub fn skip_unavailable(&self) -> bool {
        self.skip_unavailable
    }
}

fn alert(vital: VitalType, kind: AlertType, severity: f64, message: String) -> AnomalyAlert {
    AnomalyAlert::new(vital, kind, severity, message).expect("severities are clamped into [0, 1]")
}

/// The first matching respiratory rule: apnea, tachypnea, bradypnea.
fn respiratory_clinical(rr: &VitalEstimate) -> Option<AnomalyAlert> {
    if rr.confidence() <= CLINICAL_CONFIDENCE_GATE {
        return None;
    }
    let v = rr.value_bpm();
    let (kind, severity, message) = if v < 4.0 {
        (
            AlertType::Apnea,
            0.9,
            format!("Possible apnea detected: RR = {v:.1} BPM"),
        )
    } else if v > 30.0 {
        let severity = ((v - 30.0) / 20.0).clamp(0.3, 1.0);
        (
            AlertType::Tachypnea,
            severity,
            format!("Elevated respiratory rate: RR = {v:.1} BPM"),
        )
    } else if v < 8.0 {
        let severity = ((8.0 - v) / 8.0).clamp(0.3, 0.8);
        (
            AlertType::Bradypnea,
            severity,
            format!("Low respiratory rate: RR = {v:.1} BPM"),
        )
    } else {
        return None;
    };
    Some(alert(VitalType::Respiratory, kind, severity, message))
}

/// The first matching cardiac rule: tachycardia, bradycardia.
fn cardiac_clinical(hr: &VitalEstimate) -> Option<AnomalyAlert> {
    if hr.confidence() <= CLINICAL_CONFIDENCE_GATE {
        return None;
    }
    let v = hr.value_bpm();
    let (kind, severity, message) = if v > 100.0 {
        let severity = ((v - 100.0) / 80.0).clamp(0.3, 1.0);
        (
            AlertType::Tachycardia,
            severity,
            format!("Elevated heart rate: HR = {v:.1} BPM"),
        )
    } else if v < 50.0 {
        let severity = ((50.0 - v) / 30.0).clamp(0.3, 1.0);
        (
            AlertType::Bradycardia,
            severity,
            format!("Low heart rate: HR = {v:.1} BPM"),
        )
    } else {
        return None;
    };
    Some(alert(VitalType::Cardiac, kind, severity, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(value: f64) -> VitalEstimate {
        VitalEstimate::new(value, 0.8, VitalStatus::Valid).unwrap()
    }

    fn reading(rr: f64, hr: f64) -> VitalReading {
        VitalReading::new(estimate(rr), estimate(hr), 56, 0.8, 0.0).unwrap()
    }

    fn kinds(alerts: &[AnomalyAlert]) -> Vec<&'static str> {
        alerts.iter().map(|a| a.alert_type().as_str()).collect()
    }

    fn warmed_up(z: f64, n: usize, rr: f64, hr: f64) -> VitalAnomalyDetector {
        let mut det = VitalAnomalyDetector::new(30, z, true).unwrap();
        for _ in 0..n {
            assert!(det.check(&reading(rr, hr)).is_empty());
        }
        det
    }

    #[test]
    fn steady_readings_raise_nothing() {
        warmed_up(2.0, 20, 15.0, 72.0);
    }

    #[test]
    fn next_reading_after_ten_normal_ones() {
        let mut det = warmed_up(2.5, 10, 15.0, 72.0);
        let alerts = det.check(&reading(15.0, 130.0));
        assert_eq!(kinds(&alerts), ["tachycardia", "sudden_change"]);
        assert_eq!(alerts[0].vital_type(), VitalType::Cardiac);
        assert!((alerts[0].severity() - 0.375).abs() < 1e-12);
        assert_eq!(
            alerts[1].message(),
            "Sudden heart rate change: z-score = 3.02 (HR = 130.0 BPM)"
        );

        // Any lone outlier after ten equal values scores |z| = 10/√11 ≈ 3.02 > 2.5, so the
        // clinical alert is always followed by a sudden change.
        let brady = warmed_up(2.5, 10, 15.0, 72.0).check(&reading(15.0, 40.0));
        assert_eq!(kinds(&brady), ["bradycardia", "sudden_change"]);
        assert!((brady[0].severity() - 1.0 / 3.0).abs() < 1e-12);
        assert!(brady[1].message().contains("z-score = -3.02"));
        let apnea = warmed_up(2.5, 10, 15.0, 72.0).check(&reading(2.0, 72.0));
        assert_eq!(kinds(&apnea), ["apnea", "sudden_change"]);
        assert_eq!(apnea[0].message(), "Possible apnea detected: RR = 2.0 BPM");
        assert_eq!(apnea[0].severity(), 0.9);
        assert_eq!(apnea[1].vital_type(), VitalType::Respiratory);
        let tachy = warmed_up(2.5, 10, 15.0, 72.0).check(&reading(35.0, 72.0));
        assert_eq!(kinds(&tachy), ["tachypnea", "sudden_change"]);
        assert!((tachy[0].severity() - 0.3).abs() < 1e-12);
    }

    #[test]
    fn sudden_change_message_after_thirty_steady_readings() {
        let mut det = warmed_up(2.0, 30, 15.0, 72.0);
        let alerts = det.check(&reading(15.0, 95.0));
        assert_eq!(kinds(&alerts), ["sudden_change"]);
        assert_eq!(
            alerts[0].message(),
            "Sudden heart rate change: z-score = 5.39 (HR = 95.0 BPM)"
        );
    }

    #[test]
    fn no_alert_before_the_fifth_reading_and_reset() {
        let mut det = VitalAnomalyDetector::default_config();
        for _ in 0..4 {
            assert!(det.check(&reading(2.0, 200.0)).is_empty());
        }
        assert_eq!(
            kinds(&det.check(&reading(2.0, 200.0))),
            ["apnea", "tachycardia"]
        );
        det.reset();
        assert_eq!(det.reading_count(), 0);
    }

    #[test]
    fn welford_examples() {
        let mut w = Welford::new();
        for x in [10.0, 20.0, 30.0] {
            w.update(x);
        }
        assert_eq!(w.mean(), 20.0);
        assert!(w.std_dev() > 0.0);
        let mut w = Welford::new();
        for i in 0..100 {
            w.update(50.0 + (i % 3) as f64);
        }
        assert!(w.z_score(100.0) > 2.0);
        assert_eq!(Welford::new().z_score(3.0), 0.0);
    }

    #[test]
    fn means_and_severities() {
        let mut det = warmed_up(2.5, 10, 16.0, 75.0);
        assert!((det.rr_mean() - 16.0).abs() < 0.5 && (det.hr_mean() - 75.0).abs() < 0.5);
        for a in det.check(&reading(16.0, 200.0)) {
            assert!((0.0..=1.0).contains(&a.severity()));
        }
        assert_eq!(det.hr_window().len(), 11);
    }

    #[test]
    fn unavailable_estimates_stay_out_of_the_baseline_by_default() {
        let unavailable_rr =
            VitalReading::new(VitalEstimate::unavailable(), estimate(72.0), 56, 0.4, 0.0).unwrap();
        for (skip, expected) in [(true, 0), (false, 1)] {
            let mut det = VitalAnomalyDetector::new(60, 2.5, skip).unwrap();
            for _ in 0..10 {
                det.check(&unavailable_rr);
            }
            let alerts = det.check(&reading(15.0, 72.0));
            let sudden: Vec<_> = alerts
                .iter()
                .filter(|a| a.alert_type() == AlertType::SuddenChange)
                .collect();
            assert_eq!(sudden.len(), expected);
            if !skip {
                assert_eq!(sudden[0].vital_type(), VitalType::Respiratory);
                assert!(sudden[0].message().contains("z-score = 3.02"));
                assert_eq!(det.rr_stats().count(), det.reading_count());
            }
        }
    }

    #[test]
    fn configuration_is_checked() {
        assert!(VitalAnomalyDetector::new(0, 2.5, true).is_err());
        assert!(VitalAnomalyDetector::new(60, 0.0, true).is_err());
        assert!(VitalAnomalyDetector::new(60, f64::NAN, true).is_err());
    }
}
