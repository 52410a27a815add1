//! The relayer's HTTP server: Prometheus `/metrics`, `/healthz`, and one message's relayer state
//! at `GET /v1/messages/0x<hash>` (the JSON of `messages --json`; 404 for a hash it never saw).
//!
//! Metrics (labels: `chain` = destination chain name unless noted):
//! - `relayer_messages{chain,state}` gauge: messages per state (from the database);
//! - `relayer_delivery_latency_seconds{chain}` histogram: discovery → confirmation;
//! - `relayer_fees_earned_wei_total{chain}` counter (f64 wei) and `relayer_delivered_total{chain}`;
//! - `relayer_rpc_errors_total{chain}` counter (`chain` = the chain whose RPC failed, or `l1`);
//! - `relayer_submissions_total{chain}` counter: delivery transactions broadcast.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use alloy::primitives::B256;
use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::{Store, now_ms};

/// Liveness: loops call [`Health::beat`]; `/healthz` fails when none did for `stale_after`.
#[derive(Clone, Debug)]
pub struct Health {
    last: Arc<AtomicI64>,
    stale_after: Duration,
}

impl Health {
    /// A monitor that is healthy until `stale_after` passes without a beat.
    pub fn new(stale_after: Duration) -> Self {
        Self { last: Arc::new(AtomicI64::new(now_ms())), stale_after }
    }

    /// Records progress.
    pub fn beat(&self) {
        self.last.store(now_ms(), Ordering::Relaxed);
    }

    /// Milliseconds since the last beat.
    pub fn age_ms(&self) -> i64 {
        now_ms() - self.last.load(Ordering::Relaxed)
    }

    /// Whether the loops made progress recently.
    pub fn healthy(&self) -> bool {
        self.age_ms() <= self.stale_after.as_millis() as i64
    }
}

/// Installs the global Prometheus recorder.
pub fn install_recorder() -> Result<PrometheusHandle, String> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("relayer_delivery_latency_seconds".into()),
            &[0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0],
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())
}

#[derive(Clone)]
struct AppState {
    handle: PrometheusHandle,
    health: Health,
    store: Store,
}

/// Serves `/metrics`, `/healthz` and `/v1/messages/0x<hash>` on `addr` until the task is dropped.
pub async fn serve(
    addr: SocketAddr,
    handle: PrometheusHandle,
    health: Health,
    store: Store,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(|State(s): State<AppState>| async move { s.handle.render() }))
        .route(
            "/healthz",
            get(|State(s): State<AppState>| async move {
                let age = s.health.age_ms();
                if s.health.healthy() {
                    (StatusCode::OK, format!("ok (last progress {age} ms ago)\n"))
                } else {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("stalled: no progress for {age} ms\n"),
                    )
                }
            }),
        )
        .route("/v1/messages/{hash}", get(message))
        .with_state(AppState { handle, health, store });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}

/// `GET /v1/messages/0x<hash>`: 200 with the message's state, attempts and (decoded) reason; 400
/// for a malformed hash, 404 for a hash this relayer never saw.
async fn message(
    State(s): State<AppState>,
    Path(hash): Path<String>,
) -> (StatusCode, Json<serde_json::Value>) {
    let error =
        |status: StatusCode, text: String| (status, Json(serde_json::json!({ "error": text })));
    let Ok(parsed) = hash.parse::<B256>() else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("{hash:?} is not a message hash (0x + 64 hex digits)"),
        );
    };
    match s.store.message(parsed).await {
        Ok(Some(row)) => (StatusCode::OK, Json(row.to_json())),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("unknown message {parsed}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Counts an RPC failure against `chain`.
pub fn rpc_error(chain: &str) {
    metrics::counter!("relayer_rpc_errors_total", "chain" => chain.to_string()).increment(1);
}
