//! Home Assistant model of the wifi-densepose MQTT publisher (docs/wire.md §7).
//!
//! Pure Rust with no async runtime and no network: the sensing server owns the broker
//! connection and uses this crate for everything that goes over it — the 21 entities,
//! discovery payloads, topics, state payloads, availability rules, which entities privacy
//! mode withholds, configuration checks, the zones file and the semantic primitives. Times
//! are passed in (Unix seconds); nothing here reads a clock.

pub mod availability;
pub mod config;
pub mod discovery;
pub mod entity;
pub mod error;
pub mod primitives;
pub mod snapshot;
pub mod state;
pub mod time;
pub mod topics;
pub mod zones;

pub use availability::NodeInputs;
pub use config::{EntityRates, MqttConfig, TlsMode};
pub use discovery::DiscoveryContext;
pub use entity::{announced_entities, Component, Entity, EntitySpec};
pub use error::{HaError, HaResult};
pub use primitives::{NodeStep, PrimitiveOutputs, SemanticEngine};
pub use snapshot::{snapshots_from_sensing_update, EdgeVitalsInput, NodeSnapshot, VitalEstimate};
pub use topics::{NodeKey, RawKind, TopicKind};
pub use zones::Zones;
