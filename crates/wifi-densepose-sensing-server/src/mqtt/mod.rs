//! The Home Assistant MQTT publisher (docs/wire.md §7), behind the `mqtt` feature.
//!
//! [`prepare`] reads everything from disk at startup (client id, TLS files) so bad files
//! stop the server; [`run`] owns the broker connection: it feeds the newly built messages
//! of [`AppState`], with what the sensing layer's semantic primitives made of them, to the
//! [`publisher::Publisher`] and sends what it returns.

pub mod error;
pub mod publisher;
pub mod tls;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{
    AsyncClient, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet, QoS, TlsConfiguration,
    Transport,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};
use wifi_densepose_ha::config::{generated_client_id, parse_persisted_client_id, CLIENT_ID_FILE};
use wifi_densepose_ha::topics::{ha_status_topic, OFFLINE, ONLINE};
use wifi_densepose_ha::MqttConfig;

use error::SetupError;
use publisher::{Outbound, Publisher};

use crate::config::mqtt::MqttSettings;
use crate::state::{wait_for_shutdown, wall_clock, AppState};

/// MQTT keep-alive (7.3).
const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// Outgoing queue (7.3).
const QUEUE: usize = 256;
/// Reconnect backoff: from 500 ms, doubling, capped at 30 s (7.3).
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// How long a clean shutdown may spend queueing the final `offline` messages and waiting for
/// the broker to acknowledge them (7.6 step 4), as a whole, before it disconnects anyway and
/// logs what is missing. With [`DISCONNECT_WAIT`] it stays inside the 5 s the server gives
/// its tasks to stop (app.rs).
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(4);
/// How long the DISCONNECT itself may take to be written.
const DISCONNECT_WAIT: Duration = Duration::from_millis(500);

/// Everything the publisher needs, read and checked at startup.
#[derive(Debug)]
pub struct Prepared {
    config: MqttConfig,
    client_id: String,
    server_name: String,
    password: Option<String>,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// Reads the persisted client id (creating it on first use), the password variable and the
/// TLS files.
pub fn prepare(settings: &MqttSettings, data_dir: &Path) -> Result<Prepared, SetupError> {
    let config = settings.config.clone();
    let client_id = match &config.client_id {
        Some(id) => id.clone(),
        None => persisted_client_id(data_dir)?,
    };
    let server_name = server_name(&config, host_name(), &client_id);
    let password = config
        .username
        .as_ref()
        .map(|_| std::env::var(&config.password_env).unwrap_or_default());
    let tls = tls::client_config(&config.tls)?;
    if config.plaintext_to_remote_host() {
        tracing::warn!(host = %config.host, "MQTT without TLS to a host that is not loopback");
    }
    if config.publish_pose {
        tracing::warn!(
            "--mqtt-publish-pose: there is no pose source; the pose entity is not published"
        );
    }
    Ok(Prepared {
        config,
        client_id,
        server_name,
        password,
        tls,
    })
}

/// The readable server name of device names (7.1): `--mqtt-server-name`, else the configured
/// `--mqtt-client-id`, else the host name, else the (generated) client id.
fn server_name(config: &MqttConfig, host: Option<String>, client_id: &str) -> String {
    config
        .server_name
        .clone()
        .or_else(|| config.client_id.clone())
        .or(host)
        .unwrap_or_else(|| client_id.to_string())
}

/// The machine's host name, if the system tells it (Linux `/proc`, else the usual
/// environment variables).
fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty() && !name.chars().any(char::is_control))
}

fn persisted_client_id(data_dir: &Path) -> Result<String, SetupError> {
    let path = data_dir.join(CLIENT_ID_FILE);
    let io_error = |source| SetupError::ClientId {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            if let Some(id) = parse_persisted_client_id(&text) {
                return Ok(id);
            }
            tracing::warn!(path = %path.display(), "unusable MQTT client id file; generating a new id");
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(e)),
    }
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).map_err(|e| io_error(std::io::Error::other(e.to_string())))?;
    let id = generated_client_id(random);
    std::fs::create_dir_all(data_dir).map_err(io_error)?;
    std::fs::write(&path, format!("{id}\n")).map_err(io_error)?;
    Ok(id)
}

/// What the connection task reports to the publishing loop.
#[derive(Debug)]
enum Link {
    Connected,
    Disconnected,
    HomeAssistantOnline,
}

/// What the event loop has done with the publications handed to it: how many PUBLISH
/// packets it has written, and how many QoS 1 ones still wait for their PUBACK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Progress {
    written: u64,
    unacknowledged: usize,
}

/// Publishes until shutdown; reconnects with backoff on errors.
pub async fn run(state: Arc<AppState>, prepared: Prepared) {
    let Prepared {
        config,
        client_id,
        server_name,
        password,
        tls,
    } = prepared;
    let status_topic = ha_status_topic(&config.prefix);
    let zones = state.semantic().zones().cloned();
    let mut publisher = Publisher::new(config.clone(), client_id.clone(), server_name, zones);
    let mut options = MqttOptions::new(&client_id, &config.host, config.effective_port());
    options.set_keep_alive(KEEP_ALIVE).set_clean_session(true);
    if let Some(user) = &config.username {
        options.set_credentials(user, password.unwrap_or_default());
    }
    if config.last_will {
        options.set_last_will(LastWill::new(
            publisher.server_availability_topic(),
            OFFLINE,
            QoS::AtLeastOnce,
            true,
        ));
    }
    if let Some(tls) = tls {
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
    }
    let (client, eventloop) = AsyncClient::new(options, QUEUE);
    let (link_tx, mut link) = mpsc::channel(16);
    let (progress_tx, progress) = watch::channel(Progress::default());
    let endpoint = format!("{}:{}", config.host, config.effective_port());
    let connection = tokio::spawn(drive(
        eventloop,
        link_tx,
        progress_tx,
        status_topic.clone(),
        endpoint,
    ));
    let mut fresh = state.subscribe_fresh();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    let mut sender = Sender {
        client: client.clone(),
        queued: 0,
        dropped: 0,
    };
    loop {
        let out = tokio::select! {
            message = fresh.recv() => match message {
                Ok(m) => publisher.on_message(
                    m.node_id, &m.message, m.json.as_str(), &m.semantic, wall_clock(),
                ),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "MQTT publisher skipped messages");
                    Vec::new()
                }
                Err(RecvError::Closed) => break,
            },
            event = link.recv() => match event {
                Some(Link::Connected) => {
                    // A new session: the connection task counts from zero again (drive).
                    sender.queued = 0;
                    if let Err(error) = client.try_subscribe(&status_topic, QoS::AtLeastOnce) {
                        tracing::warn!(%error, "cannot subscribe to the Home Assistant status topic");
                    }
                    publisher.on_connected(wall_clock())
                }
                Some(Link::Disconnected) => {
                    publisher.on_disconnected();
                    Vec::new()
                }
                Some(Link::HomeAssistantOnline) => publisher.on_home_assistant_online(),
                None => break,
            },
            _ = tick.tick() => publisher.on_tick(wall_clock()),
            () = &mut shutdown => {
                let last = publisher.on_shutdown();
                if last.is_empty() {
                    connection.abort();
                } else {
                    let deadline = tokio::time::Instant::now() + SHUTDOWN_FLUSH;
                    sender.send_all(last, deadline).await;
                    flush(&sender, progress, &mut link, deadline).await;
                    // Never blocks: with the queue still full the connection is just dropped.
                    if let Err(error) = client.try_disconnect() {
                        tracing::debug!(%error, "MQTT DISCONNECT not queued");
                    }
                    let wait = tokio::time::timeout(DISCONNECT_WAIT, connection);
                    if let Err(elapsed) = wait.await {
                        tracing::debug!(%elapsed, "MQTT DISCONNECT not confirmed");
                    }
                }
                return;
            }
        };
        sender.send(out);
    }
}

/// Clean shutdown, 7.6 step 4: waits (until `deadline`) until the event loop has written
/// every queued publication and the broker has acknowledged every QoS 1 one, so the
/// `offline` messages are the broker's before the DISCONNECT; logs what is missing if not.
async fn flush(
    sender: &Sender,
    mut progress: watch::Receiver<Progress>,
    link: &mut mpsc::Receiver<Link>,
    deadline: tokio::time::Instant,
) {
    let queued = sender.queued;
    let done = |p: &Progress| p.written >= queued && p.unacknowledged == 0;
    let wait = async {
        loop {
            if done(&progress.borrow_and_update()) {
                return;
            }
            tokio::select! {
                changed = progress.changed() => if changed.is_err() { return },
                // Keep the connection task from blocking on a full link channel.
                _ = link.recv() => {}
            }
        }
    };
    if tokio::time::timeout_at(deadline, wait).await.is_err() {
        let p = *progress.borrow();
        tracing::warn!(
            unsent = queued.saturating_sub(p.written),
            unacknowledged = p.unacknowledged,
            timeout_ms = SHUTDOWN_FLUSH.as_millis() as u64,
            "MQTT shutdown: the broker did not take every offline message in time; disconnecting"
        );
    }
}

/// Hands publications to the event loop and counts them.
struct Sender {
    client: AsyncClient,
    /// Publications accepted by the event loop's request queue in the current session.
    queued: u64,
    dropped: u64,
}

fn qos(o: &Outbound) -> QoS {
    if o.qos == 0 {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    }
}

impl Sender {
    /// While running: never blocks; a full queue drops (and counts) messages.
    fn send(&mut self, out: Vec<Outbound>) {
        for o in out {
            let qos = qos(&o);
            if self
                .client
                .try_publish(o.topic, qos, o.retain, o.payload)
                .is_ok()
            {
                self.queued += 1;
            } else {
                self.dropped += 1;
                if self.dropped.is_power_of_two() {
                    tracing::warn!(dropped = self.dropped, "MQTT queue full; messages dropped");
                }
            }
        }
    }

    /// At shutdown: waits for room in the queue instead of dropping (flow control), until
    /// `deadline` at most.
    async fn send_all(&mut self, out: Vec<Outbound>, deadline: tokio::time::Instant) {
        let client = self.client.clone();
        let queued = &mut self.queued;
        let all = async {
            for o in out {
                let qos = qos(&o);
                if client
                    .publish(o.topic, qos, o.retain, o.payload)
                    .await
                    .is_err()
                {
                    return;
                }
                *queued += 1;
            }
        };
        if tokio::time::timeout_at(deadline, all).await.is_err() {
            tracing::warn!("MQTT shutdown: the request queue stayed full");
        }
    }
}

/// Polls the event loop: reports connections, Home Assistant's birth message, failures and
/// the [`Progress`] of publications, and waits with exponential backoff between attempts.
async fn drive(
    mut eventloop: EventLoop,
    link: mpsc::Sender<Link>,
    progress: watch::Sender<Progress>,
    status_topic: String,
    endpoint: String,
) {
    let mut backoff = BACKOFF_START;
    let mut written = 0u64;
    let mut unacknowledged = HashSet::new();
    loop {
        let event = eventloop.poll().await;
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!(%endpoint, "MQTT connected");
                backoff = BACKOFF_START;
                // A clean session drops what the old one had queued or in flight, so both
                // sides count from zero (the publishing loop resets on Link::Connected).
                written = 0;
                unacknowledged.clear();
                progress.send_replace(Progress::default());
                if link.send(Link::Connected).await.is_err() {
                    return;
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) if p.topic == status_topic => {
                if p.payload.as_ref() == ONLINE.as_bytes()
                    && link.send(Link::HomeAssistantOnline).await.is_err()
                {
                    return;
                }
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                written += 1;
                if pkid != 0 {
                    unacknowledged.insert(pkid);
                }
            }
            Ok(Event::Incoming(Packet::PubAck(ack))) => {
                unacknowledged.remove(&ack.pkid);
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%endpoint, error = %describe(&error), retry_in_ms = backoff.as_millis() as u64, "MQTT connection failed");
                if link.send(Link::Disconnected).await.is_err() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_CAP);
            }
        }
        progress.send_replace(Progress {
            written,
            unacknowledged: unacknowledged.len(),
        });
    }
}

/// The error with those of its sources its message does not already include, so TLS
/// alerts show, plus a hint for the common mutual-TLS mistake.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    if text.contains("CertificateRequired") {
        text.push_str(
            " (the broker requires a client certificate: --mqtt-client-cert and --mqtt-client-key)",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("received fatal alert: CertificateRequired")]
    struct Inner;

    #[test]
    fn errors_are_described_once_with_a_hint() {
        assert_eq!(
            describe(&Outer(Inner)),
            "outer: received fatal alert: CertificateRequired (the broker requires a client \
             certificate: --mqtt-client-cert and --mqtt-client-key)"
        );
    }

    #[test]
    fn server_name_prefers_the_flag_then_the_client_id_then_the_host() {
        let generated = "wifi-densepose-1a2b3c4d";
        let host = || Some("kitchen-pi".to_string());
        let mut config = MqttConfig::default();
        assert_eq!(server_name(&config, host(), generated), "kitchen-pi");
        assert_eq!(server_name(&config, None, generated), generated);
        config.client_id = Some("wdp-hall".into());
        assert_eq!(server_name(&config, host(), "wdp-hall"), "wdp-hall");
        config.server_name = Some("Hall".into());
        assert_eq!(server_name(&config, host(), "wdp-hall"), "Hall");
    }

    #[test]
    fn client_id_is_generated_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("wdp-mqtt-id-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = persisted_client_id(&dir.join("nested")).unwrap();
        assert!(
            first.starts_with("wifi-densepose-") && first.len() == 23,
            "{first}"
        );
        assert!(first[15..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(persisted_client_id(&dir.join("nested")).unwrap(), first);
        std::fs::write(dir.join("nested").join(CLIENT_ID_FILE), "\n").unwrap();
        let replaced = persisted_client_id(&dir.join("nested")).unwrap();
        assert_ne!(replaced, "");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
