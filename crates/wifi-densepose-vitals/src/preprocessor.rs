//! Stage 1: removes each subcarrier's static component with an exponential moving average.

use crate::error::{Result, VitalsError};
use crate::extractor::ensure_finite_values;
use crate::frames::{ensure_finite_rows, FrameMatrix, FrameSource};

/// The smoothing factor is clamped into this range.
pub const ALPHA_RANGE: (f64, f64) = (0.001, 0.999);

/// Per-subcarrier residual rᵢ = aᵢ − pᵢ against the prediction before its update
/// pᵢ ← αaᵢ + (1−α)pᵢ. A subcarrier's first frame sets pᵢ = aᵢ and gives rᵢ = 0.
///
/// For one thread at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiVitalPreprocessor {
    n_subcarriers: usize,
    alpha: f64,
    predictions: Vec<f64>,
    /// Subcarriers 0..seen have a prediction (inputs always cover a prefix).
    seen: usize,
    residuals: Vec<f64>,
}

fn clamp_alpha(alpha: f64) -> Result<f64> {
    if alpha.is_nan() {
        return Err(VitalsError::config("alpha must not be NaN"));
    }
    Ok(alpha.clamp(ALPHA_RANGE.0, ALPHA_RANGE.1))
}

impl CsiVitalPreprocessor {
    /// `alpha` is clamped to [0.001, 0.999]; NaN is rejected.
    pub fn new(n_subcarriers: usize, alpha: f64) -> Result<Self> {
        wifi_densepose_core::validate::ensure_size(
            "n_subcarriers",
            n_subcarriers,
            0,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        Ok(CsiVitalPreprocessor {
            n_subcarriers,
            alpha: clamp_alpha(alpha)?,
            predictions: vec![0.0; n_subcarriers],
            seen: 0,
            residuals: Vec::with_capacity(n_subcarriers),
        })
    }

    /// (56 subcarriers, α = 0.05).
    pub fn esp32_default() -> Self {
        CsiVitalPreprocessor::new(56, 0.05).expect("the ESP32 preprocessor defaults are valid")
    }

    /// Residuals of the first n = min(len, n_subcarriers) amplitudes (extras are ignored);
    /// None with no state change when n = 0. Non-finite input is rejected before any change.
    pub fn process(&mut self, amplitudes: &[f64]) -> Result<Option<&[f64]>> {
        ensure_finite_values("amplitudes", amplitudes)?;
        Ok(self.process_unchecked(amplitudes))
    }

    pub(crate) fn process_unchecked(&mut self, amplitudes: &[f64]) -> Option<&[f64]> {
        let n = amplitudes.len().min(self.n_subcarriers);
        if n == 0 {
            return None;
        }
        let alpha = self.alpha;
        self.residuals.clear();
        for (i, (&a, p)) in amplitudes[..n]
            .iter()
            .zip(&mut self.predictions[..n])
            .enumerate()
        {
            if i < self.seen {
                self.residuals.push(a - *p);
                *p = alpha * a + (1.0 - alpha) * *p;
            } else {
                *p = a;
                self.residuals.push(0.0);
            }
        }
        self.seen = self.seen.max(n);
        Some(&self.residuals)
    }

    /// Residuals `[T, n]` for amplitudes `[T, N]`, n = min(N, n_subcarriers); validated first.
    pub fn process_batch(&mut self, amplitudes: &impl FrameSource) -> Result<FrameMatrix> {
        ensure_finite_rows("amplitudes", amplitudes)?;
        let n = amplitudes.n_columns().min(self.n_subcarriers);
        let mut out = FrameMatrix::with_capacity(amplitudes.n_frames(), n);
        for frame in 0..amplitudes.n_frames() {
            match self.process_unchecked(&amplitudes.row(frame)) {
                Some(residuals) => out.push_row(residuals),
                None => out.push_row(&[]),
            }
        }
        Ok(out)
    }

    /// Forgets every prediction.
    pub fn reset(&mut self) {
        self.predictions.fill(0.0);
        self.seen = 0;
        self.residuals.clear();
    }

    pub fn n_subcarriers(&self) -> usize {
        self.n_subcarriers
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Sets α, clamped to [0.001, 0.999]; NaN is rejected and leaves α unchanged.
    pub fn set_alpha(&mut self, alpha: f64) -> Result<()> {
        self.alpha = clamp_alpha(alpha)?;
        Ok(())
    }

    /// Subcarriers that already have a prediction.
    pub fn initialized_subcarriers(&self) -> usize {
        self.seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::RowMajor;

    #[test]
    fn empty_input_gives_none_and_first_frame_gives_zeros() {
        let mut pre = CsiVitalPreprocessor::new(4, 0.1).unwrap();
        assert_eq!(pre.process(&[]).unwrap(), None);
        assert_eq!(pre.initialized_subcarriers(), 0);
        assert_eq!(
            pre.process(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap().unwrap(),
            &[0.0; 4]
        );
    }

    #[test]
    fn constant_input_settles_and_a_step_shows() {
        let mut pre = CsiVitalPreprocessor::new(4, 0.1).unwrap();
        for _ in 0..100 {
            let r = pre.process(&[5.0; 4]).unwrap().unwrap();
            assert!(r.iter().all(|v| v.abs() < 0.01));
        }
        let mut step = CsiVitalPreprocessor::new(1, 0.05).unwrap();
        for _ in 0..200 {
            step.process(&[10.0]).unwrap();
        }
        assert!(step.process(&[20.0]).unwrap().unwrap()[0] > 5.0);
        step.reset();
        assert_eq!(step.process(&[20.0]).unwrap().unwrap(), &[0.0]);
    }

    #[test]
    fn residual_uses_the_prediction_before_its_update() {
        let mut pre = CsiVitalPreprocessor::new(1, 0.5).unwrap();
        pre.process(&[2.0]).unwrap();
        assert_eq!(pre.process(&[4.0]).unwrap().unwrap(), &[2.0]);
        assert_eq!(pre.process(&[4.0]).unwrap().unwrap(), &[1.0]);
    }

    #[test]
    fn alpha_is_clamped_and_nan_rejected() {
        assert_eq!(CsiVitalPreprocessor::new(56, -5.0).unwrap().alpha(), 0.001);
        assert_eq!(CsiVitalPreprocessor::new(56, 100.0).unwrap().alpha(), 0.999);
        assert!(matches!(
            CsiVitalPreprocessor::new(56, f64::NAN),
            Err(VitalsError::Configuration { .. })
        ));
        let mut pre = CsiVitalPreprocessor::esp32_default();
        assert_eq!((pre.n_subcarriers(), pre.alpha()), (56, 0.05));
        assert!(pre.set_alpha(f64::NAN).is_err());
        assert_eq!(pre.alpha(), 0.05);
        pre.set_alpha(2.0).unwrap();
        assert_eq!(pre.alpha(), 0.999);
    }

    #[test]
    fn batch_equals_per_frame_bitwise_and_rejects_before_changing() {
        let values: Vec<f64> = (0..300 * 5)
            .map(|i| 10.0 + ((i as f64) * 0.7).sin())
            .collect();
        let mut batch = CsiVitalPreprocessor::new(4, 0.05).unwrap();
        let out = batch
            .process_batch(&RowMajor::new(&values, 5).unwrap())
            .unwrap();
        assert_eq!((out.n_frames(), out.n_columns()), (300, 4));
        let mut single = CsiVitalPreprocessor::new(4, 0.05).unwrap();
        for t in 0..300 {
            let r = single.process(&values[t * 5..t * 5 + 5]).unwrap().unwrap();
            let bits: Vec<u64> = r.iter().map(|v| v.to_bits()).collect();
            let expected: Vec<u64> = out.row(t).iter().map(|v| v.to_bits()).collect();
            assert_eq!(bits, expected);
        }
        assert_eq!(batch, single);
        let mut bad = values.clone();
        bad[42] = f64::NAN;
        let before = batch.clone();
        assert!(batch
            .process_batch(&RowMajor::new(&bad, 5).unwrap())
            .is_err());
        assert_eq!(batch, before);
    }
}
