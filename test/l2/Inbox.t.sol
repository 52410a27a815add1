// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {Message, MessageHashing} from "../../contracts/common/types/Message.sol";
import {RelayProof} from "../../contracts/common/types/RelayProof.sol";
import {IInbox} from "../../contracts/l2/interfaces/IInbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {GasBurner, MockRecipient, NoopRecipient} from "../utils/Mocks.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

contract InboxTest is L2Base {
    address internal relayer = makeAddr("relayer");
    address internal remoteSender = makeAddr("remoteSender");
    MockRecipient internal recipient;

    function setUp() public {
        vm.chainId(CHAIN_B);
        _deployPredeploys();
        recipient = new MockRecipient();
    }

    // ---------------------------------------------------------------- helpers

    function _message(uint256 nonce, uint256 value, uint256 fee, bytes memory payload)
        internal
        view
        returns (Message memory)
    {
        return Message(CHAIN_A, CHAIN_B, nonce, remoteSender, address(recipient), value, fee, payload);
    }

    /// @dev Five messages from chain A's batch 7 (the one at `index` is `target`), in a Transaction
    /// Root with three other batches; the root is imported.
    function _prove(Message memory target, uint256 index) internal returns (RelayProof memory proof) {
        Message[] memory messages = new Message[](5);
        for (uint256 i; i < messages.length; ++i) {
            messages[i] = _message(100 + i, 0, 0, abi.encode("other", i));
        }
        messages[index] = target;
        bytes32 root;
        (root, proof) = _transactionRootAndProof(CHAIN_A, 7, keccak256("state A7"), messages, index, 3);
        _importRoot(root);
    }

    // ---------------------------------------------------------------- importTransactionRoot

    function test_importTransactionRoot_succeeds() public {
        bytes32 root = keccak256("root");
        vm.expectEmit(address(inbox));
        emit IInbox.TransactionRootImported(root);
        _importRoot(root);
        assertTrue(inbox.isImported(root));
        // A second import is a no-op without a second event.
        vm.recordLogs();
        _importRoot(root);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function testFuzz_importTransactionRoot_notSystemCaller_reverts(address caller) public {
        vm.assume(caller != Predeploys.SYSTEM_CALLER);
        vm.expectRevert(abi.encodeWithSelector(IInbox.NotSystemCaller.selector, caller));
        vm.prank(caller);
        inbox.importTransactionRoot(keccak256("root"));
    }

    function test_importTransactionRoot_zero_reverts() public {
        vm.expectRevert(IInbox.ZeroTransactionRoot.selector);
        _importRoot(bytes32(0));
    }

    // ---------------------------------------------------------------- relay

    function test_relay_succeeds() public {
        Message memory message = _message(3, 2 ether, 0.5 ether, hex"c0ffee");
        RelayProof memory proof = _prove(message, 2);
        bytes32 messageHash = message.hash();
        uint256 liquidityBefore = address(liquidity).balance;

        vm.expectEmit(address(inbox));
        emit IInbox.MessageRelayed(messageHash, CHAIN_A, 3, relayer, 0.5 ether);
        vm.prank(relayer);
        inbox.relay(message, proof);

        assertTrue(inbox.delivered(messageHash));
        assertEq(recipient.lastReceiveId(), messageHash, "receiveId = message hash");
        assertEq(recipient.lastSender(), InteroperableAddress.formatEvmV1(CHAIN_A, remoteSender));
        assertEq(recipient.lastPayload(), hex"c0ffee");
        assertEq(recipient.lastValue(), 2 ether);
        assertEq(recipient.lastGateway(), Predeploys.OUTBOX, "recipients see the gateway address");
        assertEq(address(recipient).balance, 2 ether);
        assertEq(relayer.balance, 0.5 ether, "relayer paid on delivery");
        assertEq(address(liquidity).balance, liquidityBefore - 2.5 ether);
        assertEq(address(outbox).balance, 0);
        assertEq(address(inbox).balance, 0);
    }

    /// Gateway gas of one relay: a recipient that does nothing (`NoopRecipient`), a 32-byte
    /// payload, a fee (paid to an existing account), no value; every account and slot cold, as in
    /// a transaction. The proof has 3 + 2 siblings (5 messages in the batch, 4 batches in the
    /// Transaction Root). `_tx` adds the intrinsic 21000 and the calldata cost.
    function test_relay_gas() public {
        NoopRecipient noop = new NoopRecipient();
        Message memory message = _message(3, 0, 0.01 ether, abi.encode(uint256(1)));
        message.recipient = address(noop);
        RelayProof memory proof = _prove(message, 2);
        vm.deal(relayer, 1 ether);
        vm.cool(address(inbox));
        vm.cool(address(outbox));
        vm.cool(address(liquidity));
        vm.cool(address(noop));
        vm.prank(relayer);
        inbox.relay(message, proof);
        uint256 gasUsed = vm.snapshotGasLastCall("l2", "relay_call");
        bytes memory data = abi.encodeCall(inbox.relay, (message, proof));
        vm.snapshotValue("l2", "relay_tx", gasUsed + 21_000 + _calldataGas(data));

        // The same with 1 ETH of value carried to the recipient.
        message = _message(4, 1 ether, 0.01 ether, abi.encode(uint256(1)));
        message.recipient = address(noop);
        proof = _prove(message, 2);
        vm.cool(address(inbox));
        vm.cool(address(outbox));
        vm.cool(address(liquidity));
        vm.cool(address(noop));
        vm.prank(relayer);
        inbox.relay(message, proof);
        gasUsed = vm.snapshotGasLastCall("l2", "relay_value_call");
        data = abi.encodeCall(inbox.relay, (message, proof));
        vm.snapshotValue("l2", "relay_value_tx", gasUsed + 21_000 + _calldataGas(data));
    }

    /// `relayBatch` of 8 messages (fee each, no value, `NoopRecipient`): whole-transaction gas
    /// divided by 8, so the intrinsic 21000 is shared.
    function test_relayBatch_gas() public {
        NoopRecipient noop = new NoopRecipient();
        Message[] memory messages = new Message[](8);
        for (uint256 i; i < 8; ++i) {
            messages[i] = _message(i, 0, 0.01 ether, abi.encode(i));
            messages[i].recipient = address(noop);
        }
        bytes32 root;
        RelayProof[] memory proofs = new RelayProof[](8);
        for (uint256 i; i < 8; ++i) {
            (root, proofs[i]) = _transactionRootAndProof(CHAIN_A, 7, keccak256("state"), messages, i, 3);
        }
        _importRoot(root);
        vm.deal(relayer, 1 ether);
        vm.cool(address(inbox));
        vm.cool(address(outbox));
        vm.cool(address(liquidity));
        vm.cool(address(noop));
        vm.prank(relayer);
        inbox.relayBatch(messages, proofs);
        uint256 gasUsed = vm.snapshotGasLastCall("l2", "relayBatch8_call");
        bytes memory data = abi.encodeCall(inbox.relayBatch, (messages, proofs));
        vm.snapshotValue("l2", "relayBatch8_tx_perMessage", (gasUsed + 21_000 + _calldataGas(data)) / 8);
    }

    function test_relay_unknownRoot_reverts() public {
        Message memory message = _message(3, 0, 0, hex"01");
        Message[] memory messages = new Message[](1);
        messages[0] = message;
        (bytes32 root, RelayProof memory proof) =
            _transactionRootAndProof(CHAIN_A, 7, keccak256("state"), messages, 0, 2);
        // not imported
        vm.expectRevert(abi.encodeWithSelector(IInbox.UnknownTransactionRoot.selector, root));
        inbox.relay(message, proof);
    }

    function test_relay_wrongDestination_reverts() public {
        Message memory message = _message(3, 0, 0, hex"01");
        message.destinationChainId = 999;
        RelayProof memory proof = _prove(message, 0);
        vm.expectRevert(abi.encodeWithSelector(IInbox.WrongDestination.selector, 999));
        inbox.relay(message, proof);
    }

    function test_relay_replay_reverts() public {
        Message memory message = _message(3, 1 ether, 0.1 ether, hex"01");
        RelayProof memory proof = _prove(message, 4);
        vm.prank(relayer);
        inbox.relay(message, proof);
        vm.expectRevert(abi.encodeWithSelector(IInbox.AlreadyDelivered.selector, message.hash()));
        vm.prank(relayer);
        inbox.relay(message, proof);
        assertEq(recipient.calls(), 1);
        assertEq(relayer.balance, 0.1 ether);
    }

    function test_relay_sourceIsL1_reverts() public {
        Message memory message = _message(3, 0, 0, hex"01");
        message.sourceChainId = L1_CHAIN_ID;
        RelayProof memory proof;
        vm.expectRevert(abi.encodeWithSelector(IInbox.InvalidSourceChain.selector, L1_CHAIN_ID));
        inbox.relay(message, proof);
    }

    function test_relay_sourceIsThisChain_reverts() public {
        Message memory message = _message(3, 0, 0, hex"01");
        message.sourceChainId = CHAIN_B;
        RelayProof memory proof;
        vm.expectRevert(abi.encodeWithSelector(IInbox.InvalidSourceChain.selector, CHAIN_B));
        inbox.relay(message, proof);
    }

    /// Any change to the message, the batch fields or one sibling leads to another root.
    function testFuzz_relay_tamperedProof_reverts(uint256 what, uint256 sibling, bytes32 noise) public {
        vm.assume(noise != bytes32(0));
        Message memory message = _message(3, 0, 0, hex"01");
        RelayProof memory proof = _prove(message, 1);
        what = bound(what, 0, 4);
        if (what == 0) {
            message.payload = abi.encode(noise);
        } else if (what == 1) {
            proof.stateRoot ^= noise;
        } else if (what == 2) {
            proof.batchNumber ^= uint64(uint256(noise)) | 1;
        } else if (what == 3) {
            uint256 i = bound(sibling, 0, proof.messageProof.siblings.length - 1);
            proof.messageProof.siblings[i] ^= noise;
        } else {
            uint256 i = bound(sibling, 0, proof.batchProof.siblings.length - 1);
            proof.batchProof.siblings[i] ^= noise;
        }
        bytes32 messagesRoot = this.computeRoot(message.hash(), proof.messageProof);
        bytes32 forged = this.computeRoot(
            keccak256(abi.encode(CHAIN_A, proof.batchNumber, messagesRoot, proof.stateRoot)), proof.batchProof
        );
        vm.expectRevert(abi.encodeWithSelector(IInbox.UnknownTransactionRoot.selector, forged));
        inbox.relay(message, proof);
        assertFalse(inbox.delivered(message.hash()));
    }

    function test_relay_malformedProof_reverts() public {
        Message memory message = _message(3, 0, 0, hex"01");
        RelayProof memory proof = _prove(message, 1);
        proof.messageProof.index = 5;
        vm.expectRevert(abi.encodeWithSelector(Merkle.MerkleIndexOutOfRange.selector, 5, 5));
        inbox.relay(message, proof);
        proof.messageProof.index = 1;
        proof.batchProof.siblings = new bytes32[](0);
        vm.expectRevert(abi.encodeWithSelector(Merkle.MerkleProofLengthMismatch.selector, 1, 0));
        inbox.relay(message, proof);
    }

    function test_relay_recipientReverts_bubblesAndStaysDeliverable() public {
        Message memory message = _message(3, 1 ether, 0.1 ether, hex"abcd");
        RelayProof memory proof = _prove(message, 0);
        recipient.setRefuse(true);
        vm.expectRevert(abi.encodeWithSelector(MockRecipient.Refused.selector, hex"abcd"));
        vm.prank(relayer);
        inbox.relay(message, proof);
        assertFalse(inbox.delivered(message.hash()));
        assertEq(relayer.balance, 0);

        recipient.setRefuse(false);
        vm.prank(relayer);
        inbox.relay(message, proof);
        assertTrue(inbox.delivered(message.hash()));
        assertEq(relayer.balance, 0.1 ether);
    }

    function test_relay_wrongAnswer_reverts() public {
        Message memory message = _message(3, 0, 0, hex"abcd");
        RelayProof memory proof = _prove(message, 0);
        recipient.setAnswer(bytes4(0xdeadbeef));
        vm.expectRevert(abi.encodeWithSelector(IInbox.InvalidRecipientResponse.selector, address(recipient)));
        inbox.relay(message, proof);
    }

    function test_relay_recipientWithoutCode_reverts() public {
        Message memory message = _message(3, 0, 0, hex"abcd");
        message.recipient = makeAddr("eoa");
        RelayProof memory proof = _prove(message, 0);
        vm.expectRevert(abi.encodeWithSelector(IInbox.InvalidRecipientResponse.selector, message.recipient));
        inbox.relay(message, proof);
    }

    function test_relay_emptyPayloadIsPlainTransfer_succeeds() public {
        address eoa = makeAddr("eoa");
        Message memory message = _message(3, 1 ether, 0.1 ether, "");
        message.recipient = eoa;
        RelayProof memory proof = _prove(message, 0);
        vm.prank(relayer);
        inbox.relay(message, proof);
        assertEq(eoa.balance, 1 ether);
        assertEq(relayer.balance, 0.1 ether);
    }

    function test_relayBatch_skipsDelivered_succeeds() public {
        Message[] memory messages = new Message[](3);
        for (uint256 i; i < 3; ++i) {
            messages[i] = _message(i, 0, 0.1 ether, abi.encode(i));
        }
        bytes32 root;
        RelayProof[] memory proofs = new RelayProof[](3);
        for (uint256 i; i < 3; ++i) {
            (root, proofs[i]) = _transactionRootAndProof(CHAIN_A, 7, keccak256("state"), messages, i, 1);
        }
        _importRoot(root);
        // A competing relayer delivers message 1 first.
        vm.prank(makeAddr("competitor"));
        inbox.relay(messages[1], proofs[1]);
        vm.prank(relayer);
        inbox.relayBatch(messages, proofs);
        assertEq(recipient.calls(), 3);
        assertEq(relayer.balance, 0.2 ether, "paid for the two it delivered");
        for (uint256 i; i < 3; ++i) {
            assertTrue(inbox.delivered(messages[i].hash()));
        }
    }

    function test_relayBatch_otherFailure_reverts() public {
        Message[] memory messages = new Message[](2);
        messages[0] = _message(0, 0, 0, hex"01");
        messages[1] = _message(1, 0, 0, hex"02");
        RelayProof[] memory proofs = new RelayProof[](2);
        bytes32 root;
        (root, proofs[0]) = _transactionRootAndProof(CHAIN_A, 7, keccak256("state"), messages, 0, 1);
        _importRoot(root);
        messages[1].destinationChainId = 5;
        vm.expectRevert(abi.encodeWithSelector(IInbox.WrongDestination.selector, 5));
        inbox.relayBatch(messages, proofs);
        assertFalse(inbox.delivered(messages[0].hash()), "all or nothing");
    }

    function test_relayBatch_lengthMismatch_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IInbox.LengthMismatch.selector, 1, 0));
        inbox.relayBatch(new Message[](1), new RelayProof[](0));
    }

    /// Random sets of messages in a batch: each included message's proof verifies and is delivered
    /// exactly once; a message not in the set (same shape, different nonce) never verifies.
    function testFuzz_relay_randomSets_onlyIncludedVerify(uint8 count, uint8 otherBatches, uint256 seed)
        public
    {
        count = uint8(bound(count, 1, 24));
        otherBatches = uint8(bound(otherBatches, 0, 9));
        Message[] memory messages = new Message[](count);
        for (uint256 i; i < count; ++i) {
            messages[i] = _message(
                uint256(keccak256(abi.encode(seed, i))) % 1000 * 1000 + i,
                0,
                0,
                abi.encode(keccak256(abi.encode(seed, "payload", i)))
            );
        }
        bytes32 root;
        RelayProof[] memory proofs = new RelayProof[](count);
        for (uint256 i; i < count; ++i) {
            (root, proofs[i]) =
                _transactionRootAndProof(CHAIN_A, 3, keccak256(abi.encode(seed)), messages, i, otherBatches);
        }
        _importRoot(root);

        // Same shape as an included message, another nonce, borrowing that message's proof.
        Message memory template = messages[seed % count];
        Message memory outsider = Message(
            template.sourceChainId,
            template.destinationChainId,
            template.nonce + 1_000_000,
            template.sender,
            template.recipient,
            template.value,
            template.fee,
            template.payload
        );
        vm.expectPartialRevert(IInbox.UnknownTransactionRoot.selector);
        inbox.relay(outsider, proofs[seed % count]);

        for (uint256 i; i < count; ++i) {
            inbox.relay(messages[i], proofs[i]);
            assertTrue(inbox.delivered(messages[i].hash()));
        }
        assertEq(recipient.calls(), count);
    }

    // ---------------------------------------------------------------- priority requests

    function _priority(uint256 nonce, address to, uint256 value, bytes memory payload)
        internal
        pure
        returns (Message memory)
    {
        return Message(L1_CHAIN_ID, CHAIN_B, nonce, L1_SHARED_BRIDGE, to, value, 0, payload);
    }

    function test_executePriorityRequest_depositsInOrder_succeeds() public {
        address alice = makeAddr("alice");
        Message memory deposit = _priority(0, alice, 3 ether, "");
        Message memory call = _priority(1, address(recipient), 1 ether, hex"beef");
        vm.startPrank(Predeploys.SYSTEM_CALLER);
        vm.expectEmit(address(inbox));
        emit IInbox.PriorityRequestExecuted(0, deposit.hash(), L2_GAS_LIMIT, true);
        inbox.executePriorityRequest(deposit, L2_GAS_LIMIT);
        inbox.executePriorityRequest(call, L2_GAS_LIMIT);
        vm.stopPrank();

        assertEq(alice.balance, 3 ether, "ETH deposit to an EOA is a plain transfer");
        assertEq(recipient.lastValue(), 1 ether);
        assertEq(recipient.lastSender(), InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE));
        assertEq(inbox.priorityRequestsProcessed(), 2);
        bytes32 expected = MessageHashing.rollPriorityHash(
            MessageHashing.rollPriorityHash(bytes32(0), deposit.hash(), L2_GAS_LIMIT),
            call.hash(),
            L2_GAS_LIMIT
        );
        assertEq(inbox.priorityRequestsHash(), expected);
        assertTrue(inbox.delivered(deposit.hash()));
        assertEq(liquidity.circulatingSupply(), 4 ether);
    }

    function test_executePriorityRequest_failingRecipient_doesNotBlockQueue() public {
        recipient.setRefuse(true);
        Message memory failing = _priority(0, address(recipient), 2 ether, hex"01");
        uint256 liquidityBefore = address(liquidity).balance;
        vm.expectEmit(address(inbox));
        emit IInbox.PriorityRequestExecuted(0, failing.hash(), L2_GAS_LIMIT, false);
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(failing, L2_GAS_LIMIT);
        assertEq(address(liquidity).balance, liquidityBefore, "value stays in the liquidity contract");
        assertEq(address(recipient).balance, 0);
        assertFalse(inbox.delivered(failing.hash()));
        assertEq(inbox.priorityRequestsProcessed(), 1);
        assertEq(
            inbox.priorityRequestsHash(),
            MessageHashing.rollPriorityHash(bytes32(0), failing.hash(), L2_GAS_LIMIT)
        );

        // A recipient that burns all its gas does not block the queue either.
        GasBurner burner = new GasBurner();
        Message memory burning = _priority(1, address(burner), 0, hex"01");
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest{gas: 1_000_000}(burning, 500_000);
        assertEq(inbox.priorityRequestsProcessed(), 2);

        address bob = makeAddr("bob");
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(_priority(2, bob, 1 ether, ""), L2_GAS_LIMIT);
        assertEq(bob.balance, 1 ether);
    }

    function test_executePriorityRequest_feeToOperator_succeeds() public {
        Message memory message = _priority(0, address(recipient), 1 ether, hex"01");
        message.fee = 0.2 ether;
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(message, L2_GAS_LIMIT);
        assertEq(Predeploys.SYSTEM_CALLER.balance, 0.2 ether);
    }

    function test_executePriorityRequest_wrongNonce_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IInbox.UnexpectedPriorityNonce.selector, 0, 1));
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(_priority(1, address(recipient), 0, ""), L2_GAS_LIMIT);
    }

    function test_executePriorityRequest_notFromL1_reverts() public {
        Message memory message = _priority(0, address(recipient), 0, "");
        message.sourceChainId = CHAIN_A;
        vm.expectRevert(abi.encodeWithSelector(IInbox.InvalidSourceChain.selector, CHAIN_A));
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(message, L2_GAS_LIMIT);
    }

    function test_executePriorityRequest_wrongDestination_reverts() public {
        Message memory message = _priority(0, address(recipient), 0, "");
        message.destinationChainId = CHAIN_A;
        vm.expectRevert(abi.encodeWithSelector(IInbox.WrongDestination.selector, CHAIN_A));
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(message, L2_GAS_LIMIT);
    }

    function testFuzz_executePriorityRequest_notSystemCaller_reverts(address caller) public {
        vm.assume(caller != Predeploys.SYSTEM_CALLER);
        vm.expectRevert(abi.encodeWithSelector(IInbox.NotSystemCaller.selector, caller));
        vm.prank(caller);
        inbox.executePriorityRequest(_priority(0, address(recipient), 0, ""), L2_GAS_LIMIT);
    }

    function test_deliverPriorityRequest_notSelf_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IInbox.NotSelf.selector, relayer));
        vm.prank(relayer);
        inbox.deliverPriorityRequest(bytes32(0), _priority(0, relayer, 1 ether, ""));
    }

    // ---------------------------------------------------------------- utilities

    function computeRoot(bytes32 leaf, MerkleProof calldata proof) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, proof);
    }
}
