//! Input checks shared by every crate: finiteness, positivity, ranges.

use crate::error::{unravel_index, CoreError, CoreResult};

/// Rejects the first NaN or ±Inf in `values`, naming `field` and the index (`[i]`).
pub fn ensure_finite<'a>(field: &str, values: impl IntoIterator<Item = &'a f64>) -> CoreResult<()> {
    match values.into_iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((index, &value)) => Err(CoreError::non_finite(field, &[index], value)),
    }
}

/// Rejects the first NaN or ±Inf of an array of any dimension, naming `field` and the
/// element's position with one number per axis (`[row, col]` for 2-D).
pub fn ensure_finite_array<S, D>(field: &str, values: &ndarray::ArrayBase<S, D>) -> CoreResult<()>
where
    S: ndarray::Data<Elem = f64>,
    D: ndarray::Dimension,
{
    ensure_finite_dyn(field, &values.view().into_dyn())
}

/// One copy of the check for every array type: a contiguous array is scanned as a slice; the
/// position of a bad value is found in logical (row-major) order.
#[inline(never)]
fn ensure_finite_dyn(field: &str, values: &ndarray::ArrayViewD<'_, f64>) -> CoreResult<()> {
    if let Some(slice) = values.as_slice_memory_order() {
        if slice.iter().all(|v| v.is_finite()) {
            return Ok(());
        }
    }
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((flat, &value)) => Err(CoreError::non_finite(
            field,
            &unravel_index(flat, values.shape()),
            value,
        )),
    }
}

/// Rejects a non-finite scalar.
pub fn ensure_finite_scalar(field: &str, value: f64) -> CoreResult<()> {
    ensure_finite(field, [value].iter())
}

/// Requires a finite value strictly greater than zero.
pub fn ensure_positive(field: &str, value: f64) -> CoreResult<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(CoreError::validation(
            field,
            format!("must be finite and > 0, got {value}"),
        ))
    }
}

/// Requires `lo <= value <= hi` (and not NaN).
pub fn ensure_in_range(field: &str, value: f64, lo: f64, hi: f64) -> CoreResult<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(CoreError::validation(
            field,
            format!("must be in [{lo}, {hi}], got {value}"),
        ))
    }
}

/// The largest length a size argument (window, history, subcarrier or bin count) may ask for:
/// 2^24 = 16,777,216 elements, 128 MiB of `f64`. Real CSI has at most a few thousand
/// subcarriers and histories of minutes; beyond this a size is a typo or an attack, and
/// refusing it up front is what keeps the process from aborting on a failed allocation.
pub const MAX_LENGTH: usize = 1 << 24;

/// The largest number of elements one result array may hold: 2^27 = 134,217,728 (1 GiB of
/// `f64`). Applies to sizes derived from the input (pair matrices grow with its square).
pub const MAX_ELEMENTS: usize = 1 << 27;

/// Requires a size argument `1 <= value <= max` (`min` is 0 or 1).
pub fn ensure_size(field: &str, value: usize, min: usize, max: usize) -> CoreResult<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(CoreError::validation(
            field,
            format!("must be in [{min}, {max}], got {value}"),
        ))
    }
}

/// The element count of an array of shape `dims`, refused (naming `field`) when it overflows
/// or exceeds [`MAX_ELEMENTS`]; call before allocating a result whose size grows faster than
/// the input.
pub fn ensure_elements(field: &str, dims: &[usize]) -> CoreResult<usize> {
    let total = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match total {
        Some(n) if n <= MAX_ELEMENTS => Ok(n),
        _ => Err(CoreError::validation(
            field,
            format!(
                "the result of shape {dims:?} would exceed the limit of {MAX_ELEMENTS} elements"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_check_names_index() {
        let err = ensure_finite("phases", [0.0, 1.0, f64::NAN].iter()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "phases contains a non-finite value (NaN) at [2]"
        );
        assert!(ensure_finite("x", [1.0, -2.0].iter()).is_ok());
        // Row 3, column 7 of a 10 x 56 array: flat index 175, reported per axis.
        let mut a = ndarray::Array2::<f64>::zeros((10, 56));
        a[[3, 7]] = f64::INFINITY;
        let err = ensure_finite_array("amplitudes", &a).unwrap_err();
        assert_eq!(
            err.to_string(),
            "amplitudes contains a non-finite value (inf) at [3, 7]"
        );
    }

    #[test]
    fn positive_and_range() {
        assert!(ensure_positive("fs", 0.0).is_err());
        assert!(ensure_positive("fs", f64::INFINITY).is_err());
        assert!(ensure_positive("fs", 1.0).is_ok());
        assert!(ensure_in_range("c", f64::NAN, 0.0, 1.0).is_err());
        assert!(ensure_in_range("c", 1.0, 0.0, 1.0).is_ok());
    }

    #[test]
    fn sizes_are_bounded() {
        assert!(ensure_size("n", 0, 1, MAX_LENGTH).is_err());
        assert!(ensure_size("n", 1, 1, MAX_LENGTH).is_ok());
        assert!(ensure_size("n", 1 << 24, 1, MAX_LENGTH).is_ok());
        let err = ensure_size("n", 1_000_000_000_000, 1, MAX_LENGTH).unwrap_err();
        assert_eq!(
            err.to_string(),
            "n: must be in [1, 16777216], got 1000000000000"
        );
        assert_eq!(ensure_elements("z", &[3, 4, 5]).unwrap(), 60);
        // 200,000 antennas: 19,999,900,000 pairs of 2 subcarriers.
        assert!(ensure_elements("z", &[19_999_900_000, 2]).is_err());
        assert!(ensure_elements("z", &[usize::MAX, 2]).is_err());
    }
}
