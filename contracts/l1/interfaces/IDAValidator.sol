// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDAValidator
/// @notice Checks, when a batch commits, that its data is available as the chain's DA mode requires.
/// Chosen per chain at creation (`ChainConfig.daMode`): 0 = rollup (`RollupDAValidator`), 1 =
/// validium (`ValidiumDAValidator`). New modes (zkPorter-style guardian quorum, inputs-only rollup)
/// are new implementations of this interface registered in the factory.
interface IDAValidator {
    /// @notice The rollup pubdata does not hash to the committed DA commitment.
    error DACommitmentMismatch(bytes32 expected, bytes32 actual);

    /// @notice Reverts unless the data behind `daCommitment` is available.
    /// @param chainId the hyperchain committing the batch
    /// @param batchNumber the batch being committed
    /// @param daCommitment the batch's committed `CommitBatchInfo.daCommitment`
    /// @param daInput mode-specific input (rollup: the pubdata itself; validium: committee signatures)
    function validateDA(uint256 chainId, uint64 batchNumber, bytes32 daCommitment, bytes calldata daInput)
        external
        view;
}
