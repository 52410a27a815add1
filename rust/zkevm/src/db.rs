//! The proven database: the witness's pre-state, each account and slot verified against the
//! previous state root, as the revm database the batch runs on (a read outside it is an error).

use crate::{
    block_context::ancestor_hashes,
    error::{MissingEntry, ValidationError},
    pubdata::PreState,
    rules::ExecutionRules,
    witness::{BatchBlocks, Witness},
};
use alloy::primitives::{Address, B256, KECCAK256_EMPTY, U256, keccak256};
use alloy_rlp::Encodable;
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, TrieAccount, proof::verify_proof};
use revm::{DatabaseRef, bytecode::Bytecode, state::AccountInfo};
use std::collections::{BTreeMap, BTreeSet};

/// The pre-state the batch executes on.
#[derive(Clone, Debug, Default)]
pub(crate) struct WitnessDb {
    pub(crate) accounts: BTreeMap<Address, Option<AccountInfo>>,
    pub(crate) storage: BTreeMap<(Address, U256), U256>,
    /// Zero slots proven as leaves holding rlp(0) (anvil), not absent.
    pub(crate) zero_leaves: BTreeSet<(Address, U256)>,
    pub(crate) codes: BTreeMap<B256, Bytecode>,
    pub(crate) block_hashes: BTreeMap<u64, B256>,
}

impl DatabaseRef for WitnessDb {
    type Error = MissingEntry;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, MissingEntry> {
        self.accounts.get(&address).cloned().ok_or(MissingEntry::Account(address))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, MissingEntry> {
        self.codes.get(&code_hash).cloned().ok_or(MissingEntry::Code(code_hash))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, MissingEntry> {
        if let Some(value) = self.storage.get(&(address, index)) {
            return Ok(*value);
        }
        // A non-existent account has empty storage (e.g. a contract being created).
        match self.accounts.get(&address) {
            Some(None) => Ok(U256::ZERO),
            _ => Err(MissingEntry::Slot(address, index)),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, MissingEntry> {
        self.block_hashes.get(&number).copied().ok_or(MissingEntry::BlockHash(number))
    }
}

impl PreState for WitnessDb {
    fn balance(&self, address: Address) -> U256 {
        self.accounts.get(&address).cloned().flatten().map(|a| a.balance).unwrap_or_default()
    }

    fn nonce(&self, address: Address) -> u64 {
        self.accounts.get(&address).cloned().flatten().map(|a| a.nonce).unwrap_or_default()
    }

    fn slot(&self, address: Address, slot: B256) -> U256 {
        self.storage.get(&(address, slot.into())).copied().unwrap_or_default()
    }
}

/// (a) Verifies the witness against `prev_state_root` and loads it into a database.
pub(crate) fn verified_db(
    prev_state_root: B256,
    witness: &Witness,
    rules: &ExecutionRules,
) -> Result<WitnessDb, ValidationError> {
    if witness.prev_state_root != prev_state_root {
        return Err(ValidationError::WrongPreviousRoot {
            expected: prev_state_root,
            witness: witness.prev_state_root,
        });
    }
    // `BLOCKHASH` answers are set by the caller, from the verified header chain.
    let mut db = WitnessDb::default();
    for (hash, code) in &witness.codes {
        if keccak256(code) != *hash {
            return Err(ValidationError::BadCode { address: Address::ZERO });
        }
        db.codes.insert(*hash, Bytecode::new_raw(code.clone()));
    }
    for acc in &witness.accounts {
        let address = acc.address;
        let code_hash = if acc.code_hash == B256::ZERO { KECCAK256_EMPTY } else { acc.code_hash };
        let storage_root =
            if acc.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { acc.storage_hash };
        let exists = !(acc.nonce == 0
            && acc.balance.is_zero()
            && code_hash == KECCAK256_EMPTY
            && storage_root == EMPTY_ROOT_HASH);
        let leaf = || {
            let account =
                TrieAccount { nonce: acc.nonce, balance: acc.balance, storage_root, code_hash };
            let mut buf = Vec::new();
            account.encode(&mut buf);
            buf
        };
        let path = Nibbles::unpack(keccak256(address));
        let mut verified =
            verify_proof(prev_state_root, path, exists.then(leaf), &acc.account_proof);
        let mut exists = exists;
        if verified.is_err() && !exists {
            // An empty account in the trie (only a genesis can hold one, EIP-161): it exists
            // until a transaction touches it.
            verified = verify_proof(prev_state_root, path, Some(leaf()), &acc.account_proof);
            exists = verified.is_ok();
        }
        verified.map_err(|source| ValidationError::BadAccountProof {
            address,
            source: Box::new(source),
        })?;
        for slot in &acc.storage_proof {
            let key = slot.key.as_b256();
            let path = Nibbles::unpack(keccak256(key));
            let expected = (!slot.value.is_zero()).then(|| alloy_rlp::encode(slot.value));
            let mut verified = verify_proof(storage_root, path, expected, &slot.proof);
            let mut zero_leaf = false;
            if verified.is_err() && slot.value.is_zero() && rules.keep_cleared_slots {
                // A cleared slot anvil keeps as a leaf holding rlp(0).
                let zero = Some(alloy_rlp::encode(U256::ZERO));
                verified = verify_proof(storage_root, path, zero, &slot.proof);
                zero_leaf = verified.is_ok();
            }
            verified.map_err(|source| ValidationError::BadStorageProof {
                address,
                slot: key,
                source: Box::new(source),
            })?;
            let index = U256::from_be_bytes(key.0);
            if zero_leaf {
                db.zero_leaves.insert((address, index));
            }
            db.storage.insert((address, index), slot.value);
        }
        if !exists {
            db.accounts.insert(address, None);
            continue;
        }
        let code = if code_hash == KECCAK256_EMPTY {
            Bytecode::default()
        } else {
            db.codes.get(&code_hash).cloned().ok_or(ValidationError::BadCode { address })?
        };
        db.accounts.insert(
            address,
            Some(
                AccountInfo::default()
                    .with_balance(acc.balance)
                    .with_nonce(acc.nonce)
                    .with_code_and_hash(code, code_hash),
            ),
        );
    }
    Ok(db)
}

/// The witness's pre-state as a database, proofs and headers not checked (`BLOCKHASH` answers
/// from the ancestors and the batch's headers as the node gave them).
pub(crate) fn unverified_db(witness: &Witness, batch: &BatchBlocks) -> WitnessDb {
    let mut block_hashes = ancestor_hashes(&witness.ancestors);
    block_hashes.extend(batch.blocks.iter().map(|b| (b.header.number, b.header.hash)));
    let mut db = WitnessDb { block_hashes, ..WitnessDb::default() };
    for (hash, code) in &witness.codes {
        db.codes.insert(*hash, Bytecode::new_raw(code.clone()));
    }
    for acc in &witness.accounts {
        for slot in &acc.storage_proof {
            db.storage.insert((acc.address, U256::from_be_bytes(slot.key.as_b256().0)), slot.value);
        }
        let code_hash = if acc.code_hash == B256::ZERO { KECCAK256_EMPTY } else { acc.code_hash };
        let code = db.codes.get(&code_hash).cloned().unwrap_or_default();
        db.accounts.insert(
            acc.address,
            Some(
                AccountInfo::default()
                    .with_balance(acc.balance)
                    .with_nonce(acc.nonce)
                    .with_code_and_hash(code, code_hash),
            ),
        );
    }
    db
}
