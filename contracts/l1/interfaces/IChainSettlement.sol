// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../common/interfaces/ICommonErrors.sol";
import {AssetTransfer, CommitBatchInfo} from "../../common/types/Batch.sol";
import {Message} from "../../common/types/Message.sol";
import {ChainConfig} from "./IChainFactory.sol";

/// @title IChainSettlement
/// @notice One per hyperchain: its batches (commit → prove → execute), its priority queue and its
/// escape hatch.
///
/// Batches: batch 0 is genesis (`genesisStateRoot` and `genesisBlockHash`, executed). `commitBatch`
/// (operator) takes batch `lastCommittedBatch + 1`, whose previous state root and previous block
/// hash are the ones stored for the batch before it; it stores the new state root, the last block
/// hash and the batch public input. `proveBatch` (anyone) proves batches in
/// order with the chain's pinned verifier. `executeBatch` (anyone) re-supplies the batch, which must
/// hash to the stored public input; it checks every imported root was a Transaction Root, appends
/// the batch to the Transaction Root, records its messages root for L1 withdrawals and moves the
/// batch's transfers in the shared bridge.
///
/// Priority queue and escape hatch: every deposit, forced call or forced Transaction Root import
/// gets the next nonce, expires `PRIORITY_EXPIRY` seconds after it was queued and freezes the chain
/// `PRIORITY_GRACE_PERIOD` seconds after that; both deadlines are stored with the request, so no
/// later implementation moves them. L1 stores the rolling hash after each request so a batch's
/// cumulative (`priorityRequestsProcessed`, `priorityRequestsHash`) is checked exactly.
///
/// L2 gas: every request carries the L2 gas limit its requester set, between `MIN_L2_GAS_LIMIT`
/// and `MAX_L2_GAS_LIMIT`, bound by the rolling hash. The L2 inbox gives the delivery exactly that
/// much gas and reverts the whole system transaction if less is available, so an operator cannot
/// make a request fail by starving it; a request that fails with its own gas leaves an L2→L1
/// failure record its depositor claims back with (`SharedBridge.claimFailedDeposit`). The cap keeps
/// every request includable in one L2 block; payloads are capped at `MAX_PAYLOAD_LENGTH` bytes for
/// the same reason.
///
/// L2 gas is paid on L1 (hyperchain system transactions pay no L2 fee): each chain has an L2 gas
/// price for priority requests (`l2GasPrice()`, wei per gas) that its admin sets, at most
/// `MAX_L2_GAS_PRICE` (fixed by the implementation, so only a published protocol version changes
/// it). Every request names the price its requester accepts (`l2GasPrice` argument, at least the
/// chain's: `L2GasPriceTooLow` otherwise, so a price raised just before a request makes it revert
/// instead of costing more) and pays `l2GasLimit * l2GasPrice` out of `msg.value`
/// (`InsufficientValueForL2Gas`); the rest of `msg.value` is the request's value. The fee is
/// credited to the chain's `SharedBridge.priorityFees`, which its admin claims; it is not paid back
/// when a request is reclaimed or claimed back after failing.
/// 1. A batch must leave no expired request behind: if request `priorityRequestsProcessed` (the oldest one
///    the batch does not process) has expired, the commit reverts `PriorityRequestExpired(nonce)`.
/// 2. If the oldest request no EXECUTED batch processes is still unprocessed at its freeze deadline,
///    the chain is frozen for good (committing needs no proof, so a committed batch does not count):
///    `commitBatch`, `executeBatch`, `upgradeChain` and new requests revert `ChainFrozen(nonce)`.
///    Batches committed but not executed count as reverted. The first reclaim also sets a stored
///    frozen flag.
/// 3. On a frozen chain, every request that no executed batch processes can be reclaimed once on
///    L1 (`SharedBridge.reclaimExpiredDeposit`): the bridge pays the depositor back from the chain's
///    balance. Since the chain can never commit or execute again, no batch can process it on L2.
/// A chain whose operator is gone, that is outdated past its upgrade deadline, or that rage-quit
/// reaches the same end: its pending requests expire and their depositors reclaim them.
///
/// Aggregation (sovereignty): a chain settles directly (above) or, once its admin joined an
/// aggregator the factory created (`joinAggregator`), only through that aggregator
/// (`settleAggregated`): the same checks and effects per batch, one attestation and one Transaction
/// Root leaf per aggregate. The admin may leave at any time (`leaveAggregator`); the exit takes
/// effect `AGGREGATOR_EXIT_DELAY` seconds later, so an aggregate already signed with the chain in it
/// can still settle, and from then on the operator settles directly again. Withdrawals never depend
/// on the aggregator: each executed batch's messages root is stored here either way.
interface IChainSettlement is ICommonErrors {
    /// @notice A deposit, forced call or forced Transaction Root import entered the priority queue;
    /// the L2 inbox must deliver it with `l2GasLimit` gas.
    event PriorityRequestQueued(uint256 indexed nonce, Message message, uint256 l2GasLimit, uint64 expiresAt);
    /// @notice Batch `batchNumber` was committed with this public input.
    event BatchCommitted(uint64 indexed batchNumber, bytes32 publicInput);
    /// @notice Batch `batchNumber` was proven.
    event BatchProven(uint64 indexed batchNumber);
    /// @notice Batch `batchNumber` was executed.
    event BatchExecuted(uint64 indexed batchNumber, bytes32 stateRoot, bytes32 messagesRoot);
    /// @notice Every batch after `newLastCommittedBatch` was reverted.
    event BatchesReverted(uint64 newLastCommittedBatch);
    /// @notice The chain moved to protocol version `version`.
    event ChainUpgraded(uint64 indexed version, address verifier, address implementation);
    /// @notice The chain left the ecosystem (rage quit).
    event ChainLeft(uint256 indexed chainId);
    /// @notice The operator changed.
    event OperatorChanged(address operator);
    /// @notice The chain admin set the L2 gas price of later priority requests.
    event L2GasPriceChanged(uint256 price);
    /// @notice The chain settles through `aggregator` from now on.
    event AggregatorJoined(address indexed aggregator);
    /// @notice The chain leaves `aggregator`: it settles directly from `exitAt` on.
    event AggregatorExitAnnounced(address indexed aggregator, uint64 exitAt);
    /// @notice Priority request `nonce` was reclaimed on L1.
    event PriorityRequestReclaimed(uint256 indexed nonce, address refundRecipient);

    /// @notice Only the operator may do this.
    error NotOperator(address caller);
    /// @notice Only the chain admin may do this.
    error NotAdmin(address caller);
    /// @notice Only the chain factory may do this.
    error NotFactory(address caller);
    /// @notice Only the shared bridge may do this.
    error NotSharedBridge(address caller);
    /// @notice The batch number is not the next one.
    error NonConsecutiveBatch(uint64 expected, uint64 actual);
    /// @notice The batch is not committed.
    error BatchNotCommitted(uint64 batchNumber);
    /// @notice The batch is not proven.
    error BatchNotProven(uint64 batchNumber);
    /// @notice The batch is not executed (no messages root yet).
    error BatchNotExecuted(uint64 batchNumber);
    /// @notice The re-supplied batch does not match what was committed.
    error BatchCommitmentMismatch(uint64 batchNumber, bytes32 committed, bytes32 supplied);
    /// @notice An imported root was never a Transaction Root (hyperbridge step 7, README).
    error UnknownTransactionRoot(bytes32 root);
    /// @notice The cumulative priority count went backwards.
    error PriorityRequestsProcessedDecreased(uint64 previous, uint64 count);
    /// @notice The cumulative priority count exceeds the queue length.
    error PriorityRequestsProcessedTooHigh(uint64 count, uint64 queueLength);
    /// @notice The cumulative priority hash is not L1's rolling hash at that count.
    error PriorityRequestsHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice The batch leaves expired priority request `nonce` unprocessed.
    error PriorityRequestExpired(uint256 nonce);
    /// @notice The chain is frozen: request `nonce` stayed unprocessed past expiry + grace period.
    error ChainFrozen(uint256 nonce);
    /// @notice The chain is not frozen, so requests cannot be reclaimed.
    error ChainNotFrozen();
    /// @notice Request `nonce` is processed by an executed batch and cannot be reclaimed.
    error PriorityRequestAlreadyExecuted(uint256 nonce);
    /// @notice Request `nonce` was already reclaimed.
    error PriorityRequestAlreadyReclaimed(uint256 nonce);
    /// @notice The supplied message is not priority request `nonce` of this chain.
    error PriorityRequestMismatch(uint256 nonce);
    /// @notice The revert target is not between the last executed and last committed batch.
    error InvalidRevertTarget(uint64 target, uint64 lastExecuted, uint64 lastCommitted);
    /// @notice The chain's protocol version is no longer accepted.
    error ProtocolVersionOutdated(uint64 chainVersion, uint64 currentVersion);
    /// @notice The chain is already on the current protocol version.
    error AlreadyUpToDate(uint64 version);
    /// @notice Rage quit is only possible during an upgrade window, for a chain on the old version.
    error RageQuitNotAllowed(uint64 chainVersion, uint64 currentVersion, uint64 deadline);
    /// @notice The chain left the ecosystem.
    error ChainHasLeft(uint256 chainId);
    /// @notice A batch of a chain that left imports a Transaction Root of `leafCount` leaves, appended
    /// after it left (at `leftAtLeafCount`): messages to it in those batches have no L1 backing.
    error RootAfterLeaving(bytes32 root, uint64 leafCount, uint64 leftAtLeafCount);
    /// @notice `settleBatch` needs every committed batch executed first.
    error UnexecutedBatchesPending(uint64 lastCommitted, uint64 lastExecuted);
    /// @notice The chain settles through `aggregator` until `exitAt` (0: no exit announced).
    error SettledByAggregator(address aggregator, uint64 exitAt);
    /// @notice `aggregator` was not created by the chain factory.
    error UnknownAggregator(address aggregator);
    /// @notice The chain is already a member of `aggregator`.
    error AlreadyInAggregator(address aggregator);
    /// @notice The chain is not a member of an aggregator, or already announced its exit.
    error NotInAggregator();
    /// @notice An aggregate is attested for `supplied`, not the chain's pinned verifier.
    error VerifierMismatch(address pinned, address supplied);
    /// @notice A priority request's payload is longer than `MAX_PAYLOAD_LENGTH`.
    error PayloadTooLarge(uint256 length, uint256 maxLength);
    /// @notice A priority request's L2 gas limit is outside [`MIN_L2_GAS_LIMIT`, `MAX_L2_GAS_LIMIT`].
    error L2GasLimitOutOfRange(uint256 l2GasLimit, uint256 minLimit, uint256 maxLimit);
    /// @notice Priority requests to the L2 inbox are forced Transaction Root imports; only
    /// `requestTransactionRootImport` creates them.
    error ReservedRecipient(address recipient);
    /// @notice `msg.value` does not cover the request's L2 gas fee `l2GasLimit * l2GasPrice`.
    error InsufficientValueForL2Gas(uint256 required, uint256 provided);
    /// @notice A request that carries no value (a token deposit, a forced root import) was sent more
    /// than its L2 gas fee.
    error ExcessValueForL2Gas(uint256 required, uint256 provided);
    /// @notice The requester's L2 gas price is below the chain's current one.
    error L2GasPriceTooLow(uint256 offered, uint256 required);
    /// @notice An L2 gas price above `MAX_L2_GAS_PRICE`.
    error L2GasPriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice Request `nonce` is not processed by an executed batch, so it has no failure record.
    error PriorityRequestNotExecuted(uint256 nonce);

    /// @notice Sets up a new chain's proxy. Called once by the factory in `createChain`.
    function initialize(
        ChainConfig calldata config,
        address verifier,
        uint64 protocolVersion,
        address daValidator
    ) external;

    /// @notice Commits batch `lastCommittedBatch() + 1`. Operator only. Enforces continuity, the
    /// priority queue rules above, the chain's DA mode and the protocol version deadline.
    /// @param batch the batch; `priorityRequestsProcessed`/`priorityRequestsHash` are cumulative
    /// @param daInput input of the chain's DA validator (rollup: the pubdata; validium: signatures)
    function commitBatch(CommitBatchInfo calldata batch, bytes calldata daInput) external;

    /// @notice Proves batch `lastProvenBatch() + 1` with the chain's pinned verifier. Anyone.
    function proveBatch(uint64 batchNumber, bytes calldata proof) external;

    /// @notice Executes batch `lastExecutedBatch() + 1`, re-supplied exactly as committed. Anyone.
    function executeBatch(CommitBatchInfo calldata batch) external;

    /// @notice Commits, proves and executes batch `lastCommittedBatch() + 1` in one transaction:
    /// the same checks, effects and events (`BatchCommitted`, `BatchProven`, `BatchExecuted`) as
    /// `commitBatch(batch, daInput)`, `proveBatch(batch.batchNumber, proof)` and
    /// `executeBatch(batch)`, for less L1 gas (one transaction, the batch in calldata once, no
    /// stored public input). Operator only. Requires `lastCommittedBatch() == lastExecutedBatch()`
    /// (`UnexecutedBatchesPending`).
    function settleBatch(CommitBatchInfo calldata batch, bytes calldata daInput, bytes calldata proof)
        external;

    /// @notice Settles batch `lastExecutedBatch() + 1` as part of an aggregate. The chain's
    /// aggregator only (`NotAggregator`), which verifies the aggregate's attestation (over the
    /// returned public input among others) in the same transaction. The checks, effects and
    /// events of `settleBatch` (`BatchCommitted`, `BatchExecuted`) except the proof and the
    /// Transaction Root leaf; `verifier` must be the chain's pinned verifier (`VerifierMismatch`).
    /// @return publicInput `BatchHashing.publicInput(chainId, stateRoot(n - 1), batch)`
    function settleAggregated(CommitBatchInfo calldata batch, bytes calldata daInput, address verifier)
        external
        returns (bytes32 publicInput);

    /// @notice Settles the chain through `aggregator` (created by the factory: `UnknownAggregator`)
    /// from now on; direct commits revert `SettledByAggregator` until an exit takes effect. Requires
    /// every committed batch executed (`UnexecutedBatchesPending`), a chain in the ecosystem
    /// (`ChainHasLeft`) that is not frozen and not already a member (`AlreadyInAggregator`).
    /// Chain admin only.
    function joinAggregator(address aggregator) external;

    /// @notice Leaves the aggregator: it may settle the chain's batches for `AGGREGATOR_EXIT_DELAY`
    /// more seconds (aggregates already signed land), after which the operator settles directly.
    /// Chain admin only; `NotInAggregator` if not a member or already leaving.
    function leaveAggregator() external;

    /// @notice The aggregator the chain joined (zero if none) and when its announced exit takes
    /// effect (0 if none announced); membership ends at `exitAt`.
    function aggregator() external view returns (address aggregator, uint64 exitAt);

    /// @notice Seconds between `leaveAggregator` and direct settlement: the time an aggregate
    /// signed with the chain in it has to reach L1 (anyone may submit it).
    function AGGREGATOR_EXIT_DELAY() external view returns (uint64);

    /// @notice Forgets every unexecuted batch after `newLastCommittedBatch`. Operator only.
    function revertBatches(uint64 newLastCommittedBatch) external;

    /// @notice Enqueues a forced L1→L2 call to `recipient` with `msg.value` less the L2 gas fee
    /// (locked in the shared bridge for this chain). Message{sender: msg.sender, value: msg.value -
    /// l2GasLimit * l2GasPrice, fee: 0}. Anyone. If the call fails on L2 (with its full
    /// `l2GasLimit`), `msg.sender` claims the value back with `SharedBridge.claimFailedDeposit`.
    /// @param recipient the L2 recipient; not `Predeploys.INBOX` (`ReservedRecipient`)
    /// @param payload at most `MAX_PAYLOAD_LENGTH` bytes (`PayloadTooLarge`)
    /// @param l2GasLimit gas the L2 delivery gets (`L2GasLimitOutOfRange` outside the bounds)
    /// @param l2GasPrice the L2 gas price the caller pays, at least `l2GasPrice()`
    /// @return nonce the request's index in the priority queue
    function requestL2Call(address recipient, bytes calldata payload, uint256 l2GasLimit, uint256 l2GasPrice)
        external
        payable
        returns (uint256 nonce);

    /// @notice Forces the chain to import `root`, a Transaction Root L1 knows
    /// (`UnknownTransactionRoot` otherwise), through the priority queue: the request falls under
    /// the same expiry and freeze rules as deposits, so an operator that refuses to import roots
    /// (censoring inbound hyperbridge messages) ends up frozen. Anyone. Queued as
    /// Message{sender: msg.sender, recipient: Predeploys.INBOX, value: 0, payload: abi.encode(root)}
    /// with `MIN_L2_GAS_LIMIT`; the L2 inbox imports the root when it processes the request. On a
    /// chain that left, only roots from before it left (`RootAfterLeaving`). `msg.value` must be
    /// exactly the L2 gas fee `MIN_L2_GAS_LIMIT * l2GasPrice` (`InsufficientValueForL2Gas`,
    /// `ExcessValueForL2Gas`).
    /// @return nonce the request's index in the priority queue
    function requestTransactionRootImport(bytes32 root, uint256 l2GasPrice)
        external
        payable
        returns (uint256 nonce);

    /// @notice Enqueues a deposit built by the shared bridge. Shared bridge only. Same bounds on
    /// the recipient, payload, L2 gas limit and price as `requestL2Call`; the message's value is
    /// `payment` less the L2 gas fee.
    /// @param payment the ETH the depositor sent (`InsufficientValueForL2Gas` below the fee)
    /// @param l2GasLimit gas the L2 delivery gets
    /// @param l2GasPrice the L2 gas price the depositor pays, at least `l2GasPrice()`
    /// @param refundRecipient who gets the deposit back if it is reclaimed or fails on L2
    /// @return nonce the request's index in the priority queue
    /// @return fee the L2 gas fee `l2GasLimit * l2GasPrice`, for the bridge to credit to the chain
    function enqueuePriorityRequest(
        address sender,
        address recipient,
        uint256 payment,
        bytes calldata payload,
        uint256 l2GasLimit,
        uint256 l2GasPrice,
        address refundRecipient
    ) external returns (uint256 nonce, uint256 fee);

    /// @notice Marks a request of a frozen chain as reclaimed and returns who gets the refund.
    /// Shared bridge only (it pays).
    function markPriorityRequestReclaimed(Message calldata message) external returns (address refundRecipient);

    /// @notice Marks request `message` as refunded after it failed on L2 and returns who gets the
    /// refund. Shared bridge only: it checked the chain's failure record against an executed
    /// batch. The request must be processed by an executed batch (`PriorityRequestNotExecuted`);
    /// the same flag as `markPriorityRequestReclaimed` (`PriorityRequestAlreadyReclaimed`), so a
    /// request is refunded at most once by either path.
    function markFailedPriorityRequestClaimed(Message calldata message)
        external
        returns (address refundRecipient);

    /// @notice Moves the chain to the factory's current protocol version (verifier, implementation
    /// and the version's DA validator of the chain's mode). Chain admin only; also allowed after the
    /// deadline to resume committing. Reverts `ChainFrozen` on a frozen chain.
    function upgradeChain() external;

    /// @notice Leaves the ecosystem during an upgrade window: reverts unexecuted batches and stops
    /// deposits through the bridge and every hyperbridge transfer to and from the chain. The chain
    /// keeps settling on its current version outside the ecosystem, so its users keep withdrawing to
    /// L1: commits skip the version deadline, executed batches are not appended to the Transaction
    /// Root, may import only roots from before it left (`RootAfterLeaving`) and their transfers are
    /// not credited (the value stays in the chain's balance). Forced calls and the escape hatch
    /// stay as they are. Chain admin only.
    function rageQuit() external;

    /// @notice Sets the L2 gas price (wei per gas) that priority requests made after this pay, at
    /// most `MAX_L2_GAS_PRICE` (`L2GasPriceAboveMax`). Chain admin only.
    function setL2GasPrice(uint256 price) external;

    /// @notice Sets the operator. Chain admin only.
    function setOperator(address operator) external;

    /// @notice The L2 chain id.
    function chainId() external view returns (uint256);
    /// @notice The chain admin.
    function admin() external view returns (address);
    /// @notice The operator.
    function operator() external view returns (address);
    /// @notice The chain's pinned verifier.
    function verifier() external view returns (address);
    /// @notice The chain's protocol version.
    function protocolVersion() external view returns (uint64);
    /// @notice The chain's DA validator.
    function daValidator() external view returns (address);
    /// @notice The chain's current L2 gas price for priority requests (wei per gas; 0 until set).
    function l2GasPrice() external view returns (uint256);
    /// @notice Whether the chain rage-quit.
    function hasLeft() external view returns (bool);
    /// @notice Transaction Root leaf count when the chain rage-quit (0 before): its batches may
    /// import only roots of at most this many leaves, and `requestTransactionRootImport` accepts
    /// only those (`RootAfterLeaving`).
    function leftAtLeafCount() external view returns (uint64);
    /// @notice Last committed batch number.
    function lastCommittedBatch() external view returns (uint64);
    /// @notice Last proven batch number.
    function lastProvenBatch() external view returns (uint64);
    /// @notice Last executed batch number.
    function lastExecutedBatch() external view returns (uint64);
    /// @notice State root of committed batch `batchNumber` (0 = genesis).
    function stateRoot(uint64 batchNumber) external view returns (bytes32);
    /// @notice Hash of the last L2 block of committed batch `batchNumber` (0 = the genesis block):
    /// the next batch's headers must continue it.
    function lastBlockHash(uint64 batchNumber) external view returns (bytes32);
    /// @notice Public input of a committed, not yet executed batch.
    function batchPublicInput(uint64 batchNumber) external view returns (bytes32);
    /// @notice Messages root of an executed batch; reverts `BatchNotExecuted` otherwise.
    function messagesRoot(uint64 batchNumber) external view returns (bytes32);
    /// @notice Number of priority requests ever queued.
    function priorityRequestCount() external view returns (uint256);
    /// @notice Cumulative priority requests processed by executed batches.
    function priorityRequestsExecuted() external view returns (uint256);
    /// @notice Cumulative priority requests processed by committed batches.
    function priorityRequestsCommitted() external view returns (uint256);
    /// @notice Rolling hash of the first `count` priority requests (0 for count 0).
    function priorityRollingHash(uint256 count) external view returns (bytes32);
    /// @notice When request `nonce` expires, who is refunded, whether it was reclaimed (or
    /// refunded after failing on L2), when it freezes the chain if no executed batch processed it,
    /// and its L2 gas limit.
    function priorityRequest(uint256 nonce)
        external
        view
        returns (
            uint64 expiresAt,
            address refundRecipient,
            bool reclaimed,
            uint64 freezesAt,
            uint256 l2GasLimit
        );
    /// @notice Whether the chain is frozen (escape hatch rule 2), and the request that froze it.
    function isFrozen() external view returns (bool frozen, uint256 nonce);
    /// @notice Seconds a priority request may wait before batches must process it.
    function PRIORITY_EXPIRY() external view returns (uint64);
    /// @notice Seconds after expiry before an unprocessed request freezes the chain (for requests
    /// queued while this implementation runs; each request stores its own deadline).
    function PRIORITY_GRACE_PERIOD() external view returns (uint64);
    /// @notice Longest payload of a priority request, in bytes.
    function MAX_PAYLOAD_LENGTH() external view returns (uint256);
    /// @notice Smallest L2 gas limit of a priority request.
    function MIN_L2_GAS_LIMIT() external view returns (uint256);
    /// @notice Largest L2 gas limit of a priority request (fits in one L2 block with its overhead).
    function MAX_L2_GAS_LIMIT() external view returns (uint256);
    /// @notice Highest L2 gas price a chain admin may set or a requester may pay (1,000 gwei: the
    /// fee of a request is at most `MAX_L2_GAS_LIMIT * MAX_L2_GAS_PRICE` = 10 ETH).
    function MAX_L2_GAS_PRICE() external view returns (uint256);
}
