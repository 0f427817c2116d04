//! The sensing engine: parsed datagrams in, typed messages out. No I/O, no clock of its own
//! (instants and wall-clock times are passed in), no knowledge of the command line or of the
//! outputs.

pub mod activity;
pub mod engine;
pub mod field;
pub mod grid;
pub mod mode;
pub mod node;
pub mod room;
pub mod semantic;
pub mod vitals;
