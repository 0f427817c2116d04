//! `/ws/sensing` (wire.md 3.1, 3.2): connecting subscribes; client messages are ignored;
//! a Ping every 30 s; a client that misses two consecutive Pongs is closed; a client that
//! falls more than 256 messages behind skips them; shutdown closes with code 1001.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use crate::app::{wait_for_shutdown, AppState};

pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Close code "going away", sent on shutdown.
const GOING_AWAY: u16 = 1001;
const MISSED_PONGS_LIMIT: u32 = 2;

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
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
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
