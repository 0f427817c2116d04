//! Read access to `[time, column]` batches without copying them.

use std::borrow::Cow;

use wifi_densepose_core::CoreError;

use crate::error::{Result, VitalsError};

/// A `[time, column]` matrix of f64 the batch methods read row by row.
///
/// Implemented here for row-major slices; the bindings implement it for strided arrays, so a
/// row is borrowed whenever it is contiguous and copied only otherwise.
pub trait FrameSource {
    fn n_frames(&self) -> usize;
    fn n_columns(&self) -> usize;
    /// Row `frame` (< `n_frames()`), `n_columns()` values long.
    fn row(&self, frame: usize) -> Cow<'_, [f64]>;
}

/// A row-major `[n_frames, n_columns]` view of a slice.
#[derive(Debug, Clone, Copy)]
pub struct RowMajor<'a> {
    values: &'a [f64],
    n_columns: usize,
}

impl<'a> RowMajor<'a> {
    /// Requires `values.len()` to be a multiple of `n_columns` (`n_columns` = 0 needs no values).
    pub fn new(values: &'a [f64], n_columns: usize) -> Result<Self> {
        let fits = if n_columns == 0 {
            values.is_empty()
        } else {
            values.len() % n_columns == 0
        };
        if !fits {
            return Err(VitalsError::shape(
                "values",
                format!("a multiple of {n_columns} values"),
                values.len(),
            ));
        }
        Ok(RowMajor { values, n_columns })
    }
}

impl FrameSource for RowMajor<'_> {
    fn n_frames(&self) -> usize {
        self.values.len().checked_div(self.n_columns).unwrap_or(0)
    }

    fn n_columns(&self) -> usize {
        self.n_columns
    }

    fn row(&self, frame: usize) -> Cow<'_, [f64]> {
        let start = frame * self.n_columns;
        Cow::Borrowed(&self.values[start..start + self.n_columns])
    }
}

/// An owned row-major matrix, e.g. the residuals of a preprocessor batch.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameMatrix {
    values: Vec<f64>,
    n_frames: usize,
    n_columns: usize,
}

impl FrameMatrix {
    pub(crate) fn with_capacity(n_frames: usize, n_columns: usize) -> Self {
        FrameMatrix {
            values: Vec::with_capacity(n_frames * n_columns),
            n_frames: 0,
            n_columns,
        }
    }

    pub(crate) fn push_row(&mut self, row: &[f64]) {
        self.values.extend_from_slice(row);
        self.n_frames += 1;
    }

    /// Row-major values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn into_values(self) -> Vec<f64> {
        self.values
    }
}

impl FrameSource for FrameMatrix {
    fn n_frames(&self) -> usize {
        self.n_frames
    }

    fn n_columns(&self) -> usize {
        self.n_columns
    }

    fn row(&self, frame: usize) -> Cow<'_, [f64]> {
        let start = frame * self.n_columns;
        Cow::Borrowed(&self.values[start..start + self.n_columns])
    }
}

/// Rejects the first non-finite value, naming `field` and its `[frame, column]` position.
pub fn ensure_finite_rows(field: &str, source: &impl FrameSource) -> Result<()> {
    for frame in 0..source.n_frames() {
        let row = source.row(frame);
        if let Some((column, &value)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(CoreError::non_finite(field, &[frame, column], value).into());
        }
    }
    Ok(())
}

fn negative_error(field: &str, value: f64, position: &[usize]) -> VitalsError {
    VitalsError::Validation {
        field: field.to_string(),
        message: format!(
            "must be >= 0 (magnitudes), got {value} at {}",
            wifi_densepose_core::error::bracketed(position)
        ),
    }
}

/// Rejects the first negative value of magnitudes such as `|CSI|` amplitudes, naming `field`
/// and its `[frame, column]` position.
pub fn ensure_non_negative_rows(field: &str, source: &impl FrameSource) -> Result<()> {
    for frame in 0..source.n_frames() {
        let row = source.row(frame);
        if let Some((column, &value)) = row.iter().enumerate().find(|(_, &v)| v < 0.0) {
            return Err(negative_error(field, value, &[frame, column]));
        }
    }
    Ok(())
}

/// [`ensure_non_negative_rows`] for one frame: the position is `[column]`.
pub(crate) fn ensure_non_negative_values(field: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|&v| v < 0.0) {
        None => Ok(()),
        Some(i) => Err(negative_error(field, values[i], &[i])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_major_rows_and_shape_errors() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let m = RowMajor::new(&values, 3).unwrap();
        assert_eq!((m.n_frames(), m.n_columns()), (2, 3));
        assert_eq!(&*m.row(1), &[4.0, 5.0, 6.0]);
        assert!(RowMajor::new(&values, 4).is_err());
        assert_eq!(RowMajor::new(&[], 0).unwrap().n_frames(), 0);
    }

    #[test]
    fn finite_check_reports_row_and_column() {
        // Flat index 3 of a [2, 2] array is row 1, column 1.
        let values = [1.0, 2.0, 3.0, f64::NAN];
        let err =
            ensure_finite_rows("amplitudes", &RowMajor::new(&values, 2).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "amplitudes contains a non-finite value (NaN) at [1, 1]"
        );
    }

    #[test]
    fn negative_magnitudes_are_named_by_row_and_column() {
        let values = [1.0, 2.0, 3.0, 0.0, 4.0, -0.5];
        let err = ensure_non_negative_rows("amplitudes", &RowMajor::new(&values, 3).unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "amplitudes: must be >= 0 (magnitudes), got -0.5 at [1, 2]"
        );
        assert!(ensure_non_negative_rows("a", &RowMajor::new(&values[..5], 5).unwrap()).is_ok());
    }
}
