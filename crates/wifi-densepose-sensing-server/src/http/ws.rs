//! `/ws/sensing` (docs/wire.md §3.1, 3.2): connecting subscribes; client messages are ignored;
//! a Ping every 30 s; a client that misses two consecutive Pongs is closed; a client that
//! falls more than 256 messages behind skips them; shutdown closes with code 1001. With
//! `?semantic=1` the client also gets `semantic_primitives` (3.10).
//! `/api/v1/stream/pose` (3.9): `connection_established`, then one `pose_data` per update;
//! `{"type":"ping"}` is answered with `{"type":"pong"}`; no Ping frames.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use futures_util::SinkExt;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::messages::connection_established_json;
use crate::state::{wait_for_shutdown, AppState};

pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Close code "going away", sent on shutdown.
const GOING_AWAY: u16 = 1001;
const MISSED_PONGS_LIMIT: u32 = 2;

/// Messages written per flush at most when a client has fallen behind.
const MAX_BATCH: usize = 64;
/// Clients only send control frames and `{"type":"ping"}`. tungstenite zero-fills its whole
/// read buffer (128 KiB by default) before every read attempt, which at 100 clients and
/// 1,000 messages/s was a third of the server's CPU.
const READ_BUFFER: usize = 4 * 1024;
/// Larger client messages are refused: nothing a client may send comes near this.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// The upgrade with the limits of a broadcast-only endpoint.
fn configured(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
}

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

pub async fn sensing(
    upgrade: WebSocketUpgrade,
    uri: Uri,
    State(state): State<Arc<AppState>>,
) -> Response {
    let semantic = wants_semantic(uri.query());
    configured(upgrade).on_upgrade(move |socket| serve(socket, state, semantic))
}

/// Whether the query string asks for `semantic_primitives` (`semantic=1` or `semantic=true`).
fn wants_semantic(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair == "semantic=1" || pair == "semantic=true")
    })
}

/// The next `semantic_primitives` text for a client that asked for them; never for others.
async fn next_semantic(
    semantic: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Result<Utf8Bytes, RecvError> {
    match semantic {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn serve(mut socket: WebSocket, state: Arc<AppState>, semantic: bool) {
    let mut messages = state.subscribe();
    let mut semantic = semantic.then(|| state.subscribe_semantic());
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
            text = next_semantic(&mut semantic) => match text {
                Ok(text) => {
                    if socket.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
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

pub async fn pose(upgrade: WebSocketUpgrade, State(state): State<Arc<AppState>>) -> Response {
    configured(upgrade).on_upgrade(move |socket| serve_pose(socket, state))
}

fn is_ping_request(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|value| value.get("type").and_then(|t| t.as_str()) == Some("ping"))
}

async fn serve_pose(mut socket: WebSocket, state: Arc<AppState>) {
    let mut messages = state.subscribe_pose();
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    if socket
        .send(Message::Text(connection_established_json().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Ok(text) => {
                    if send_batch(&mut socket, text, &mut messages).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) if is_ping_request(text.as_str()) => {
                    if socket.send(Message::Text(Utf8Bytes::from_static(r#"{"type":"pong"}"#))).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            () = &mut shutdown => {
                let frame = CloseFrame { code: GOING_AWAY, reason: "server shutting down".into() };
                let _ = socket.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_ping_request, wants_semantic};

    #[test]
    fn semantic_primitives_only_when_asked() {
        assert!(wants_semantic(Some("semantic=1")));
        assert!(wants_semantic(Some("ticket=abc&semantic=true")));
        for query in [
            None,
            Some(""),
            Some("semantic=0"),
            Some("semantic"),
            Some("xsemantic=1"),
        ] {
            assert!(!wants_semantic(query), "{query:?}");
        }
    }

    #[test]
    fn only_a_ping_object_is_a_ping() {
        assert!(is_ping_request(r#"{"type":"ping"}"#));
        assert!(is_ping_request(r#"{"type":"ping","id":3}"#));
        assert!(!is_ping_request(r#"{"type":"pong"}"#));
        assert!(!is_ping_request("ping"));
        assert!(!is_ping_request("[]"));
    }
}
