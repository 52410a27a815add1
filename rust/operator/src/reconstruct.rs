//! `reconstruct`: a rollup hyperchain's state rebuilt from L1 data alone — its genesis and the
//! state-diff pubdata of every committed batch (the `daInput` of `commitBatch`) — and checked
//! against the state root L1 settled.

use crate::OperatorError;
use alloy::{
    eips::eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use hyperchain_bindings::ChainSettlement;
use hyperchain_zkevm::{
    StateDiff,
    trie::{NodeStore, SparseTrie},
};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
struct Account {
    nonce: u64,
    balance: U256,
    code: Bytes,
    storage: BTreeMap<B256, U256>,
}

/// The outcome of a reconstruction.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconstruction {
    /// Root of the genesis alone (must equal L1's `stateRoot(0)`).
    pub genesis_root: B256,
    /// L1's `stateRoot(0)`.
    pub l1_genesis_root: B256,
    /// Batches replayed (1..=this).
    pub batches: u64,
    /// Accounts in the rebuilt state.
    pub accounts: usize,
    /// Root of the rebuilt state.
    pub state_root: B256,
    /// What L1 has for the last replayed batch.
    pub l1_state_root: B256,
    /// Whether they agree.
    pub matches: bool,
}

fn bad(reason: impl std::fmt::Display) -> OperatorError {
    OperatorError::Inconsistent(format!("reconstruct: {reason}"))
}

fn parse_u256(v: Option<&serde_json::Value>) -> Result<U256, OperatorError> {
    match v.and_then(|v| v.as_str()) {
        None => Ok(U256::ZERO),
        Some(s) => s.parse::<U256>().map_err(bad),
    }
}

/// Rebuilds the state of the chain settled by `settlement` from `genesis` (the anvil `--init`
/// JSON) and the pubdata of its committed batches, up to L1's last committed batch.
pub async fn reconstruct(
    l1: &DynProvider,
    settlement: Address,
    genesis: &serde_json::Value,
) -> Result<Reconstruction, OperatorError> {
    let mut state: BTreeMap<Address, Account> = BTreeMap::new();
    let alloc = genesis
        .get("alloc")
        .and_then(|a| a.as_object())
        .ok_or_else(|| bad("genesis has no alloc"))?;
    for (address, entry) in alloc {
        let address: Address = address.parse().map_err(bad)?;
        let mut account = Account {
            nonce: parse_u256(entry.get("nonce"))?.saturating_to(),
            balance: parse_u256(entry.get("balance"))?,
            code: entry
                .get("code")
                .and_then(|c| c.as_str())
                .unwrap_or("0x")
                .parse()
                .map_err(bad)?,
            storage: BTreeMap::new(),
        };
        if let Some(storage) = entry.get("storage").and_then(|s| s.as_object()) {
            for (slot, value) in storage {
                account.storage.insert(slot.parse().map_err(bad)?, parse_u256(Some(value))?);
            }
        }
        state.insert(address, account);
    }

    // anvil (Prague) adds the EIP-2935 block-hash history contract to every genesis.
    state
        .entry(HISTORY_STORAGE_ADDRESS)
        .or_insert_with(|| Account { code: HISTORY_STORAGE_CODE.clone(), ..Account::default() });
    let genesis_root = state_root(&state)?;
    let contract = ChainSettlement::new(settlement, l1.clone());
    let last = contract.lastCommittedBatch().call().await.map_err(bad)?;
    let filter = Filter::new()
        .address(settlement)
        .event_signature(ChainSettlement::BatchCommitted::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l1.get_logs(&filter).await.map_err(bad)?;
    // The last commit of each number wins (earlier ones may have been reverted).
    let mut pubdata: BTreeMap<u64, Bytes> = BTreeMap::new();
    for log in logs {
        let Some(hash) = log.transaction_hash else { continue };
        let tx = l1
            .get_transaction_by_hash(hash)
            .await
            .map_err(bad)?
            .ok_or_else(|| bad("commit tx missing"))?;
        use alloy::consensus::Transaction as _;
        if let Some((batch, da_input)) = crate::batch::committed_batch(tx.input()) {
            pubdata.insert(batch.batchNumber, da_input);
        }
    }
    for n in 1..=last {
        let data = pubdata
            .get(&n)
            .ok_or_else(|| bad(format!("no commitBatch/settleBatch calldata for batch {n}")))?;
        let diff = StateDiff::decode(data)
            .map_err(|e| bad(format!("batch {n} pubdata: {e} (is the chain a validium?)")))?;
        for (address, change) in diff.accounts {
            let account = state.entry(address).or_default();
            if let Some(b) = change.balance {
                account.balance = b;
            }
            if let Some(nonce) = change.nonce {
                account.nonce = nonce;
            }
            if let Some(code) = change.code {
                account.code = code;
            }
            account.storage.extend(change.storage);
        }
    }

    let state_root = state_root(&state)?;
    let l1_state_root = contract.stateRoot(last).call().await.map_err(bad)?;
    let l1_genesis_root = contract.stateRoot(0).call().await.map_err(bad)?;
    Ok(Reconstruction {
        genesis_root,
        l1_genesis_root,
        batches: last,
        accounts: state.len(),
        state_root,
        l1_state_root,
        matches: state_root == l1_state_root,
    })
}

fn state_root(state: &BTreeMap<Address, Account>) -> Result<B256, OperatorError> {
    let empty = NodeStore::new();
    let mut accounts =
        SparseTrie::new(EMPTY_ROOT_HASH, &empty).map_err(|e| bad(format!("{e:?}")))?;
    for (address, account) in state {
        let mut storage =
            SparseTrie::new(EMPTY_ROOT_HASH, &empty).map_err(|e| bad(format!("{e:?}")))?;
        for (slot, value) in &account.storage {
            // anvil keeps a slot written to zero as a leaf holding rlp(0) (see zkevm ExecutionRules).
            storage
                .update(keccak256(slot), alloy_rlp::encode(value))
                .map_err(|e| bad(format!("{e:?}")))?;
        }
        let trie_account = TrieAccount {
            nonce: account.nonce,
            balance: account.balance,
            storage_root: if account.storage.is_empty() { EMPTY_ROOT_HASH } else { storage.root() },
            code_hash: keccak256(&account.code),
        };
        accounts
            .update(keccak256(address), alloy_rlp::encode(trie_account))
            .map_err(|e| bad(format!("{e:?}")))?;
    }
    Ok(accounts.root())
}
