//! `wifi_densepose.io`: ESP32 packets and `.csi.jsonl` recordings (crate `wifi-densepose-wire`),
//! and CSI files of other tools (crate `wifi-densepose-formats`).
//!
//! Packet and recording errors carry attributes (magic, offset, reason / line, reason, path)
//! beyond what the kind-based mapping of `errors.rs` provides, so they are raised here as
//! `wifi_densepose.errors.PacketError` / `RecordingError`; every other wire error goes through
//! `errors::to_pyerr`.

mod formats;
mod packets;
mod records;

pub use records::PyRecording;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView};
use wifi_densepose_core::ErrorInfo;
use wifi_densepose_wire::{IqOrder, PacketError, RecordingError, WireError};

use crate::errors::{to_pyerr, validation_error};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn errors_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    ERRORS_MODULE
        .get_or_try_init(py, || {
            PyModule::import(py, "wifi_densepose.errors").map(Bound::unbind)
        })?
        .bind(py)
        .getattr(name)
}

pub fn raise_with(
    name: &str,
    message: String,
    code: &str,
    attrs: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            attrs(&kwargs)?;
            let exception =
                errors_class(py, name)?.call((message.as_str(), code), Some(&kwargs))?;
            Ok(PyErr::from_value(exception))
        };
        build().unwrap_or_else(|e| e)
    })
}

/// `PacketError(ValueError)` with `magic`, `offset` and `reason`.
pub fn packet_error(e: &PacketError) -> PyErr {
    let code = WireError::Packet(e.clone()).code();
    raise_with("PacketError", e.to_string(), code, |kw| {
        kw.set_item("magic", e.magic)?;
        kw.set_item("offset", e.offset)?;
        kw.set_item("reason", e.reason.as_str())
    })
}

/// `RecordingError(ValueError)` with `line`, `reason` and `path`.
pub fn recording_error(e: &RecordingError, path: &str) -> PyErr {
    let code = WireError::Recording(e.clone()).code();
    raise_with("RecordingError", format!("{path}: {e}"), code, |kw| {
        kw.set_item("line", e.line)?;
        kw.set_item("reason", e.reason.as_str())?;
        kw.set_item("path", path)
    })
}

/// Any wire error as a Python exception; `path` names the file for recording errors.
pub fn wire_error(e: &WireError, path: &str) -> PyErr {
    match e {
        WireError::Packet(p) => packet_error(p),
        WireError::Recording(r) => recording_error(r, path),
        other => to_pyerr(other),
    }
}

/// Issues a `RecordingWarning` (a `UserWarning`).
pub fn recording_warning(py: Python<'_>, message: &str) -> PyResult<()> {
    let category = errors_class(py, "RecordingWarning")?;
    PyErr::warn(
        py,
        &category,
        &std::ffi::CString::new(message.replace('\0', " "))?,
        2,
    )
}

/// `"iq"` (real part first, the default) or `"qi"`.
pub fn iq_order_arg(name: &str) -> PyResult<IqOrder> {
    IqOrder::from_name(name).ok_or_else(|| {
        validation_error(
            "iq_order",
            format!("must be \"iq\" or \"qi\", got {name:?}"),
        )
    })
}

/// The bytes of a `bytes`, `bytearray` or `memoryview` argument.
pub fn bytes_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        let copy = obj.py().get_type::<PyBytes>().call1((obj,))?;
        return Ok(copy.cast::<PyBytes>()?.as_bytes().to_vec());
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(validation_error(
        field,
        format!("must be bytes, bytearray or memoryview, got {type_name}"),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    packets::register(m)?;
    records::register(m)?;
    formats::register(m)?;
    Ok(())
}
