//! A chain that rage-quit keeps settling and its users withdraw every wei.

use std::time::Instant;

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use hyperchain_bindings::{
    AttestationVerifier, ChainFactory, ChainSettlement, DEFAULT_L2_GAS_LIMIT, IInbox, L2GasQuote,
    PredeployCode, predeploys,
};
use hyperchain_e2e::{STEP_TIMEOUT, World, dev_roles as roles, eth, poll, revert_as, revert_text};

use crate::support::*;

/// A chain that rage-quits keeps working for its users: governance publishes version 2, chain A
/// leaves during the window, chain B keeps settling (the Transaction Root grows past what A may
/// import), A's operator imports only the root A had when it left, and a user of A withdraws
/// everything it deposited (less its one L2 transaction's fee) to L1 through A's next batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rage_quit_chain_keeps_settling_and_users_withdraw_every_wei() -> eyre::Result<()> {
    let t0 = Instant::now();
    let w = World::launch(2).await?;
    let (a, b) = (0, 1);
    let (l1, l2a) = (w.l1()?, w.l2(a)?);
    let latest = BlockId::latest();
    let user = PrivateKeySigner::random();
    let deposited = eth(2);
    let bridge = w.shared_bridge(6)?;
    let gas = L2GasQuote::fetch(&bridge, U256::from(w.chain_id(a)), DEFAULT_L2_GAS_LIMIT).await?;
    let r = bridge
        .depositETH(
            U256::from(w.chain_id(a)),
            user.address(),
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(deposited + gas.fee)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(r.status(), "depositETH reverted");
    poll("deposit executed on A", STEP_TIMEOUT, || async {
        Ok((l2a.get_balance(user.address()).await? == deposited).then_some(()))
    })
    .await?;

    // The deposit's batch settles while A is in the ecosystem (batches settle after the attesters
    // re-executed them, not at once), so A leaves with a root to keep.
    let settlement = w.settlement(a)?;
    poll("the deposit's batch executed on L1", STEP_TIMEOUT, || async {
        let queued = settlement.priorityRequestCount().call().await?;
        Ok((settlement.priorityRequestsExecuted().call().await? == queued).then_some(()))
    })
    .await?;

    // Governance publishes version 2 (same code, a new verifier of the same attester set); A's
    // admin leaves during the window.
    let governance = w.l1_wallet(roles::DEPLOYER)?;
    let factory = ChainFactory::new(w.eco.deployment.chain_factory, &governance);
    let attesters = w.attesters.iter().map(|a| a.address).collect();
    let verifier2 = AttestationVerifier::deploy(
        &governance,
        U256::from(2),
        attesters,
        U256::from(w.eco.attestation_threshold),
    )
    .await?;
    let codes: [PredeployCode; 5] = factory
        .predeployCodes(1)
        .call()
        .await?
        .try_into()
        .map_err(|c: Vec<PredeployCode>| eyre::eyre!("{} predeploy codes, not 5", c.len()))?;
    let implementation = factory.settlementImplementation().call().await?;
    let window = factory.MIN_UPGRADE_WINDOW().call().await?;
    let r = factory
        .publishProtocolVersion(*verifier2.address(), implementation, window, codes)
        .send()
        .await
        .map_err(|e| eyre::eyre!("publishProtocolVersion: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "publishProtocolVersion reverted");
    let settlement_a = ChainSettlement::new(w.eco.chains[a].settlement, &governance);
    let tx_root = w.transaction_root()?;
    let r = settlement_a
        .rageQuit()
        .send()
        .await
        .map_err(|e| eyre::eyre!("rageQuit: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "rageQuit reverted");
    let left_at = settlement_a.leftAtLeafCount().call().await?;
    assert!(left_at > 0, "batches were appended before A left");

    // B keeps settling (idle batches every 2 s): the Transaction Root grows past A's last root.
    poll("B appended a batch after A left", STEP_TIMEOUT, || async {
        let leaves = tx_root.leafCount().call().await?;
        Ok((leaves > U256::from(left_at)).then_some(()))
    })
    .await?;
    let root_after = tx_root.root().call().await?;
    let err = settlement_a
        .requestTransactionRootImport(root_after, gas.price)
        .call()
        .await
        .err()
        .ok_or_else(|| eyre::eyre!("forced import of a root after leaving accepted"))?;
    match revert_as::<ChainSettlement::ChainSettlementErrors>(&err) {
        Some(ChainSettlement::ChainSettlementErrors::RootAfterLeaving(e)) => {
            assert_eq!((e.root, e.leftAtLeafCount), (root_after, left_at))
        }
        other => panic!("expected RootAfterLeaving, got {other:?} ({})", revert_text(&err)),
    }

    // The user withdraws its whole L2 balance but the fee of that one transaction.
    let user_a = alloy::providers::ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(user.clone()))
        .connect_http(w.eco.chains[a].anvil.rpc_url().parse()?)
        .erased();
    let l1_to = Address::repeat_byte(0x7e);
    let outbox = hyperchain_bindings::IOutbox::new(predeploys::OUTBOX, &user_a);
    let to_l1 = hyperchain_bindings::interop_address(U256::from(w.l1_chain_id()), l1_to);
    let gas = outbox
        .sendMessage(to_l1.clone(), Bytes::new(), vec![])
        .value(eth(1))
        .estimate_gas()
        .await?;
    let gas_price = l2a.get_gas_price().await?;
    let amount = deposited - U256::from(gas) * U256::from(gas_price);
    let receipt = outbox
        .sendMessage(to_l1, Bytes::new(), vec![])
        .value(amount)
        .gas(gas)
        .gas_price(gas_price)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "withdrawal sendMessage reverted");
    assert_eq!(l2a.get_balance(user.address()).await?, U256::ZERO, "the user withdrew every wei");
    let (withdrawal, batch, proof) = withdrawal_proof(&w, a, &receipt).await?;
    let inbox_a = IInbox::new(predeploys::INBOX, &l2a);
    assert!(!inbox_a.isImported(root_after).call().await?, "A imported a root from after it left");
    let a_before = chain_balance(&w, a, latest).await?;
    let r = bridge
        .finalizeWithdrawal(U256::from(w.chain_id(a)), batch, withdrawal, proof)
        .send()
        .await
        .map_err(|e| eyre::eyre!("finalizeWithdrawal: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "finalizeWithdrawal reverted");
    assert_eq!(l1.get_balance(l1_to).await?, amount, "L1 recipient paid");
    assert_eq!(a_before - chain_balance(&w, a, latest).await?, amount, "A's chainBalance paid it");
    eth_conserved(&w, latest, "after the left chain's withdrawal").await?;
    // A's batches after it left (the withdrawal's included) are outside the Transaction Root.
    let leaves = w.transaction_root_leaves().await?;
    let after_leaving: Vec<U256> = leaves[left_at as usize..].iter().map(|l| l.0).collect();
    assert!(
        after_leaving.iter().all(|c| *c == U256::from(w.chain_id(b))),
        "only B appended after A left: {after_leaving:?}"
    );
    eprintln!("rage_quit_chain_keeps_settling_and_users_withdraw_every_wei: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}
