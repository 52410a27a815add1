// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {TokenTransfer} from "../../contracts/common/libraries/TokenTransfer.sol";
import {AggregateHashing, ChainBatch} from "../../contracts/common/types/Aggregate.sol";
import {AssetTransfer, BatchHashing, CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message, MessageHashing} from "../../contracts/common/types/Message.sol";
import {Aggregator} from "../../contracts/l1/Aggregator.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainFactory} from "../../contracts/l1/ChainFactory.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {SharedBridge} from "../../contracts/l1/SharedBridge.sol";
import {TransactionRoot} from "../../contracts/l1/TransactionRoot.sol";
import {ChainConfig, PredeployCode} from "../../contracts/l1/interfaces/IChainFactory.sol";
import {L1Fixture, L1Helpers} from "../utils/L1Fixture.sol";
import {L1FeeOnTransferToken, L1TestToken} from "../utils/Mocks.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {console} from "forge-std/console.sol";

/// @dev Drives the L1 like a set of (possibly adversarial) operators and users would: deposits,
/// forced calls, chain registrations, batches moving value between chains and withdrawing to L1
/// (some over-drawing), reverts of unexecuted batches, withdrawals (and replays of them), time
/// passing, reclaims of expired deposits, chains joining and leaving an aggregator and aggregates
/// of two member chains. Ghost variables track what the bridge must hold.
contract L1Handler is L1Helpers {
    struct Withdrawal {
        uint256 chainId;
        uint64 batchNumber;
        Message message;
        bytes32[] leaves;
        uint256 index;
    }

    ChainFactory internal factory;
    SharedBridge internal bridge;
    uint256 internal attesterKey;
    IERC20[] internal tokens;

    ChainSettlement[] public chains;
    uint256[] public chainIds;
    Withdrawal[] internal withdrawals;
    mapping(uint256 chainId => Message[]) internal queued;
    mapping(bytes32 messageHash => bool) internal finalizedGhost;
    mapping(uint256 chainId => mapping(uint256 nonce => bool)) internal reclaimedGhost;

    /// asset => credited - paid out, by our own accounting
    mapping(address asset => uint256) public ghostHeld;
    /// chain => asset => what the chain was credited minus what it paid out or moved away
    mapping(uint256 chainId => mapping(address asset => uint256)) public ghostChainBalance;
    /// chain => L2 gas fees its requests paid minus what its admin claimed
    mapping(uint256 chainId => uint256) public ghostFees;
    uint256 public feesClaimed;
    uint256 public underpaymentsRefused;
    uint256 public feeThefts;
    /// chain => lowest reclaimed nonce + 1 (0: nothing reclaimed)
    mapping(uint256 chainId => uint256) internal firstReclaimedPlusOne;
    uint256 public forgedWithdrawalsRefused;
    uint256 public frozenUpgradesRefused;
    uint256 public reclaimedReplaysRefused;
    uint256 public rageQuits;
    uint256 public doubleWithdrawals;
    uint256 public doubleReclaims;
    uint256 public executedBatches;
    /// Transaction Root leaves: one per batch settled directly inside the ecosystem, one per aggregate
    uint256 public appendedLeaves;
    uint256 public aggregates;
    uint256 public aggregatedBatches;
    uint256 public memberDirectSettlementsRefused;
    Aggregator public aggregator;
    uint256 public failedExecutions;
    uint256 public notCredited;
    /// checks of the handler that failed (reverts inside handler calls are not failures with
    /// fail_on_revert = false, so they are counted here and asserted by the invariant)
    uint256 public violations;

    event HandlerViolation(string what);

    function _violation(string memory what) internal {
        violations++;
        emit HandlerViolation(what);
    }
    uint256 public finalized;
    uint256 public reclaimed;
    /// priority requests paid back after failing on L2 (`claimFailedDeposit`)
    uint256 public failedClaimed;
    /// forced Transaction Root imports queued
    uint256 public forcedImports;
    /// requests paid back twice (reclaim and failed-deposit claim together, or either twice)
    uint256 public doubleRefunds;

    /// A failure record in an executed batch, with what proves it and the request it is about.
    struct FailureClaim {
        uint256 chainId;
        uint64 batchNumber;
        Message record;
        bytes32[] leaves;
        uint256 index;
        Message request;
    }

    FailureClaim[] internal failureClaims;
    mapping(uint256 chainId => mapping(uint256 nonce => bool)) internal refundedGhost;
    mapping(uint256 chainId => uint64) public ghostExecuted;
    mapping(bytes4 action => uint256) public calls;

    constructor(ChainFactory factory_, uint256 attesterKey_, IERC20 token, IERC20 feeToken) {
        factory = factory_;
        bridge = SharedBridge(payable(factory_.sharedBridge()));
        attesterKey = attesterKey_;
        tokens.push(token);
        tokens.push(feeToken);
        L1TestToken(address(token)).mint(address(this), type(uint128).max);
        L1FeeOnTransferToken(address(feeToken)).mint(address(this), type(uint128).max);
        token.approve(address(bridge), type(uint256).max);
        feeToken.approve(address(bridge), type(uint256).max);
        _create(1001);
        _create(1002);
        aggregator = Aggregator(factory_.createAggregator());
    }

    receive() external payable {}

    function chainCount() external view returns (uint256) {
        return chains.length;
    }

    function _create(uint256 chainId) internal {
        ChainConfig memory config = ChainConfig({
            chainId: chainId,
            admin: address(this),
            operator: address(this),
            daMode: 0,
            genesisStateRoot: keccak256(abi.encode("genesis", chainId)),
            genesisBlockHash: keccak256(abi.encode("genesis block", chainId))
        });
        chains.push(ChainSettlement(factory.createChain(config)));
        chainIds.push(chainId);
    }

    function _pick(uint256 seed) internal view returns (uint256 i, ChainSettlement chain, uint256 chainId) {
        i = seed % chains.length;
        return (i, chains[i], chainIds[i]);
    }

    // ------------------------------------------------------------ actions

    function createChain(uint8 seed) external {
        calls[this.createChain.selector]++;
        if (chains.length >= 6 || factory.settlementOf(2000 + uint256(seed)) != address(0)) return;
        _create(2000 + uint256(seed));
    }

    /// The L2 gas fee of a request of `chain` with `l2GasLimit` at its current price, funded.
    function _fee(ChainSettlement chain, uint256 l2GasLimit) internal returns (uint256 price, uint256 fee) {
        price = chain.l2GasPrice();
        fee = l2GasLimit * price;
        vm.deal(address(this), address(this).balance + fee);
    }

    function depositETH(uint256 chainSeed, uint96 amount) external {
        calls[this.depositETH.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        amount = uint96(bound(amount, 1, 100 ether));
        vm.deal(address(this), address(this).balance + amount);
        (uint256 price, uint256 fee) = _fee(chain, L2_GAS_LIMIT);
        try bridge.depositETH{value: amount + fee}(chainId, address(this), L2_GAS_LIMIT, price) returns (
            uint256 nonce
        ) {
            ghostFees[chainId] += fee;
            ghostHeld[address(0)] += amount;
            ghostChainBalance[chainId][address(0)] += amount;
            queued[chainId].push(
                Message(block.chainid, chainId, nonce, address(bridge), address(this), amount, 0, "")
            );
        } catch {
            (bool frozen,) = chain.isFrozen();
            require(frozen || chain.hasLeft(), "deposit failed on a live chain");
        }
    }

    function depositERC20(uint256 chainSeed, uint96 amount, bool feeOnTransfer) external {
        calls[this.depositERC20.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        IERC20 token = tokens[feeOnTransfer ? 1 : 0];
        amount = uint96(bound(amount, 100, 1000 ether));
        uint256 before = token.balanceOf(address(bridge));
        (uint256 price, uint256 fee) = _fee(chain, L2_GAS_LIMIT);
        try bridge.depositERC20{value: fee}(
            chainId, address(token), address(this), amount, L2_GAS_LIMIT, price
        ) returns (
            uint256 nonce
        ) {
            ghostFees[chainId] += fee;
            uint256 received = token.balanceOf(address(bridge)) - before;
            ghostHeld[address(token)] += received;
            ghostChainBalance[chainId][address(token)] += received;
            bytes memory metadata = feeOnTransfer
                ? abi.encode("Fee Token", "FEE", uint8(18))
                : abi.encode("Token", "TKN", uint8(18));
            queued[chainId].push(
                Message(
                    block.chainid,
                    chainId,
                    nonce,
                    address(bridge),
                    Predeploys.ASSET_ROUTER,
                    0,
                    0,
                    abi.encode(
                        TokenTransfer(block.chainid, address(token), address(this), received, metadata)
                    )
                )
            );
        } catch {
            (bool frozen,) = chain.isFrozen();
            require(frozen || chain.hasLeft(), "deposit failed on a live chain");
        }
    }

    function requestL2Call(uint256 chainSeed, uint96 amount) external {
        calls[this.requestL2Call.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        amount = uint96(bound(amount, 0, 10 ether));
        vm.deal(address(this), address(this).balance + amount);
        (uint256 price, uint256 fee) = _fee(chain, L2_GAS_LIMIT);
        try chain.requestL2Call{value: amount + fee}(
            address(0xCA11), hex"1234", L2_GAS_LIMIT, price
        ) returns (
            uint256 nonce
        ) {
            ghostFees[chainId] += fee;
            ghostHeld[address(0)] += amount;
            ghostChainBalance[chainId][address(0)] += amount;
            queued[chainId].push(
                Message(block.chainid, chainId, nonce, address(this), address(0xCA11), amount, 0, hex"1234")
            );
        } catch {}
    }

    struct BatchPlan {
        uint256 chainId;
        uint256 destination;
        address token;
        uint256 ethOut;
        uint256 tokenOut;
        uint256 ethWithdrawal;
        uint256 tokenWithdrawal;
    }

    /// Commit, prove and execute one batch: processes the queue, moves value to another chain (or
    /// to an unknown chain id, or to itself) and withdraws ETH and tokens to L1. Amounts may exceed
    /// what the chain holds; then execution must fail and the batch is reverted. Execution must
    /// never fail for any other reason (a transfer's destination in particular). Some batches go
    /// through the one-call `settleBatch`.
    /// @param amounts ETH moved out, tokens moved out, ETH withdrawn, tokens withdrawn (scaled below)
    function settleBatch(uint256 chainSeed, uint256 destinationSeed, uint96[4] calldata amounts, uint8 mode)
        external
    {
        calls[this.settleBatch.selector]++;
        (ChainSettlement chain, BatchPlan memory plan) = _makePlan(chainSeed, destinationSeed, amounts);
        (CommitBatchInfo memory batch, Message[] memory out, bytes32[] memory leaves) = _plan(chain, plan);
        if (_isMember(chain)) {
            // A member settles through its aggregator until its exit took effect.
            try chain.settleBatch(batch, abi.encode(batch.newStateRoot), _attest(chain, batch)) {
                _violation("a member of an aggregator settled directly");
            } catch {
                memberDirectSettlementsRefused++;
            }
            return;
        }
        uint256 ethBefore = bridge.chainBalance(plan.chainId, address(0));
        uint256 tokenBefore = bridge.chainBalance(plan.chainId, plan.token);
        bool enough = plan.ethOut <= ethBefore && plan.tokenOut <= tokenBefore;
        bool executed;
        if (mode % 4 == 1) {
            if (chain.lastCommittedBatch() != chain.lastExecutedBatch()) {
                chain.revertBatches(chain.lastExecutedBatch());
                (batch, out, leaves) = _plan(chain, plan);
            }
            try chain.settleBatch(batch, abi.encode(batch.newStateRoot), _attest(chain, batch)) {
                executed = true;
            } catch {
                (bool frozen,) = chain.isFrozen();
                // Frozen or outdated chains cannot commit (a chain that left keeps settling on its
                // version); otherwise only over-drawing fails.
                if (!frozen && (chain.hasLeft() || _upToDate(chain))) {
                    if (enough) _violation("settleBatch failed without over-drawing");
                    failedExecutions++;
                }
                return;
            }
        } else {
            try chain.commitBatch(batch, abi.encode(batch.newStateRoot)) {}
            catch {
                return; // frozen, left or outdated: nothing settles
            }
            if (mode % 8 == 0) return; // commit only
            if (chain.lastProvenBatch() + 1 != batch.batchNumber) {
                chain.revertBatches(chain.lastExecutedBatch());
                return;
            }
            _prove(chain, batch.batchNumber);
            if (chain.lastExecutedBatch() + 1 != batch.batchNumber) return; // earlier batches pending
            try chain.executeBatch(batch) {
                executed = true;
            } catch {
                if (enough) _violation("executeBatch failed without over-drawing");
                failedExecutions++;
                chain.revertBatches(chain.lastExecutedBatch());
                return;
            }
        }
        if (!executed) return;
        // A chain that left settles outside the ecosystem: not in the Transaction Root.
        if (!chain.hasLeft()) appendedLeaves++;
        (uint256 ethDebit, uint256 tokenDebit) = _recordExecuted(chain, plan, batch.batchNumber, out, leaves);
        if (bridge.chainBalance(plan.chainId, address(0)) != ethBefore - ethDebit) {
            _violation("source ETH balance");
        }
        if (plan.token != address(0)) {
            if (bridge.chainBalance(plan.chainId, plan.token) != tokenBefore - tokenDebit) {
                _violation("source token");
            }
        }
    }

    /// The ledger of an executed batch: its withdrawals become finalizable, its transfers move the
    /// ghost balances (only to creditable destinations). Returns what left the source chain.
    function _recordExecuted(
        ChainSettlement chain,
        BatchPlan memory plan,
        uint64 batchNumber,
        Message[] memory out,
        bytes32[] memory leaves
    ) internal returns (uint256 ethDebit, uint256 tokenDebit) {
        executedBatches++;
        ghostExecuted[plan.chainId]++;
        for (uint256 k; k < out.length; ++k) {
            withdrawals.push(Withdrawal(plan.chainId, batchNumber, out[k], leaves, k));
        }
        uint256 firstReclaimed = firstReclaimedPlusOne[plan.chainId];
        if (firstReclaimed != 0 && chain.priorityRequestsExecuted() >= firstReclaimed) {
            _violation("a batch processing a reclaimed request executed");
        }
        // Only creditable destinations take value from the source chain.
        bool credited = _creditable(plan.chainId, plan.destination);
        if (!credited && (plan.ethOut != 0 || plan.tokenOut != 0)) notCredited++;
        ethDebit = credited ? plan.ethOut : 0;
        tokenDebit = credited ? plan.tokenOut : 0;
        ghostChainBalance[plan.chainId][address(0)] -= ethDebit;
        ghostChainBalance[plan.chainId][plan.token] -= tokenDebit;
        ghostChainBalance[plan.destination][address(0)] += ethDebit;
        ghostChainBalance[plan.destination][plan.token] += tokenDebit;
    }

    // ------------------------------------------------------------ aggregation

    function _isMember(ChainSettlement chain) internal view returns (bool) {
        (address current, uint64 exitAt) = chain.aggregator();
        return current != address(0) && (exitAt == 0 || block.timestamp < exitAt);
    }

    function joinAggregator(uint256 chainSeed) external {
        calls[this.joinAggregator.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        try chain.joinAggregator(address(aggregator)) {
            if (!_isMember(chain)) _violation("joined but not a member");
        } catch {}
    }

    function leaveAggregator(uint256 chainSeed) external {
        calls[this.leaveAggregator.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        try chain.leaveAggregator() {} catch {}
    }

    /// One member chain-batch of an aggregate, as planned.
    struct AggregateEntry {
        ChainSettlement chain;
        BatchPlan plan;
        Message[] out;
        bytes32[] leaves;
    }

    /// One aggregate of two different chains (each planned like `settleBatch`: transfers, possibly
    /// to each other, withdrawals, over-drawing sometimes), one attestation over both. It must
    /// settle whenever both are live members on the same verifier and neither over-draws.
    function settleAggregate(
        uint256 seedA,
        uint256 seedB,
        uint96[4] calldata amountsA,
        uint96[4] calldata amountsB
    ) external {
        calls[this.settleAggregate.selector]++;
        if (chains.length < 2) return;
        AggregateEntry[2] memory entries;
        (entries[0].chain, entries[0].plan) = _makePlan(seedA, seedB, amountsA);
        uint256 other = (seedA % chains.length + 1 + seedB % (chains.length - 1)) % chains.length;
        (entries[1].chain, entries[1].plan) = _makePlan(other, seedA, amountsB);
        // Mostly the admins join first, so that aggregates happen; otherwise a non-member may be in it.
        if (seedA & 3 != 0) {
            try entries[0].chain.joinAggregator(address(aggregator)) {} catch {}
            try entries[1].chain.joinAggregator(address(aggregator)) {} catch {}
        }
        ChainBatch[] memory batches = new ChainBatch[](2);
        bytes32[] memory inputs = new bytes32[](2);
        bool enough = true;
        for (uint256 k; k < 2; ++k) {
            AggregateEntry memory e = entries[k];
            CommitBatchInfo memory batch;
            (batch, e.out, e.leaves) = _plan(e.chain, e.plan);
            batches[k] = ChainBatch(e.plan.chainId, batch, abi.encode(batch.newStateRoot));
            inputs[k] = this.publicInputOf(e.chain, e.chain.lastCommittedBatch(), batch);
            enough = enough && e.plan.ethOut <= bridge.chainBalance(e.plan.chainId, address(0))
                && e.plan.tokenOut <= bridge.chainBalance(e.plan.chainId, e.plan.token);
        }
        address pinned = entries[0].chain.verifier();
        bytes memory proof = _attestAggregate(pinned, inputs);
        try aggregator.settleAggregate(aggregator.lastAggregate() + 1, pinned, batches, proof) {
            aggregates++;
            aggregatedBatches += 2;
            appendedLeaves++;
            for (uint256 k; k < 2; ++k) {
                AggregateEntry memory e = entries[k];
                if (!_isMember(e.chain)) _violation("an aggregate settled a non-member");
                _recordExecuted(e.chain, e.plan, batches[k].batch.batchNumber, e.out, e.leaves);
            }
        } catch {
            if (
                enough && _aggregatable(entries[0].chain) && _aggregatable(entries[1].chain)
                    && entries[1].chain.verifier() == pinned
            ) {
                _violation("an aggregate of live members failed without over-drawing");
            }
        }
    }

    function _attestAggregate(address pinned, bytes32[] memory inputs) internal view returns (bytes memory) {
        bytes32 statement =
            AggregateHashing.publicInput(address(aggregator), aggregator.lastAggregate() + 1, inputs);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attesterKey, AttestationVerifier(pinned).digest(statement));
        return abi.encodePacked(r, s, v);
    }

    function _aggregatable(ChainSettlement chain) internal view returns (bool) {
        (bool frozen,) = chain.isFrozen();
        return _isMember(chain) && !frozen && !chain.hasLeft() && _upToDate(chain);
    }

    /// Anyone may record a frozen chain in the bridge; transfers to it are then not credited.
    function markFrozen(uint256 chainSeed) external {
        calls[this.markFrozen.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        (bool frozen,) = chain.isFrozen();
        try bridge.markChainFrozen(chainId) {
            if (!frozen) _violation("marked a live chain frozen");
            if (!bridge.isFrozenMarked(chainId)) _violation("not marked");
        } catch {
            if (frozen) _violation("frozen chain not marked");
        }
    }

    function _creditable(uint256 source, uint256 destination) internal view returns (bool) {
        return destination != source && bridge.isActive(source) && bridge.isActive(destination)
            && !bridge.isFrozenMarked(destination);
    }

    function _upToDate(ChainSettlement chain) internal view returns (bool) {
        uint64 version = chain.protocolVersion();
        uint64 current = factory.protocolVersion();
        return version == current || (version + 1 == current && block.timestamp <= factory.upgradeDeadline());
    }

    function _attest(ChainSettlement chain, CommitBatchInfo memory batch)
        internal
        view
        returns (bytes memory)
    {
        bytes32 publicInput = this.publicInputOf(chain, chain.lastCommittedBatch(), batch);
        bytes32 digest = AttestationVerifier(chain.verifier()).digest(publicInput);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attesterKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function _makePlan(uint256 chainSeed, uint256 destinationSeed, uint96[4] calldata amounts)
        internal
        view
        returns (ChainSettlement chain, BatchPlan memory plan)
    {
        uint256 i;
        (i, chain, plan.chainId) = _pick(chainSeed);
        uint256 kind = destinationSeed % 8;
        if (kind == 0) {
            // A chain id nobody registered: an L2 outbox accepts any destination.
            plan.destination = 900_000 + (destinationSeed >> 8) % 1000;
        } else if (kind == 1) {
            plan.destination = plan.chainId;
        } else {
            plan.destination = chainIds[(i + 1 + destinationSeed % (chains.length - 1)) % chains.length];
        }
        plan.token = address(tokens[destinationSeed % 2]);
        // Up to 1/8 more than the chain holds, so over-drawing batches happen too.
        uint256 ethCap = bridge.chainBalance(plan.chainId, address(0)) * 9 / 16 + 1;
        uint256 tokenCap = bridge.chainBalance(plan.chainId, plan.token) * 9 / 16 + 1;
        plan.ethOut = bound(amounts[0], 0, ethCap);
        plan.tokenOut = bound(amounts[1], 0, tokenCap);
        plan.ethWithdrawal = bound(amounts[2], 0, ethCap);
        plan.tokenWithdrawal = bound(amounts[3], 0, tokenCap);
    }

    function _prove(ChainSettlement chain, uint64 batchNumber) internal {
        bytes32 digest = AttestationVerifier(chain.verifier()).digest(chain.batchPublicInput(batchNumber));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attesterKey, digest);
        chain.proveBatch(batchNumber, abi.encodePacked(r, s, v));
    }

    function _plan(ChainSettlement chain, BatchPlan memory plan)
        internal
        view
        returns (CommitBatchInfo memory batch, Message[] memory out, bytes32[] memory leaves)
    {
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        batch.newStateRoot =
            keccak256(abi.encode(plan.chainId, batch.batchNumber, plan.ethOut, block.timestamp));
        batch.priorityRequestsProcessed = uint64(chain.priorityRequestCount());
        batch.priorityRequestsHash = chain.priorityRollingHash(batch.priorityRequestsProcessed);
        batch.daCommitment = keccak256(abi.encode(batch.newStateRoot));
        uint256 transferCount = (plan.ethOut != 0 ? 1 : 0) + (plan.tokenOut != 0 ? 1 : 0);
        batch.transfers = new AssetTransfer[](transferCount);
        if (plan.ethOut != 0) batch.transfers[0] = AssetTransfer(plan.destination, address(0), plan.ethOut);
        if (plan.tokenOut != 0) {
            batch.transfers[transferCount - 1] = AssetTransfer(plan.destination, plan.token, plan.tokenOut);
        }
        uint256 nonce = 2 * uint256(batch.batchNumber);
        out = new Message[](3);
        out[0] = Message(
            plan.chainId,
            block.chainid,
            nonce,
            address(0xB0B),
            address(0xA11CE),
            plan.ethWithdrawal,
            plan.ethWithdrawal / 100,
            ""
        );
        out[1] = Message(
            plan.chainId,
            block.chainid,
            nonce + 1,
            Predeploys.ASSET_ROUTER,
            address(bridge),
            0,
            0,
            abi.encode(TokenTransfer(block.chainid, plan.token, address(0xA11CE), plan.tokenWithdrawal, ""))
        );
        // An attacker's L2→L1 message from an EOA to the bridge, asking for the chain's whole
        // token balance: a valid message of the batch, never a payout.
        out[2] = Message(
            plan.chainId,
            block.chainid,
            nonce + 2,
            address(uint160(uint256(keccak256(abi.encode(plan.chainId, nonce))))),
            address(bridge),
            0,
            0,
            abi.encode(
                TokenTransfer(
                    block.chainid,
                    plan.token,
                    address(0xBAD),
                    bridge.chainBalance(plan.chainId, plan.token),
                    ""
                )
            )
        );
        leaves = new bytes32[](3);
        for (uint256 k; k < 3; ++k) {
            leaves[k] = _hash(out[k]);
        }
        batch.messagesRoot = _merkleRoot(leaves);
    }

    uint256 internal constant ROGUE_ATTESTER_KEY = 0xBAD;
    uint256 public nonCanonicalAttacks;

    /// An attacker registers a chain whose genesis is not canonical (its own code at
    /// ASSET_ROUTER: registration is permissionless and L1 cannot read the L2 state), takes a
    /// deposit, and settles a batch moving the chain's ETH to another chain and withdrawing more
    /// than it holds. The attester set never attests a batch of such a chain (the validity program's
    /// genesis check), so the attacker signs with its own key: proving and settling must revert and
    /// nothing moves (the money invariant covers its balance; its batches never execute).
    function attackWithNonCanonicalGenesis(uint8 seed, uint96 deposit, uint256 destinationSeed, bool oneCall)
        external
    {
        calls[this.attackWithNonCanonicalGenesis.selector]++;
        uint256 chainId = 3000 + seed % 2;
        ChainSettlement chain = ChainSettlement(factory.settlementOf(chainId));
        if (address(chain) == address(0)) {
            chain = ChainSettlement(
                factory.createChain(
                    ChainConfig({
                        chainId: chainId,
                        admin: address(this),
                        operator: address(this),
                        daMode: 0,
                        genesisStateRoot: keccak256(abi.encode("non-canonical genesis", chainId)),
                        genesisBlockHash: keccak256(abi.encode("non-canonical genesis block", chainId))
                    })
                )
            );
        }
        uint256 amount = bound(deposit, 1, 10 ether);
        vm.deal(address(this), address(this).balance + amount);
        try bridge.depositETH{value: amount}(chainId, address(this), L2_GAS_LIMIT, 0) {
            ghostHeld[address(0)] += amount;
            ghostChainBalance[chainId][address(0)] += amount;
        } catch {}
        _attackWithNonCanonicalGenesis(chain, chainId, destinationSeed, oneCall);
        if (bridge.chainBalance(chainId, address(0)) != ghostChainBalance[chainId][address(0)]) {
            _violation("a non-canonical chain's balance moved");
        }
    }

    function _attackWithNonCanonicalGenesis(
        ChainSettlement chain,
        uint256 chainId,
        uint256 destinationSeed,
        bool oneCall
    ) internal {
        if (chain.lastCommittedBatch() != chain.lastExecutedBatch()) return;
        BatchPlan memory plan;
        plan.chainId = chainId;
        plan.destination = chainIds[destinationSeed % chainIds.length];
        plan.token = address(tokens[0]);
        plan.ethOut = bridge.chainBalance(chainId, address(0));
        plan.ethWithdrawal = address(bridge).balance;
        (CommitBatchInfo memory batch,,) = _plan(chain, plan);
        bytes32 publicInput = this.publicInputOf(chain, chain.lastCommittedBatch(), batch);
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(ROGUE_ATTESTER_KEY, AttestationVerifier(chain.verifier()).digest(publicInput));
        bytes memory rogueProof = abi.encodePacked(r, s, v);
        nonCanonicalAttacks++;
        if (oneCall) {
            try chain.settleBatch(batch, abi.encode(batch.newStateRoot), rogueProof) {
                _violation("a batch of a non-canonical chain settled without the attester set");
            } catch {}
            return;
        }
        try chain.commitBatch(batch, abi.encode(batch.newStateRoot)) {}
        catch {
            return; // frozen: nothing commits
        }
        try chain.proveBatch(batch.batchNumber, rogueProof) {
            _violation("a batch of a non-canonical chain was proven without the attester set");
        } catch {}
        try chain.executeBatch(batch) {
            _violation("an unproven batch of a non-canonical chain executed");
        } catch {}
        chain.revertBatches(chain.lastExecutedBatch());
    }

    function revertUnexecuted(uint256 chainSeed) external {
        calls[this.revertUnexecuted.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        if (chain.lastCommittedBatch() > chain.lastExecutedBatch()) {
            chain.revertBatches(chain.lastExecutedBatch());
        }
    }

    function finalizeWithdrawal(uint256 index) external {
        calls[this.finalizeWithdrawal.selector]++;
        if (withdrawals.length == 0) return;
        Withdrawal storage w = withdrawals[index % withdrawals.length];
        Message memory m = w.message;
        bytes32 messageHash = _hash(m);
        address asset = address(0);
        uint256 amount = m.value + m.fee;
        if (m.recipient == address(bridge)) {
            TokenTransfer memory t = abi.decode(m.payload, (TokenTransfer));
            asset = t.originToken;
            amount = t.amount;
        }
        uint256 before = IERC20(asset == address(0) ? address(0) : asset) == IERC20(address(0))
            ? address(bridge).balance
            : IERC20(asset).balanceOf(address(bridge));
        try bridge.finalizeWithdrawal(w.chainId, w.batchNumber, m, _merkleProof(w.leaves, w.index)) {
            if (m.recipient == address(bridge) && m.sender != Predeploys.ASSET_ROUTER) {
                _violation("token released for a message not from the AssetRouter");
            }
            if (finalizedGhost[messageHash]) doubleWithdrawals++;
            finalizedGhost[messageHash] = true;
            finalized++;
            uint256 afterBalance =
                asset == address(0) ? address(bridge).balance : IERC20(asset).balanceOf(address(bridge));
            // Fee-on-transfer tokens burn on the way out too: the bridge loses exactly `amount`.
            require(before - afterBalance == amount, "bridge paid a different amount");
            ghostHeld[asset] -= amount;
            ghostChainBalance[w.chainId][asset] -= amount;
        } catch {
            if (m.recipient == address(bridge) && m.sender != Predeploys.ASSET_ROUTER) {
                forgedWithdrawalsRefused++;
            }
        }
    }

    // ------------------------------------------------------------ priority-request attacks

    /// Anyone forces a Transaction Root import: a root L1 knows is queued like a deposit, a
    /// made-up one is refused.
    function forceRootImport(uint256 chainSeed, bool fake) external {
        calls[this.forceRootImport.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        bytes32 root = TransactionRoot(address(chain.TRANSACTION_ROOT())).root();
        if (fake || root == bytes32(0)) root = keccak256(abi.encode("made-up root", chainSeed));
        bool known = TransactionRoot(address(chain.TRANSACTION_ROOT())).isTransactionRoot(root);
        (uint256 price, uint256 fee) = _fee(chain, chain.MIN_L2_GAS_LIMIT());
        try chain.requestTransactionRootImport{value: fee}(root, price) returns (uint256 nonce) {
            if (!known) _violation("forced import of an unknown root queued");
            ghostFees[chainId] += fee;
            forcedImports++;
            queued[chainId].push(
                Message(
                    block.chainid, chainId, nonce, address(this), Predeploys.INBOX, 0, 0, abi.encode(root)
                )
            );
        } catch {
            (bool frozen,) = chain.isFrozen();
            if (known && !frozen && !chain.hasLeft()) _violation("forced import of a known root refused");
        }
    }

    /// The chain admin moves the L2 gas price within the cap (the handler is every chain's admin).
    function setL2GasPrice(uint256 chainSeed, uint40 price) external {
        calls[this.setL2GasPrice.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        chain.setL2GasPrice(bound(price, 0, 1000 gwei));
    }

    /// Requests that do not pay their L2 gas (a wei short, or naming a price below the chain's)
    /// must be refused and move nothing.
    function underpayL2Gas(uint256 chainSeed, bool lowPrice) external {
        calls[this.underpayL2Gas.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        (uint256 price, uint256 fee) = _fee(chain, L2_GAS_LIMIT);
        if (price == 0) return;
        uint256 held = address(bridge).balance;
        if (lowPrice) {
            try bridge.depositETH{value: fee + 1}(chainId, address(this), L2_GAS_LIMIT, price - 1) {
                _violation("deposit naming a price below the chain's accepted");
            } catch {
                underpaymentsRefused++;
            }
        } else {
            try chain.requestL2Call{value: fee - 1}(address(0xCA11), "", L2_GAS_LIMIT, price) {
                _violation("forced call paying less than its L2 gas accepted");
            } catch {
                underpaymentsRefused++;
            }
        }
        if (address(bridge).balance != held) _violation("a refused request moved ETH");
    }

    /// The admin claims its chain's fees; someone else (another chain's admin) tries first.
    function claimPriorityFees(uint256 chainSeed) external {
        calls[this.claimPriorityFees.selector]++;
        (,, uint256 chainId) = _pick(chainSeed);
        vm.prank(address(0x7417));
        try bridge.claimPriorityFees(chainId) {
            feeThefts++;
        } catch {}
        uint256 owed = bridge.priorityFees(chainId);
        if (owed == 0) return;
        uint256 before = address(this).balance;
        try bridge.claimPriorityFees(chainId) returns (uint256 amount) {
            if (amount != owed || address(this).balance != before + owed) _violation("fee claim paid wrong");
            ghostFees[chainId] -= owed;
            feesClaimed += owed;
        } catch {
            _violation("admin fee claim refused");
        }
    }

    /// An operator that delivered the pending requests with less gas than their requesters set
    /// (so that they fail) commits the priority hash of what it did: L1 must refuse it.
    function commitStarved(uint256 chainSeed, uint24 starvedGas) external {
        calls[this.commitStarved.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        uint256 from = chain.priorityRequestsCommitted();
        uint256 count = chain.priorityRequestCount();
        if (from == count) return;
        bytes32 hash = chain.priorityRollingHash(from);
        for (uint256 nonce = from; nonce < count; ++nonce) {
            (,,,, uint256 l2GasLimit) = chain.priorityRequest(nonce);
            uint256 given = bound(starvedGas, 0, l2GasLimit - 1);
            hash = MessageHashing.rollPriorityHash(hash, _hash(queued[chainId][nonce]), given);
        }
        CommitBatchInfo memory batch;
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        batch.newStateRoot = keccak256(abi.encode("starved", chainId, batch.batchNumber));
        // Fits: a queue length.
        // forge-lint: disable-next-line(unsafe-typecast)
        batch.priorityRequestsProcessed = uint64(count);
        batch.priorityRequestsHash = hash;
        batch.daCommitment = keccak256(abi.encode(batch.newStateRoot));
        try chain.commitBatch(batch, abi.encode(batch.newStateRoot)) {
            _violation("batch with starved priority deliveries committed");
        } catch {}
    }

    /// Settles one batch (one call) that processes every queued request and whose messages are
    /// the inbox's failure records of the requests picked by `failMask`: those deliveries failed
    /// on L2, and their requesters may claim them back.
    function settleWithFailures(uint256 chainSeed, uint256 failMask) external {
        calls[this.settleWithFailures.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        if (chain.lastCommittedBatch() != chain.lastExecutedBatch()) {
            chain.revertBatches(chain.lastExecutedBatch());
        }
        uint256 from = chain.priorityRequestsCommitted();
        uint256 count = chain.priorityRequestCount();
        uint256 failures;
        for (uint256 nonce = from; nonce < count; ++nonce) {
            if ((failMask >> (nonce % 256)) & 1 == 1) failures++;
        }
        Message[] memory records = new Message[](failures);
        Message[] memory requests = new Message[](failures);
        bytes32[] memory leaves = new bytes32[](failures);
        CommitBatchInfo memory batch;
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        uint256 k;
        for (uint256 nonce = from; nonce < count; ++nonce) {
            if ((failMask >> (nonce % 256)) & 1 == 0) continue;
            requests[k] = queued[chainId][nonce];
            // The outbox nonce is the batch's: unique per (chain, batch, record).
            records[k] = Message(
                chainId,
                block.chainid,
                (uint256(batch.batchNumber) << 128) | k,
                Predeploys.INBOX,
                Predeploys.INBOX,
                0,
                0,
                abi.encode(_hash(requests[k]))
            );
            leaves[k] = _hash(records[k]);
            k++;
        }
        batch.newStateRoot = keccak256(abi.encode("failures", chainId, batch.batchNumber, failMask));
        // Fits: a queue length.
        // forge-lint: disable-next-line(unsafe-typecast)
        batch.priorityRequestsProcessed = uint64(count);
        batch.priorityRequestsHash = chain.priorityRollingHash(count);
        batch.daCommitment = keccak256(abi.encode(batch.newStateRoot));
        batch.messagesRoot = _merkleRoot(leaves);
        try chain.settleBatch(batch, abi.encode(batch.newStateRoot), _attest(chain, batch)) {
            executedBatches++;
            if (!chain.hasLeft()) appendedLeaves++;
            ghostExecuted[chainId]++;
            for (uint256 i; i < failures; ++i) {
                failureClaims.push(
                    FailureClaim(chainId, batch.batchNumber, records[i], leaves, i, requests[i])
                );
            }
        } catch {}
    }

    /// Claims a failed request back, possibly again, possibly with a forged record (sent by the
    /// asset router instead of the inbox) or with the record of another request.
    function claimFailedDeposit(uint256 index, uint8 tamper) external {
        calls[this.claimFailedDeposit.selector]++;
        if (failureClaims.length == 0) return;
        FailureClaim storage c = failureClaims[index % failureClaims.length];
        Message memory record = c.record;
        Message memory request = c.request;
        bool forged = tamper % 4 == 1;
        if (forged) record.sender = Predeploys.ASSET_ROUTER;
        if (tamper % 4 == 2) {
            // Another request of the same chain: its record does not match it.
            Message[] storage list = queued[c.chainId];
            Message memory other = list[uint256(keccak256(abi.encode(index))) % list.length];
            forged = other.nonce != request.nonce;
            request = other;
        }
        (address asset, uint256 amount) = _refundOf(request);
        try bridge.claimFailedDeposit(
            c.chainId, c.batchNumber, record, _merkleProof(c.leaves, c.index), request
        ) {
            if (forged) _violation("failed-deposit claim with a forged record paid");
            if (refundedGhost[c.chainId][request.nonce]) doubleRefunds++;
            refundedGhost[c.chainId][request.nonce] = true;
            failedClaimed++;
            ghostHeld[asset] -= amount;
            ghostChainBalance[c.chainId][asset] -= amount;
        } catch {}
    }

    function _refundOf(Message memory m) internal pure returns (address asset, uint256 amount) {
        if (m.recipient == Predeploys.ASSET_ROUTER) {
            TokenTransfer memory t = abi.decode(m.payload, (TokenTransfer));
            return (t.originToken, t.amount);
        }
        return (address(0), m.value + m.fee);
    }

    function warp(uint32 seconds_) external {
        calls[this.warp.selector]++;
        vm.warp(block.timestamp + bound(seconds_, 0, 3 hours));
    }

    bool internal abandoned;

    /// Once per run: the operators stop and time passes beyond expiry + grace, so every chain with
    /// a pending request freezes and its depositors can reclaim.
    function abandonChains() external {
        calls[this.abandonChains.selector]++;
        if (abandoned) return;
        abandoned = true;
        vm.warp(block.timestamp + 2 days + 1);
    }

    function reclaim(uint256 chainSeed, uint256 nonceSeed) external {
        calls[this.reclaim.selector]++;
        (,, uint256 chainId) = _pick(chainSeed);
        Message[] storage list = queued[chainId];
        if (list.length == 0) return;
        Message memory m = list[nonceSeed % list.length];
        (address asset, uint256 amount) = _refundOf(m);
        ChainSettlement chain = chains[chainSeed % chains.length];
        try bridge.reclaimExpiredDeposit(chainId, m) {
            if (reclaimedGhost[chainId][m.nonce]) doubleReclaims++;
            if (m.nonce < chain.priorityRequestsExecuted()) {
                _violation("reclaimed a request an executed batch processed");
            }
            reclaimedGhost[chainId][m.nonce] = true;
            if (refundedGhost[chainId][m.nonce]) doubleRefunds++;
            refundedGhost[chainId][m.nonce] = true;
            reclaimed++;
            ghostHeld[asset] -= amount;
            ghostChainBalance[chainId][asset] -= amount;
            uint256 first = firstReclaimedPlusOne[chainId];
            if (first == 0 || m.nonce + 1 < first) firstReclaimedPlusOne[chainId] = m.nonce + 1;
        } catch {}
    }

    /// Reclaim-then-process: once a request was paid back on L1, a batch that processes it (here:
    /// every queued request) must never commit.
    function processReclaimed(uint256 chainSeed) external {
        calls[this.processReclaimed.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        if (firstReclaimedPlusOne[chainId] == 0) return;
        CommitBatchInfo memory batch;
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        batch.newStateRoot = keccak256(abi.encode("replay", chainId, batch.batchNumber));
        batch.priorityRequestsProcessed = uint64(chain.priorityRequestCount());
        batch.priorityRequestsHash = chain.priorityRollingHash(batch.priorityRequestsProcessed);
        batch.daCommitment = keccak256(abi.encode(batch.newStateRoot));
        try chain.commitBatch(batch, abi.encode(batch.newStateRoot)) {
            _violation("committed a batch processing a reclaimed request");
        } catch {
            reclaimedReplaysRefused++;
        }
    }

    /// Commit-without-prove: the operator commits a batch with a made-up state root that
    /// "processes" every queued request and never proves it (the freeze must still come).
    function commitWithoutProve(uint256 chainSeed) external {
        calls[this.commitWithoutProve.selector]++;
        (, ChainSettlement chain, uint256 chainId) = _pick(chainSeed);
        CommitBatchInfo memory batch;
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        batch.newStateRoot = keccak256(abi.encode("made up", chainId, batch.batchNumber, block.timestamp));
        batch.priorityRequestsProcessed = uint64(chain.priorityRequestCount());
        batch.priorityRequestsHash = chain.priorityRollingHash(batch.priorityRequestsProcessed);
        batch.daCommitment = keccak256(abi.encode(batch.newStateRoot));
        try chain.commitBatch(batch, abi.encode(batch.newStateRoot)) {} catch {}
    }

    /// The chain admin leaves during an upgrade window; the chain keeps settling outside the
    /// ecosystem and its balances must still add up (the ledger and the withdrawals check it).
    function rageQuit(uint256 chainSeed) external {
        calls[this.rageQuit.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        try chain.rageQuit() {
            rageQuits++;
        } catch {}
    }

    /// Governance publishes a version whose implementation has a year-long grace period, and the
    /// chain admin tries to upgrade: a frozen chain must stay frozen.
    function upgradeChain(uint256 chainSeed) external {
        calls[this.upgradeChain.selector]++;
        (, ChainSettlement chain,) = _pick(chainSeed);
        if (block.timestamp > factory.upgradeDeadline() && factory.protocolVersion() < 4) {
            uint64 version = factory.protocolVersion() + 1;
            address[] memory attesters = new address[](1);
            attesters[0] = vm.addr(attesterKey);
            address verifier = address(new AttestationVerifier(version, attesters, 1));
            address implementation = address(
                new ChainSettlement(
                    address(factory), factory.transactionRoot(), address(bridge), 1 days, 365 days
                )
            );
            PredeployCode[] memory previous = factory.predeployCodes(version - 1);
            PredeployCode[5] memory predeploys =
                [previous[0], previous[1], previous[2], previous[3], previous[4]];
            vm.prank(factory.owner());
            factory.publishProtocolVersion(verifier, implementation, 1 days, predeploys);
        }
        (bool frozen,) = chain.isFrozen();
        try chain.upgradeChain() {
            if (frozen) _violation("a frozen chain upgraded");
        } catch {
            if (frozen) frozenUpgradesRefused++;
        }
    }
}

abstract contract L1InvariantSetup is L1Fixture {
    L1Handler internal handler;
    L1TestToken internal token;
    L1FeeOnTransferToken internal feeToken;

    function setUp() public override {
        super.setUp();
        token = new L1TestToken("Token", "TKN");
        feeToken = new L1FeeOnTransferToken();
        handler = new L1Handler(factory, attesterKeys[0], IERC20(address(token)), IERC20(address(feeToken)));
        targetContract(address(handler));
    }
}

/// @dev One campaign checks every invariant after each call (one campaign per invariant function
/// would triple the CI time for the same coverage).
contract L1InvariantsTest is L1InvariantSetup {
    function invariant_l1() public view {
        _chainBalancesEqualHoldings();
        _eachChainBalanceEqualsItsLedger();
        _noDoubleWithdrawalOrReclaim();
        _batchContinuity();
    }

    function _sum(address asset) internal view returns (uint256 total) {
        uint256 n = factory.chainCount();
        for (uint256 i; i < n; ++i) {
            total += bridge.chainBalance(factory.chainIdAt(i), asset);
        }
    }

    /// L2 gas fees owed to the chains' admins, each equal to what its requests paid minus claims.
    function _fees() internal view returns (uint256 total) {
        uint256 n = factory.chainCount();
        for (uint256 i; i < n; ++i) {
            uint256 chainId = factory.chainIdAt(i);
            uint256 owed = bridge.priorityFees(chainId);
            assertEq(owed, handler.ghostFees(chainId), "priority fees vs their ledger");
            total += owed;
        }
    }

    /// For every asset, the chains' balances (plus, for ETH, the L2 gas fees owed) add up to
    /// exactly what the bridge holds, and to what was credited minus what was paid out.
    function _chainBalancesEqualHoldings() internal view {
        assertEq(_sum(address(0)) + _fees(), address(bridge).balance, "ETH");
        assertEq(handler.feeThefts(), 0, "a chain's fees claimed by someone else");
        assertEq(_sum(address(token)), token.balanceOf(address(bridge)), "token");
        assertEq(_sum(address(feeToken)), feeToken.balanceOf(address(bridge)), "fee-on-transfer token");
        assertEq(_sum(address(0)), handler.ghostHeld(address(0)), "ETH ghost");
        assertEq(_sum(address(token)), handler.ghostHeld(address(token)), "token ghost");
        assertEq(_sum(address(feeToken)), handler.ghostHeld(address(feeToken)), "fee token ghost");
    }

    /// No chain pays out more than it was credited: each chain's balance is exactly its own
    /// deposits and incoming transfers minus its withdrawals, outgoing transfers and reclaims.
    function _eachChainBalanceEqualsItsLedger() internal view {
        uint256 n = handler.chainCount();
        address[3] memory assets = [address(0), address(token), address(feeToken)];
        for (uint256 i; i < n; ++i) {
            uint256 chainId = handler.chainIds(i);
            for (uint256 a; a < 3; ++a) {
                assertEq(
                    bridge.chainBalance(chainId, assets[a]),
                    handler.ghostChainBalance(chainId, assets[a]),
                    "chain balance vs its ledger"
                );
            }
        }
    }

    function _noDoubleWithdrawalOrReclaim() internal view {
        assertEq(handler.violations(), 0, "handler check failed (liveness, balances, freeze marking)");
        assertEq(handler.doubleWithdrawals(), 0);
        assertEq(handler.doubleReclaims(), 0);
        assertEq(handler.doubleRefunds(), 0, "a priority request paid back twice");
    }

    /// Batches stay ordered, and the Transaction Root holds exactly one leaf per batch executed
    /// directly inside the ecosystem (chains that rage-quit keep settling without appending) and one
    /// per aggregate.
    function _batchContinuity() internal view {
        uint256 n = handler.chainCount();
        uint256 executed;
        for (uint256 i; i < n; ++i) {
            ChainSettlement chain = handler.chains(i);
            assertLe(chain.lastExecutedBatch(), chain.lastProvenBatch());
            assertLe(chain.lastProvenBatch(), chain.lastCommittedBatch());
            assertLe(chain.priorityRequestsExecuted(), chain.priorityRequestsCommitted());
            assertLe(chain.priorityRequestsCommitted(), chain.priorityRequestCount());
            assertEq(chain.lastExecutedBatch(), handler.ghostExecuted(handler.chainIds(i)));
            executed += chain.lastExecutedBatch();
        }
        assertEq(executed, handler.executedBatches());
        assertEq(txRoot.leafCount(), handler.appendedLeaves());
    }

    /// The run did exercise the paths the invariants are about (visible with -vv).
    function afterInvariant() external view {
        console.log(
            "executed batches", handler.executedBatches(), "failed executions", handler.failedExecutions()
        );
        console.log("withdrawals finalized", handler.finalized(), "deposits reclaimed", handler.reclaimed());
        console.log(
            "failed deposits claimed", handler.failedClaimed(), "forced root imports", handler.forcedImports()
        );
        console.log(
            "chains", handler.chainCount(), "batches with uncredited transfers", handler.notCredited()
        );
        console.log(
            "forged withdrawals refused",
            handler.forgedWithdrawalsRefused(),
            "frozen upgrades refused",
            handler.frozenUpgradesRefused()
        );
        console.log(
            "reclaimed requests replayed and refused",
            handler.reclaimedReplaysRefused(),
            "rage quits",
            handler.rageQuits()
        );
        console.log("attacks from non-canonical chains", handler.nonCanonicalAttacks());
        console.log(
            "aggregates",
            handler.aggregates(),
            "direct settlements of members refused",
            handler.memberDirectSettlementsRefused()
        );
        console.log(
            "L2 gas fees claimed",
            handler.feesClaimed(),
            "underpaid requests refused",
            handler.underpaymentsRefused()
        );
    }
}

contract L1HandlerSmokeTest is L1InvariantSetup {
    function test_handler_settles_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.settleBatch(0, 0, [uint96(1 ether), 0, 1 ether, 0], 1);
        assertEq(handler.executedBatches(), 1);
    }
}

contract L1HandlerPathsTest is L1InvariantSetup {
    /// The attacker's chain with a non-canonical genesis takes deposits but settles nothing, by
    /// either path.
    function test_handler_nonCanonicalGenesisAttack_succeeds() public {
        handler.attackWithNonCanonicalGenesis(0, 5 ether, 0, true);
        handler.attackWithNonCanonicalGenesis(0, 5 ether, 1, false);
        assertEq(handler.nonCanonicalAttacks(), 2);
        assertEq(handler.violations(), 0);
        assertEq(bridge.chainBalance(3000, address(0)), 10 ether);
        assertEq(ChainSettlement(factory.settlementOf(3000)).lastExecutedBatch(), 0);
        assertEq(txRoot.leafCount(), 0);
    }

    /// One-call settlement of a batch that sends value to a chain id nobody registered: executes,
    /// the source keeps the value (the handler checks the source balance).
    function test_handler_unknownDestinationOneCall_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.settleBatch(0, 8, [uint96(1 ether), 0, 1 ether, 0], 1);
        assertEq(handler.executedBatches(), 1);
        assertEq(handler.notCredited(), 1);
        assertEq(handler.violations(), 0);
    }

    /// A deposit that failed on L2 is claimed back once; a second claim, a forged record and the
    /// record of another request pay nothing.
    function test_handler_failedDepositClaims_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.depositETH(0, 3 ether);
        handler.settleWithFailures(0, 1); // request 0 failed, request 1 was delivered
        handler.claimFailedDeposit(0, 1); // forged record
        handler.claimFailedDeposit(0, 2); // another request's record (if it picks request 1)
        assertEq(handler.failedClaimed(), 0);
        handler.claimFailedDeposit(0, 0);
        handler.claimFailedDeposit(0, 0);
        assertEq(handler.failedClaimed(), 1);
        assertEq(handler.doubleRefunds(), 0);
        assertEq(handler.violations(), 0);
        assertEq(bridge.chainBalance(1001, address(0)), 3 ether);
    }

    /// Forced imports: a known root is queued, a made-up one refused; starved deliveries of the
    /// queue cannot be committed.
    function test_handler_forcedImportsAndStarvedCommits_succeeds() public {
        handler.depositETH(1, 1 ether);
        handler.settleBatch(1, 2, [uint96(0), 0, 0, 0], 1);
        handler.forceRootImport(0, false);
        handler.forceRootImport(0, true);
        assertEq(handler.forcedImports(), 1);
        handler.commitStarved(0, 50_000);
        handler.settleWithFailures(0, 0);
        assertEq(handler.violations(), 0);
    }

    /// Same through commit, prove and execute, with the chain itself as destination.
    function test_handler_selfDestinationThreeCalls_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.settleBatch(0, 1, [uint96(1 ether), 0, 1 ether, 0], 2);
        assertEq(handler.executedBatches(), 1);
        assertEq(handler.notCredited(), 1);
        assertEq(handler.violations(), 0);
    }
}

contract L1HandlerAttacksTest is L1InvariantSetup {
    /// The attacker's message to the bridge in every settled batch is refused; the honest ones pay.
    function test_handler_forgedTokenWithdrawal_refused() public {
        handler.depositERC20(0, 100 ether, false);
        handler.depositETH(0, 10 ether);
        handler.settleBatch(0, 2, [uint96(0), 0, 1 ether, 1 ether], 1);
        assertEq(handler.executedBatches(), 1);
        for (uint256 i; i < 3; ++i) {
            handler.finalizeWithdrawal(i);
        }
        assertEq(handler.finalized(), 2);
        assertEq(handler.forgedWithdrawalsRefused(), 1);
        assertEq(handler.violations(), 0);
    }

    /// Commit-without-prove, time passes, the deposit is reclaimed, its replay and the upgrade of
    /// the frozen chain are refused.
    function test_handler_commitWithoutProveThenReclaim_refusesReplayAndUpgrade() public {
        handler.depositETH(0, 10 ether);
        handler.commitWithoutProve(0);
        handler.abandonChains();
        handler.reclaim(0, 0);
        assertEq(handler.reclaimed(), 1);
        handler.processReclaimed(0);
        assertEq(handler.reclaimedReplaysRefused(), 1);
        handler.upgradeChain(0);
        assertEq(handler.frozenUpgradesRefused(), 1);
        assertEq(handler.violations(), 0);
    }
}

contract L1HandlerRageQuitTest is L1InvariantSetup {
    /// After a rage quit the chain keeps settling: its withdrawals pay, its transfers credit nobody.
    function test_handler_rageQuitThenSettle_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.upgradeChain(1); // publishes version 2, upgrades the other chain
        handler.rageQuit(0);
        assertEq(handler.rageQuits(), 1);
        vm.warp(block.timestamp + 1 days + 1); // past the upgrade deadline
        handler.settleBatch(0, 2, [uint96(1 ether), 0, 1 ether, 0], 1);
        assertEq(handler.executedBatches(), 1);
        assertEq(handler.notCredited(), 1);
        handler.finalizeWithdrawal(0);
        assertEq(handler.finalized(), 1);
        assertEq(handler.violations(), 0);
    }
}

contract L1HandlerAggregationTest is L1InvariantSetup {
    /// Two members in one aggregate moving value to each other and withdrawing; a member's direct
    /// settlement is refused until its exit took effect; then it settles directly again.
    function test_handler_aggregateThenLeave_succeeds() public {
        handler.depositETH(0, 10 ether);
        handler.depositETH(1, 10 ether);
        handler.joinAggregator(0);
        handler.joinAggregator(1);
        // Chain 0 sends to chain 1 (destination kind 2), chain 1 to chain 0.
        handler.settleAggregate(0, 2, [uint96(1 ether), 0, 1 ether, 0], [uint96(2 ether), 0, 0, 0]);
        assertEq(handler.aggregates(), 1);
        assertEq(handler.executedBatches(), 2);
        assertEq(txRoot.leafCount(), 1);
        handler.finalizeWithdrawal(0);
        assertEq(handler.finalized(), 1);
        handler.settleBatch(0, 2, [uint96(0), 0, 0, 0], 1);
        assertEq(handler.memberDirectSettlementsRefused(), 1);
        handler.leaveAggregator(0);
        handler.warp(2 hours);
        handler.settleBatch(0, 2, [uint96(0), 0, 0, 0], 1);
        assertEq(handler.executedBatches(), 3);
        assertEq(handler.violations(), 0);
    }
}
