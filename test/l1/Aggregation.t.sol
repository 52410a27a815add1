// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {AggregateHashing, ChainBatch} from "../../contracts/common/types/Aggregate.sol";
import {CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {Aggregator} from "../../contracts/l1/Aggregator.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {IAggregator} from "../../contracts/l1/interfaces/IAggregator.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {IDAValidator} from "../../contracts/l1/interfaces/IDAValidator.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {ISignerSet} from "../../contracts/l1/interfaces/ISignerSet.sol";
import {ITransactionRoot} from "../../contracts/l1/interfaces/ITransactionRoot.sol";
import {AggregationFixture} from "../utils/AggregationFixture.sol";

contract AggregationTest is AggregationFixture {
    uint256 internal constant CHAIN_C = 273;
    uint256 internal constant CHAIN_D = 274;
    ChainSettlement internal chainC;
    ChainSettlement internal chainD;

    function setUp() public override {
        super.setUp();
        chainC = _createChain(CHAIN_C, 0);
        chainD = _createChain(CHAIN_D, 0);
        _join(chainA);
        _join(chainB);
        _join(chainC);
        _join(chainD);
    }

    function _four() internal view returns (ChainSettlement[] memory chains) {
        chains = new ChainSettlement[](4);
        chains[0] = chainA;
        chains[1] = chainB;
        chains[2] = chainC;
        chains[3] = chainD;
    }

    // ------------------------------------------------------------ settling

    function test_settleAggregate_fourChains_settlesEachAndAppendsOneLeaf() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes32 aggregateRoot = _merkleRoot(_leaves(batches));
        bytes memory proof = _attest(1, batches);

        vm.expectEmit(address(txRoot));
        emit ITransactionRoot.AggregateAppended(address(aggregator), 1, 0);
        vm.expectEmit(address(aggregator));
        emit IAggregator.AggregateSettled(
            1,
            AggregateHashing.publicInput(address(aggregator), 1, _batchPublicInputs(batches)),
            aggregateRoot,
            4
        );
        vm.prank(makeAddr("anyone"));
        aggregator.settleAggregate(1, address(verifier), batches, proof);

        assertEq(aggregator.lastAggregate(), 1);
        assertEq(txRoot.leafCount(), 1, "one leaf for four chain-batches");
        assertEq(txRoot.root(), aggregateRoot, "the only leaf is the aggregate root");
        for (uint256 i; i < 4; ++i) {
            ChainSettlement chain = _four()[i];
            assertEq(chain.lastExecutedBatch(), 1);
            assertEq(chain.lastProvenBatch(), 1);
            assertEq(chain.stateRoot(1), batches[i].batch.newStateRoot);
            assertEq(chain.messagesRoot(1), batches[i].batch.messagesRoot);
        }
    }

    function test_settleAggregate_twoBatchesOfOneChain_continueEachOther() public {
        ChainSettlement[] memory chains = new ChainSettlement[](3);
        chains[0] = chainA;
        chains[1] = chainB;
        chains[2] = chainA;
        ChainBatch[] memory batches = _chainBatches(chains);
        _settleAggregate(batches);
        assertEq(chainA.lastExecutedBatch(), 2);
        assertEq(chainA.stateRoot(2), batches[2].batch.newStateRoot);
        assertEq(chainB.lastExecutedBatch(), 1);
    }

    /// A message of an aggregated batch is proven message → batch → aggregate → Transaction Root,
    /// and its withdrawal is paid as soon as the aggregate executed (the messages root is stored).
    function test_settleAggregate_withdrawalUsableAtOnce_succeeds() public {
        bridge.depositETH{value: 5 ether}(CHAIN_B, address(this), L2_GAS_LIMIT, 0);
        address alice = makeAddr("alice");
        Message memory withdrawal = _withdrawal(CHAIN_B, 0, alice, 1 ether, 0);
        bytes32[] memory messageLeaves = new bytes32[](2);
        messageLeaves[0] = keccak256("another message");
        messageLeaves[1] = _hash(withdrawal);
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[1].batch.messagesRoot = _merkleRoot(messageLeaves);
        _settleAggregate(batches);

        bridge.finalizeWithdrawal(CHAIN_B, 1, withdrawal, _merkleProof(messageLeaves, 1));
        assertEq(alice.balance, 1 ether);
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 4 ether);

        bytes32 messagesRoot = this.computeRoot(_hash(withdrawal), _merkleProof(messageLeaves, 1));
        bytes32 batchLeaf =
            keccak256(abi.encode(CHAIN_B, uint64(1), messagesRoot, batches[1].batch.newStateRoot));
        bytes32 aggregateRoot = this.computeRoot(batchLeaf, _merkleProof(_leaves(batches), 1));
        assertTrue(
            txRoot.isTransactionRoot(aggregateRoot), "message -> batch -> aggregate -> Transaction Root"
        );
    }

    function computeRoot(bytes32 leaf, MerkleProof calldata proof) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, proof);
    }

    function test_settleAggregate_transfersBetweenMembers_moveBalances() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[0].batch.transfers = _transfer(CHAIN_C, address(0), 2 ether);
        _settleAggregate(batches);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        assertEq(bridge.chainBalance(CHAIN_C, address(0)), 2 ether);
        assertEq(chainA.priorityRequestsExecuted(), 1);
    }

    function test_settleAggregate_overdrawingMember_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[0].batch.transfers = _transfer(CHAIN_C, address(0), 2 ether);
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InsufficientChainBalance.selector, CHAIN_A, address(0), 1 ether, 2 ether
            )
        );
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    // ------------------------------------------------------------ attacks on the statement

    function test_settleAggregate_chainBatchSkippingBatchNumber_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[2].batch.batchNumber = 2;
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 1, 2));
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    function test_settleAggregate_chainBatchRepeatingBatchNumber_reverts() public {
        _settleAggregate(_chainBatches(_four()));
        // Chain C's batch 1 again, now inside aggregate 2.
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[2].batch.batchNumber = 1;
        bytes memory proof = _attest(2, batches);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 2, 1));
        aggregator.settleAggregate(2, address(verifier), batches, proof);
    }

    /// The attesters signed chain B's batch as continuing another state root than the one L1 holds:
    /// L1 computes the public input from its own root, so the signatures are over another statement.
    function test_settleAggregate_chainBatchBreakingStateRootContinuity_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes32[] memory inputs = _batchPublicInputs(batches);
        bytes32 honest = _aggregateDigest(1, inputs);
        inputs[1] = this.publicInputOver(
            CHAIN_B, keccak256("a state chain B never had"), chainB.lastBlockHash(0), batches[1].batch
        );
        bytes memory proof = _signSorted(attesterKeys, _aggregateDigest(1, inputs));
        vm.expectRevert(
            abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, _firstSigner(proof, honest))
        );
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    function test_settleAggregate_leavingExpiredPriorityRequestUnprocessed_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_D, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + 1);
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[3].batch.priorityRequestsProcessed = 0;
        batches[3].batch.priorityRequestsHash = bytes32(0);
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestExpired.selector, 0));
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    /// The chain's DA validator runs for every chain-batch: pubdata that does not match the
    /// attested commitment sinks the aggregate.
    function test_settleAggregate_pubdataNotMatchingCommitment_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes memory proof = _attest(1, batches);
        batches[1].daInput = "withheld";
        vm.expectRevert(
            abi.encodeWithSelector(
                IDAValidator.DACommitmentMismatch.selector,
                batches[1].batch.daCommitment,
                keccak256("withheld")
            )
        );
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    /// A member frozen by an ignored deposit cannot be settled through the aggregator either.
    function test_settleAggregate_frozenMember_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_C, address(this), L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    function test_settleAggregate_replayedOldAggregate_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes memory proof = _attest(1, batches);
        aggregator.settleAggregate(1, address(verifier), batches, proof);
        vm.expectRevert(abi.encodeWithSelector(IAggregator.NonConsecutiveAggregate.selector, 2, 1));
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    /// The replayed chain-batches under the next aggregate number: the chains refuse them first.
    function test_settleAggregate_replayedBatchesUnderNextNumber_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes memory proof = _attest(1, batches);
        aggregator.settleAggregate(1, address(verifier), batches, proof);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NonConsecutiveBatch.selector, 2, 1));
        aggregator.settleAggregate(2, address(verifier), batches, proof);
    }

    function test_settleAggregate_signaturesOfAnotherAggregate_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        ChainBatch[] memory other = _chainBatches(_four());
        other[0].batch.newStateRoot = keccak256("another aggregate");
        bytes memory otherProof = _attest(1, other);
        bytes32 digest = _aggregateDigest(1, _batchPublicInputs(batches));
        vm.expectRevert(
            abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, _firstSigner(otherProof, digest))
        );
        aggregator.settleAggregate(1, address(verifier), batches, otherProof);
    }

    /// Signatures of the same chain-batches for another aggregator (another layer) do not settle here.
    function test_settleAggregate_signaturesForAnotherAggregator_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes32[] memory inputs = _batchPublicInputs(batches);
        address elsewhere = factory.createAggregator();
        bytes memory proof =
            _signSorted(attesterKeys, verifier.digest(AggregateHashing.publicInput(elsewhere, 1, inputs)));
        bytes32 digest = _aggregateDigest(1, inputs);
        vm.expectRevert(
            abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, _firstSigner(proof, digest))
        );
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    /// A batch attestation (one chain, direct settlement) is not an aggregate attestation.
    function test_settleAggregate_singleBatchAttestationAsAggregateProof_reverts() public {
        ChainSettlement[] memory one = new ChainSettlement[](1);
        one[0] = chainA;
        ChainBatch[] memory batches = _chainBatches(one);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(_batchPublicInputs(batches)[0]));
        bytes32 digest = _aggregateDigest(1, _batchPublicInputs(batches));
        vm.expectRevert(
            abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, _firstSigner(proof, digest))
        );
        aggregator.settleAggregate(1, address(verifier), batches, proof);
    }

    function test_settleAggregate_chainThatDidNotOptIn_reverts() public {
        ChainSettlement outsider = _createChain(275, 0);
        ChainSettlement[] memory chains = _pair(chainA, outsider);
        ChainBatch[] memory batches = _chainBatches(chains);
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, address(aggregator)));
        aggregator.settleAggregate(1, address(verifier), batches, proof);
        assertEq(outsider.lastExecutedBatch(), 0);
    }

    function test_settleAggregate_memberOfAnotherAggregator_reverts() public {
        Aggregator other = Aggregator(factory.createAggregator());
        ChainBatch[] memory batches = _chainBatches(_pair(chainA, chainB));
        bytes32[] memory inputs = _batchPublicInputs(batches);
        bytes memory proof = _signSorted(
            attesterKeys, verifier.digest(AggregateHashing.publicInput(address(other), 1, inputs))
        );
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, address(other)));
        other.settleAggregate(1, address(verifier), batches, proof);
    }

    function test_settleAggregate_unknownChain_reverts() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[3].chainId = 999;
        vm.expectRevert(abi.encodeWithSelector(IAggregator.UnknownChain.selector, 999));
        aggregator.settleAggregate(1, address(verifier), batches, "");
    }

    function test_settleAggregate_empty_reverts() public {
        vm.expectRevert(IAggregator.EmptyAggregate.selector);
        aggregator.settleAggregate(1, address(verifier), new ChainBatch[](0), "");
    }

    /// The caller names the verifier; a verifier of its own (that accepts anything) is refused by
    /// every chain, whose pinned verifier it is not.
    function test_settleAggregate_verifierNotPinnedByChain_reverts() public {
        address[] memory rogue = new address[](1);
        rogue[0] = vm.addr(0xBAD);
        AttestationVerifier fake = new AttestationVerifier(1, rogue, 1);
        ChainBatch[] memory batches = _chainBatches(_four());
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainSettlement.VerifierMismatch.selector, address(verifier), address(fake)
            )
        );
        aggregator.settleAggregate(1, address(fake), batches, "");
    }

    function test_settleAggregated_calledByNonAggregator_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, operator));
        vm.prank(operator);
        chainA.settleAggregated(batch, _pubdata(1), address(verifier));
    }

    function test_appendAggregate_notAnAggregator_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, address(this)));
        txRoot.appendAggregate(1, keccak256("a made-up aggregate"));
    }

    function test_registerAggregator_notFactory_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        txRoot.registerAggregator(address(this));
    }

    // ------------------------------------------------------------ sovereignty

    function test_commitBatch_memberSettlingDirectly_reverts() public {
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.SettledByAggregator.selector, address(aggregator), 0)
        );
        _commit(chainA, batch);
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(this.publicInputOf(chainA, 0, batch)));
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.SettledByAggregator.selector, address(aggregator), 0)
        );
        vm.prank(operator);
        chainA.settleBatch(batch, _pubdata(1), proof);
    }

    /// Leaving takes effect after the exit delay: aggregates signed before still settle, direct
    /// settlement waits; afterwards the chain settles directly and no aggregate can include it.
    function test_leaveAggregator_afterExitDelay_settlesDirectly() public {
        vm.prank(admin);
        chainA.leaveAggregator();
        uint64 exitAt = uint64(block.timestamp) + chainA.AGGREGATOR_EXIT_DELAY();
        (address current, uint64 announcedExit) = chainA.aggregator();
        assertEq(current, address(aggregator));
        assertEq(announcedExit, exitAt);

        _settleAggregate(_chainBatches(_four()));
        assertEq(chainA.lastExecutedBatch(), 1, "an aggregate still settles the leaving chain");

        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.SettledByAggregator.selector, address(aggregator), exitAt)
        );
        _commit(chainA, batch);

        vm.warp(exitAt);
        ChainBatch[] memory batches = _chainBatches(_four());
        bytes memory proof = _attest(2, batches);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, address(aggregator)));
        aggregator.settleAggregate(2, address(verifier), batches, proof);

        _settle(chainA, batch);
        assertEq(chainA.lastExecutedBatch(), 2);
        (current, announcedExit) = chainA.aggregator();
        assertEq(current, address(0));
        assertEq(announcedExit, 0);
    }

    /// A chain whose aggregator stopped keeps its users' withdrawals and, after the exit delay,
    /// its settlement: nothing waits for the aggregator.
    function test_leaveAggregator_stalledAggregator_withdrawalsAndDirectSettlementContinue() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, address(this), L2_GAS_LIMIT, 0);
        address alice = makeAddr("alice");
        Message memory withdrawal = _withdrawal(CHAIN_A, 0, alice, 1 ether, 0);
        ChainBatch[] memory batches = _chainBatches(_four());
        batches[0].batch.messagesRoot = _hash(withdrawal);
        _settleAggregate(batches);
        // The aggregator stops; the admin leaves.
        vm.prank(admin);
        chainA.leaveAggregator();
        vm.warp(block.timestamp + chainA.AGGREGATOR_EXIT_DELAY());
        bytes32[] memory one = new bytes32[](1);
        one[0] = _hash(withdrawal);
        bridge.finalizeWithdrawal(CHAIN_A, 1, withdrawal, _merkleProof(one, 0));
        assertEq(alice.balance, 1 ether);
        _settle(chainA, _nextBatch(chainA));
        assertEq(chainA.lastExecutedBatch(), 2);
    }

    /// Rage quit during an upgrade window ends the membership at once: the chain settles directly
    /// outside the ecosystem, no aggregate can include it, and it cannot join again.
    function test_rageQuit_member_endsMembershipAndSettlesDirectly() public {
        address[] memory attesters = new address[](1);
        attesters[0] = vm.addr(attesterKeys[0]);
        AttestationVerifier v2 = new AttestationVerifier(2, attesters, 1);
        ChainSettlement impl2 =
            new ChainSettlement(address(factory), address(txRoot), address(bridge), EXPIRY, GRACE);
        vm.prank(governance);
        factory.publishProtocolVersion(address(v2), address(impl2), 7 days, canonicalPredeploys);
        vm.prank(admin);
        chainA.rageQuit();
        (address current,) = chainA.aggregator();
        assertEq(current, address(0));

        ChainBatch[] memory batches = _chainBatches(_pair(chainA, chainB));
        bytes memory proof = _attest(1, batches);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.NotAggregator.selector, address(aggregator)));
        aggregator.settleAggregate(1, address(verifier), batches, proof);

        _settle(chainA, _nextBatch(chainA));
        assertEq(chainA.lastExecutedBatch(), 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainHasLeft.selector, CHAIN_A));
        vm.prank(admin);
        chainA.joinAggregator(address(aggregator));
    }

    function test_joinAggregator_again_afterExit_succeeds() public {
        vm.prank(admin);
        chainA.leaveAggregator();
        vm.warp(block.timestamp + chainA.AGGREGATOR_EXIT_DELAY());
        _join(chainA);
        (address current, uint64 exitAt) = chainA.aggregator();
        assertEq(current, address(aggregator));
        assertEq(exitAt, 0);
        _settleAggregate(_chainBatches(_four()));
        assertEq(chainA.lastExecutedBatch(), 1);
    }

    function test_joinAggregator_notCreatedByFactory_reverts() public {
        ChainSettlement fresh = _createChain(276, 0);
        Aggregator copy = new Aggregator(address(factory), address(txRoot));
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.UnknownAggregator.selector, address(copy)));
        vm.prank(admin);
        fresh.joinAggregator(address(copy));
    }

    function test_joinAggregator_notAdmin_reverts() public {
        ChainSettlement fresh = _createChain(276, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.NotAdmin.selector, operator));
        vm.prank(operator);
        fresh.joinAggregator(address(aggregator));
    }

    function test_joinAggregator_alreadyMember_reverts() public {
        address other = factory.createAggregator();
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.AlreadyInAggregator.selector, address(aggregator))
        );
        vm.prank(admin);
        chainA.joinAggregator(other);
    }

    function test_joinAggregator_unexecutedBatchesPending_reverts() public {
        ChainSettlement fresh = _createChain(276, 0);
        _commit(fresh, _nextBatch(fresh));
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.UnexecutedBatchesPending.selector, 1, 0));
        vm.prank(admin);
        fresh.joinAggregator(address(aggregator));
    }

    function test_leaveAggregator_notMemberOrTwice_reverts() public {
        ChainSettlement fresh = _createChain(276, 0);
        vm.expectRevert(IChainSettlement.NotInAggregator.selector);
        vm.prank(admin);
        fresh.leaveAggregator();
        vm.prank(admin);
        chainA.leaveAggregator();
        vm.expectRevert(IChainSettlement.NotInAggregator.selector);
        vm.prank(admin);
        chainA.leaveAggregator();
    }

    /// Direct and aggregated chains share one Transaction Root: a direct chain's leaf and an
    /// aggregate's leaf are both provable.
    function test_settleAggregate_mixedWithDirectChain_bothInTransactionRoot() public {
        ChainSettlement direct = _createChain(276, 0);
        CommitBatchInfo memory directBatch = _nextBatch(direct);
        _settle(direct, directBatch);
        ChainBatch[] memory batches = _chainBatches(_four());
        _settleAggregate(batches);
        bytes32[] memory trLeaves = new bytes32[](2);
        trLeaves[0] = keccak256(abi.encode(uint256(276), uint64(1), bytes32(0), directBatch.newStateRoot));
        trLeaves[1] = _merkleRoot(_leaves(batches));
        assertEq(txRoot.root(), _merkleRoot(trLeaves));
    }

    /// A chain may import an aggregate's own root (not only the whole tree's): its messages are
    /// then proven message → batch → aggregate root with the inbox's one-level batch proof. L1
    /// accepts the import (forced or in a batch) like any Transaction Root.
    function test_settleAggregate_aggregateRootImportableLikeTransactionRoot_succeeds() public {
        ChainBatch[] memory batches = _chainBatches(_four());
        _settleAggregate(batches);
        bytes32 aggregateRoot = _merkleRoot(_leaves(batches));
        ChainSettlement direct = _createChain(276, 0);
        _settle(direct, _nextBatch(direct));
        assertTrue(txRoot.root() != aggregateRoot, "the tree grew past the aggregate");
        assertTrue(txRoot.isTransactionRoot(aggregateRoot));
        assertEq(txRoot.rootInfo(aggregateRoot).leafCount, 1, "the Transaction Root it was appended to");

        uint256 nonce = direct.requestTransactionRootImport(aggregateRoot, 0);
        CommitBatchInfo memory batch = _nextBatch(direct);
        assertEq(batch.priorityRequestsProcessed, nonce + 1, "the batch processes the forced import");
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = aggregateRoot;
        _settle(direct, batch);
        assertEq(direct.lastExecutedBatch(), 2);
    }

    function test_executeBatch_importingMadeUpAggregateRoot_reverts() public {
        ChainSettlement direct = _createChain(276, 0);
        CommitBatchInfo memory batch = _nextBatch(direct);
        batch.importedRoots = new bytes32[](1);
        batch.importedRoots[0] = keccak256("an aggregate that never settled");
        _commit(direct, batch);
        _prove(direct, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IChainSettlement.UnknownTransactionRoot.selector, batch.importedRoots[0])
        );
        direct.executeBatch(batch);
    }

    // ------------------------------------------------------------ fuzz

    /// Any order and multiplicity of members (a chain's entries are its consecutive batches), after
    /// any number of direct leaves: every chain-batch settles, and each one's leaf is proven
    /// batch → aggregate → Transaction Root.
    function testFuzz_settleAggregate_anyMembers_leavesProvenInTransactionRoot(
        uint8 directLeaves,
        uint256 picks,
        uint8 size
    ) public {
        ChainSettlement direct = _createChain(276, 0);
        bytes32[] memory trLeaves = new bytes32[](uint256(directLeaves % 6) + 1);
        for (uint256 i; i + 1 < trLeaves.length; ++i) {
            CommitBatchInfo memory b = _nextBatch(direct);
            _settle(direct, b);
            trLeaves[i] = keccak256(abi.encode(uint256(276), b.batchNumber, b.messagesRoot, b.newStateRoot));
        }
        uint256 n = bound(size, 1, 12);
        ChainSettlement[] memory chains = new ChainSettlement[](n);
        uint64[4] memory before;
        for (uint256 i; i < 4; ++i) {
            before[i] = _four()[i].lastExecutedBatch();
        }
        uint256[4] memory counts;
        for (uint256 i; i < n; ++i) {
            uint256 k = (picks >> (2 * i)) & 3;
            chains[i] = _four()[k];
            counts[k]++;
        }
        ChainBatch[] memory batches = _chainBatches(chains);
        _settleAggregate(batches);
        trLeaves[trLeaves.length - 1] = _merkleRoot(_leaves(batches));
        assertEq(txRoot.root(), _merkleRoot(trLeaves));
        bytes32[] memory leaves = _leaves(batches);
        MerkleProof memory outer = _merkleProof(trLeaves, trLeaves.length - 1);
        for (uint256 i; i < n; ++i) {
            bytes32 aggregateRoot = this.computeRoot(leaves[i], _merkleProof(leaves, i));
            assertTrue(txRoot.isTransactionRoot(aggregateRoot), "importable aggregate root");
            assertEq(this.computeRoot(aggregateRoot, outer), txRoot.root());
        }
        for (uint256 k; k < 4; ++k) {
            assertEq(_four()[k].lastExecutedBatch(), before[k] + counts[k]);
        }
    }
}
