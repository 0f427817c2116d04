//! `getters!`: the read-only properties of a wrapper class from one line each.
//!
//! ```ignore
//! getters!(PyVitalEstimate, |e| {
//!     /// Rate in BPM (0.0 when UNAVAILABLE).
//!     value_bpm: f64,
//!     /// Confidence in [0, 1].
//!     confidence: f64 = e.0.confidence(),
//!     status(py): PyResult<Bound<'py, PyAny>> = status_to_py(py, e.0.status()),
//! });
//! ```
//!
//! emits one `#[pymethods]` block with a `#[getter]` per entry; an entry's `///` lines become
//! the property's Python docstring. The three forms of an entry:
//! - `name: Type` returns `self.0.name()` (a wrapper over a Rust value with that accessor);
//! - `name: Type = expr` returns `expr`, in which the closure's name (`e` above) is `&self`;
//! - `name(py): Type = expr` also has the GIL token `py: Python<'py>`, and `Type` may use `'py`.

macro_rules! getters {
    ($ty:ty, |$s:ident| { $($entries:tt)* }) => {
        $crate::getters::getters!(@munch $ty, $s, [] $($entries)*);
    };
    (@munch $ty:ty, $s:ident, [$($out:tt)*]) => {
        #[pyo3::pymethods]
        impl $ty {
            $($out)*
        }
    };
    (@munch $ty:ty, $s:ident, [$($out:tt)*]
        $(#[$doc:meta])* $name:ident: $ret:ty $(, $($rest:tt)*)?) => {
        $crate::getters::getters!(@munch $ty, $s, [$($out)*
            $(#[$doc])*
            #[getter]
            fn $name(&self) -> $ret {
                self.0.$name()
            }
        ] $($($rest)*)?);
    };
    (@munch $ty:ty, $s:ident, [$($out:tt)*]
        $(#[$doc:meta])* $name:ident: $ret:ty = $body:expr $(, $($rest:tt)*)?) => {
        $crate::getters::getters!(@munch $ty, $s, [$($out)*
            $(#[$doc])*
            #[getter]
            fn $name(&self) -> $ret {
                let $s = self;
                $body
            }
        ] $($($rest)*)?);
    };
    (@munch $ty:ty, $s:ident, [$($out:tt)*]
        $(#[$doc:meta])* $name:ident($py:ident): $ret:ty = $body:expr $(, $($rest:tt)*)?) => {
        $crate::getters::getters!(@munch $ty, $s, [$($out)*
            $(#[$doc])*
            #[getter]
            fn $name<'py>(&self, $py: pyo3::Python<'py>) -> $ret {
                let $s = self;
                $body
            }
        ] $($($rest)*)?);
    };
}
pub(crate) use getters;

/// A Python `dict` of the named fields of `$value` (`Copy` types), keyed by the field names;
/// `?` passes a conversion error on.
macro_rules! fields_dict {
    ($py:expr, $value:expr, [$($field:ident),+ $(,)?]) => {{
        let value = $value;
        let dict = pyo3::types::PyDict::new($py);
        $(pyo3::types::PyDictMethods::set_item(&dict, stringify!($field), value.$field)?;)+
        dict
    }};
}
pub(crate) use fields_dict;
