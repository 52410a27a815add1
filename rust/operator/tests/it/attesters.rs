//! The attester set as separate `hyperchain-attester` processes (2 of 3) in front of the operator:
//! availability (one killed, two down, restart), lying operators, equivocation across `kill -9`,
//! and a chain whose RPC is down or behind.

use super::{config, deposit, l1_as, launch, seal};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use hyperchain_attester::{
    AttestationDomain,
    api::{AttestRequest, AttestationFailure, request_attestation},
    batch_digest,
};
use hyperchain_bindings::{
    AssetTransfer, ChainSettlement, CommitBatchInfo, DEFAULT_L2_GAS_LIMIT, IInbox, Message,
    predeploys,
};
use hyperchain_devnet::{AttesterProcess, Ecosystem, EcosystemConfig};
use hyperchain_operator::{BatchState, Operator, OperatorError};
use hyperchain_zkevm::ExecutionRules;
use std::time::Duration;

fn two_of_three() -> EcosystemConfig {
    EcosystemConfig { attesters: 3, attestation_threshold: 2, ..EcosystemConfig::local(1) }
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// What a lying operator changes in its claim.
type Lie = fn(&mut CommitBatchInfo);

/// The digest an attestation of `commit` (chain 0 of `eco`) signs.
async fn digest_of(eco: &Ecosystem, commit: &CommitBatchInfo) -> B256 {
    let settlement = ChainSettlement::new(eco.chains[0].settlement, l1_as(eco, 0));
    let prev = settlement.stateRoot(commit.batchNumber - 1).call().await.unwrap();
    let prev_block = settlement.lastBlockHash(commit.batchNumber - 1).call().await.unwrap();
    let domain = AttestationDomain {
        l1_chain_id: U256::from(eco.l1.chain_id()),
        verifier: eco.deployment.verifier,
        protocol_version: U256::from(settlement.protocolVersion().call().await.unwrap()),
    };
    batch_digest(&domain, U256::from(eco.chains[0].chain_id), prev, prev_block, commit)
}

/// What `attester` answers for `request`; a signature must recover to it over `digest`.
async fn ask(
    attester: &AttesterProcess,
    request: &AttestRequest,
    digest: B256,
) -> Result<(), AttestationFailure> {
    let attested =
        request_attestation(&reqwest::Client::new(), &attester.url, request, digest, TIMEOUT)
            .await?;
    assert_eq!(attested.attester, attester.address);
    Ok(())
}

/// The liar's settlement of its last sealed batch gets no attestation: every attester refuses it
/// as `expected`, and L1 still has `committed` batches.
async fn refused_by_every_attester(
    liar: &mut Operator,
    attesters: &[AttesterProcess],
    expected: &str,
    committed: u64,
) {
    let err = liar.settle_once().await.unwrap_err();
    let OperatorError::AttestationsMissing { valid: 0, threshold: 2, failures, .. } = &err else {
        panic!("{expected}: expected AttestationsMissing with 0 valid, got {err}");
    };
    for a in attesters {
        let refusal = format!("{}: refused {expected}", a.url);
        assert!(failures.contains(&refusal), "{expected}: {failures}");
    }
    assert_eq!(liar.l1_counters().await.unwrap().committed, committed, "{expected} reached L1");
}

/// An unsigned system transaction on the chain's node (the operator impersonates SYSTEM_CALLER).
/// Its nonce is the one of the latest block's state: after an `evm_revert` anvil's pending count
/// still counts the reverted transactions.
async fn system_transaction(l2: &DynProvider, input: Vec<u8>) {
    let nonce = l2
        .get_transaction_count(predeploys::SYSTEM_CALLER)
        .block_id(alloy::eips::BlockId::latest())
        .await
        .unwrap();
    let tx = TransactionRequest::default()
        .with_from(predeploys::SYSTEM_CALLER)
        .with_to(predeploys::INBOX)
        .with_input(input)
        .with_nonce(nonce)
        .with_gas_limit(3_000_000);
    let receipt = l2.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "system transaction reverted");
}

/// Waits until the node has mined a block after `number`.
async fn block_after(l2: &DynProvider, number: u64) -> u64 {
    for _ in 0..200 {
        let head = l2.get_block_number().await.unwrap();
        if head > number {
            return head;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no block after {number} in 10 s");
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn refusal(answer: Result<(), AttestationFailure>) -> String {
    match answer {
        Err(AttestationFailure::Refused(r)) => r.refused,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settles_with_one_of_three_attesters_killed_waits_with_two_down_and_resumes_after_restart()
{
    let (eco, mut attesters, _files) = launch(&two_of_three()).await;
    let mut op = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();

    attesters[0].kill().await;
    deposit(&eco, 0, Address::repeat_byte(0x31), U256::from(10)).await;
    op.deliver_priority_requests().await.unwrap();
    let n = seal(&mut op).await;
    let report = op.settle_once().await.unwrap();
    assert_eq!(report.executed, vec![n], "2 of 3 attesters signed");
    assert_eq!(op.l1_counters().await.unwrap().executed, n);

    // A second one down: fewer than 2 signatures, the batch waits and the error says why.
    attesters[1].kill().await;
    let m = seal(&mut op).await;
    let err = op.settle_once().await.unwrap_err();
    match &err {
        OperatorError::AttestationsMissing { batch, valid, threshold, failures } => {
            assert_eq!((*batch, *valid, *threshold), (m, 1, 2), "{err}");
            assert!(failures.contains(&attesters[0].url), "{failures}");
            assert!(failures.contains(&attesters[1].url), "{failures}");
            assert!(failures.contains("unreachable"), "{failures}");
        }
        other => panic!("expected AttestationsMissing, got {other}"),
    }
    assert_eq!(op.l1_counters().await.unwrap().committed, n, "nothing sent to L1");
    assert_eq!(op.store().batch(m).await.unwrap().unwrap().state, BatchState::Sealed);

    // Restarted: settlement resumes.
    attesters[1].restart().await.unwrap();
    let report = op.settle_once().await.unwrap();
    assert_eq!(report.executed, vec![m]);
    eco.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_operator_refused_by_every_attester_equivocation_refused_across_kill_9_and_rpc_down_is_not_yet()
 {
    let (eco, mut attesters, _files) = launch(&two_of_three()).await;
    let chain_id = eco.chains[0].chain_id;
    // A priority request in the batch, so that its priority fields are not the empty ones.
    deposit(&eco, 0, Address::repeat_byte(0x32), U256::from(10)).await;
    let mut liar = Operator::new(config(&eco, &attesters, 0, None)).await.unwrap();
    liar.deliver_priority_requests().await.unwrap();
    let n = seal(&mut liar).await;
    let honest = liar.store().batch(n).await.unwrap().unwrap();

    // Tampered state root, last block hash, messages root, priority requests, imported roots,
    // transfers: every attester refuses by name, the operator gets no attestation and nothing
    // reaches L1.
    let lies: [(&str, Lie); 6] = [
        ("state_root_mismatch", |c| c.newStateRoot = keccak256("a state the chain never had")),
        ("last_block_hash_mismatch", |c| c.lastBlockHash = keccak256("a block never mined")),
        ("messages_root_mismatch", |c| c.messagesRoot = keccak256("messages never sent")),
        ("priority_requests_hash_mismatch", |c| {
            c.priorityRequestsHash = keccak256("a deposit never made")
        }),
        ("imported_roots_mismatch", |c| c.importedRoots.push(keccak256("a root never imported"))),
        ("transfers_mismatch", |c| {
            c.transfers.push(AssetTransfer {
                destinationChainId: U256::from(902),
                token: Address::ZERO,
                amount: U256::from(10u64.pow(18)),
            })
        }),
    ];
    for (expected, lie_about) in lies {
        let mut lie = honest.clone();
        lie_about(&mut lie.info);
        liar.store().upsert_synced_batch(&lie).await.unwrap();
        refused_by_every_attester(&mut liar, &attesters, expected, n - 1).await;
    }

    // The honest claim settles.
    liar.store().upsert_synced_batch(&honest).await.unwrap();
    assert_eq!(liar.settle_once().await.unwrap().executed, vec![n]);

    // Lies in the chain itself (the operator runs the sequencer), each as batch n + 1 on a snapshot
    // of the L2 node that is reverted afterwards: a delivery of a request L1 never queued, a
    // delivery with less gas than its request set, a block a day ahead of L1 time. The liar's own
    // run of the program (no L1 view) seals them; every attester refuses them by name.
    let l2 = ProviderBuilder::new()
        .connect_http(eco.chains[0].anvil.rpc_url().parse().unwrap())
        .erased();
    let settlement = ChainSettlement::new(eco.chains[0].settlement, l1_as(&eco, 0));
    let delivered = settlement.priorityRequestCount().call().await.unwrap();
    let chain_lies =
        ["extra_system_transaction", "priority_request_gas_mismatch", "timestamp_ahead_of_l1"];
    for expected in chain_lies {
        let snapshot: U256 = l2.raw_request("evm_snapshot".into(), ()).await.unwrap();
        match expected {
            "extra_system_transaction" => {
                let forged = Message {
                    sourceChainId: U256::from(eco.l1.chain_id()),
                    destinationChainId: U256::from(chain_id),
                    nonce: delivered,
                    sender: Address::repeat_byte(0xee),
                    recipient: Address::repeat_byte(0x33),
                    value: U256::from(10u64.pow(18)),
                    fee: U256::ZERO,
                    payload: Default::default(),
                };
                let call = IInbox::executePriorityRequestCall {
                    message: forged,
                    l2GasLimit: U256::from(DEFAULT_L2_GAS_LIMIT),
                };
                system_transaction(&l2, call.abi_encode()).await;
            }
            "priority_request_gas_mismatch" => {
                deposit(&eco, 0, Address::repeat_byte(0x34), U256::from(10)).await;
                let filter = Filter::new()
                    .address(eco.chains[0].settlement)
                    .event_signature(ChainSettlement::PriorityRequestQueued::SIGNATURE_HASH)
                    .from_block(0u64);
                let logs = l1_as(&eco, 0).get_logs(&filter).await.unwrap();
                let queued = ChainSettlement::PriorityRequestQueued::decode_log(
                    &logs.last().expect("the deposit's request").inner,
                )
                .unwrap()
                .data;
                assert_eq!(queued.nonce, delivered);
                let call = IInbox::executePriorityRequestCall {
                    message: queued.message,
                    l2GasLimit: queued.l2GasLimit - U256::from(1),
                };
                system_transaction(&l2, call.abi_encode()).await;
            }
            _ => {
                let ahead = unix_now() + 86_400;
                let _: serde_json::Value =
                    l2.raw_request("evm_setNextBlockTimestamp".into(), (ahead,)).await.unwrap();
                block_after(&l2, l2.get_block_number().await.unwrap()).await;
            }
        }
        assert_eq!(seal(&mut liar).await, n + 1, "{expected}");
        refused_by_every_attester(&mut liar, &attesters, expected, n).await;
        let reverted: bool = l2.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
        assert!(reverted, "{expected}: L2 snapshot reverted");
        // anvil's `evm_revert` rewinds the blocks but not its base fee, which stays where the
        // reverted blocks left it: the next block would carry a base fee its parent does not give
        // (a real node has no revert). Set the one the chain's rule gives.
        let head = l2.get_block_by_number(Default::default()).await.unwrap().unwrap().header;
        let next_base_fee = ExecutionRules::ANVIL.next_base_fee(&head.inner);
        let _: serde_json::Value = l2
            .raw_request("anvil_setNextBlockBaseFeePerGas".into(), (U256::from(next_base_fee),))
            .await
            .unwrap();
        let _: serde_json::Value =
            l2.raw_request("anvil_dropAllTransactions".into(), ()).await.unwrap();
        // The node's clock too (a block a day ahead moved it).
        let _: serde_json::Value =
            l2.raw_request("evm_setTime".into(), (unix_now(),)).await.unwrap();
        liar.store().delete_batches_above(n).await.unwrap();
    }

    // A block earlier than the one before it: the liar's own program refuses to seal it, and every
    // attester asked for it refuses it by name.
    let head = l2.get_block_by_number(Default::default()).await.unwrap().unwrap().header;
    let _: serde_json::Value =
        l2.raw_request("evm_setTime".into(), (head.timestamp - 100,)).await.unwrap();
    let earlier = block_after(&l2, head.number).await;
    let err = liar.seal_now().await.unwrap_err();
    assert!(err.to_string().contains("before its parent's"), "{err}");
    let mut claim = honest.info.clone();
    claim.batchNumber = n + 1;
    let request = AttestRequest::new(chain_id, honest.last_block + 1, earlier, &claim);
    let claim_digest = digest_of(&eco, &claim).await;
    for a in &attesters {
        assert_eq!(refusal(ask(a, &request, claim_digest).await), "timestamp_decreased");
    }
    let _: serde_json::Value = l2.raw_request("evm_setTime".into(), (unix_now(),)).await.unwrap();

    // Another batch with the same number: refused as equivocation, also after kill -9 + restart.
    let mut other = honest.info.clone();
    other.newStateRoot = keccak256("a second batch n");
    let request = AttestRequest::new(chain_id, honest.first_block, honest.last_block, &other);
    let same = AttestRequest::new(chain_id, honest.first_block, honest.last_block, &honest.info);
    let (digest, other_digest) =
        (digest_of(&eco, &honest.info).await, digest_of(&eco, &other).await);
    for a in &attesters {
        // The operator stopped asking at 2 signatures: the third signs batch n now.
        ask(a, &same, digest).await.unwrap();
        assert_eq!(refusal(ask(a, &request, other_digest).await), "equivocation");
    }
    for a in attesters.iter_mut() {
        a.kill().await;
        a.restart().await.unwrap();
    }
    for a in &attesters {
        assert_eq!(refusal(ask(a, &request, other_digest).await), "equivocation", "after kill -9");
        // The batch it did sign is answered again, from its database.
        ask(a, &same, digest).await.unwrap();
    }

    // A chain it does not attest, and a commit that is not a CommitBatchInfo: refused by name.
    let unknown = AttestRequest { chain_id: 999, ..same.clone() };
    assert_eq!(refusal(ask(&attesters[0], &unknown, digest).await), "unknown_chain");
    let garbage = AttestRequest { commit: vec![1u8; 7].into(), ..same.clone() };
    assert_eq!(refusal(ask(&attesters[0], &garbage, digest).await), "bad_request");

    // Behind the batch: not yet (the chain's node has not got the blocks).
    let ahead = AttestRequest::new(chain_id, honest.last_block + 1, honest.last_block + 1000, &{
        let mut next = honest.info.clone();
        next.batchNumber = n + 1;
        next
    });
    match ask(&attesters[2], &ahead, B256::ZERO).await {
        Err(AttestationFailure::NotYet(why)) => assert!(why.contains("is at block"), "{why}"),
        other => panic!("expected not yet, got {other:?}"),
    }
    // The chain's RPC down: not yet, never a signature.
    let mut eco = eco;
    let node = eco.chains.remove(0);
    node.anvil.shutdown().await;
    match ask(&attesters[2], &ahead, B256::ZERO).await {
        Err(AttestationFailure::NotYet(why)) => assert!(why.contains("RPC"), "{why}"),
        other => panic!("expected not yet, got {other:?}"),
    }
    eco.shutdown().await;
}
