//! Value types shared by the stages: statuses, estimates, readings, alerts and statistics.

use std::fmt;

use wifi_densepose_core::validate::{ensure_finite_scalar, ensure_in_range};

use crate::error::{Result, VitalsError};

/// How far an estimate can be trusted. The discriminants are the codes used in result arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VitalStatus {
    Valid = 0,
    Degraded = 1,
    Unreliable = 2,
    Unavailable = 3,
}

impl VitalStatus {
    pub const ALL: [VitalStatus; 4] = [
        VitalStatus::Valid,
        VitalStatus::Degraded,
        VitalStatus::Unreliable,
        VitalStatus::Unavailable,
    ];

    /// The code stored in result arrays (0 = VALID … 3 = UNAVAILABLE).
    pub fn code(self) -> i8 {
        self as i8
    }

    pub fn from_code(code: i64) -> Result<Self> {
        VitalStatus::ALL
            .into_iter()
            .find(|s| i64::from(s.code()) == code)
            .ok_or_else(|| VitalsError::validation("status", format!("must be 0..=3, got {code}")))
    }

    /// The upper-case name, e.g. `"VALID"`.
    pub const fn name(self) -> &'static str {
        match self {
            VitalStatus::Valid => "VALID",
            VitalStatus::Degraded => "DEGRADED",
            VitalStatus::Unreliable => "UNRELIABLE",
            VitalStatus::Unavailable => "UNAVAILABLE",
        }
    }
}

/// Confidence levels at which an estimate becomes VALID or DEGRADED; below both it is UNRELIABLE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusThresholds {
    valid: f64,
    degraded: f64,
}

impl StatusThresholds {
    /// Requires both thresholds in [0, 1] and `degraded <= valid`.
    pub fn new(valid: f64, degraded: f64) -> Result<Self> {
        VitalsError::ensure_config_in_range("valid_threshold", valid, 0.0, 1.0)?;
        VitalsError::ensure_config_in_range("degraded_threshold", degraded, 0.0, 1.0)?;
        if degraded > valid {
            return Err(VitalsError::config(format!(
                "degraded_threshold ({degraded}) must not exceed valid_threshold ({valid})"
            )));
        }
        Ok(StatusThresholds { valid, degraded })
    }

    /// The defaults, replaced by whichever override is given.
    pub(crate) fn with_overrides(
        default: StatusThresholds,
        valid: Option<f64>,
        degraded: Option<f64>,
    ) -> Result<Self> {
        StatusThresholds::new(
            valid.unwrap_or(default.valid),
            degraded.unwrap_or(default.degraded),
        )
    }

    pub(crate) const fn new_unchecked(valid: f64, degraded: f64) -> Self {
        StatusThresholds { valid, degraded }
    }

    pub fn valid(&self) -> f64 {
        self.valid
    }

    pub fn degraded(&self) -> f64 {
        self.degraded
    }

    /// VALID needs `valid_allowed` as well (the heart stage withholds it with < 4 subcarriers).
    pub fn classify(&self, confidence: f64, valid_allowed: bool) -> VitalStatus {
        if valid_allowed && confidence >= self.valid {
            VitalStatus::Valid
        } else if confidence >= self.degraded {
            VitalStatus::Degraded
        } else {
            VitalStatus::Unreliable
        }
    }
}

/// One rate estimate: value in BPM, confidence in [0, 1] and status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitalEstimate {
    value_bpm: f64,
    confidence: f64,
    status: VitalStatus,
}

impl VitalEstimate {
    /// Requires a finite `value_bpm` ≥ 0 and a confidence in [0, 1].
    pub fn new(value_bpm: f64, confidence: f64, status: VitalStatus) -> Result<Self> {
        ensure_finite_scalar("value_bpm", value_bpm)?;
        if value_bpm < 0.0 {
            return Err(VitalsError::validation(
                "value_bpm",
                format!("must be >= 0, got {value_bpm}"),
            ));
        }
        ensure_in_range("confidence", confidence, 0.0, 1.0)?;
        Ok(VitalEstimate {
            value_bpm,
            confidence,
            status,
        })
    }

    /// Built by the stages, whose values are valid by construction.
    pub(crate) fn from_parts(value_bpm: f64, confidence: f64, status: VitalStatus) -> Self {
        VitalEstimate {
            value_bpm,
            confidence,
            status,
        }
    }

    /// (0.0, 0.0, UNAVAILABLE): what a reading carries for a vital with no estimate.
    pub const fn unavailable() -> Self {
        VitalEstimate {
            value_bpm: 0.0,
            confidence: 0.0,
            status: VitalStatus::Unavailable,
        }
    }

    pub fn value_bpm(&self) -> f64 {
        self.value_bpm
    }
    pub fn confidence(&self) -> f64 {
        self.confidence
    }
    pub fn status(&self) -> VitalStatus {
        self.status
    }
    pub fn is_available(&self) -> bool {
        self.status != VitalStatus::Unavailable
    }

    /// VALID becomes DEGRADED; other statuses stay (an estimate over a broken window).
    pub(crate) fn at_best_degraded(self) -> Self {
        let status = match self.status {
            VitalStatus::Valid => VitalStatus::Degraded,
            other => other,
        };
        VitalEstimate { status, ..self }
    }
}

/// One pipeline output: both estimates, how many subcarriers fed them, quality and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitalReading {
    respiratory_rate: VitalEstimate,
    heart_rate: VitalEstimate,
    subcarrier_count: usize,
    signal_quality: f64,
    timestamp_secs: f64,
    /// Whether an estimate's window spans a gap in timestamped input.
    spans_gap: bool,
}

impl VitalReading {
    /// Requires `signal_quality` in [0, 1] and a finite timestamp.
    pub fn new(
        respiratory_rate: VitalEstimate,
        heart_rate: VitalEstimate,
        subcarrier_count: usize,
        signal_quality: f64,
        timestamp_secs: f64,
    ) -> Result<Self> {
        ensure_in_range("signal_quality", signal_quality, 0.0, 1.0)?;
        ensure_finite_scalar("timestamp_s", timestamp_secs)?;
        Ok(VitalReading {
            respiratory_rate,
            heart_rate,
            subcarrier_count,
            signal_quality,
            timestamp_secs,
            spans_gap: false,
        })
    }

    /// Built by the pipeline, whose values are valid by construction.
    pub(crate) fn from_parts(
        respiratory_rate: VitalEstimate,
        heart_rate: VitalEstimate,
        subcarrier_count: usize,
        signal_quality: f64,
        timestamp_secs: f64,
    ) -> Self {
        VitalReading {
            respiratory_rate,
            heart_rate,
            subcarrier_count,
            signal_quality,
            timestamp_secs,
            spans_gap: false,
        }
    }

    /// The same reading with the gap flag set to `spans_gap`.
    pub fn with_spans_gap(self, spans_gap: bool) -> Self {
        VitalReading { spans_gap, ..self }
    }

    pub fn respiratory_rate(&self) -> VitalEstimate {
        self.respiratory_rate
    }
    pub fn heart_rate(&self) -> VitalEstimate {
        self.heart_rate
    }
    pub fn subcarrier_count(&self) -> usize {
        self.subcarrier_count
    }
    pub fn signal_quality(&self) -> f64 {
        self.signal_quality
    }
    pub fn timestamp_secs(&self) -> f64 {
        self.timestamp_secs
    }
    /// Whether the window of an estimate spans a gap longer than the pipeline's `max_gap_s`
    /// (timestamped input only); such an estimate is at best DEGRADED.
    pub fn spans_gap(&self) -> bool {
        self.spans_gap
    }
}

/// Which vital an alert concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VitalType {
    Respiratory,
    Cardiac,
}

impl VitalType {
    pub fn as_str(self) -> &'static str {
        match self {
            VitalType::Respiratory => "respiratory",
            VitalType::Cardiac => "cardiac",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        [VitalType::Respiratory, VitalType::Cardiac]
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| {
                VitalsError::validation(
                    "vital_type",
                    format!("must be respiratory or cardiac, got {text:?}"),
                )
            })
    }
}

/// The rule that raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertType {
    Apnea,
    Tachypnea,
    Bradypnea,
    SuddenChange,
    Tachycardia,
    Bradycardia,
}

impl AlertType {
    pub const ALL: [AlertType; 6] = [
        AlertType::Apnea,
        AlertType::Tachypnea,
        AlertType::Bradypnea,
        AlertType::SuddenChange,
        AlertType::Tachycardia,
        AlertType::Bradycardia,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertType::Apnea => "apnea",
            AlertType::Tachypnea => "tachypnea",
            AlertType::Bradypnea => "bradypnea",
            AlertType::SuddenChange => "sudden_change",
            AlertType::Tachycardia => "tachycardia",
            AlertType::Bradycardia => "bradycardia",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        AlertType::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| {
                VitalsError::validation("alert_type", format!("unknown alert type {text:?}"))
            })
    }
}

/// One anomaly raised by the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyAlert {
    vital_type: VitalType,
    alert_type: AlertType,
    severity: f64,
    message: String,
}

impl AnomalyAlert {
    /// Requires a severity in [0, 1].
    pub fn new(
        vital_type: VitalType,
        alert_type: AlertType,
        severity: f64,
        message: impl Into<String>,
    ) -> Result<Self> {
        ensure_in_range("severity", severity, 0.0, 1.0)?;
        Ok(AnomalyAlert {
            vital_type,
            alert_type,
            severity,
            message: message.into(),
        })
    }

    pub fn vital_type(&self) -> VitalType {
        self.vital_type
    }
    pub fn alert_type(&self) -> AlertType {
        self.alert_type
    }
    pub fn severity(&self) -> f64 {
        self.severity
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for AnomalyAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}/{}] {}",
            self.vital_type.as_str(),
            self.alert_type.as_str(),
            self.message
        )
    }
}

/// Summary of the readings held by a [`crate::VitalSignStore`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitalStats {
    pub count: usize,
    pub rr_mean: f64,
    pub hr_mean: f64,
    pub rr_min: f64,
    pub rr_max: f64,
    pub hr_min: f64,
    pub hr_max: f64,
    /// Share of readings whose respiratory and heart estimates are both VALID.
    pub valid_fraction: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_follow_the_table() {
        let codes: Vec<i8> = VitalStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert_eq!(VitalStatus::from_code(2).unwrap(), VitalStatus::Unreliable);
        assert!(VitalStatus::from_code(4).is_err());
        assert_eq!(VitalStatus::Unavailable.name(), "UNAVAILABLE");
    }

    #[test]
    fn estimates_validate_and_unavailable_is_zero() {
        let u = VitalEstimate::unavailable();
        assert_eq!(
            (u.value_bpm(), u.confidence(), u.status()),
            (0.0, 0.0, VitalStatus::Unavailable)
        );
        assert!(VitalEstimate::new(15.0, 0.9, VitalStatus::Valid).is_ok());
        assert!(VitalEstimate::new(-1.0, 0.9, VitalStatus::Valid).is_err());
        assert!(VitalEstimate::new(f64::NAN, 0.9, VitalStatus::Valid).is_err());
        assert!(VitalEstimate::new(15.0, 1.1, VitalStatus::Valid).is_err());
    }

    #[test]
    fn thresholds_classify_and_validate() {
        let t = StatusThresholds::new(0.8, 0.6).unwrap();
        assert_eq!(t.classify(0.8, true), VitalStatus::Valid);
        assert_eq!(t.classify(0.8, false), VitalStatus::Degraded);
        assert_eq!(t.classify(0.6, true), VitalStatus::Degraded);
        assert_eq!(t.classify(0.59, true), VitalStatus::Unreliable);
        assert!(StatusThresholds::new(0.5, 0.6).is_err());
        assert!(StatusThresholds::new(f64::NAN, 0.6).is_err());
    }

    #[test]
    fn alert_and_vital_type_names_round_trip() {
        for t in AlertType::ALL {
            assert_eq!(AlertType::parse(t.as_str()).unwrap(), t);
        }
        assert_eq!(VitalType::parse("cardiac").unwrap(), VitalType::Cardiac);
        assert!(VitalType::parse("renal").is_err());
        assert!(AnomalyAlert::new(VitalType::Cardiac, AlertType::Tachycardia, 1.5, "x").is_err());
    }
}
