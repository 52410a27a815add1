//! Cross-chain view proofs: the `StateProof` that `StateReader.readAccount` / `readStorage` (and
//! `StateProofs` on L1) verify — a batch's leaf in a Transaction Root, an account against the
//! batch's state root, storage slots against the account's storage root — from the chain's own
//! `eth_getProof` at the batch's last block. [`prove_state`] builds the whole proof from public
//! data only: the Transaction Root path from L1's `TransactionRootUpdated` events and the batch's
//! roots from its `ChainSettlement`, the account and storage proofs from the chain's node.

use alloy::{
    eips::BlockNumberOrTag,
    network::Ethereum,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_bindings::{
    ChainSettlement, IInbox, MerkleProof, StateProof, TransactionRoot, predeploys,
    transaction_root_leaf,
};
use hyperchain_merkle::{MerkleError, Tree};

/// Why the proofs of an account could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateProofError {
    /// The chain's node did not answer `eth_getProof`.
    #[error("eth_getProof({account}) at block {block} failed: {source}")]
    GetProof {
        /// The account asked for.
        account: Address,
        /// The block asked at.
        block: u64,
        /// The transport error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// The node answered without a single account proof node (no state trie at that block).
    #[error("eth_getProof({account}) at block {block} returned no account proof")]
    NoAccountProof {
        /// The account asked for.
        account: Address,
        /// The block asked at.
        block: u64,
    },
    /// A call to an L1 contract failed.
    #[error("L1 call {call} failed: {source}")]
    L1Call {
        /// The contract function.
        call: &'static str,
        /// The contract error.
        #[source]
        source: alloy::contract::Error,
    },
    /// An L1 or L2 RPC request other than `eth_getProof` failed.
    #[error("RPC {method} failed: {source}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// The transport error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// The batch is not in the Transaction Root (not executed on L1 yet, or no such batch).
    #[error(
        "batch {batch} of chain {chain_id} is not in the Transaction Root (not executed on L1 yet?)"
    )]
    BatchNotAppended {
        /// The chain.
        chain_id: u64,
        /// The batch.
        batch: u64,
    },
    /// The chosen Transaction Root does not hold the batch's leaf yet.
    #[error(
        "the Transaction Root over {leaf_count} leaves does not hold batch {batch}'s leaf {leaf_index}"
    )]
    RootBeforeBatch {
        /// The batch.
        batch: u64,
        /// Its leaf index.
        leaf_index: u64,
        /// Leaves of the chosen root.
        leaf_count: u64,
    },
    /// L1's events and L1's state disagree (a node that is not the ecosystem's L1).
    #[error("L1 is inconsistent: {0}")]
    Inconsistent(String),
    /// A `TransactionRootUpdated` log of the TransactionRoot contract that does not decode.
    #[error("L1 is inconsistent: TransactionRootUpdated: {0}")]
    UndecodableRootUpdate(#[source] alloy::sol_types::Error),
    /// The batch's leaf has no proof in the tree rebuilt from L1's events.
    #[error("L1 is inconsistent: batch proof: {0}")]
    BatchProof(#[source] MerkleError),
    /// No block of the chain has the batch's state root (the node is not the chain L1 settles,
    /// or the block is older than the search window).
    #[error("no block of the chain in {from}..={to} has batch {batch}'s state root {state_root}")]
    BlockNotFound {
        /// The batch.
        batch: u64,
        /// Its state root.
        state_root: B256,
        /// Lowest block searched.
        from: u64,
        /// Highest block searched.
        to: u64,
    },
    /// The node answered a different number of storage proofs than slots were asked.
    #[error("eth_getProof at block {block} proved {proved} slots, {asked} were asked")]
    SlotCount {
        /// The block asked at.
        block: u64,
        /// Slots asked for.
        asked: usize,
        /// Storage proofs returned.
        proved: usize,
    },
}

/// One account of a chain at one block, with its Merkle-Patricia proofs as `eth_getProof`
/// returned them (an absent account has the proof of its absence, an empty slot likewise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProofs {
    /// The state root the proofs are against: the hash of the account proof's root node (anvil's
    /// block header does not carry the real root of an `--init` genesis block).
    pub state_root: B256,
    /// The account.
    pub account: Address,
    /// Its nonce (0 when absent).
    pub nonce: u64,
    /// Its balance in wei (0 when absent).
    pub balance: U256,
    /// Its storage root (the empty-trie root when absent or without storage).
    pub storage_root: B256,
    /// Its code hash as the node reports it.
    pub code_hash: B256,
    /// Account proof, root node first.
    pub account_proof: Vec<Bytes>,
    /// The slots asked for, in order.
    pub slots: Vec<B256>,
    /// Their values (zero when empty).
    pub values: Vec<B256>,
    /// One storage proof per slot.
    pub storage_proofs: Vec<Vec<Bytes>>,
}

impl AccountProofs {
    /// The `StateProof` the readers take for a batch whose Transaction Root leaf is
    /// `transactionRootLeaf(chainId, batchNumber, messages_root, self.state_root)`, proven in
    /// `transaction_root` by `batch_proof`.
    pub fn into_state_proof(
        self,
        transaction_root: B256,
        messages_root: B256,
        batch_proof: MerkleProof,
    ) -> StateProof {
        StateProof {
            transactionRoot: transaction_root,
            messagesRoot: messages_root,
            stateRoot: self.state_root,
            batchProof: batch_proof,
            accountProof: self.account_proof,
            storageProofs: self.storage_proofs,
        }
    }
}

/// The proofs of `account` and its `slots` at `block` from the chain's node.
pub async fn account_proofs<P: Provider<Ethereum>>(
    provider: &P,
    block: u64,
    account: Address,
    slots: &[B256],
) -> Result<AccountProofs, StateProofError> {
    let response = provider
        .get_proof(account, slots.to_vec())
        .block_id(block.into())
        .await
        .map_err(|source| StateProofError::GetProof { account, block, source })?;
    let state_root = response
        .account_proof
        .first()
        .map(keccak256)
        .ok_or(StateProofError::NoAccountProof { account, block })?;
    if response.storage_proof.len() != slots.len() {
        return Err(StateProofError::SlotCount {
            block,
            asked: slots.len(),
            proved: response.storage_proof.len(),
        });
    }
    Ok(AccountProofs {
        state_root,
        account,
        nonce: response.nonce,
        balance: response.balance,
        storage_root: response.storage_hash,
        code_hash: response.code_hash,
        account_proof: response.account_proof,
        slots: slots.to_vec(),
        values: response.storage_proof.iter().map(|p| B256::from(p.value)).collect(),
        storage_proofs: response.storage_proof.into_iter().map(|p| p.proof).collect(),
    })
}

/// A batch of a hyperchain as the Transaction Root holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootedBatch {
    /// The chain.
    pub chain_id: u64,
    /// The batch.
    pub batch: u64,
    /// Its messages root.
    pub messages_root: B256,
    /// Its state root.
    pub state_root: B256,
    /// Its leaf's index in the Transaction Root tree.
    pub leaf_index: u64,
    /// The Transaction Root the proof is against.
    pub transaction_root: B256,
    /// The leaf's path to `transaction_root`.
    pub batch_proof: hyperchain_merkle::MerkleProof,
}

/// The Transaction Root leaves L1 appended so far, in order (from `TransactionRootUpdated`).
pub async fn transaction_root_leaves<P: Provider<Ethereum>>(
    l1: &P,
    transaction_root: Address,
) -> Result<Vec<TransactionRoot::TransactionRootUpdated>, StateProofError> {
    let filter = Filter::new()
        .address(transaction_root)
        .event_signature(TransactionRoot::TransactionRootUpdated::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l1
        .get_logs(&filter)
        .await
        .map_err(|source| StateProofError::Rpc { method: "eth_getLogs", source })?;
    let mut leaves = Vec::with_capacity(logs.len());
    for (i, log) in logs.iter().enumerate() {
        let event = TransactionRoot::TransactionRootUpdated::decode_log(&log.inner)
            .map_err(StateProofError::UndecodableRootUpdate)?
            .data;
        if event.leafIndex != U256::from(i) {
            return Err(StateProofError::Inconsistent(format!(
                "TransactionRootUpdated {i} has leaf index {}",
                event.leafIndex
            )));
        }
        leaves.push(event);
    }
    Ok(leaves)
}

/// Leaves of the newest Transaction Root the inbox of the chain behind `reader` imported (`None`
/// before its first import): a proof against a root over at most that many leaves verifies on
/// that chain's `StateReader`.
pub async fn newest_imported_leaf_count<P1: Provider<Ethereum>, P2: Provider<Ethereum>>(
    l1: &P1,
    reader: &P2,
    transaction_root: Address,
) -> Result<Option<u64>, StateProofError> {
    let filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::TransactionRootImported::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = reader
        .get_logs(&filter)
        .await
        .map_err(|source| StateProofError::Rpc { method: "eth_getLogs", source })?;
    let l1_root = TransactionRoot::new(transaction_root, l1);
    let mut newest = None;
    for root in logs.iter().filter_map(|l| l.topics().get(1).copied()) {
        let info = l1_root.rootInfo(root).call().await.map_err(|source| {
            StateProofError::L1Call { call: "TransactionRoot.rootInfo", source }
        })?;
        newest = newest.max(Some(info.leafCount));
    }
    Ok(newest)
}

/// The newest batch of `chain_id` among the first `leaf_count` Transaction Root leaves (all of
/// them when `None`), `None` when none is there yet.
pub async fn latest_batch<P: Provider<Ethereum>>(
    l1: &P,
    transaction_root: Address,
    chain_id: u64,
    leaf_count: Option<u64>,
) -> Result<Option<u64>, StateProofError> {
    let leaves = transaction_root_leaves(l1, transaction_root).await?;
    let count = leaf_count.map_or(leaves.len(), |c| c as usize).min(leaves.len());
    Ok(leaves[..count]
        .iter()
        .rev()
        .find(|e| e.chainId == U256::from(chain_id))
        .map(|e| e.batchNumber))
}

/// Batch `batch` of `chain_id` (settled by `settlement`) and its path in the Transaction Root
/// over the first `leaf_count` leaves (all of them when `None`: L1's current root).
pub async fn rooted_batch<P: Provider<Ethereum>>(
    l1: &P,
    transaction_root: Address,
    settlement: Address,
    chain_id: u64,
    batch: u64,
    leaf_count: Option<u64>,
) -> Result<RootedBatch, StateProofError> {
    let events = transaction_root_leaves(l1, transaction_root).await?;
    let leaf_index = events
        .iter()
        .position(|e| e.chainId == U256::from(chain_id) && e.batchNumber == batch)
        .ok_or(StateProofError::BatchNotAppended { chain_id, batch })? as u64;
    let count = leaf_count.unwrap_or(events.len() as u64).min(events.len() as u64);
    if count <= leaf_index {
        return Err(StateProofError::RootBeforeBatch { batch, leaf_index, leaf_count: count });
    }
    let settlement = ChainSettlement::new(settlement, l1);
    let call = |call| move |source| StateProofError::L1Call { call, source };
    let messages_root = settlement
        .messagesRoot(batch)
        .call()
        .await
        .map_err(call("ChainSettlement.messagesRoot"))?;
    let state_root =
        settlement.stateRoot(batch).call().await.map_err(call("ChainSettlement.stateRoot"))?;
    let leaf = transaction_root_leaf(U256::from(chain_id), batch, messages_root, state_root);
    if leaf != events[leaf_index as usize].leaf {
        return Err(StateProofError::Inconsistent(format!(
            "batch {batch}'s roots on its settlement do not give the leaf L1 appended"
        )));
    }
    let leaves: Vec<B256> = events[..count as usize].iter().map(|e| e.leaf).collect();
    let tree = Tree::new(&leaves);
    let batch_proof = tree.proof(leaf_index).map_err(StateProofError::BatchProof)?;
    let root = tree.root();
    let known = TransactionRoot::new(transaction_root, l1)
        .isTransactionRoot(root)
        .call()
        .await
        .map_err(call("TransactionRoot.isTransactionRoot"))?;
    if !known {
        return Err(StateProofError::Inconsistent(format!(
            "the tree over {count} leaves has root {root}, which L1 never had"
        )));
    }
    Ok(RootedBatch {
        chain_id,
        batch,
        messages_root,
        state_root,
        leaf_index,
        transaction_root: root,
        batch_proof,
    })
}

/// Blocks [`batch_last_block`] searches back from the chain's head.
pub const BLOCK_SEARCH_WINDOW: u64 = 100_000;

/// The newest block of the chain whose state root is `state_root` (the batch's last block, or a
/// later block that changed no state), searched back from the head.
pub async fn batch_last_block<P: Provider<Ethereum>>(
    l2: &P,
    batch: u64,
    state_root: B256,
) -> Result<u64, StateProofError> {
    let rpc = |method| move |source| StateProofError::Rpc { method, source };
    let head = l2.get_block_number().await.map_err(rpc("eth_blockNumber"))?;
    let from = head.saturating_sub(BLOCK_SEARCH_WINDOW);
    for number in (from..=head).rev() {
        let block = l2
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(rpc("eth_getBlockByNumber"))?;
        if block.is_some_and(|b| b.header.state_root == state_root) {
            return Ok(number);
        }
    }
    Err(StateProofError::BlockNotFound { batch, state_root, from, to: head })
}

/// The whole `StateProof` of `account` and `slots` on the chain behind `l2` at the end of
/// `batch`, against the Transaction Root over `leaf_count` leaves (L1's current one when `None`),
/// with the values it proves.
#[allow(clippy::too_many_arguments)]
pub async fn prove_state<P1: Provider<Ethereum>, P2: Provider<Ethereum>>(
    l1: &P1,
    l2: &P2,
    transaction_root: Address,
    settlement: Address,
    chain_id: u64,
    batch: u64,
    leaf_count: Option<u64>,
    account: Address,
    slots: &[B256],
) -> Result<(RootedBatch, u64, AccountProofs), StateProofError> {
    let rooted =
        rooted_batch(l1, transaction_root, settlement, chain_id, batch, leaf_count).await?;
    let block = batch_last_block(l2, batch, rooted.state_root).await?;
    let proofs = account_proofs(l2, block, account, slots).await?;
    if proofs.state_root != rooted.state_root {
        return Err(StateProofError::Inconsistent(format!(
            "block {block}'s proofs are against {}, not batch {batch}'s state root {}",
            proofs.state_root, rooted.state_root
        )));
    }
    Ok((rooted, block, proofs))
}
