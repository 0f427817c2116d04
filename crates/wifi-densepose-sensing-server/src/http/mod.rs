//! The HTTP side: the dashboard page, REST, the WebSocket streams, the Host/token guard,
//! WebSocket tickets and the connection-capped listener.

pub mod conn;
pub mod dashboard;
pub mod rest;
pub mod security;
pub mod tickets;
pub mod ws;
