//! The new state root, computed from the state diff applied to the previous state trie opened by
//! the witness proofs: the root L1 settles is determined by the previous root and the published
//! pubdata.

use crate::{
    db::WitnessDb,
    error::ValidationError,
    execute::LoadedSlots,
    pubdata::StateDiff,
    rules::ExecutionRules,
    state_diff::trie_writes,
    trie::{NodeStore, SparseTrie, add_nodes},
    witness::Witness,
};
use alloy::primitives::{Address, B256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use revm::database::{CacheDB, in_memory_db::AccountState};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many accounts with ambiguous read-through slots are searched exhaustively.
const MAX_AMBIGUOUS_ACCOUNTS: usize = 8;

/// (f) The batch's state diff and the new state root computed from it, matched against `claimed`.
///
/// With `keep_cleared_slots` (anvil) a storage trie holds every slot anvil's revm `CacheDB` ever
/// put in its storage map, a zero one as an rlp(0) leaf: every slot a committed transaction
/// loaded (`loaded`, exact), and slots read through by an execution that was not committed (a
/// reverted call) — but the latter only for accounts the node did not create with
/// CREATE/CREATE2 (`AccountState::StorageCleared` in anvil), which the trie does not record.
/// Such zero leaves do not change any slot's value, so each ambiguous account is tried both
/// ways (exhaustively up to [`MAX_AMBIGUOUS_ACCOUNTS`], else all or none) and the root equal to
/// `claimed`, if any, is returned with its diff; otherwise the one with read-through slots kept.
/// The choice only decides which zero leaves the diff publishes, so the pubdata still determines
/// the returned root.
pub(crate) fn matching_state_root(
    witness: &Witness,
    pre: &WitnessDb,
    post: &CacheDB<WitnessDb>,
    rules: &ExecutionRules,
    loaded: &LoadedSlots,
    claimed: B256,
) -> Result<(B256, StateDiff), ValidationError> {
    let mut store = NodeStore::new();
    let mut storage_roots = BTreeMap::new();
    for acc in &witness.accounts {
        add_nodes(&mut store, &acc.account_proof);
        for slot in &acc.storage_proof {
            add_nodes(&mut store, &slot.proof);
        }
        let root = if acc.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { acc.storage_hash };
        storage_roots.insert(acc.address, root);
    }
    let ambiguous: Vec<Address> = if rules.keep_cleared_slots {
        post.cache
            .accounts
            .iter()
            .filter(|(address, account)| {
                !matches!(
                    account.account_state,
                    AccountState::StorageCleared | AccountState::NotExisting
                ) && account.storage.iter().any(|(slot, value)| {
                    value.is_zero()
                        && !loaded.get(*address).is_some_and(|s| s.contains(slot))
                        && pre.storage.get(&(**address, *slot)).is_some_and(|v| v.is_zero())
                })
            })
            .map(|(address, _)| *address)
            .collect()
    } else {
        Vec::new()
    };
    let choices: Vec<BTreeSet<Address>> = if ambiguous.len() <= MAX_AMBIGUOUS_ACCOUNTS {
        (0..1usize << ambiguous.len())
            .map(|mask| {
                ambiguous
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) == 0)
                    .map(|(_, a)| *a)
                    .collect()
            })
            .collect()
    } else {
        vec![ambiguous.iter().copied().collect(), BTreeSet::new()]
    };
    let mut first = None;
    for read_through in &choices {
        let diff = trie_writes(&storage_roots, pre, post, rules, loaded, read_through);
        let root = root_after(witness, &store, &storage_roots, pre, &diff, rules)?;
        if root == claimed {
            return Ok((root, diff));
        }
        first.get_or_insert((root, diff));
    }
    Ok(first.unwrap_or_default())
}

/// The state root after `diff`: the previous state trie, opened by the witness proofs, with each
/// account of the diff written (or removed) and its storage leaves updated.
fn root_after(
    witness: &Witness,
    store: &NodeStore,
    storage_roots: &BTreeMap<Address, B256>,
    pre: &WitnessDb,
    diff: &StateDiff,
    rules: &ExecutionRules,
) -> Result<B256, ValidationError> {
    let mut accounts = SparseTrie::new(witness.prev_state_root, store)?;
    for (address, d) in &diff.accounts {
        let key = keccak256(address);
        if d.removed {
            accounts.update(key, Vec::new())?;
            continue;
        }
        let before = pre.accounts.get(address).cloned().flatten();
        let base = match &before {
            Some(_) if !d.storage_reset => {
                storage_roots.get(address).copied().unwrap_or(EMPTY_ROOT_HASH)
            }
            _ => EMPTY_ROOT_HASH,
        };
        let mut storage = SparseTrie::new(base, store)?;
        for (slot, value) in &d.storage {
            let leaf = if value.is_zero() && !rules.keep_cleared_slots {
                Vec::new()
            } else {
                alloy_rlp::encode(value)
            };
            storage.update(keccak256(slot), leaf)?;
        }
        let old = before.unwrap_or_default();
        let trie_account = TrieAccount {
            nonce: d.nonce.unwrap_or(old.nonce),
            balance: d.balance.unwrap_or(old.balance),
            storage_root: storage.root(),
            code_hash: d.code.as_ref().map_or(old.code_hash, keccak256),
        };
        accounts.update(key, alloy_rlp::encode(trie_account))?;
    }
    Ok(accounts.root())
}
