//! Startup, the background tasks, and graceful shutdown: the top layer, which wires the
//! configuration, the shared state, the sources and the outputs together.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::config::cli::Config;
use crate::http::conn::{connection_cap, raise_fd_limit, GuardedListener};
use crate::http::rest;
use crate::http::security::Security;
use crate::sensing::mode::SourceMode;
use crate::sources::{mock, replay, udp};
use crate::state::{wait_for_shutdown, AppState};

/// Why the server could not start (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    #[error(transparent)]
    Zones(#[from] crate::config::semantic::ZonesError),
    #[cfg(feature = "mqtt")]
    #[error(transparent)]
    Mqtt(#[from] crate::mqtt::error::SetupError),
}

fn bind_error(what: &'static str, addr: SocketAddr) -> impl FnOnce(std::io::Error) -> StartError {
    move |source| StartError::Bind { what, addr, source }
}

/// Binds everything first (so a bind failure exits before serving), then runs until
/// SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let http_addr = SocketAddr::new(config.bind_addr, config.http_port);
    let ws_addr = SocketAddr::new(config.bind_addr, config.ws_port);
    let udp_addr = SocketAddr::new(config.udp_bind, config.udp_port);
    let http_listener = TcpListener::bind(http_addr)
        .await
        .map_err(bind_error("the HTTP listener", http_addr))?;
    let ws_listener = TcpListener::bind(ws_addr)
        .await
        .map_err(bind_error("the WebSocket listener", ws_addr))?;
    let udp_socket = if config.mode.binds_udp() {
        Some(udp::bind(udp_addr).map_err(bind_error("the UDP socket", udp_addr))?)
    } else {
        None
    };
    let recording = match &config.replay {
        Some((path, speed)) => Some((replay::load_datagrams(path)?, *speed)),
        None => None,
    };
    let zones = match &config.semantic.zones_file {
        Some(path) => Some(crate::config::semantic::load_zones(path)?),
        None => None,
    };
    #[cfg(feature = "mqtt")]
    let mqtt = match &config.mqtt {
        Some(settings) => Some(crate::mqtt::prepare(settings, &config.data_dir)?),
        None => None,
    };
    let mode = config.mode;
    let print_frames = config.print_frames;
    let security = Arc::new(Security::new(
        &config.allowed_hosts,
        config.host_validation,
        config.api_token.as_deref(),
    ));
    let state = Arc::new(AppState::new(config, zones, Instant::now()));
    tracing::info!(%http_addr, %ws_addr, mode = ?mode, "sensing server listening");

    let mut tasks = JoinSet::new();
    if print_frames {
        tasks.spawn(print_messages(state.clone()));
    }
    if let Some(socket) = udp_socket {
        tracing::info!(%udp_addr, "receiving ESP32 datagrams");
        tasks.spawn(udp::run(state.clone(), socket));
    }
    if matches!(
        mode,
        SourceMode::Auto | SourceMode::Simulate | SourceMode::MockFrames
    ) {
        tasks.spawn(mock::run(state.clone()));
    }
    if let Some((datagrams, speed)) = recording {
        tasks.spawn(replay::run(state.clone(), datagrams, speed));
    }
    tasks.spawn(housekeeping(state.clone()));
    #[cfg(feature = "mqtt")]
    if let Some(prepared) = mqtt {
        tasks.spawn(crate::mqtt::run(state.clone(), prepared));
    }
    let fd_limit = raise_fd_limit();
    let cap = connection_cap(fd_limit, 2);
    tracing::info!(
        fd_limit,
        connections_per_listener = cap,
        "connection limits"
    );
    for (listener, router) in [
        (
            http_listener,
            rest::http_router(state.clone(), security.clone()),
        ),
        (
            ws_listener,
            rest::ws_router(state.clone(), security.clone()),
        ),
    ] {
        let shutdown = wait_for_shutdown(state.shutdown_signal());
        let listener = GuardedListener::new(listener, cap);
        tasks.spawn(async move {
            if let Err(error) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(%error, "listener failed");
            }
        });
    }

    termination().await;
    tracing::info!("shutting down");
    state.request_shutdown();
    // Handlers close their WebSockets with 1001 and return; bound the wait regardless.
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::warn!("tasks did not stop within 5 s; exiting anyway");
    }
    Ok(())
}

/// Re-broadcasts the latest update every tick while ESP32 is the source and someone
/// listens (docs/wire.md §3.7), and forgets silent nodes.
async fn housekeeping(state: Arc<AppState>) {
    let mut ticks = state.ticks();
    while ticks.next().await {
        let now = Instant::now();
        let rebroadcast = {
            let mut engine = state.engine();
            engine.expire(now);
            if engine.esp32_active() && state.has_listeners() {
                engine.rebroadcast(now)
            } else {
                None
            }
        };
        state.publish(rebroadcast.into_iter().collect());
        state.semantic_tick();
    }
}

/// `--print-frames`: every outgoing message as one JSON line on stdout.
async fn print_messages(state: Arc<AppState>) {
    use std::io::Write;
    use tokio::sync::broadcast::error::RecvError;
    let mut messages = state.subscribe();
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    loop {
        let message = tokio::select! {
            message = messages.recv() => message,
            () = &mut shutdown => return,
        };
        match message {
            Ok(text) => {
                let mut stdout = std::io::stdout().lock();
                if writeln!(stdout, "{}", text.as_str())
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return;
                }
            }
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn termination() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
