//! The devnet relayer's view of one message, from its HTTP server (`GET /v1/messages/0x<hash>`).

use crate::common::DevnetFile;
use alloy::{primitives::B256, transports::http::reqwest};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The relayer's bookkeeping of one message (the subset of its JSON the CLI shows).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelayerMessage {
    /// `discovered` … `confirmed`, `held`, `retrying`, `withdrawal`.
    pub(crate) state: String,
    /// Why it is held or retrying, revert reasons decoded (`InvalidRecipientResponse(0x…)`).
    pub(crate) reason: Option<String>,
    /// Failed delivery simulations so far.
    pub(crate) attempts: u32,
}

impl RelayerMessage {
    /// The reason the relayer is not delivering it: it is `held`, or its simulation reverted and
    /// it is `retrying` with backoff.
    pub(crate) fn held_reason(&self) -> Option<String> {
        match self.state.as_str() {
            "held" | "retrying" => {
                Some(self.reason.clone().unwrap_or_else(|| format!("{} (no reason)", self.state)))
            }
            _ => None,
        }
    }
}

/// What the devnet's relayer says about a message.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase", tag = "relayer", content = "message")]
pub(crate) enum RelayerView {
    /// No relayer runs (`up --no-relayer`, or it exited and `up` is restarting it).
    NotRunning,
    /// Its HTTP server did not answer.
    Unreachable(String),
    /// It has not indexed the message yet.
    Unknown,
    /// Its state.
    Known(RelayerMessage),
}

impl RelayerView {
    /// Asks the devnet's relayer about `hash` (2 s timeout).
    pub(crate) async fn of(devnet: &DevnetFile, hash: B256) -> Self {
        let Some(relayer) = &devnet.relayer else { return Self::NotRunning };
        let (Some(api), Some(_pid)) = (&relayer.api_url, relayer.pid) else {
            return Self::NotRunning;
        };
        let url = format!("{api}/v1/messages/{hash}");
        let client = match reqwest::Client::builder().timeout(Duration::from_secs(2)).build() {
            Ok(c) => c,
            Err(e) => return Self::Unreachable(e.to_string()),
        };
        let response = match client.get(&url).send().await {
            Ok(r) => r,
            Err(e) => return Self::Unreachable(format!("{url}: {e}")),
        };
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Self::Unknown;
        }
        if !response.status().is_success() {
            return Self::Unreachable(format!("{url}: HTTP {}", response.status()));
        }
        let body = match response.text().await {
            Ok(b) => b,
            Err(e) => return Self::Unreachable(format!("{url}: {e}")),
        };
        match serde_json::from_str::<RelayerMessage>(&body) {
            Ok(m) => Self::Known(m),
            Err(e) => Self::Unreachable(format!("{url}: unexpected answer {body:?}: {e}")),
        }
    }

    /// Why the relayer does not deliver the message, if it said so.
    pub(crate) fn held_reason(&self) -> Option<String> {
        match self {
            Self::Known(m) => m.held_reason(),
            _ => None,
        }
    }

    /// How a message waiting for delivery stands with the relayer, for humans.
    pub(crate) fn waiting_detail(&self) -> String {
        match self {
            Self::NotRunning => "waiting for a relayer (none is running)".into(),
            Self::Unreachable(e) => format!("waiting for a relayer (it does not answer: {e})"),
            Self::Unknown => "waiting for the relayer to index it".into(),
            Self::Known(m) => match m.held_reason() {
                Some(reason) => format!("held: {reason}"),
                None => format!("relayer: {}", m.state),
            },
        }
    }
}
