//! `wifi_densepose._core`: the Python bindings of the wifi-densepose crates.
//!
//! This crate converts and validates Python input, releases the GIL around heavy work and maps
//! errors to the `wifi_densepose.errors` classes. It holds no algorithm.

// Python classes describe themselves through `__repr__`, not `Debug`.
#![allow(missing_debug_implementations)]

mod arrays;
mod errors;
mod frame;
mod io;
mod pose;
mod sensing;
mod serialize;
mod signal;
mod utils;
mod vitals;
mod witness;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("__core_version__", wifi_densepose_core::VERSION)?;
    frame::register(m)?;
    pose::register(m)?;
    utils::register(m)?;
    signal::register(m)?;
    io::register(m)?;
    vitals::register(m)?;
    witness::register(m)?;
    sensing::register(m)?;
    // A private module: its public names are re-exported by the Python package, whose
    // `__all__` lists are the ones that count.
    m.delattr("__all__")?;
    Ok(())
}
