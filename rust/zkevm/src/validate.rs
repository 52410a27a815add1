//! The validity program: stateless re-execution of a batch on revm. No RPC: the witness comes from
//! [`crate::witness`].
//!
//! Before a chain's first batch, [`check_genesis`] (0) requires the genesis's system contracts to
//! be the protocol version's canonical code with empty storage (`ChainFactory.predeployCodes`).
//!
//! [`validate_batch`] first checks the block context ([`crate::block_context`]: the header chain
//! from the last block hash L1 holds, timestamps, base fees, the L1 time bound, the system
//! transactions against L1's queue and roots), then (a) verifies every witness account and storage proof against the previous
//! state root ([`crate::db`]), (b) re-executes ([`crate::execute`]) every transaction of every block with revm against the witness
//! only (a read outside the witness is an error), recovering each sender from its signature —
//! only system transactions (claimed sender `SYSTEM_CALLER`, to the `INBOX`, calling
//! `importTransactionRoot` or `executePriorityRequest`) run unsigned, (c) checks each block's gas
//! used and receipts root against its header, (d) derives the batch outputs from the produced logs
//! ([`crate::commitment`]) and (e) the state diff / rollup pubdata ([`crate::pubdata`]).
//!
//! Finally (f) it computes the new state root *from the pubdata*: the state diff is every write
//! the batch makes to the state trie, and applying it to a sparse trie opened by the witness
//! proofs ([`crate::trie`], [`crate::state_diff`], [`crate::state_root`]) must give the last block header's state root. So the root L1 settles
//! is determined by the previous root and the published pubdata, and anyone can rebuild it
//! ([`crate::replay`]). Under anvil's rules ([`ExecutionRules::keep_cleared_slots`]) every slot a
//! committed transaction loaded is a leaf, zero ones holding rlp(0), whether or not its value
//! changed: such a slot that was not yet a leaf is published with value zero.

use crate::{
    block_context::{L1View, check_header_chain, check_system_transactions},
    commitment::{BatchContext, BatchOutputs},
    db::verified_db,
    error::{MissingEntry, ValidationError},
    execute::{Mode, execute_batch},
    pubdata::{StateDiff, da_commitment},
    rules::ExecutionRules,
    state_root::matching_state_root,
    witness::{BatchBlocks, Witness},
};
use alloy::{
    consensus::BlockHeader,
    primitives::{B256, Bytes, KECCAK256_EMPTY},
};
use alloy_trie::EMPTY_ROOT_HASH;
use hyperchain_bindings::{CommitBatchInfo, PredeployCode};
use revm::database::CacheDB;

/// What a valid batch produced.
#[derive(Clone, Debug)]
pub struct ValidatedBatch {
    /// Outputs derived from the re-executed logs.
    pub outputs: BatchOutputs,
    /// Every write the batch makes to the state trie (the new state root is computed from it).
    pub state_diff: StateDiff,
    /// `state_diff.encode()`: the rollup pubdata.
    pub pubdata: Bytes,
    /// `state_diff.encode_compressed(pre-state)`: the same diff with values as deltas against the
    /// verified witness pre-state (decodes against the state replayed up to this batch).
    pub compressed_pubdata: Bytes,
    /// Total gas the batch used.
    pub gas_used: u64,
    /// Number of transactions executed.
    pub transactions: usize,
    /// The new state root, recomputed (and equal to the last block header's).
    pub state_root: B256,
    /// Hash of the batch's last header, computed from the header (the chain of parent hashes from
    /// the context's `prev_block_hash` checked).
    pub last_block_hash: B256,
}

impl ValidatedBatch {
    /// The `CommitBatchInfo` of this batch as batch `batch_number` with DA commitment
    /// `da_commitment` (for a rollup: `da_commitment(&self.pubdata)`).
    pub fn commit_batch_info(&self, batch_number: u64, da_commitment: B256) -> CommitBatchInfo {
        self.outputs.commit_batch_info(
            batch_number,
            self.state_root,
            self.last_block_hash,
            da_commitment,
        )
    }

    /// Checks an operator's claimed `CommitBatchInfo` against the re-executed batch, field by
    /// field. The DA commitment must be `keccak256(pubdata)` in both DA modes: a rollup publishes
    /// the pubdata on L1, a validium's committee signs that same commitment (and stores the data).
    pub fn check_claim(&self, claimed: &CommitBatchInfo) -> Result<(), ValidationError> {
        let computed = self.commit_batch_info(claimed.batchNumber, da_commitment(&self.pubdata));
        let mismatch = |field: &'static str, claimed: String, computed: String| {
            Err(ValidationError::ClaimMismatch { field, claimed, computed })
        };
        if claimed.newStateRoot != computed.newStateRoot {
            return mismatch(
                "newStateRoot",
                claimed.newStateRoot.to_string(),
                computed.newStateRoot.to_string(),
            );
        }
        if claimed.lastBlockHash != computed.lastBlockHash {
            return mismatch(
                "lastBlockHash",
                claimed.lastBlockHash.to_string(),
                computed.lastBlockHash.to_string(),
            );
        }
        if claimed.messagesRoot != computed.messagesRoot {
            return mismatch(
                "messagesRoot",
                claimed.messagesRoot.to_string(),
                computed.messagesRoot.to_string(),
            );
        }
        if claimed.priorityRequestsProcessed != computed.priorityRequestsProcessed {
            return mismatch(
                "priorityRequestsProcessed",
                claimed.priorityRequestsProcessed.to_string(),
                computed.priorityRequestsProcessed.to_string(),
            );
        }
        if claimed.priorityRequestsHash != computed.priorityRequestsHash {
            return mismatch(
                "priorityRequestsHash",
                claimed.priorityRequestsHash.to_string(),
                computed.priorityRequestsHash.to_string(),
            );
        }
        if claimed.importedRoots != computed.importedRoots {
            return mismatch(
                "importedRoots",
                format!("{:?}", claimed.importedRoots),
                format!("{:?}", computed.importedRoots),
            );
        }
        if claimed.daCommitment != computed.daCommitment {
            return mismatch(
                "daCommitment",
                claimed.daCommitment.to_string(),
                computed.daCommitment.to_string(),
            );
        }
        if claimed.transfers != computed.transfers {
            return mismatch(
                "transfers",
                format!("{:?}", claimed.transfers),
                format!("{:?}", computed.transfers),
            );
        }
        Ok(())
    }
}

/// (0) Canonical genesis, checked before a chain's first batch is attested: every system contract
/// in `predeploys` (the chain's protocol version's `ChainFactory.predeployCodes`) must be in the
/// witness, proven against `genesis_root` (the state root registered on L1), with exactly the
/// published code hash and empty storage. Later batches need no check: the code of an account
/// that has code never changes (no CREATE lands on it, SELFDESTRUCT only deletes an account created
/// in the same transaction), and every later state descends from this one through attested
/// batches.
pub fn check_genesis(
    genesis_root: B256,
    witness: &Witness,
    predeploys: &[PredeployCode],
    rules: &ExecutionRules,
) -> Result<(), ValidationError> {
    if predeploys.is_empty() {
        return Err(ValidationError::NoPredeployCodes);
    }
    verified_db(genesis_root, witness, rules)?;
    for predeploy in predeploys {
        let address = predeploy.account;
        let account = witness
            .accounts
            .iter()
            .find(|a| a.address == address)
            .ok_or(ValidationError::MissingWitness(MissingEntry::Account(address)))?;
        let code_hash =
            if account.code_hash == B256::ZERO { KECCAK256_EMPTY } else { account.code_hash };
        if code_hash != predeploy.codeHash {
            return Err(ValidationError::NonCanonicalPredeploy {
                address,
                what: "code hash",
                expected: predeploy.codeHash,
                actual: code_hash,
            });
        }
        let storage_root =
            if account.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { account.storage_hash };
        if storage_root != EMPTY_ROOT_HASH {
            return Err(ValidationError::NonCanonicalPredeploy {
                address,
                what: "storage root",
                expected: EMPTY_ROOT_HASH,
                actual: storage_root,
            });
        }
    }
    Ok(())
}

/// Re-executes `batch` against `witness` and derives its outputs. `prev_state_root` is the state
/// root the caller trusts (L1's last one), `ctx` the outputs' context, `l1` what the attester
/// read from L1 for the block-context bounds (the L1 time bound, the system transactions against
/// L1's queue and roots; `None` skips them: the operator's own run).
pub fn validate_batch(
    batch: &BatchBlocks,
    witness: &Witness,
    prev_state_root: B256,
    ctx: &BatchContext,
    l1: Option<&L1View>,
    rules: &ExecutionRules,
) -> Result<ValidatedBatch, ValidationError> {
    let Some(first) = batch.blocks.first() else { return Err(ValidationError::BadBlocks) };
    let first_number = first.header.number();
    if batch.blocks.iter().enumerate().any(|(i, b)| b.header.number() != first_number + i as u64) {
        return Err(ValidationError::BadBlocks);
    }
    let chain_id: u64 = ctx.chain_id.try_into().map_err(|_| ValidationError::BadBlocks)?;
    let verified_hashes =
        check_header_chain(batch, &witness.ancestors, ctx.prev_block_hash, l1, rules)?;
    if let Some(l1) = l1 {
        check_system_transactions(batch, l1)?;
    }
    let last_block_hash = verified_hashes.last_key_value().map(|(_, h)| *h).unwrap_or_default();
    let mut db = verified_db(prev_state_root, witness, rules)?;
    // `BLOCKHASH` answers come from the verified chain only: the ancestors linked to the last
    // block hash L1 holds, and the batch's own blocks.
    db.block_hashes = verified_hashes;
    let pre = db.clone();
    let mut cache = CacheDB::new(db);
    let execution = execute_batch(batch, &mut cache, chain_id, rules, Mode::Validate)?;
    let outputs = BatchOutputs::from_logs(ctx, &execution.logs)?;
    let claimed = batch.blocks.last().map(|b| b.header.state_root()).unwrap_or_default();
    let (state_root, state_diff) =
        matching_state_root(witness, &pre, &cache, rules, &execution.loaded, claimed)?;
    if state_root != claimed {
        return Err(ValidationError::StateRootMismatch { computed: state_root, claimed });
    }
    let pubdata = state_diff.encode();
    let compressed_pubdata = state_diff.encode_compressed(&pre);
    Ok(ValidatedBatch {
        outputs,
        state_diff,
        pubdata,
        compressed_pubdata,
        gas_used: execution.gas_used,
        transactions: execution.transactions,
        state_root,
        last_block_hash,
    })
}
