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
//!
//! Version 3 ([`StateDiff::encode_compressed`]) has the same layout with every balance, nonce
//! and slot value written as a delta against its value before the batch (zero for a slot of a
//! reset storage), ZKsync's value compression:
//! ```text
//! value = meta:u8 ‖ x:len        meta = kind << 6 | len, len ≤ 32, x big-endian, no leading zero
//! kind  = 0 replace (new = x), 1 add (new = old + x), 2 sub (new = old − x)
//! ```
//! The encoder picks the shortest (ties: replace, add, sub), and the decoder, which needs the
//! state before the batch ([`PreState`], [`StateDiff::decode_against`]), refuses any other
//! choice. A nonce that rises by one costs 2 bytes instead of 8, a balance paying a fee about 8
//! instead of 32. Slot keys stay 32 bytes (referring to a slot written before by an index
//! needs a committed index of every written slot, which the state trie does not have).

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use std::collections::BTreeMap;

/// Pubdata format version.
pub const PUBDATA_VERSION: u8 = 2;

/// Compressed pubdata format version: values as deltas against the state before the batch.
pub const COMPRESSED_PUBDATA_VERSION: u8 = 3;

/// The state before a batch, as far as compressed pubdata needs it (the value each delta applies
/// to). An account or slot the state does not hold reads as zero.
pub trait PreState {
    /// Balance before the batch.
    fn balance(&self, address: Address) -> U256;
    /// Nonce before the batch.
    fn nonce(&self, address: Address) -> u64;
    /// Value of `slot` before the batch.
    fn slot(&self, address: Address, slot: B256) -> U256;
}

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
    /// Compressed pubdata decoded without the state it is relative to.
    #[error(
        "pubdata version {COMPRESSED_PUBDATA_VERSION} is compressed: decode it against the state before the batch"
    )]
    NeedsPreState,
    /// A compressed value whose meta byte has an unknown kind or a length above 32.
    #[error(
        "compressed pubdata value at byte {at} has meta byte {meta:#04x} (kind 0-2, length 0-32)"
    )]
    BadValueMeta {
        /// Offset of the meta byte.
        at: usize,
        /// The meta byte.
        meta: u8,
    },
    /// A compressed value that overflows (add past 2^256, sub below zero, a nonce past 2^64).
    #[error("compressed pubdata value at byte {0} is out of range against its previous value")]
    ValueOutOfRange(usize),
    /// A compressed value not in its shortest form (a leading zero byte, or a longer kind).
    #[error("compressed pubdata value at byte {0} is not in its shortest encoding")]
    NonCanonicalValue(usize),
}

const REPLACE: u8 = 0;
const ADD: u8 = 1;
const SUB: u8 = 2;

/// The shortest `(kind, x)` giving `new` from `old` (ties: replace, then add, then sub).
fn value_delta(old: U256, new: U256) -> (u8, U256) {
    let mut best = (REPLACE, new);
    if new > old && (new - old).byte_len() < best.1.byte_len() {
        best = (ADD, new - old);
    }
    if new < old && (old - new).byte_len() < best.1.byte_len() {
        best = (SUB, old - new);
    }
    best
}

/// How values are written: plain, or as deltas against the state before the batch.
#[derive(Clone, Copy)]
enum Values<'a> {
    Plain,
    Compressed(&'a dyn PreState),
}

impl StateDiff {
    /// The canonical pubdata bytes (version 2; empty account entries left out).
    pub fn encode(&self) -> Bytes {
        self.encode_as(Values::Plain)
    }

    /// The canonical compressed pubdata bytes (version 3): values as deltas against `pre`, the
    /// state before the batch.
    pub fn encode_compressed(&self, pre: &dyn PreState) -> Bytes {
        self.encode_as(Values::Compressed(pre))
    }

    fn encode_as(&self, values: Values<'_>) -> Bytes {
        let accounts: Vec<_> = self.accounts.iter().filter(|(_, d)| !d.is_empty()).collect();
        let version = match values {
            Values::Plain => PUBDATA_VERSION,
            Values::Compressed(_) => COMPRESSED_PUBDATA_VERSION,
        };
        let mut out = vec![version];
        out.extend_from_slice(&(accounts.len() as u32).to_be_bytes());
        let push = |out: &mut Vec<u8>, old: Option<U256>, new: U256, plain: &[u8]| match old {
            None => out.extend_from_slice(plain),
            Some(old) => {
                let (kind, x) = value_delta(old, new);
                let len = x.byte_len();
                out.push((kind << 6) | len as u8);
                out.extend_from_slice(&x.to_be_bytes::<32>()[32 - len..]);
            }
        };
        for (addr, diff) in accounts {
            let pre = match values {
                Values::Plain => None,
                Values::Compressed(pre) => Some(pre),
            };
            out.extend_from_slice(addr.as_slice());
            out.push(diff.flags());
            if let Some(balance) = diff.balance {
                let old = pre.map(|p| p.balance(*addr));
                push(&mut out, old, balance, &balance.to_be_bytes::<32>());
            }
            if let Some(nonce) = diff.nonce {
                let old = pre.map(|p| U256::from(p.nonce(*addr)));
                push(&mut out, old, U256::from(nonce), &nonce.to_be_bytes());
            }
            if let Some(code) = &diff.code {
                out.extend_from_slice(&(code.len() as u32).to_be_bytes());
                out.extend_from_slice(code);
            }
            if !diff.storage.is_empty() {
                out.extend_from_slice(&(diff.storage.len() as u32).to_be_bytes());
                for (slot, value) in &diff.storage {
                    out.extend_from_slice(slot.as_slice());
                    let old =
                        pre.map(
                            |p| if diff.storage_reset { U256::ZERO } else { p.slot(*addr, *slot) },
                        );
                    push(&mut out, old, *value, &value.to_be_bytes::<32>());
                }
            }
        }
        out.into()
    }

    /// Parses plain pubdata produced by [`StateDiff::encode`], refusing every other byte string
    /// (compressed pubdata: [`PubdataError::NeedsPreState`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, PubdataError> {
        Self::decode_as(bytes, None)
    }

    /// Parses plain or compressed pubdata ([`StateDiff::encode_compressed`] against `pre`, the
    /// state before the batch), refusing every other byte string.
    pub fn decode_against(bytes: &[u8], pre: &dyn PreState) -> Result<Self, PubdataError> {
        Self::decode_as(bytes, Some(pre))
    }

    fn decode_as(bytes: &[u8], pre: Option<&dyn PreState>) -> Result<Self, PubdataError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.take(1)?[0];
        let values = match (version, pre) {
            (PUBDATA_VERSION, _) => Values::Plain,
            (COMPRESSED_PUBDATA_VERSION, Some(pre)) => Values::Compressed(pre),
            (COMPRESSED_PUBDATA_VERSION, None) => return Err(PubdataError::NeedsPreState),
            _ => return Err(PubdataError::Version(version)),
        };
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
                acc.balance = Some(match values {
                    Values::Plain => U256::from_be_slice(r.take(32)?),
                    Values::Compressed(pre) => r.delta(pre.balance(addr))?,
                });
            }
            if flags & NONCE != 0 {
                acc.nonce = Some(match values {
                    Values::Plain => {
                        let mut n = [0u8; 8];
                        n.copy_from_slice(r.take(8)?);
                        u64::from_be_bytes(n)
                    }
                    Values::Compressed(pre) => {
                        let at = r.pos;
                        let nonce = r.delta(U256::from(pre.nonce(addr)))?;
                        nonce.try_into().map_err(|_| PubdataError::ValueOutOfRange(at))?
                    }
                });
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
                    let value = match values {
                        Values::Plain => U256::from_be_slice(r.take(32)?),
                        Values::Compressed(_) if acc.storage_reset => r.delta(U256::ZERO)?,
                        Values::Compressed(pre) => r.delta(pre.slot(addr, slot))?,
                    };
                    acc.storage.insert(slot, value);
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

    /// A compressed value applied to `old`, in its shortest encoding only.
    fn delta(&mut self, old: U256) -> Result<U256, PubdataError> {
        let at = self.pos;
        let meta = self.take(1)?[0];
        let (kind, len) = (meta >> 6, (meta & 0x3f) as usize);
        if kind > SUB || len > 32 {
            return Err(PubdataError::BadValueMeta { at, meta });
        }
        let x = U256::from_be_slice(self.take(len)?);
        let new = match kind {
            REPLACE => Some(x),
            ADD => old.checked_add(x),
            _ => old.checked_sub(x),
        };
        let new = new.ok_or(PubdataError::ValueOutOfRange(at))?;
        // Also refuses a leading zero byte: the shortest x has none.
        if value_delta(old, new) != (kind, x) || x.byte_len() != len {
            return Err(PubdataError::NonCanonicalValue(at));
        }
        Ok(new)
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

    /// A pre-state where every account has balance 1000, nonce 5 and slot `k` holds `k`.
    struct Pre;

    impl PreState for Pre {
        fn balance(&self, _: Address) -> U256 {
            U256::from(1000)
        }
        fn nonce(&self, _: Address) -> u64 {
            5
        }
        fn slot(&self, _: Address, slot: B256) -> U256 {
            slot.into()
        }
    }

    #[test]
    fn compressed_values_are_small_deltas() {
        let addr = Address::repeat_byte(1);
        let mut diff = StateDiff::default();
        let acc = diff.accounts.entry(addr).or_default();
        acc.balance = Some(U256::from(1000 - 21)); // sub 21: 2 bytes
        acc.nonce = Some(6); // add 1: 2 bytes
        acc.storage.insert(B256::with_last_byte(7), U256::from(7 + 300)); // add 300: 3 bytes
        let bytes = diff.encode_compressed(&Pre);
        assert_eq!(bytes.len(), 1 + 4 + 20 + 1 + 2 + 2 + 4 + 32 + 3);
        assert!(bytes.len() < diff.encode().len());
        assert_eq!(StateDiff::decode_against(&bytes, &Pre).unwrap(), diff);
        assert_eq!(StateDiff::decode(&bytes), Err(PubdataError::NeedsPreState));
        // Plain pubdata decodes against a state too.
        assert_eq!(StateDiff::decode_against(&diff.encode(), &Pre).unwrap(), diff);
    }

    /// Offset of the balance's meta byte in a one-account compressed diff.
    const META_AT: usize = FLAGS_AT + 1;

    fn balance_only(bytes_after_flags: &[u8]) -> Vec<u8> {
        let mut bytes = vec![COMPRESSED_PUBDATA_VERSION, 0, 0, 0, 1];
        bytes.extend_from_slice(Address::repeat_byte(1).as_slice());
        bytes.push(BALANCE);
        bytes.extend_from_slice(bytes_after_flags);
        bytes
    }

    #[test]
    fn compressed_decode_refuses_a_longer_encoding_than_the_shortest() {
        // Replace with 1021 (2 bytes) where add 21 (1 byte) is shorter.
        let longer = balance_only(&[(REPLACE << 6) | 2, 0x03, 0xfd]);
        assert_eq!(
            StateDiff::decode_against(&longer, &Pre),
            Err(PubdataError::NonCanonicalValue(META_AT))
        );
        // Add 21 with a leading zero byte.
        let padded = balance_only(&[(ADD << 6) | 2, 0x00, 21]);
        assert_eq!(
            StateDiff::decode_against(&padded, &Pre),
            Err(PubdataError::NonCanonicalValue(META_AT))
        );
        assert_eq!(
            StateDiff::decode_against(&balance_only(&[(ADD << 6) | 1, 21]), &Pre).unwrap().accounts
                [&Address::repeat_byte(1)]
                .balance,
            Some(U256::from(1021))
        );
    }

    #[test]
    fn compressed_decode_refuses_bad_meta_and_underflow() {
        let kind3 = balance_only(&[3 << 6]);
        assert_eq!(
            StateDiff::decode_against(&kind3, &Pre),
            Err(PubdataError::BadValueMeta { at: META_AT, meta: 0xc0 })
        );
        let long = balance_only(&[33]);
        assert_eq!(
            StateDiff::decode_against(&long, &Pre),
            Err(PubdataError::BadValueMeta { at: META_AT, meta: 33 })
        );
        // Sub 2000 from a balance of 1000.
        let under = balance_only(&[(SUB << 6) | 2, 0x07, 0xd0]);
        assert_eq!(
            StateDiff::decode_against(&under, &Pre),
            Err(PubdataError::ValueOutOfRange(META_AT))
        );
    }

    proptest! {
        /// Compressed pubdata round-trips against its pre-state, and a truncation fails.
        #[test]
        fn compressed_pubdata_roundtrips(
            accounts in proptest::collection::btree_map(any::<[u8; 20]>(), account(), 0..5),
        ) {
            let diff = StateDiff {
                accounts: accounts.into_iter().map(|(a, d)| (Address::from(a), d)).collect(),
            };
            let bytes = diff.encode_compressed(&Pre);
            prop_assert_eq!(StateDiff::decode_against(&bytes, &Pre), Ok(diff.clone()));
            prop_assert!(StateDiff::decode_against(&bytes[..bytes.len() - 1], &Pre).is_err());
        }

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
