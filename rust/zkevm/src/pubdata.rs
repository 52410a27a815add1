//! Rollup pubdata: the state diff of a batch, as published to L1 for a rollup chain.
//!
//! The pubdata is every write the batch makes to the state trie, each at its final value, so a
//! slot written many times costs once. The validity program computes the new state root *from*
//! this diff (applied to the previous state trie), so the pubdata determines the root: anyone
//! holding the genesis state and every batch's pubdata rebuilds the chain's state and its root
//! from L1 data alone ([`StateDiff::decode`], [`crate::replay`]). Under anvil's trie rules that
//! includes zero slots a transaction only loaded: they become leaves holding rlp(0) although no
//! value changed. `da_commitment = keccak256(pubdata)` is what the L1 `RollupDAValidator` checks
//! against the `daInput` of `commitBatch`.
//!
//! Encoding (all integers big-endian):
//! ```text
//! pubdata  = version:u8 (=2) ‖ accounts:u32 ‖ account*          (accounts sorted by address)
//! account  = address:20 ‖ flags:u8 ‖ [balance:32] ‖ [nonce:8] ‖ [code_len:u32 ‖ code]
//!            ‖ [slots:u32 ‖ (slot:32 ‖ value:32)*]               (slots sorted by key, ≥ 1)
//! flags    = bit0 balance, bit1 nonce, bit2 code, bit3 storage, bit4 storage reset (the
//!            account's storage is emptied before its slots are written), bit5 removed (the
//!            account leaves the state trie; no other bit may be set); at least one bit
//! ```
//! An account absent from the diff is unchanged. The encoding is canonical: [`StateDiff::decode`]
//! refuses anything [`StateDiff::encode`] would not produce, so one diff has one pubdata.
//! Version 1 (before storage reset, removal, and loaded zero slots were published) did not
//! determine the root and is refused.

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use std::collections::BTreeMap;

/// Pubdata format version.
pub const PUBDATA_VERSION: u8 = 2;

const BALANCE: u8 = 1;
const NONCE: u8 = 2;
const CODE: u8 = 4;
const STORAGE: u8 = 8;
const STORAGE_RESET: u8 = 16;
const REMOVED: u8 = 32;
const KNOWN_FLAGS: u8 = BALANCE | NONCE | CODE | STORAGE | STORAGE_RESET | REMOVED;

/// What a batch wrote to one account's state-trie entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountDiff {
    /// New balance, when it changed.
    pub balance: Option<U256>,
    /// New nonce, when it changed.
    pub nonce: Option<u64>,
    /// New code, when it changed (a deployment).
    pub code: Option<Bytes>,
    /// The account's storage was emptied before `storage` is written (a contract created where
    /// an account with storage was).
    pub storage_reset: bool,
    /// The account left the state trie (every other field is empty).
    pub removed: bool,
    /// Every storage leaf written, at its final value. Zero: a leaf holding rlp(0) under anvil's
    /// rules (see `ExecutionRules::keep_cleared_slots`), else a deletion.
    pub storage: BTreeMap<B256, U256>,
}

impl AccountDiff {
    /// No write at all (such an entry is not encoded).
    pub fn is_empty(&self) -> bool {
        self.flags() == 0
    }

    fn flags(&self) -> u8 {
        (self.balance.is_some() as u8 * BALANCE)
            | (self.nonce.is_some() as u8 * NONCE)
            | (self.code.is_some() as u8 * CODE)
            | (!self.storage.is_empty() as u8 * STORAGE)
            | (self.storage_reset as u8 * STORAGE_RESET)
            | (self.removed as u8 * REMOVED)
    }
}

/// A batch's state diff: one entry per account, one per (account, slot), however often written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// Written accounts.
    pub accounts: BTreeMap<Address, AccountDiff>,
}

/// Pubdata that is not the canonical encoding of a state diff.
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
    /// Accounts or slots not strictly ascending.
    #[error("pubdata entries are not strictly sorted at byte {0}")]
    Unsorted(usize),
    /// A flags byte with bits the format does not define.
    #[error("pubdata account flags {flags:#04x} at byte {at} have unknown bits {unknown:#04x}")]
    UnknownFlags {
        /// Offset of the flags byte.
        at: usize,
        /// The flags byte.
        flags: u8,
        /// Its undefined bits.
        unknown: u8,
    },
    /// An account entry with no flag set (the encoder leaves unwritten accounts out).
    #[error("pubdata account at byte {0} has no flag set")]
    EmptyAccount(usize),
    /// A removed account that also carries values.
    #[error("pubdata account at byte {at} is removed but also has flags {flags:#04x}")]
    RemovedWithValues {
        /// Offset of the flags byte.
        at: usize,
        /// The flags byte.
        flags: u8,
    },
    /// The storage flag with zero slots (the encoder clears the flag instead).
    #[error("pubdata account at byte {0} has the storage flag and no slot")]
    EmptyStorage(usize),
}

impl StateDiff {
    /// The canonical pubdata bytes (empty account entries left out).
    pub fn encode(&self) -> Bytes {
        let accounts: Vec<_> = self.accounts.iter().filter(|(_, d)| !d.is_empty()).collect();
        let mut out = vec![PUBDATA_VERSION];
        out.extend_from_slice(&(accounts.len() as u32).to_be_bytes());
        for (addr, diff) in accounts {
            out.extend_from_slice(addr.as_slice());
            out.push(diff.flags());
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

    /// Parses pubdata produced by [`StateDiff::encode`], refusing every other byte string.
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
            let at = r.pos;
            let flags = r.take(1)?[0];
            if flags & !KNOWN_FLAGS != 0 {
                return Err(PubdataError::UnknownFlags {
                    at,
                    flags,
                    unknown: flags & !KNOWN_FLAGS,
                });
            }
            if flags == 0 {
                return Err(PubdataError::EmptyAccount(at));
            }
            if flags & REMOVED != 0 && flags != REMOVED {
                return Err(PubdataError::RemovedWithValues { at, flags });
            }
            let mut acc = AccountDiff {
                storage_reset: flags & STORAGE_RESET != 0,
                removed: flags & REMOVED != 0,
                ..AccountDiff::default()
            };
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
                if slots == 0 {
                    return Err(PubdataError::EmptyStorage(at));
                }
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

    fn one_slot() -> StateDiff {
        let mut diff = StateDiff::default();
        diff.accounts
            .entry(Address::repeat_byte(1))
            .or_default()
            .storage
            .insert(B256::with_last_byte(1), U256::from(9));
        diff
    }

    #[test]
    fn one_slot_costs_its_key_and_value() {
        let diff = one_slot();
        // version + count + address + flags + slot count + one (slot, value)
        assert_eq!(diff.encode().len(), 1 + 4 + 20 + 1 + 4 + 64);
        assert_eq!(StateDiff::decode(&diff.encode()).unwrap(), diff);
    }

    /// The flags byte of the first account.
    const FLAGS_AT: usize = 1 + 4 + 20;

    #[test]
    fn decode_refuses_unknown_flag_bits() {
        let mut bytes = one_slot().encode().to_vec();
        bytes[FLAGS_AT] |= 0x40;
        assert_eq!(
            StateDiff::decode(&bytes),
            Err(PubdataError::UnknownFlags { at: FLAGS_AT, flags: 0x48, unknown: 0x40 })
        );
    }

    #[test]
    fn decode_refuses_an_account_without_flags() {
        let mut bytes = vec![PUBDATA_VERSION, 0, 0, 0, 1];
        bytes.extend_from_slice(Address::repeat_byte(1).as_slice());
        bytes.push(0);
        assert_eq!(StateDiff::decode(&bytes), Err(PubdataError::EmptyAccount(FLAGS_AT)));
    }

    #[test]
    fn decode_refuses_a_removed_account_with_values() {
        let mut bytes = one_slot().encode().to_vec();
        bytes[FLAGS_AT] |= REMOVED;
        assert_eq!(
            StateDiff::decode(&bytes),
            Err(PubdataError::RemovedWithValues { at: FLAGS_AT, flags: REMOVED | STORAGE })
        );
    }

    #[test]
    fn decode_refuses_the_storage_flag_with_no_slot() {
        let mut bytes = vec![PUBDATA_VERSION, 0, 0, 0, 1];
        bytes.extend_from_slice(Address::repeat_byte(1).as_slice());
        bytes.push(STORAGE);
        bytes.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(StateDiff::decode(&bytes), Err(PubdataError::EmptyStorage(FLAGS_AT)));
    }

    #[test]
    fn decode_refuses_version_1() {
        let mut bytes = one_slot().encode().to_vec();
        bytes[0] = 1;
        assert_eq!(StateDiff::decode(&bytes), Err(PubdataError::Version(1)));
    }

    fn account() -> impl Strategy<Value = AccountDiff> {
        (
            proptest::option::of(any::<[u8; 32]>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            any::<bool>(),
            proptest::collection::btree_map(any::<[u8; 32]>(), any::<[u8; 32]>(), 0..4),
            0u8..8,
        )
            .prop_filter_map("non-empty", |(b, n, c, reset, s, kind)| {
                let acc = if kind == 0 {
                    AccountDiff { removed: true, ..AccountDiff::default() }
                } else {
                    AccountDiff {
                        balance: b.map(U256::from_be_bytes),
                        nonce: n,
                        code: c.map(Bytes::from),
                        storage_reset: reset,
                        removed: false,
                        storage: s
                            .into_iter()
                            .map(|(k, v)| (B256::from(k), U256::from_be_bytes(v)))
                            .collect(),
                    }
                };
                (!acc.is_empty()).then_some(acc)
            })
    }

    proptest! {
        /// Every diff round-trips, and no other byte string decodes to it: a truncation fails,
        /// and any single flipped byte either fails or decodes to a diff that re-encodes to the
        /// flipped bytes (the encoding is canonical).
        #[test]
        fn pubdata_roundtrips_and_is_canonical(
            accounts in proptest::collection::btree_map(any::<[u8; 20]>(), account(), 0..5),
            flip in any::<(usize, u8)>(),
        ) {
            let diff = StateDiff {
                accounts: accounts.into_iter().map(|(a, d)| (Address::from(a), d)).collect(),
            };
            let bytes = diff.encode();
            prop_assert_eq!(StateDiff::decode(&bytes), Ok(diff));
            prop_assert!(StateDiff::decode(&bytes[..bytes.len() - 1]).is_err());
            let mut flipped = bytes.to_vec();
            let (at, xor) = flip;
            let at = at % flipped.len();
            flipped[at] ^= xor.max(1);
            if let Ok(other) = StateDiff::decode(&flipped) {
                prop_assert_eq!(other.encode().to_vec(), flipped);
            }
        }
    }
}
