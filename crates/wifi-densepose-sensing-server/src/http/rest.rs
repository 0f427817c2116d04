//! REST routes (docs/wire.md §4), the dashboard (§4.9) and the two routers (HTTP and WebSocket listeners).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use wifi_densepose_wire::messages::Feed;

use crate::http::security::{guard, Security};
use crate::http::{dashboard, ws};
use crate::messages::privacy::redact;
use crate::sensing::engine::LATEST_STALE_AFTER;
use crate::sensing::node::millis;
use crate::sensing::vitals::NO_VITALS;
use crate::state::AppState;

/// Updates built within this period make `/health` report `"live"`.
const LIVE_WITHIN: Duration = Duration::from_secs(5);

/// The HTTP listener: the dashboard, REST, `/ws/sensing`, `/api/v1/stream/pose`.
pub fn http_router(state: Arc<AppState>, security: Arc<Security>) -> Router {
    dashboard::routes(Router::new())
        .route("/health", get(health))
        .route("/api/v1/status", get(status))
        .route("/api/v1/info", get(info))
        .route("/api/v1/nodes", get(nodes))
        .route("/api/v1/sensing/latest", get(latest))
        .route("/api/v1/vital-signs", get(vital_signs))
        .route("/api/v1/edge-vitals", get(edge_vitals))
        .route("/api/v1/semantic", get(semantic))
        .route("/ws/sensing", get(ws::sensing))
        .route("/api/v1/stream/pose", get(ws::pose))
        .route(
            "/api/v1/ws-ticket",
            post(ws_ticket).with_state(security.clone()),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(security, guard))
        .layer(middleware::map_response(no_cache))
        .with_state(state)
}

/// The WebSocket listener: `/ws/sensing` and `/health` only.
pub fn ws_router(state: Arc<AppState>, security: Arc<Security>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ws/sensing", get(ws::sensing))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(security, guard))
        .layer(middleware::map_response(no_cache))
        .with_state(state)
}

/// A REST body as JSON; `--privacy-mode` strips its biometric keys first (docs/wire.md §7.9).
fn reply(state: &AppState, mut body: Value) -> Json<Value> {
    if state.config.privacy_mode {
        redact(&mut body);
    }
    Json(body)
}

async fn no_cache(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    response
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response()
}

fn ms(duration: Duration) -> Value {
    json!(millis(duration))
}

/// Adds what feeds the server (`source_kind`, `replay_speed`; docs/wire.md §3.3) and whether
/// privacy mode is on to a REST body, for a client's source badge.
fn describe_feed(state: &AppState, feed: Feed, body: &mut Value) {
    if let (Value::Object(map), Ok(Value::Object(keys))) = (&mut *body, serde_json::to_value(feed))
    {
        map.extend(keys);
        map.insert("privacy_mode".into(), json!(state.config.privacy_mode));
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = Instant::now();
    let (source, tick, update_age, feed) = {
        let engine = state.engine();
        (
            engine.effective_source(now),
            engine.tick(),
            engine.last_update_age(now),
            engine.feed(),
        )
    };
    let mut processing = Map::new();
    let processing_state = match update_age {
        None => "no_input",
        Some(age) if age < LIVE_WITHIN => "live",
        Some(_) => "stalled",
    };
    processing.insert("state".into(), json!(processing_state));
    if let Some(age) = update_age {
        processing.insert("last_update_age_ms".into(), ms(age));
    }
    if let Some(udp) = &state.udp {
        let snapshot = udp.snapshot(now);
        let mut udp_json = Map::new();
        udp_json.insert("datagrams".into(), json!(snapshot.datagrams));
        if let Some(age) = snapshot.last_datagram_age {
            udp_json.insert("last_datagram_age_ms".into(), ms(age));
        }
        udp_json.insert(
            "dropped_by_allowlist".into(),
            json!(snapshot.dropped_by_allowlist),
        );
        udp_json.insert("malformed".into(), json!(snapshot.malformed));
        if let Some(drops) = snapshot.kernel_drops {
            udp_json.insert("kernel_drops".into(), json!(drops));
        }
        udp_json.insert(
            "malformed_by_reason".into(),
            json!(snapshot.malformed_by_reason),
        );
        processing.insert("udp".into(), Value::Object(udp_json));
    }
    // Accepted packets per kind: feature vectors and compressed CSI are only counted.
    processing.insert("packets".into(), json!(state.engine().counts().by_kind));
    let mut body = json!({
        "status": "ok",
        "source": source,
        "tick": tick,
        "clients": state.clients(),
        "processing": processing,
        // Lets a browser page ask for the token before it calls a protected path.
        "token_required": state.config.api_token.is_some(),
    });
    describe_feed(&state, feed, &mut body);
    reply(&state, body)
}

async fn status(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = Instant::now();
    let engine = state.engine();
    let mut body = Map::new();
    body.insert("status".into(), json!("ready"));
    body.insert("source".into(), json!(engine.effective_source(now)));
    let frame_age = engine.last_sensing_data_age(now);
    body.insert(
        "waiting_for_frames".into(),
        json!(frame_age.is_none() && engine.last_update_age(now).is_none()),
    );
    if let Some(age) = frame_age {
        body.insert("last_frame_age_ms".into(), ms(age));
    }
    reply(&state, Value::Object(body))
}

async fn info(State(state): State<Arc<AppState>>) -> Json<Value> {
    let (source, feed) = {
        let engine = state.engine();
        (engine.effective_source(Instant::now()), engine.feed())
    };
    let mut body = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "environment": "production",
        "backend": "rust",
        "source": source,
        "features": {"wifi_sensing": true, "pose_estimation": false, "signal_processing": true,
                     "ruvector": false, "streaming": true},
    });
    describe_feed(&state, feed, &mut body);
    reply(&state, body)
}

async fn nodes(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = Instant::now();
    let engine = state.engine();
    let list: Vec<Value> = engine
        .nodes()
        .map(|node| {
            let classification = node.classification();
            let mut entry = json!({
                "node_id": node.node_id(),
                "status": if node.is_stale(now) { "stale" } else { "active" },
                "last_seen_ms": millis(node.age(now)),
                "rssi_dbm": node.rssi_dbm(),
                "motion_level": classification.motion_level.as_str(),
                "person_count": node.person_estimate(),
            });
            if node.has_csi() {
                entry["subcarrier_count"] = json!(node.subcarrier_count());
                entry["frame_rate_hz"] = json!(node.frame_rate_hz());
            }
            // The node's own vitals (status and confidence as the library reports them) and
            // the grid rate of its vitals pipeline.
            if let Some(vitals) = node.vitals() {
                entry["vitals_rate_hz"] = json!(vitals.sample_rate_hz());
                entry["vital_signs"] = json!(vitals.latest().unwrap_or(NO_VITALS));
            }
            if let Some(sync) = node.entry(now).sync {
                entry["sync"] = json!(sync);
            }
            entry
        })
        .collect();
    let total = list.len();
    reply(&state, json!({"nodes": list, "total": total}))
}

async fn latest(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = Instant::now();
    let engine = state.engine();
    match engine.latest(now) {
        None => reply(&state, json!({"status": "no data yet"})),
        Some((update, age)) if age > LATEST_STALE_AFTER => reply(
            &state,
            json!({"status": "stale", "age_ms": millis(age), "source": update.source}),
        ),
        Some((update, age)) => {
            let mut body = serde_json::to_value(&update).unwrap_or_else(|_| json!({}));
            body["age_ms"] = json!(millis(age));
            reply(&state, body)
        }
    }
}

async fn vital_signs(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = Instant::now();
    let engine = state.engine();
    let (signs, buffers) = engine.vital_signs(now);
    let buffers = buffers.unwrap_or_default();
    reply(
        &state,
        json!({
            "vital_signs": signs,
            "buffer_status": {
                "breathing_samples": buffers.breathing_samples,
                "breathing_capacity": buffers.breathing_capacity,
                "heartbeat_samples": buffers.heartbeat_samples,
                "heartbeat_capacity": buffers.heartbeat_capacity,
            },
            "source": engine.effective_source(now),
            "tick": engine.tick(),
        }),
    )
}

async fn edge_vitals(State(state): State<Arc<AppState>>) -> Json<Value> {
    match state.engine().latest_edge_vitals() {
        Some(body) => reply(&state, json!({"status": "ok", "edge_vitals": body})),
        None => reply(
            &state,
            json!({"status": "no_data", "edge_vitals": null, "message": "No edge vitals received yet."}),
        ),
    }
}

/// `GET /api/v1/semantic` (4.10): the `semantic_primitives` message as of now. Privacy mode
/// already left the biometric primitives out.
async fn semantic(
    State(state): State<Arc<AppState>>,
) -> Json<wifi_densepose_wire::messages::SemanticPrimitives> {
    Json(state.semantic_primitives())
}

/// `POST /api/v1/ws-ticket` (docs/wire.md §5.3); 404 when no token is configured.
async fn ws_ticket(State(security): State<Arc<Security>>) -> Response {
    if !security.token_required() {
        return not_found().await;
    }
    match security.tickets.issue(Instant::now()) {
        Some(ticket) => Json(json!({"ticket": ticket})).into_response(),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"success": false, "error": "no randomness available for a ticket"})),
        )
            .into_response(),
    }
}
