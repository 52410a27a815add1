// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {BatchHashing, CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {L1TestToken} from "../utils/Mocks.sol";

/// @dev Gas of settling one batch of a chain already in steady state (earlier batches executed,
/// Transaction Root already holding leaves): the batch processes 1 deposit, sends 1 withdrawal to L1
/// and 1 message with value to another chain (1 outbound transfer), rollup DA with 320 bytes of
/// pubdata, attested by 1 of 1 attesters. Each call runs as its own transaction (isolate), so storage
/// is cold as on a real chain. Written to snapshots/l1.json.
contract L1GasTest is L1Fixture {
    bytes internal pubdata;

    function setUp() public override {
        super.setUp();
        // Steady state: 4 leaves in the Transaction Root, one executed batch on chain A, balances on both chains.
        for (uint256 i; i < 4; ++i) {
            _settle(chainB, _nextBatch(chainB));
        }
        bridge.depositETH{value: 10 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 1 ether}(CHAIN_B, address(this), L2_GAS_LIMIT, 0);
        _settle(chainA, _nextBatch(chainA));
        bridge.depositETH{value: 5 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        for (uint256 i; i < 10; ++i) {
            pubdata = bytes.concat(pubdata, keccak256(abi.encode(i)), keccak256(abi.encode(i, 1)));
        }
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_commitProveExecute_succeeds() public {
        (CommitBatchInfo memory batch,) = _gasBatch();
        assertEq(batch.priorityRequestsProcessed, 2, "processes the new deposit");

        vm.prank(operator);
        chainA.commitBatch(batch, pubdata);
        uint256 commitGas = vm.snapshotGasLastCall("l1", "commitBatch");
        bytes memory proof = _attestation(chainA, batch.batchNumber);
        chainA.proveBatch(batch.batchNumber, proof);
        uint256 proveGas = vm.snapshotGasLastCall("l1", "proveBatch");
        chainA.executeBatch(batch);
        uint256 executeGas = vm.snapshotGasLastCall("l1", "executeBatch");
        vm.snapshotValue("l1", "commitProveExecute", commitGas + proveGas + executeGas);
        // The same without the transaction overhead (21000 + calldata), i.e. what the contracts execute.
        uint256 commitIntrinsic = _intrinsic(abi.encodeCall(chainA.commitBatch, (batch, pubdata)));
        uint256 proveIntrinsic = _intrinsic(abi.encodeCall(chainA.proveBatch, (batch.batchNumber, proof)));
        uint256 executeIntrinsic = _intrinsic(abi.encodeCall(chainA.executeBatch, (batch)));
        vm.snapshotValue("l1", "commitBatch_execution", commitGas - commitIntrinsic);
        vm.snapshotValue("l1", "proveBatch_execution", proveGas - proveIntrinsic);
        vm.snapshotValue("l1", "executeBatch_execution", executeGas - executeIntrinsic);
        vm.snapshotValue(
            "l1",
            "commitProveExecute_execution",
            commitGas + proveGas + executeGas - commitIntrinsic - proveIntrinsic - executeIntrinsic
        );

        assertEq(chainA.lastExecutedBatch(), batch.batchNumber);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 3.01 ether);
    }

    /// The same batch settled by the operator in one `settleBatch` transaction.
    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_settleBatch_succeeds() public {
        (CommitBatchInfo memory batch, bytes32 publicInput) = _gasBatch();
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        vm.prank(operator);
        chainA.settleBatch(batch, pubdata, proof);
        uint256 gas = vm.snapshotGasLastCall("l1", "settleBatch");
        uint256 intrinsic = _intrinsic(abi.encodeCall(chainA.settleBatch, (batch, pubdata, proof)));
        vm.snapshotValue("l1", "settleBatch_execution", gas - intrinsic);

        assertEq(chainA.lastExecutedBatch(), batch.batchNumber);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 3.01 ether);
    }

    function _gasBatch() internal returns (CommitBatchInfo memory batch, bytes32 publicInput) {
        Message[] memory messages = new Message[](2);
        messages[0] = _withdrawal(CHAIN_A, 0, makeAddr("alice"), 1 ether, 0);
        messages[1] = _withdrawal(CHAIN_A, 1, makeAddr("bob"), 2 ether, 0.01 ether);
        messages[1].destinationChainId = CHAIN_B;
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = _hash(messages[0]);
        leaves[1] = _hash(messages[1]);
        batch = _nextBatch(chainA);
        batch.messagesRoot = _merkleRoot(leaves);
        batch.daCommitment = keccak256(pubdata);
        batch.transfers = _transfer(CHAIN_B, address(0), 2.01 ether);
        publicInput = this.publicInputOf(chainA, batch.batchNumber - 1, batch);
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_userOperations_succeeds() public {
        // Deposits pay for their L2 gas; the chain already holds fees (steady state).
        uint256 price = 1 gwei;
        uint256 fee = L2_GAS_LIMIT * price;
        vm.prank(admin);
        chainA.setL2GasPrice(price);
        bridge.depositETH{value: 1 ether}(CHAIN_A, makeAddr("bob"), L2_GAS_LIMIT, price);
        bridge.depositETH{value: 1 ether}(CHAIN_A, makeAddr("alice"), L2_GAS_LIMIT, price);
        vm.snapshotGasLastCall("l1", "depositETH");
        L1TestToken token = new L1TestToken("Token", "TKN");
        token.mint(address(this), 10 ether);
        token.approve(address(bridge), 10 ether);
        bridge.depositERC20{value: fee}(
            CHAIN_A, address(token), makeAddr("alice"), 1 ether, L2_GAS_LIMIT, price
        );
        vm.snapshotGasLastCall("l1", "depositERC20");

        Message memory withdrawal = _withdrawal(CHAIN_A, 0, makeAddr("alice"), 1 ether, 0.01 ether);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = _hash(withdrawal);
        leaves[1] = keccak256("another message");
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = _merkleRoot(leaves);
        _settle(chainA, batch);
        MerkleProof memory proof = _merkleProof(leaves, 0);
        vm.prank(makeAddr("relayer"));
        bridge.finalizeWithdrawal(CHAIN_A, batch.batchNumber, withdrawal, proof);
        vm.snapshotGasLastCall("l1", "finalizeWithdrawal");

        factory.createChain(_config(9999, 0));
        vm.snapshotGasLastCall("l1", "createChain");
    }

    /// @dev Transaction overhead before execution (Cancun): 21000 + 16 per non-zero and 4 per zero calldata byte.
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }
}
