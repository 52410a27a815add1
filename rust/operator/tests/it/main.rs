//! Operator against real anvils, deployed with the real forge scripts.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use hyperchain_bindings::{ChainSettlement, DEFAULT_L2_GAS_LIMIT, L2GasQuote, SharedBridge};
use hyperchain_devnet::{AttesterProcess, Ecosystem, EcosystemConfig};
use hyperchain_operator::{BatchState, Operator, OperatorConfig, OperatorError, SealPolicy};
use std::{path::PathBuf, time::Duration};

mod attesters;

/// The ecosystem of `config` with its attester processes (files in the returned folder).
async fn launch(config: &EcosystemConfig) -> (Ecosystem, Vec<AttesterProcess>, tempfile::TempDir) {
    let eco = Ecosystem::launch(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let attesters = eco.start_attesters(dir.path()).await.unwrap();
    (eco, attesters, dir)
}

fn config(
    eco: &Ecosystem,
    attesters: &[AttesterProcess],
    chain: usize,
    db: Option<PathBuf>,
) -> OperatorConfig {
    let node = &eco.chains[chain];
    let committee = eco.da_committee().unwrap().private_key;
    OperatorConfig {
        l1_rpc: eco.l1.rpc_url(),
        l2_rpc: node.anvil.rpc_url(),
        settlement: node.settlement,
        operator_key: node.operator.private_key,
        attesters: attesters.iter().map(|a| a.url.clone()).collect(),
        da_committee_keys: vec![committee],
        db_path: db,
        seal: SealPolicy {
            max_blocks: 1000,
            interval: Duration::from_millis(100),
            idle_interval: Duration::from_secs(3600),
        },
        poll_interval: Duration::from_millis(50),
    }
}

fn l1_as(eco: &Ecosystem, account: usize) -> DynProvider {
    let signer = PrivateKeySigner::from_bytes(&eco.accounts()[account].private_key).unwrap();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(eco.l1.rpc_url().parse().unwrap())
        .erased()
}

async fn deposit(eco: &Ecosystem, chain: usize, to: Address, amount: U256) {
    let bridge = SharedBridge::new(eco.deployment.shared_bridge, l1_as(eco, 5));
    let chain_id = U256::from(eco.chains[chain].chain_id);
    let gas = L2GasQuote::fetch(&bridge, chain_id, DEFAULT_L2_GAS_LIMIT).await.unwrap();
    let receipt = bridge
        .depositETH(chain_id, to, U256::from(DEFAULT_L2_GAS_LIMIT), gas.price)
        .value(amount + gas.fee)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
}

/// Ticks until `done` or 30 s.
async fn drive<F: AsyncFnMut(&mut Operator) -> bool>(op: &mut Operator, mut done: F) {
    for _ in 0..600 {
        op.tick().await.unwrap();
        if done(op).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("operator did not get there in 30 s");
}

/// Seals the pending blocks, waiting for the next L2 block if none is pending.
async fn seal(op: &mut Operator) -> u64 {
    for _ in 0..100 {
        if let Some(n) = op.seal_now().await.unwrap() {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no L2 block to seal in 5 s");
}

async fn commit_counts(eco: &Ecosystem, chain: usize) -> Vec<u64> {
    let filter = Filter::new()
        .address(eco.chains[chain].settlement)
        .event_signature(ChainSettlement::BatchCommitted::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l1_as(eco, 0).get_logs(&filter).await.unwrap();
    logs.iter()
        .map(|l| ChainSettlement::BatchCommitted::decode_log(&l.inner).unwrap().data.batchNumber)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_is_credited_on_l2_and_batches_settle_on_l1() {
    let (eco, attesters, _files) = launch(&EcosystemConfig::local(1)).await;
    let mut op = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();
    let recipient = Address::repeat_byte(0x42);
    let amount = U256::from(1_234_567_890_u64);
    deposit(&eco, 0, recipient, amount).await;

    drive(&mut op, async |op| op.l2_balance(recipient).await.unwrap() == amount).await;
    // The batch holding the deposit settles: L1 records its state root and the priority request.
    let settlement = ChainSettlement::new(eco.chains[0].settlement, l1_as(&eco, 0));
    drive(&mut op, async |op| op.l1_counters().await.unwrap().priority_processed == 1).await;
    let counters = op.l1_counters().await.unwrap();
    assert!(counters.executed >= 1);
    assert_eq!(counters.executed, counters.committed);
    let last = op.store().batch(counters.executed).await.unwrap().unwrap();
    assert_eq!(last.state, BatchState::Executed);
    let settled = settlement.stateRoot(counters.executed).call().await.unwrap();
    assert_eq!(settled, op.l2_state_root(last.last_block).await.unwrap());
    // Batches cover consecutive L2 blocks.
    let batches = op.store().batches().await.unwrap();
    for pair in batches.windows(2) {
        assert_eq!(pair[1].first_block, pair[0].last_block + 1);
    }
    // The state rebuilt from L1 data alone (genesis + every batch's pubdata) is the settled one.
    let genesis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&eco.chains[0].genesis_path).unwrap())
            .unwrap();
    let rebuilt = hyperchain_operator::reconstruct::reconstruct(
        &l1_as(&eco, 0),
        eco.chains[0].settlement,
        &genesis,
    )
    .await
    .unwrap();
    assert!(rebuilt.batches >= counters.executed);
    assert!(rebuilt.matches, "{rebuilt:?}");
    eco.shutdown().await;
}

/// Reads slot 5 (empty), then stores 1 in slot 1, deployed by its init code (12-byte prefix).
const READ_EMPTY_THEN_WRITE_INIT: &[u8] = &[
    0x60, 10, 0x60, 12, 0x60, 0, 0x39, 0x60, 10, 0x60, 0, 0xf3, // copy the runtime, return it
    0x60, 0x05, 0x54, 0x50, 0x60, 0x01, 0x60, 0x01, 0x55, 0x00,
];

/// A settled batch in which a transaction loads an empty slot (a zero leaf in anvil's trie that
/// changes no value): the state rebuilt from L1 data alone still has L1's settled root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconstruct_after_a_batch_reading_an_empty_slot_matches_l1() {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
    let (eco, attesters, _files) = launch(&EcosystemConfig::local(1)).await;
    let mut op = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();
    let signer = PrivateKeySigner::from_bytes(&eco.accounts()[1].private_key).unwrap();
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(eco.chains[0].anvil.rpc_url().parse().unwrap())
        .erased();
    let deploy = TransactionRequest::default()
        .with_deploy_code(alloy::primitives::Bytes::from_static(READ_EMPTY_THEN_WRITE_INIT));
    let receipt = l2.send_transaction(deploy).await.unwrap().get_receipt().await.unwrap();
    let reader = receipt.contract_address.unwrap();
    let call = TransactionRequest::default().with_to(reader).with_gas_limit(100_000);
    let receipt = l2.send_transaction(call).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    let block = receipt.block_number.unwrap();

    let settled = async |op: &mut Operator| {
        let executed = op.l1_counters().await.unwrap().executed;
        let batch = op.store().batch(executed).await.unwrap();
        batch.is_some_and(|b| executed >= 1 && b.last_block >= block)
    };
    drive(&mut op, settled).await;
    let genesis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&eco.chains[0].genesis_path).unwrap())
            .unwrap();
    let rebuilt = hyperchain_operator::reconstruct::reconstruct(
        &l1_as(&eco, 0),
        eco.chains[0].settlement,
        &genesis,
    )
    .await
    .unwrap();
    assert_eq!(rebuilt.genesis_root, rebuilt.l1_genesis_root);
    assert!(rebuilt.matches, "{rebuilt:?}");
    eco.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_restarted_mid_settlement_finishes_without_duplicates() {
    let (eco, attesters, dir) = launch(&EcosystemConfig::local(1)).await;
    let db = dir.path().join("op.db");
    {
        let mut op = Operator::new(config(&eco, &attesters, 0, Some(db.clone()))).await.unwrap();
        deposit(&eco, 0, Address::repeat_byte(1), U256::from(5)).await;
        op.deliver_priority_requests().await.unwrap();
        seal(&mut op).await;
        assert_eq!(op.commit_next().await.unwrap(), Some(1));
        // Crash: the operator goes away after commitBatch, before proveBatch.
    }
    {
        // Restart on the same database: proves and executes batch 1, goes on with batch 2.
        let mut op = Operator::new(config(&eco, &attesters, 0, Some(db.clone()))).await.unwrap();
        seal(&mut op).await;
        assert_eq!(op.commit_next().await.unwrap(), Some(2));
        op.settle_once().await.unwrap();
        assert_eq!(op.l1_counters().await.unwrap().executed, 2);
        seal(&mut op).await;
        assert_eq!(op.commit_next().await.unwrap(), Some(3));
    }
    // Database lost while batch 3 is committed but not proven: re-synced from L1.
    std::fs::remove_file(&db).unwrap();
    let _ = std::fs::remove_file(dir.path().join("op.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("op.db-shm"));
    let mut op = Operator::new(config(&eco, &attesters, 0, Some(db.clone()))).await.unwrap();
    let resynced = op.store().batch(3).await.unwrap().unwrap();
    assert_eq!(resynced.state, BatchState::Committed);
    deposit(&eco, 0, Address::repeat_byte(2), U256::from(7)).await;
    drive(&mut op, async |op| op.l1_counters().await.unwrap().priority_processed == 2).await;
    let commits = commit_counts(&eco, 0).await;
    let expected: Vec<u64> = (1..=commits.len() as u64).collect();
    assert_eq!(commits, expected, "every batch committed exactly once, in order");
    // Lost again, after batches settled in one settleBatch each: re-synced from that calldata.
    let executed = op.l1_counters().await.unwrap().executed;
    assert!(executed >= 4, "batches after the re-sync settled ({executed})");
    drop(op);
    for file in ["op.db", "op.db-wal", "op.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(file));
    }
    let op = Operator::new(config(&eco, &attesters, 0, Some(db.clone()))).await.unwrap();
    for n in 1..=executed {
        let record = op.store().batch(n).await.unwrap().unwrap();
        assert_eq!(record.state, BatchState::Executed, "batch {n} re-synced as executed");
    }
    eco.shutdown().await;
}

/// The operator dies waiting for the receipt of its `settleBatch`, and restarts while that
/// transaction is still in L1's mempool: the restarted one finds batch 1 sealed in its database.
/// Once L1 includes the first transaction, sending `settleBatch(1)` again would revert
/// (`NonConsecutiveBatch`); that is reconciliation, not a halt: it records batch 1 as executed and
/// settles batch 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_while_settle_batch_is_pending_reconciles_and_goes_on() {
    let (eco, attesters, dir) = launch(&EcosystemConfig::local(1)).await;
    let db = dir.path().join("op.db");
    let l1 = l1_as(&eco, 0);
    let mut first = Operator::new(config(&eco, &attesters, 0, Some(db.clone()))).await.unwrap();
    deposit(&eco, 0, Address::repeat_byte(1), U256::from(5)).await;
    first.deliver_priority_requests().await.unwrap();
    assert_eq!(seal(&mut first).await, 1);

    l1.raw_request::<_, ()>("evm_setAutomine".into(), (false,)).await.unwrap();
    let broadcast = async {
        loop {
            let status: serde_json::Value =
                l1.raw_request("txpool_status".into(), ()).await.unwrap();
            if status["pending"].as_str().is_some_and(|p| p != "0x0") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        result = first.settle_once() => panic!("settleBatch returned while L1 mines nothing: {result:?}"),
        waited = tokio::time::timeout(Duration::from_secs(120), broadcast) => {
            waited.expect("settleBatch(1) broadcast within 120 s");
        }
    }
    drop(first); // the crash, with its transaction pending

    let mut op = Operator::new(config(&eco, &attesters, 0, Some(db))).await.unwrap();
    assert_eq!(op.store().batch(1).await.unwrap().unwrap().state, BatchState::Sealed);
    l1.raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
    l1.raw_request::<_, ()>("evm_setAutomine".into(), (true,)).await.unwrap();
    assert_eq!(op.l1_counters().await.unwrap().executed, 1, "the first operator's settleBatch");

    op.settle_once().await.expect("batch 1 already on L1 is reconciled, not an error");
    let record = op.store().batch(1).await.unwrap().unwrap();
    assert_eq!((record.state, record.error), (BatchState::Executed, None));
    assert_eq!(seal(&mut op).await, 2);
    op.settle_once().await.unwrap();
    assert_eq!(op.l1_counters().await.unwrap().executed, 2);
    assert_eq!(commit_counts(&eco, 0).await, vec![1, 2], "each batch committed once");
    eco.shutdown().await;
}

/// The operator imports a root L1 never held: the attesters refuse the batch (they read L1's
/// Transaction Roots), so it never reaches L1. L1's own check of the imported roots
/// (`UnknownTransactionRoot`), for attesters that would sign it anyway, is in the forge tests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_importing_a_root_that_never_existed_is_refused_by_the_attesters() {
    let (eco, attesters, _files) = launch(&EcosystemConfig::local(1)).await;
    let mut op = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();
    let bogus = B256::repeat_byte(0xbb);
    op.import_transaction_root(bogus).await.unwrap();
    let n = seal(&mut op).await;
    let err = op.settle_once().await.unwrap_err();
    match &err {
        OperatorError::AttestationsMissing { batch, valid, failures, .. } => {
            assert_eq!((*batch, *valid), (n, 0));
            assert!(failures.contains("refused extra_system_transaction"), "{failures}");
            assert!(failures.contains(&bogus.to_string()), "{failures}");
        }
        other => panic!("expected every attester to refuse, got {other}"),
    }
    // Nothing of the batch reached L1.
    let record = op.store().batch(n).await.unwrap().unwrap();
    assert_eq!(record.state, BatchState::Sealed);
    assert_eq!(op.l1_counters().await.unwrap().committed, n - 1);
    eco.shutdown().await;
}

/// A permissionless chain registered with a doctored genesis: the ecosystem's genesis with `edit`
/// applied, on its own anvil, registered through the factory with its real genesis root (the
/// factory cannot read an L2 state root, so it accepts it), one L2 block mined.
async fn doctored_chain(
    eco: &Ecosystem,
    chain_id: u64,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
    dir: &std::path::Path,
) -> (hyperchain_devnet::AnvilInstance, Address, B256) {
    use hyperchain_devnet::{
        AnvilConfig, AnvilInstance, ChainSpec, genesis_block_hash, genesis_state_root,
        register_chain,
    };
    let text = std::fs::read_to_string(&eco.chains[0].genesis_path).unwrap();
    let mut genesis: serde_json::Value = serde_json::from_str(&text).unwrap();
    genesis["config"]["chainId"] = chain_id.into();
    edit(genesis["alloc"].as_object_mut().unwrap());
    let path = dir.join(format!("genesis-{chain_id}.json"));
    std::fs::write(&path, serde_json::to_string(&genesis).unwrap()).unwrap();
    let anvil = AnvilInstance::spawn(
        &eco.toolchain,
        &AnvilConfig { chain_id: Some(chain_id), genesis: Some(path), ..Default::default() },
    )
    .await
    .unwrap();
    let root = genesis_state_root(&anvil.rpc_url()).await.unwrap();
    let genesis_block = genesis_block_hash(&anvil.rpc_url()).await.unwrap();
    let factory =
        hyperchain_bindings::ChainFactory::new(eco.deployment.chain_factory, l1_as(eco, 6));
    let operator = eco.accounts()[6].address;
    let settlement = register_chain(
        &factory,
        &ChainSpec { chain_id, da_mode: 0 },
        operator,
        operator,
        root,
        genesis_block,
    )
    .await
    .unwrap();
    let signer = PrivateKeySigner::from_bytes(&eco.accounts()[3].private_key).unwrap();
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.rpc_url().parse().unwrap());
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(Address::repeat_byte(0x77))
        .value(U256::from(1));
    assert!(l2.send_transaction(tx).await.unwrap().get_receipt().await.unwrap().status());
    (anvil, settlement, root)
}

/// The key of `address` in a genesis `alloc` (the generator writes checksummed addresses).
fn alloc_key(alloc: &serde_json::Map<String, serde_json::Value>, address: Address) -> String {
    alloc.keys().find(|k| k.parse::<Address>().ok() == Some(address)).unwrap().clone()
}

/// The validity program refuses the first batch of a chain whose genesis is not canonical, by
/// name: `ASSET_ROUTER` holding other code (which could send `TokenTransfer` messages every other
/// chain's router trusts), or a system contract with preset storage. The attester signs nothing
/// and the chain's own operator seals nothing, so no batch of such a chain is ever settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctored_genesis_is_refused_by_the_validity_program() {
    use hyperchain_attester::{AttestationDomain, Attester, AttesterError, BatchClaim};
    use hyperchain_bindings::{ChainFactory, predeploys};
    use hyperchain_zkevm::{
        BatchContext, ExecutionRules, L1View, ValidationError, build_witness, da_commitment,
        validate_batch,
    };
    let (eco, attesters, dir) = launch(&EcosystemConfig::local(1)).await;
    let factory = ChainFactory::new(eco.deployment.chain_factory, l1_as(&eco, 0));
    let canonical = factory.predeployCodes(1).call().await.unwrap();
    let attester = Attester::from_hex_keys(&[eco.attester_keys[0].to_string()]).unwrap();
    let domain = AttestationDomain {
        l1_chain_id: U256::from(eco.l1.chain_id()),
        verifier: eco.deployment.verifier,
        protocol_version: U256::from(1),
    };
    let rules = ExecutionRules::ANVIL;

    // ASSET_ROUTER with other code: STOP.
    let (anvil, settlement, root) = doctored_chain(
        &eco,
        950,
        |alloc| {
            let key = alloc_key(alloc, predeploys::ASSET_ROUTER);
            alloc[&key]["code"] = "0x00".into();
        },
        dir.path(),
    )
    .await;
    let l2 = ProviderBuilder::new().connect_http(anvil.rpc_url().parse().unwrap()).erased();
    let head = l2.get_block_number().await.unwrap();
    let (blocks, mut witness) = build_witness(&l2, 1, head).await.unwrap();
    witness.prev_state_root = root;
    let context = BatchContext {
        l1_chain_id: U256::from(eco.l1.chain_id()),
        chain_id: U256::from(950),
        next_message_nonce: U256::ZERO,
        priority_requests_processed: 0,
        priority_requests_hash: B256::ZERO,
        prev_block_hash: blocks.blocks[0].header.parent_hash,
    };
    // The batch itself executes fine: only the genesis check catches the chain.
    let validated = validate_batch(&blocks, &witness, root, &context, None, &rules).unwrap();
    let commit = validated.commit_batch_info(1, da_commitment(&validated.pubdata));
    let claim = BatchClaim {
        blocks: &blocks,
        witness: &witness,
        prev_state_root: root,
        context: &context,
        commit: &commit,
        predeploys: &canonical,
        // The genesis check comes first: no L1 bound is reached.
        l1: &L1View::default(),
    };
    let err = attester.attest_batch(&domain, &claim, &rules).unwrap_err();
    let AttesterError::Invalid(ValidationError::NonCanonicalPredeploy {
        address,
        what,
        expected,
        actual,
    }) = err
    else {
        panic!("expected NonCanonicalPredeploy, got {err}");
    };
    assert_eq!((address, what), (predeploys::ASSET_ROUTER, "code hash"));
    assert_eq!(expected, canonical[2].codeHash);
    assert_eq!(actual, alloy::primitives::keccak256([0u8]));

    // The chain's own operator refuses to seal it, with the same error.
    let operator_config = OperatorConfig {
        l2_rpc: anvil.rpc_url(),
        settlement,
        operator_key: eco.accounts()[6].private_key,
        ..config(&eco, &attesters, 0, None)
    };
    let mut op = Operator::new(operator_config).await.unwrap();
    let err = op.seal_now().await.unwrap_err();
    assert!(
        matches!(&err, OperatorError::BuildFailed { batch: 1, source, .. } if source.to_string().contains("genesis code hash of predeploy 0x4800000000000000000000000000000000000003")),
        "{err}"
    );
    let settled = ChainSettlement::new(settlement, l1_as(&eco, 0));
    assert_eq!(settled.lastCommittedBatch().call().await.unwrap(), 0);
    anvil.shutdown().await;

    // The Outbox with a preset nonce slot: canonical code, but not the canonical (empty) storage.
    let (anvil, _, root) = doctored_chain(
        &eco,
        951,
        |alloc| {
            let key = alloc_key(alloc, predeploys::OUTBOX);
            alloc[&key]["storage"] = serde_json::json!({
                "0x0000000000000000000000000000000000000000000000000000000000000000":
                    "0x0000000000000000000000000000000000000000000000000000000000000005"
            });
        },
        dir.path(),
    )
    .await;
    let l2 = ProviderBuilder::new().connect_http(anvil.rpc_url().parse().unwrap()).erased();
    let head = l2.get_block_number().await.unwrap();
    let (_, mut witness) = build_witness(&l2, 1, head).await.unwrap();
    witness.prev_state_root = root;
    let err = hyperchain_zkevm::check_genesis(root, &witness, &canonical, &rules).unwrap_err();
    assert!(
        matches!(
            err,
            ValidationError::NonCanonicalPredeploy { address, what: "storage root", .. }
                if address == predeploys::OUTBOX
        ),
        "{err}"
    );
    anvil.shutdown().await;
    eco.shutdown().await;
}

/// A node whose state was changed outside a block (here `anvil_setCode` before block 1) serves
/// proofs against a root L1 never held: the operator names the cause instead of reporting a
/// witness proof mismatch, and seals nothing. (The relayer's tests once installed their
/// recipient this way, and the destination chain's batch 1 was refused on every retry.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_edited_outside_a_block_is_named_and_not_sealed() {
    let mut setup = EcosystemConfig::local(1);
    setup.l2_block_time = None;
    let (eco, attesters, _files) = launch(&setup).await;
    let signer = PrivateKeySigner::from_bytes(&eco.accounts()[3].private_key).unwrap();
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(eco.chains[0].anvil.rpc_url().parse().unwrap());
    assert_eq!(l2.get_block_number().await.unwrap(), 0, "no L2 block before the edit");
    let edited = Address::repeat_byte(0xed);
    let _: () = l2.raw_request("anvil_setCode".into(), (edited, "0x00")).await.unwrap();
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(Address::repeat_byte(0x77))
        .value(U256::from(1));
    assert!(l2.send_transaction(tx).await.unwrap().get_receipt().await.unwrap().status());

    let mut op = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();
    let err = op.seal_now().await.unwrap_err();
    let OperatorError::StateDiverged { batch, block, node_root, l1_root } = err else {
        panic!("expected StateDiverged, got {err}");
    };
    assert_eq!((batch, block), (1, 0));
    assert_eq!(l1_root, eco.chains[0].genesis_state_root);
    assert_ne!(node_root, l1_root);
    assert!(op.store().batch(1).await.unwrap().is_none(), "nothing sealed");
    eco.shutdown().await;
}
