//! A rollup chain's full state rebuilt from its genesis and the pubdata of its batches, with its
//! state root. The state is kept as plain values (no proofs): the root depends only on the
//! genesis and on the diffs, which is what makes a rollup's state recoverable from L1 data.

use crate::{
    pubdata::{PreState, StateDiff},
    rules::ExecutionRules,
    trie::{NodeStore, SparseTrie, TrieError},
};
use alloy::{
    eips::eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
    primitives::{Address, B256, Bytes, U256, keccak256},
};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use std::collections::BTreeMap;

/// Why a state could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The genesis JSON is not an anvil `--init` genesis: a field does not parse.
    #[error("genesis {what}: {source}")]
    Genesis {
        /// The field that does not parse.
        what: String,
        /// The parser's error (hex, integer or address parsing).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The genesis JSON has no `alloc` object.
    #[error("genesis alloc: missing")]
    MissingAlloc,
    /// Building the trie failed.
    #[error(transparent)]
    Trie(#[from] TrieError),
}

/// One account of the replayed state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayedAccount {
    /// The account nonce (an EOA: transactions sent; a contract: contracts created, plus one).
    pub nonce: u64,
    /// In wei.
    pub balance: U256,
    /// Runtime code.
    pub code: Bytes,
    /// Every storage leaf (a zero value is a leaf holding rlp(0) under anvil's rules).
    pub storage: BTreeMap<B256, U256>,
}

/// A chain's state: every account of its state trie.
#[derive(Clone, Debug, Default)]
pub struct ReplayedState {
    /// Accounts by address.
    pub accounts: BTreeMap<Address, ReplayedAccount>,
}

fn genesis_error(
    what: impl Into<String>,
    source: impl std::error::Error + Send + Sync + 'static,
) -> ReplayError {
    ReplayError::Genesis { what: what.into(), source: Box::new(source) }
}

fn parse_u256(what: &str, v: Option<&serde_json::Value>) -> Result<U256, ReplayError> {
    match v.and_then(|v| v.as_str()) {
        None => Ok(U256::ZERO),
        Some(s) => s.parse::<U256>().map_err(|e| genesis_error(what, e)),
    }
}

impl ReplayedState {
    /// The state of an anvil `--init` genesis (its `alloc`), plus the EIP-2935 block-hash history
    /// contract anvil (Prague) adds to every genesis.
    pub fn from_genesis(genesis: &serde_json::Value) -> Result<Self, ReplayError> {
        let alloc =
            genesis.get("alloc").and_then(|a| a.as_object()).ok_or(ReplayError::MissingAlloc)?;
        let mut accounts = BTreeMap::new();
        for (address, entry) in alloc {
            let what = |field: &str| format!("alloc {address} {field}");
            let parsed: Address = address.parse().map_err(|e| genesis_error(what("address"), e))?;
            let nonce = parse_u256(&what("nonce"), entry.get("nonce"))?;
            let mut account = ReplayedAccount {
                nonce: nonce.try_into().map_err(|e| genesis_error(what("nonce"), e))?,
                balance: parse_u256(&what("balance"), entry.get("balance"))?,
                code: entry
                    .get("code")
                    .and_then(|c| c.as_str())
                    .unwrap_or("0x")
                    .parse()
                    .map_err(|e| genesis_error(what("code"), e))?,
                storage: BTreeMap::new(),
            };
            if let Some(storage) = entry.get("storage").and_then(|s| s.as_object()) {
                for (slot, value) in storage {
                    let key = slot.parse().map_err(|e| genesis_error(what("storage key"), e))?;
                    account.storage.insert(key, parse_u256(&what("storage"), Some(value))?);
                }
            }
            accounts.insert(parsed, account);
        }
        accounts.entry(HISTORY_STORAGE_ADDRESS).or_insert_with(|| ReplayedAccount {
            code: HISTORY_STORAGE_CODE.clone(),
            ..ReplayedAccount::default()
        });
        Ok(Self { accounts })
    }

    /// Applies one batch's state diff.
    pub fn apply(&mut self, diff: &StateDiff) {
        for (address, change) in &diff.accounts {
            if change.removed {
                self.accounts.remove(address);
                continue;
            }
            let account = self.accounts.entry(*address).or_default();
            if change.storage_reset {
                account.storage.clear();
            }
            if let Some(balance) = change.balance {
                account.balance = balance;
            }
            if let Some(nonce) = change.nonce {
                account.nonce = nonce;
            }
            if let Some(code) = &change.code {
                account.code = code.clone();
            }
            account.storage.extend(change.storage.iter().map(|(k, v)| (*k, *v)));
        }
    }

    /// The state root under `rules`.
    pub fn root(&self, rules: &ExecutionRules) -> Result<B256, ReplayError> {
        let empty = NodeStore::new();
        let mut accounts = SparseTrie::new(EMPTY_ROOT_HASH, &empty)?;
        for (address, account) in &self.accounts {
            let mut storage = SparseTrie::new(EMPTY_ROOT_HASH, &empty)?;
            for (slot, value) in &account.storage {
                if !value.is_zero() || rules.keep_cleared_slots {
                    storage.update(keccak256(slot), alloy_rlp::encode(value))?;
                }
            }
            let trie_account = TrieAccount {
                nonce: account.nonce,
                balance: account.balance,
                storage_root: storage.root(),
                code_hash: keccak256(&account.code),
            };
            accounts.update(keccak256(address), alloy_rlp::encode(trie_account))?;
        }
        Ok(accounts.root())
    }
}

impl PreState for ReplayedState {
    fn balance(&self, address: Address) -> U256 {
        self.accounts.get(&address).map(|a| a.balance).unwrap_or_default()
    }

    fn nonce(&self, address: Address) -> u64 {
        self.accounts.get(&address).map(|a| a.nonce).unwrap_or_default()
    }

    fn slot(&self, address: Address, slot: B256) -> U256 {
        let account = self.accounts.get(&address);
        account.and_then(|a| a.storage.get(&slot)).copied().unwrap_or_default()
    }
}
