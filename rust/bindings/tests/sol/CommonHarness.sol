// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Attestation} from "contracts/common/libraries/Attestation.sol";
import {Predeploys} from "contracts/common/libraries/Predeploys.sol";
import {StateProofs} from "contracts/common/libraries/StateProofs.sol";
import {BatchHashing, CommitBatchInfo} from "contracts/common/types/Batch.sol";
import {Message, MessageHashing} from "contracts/common/types/Message.sol";
import {StateProof} from "contracts/common/types/StateProof.sol";

/// @notice Exposes the shared Solidity formats so the Rust crates' tests can check they produce
/// the same bytes (compiled by those tests with forge, never deployed anywhere else).
contract CommonHarness {
    function predeploys() external pure returns (address[6] memory) {
        return [
            Predeploys.SYSTEM_CALLER,
            Predeploys.OUTBOX,
            Predeploys.INBOX,
            Predeploys.ASSET_ROUTER,
            Predeploys.ETH_LIQUIDITY,
            Predeploys.STATE_READER
        ];
    }

    function messageHash(Message calldata message) external pure returns (bytes32) {
        return MessageHashing.hash(message);
    }

    function rollPriorityHash(bytes32 previous, bytes32 messageHash_, uint256 l2GasLimit)
        external
        pure
        returns (bytes32)
    {
        return MessageHashing.rollPriorityHash(previous, messageHash_, l2GasLimit);
    }

    function publicInput(
        uint256 chainId,
        bytes32 prevStateRoot,
        bytes32 prevBlockHash,
        CommitBatchInfo calldata batch
    ) external pure returns (bytes32) {
        return BatchHashing.publicInput(chainId, prevStateRoot, prevBlockHash, batch);
    }

    function transactionRootLeaf(uint256 chainId, uint64 batchNumber, bytes32 messagesRoot, bytes32 stateRoot)
        external
        pure
        returns (bytes32)
    {
        return BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot, stateRoot);
    }

    function attestationDigest(
        uint256 l1ChainId,
        address verifier,
        uint256 protocolVersion,
        bytes32 publicInput_
    ) external pure returns (bytes32) {
        return Attestation.digest(l1ChainId, verifier, protocolVersion, publicInput_);
    }

    /// What `StateReader.readStorage` and L1 readers verify, minus their own check of which
    /// Transaction Roots they accept.
    function verifyStorage(
        uint256 chainId,
        uint64 batchNumber,
        address account,
        bytes32[] calldata slots,
        StateProof calldata proof
    ) external pure returns (bytes32[] memory) {
        return StateProofs.verifyStorage(chainId, batchNumber, account, slots, proof);
    }
}
