// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommitBatchInfo} from "./Batch.sol";

/// @notice One chain-batch of an aggregate: batch `batch.batchNumber` of chain `chainId`, with the
/// input of that chain's DA validator (`daInput`, as for `ChainSettlement.commitBatch`).
struct ChainBatch {
    uint256 chainId;
    CommitBatchInfo batch;
    bytes daInput;
}

/// @notice The statement the attester set signs for an aggregate, shared by L1 (`Aggregator`) and
/// the Rust attester and aggregator, which must produce identical bytes. As for a single batch this
/// is an attestation (each attester re-ran the validity program on every chain-batch), not a
/// zero-knowledge proof.
library AggregateHashing {
    /// @notice Separates aggregate statements from batch public inputs signed by the same attesters.
    bytes32 internal constant AGGREGATE_TAG = keccak256("Hyperchains.Aggregate.v1");

    /// @notice keccak256(abi.encode(AGGREGATE_TAG, aggregator, aggregateNumber,
    ///   keccak256(abi.encodePacked(batchPublicInputs)))), where `batchPublicInputs[i]` is
    /// `BatchHashing.publicInput(chainId, prevStateRoot, batch)` of the i-th chain-batch with the
    /// previous state root L1 holds for that chain. The attestation digest around it adds the L1
    /// chain id, the verifier and the protocol version.
    function publicInput(address aggregator, uint64 aggregateNumber, bytes32[] memory batchPublicInputs)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                AGGREGATE_TAG, aggregator, aggregateNumber, keccak256(abi.encodePacked(batchPublicInputs))
            )
        );
    }
}
