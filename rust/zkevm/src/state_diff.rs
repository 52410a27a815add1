//! The batch's state diff: every write it makes to the state trie, taken from the executed
//! state under the chain's trie rules.

use crate::{
    db::WitnessDb,
    execute::LoadedSlots,
    pubdata::{AccountDiff, StateDiff},
    rules::ExecutionRules,
};
use alloy::primitives::{Address, B256, KECCAK256_EMPTY, U256};
use alloy_trie::EMPTY_ROOT_HASH;
use revm::database::{CacheDB, in_memory_db::AccountState};
use std::collections::{BTreeMap, BTreeSet};

/// Every write the batch makes to the state trie, as a diff: each account whose trie entry
/// changes, with its changed fields and every storage leaf written (a changed value, or under
/// anvil's rules a zero slot loaded that was not yet a leaf). Writes that leave the trie as it was
/// are left out. `read_through`: the accounts whose read-through-only slots are kept (see
/// [`matching_state_root`]).
pub(crate) fn trie_writes(
    storage_roots: &BTreeMap<Address, B256>,
    pre: &WitnessDb,
    post: &CacheDB<WitnessDb>,
    rules: &ExecutionRules,
    committed: &LoadedSlots,
    read_through: &BTreeSet<Address>,
) -> StateDiff {
    let keep = rules.keep_cleared_slots;
    let mut diff = StateDiff::default();
    for (address, account) in &post.cache.accounts {
        let before = pre.accounts.get(address).cloned().flatten();
        let cleared = matches!(account.account_state, AccountState::StorageCleared);
        let kept = |slot: &U256| {
            keep && (committed.get(address).is_some_and(|s| s.contains(slot))
                || read_through.contains(address))
        };
        let pre_value =
            |slot: &U256| pre.storage.get(&(*address, *slot)).copied().unwrap_or_default();
        let written: Vec<(U256, U256)> = account
            .storage
            .iter()
            .filter(|(slot, value)| cleared || kept(slot) || pre_value(slot) != **value)
            .map(|(s, v)| (*s, *v))
            .collect();
        let info = &account.info;
        let absent = matches!(account.account_state, AccountState::NotExisting)
            || (info.nonce == 0
                && info.balance.is_zero()
                && info.code_hash == KECCAK256_EMPTY
                && written.iter().all(|(_, v)| v.is_zero()));
        let info_changed = match &before {
            None => !absent,
            Some(b) => {
                absent
                    || b.balance != info.balance
                    || b.nonce != info.nonce
                    || b.code_hash != info.code_hash
            }
        };
        if !info_changed && written.is_empty() && !cleared {
            continue;
        }
        if absent && !(before.is_some() && rules.keep_empty_accounts) {
            if before.is_some() {
                let removed = AccountDiff { removed: true, ..AccountDiff::default() };
                diff.accounts.insert(*address, removed);
            }
            continue;
        }
        let had_storage = storage_roots.get(address).is_some_and(|root| *root != EMPTY_ROOT_HASH);
        let base_empty = before.is_none() || cleared;
        let old = before.unwrap_or_default();
        let mut d = AccountDiff { storage_reset: cleared && had_storage, ..AccountDiff::default() };
        if info.balance != old.balance {
            d.balance = Some(info.balance);
        }
        if info.nonce != old.nonce {
            d.nonce = Some(info.nonce);
        }
        if info.code_hash != old.code_hash {
            d.code = Some(info.code.as_ref().map(|c| c.original_bytes()).unwrap_or_default());
        }
        for (slot, value) in written {
            let unchanged = if base_empty {
                value.is_zero() && !keep
            } else if value.is_zero() && keep {
                pre.zero_leaves.contains(&(*address, slot))
            } else {
                pre_value(&slot) == value
            };
            if !unchanged {
                d.storage.insert(B256::from(slot), value);
            }
        }
        if !d.is_empty() {
            diff.accounts.insert(*address, d);
        }
    }
    diff
}
