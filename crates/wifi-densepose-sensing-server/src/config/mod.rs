//! The command line and the validated configuration built from it once at startup.

pub mod cli;
#[cfg(feature = "mqtt")]
pub mod mqtt;
pub mod parse;
pub mod semantic;
