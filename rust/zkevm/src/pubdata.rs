//! Rollup pubdata: the state diff of a batch, as published to L1 for a rollup chain.
//!
//! The pubdata is the final value of everything the batch changed, so a slot written many times
//! costs once. `da_commitment = keccak256(pubdata)` is what the L1 `RollupDAValidator` checks
//! against the `daInput` of `commitBatch`. Anyone holding the genesis state and every batch's
//! pubdata can rebuild the chain's state from L1 data alone ([`StateDiff::decode`]).
//!
//! Encoding (all integers big-endian):
//! ```text
//! pubdata  = version:u8 (=1) ‖ accounts:u32 ‖ account*          (accounts sorted by address)
//! account  = address:20 ‖ flags:u8 ‖ [balance:32] ‖ [nonce:8] ‖ [code_len:u32 ‖ code]
//!            ‖ [slots:u32 ‖ (slot:32 ‖ value:32)*]               (slots sorted by key)
//! flags    = bit0 balance changed, bit1 nonce changed, bit2 code changed, bit3 storage changed
//! ```
//! A cleared slot is written with value zero; an account absent from the diff is unchanged.

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use std::collections::BTreeMap;

/// Pubdata format version.
pub const PUBDATA_VERSION: u8 = 1;

const BALANCE: u8 = 1;
const NONCE: u8 = 2;
const CODE: u8 = 4;
const STORAGE: u8 = 8;

/// The final values an account has after a batch, for what changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountDiff {
    /// New balance, when it changed.
    pub balance: Option<U256>,
    /// New nonce, when it changed.
    pub nonce: Option<u64>,
    /// New code, when it changed (a deployment).
    pub code: Option<Bytes>,
    /// New value of every changed slot (zero = cleared).
    pub storage: BTreeMap<B256, U256>,
}

impl AccountDiff {
    fn is_empty(&self) -> bool {
        self.balance.is_none()
            && self.nonce.is_none()
            && self.code.is_none()
            && self.storage.is_empty()
    }
}

/// A batch's state diff: one entry per account, one per (account, slot), however often written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// Changed accounts.
    pub accounts: BTreeMap<Address, AccountDiff>,
}

/// Pubdata that is not in the format above.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PubdataError {
    /// Unknown version byte.
    #[error("pubdata version {0} is not supported (expected {PUBDATA_VERSION})")]
    Version(u8),
    /// Ran out of bytes.
    #[error("pubdata is truncated at byte {0}")]
    Truncated(usize),
    /// Bytes after the last account.
    #[error("pubdata has {0} trailing bytes")]
    Trailing(usize),
    /// Accounts or slots not strictly ascending (the encoding is canonical).
    #[error("pubdata entries are not strictly sorted at byte {0}")]
    Unsorted(usize),
}

impl StateDiff {
    /// Merges a later diff into this one (later values win).
    pub fn merge(&mut self, later: &StateDiff) {
        for (addr, diff) in &later.accounts {
            let acc = self.accounts.entry(*addr).or_default();
            if diff.balance.is_some() {
                acc.balance = diff.balance;
            }
            if diff.nonce.is_some() {
                acc.nonce = diff.nonce;
            }
            if diff.code.is_some() {
                acc.code.clone_from(&diff.code);
            }
            acc.storage.extend(diff.storage.iter().map(|(k, v)| (*k, *v)));
        }
    }

    /// The canonical pubdata bytes.
    pub fn encode(&self) -> Bytes {
        let accounts: Vec<_> = self.accounts.iter().filter(|(_, d)| !d.is_empty()).collect();
        let mut out = vec![PUBDATA_VERSION];
        out.extend_from_slice(&(accounts.len() as u32).to_be_bytes());
        for (addr, diff) in accounts {
            out.extend_from_slice(addr.as_slice());
            let flags = (diff.balance.is_some() as u8 * BALANCE)
                | (diff.nonce.is_some() as u8 * NONCE)
                | (diff.code.is_some() as u8 * CODE)
                | (!diff.storage.is_empty() as u8 * STORAGE);
            out.push(flags);
            if let Some(balance) = diff.balance {
                out.extend_from_slice(&balance.to_be_bytes::<32>());
            }
            if let Some(nonce) = diff.nonce {
                out.extend_from_slice(&nonce.to_be_bytes());
            }
            if let Some(code) = &diff.code {
                out.extend_from_slice(&(code.len() as u32).to_be_bytes());
                out.extend_from_slice(code);
            }
            if !diff.storage.is_empty() {
                out.extend_from_slice(&(diff.storage.len() as u32).to_be_bytes());
                for (slot, value) in &diff.storage {
                    out.extend_from_slice(slot.as_slice());
                    out.extend_from_slice(&value.to_be_bytes::<32>());
                }
            }
        }
        out.into()
    }

    /// Parses pubdata produced by [`StateDiff::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, PubdataError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.take(1)?[0];
        if version != PUBDATA_VERSION {
            return Err(PubdataError::Version(version));
        }
        let count = r.u32()?;
        let mut diff = StateDiff::default();
        let mut last: Option<Address> = None;
        for _ in 0..count {
            let at = r.pos;
            let addr = Address::from_slice(r.take(20)?);
            if last.is_some_and(|l| l >= addr) {
                return Err(PubdataError::Unsorted(at));
            }
            last = Some(addr);
            let flags = r.take(1)?[0];
            let mut acc = AccountDiff::default();
            if flags & BALANCE != 0 {
                acc.balance = Some(U256::from_be_slice(r.take(32)?));
            }
            if flags & NONCE != 0 {
                let mut n = [0u8; 8];
                n.copy_from_slice(r.take(8)?);
                acc.nonce = Some(u64::from_be_bytes(n));
            }
            if flags & CODE != 0 {
                let len = r.u32()? as usize;
                acc.code = Some(Bytes::copy_from_slice(r.take(len)?));
            }
            if flags & STORAGE != 0 {
                let slots = r.u32()?;
                let mut prev: Option<B256> = None;
                for _ in 0..slots {
                    let at = r.pos;
                    let slot = B256::from_slice(r.take(32)?);
                    if prev.is_some_and(|p| p >= slot) {
                        return Err(PubdataError::Unsorted(at));
                    }
                    prev = Some(slot);
                    acc.storage.insert(slot, U256::from_be_slice(r.take(32)?));
                }
            }
            diff.accounts.insert(addr, acc);
        }
        if r.pos != bytes.len() {
            return Err(PubdataError::Trailing(bytes.len() - r.pos));
        }
        Ok(diff)
    }
}

/// `keccak256(pubdata)`: the `daCommitment` of a rollup batch.
pub fn da_commitment(pubdata: &[u8]) -> B256 {
    keccak256(pubdata)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PubdataError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or(PubdataError::Truncated(self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, PubdataError> {
        let mut n = [0u8; 4];
        n.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn repeated_writes_cost_once() {
        let slot = B256::with_last_byte(1);
        let mut diff = StateDiff::default();
        for value in 1..10u64 {
            let mut later = StateDiff::default();
            later
                .accounts
                .entry(Address::repeat_byte(1))
                .or_default()
                .storage
                .insert(slot, U256::from(value));
            diff.merge(&later);
        }
        // version + count + address + flags + slot count + one (slot, value)
        assert_eq!(diff.encode().len(), 1 + 4 + 20 + 1 + 4 + 64);
        assert_eq!(StateDiff::decode(&diff.encode()).unwrap(), diff);
    }

    fn account() -> impl Strategy<Value = AccountDiff> {
        (
            proptest::option::of(any::<[u8; 32]>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            proptest::collection::btree_map(any::<[u8; 32]>(), any::<[u8; 32]>(), 0..4),
        )
            .prop_filter_map("non-empty", |(b, n, c, s)| {
                let acc = AccountDiff {
                    balance: b.map(U256::from_be_bytes),
                    nonce: n,
                    code: c.map(Bytes::from),
                    storage: s
                        .into_iter()
                        .map(|(k, v)| (B256::from(k), U256::from_be_bytes(v)))
                        .collect(),
                };
                (!acc.is_empty()).then_some(acc)
            })
    }

    proptest! {
        #[test]
        fn pubdata_roundtrips(accounts in proptest::collection::btree_map(any::<[u8; 20]>(), account(), 0..5)) {
            let diff = StateDiff { accounts: accounts.into_iter().map(|(a, d)| (Address::from(a), d)).collect() };
            let bytes = diff.encode();
            prop_assert_eq!(StateDiff::decode(&bytes), Ok(diff));
            prop_assert!(StateDiff::decode(&bytes[..bytes.len() - 1]).is_err());
        }
    }
}
