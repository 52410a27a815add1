// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "../libraries/Merkle.sol";

/// @notice What a relayer hands the destination inbox with a message (hyperbridge step 5, README): the path
/// message → source batch messages root → Transaction Root. The inbox recomputes
/// `messagesRoot = Merkle.computeRoot(message.hash(), messageProof)`, the batch leaf
/// `BatchHashing.transactionRootLeaf(message.sourceChainId, batchNumber, messagesRoot, stateRoot)`
/// and `root = Merkle.computeRoot(leaf, batchProof)`, and requires `root` to be imported.
/// @param batchNumber the source chain batch that sent the message
/// @param stateRoot that batch's state root (part of its Transaction Root leaf)
/// @param messageProof the message hash in the batch's messages tree
/// @param batchProof the batch leaf in the Transaction Root tree
struct RelayProof {
    uint64 batchNumber;
    bytes32 stateRoot;
    MerkleProof messageProof;
    MerkleProof batchProof;
}
