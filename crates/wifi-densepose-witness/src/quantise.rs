//! Integer quantisation and the running hash of the canonical feature stream.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::digest::to_hex;
use crate::error::{Result, WitnessError};
use crate::stage::Stage;

/// Values are hashed as q = round_half_even(x · 10⁶), i.e. in units of 10⁻⁶.
pub const QUANTISATION_SCALE: f64 = 1e6;

/// round_half_even(x · 10⁶) as an integer, or `None` for NaN, ±Inf or a result outside i64.
///
/// Integers avoid every float-formatting question, and −0.0 and 0.0 both become 0.
pub fn quantise(x: f64) -> Option<i64> {
    // 2⁶³ is exact in f64; every finite f64 in [−2⁶³, 2⁶³) converts to i64 exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let scaled = (x * QUANTISATION_SCALE).round_ties_even();
    if scaled.is_finite() && (-LIMIT..LIMIT).contains(&scaled) {
        Some(scaled as i64)
    } else {
        None
    }
}

/// Per-stage bookkeeping for `proof/features.summary.json`: how many values the stage put in
/// the stream and its first and last quantised values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageSummary {
    pub stage: &'static str,
    pub values: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// SHA-256 over the quantised values, each as 8 little-endian bytes, in push order.
#[derive(Debug, Clone)]
pub(crate) struct StreamHasher {
    sha: Sha256,
    count: u64,
    stages: Vec<StageSummary>,
}

impl StreamHasher {
    pub(crate) fn new() -> Self {
        let stages = Stage::ALL
            .iter()
            .map(|s| StageSummary {
                stage: s.name(),
                values: 0,
                first: None,
                last: None,
            })
            .collect();
        StreamHasher {
            sha: Sha256::new(),
            count: 0,
            stages,
        }
    }

    /// Quantises and appends real values of `stage`.
    pub(crate) fn push_reals(
        &mut self,
        stage: Stage,
        values: impl IntoIterator<Item = f64>,
    ) -> Result<()> {
        for value in values {
            let q = quantise(value).ok_or(WitnessError::Unquantisable {
                stage: stage.name(),
                index: self.stages[stage as usize].values,
                value,
            })?;
            self.push_integer(stage, q);
        }
        Ok(())
    }

    /// Appends an integer (a status code, a frame index) as it is, without scaling.
    pub(crate) fn push_integer(&mut self, stage: Stage, q: i64) {
        self.sha.update(q.to_le_bytes());
        self.count += 1;
        let summary = &mut self.stages[stage as usize];
        summary.values += 1;
        summary.first.get_or_insert(q);
        summary.last = Some(q);
    }

    /// The hex digest, the number of values hashed and the per-stage summaries.
    pub(crate) fn finish(self) -> (String, u64, Vec<StageSummary>) {
        (to_hex(&self.sha.finalize()), self.count, self.stages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even_in_millionths() {
        assert_eq!(quantise(1.0), Some(1_000_000));
        assert_eq!(quantise(-2.5e-6), Some(-2));
        assert_eq!(quantise(3.5e-6), Some(4));
        assert_eq!(quantise(0.5e-6), Some(0));
        assert_eq!(quantise(1.4999e-6), Some(1));
        assert_eq!(quantise(-0.0), Some(0));
        assert_eq!(quantise(-1.2345678), Some(-1_234_568));
    }

    #[test]
    fn rejects_values_without_an_integer_form() {
        assert_eq!(quantise(f64::NAN), None);
        assert_eq!(quantise(f64::INFINITY), None);
        assert_eq!(quantise(9.3e12), None);
        assert_eq!(quantise(-9.3e12), None);
        assert_eq!(quantise(9.2e12), Some(9_200_000_000_000_000_000));
    }

    #[test]
    fn hash_is_sha256_of_little_endian_integers() {
        let mut hasher = StreamHasher::new();
        hasher
            .push_reals(Stage::AmplitudeMean, [1.0, -2.5e-6])
            .unwrap();
        hasher.push_integer(Stage::VitalReadings, 3);
        let (hex, count, stages) = hasher.finish();
        let mut bytes = Vec::new();
        for q in [1_000_000i64, -2, 3] {
            bytes.extend_from_slice(&q.to_le_bytes());
        }
        assert_eq!(hex, crate::digest::sha256_hex(&bytes));
        assert_eq!(count, 3);
        let mean = &stages[Stage::AmplitudeMean as usize];
        assert_eq!(
            (mean.values, mean.first, mean.last),
            (2, Some(1_000_000), Some(-2))
        );
    }

    #[test]
    fn a_nan_names_its_stage_and_position() {
        let mut hasher = StreamHasher::new();
        hasher.push_reals(Stage::PsdValues, [1.0, 2.0]).unwrap();
        let e = hasher.push_reals(Stage::PsdValues, [f64::NAN]).unwrap_err();
        assert!(
            matches!(
                e,
                WitnessError::Unquantisable { stage: "psd_values", index: 2, value }
                    if value.is_nan()
            ),
            "{e}"
        );
    }
}
