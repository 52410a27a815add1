use alloy::primitives::{Address, B256, U256};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use hyperchain_steps::StepsError;

/// Why an API request failed; answered as `{"error": "…"}` with the status of [`Self::status`].
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("unknown chain id {0}")]
    UnknownChain(u64),
    #[error("invalid RPC URL {0:?}")]
    BadRpcUrl(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "no message or transaction {0} on any hyperchain of this ecosystem (a message hash from \
         MessageQueued, or the hash of the transaction that sent it)"
    )]
    MessageNotFound(B256),
    #[error("token {token} is not an ERC-20 on chain {chain_id}: {reason}")]
    NotAnErc20 { chain_id: u64, token: Address, reason: String },
    #[error(
        "account {holder} holds {balance} of token {token} on chain {chain_id}, less than {amount}"
    )]
    TokenBalanceShort {
        chain_id: u64,
        token: Address,
        holder: Address,
        balance: U256,
        amount: U256,
    },
    #[error("RPC method {0} is not relayed by the portal")]
    MethodNotRelayed(String),
    #[error(transparent)]
    Steps(StepsError),
    #[error("{what}: {source}")]
    Rpc {
        what: String,
        #[source]
        source: alloy::transports::TransportError,
    },
    #[error("{what}: {source}")]
    Call {
        what: String,
        #[source]
        source: Box<alloy::contract::Error>,
    },
    #[error("relaying to {url}: {source}")]
    Relay {
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

impl From<StepsError> for PortalError {
    fn from(e: StepsError) -> Self {
        match e {
            StepsError::NotFound(hash) => Self::MessageNotFound(hash),
            StepsError::UnknownChain(id) => Self::UnknownChain(id),
            other => Self::Steps(other),
        }
    }
}

impl PortalError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MessageNotFound(_) | Self::UnknownChain(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_)
            | Self::MethodNotRelayed(_)
            | Self::NotAnErc20 { .. }
            | Self::TokenBalanceShort { .. } => StatusCode::BAD_REQUEST,
            Self::BadRpcUrl(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Steps(_) | Self::Rpc { .. } | Self::Call { .. } | Self::Relay { .. } => {
                StatusCode::BAD_GATEWAY
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": format!("{self}") });
        (self.status(), Json(body)).into_response()
    }
}

pub(crate) fn rpc(
    what: impl Into<String>,
) -> impl FnOnce(alloy::transports::TransportError) -> PortalError {
    let what = what.into();
    move |source| PortalError::Rpc { what, source }
}

pub(crate) fn call(what: impl Into<String>) -> impl FnOnce(alloy::contract::Error) -> PortalError {
    let what = what.into();
    move |source| PortalError::Call { what, source: Box::new(source) }
}
