//! `wifi-densepose-sensing-server`: ESP32 CSI over UDP in; WebSocket, REST and MQTT out.
//!
//! The modules form layers and import only their own layer and the layers below it
//! (docs/architecture.md, "Server layers"; `tests/module_graph.rs` checks it):
//!
//! | rank | layer | what it holds |
//! |------|-------|---------------|
//! | 0 | [`messages`] | the typed outgoing messages and their privacy filter |
//! | 1 | [`sensing`] | the engine: node table, vitals, room, field, motion |
//! | 2 | [`config`] | the command line and the validated [`config::cli::Config`] |
//! | 3 | [`state`] | state shared by the tasks: the engine, the fan-out, UDP counters |
//! | 4 | [`sources`], [`http`], [`mqtt`] | inputs (UDP, replay, mock) and outputs (REST, WebSocket, MQTT); peers that do not import each other |
//! | 5 | [`app`] | startup: binds, spawns the tasks, shuts down |

pub mod app;
pub mod config;
pub mod http;
pub mod messages;
#[cfg(feature = "mqtt")]
pub mod mqtt;
pub mod sensing;
pub mod sources;
pub mod state;
