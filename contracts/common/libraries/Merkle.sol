// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A Merkle proof of one leaf in a keccak256 binary tree of `leafCount` leaves.
/// @param index position of the leaf, 0-based
/// @param leafCount number of leaves in the tree the proof is against
/// @param siblings sibling hashes from the leaf level up; levels where the node is the unpaired
/// rightmost node carry no sibling
struct MerkleProof {
    uint256 index;
    uint256 leafCount;
    bytes32[] siblings;
}

/// @title Merkle
/// @notice The one tree shape used by the messages tree of a batch and by the Transaction Root, and
/// by the Rust crate `hyperchain-merkle` (which builds it with `rs_merkle`):
/// - internal node = keccak256(left ‖ right);
/// - a level with an odd number of nodes promotes its last node unchanged to the next level;
/// - a tree of one leaf has that leaf as root; an empty tree has root `bytes32(0)`.
/// Leaves are hashes of ABI-encoded structs longer than 64 bytes, so a leaf can never be confused
/// with an internal node.
library Merkle {
    /// @notice The proof's index is not below its leaf count.
    error MerkleIndexOutOfRange(uint256 index, uint256 leafCount);
    /// @notice The proof has a different number of siblings than its index and leaf count require.
    error MerkleProofLengthMismatch(uint256 expected, uint256 actual);

    /// @notice Root of the tree in which `leaf` sits at `proof.index`. Reverts on a malformed proof;
    /// the caller compares the result with a root it trusts.
    function computeRoot(bytes32 leaf, MerkleProof calldata proof) internal pure returns (bytes32 node) {
        uint256 index = proof.index;
        uint256 leafCount = proof.leafCount;
        if (index >= leafCount) revert MerkleIndexOutOfRange(index, leafCount);
        bytes32[] calldata siblings = proof.siblings;
        uint256 used;
        node = leaf;
        // `last` is the index of the last node on the current level; the root level has last == 0.
        for (uint256 last = leafCount - 1; last != 0; last >>= 1) {
            if (index & 1 == 1) {
                if (used == siblings.length) revert MerkleProofLengthMismatch(used + 1, siblings.length);
                node = hashPair(siblings[used], node);
                ++used;
            } else if (index != last) {
                if (used == siblings.length) revert MerkleProofLengthMismatch(used + 1, siblings.length);
                node = hashPair(node, siblings[used]);
                ++used;
            }
            index >>= 1;
        }
        if (used != siblings.length) revert MerkleProofLengthMismatch(used, siblings.length);
    }

    /// @notice Root of the tree over `nodes` (the leaves, in order). Overwrites `nodes` with the
    /// levels it computes, so the caller must not use the array afterwards.
    function rootOf(bytes32[] memory nodes) internal pure returns (bytes32) {
        uint256 count = nodes.length;
        if (count == 0) return bytes32(0);
        while (count > 1) {
            uint256 pairs = count >> 1;
            for (uint256 i; i < pairs; ++i) {
                nodes[i] = hashPair(nodes[2 * i], nodes[2 * i + 1]);
            }
            if (count & 1 == 1) nodes[pairs] = nodes[count - 1];
            count = pairs + (count & 1);
        }
        return nodes[0];
    }

    /// @notice keccak256(left ‖ right), without allocating memory.
    function hashPair(bytes32 left, bytes32 right) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            result := keccak256(0x00, 0x40)
        }
    }
}

/// @title IncrementalMerkle
/// @notice Append-only version of the `Merkle` tree that keeps one node per level (the roots of the
/// perfect subtrees that make up the tree), so appending and computing the root cost O(log n).
library IncrementalMerkle {
    struct Tree {
        uint256 leafCount;
        /// level => root of the perfect subtree of 2^level leaves that is the tree's left part at
        /// that level; meaningful only where bit `level` of `leafCount` is set.
        mapping(uint256 level => bytes32) frontier;
    }

    /// @notice Appends `leaf` and returns the new root and leaf count.
    function append(Tree storage tree, bytes32 leaf) internal returns (bytes32 newRoot, uint256 leafCount) {
        uint256 count = tree.leafCount;
        bytes32 node = leaf;
        uint256 level;
        // Merge with every complete subtree of the same size: the carries of `count + 1`.
        for (uint256 n = count; n & 1 == 1; n >>= 1) {
            node = Merkle.hashPair(tree.frontier[level], node);
            ++level;
        }
        tree.frontier[level] = node;
        leafCount = count + 1;
        tree.leafCount = leafCount;
        newRoot = _root(tree, leafCount, level, node);
    }

    /// @notice Current root (`bytes32(0)` when empty).
    function root(Tree storage tree) internal view returns (bytes32) {
        uint256 count = tree.leafCount;
        if (count == 0) return bytes32(0);
        uint256 low;
        while ((count >> low) & 1 == 0) ++low;
        return _root(tree, count, low, tree.frontier[low]);
    }

    /// @dev Folds the frontier above `level` (whose node is `node`, the lowest set bit) into the root:
    /// the subtree at each higher set bit is the left child of everything to its right.
    function _root(Tree storage tree, uint256 count, uint256 level, bytes32 node)
        private
        view
        returns (bytes32)
    {
        for (uint256 n = count >> (level + 1); n != 0; n >>= 1) {
            ++level;
            if (n & 1 == 1) node = Merkle.hashPair(tree.frontier[level], node);
        }
        return node;
    }
}
