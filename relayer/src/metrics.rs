//! The relayer's HTTP server: Prometheus `/metrics`, `/healthz`, and one message's relayer state
//! at `GET /v1/messages/0x<hash>` (the JSON of `messages --json`; 404 for a hash it never saw).
//!
//! Metrics (labels: `chain` = destination chain name unless noted):
//! - `relayer_messages{chain,state}` gauge: messages per state (from the database);
//! - `relayer_delivery_latency_seconds{chain}` histogram: discovery → confirmation;
//! - `relayer_fees_earned_gwei_total{chain}` counter (whole gwei, exact; wei totals overflow a u64
//!   counter at 18 ETH) and `relayer_delivered_total{chain}`;
//! - `relayer_rpc_errors_total{chain}` counter (`chain` = the chain whose RPC failed, or `l1`);
//! - `relayer_submissions_total{chain}` counter: delivery transactions broadcast.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use alloy::primitives::B256;
use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::{Store, now_ms};

/// Liveness per loop: every loop calls [`Health::beat`] with its name after each iteration that
/// completed (idle or not); an iteration that fails or hangs does not beat. `/healthz` fails,
/// naming the loop, when any registered loop has not beaten for `stale_after`.
#[derive(Clone, Debug)]
pub struct Health {
    loops: Arc<std::sync::Mutex<BTreeMap<String, i64>>>,
    stale_after: Duration,
}

impl Health {
    /// A monitor whose loops are healthy until `stale_after` passes without a beat.
    pub fn new(stale_after: Duration) -> Self {
        Self { loops: Arc::default(), stale_after }
    }

    /// Records that loop `name` completed an iteration (and registers it on first use).
    pub fn beat(&self, name: &str) {
        let mut loops = self.loops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match loops.get_mut(name) {
            Some(at) => *at = now_ms(),
            None => {
                loops.insert(name.to_string(), now_ms());
            }
        }
    }

    /// Every loop with the milliseconds since its last beat.
    pub fn ages_ms(&self) -> Vec<(String, i64)> {
        let now = now_ms();
        let loops = self.loops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loops.iter().map(|(name, at)| (name.clone(), now - at)).collect()
    }

    /// The loops that have not beaten for `stale_after`, with their ages (empty when healthy).
    pub fn stalled(&self) -> Vec<(String, i64)> {
        let limit = self.stale_after.as_millis() as i64;
        self.ages_ms().into_iter().filter(|(_, age)| *age > limit).collect()
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
                let stalled = s.health.stalled();
                if stalled.is_empty() {
                    let loops = s.health.ages_ms().len();
                    (StatusCode::OK, format!("ok ({loops} loops progressing)\n"))
                } else {
                    let names: Vec<String> = stalled
                        .iter()
                        .map(|(name, age)| format!("{name} (no iteration for {age} ms)"))
                        .collect();
                    (StatusCode::SERVICE_UNAVAILABLE, format!("stalled: {}\n", names.join(", ")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_stops_beating_is_named_stalled() {
        let health = Health::new(Duration::from_millis(50));
        health.beat("scan:a");
        health.beat("submit:a");
        assert!(health.stalled().is_empty());
        std::thread::sleep(Duration::from_millis(80));
        health.beat("scan:a");
        let stalled: Vec<String> = health.stalled().into_iter().map(|(name, _)| name).collect();
        assert_eq!(stalled, vec!["submit:a".to_string()]);
    }
}
