//! `wifi_densepose._core`: the Python bindings of the wifi-densepose crates.
//!
//! This crate converts and validates Python input, releases the GIL around heavy work and maps
//! errors to the `wifi_densepose.errors` classes. It holds no algorithm.

// Python classes describe themselves through `__repr__`, not `Debug`.
#![allow(missing_debug_implementations)]

mod arrays;
mod errors;
mod frame;
mod getters;
mod io;
mod mirror;
mod pose;
mod sensing;
mod serialize;
mod signal;
mod utils;
mod vitals;
mod witness;

use pyo3::prelude::*;

/// A group of bindings: the submodule `wifi_densepose._core.<name>` and what fills it.
type Group = (&'static str, fn(&Bound<'_, PyModule>) -> PyResult<()>);

/// One submodule per binding file, named like the Rust module; each has its own stub
/// (`wifi_densepose/_core/<name>.pyi`).
const GROUPS: [Group; 8] = [
    ("frame", frame::register),
    ("pose", pose::register),
    ("utils", utils::register),
    ("signal", signal::register),
    ("io", io::register),
    ("vitals", vitals::register),
    ("witness", witness::register),
    ("sensing", sensing::register),
];

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("__core_version__", wifi_densepose_core::VERSION)?;
    let sys_modules = py.import("sys")?.getattr("modules")?;
    let parent: String = m.name()?.extract()?;
    for (name, register) in GROUPS {
        // Every binding stays a flat attribute of `_core` (classes keep the module name
        // `wifi_densepose._core`, so pickles and reprs are unchanged); the submodule holds
        // the same objects.
        let before: Vec<String> = m.dict().keys().extract()?;
        register(m)?;
        let sub = PyModule::new(py, &format!("{parent}.{name}"))?;
        for (key, value) in m.dict().iter() {
            let key: String = key.extract()?;
            if !key.starts_with("__") && !before.contains(&key) {
                sub.setattr(key.as_str(), value)?;
            }
        }
        m.setattr(name, &sub)?;
        sys_modules.set_item(format!("{parent}.{name}"), &sub)?;
    }
    // A private module: its public names are re-exported by the Python package, whose
    // `__all__` lists are the ones that count.
    m.delattr("__all__")?;
    Ok(())
}
