//! Attestations accepted (and rejected) by the real L1 `AttestationVerifier` on anvil.

#[path = "../../../bindings/tests/it/harness.rs"]
mod harness;

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    signers::local::PrivateKeySigner,
    sol_types::SolValue,
};
use hyperchain_attester::{Attester, attestation_digest};
use hyperchain_bindings::{AttestationVerifier, CommitBatchInfo};

#[tokio::test]
async fn attestation_verifier_accepts_k_of_n_and_rejects_tampering() {
    let anvil = harness::anvil();
    let provider = harness::provider(&anvil);
    let members: Vec<PrivateKeySigner> = (0..3).map(|_| PrivateKeySigner::random()).collect();
    let all = Attester::new(members.clone()).unwrap();
    let version = U256::from(1);
    let verifier = AttestationVerifier::deploy(&provider, version, all.addresses(), U256::from(2))
        .await
        .unwrap();
    let l1 = U256::from(anvil.chain_id());
    let input = keccak256("batch public input");

    // Same digest as the contract and as the shared library.
    let digest = attestation_digest(l1, *verifier.address(), version, input);
    assert_eq!(verifier.digest(input).call().await.unwrap(), digest);
    let harness_addr = harness::deploy_harness(&provider).await;
    let ret = harness::call(
        &provider,
        harness_addr,
        "attestationDigest(uint256,address,uint256,bytes32)",
        (l1, *verifier.address(), version, input).abi_encode_params(),
    )
    .await;
    assert_eq!(B256::abi_decode(&ret).unwrap(), digest);

    // 3 of 3 and 2 of 3 are accepted.
    let proof = all.attest(l1, *verifier.address(), version, input).unwrap();
    verifier.verify(input, proof.clone()).call().await.unwrap();
    let two = Attester::new(members[..2].to_vec()).unwrap();
    verifier
        .verify(input, two.attest(l1, *verifier.address(), version, input).unwrap())
        .call()
        .await
        .unwrap();

    // 1 of 3, another public input, another verifier address, an outsider, reversed order: rejected.
    let one = Attester::new(members[..1].to_vec()).unwrap();
    let p = one.attest(l1, *verifier.address(), version, input).unwrap();
    assert!(verifier.verify(input, p).call().await.is_err(), "below threshold");
    assert!(
        verifier.verify(keccak256("other"), proof.clone()).call().await.is_err(),
        "other input"
    );
    let p = all.attest(l1, Address::repeat_byte(1), version, input).unwrap();
    assert!(verifier.verify(input, p).call().await.is_err(), "other verifier");
    let outsiders = Attester::new(vec![members[0].clone(), PrivateKeySigner::random()]).unwrap();
    let p = outsiders.attest(l1, *verifier.address(), version, input).unwrap();
    assert!(verifier.verify(input, p).call().await.is_err(), "outsider");
    let mut reversed = Vec::new();
    for sig in proof.chunks(65).rev() {
        reversed.extend_from_slice(sig);
    }
    assert!(verifier.verify(input, reversed.into()).call().await.is_err(), "unsorted");
}

#[tokio::test]
async fn attester_signs_only_batches_that_validate() {
    use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
    use hyperchain_attester::{AttestationDomain, AttesterError, BatchClaim};
    use hyperchain_zkevm::{
        BatchContext, ExecutionRules, L1View, build_witness, da_commitment, validate_batch,
    };

    let anvil = harness::anvil();
    let provider = harness::provider(&anvil);
    // One block first so that the batch's previous header commits to the state.
    let to = anvil.addresses()[1];
    let send = |value: u64| {
        let provider = provider.clone();
        async move {
            let tx = TransactionRequest::default().with_to(to).with_value(U256::from(value));
            provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        }
    };
    send(1).await;
    let first = provider.get_block_number().await.unwrap() + 1;
    send(2).await;
    send(3).await;
    let last = provider.get_block_number().await.unwrap();
    let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
    let context = BatchContext {
        l1_chain_id: U256::from(1),
        chain_id: U256::from(anvil.chain_id()),
        next_message_nonce: U256::ZERO,
        priority_requests_processed: 0,
        priority_requests_hash: B256::ZERO,
        prev_block_hash: blocks.blocks[0].header.parent_hash,
    };
    let rules = ExecutionRules::ANVIL;
    let validated =
        validate_batch(&blocks, &witness, witness.prev_state_root, &context, None, &rules).unwrap();
    // Not the chain's first batch (plain anvil has no system contracts to check at genesis).
    let commit = validated.commit_batch_info(2, da_commitment(&validated.pubdata));
    let attester = Attester::new((0..2).map(|_| PrivateKeySigner::random()).collect()).unwrap();
    let domain = AttestationDomain {
        l1_chain_id: U256::from(1),
        verifier: Address::repeat_byte(0x11),
        protocol_version: U256::from(1),
    };
    let claim = BatchClaim {
        blocks: &blocks,
        witness: &witness,
        prev_state_root: witness.prev_state_root,
        context: &context,
        commit: &commit,
        predeploys: &[],
        l1: &L1View {
            timestamp: blocks.blocks.last().unwrap().header.timestamp,
            max_timestamp_ahead: 60,
            ..L1View::default()
        },
    };
    let signed = attester.attest_batch(&domain, &claim, &rules).unwrap();
    let input = hyperchain_zkevm::public_input(
        context.chain_id,
        witness.prev_state_root,
        context.prev_block_hash,
        &commit,
    );
    assert_eq!(
        signed.proof,
        attester
            .attest(domain.l1_chain_id, domain.verifier, domain.protocol_version, input)
            .unwrap()
    );
    assert_eq!(
        signed.digest,
        attestation_digest(domain.l1_chain_id, domain.verifier, domain.protocol_version, input)
    );
    assert_eq!(signed.digest, claim.digest(&domain));

    // A claimed state root that re-execution does not produce: no signature.
    let mut wrong = commit.clone();
    wrong.newStateRoot = keccak256("wrong");
    let err = attester
        .attest_batch(&domain, &BatchClaim { commit: &wrong, ..claim }, &rules)
        .unwrap_err();
    assert!(matches!(err, AttesterError::Invalid(_)), "{err}");
    // As batch 1 without a published canonical genesis to check: no signature.
    let first_batch = CommitBatchInfo { batchNumber: 1, ..commit.clone() };
    let err = attester
        .attest_batch(&domain, &BatchClaim { commit: &first_batch, ..claim }, &rules)
        .unwrap_err();
    assert!(
        matches!(err, AttesterError::Invalid(hyperchain_zkevm::ValidationError::NoPredeployCodes)),
        "{err}"
    );
    // A wrong previous root: no signature.
    let err = attester
        .attest_batch(&domain, &BatchClaim { prev_state_root: keccak256("x"), ..claim }, &rules)
        .unwrap_err();
    assert!(matches!(err, AttesterError::Invalid(_)), "{err}");
    // Blocks that do not continue the last block L1 holds for the previous batch (a fork, or a
    // node that rewrote its history): no signature, whatever the claim.
    let forked = BatchContext { prev_block_hash: keccak256("a fork's block"), ..context.clone() };
    let err = attester
        .attest_batch(&domain, &BatchClaim { context: &forked, ..claim }, &rules)
        .unwrap_err();
    assert!(
        matches!(
            err,
            AttesterError::Invalid(hyperchain_zkevm::ValidationError::BrokenHeaderChain { .. })
        ),
        "{err}"
    );
    // A claimed last block hash that is not the batch's: no signature.
    let mut wrong = commit.clone();
    wrong.lastBlockHash = keccak256("another block");
    let err = attester
        .attest_batch(&domain, &BatchClaim { commit: &wrong, ..claim }, &rules)
        .unwrap_err();
    assert!(
        matches!(
            err,
            AttesterError::Invalid(hyperchain_zkevm::ValidationError::ClaimMismatch {
                field: "lastBlockHash",
                ..
            })
        ),
        "{err}"
    );
}
