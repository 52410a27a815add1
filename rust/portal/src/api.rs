//! The JSON API: `/api/ecosystem`, `/api/accounts/{address}`, `/api/messages/{hash}`,
//! `/api/tx/…` and the RPC relay `/rpc/{chainId}`.

use crate::{
    State,
    error::{PortalError, call, rpc},
    eta, tx,
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use axum::{
    Json, Router,
    extract::{Path, State as Extract},
    routing::{get, post},
};
use hyperchain_bindings::{
    AssetRouter, BridgedToken, ChainSettlement, IAssetRouter, IInbox, SharedBridge,
    TransactionRoot, predeploys,
};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

type Shared = Arc<State>;
type Answer<T> = Result<Json<T>, PortalError>;

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/ecosystem", get(ecosystem))
        .route("/api/accounts/{address}", get(account))
        .route("/api/messages/{hash}", get(message))
        .route("/api/tx/deposit", post(deposit_tx))
        .route("/api/tx/send", post(send_tx))
        .route("/api/tx/claim/{hash}", get(claim_tx))
        .route("/rpc/{chain_id}", post(relay_rpc))
}

fn parse_hash(s: &str) -> Result<B256, PortalError> {
    s.parse().map_err(|_| {
        PortalError::BadRequest(format!(
            "{s:?} is not a 32-byte hex hash (0x followed by 64 hex digits)"
        ))
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EcosystemView {
    l1: L1View,
    chains: Vec<ChainView>,
    dev_accounts: Vec<crate::DevAccount>,
    tokens: Vec<TokenView>,
}

/// A known L1 token and its address on L1 and on every chain that answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenView {
    symbol: String,
    decimals: u8,
    addresses: Vec<TokenAddress>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenAddress {
    chain_id: u64,
    address: Address,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct L1View {
    chain_id: u64,
    rpc_url: String,
    block: u64,
    /// The current Transaction Root, its leaf count and the hyperchains that imported it.
    transaction_root: B256,
    leaf_count: U256,
    imported_by: Vec<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChainView {
    chain_id: u64,
    rpc_url: String,
    da_mode: String,
    /// `settling on L1` while in the ecosystem, `left the ecosystem` after a rage quit.
    settlement_mode: &'static str,
    settlement: Address,
    up: bool,
    error: Option<String>,
    l2_block: Option<u64>,
    last_committed_batch: u64,
    last_executed_batch: u64,
    /// Seconds between its last executed batches on L1.
    settle_interval_s: Option<f64>,
    /// The last Transaction Root this chain imported.
    last_imported_root: Option<B256>,
}

async fn ecosystem(Extract(state): Extract<Shared>) -> Answer<EcosystemView> {
    let l1 = state.l1()?;
    let tr = TransactionRoot::new(state.eco.transaction_root, &l1);
    let root = tr.root().call().await.map_err(call("TransactionRoot.root"))?;
    let leaf_count = tr.leafCount().call().await.map_err(call("TransactionRoot.leafCount"))?;
    let mut chains = Vec::new();
    let mut imported_by = Vec::new();
    for c in &state.eco.chains {
        let s = ChainSettlement::new(c.settlement, &l1);
        let mut view = ChainView {
            chain_id: c.chain_id,
            rpc_url: c.rpc_url.clone(),
            da_mode: c.da_mode.clone(),
            settlement_mode: if s.hasLeft().call().await.map_err(call("hasLeft"))? {
                "left the ecosystem"
            } else {
                "settling on L1"
            },
            settlement: c.settlement,
            up: false,
            error: None,
            l2_block: None,
            last_committed_batch: s
                .lastCommittedBatch()
                .call()
                .await
                .map_err(call("lastCommittedBatch"))?,
            last_executed_batch: s
                .lastExecutedBatch()
                .call()
                .await
                .map_err(call("lastExecutedBatch"))?,
            settle_interval_s: eta::settle_interval(&l1, state.eco.l1_chain_id, c.settlement)
                .await?,
            last_imported_root: None,
        };
        match chain_head(&crate::provider(&c.rpc_url)?, root).await {
            Ok((block, imported_current, last)) => {
                view.up = true;
                view.l2_block = Some(block);
                view.last_imported_root = last;
                if imported_current {
                    imported_by.push(c.chain_id);
                }
            }
            Err(e) => view.error = Some(e.to_string()),
        }
        chains.push(view);
    }
    Ok(Json(EcosystemView {
        l1: L1View {
            chain_id: state.eco.l1_chain_id,
            rpc_url: state.eco.l1_rpc_url.clone(),
            block: l1.get_block_number().await.map_err(rpc("L1 eth_blockNumber"))?,
            transaction_root: root,
            leaf_count,
            imported_by,
        },
        chains,
        dev_accounts: state.eco.dev_accounts.clone(),
        tokens: token_views(&state).await,
    }))
}

/// Where each known L1 token lives on each chain: `AssetRouter.bridgedToken`, the address its
/// bridged twin has (or will have once deployed by a first deposit).
async fn token_views(state: &State) -> Vec<TokenView> {
    let l1 = U256::from(state.eco.l1_chain_id);
    let mut views = Vec::new();
    for t in &state.eco.tokens {
        let mut addresses =
            vec![TokenAddress { chain_id: state.eco.l1_chain_id, address: t.address }];
        for c in &state.eco.chains {
            let Ok(l2) = crate::provider(&c.rpc_url) else { continue };
            let router = AssetRouter::new(predeploys::ASSET_ROUTER, &l2);
            if let Ok(address) = router.bridgedToken(l1, t.address).call().await {
                addresses.push(TokenAddress { chain_id: c.chain_id, address });
            }
        }
        views.push(TokenView { symbol: t.symbol.clone(), decimals: t.decimals, addresses });
    }
    views
}

/// A chain's head, whether it imported `root`, and the last root it imported.
async fn chain_head(
    l2: &DynProvider,
    root: B256,
) -> Result<(u64, bool, Option<B256>), PortalError> {
    let block = l2.get_block_number().await.map_err(rpc("eth_blockNumber"))?;
    let inbox = IInbox::new(predeploys::INBOX, l2);
    let imported = inbox.isImported(root).call().await.map_err(call("Inbox.isImported"))?;
    let filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::TransactionRootImported::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(TransactionRootImported)"))?;
    let last = logs.last().and_then(|l| l.topics().get(1).copied());
    Ok((block, imported, last))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountView {
    address: Address,
    balances: Vec<Balance>,
    history: Vec<HistoryEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Balance {
    chain_id: u64,
    /// ETH in wei (decimal string in JSON: wei exceed what JSON numbers carry).
    #[serde(with = "decimal")]
    eth: U256,
    tokens: Vec<TokenBalance>,
    error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenBalance {
    /// The bridged token on this chain.
    token: Address,
    origin_chain_id: U256,
    origin_token: Address,
    symbol: String,
    decimals: u8,
    #[serde(with = "decimal")]
    balance: U256,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
enum HistoryEntry {
    /// An L1 → chain deposit; `credited` once the chain executed its priority request.
    Deposit {
        chain_id: u64,
        l1_tx: B256,
        nonce: U256,
        to: Address,
        token: Address,
        #[serde(with = "decimal")]
        amount: U256,
        credited: bool,
    },
    /// A hyperbridge message or a withdrawal, with the step it reached.
    Message {
        source_chain_id: u64,
        destination_chain_id: u64,
        withdrawal: bool,
        message_hash: B256,
        tx: B256,
        #[serde(with = "decimal")]
        value: U256,
        /// The token and amount when it is an ERC-20 transfer of the `AssetRouter`.
        token: Option<TokenMoved>,
        step: hyperchain_steps::HyperbridgeStep,
        done: bool,
    },
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenMoved {
    /// Its address on the source chain.
    token: Address,
    #[serde(with = "decimal")]
    amount: U256,
}

/// The token transfers `who` sent from a chain, by transaction.
async fn tokens_sent_by(
    l2: &DynProvider,
    who: Address,
) -> Result<std::collections::HashMap<B256, TokenMoved>, PortalError> {
    let filter = Filter::new()
        .address(predeploys::ASSET_ROUTER)
        .event_signature(IAssetRouter::TokenSent::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(TokenSent)"))?;
    Ok(logs
        .iter()
        .filter_map(|log| {
            let e = IAssetRouter::TokenSent::decode_log(&log.inner).ok()?;
            (e.data.from == who).then_some((
                log.transaction_hash?,
                TokenMoved { token: e.data.token, amount: e.data.amount },
            ))
        })
        .collect())
}

mod decimal {
    pub(super) fn serialize<S: serde::Serializer>(
        v: &alloy::primitives::U256,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
}

/// Messages of an account tracked per request (the newest).
const HISTORY_MESSAGES: usize = 20;

async fn account(
    Extract(state): Extract<Shared>,
    Path(address): Path<String>,
) -> Answer<AccountView> {
    let who: Address = address
        .parse()
        .map_err(|_| PortalError::BadRequest(format!("{address:?} is not an address")))?;
    let l1 = state.l1()?;
    let mut balances = vec![Balance {
        chain_id: state.eco.l1_chain_id,
        eth: l1.get_balance(who).await.map_err(rpc("L1 eth_getBalance"))?,
        tokens: l1_token_balances(&state, &l1, who).await?,
        error: None,
    }];
    for c in &state.eco.chains {
        let l2 = crate::provider(&c.rpc_url)?;
        balances.push(match chain_balance(&l2, c.chain_id, who).await {
            Ok(b) => b,
            Err(e) => Balance {
                chain_id: c.chain_id,
                eth: U256::ZERO,
                tokens: Vec::new(),
                error: Some(e.to_string()),
            },
        });
    }
    let mut history = deposits(&state, &l1, who).await?;
    let net = state.network()?;
    let mut sent = Vec::new();
    // A token transfer's message is sent by the AssetRouter: its `TokenSent` names the account.
    let mut tokens_sent = std::collections::HashMap::new();
    for c in &net.chains {
        let Ok(l2) = &c.rpc else { continue };
        if let Ok(by) = tokens_sent_by(l2, who).await {
            tokens_sent.extend(by);
        }
        if let Ok(messages) = hyperchain_steps::outbox_messages(l2, c.chain_id).await {
            sent.extend(messages.into_iter().filter(|m| {
                m.message.sender == who
                    || (m.message.sender == predeploys::ASSET_ROUTER
                        && tokens_sent.contains_key(&m.at.tx))
            }));
        }
    }
    for m in sent.iter().rev().take(HISTORY_MESSAGES) {
        let track = hyperchain_steps::track(&net, m).await?;
        history.push(HistoryEntry::Message {
            source_chain_id: track.source_chain_id,
            destination_chain_id: track.destination_chain_id,
            withdrawal: track.withdrawal,
            message_hash: track.message_hash,
            tx: m.at.tx,
            value: track.message.value,
            token: tokens_sent.get(&m.at.tx).cloned(),
            step: track.step(),
            done: track.done(),
        });
    }
    Ok(Json(AccountView { address: who, balances, history }))
}

async fn l1_token_balances(
    state: &State,
    l1: &DynProvider,
    who: Address,
) -> Result<Vec<TokenBalance>, PortalError> {
    let mut out = Vec::new();
    for t in &state.eco.tokens {
        let token = BridgedToken::new(t.address, l1);
        out.push(TokenBalance {
            token: t.address,
            origin_chain_id: U256::from(state.eco.l1_chain_id),
            origin_token: t.address,
            symbol: t.symbol.clone(),
            decimals: t.decimals,
            balance: token.balanceOf(who).call().await.map_err(call("L1 ERC20.balanceOf"))?,
        });
    }
    Ok(out)
}

async fn chain_balance(
    l2: &DynProvider,
    chain_id: u64,
    who: Address,
) -> Result<Balance, PortalError> {
    let eth = l2.get_balance(who).await.map_err(rpc("eth_getBalance"))?;
    let filter = Filter::new()
        .address(predeploys::ASSET_ROUTER)
        .event_signature(IAssetRouter::BridgedTokenDeployed::SIGNATURE_HASH)
        .from_block(0u64);
    let mut tokens = Vec::new();
    for log in l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(BridgedTokenDeployed)"))? {
        let Ok(e) = IAssetRouter::BridgedTokenDeployed::decode_log(&log.inner) else { continue };
        let token = BridgedToken::new(e.data.token, l2);
        tokens.push(TokenBalance {
            token: e.data.token,
            origin_chain_id: e.data.originChainId,
            origin_token: e.data.originToken,
            symbol: token.symbol().call().await.map_err(call("BridgedToken.symbol"))?,
            decimals: token.decimals().call().await.map_err(call("BridgedToken.decimals"))?,
            balance: token.balanceOf(who).call().await.map_err(call("BridgedToken.balanceOf"))?,
        });
    }
    Ok(Balance { chain_id, eth, tokens, error: None })
}

/// Deposits `who` made on L1 (`DepositInitiated` by sender), each with whether its chain
/// executed it.
async fn deposits(
    state: &State,
    l1: &DynProvider,
    who: Address,
) -> Result<Vec<HistoryEntry>, PortalError> {
    let filter = Filter::new()
        .address(state.eco.shared_bridge)
        .event_signature(SharedBridge::DepositInitiated::SIGNATURE_HASH)
        .topic3(who.into_word())
        .from_block(0u64);
    let mut out = Vec::new();
    for log in l1.get_logs(&filter).await.map_err(rpc("eth_getLogs(DepositInitiated)"))? {
        let Ok(e) = SharedBridge::DepositInitiated::decode_log(&log.inner) else { continue };
        let chain_id: u64 = e.data.chainId.saturating_to();
        let credited = match state.chain(chain_id) {
            Ok(c) => IInbox::new(predeploys::INBOX, crate::provider(&c.rpc_url)?)
                .priorityRequestsProcessed()
                .call()
                .await
                .is_ok_and(|done| U256::from(done) > e.data.nonce),
            Err(_) => false,
        };
        out.push(HistoryEntry::Deposit {
            chain_id,
            l1_tx: log.transaction_hash.unwrap_or_default(),
            nonce: e.data.nonce,
            to: e.data.to,
            token: e.data.token,
            amount: e.data.amount,
            credited,
        });
    }
    Ok(out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageView {
    #[serde(flatten)]
    track: hyperchain_steps::Track,
    /// The last step reached.
    step: hyperchain_steps::HyperbridgeStep,
    done: bool,
    /// Every step's number and words, reached or not (the page lists all 7).
    steps: Vec<StepName>,
    eta: eta::Eta,
    /// A withdrawal whose batch is executed and that nobody finalized yet can be claimed.
    claimable: bool,
    /// What an `AssetRouter` message moves (its payload decoded).
    token_transfer: Option<TokenTransferView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenTransferView {
    origin_chain_id: U256,
    origin_token: Address,
    to: Address,
    #[serde(with = "decimal")]
    amount: U256,
}

/// The token transfer a message of the `AssetRouter` carries.
fn token_transfer(message: &hyperchain_bindings::Message) -> Option<TokenTransferView> {
    if message.sender != predeploys::ASSET_ROUTER {
        return None;
    }
    let t = <hyperchain_bindings::TokenTransfer as alloy::sol_types::SolValue>::abi_decode(
        &message.payload,
    )
    .ok()?;
    Some(TokenTransferView {
        origin_chain_id: t.originChainId,
        origin_token: t.originToken,
        to: t.to,
        amount: t.amount,
    })
}

#[derive(Serialize)]
struct StepName {
    step: hyperchain_steps::HyperbridgeStep,
    name: &'static str,
}

async fn message(Extract(state): Extract<Shared>, Path(hash): Path<String>) -> Answer<MessageView> {
    let hash = parse_hash(&hash)?;
    let net = state.network()?;
    let sent = hyperchain_steps::find(&net, hash).await?;
    let track = hyperchain_steps::track(&net, &sent).await?;
    let interval = |chain_id: u64| {
        let l1 = net.l1.clone();
        let settlement = state.chain(chain_id).map(|c| c.settlement);
        async move {
            match settlement {
                Ok(s) => eta::settle_interval(&l1, net.l1_chain_id, s).await.ok().flatten(),
                Err(_) => None,
            }
        }
    };
    let source = interval(track.source_chain_id).await;
    let destination =
        if track.withdrawal { None } else { interval(track.destination_chain_id).await };
    let claimable = track.withdrawal
        && track.step() >= hyperchain_steps::HyperbridgeStep::SourceBatchSettled
        && track.finalized.is_none();
    let steps = hyperchain_steps::HyperbridgeStep::ALL
        .iter()
        .take(if track.withdrawal { 2 } else { 7 })
        .map(|s| StepName { step: *s, name: s.words() })
        .collect();
    Ok(Json(MessageView {
        step: track.step(),
        done: track.done(),
        eta: eta::estimate(&track, source, destination),
        steps,
        claimable,
        token_transfer: token_transfer(&track.message),
        track,
    }))
}

async fn deposit_tx(
    Extract(state): Extract<Shared>,
    Json(req): Json<tx::DepositRequest>,
) -> Answer<tx::UnsignedTx> {
    Ok(Json(tx::deposit(&state, &req).await?))
}

async fn send_tx(
    Extract(state): Extract<Shared>,
    Json(req): Json<tx::SendRequest>,
) -> Answer<tx::UnsignedTx> {
    Ok(Json(tx::send(&state, &req).await?))
}

async fn claim_tx(
    Extract(state): Extract<Shared>,
    Path(hash): Path<String>,
) -> Answer<tx::UnsignedTx> {
    Ok(Json(tx::claim(&state, parse_hash(&hash)?).await?))
}

/// What the page asks the nodes through the portal: its dev-account transactions (the nodes'
/// unlocked accounts) and their receipts. Nothing else is relayed.
const RELAYED_METHODS: [&str; 5] = [
    "eth_sendTransaction",
    "eth_getTransactionReceipt",
    "eth_chainId",
    "eth_blockNumber",
    "eth_getBalance",
];

async fn relay_rpc(
    Extract(state): Extract<Shared>,
    Path(chain_id): Path<u64>,
    Json(body): Json<Value>,
) -> Answer<Value> {
    let method = body["method"].as_str().unwrap_or_default();
    if !RELAYED_METHODS.contains(&method) {
        return Err(PortalError::MethodNotRelayed(format!("{method:?}")));
    }
    if method == "eth_sendTransaction" {
        let from: Option<Address> = body["params"][0]["from"].as_str().and_then(|s| s.parse().ok());
        if !from.is_some_and(|f| state.eco.dev_accounts.iter().any(|a| a.address == f)) {
            return Err(PortalError::BadRequest(
                "eth_sendTransaction is relayed only from the devnet's dev accounts".into(),
            ));
        }
    }
    let url = state.rpc_url(chain_id)?.to_string();
    let answer = state
        .http
        .post(&url)
        .json(&body)
        .send()
        .await
        .map_err(|source| PortalError::Relay { url: url.clone(), source })?
        .json::<Value>()
        .await
        .map_err(|source| PortalError::Relay { url, source })?;
    Ok(Json(answer))
}
