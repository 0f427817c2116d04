//! `/ws/sensing` (wire.md 3.1, 3.2): connecting subscribes; client messages are ignored;
//! a Ping every 30 s; a client that misses two consecutive Pongs is closed; a client that
//! falls more than 256 messages behind skips them; shutdown closes with code 1001.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::SinkExt;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::app::{wait_for_shutdown, AppState};

pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Close code "going away", sent on shutdown.
const GOING_AWAY: u16 = 1001;
const MISSED_PONGS_LIMIT: u32 = 2;

/// Messages written per flush at most when a client has fallen behind.
const MAX_BATCH: usize = 64;

/// Writes `first` and whatever else is already queued (up to `MAX_BATCH`), then flushes
/// once: a client that was scheduled late catches up with one write instead of many.
async fn send_batch(
    socket: &mut WebSocket,
    first: Utf8Bytes,
    messages: &mut broadcast::Receiver<Utf8Bytes>,
) -> Result<(), axum::Error> {
    socket.feed(Message::Text(first)).await?;
    for _ in 1..MAX_BATCH {
        match messages.try_recv() {
            Ok(text) => socket.feed(Message::Text(text)).await?,
            Err(TryRecvError::Lagged(skipped)) => {
                tracing::debug!(skipped, "slow WebSocket client skipped messages");
            }
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    socket.flush().await
}

pub async fn sensing(upgrade: WebSocketUpgrade, State(state): State<Arc<AppState>>) -> Response {
    upgrade.on_upgrade(move |socket| serve(socket, state))
}

async fn serve(mut socket: WebSocket, state: Arc<AppState>) {
    let mut messages = state.subscribe();
    let clients = state.client_connected();
    tracing::info!(clients, "WebSocket client connected");
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut unanswered_pings = 0u32;
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Ok(text) => {
                    if send_batch(&mut socket, text, &mut messages).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(skipped)) => tracing::debug!(skipped, "slow WebSocket client skipped messages"),
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Pong(_))) => unanswered_pings = 0,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Connecting is subscribing: anything else the client sends is ignored.
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if unanswered_pings >= MISSED_PONGS_LIMIT {
                    tracing::info!("closing a WebSocket client that missed two pings");
                    break;
                }
                unanswered_pings += 1;
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            () = &mut shutdown => {
                let frame = CloseFrame { code: GOING_AWAY, reason: "server shutting down".into() };
                let _ = socket.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
    state.client_disconnected();
    tracing::info!(clients = state.clients(), "WebSocket client disconnected");
}
