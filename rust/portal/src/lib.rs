//! The bridge portal and explorer of a hyperchain ecosystem: a JSON API over the chains' public
//! data — the ecosystem (batches, Transaction Roots and who imported them), accounts (balances
//! and history) and messages with their 7 hyperbridge steps (`hyperchain-steps`, the same
//! function the CLI uses) — and the web page served next to it (`web/`, embedded in the binary:
//! no CDN, it works offline). The page never holds a key: it asks the API for the transaction an
//! action needs and has the wallet send it — an injected EIP-1193 wallet, or on a devnet one of
//! the nodes' unlocked dev accounts (public test keys) through the portal's RPC relay.

mod api;
mod error;
mod eta;
mod tx;
mod web;

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
};
use hyperchain_steps::{Chain, Network};
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, sync::Arc};

pub use error::PortalError;

/// What the portal shows: L1, its contracts and each hyperchain.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ecosystem {
    pub l1_chain_id: u64,
    pub l1_rpc_url: String,
    pub shared_bridge: Address,
    pub transaction_root: Address,
    pub chains: Vec<HyperchainInfo>,
    /// Accounts the page offers to act as, sent through the nodes' unlocked dev accounts (a
    /// devnet's public test keys; empty elsewhere: then only an injected wallet acts).
    pub dev_accounts: Vec<DevAccount>,
    /// The ERC-20s on L1 the page offers to move (their bridged twins on the chains are found
    /// through each chain's `AssetRouter`).
    #[serde(default)]
    pub tokens: Vec<L1Token>,
}

/// An ERC-20 on L1 that the ecosystem knows (on a devnet: the test token `up` deploys).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct L1Token {
    pub address: Address,
    pub symbol: String,
    pub decimals: u8,
}

/// One hyperchain of the [`Ecosystem`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HyperchainInfo {
    pub chain_id: u64,
    pub rpc_url: String,
    /// Its `ChainSettlement` on L1.
    pub settlement: Address,
    /// `rollup` or `validium`.
    pub da_mode: String,
}

/// A dev account the page may act as.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevAccount {
    pub address: Address,
    /// What the devnet uses it for (`deployer`, `operator of 901`, `relayer`, `user`).
    pub label: String,
}

pub(crate) struct State {
    pub(crate) eco: Ecosystem,
    pub(crate) http: reqwest::Client,
}

impl State {
    pub(crate) fn l1(&self) -> Result<DynProvider, PortalError> {
        provider(&self.eco.l1_rpc_url)
    }

    pub(crate) fn chain(&self, chain_id: u64) -> Result<&HyperchainInfo, PortalError> {
        self.eco
            .chains
            .iter()
            .find(|c| c.chain_id == chain_id)
            .ok_or(PortalError::UnknownChain(chain_id))
    }

    /// The RPC URL of L1 or a hyperchain.
    pub(crate) fn rpc_url(&self, chain_id: u64) -> Result<&str, PortalError> {
        if chain_id == self.eco.l1_chain_id {
            return Ok(&self.eco.l1_rpc_url);
        }
        Ok(&self.chain(chain_id)?.rpc_url)
    }

    /// The ecosystem as `hyperchain-steps` reads it. Providers connect lazily: a chain that is
    /// down fails the requests that need it.
    pub(crate) fn network(&self) -> Result<Network, PortalError> {
        let chains = self
            .eco
            .chains
            .iter()
            .map(|c| Chain {
                chain_id: c.chain_id,
                settlement: c.settlement,
                rpc: provider(&c.rpc_url).map_err(|e| e.to_string()),
            })
            .collect();
        Ok(Network {
            l1: self.l1()?,
            l1_chain_id: self.eco.l1_chain_id,
            transaction_root: self.eco.transaction_root,
            shared_bridge: self.eco.shared_bridge,
            chains,
        })
    }
}

pub(crate) fn provider(url: &str) -> Result<DynProvider, PortalError> {
    let parsed = url.parse().map_err(|_| PortalError::BadRpcUrl(url.to_string()))?;
    Ok(ProviderBuilder::new().connect_http(parsed).erased())
}

/// The portal's routes: `/api/…`, `/rpc/{chainId}` and the page.
pub fn router(eco: Ecosystem) -> axum::Router {
    let state = Arc::new(State { eco, http: reqwest::Client::new() });
    api::routes().merge(web::routes()).with_state(state)
}

/// Serves the portal on `listener` until `shutdown` resolves.
pub async fn serve(
    eco: Ecosystem,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(eco)).with_graceful_shutdown(shutdown).await
}

/// Binds `addr` (port 0: a free one) and returns the listener with its address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
