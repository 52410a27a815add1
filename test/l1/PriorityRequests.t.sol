// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message, MessageHashing} from "../../contracts/common/types/Message.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {L1TestToken} from "../utils/Mocks.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev An ERC-20 whose name is longer than a priority request may carry.
contract HugeNameToken is L1TestToken {
    constructor() L1TestToken("", "HUGE") {}

    function name() public pure override returns (string memory) {
        return string(new bytes(40_000));
    }
}

/// @dev Priority requests: their L2 gas limit and payload bounds, failed-deposit claims, forced
/// Transaction Root imports.
contract PriorityRequestsTest is L1Fixture {
    L1TestToken internal token;
    address internal alice = makeAddr("alice");

    receive() external payable {}

    function setUp() public override {
        super.setUp();
        token = new L1TestToken("Token", "TKN");
        token.mint(alice, 100 ether);
        vm.prank(alice);
        token.approve(address(bridge), type(uint256).max);
        vm.deal(alice, 100 ether);
    }

    // ------------------------------------------------------------ helpers

    /// @dev The message of the last `PriorityRequestQueued` among the recorded logs.
    function _queued() internal returns (Message memory message, uint256 l2GasLimit) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].topics[0] == IChainSettlement.PriorityRequestQueued.selector) {
                (message, l2GasLimit,) = abi.decode(logs[i - 1].data, (Message, uint256, uint64));
                return (message, l2GasLimit);
            }
        }
        revert("no PriorityRequestQueued");
    }

    /// @dev What the L2 inbox sends through the outbox when `request` fails (see `ISharedBridge`).
    function _failureRecord(uint256 outboxNonce, Message memory request)
        internal
        view
        returns (Message memory)
    {
        return Message({
            sourceChainId: CHAIN_A,
            destinationChainId: block.chainid,
            nonce: outboxNonce,
            sender: Predeploys.INBOX,
            recipient: Predeploys.INBOX,
            value: 0,
            fee: 0,
            payload: abi.encode(_hash(request))
        });
    }

    /// @dev Settles a batch of chain A processing every queued request, whose messages tree is
    /// `records` followed by an unrelated withdrawal; returns its number and each record's proof.
    function _settleWithRecords(Message[] memory records)
        internal
        returns (uint64 batchNumber, MerkleProof[] memory proofs)
    {
        bytes32[] memory leaves = new bytes32[](records.length + 1);
        for (uint256 i; i < records.length; ++i) {
            leaves[i] = _hash(records[i]);
        }
        leaves[records.length] = _hash(_withdrawal(CHAIN_A, records.length, alice, 0, 0));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = _merkleRoot(leaves);
        _settle(chainA, batch);
        proofs = new MerkleProof[](records.length);
        for (uint256 i; i < records.length; ++i) {
            proofs[i] = _merkleProof(leaves, i);
        }
        return (batch.batchNumber, proofs);
    }

    /// @dev Alice deposits `value` ETH into chain A for herself; returns the queued request.
    function _depositETH(uint256 value) internal returns (Message memory deposit) {
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositETH{value: value}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        (deposit,) = _queued();
    }

    // ------------------------------------------------------------ L2 gas limit and payload bounds

    function test_requestL2Call_gasLimitBoundByRollingHash_succeeds() public {
        vm.recordLogs();
        chainA.requestL2Call(address(0xCA11), hex"c0ffee", 1_234_567, 0);
        (Message memory message, uint256 l2GasLimit) = _queued();
        assertEq(l2GasLimit, 1_234_567);
        assertEq(chainA.priorityRollingHash(1), MessageHashing.rollPriorityHash(0, _hash(message), 1_234_567));
        (,,,, uint256 stored) = chainA.priorityRequest(0);
        assertEq(stored, 1_234_567);
    }

    /// An operator that delivered the request with another gas limit than the requester set
    /// cannot settle the batch: its priority hash is not L1's.
    function test_commitBatch_deliveredWithOtherGasLimit_reverts() public {
        vm.recordLogs();
        chainA.requestL2Call(address(0xCA11), hex"c0ffee", 1_000_000, 0);
        (Message memory message,) = _queued();
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsHash = MessageHashing.rollPriorityHash(0, _hash(message), 100_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.PriorityRequestsHashMismatch.selector,
                chainA.priorityRollingHash(1),
                batch.priorityRequestsHash
            )
        );
        _commit(chainA, batch);
    }

    function testFuzz_requestL2Call_l2GasLimitOutOfRange_reverts(uint256 l2GasLimit) public {
        vm.assume(l2GasLimit < chainA.MIN_L2_GAS_LIMIT() || l2GasLimit > chainA.MAX_L2_GAS_LIMIT());
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.L2GasLimitOutOfRange.selector, l2GasLimit, 100_000, 10_000_000
            )
        );
        chainA.requestL2Call(address(0xCA11), "", l2GasLimit, 0);
    }

    function test_depositETH_l2GasLimitTooLow_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.L2GasLimitOutOfRange.selector, 99_999, 100_000, 10_000_000
            )
        );
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, 99_999, 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
    }

    /// A payload no L2 block could carry would expire and freeze the chain: refused on L1.
    function test_requestL2Call_payloadTooLarge_reverts() public {
        bytes memory payload = new bytes(32_769);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PayloadTooLarge.selector, 32_769, 32_768));
        chainA.requestL2Call{value: 1 ether}(address(0xCA11), payload, L2_GAS_LIMIT, 0);
        chainA.requestL2Call(address(0xCA11), new bytes(32_768), L2_GAS_LIMIT, 0);
        assertEq(chainA.priorityRequestCount(), 1);
    }

    /// The bridge copies a token's name into the deposit: a token with a huge name cannot queue a
    /// request that freezes the chain.
    function test_depositERC20_hugeMetadata_reverts() public {
        HugeNameToken huge = new HugeNameToken();
        huge.mint(address(this), 1 ether);
        huge.approve(address(bridge), 1 ether);
        vm.expectPartialRevert(IChainSettlement.PayloadTooLarge.selector);
        bridge.depositERC20(CHAIN_A, address(huge), alice, 1 ether, L2_GAS_LIMIT, 0);
        assertEq(huge.balanceOf(address(bridge)), 0);
    }

    /// Only L1 itself queues messages to the inbox (forced root imports): a user cannot make the
    /// chain import a root of its choice.
    function test_requestL2Call_toInbox_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ReservedRecipient.selector, Predeploys.INBOX));
        chainA.requestL2Call(Predeploys.INBOX, abi.encode(keccak256("fake root")), L2_GAS_LIMIT, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ReservedRecipient.selector, Predeploys.INBOX));
        bridge.depositETH{value: 1 ether}(CHAIN_A, Predeploys.INBOX, L2_GAS_LIMIT, 0);
    }

    // ------------------------------------------------------------ claimFailedDeposit

    /// A first token deposit whose delivery failed on L2 (its recipient reverted, or it ran out of
    /// the gas the depositor set) is paid back to the depositor once, from the failure record.
    function test_claimFailedDeposit_token_paysBackOnce() public {
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositERC20(CHAIN_A, address(token), alice, 10 ether, L2_GAS_LIMIT, 0);
        (Message memory deposit,) = _queued();
        Message memory record = _failureRecord(0, deposit);
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(_single(record));

        vm.expectEmit(address(bridge));
        emit ISharedBridge.FailedDepositClaimed(CHAIN_A, 0, alice, address(token), 10 ether);
        bridge.claimFailedDeposit(CHAIN_A, n, record, proofs[0], deposit);
        assertEq(token.balanceOf(alice), 100 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 0);
        (,, bool refunded,,) = chainA.priorityRequest(0);
        assertTrue(refunded);

        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestAlreadyReclaimed.selector, 0));
        bridge.claimFailedDeposit(CHAIN_A, n, record, proofs[0], deposit);
    }

    /// A failed ETH deposit and a failed forced call with value go back to who paid them.
    function test_claimFailedDeposit_ethAndForcedCall_succeeds() public {
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositETH{value: 2 ether}(CHAIN_A, makeAddr("l2 wallet"), L2_GAS_LIMIT, 0);
        (Message memory deposit,) = _queued();
        address caller = makeAddr("caller");
        vm.deal(caller, 3 ether);
        vm.prank(caller);
        chainA.requestL2Call{value: 3 ether}(address(0xCA11), hex"beef", L2_GAS_LIMIT, 0);
        (Message memory call,) = _queued();
        Message[] memory records = new Message[](2);
        records[0] = _failureRecord(0, deposit);
        records[1] = _failureRecord(1, call);
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(records);

        bridge.claimFailedDeposit(CHAIN_A, n, records[1], proofs[1], call);
        assertEq(caller.balance, 3 ether);
        bridge.claimFailedDeposit(CHAIN_A, n, records[0], proofs[0], deposit);
        assertEq(alice.balance, 100 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
    }

    /// Any other L2 sender (a user, the asset router) cannot forge a failure record.
    function testFuzz_claimFailedDeposit_recordNotFromInbox_reverts(address sender) public {
        vm.assume(sender != Predeploys.INBOX);
        Message memory deposit = _depositETH(2 ether);
        Message memory record = _failureRecord(0, deposit);
        record.sender = sender;
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(_single(record));
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.NotFailureRecord.selector, sender));
        bridge.claimFailedDeposit(CHAIN_A, n, record, proofs[0], deposit);
    }

    /// The record of one failed request does not pay out another (successful) one.
    function test_claimFailedDeposit_recordOfOtherRequest_reverts() public {
        vm.recordLogs();
        vm.startPrank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        (Message memory failed,) = _queued();
        bridge.depositETH{value: 50 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        (Message memory delivered,) = _queued();
        vm.stopPrank();
        Message memory record = _failureRecord(0, failed);
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(_single(record));
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.FailureRecordMismatch.selector, _hash(delivered))
        );
        bridge.claimFailedDeposit(CHAIN_A, n, record, proofs[0], delivered);
    }

    /// A record that is not in the batch's messages tree is refused.
    function test_claimFailedDeposit_recordNotInBatch_reverts() public {
        Message memory deposit = _depositETH(1 ether);
        Message memory record = _failureRecord(0, deposit);
        Message memory other = _failureRecord(0, _withdrawal(CHAIN_A, 9, alice, 1, 0));
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(_single(other));
        bytes32 computed = this.computeRoot(_hash(record), proofs[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InvalidMessageProof.selector, computed, chainA.messagesRoot(n)
            )
        );
        bridge.claimFailedDeposit(CHAIN_A, n, record, proofs[0], deposit);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
    }

    function computeRoot(bytes32 leaf, MerkleProof calldata proof) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, proof);
    }

    /// A batch whose messages hold a record of a request it did not process (an invalid batch an
    /// attester signed) still cannot refund a request that may yet be delivered.
    function test_claimFailedDeposit_requestNotExecuted_reverts() public {
        Message memory deposit = _depositETH(1 ether);
        Message memory record = _failureRecord(0, deposit);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = _hash(record);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsProcessed = 0;
        batch.priorityRequestsHash = bytes32(0);
        batch.messagesRoot = _merkleRoot(leaves);
        _settle(chainA, batch);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestNotExecuted.selector, 0));
        bridge.claimFailedDeposit(CHAIN_A, batch.batchNumber, record, _merkleProof(leaves, 0), deposit);
    }

    function test_claimFailedDeposit_recordFromOtherChain_reverts() public {
        Message memory deposit = _depositETH(1 ether);
        Message memory record = _failureRecord(0, deposit);
        (uint64 n, MerkleProof[] memory proofs) = _settleWithRecords(_single(record));
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.WrongSourceChain.selector, CHAIN_B, CHAIN_A));
        bridge.claimFailedDeposit(CHAIN_B, n, record, proofs[0], deposit);
    }

    function test_markFailedPriorityRequestClaimed_notBridge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotSharedBridge.selector, address(this)));
        chainA.markFailedPriorityRequestClaimed(_withdrawal(CHAIN_A, 0, alice, 0, 0));
    }

    // ------------------------------------------------------------ requestTransactionRootImport

    function test_requestTransactionRootImport_queuesImport_succeeds() public {
        _settle(chainB, _nextBatch(chainB));
        bytes32 root = txRoot.root();
        vm.recordLogs();
        vm.prank(alice);
        uint256 nonce = chainA.requestTransactionRootImport(root, 0);
        (Message memory message, uint256 l2GasLimit) = _queued();
        assertEq(nonce, 0);
        assertEq(message.recipient, Predeploys.INBOX);
        assertEq(message.sender, alice);
        assertEq(message.value, 0);
        assertEq(message.payload, abi.encode(root));
        assertEq(l2GasLimit, chainA.MIN_L2_GAS_LIMIT());

        // The batch that processes it imported the root; L1 accepts it because the root is real.
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = root;
        _settle(chainA, batch);
        assertEq(chainA.priorityRequestsExecuted(), 1);
    }

    /// Only roots L1's Transaction Root knows: a made-up root would make every batch processing it
    /// unexecutable.
    function test_requestTransactionRootImport_unknownRoot_reverts() public {
        bytes32 root = keccak256("not a transaction root");
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.UnknownTransactionRoot.selector, root));
        chainA.requestTransactionRootImport(root, 0);
        assertEq(chainA.priorityRequestCount(), 0);
    }

    /// An operator that refuses to import roots (censoring inbound hyperbridge messages) is forced
    /// to by the queue: it cannot skip the request past its expiry and the chain freezes.
    function test_requestTransactionRootImport_operatorRefuses_freezesChain() public {
        _settle(chainB, _nextBatch(chainB));
        chainA.requestTransactionRootImport(txRoot.root(), 0);
        CommitBatchInfo memory skipping = _nextBatch(chainA);
        skipping.priorityRequestsProcessed = 0;
        skipping.priorityRequestsHash = bytes32(0);
        vm.warp(block.timestamp + EXPIRY + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestExpired.selector, 0));
        _commit(chainA, skipping);
        vm.warp(block.timestamp + GRACE);
        (bool frozen, uint256 nonce) = chainA.isFrozen();
        assertTrue(frozen);
        assertEq(nonce, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, skipping);
    }
}
