//! Cross-chain view proofs against a real chain's state: over random storage layouts (a contract
//! writing random slots with random values, zero among them, so slots are set, overwritten and
//! cleared; random accounts funded around it; slots never written), the values
//! `StateProofs.verifyStorage` (what `StateReader.readStorage` and L1 readers run) returns for the
//! proof `account_proofs` builds from anvil's `eth_getProof` are what `eth_getStorageAt` says at
//! that block, and what the writes left.

use std::collections::HashMap;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolValue,
};
use hyperchain_bindings::MerkleProof;
use hyperchain_merkle::Tree;
use hyperchain_zkevm::{account_proofs, transaction_root_leaf};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};

use super::harness;

/// `sstore(calldataload(0), calldataload(32))`: writes the slot and value it is called with.
const WRITER: &[u8] = &[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];
const CHAIN_ID: u64 = 901;

#[derive(Clone, Debug)]
struct Layout {
    /// (slot, value) in write order: slots from a small set (so they repeat) or anywhere.
    writes: Vec<(U256, U256)>,
    /// Accounts funded around the contract.
    funded: Vec<Address>,
    /// Slots read besides the written ones (almost surely never written).
    unwritten: Vec<U256>,
    /// Leaves of the Transaction Root before and after the batch's.
    leaves_before: usize,
    leaves_after: usize,
}

fn layout() -> impl Strategy<Value = Layout> {
    let slot = prop_oneof![
        (0u64..6).prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes)
    ];
    let value = prop_oneof![
        Just(U256::ZERO),
        (1u64..4).prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
    ];
    (
        vec((slot, value), 1..16),
        vec(any::<[u8; 20]>().prop_map(Address::from), 0..5),
        vec(any::<[u8; 32]>().prop_map(U256::from_be_bytes), 0..3),
        0usize..6,
        0usize..6,
    )
        .prop_map(|(writes, funded, unwritten, leaves_before, leaves_after)| Layout {
            writes,
            funded,
            unwritten,
            leaves_before,
            leaves_after,
        })
}

#[test]
fn verified_storage_equals_the_nodes_storage_for_random_layouts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let anvil = harness::anvil();
    let provider = harness::provider(&anvil);
    let verifier = rt.block_on(harness::deploy_harness(&provider));
    let mut runner =
        TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let case = std::cell::Cell::new(0u64);
    runner
        .run(&layout(), |layout| {
            case.set(case.get() + 1);
            rt.block_on(check(&provider, verifier, case.get(), &layout))
        })
        .unwrap();
}

async fn check(
    provider: &alloy::providers::DynProvider,
    verifier: Address,
    case: u64,
    layout: &Layout,
) -> Result<(), TestCaseError> {
    // A fresh contract per case; the chain's state trie grows across cases.
    let writer = Address::from_slice(&keccak256(format!("writer {case}"))[12..]);
    provider
        .raw_request::<_, ()>(
            "anvil_setCode".into(),
            (writer, alloy::primitives::Bytes::from(WRITER)),
        )
        .await
        .map_err(|e| TestCaseError::fail(format!("anvil_setCode: {e}")))?;
    let mut model: HashMap<U256, U256> = HashMap::new();
    for (slot, value) in &layout.writes {
        let tx =
            TransactionRequest::default().with_to(writer).with_input((*slot, *value).abi_encode());
        send(provider, tx).await?;
        model.insert(*slot, *value);
    }
    for to in &layout.funded {
        send(provider, TransactionRequest::default().with_to(*to).with_value(U256::from(case)))
            .await?;
    }
    let block = provider.get_block_number().await.map_err(fail)?;

    let mut slots: Vec<U256> = model.keys().copied().collect();
    slots.sort();
    slots.extend(&layout.unwritten);
    let slots: Vec<B256> = slots.into_iter().map(B256::from).collect();
    let absent = Address::from_slice(&keccak256(format!("never touched {case}"))[12..]);
    for (account, slots) in [(writer, slots.clone()), (absent, slots[..1].to_vec())] {
        let proofs = account_proofs(provider, block, account, &slots).await.map_err(fail)?;
        let messages_root = keccak256(format!("messages of batch {case}"));
        let leaf =
            transaction_root_leaf(U256::from(CHAIN_ID), case, messages_root, proofs.state_root);
        let mut leaves: Vec<B256> =
            (0..layout.leaves_before).map(|i| keccak256(format!("before {i}"))).collect();
        leaves.push(leaf);
        leaves.extend((0..layout.leaves_after).map(|i| keccak256(format!("after {i}"))));
        let tree = Tree::new(&leaves);
        let batch_proof: MerkleProof = tree
            .proof(layout.leaves_before as u64)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .into();
        let values = proofs.values.clone();
        let proof = proofs.into_state_proof(tree.root(), messages_root, batch_proof);
        let returned = harness::call(
            provider,
            verifier,
            "verifyStorage(uint256,uint64,address,bytes32[],(bytes32,bytes32,bytes32,(uint256,uint256,bytes32[]),bytes[],bytes[][]))",
            (U256::from(CHAIN_ID), case, account, slots.clone(), proof).abi_encode_params(),
        )
        .await;
        let verified = <Vec<B256>>::abi_decode(&returned).map_err(fail)?;
        for (i, slot) in slots.iter().enumerate() {
            let node = provider
                .get_storage_at(account, U256::from_be_bytes(slot.0))
                .block_id(block.into())
                .await
                .map_err(fail)?;
            let key = U256::from_be_bytes(slot.0);
            let written = if account == writer { model.get(&key).copied() } else { None };
            let expected = written.unwrap_or_default();
            prop_assert_eq!(
                node,
                expected,
                "eth_getStorageAt({}, {}) against the writes",
                account,
                slot
            );
            prop_assert_eq!(
                U256::from_be_bytes(verified[i].0),
                node,
                "verified {} of {}",
                slot,
                account
            );
            prop_assert_eq!(values[i], verified[i], "the builder's value of {}", slot);
        }
    }
    Ok(())
}

async fn send(
    provider: &alloy::providers::DynProvider,
    tx: TransactionRequest,
) -> Result<(), TestCaseError> {
    let receipt =
        provider.send_transaction(tx).await.map_err(fail)?.get_receipt().await.map_err(fail)?;
    prop_assert!(receipt.status(), "transaction reverted");
    Ok(())
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}
