// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChainBatch} from "../../common/types/Aggregate.sol";

/// @title IAggregator
/// @notice Simple proof aggregation: settles batches of many hyperchains in one L1 transaction
/// against ONE attestation (`AggregateHashing.publicInput` over every chain-batch's public input)
/// verified by the chains' common pinned verifier. Each chain-batch goes through its chain's
/// `ChainSettlement.settleAggregated`, which applies exactly the checks and effects of a direct
/// `settleBatch` (continuity from the state root L1 holds, priority queue and escape hatch rules,
/// DA, protocol version, imported roots, messages root for withdrawals, balances) except the
/// per-batch proof and the per-batch Transaction Root leaf: the aggregate appends one leaf, the
/// `Merkle` root of its chain-batch leaves. Anyone may submit an attested aggregate; aggregates
/// settle in order. Only chains that joined this aggregator can be in it.
interface IAggregator {
    /// @notice Aggregate `aggregateNumber` settled `batchCount` chain-batches; `aggregateRoot` is its
    /// Transaction Root leaf.
    event AggregateSettled(
        uint64 indexed aggregateNumber, bytes32 publicInput, bytes32 aggregateRoot, uint256 batchCount
    );

    /// @notice The aggregate number is not the next one (an old aggregate replayed, or one skipped).
    error NonConsecutiveAggregate(uint64 expected, uint64 actual);
    /// @notice An aggregate must hold at least one chain-batch.
    error EmptyAggregate();
    /// @notice No chain is registered under `chainId`.
    error UnknownChain(uint256 chainId);

    /// @notice Settles aggregate `lastAggregate() + 1`. Anyone.
    /// @param aggregateNumber `lastAggregate() + 1`
    /// @param verifier the verifier every chain in the aggregate has pinned (each chain checks it:
    /// `IChainSettlement.VerifierMismatch`)
    /// @param batches the chain-batches, in the order the attesters signed them
    /// @param proof the attestation of `AggregateHashing.publicInput(address(this), aggregateNumber,
    /// publicInputs)`, in the verifier's format
    function settleAggregate(
        uint64 aggregateNumber,
        address verifier,
        ChainBatch[] calldata batches,
        bytes calldata proof
    ) external;

    /// @notice Number of the last settled aggregate (0 before the first).
    function lastAggregate() external view returns (uint64);
}
