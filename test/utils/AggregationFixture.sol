// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregateHashing, ChainBatch} from "../../contracts/common/types/Aggregate.sol";
import {CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Aggregator} from "../../contracts/l1/Aggregator.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {L1Fixture} from "./L1Fixture.sol";

/// @dev The L1 of `L1Fixture` plus an aggregator created through the factory, and helpers that
/// build aggregates and attest them with the real attester keys through the real verifier.
abstract contract AggregationFixture is L1Fixture {
    Aggregator internal aggregator;

    function setUp() public virtual override {
        super.setUp();
        aggregator = Aggregator(factory.createAggregator());
    }

    function _join(ChainSettlement chain) internal {
        vm.prank(admin);
        chain.joinAggregator(address(aggregator));
    }

    /// @dev One chain-batch per chain, each the next batch of its chain (a chain listed twice gets
    /// two consecutive batches).
    function _chainBatches(ChainSettlement[] memory chains)
        internal
        view
        returns (ChainBatch[] memory batches)
    {
        batches = new ChainBatch[](chains.length);
        for (uint256 i; i < chains.length; ++i) {
            CommitBatchInfo memory batch = _nextBatch(chains[i]);
            for (uint256 j; j < i; ++j) {
                if (batches[j].chainId == chains[i].chainId()) {
                    batch.batchNumber = batches[j].batch.batchNumber + 1;
                }
            }
            batch.newStateRoot = keccak256(abi.encode("state", chains[i].chainId(), batch.batchNumber));
            batch.messagesRoot = keccak256(abi.encode("messages", chains[i].chainId(), batch.batchNumber));
            batch.daCommitment = keccak256(_pubdata(batch.batchNumber));
            batches[i] = ChainBatch(chains[i].chainId(), batch, _pubdata(batch.batchNumber));
        }
    }

    /// @dev The batch public inputs the attesters sign for `batches`: each continues the state
    /// root and last block hash L1 holds for its chain, or those of the chain's previous entry in
    /// the aggregate.
    function _batchPublicInputs(ChainBatch[] memory batches) internal view returns (bytes32[] memory inputs) {
        inputs = new bytes32[](batches.length);
        for (uint256 i; i < batches.length; ++i) {
            uint256 chainId = batches[i].chainId;
            ChainSettlement chain = ChainSettlement(factory.settlementOf(chainId));
            bytes32 prev = chain.stateRoot(chain.lastExecutedBatch());
            bytes32 prevBlock = chain.lastBlockHash(chain.lastExecutedBatch());
            for (uint256 j; j < i; ++j) {
                if (batches[j].chainId == chainId) {
                    prev = batches[j].batch.newStateRoot;
                    prevBlock = batches[j].batch.lastBlockHash;
                }
            }
            inputs[i] = this.publicInputOver(chainId, prev, prevBlock, batches[i].batch);
        }
    }

    function _aggregateDigest(uint64 aggregateNumber, bytes32[] memory inputs)
        internal
        view
        returns (bytes32)
    {
        return verifier.digest(AggregateHashing.publicInput(address(aggregator), aggregateNumber, inputs));
    }

    /// @dev The attester set's signatures over aggregate `aggregateNumber` of `batches`.
    function _attest(uint64 aggregateNumber, ChainBatch[] memory batches)
        internal
        view
        returns (bytes memory)
    {
        return _signSorted(attesterKeys, _aggregateDigest(aggregateNumber, _batchPublicInputs(batches)));
    }

    function _leaves(ChainBatch[] memory batches) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](batches.length);
        for (uint256 i; i < batches.length; ++i) {
            CommitBatchInfo memory b = batches[i].batch;
            leaves[i] =
                keccak256(abi.encode(batches[i].chainId, b.batchNumber, b.messagesRoot, b.newStateRoot));
        }
    }

    function _settleAggregate(ChainBatch[] memory batches) internal {
        uint64 number = aggregator.lastAggregate() + 1;
        aggregator.settleAggregate(number, address(verifier), batches, _attest(number, batches));
    }

    function _pair(ChainSettlement a, ChainSettlement b)
        internal
        pure
        returns (ChainSettlement[] memory chains)
    {
        chains = new ChainSettlement[](2);
        chains[0] = a;
        chains[1] = b;
    }
}
