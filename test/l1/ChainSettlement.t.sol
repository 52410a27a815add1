// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {AssetTransfer, BatchHashing, CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {RollupDAValidator} from "../../contracts/l1/RollupDAValidator.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {IDAValidator} from "../../contracts/l1/interfaces/IDAValidator.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {ISignerSet} from "../../contracts/l1/interfaces/ISignerSet.sol";
import {ITransactionRoot} from "../../contracts/l1/interfaces/ITransactionRoot.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

/// Deploys the L1 contracts (`L1Fixture`) and holds what several function suites share.
abstract contract ChainSettlement_TestInit is L1Fixture {
    /// The committed batch 1 is re-derived: same fields as `_nextBatch` made for it.
    function _batchAgain(ChainSettlement chain, uint64 n)
        internal
        view
        returns (CommitBatchInfo memory batch)
    {
        batch.batchNumber = n;
        batch.newStateRoot = keccak256(abi.encode("state", chain.chainId(), n));
        batch.lastBlockHash = keccak256(abi.encode("block", chain.chainId(), n));
        batch.priorityRequestsProcessed = uint64(chain.priorityRequestsCommitted());
        batch.priorityRequestsHash = chain.priorityRollingHash(batch.priorityRequestsProcessed);
        batch.daCommitment = keccak256(_pubdata(n));
    }

    function _publishVersion2() internal returns (AttestationVerifier v2, ChainSettlement impl2) {
        address[] memory attesters = new address[](1);
        attesters[0] = vm.addr(attesterKeys[0]);
        v2 = new AttestationVerifier(2, attesters, 1);
        impl2 = new ChainSettlement(address(factory), address(txRoot), address(bridge), EXPIRY, GRACE);
        vm.prank(governance);
        factory.publishProtocolVersion(address(v2), address(impl2), 7 days, canonicalPredeploys);
    }

    function _one(bytes32 leaf) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](1);
        leaves[0] = leaf;
    }
}

contract ChainSettlement_CommitBatch_Test is ChainSettlement_TestInit {
    function test_commitBatch_storesLastBlockHash_succeeds() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        _commit(chainA, batch);
        assertEq(chainA.lastBlockHash(1), batch.lastBlockHash);
    }

    function test_commitBatch_firstBatch_succeeds() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        bytes32 expected = this.publicInputOf(chainA, 0, batch);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchCommitted(1, expected);
        _commit(chainA, batch);
        assertEq(chainA.lastCommittedBatch(), 1);
        assertEq(chainA.stateRoot(1), batch.newStateRoot);
        assertEq(chainA.batchPublicInput(1), expected);
    }

    function test_commitBatch_chainsOnPreviousRoot_succeeds() public {
        _commit(chainA, _nextBatch(chainA));
        CommitBatchInfo memory second = _nextBatch(chainA);
        _commit(chainA, second);
        assertEq(chainA.batchPublicInput(2), this.publicInputOf(chainA, 1, second));
    }

    function test_commitBatch_notOperator_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotOperator.selector, address(this)));
        chainA.commitBatch(batch, _pubdata(1));
    }

    function testFuzz_commitBatch_wrongNumber_reverts(uint64 number) public {
        vm.assume(number != 1);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.batchNumber = number;
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 1, number));
        vm.prank(operator);
        chainA.commitBatch(batch, _pubdata(number));
    }

    function testFuzz_commitBatch_wrongDA_reverts(bytes memory daInput) public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.assume(keccak256(daInput) != batch.daCommitment);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDAValidator.DACommitmentMismatch.selector, batch.daCommitment, keccak256(daInput)
            )
        );
        vm.prank(operator);
        chainA.commitBatch(batch, daInput);
    }

    function test_commitBatch_validium_succeeds() public {
        ChainSettlement chain = _createChain(999, 1);
        CommitBatchInfo memory batch = _nextBatch(chain);
        bytes memory sigs = _signSorted(
            committeeKeys, validium.digest(chain.chainId(), batch.batchNumber, batch.daCommitment)
        );
        vm.prank(operator);
        chain.commitBatch(batch, sigs);
        assertEq(chain.lastCommittedBatch(), 1);
    }

    /// The committee's signatures for one validium chain's batch replayed for another validium chain
    /// with the same batch number and DA commitment.
    function test_commitBatch_validiumSignaturesOfOtherChain_reverts() public {
        ChainSettlement signed = _createChain(999, 1);
        ChainSettlement other = _createChain(998, 1);
        CommitBatchInfo memory batch = _nextBatch(other);
        bytes32 digest = validium.digest(signed.chainId(), batch.batchNumber, batch.daCommitment);
        bytes memory sigs = _signSorted(committeeKeys, digest);
        address recovered =
            _firstSigner(sigs, validium.digest(other.chainId(), batch.batchNumber, batch.daCommitment));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, recovered));
        vm.prank(operator);
        other.commitBatch(batch, sigs);
    }

    function test_commitBatch_validiumTooFewSignatures_reverts() public {
        ChainSettlement chain = _createChain(999, 1);
        CommitBatchInfo memory batch = _nextBatch(chain);
        uint256[] memory one = new uint256[](1);
        one[0] = committeeKeys[0];
        bytes memory sigs =
            _signSorted(one, validium.digest(chain.chainId(), batch.batchNumber, batch.daCommitment));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.InsufficientSignatures.selector, 1, 2));
        vm.prank(operator);
        chain.commitBatch(batch, sigs);
    }

    function test_commitBatch_priorityCountTooHigh_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsProcessed = 1;
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.PriorityRequestsProcessedTooHigh.selector, 1, 0)
        );
        _commit(chainA, batch);
    }

    function test_commitBatch_priorityCountDecreased_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _commit(chainA, _nextBatch(chainA));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsProcessed = 0;
        batch.priorityRequestsHash = bytes32(0);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.PriorityRequestsProcessedDecreased.selector, 1, 0)
        );
        _commit(chainA, batch);
    }

    function testFuzz_commitBatch_wrongPriorityHash_reverts(bytes32 wrong) public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.assume(wrong != batch.priorityRequestsHash);
        bytes32 expected = batch.priorityRequestsHash;
        batch.priorityRequestsHash = wrong;
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.PriorityRequestsHashMismatch.selector, expected, wrong)
        );
        _commit(chainA, batch);
    }

    /// Any count in [processed, queued] with the matching rolling hash is accepted; anything above reverts.
    function testFuzz_commitBatch_priorityIndices_succeeds(uint8 deposits, uint8 count) public {
        deposits = uint8(bound(deposits, 0, 12));
        for (uint256 i; i < deposits; ++i) {
            bridge.depositETH{value: 1 + i}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        }
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsProcessed = count;
        batch.priorityRequestsHash = chainA.priorityRollingHash(count);
        if (count > deposits) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IChainSettlement.PriorityRequestsProcessedTooHigh.selector, count, deposits
                )
            );
        }
        _commit(chainA, batch);
        if (count <= deposits) assertEq(chainA.priorityRequestsCommitted(), count);
    }

    function test_commitBatch_leavesExpiredRequest_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + 1);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.priorityRequestsProcessed = 0;
        batch.priorityRequestsHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestExpired.selector, 0));
        _commit(chainA, batch);
    }

    function test_commitBatch_processesExpiredRequestDuringGrace_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.priorityRequestsCommitted(), 1);
    }

    function test_commitBatch_frozen_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        (bool frozen, uint256 nonce) = chainA.isFrozen();
        assertTrue(frozen);
        assertEq(nonce, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, batch);
    }

    function test_commitBatch_outdatedAfterDeadline_reverts() public {
        _publishVersion2();
        vm.warp(factory.upgradeDeadline() + 1);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ProtocolVersionOutdated.selector, 1, 2));
        _commit(chainA, batch);
    }

    function test_commitBatch_oldVersionDuringWindow_succeeds() public {
        _publishVersion2();
        vm.warp(factory.upgradeDeadline());
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.lastCommittedBatch(), 1);
    }

    /// A chain that left keeps committing on its own version, also after the upgrade deadline.
    function test_commitBatch_afterRageQuitPastDeadline_succeeds() public {
        _publishVersion2();
        vm.prank(admin);
        chainA.rageQuit();
        vm.warp(factory.upgradeDeadline() + 1);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.lastCommittedBatch(), 1);
        assertEq(chainA.protocolVersion(), 1);
    }
}

contract ChainSettlement_ProveBatch_Test is ChainSettlement_TestInit {
    /// Attesters who re-executed headers that continue another block than batch 1's last one (a
    /// fork of the chain, or blocks the node rewrote) signed another statement: the attestation
    /// does not prove batch 2.
    function test_proveBatch_headersNotContinuingPreviousBatch_reverts() public {
        _settle(chainA, _nextBatch(chainA));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        _commit(chainA, batch);
        bytes32 forked =
            this.publicInputOver(CHAIN_A, chainA.stateRoot(1), keccak256("a fork's block"), batch);
        bytes memory sigs = _signSorted(attesterKeys, verifier.digest(forked));
        address recovered = _firstSigner(sigs, verifier.digest(chainA.batchPublicInput(2)));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, recovered));
        chainA.proveBatch(2, sigs);
    }

    function test_proveBatch_validAttestation_succeeds() public {
        _commit(chainA, _nextBatch(chainA));
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchProven(1);
        _prove(chainA, 1);
        assertEq(chainA.lastProvenBatch(), 1);
    }

    function test_proveBatch_notCommitted_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotCommitted.selector, 1));
        chainA.proveBatch(1, "");
    }

    function test_proveBatch_outOfOrder_reverts() public {
        _commit(chainA, _nextBatch(chainA));
        _commit(chainA, _nextBatch(chainA));
        bytes memory proof = _attestation(chainA, 2);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 1, 2));
        chainA.proveBatch(2, proof);
    }

    /// An attestation of another batch (or of anything else) is rejected.
    function testFuzz_proveBatch_wrongStatement_reverts(bytes32 statement) public {
        _commit(chainA, _nextBatch(chainA));
        vm.assume(statement != chainA.batchPublicInput(1));
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(statement));
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        chainA.proveBatch(1, proof);
    }
}

contract ChainSettlement_ExecuteBatch_Test is ChainSettlement_TestInit {
    function test_executeBatch_appendsToTransactionRoot_succeeds() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = keccak256("messages");
        _commit(chainA, batch);
        _prove(chainA, 1);
        bytes32 leaf = BatchHashing.transactionRootLeaf(CHAIN_A, 1, batch.messagesRoot, batch.newStateRoot);
        vm.expectEmit(address(txRoot));
        emit ITransactionRoot.TransactionRootUpdated(leaf, CHAIN_A, 1, 0, leaf);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchExecuted(1, batch.newStateRoot, batch.messagesRoot);
        chainA.executeBatch(batch);
        assertEq(chainA.lastExecutedBatch(), 1);
        assertEq(chainA.messagesRoot(1), batch.messagesRoot);
        assertEq(txRoot.root(), leaf);
        assertTrue(txRoot.isTransactionRoot(leaf));
    }

    function test_executeBatch_importedKnownRoot_succeeds() public {
        _settle(chainB, _nextBatch(chainB));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = txRoot.root();
        _settle(chainA, batch);
        assertEq(chainA.lastExecutedBatch(), 1);
    }

    function testFuzz_executeBatch_unknownImportedRoot_reverts(bytes32 root) public {
        vm.assume(!txRoot.isTransactionRoot(root));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = root;
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.UnknownTransactionRoot.selector, root));
        chainA.executeBatch(batch);
    }

    function test_executeBatch_notProven_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        _commit(chainA, batch);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotProven.selector, 1));
        chainA.executeBatch(batch);
    }

    function test_executeBatch_outOfOrder_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.batchNumber = 2;
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 1, 2));
        chainA.executeBatch(batch);
    }

    /// Any change to the re-supplied batch breaks the commitment.
    function testFuzz_executeBatch_tamperedBatch_reverts(uint8 field, bytes32 value) public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 0.5 ether);
        _commit(chainA, batch);
        _prove(chainA, 1);
        field = uint8(bound(field, 0, 7));
        if (field == 0) batch.newStateRoot = bytes32(uint256(batch.newStateRoot) ^ (uint256(value) | 1));
        if (field == 1) batch.messagesRoot = bytes32(uint256(batch.messagesRoot) ^ (uint256(value) | 1));
        if (field == 2) {
            batch.priorityRequestsHash = bytes32(uint256(batch.priorityRequestsHash) ^ (uint256(value) | 1));
        }
        if (field == 3) batch.daCommitment = bytes32(uint256(batch.daCommitment) ^ (uint256(value) | 1));
        if (field == 4) batch.transfers[0].amount ^= uint256(value) | 1;
        if (field == 5) batch.transfers[0].destinationChainId ^= uint256(value) | 1;
        if (field == 6) batch.priorityRequestsProcessed ^= uint64(uint256(value)) | 1;
        if (field == 7) batch.lastBlockHash = bytes32(uint256(batch.lastBlockHash) ^ (uint256(value) | 1));
        bytes32 committed = chainA.batchPublicInput(1);
        bytes32 supplied = this.publicInputOf(chainA, 0, batch);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.BatchCommitmentMismatch.selector, 1, committed, supplied)
        );
        chainA.executeBatch(batch);
    }

    function test_executeBatch_movesBalances_succeeds() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 1 ether);
        _settle(chainA, batch);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 2 ether);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 1 ether);
    }

    function test_executeBatch_insufficientBalance_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 1);
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.InsufficientChainBalance.selector, CHAIN_A, address(0), 0, 1)
        );
        chainA.executeBatch(batch);
    }

    /// A transfer to a chain that rage-quit is not credited: the source keeps backing it.
    function test_executeBatch_transferToLeftChain_notCredited() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _publishVersion2();
        vm.prank(admin);
        chainB.rageQuit();
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 1);
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.TransferNotCredited(CHAIN_A, CHAIN_B, address(0), 1);
        chainA.executeBatch(batch);
        assertEq(chainA.lastExecutedBatch(), 1);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 0);
    }

    function test_executeBatch_transferToItself_notCredited() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_A, address(0), 1);
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.TransferNotCredited(CHAIN_A, CHAIN_A, address(0), 1);
        chainA.executeBatch(batch);
        assertEq(chainA.lastExecutedBatch(), 1);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
    }

    /// The liveness bug: 1 wei sent to a chain id nobody registered must not block the source chain.
    function testFuzz_executeBatch_transferToUnknownChain_notCredited(uint256 destination, uint96 amount)
        public
    {
        vm.assume(destination != CHAIN_A && destination != CHAIN_B);
        amount = uint96(bound(amount, 1, 1 ether));
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(destination, address(0), amount);
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.TransferNotCredited(CHAIN_A, destination, address(0), amount);
        chainA.executeBatch(batch);
        assertEq(chainA.lastExecutedBatch(), 1);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        assertEq(bridge.chainBalance(destination, address(0)), 0);
    }

    /// Credited and uncredited transfers in one batch: only the credited ones leave the source, but
    /// together they may not exceed what the source holds.
    function test_executeBatch_mixedTransfers_succeeds() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = new AssetTransfer[](3);
        batch.transfers[0] = AssetTransfer(CHAIN_A, address(0), 1 ether);
        batch.transfers[1] = AssetTransfer(CHAIN_B, address(0), 1 ether);
        batch.transfers[2] = AssetTransfer(999_999, address(0), 1 ether);
        _settle(chainA, batch);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 2 ether);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 1 ether);
    }

    function test_executeBatch_uncreditedTransfersOverdraw_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = new AssetTransfer[](2);
        batch.transfers[0] = AssetTransfer(CHAIN_B, address(0), 0.6 ether);
        batch.transfers[1] = AssetTransfer(999_999, address(0), 0.6 ether);
        _commit(chainA, batch);
        _prove(chainA, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InsufficientChainBalance.selector, CHAIN_A, address(0), 0.4 ether, 0.6 ether
            )
        );
        chainA.executeBatch(batch);
    }

    /// Once a frozen chain is recorded in the bridge, transfers to it are not credited.
    function test_executeBatch_transferToFrozenChain_notCredited() public {
        bridge.depositETH{value: 1 ether}(CHAIN_B, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        bridge.markChainFrozen(CHAIN_B);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.transfers = _transfer(CHAIN_B, address(0), 0.5 ether);
        _settle(chainA, batch);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 1 ether);
    }
}

contract ChainSettlement_SettleBatch_Test is ChainSettlement_TestInit {
    /// Batch 1 attested on headers that do not start at the registered genesis block fails the same
    /// way.
    function test_settleBatch_headersNotContinuingGenesis_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        bytes32 forked =
            this.publicInputOver(CHAIN_A, chainA.stateRoot(0), keccak256("another genesis"), batch);
        bytes memory sigs = _signSorted(attesterKeys, verifier.digest(forked));
        address recovered = _firstSigner(sigs, verifier.digest(this.publicInputOf(chainA, 0, batch)));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, recovered));
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), sigs);
    }

    function test_settleBatch_oneCall_succeeds() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = keccak256("messages");
        batch.transfers = _transfer(CHAIN_B, address(0), 1 ether);
        bytes32 publicInput = this.publicInputOf(chainA, 0, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        bytes32 leaf = BatchHashing.transactionRootLeaf(CHAIN_A, 1, batch.messagesRoot, batch.newStateRoot);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchCommitted(1, publicInput);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchProven(1);
        vm.expectEmit(address(txRoot));
        emit ITransactionRoot.TransactionRootUpdated(leaf, CHAIN_A, 1, 0, leaf);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.BalanceMoved(CHAIN_A, CHAIN_B, address(0), 1 ether);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchExecuted(1, batch.newStateRoot, batch.messagesRoot);
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), proof);
        assertEq(chainA.lastCommittedBatch(), 1);
        assertEq(chainA.lastProvenBatch(), 1);
        assertEq(chainA.lastExecutedBatch(), 1);
        assertEq(chainA.stateRoot(1), batch.newStateRoot);
        assertEq(chainA.messagesRoot(1), batch.messagesRoot);
        assertEq(chainA.priorityRequestsExecuted(), 1);
        assertEq(chainA.priorityRequestsCommitted(), 1);
        assertTrue(txRoot.isTransactionRoot(leaf));
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 1 ether);
        // The three-call path continues from it.
        _settle(chainA, _nextBatch(chainA));
        assertEq(chainA.lastExecutedBatch(), 2);
    }

    /// Rollup DA with the pubdata in an EIP-4844 blob of the settling transaction.
    function test_settleBatch_blobDA_succeeds() public {
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = bytes32(uint256(0x01) << 248 | uint256(keccak256("blob with the state diff")) >> 8);
        vm.blobhashes(hashes);
        bytes memory blobRef =
            abi.encodePacked(RollupDAValidator(chainA.daValidator()).BLOB_MARKER(), uint8(0));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.daCommitment = hashes[0];
        bytes32 publicInput = this.publicInputOf(chainA, 0, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        vm.prank(operator);
        chainA.settleBatch(batch, blobRef, proof);
        assertEq(chainA.lastExecutedBatch(), 1);
    }

    /// The one-call path leaves the same state as commit + prove + execute: chain A settles with
    /// three calls, chain B with `settleBatch`, the same deposits and batches (up to the chain id).
    function testFuzz_settleBatch_sameStateAsThreeCalls_succeeds(uint8 batches, uint256 seed) public {
        batches = uint8(bound(batches, 1, 5));
        bridge.depositETH{value: 3 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 3 ether}(CHAIN_B, address(this), L2_GAS_LIMIT, 0);
        for (uint256 i; i < batches; ++i) {
            uint256 deposits = uint256(keccak256(abi.encode(seed, i))) % 3;
            for (uint256 d; d < deposits; ++d) {
                bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
                bridge.depositETH{value: 1 ether}(CHAIN_B, address(this), L2_GAS_LIMIT, 0);
            }
            CommitBatchInfo memory a = _nextBatch(chainA);
            CommitBatchInfo memory b = _nextBatch(chainB);
            a.messagesRoot = b.messagesRoot = keccak256(abi.encode("messages", seed, i));
            a.newStateRoot = b.newStateRoot = keccak256(abi.encode("state", seed, i));
            if (i % 2 == 1) {
                a.transfers = _transfer(777_777, address(0), 0.5 ether);
                b.transfers = _transfer(777_777, address(0), 0.5 ether);
            }
            _settle(chainA, a);
            bytes32 publicInput = this.publicInputOf(chainB, b.batchNumber - 1, b);
            bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
            bytes memory pubdata = _pubdata(b.batchNumber);
            vm.prank(operator);
            chainB.settleBatch(b, pubdata, proof);
            assertEq(chainB.lastCommittedBatch(), chainA.lastCommittedBatch());
            assertEq(chainB.lastProvenBatch(), chainA.lastProvenBatch());
            assertEq(chainB.lastExecutedBatch(), chainA.lastExecutedBatch());
            assertEq(chainB.stateRoot(b.batchNumber), chainA.stateRoot(a.batchNumber));
            assertEq(chainB.messagesRoot(b.batchNumber), chainA.messagesRoot(a.batchNumber));
            assertEq(chainB.priorityRequestsExecuted(), chainA.priorityRequestsExecuted());
            assertEq(chainB.priorityRequestsCommitted(), chainA.priorityRequestsCommitted());
            assertEq(bridge.chainBalance(CHAIN_B, address(0)), bridge.chainBalance(CHAIN_A, address(0)));
        }
        assertEq(txRoot.leafCount(), 2 * uint256(batches));
    }

    function test_settleBatch_notOperator_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotOperator.selector, address(this)));
        chainA.settleBatch(batch, _pubdata(1), "");
    }

    function test_settleBatch_pendingBatches_reverts() public {
        _commit(chainA, _nextBatch(chainA));
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.UnexecutedBatchesPending.selector, 1, 0));
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(2), "");
    }

    function test_settleBatch_badAttestation_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(keccak256("another batch")));
        vm.expectRevert();
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), proof);
        assertEq(chainA.lastCommittedBatch(), 0);
    }

    function test_settleBatch_badPubdata_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        bytes32 publicInput = this.publicInputOf(chainA, 0, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDAValidator.DACommitmentMismatch.selector, batch.daCommitment, keccak256("other")
            )
        );
        vm.prank(operator);
        chainA.settleBatch(batch, "other", proof);
    }

    function test_settleBatch_unknownImportedRoot_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = keccak256("never a root");
        bytes32 publicInput = this.publicInputOf(chainA, 0, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.UnknownTransactionRoot.selector, batch.importedRoots[0])
        );
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), proof);
    }

    /// A batch committed, reverted and then settled in one call: the reverted public input and
    /// priority lane do not leak into the views or later reverts.
    function test_settleBatch_afterRevert_thenRevertLaterBatch_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _commit(chainA, _nextBatch(chainA));
        vm.prank(operator);
        chainA.revertBatches(0);
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        bytes32 publicInput = this.publicInputOf(chainA, 0, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(publicInput));
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), proof);
        assertEq(chainA.messagesRoot(1), bytes32(0));
        assertEq(chainA.priorityRequestsExecuted(), 2);
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.priorityRequestsCommitted(), 3);
        vm.prank(operator);
        chainA.revertBatches(1);
        assertEq(chainA.priorityRequestsCommitted(), 2);
    }
}

contract ChainSettlement_RevertBatches_Test is ChainSettlement_TestInit {
    function test_revertBatches_unexecuted_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _settle(chainA, _nextBatch(chainA));
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _commit(chainA, _nextBatch(chainA));
        _prove(chainA, 2);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.priorityRequestsCommitted(), 2);
        vm.expectEmit(address(chainA));
        emit IChainSettlement.BatchesReverted(1);
        vm.prank(operator);
        chainA.revertBatches(1);
        assertEq(chainA.lastCommittedBatch(), 1);
        assertEq(chainA.lastProvenBatch(), 1);
        assertEq(chainA.priorityRequestsCommitted(), 1);
        // The chain continues from batch 1's state root.
        CommitBatchInfo memory again = _nextBatch(chainA);
        again.newStateRoot = keccak256("another state");
        _settle(chainA, again);
        assertEq(chainA.stateRoot(2), again.newStateRoot);
    }

    function test_revertBatches_executedBatch_reverts() public {
        _settle(chainA, _nextBatch(chainA));
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.InvalidRevertTarget.selector, 0, 1, 1));
        vm.prank(operator);
        chainA.revertBatches(0);
    }

    function test_revertBatches_notOperator_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotOperator.selector, address(this)));
        chainA.revertBatches(0);
    }
}

contract ChainSettlement_RequestL2Call_Test is ChainSettlement_TestInit {
    function test_requestL2Call_queuesMessage_succeeds() public {
        address target = makeAddr("target");
        Message memory expected = Message({
            sourceChainId: block.chainid,
            destinationChainId: CHAIN_A,
            nonce: 0,
            sender: address(this),
            recipient: target,
            value: 2 ether,
            fee: 0,
            payload: hex"c0ffee"
        });
        vm.expectEmit(address(chainA));
        emit IChainSettlement.PriorityRequestQueued(
            0, expected, L2_GAS_LIMIT, uint64(block.timestamp) + EXPIRY
        );
        uint256 nonce = chainA.requestL2Call{value: 2 ether}(target, hex"c0ffee", L2_GAS_LIMIT, 0);
        assertEq(nonce, 0);
        assertEq(chainA.priorityRequestCount(), 1);
        assertEq(
            chainA.priorityRollingHash(1), keccak256(abi.encode(bytes32(0), _hash(expected), L2_GAS_LIMIT))
        );
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 2 ether);
        assertEq(address(bridge).balance, 2 ether);
    }

    function test_requestL2Call_zeroRecipient_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "recipient"));
        chainA.requestL2Call(address(0), "", L2_GAS_LIMIT, 0);
    }

    function test_requestL2Call_frozenChain_reverts() public {
        chainA.requestL2Call(address(1), "", L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        chainA.requestL2Call(address(1), "", L2_GAS_LIMIT, 0);
    }
}

contract ChainSettlement_EnqueuePriorityRequest_Test is ChainSettlement_TestInit {
    function test_enqueuePriorityRequest_notBridge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotSharedBridge.selector, address(this)));
        chainA.enqueuePriorityRequest(address(this), address(this), 1, "", L2_GAS_LIMIT, 0, address(this));
    }
}

contract ChainSettlement_MarkPriorityRequestReclaimed_Test is ChainSettlement_TestInit {
    function test_markPriorityRequestReclaimed_notBridge_reverts() public {
        Message memory m;
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotSharedBridge.selector, address(this)));
        chainA.markPriorityRequestReclaimed(m);
    }
}

contract ChainSettlement_PriorityRequestsExecuted_Test is ChainSettlement_TestInit {
    function test_priorityRequestsExecuted_afterExecution_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.priorityRequestsExecuted(), 0);
        _prove(chainA, 1);
        chainA.executeBatch(_batchAgain(chainA, 1));
        assertEq(chainA.priorityRequestsExecuted(), 2);
    }
}

contract ChainSettlement_UpgradeChain_Test is ChainSettlement_TestInit {
    function test_upgradeChain_toPublishedVersion_succeeds() public {
        _commit(chainA, _nextBatch(chainA));
        (AttestationVerifier v2, ChainSettlement impl2) = _publishVersion2();
        vm.expectEmit(address(chainA));
        emit IChainSettlement.ChainUpgraded(2, address(v2), address(impl2));
        vm.prank(admin);
        chainA.upgradeChain();
        assertEq(chainA.protocolVersion(), 2);
        assertEq(chainA.verifier(), address(v2));
        bytes32 slot =
            vm.load(address(chainA), 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc);
        assertEq(address(uint160(uint256(slot))), address(impl2));
        // State survives; the new verifier proves the pending batch; commits continue after the deadline.
        vm.warp(factory.upgradeDeadline() + 1);
        _prove(chainA, 1);
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.lastCommittedBatch(), 2);
    }

    function test_upgradeChain_afterDeadline_succeeds() public {
        _publishVersion2();
        vm.warp(factory.upgradeDeadline() + 1);
        vm.prank(admin);
        chainA.upgradeChain();
        _commit(chainA, _nextBatch(chainA));
        assertEq(chainA.lastCommittedBatch(), 1);
    }

    function test_upgradeChain_upToDate_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.AlreadyUpToDate.selector, 1));
        vm.prank(admin);
        chainA.upgradeChain();
    }

    function test_upgradeChain_notAdmin_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotAdmin.selector, address(this)));
        chainA.upgradeChain();
    }
}

contract ChainSettlement_RageQuit_Test is ChainSettlement_TestInit {
    function test_rageQuit_duringWindow_succeeds() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        Message memory w = _withdrawal(CHAIN_A, 0, makeAddr("alice"), 1 ether, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = _hash(w);
        _settle(chainA, batch);
        _commit(chainA, _nextBatch(chainA));
        _publishVersion2();
        vm.expectEmit(address(chainA));
        emit IChainSettlement.ChainLeft(CHAIN_A);
        vm.prank(admin);
        chainA.rageQuit();
        assertTrue(chainA.hasLeft());
        assertEq(chainA.lastCommittedBatch(), 1);
        assertFalse(bridge.isActive(CHAIN_A));
        // Users still withdraw from executed batches.
        bridge.finalizeWithdrawal(CHAIN_A, 1, w, _merkleProof(_one(_hash(w)), 0));
        assertEq(makeAddr("alice").balance, 1 ether);
        // No more deposits.
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.ChainNotActive.selector, CHAIN_A));
        bridge.depositETH{value: 1}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
    }

    function test_rageQuit_noWindow_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.RageQuitNotAllowed.selector, 1, 1, 0));
        vm.prank(admin);
        chainA.rageQuit();
    }

    function test_rageQuit_afterDeadline_reverts() public {
        _publishVersion2();
        uint64 deadline = factory.upgradeDeadline();
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.RageQuitNotAllowed.selector, 1, 2, deadline));
        vm.prank(admin);
        chainA.rageQuit();
    }

    function test_rageQuit_notAdmin_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotAdmin.selector, address(this)));
        chainA.rageQuit();
    }
}

contract ChainSettlement_SetOperator_Test is ChainSettlement_TestInit {
    function test_setOperator_byAdmin_succeeds() public {
        address next = makeAddr("next operator");
        vm.prank(admin);
        chainA.setOperator(next);
        assertEq(chainA.operator(), next);
        operator = next;
        _commit(chainA, _nextBatch(chainA));
    }

    function test_setOperator_zero_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "operator"));
        vm.prank(admin);
        chainA.setOperator(address(0));
    }

    function test_setOperator_notAdmin_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotAdmin.selector, address(this)));
        chainA.setOperator(address(this));
    }
}

contract ChainSettlement_Initialize_Test is ChainSettlement_TestInit {
    function test_initialize_twice_reverts() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        vm.prank(address(factory));
        chainA.initialize(_config(5, 0), address(verifier), 1, address(0));
    }

    function test_initialize_implementationDirectly_reverts() public {
        ChainSettlement impl = ChainSettlement(factory.settlementImplementation());
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        vm.prank(address(factory));
        impl.initialize(_config(5, 0), address(verifier), 1, address(0));
    }

    /// Only the factory can set up a settlement proxy: a look-alike deployed by anyone else fails.
    function test_initialize_notFactory_reverts() public {
        address impl = factory.settlementImplementation();
        bytes memory init =
            abi.encodeCall(ChainSettlement.initialize, (_config(5, 0), address(verifier), 1, address(0)));
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotFactory.selector, address(this)));
        new ERC1967Proxy(impl, init);
    }
}

contract ChainSettlement_Views_Test is ChainSettlement_TestInit {
    function test_lastBlockHash_genesis_succeeds() public view {
        assertEq(chainA.lastBlockHash(0), keccak256(abi.encode("genesis block", CHAIN_A)));
    }

    function test_lastBlockHash_uncommittedBatch_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotCommitted.selector, 1));
        chainA.lastBlockHash(1);
    }

    function test_views_genesis_succeeds() public view {
        assertEq(chainA.chainId(), CHAIN_A);
        assertEq(chainA.admin(), admin);
        assertEq(chainA.operator(), operator);
        assertEq(chainA.verifier(), address(verifier));
        assertEq(chainA.protocolVersion(), 1);
        assertEq(chainA.daValidator(), factory.daValidator(0));
        assertEq(chainA.stateRoot(0), keccak256(abi.encode("genesis", CHAIN_A)));
        assertEq(chainA.messagesRoot(0), bytes32(0));
        assertEq(chainA.PRIORITY_EXPIRY(), EXPIRY);
        assertEq(chainA.PRIORITY_GRACE_PERIOD(), GRACE);
    }

    function test_messagesRoot_notExecuted_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotExecuted.selector, 1));
        chainA.messagesRoot(1);
    }

    function test_stateRoot_notCommitted_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotCommitted.selector, 1));
        chainA.stateRoot(1);
    }
}
