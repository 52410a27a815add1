// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ICommonErrors
/// @notice Errors several contracts revert with, declared once so that each concept has one name and
/// one selector. Interfaces inherit it (as OpenZeppelin's `IERC20Errors`), so their ABIs list them.
/// A second `initialize` reverts with OpenZeppelin's `Initializable.InvalidInitialization`.
interface ICommonErrors {
    /// @notice `caller` may not call this function.
    error Unauthorized(address caller);
    /// @notice `caller` is not an aggregator allowed to do this (created by the chain factory; for a
    /// chain's batches, the aggregator that chain joined and has not left).
    error NotAggregator(address caller);
    /// @notice A required address is zero (`what` names it).
    error ZeroAddress(string what);
}
