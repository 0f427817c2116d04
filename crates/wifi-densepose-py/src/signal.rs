//! `wifi_densepose.signal`: CSI preprocessing, phase sanitisation, Hampel filtering, features,
//! motion detection, hardware normalisation, CSI ratios, spectrograms, subcarrier selection,
//! Fresnel breathing and body velocity profiles.

mod activity;
mod data;
mod features;
mod filters;
mod motion;
mod normalizer;
mod spectral;

use ndarray::{Array2, ArrayD, ArrayView2, Axis, IxDyn};
use numpy::{PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::arrays::{f64_array, readonly_array};
use crate::errors::shape_error;

/// A real input that is one row (1-D) or `[rows, columns]` (2-D); remembers which.
struct Rows<'py> {
    array: PyReadonlyArrayDyn<'py, f64>,
    one_row: bool,
}

impl<'py> Rows<'py> {
    fn new(obj: &Bound<'py, PyAny>, field: &str, expected: &str) -> PyResult<Self> {
        let array = f64_array::<IxDyn>(obj, field)?;
        let one_row = match array.ndim() {
            1 => true,
            2 => false,
            _ => {
                return Err(shape_error(
                    field,
                    expected,
                    format!("shape {:?}", array.shape()),
                ))
            }
        };
        Ok(Rows { array, one_row })
    }

    /// The data as `[rows, columns]`; a 1-D input is one row. No copy.
    fn view(&self) -> PyResult<ArrayView2<'_, f64>> {
        let view = self.array.as_array();
        let two_d = if self.one_row {
            view.insert_axis(Axis(0))
        } else {
            view
        };
        two_d
            .into_dimensionality()
            .map_err(|e| shape_error("input", "a 1-D or 2-D array", e))
    }

    /// Gives `out` the input's dimensionality back.
    fn output(&self, py: Python<'py>, out: Array2<f64>) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let out: ArrayD<f64> = if self.one_row {
            out.index_axis_move(Axis(0), 0).into_dyn()
        } else {
            out.into_dyn()
        };
        readonly_array(py, out)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    activity::register(m)?;
    data::register(m)?;
    filters::register(m)?;
    features::register(m)?;
    motion::register(m)?;
    normalizer::register(m)?;
    spectral::register(m)?;
    Ok(())
}
