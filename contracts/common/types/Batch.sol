// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Net value a batch moves from its chain to another hyperchain, in one L1 asset. The shared
/// bridge moves `amount` of `token` from the batch's chain to `destinationChainId` when the batch
/// executes. `token == address(0)` is ETH. Derived from the batch's outbound messages whose
/// destination is another hyperchain (not L1: withdrawals are paid from the chain's balance when
/// finalized):
/// - ETH: `value + fee` of every such message;
/// - ERC-20: for messages sent by the `ASSET_ROUTER` predeploy, the `TokenTransfer` payload's
///   `amount` when its `originChainId` is the L1 chain id (token = `originToken`).
/// One entry per (destinationChainId, token) with a non-zero amount, sorted by destinationChainId
/// then token.
struct AssetTransfer {
    uint256 destinationChainId;
    address token;
    uint256 amount;
}

/// @notice What an operator commits for one batch on L1.
/// @param batchNumber previous batch number + 1 (genesis is batch 0)
/// @param newStateRoot the L2 state root after the batch's last block
/// @param lastBlockHash hash of the batch's last L2 block header. The batch's headers link by parent
/// hash from the previous batch's `lastBlockHash` (batch 0: the chain's genesis block) to it, so the
/// attested statement commits to every header of the batch: timestamps, base fees, coinbase,
/// prevrandao and gas limits, and the `BLOCKHASH` answers they imply
/// @param messagesRoot root of the batch's outbound messages tree (L2→L2 and L2→L1 messages, in
/// outbox nonce order; `bytes32(0)` when the batch sent none)
/// @param priorityRequestsProcessed cumulative number of L1 priority requests the chain has processed
/// @param priorityRequestsHash cumulative rolling hash of those messages (`MessageHashing.rollPriorityHash`)
/// @param importedRoots the Transaction Roots the chain's inbox imported during the batch, in order
/// @param daCommitment what the chain's DA validator checks (e.g. keccak256 of the rollup pubdata)
/// @param transfers net value moved to each other chain per L1 asset
struct CommitBatchInfo {
    uint64 batchNumber;
    bytes32 newStateRoot;
    bytes32 lastBlockHash;
    bytes32 messagesRoot;
    uint64 priorityRequestsProcessed;
    bytes32 priorityRequestsHash;
    bytes32[] importedRoots;
    bytes32 daCommitment;
    AssetTransfer[] transfers;
}

/// @notice The batch public input and the Transaction Root leaf. Shared by L1 settlement, the
/// attestation verifier and the Rust `zkevm`/`attester` crates, which must produce identical bytes.
library BatchHashing {
    /// @notice The statement a batch proof (today: an attestation) is about. `prevStateRoot` and
    /// `prevBlockHash` are what L1 stores for the previous batch, so a proof for a batch that does
    /// not continue it (another state, or headers that do not link to its last block) fails.
    /// keccak256(abi.encode(chainId, batchNumber, prevStateRoot, newStateRoot, prevBlockHash,
    ///   lastBlockHash, messagesRoot, priorityRequestsProcessed, priorityRequestsHash,
    ///   keccak256(abi.encode(importedRoots)), daCommitment, keccak256(abi.encode(transfers))))
    function publicInput(
        uint256 chainId,
        bytes32 prevStateRoot,
        bytes32 prevBlockHash,
        CommitBatchInfo calldata batch
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                chainId,
                batch.batchNumber,
                prevStateRoot,
                batch.newStateRoot,
                prevBlockHash,
                batch.lastBlockHash,
                batch.messagesRoot,
                batch.priorityRequestsProcessed,
                batch.priorityRequestsHash,
                keccak256(abi.encode(batch.importedRoots)),
                batch.daCommitment,
                keccak256(abi.encode(batch.transfers))
            )
        );
    }

    /// @notice Leaf of the Transaction Root tree for an executed batch.
    function transactionRootLeaf(uint256 chainId, uint64 batchNumber, bytes32 messagesRoot, bytes32 stateRoot)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(chainId, batchNumber, messagesRoot, stateRoot));
    }
}
