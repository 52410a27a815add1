// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDAValidator} from "./interfaces/IDAValidator.sol";

/// @title RollupDAValidator
/// @notice Rollup DA: the batch's pubdata (its state diffs, each written slot once) is on L1, either
/// in the commit calldata or in an EIP-4844 blob of the commit transaction.
/// - Calldata: `daInput` is the pubdata and the committed `daCommitment` must be its keccak256.
/// - Blob: `daInput` is `abi.encodePacked(BLOB_MARKER, uint8 index)` and `daCommitment` must be the
///   versioned hash of blob `index` of the transaction (`blobhash(index)`). Consensus nodes keep
///   blobs about 18 days, long enough for anyone to copy the data.
/// The validity program checks that the pubdata behind the commitment (its keccak256 preimage, or
/// the blob whose versioned hash it is) is the batch's state diff, which binds the commitment to
/// the state transition.
contract RollupDAValidator is IDAValidator {
    /// @notice Prefix of a blob reference in `daInput` ("BLOB").
    bytes4 public constant BLOB_MARKER = 0x424c4f42;

    /// @notice `daInput` references blob `index`, whose versioned hash is not the DA commitment (or
    /// the transaction carries no such blob: `actual == 0`).
    error BlobHashMismatch(uint256 index, bytes32 expected, bytes32 actual);

    /// @inheritdoc IDAValidator
    /// @dev Accepts `keccak256(daInput) == daCommitment`; otherwise, if `daInput` is a 5-byte blob
    /// reference, `blobhash(index) == daCommitment`. Trying the hash first means no pubdata is ever
    /// mistaken for a blob reference.
    function validateDA(uint256, uint64, bytes32 daCommitment, bytes calldata daInput)
        external
        view
        override
    {
        bytes32 actual = keccak256(daInput);
        if (actual == daCommitment) return;
        if (daInput.length == 5 && bytes4(daInput[:4]) == BLOB_MARKER) {
            uint256 index = uint8(daInput[4]);
            bytes32 versionedHash = blobhash(index);
            if (versionedHash != daCommitment) revert BlobHashMismatch(index, daCommitment, versionedHash);
            return;
        }
        revert DACommitmentMismatch(daCommitment, actual);
    }
}
