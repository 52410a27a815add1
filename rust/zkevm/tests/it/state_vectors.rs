//! `test/vectors/state.json`: cross-chain view proofs from real anvil state, checked by
//! `test/l2/StateReader.t.sol`. The chain's genesis holds 10,000 funded accounts (the depth of a
//! busy chain's state trie) and a token-like contract with 1,000 balances in a mapping at slot 0;
//! the proofs are anvil's `eth_getProof` answers at block 0. The test fails if the committed
//! file is stale; regenerate it with `UPDATE_VECTORS=1 cargo test -p hyperchain-zkevm --test it
//! state_vectors`.

use alloy::{
    node_bindings::Anvil,
    primitives::{Address, B256, U256, keccak256},
    providers::ProviderBuilder,
    sol_types::SolValue,
};
use hyperchain_merkle::Tree;
use hyperchain_zkevm::{AccountProofs, account_proofs, transaction_root_leaf};
use serde_json::{Value, json};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/state.json");
const ACCOUNTS: u64 = 10_000;
const HOLDERS: u64 = 1_000;
const CHAIN_ID: u64 = 901;
const BATCH_NUMBER: u64 = 42;
/// Leaves of the Transaction Root the batch is proven in, and the batch's position.
const ROOT_LEAVES: u64 = 1_000;
const LEAF_INDEX: u64 = 733;

fn address(tag: &str, i: u64) -> Address {
    Address::from_slice(&keccak256([tag.as_bytes(), &i.to_be_bytes()].concat())[12..])
}

fn balance_slot(holder: Address) -> B256 {
    keccak256((holder, U256::ZERO).abi_encode())
}

fn hex_u(v: U256) -> String {
    format!("{v:#x}")
}

fn genesis(token: Address) -> Value {
    let mut alloc = serde_json::Map::new();
    for i in 0..ACCOUNTS {
        alloc.insert(
            address("account", i).to_string(),
            json!({ "balance": hex_u(U256::from(i + 1)) }),
        );
    }
    let mut storage = serde_json::Map::new();
    for i in 0..HOLDERS {
        let value = B256::from(U256::from(i + 1) * U256::from(10).pow(U256::from(18)));
        storage.insert(balance_slot(address("holder", i)).to_string(), json!(value.to_string()));
    }
    // Any code: the reader proves storage, it does not run the contract.
    alloc.insert(
        token.to_string(),
        json!({ "balance": "0x0", "nonce": "0x1", "code": "0x6001600055", "storage": storage }),
    );
    json!({
        "config": { "chainId": CHAIN_ID, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
            "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0,
            "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0, "shanghaiTime": 0,
            "cancunTime": 0 },
        "nonce": "0x0", "timestamp": "0x6774fe00", "extraData": "0x", "gasLimit": "0x1c9c380",
        "difficulty": "0x0", "coinbase": "0x0000000000000000000000000000000000000000",
        "alloc": alloc,
    })
}

fn proof_json(p: &AccountProofs) -> Value {
    json!({
        "account": p.account,
        "nonce": p.nonce,
        "balance": hex_u(p.balance),
        "storageRoot": p.storage_root,
        "codeHash": p.code_hash,
        "accountProof": p.account_proof,
        "slots": p.slots,
        "values": p.values,
        "storageProofs": p.storage_proofs,
    })
}

async fn render() -> String {
    let token = address("token", 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let genesis_path = dir.path().join("genesis.json");
    std::fs::write(&genesis_path, genesis(token).to_string()).expect("write genesis");
    let anvil = Anvil::new()
        .path(super::harness::repo_root().join("tools/bin/anvil"))
        .arg("--init")
        .arg(&genesis_path)
        .spawn();
    let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());

    let holders: Vec<Address> = (0..8).map(|i| address("holder", i * 97)).collect();
    let slots: Vec<B256> = holders.iter().map(|h| balance_slot(*h)).collect();
    let token_proofs = account_proofs(&provider, 0, token, &slots).await.expect("token proofs");
    let empty_slot = balance_slot(address("not a holder", 0));
    let empty = account_proofs(&provider, 0, token, &[empty_slot]).await.expect("empty slot");
    let funded = account_proofs(&provider, 0, address("account", 4_321), &[]).await.expect("eoa");
    let absent =
        account_proofs(&provider, 0, address("absent", 0), &[B256::ZERO]).await.expect("absent");
    let state_root = token_proofs.state_root;
    for p in [&empty, &funded, &absent] {
        assert_eq!(p.state_root, state_root, "one state at block 0");
    }
    for (i, value) in token_proofs.values.iter().enumerate() {
        let expected = U256::from(i as u64 * 97 + 1) * U256::from(10).pow(U256::from(18));
        assert_eq!(*value, B256::from(expected), "anvil holds the genesis storage");
    }
    assert_eq!(empty.values, vec![B256::ZERO]);
    assert_eq!(funded.balance, U256::from(4_322));

    let messages_root = keccak256("messages of batch 42");
    let leaves: Vec<B256> = (0..ROOT_LEAVES)
        .map(|i| {
            if i == LEAF_INDEX {
                transaction_root_leaf(U256::from(CHAIN_ID), BATCH_NUMBER, messages_root, state_root)
            } else {
                keccak256(i.to_be_bytes())
            }
        })
        .collect();
    let tree = Tree::new(&leaves);
    let proof = tree.proof(LEAF_INDEX).expect("leaf index below leaf count");

    let vectors = json!({
        "chainId": CHAIN_ID,
        "batchNumber": BATCH_NUMBER,
        "accounts": ACCOUNTS,
        "holders": HOLDERS,
        "transactionRoot": tree.root(),
        "messagesRoot": messages_root,
        "stateRoot": state_root,
        "batchProof": { "index": proof.index, "leafCount": proof.leaf_count, "siblings": proof.siblings },
        "token": proof_json(&token_proofs),
        "tokenHolders": holders,
        "emptySlot": proof_json(&empty),
        "funded": proof_json(&funded),
        "absent": proof_json(&absent),
    });
    serde_json::to_string_pretty(&vectors).expect("json") + "\n"
}

#[tokio::test]
async fn committed_state_vectors_are_current() {
    let expected = render().await;
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(PATH, &expected).expect("write vectors");
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == expected,
        "test/vectors/state.json is stale: run UPDATE_VECTORS=1 cargo test -p hyperchain-zkevm \
         --test it state_vectors"
    );
}
