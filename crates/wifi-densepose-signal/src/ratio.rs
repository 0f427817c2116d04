//! CSI ratio by conjugate multiplication across antennas: h_ref·conj(h_target) cancels the
//! carrier/sampling frequency offsets and packet-detection delay common to both antennas.

use ndarray::{Array, Array2, Array3, ArrayView, ArrayView2, ArrayView3, Axis, Dimension, Zip};
use num_complex::Complex64;
use wifi_densepose_core::validate::ensure_elements;
use wifi_densepose_core::CoreError;

use crate::error::{SignalError, SignalResult};

/// Rejects the first non-finite real or imaginary part, naming `field` and the element's
/// position, one number per axis.
pub(crate) fn ensure_finite_complex<S, D>(
    field: &str,
    values: &ndarray::ArrayBase<S, D>,
) -> SignalResult<()>
where
    S: ndarray::Data<Elem = Complex64>,
    D: ndarray::Dimension,
{
    let Some(flat) = values
        .iter()
        .position(|c| !c.re.is_finite() || !c.im.is_finite())
    else {
        return Ok(());
    };
    let index = wifi_densepose_core::error::unravel_index(flat, values.shape());
    let c = values.iter().nth(flat).copied().unwrap_or_default();
    let value = if c.re.is_finite() { c.im } else { c.re };
    Err(CoreError::non_finite(field, &index, value).into())
}

/// h_ref·conj(h_target) elementwise, for 1-D or `[time, subcarrier]` inputs of equal shape.
pub fn conjugate_multiply<D: Dimension>(
    h_ref: ArrayView<'_, Complex64, D>,
    h_target: ArrayView<'_, Complex64, D>,
) -> SignalResult<Array<Complex64, D>> {
    if h_ref.shape() != h_target.shape() {
        return Err(SignalError::length_mismatch(
            "h_target",
            format!("shape {:?} (as h_ref)", h_ref.shape()),
            format!("shape {:?}", h_target.shape()),
        ));
    }
    if h_ref.is_empty() {
        return Err(SignalError::EmptyInput {
            field: "h_ref".into(),
            shape: format!("{:?}", h_ref.shape()),
        });
    }
    ensure_finite_complex("h_ref", &h_ref)?;
    ensure_finite_complex("h_target", &h_target)?;
    Ok(Zip::from(&h_ref)
        .and(&h_target)
        .map_collect(|&r, &t| r * t.conj()))
}

/// Ratios of every antenna pair i < j (lexicographic) of one `[A, S]` frame: `[A(A−1)/2, S]`.
pub fn compute_ratio_matrix(z: ArrayView2<'_, Complex64>) -> SignalResult<Array2<Complex64>> {
    check_antennas(z.nrows())?;
    if z.ncols() == 0 {
        return Err(SignalError::EmptyInput {
            field: "z".into(),
            shape: format!("{:?}", z.shape()),
        });
    }
    ensure_elements("z", &[pairs(z.nrows()), z.ncols()])?;
    ensure_finite_complex("z", &z)?;
    Ok(ratio_matrix_valid(z))
}

/// `compute_ratio_matrix` for each frame of `[T, A, S]`: `[T, A(A−1)/2, S]`.
pub fn compute_ratio_matrix_batch(z: ArrayView3<'_, Complex64>) -> SignalResult<Array3<Complex64>> {
    let (t, a, s) = z.dim();
    check_antennas(a)?;
    if t == 0 || s == 0 {
        return Err(SignalError::EmptyInput {
            field: "z".into(),
            shape: format!("{:?}", z.shape()),
        });
    }
    ensure_elements("z", &[t, pairs(a), s])?;
    ensure_finite_complex("z", &z)?;
    let mut out = Array3::zeros((t, a * (a - 1) / 2, s));
    for (frame, mut target) in z.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        target.assign(&ratio_matrix_valid(frame));
    }
    Ok(out)
}

/// a(a−1)/2 antenna pairs, saturating (a count too large for memory is refused anyway).
fn pairs(a: usize) -> usize {
    let count = a as u128 * a.saturating_sub(1) as u128 / 2;
    usize::try_from(count).unwrap_or(usize::MAX)
}

fn check_antennas(a: usize) -> SignalResult<()> {
    if a < 2 {
        return Err(SignalError::InsufficientAntennas {
            field: "z".into(),
            actual: a,
        });
    }
    Ok(())
}

fn ratio_matrix_valid(z: ArrayView2<'_, Complex64>) -> Array2<Complex64> {
    let (a, s) = z.dim();
    let mut out = Array2::zeros((a * (a - 1) / 2, s));
    let mut pair = 0;
    for i in 0..a {
        for j in i + 1..a {
            Zip::from(out.row_mut(pair))
                .and(z.row(i))
                .and(z.row(j))
                .for_each(|o, &r, &t| *o = r * t.conj());
            pair += 1;
        }
    }
    out
}

/// (|r|, atan2(Im r, Re r)).
pub fn ratio_to_amplitude_phase<D: Dimension>(
    r: ArrayView<'_, Complex64, D>,
) -> (Array<f64, D>, Array<f64, D>) {
    (r.mapv(|c| c.re.hypot(c.im)), r.mapv(|c| c.im.atan2(c.re)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;
    use std::f64::consts::PI;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    #[test]
    fn common_offset_cancels() {
        let phi1 = Array1::from_iter((0..8).map(|k| 0.1 * k as f64));
        let phi2 = Array1::from_iter((0..8).map(|k| -0.05 * k as f64));
        let h1 = phi1.mapv(|p| Complex64::from_polar(2.0, p + 1.7));
        let h2 = phi2.mapv(|p| Complex64::from_polar(3.0, p + 1.7));
        let r = conjugate_multiply(h1.view(), h2.view()).unwrap();
        let (amp, phase) = ratio_to_amplitude_phase(r.view());
        for k in 0..8 {
            assert!((amp[k] - 6.0).abs() < 1e-12);
            assert!((phase[k] - (phi1[k] - phi2[k])).abs() < 1e-12);
        }
    }

    #[test]
    fn pair_counts() {
        let z3 = Array2::from_elem((3, 5), Complex64::new(1.0, 0.5));
        assert_eq!(compute_ratio_matrix(z3.view()).unwrap().dim(), (3, 5));
        let z4 = Array2::from_elem((4, 5), Complex64::new(1.0, 0.5));
        assert_eq!(compute_ratio_matrix(z4.view()).unwrap().dim(), (6, 5));
        let batch = Array3::from_elem((2, 4, 5), Complex64::new(0.3, 0.5));
        assert_eq!(
            compute_ratio_matrix_batch(batch.view()).unwrap().dim(),
            (2, 6, 5)
        );
    }

    #[test]
    fn path_difference_survives_cfo() {
        let delta = 2.0 * PI * 0.025 * (30.0f64.to_radians()).sin() / 0.06;
        let cfo = 2.5;
        let z = Array2::from_shape_fn((2, 56), |(a, k)| {
            let base = cfo + 0.07 * k as f64;
            Complex64::from_polar(1.0, base + if a == 1 { delta } else { 0.0 })
        });
        let r = compute_ratio_matrix(z.view()).unwrap();
        let (_, phase) = ratio_to_amplitude_phase(r.view());
        assert!(phase.iter().all(|p| (p + delta).abs() < 1e-10));
    }

    #[test]
    fn errors() {
        let one = Array2::from_elem((1, 5), Complex64::new(1.0, 0.0));
        let e = compute_ratio_matrix(one.view()).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Validation, "InsufficientAntennas")
        );
        let a = Array1::from_elem(3, Complex64::new(1.0, 0.0));
        let b = Array1::from_elem(4, Complex64::new(1.0, 0.0));
        assert_eq!(
            conjugate_multiply(a.view(), b.view()).unwrap_err().code(),
            "LengthMismatch"
        );
        let empty = Array1::<Complex64>::zeros(0);
        assert_eq!(
            conjugate_multiply(empty.view(), empty.view())
                .unwrap_err()
                .code(),
            "EmptyInput"
        );
        let mut nan = a.clone();
        nan[2] = Complex64::new(0.0, f64::NAN);
        let e = conjugate_multiply(a.view(), nan.view()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "h_target contains a non-finite value (NaN) at [2]"
        );
    }
}
