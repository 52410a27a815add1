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
    BatchBlocks, BatchContext, ExecutionRules, StateDiff, ValidationError, build_witness,
    da_commitment, validate_batch,
};

/// Init code deploying `runtime`.
pub(crate) fn init_code(runtime: &[u8]) -> Bytes {
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

/// The context of `blocks` continuing the node's chain: the previous last block hash is the first
/// block's parent, as L1 holds it for an honest previous batch.
pub(crate) fn ctx(blocks: &BatchBlocks) -> BatchContext {
    BatchContext {
        l1_chain_id: U256::from(L1),
        chain_id: U256::from(L2),
        next_message_nonce: U256::ZERO,
        priority_requests_processed: 0,
        priority_requests_hash: B256::ZERO,
        prev_block_hash: blocks.blocks[0].header.parent_hash,
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
    system_call(
        &url,
        Inbox::executePriorityRequestCall { message: deposit, l2GasLimit: U256::from(100_000) }
            .abi_encode(),
    )
    .await;
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
        validate_batch(&blocks, &witness, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap();

    // Outputs agree with the L2 contracts.
    let inbox = Inbox::new(predeploys::INBOX, &provider);
    assert_eq!(validated.transactions as u64, last - first + 1);
    assert_eq!(validated.outputs.imported_roots, vec![keccak256("root")]);
    assert_eq!(
        validated.outputs.priority_requests_hash,
        inbox.priorityRequestsHash().call().await.unwrap()
    );
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
    validated.check_claim(&claim).unwrap();
    let mut wrong_claim = claim.clone();
    wrong_claim.messagesRoot = keccak256("other messages");
    let err = validated.check_claim(&wrong_claim).unwrap_err();
    assert!(matches!(err, ValidationError::ClaimMismatch { field: "messagesRoot", .. }), "{err}");
    let mut wrong_claim = claim.clone();
    // A DA commitment other than keccak256(pubdata), whatever the DA mode (a validium committee
    // signing another commitment does not make the batch's data available).
    wrong_claim.daCommitment = keccak256("other pubdata");
    let err = validated.check_claim(&wrong_claim).unwrap_err();
    assert!(matches!(err, ValidationError::ClaimMismatch { field: "daCommitment", .. }), "{err}");

    // Wrong previous root.
    let err = validate_batch(
        &blocks,
        &witness,
        keccak256("x"),
        &ctx(&blocks),
        None,
        &ExecutionRules::ANVIL,
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::WrongPreviousRoot { .. }), "{err}");

    // Tampered witness value: a richer sender.
    let mut tampered = witness.clone();
    let i = tampered.accounts.iter().position(|a| a.address == user).unwrap();
    tampered.accounts[i].balance += U256::from(1);
    let err =
        validate_batch(&blocks, &tampered, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(matches!(err, ValidationError::BadAccountProof { .. }), "{err}");

    // Tampered witness slot value.
    let mut tampered = witness.clone();
    let i = tampered.accounts.iter().position(|a| a.address == predeploys::INBOX).unwrap();
    let slot = tampered.accounts[i].storage_proof.iter_mut().next().expect("inbox slot in witness");
    slot.value += U256::from(1);
    let err =
        validate_batch(&blocks, &tampered, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(matches!(err, ValidationError::BadStorageProof { .. }), "{err}");

    // Missing witness entry.
    let mut missing = witness.clone();
    missing.accounts.retain(|a| a.address != other);
    let err =
        validate_batch(&blocks, &missing, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
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
        validate_batch(&tampered, &witness, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(
        matches!(err, ValidationError::HeaderMismatch { what: "transactions root", .. }),
        "{err}"
    );

    // A node that serves a block with another timestamp (far ahead) than the one its successor's
    // parent hash commits to: the computed header hash no longer links.
    let mut tampered = blocks.clone();
    tampered.blocks[0].header.inner.timestamp += 86_400;
    let err =
        validate_batch(&tampered, &witness, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(
        matches!(err, ValidationError::BrokenHeaderChain { block, .. } if block == first + 1),
        "{err}"
    );
    // Blocks that do not continue the previous batch's last block (L1's): refused at the first.
    let forked = BatchContext { prev_block_hash: keccak256("a fork's block"), ..ctx(&blocks) };
    let err = validate_batch(&blocks, &witness, prev_root, &forked, None, &ExecutionRules::ANVIL)
        .unwrap_err();
    assert!(
        matches!(err, ValidationError::BrokenHeaderChain { block, .. } if block == first),
        "{err}"
    );
    // The honest batch's last block hash is the node's (computed from the header).
    assert_eq!(validated.last_block_hash, blocks.blocks.last().unwrap().header.hash);

    // Claimed new state root (last header) differs from the recomputed one.
    let mut tampered = blocks.clone();
    let last_block = tampered.blocks.last_mut().unwrap();
    last_block.header.inner.state_root = keccak256("not the state root");
    let err =
        validate_batch(&tampered, &witness, prev_root, &ctx(&blocks), None, &ExecutionRules::ANVIL)
            .unwrap_err();
    assert!(matches!(err, ValidationError::StateRootMismatch { .. }), "{err}");

    // The next batch clears the store's only slot (a trie deletion) and sends a plain transfer.
    let first2 = last + 1;
    send(&provider, TransactionRequest::default().with_to(store).with_input(vec![0u8; 32])).await;
    send(&provider, TransactionRequest::default().with_to(other).with_value(U256::from(1))).await;
    let last2 = provider.get_block_number().await.unwrap();
    let (blocks2, witness2) = build_witness(&provider, first2, last2).await.unwrap();
    let next_ctx = BatchContext {
        next_message_nonce: validated.outputs.next_message_nonce,
        priority_requests_processed: validated.outputs.priority_requests_processed,
        priority_requests_hash: validated.outputs.priority_requests_hash,
        prev_block_hash: validated.last_block_hash,
        ..ctx(&blocks2)
    };
    let validated2 = validate_batch(
        &blocks2,
        &witness2,
        validated.state_root,
        &next_ctx,
        None,
        &ExecutionRules::ANVIL,
    );
    let validated2 = validated2.unwrap();
    assert_eq!(validated2.state_diff.accounts[&store].storage[&B256::ZERO], U256::ZERO);
    assert_eq!(validated2.state_root, blocks2.blocks.last().unwrap().header.state_root);

    // Wrong context: the priority queue does not continue.
    let wrong = BatchContext { priority_requests_processed: 5, ..ctx(&blocks) };
    let err = validate_batch(&blocks, &witness, prev_root, &wrong, None, &ExecutionRules::ANVIL)
        .unwrap_err();
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
    let err = validate_batch(
        &blocks,
        &witness,
        witness.prev_state_root,
        &ctx(&blocks),
        None,
        &ExecutionRules::ANVIL,
    )
    .unwrap_err();
    assert!(
        matches!(err, ValidationError::SystemTransactionNotEntryPoint { to, .. }
            if to == Some(anvil.addresses()[1])),
        "{err}"
    );
}

alloy::sol! {
    #[sol(rpc)]
    interface ITestToken {
        function mint(address to, uint256 amount) external;
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

/// Creation code of the `L1TestToken` mock (an OpenZeppelin ERC-20 with a public mint) with
/// constructor arguments `(name, symbol)`.
pub(crate) fn test_token_code(name: &str, symbol: &str) -> Bytes {
    use alloy::sol_types::SolValue;
    let path = harness::repo_root().join("out/Mocks.sol/L1TestToken.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("L1TestToken artifact"))
            .expect("artifact json");
    let code: Bytes = json["bytecode"]["object"].as_str().expect("bytecode").parse().unwrap();
    [code.to_vec(), (name.to_string(), symbol.to_string()).abi_encode_params()].concat().into()
}

/// Bridging an L2-native ERC-20 locks it in the asset router (`transferFrom(user → router)`):
/// the batch re-executes and the recomputed state root is the node's.
#[tokio::test]
async fn native_token_bridge_batch_recomputes_the_state_root() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    install_predeploys(&provider).await;
    let router = hyperchain_bindings::AssetRouter::deploy(
        &provider,
        U256::from(L1),
        Address::repeat_byte(0x5b),
    )
    .await
    .unwrap();
    let code = provider.get_code_at(*router.address()).await.unwrap();
    let _: () = provider
        .raw_request("anvil_setCode".into(), (predeploys::ASSET_ROUTER, code))
        .await
        .unwrap();
    let _: String = provider.raw_request("evm_mine".into(), ()).await.unwrap();
    let user = anvil.addresses()[0];
    let first = provider.get_block_number().await.unwrap() + 1;

    // The batch: deploy, mint, approve, bridge to another hyperchain.
    let token = send(
        &provider,
        TransactionRequest::default().with_deploy_code(test_token_code("Native", "NAT")),
    )
    .await
    .contract_address
    .unwrap();
    let erc20 = ITestToken::new(token, &provider);
    let amount = U256::from(10u64).pow(U256::from(18));
    erc20.mint(user, amount * U256::from(2)).send().await.unwrap().get_receipt().await.unwrap();
    erc20
        .approve(predeploys::ASSET_ROUTER, amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let router = hyperchain_bindings::AssetRouter::new(predeploys::ASSET_ROUTER, &provider);
    let receipt = router
        .bridgeERC20(U256::from(OTHER_L2), token, user, amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "bridgeERC20 reverted");
    let last = provider.get_block_number().await.unwrap();

    let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
    let result = validate_batch(
        &blocks,
        &witness,
        witness.prev_state_root,
        &ctx(&blocks),
        None,
        &ExecutionRules::ANVIL,
    );
    if let Err(err) = &result {
        debug_compare(&provider, &witness, last).await;
        panic!("{err}");
    }
    let validated = result.unwrap();
    assert_eq!(validated.state_root, blocks.blocks.last().unwrap().header.state_root);
    assert_eq!(validated.outputs.messages.len(), 1);
    // The router's storage now holds the zero leaves of `_origins[token]` (only read).
    let router_root = provider.get_proof(predeploys::ASSET_ROUTER, vec![]).await.unwrap();
    assert_ne!(router_root.storage_hash, alloy_trie::EMPTY_ROOT_HASH);

    // A second bridge of the same token, from a pre-state holding those rlp(0) leaves.
    let first2 = last + 1;
    erc20
        .approve(predeploys::ASSET_ROUTER, amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    router
        .bridgeERC20(U256::from(OTHER_L2), token, user, amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let last2 = provider.get_block_number().await.unwrap();
    let (blocks2, witness2) = build_witness(&provider, first2, last2).await.unwrap();
    let next_ctx = BatchContext {
        next_message_nonce: validated.outputs.next_message_nonce,
        priority_requests_processed: validated.outputs.priority_requests_processed,
        priority_requests_hash: validated.outputs.priority_requests_hash,
        prev_block_hash: validated.last_block_hash,
        ..ctx(&blocks2)
    };
    let validated2 = validate_batch(
        &blocks2,
        &witness2,
        validated.state_root,
        &next_ctx,
        None,
        &ExecutionRules::ANVIL,
    )
    .unwrap();
    assert_eq!(validated2.state_root, blocks2.blocks.last().unwrap().header.state_root);
}

/// Prints, for every witness account and slot, the node's proof after the batch.
async fn debug_compare(provider: &DynProvider, witness: &hyperchain_zkevm::Witness, last: u64) {
    for acc in &witness.accounts {
        let slots: Vec<B256> = acc.storage_proof.iter().map(|s| s.key.as_b256()).collect();
        let after = provider.get_proof(acc.address, slots).number(last).await.unwrap();
        eprintln!(
            "{} nonce {}→{} bal {}→{} storage {}→{}",
            acc.address,
            acc.nonce,
            after.nonce,
            acc.balance,
            after.balance,
            acc.storage_hash,
            after.storage_hash
        );
        for (b, a) in acc.storage_proof.iter().zip(&after.storage_proof) {
            let leaf = |p: &[Bytes]| p.last().map(alloy::hex::encode).unwrap_or_default();
            eprintln!(
                "  slot {} {}→{} last node after: {}",
                a.key.as_b256(),
                b.value,
                a.value,
                leaf(&a.proof)
            );
        }
    }
}

/// Reads slot 5 and reverts.
const READ_AND_REVERT: &[u8] = &[0x60, 0x05, 0x54, 0x50, 0x60, 0x00, 0x60, 0x00, 0xfd];

/// A zero slot read only by a reverted call is kept by anvil as an rlp(0) leaf for an account it
/// did not create (here `anvil_setCode`, like the genesis predeploys) but not for a contract it
/// created: both batches validate.
#[tokio::test]
async fn zero_slot_read_by_a_reverted_call_validates() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    install_predeploys(&provider).await;
    let created =
        send(&provider, TransactionRequest::default().with_deploy_code(init_code(READ_AND_REVERT)))
            .await
            .contract_address
            .unwrap();
    let set = Address::repeat_byte(0x77);
    let _: () = provider
        .raw_request("anvil_setCode".into(), (set, Bytes::from_static(READ_AND_REVERT)))
        .await
        .unwrap();
    let _: String = provider.raw_request("evm_mine".into(), ()).await.unwrap();
    let first = provider.get_block_number().await.unwrap() + 1;
    for to in [created, set] {
        let r =
            send(&provider, TransactionRequest::default().with_to(to).with_gas_limit(50_000)).await;
        assert!(!r.status());
    }
    let last = provider.get_block_number().await.unwrap();
    let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
    let result = validate_batch(
        &blocks,
        &witness,
        witness.prev_state_root,
        &ctx(&blocks),
        None,
        &ExecutionRules::ANVIL,
    );
    if let Err(err) = &result {
        debug_compare(&provider, &witness, last).await;
        panic!("{err}");
    }
    // The two accounts really differ: anvil kept the read slot of one of them only.
    let kept = provider.get_proof(set, vec![B256::with_last_byte(5)]).await.unwrap();
    let dropped = provider.get_proof(created, vec![B256::with_last_byte(5)]).await.unwrap();
    assert_ne!(kept.storage_hash, alloy_trie::EMPTY_ROOT_HASH);
    assert_eq!(dropped.storage_hash, alloy_trie::EMPTY_ROOT_HASH);
}
