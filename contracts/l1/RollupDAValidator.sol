// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDAValidator} from "./interfaces/IDAValidator.sol";

/// @title RollupDAValidator
/// @notice Rollup DA: the batch's pubdata (its state diffs, each written slot once) is passed in the
/// commit calldata, so it is on L1 forever; the committed `daCommitment` must be its keccak256.
/// The validity program checks that the pubdata is the batch's state diff, which binds the
/// commitment to the state transition.
contract RollupDAValidator is IDAValidator {
    /// @inheritdoc IDAValidator
    /// @dev `daInput` is the pubdata; requires `keccak256(daInput) == daCommitment`.
    function validateDA(uint256, uint64, bytes32 daCommitment, bytes calldata daInput)
        external
        pure
        override
    {
        bytes32 actual = keccak256(daInput);
        if (actual != daCommitment) revert DACommitmentMismatch(daCommitment, actual);
    }
}
