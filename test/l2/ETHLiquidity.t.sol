// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {IETHLiquidity} from "../../contracts/l2/interfaces/IETHLiquidity.sol";
import {L2Base} from "../utils/L2Base.sol";
import {ETHRejecter} from "../utils/Mocks.sol";

contract ETHLiquidityTest is L2Base {
    function setUp() public {
        vm.chainId(CHAIN_A);
        _deployPredeploys();
    }

    function test_burn_fromOutbox_succeeds() public {
        vm.deal(Predeploys.OUTBOX, 1 ether);
        vm.prank(Predeploys.OUTBOX);
        liquidity.burn{value: 1 ether}();
        assertEq(address(liquidity).balance, liquidity.INITIAL_BALANCE() + 1 ether);
        assertEq(liquidity.circulatingSupply(), 0);
    }

    function testFuzz_burn_notOutbox_reverts(address caller) public {
        vm.assume(caller != Predeploys.OUTBOX);
        vm.deal(caller, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, caller));
        vm.prank(caller);
        liquidity.burn{value: 1 ether}();
    }

    function test_mint_fromInbox_succeeds() public {
        address to = makeAddr("to");
        vm.prank(Predeploys.INBOX);
        liquidity.mint(to, 5 ether);
        assertEq(to.balance, 5 ether);
        assertEq(liquidity.circulatingSupply(), 5 ether);
    }

    function testFuzz_mint_notInbox_reverts(address caller) public {
        vm.assume(caller != Predeploys.INBOX);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, caller));
        vm.prank(caller);
        liquidity.mint(caller, 1 ether);
    }

    function test_mint_refusingReceiver_reverts() public {
        // The outbox refuses ETH from anyone but the liquidity contract... which is the sender here,
        // so use a contract without a receive function instead.
        address refusing = address(new ETHRejecter());
        vm.expectRevert(abi.encodeWithSelector(IETHLiquidity.ETHTransferFailed.selector, refusing, 1 ether));
        vm.prank(Predeploys.INBOX);
        liquidity.mint(refusing, 1 ether);
    }

    function test_plainTransfer_reverts() public {
        address sender = makeAddr("sender");
        vm.deal(sender, 1 ether);
        vm.prank(sender);
        (bool ok, bytes memory reason) = address(liquidity).call{value: 1 ether}("");
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, sender));
        vm.prank(sender);
        (ok, reason) = address(liquidity).call{value: 1}(hex"12345678");
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, sender));
    }
}
