//! State shared by the tasks and handlers: the engine, the WebSocket fan-out, UDP counters.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};
use wifi_densepose_wire::{parse_packet, PacketError};

use crate::config::cli::Config;
use crate::messages::privacy::{private_json, redact_message, redact_pose};
use crate::messages::{Outgoing, PoseData};
use crate::sensing::engine::{Engine, Origin};
use crate::sensing::room::CalibrationRecorder;
use crate::sensing::semantic::{Observed, SemanticLayer};
use wifi_densepose_ha::Zones;
use wifi_densepose_wire::messages::SemanticPrimitives;

/// Messages a WebSocket client may fall behind before it skips (docs/wire.md §3.2).
pub const CLIENT_QUEUE: usize = 256;
/// `semantic_primitives` come at about 1 Hz per node; a client this far behind skips some.
const SEMANTIC_QUEUE: usize = 16;
/// At most one malformed-datagram warning per reason in this period (docs/wire.md §1.11).
const WARN_EVERY: Duration = Duration::from_secs(10);

/// UDP receive statistics for `/health`.
#[derive(Debug, Default)]
pub struct UdpStats {
    datagrams: AtomicU64,
    dropped_by_allowlist: AtomicU64,
    malformed: AtomicU64,
    reasons: Mutex<BTreeMap<&'static str, ReasonStats>>,
    last_datagram: Mutex<Option<Instant>>,
    /// The UDP socket's inode, for its kernel drop counter.
    kernel_socket: std::sync::OnceLock<Option<u64>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct ReasonStats {
    count: u64,
    last_warning: Option<Instant>,
}

/// A consistent copy of [`UdpStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpSnapshot {
    pub datagrams: u64,
    pub dropped_by_allowlist: u64,
    pub malformed: u64,
    pub malformed_by_reason: BTreeMap<&'static str, u64>,
    pub last_datagram_age: Option<Duration>,
    /// Datagrams the kernel dropped because the receive queue was full (Linux).
    pub kernel_drops: Option<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain counters behind; keep serving.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl UdpStats {
    pub fn record_dropped_by_allowlist(&self) {
        self.dropped_by_allowlist.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_kernel_socket(&self, inode: Option<u64>) {
        let _ = self.kernel_socket.set(inode);
    }

    pub fn record_datagram(&self, now: Instant) {
        self.datagrams.fetch_add(1, Ordering::Relaxed);
        *lock(&self.last_datagram) = Some(now);
    }

    /// Counts a malformed datagram; `true` when a warning should be logged now.
    pub fn record_malformed(&self, reason: &'static str, now: Instant) -> bool {
        self.malformed.fetch_add(1, Ordering::Relaxed);
        let mut reasons = lock(&self.reasons);
        let entry = reasons.entry(reason).or_default();
        entry.count += 1;
        let warn = entry
            .last_warning
            .is_none_or(|t| now.saturating_duration_since(t) >= WARN_EVERY);
        if warn {
            entry.last_warning = Some(now);
        }
        warn
    }

    pub fn snapshot(&self, now: Instant) -> UdpSnapshot {
        UdpSnapshot {
            datagrams: self.datagrams.load(Ordering::Relaxed),
            dropped_by_allowlist: self.dropped_by_allowlist.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            malformed_by_reason: lock(&self.reasons)
                .iter()
                .filter(|(_, s)| s.count > 0)
                .map(|(reason, s)| (*reason, s.count))
                .collect(),
            last_datagram_age: lock(&self.last_datagram).map(|t| now.saturating_duration_since(t)),
            kernel_drops: self
                .kernel_socket
                .get()
                .copied()
                .flatten()
                .and_then(kernel_drops),
        }
    }
}

/// Datagrams the kernel dropped for the socket with `inode` (its receive queue was full):
/// the `drops` column of `/proc/net/udp` or `/proc/net/udp6`. `None` off Linux or when the
/// socket is not listed.
pub fn kernel_drops(inode: u64) -> Option<u64> {
    ["/proc/net/udp", "/proc/net/udp6"]
        .iter()
        .find_map(|table| {
            let text = std::fs::read_to_string(table).ok()?;
            drops_in_table(&text, inode)
        })
}

/// The `drops` (last) column of the line whose `inode` (10th) column is `inode`.
fn drops_in_table(text: &str, inode: u64) -> Option<u64> {
    text.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(9)?.parse::<u64>().ok()? == inode)
            .then(|| fields.last()?.parse().ok())
            .flatten()
    })
}

/// Unix time in seconds.
pub fn wall_clock() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A newly built message and the node whose datagram produced it (1 for synthetic
/// sources), for consumers that must skip re-broadcasts (the MQTT publisher): the typed
/// value (privacy-filtered in privacy mode) and its WebSocket text.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub node_id: u8,
    pub message: Arc<Outgoing>,
    pub json: Utf8Bytes,
    /// What the semantic primitives made of the message (for this node's hearing of it).
    #[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
    pub semantic: Arc<Observed>,
}

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    engine: Mutex<Engine>,
    /// The semantic primitives, fed every newly built message (privacy-filtered) in the
    /// order the MQTT consumer hears them.
    semantic: Mutex<SemanticLayer>,
    /// JSON text shared by every client: cloning `Utf8Bytes` is a reference count.
    hub: broadcast::Sender<Utf8Bytes>,
    /// `pose_data` for `/api/v1/stream/pose`, built once per `sensing_update`.
    pose_hub: broadcast::Sender<Utf8Bytes>,
    /// `semantic_primitives` for the WebSocket clients that asked for them.
    semantic_hub: broadcast::Sender<Utf8Bytes>,
    /// Newly built messages with their node, for the MQTT publisher.
    fresh: broadcast::Sender<Fresh>,
    /// Nodes whose datagrams went into the update the engine owes (for the MQTT consumer).
    update_nodes: Mutex<Vec<u8>>,
    pub udp: Option<UdpStats>,
    clients: AtomicUsize,
    shutdown: watch::Sender<bool>,
}

impl AppState {
    /// `zones`: the loaded `--zones` file.
    pub fn new(config: Config, zones: Option<Zones>, now: Instant) -> Self {
        let mut engine = Engine::new(
            config.mode,
            config.mock.rate_hz,
            config.node_positions.clone(),
            now,
        );
        if let Some(room) = config.room.clone() {
            engine.set_room(room);
        }
        if let Some((_, speed)) = &config.replay {
            engine.set_replay_speed(*speed);
        }
        if let Some((path, seconds)) = &config.record_calibration {
            engine.set_recorder(CalibrationRecorder::new(path.clone(), *seconds));
        }
        let udp = config.mode.binds_udp().then(UdpStats::default);
        let (hub, _) = broadcast::channel(CLIENT_QUEUE);
        let (pose_hub, _) = broadcast::channel(CLIENT_QUEUE);
        let (fresh, _) = broadcast::channel(CLIENT_QUEUE);
        let (semantic_hub, _) = broadcast::channel(SEMANTIC_QUEUE);
        let (shutdown, _) = watch::channel(false);
        let semantic =
            SemanticLayer::new(zones, config.semantic.disabled.clone(), config.privacy_mode);
        AppState {
            config,
            engine: Mutex::new(engine),
            semantic: Mutex::new(semantic),
            hub,
            pose_hub,
            fresh,
            semantic_hub,
            update_nodes: Mutex::new(Vec::new()),
            udp,
            clients: AtomicUsize::new(0),
            shutdown,
        }
    }

    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        lock(&self.engine)
    }

    /// The semantic primitives of every node.
    pub fn semantic(&self) -> MutexGuard<'_, SemanticLayer> {
        lock(&self.semantic)
    }

    /// The `semantic_primitives` message now (`GET /api/v1/semantic`).
    pub fn semantic_primitives(&self) -> SemanticPrimitives {
        self.semantic().message(wall_clock())
    }

    /// Forgets semantic nodes silent for a minute and tells the WebSocket clients.
    pub fn semantic_tick(&self) {
        let now_s = wall_clock();
        let mut semantic = self.semantic();
        if semantic.tick(now_s) {
            self.send_semantic(&semantic, now_s);
        }
    }

    /// Sends the `semantic_primitives` message to the WebSocket clients that asked for it.
    fn send_semantic(&self, semantic: &SemanticLayer, now_s: f64) {
        if self.semantic_hub.receiver_count() > 0 {
            let message = semantic.message(now_s);
            let text = serde_json::to_string(&message).unwrap_or_else(|_| "{}".to_string());
            let _ = self.semantic_hub.send(Utf8Bytes::from(text));
        }
    }

    /// A receiver of every outgoing message as JSON text.
    pub fn subscribe(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.hub.subscribe()
    }

    /// A receiver of `semantic_primitives` messages as JSON text.
    pub fn subscribe_semantic(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.semantic_hub.subscribe()
    }

    /// A receiver of `pose_data` messages as JSON text.
    pub fn subscribe_pose(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.pose_hub.subscribe()
    }

    pub fn has_listeners(&self) -> bool {
        self.hub.receiver_count() > 0 || self.pose_hub.receiver_count() > 0
    }

    /// A receiver of every newly built message (no re-broadcasts) with its node.
    #[cfg(feature = "mqtt")]
    pub fn subscribe_fresh(&self) -> broadcast::Receiver<Fresh> {
        self.fresh.subscribe()
    }

    /// Fans out re-broadcasts; nothing is serialised when nobody listens.
    pub fn publish(&self, messages: Vec<Outgoing>) {
        self.fan_out(&[], messages);
    }

    /// Fans out messages newly built from a datagram (or synthetic frame) of `node_id`.
    pub fn publish_new(&self, node_id: u8, messages: Vec<Outgoing>) {
        self.fan_out(&[node_id], messages);
    }

    /// `origins`: the nodes whose datagrams produced `messages`. The semantic primitives,
    /// like each MQTT consumer, hear a batch's update once per node that contributed to it.
    fn fan_out(&self, origins: &[u8], messages: Vec<Outgoing>) {
        let fresh_to = if self.fresh.receiver_count() > 0 {
            origins
        } else {
            &[]
        };
        if messages.is_empty() || (!self.has_listeners() && origins.is_empty()) {
            return;
        }
        let privacy = self.config.privacy_mode;
        for message in messages {
            // Privacy mode filters the typed value before anything is serialised.
            let message = if privacy {
                match redact_message(message) {
                    Some(message) => message,
                    None => continue,
                }
            } else {
                message
            };
            // A send error only means the last receiver left meanwhile.
            if let Outgoing::Sensing(update) = &message {
                if self.pose_hub.receiver_count() > 0 {
                    let mut pose = PoseData::from_update(update);
                    let text = if privacy {
                        redact_pose(&mut pose);
                        private_json(&pose)
                    } else {
                        serde_json::to_string(&pose).unwrap_or_else(|_| "{}".to_string())
                    };
                    let _ = self.pose_hub.send(Utf8Bytes::from(text));
                }
            }
            // Held until the message is out, so MQTT hears messages in the order the
            // primitives observed them. Re-broadcasts (no origin) are not observed.
            let mut semantic = (!origins.is_empty()).then(|| self.semantic());
            let now_s = wall_clock();
            let observed: Vec<Arc<Observed>> = match semantic.as_mut() {
                Some(layer) => origins
                    .iter()
                    .map(|_| Arc::new(layer.observe(&message, now_s)))
                    .collect(),
                None => Vec::new(),
            };
            if let Some(layer) = &semantic {
                if observed.iter().any(|o| o.sampled()) {
                    self.send_semantic(layer, now_s);
                }
            }
            if self.hub.receiver_count() == 0 && fresh_to.is_empty() {
                continue;
            }
            // Serialised once for every WebSocket client and the MQTT consumers.
            let json = Utf8Bytes::from(if privacy {
                private_json(&message)
            } else {
                message.to_json()
            });
            if !fresh_to.is_empty() {
                let message = Arc::new(message);
                for (&node_id, observed) in fresh_to.iter().zip(&observed) {
                    let _ = self.fresh.send(Fresh {
                        node_id,
                        message: message.clone(),
                        json: json.clone(),
                        semantic: observed.clone(),
                    });
                }
            }
            if self.hub.receiver_count() > 0 {
                let _ = self.hub.send(json);
            }
        }
    }

    /// The shared parse-and-apply path of live UDP, the mock node and replay. `capture_s`
    /// is the recorded capture time of a replayed datagram (seconds); live datagrams are
    /// placed on their receive time.
    pub fn ingest_datagram(
        &self,
        data: &[u8],
        from: Option<SocketAddr>,
        origin: Origin,
        capture_s: Option<f64>,
    ) {
        let now = Instant::now();
        if let Some(udp) = &self.udp {
            udp.record_datagram(now);
        }
        match parse_packet(data) {
            Ok(packet) => {
                let node_id = packet.node_id();
                let mut engine = self.engine();
                let messages = match capture_s {
                    Some(t) => engine.ingest_captured(packet, origin, now, wall_clock(), t),
                    None => engine.ingest(packet, origin, now, wall_clock()),
                };
                drop(engine);
                self.publish_new(node_id, messages);
            }
            Err(error) => self.reject(&error, from, now),
        }
    }

    /// The datagrams a receiver found queued together, as one engine batch
    /// ([`Engine::begin_batch`]): each is parsed and applied in order, its own messages
    /// (edge vitals, ...) go out in order, and the batch's one `sensing_update` last (or
    /// later: the returned instant is when [`AppState::flush_deferred`] must run).
    pub fn ingest_batch<'a>(
        &self,
        datagrams: impl IntoIterator<Item = (&'a [u8], Option<SocketAddr>)>,
        origin: Origin,
    ) -> Option<Instant> {
        let wall = wall_clock();
        let mut messages: Vec<(u8, Outgoing)> = Vec::new();
        let mut sensing_nodes: Vec<u8> = Vec::new();
        let (update, due) = {
            let mut engine = self.engine();
            engine.begin_batch();
            for (data, from) in datagrams {
                // Each datagram keeps its own receive time (live capture time): frames of one
                // node in one batch must not share a timestamp.
                let now = Instant::now();
                if let Some(udp) = &self.udp {
                    udp.record_datagram(now);
                }
                match parse_packet(data) {
                    Ok(packet) => {
                        let node_id = packet.node_id();
                        if !sensing_nodes.contains(&node_id) {
                            sensing_nodes.push(node_id);
                        }
                        let out = engine.ingest(packet, origin, now, wall);
                        messages.extend(out.into_iter().map(|m| (node_id, m)));
                    }
                    Err(error) => self.reject(&error, from, now),
                }
            }
            let update = engine.finish_batch(Instant::now(), wall);
            (update, engine.deferred_due())
        };
        for (node_id, message) in messages {
            self.fan_out(&[node_id], vec![message]);
        }
        {
            let mut nodes = lock(&self.update_nodes);
            for node in sensing_nodes {
                if !nodes.contains(&node) {
                    nodes.push(node);
                }
            }
        }
        if let Some(update) = update {
            let nodes = std::mem::take(&mut *lock(&self.update_nodes));
            self.fan_out(&nodes, vec![update]);
        }
        due
    }

    /// Builds and sends the update a batch deferred, once due; returns when the owed update
    /// is due if it is not yet.
    pub fn flush_deferred(&self) -> Option<Instant> {
        let now = Instant::now();
        let (update, due) = {
            let mut engine = self.engine();
            match engine.deferred_due() {
                Some(due) if due <= now => (engine.flush_deferred(now, wall_clock()), None),
                due => (None, due),
            }
        };
        if let Some(update) = update {
            let nodes = std::mem::take(&mut *lock(&self.update_nodes));
            self.fan_out(&nodes, vec![update]);
        }
        due
    }

    fn reject(&self, error: &PacketError, from: Option<SocketAddr>, now: Instant) {
        let reason = error.reason.as_str();
        let warn = self
            .udp
            .as_ref()
            .is_some_and(|udp| udp.record_malformed(reason, now));
        if warn {
            let magic = error
                .magic
                .map_or_else(|| "none".to_string(), |m| format!("0x{m:08X}"));
            tracing::warn!(
                source = %from.map_or_else(|| "local".to_string(), |a| a.to_string()),
                magic, offset = error.offset, reason, "dropped malformed datagram"
            );
        }
    }

    pub fn client_connected(&self) -> usize {
        self.clients.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn client_disconnected(&self) {
        self.clients.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Resolves once shutdown has been requested.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// The server's tick (`--tick-ms`), for a task that works once per tick until shutdown.
    pub fn ticks(&self) -> Ticks {
        Ticks {
            ticker: tokio::time::interval(Duration::from_millis(self.config.tick_ms)),
            shutdown: self.shutdown_signal(),
        }
    }

    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// Ticks of the server's period until shutdown ([`AppState::ticks`]).
#[derive(Debug)]
pub struct Ticks {
    ticker: tokio::time::Interval,
    shutdown: watch::Receiver<bool>,
}

impl Ticks {
    /// Waits for the next tick: true, or false once shutdown is requested (or the state that
    /// could request it is gone).
    pub async fn next(&mut self) -> bool {
        let ticked = tokio::select! {
            _ = self.ticker.tick() => true,
            _ = self.shutdown.wait_for(|stop| *stop) => false,
        };
        ticked && !*self.shutdown.borrow()
    }
}

/// Waits until `receiver` sees shutdown requested.
pub async fn wait_for_shutdown(mut receiver: watch::Receiver<bool>) {
    // An error means the sender is gone, which also means shutdown.
    let _ = receiver.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_read_from_the_socket_line() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1: 0100007F:138D 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
             2: 0100007F:138E 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0\n";
        assert_eq!(drops_in_table(table, 4242), Some(17));
        assert_eq!(drops_in_table(table, 4243), Some(0));
        assert_eq!(drops_in_table(table, 1), None);
    }

    #[test]
    fn malformed_counts_and_rate_limited_warnings() {
        let stats = UdpStats::default();
        let t0 = Instant::now();
        assert!(stats.record_malformed("truncated", t0));
        assert!(!stats.record_malformed("truncated", t0 + Duration::from_secs(9)));
        assert!(stats.record_malformed("bad_magic", t0 + Duration::from_secs(9)));
        assert!(stats.record_malformed("truncated", t0 + Duration::from_secs(10)));
        stats.record_datagram(t0);
        stats.record_dropped_by_allowlist();
        let snapshot = stats.snapshot(t0 + Duration::from_millis(12));
        assert_eq!(snapshot.malformed, 4);
        assert_eq!(snapshot.malformed_by_reason.get("truncated"), Some(&3));
        assert_eq!(snapshot.malformed_by_reason.get("bad_magic"), Some(&1));
        assert_eq!((snapshot.datagrams, snapshot.dropped_by_allowlist), (1, 1));
        assert_eq!(snapshot.last_datagram_age, Some(Duration::from_millis(12)));
    }
}
