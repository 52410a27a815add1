// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {IOutbox} from "../../contracts/l2/interfaces/IOutbox.sol";
import {EvmInteropAddress} from "../../contracts/l2/libraries/EvmInteropAddress.sol";
import {L2Base} from "../utils/L2Base.sol";
import {IERC7786GatewaySource} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";
import {Vm} from "forge-std/Vm.sol";

contract OutboxTest is L2Base {
    address internal user = makeAddr("user");
    address internal target = makeAddr("target");

    function setUp() public {
        vm.chainId(CHAIN_A);
        _deployPredeploys();
        vm.deal(user, 100 ether);
    }

    function test_sendMessage_bare_succeeds() public {
        bytes memory recipient = InteroperableAddress.formatEvmV1(CHAIN_B, target);
        Message memory expected = Message({
            sourceChainId: CHAIN_A,
            destinationChainId: CHAIN_B,
            nonce: 0,
            sender: user,
            recipient: target,
            value: 0,
            fee: 0,
            payload: hex"c0ffee"
        });
        vm.expectEmit(address(outbox));
        emit IOutbox.MessageQueued(expected.hash(), expected);
        vm.expectEmit(address(outbox));
        emit IERC7786GatewaySource.MessageSent(
            expected.hash(),
            InteroperableAddress.formatEvmV1(CHAIN_A, user),
            recipient,
            hex"c0ffee",
            0,
            _noAttributes()
        );
        vm.prank(user);
        bytes32 sendId = outbox.sendMessage(recipient, hex"c0ffee", _noAttributes());
        assertEq(sendId, expected.hash());
        assertEq(outbox.nonce(), 1);
    }

    function test_sendMessage_valueAndFee_succeeds() public {
        uint256 before = address(liquidity).balance;
        vm.recordLogs();
        vm.prank(user);
        bytes32 sendId = outbox.sendMessage{value: 3 ether}(
            InteroperableAddress.formatEvmV1(L1_CHAIN_ID, target), hex"", _feeAttribute(1 ether)
        );
        Message[] memory messages = _queuedMessages(vm.getRecordedLogs());
        assertEq(messages.length, 1);
        assertEq(messages[0].value, 2 ether, "value = msg.value - fee");
        assertEq(messages[0].fee, 1 ether);
        assertEq(messages[0].destinationChainId, L1_CHAIN_ID, "withdrawal to L1");
        assertEq(messages[0].hash(), sendId);
        assertEq(address(liquidity).balance, before + 3 ether, "all msg.value burned into the liquidity");
        assertEq(address(outbox).balance, 0);
        assertEq(user.balance, 97 ether);
    }

    function test_sendMessage_noncesIncrease_succeeds() public {
        bytes memory recipient = InteroperableAddress.formatEvmV1(CHAIN_B, target);
        vm.recordLogs();
        for (uint256 i; i < 3; ++i) {
            outbox.sendMessage(recipient, abi.encode(i), _noAttributes());
        }
        Message[] memory messages = _queuedMessages(vm.getRecordedLogs());
        for (uint256 i; i < 3; ++i) {
            assertEq(messages[i].nonce, i);
        }
        assertEq(outbox.nonce(), 3);
    }

    /// Steady state as in production: the nonce slot is non-zero and cold (`vm.cool`), so the
    /// snapshot is the execution gas of a real transaction; `_tx` adds the intrinsic 21000 and the
    /// calldata cost. test/l2/measure-gas-anvil.sh measures the same calls as receipts on anvil.
    function test_sendMessage_gas() public {
        bytes memory recipient = InteroperableAddress.formatEvmV1(CHAIN_B, target);
        bytes memory payload = abi.encode(uint256(1));
        vm.store(address(outbox), bytes32(0), bytes32(uint256(1)));
        vm.cool(address(outbox));
        vm.prank(user);
        outbox.sendMessage(recipient, payload, _noAttributes());
        uint256 gasUsed = vm.snapshotGasLastCall("l2", "sendMessage_call");
        bytes memory data = abi.encodeCall(outbox.sendMessage, (recipient, payload, _noAttributes()));
        vm.snapshotValue("l2", "sendMessage_tx", gasUsed + 21_000 + _calldataGas(data));
        assertEq(outbox.nonce(), 2);

        vm.cool(address(outbox));
        vm.prank(user);
        outbox.sendMessage{value: 1 ether}(recipient, payload, _feeAttribute(0.1 ether));
        gasUsed = vm.snapshotGasLastCall("l2", "sendMessage_valueAndFee_call");
        data = abi.encodeCall(outbox.sendMessage, (recipient, payload, _feeAttribute(0.1 ether)));
        vm.snapshotValue("l2", "sendMessage_valueAndFee_tx", gasUsed + 21_000 + _calldataGas(data));
    }

    function test_sendMessage_insufficientFee_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IOutbox.InsufficientFee.selector, 2 ether, 1 ether));
        vm.prank(user);
        outbox.sendMessage{value: 1 ether}(
            InteroperableAddress.formatEvmV1(CHAIN_B, target), hex"", _feeAttribute(2 ether)
        );
    }

    function testFuzz_sendMessage_feeAboveValue_reverts(uint256 value, uint256 fee) public {
        value = bound(value, 0, 100 ether);
        fee = bound(fee, value + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IOutbox.InsufficientFee.selector, fee, value));
        vm.prank(user);
        outbox.sendMessage{value: value}(
            InteroperableAddress.formatEvmV1(CHAIN_B, target), hex"", _feeAttribute(fee)
        );
    }

    function test_sendMessage_zeroRecipient_reverts() public {
        vm.expectRevert(IOutbox.ZeroRecipient.selector);
        outbox.sendMessage(InteroperableAddress.formatEvmV1(CHAIN_B, address(0)), hex"", _noAttributes());
        // A chain-only address (no address part) has no recipient either.
        vm.expectRevert(IOutbox.ZeroRecipient.selector);
        outbox.sendMessage(InteroperableAddress.formatEvmV1(CHAIN_B), hex"", _noAttributes());
    }

    function test_sendMessage_ownChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IOutbox.InvalidDestination.selector, CHAIN_A));
        outbox.sendMessage(InteroperableAddress.formatEvmV1(CHAIN_A, target), hex"", _noAttributes());
    }

    function test_sendMessage_malformedRecipient_reverts() public {
        bytes memory raw = abi.encodePacked(target); // 20 raw bytes, not ERC-7930
        vm.expectRevert(abi.encodeWithSelector(IOutbox.MalformedRecipient.selector, raw));
        outbox.sendMessage(raw, hex"", _noAttributes());
        // A non-EVM chain type (0x0001) is valid ERC-7930 but not an eip155 address.
        bytes memory solana = InteroperableAddress.formatV1(0x0001, hex"01", hex"0102030405");
        vm.expectRevert(abi.encodeWithSelector(IOutbox.MalformedRecipient.selector, solana));
        outbox.sendMessage(solana, hex"", _noAttributes());
    }

    function testFuzz_sendMessage_truncatedRecipient_reverts(uint256 cut) public {
        bytes memory full = InteroperableAddress.formatEvmV1(CHAIN_B, target);
        cut = bound(cut, 0, full.length - 1);
        bytes memory truncated = new bytes(cut);
        for (uint256 i; i < cut; ++i) {
            truncated[i] = full[i];
        }
        vm.expectRevert(abi.encodeWithSelector(IOutbox.MalformedRecipient.selector, truncated));
        outbox.sendMessage(truncated, hex"", _noAttributes());
    }

    function test_sendMessage_unsupportedAttribute_reverts() public {
        bytes[] memory attributes = new bytes[](1);
        attributes[0] = abi.encodeWithSignature("gasLimit(uint256)", 100_000);
        vm.expectRevert(
            abi.encodeWithSelector(IERC7786GatewaySource.UnsupportedAttribute.selector, bytes4(attributes[0]))
        );
        outbox.sendMessage(InteroperableAddress.formatEvmV1(CHAIN_B, target), hex"", attributes);
    }

    function test_sendMessage_malformedAttribute_reverts() public {
        bytes[] memory attributes = new bytes[](1);
        attributes[0] = abi.encodePacked(RELAYER_FEE, uint128(1));
        vm.expectRevert(abi.encodeWithSelector(IOutbox.MalformedAttribute.selector, attributes[0]));
        outbox.sendMessage(InteroperableAddress.formatEvmV1(CHAIN_B, target), hex"", attributes);
    }

    function test_sendMessage_duplicateFee_reverts() public {
        bytes[] memory attributes = new bytes[](2);
        attributes[0] = abi.encodeWithSelector(RELAYER_FEE, 1);
        attributes[1] = abi.encodeWithSelector(RELAYER_FEE, 1);
        vm.expectRevert(abi.encodeWithSelector(IOutbox.DuplicateAttribute.selector, RELAYER_FEE));
        outbox.sendMessage{value: 2}(InteroperableAddress.formatEvmV1(CHAIN_B, target), hex"", attributes);
    }

    function test_supportsAttribute_succeeds() public view {
        assertTrue(outbox.supportsAttribute(RELAYER_FEE));
        assertEq(outbox.RELAYER_FEE_ATTRIBUTE(), RELAYER_FEE);
        assertFalse(outbox.supportsAttribute(bytes4(0)));
        assertFalse(outbox.supportsAttribute(bytes4(keccak256("gasLimit(uint256)"))));
        assertEq(outbox.l1ChainId(), L1_CHAIN_ID);
    }

    function test_deliverMessage_notInbox_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IOutbox.NotInbox.selector, user));
        vm.prank(user);
        outbox.deliverMessage(target, 0, bytes32(0), hex"", hex"01");
    }

    function test_receive_notLiquidity_reverts() public {
        vm.prank(user);
        (bool ok, bytes memory reason) = address(outbox).call{value: 1}("");
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(IOutbox.UnexpectedETH.selector, user));
    }
}

contract OutboxEncodingTest is L2Base {
    function setUp() public {
        vm.chainId(CHAIN_A);
        _deployPredeploys();
    }

    /// The hand-written encoding equals Solidity's abi.encode(Message) for any payload and values.
    function testFuzz_sendMessage_encodingMatchesMessageHash(
        address sender,
        address target,
        uint256 destination,
        bytes calldata payload,
        uint256 value,
        uint256 fee
    ) public {
        vm.assume(target != address(0));
        destination = bound(destination, 1, type(uint256).max);
        vm.assume(destination != CHAIN_A);
        value = bound(value, 0, 1000 ether);
        fee = bound(fee, 0, 1000 ether);
        vm.deal(sender, value + fee);
        Message memory expected = Message(CHAIN_A, destination, 0, sender, target, value, fee, payload);
        vm.expectEmit(address(outbox));
        emit IOutbox.MessageQueued(expected.hash(), expected);
        vm.prank(sender);
        bytes32 sendId = outbox.sendMessage{value: value + fee}(
            InteroperableAddress.formatEvmV1(destination, target), payload, _feeAttribute(fee)
        );
        assertEq(sendId, expected.hash());
    }
}

contract EvmInteropAddressTest is L2Base {
    function testFuzz_format_matchesOpenZeppelin(uint256 chainId, address addr) public pure {
        assertEq(EvmInteropAddress.format(chainId, addr), InteroperableAddress.formatEvmV1(chainId, addr));
    }

    function test_format_smallChainIds_matchOpenZeppelin() public pure {
        for (uint256 chainId; chainId < 70_000; chainId += 257) {
            assertEq(
                EvmInteropAddress.format(chainId, address(0xBEEF)),
                InteroperableAddress.formatEvmV1(chainId, address(0xBEEF))
            );
        }
    }
}
