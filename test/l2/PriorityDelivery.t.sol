// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {TokenTransfer} from "../../contracts/common/libraries/TokenTransfer.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {BridgedToken} from "../../contracts/l2/BridgedToken.sol";
import {IInbox} from "../../contracts/l2/interfaces/IInbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {GasNeeder, MockRecipient} from "../utils/Mocks.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev Priority delivery on L2 with the request's own gas limit: the operator cannot starve a
/// delivery into failing, a failed one leaves an L2→L1 failure record, and messages to the inbox
/// are forced Transaction Root imports.
contract PriorityDeliveryTest is L2Base {
    address internal alice = makeAddr("alice");
    address internal l1Token = address(0x70CE);

    function setUp() public {
        vm.chainId(CHAIN_B);
        _deployPredeploys();
    }

    function _priority(uint256 nonce, address to, uint256 value, bytes memory payload)
        internal
        pure
        returns (Message memory)
    {
        return Message(L1_CHAIN_ID, CHAIN_B, nonce, L1_SHARED_BRIDGE, to, value, 0, payload);
    }

    /// @dev The first deposit of an L1 token, exactly as the L1 bridge builds it.
    function _firstTokenDeposit() internal view returns (Message memory) {
        bytes memory payload = abi.encode(
            TokenTransfer(L1_CHAIN_ID, l1Token, alice, 5 ether, abi.encode("Wrapped Thing", "WTH", uint8(18)))
        );
        return _priority(0, Predeploys.ASSET_ROUTER, 0, payload);
    }

    /// The attack of the issue: the operator delivers a first ERC-20 deposit (which deploys the
    /// BridgedToken) with 400k gas so that it fails and counts as processed. It cannot: the whole
    /// system transaction reverts and the deposit stays pending until delivered with its gas.
    function test_executePriorityRequest_firstTokenDepositStarved_reverts() public {
        Message memory deposit = _firstTokenDeposit();
        vm.prank(Predeploys.SYSTEM_CALLER);
        vm.expectPartialRevert(IInbox.InsufficientDeliveryGas.selector);
        inbox.executePriorityRequest{gas: 400_000}(deposit, L2_GAS_LIMIT);
        assertEq(inbox.priorityRequestsProcessed(), 0, "not processed");
        assertEq(inbox.priorityRequestsHash(), bytes32(0));

        // Delivered with its gas, the same deposit deploys the token and mints.
        vm.prank(Predeploys.SYSTEM_CALLER);
        uint256 before = gasleft();
        inbox.executePriorityRequest(deposit, L2_GAS_LIMIT);
        uint256 used = before - gasleft();
        BridgedToken token = BridgedToken(router.bridgedToken(L1_CHAIN_ID, l1Token));
        assertEq(token.balanceOf(alice), 5 ether);
        assertTrue(inbox.delivered(deposit.hash()));
        assertLt(used, L2_GAS_LIMIT, "the tools' default gas limit covers a first token deposit");
    }

    /// Whatever gas the operator gives the transaction, a delivery that needs less than its limit
    /// is never recorded as failed, and one that needs more is never recorded as delivered: the
    /// transaction either processes it with exactly its gas limit or reverts.
    function testFuzz_executePriorityRequest_outcomeIndependentOfTxGas(uint256 txGas, bool enough) public {
        txGas = bound(txGas, 50_000, 5_000_000);
        uint256 l2GasLimit = 1_000_000;
        GasNeeder needer = new GasNeeder(enough ? 800_000 : 1_100_000);
        Message memory message = _priority(0, address(needer), 0, hex"01");
        vm.prank(Predeploys.SYSTEM_CALLER);
        try inbox.executePriorityRequest{gas: txGas}(message, l2GasLimit) {
            assertEq(inbox.priorityRequestsProcessed(), 1);
            assertEq(inbox.delivered(message.hash()), enough, "outcome decided by the request's gas limit");
            assertEq(needer.calls(), enough ? 1 : 0);
        } catch {
            assertEq(inbox.priorityRequestsProcessed(), 0, "a reverted delivery is not processed");
        }
    }

    /// A delivery that fails with its full gas sends the failure record L1's
    /// `claimFailedDeposit` pays back from.
    function test_executePriorityRequest_failedDelivery_sendsFailureRecord() public {
        MockRecipient refusing = new MockRecipient();
        refusing.setRefuse(true);
        Message memory failing = _priority(0, address(refusing), 2 ether, hex"01");
        vm.recordLogs();
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(failing, L2_GAS_LIMIT);
        Message[] memory sent = _queuedMessages(vm.getRecordedLogs());
        assertEq(sent.length, 1);
        assertEq(
            abi.encode(sent[0]),
            abi.encode(
                Message(
                    CHAIN_B,
                    L1_CHAIN_ID,
                    0,
                    Predeploys.INBOX,
                    Predeploys.INBOX,
                    0,
                    0,
                    abi.encode(failing.hash())
                )
            )
        );
        assertFalse(inbox.delivered(failing.hash()));
        assertEq(liquidity.circulatingSupply(), 0, "the value was not released");
    }

    function test_executePriorityRequest_forcedRootImport_importsRoot() public {
        bytes32 root = keccak256("a Transaction Root");
        Message memory forced = _priority(0, Predeploys.INBOX, 0, abi.encode(root));
        vm.expectEmit(address(inbox));
        emit IInbox.TransactionRootImported(root);
        vm.expectEmit(address(inbox));
        emit IInbox.PriorityRequestExecuted(0, forced.hash(), 100_000, true);
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(forced, 100_000);
        assertTrue(inbox.isImported(root));
        assertEq(inbox.priorityRequestsProcessed(), 1);

        // Importing an already imported root again (forced or not) is a no-op.
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(_priority(1, Predeploys.INBOX, 0, abi.encode(root)), 100_000);
        assertEq(inbox.priorityRequestsProcessed(), 2);
    }
}
