//! Deposit → hyperbridge → withdrawal round trips for ETH and an ERC-20, with the money invariant checked at every step.

use std::time::Instant;

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use hyperchain_bindings::{DEFAULT_L2_GAS_LIMIT, L2GasQuote, SharedBridge, predeploys};
use hyperchain_e2e::{STEP_TIMEOUT, World, dev_roles as roles, eth, poll, revert_as, revert_text};

use crate::support::*;

/// ETH: deposit L1 → A, A → B over the hyperbridge, withdraw B → L1 with a Merkle proof; chain
/// balances follow and Σ chainBalance(ETH) == SharedBridge's ETH at every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eth_deposit_hyperbridge_and_withdrawal() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let l1 = w.l1()?;
    let latest = BlockId::latest();
    eth_conserved(&w, latest, "after launch").await?;

    // Deposit 2 ETH from L1 to a fresh key on A.
    let user = PrivateKeySigner::random();
    let bridge = w.shared_bridge(6)?;
    let a_before = chain_balance(&w, a, latest).await?;
    let gas = L2GasQuote::fetch(&bridge, U256::from(w.chain_id(a)), DEFAULT_L2_GAS_LIMIT).await?;
    assert!(!gas.fee.is_zero(), "the devnet prices L2 gas");
    let r = bridge
        .depositETH(
            U256::from(w.chain_id(a)),
            user.address(),
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(eth(2) + gas.fee)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(r.status(), "depositETH reverted");
    assert_eq!(
        chain_balance(&w, a, latest).await?,
        a_before + eth(2),
        "deposit credited to A's chainBalance"
    );
    eth_conserved(&w, latest, "after deposit").await?;
    let l2a = w.l2(a)?;
    poll("deposit executed on A (user funded)", STEP_TIMEOUT, || async {
        Ok((l2a.get_balance(user.address()).await? == eth(2)).then_some(()))
    })
    .await?;

    // A → B: 1 ETH + fee from the deposited funds, to a fresh key on B.
    let dest = PrivateKeySigner::random();
    let fee = U256::from(1_000_000_000_000_000u64);
    let user_a = alloy::providers::ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(user.clone()))
        .connect_http(w.eco.chains[a].anvil.rpc_url().parse()?)
        .erased();
    let receipt = hyperchain_bindings::IOutbox::new(predeploys::OUTBOX, user_a)
        .sendMessage(
            hyperchain_bindings::interop_address(U256::from(w.chain_id(b)), dest.address()),
            Bytes::new(),
            vec![hyperchain_bindings::relayer_fee_attribute(fee)],
        )
        .value(eth(1) + fee)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "A → B sendMessage reverted");
    let batch_a = w
        .executed_batch_of(
            a,
            receipt.block_number.unwrap_or_default(),
            "A's batch with the transfer executed",
        )
        .await?;
    let exec_tx = batch_a.execute_tx.ok_or_else(|| eyre::eyre!("no executeBatch tx recorded"))?;
    let exec_block = l1
        .get_transaction_receipt(exec_tx)
        .await?
        .and_then(|r| r.block_number)
        .ok_or_else(|| eyre::eyre!("executeBatch receipt"))?;
    let (pre, post) = (BlockId::number(exec_block - 1), BlockId::number(exec_block));
    let moved = eth(1) + fee;
    assert_eq!(
        chain_balance(&w, a, pre).await? - chain_balance(&w, a, post).await?,
        moved,
        "A's chainBalance fell by value + fee at executeBatch"
    );
    assert_eq!(
        chain_balance(&w, b, post).await? - chain_balance(&w, b, pre).await?,
        moved,
        "B's chainBalance rose by value + fee at executeBatch"
    );
    eth_conserved(&w, post, "after A's batch executed").await?;
    let l2b = w.l2(b)?;
    poll("A → B transfer delivered on B", STEP_TIMEOUT, || async {
        Ok((l2b.get_balance(dest.address()).await? == eth(1)).then_some(()))
    })
    .await?;

    // Withdraw 0.5 ETH from B to a fresh L1 address.
    let l1_to = Address::repeat_byte(0x5a);
    let dest_b = alloy::providers::ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(dest.clone()))
        .connect_http(w.eco.chains[b].anvil.rpc_url().parse()?)
        .erased();
    let receipt = hyperchain_bindings::IOutbox::new(predeploys::OUTBOX, dest_b)
        .sendMessage(
            hyperchain_bindings::interop_address(U256::from(w.l1_chain_id()), l1_to),
            Bytes::new(),
            vec![],
        )
        .value(eth(1) / U256::from(2))
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "withdrawal sendMessage reverted");
    let (withdrawal, batch_b, proof) = withdrawal_proof(&w, b, &receipt).await?;
    let b_before = chain_balance(&w, b, latest).await?;
    let r = bridge
        .finalizeWithdrawal(U256::from(w.chain_id(b)), batch_b, withdrawal.clone(), proof.clone())
        .send()
        .await
        .map_err(|e| eyre::eyre!("finalizeWithdrawal: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "finalizeWithdrawal reverted");
    assert_eq!(l1.get_balance(l1_to).await?, eth(1) / U256::from(2), "L1 recipient paid");
    assert_eq!(
        b_before - chain_balance(&w, b, latest).await?,
        eth(1) / U256::from(2),
        "B's chainBalance fell by the withdrawal"
    );
    eth_conserved(&w, latest, "after the withdrawal").await?;
    // A second finalization is refused.
    let err = bridge
        .finalizeWithdrawal(U256::from(w.chain_id(b)), batch_b, withdrawal.clone(), proof)
        .call()
        .await
        .err()
        .ok_or_else(|| eyre::eyre!("double withdrawal accepted"))?;
    match revert_as::<SharedBridge::SharedBridgeErrors>(&err) {
        Some(SharedBridge::SharedBridgeErrors::WithdrawalAlreadyFinalized(e)) => {
            assert_eq!(e.messageHash, withdrawal.hash())
        }
        other => {
            panic!("expected WithdrawalAlreadyFinalized, got {other:?} ({})", revert_text(&err))
        }
    }
    eprintln!("eth_deposit_hyperbridge_and_withdrawal: {:?}", t0.elapsed());
    let _ = roles::RELAYER;
    w.shutdown().await;
    Ok(())
}

/// ERC-20: an L1 token deposited L1 → A (escrowed in the shared bridge, minted on A), moved A → B
/// over the hyperbridge (burned on A, minted on B, no L1 round trip), withdrawn B → L1 with a Merkle
/// proof. The token's chain balances follow and Σ chainBalance(token) == the bridge's escrow at every
/// step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erc20_deposit_hyperbridge_and_withdrawal() -> eyre::Result<()> {
    use hyperchain_bindings::{AssetRouter, FaucetToken};
    use hyperchain_devnet::swap::bridged_balance;

    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let (chain_a, chain_b) = (U256::from(w.chain_id(a)), U256::from(w.chain_id(b)));
    let user = w.account(6).address;
    let l1_user = w.l1_wallet(6)?;
    let token = FaucetToken::deploy(l1_user.clone(), "Ten".into(), "TEN".into()).await?;
    token.mint(user, eth(100)).send().await?.get_receipt().await?;
    let bridge = w.shared_bridge(6)?;
    let conserved = |step: &'static str| {
        let (w, token) = (&w, *token.address());
        async move {
            let bridge = SharedBridge::new(w.eco.deployment.shared_bridge, w.l1()?);
            let mut sum = U256::ZERO;
            for node in &w.eco.chains {
                sum += bridge.chainBalance(U256::from(node.chain_id), token).call().await?;
            }
            let escrow =
                FaucetToken::new(token, w.l1()?).balanceOf(*bridge.address()).call().await?;
            assert_eq!(sum, escrow, "{step}: Σ chainBalance(token) != the bridge's escrow");
            eyre::Ok(sum)
        }
    };
    let balance_of = |i: u64| {
        let bridge = &bridge;
        let token = *token.address();
        async move { eyre::Ok(bridge.chainBalance(U256::from(i), token).call().await?) }
    };

    // L1 → A: 10 tokens escrowed on L1, minted on A by the AssetRouter.
    token.approve(*bridge.address(), eth(10)).send().await?.get_receipt().await?;
    let gas = L2GasQuote::fetch(&bridge, chain_a, DEFAULT_L2_GAS_LIMIT).await?;
    let r = bridge
        .depositERC20(
            chain_a,
            *token.address(),
            user,
            eth(10),
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(gas.fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("depositERC20: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "depositERC20 reverted");
    assert_eq!(balance_of(w.chain_id(a)).await?, eth(10), "A's chainBalance(token)");
    assert_eq!(conserved("after the deposit").await?, eth(10));
    let user_a = w.l2_wallet(a, 6)?;
    let router_a = AssetRouter::new(predeploys::ASSET_ROUTER, user_a.clone());
    let l1_id = U256::from(w.l1_chain_id());
    let (origin, step) = (*token.address(), "deposit minted on A");
    let on_a = bridged_balance(&user_a, l1_id, origin, user, eth(10), STEP_TIMEOUT, step).await?;
    let on_a = FaucetToken::new(on_a, &user_a);

    // A → B: 4 tokens, burned on A, minted on B; L1 moves A's chain balance to B at execution.
    let fee = U256::from(1_000_000_000_000u64);
    let r = router_a
        .bridgeERC20(chain_b, *on_a.address(), user, eth(4))
        .value(fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("bridgeERC20 A → B: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "bridgeERC20 A → B reverted");
    assert_eq!(on_a.balanceOf(user).call().await?, eth(6), "burned on A");
    w.executed_batch_of(
        a,
        r.block_number.unwrap_or_default(),
        "A's batch with the transfer executed",
    )
    .await?;
    assert_eq!(balance_of(w.chain_id(a)).await?, eth(6), "A's chainBalance fell by 4");
    assert_eq!(balance_of(w.chain_id(b)).await?, eth(4), "B's chainBalance rose by 4");
    assert_eq!(conserved("after A's batch executed").await?, eth(10));
    let user_b = w.l2_wallet(b, 6)?;
    let router_b = AssetRouter::new(predeploys::ASSET_ROUTER, user_b.clone());
    let step = "A → B tokens minted on B";
    let on_b = bridged_balance(&user_b, l1_id, origin, user, eth(4), STEP_TIMEOUT, step).await?;
    let on_b = FaucetToken::new(on_b, &user_b);

    // B → L1: 3 tokens withdrawn to a fresh L1 address, finalized with the batch's Merkle proof.
    let l1_to = Address::repeat_byte(0x5b);
    let r = router_b
        .bridgeERC20(l1_id, *on_b.address(), l1_to, eth(3))
        .send()
        .await
        .map_err(|e| eyre::eyre!("bridgeERC20 B → L1: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "bridgeERC20 B → L1 reverted");
    let (withdrawal, batch, proof) = withdrawal_proof(&w, b, &r).await?;
    let r = bridge
        .finalizeWithdrawal(chain_b, batch, withdrawal, proof)
        .send()
        .await
        .map_err(|e| eyre::eyre!("finalizeWithdrawal: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "finalizeWithdrawal reverted");
    assert_eq!(token.balanceOf(l1_to).call().await?, eth(3), "L1 recipient paid from escrow");
    assert_eq!(balance_of(w.chain_id(b)).await?, eth(1), "B's chainBalance fell by 3");
    assert_eq!(conserved("after the withdrawal").await?, eth(7));
    eprintln!("erc20_deposit_hyperbridge_and_withdrawal: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}
