//! The attester set as separate `hyperchain-attester` processes (2 of 3) in front of the operator:
//! availability (one killed, two down, restart), lying operators, equivocation across `kill -9`,
//! and a chain whose RPC is down or behind.

use super::{config, deposit, l1_as, launch, seal};
use alloy::primitives::{Address, B256, U256, keccak256};
use hyperchain_attester::{
    AttestationDomain,
    api::{AttestRequest, AttestationFailure, request_attestation},
    batch_digest,
};
use hyperchain_bindings::{AssetTransfer, ChainSettlement, CommitBatchInfo};
use hyperchain_devnet::{AttesterProcess, Ecosystem, EcosystemConfig};
use hyperchain_operator::{BatchState, Operator, OperatorError};
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
        let err = liar.settle_once().await.unwrap_err();
        let OperatorError::AttestationsMissing { valid: 0, threshold: 2, failures, .. } = &err
        else {
            panic!("{expected}: expected AttestationsMissing with 0 valid, got {err}");
        };
        for a in &attesters {
            let refusal = format!("{}: refused {expected}", a.url);
            assert!(failures.contains(&refusal), "{expected}: {failures}");
        }
        assert_eq!(liar.l1_counters().await.unwrap().committed, n - 1, "{expected} reached L1");
    }

    // The honest claim settles.
    liar.store().upsert_synced_batch(&honest).await.unwrap();
    assert_eq!(liar.settle_once().await.unwrap().executed, vec![n]);

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
