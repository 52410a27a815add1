//! The transactions the page's actions send: built here from the contract bindings, sent by the
//! wallet (the page encodes no calldata of its own).

use crate::{
    State,
    error::{PortalError, call},
};
use alloy::primitives::{Address, B256, Bytes, U256};
use hyperchain_bindings::{
    DEFAULT_L2_GAS_LIMIT, IOutbox, L2GasQuote, SharedBridge, interop_address, predeploys,
    relayer_fee_attribute,
};
use serde::{Deserialize, Serialize};

/// A transaction for the wallet to send (`eth_sendTransaction` fields, plus the chain).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UnsignedTx {
    pub(crate) chain_id: u64,
    pub(crate) to: Address,
    pub(crate) data: Bytes,
    /// Wei, hex (`eth_sendTransaction`'s `value`).
    pub(crate) value: U256,
    /// What it does, for the page.
    pub(crate) summary: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DepositRequest {
    pub(crate) chain_id: u64,
    /// ETH to deposit, in wei.
    pub(crate) amount: U256,
    pub(crate) to: Address,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendRequest {
    pub(crate) from_chain: u64,
    /// A hyperchain, or L1 for a withdrawal.
    pub(crate) to_chain: u64,
    pub(crate) to: Address,
    /// Wei carried to the recipient.
    pub(crate) value: U256,
    /// Wei paid to the relayer on delivery (none for a withdrawal).
    #[serde(default)]
    pub(crate) fee: U256,
}

/// `SharedBridge.depositETH` with the chain's L2 gas paid on top of the amount.
pub(crate) async fn deposit(
    state: &State,
    req: &DepositRequest,
) -> Result<UnsignedTx, PortalError> {
    state.chain(req.chain_id)?;
    let l1 = state.l1()?;
    let bridge = SharedBridge::new(state.eco.shared_bridge, &l1);
    let chain = U256::from(req.chain_id);
    let gas = L2GasQuote::fetch(&bridge, chain, DEFAULT_L2_GAS_LIMIT)
        .await
        .map_err(call("SharedBridge.l2TransactionBaseCost"))?;
    let data = bridge
        .depositETH(chain, req.to, U256::from(DEFAULT_L2_GAS_LIMIT), gas.price)
        .calldata()
        .clone();
    Ok(UnsignedTx {
        chain_id: state.eco.l1_chain_id,
        to: state.eco.shared_bridge,
        data,
        value: req.amount + gas.fee,
        summary: format!(
            "deposit {} wei to {} on chain {} (+{} wei L2 gas)",
            req.amount, req.to, req.chain_id, gas.fee
        ),
    })
}

/// `Outbox.sendMessage` of ETH to another hyperchain (with the relayer's fee) or to L1.
pub(crate) fn send(state: &State, req: &SendRequest) -> Result<UnsignedTx, PortalError> {
    state.chain(req.from_chain)?;
    let withdrawal = req.to_chain == state.eco.l1_chain_id;
    if !withdrawal {
        state.chain(req.to_chain)?;
    }
    if req.to_chain == req.from_chain {
        return Err(PortalError::BadRequest(format!(
            "a message from chain {} to itself",
            req.from_chain
        )));
    }
    if withdrawal && !req.fee.is_zero() {
        return Err(PortalError::BadRequest(
            "a withdrawal has no relayer fee: anyone finalizes it on L1".into(),
        ));
    }
    let attributes =
        if req.fee.is_zero() { Vec::new() } else { vec![relayer_fee_attribute(req.fee)] };
    let call = IOutbox::sendMessageCall {
        recipient: interop_address(U256::from(req.to_chain), req.to),
        payload: Bytes::new(),
        attributes,
    };
    let what = if withdrawal { "withdraw" } else { "send" };
    Ok(UnsignedTx {
        chain_id: req.from_chain,
        to: predeploys::OUTBOX,
        data: alloy::sol_types::SolCall::abi_encode(&call).into(),
        value: req.value + req.fee,
        summary: format!(
            "{what} {} wei from chain {} to {} on chain {} (relayer fee {} wei)",
            req.value, req.from_chain, req.to, req.to_chain, req.fee
        ),
    })
}

/// `SharedBridge.finalizeWithdrawal` of the withdrawal `hash`, once its batch is executed.
pub(crate) async fn claim(state: &State, hash: B256) -> Result<UnsignedTx, PortalError> {
    let net = state.network()?;
    let sent = hyperchain_steps::find(&net, hash).await?;
    if sent.destination_chain_id() != state.eco.l1_chain_id {
        return Err(PortalError::BadRequest(format!(
            "message {} goes to chain {}, not L1: a relayer delivers it",
            sent.message_hash,
            sent.destination_chain_id()
        )));
    }
    let source = sent.source_chain_id();
    let chain = state.chain(source)?;
    let l2 = crate::provider(&chain.rpc_url)?;
    let located = hyperchain_steps::locate(
        &net.l1,
        net.l1_chain_id,
        &l2,
        source,
        chain.settlement,
        sent.message_hash,
    )
    .await?;
    let Some(located) = located.filter(|l| l.batch_executed) else {
        return Err(PortalError::BadRequest(format!(
            "withdrawal {} cannot be claimed yet: its batch is not executed on L1",
            sent.message_hash
        )));
    };
    let bridge = SharedBridge::new(state.eco.shared_bridge, &net.l1);
    let data = bridge
        .finalizeWithdrawal(
            U256::from(source),
            located.batch,
            located.message.clone(),
            located.proof(),
        )
        .calldata()
        .clone();
    Ok(UnsignedTx {
        chain_id: state.eco.l1_chain_id,
        to: state.eco.shared_bridge,
        data,
        value: U256::ZERO,
        summary: format!(
            "claim withdrawal {} of {} wei on L1 (batch {} of chain {source})",
            sent.message_hash, located.message.value, located.batch
        ),
    })
}
