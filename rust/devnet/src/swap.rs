//! A cross-chain swap on a running devnet (`hyperchain demo swap`, and the e2e test that checks
//! it): a user on chain A sells token X for token Y on a pool that lives on chain B, in
//! one transaction on A, and gets Y back on A.
//!
//! Set-up, as an app team would do it: two [`FaucetToken`]s X and Y native to A; the liquidity
//! provider bridges X and Y to B through the `AssetRouter` and seeds a [`ConstantProductPool`] of
//! the bridged tokens there; a [`RemoteSwap`] on each chain, linked to the other. Then the user calls
//! `RemoteSwap.swapRemote` on A. Nothing here relays or settles anything: the chains' operators and
//! the relayer carry every message, so the swap only completes on a devnet that runs them.

use std::time::{Duration, Instant};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256, utils::format_ether},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use eyre::{WrapErr, bail, ensure, eyre};
use hyperchain_bindings::{
    AssetRouter, ConstantProductPool, FaucetToken, RemoteSwap, decode_revert, predeploys,
};
use serde::Serialize;

use crate::poll;

/// A hyperchain the swap runs on.
#[derive(Clone, Debug)]
pub struct SwapChain {
    /// Its chain id.
    pub chain_id: u64,
    /// Its RPC URL.
    pub rpc_url: String,
}

/// Who swaps what, where.
#[derive(Clone, Debug)]
pub struct SwapConfig {
    /// The user's chain (tokens X and Y are native here).
    pub a: SwapChain,
    /// The pool's chain.
    pub b: SwapChain,
    /// Key of the user who swaps (needs ETH on A for gas and relayer fees).
    pub user_key: B256,
    /// Key of the liquidity provider, who also deploys and links the apps (ETH on A and B).
    pub lp_key: B256,
    /// Pool liquidity of each token, in wei.
    pub liquidity: U256,
    /// X the user sells, in wei.
    pub amount_in: U256,
    /// Relayer fee paid for each hyperbridge message.
    pub relayer_fee: U256,
    /// How long any one cross-chain step may take.
    pub step_timeout: Duration,
}

/// What happened, with the addresses to look at.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapReport {
    /// Chain A's id.
    pub chain_a: u64,
    /// Chain B's id.
    pub chain_b: u64,
    /// The user.
    pub user: Address,
    /// Token X on A.
    pub token_x: Address,
    /// Token Y on A.
    pub token_y: Address,
    /// The pool of bridged X and Y on B.
    pub pool: Address,
    /// `RemoteSwap` on A.
    pub remote_swap_a: Address,
    /// `RemoteSwap` on B.
    pub remote_swap_b: Address,
    /// X sold.
    pub amount_in: U256,
    /// Y bought (the pool's quote when the swap was sent).
    pub amount_out: U256,
    /// The user's X on A before and after.
    pub x_before: U256,
    /// The user's X on A after the swap.
    pub x_after: U256,
    /// The user's Y on A before the swap.
    pub y_before: U256,
    /// The user's Y on A after the proceeds arrived.
    pub y_after: U256,
    /// The one transaction the user sent (`swapRemote` on A).
    pub swap_tx: B256,
    /// The order message's id (ERC-7786 `sendId`).
    pub order_id: B256,
    /// The transaction on B that swapped and bridged the proceeds back.
    pub executed_tx_b: B256,
    /// Set-up time: tokens, liquidity bridged A → B, pool and apps deployed and linked.
    pub setup_ms: u128,
    /// From `swapRemote` on A to Y on A: two hops through the operators and the relayer.
    pub swap_ms: u128,
}

/// Deploys the apps, seeds the pool and runs one swap; `progress` receives a line per step.
pub async fn cross_chain_swap(
    config: &SwapConfig,
    mut progress: impl FnMut(&str),
) -> eyre::Result<SwapReport> {
    let started = Instant::now();
    let (chain_a, chain_b) = (U256::from(config.a.chain_id), U256::from(config.b.chain_id));
    let lp_signer = signer(config.lp_key)?;
    let user_signer = signer(config.user_key)?;
    let (lp, user) = (lp_signer.address(), user_signer.address());
    let lp_a = wallet(&config.a.rpc_url, lp_signer.clone())?;
    let lp_b = wallet(&config.b.rpc_url, lp_signer)?;
    let user_a = wallet(&config.a.rpc_url, user_signer)?;
    let fee = config.relayer_fee;

    progress(&format!("deploying FaucetTokens X and Y on chain {chain_a}"));
    let mut tokens = Vec::new();
    for name in ["X", "Y"] {
        let token = FaucetToken::deploy(lp_a.clone(), format!("Token {name}"), name.into())
            .await
            .wrap_err_with(|| format!("deploying FaucetToken {name} on chain {chain_a}"))?;
        confirm(token.mint(lp, config.liquidity).send().await, "mint to the LP").await?;
        confirm(
            token.approve(predeploys::ASSET_ROUTER, config.liquidity).send().await,
            "approve the AssetRouter",
        )
        .await?;
        tokens.push(*token.address());
    }
    let (x, y) = (tokens[0], tokens[1]);
    let x_token = FaucetToken::new(x, lp_a.clone());
    confirm(x_token.mint(user, config.amount_in).send().await, "mint X to the user").await?;

    progress(&format!(
        "bridging the pool's liquidity {chain_a} → {chain_b} (AssetRouter, relayed)"
    ));
    let router_a = AssetRouter::new(predeploys::ASSET_ROUTER, lp_a.clone());
    for token in [x, y] {
        confirm(
            router_a.bridgeERC20(chain_b, token, lp, config.liquidity).value(fee).send().await,
            "bridgeERC20 A → B",
        )
        .await?;
    }
    let mut bridged = Vec::new();
    for token in [x, y] {
        let step = "the LP's tokens bridged A → B";
        bridged.push(
            bridged_balance(&lp_b, chain_a, token, lp, config.liquidity, config.step_timeout, step)
                .await?,
        );
    }
    let (x_b, y_b) = (bridged[0], bridged[1]);

    progress(&format!(
        "seeding a ConstantProductPool on chain {chain_b}, linking RemoteSwap A ↔ B"
    ));
    let pool = ConstantProductPool::deploy(lp_b.clone(), x_b, y_b)
        .await
        .wrap_err("deploying ConstantProductPool on B")?;
    for token in [x_b, y_b] {
        confirm(
            FaucetToken::new(token, lp_b.clone())
                .approve(*pool.address(), config.liquidity)
                .send()
                .await,
            "approve the pool",
        )
        .await?;
    }
    confirm(pool.addLiquidity(config.liquidity, config.liquidity, lp).send().await, "addLiquidity")
        .await?;
    let swap_b = RemoteSwap::deploy(lp_b.clone(), lp, *pool.address())
        .await
        .wrap_err("deploying RemoteSwap on B")?;
    let swap_a = RemoteSwap::deploy(lp_a.clone(), lp, Address::ZERO)
        .await
        .wrap_err("deploying RemoteSwap on A")?;
    confirm(swap_a.setCounterpart(chain_b, *swap_b.address()).send().await, "setCounterpart on A")
        .await?;
    confirm(swap_b.setCounterpart(chain_a, *swap_a.address()).send().await, "setCounterpart on B")
        .await?;
    let setup_ms = started.elapsed().as_millis();

    let amount_out = pool.quote(x_b, config.amount_in).call().await?;
    ensure!(amount_out > U256::ZERO, "the pool quotes nothing for {} X", config.amount_in);
    let (x_user, y_user) =
        (FaucetToken::new(x, user_a.clone()), FaucetToken::new(y, user_a.clone()));
    let (x_before, y_before) =
        (x_user.balanceOf(user).call().await?, y_user.balanceOf(user).call().await?);
    confirm(x_user.approve(*swap_a.address(), config.amount_in).send().await, "approve RemoteSwap")
        .await?;
    progress(&format!(
        "user {user} sells {} X for at least {} Y: one swapRemote on chain {chain_a}",
        format_ether(config.amount_in),
        format_ether(amount_out)
    ));
    let swap_started = Instant::now();
    let swap_user = RemoteSwap::new(*swap_a.address(), user_a.clone());
    let receipt = confirm(
        swap_user
            .swapRemote(chain_b, x, config.amount_in, amount_out, fee, fee)
            .value(fee * U256::from(3))
            .send()
            .await,
        "swapRemote",
    )
    .await?;
    let order_id = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<RemoteSwap::RemoteSwapRequested>().ok())
        .map(|l| l.inner.data.orderId)
        .ok_or_else(|| eyre!("swapRemote emitted no RemoteSwapRequested"))?;
    let x_after = x_user.balanceOf(user).call().await?;

    progress(&format!("waiting for the order to be swapped on chain {chain_b}"));
    let filter = Filter::new()
        .address(*swap_b.address())
        .event_signature(RemoteSwap::RemoteSwapExecuted::SIGNATURE_HASH)
        .topic1(order_id)
        .from_block(0u64);
    let (executed, executed_tx_b) = poll("the order swapped on B", config.step_timeout, || async {
        let logs = lp_b.get_logs(&filter).await?;
        let Some(log) = logs.into_iter().next() else { return Ok(None) };
        let event = RemoteSwap::RemoteSwapExecuted::decode_log(&log.inner)?.data;
        Ok(Some((event, log.transaction_hash.unwrap_or_default())))
    })
    .await?;
    if !executed.swapped {
        bail!(
            "the pool on B refused the order (would pay less than {amount_out} Y); the {} X were \
             bridged back to the user",
            config.amount_in
        );
    }
    ensure!(
        executed.tokenSentBack == y_b && executed.amountSentBack == amount_out,
        "B sent back {} of {} instead of {amount_out} of Y",
        executed.amountSentBack,
        executed.tokenSentBack
    );

    progress(&format!("waiting for the Y proceeds back on chain {chain_a}"));
    let y_after = poll("the Y proceeds delivered on A", config.step_timeout, || async {
        let balance = y_user.balanceOf(user).call().await?;
        Ok((balance == y_before + amount_out).then_some(balance))
    })
    .await?;
    Ok(SwapReport {
        chain_a: config.a.chain_id,
        chain_b: config.b.chain_id,
        user,
        token_x: x,
        token_y: y,
        pool: *pool.address(),
        remote_swap_a: *swap_a.address(),
        remote_swap_b: *swap_b.address(),
        amount_in: config.amount_in,
        amount_out,
        x_before,
        x_after,
        y_before,
        y_after,
        swap_tx: receipt.transaction_hash,
        order_id,
        executed_tx_b,
        setup_ms,
        swap_ms: swap_started.elapsed().as_millis(),
    })
}

/// Waits until `holder` has `amount` of the `AssetRouter`'s bridged token of
/// (`origin_chain_id`, `origin_token`) on the chain of `provider`; returns that token's address.
pub async fn bridged_balance(
    provider: &DynProvider,
    origin_chain_id: U256,
    origin_token: Address,
    holder: Address,
    amount: U256,
    timeout: Duration,
    step: &str,
) -> eyre::Result<Address> {
    let router = AssetRouter::new(predeploys::ASSET_ROUTER, provider);
    let token = router.bridgedToken(origin_chain_id, origin_token).call().await?;
    let balance = FaucetToken::new(token, provider);
    poll(step, timeout, || async {
        if provider.get_code_at(token).await?.is_empty() {
            return Ok(None);
        }
        Ok((balance.balanceOf(holder).call().await? == amount).then_some(()))
    })
    .await?;
    Ok(token)
}

pub(crate) fn signer(key: B256) -> eyre::Result<PrivateKeySigner> {
    PrivateKeySigner::from_bytes(&key).map_err(|e| eyre!("invalid private key: {e}"))
}

pub(crate) fn wallet(url: &str, signer: PrivateKeySigner) -> eyre::Result<DynProvider> {
    let url = url.parse().map_err(|e| eyre!("invalid RPC URL {url:?}: {e}"))?;
    Ok(ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased())
}

/// Waits for a sent transaction; a revert or a refused send names `step` and the decoded error.
pub(crate) async fn confirm<N: alloy::network::Network>(
    sent: Result<alloy::providers::PendingTransactionBuilder<N>, alloy::contract::Error>,
    step: &str,
) -> eyre::Result<N::ReceiptResponse>
where
    N::ReceiptResponse: alloy::network::ReceiptResponse,
{
    use alloy::network::ReceiptResponse as _;
    let pending = sent.map_err(|e| match decode_revert(&e) {
        Some(reason) => eyre!("{step} reverted: {reason}"),
        None => eyre!("{step} failed: {e}"),
    })?;
    let receipt = pending.get_receipt().await.wrap_err_with(|| format!("{step}: no receipt"))?;
    ensure!(receipt.status(), "{step} reverted on chain");
    Ok(receipt)
}
