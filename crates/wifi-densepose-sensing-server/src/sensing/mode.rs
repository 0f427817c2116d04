//! How the engine runs: where updates come from, where nodes stand, how frames are timed.

use std::collections::BTreeMap;

/// Where sensing updates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceMode {
    /// Simulated updates until the first ESP32 datagram, then ESP32 for good.
    Auto,
    /// ESP32 datagrams only; never simulates.
    Esp32,
    /// Simulated updates only; no UDP socket.
    Simulate,
    /// The synthetic node with breathing and heartbeat (`--mock-frames`); no UDP socket.
    MockFrames,
    /// A recording fed through the ingest path (`--replay`); no UDP socket.
    Replay,
}

impl SourceMode {
    /// Whether this mode listens for ESP32 datagrams on UDP.
    pub fn binds_udp(self) -> bool {
        matches!(self, SourceMode::Auto | SourceMode::Esp32)
    }
}

/// Node positions in metres, keyed by node id.
pub type NodePositions = BTreeMap<u8, [f64; 3]>;

/// How a node's frames are placed in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleClock {
    /// Synthetic frames follow a known sample clock, Hz: frame n is at n / rate.
    Fixed(f64),
    /// ESP32 frames: at their capture time (receive time, or the recorded time in a replay).
    Measured,
}
