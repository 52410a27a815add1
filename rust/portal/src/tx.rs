//! The transactions the page's actions send: built here from the contract bindings, sent by the
//! wallet (the page encodes no calldata of its own).

use crate::{
    State,
    error::{PortalError, call, rpc},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
};
use hyperchain_bindings::{
    AssetRouter, BridgedToken, DEFAULT_L2_GAS_LIMIT, IOutbox, L2GasQuote, SharedBridge,
    interop_address, predeploys, relayer_fee_attribute,
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
    /// The ERC-20 approval to send before this transaction (absent for ETH, or when the
    /// allowance already covers the amount).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) approval: Option<Box<UnsignedTx>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DepositRequest {
    pub(crate) chain_id: u64,
    /// ETH to deposit in wei, or the token's base units with `token`.
    pub(crate) amount: U256,
    pub(crate) to: Address,
    /// An ERC-20 on L1 (default: ETH).
    #[serde(default)]
    pub(crate) token: Option<Address>,
    /// The sender, whose token balance and allowance are checked (needed with `token`).
    #[serde(default)]
    pub(crate) from: Option<Address>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendRequest {
    pub(crate) from_chain: u64,
    /// A hyperchain, or L1 for a withdrawal.
    pub(crate) to_chain: u64,
    pub(crate) to: Address,
    /// Wei carried to the recipient (none with `token`).
    #[serde(default)]
    pub(crate) value: U256,
    /// Wei paid to the relayer on delivery (none for a withdrawal).
    #[serde(default)]
    pub(crate) fee: U256,
    /// An ERC-20, its address on the source chain, bridged through the `AssetRouter`.
    #[serde(default)]
    pub(crate) token: Option<Address>,
    /// Token base units (with `token`).
    #[serde(default)]
    pub(crate) amount: U256,
    /// The sender, whose token balance and allowance are checked (needed with `token`).
    #[serde(default)]
    pub(crate) from: Option<Address>,
}

/// An ERC-20 transfer the API checks before building it: `holder` has `amount` of `token` on
/// `chain_id`, and an approval of `spender` is built when its allowance is short.
struct TokenSpend<'a> {
    provider: &'a DynProvider,
    chain_id: u64,
    token: Address,
    holder: Address,
    amount: U256,
}

impl TokenSpend<'_> {
    /// Fails with [`PortalError::NotAnErc20`] when `token` has no code or no `balanceOf`, and
    /// [`PortalError::TokenBalanceShort`] when the holder has less than the amount.
    async fn check(&self) -> Result<(), PortalError> {
        let not_erc20 = |reason: String| PortalError::NotAnErc20 {
            chain_id: self.chain_id,
            token: self.token,
            reason,
        };
        let code = self
            .provider
            .get_code_at(self.token)
            .await
            .map_err(rpc(format!("eth_getCode({})", self.token)))?;
        if code.is_empty() {
            return Err(not_erc20("no contract at that address".into()));
        }
        let balance = BridgedToken::new(self.token, self.provider)
            .balanceOf(self.holder)
            .call()
            .await
            .map_err(|e| not_erc20(format!("balanceOf failed: {e}")))?;
        if balance < self.amount {
            return Err(PortalError::TokenBalanceShort {
                chain_id: self.chain_id,
                token: self.token,
                holder: self.holder,
                balance,
                amount: self.amount,
            });
        }
        Ok(())
    }

    /// `approve(spender, amount)` when the holder's allowance of `spender` is below the amount.
    async fn approval(&self, spender: Address) -> Result<Option<Box<UnsignedTx>>, PortalError> {
        let token = BridgedToken::new(self.token, self.provider);
        let allowance =
            token.allowance(self.holder, spender).call().await.map_err(call("ERC20.allowance"))?;
        if allowance >= self.amount {
            return Ok(None);
        }
        Ok(Some(Box::new(UnsignedTx {
            chain_id: self.chain_id,
            to: self.token,
            data: token.approve(spender, self.amount).calldata().clone(),
            value: U256::ZERO,
            summary: format!("approve {spender} to move {} of token {}", self.amount, self.token),
            approval: None,
        })))
    }
}

fn sender(from: Option<Address>) -> Result<Address, PortalError> {
    from.ok_or_else(|| {
        PortalError::BadRequest(
            "an ERC-20 transfer needs `from`: the account whose tokens move (its balance and \
             allowance are checked)"
                .into(),
        )
    })
}

/// `SharedBridge.depositETH`, or `depositERC20` after its approval, with the chain's L2 gas paid
/// in ETH on top.
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
    let gas_limit = U256::from(DEFAULT_L2_GAS_LIMIT);
    let Some(token) = req.token else {
        return Ok(UnsignedTx {
            chain_id: state.eco.l1_chain_id,
            to: state.eco.shared_bridge,
            data: bridge.depositETH(chain, req.to, gas_limit, gas.price).calldata().clone(),
            value: req.amount + gas.fee,
            summary: format!(
                "deposit {} wei to {} on chain {} (+{} wei L2 gas)",
                req.amount, req.to, req.chain_id, gas.fee
            ),
            approval: None,
        });
    };
    let spend = TokenSpend {
        provider: &l1,
        chain_id: state.eco.l1_chain_id,
        token,
        holder: sender(req.from)?,
        amount: req.amount,
    };
    spend.check().await?;
    Ok(UnsignedTx {
        chain_id: state.eco.l1_chain_id,
        to: state.eco.shared_bridge,
        data: bridge
            .depositERC20(chain, token, req.to, req.amount, gas_limit, gas.price)
            .calldata()
            .clone(),
        value: gas.fee,
        summary: format!(
            "deposit {} of token {token} to {} on chain {} ({} wei L2 gas)",
            req.amount, req.to, req.chain_id, gas.fee
        ),
        approval: spend.approval(state.eco.shared_bridge).await?,
    })
}

/// `Outbox.sendMessage` of ETH, or `AssetRouter.bridgeERC20` of a token, to another hyperchain
/// (with the relayer's fee) or to L1.
pub(crate) async fn send(state: &State, req: &SendRequest) -> Result<UnsignedTx, PortalError> {
    let source = state.chain(req.from_chain)?;
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
    let what = if withdrawal { "withdraw" } else { "send" };
    if let Some(token) = req.token {
        return send_token(state, req, source, token, what).await;
    }
    let attributes =
        if req.fee.is_zero() { Vec::new() } else { vec![relayer_fee_attribute(req.fee)] };
    let call = IOutbox::sendMessageCall {
        recipient: interop_address(U256::from(req.to_chain), req.to),
        payload: Bytes::new(),
        attributes,
    };
    Ok(UnsignedTx {
        chain_id: req.from_chain,
        to: predeploys::OUTBOX,
        data: alloy::sol_types::SolCall::abi_encode(&call).into(),
        value: req.value + req.fee,
        summary: format!(
            "{what} {} wei from chain {} to {} on chain {} (relayer fee {} wei)",
            req.value, req.from_chain, req.to, req.to_chain, req.fee
        ),
        approval: None,
    })
}

/// `AssetRouter.bridgeERC20`: a bridged token is burned on the source chain, a token native to
/// it is escrowed by the router (after its approval). Only L1-origin tokens go to L1.
async fn send_token(
    state: &State,
    req: &SendRequest,
    source: &crate::HyperchainInfo,
    token: Address,
    what: &str,
) -> Result<UnsignedTx, PortalError> {
    if !req.value.is_zero() {
        return Err(PortalError::BadRequest(
            "an ERC-20 transfer carries no ETH `value` (its `fee` pays the relayer)".into(),
        ));
    }
    if req.amount.is_zero() {
        return Err(PortalError::BadRequest("an ERC-20 transfer needs a non-zero `amount`".into()));
    }
    let l2 = crate::provider(&source.rpc_url)?;
    let spend = TokenSpend {
        provider: &l2,
        chain_id: req.from_chain,
        token,
        holder: sender(req.from)?,
        amount: req.amount,
    };
    spend.check().await?;
    let router = AssetRouter::new(predeploys::ASSET_ROUTER, &l2);
    let origin = router.originOf(token).call().await.map_err(call("AssetRouter.originOf"))?;
    let origin_chain: u64 = origin.originChainId.saturating_to();
    if req.to_chain == state.eco.l1_chain_id && origin_chain != state.eco.l1_chain_id {
        return Err(PortalError::BadRequest(format!(
            "token {token} comes from chain {origin_chain}, not L1: only L1 tokens withdraw to L1"
        )));
    }
    let approval = if origin_chain == req.from_chain {
        spend.approval(predeploys::ASSET_ROUTER).await?
    } else {
        None
    };
    Ok(UnsignedTx {
        chain_id: req.from_chain,
        to: predeploys::ASSET_ROUTER,
        data: router
            .bridgeERC20(U256::from(req.to_chain), token, req.to, req.amount)
            .calldata()
            .clone(),
        value: req.fee,
        summary: format!(
            "{what} {} of token {token} from chain {} to {} on chain {} (relayer fee {} wei)",
            req.amount, req.from_chain, req.to, req.to_chain, req.fee
        ),
        approval,
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
            "claim withdrawal {} on L1 (batch {} of chain {source})",
            sent.message_hash, located.batch
        ),
        approval: None,
    })
}
