//! `CsiFrame`: one single-stream CSI sample (amplitude and phase per subcarrier).

use num_complex::Complex64;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::metadata::CsiMetadata;
use crate::validate::{ensure_finite, ensure_positive};

/// One CSI sample of `n_subcarriers` bins from one antenna stream. Immutable once built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CsiFrameFields")]
pub struct CsiFrame {
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
    n_subcarriers: usize,
    sample_index: u64,
    sample_rate_hz: f64,
    metadata: Option<CsiMetadata>,
}

#[derive(Deserialize)]
struct CsiFrameFields {
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
    n_subcarriers: usize,
    sample_index: u64,
    sample_rate_hz: f64,
    #[serde(default)]
    metadata: Option<CsiMetadata>,
}

impl TryFrom<CsiFrameFields> for CsiFrame {
    type Error = CoreError;
    fn try_from(f: CsiFrameFields) -> CoreResult<Self> {
        CsiFrame::new(
            f.amplitudes,
            f.phases,
            f.n_subcarriers,
            f.sample_index,
            f.sample_rate_hz,
            f.metadata,
        )
    }
}

impl CsiFrame {
    /// Validates lengths (`n_subcarriers` ≥ 1, equal to both lengths), finiteness and the rate.
    pub fn new(
        amplitudes: Vec<f64>,
        phases: Vec<f64>,
        n_subcarriers: usize,
        sample_index: u64,
        sample_rate_hz: f64,
        metadata: Option<CsiMetadata>,
    ) -> CoreResult<Self> {
        if n_subcarriers == 0 {
            return Err(CoreError::shape("n_subcarriers", "at least 1", 0));
        }
        for (field, values) in [("amplitudes", &amplitudes), ("phases", &phases)] {
            if values.len() != n_subcarriers {
                return Err(CoreError::shape(
                    field,
                    format!("length {n_subcarriers} (n_subcarriers)"),
                    format!("length {}", values.len()),
                ));
            }
            ensure_finite(field, values.iter())?;
        }
        ensure_positive("sample_rate_hz", sample_rate_hz)?;
        Ok(CsiFrame {
            amplitudes,
            phases,
            n_subcarriers,
            sample_index,
            sample_rate_hz,
            metadata,
        })
    }

    /// Builds a frame from complex CSI: amplitude = |z|, phase = atan2(Im, Re).
    pub fn from_iq(
        iq: &[Complex64],
        sample_index: u64,
        sample_rate_hz: f64,
        metadata: Option<CsiMetadata>,
    ) -> CoreResult<Self> {
        let (amplitudes, phases) = iq_to_polar(iq)?;
        let n = amplitudes.len();
        CsiFrame::new(
            amplitudes,
            phases,
            n,
            sample_index,
            sample_rate_hz,
            metadata,
        )
    }

    /// a·(cos φ + j sin φ) per subcarrier.
    pub fn to_iq(&self) -> Vec<Complex64> {
        self.amplitudes
            .iter()
            .zip(&self.phases)
            .map(|(&a, &p)| Complex64::new(a * p.cos(), a * p.sin()))
            .collect()
    }

    pub fn amplitudes(&self) -> &[f64] {
        &self.amplitudes
    }
    pub fn phases(&self) -> &[f64] {
        &self.phases
    }
    pub fn n_subcarriers(&self) -> usize {
        self.n_subcarriers
    }
    pub fn sample_index(&self) -> u64 {
        self.sample_index
    }
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }
    pub fn metadata(&self) -> Option<&CsiMetadata> {
        self.metadata.as_ref()
    }
}

/// Amplitudes (|z|, via hypot) and phases (atan2, radians in [−π, π]) of complex CSI.
///
/// Rejects non-finite real or imaginary parts, naming the index.
pub fn iq_to_polar(iq: &[Complex64]) -> CoreResult<(Vec<f64>, Vec<f64>)> {
    if let Some((index, z)) = iq
        .iter()
        .enumerate()
        .find(|(_, z)| !(z.re.is_finite() && z.im.is_finite()))
    {
        let value = if z.re.is_finite() { z.im } else { z.re };
        return Err(CoreError::non_finite("iq", &[index], value));
    }
    Ok(iq
        .iter()
        .map(|z| (z.re.hypot(z.im), z.im.atan2(z.re)))
        .unzip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructs_and_validates() {
        assert!(CsiFrame::new(vec![1.0; 56], vec![0.0; 56], 56, 0, 100.0, None).is_ok());
        let short = CsiFrame::new(vec![1.0; 55], vec![0.0; 56], 56, 0, 100.0, None).unwrap_err();
        assert!(matches!(short, CoreError::Shape { ref field, .. } if field == "amplitudes"));
        let mut phases = vec![0.0; 56];
        phases[7] = f64::NAN;
        let nan = CsiFrame::new(vec![1.0; 56], phases, 56, 0, 100.0, None).unwrap_err();
        assert_eq!(
            nan.to_string(),
            "phases contains a non-finite value (NaN) at [7]"
        );
        for rate in [0.0, -1.0, f64::NAN] {
            let e = CsiFrame::new(vec![1.0], vec![0.0], 1, 0, rate, None).unwrap_err();
            assert!(matches!(e, CoreError::Validation { .. }));
        }
        assert!(matches!(
            CsiFrame::new(vec![], vec![], 0, 0, 1.0, None),
            Err(CoreError::Shape { .. })
        ));
    }

    #[test]
    fn iq_round_trip() {
        let f = CsiFrame::from_iq(&[Complex64::new(3.0, 4.0)], 0, 100.0, None).unwrap();
        assert_eq!(f.amplitudes(), &[5.0]);
        assert!((f.phases()[0] - 0.927_295_218_001_612_2).abs() < 1e-15);
        let z = f.to_iq();
        assert!((z[0] - Complex64::new(3.0, 4.0)).norm() < 1e-12);
    }

    #[test]
    fn json_round_trip_keeps_arrays_and_validates() {
        let f = CsiFrame::new(vec![1.0, 2.5], vec![0.1, -0.2], 2, 9, 100.0, None).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<CsiFrame>(&json).unwrap(), f);
        let bad = json.replace("\"sample_rate_hz\":100.0", "\"sample_rate_hz\":0.0");
        assert!(serde_json::from_str::<CsiFrame>(&bad).is_err());
    }
}
