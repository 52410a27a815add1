//! End-to-end tests on real anvils: L1 + hyperchains deployed by the forge scripts, one real
//! operator per chain (commit → attestation → execute on L1, root imports), the real relayer.
//! Each test launches its own ecosystem.

use std::time::Instant;

use alloy::{
    consensus::Transaction as _,
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolValue},
};
use hyperchain_bindings::{
    AttestationVerifier, ChainFactory, ChainSettlement, DEFAULT_L2_GAS_LIMIT, IInbox, L2GasQuote,
    Message, PredeployCode, RelayProof, SharedBridge, TransactionRoot, predeploys,
};
use hyperchain_e2e::{
    STEP_TIMEOUT, World, dev_roles as roles, eth, poll, recomputed_root, revert_as, revert_text,
    transaction_root_leaf,
};

/// The relay transaction that delivered `hash` on chain `i`: (MessageRelayed, its log's tx hash,
/// block number).
async fn relayed_event(
    w: &World,
    i: usize,
    hash: B256,
    step: &str,
) -> eyre::Result<(IInbox::MessageRelayed, B256, u64)> {
    let l2 = w.l2(i)?;
    poll(step, STEP_TIMEOUT, || async {
        let evs = World::events::<IInbox::MessageRelayed>(&l2, predeploys::INBOX).await?;
        Ok(evs.into_iter().find(|(e, _)| e.messageHash == hash).map(|(e, log)| {
            (e, log.transaction_hash.unwrap_or_default(), log.block_number.unwrap_or_default())
        }))
    })
    .await
}

/// The proof the relayer submitted for `message` in transaction `tx` (`relay` or `relayBatch`).
fn submitted_proof(input: &[u8], message: &Message) -> eyre::Result<RelayProof> {
    if let Ok(call) = IInbox::relayCall::abi_decode(input) {
        eyre::ensure!(call.message == *message, "relay() carried another message");
        return Ok(call.proof);
    }
    let call = IInbox::relayBatchCall::abi_decode(input)
        .map_err(|e| eyre::eyre!("relay tx is neither relay nor relayBatch: {e}"))?;
    let i = call
        .messages
        .iter()
        .position(|m| m == message)
        .ok_or_else(|| eyre::eyre!("relayBatch does not carry the message"))?;
    Ok(call.proofs[i].clone())
}

/// Σ (chainBalance(chain, ETH) + priorityFees(chain)) over the chains == the shared bridge's ETH,
/// at `block`.
async fn eth_conserved(w: &World, block: BlockId, step: &str) -> eyre::Result<()> {
    let bridge = SharedBridge::new(w.eco.deployment.shared_bridge, w.l1()?);
    let mut sum = U256::ZERO;
    for node in &w.eco.chains {
        let chain_id = U256::from(node.chain_id);
        sum += bridge.chainBalance(chain_id, Address::ZERO).block(block).call().await?;
        sum += bridge.priorityFees(chain_id).block(block).call().await?;
    }
    let held = w.l1()?.get_balance(w.eco.deployment.shared_bridge).block_id(block).await?;
    assert_eq!(sum, held, "{step}: Σ chainBalance(ETH) + priorityFees != SharedBridge ETH balance");
    Ok(())
}

async fn chain_balance(w: &World, i: usize, block: BlockId) -> eyre::Result<U256> {
    let bridge = SharedBridge::new(w.eco.deployment.shared_bridge, w.l1()?);
    Ok(bridge.chainBalance(U256::from(w.chain_id(i)), Address::ZERO).block(block).call().await?)
}

/// Waits until chain `i`'s batch holding the withdrawal queued in `receipt` is executed on L1;
/// returns the message, the batch number and the message's proof in the batch's messages tree
/// (what `SharedBridge.finalizeWithdrawal` takes).
async fn withdrawal_proof(
    w: &World,
    i: usize,
    receipt: &alloy::rpc::types::TransactionReceipt,
) -> eyre::Result<(Message, u64, hyperchain_bindings::MerkleProof)> {
    let withdrawal = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<hyperchain_bindings::IOutbox::MessageQueued>().ok())
        .map(|l| l.inner.data.message)
        .ok_or_else(|| eyre::eyre!("no MessageQueued for the withdrawal"))?;
    let batch = w
        .executed_batch_of(
            i,
            receipt.block_number.unwrap_or_default(),
            "the batch with the withdrawal executed",
        )
        .await?;
    let leaves: Vec<B256> = w.batch_messages(i, &batch).await?.iter().map(Message::hash).collect();
    let index = leaves
        .iter()
        .position(|h| *h == withdrawal.hash())
        .ok_or_else(|| eyre::eyre!("withdrawal not in its batch"))?;
    let proof = hyperchain_merkle::Tree::new(&leaves)
        .proof(index as u64)
        .map_err(|e| eyre::eyre!("{e}"))?;
    Ok((withdrawal, batch.number, proof.into()))
}

/// The 7 hyperbridge steps of the README step table, asserted one by one on chain, then the refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyperbridge_seven_steps_then_refusals() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let (chain_a, chain_b) = (w.chain_id(a), w.chain_id(b));
    let l1 = w.l1()?;
    let (l2a, l2b) = (w.l2(a)?, w.l2(b)?);
    let relayer = w.relayer_address();
    let recipient = Address::repeat_byte(0x71);
    let value = U256::from(3_000_000_000_000_000u64);
    let fee = U256::from(1_000_000_000_000_000u64);

    // 1. A message with value + fee sent on A: MessageQueued.
    let sender = w.account(2).address;
    let (msg, receipt) = w.send(a, 2, chain_b, recipient, Bytes::new(), value, fee).await?;
    let sent_block = receipt.block_number.unwrap_or_default();
    assert_eq!(msg.sourceChainId, U256::from(chain_a), "step 1: source chain");
    assert_eq!(msg.destinationChainId, U256::from(chain_b), "step 1: destination chain");
    assert_eq!((msg.sender, msg.recipient), (sender, recipient), "step 1: sender/recipient");
    assert_eq!((msg.value, msg.fee), (value, fee), "step 1: value and fee");

    // 2. A's batch containing it committed, proven (attestation) and executed on L1.
    let batch_a = w
        .executed_batch_of(a, sent_block, "step 2: A's batch with the message executed on L1")
        .await?;
    let settlement_a = w.settlement(a)?;
    let sa = *settlement_a.address();
    let committed = World::events::<ChainSettlement::BatchCommitted>(&l1, sa).await?;
    assert!(
        committed.iter().any(|(e, _)| e.batchNumber == batch_a.number),
        "step 2: BatchCommitted({})",
        batch_a.number
    );
    let proven = World::events::<ChainSettlement::BatchProven>(&l1, sa).await?;
    assert!(
        proven.iter().any(|(e, _)| e.batchNumber == batch_a.number),
        "step 2: BatchProven({})",
        batch_a.number
    );
    let executed = World::events::<ChainSettlement::BatchExecuted>(&l1, sa).await?;
    let (exec_a, _) =
        executed.into_iter().find(|(e, _)| e.batchNumber == batch_a.number).ok_or_else(|| {
            eyre::eyre!("step 2: no BatchExecuted({}) on A's settlement", batch_a.number)
        })?;
    assert!(
        settlement_a.lastExecutedBatch().call().await? >= batch_a.number,
        "step 2: lastExecutedBatch"
    );
    let batch_msgs: Vec<B256> =
        w.batch_messages(a, &batch_a).await?.iter().map(Message::hash).collect();
    assert!(batch_msgs.contains(&msg.hash()), "step 2: message among the batch's messages");
    assert_eq!(
        exec_a.messagesRoot,
        hyperchain_merkle::Tree::new(&batch_msgs).root(),
        "step 2: executed messagesRoot == Merkle root of the batch's messages"
    );
    assert_eq!(settlement_a.messagesRoot(batch_a.number).call().await?, exec_a.messagesRoot);

    // 3. L1's Transaction Root contains A's batch leaf.
    let tr = w.transaction_root()?;
    let updates =
        World::events::<TransactionRoot::TransactionRootUpdated>(&l1, *tr.address()).await?;
    let (upd, _) = updates
        .into_iter()
        .find(|(e, _)| e.chainId == U256::from(chain_a) && e.batchNumber == batch_a.number)
        .ok_or_else(|| {
            eyre::eyre!("step 3: no TransactionRootUpdated for A's batch {}", batch_a.number)
        })?;
    assert_eq!(
        upd.leaf,
        transaction_root_leaf(
            U256::from(chain_a),
            batch_a.number,
            exec_a.messagesRoot,
            exec_a.stateRoot
        ),
        "step 3: leaf == transactionRootLeaf(A, batch, messagesRoot, stateRoot)"
    );
    assert!(tr.isTransactionRoot(upd.root).call().await?, "step 3: isTransactionRoot(root)");

    // 4–6. Imported on B, relayed by the relayer with a proof, executed on B.
    let (relayed, relay_tx, relay_block) =
        relayed_event(&w, b, msg.hash(), "step 6: MessageRelayed on B for the message").await?;
    let tx = l2b
        .get_transaction_by_hash(relay_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("step 5: relay tx {relay_tx} not found"))?;
    assert_eq!(tx.inner.signer(), relayer, "step 5: relay tx sent by the relayer account");
    assert_eq!(tx.inner.to(), Some(predeploys::INBOX), "step 5: relay tx calls the inbox");
    let proof = submitted_proof(tx.inner.input(), &msg)?;
    assert_eq!(proof.batchNumber, batch_a.number, "step 5: proof names A's batch");
    assert_eq!(proof.stateRoot, exec_a.stateRoot, "step 5: proof carries the executed state root");
    let root = recomputed_root(&msg, &proof)?;
    // 4. B imported a root covering A's batch.
    let inbox_b = IInbox::new(predeploys::INBOX, l2b.clone());
    assert!(inbox_b.isImported(root).call().await?, "step 4: B isImported(root of the proof)");
    let imports = World::events::<IInbox::TransactionRootImported>(&l2b, predeploys::INBOX).await?;
    let (_, import_log) = imports
        .into_iter()
        .find(|(e, _)| e.root == root)
        .ok_or_else(|| eyre::eyre!("step 4: no TransactionRootImported({root}) on B"))?;
    let import_block = import_log.block_number.unwrap_or_default();
    assert!(import_block < relay_block, "step 4 before step 6");
    assert!(
        tr.isTransactionRoot(root).call().await?,
        "step 4: the imported root is an L1 Transaction Root"
    );
    let info = tr.rootInfo(root).call().await?;
    assert!(
        U256::from(info.leafCount) > upd.leafIndex,
        "step 4: imported root covers A's batch leaf"
    );
    // 6. Executed on B, the relayer paid.
    assert_eq!(relayed.relayer, relayer, "step 6: MessageRelayed.relayer");
    assert_eq!(relayed.fee, fee, "step 6: MessageRelayed.fee");
    assert_eq!(relayed.sourceChainId, U256::from(chain_a));
    assert!(inbox_b.delivered(msg.hash()).call().await?, "step 6: delivered");
    assert_eq!(l2b.get_balance(recipient).await?, value, "step 6: recipient received the value");
    let relay_receipt = l2b
        .get_transaction_receipt(relay_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("step 6: no receipt for {relay_tx}"))?;
    let gas_cost =
        U256::from(relay_receipt.gas_used) * U256::from(relay_receipt.effective_gas_price);
    let before = l2b.get_balance(relayer).block_id(BlockId::number(relay_block - 1)).await?;
    let after = l2b.get_balance(relayer).block_id(BlockId::number(relay_block)).await?;
    assert_eq!(after + gas_cost, before + fee, "step 6: relayer balance rose by fee − gas");
    assert!(after > before, "step 6: fee exceeds the relay gas");

    // 7. B's batches with the import and the relay settled on L1, importedRoots checked there.
    let batch_relay = w
        .executed_batch_of(b, relay_block, "step 7: B's batch with the relay executed on L1")
        .await?;
    let batch_import = w
        .executed_batch_of(b, import_block, "step 7: B's batch with the import executed on L1")
        .await?;
    assert!(
        batch_import.info.importedRoots.contains(&root),
        "step 7: importedRoots of B's batch {} carry the root",
        batch_import.number
    );
    let settlement_b = w.settlement(b)?;
    let last_b = settlement_b.lastExecutedBatch().call().await?;
    assert!(last_b >= batch_relay.number.max(batch_import.number), "step 7: B's lastExecutedBatch");
    let executed_b =
        World::events::<ChainSettlement::BatchExecuted>(&l1, *settlement_b.address()).await?;
    assert!(
        executed_b.iter().any(|(e, _)| e.batchNumber == batch_relay.number),
        "step 7: BatchExecuted on B's settlement"
    );
    eprintln!(
        "7 steps done in {:?} (A batch {}, B batches {}/{})",
        t0.elapsed(),
        batch_a.number,
        batch_import.number,
        batch_relay.number
    );

    // Refusals (eth_call from another account; revert data decoded as IInbox errors).
    let caller = w.account(3).address;
    // Replay of the delivered message.
    let err = inbox_b.relay(msg.clone(), proof.clone()).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("replay was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::AlreadyDelivered(e)) => assert_eq!(e.messageHash, msg.hash()),
        other => panic!("replay: expected AlreadyDelivered, got {other:?} ({})", revert_text(&err)),
    }
    // Forged message (tampered value) with the genuine proof.
    let mut forged = msg.clone();
    forged.value += U256::from(1);
    let forged_root = recomputed_root(&forged, &proof)?;
    assert_ne!(forged_root, root);
    let err = inbox_b.relay(forged, proof.clone()).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("forged message was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::UnknownTransactionRoot(e)) => {
            assert_eq!(e.root, forged_root, "forged: root reported")
        }
        other => {
            panic!("forged: expected UnknownTransactionRoot, got {other:?} ({})", revert_text(&err))
        }
    }
    // A genuine proof against a real L1 Transaction Root that B never imported: stop B's
    // operator (no more imports on B), send another message, build its proof ourselves.
    w.stop_operator(b);
    let (msg2, r2) = w.send(a, 2, chain_b, recipient, Bytes::new(), value, fee).await?;
    let batch2 = w
        .executed_batch_of(
            a,
            r2.block_number.unwrap_or_default(),
            "refusal: A's second batch executed on L1",
        )
        .await?;
    let leaves = w.transaction_root_leaves().await?;
    let (proof2, root2) = w.relay_proof(a, &batch2, &msg2, leaves.len()).await?;
    assert!(
        tr.isTransactionRoot(root2).call().await?,
        "our rebuilt root is an L1 Transaction Root"
    );
    assert!(!inbox_b.isImported(root2).call().await?, "B never imported it");
    assert_eq!(recomputed_root(&msg2, &proof2)?, root2);
    let err = inbox_b.relay(msg2.clone(), proof2).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("proof against an unimported root was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::UnknownTransactionRoot(e)) => {
            assert_eq!(e.root, root2, "unimported: root reported")
        }
        other => panic!(
            "unimported: expected UnknownTransactionRoot, got {other:?} ({})",
            revert_text(&err)
        ),
    }
    assert!(!inbox_b.delivered(msg2.hash()).call().await?, "not delivered without an import");
    eprintln!("hyperbridge_seven_steps_then_refusals: {:?}", t0.elapsed());
    let _ = l2a;
    w.shutdown().await;
    Ok(())
}

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

/// Three chains: A → C and B → C, delivered by the relayer in the same C batch. The relayer starts
/// once C has imported a Transaction Root that holds both source batches, so both messages are
/// deliverable together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_chains_two_sources_one_destination() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(3).await?;
    let c = 2;
    let chain_c = w.chain_id(c);
    let fee = U256::from(1_000_000_000_000u64);
    let (to_a, to_b) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb1));
    let (m_a, r_a) = w.send(0, 2, chain_c, to_a, Bytes::new(), U256::from(111u64), fee).await?;
    let (m_b, r_b) = w.send(1, 3, chain_c, to_b, Bytes::new(), U256::from(222u64), fee).await?;
    // The Transaction Root leaf of each source batch; C must import a root at least that new.
    let l1 = w.l1()?;
    let tr = *w.transaction_root()?.address();
    let mut needed = U256::ZERO;
    for (i, r) in [(0, &r_a), (1, &r_b)] {
        let batch = w
            .executed_batch_of(i, r.block_number.unwrap_or_default(), "source batch executed on L1")
            .await?;
        let updates = World::events::<TransactionRoot::TransactionRootUpdated>(&l1, tr).await?;
        let (leaf, _) = updates
            .into_iter()
            .find(|(e, _)| e.chainId == U256::from(w.chain_id(i)) && e.batchNumber == batch.number)
            .ok_or_else(|| eyre::eyre!("no Transaction Root leaf for batch {}", batch.number))?;
        needed = needed.max(leaf.leafIndex);
    }
    let l2c = w.l2(c)?;
    poll("C imported a Transaction Root holding A's and B's batches", STEP_TIMEOUT, || async {
        let imported = World::events::<IInbox::TransactionRootImported>(&l2c, predeploys::INBOX)
            .await?
            .into_iter()
            .map(|(e, _)| e.root)
            .collect::<std::collections::HashSet<_>>();
        let updates = World::events::<TransactionRoot::TransactionRootUpdated>(&l1, tr).await?;
        Ok(updates
            .iter()
            .any(|(e, _)| e.leafIndex >= needed && imported.contains(&e.root))
            .then_some(()))
    })
    .await?;
    w.start_relayer().await?;
    let (ev_a, tx_a, block_a) = relayed_event(&w, c, m_a.hash(), "A → C delivered on C").await?;
    let (ev_b, tx_b, block_b) = relayed_event(&w, c, m_b.hash(), "B → C delivered on C").await?;
    let relayer = w.relayer_address();
    assert_eq!((ev_a.relayer, ev_b.relayer), (relayer, relayer));
    assert_eq!(ev_a.sourceChainId, U256::from(w.chain_id(0)));
    assert_eq!(ev_b.sourceChainId, U256::from(w.chain_id(1)));
    assert_eq!(l2c.get_balance(to_a).await?, U256::from(111u64), "A's value arrived on C");
    assert_eq!(l2c.get_balance(to_b).await?, U256::from(222u64), "B's value arrived on C");
    let batch_a = w.executed_batch_of(c, block_a, "C's batch with A's delivery executed").await?;
    let batch_b = w.executed_batch_of(c, block_b, "C's batch with B's delivery executed").await?;
    assert_eq!(batch_a.number, batch_b.number, "A's and B's messages executed in the same C batch");
    eprintln!(
        "three chains: relay txs {tx_a} / {tx_b} ({}), one C batch {}, {:?}",
        if tx_a == tx_b { "one relayBatch" } else { "two transactions" },
        batch_a.number,
        t0.elapsed()
    );
    w.shutdown().await;
    Ok(())
}

alloy::sol! {
    struct Link {
        address gateway;
        bytes counterpart;
    }

    #[sol(rpc)]
    interface IOZToken {
        function mint(address to, uint256 amount) external;
        function crosschainTransfer(bytes to, uint256 amount) external returns (bytes32);
        function balanceOf(address who) external view returns (uint256);
        function totalSupply() external view returns (uint256);
    }
}

/// OpenZeppelin 5.7's `ERC20Crosschain`, unchanged (the `OZCrosschainToken` artifact of
/// `test/l2/TwoChain.t.sol`, which only passes constructor links), over our gateway between two
/// real chains: gateway = OUTBOX, counterpart = the same token address on the other chain (same
/// deployer and nonce on both). 40 tokens A → B, then 15 back B → A, delivered by the relayer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openzeppelin_erc20_crosschain_over_the_gateway() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let deployer = 7;
    let predicted = w.account(deployer).address.create(0);
    for (i, other) in [(a, b), (b, a)] {
        let link = Link {
            gateway: predeploys::OUTBOX,
            counterpart: hyperchain_bindings::interop_address(
                U256::from(w.chain_id(other)),
                predicted,
            ),
        };
        let args = (vec![link],).abi_encode_params();
        let p = w.l2_wallet(i, deployer)?;
        let at = hyperchain_e2e::deploy_artifact(&p, "TwoChain.t.sol", "OZCrosschainToken", &args)
            .await?;
        assert_eq!(at, predicted, "same token address on both chains");
    }
    let (alice, bob) = (w.account(2), w.account(3));
    let on_a = IOZToken::new(predicted, w.l2_wallet(a, 2)?);
    let on_b = IOZToken::new(predicted, w.l2_wallet(b, 3)?);
    on_a.mint(alice.address, eth(100)).send().await?.get_receipt().await?;
    let to_bob = hyperchain_bindings::interop_address(U256::from(w.chain_id(b)), bob.address);
    let r = on_a.crosschainTransfer(to_bob, eth(40)).send().await?.get_receipt().await?;
    assert!(r.status(), "crosschainTransfer on A reverted");
    assert_eq!(on_a.balanceOf(alice.address).call().await?, eth(60), "burned on A");
    poll("40 OZX delivered to bob on B", STEP_TIMEOUT, || async {
        Ok((on_b.balanceOf(bob.address).call().await? == eth(40)).then_some(()))
    })
    .await?;
    assert_eq!(on_b.totalSupply().call().await?, eth(40), "minted on B");
    let to_alice = hyperchain_bindings::interop_address(U256::from(w.chain_id(a)), alice.address);
    let r = on_b.crosschainTransfer(to_alice, eth(15)).send().await?.get_receipt().await?;
    assert!(r.status(), "crosschainTransfer on B reverted");
    poll("15 OZX back to alice on A", STEP_TIMEOUT, || async {
        Ok((on_a.balanceOf(alice.address).call().await? == eth(75)).then_some(()))
    })
    .await?;
    assert_eq!(on_b.totalSupply().call().await?, eth(25), "burned on B");
    eprintln!("ERC20Crosschain A → B → A: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}
/// The seed's cross-chain swap, exactly as `hyperchain demo swap` runs it
/// (`hyperchain_devnet::swap`): a user on A sells token X for Y on a pool that lives on B, with one
/// `RemoteSwap.swapRemote` on A (token transfer + order A → B, swap on B, proceeds bridged back
/// B → A), carried by the real operators and relayer. Checked here independently on both chains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_chain_swap_with_remote_swap() -> eyre::Result<()> {
    use hyperchain_bindings::{ConstantProductPool, FaucetToken, RemoteSwap};
    use hyperchain_devnet::swap::{SwapChain, SwapConfig, cross_chain_swap};

    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let chain =
        |i: usize| SwapChain { chain_id: w.chain_id(i), rpc_url: w.eco.chains[i].anvil.rpc_url() };
    let config = SwapConfig {
        a: chain(a),
        b: chain(b),
        user_key: w.account(2).private_key,
        lp_key: w.account(4).private_key,
        liquidity: eth(1000),
        amount_in: eth(1),
        relayer_fee: U256::from(1_000_000_000_000u64),
        step_timeout: STEP_TIMEOUT,
    };
    let report = cross_chain_swap(&config, |line| eprintln!("swap: {line}")).await?;
    let user = w.account(2).address;
    assert_eq!(report.user, user);

    // On A: the user's one transaction, X gone, Y arrived.
    let (l2a, l2b) = (w.l2(a)?, w.l2(b)?);
    let tx = l2a
        .get_transaction_by_hash(report.swap_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("swap tx not found on A"))?;
    assert_eq!(tx.inner.signer(), user, "the user sent swapRemote");
    assert_eq!(tx.inner.to(), Some(report.remote_swap_a), "to RemoteSwap on A");
    let (x, y) = (FaucetToken::new(report.token_x, &l2a), FaucetToken::new(report.token_y, &l2a));
    assert_eq!(x.balanceOf(user).call().await?, report.x_before - eth(1), "1 X left the user on A");
    assert_eq!(
        y.balanceOf(user).call().await?,
        report.y_before + report.amount_out,
        "the Y proceeds arrived on A"
    );
    assert!(report.amount_out > U256::ZERO);

    // On B: the relayer delivered the order, the pool traded exactly once.
    let exec = l2b
        .get_transaction_by_hash(report.executed_tx_b)
        .await?
        .ok_or_else(|| eyre::eyre!("execution tx not found on B"))?;
    assert_eq!(exec.inner.signer(), w.relayer_address(), "the relayer delivered the order on B");
    let pool = ConstantProductPool::new(report.pool, &l2b);
    assert_eq!(
        pool.reserve0().call().await? + pool.reserve1().call().await?,
        eth(2000) + eth(1) - report.amount_out,
        "pool reserves moved by one swap"
    );
    let executed =
        World::events::<RemoteSwap::RemoteSwapExecuted>(&l2b, report.remote_swap_b).await?;
    assert_eq!(executed.len(), 1, "one order executed on B");
    assert!(executed[0].0.swapped && executed[0].0.orderId == report.order_id);
    eprintln!(
        "cross-chain swap: 1 X → {} wei of Y; set-up {} ms, swap {} ms, total {:?}",
        report.amount_out,
        report.setup_ms,
        report.swap_ms,
        t0.elapsed()
    );
    w.shutdown().await;
    Ok(())
}

/// Priority requests through the real operator: a forced call whose L2 recipient reverts (the
/// asset router refuses a payload from an L1 account) is processed with the call's own L2 gas
/// limit and leaves an L2→L1 failure record; once its batch executes, the caller claims the value
/// back on L1, exactly once. A forced Transaction Root import is delivered by the same operator
/// loop, imported by the inbox, and its batch executes on L1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_forced_call_claimed_back_once_and_forced_root_import() -> eyre::Result<()> {
    let t0 = Instant::now();
    let w = World::launch(1).await?;
    let a = 0;
    let chain_id = U256::from(w.chain_id(a));
    let (l1, l2) = (w.l1()?, w.l2(a)?);
    let caller = w.account(7).address;
    let settlement = ChainSettlement::new(w.eco.chains[a].settlement, w.l1_wallet(7)?);
    let tx_root = w.transaction_root()?;
    let root = poll("a Transaction Root exists (first batch executed)", STEP_TIMEOUT, || async {
        let root = tx_root.root().call().await?;
        Ok((!root.is_zero()).then_some(root))
    })
    .await?;

    let bridge = w.shared_bridge(6)?;
    let gas = L2GasQuote::fetch(&bridge, chain_id, DEFAULT_L2_GAS_LIMIT).await?;
    let receipt = settlement
        .requestL2Call(
            predeploys::ASSET_ROUTER,
            Bytes::from_static(&[0x12, 0x34]),
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(eth(1) + gas.fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("requestL2Call: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "requestL2Call reverted");
    let request = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<ChainSettlement::PriorityMessageQueued>().ok())
        .ok_or_else(|| eyre::eyre!("no PriorityMessageQueued"))?
        .inner
        .data
        .message;
    let import_fee = settlement.MIN_L2_GAS_LIMIT().call().await? * gas.price;
    let receipt = settlement
        .requestTransactionRootImport(root, gas.price)
        .value(import_fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("requestTransactionRootImport: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "requestTransactionRootImport reverted");

    // Both processed on L2: the call failed (with its full gas), the import succeeded.
    let executed = poll("both priority requests processed on L2", STEP_TIMEOUT, || async {
        let evs = World::events::<IInbox::PriorityMessageExecuted>(&l2, predeploys::INBOX).await?;
        let find = |nonce: U256| evs.iter().find(|(e, _)| e.nonce == nonce).cloned();
        Ok(find(request.nonce).zip(find(request.nonce + U256::from(1))))
    })
    .await?;
    let ((call_ev, call_log), (import_ev, _)) = executed;
    assert!(!call_ev.success, "the asset router refuses a forced call from an L1 account");
    assert_eq!(call_ev.l2GasLimit, U256::from(DEFAULT_L2_GAS_LIMIT), "delivered with its own gas");
    assert!(import_ev.success, "forced import processed");
    let inbox = IInbox::new(predeploys::INBOX, &l2);
    assert!(inbox.isImported(root).call().await?, "forced root imported on L2");

    // The batch with the failure record executes on L1; the caller claims the value back.
    let batch = w
        .executed_batch_of(
            a,
            call_log.block_number.unwrap_or_default(),
            "the batch with the failure record executed",
        )
        .await?;
    let messages = w.batch_messages(a, &batch).await?;
    let index = messages
        .iter()
        .position(|m| m.sender == predeploys::INBOX && m.payload[..] == request.hash()[..])
        .ok_or_else(|| eyre::eyre!("no failure record in the batch"))?;
    let record = messages[index].clone();
    assert_eq!(record.destinationChainId, U256::from(w.l1_chain_id()), "record goes to L1");
    let leaves: Vec<B256> = messages.iter().map(Message::hash).collect();
    let proof: hyperchain_bindings::MerkleProof = hyperchain_merkle::Tree::new(&leaves)
        .proof(index as u64)
        .map_err(|e| eyre::eyre!("{e}"))?
        .into();
    let before = l1.get_balance(caller).await?;
    let r = bridge
        .claimFailedDeposit(chain_id, batch.number, record.clone(), proof.clone(), request.clone())
        .send()
        .await
        .map_err(|e| eyre::eyre!("claimFailedDeposit: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "claimFailedDeposit reverted");
    assert_eq!(l1.get_balance(caller).await? - before, eth(1), "the caller got its value back");
    eth_conserved(&w, BlockId::latest(), "after the claim").await?;

    let err = bridge
        .claimFailedDeposit(chain_id, batch.number, record, proof, request.clone())
        .call()
        .await
        .err()
        .ok_or_else(|| eyre::eyre!("second claim accepted"))?;
    match revert_as::<ChainSettlement::ChainSettlementErrors>(&err) {
        Some(ChainSettlement::ChainSettlementErrors::PriorityRequestAlreadyReclaimed(e)) => {
            assert_eq!(e.nonce, request.nonce)
        }
        other => panic!(
            "expected PriorityRequestAlreadyReclaimed, got {other:?} ({})",
            revert_text(&err)
        ),
    }
    poll("the forced import's batch executed on L1", STEP_TIMEOUT, || async {
        let processed = settlement.priorityOpsProcessed().call().await?;
        Ok((processed > request.nonce + U256::from(1)).then_some(()))
    })
    .await?;
    eprintln!("failed_forced_call_claimed_back_once_and_forced_root_import: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}

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
        Ok((settlement.priorityOpsProcessed().call().await? == queued).then_some(()))
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
