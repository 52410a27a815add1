// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Message} from "../../contracts/common/types/Message.sol";

/// @dev Merkle trees built the slow, obvious way (every level in memory), to check what the
/// contracts compute incrementally: a batch's messages tree, the Transaction Root tree, and the
/// paths through them.
abstract contract MerkleHelpers {
    /// @dev The leaves of a batch's messages tree: the messages' hashes, in order.
    function _messageHashes(Message[] memory messages) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](messages.length);
        for (uint256 i; i < messages.length; ++i) {
            hashes[i] = messages[i].hash();
        }
    }

    /// @dev Root of the tree over `leaves` (node = keccak(left ‖ right), odd last node promoted, as
    /// rs_merkle builds it).
    function _merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length == 0) return bytes32(0);
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _nextLevel(level);
        }
        return level[0];
    }

    /// @dev The path of `leaves[index]` to the root.
    function _merkleProof(bytes32[] memory leaves, uint256 index)
        internal
        pure
        returns (MerkleProof memory proof)
    {
        proof.index = index;
        proof.leafCount = leaves.length;
        bytes32[] memory siblings = new bytes32[](256);
        uint256 used;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            if (index & 1 == 1) siblings[used++] = level[index - 1];
            else if (index + 1 < level.length) siblings[used++] = level[index + 1];
            level = _nextLevel(level);
            index >>= 1;
        }
        assembly ("memory-safe") {
            mstore(siblings, used)
        }
        proof.siblings = siblings;
    }

    function _nextLevel(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i + 1 < level.length; i += 2) {
            next[i / 2] = Merkle.hashPair(level[i], level[i + 1]);
        }
        if (level.length % 2 == 1) next[next.length - 1] = level[level.length - 1];
    }
}
