//! Python classes that mirror a Rust type: `py_enum!` (an enum, member for member) and
//! `config_class!` (a config class, field for field).

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
        #[pyo3::pyclass(module = "wifi_densepose._core", name = $name)]
        #[pyo3(frozen, eq, eq_int, hash, from_py_object)]
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

/// A frozen config class `$py` (Python name `$name`) mirroring the Rust config `$rust` field
/// for field (same names, `Copy` types): the struct with its documented read-only fields, a
/// constructor taking every field with its default (keyword-only after `*`) that validates
/// through `$rust::validate`, `to_rust()`, `From<&$rust>` and, when `__repr__` is named,
/// `repr` as `Name(<Debug of the Rust config>)`. A field missing from `$rust` does not compile.
/// A default is one token (a negative number in parentheses) so that pyo3 writes it into the
/// text signature.
macro_rules! config_class {
    (
        $(#[$doc:meta])*
        $py:ident($name:literal) <=> $rust:ident($($star:tt)?) $(, $repr:ident)? {
            $($(#[$field_doc:meta])* $field:ident: $ty:ty = $default:tt),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(module = "wifi_densepose._core", name = $name)]
        #[pyo3(frozen, get_all, from_py_object)]
        #[derive(Clone)]
        pub struct $py {
            $($(#[$field_doc])* $field: $ty),+
        }

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

        // pyo3 copies a parenthesised default into code of its own.
        #[allow(unused_parens)]
        const _: () = {
            #[pyo3::pymethods]
            impl $py {
                #[new]
                #[pyo3(signature = ($($star,)? $($field = $default),+))]
                #[allow(clippy::too_many_arguments)]
                fn new($($field: $ty),+) -> pyo3::PyResult<Self> {
                    use $crate::errors::OrRaise;
                    let config = $py { $($field),+ };
                    config.to_rust().validate().or_raise()?;
                    Ok(config)
                }
            }
        };

        $(
            #[pyo3::pymethods]
            impl $py {
                fn $repr(&self) -> String {
                    format!("{}({:?})", $name, self.to_rust())
                }
            }
        )?
    };
}
pub(crate) use config_class;
