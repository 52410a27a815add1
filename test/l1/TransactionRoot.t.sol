// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {BatchHashing} from "../../contracts/common/types/Batch.sol";
import {TransactionRoot} from "../../contracts/l1/TransactionRoot.sol";
import {ITransactionRoot} from "../../contracts/l1/interfaces/ITransactionRoot.sol";
import {L1Helpers} from "../utils/L1Fixture.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

contract TransactionRootTest is L1Helpers {
    TransactionRoot internal txRoot;
    address internal factory = makeAddr("factory");
    address internal settlement = makeAddr("settlement");

    function setUp() public {
        txRoot = new TransactionRoot();
        txRoot.initialize(factory);
        vm.prank(factory);
        txRoot.registerSettlement(7, settlement);
    }

    function test_initialize_twice_reverts() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        txRoot.initialize(factory);
    }

    function test_initialize_notDeployer_reverts() public {
        TransactionRoot fresh = new TransactionRoot();
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, factory));
        vm.prank(factory);
        fresh.initialize(factory);
    }

    /// An attacker who initializes a freshly deployed Transaction Root before its deployer would name a
    /// factory of their own, which registers settlements that append forged batches.
    function test_initialize_frontRunByAttacker_reverts() public {
        address attacker = makeAddr("attacker");
        TransactionRoot fresh = new TransactionRoot();

        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, attacker));
        vm.prank(attacker);
        fresh.initialize(attacker);

        vm.expectEmit(address(fresh));
        emit ITransactionRoot.FactorySet(factory);
        fresh.initialize(factory);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, attacker));
        vm.prank(attacker);
        fresh.registerSettlement(9, attacker);
        vm.prank(factory);
        fresh.registerSettlement(9, settlement);
        assertEq(fresh.chainIdOf(settlement), 9);
    }

    function test_initialize_zeroFactory_reverts() public {
        TransactionRoot fresh = new TransactionRoot();
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "factory"));
        fresh.initialize(address(0));
    }

    function test_registerSettlement_twice_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITransactionRoot.InvalidRegistration.selector, 8, settlement));
        vm.prank(factory);
        txRoot.registerSettlement(8, settlement);
    }

    function test_registerSettlement_notFactory_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        txRoot.registerSettlement(8, address(this));
    }

    function test_appendBatch_notSettlement_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITransactionRoot.NotChainSettlement.selector, address(this), 7)
        );
        txRoot.appendBatch(7, 1, 0, 0);
    }

    function test_appendBatch_otherChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITransactionRoot.NotChainSettlement.selector, settlement, 8));
        vm.prank(settlement);
        txRoot.appendBatch(8, 1, 0, 0);
    }

    /// Every historical root stays recognisable with its leaf count, and equals the full-tree root.
    function testFuzz_appendBatch_historyMatchesMerkle_succeeds(uint8 count, bytes32 seed) public {
        count = uint8(bound(count, 1, 40));
        bytes32[] memory leaves = new bytes32[](count);
        bytes32[] memory roots = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 messagesRoot = keccak256(abi.encode(seed, i));
            // forge-lint: disable-next-line(unsafe-typecast)
            leaves[i] = BatchHashing.transactionRootLeaf(7, uint64(i + 1), messagesRoot, seed);
            bytes32[] memory prefix = new bytes32[](i + 1);
            for (uint256 k; k <= i; ++k) {
                prefix[k] = leaves[k];
            }
            vm.expectEmit(address(txRoot));
            // forge-lint: disable-next-line(unsafe-typecast)
            emit ITransactionRoot.TransactionRootUpdated(_merkleRoot(prefix), 7, uint64(i + 1), i, leaves[i]);
            vm.prank(settlement);
            // forge-lint: disable-next-line(unsafe-typecast)
            roots[i] = txRoot.appendBatch(7, uint64(i + 1), messagesRoot, seed);
            assertEq(roots[i], _merkleRoot(prefix));
            vm.roll(block.number + 1);
        }
        assertEq(txRoot.root(), roots[count - 1]);
        assertEq(txRoot.leafCount(), count);
        for (uint256 i; i < count; ++i) {
            assertTrue(txRoot.isTransactionRoot(roots[i]));
            assertEq(txRoot.rootInfo(roots[i]).leafCount, i + 1);
        }
        assertFalse(txRoot.isTransactionRoot(bytes32(0)));
        assertFalse(txRoot.isTransactionRoot(keccak256(abi.encode(seed))));
    }

    function test_root_empty_succeeds() public view {
        assertEq(txRoot.root(), bytes32(0));
        assertEq(txRoot.leafCount(), 0);
        assertEq(txRoot.chainIdOf(settlement), 7);
    }
}
