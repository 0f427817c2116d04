//! Subcarrier selection by motion sensitivity (motion/static variance ratio) or by variance.

use ndarray::{Array1, Array2, ArrayView2};
use wifi_densepose_core::validate::{ensure_finite_array, ensure_finite_scalar};

use crate::error::{SignalError, SignalResult};
use crate::stats::var_samp;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubcarrierSelectionConfig {
    /// Most subcarriers to keep.
    pub top_k: usize,
    /// Smallest motion/static variance ratio kept by the sensitivity selection.
    pub min_sensitivity: f64,
}

impl Default for SubcarrierSelectionConfig {
    fn default() -> Self {
        SubcarrierSelectionConfig {
            top_k: 20,
            min_sensitivity: 1.5,
        }
    }
}

/// Chosen column indices (best first) and the score of every column.
#[derive(Debug, Clone, PartialEq)]
pub struct SubcarrierSelection {
    pub selected_indices: Vec<usize>,
    pub sensitivity_scores: Array1<f64>,
}

fn column_variances(x: ArrayView2<'_, f64>) -> Array1<f64> {
    x.columns()
        .into_iter()
        .map(|c| var_samp(c.iter().copied()))
        .collect()
}

/// Indices sorted by descending score; ties keep index order (stable).
fn ranked(scores: &Array1<f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// score_j = var_samp(motion_j) / (var_samp(static_j) + 1e-12); keeps the top_k scores that are
/// at least `min_sensitivity`.
pub fn select_sensitive_subcarriers(
    motion: ArrayView2<'_, f64>,
    static_data: ArrayView2<'_, f64>,
    config: &SubcarrierSelectionConfig,
) -> SignalResult<SubcarrierSelection> {
    if motion.ncols() != static_data.ncols() {
        return Err(SignalError::SubcarrierCountMismatch {
            expected: motion.ncols(),
            actual: static_data.ncols(),
        });
    }
    if motion.ncols() == 0 {
        return Err(SignalError::NoSubcarriers {
            field: "motion".into(),
        });
    }
    ensure_finite_array("motion", &motion)?;
    ensure_finite_array("static_data", &static_data)?;
    ensure_finite_scalar("min_sensitivity", config.min_sensitivity)?;
    let moving = column_variances(motion);
    let quiet = column_variances(static_data);
    let scores: Array1<f64> = moving
        .iter()
        .zip(&quiet)
        .map(|(m, s)| m / (s + 1e-12))
        .collect();
    let selected_indices = ranked(&scores)
        .into_iter()
        .filter(|&j| scores[j] >= config.min_sensitivity)
        .take(config.top_k)
        .collect();
    Ok(SubcarrierSelection {
        selected_indices,
        sensitivity_scores: scores,
    })
}

/// The top_k columns by sample variance (min_sensitivity is ignored); scores are the variances.
pub fn select_by_variance(
    x: ArrayView2<'_, f64>,
    config: &SubcarrierSelectionConfig,
) -> SignalResult<SubcarrierSelection> {
    if x.ncols() == 0 {
        return Err(SignalError::NoSubcarriers { field: "x".into() });
    }
    ensure_finite_array("x", &x)?;
    let scores = column_variances(x);
    let selected_indices = ranked(&scores).into_iter().take(config.top_k).collect();
    Ok(SubcarrierSelection {
        selected_indices,
        sensitivity_scores: scores,
    })
}

/// The columns of `x` in selection order.
pub fn extract_selected(x: ArrayView2<'_, f64>, selected: &[usize]) -> SignalResult<Array2<f64>> {
    if let Some(&index) = selected.iter().find(|&&j| j >= x.ncols()) {
        return Err(SignalError::IndexOutOfBounds {
            index,
            len: x.ncols(),
        });
    }
    if selected.is_empty() {
        return Err(SignalError::NoSubcarriersSelected);
    }
    ensure_finite_array("x", &x)?;
    Ok(x.select(ndarray::Axis(1), selected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    /// Columns with the given amplitudes of an alternating ±1 pattern.
    fn alternating(amplitudes: &[f64], rows: usize) -> Array2<f64> {
        Array2::from_shape_fn((rows, amplitudes.len()), |(t, j)| {
            amplitudes[j] * if t % 2 == 0 { 1.0 } else { -1.0 }
        })
    }

    #[test]
    fn ranks_by_sensitivity() {
        let motion = alternating(&[5.0, 0.1, 2.0], 50);
        let quiet = alternating(&[0.5, 0.5, 0.5], 50);
        let cfg = SubcarrierSelectionConfig {
            top_k: 3,
            min_sensitivity: 0.0,
        };
        assert_eq!(
            select_sensitive_subcarriers(motion.view(), quiet.view(), &cfg)
                .unwrap()
                .selected_indices,
            vec![0, 2, 1]
        );
    }

    #[test]
    fn top_k_and_minimum() {
        let motion = alternating(&[3.0; 10], 20);
        let quiet = alternating(&[1.0; 10], 20);
        let five = SubcarrierSelectionConfig {
            top_k: 5,
            min_sensitivity: 1.5,
        };
        let r = select_sensitive_subcarriers(motion.view(), quiet.view(), &five).unwrap();
        assert_eq!(r.selected_indices, vec![0, 1, 2, 3, 4]);
        assert_eq!(r.sensitivity_scores.len(), 10);
        let none = SubcarrierSelectionConfig {
            top_k: 5,
            min_sensitivity: 2.0,
        };
        let ones = select_sensitive_subcarriers(quiet.view(), quiet.view(), &none).unwrap();
        assert!(ones.selected_indices.is_empty());
    }

    #[test]
    fn by_variance_and_extraction() {
        let x = alternating(&[1.0, 2.0, 0.5, 3.0, 9.0], 10);
        let r = select_by_variance(x.view(), &SubcarrierSelectionConfig::default()).unwrap();
        assert_eq!(r.selected_indices[0], 4);
        let cols = extract_selected(x.view(), &[1, 3]).unwrap();
        assert_eq!(cols.column(0), x.column(1));
        assert_eq!(cols.column(1), x.column(3));
    }

    #[test]
    fn errors() {
        let a = Array2::<f64>::zeros((4, 3));
        let b = Array2::<f64>::zeros((4, 2));
        let cfg = SubcarrierSelectionConfig::default();
        let e = select_sensitive_subcarriers(a.view(), b.view(), &cfg).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Shape, "SubcarrierCountMismatch")
        );
        let empty = Array2::<f64>::zeros((4, 0));
        assert_eq!(
            select_sensitive_subcarriers(empty.view(), empty.view(), &cfg)
                .unwrap_err()
                .code(),
            "NoSubcarriers"
        );
        assert_eq!(
            extract_selected(a.view(), &[0, 3]).unwrap_err().code(),
            "IndexOutOfBounds"
        );
        assert_eq!(
            extract_selected(empty.view(), &[]).unwrap_err().code(),
            "NoSubcarriersSelected"
        );
        assert_eq!(
            extract_selected(a.view(), &[]).unwrap_err().kind(),
            ErrorKind::Validation
        );
    }
}
