//! Python classes that mirror a Rust type: `py_enum!` (an enum, member for member) and
//! `config_fields!` (a config class, field for field).

/// Declares the `#[pyclass]` enum `$py` (Python name `$name`, upper-case members, `==`,
/// `hash`, pickled as the member itself), `From` both ways with the Rust enum `$rust`, and the
/// member map `PY_MEMBER = RustVariant`. The enum's `///` lines become its Python docstring.
macro_rules! py_enum {
    (
        $(#[$doc:meta])*
        $py:ident($name:literal) <=> $rust:ident {
            $($member:ident = $variant:ident),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(
            module = "wifi_densepose._core",
            name = $name,
            frozen,
            eq,
            eq_int,
            hash,
            from_py_object
        )]
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        // Python enum members are upper case.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum $py {
            $($member),+
        }

        impl From<$py> for $rust {
            fn from(value: $py) -> Self {
                match value {
                    $($py::$member => $rust::$variant),+
                }
            }
        }

        impl From<$rust> for $py {
            fn from(value: $rust) -> Self {
                match value {
                    $($rust::$variant => $py::$member),+
                }
            }
        }

        #[pyo3::pymethods]
        impl $py {
            fn __reduce__<'py>(
                slf: &pyo3::Bound<'py, Self>,
            ) -> pyo3::PyResult<$crate::serialize::EnumReduce<'py>> {
                $crate::serialize::reduce_enum_member(slf.as_any())
            }
        }
    };
}
pub(crate) use py_enum;

/// `to_rust()` and `From<&$rust>` between a config class `$py` and its Rust config `$rust`
/// whose listed fields have the same names and `Copy` types (a missing or extra field does not
/// compile).
macro_rules! config_fields {
    ($py:ident <=> $rust:ident { $($field:ident),+ $(,)? }) => {
        impl $py {
            fn to_rust(&self) -> $rust {
                $rust {
                    $($field: self.$field),+
                }
            }
        }

        impl From<&$rust> for $py {
            fn from(c: &$rust) -> Self {
                $py {
                    $($field: c.$field),+
                }
            }
        }
    };
}
pub(crate) use config_fields;
