// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {ChainConfig, IChainFactory} from "../../contracts/l1/interfaces/IChainFactory.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {L1TestToken} from "../utils/Mocks.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev L2 gas of priority requests is paid on L1: the chain admin's price, the requester's accepted
/// price, the fee taken out of `msg.value` and owed to the chain's admin.
contract L2GasFeesTest is L1Fixture {
    uint256 internal constant PRICE = 7 gwei;
    L1TestToken internal token;
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        chainA.setL2GasPrice(PRICE);
        token = new L1TestToken("Token", "TKN");
        token.mint(alice, 100 ether);
        vm.prank(alice);
        token.approve(address(bridge), type(uint256).max);
        vm.deal(alice, 100 ether);
    }

    function _queuedMessage() internal returns (Message memory message) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].topics[0] == IChainSettlement.PriorityRequestQueued.selector) {
                (message,,) = abi.decode(logs[i - 1].data, (Message, uint256, uint64));
                return message;
            }
        }
        revert("no PriorityRequestQueued");
    }

    /// @dev ETH the bridge holds is every chain's balance plus the fees it owes.
    function _assertEthBacked() internal view {
        uint256 owed = bridge.chainBalance(CHAIN_A, address(0)) + bridge.chainBalance(CHAIN_B, address(0))
            + bridge.priorityFees(CHAIN_A) + bridge.priorityFees(CHAIN_B);
        assertEq(address(bridge).balance, owed, "sum of chainBalance + priorityFees == bridge ETH");
    }

    // ------------------------------------------------------------ paying

    function test_depositETH_feeTakenFromValue_succeeds() public {
        uint256 fee = L2_GAS_LIMIT * PRICE;
        assertEq(bridge.l2TransactionBaseCost(CHAIN_A, L2_GAS_LIMIT), fee);
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        Message memory message = _queuedMessage();
        assertEq(message.value, 1 ether - fee, "the L2 gets msg.value less the fee");
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether - fee);
        assertEq(bridge.priorityFees(CHAIN_A), fee);
        _assertEthBacked();
    }

    /// A requester may pay more than the chain's price (never less); it pays what it named.
    function test_requestL2Call_payingAboveChainPrice_succeeds() public {
        uint256 fee = L2_GAS_LIMIT * (PRICE + 1);
        vm.recordLogs();
        vm.prank(alice);
        chainA.requestL2Call{value: fee + 3}(alice, hex"01", L2_GAS_LIMIT, PRICE + 1);
        assertEq(_queuedMessage().value, 3);
        assertEq(bridge.priorityFees(CHAIN_A), fee);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 3);
        _assertEthBacked();
    }

    function test_depositERC20_exactFee_succeeds() public {
        uint256 fee = L2_GAS_LIMIT * PRICE;
        vm.prank(alice);
        bridge.depositERC20{value: fee}(CHAIN_A, address(token), alice, 5 ether, L2_GAS_LIMIT, PRICE);
        assertEq(bridge.priorityFees(CHAIN_A), fee);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 5 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
        _assertEthBacked();
    }

    // ------------------------------------------------------------ attacks: not paying

    /// Filling the queue with requests the operator runs at its own cost: refused unless paid.
    function test_depositETH_underpaysL2Gas_reverts() public {
        uint256 limit = chainA.MAX_L2_GAS_LIMIT();
        uint256 fee = limit * PRICE;
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.InsufficientValueForL2Gas.selector, fee, fee - 1)
        );
        bridge.depositETH{value: fee - 1}(CHAIN_A, alice, limit, PRICE);
        // Exactly the fee leaves nothing to deposit.
        vm.prank(alice);
        vm.expectRevert(ISharedBridge.ZeroAmount.selector);
        bridge.depositETH{value: fee}(CHAIN_A, alice, limit, PRICE);
        assertEq(chainA.priorityRequestCount(), 0, "nothing queued");
        assertEq(address(bridge).balance, 0, "no ETH moved");
    }

    function test_requestL2Call_underpaysL2Gas_reverts() public {
        uint256 fee = L2_GAS_LIMIT * PRICE;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.InsufficientValueForL2Gas.selector, fee, 0));
        chainA.requestL2Call(alice, "", L2_GAS_LIMIT, PRICE);
        assertEq(chainA.priorityRequestCount(), 0);
    }

    /// A forced root import is a priority request like any other: it pays its `MIN_L2_GAS_LIMIT`.
    function test_requestTransactionRootImport_unpaid_reverts() public {
        _settle(chainB, _nextBatch(chainB));
        bytes32 root = txRoot.root();
        uint256 fee = chainA.MIN_L2_GAS_LIMIT() * PRICE;
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.InsufficientValueForL2Gas.selector, fee, 0));
        chainA.requestTransactionRootImport(root, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ExcessValueForL2Gas.selector, fee, fee + 1));
        chainA.requestTransactionRootImport{value: fee + 1}(root, PRICE);
        chainA.requestTransactionRootImport{value: fee}(root, PRICE);
        assertEq(bridge.priorityFees(CHAIN_A), fee);
        _assertEthBacked();
    }

    /// A token deposit carries no ETH: paying more than the fee would lose the excess, less is unpaid.
    function test_depositERC20_wrongFee_reverts() public {
        uint256 fee = L2_GAS_LIMIT * PRICE;
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.InsufficientValueForL2Gas.selector, fee, fee - 1)
        );
        bridge.depositERC20{value: fee - 1}(CHAIN_A, address(token), alice, 5 ether, L2_GAS_LIMIT, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ExcessValueForL2Gas.selector, fee, fee + 1));
        bridge.depositERC20{value: fee + 1}(CHAIN_A, address(token), alice, 5 ether, L2_GAS_LIMIT, PRICE);
        vm.stopPrank();
        assertEq(token.balanceOf(alice), 100 ether, "no tokens moved");
        assertEq(chainA.priorityRequestCount(), 0);
    }

    /// Naming a price below the chain's does not make the request cheaper.
    function test_depositETH_priceBelowChainPrice_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.L2GasPriceTooLow.selector, PRICE - 1, PRICE));
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE - 1);
    }

    // ------------------------------------------------------------ attacks: the admin's price

    /// The admin sees a deposit in the mempool and raises the price before it: the deposit reverts
    /// instead of paying the new price out of the deposited value; nothing moves.
    function test_depositETH_priceRaisedBeforeRequest_reverts() public {
        vm.prank(admin);
        chainA.setL2GasPrice(PRICE * 100);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.L2GasPriceTooLow.selector, PRICE, PRICE * 100)
        );
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        assertEq(alice.balance, 100 ether);
        assertEq(address(bridge).balance, 0);
    }

    /// A change applies only to requests made after it: what an earlier request paid and carries
    /// stays as it was.
    function test_setL2GasPrice_afterRequest_doesNotChangeIt() public {
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        Message memory queued = _queuedMessage();
        vm.prank(admin);
        chainA.setL2GasPrice(PRICE * 100);
        assertEq(bridge.priorityFees(CHAIN_A), L2_GAS_LIMIT * PRICE);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), queued.value);
        // Processed as queued: the batch's rolling hash is the one of the request as paid.
        _settle(chainA, _nextBatch(chainA));
        assertEq(chainA.priorityRequestsExecuted(), 1);
    }

    function test_setL2GasPrice_aboveMax_reverts() public {
        uint256 max = chainA.MAX_L2_GAS_PRICE();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.L2GasPriceAboveMax.selector, max + 1, max));
        chainA.setL2GasPrice(max + 1);
        assertEq(chainA.l2GasPrice(), PRICE);
    }

    /// The admin of one chain cannot price another chain's requests.
    function test_setL2GasPrice_otherChainsAdmin_reverts() public {
        (ChainSettlement chainC, address adminC) = _chainWithOwnAdmin(273);
        vm.prank(adminC);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotAdmin.selector, adminC));
        chainA.setL2GasPrice(1);
        vm.prank(adminC);
        chainC.setL2GasPrice(1);
        assertEq(chainA.l2GasPrice(), PRICE);
        assertEq(chainC.l2GasPrice(), 1);
    }

    /// The fee is bounded by the price cap, so max gas x max price is exact (10 ETH) and a huge
    /// named price is refused before any multiplication.
    function test_requestL2Call_maxGasAtMaxPrice_noOverflow() public {
        uint256 max = chainA.MAX_L2_GAS_PRICE();
        uint256 limit = chainA.MAX_L2_GAS_LIMIT();
        vm.prank(admin);
        chainA.setL2GasPrice(max);
        vm.deal(alice, 11 ether);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.L2GasPriceAboveMax.selector, type(uint256).max, max)
        );
        chainA.requestL2Call{value: 11 ether}(alice, "", limit, type(uint256).max);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.L2GasLimitOutOfRange.selector, type(uint256).max, 100_000, limit
            )
        );
        chainA.requestL2Call{value: 11 ether}(alice, "", type(uint256).max, max);
        vm.prank(alice);
        chainA.requestL2Call{value: 11 ether}(alice, "", limit, max);
        assertEq(bridge.priorityFees(CHAIN_A), 10 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        _assertEthBacked();
    }

    // ------------------------------------------------------------ claiming

    function test_claimPriorityFees_adminPaid_succeeds() public {
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        uint256 fee = L2_GAS_LIMIT * PRICE;
        vm.expectEmit(address(bridge));
        emit ISharedBridge.PriorityFeesClaimed(CHAIN_A, admin, fee);
        vm.prank(admin);
        assertEq(bridge.claimPriorityFees(CHAIN_A), fee);
        assertEq(admin.balance, fee);
        assertEq(bridge.priorityFees(CHAIN_A), 0);
        _assertEthBacked();
        vm.prank(admin);
        vm.expectRevert(ISharedBridge.ZeroAmount.selector);
        bridge.claimPriorityFees(CHAIN_A);
    }

    /// The admin of another chain, or anyone, cannot take a chain's fees.
    function test_claimPriorityFees_otherChainsAdmin_reverts() public {
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        (, address adminC) = _chainWithOwnAdmin(273);
        vm.prank(adminC);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, adminC));
        bridge.claimPriorityFees(CHAIN_A);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, alice));
        bridge.claimPriorityFees(CHAIN_A);
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.UnknownChain.selector, 999));
        bridge.claimPriorityFees(999);
        assertEq(bridge.priorityFees(CHAIN_A), L2_GAS_LIMIT * PRICE);
    }

    /// A reclaimed request pays back its value, not its fee: the fees owed stay backed.
    function test_reclaimExpiredDeposit_feeStaysOwed_succeeds() public {
        vm.recordLogs();
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, PRICE);
        Message memory queued = _queuedMessage();
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        bridge.reclaimExpiredDeposit(CHAIN_A, queued);
        assertEq(alice.balance, 99 ether + queued.value);
        assertEq(bridge.priorityFees(CHAIN_A), L2_GAS_LIMIT * PRICE);
        _assertEthBacked();
    }

    function _chainWithOwnAdmin(uint256 chainId)
        internal
        returns (ChainSettlement chain, address chainAdmin)
    {
        chainAdmin = makeAddr("admin of another chain");
        ChainConfig memory config = _config(chainId, 0);
        config.admin = chainAdmin;
        chain = ChainSettlement(createScript.create(IChainFactory(address(factory)), config, DEPLOYER_KEY));
    }
}
