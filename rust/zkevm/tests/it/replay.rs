//! The state a third party rebuilds from a chain's genesis and its batches' pubdata alone has the
//! state root the validity program attests (and the node's), whatever the batch did.

use crate::{
    commitment::L2,
    harness,
    validate::{init_code, test_token_code},
};
use alloy::{
    consensus::BlockHeader,
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256, address},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use hyperchain_zkevm::{
    BatchContext, ExecutionRules, StateDiff, ValidatedBatch, build_witness, proven_state_root,
    replay::ReplayedState, validate_batch,
};

/// anvil's first dev account (its key is the harness provider's signer).
const DEV: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// Arachnid's deterministic deployment proxy: anvil adds it to a genesis that lacks it, so the
/// genesis holds it (as `GenesisL2.s.sol` does) and the replay sees it.
const CREATE2_DEPLOYER: (Address, &str) = (
    address!("0x4e59b44847b379578588920cA78FbF26c0B4956C"),
    "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3",
);

/// Reads slot 5 (empty), then stores 1 in slot 1.
const READ_EMPTY_THEN_WRITE: &[u8] = &[0x60, 0x05, 0x54, 0x50, 0x60, 0x01, 0x60, 0x01, 0x55, 0x00];

/// A chain started from an `--init` genesis, and the state replayed from that genesis.
pub(crate) struct Chain {
    pub(crate) anvil: AnvilInstance,
    pub(crate) provider: DynProvider,
    pub(crate) replayed: ReplayedState,
    pub(crate) root: B256,
    pub(crate) next_block: u64,
    _dir: tempfile::TempDir,
}

/// Starts anvil on a genesis holding the dev account and `contracts` (address, runtime code).
pub(crate) async fn chain(contracts: &[(Address, &[u8])]) -> Chain {
    chain_with(contracts, &[]).await
}

/// [`chain`] with more genesis `alloc` entries.
async fn chain_with(
    contracts: &[(Address, &[u8])],
    entries: &[(Address, serde_json::Value)],
) -> Chain {
    let mut alloc = serde_json::Map::new();
    alloc.insert(
        DEV.to_string(),
        serde_json::json!({ "balance": U256::from(10u128.pow(24)).to_string() }),
    );
    alloc.insert(
        CREATE2_DEPLOYER.0.to_string(),
        serde_json::json!({ "balance": "0x0", "code": CREATE2_DEPLOYER.1 }),
    );
    for (at, code) in contracts {
        alloc.insert(
            at.to_string(),
            serde_json::json!({ "balance": "0x0", "code": Bytes::copy_from_slice(code) }),
        );
    }
    for (at, entry) in entries {
        alloc.insert(at.to_string(), entry.clone());
    }
    let genesis = serde_json::json!({
        "config": { "chainId": L2 },
        "timestamp": "0x0",
        "gasLimit": "0x1c9c380",
        "alloc": alloc,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genesis.json");
    std::fs::write(&path, genesis.to_string()).unwrap();
    let anvil = Anvil::new()
        .path(harness::repo_root().join("tools/bin/anvil"))
        .chain_id(L2)
        .arg("--init")
        .arg(path.to_str().unwrap())
        // Only the dev account the genesis funds: anvil funds its dev accounts beside the genesis.
        .args(["--accounts", "1"])
        .spawn();
    let provider = harness::provider(&anvil);
    let replayed = ReplayedState::from_genesis(&genesis).unwrap();
    let root = proven_state_root(&provider, 0).await.unwrap();
    assert_eq!(replayed.root(&ExecutionRules::ANVIL).unwrap(), root, "genesis replays");
    Chain { anvil, provider, replayed, root, next_block: 1, _dir: dir }
}

impl Chain {
    /// Validates the blocks mined since the last batch as one batch, replays its decoded pubdata
    /// and returns the replayed root next to the attested one.
    pub(crate) async fn batch(&mut self) -> (ValidatedBatch, B256) {
        let last = self.provider.get_block_number().await.unwrap();
        let (blocks, mut witness) =
            build_witness(&self.provider, self.next_block, last).await.unwrap();
        if self.next_block == 1 {
            // anvil's `--init` genesis header carries the empty-trie root; the proofs are against
            // the real one (as the operator does).
            witness.prev_state_root = self.root;
        }
        let ctx = BatchContext {
            l1_chain_id: U256::from(1),
            chain_id: U256::from(L2),
            next_message_nonce: U256::ZERO,
            priority_requests_processed: 0,
            priority_requests_hash: B256::ZERO,
            prev_block_hash: blocks.blocks[0].header.parent_hash,
        };
        let validated =
            validate_batch(&blocks, &witness, self.root, &ctx, None, &ExecutionRules::ANVIL)
                .unwrap();
        assert_eq!(validated.state_root, blocks.blocks.last().unwrap().header.state_root());
        let plain = StateDiff::decode(&validated.pubdata).unwrap();
        // The compressed pubdata decodes, against the state replayed so far, to the same diff.
        let compressed =
            StateDiff::decode_against(&validated.compressed_pubdata, &self.replayed).unwrap();
        assert_eq!(compressed, plain);
        self.replayed.apply(&plain);
        self.root = validated.state_root;
        self.next_block = last + 1;
        (validated, self.replayed.root(&ExecutionRules::ANVIL).unwrap())
    }
}

/// The reported devnet failure: a transaction loads an empty slot (anvil keeps it as an rlp(0)
/// leaf) and changes another; the state replayed from the pubdata must have the attested root.
#[tokio::test]
async fn batch_reading_an_empty_slot_is_reconstructed_from_its_pubdata() {
    let reader = Address::repeat_byte(0x51);
    let mut chain = chain(&[(reader, READ_EMPTY_THEN_WRITE)]).await;
    let tx = TransactionRequest::default().with_to(reader).with_gas_limit(100_000);
    let receipt = chain.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    let (validated, replayed) = chain.batch().await;
    assert_eq!(replayed, validated.state_root);
    // The read slot is published although its value (zero) did not change.
    assert_eq!(
        validated.state_diff.accounts[&reader].storage[&B256::with_last_byte(5)],
        U256::ZERO
    );
    drop(chain.anvil);
}

/// `SSTORE(calldata[0], calldata[32])`.
const WRITE: &[u8] = &[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];
/// `SLOAD(calldata[0])`, result dropped.
const READ: &[u8] = &[0x60, 0x00, 0x35, 0x54, 0x50, 0x00];
/// `SSTORE(calldata[0], calldata[32])`, then reverts.
const WRITE_THEN_REVERT: &[u8] =
    &[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x60, 0x00, 0x60, 0x00, 0xfd];
/// `SLOAD(calldata[0])`, then reverts.
const READ_THEN_REVERT: &[u8] = &[0x60, 0x00, 0x35, 0x54, 0x50, 0x60, 0x00, 0x60, 0x00, 0xfd];
/// The contracts random batches call: in the genesis, and deployed by the batches.
const RUNTIMES: [&[u8]; 4] = [WRITE, READ, WRITE_THEN_REVERT, READ_THEN_REVERT];

/// One transaction of a random batch.
#[derive(Clone, Debug)]
enum Op {
    /// ETH to one of a few addresses (some never seen before).
    Transfer { to: u8, value: u64 },
    /// Calls contract `target` (its runtime decides: write, read, write or read then revert)
    /// with slot `slot` and value `value` (zero clears).
    Call { target: u8, slot: u8, value: u8 },
    /// Deploys a new contract running `RUNTIMES[runtime]`.
    Deploy { runtime: u8 },
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        1 => (0u8..4, 0u64..1000).prop_map(|(to, value)| Op::Transfer { to, value }),
        4 => (any::<u8>(), 0u8..6, 0u8..3)
            .prop_map(|(target, slot, value)| Op::Call { target, slot, value }),
        1 => (0u8..4).prop_map(|runtime| Op::Deploy { runtime }),
    ]
}

async fn run(chain: &mut Chain, contracts: &mut Vec<Address>, op: &Op) {
    let tx = match *op {
        Op::Transfer { to, value } => TransactionRequest::default()
            .with_to(Address::repeat_byte(0xa0 + to))
            .with_value(U256::from(value))
            .with_gas_limit(21_000),
        Op::Call { target, slot, value } => {
            let to = contracts[target as usize % contracts.len()];
            let mut data = U256::from(slot).to_be_bytes::<32>().to_vec();
            data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
            TransactionRequest::default().with_to(to).with_input(data).with_gas_limit(100_000)
        }
        Op::Deploy { runtime } => TransactionRequest::default()
            .with_deploy_code(init_code(RUNTIMES[runtime as usize]))
            .with_gas_limit(200_000),
    };
    let receipt = chain.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    if let Some(created) = receipt.contract_address {
        contracts.push(created);
    }
}

/// Over random batches of transfers, deployments, writes, clears, reads of empty slots and
/// reverted writes and reads, on a real anvil chain: the state replayed from the genesis and each
/// batch's pubdata always has the root the validity program attests and the node reports.
#[test]
fn replayed_pubdata_always_gives_the_attested_root() {
    use proptest::{
        collection::vec,
        test_runner::{Config, TestCaseError, TestRunner},
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut runner =
        TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let mut genesis_contracts: Vec<(Address, &[u8])> = RUNTIMES
        .iter()
        .enumerate()
        .map(|(i, code)| (Address::repeat_byte(0x10 + i as u8), *code))
        .collect();
    // The first transfer target is an empty account of the genesis (a leaf anvil keeps).
    genesis_contracts.push((Address::repeat_byte(0xa0), &[]));
    runner
        .run(&vec(vec(op(), 1..8), 1..4), |batches| {
            rt.block_on(async {
                let mut chain = chain(&genesis_contracts).await;
                let mut contracts: Vec<Address> =
                    genesis_contracts[..RUNTIMES.len()].iter().map(|(a, _)| *a).collect();
                for (n, ops) in batches.iter().enumerate() {
                    for op in ops {
                        run(&mut chain, &mut contracts, op).await;
                    }
                    let (validated, replayed) = chain.batch().await;
                    let node =
                        proven_state_root(&chain.provider, chain.next_block - 1).await.unwrap();
                    if replayed != validated.state_root || node != validated.state_root {
                        return Err(TestCaseError::fail(format!(
                            "batch {n}: replayed {replayed}, attested {}, node {node}",
                            validated.state_root
                        )));
                    }
                }
                Ok(())
            })
        })
        .unwrap();
}

alloy::sol! {
    #[sol(rpc)]
    interface IToken {
        function mint(address to, uint256 amount) external;
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

/// `slot0 += 1`.
const COUNTER: &[u8] = &[0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00];

/// Bytes per transaction of plain and compressed pubdata on one batch of ETH transfers, ERC-20
/// transfers (OpenZeppelin) and increments of one counter (repeated writes of one slot, like
/// swaps on one pool): compressed is smaller, and both replay to the attested root.
#[tokio::test]
async fn compressed_pubdata_is_smaller_than_plain_on_transfers_and_counter_updates() {
    let counter = Address::repeat_byte(0xc0);
    let mut chain = chain(&[(counter, COUNTER)]).await;
    let token = chain
        .provider
        .send_transaction(
            TransactionRequest::default().with_deploy_code(test_token_code("Token", "TKN")),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap();
    let erc20 = IToken::new(token, chain.provider.clone());
    let unit = U256::from(10u64).pow(U256::from(18));
    erc20.mint(DEV, unit * U256::from(1000)).send().await.unwrap().get_receipt().await.unwrap();
    chain.batch().await;

    const EACH: u8 = 10;
    for i in 0..EACH {
        let to = Address::repeat_byte(0xb0 + i);
        let eth = TransactionRequest::default().with_to(to).with_value(U256::from(10u64.pow(15)));
        chain.provider.send_transaction(eth).await.unwrap().get_receipt().await.unwrap();
        erc20.transfer(to, unit).send().await.unwrap().get_receipt().await.unwrap();
        let bump = TransactionRequest::default().with_to(counter).with_gas_limit(100_000);
        chain.provider.send_transaction(bump).await.unwrap().get_receipt().await.unwrap();
    }
    let (validated, replayed) = chain.batch().await;
    assert_eq!(replayed, validated.state_root);
    let txs = validated.transactions as f64;
    let plain = validated.pubdata.len() as f64 / txs;
    let compressed = validated.compressed_pubdata.len() as f64 / txs;
    eprintln!(
        "{} txs: plain {} bytes ({plain:.1}/tx), compressed {} bytes ({compressed:.1}/tx)",
        validated.transactions,
        validated.pubdata.len(),
        validated.compressed_pubdata.len()
    );
    assert!(compressed < plain, "compressed {compressed} per tx, plain {plain}");
    drop(chain.anvil);
}

/// A genesis account with no balance, nonce or code is in the state trie (the validity program
/// refused its proof before); anvil keeps it when a transaction touches it (no EIP-161
/// deletion), so the batch validates and the pubdata leaves it out.
#[tokio::test]
async fn touching_an_empty_genesis_account_keeps_it() {
    let empty = Address::repeat_byte(0xe0);
    let mut chain = chain(&[(empty, &[])]).await;
    let tx = TransactionRequest::default().with_to(empty).with_gas_limit(21_000);
    chain.provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    let (validated, replayed) = chain.batch().await;
    assert_eq!(replayed, validated.state_root);
    assert!(!validated.state_diff.accounts.contains_key(&empty));
    let proof = chain.provider.get_proof(empty, vec![]).await.unwrap();
    let leaf = alloy_rlp::encode(alloy_trie::TrieAccount {
        nonce: 0,
        balance: U256::ZERO,
        storage_root: alloy_trie::EMPTY_ROOT_HASH,
        code_hash: alloy::primitives::KECCAK256_EMPTY,
    });
    let path = alloy_trie::Nibbles::unpack(alloy::primitives::keccak256(empty));
    alloy_trie::proof::verify_proof(validated.state_root, path, Some(leaf), &proof.account_proof)
        .expect("the empty account is still a leaf");
    drop(chain.anvil);
}

/// A contract created (CREATE2) where the genesis holds an account with storage but no code or
/// nonce: the new contract starts with empty storage, and the pubdata says the storage was reset.
#[tokio::test]
async fn contract_created_over_leftover_storage_resets_it() {
    let salt = B256::with_last_byte(7);
    let init = init_code(READ_EMPTY_THEN_WRITE);
    let target = CREATE2_DEPLOYER.0.create2_from_code(salt, &init);
    let leftover = serde_json::json!({
        "balance": "0x0",
        "storage": { B256::with_last_byte(9).to_string(): B256::with_last_byte(5).to_string() },
    });
    let mut chain = chain_with(&[], &[(target, leftover)]).await;
    let data = [salt.as_slice(), &init].concat();
    let create = TransactionRequest::default()
        .with_to(CREATE2_DEPLOYER.0)
        .with_input(data)
        .with_gas_limit(200_000);
    let receipt =
        chain.provider.send_transaction(create).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    assert_eq!(
        chain.provider.get_code_at(target).await.unwrap().to_vec(),
        READ_EMPTY_THEN_WRITE.to_vec()
    );
    let (validated, replayed) = chain.batch().await;
    assert_eq!(replayed, validated.state_root);
    assert!(validated.state_diff.accounts[&target].storage_reset);
    assert!(chain.replayed.accounts[&target].storage.is_empty());
    drop(chain.anvil);
}
