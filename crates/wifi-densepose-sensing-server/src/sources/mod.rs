//! Where datagrams come from: the live UDP socket, a replayed recording, the mock node.
//! Each feeds the shared ingest path of [`crate::state::AppState`].

pub mod mock;
pub mod replay;
pub mod udp;
