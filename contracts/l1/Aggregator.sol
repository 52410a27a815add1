// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle} from "../common/libraries/Merkle.sol";
import {AggregateHashing, ChainBatch} from "../common/types/Aggregate.sol";
import {BatchHashing} from "../common/types/Batch.sol";
import {IAggregator} from "./interfaces/IAggregator.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {IChainFactory} from "./interfaces/IChainFactory.sol";
import {IChainSettlement} from "./interfaces/IChainSettlement.sol";
import {ITransactionRoot} from "./interfaces/ITransactionRoot.sol";

/// @title Aggregator
/// @notice See `IAggregator`. Created by `ChainFactory.createAggregator`; holds no funds and has no
/// owner. The attestation is checked after every chain-batch was applied, in the same transaction,
/// because each chain-batch's public input is computed from the state root L1 holds for its chain.
contract Aggregator is IAggregator {
    IChainFactory public immutable FACTORY;
    ITransactionRoot public immutable TRANSACTION_ROOT;

    uint64 private _lastAggregate;

    constructor(address factory, address transactionRoot) {
        FACTORY = IChainFactory(factory);
        TRANSACTION_ROOT = ITransactionRoot(transactionRoot);
    }

    /// @inheritdoc IAggregator
    function settleAggregate(
        uint64 aggregateNumber,
        address verifier,
        ChainBatch[] calldata batches,
        bytes calldata proof
    ) external override {
        uint64 expected = _lastAggregate + 1;
        if (aggregateNumber != expected) revert NonConsecutiveAggregate(expected, aggregateNumber);
        uint256 count = batches.length;
        if (count == 0) revert EmptyAggregate();
        bytes32[] memory publicInputs = new bytes32[](count);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            (publicInputs[i], leaves[i]) = _settle(batches[i], verifier);
        }
        bytes32 publicInput = AggregateHashing.publicInput(address(this), aggregateNumber, publicInputs);
        IBatchVerifier(verifier).verify(publicInput, proof);
        _lastAggregate = aggregateNumber;
        bytes32 aggregateRoot = Merkle.rootOf(leaves);
        TRANSACTION_ROOT.appendAggregate(aggregateNumber, aggregateRoot);
        emit AggregateSettled(aggregateNumber, publicInput, aggregateRoot, count);
    }

    /// @dev Settles one chain-batch through its chain's settlement, which refuses unless the chain
    /// joined this aggregator; returns its public input and Transaction Root leaf.
    function _settle(ChainBatch calldata entry, address verifier)
        private
        returns (bytes32 publicInput, bytes32 leaf)
    {
        uint256 chainId = entry.chainId;
        address settlement = FACTORY.settlementOf(chainId);
        if (settlement == address(0)) revert UnknownChain(chainId);
        publicInput = IChainSettlement(settlement).settleAggregated(entry.batch, entry.daInput, verifier);
        leaf = BatchHashing.transactionRootLeaf(
            chainId, entry.batch.batchNumber, entry.batch.messagesRoot, entry.batch.newStateRoot
        );
    }

    /// @inheritdoc IAggregator
    function lastAggregate() external view override returns (uint64) {
        return _lastAggregate;
    }
}
