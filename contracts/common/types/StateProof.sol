// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "../libraries/Merkle.sol";

/// @notice What a cross-chain view hands a state reader: the path Transaction Root → a chain's
/// batch leaf → that batch's state root → an account → its storage slots, built from public L1
/// data (the Transaction Root's leaves, the batch's roots) and the chain's `eth_getProof` at the
/// batch's last block.
/// @param transactionRoot the Transaction Root the batch leaf is proven in (any root the reader
/// accepts: imported by this hyperchain on L2, ever a Transaction Root on L1)
/// @param messagesRoot the batch's messages root (part of its leaf)
/// @param stateRoot the batch's state root (part of its leaf)
/// @param batchProof the leaf `BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot,
/// stateRoot)` in the Transaction Root tree
/// @param accountProof the account's Merkle-Patricia proof against `stateRoot`, root node first
/// (`eth_getProof`'s `accountProof`); for an absent account, the nodes that show it absent
/// @param storageProofs one Merkle-Patricia proof per requested slot against the account's storage
/// root, in the order of the slots (`eth_getProof`'s `storageProof[i].proof`); empty for
/// `readAccount`, and for every slot of an account with empty storage
struct StateProof {
    bytes32 transactionRoot;
    bytes32 messagesRoot;
    bytes32 stateRoot;
    MerkleProof batchProof;
    bytes[] accountProof;
    bytes[][] storageProofs;
}

/// @notice An account of another chain as its state trie holds it. An account absent from the
/// trie reads as `exists == false`, nonce and balance 0, the empty storage root and a zero code
/// hash (what `EXTCODEHASH` answers for it).
struct AccountState {
    bool exists;
    uint256 nonce;
    uint256 balance;
    bytes32 storageRoot;
    bytes32 codeHash;
}
