// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {TokenTransfer} from "../../contracts/common/libraries/TokenTransfer.sol";
import {CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {ValidiumDAValidator} from "../../contracts/l1/ValidiumDAValidator.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {ISignerSet} from "../../contracts/l1/interfaces/ISignerSet.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {L1TestToken} from "../utils/Mocks.sol";

/// @dev A next settlement implementation, to show that upgrades run new code on old storage.
contract ChainSettlementV2 is ChainSettlement {
    constructor(address factory, address transactionRoot, address sharedBridge, uint64 expiry, uint64 grace)
        ChainSettlement(factory, transactionRoot, sharedBridge, expiry, grace)
    {}

    function isV2() external pure returns (bool) {
        return true;
    }
}

/// @dev The censorship escape hatch end to end (rules 1–3 of `IChainSettlement`), and upgrades.
contract EscapeHatchTest is L1Fixture {
    address internal alice = makeAddr("alice");

    function _ethDeposit(uint256 chainId, uint256 nonce, address to, uint256 value)
        internal
        view
        returns (Message memory)
    {
        return Message(block.chainid, chainId, nonce, address(bridge), to, value, 0, "");
    }

    /// An operator that ignores a deposit: first its batches are refused, then the chain freezes
    /// and the depositor takes the deposit back on L1.
    function test_escapeHatch_censoredDeposit_succeeds() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        uint64 expiresAt = uint64(block.timestamp) + EXPIRY;
        (uint64 storedExpiry, address refund,,,) = chainA.priorityRequest(0);
        assertEq(storedExpiry, expiresAt);
        assertEq(refund, alice);

        // Before expiry the operator may leave it for later.
        CommitBatchInfo memory skipping = _nextBatch(chainA);
        skipping.priorityRequestsProcessed = 0;
        skipping.priorityRequestsHash = bytes32(0);
        _settle(chainA, skipping);

        // After expiry a batch that leaves it out is refused (rule 1).
        vm.warp(expiresAt + 1);
        skipping = _nextBatch(chainA);
        skipping.priorityRequestsProcessed = 0;
        skipping.priorityRequestsHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestExpired.selector, 0));
        _commit(chainA, skipping);
        vm.expectRevert(IChainSettlement.ChainNotFrozen.selector);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));

        // After the grace period the chain is frozen (rule 2) and alice is paid back (rule 3).
        vm.warp(uint256(expiresAt) + GRACE + 1);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        assertEq(alice.balance, 1 ether);
        CommitBatchInfo memory late = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, late);
        // Deposits into the frozen chain are refused too.
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        bridge.depositETH{value: 1}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        // The other chain is unaffected.
        _settle(chainB, _nextBatch(chainB));
    }

    /// Requests that were only in reverted batches become reclaimable once the chain is frozen;
    /// requests of executed batches are not.
    function test_escapeHatch_revertedBatchRequests_succeeds() public {
        vm.deal(alice, 3 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0); // nonce 0
        _settle(chainA, _nextBatch(chainA)); // batch 1 processes nonce 0
        vm.prank(alice);
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0); // nonce 1
        _commit(chainA, _nextBatch(chainA)); // batch 2 processes nonce 1
        vm.prank(operator);
        chainA.revertBatches(1);
        assertEq(chainA.priorityRequestsCommitted(), 1);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        (bool frozen, uint256 nonce) = chainA.isFrozen();
        assertTrue(frozen);
        assertEq(nonce, 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestAlreadyExecuted.selector, 0));
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        vm.prank(address(0xdead));
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 1, alice, 2 ether));
        assertEq(alice.balance, 2 ether, "refund goes to the depositor, whoever calls");
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
    }

    /// Censorship by commit-without-prove: the operator commits a batch with a made-up state root
    /// that "processes" every pending deposit and never proves it. Only executed batches count, so
    /// the chain freezes on schedule, the unexecuted batch counts as reverted (it can no longer
    /// execute) and the deposit is paid back.
    function test_reclaimExpiredDeposit_commitWithoutProve_succeeds() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        CommitBatchInfo memory fake = _nextBatch(chainA);
        fake.newStateRoot = keccak256("made up");
        _commit(chainA, fake);
        assertEq(chainA.priorityRequestsCommitted(), 1);
        (uint64 expiresAt,,,,) = chainA.priorityRequest(0);
        vm.warp(uint256(expiresAt) + GRACE + 1);
        (bool frozen, uint256 oldest) = chainA.isFrozen();
        assertTrue(frozen, "frozen although a batch committed the request");
        assertEq(oldest, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        bridge.depositETH{value: 1}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        assertEq(alice.balance, 1 ether);
        // The committed batch can be proven (attesters sign what they are given) but never executed:
        // it would process the request that was just paid back.
        _prove(chainA, 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        chainA.executeBatch(fake);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
    }

    /// Reclaim-then-process: once a deposit was paid back on L1, no batch may process it, not even
    /// after governance publishes an implementation with a far longer grace period: a frozen chain
    /// cannot upgrade, and the deadline of a queued request is fixed when it is queued.
    function test_commitBatch_processesReclaimedRequestAfterUpgrade_reverts() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        _publish(365 days);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        vm.prank(admin);
        chainA.upgradeChain();
        CommitBatchInfo memory replay = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, replay);
        (bool frozen,) = chainA.isFrozen();
        assertTrue(frozen);
    }

    /// A chain that upgrades before its requests expire to an implementation with a longer grace
    /// period still freezes at the deadline each request got when it was queued.
    function test_isFrozen_upgradeDoesNotExtendQueuedDeadline_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        (uint64 expiresAt,,, uint64 freezesAt,) = chainA.priorityRequest(0);
        assertEq(freezesAt, uint256(expiresAt) + GRACE);
        _publish(365 days);
        vm.prank(admin);
        chainA.upgradeChain();
        assertEq(chainA.PRIORITY_GRACE_PERIOD(), 365 days);
        vm.warp(uint256(freezesAt) + 1);
        (bool frozen, uint256 oldest) = chainA.isFrozen();
        assertTrue(frozen);
        assertEq(oldest, 0);
        CommitBatchInfo memory late = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, late);
    }

    /// A forced L1→L2 call with value that is never processed is refunded to its sender.
    function test_escapeHatch_forcedCallRefund_succeeds() public {
        vm.deal(alice, 3 ether);
        vm.prank(alice);
        chainA.requestL2Call{value: 3 ether}(makeAddr("l2 contract"), hex"beef", L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        Message memory call =
            Message(block.chainid, CHAIN_A, 0, alice, makeAddr("l2 contract"), 3 ether, 0, hex"beef");
        vm.expectEmit(address(chainA));
        emit IChainSettlement.PriorityRequestReclaimed(0, alice);
        bridge.reclaimExpiredDeposit(CHAIN_A, call);
        assertEq(alice.balance, 3 ether);
    }

    /// A chain that rage-quit and whose operator stops: pending deposits are reclaimable after the
    /// freeze deadline; forced calls stay open (the escape hatch), deposits through the bridge and
    /// upgrades do not.
    function test_escapeHatch_afterRageQuit_succeeds() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        _publish();
        vm.prank(admin);
        chainA.rageQuit();
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.ChainNotActive.selector, CHAIN_A));
        bridge.depositETH{value: 1}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        chainA.requestL2Call(alice, "", L2_GAS_LIMIT, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainHasLeft.selector, CHAIN_A));
        vm.prank(admin);
        chainA.upgradeChain();
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        assertEq(alice.balance, 1 ether);
    }

    /// Rage quit strands nothing: the chain keeps settling on its version outside the ecosystem
    /// (past the upgrade deadline, with its pinned verifier), and its users withdraw every wei of
    /// ETH and tokens it holds, including a deposit queued before it left. Its batches are not
    /// appended to the Transaction Root, import no root appended after it left, and credit nothing
    /// to other chains.
    function test_rageQuit_usersWithdrawEveryWei_succeeds() public {
        address bob = makeAddr("bob");
        L1TestToken token = new L1TestToken("T", "T");
        token.mint(address(this), 10 ether);
        token.approve(address(bridge), 10 ether);
        bridge.depositERC20(CHAIN_A, address(token), alice, 10 ether, L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 5 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        _settle(chainA, _nextBatch(chainA));
        bridge.depositETH{value: 1 ether}(CHAIN_A, bob, L2_GAS_LIMIT, 0); // queued, not processed yet
        bytes32 rootBefore = txRoot.root();
        _publish();
        vm.prank(admin);
        chainA.rageQuit();
        uint256 leaves = txRoot.leafCount();

        Message[] memory out = new Message[](3);
        out[0] = _withdrawal(CHAIN_A, 0, alice, 5 ether, 0);
        out[1] = _withdrawal(CHAIN_A, 1, address(bridge), 0, 0);
        out[1].sender = Predeploys.ASSET_ROUTER;
        out[1].payload = abi.encode(TokenTransfer(block.chainid, address(token), alice, 10 ether, ""));
        out[2] = _withdrawal(CHAIN_A, 2, bob, 1 ether, 0);
        bytes32[] memory leafHashes = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            leafHashes[i] = _hash(out[i]);
        }
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = _merkleRoot(leafHashes);
        bytes32[] memory roots = new bytes32[](1);
        roots[0] = rootBefore;
        batch.importedRoots = roots;
        batch.transfers = _transfer(CHAIN_B, address(0), 1 ether); // not credited: the chain left
        uint256 bBefore = bridge.chainBalance(CHAIN_B, address(0));
        _settle(chainA, batch);
        assertEq(chainA.priorityRequestsExecuted(), 3, "the deposit queued before leaving is processed");
        assertEq(txRoot.leafCount(), leaves, "not appended to the Transaction Root");
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), bBefore);
        for (uint256 i; i < 3; ++i) {
            bridge.finalizeWithdrawal(CHAIN_A, batch.batchNumber, out[i], _merkleProof(leafHashes, i));
        }
        assertEq(alice.balance, 5 ether);
        assertEq(token.balanceOf(alice), 10 ether);
        assertEq(bob.balance, 1 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 0);

        // Past the upgrade deadline it still settles on version 1, but a root appended after it
        // left cannot be imported: messages to it there have no L1 backing.
        vm.prank(admin);
        chainB.upgradeChain();
        vm.warp(factory.upgradeDeadline() + 1);
        _settle(chainB, _nextBatch(chainB));
        CommitBatchInfo memory importing = _nextBatch(chainA);
        roots[0] = txRoot.root();
        importing.importedRoots = roots;
        _commit(chainA, importing);
        _prove(chainA, importing.batchNumber);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.RootAfterLeaving.selector, roots[0], uint64(leaves + 1), uint64(leaves)
            )
        );
        chainA.executeBatch(importing);
        uint64 lastExecuted = chainA.lastExecutedBatch();
        vm.prank(operator);
        chainA.revertBatches(lastExecuted);
        _settle(chainA, _nextBatch(chainA));
        assertEq(chainA.protocolVersion(), 1);
        assertEq(chainA.lastExecutedBatch(), 3);
    }

    /// A chain that left may import only roots from before it left, so a forced import of a later
    /// root (which the operator must process, then L1 refuses the batch for good) would stall it:
    /// the request is refused on L1. Roots from before it left can still be forced.
    function test_requestTransactionRootImport_rootAfterLeaving_reverts() public {
        _settle(chainA, _nextBatch(chainA));
        bytes32 rootBefore = txRoot.root();
        assertEq(chainA.leftAtLeafCount(), 0, "0 until the chain leaves");
        _publish();
        vm.prank(admin);
        chainA.rageQuit();
        uint64 leaves = uint64(txRoot.leafCount());
        assertEq(chainA.leftAtLeafCount(), leaves);
        _settle(chainB, _nextBatch(chainB));
        bytes32 rootAfter = txRoot.root();
        uint256 queued = chainA.priorityRequestCount();
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.RootAfterLeaving.selector, rootAfter, leaves + 1, leaves)
        );
        chainA.requestTransactionRootImport(rootAfter, 0);
        assertEq(chainA.priorityRequestCount(), queued, "nothing queued");

        uint256 nonce = chainA.requestTransactionRootImport(rootBefore, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = rootBefore;
        _settle(chainA, batch);
        assertEq(chainA.priorityRequestsExecuted(), nonce + 1, "the allowed import settles");
    }

    /// A chain outdated past its deadline cannot commit; its pending deposits follow the same exit.
    function test_escapeHatch_outdatedChain_succeeds() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        _publish();
        vm.warp(factory.upgradeDeadline() + EXPIRY + GRACE);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ProtocolVersionOutdated.selector, 1, 2));
        _commit(chainA, batch);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(CHAIN_A, 0, alice, 1 ether));
        assertEq(alice.balance, 1 ether);
    }

    function _publish() internal returns (ChainSettlementV2 impl2) {
        return _publish(GRACE);
    }

    function _publish(uint64 grace) internal returns (ChainSettlementV2 impl2) {
        address[] memory attesters = new address[](1);
        attesters[0] = vm.addr(attesterKeys[0]);
        AttestationVerifier v2 = new AttestationVerifier(2, attesters, 1);
        impl2 = new ChainSettlementV2(address(factory), address(txRoot), address(bridge), EXPIRY, grace);
        vm.prank(governance);
        factory.publishProtocolVersion(address(v2), address(impl2), 3 days, canonicalPredeploys);
    }

    /// The upgrade runs the new implementation on the chain's existing storage; attestations of
    /// the old version are no longer accepted after it.
    function test_upgradeChain_newCodeOldState_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 0.25 ether);
        _commit(chainA, batch);
        bytes memory oldAttestation = _attestation(chainA, 1);
        _publish();
        vm.prank(admin);
        chainA.upgradeChain();
        assertTrue(ChainSettlementV2(address(chainA)).isV2());
        assertEq(chainA.lastCommittedBatch(), 1);
        assertEq(chainA.priorityRequestCount(), 1);
        vm.expectRevert();
        chainA.proveBatch(1, oldAttestation);
        _prove(chainA, 1);
        chainA.executeBatch(batch);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 0.25 ether);
    }

    /// Governance replaces the attester set with one attacker key and threshold 1 in one block: that
    /// needs a new verifier published as a protocol version, which no chain uses before its admin
    /// upgrades; until the deadline the admin may rage-quit instead.
    function test_proveBatch_attesterSetSwappedInOneBlock_notBeforeUpgrade() public {
        uint256 attackerKey = 0xBAD;
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.newStateRoot = keccak256("stolen state");
        _commit(chainA, batch);
        address[] memory attackers = new address[](1);
        attackers[0] = vm.addr(attackerKey);
        AttestationVerifier evil = new AttestationVerifier(2, attackers, 1);
        address impl2 =
            address(new ChainSettlementV2(address(factory), address(txRoot), address(bridge), EXPIRY, GRACE));
        vm.prank(governance);
        factory.publishProtocolVersion(address(evil), impl2, 1 days, canonicalPredeploys);
        assertEq(chainA.verifier(), address(verifier), "the chain keeps its pinned verifier");
        bytes32 publicInput = chainA.batchPublicInput(1);
        uint256[] memory keys = new uint256[](1);
        keys[0] = attackerKey;
        bytes memory forged = _signSorted(keys, verifier.digest(publicInput));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, attackers[0]));
        chainA.proveBatch(1, forged);
        forged = _signSorted(keys, evil.digest(publicInput));
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        chainA.proveBatch(1, forged);
        vm.warp(block.timestamp + 1 days);
        vm.prank(admin);
        chainA.rageQuit();
        assertTrue(chainA.hasLeft());
    }

    /// The same for the validium committee: a new committee is staged for the next version, and an
    /// existing validium chain keeps its committee until its admin upgrades to that version.
    function test_commitBatch_validiumCommitteeSwapped_notBeforeUpgrade() public {
        ChainSettlement chain = _createChain(3000, 1);
        uint256[] memory keys = new uint256[](2);
        keys[0] = 0xBAD;
        keys[1] = 0xBAD2;
        address[] memory attackers = new address[](2);
        attackers[0] = vm.addr(keys[0]);
        attackers[1] = vm.addr(keys[1]);
        ValidiumDAValidator evil = new ValidiumDAValidator(attackers, 1);
        vm.prank(governance);
        factory.setDAValidator(1, address(evil));
        _publish();
        assertEq(factory.daValidator(1), address(evil));
        assertEq(chain.daValidator(), address(validium), "the chain keeps its committee");
        CommitBatchInfo memory batch = _nextBatch(chain);
        batch.daCommitment = keccak256("withheld data");
        bytes memory forged = _signSorted(keys, evil.digest(3000, batch.batchNumber, batch.daCommitment));
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        vm.prank(operator);
        chain.commitBatch(batch, forged);
        // The honest committee still works; an upgrade is what moves the chain to the new one.
        bytes memory honest =
            _signSorted(committeeKeys, validium.digest(3000, batch.batchNumber, batch.daCommitment));
        vm.prank(operator);
        chain.commitBatch(batch, honest);
        vm.prank(admin);
        chain.upgradeChain();
        assertEq(chain.daValidator(), address(evil));
    }

    /// A validium chain settles with committee signatures instead of pubdata.
    function test_validiumChain_fullSettlement_succeeds() public {
        ChainSettlement chain = _createChain(3000, 1);
        CommitBatchInfo memory batch = _nextBatch(chain);
        batch.daCommitment = keccak256("off-chain data");
        bytes memory signatures = _signSorted(
            committeeKeys, validium.digest(chain.chainId(), batch.batchNumber, batch.daCommitment)
        );
        vm.prank(operator);
        chain.commitBatch(batch, signatures);
        _prove(chain, 1);
        chain.executeBatch(batch);
        assertEq(chain.lastExecutedBatch(), 1);
    }

    /// Token value moves between chains with the batch, like ETH.
    function test_executeBatch_tokenTransfer_succeeds() public {
        address token = address(new L1TestToken("T", "T"));
        L1TestToken(token).mint(address(this), 10 ether);
        L1TestToken(token).approve(address(bridge), 10 ether);
        bridge.depositERC20(CHAIN_A, token, alice, 10 ether, L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, token, 4 ether);
        _settle(chainA, batch);
        assertEq(bridge.chainBalance(CHAIN_A, token), 6 ether);
        assertEq(bridge.chainBalance(CHAIN_B, token), 4 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InsufficientChainBalance.selector, CHAIN_B, token, 4 ether, 5 ether
            )
        );
        vm.prank(address(chainB));
        bridge.moveBalances(CHAIN_B, _transfer(CHAIN_A, token, 5 ether));
    }
}
