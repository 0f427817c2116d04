//! `to_dict`/`from_dict`, `to_json`/`from_json`, pickling, equality and hashing for every
//! wrapped type, generated once from the Rust type's serde implementation.
//!
//! Deserialisation goes through the Rust type's validating `TryFrom`, so a dict or JSON document
//! is checked exactly like the constructor.

use std::hash::{DefaultHasher, Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use wifi_densepose_core::CoreError;

use crate::errors::{to_pyerr, validation_error};

/// A Python wrapper around a serde-enabled Rust value.
pub trait Wrapper: Sized {
    type Inner: serde::Serialize + serde::de::DeserializeOwned + PartialEq;
    const NAME: &'static str;
    fn inner(&self) -> &Self::Inner;
    fn wrap(inner: Self::Inner) -> Self;
}

pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// How deeply `from_dict` input may nest. Every value type is a few levels deep; the limit
/// stops deep, self-referential or self-returning (`tolist()`) input before it exhausts the
/// stack, like `json.loads` and serde_json's own limit of 128.
pub const MAX_DEPTH: usize = 64;

/// Converts plain Python data (and numpy arrays/scalars) to JSON values; `path` names the
/// location in error messages. Nesting deeper than [`MAX_DEPTH`] is a `ValidationError`.
pub fn py_to_value(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    py_to_value_at(obj, path, 0)
}

fn py_to_value_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        let at = if path.is_empty() { "data" } else { path };
        return Err(validation_error(
            at,
            format!("nested more than {MAX_DEPTH} levels deep (or refers to itself)"),
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(obj.extract::<u64>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| {
            to_pyerr(&CoreError::NonFinite {
                field: path.to_string(),
                position: String::new(),
                value: v,
            })
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                validation_error(
                    path,
                    format!(
                        "dict keys must be strings, got {}",
                        k.repr().map(|r| r.to_string()).unwrap_or_default()
                    ),
                )
            })?;
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            map.insert(key, py_to_value_at(&v, &child, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(py_to_value_at(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    // numpy arrays and scalars know how to become plain Python data.
    if obj.hasattr("tolist")? {
        return py_to_value_at(&obj.call_method0("tolist")?, path, depth + 1);
    }
    Err(validation_error(
        path,
        format!("unsupported value of type {}", obj.get_type().name()?),
    ))
}

pub fn to_value<W: Wrapper>(w: &W) -> PyResult<Value> {
    serde_json::to_value(w.inner()).map_err(|e| validation_error(W::NAME, e.to_string()))
}

/// A deserialisation failure as a `ValidationError` naming the type.
fn invalid_input(type_name: &str, error: &serde_json::Error) -> PyErr {
    validation_error(type_name, error.to_string())
}

pub fn from_value<W: Wrapper>(value: Value) -> PyResult<W> {
    serde_json::from_value(value)
        .map(W::wrap)
        .map_err(|e| invalid_input(W::NAME, &e))
}

pub fn to_json<W: Wrapper>(w: &W) -> PyResult<String> {
    serde_json::to_string(w.inner()).map_err(|e| validation_error(W::NAME, e.to_string()))
}

pub fn from_json<W: Wrapper>(text: &str) -> PyResult<W> {
    serde_json::from_str(text)
        .map(W::wrap)
        .map_err(|e| invalid_input(W::NAME, &e))
}

/// Hashes a value so that equal values (including 0.0 and -0.0) hash alike.
fn hash_value(value: &Value, state: &mut DefaultHasher) {
    match value {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => b.hash(state),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            (if f == 0.0 { 0u64 } else { f.to_bits() }).hash(state);
        }
        Value::String(s) => s.hash(state),
        Value::Array(items) => items.iter().for_each(|v| hash_value(v, state)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            k.hash(state);
            hash_value(v, state);
        }),
    }
}

pub fn hash_of<W: Wrapper>(w: &W) -> PyResult<u64> {
    let mut state = DefaultHasher::new();
    hash_value(&to_value(w)?, &mut state);
    Ok(state.finish())
}

/// Adds `to_dict`, `from_dict`, `to_json`, `from_json`, `__reduce__` and `__richcmp__` (and
/// `__hash__` for immutable types) to a wrapper class. `serde_methods!(PyT(T, "T"), kind)` also
/// implements `Wrapper` for the newtype `PyT(T)` (Python name `"T"`).
macro_rules! serde_methods {
    ($ty:ident($inner:ty, $name:literal), $kind:ident) => {
        impl $crate::serialize::Wrapper for $ty {
            type Inner = $inner;
            const NAME: &'static str = $name;
            fn inner(&self) -> &$inner {
                &self.0
            }
            fn wrap(inner: $inner) -> Self {
                $ty(inner)
            }
        }

        $crate::serialize::serde_methods!($ty, $kind);
    };
    ($ty:ty, hashable) => {
        $crate::serialize::serde_methods!(@block $ty, {
            fn __richcmp__(&self, other: &pyo3::Bound<'_, pyo3::PyAny>, op: pyo3::basic::CompareOp, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                $crate::serialize::compare_eq(self, other, op, py)
            }

            fn __hash__(&self) -> pyo3::PyResult<u64> {
                $crate::serialize::hash_of(self)
            }
        });
    };
    ($ty:ty, mutable) => {
        $crate::serialize::serde_methods!(@block $ty, {
            fn __richcmp__(&self, other: &pyo3::Bound<'_, pyo3::PyAny>, op: pyo3::basic::CompareOp, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                $crate::serialize::compare_eq(self, other, op, py)
            }
        });
    };
    ($ty:ty, ordered) => {
        $crate::serialize::serde_methods!(@block $ty, {
            fn __richcmp__(&self, other: &pyo3::Bound<'_, pyo3::PyAny>, op: pyo3::basic::CompareOp, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                $crate::serialize::compare_ordered(self, other, op, py)
            }

            fn __hash__(&self) -> pyo3::PyResult<u64> {
                $crate::serialize::hash_of(self)
            }
        });
    };
    (@block $ty:ty, { $($comparison:tt)* }) => {
        #[pyo3::pymethods]
        impl $ty {
            /// The fields as plain Python data (lists for arrays, names for enums).
            fn to_dict<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                $crate::serialize::value_to_py(py, &$crate::serialize::to_value(self)?)
            }

            /// Builds and validates an instance from the output of `to_dict`.
            #[classmethod]
            fn from_dict(_cls: &pyo3::Bound<'_, pyo3::types::PyType>, data: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                $crate::serialize::from_value($crate::serialize::py_to_value(data, "")?)
            }

            /// A JSON document of `to_dict`.
            fn to_json(&self) -> pyo3::PyResult<String> {
                $crate::serialize::to_json(self)
            }

            /// Builds and validates an instance from the output of `to_json`.
            #[classmethod]
            fn from_json(_cls: &pyo3::Bound<'_, pyo3::types::PyType>, text: &str) -> pyo3::PyResult<Self> {
                $crate::serialize::from_json(text)
            }

            fn __reduce__<'py>(slf: &pyo3::Bound<'py, Self>) -> pyo3::PyResult<(pyo3::Bound<'py, pyo3::PyAny>, (String,))> {
                use pyo3::types::PyAnyMethods;
                let rebuild = slf.get_type().getattr("from_json")?;
                Ok((rebuild, ($crate::serialize::to_json(&*slf.borrow())?,)))
            }

            $($comparison)*
        }
    };
}
pub(crate) use serde_methods;

/// `==` and `!=` between two instances of the same wrapper; `NotImplemented` otherwise.
pub fn compare_eq<W>(
    this: &W,
    other: &Bound<'_, PyAny>,
    op: pyo3::basic::CompareOp,
    py: Python<'_>,
) -> Py<PyAny>
where
    W: Wrapper + pyo3::PyClass,
{
    use pyo3::basic::CompareOp;
    let Ok(other) = other.cast::<W>() else {
        return py.NotImplemented();
    };
    let equal = this.inner() == other.borrow().inner();
    match op {
        CompareOp::Eq => PyBool::new(py, equal).to_owned().into_any().unbind(),
        CompareOp::Ne => PyBool::new(py, !equal).to_owned().into_any().unbind(),
        _ => py.NotImplemented(),
    }
}

/// All six comparisons, from the Rust type's ordering.
pub fn compare_ordered<W>(
    this: &W,
    other: &Bound<'_, PyAny>,
    op: pyo3::basic::CompareOp,
    py: Python<'_>,
) -> Py<PyAny>
where
    W: Wrapper + pyo3::PyClass,
    W::Inner: PartialOrd,
{
    let Ok(other) = other.cast::<W>() else {
        return py.NotImplemented();
    };
    let result = match this.inner().partial_cmp(other.borrow().inner()) {
        Some(ordering) => op.matches(ordering),
        None => matches!(op, pyo3::basic::CompareOp::Ne),
    };
    PyBool::new(py, result).to_owned().into_any().unbind()
}

/// What `__reduce__` of an enum member returns: `(getattr, (cls, name))`.
pub type EnumReduce<'py> = (Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyType>, String));

/// `__reduce__` of a PyO3 enum member: `getattr(cls, "NAME")`, so pickling and `copy` give
/// back the member itself. The name is the part of `repr` after the dot (`Cls.NAME`).
pub fn reduce_enum_member<'py>(slf: &Bound<'py, PyAny>) -> PyResult<EnumReduce<'py>> {
    let repr = slf.repr()?.to_string();
    let name = repr.rsplit('.').next().unwrap_or(&repr).to_string();
    let getattr = pyo3::types::PyModule::import(slf.py(), "builtins")?.getattr("getattr")?;
    Ok((getattr, (slf.get_type(), name)))
}
