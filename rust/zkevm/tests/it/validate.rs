//! The validity program re-executes real anvil batches and rejects tampered inputs.

use crate::{
    commitment::{L1, L2, OTHER_L2, install_predeploys, system_call},
    harness,
};
use alloy::{
    consensus::{Signed, TxEnvelope},
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{BlockTransactions, TransactionRequest},
    sol_types::SolCall,
};
use hyperchain_bindings::{Inbox, Message, Outbox, interop_address, predeploys};
use hyperchain_zkevm::{
    BatchContext, ExecutionRules, StateDiff, ValidationError, build_witness, da_commitment,
    validate_batch,
};

/// Init code deploying `runtime`.
fn init_code(runtime: &[u8]) -> Bytes {
    let n = runtime.len() as u8;
    let mut code = vec![0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// Stores calldata word 0 in slot 0 (zero clears it).
const STORE: &[u8] = &[0x60, 0x00, 0x35, 0x60, 0x00, 0x55, 0x00];
/// Always reverts.
const REVERTER: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];

async fn send(
    provider: &DynProvider,
    tx: TransactionRequest,
) -> alloy::rpc::types::TransactionReceipt {
    provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap()
}

fn ctx() -> BatchContext {
    BatchContext {
        l1_chain_id: U256::from(L1),
        chain_id: U256::from(L2),
        next_message_nonce: U256::ZERO,
        priority_ops_count: 0,
        priority_ops_hash: B256::ZERO,
    }
}

#[tokio::test]
async fn real_batch_reexecutes_and_tampering_is_rejected() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    let url = anvil.endpoint();
    install_predeploys(&provider).await;
    let user = anvil.addresses()[0];
    let other = anvil.addresses()[2];
    // Contracts used by the batch are deployed before it.
    let store = send(&provider, TransactionRequest::default().with_deploy_code(init_code(STORE)))
        .await
        .contract_address
        .unwrap();
    let first = provider.get_block_number().await.unwrap() + 1;

    // The batch: a transfer, a deployment, storage write / overwrite / clear, a reverting call,
    // a root import, a deposit, and an outbound message.
    send(&provider, TransactionRequest::default().with_to(other).with_value(U256::from(12345)))
        .await;
    let reverter =
        send(&provider, TransactionRequest::default().with_deploy_code(init_code(REVERTER)))
            .await
            .contract_address
            .unwrap();
    for value in [7u64, 9, 0, 11] {
        let data = U256::from(value).to_be_bytes::<32>().to_vec();
        send(&provider, TransactionRequest::default().with_to(store).with_input(data)).await;
    }
    let reverted =
        send(&provider, TransactionRequest::default().with_to(reverter).with_gas_limit(50_000))
            .await;
    assert!(!reverted.status());
    system_call(&url, Inbox::importTransactionRootCall { root: keccak256("root") }.abi_encode())
        .await;
    let deposit = Message {
        sourceChainId: U256::from(L1),
        destinationChainId: U256::from(L2),
        nonce: U256::ZERO,
        sender: Address::repeat_byte(0xbb),
        recipient: other,
        value: U256::from(1000),
        fee: U256::from(1),
        payload: Bytes::new(),
    };
    system_call(&url, Inbox::executePriorityMessageCall { message: deposit }.abi_encode()).await;
    let outbox = Outbox::new(predeploys::OUTBOX, &provider);
    outbox
        .sendMessage(interop_address(U256::from(OTHER_L2), user), Bytes::from_static(b"hi"), vec![])
        .value(U256::from(50))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let last = provider.get_block_number().await.unwrap();

    let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
    let prev_root = witness.prev_state_root;
    let validated =
        validate_batch(&blocks, &witness, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap();

    // Outputs agree with the L2 contracts.
    let inbox = Inbox::new(predeploys::INBOX, &provider);
    assert_eq!(validated.transactions as u64, last - first + 1);
    assert_eq!(validated.outputs.imported_roots, vec![keccak256("root")]);
    assert_eq!(validated.outputs.priority_ops_hash, inbox.priorityOpsHash().call().await.unwrap());
    assert_eq!(validated.outputs.messages.len(), 1);
    assert_eq!(validated.outputs.next_message_nonce, outbox.nonce().call().await.unwrap());
    // The state diff holds the final value of the store slot once (written 4 times, last 11),
    // and the transfer recipient's final balance.
    let slot0 = validated.state_diff.accounts[&store].storage[&B256::ZERO];
    assert_eq!(slot0, U256::from(11));
    assert_eq!(
        validated.state_diff.accounts[&other].balance,
        Some(provider.get_balance(other).await.unwrap())
    );
    assert_eq!(
        validated.state_diff.accounts[&reverter].code.as_ref().map(|c| c.to_vec()),
        Some(REVERTER.to_vec())
    );
    assert_eq!(StateDiff::decode(&validated.pubdata).unwrap(), validated.state_diff);
    assert_ne!(da_commitment(&validated.pubdata), B256::ZERO);

    // The honest claim passes; a claim with another messages root is refused by name.
    let claim = validated.commit_batch_info(1, da_commitment(&validated.pubdata));
    validated.check_claim(&claim, true).unwrap();
    let mut wrong_claim = claim.clone();
    wrong_claim.messagesRoot = keccak256("other messages");
    let err = validated.check_claim(&wrong_claim, true).unwrap_err();
    assert!(matches!(err, ValidationError::ClaimMismatch { field: "messagesRoot", .. }), "{err}");
    let mut wrong_claim = claim.clone();
    wrong_claim.daCommitment = keccak256("other pubdata");
    assert!(validated.check_claim(&wrong_claim, true).is_err());

    // Wrong previous root.
    let err = validate_batch(&blocks, &witness, keccak256("x"), &ctx(), &ExecutionRules::ANVIL)
        .unwrap_err();
    assert!(matches!(err, ValidationError::WrongPreviousRoot { .. }), "{err}");

    // Tampered witness value: a richer sender.
    let mut tampered = witness.clone();
    let i = tampered.accounts.iter().position(|a| a.address == user).unwrap();
    tampered.accounts[i].balance += U256::from(1);
    let err =
        validate_batch(&blocks, &tampered, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap_err();
    assert!(matches!(err, ValidationError::BadAccountProof { .. }), "{err}");

    // Tampered witness slot value.
    let mut tampered = witness.clone();
    let i = tampered.accounts.iter().position(|a| a.address == predeploys::INBOX).unwrap();
    let slot = tampered.accounts[i].storage_proof.iter_mut().next().expect("inbox slot in witness");
    slot.value += U256::from(1);
    let err =
        validate_batch(&blocks, &tampered, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap_err();
    assert!(matches!(err, ValidationError::BadStorageProof { .. }), "{err}");

    // Missing witness entry.
    let mut missing = witness.clone();
    missing.accounts.retain(|a| a.address != other);
    let err =
        validate_batch(&blocks, &missing, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap_err();
    assert!(matches!(err, ValidationError::MissingWitness(_)), "{err}");

    // Tampered transaction: the transfer's value changed under its signature.
    let mut tampered = blocks.clone();
    let BlockTransactions::Full(txs) = &mut tampered.blocks[0].transactions else { panic!("full") };
    let TxEnvelope::Eip1559(signed) = txs[0].inner.inner().clone() else { panic!("1559") };
    let (mut tx, sig, _) = signed.into_parts();
    tx.value += U256::from(1);
    let forged = TxEnvelope::Eip1559(Signed::new_unhashed(tx, sig));
    txs[0].inner = alloy::consensus::transaction::Recovered::new_unchecked(forged, user);
    let err =
        validate_batch(&tampered, &witness, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap_err();
    assert!(
        matches!(
            err,
            ValidationError::MissingWitness(_)
                | ValidationError::InvalidTransaction { .. }
                | ValidationError::HeaderMismatch { .. }
        ),
        "{err}"
    );

    // Claimed new state root (last header) differs from the recomputed one.
    let mut tampered = blocks.clone();
    let last_block = tampered.blocks.last_mut().unwrap();
    last_block.header.inner.state_root = keccak256("not the state root");
    let err =
        validate_batch(&tampered, &witness, prev_root, &ctx(), &ExecutionRules::ANVIL).unwrap_err();
    assert!(matches!(err, ValidationError::StateRootMismatch { .. }), "{err}");

    // The next batch clears the store's only slot (a trie deletion) and sends a plain transfer.
    let next_ctx = BatchContext {
        next_message_nonce: validated.outputs.next_message_nonce,
        priority_ops_count: validated.outputs.priority_ops_count,
        priority_ops_hash: validated.outputs.priority_ops_hash,
        ..ctx()
    };
    let first2 = last + 1;
    send(&provider, TransactionRequest::default().with_to(store).with_input(vec![0u8; 32])).await;
    send(&provider, TransactionRequest::default().with_to(other).with_value(U256::from(1))).await;
    let last2 = provider.get_block_number().await.unwrap();
    let (blocks2, witness2) = build_witness(&provider, first2, last2).await.unwrap();
    let validated2 = validate_batch(
        &blocks2,
        &witness2,
        validated.state_root,
        &next_ctx,
        &ExecutionRules::ANVIL,
    );
    let validated2 = validated2.unwrap();
    assert_eq!(validated2.state_diff.accounts[&store].storage[&B256::ZERO], U256::ZERO);
    assert_eq!(validated2.state_root, blocks2.blocks.last().unwrap().header.state_root);

    // Wrong context: the priority queue does not continue.
    let wrong = BatchContext { priority_ops_count: 5, ..ctx() };
    let err =
        validate_batch(&blocks, &witness, prev_root, &wrong, &ExecutionRules::ANVIL).unwrap_err();
    assert!(matches!(err, ValidationError::Commitment(_)), "{err}");
}

#[tokio::test]
async fn unsigned_system_sender_is_refused_outside_system_entry_points() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    install_predeploys(&provider).await;
    let first = provider.get_block_number().await.unwrap() + 1;
    // SYSTEM_CALLER (impersonated, unsigned) sends plain ETH: not a system entry point.
    let raw = ProviderBuilder::new().connect_http(anvil.endpoint_url());
    let tx = TransactionRequest::default()
        .with_from(predeploys::SYSTEM_CALLER)
        .with_to(anvil.addresses()[1])
        .with_value(U256::from(1));
    raw.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    let (blocks, witness) = build_witness(&provider, first, first).await.unwrap();
    let err =
        validate_batch(&blocks, &witness, witness.prev_state_root, &ctx(), &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(matches!(err, ValidationError::BadTransaction { .. }), "{err}");
}
