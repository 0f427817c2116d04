//! Input checks shared by every crate: finiteness, positivity, ranges.

use crate::error::{CoreError, CoreResult};

/// Rejects the first NaN or ±Inf in `values`, naming `field` and the flat index.
pub fn ensure_finite<'a>(
    field: &str,
    values: impl IntoIterator<Item = &'a f64>,
) -> CoreResult<()> {
    match values.into_iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((index, &value)) => {
            Err(CoreError::NonFinite { field: field.to_string(), index, value })
        }
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
        Err(CoreError::validation(field, format!("must be finite and > 0, got {value}")))
    }
}

/// Requires `lo <= value <= hi` (and not NaN).
pub fn ensure_in_range(field: &str, value: f64, lo: f64, hi: f64) -> CoreResult<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(CoreError::validation(field, format!("must be in [{lo}, {hi}], got {value}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_check_names_index() {
        let err = ensure_finite("phases", [0.0, 1.0, f64::NAN].iter()).unwrap_err();
        assert_eq!(err.to_string(), "phases contains a non-finite value (NaN) at index 2");
        assert!(ensure_finite("x", [1.0, -2.0].iter()).is_ok());
    }

    #[test]
    fn positive_and_range() {
        assert!(ensure_positive("fs", 0.0).is_err());
        assert!(ensure_positive("fs", f64::INFINITY).is_err());
        assert!(ensure_positive("fs", 1.0).is_ok());
        assert!(ensure_in_range("c", f64::NAN, 0.0, 1.0).is_err());
        assert!(ensure_in_range("c", 1.0, 0.0, 1.0).is_ok());
    }
}
