// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {BatchHashing, CommitBatchInfo} from "../common/types/Batch.sol";
import {Message, MessageHashing} from "../common/types/Message.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {ChainConfig, IChainFactory} from "./interfaces/IChainFactory.sol";
import {IChainSettlement} from "./interfaces/IChainSettlement.sol";
import {IDAValidator} from "./interfaces/IDAValidator.sol";
import {ISharedBridge} from "./interfaces/ISharedBridge.sol";
import {ITransactionRoot} from "./interfaces/ITransactionRoot.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ChainSettlement
/// @notice Settlement of one hyperchain on L1 (see `IChainSettlement` for the batch rules and the
/// priority queue escape hatch). Runs behind an ERC-1967 proxy deployed by `ChainFactory`; only the
/// chain admin can move it to a newer implementation, and only to the one governance published
/// (`upgradeChain`).
/// @dev Gas: per batch it stores the new state root and one word that holds the batch public input
/// until execution and the messages root afterwards; cumulative priority counts of batches are
/// packed four per slot. `settleBatch` writes only the state root, the messages root and the
/// counters slot (which also holds the executed batch's priority count).
contract ChainSettlement is IChainSettlement, Initializable {
    using MessageHashing for Message;

    /// @dev One slot (5 x 48 bits: 2^48 batches or requests are out of reach).
    struct Counters {
        uint48 lastCommitted;
        uint48 lastProven;
        uint48 lastExecuted;
        /// cumulative priority requests processed by the last committed batch
        uint48 committedPriorityRequests;
        /// cumulative priority requests processed by the last executed batch
        uint48 executedPriorityRequests;
    }

    /// @dev One slot: 32 + 32 + 160 + 8 + 24 bits. Both deadlines are fixed when the request is
    /// queued, so a later implementation's expiry or grace period never moves them (32-bit
    /// timestamps last until 2106; `MAX_L2_GAS_LIMIT` < 2^24).
    struct PriorityRequest {
        uint32 expiresAt;
        uint32 freezesAt;
        address refundRecipient;
        /// reclaimed on a frozen chain, or refunded after failing on L2
        bool reclaimed;
        uint24 l2GasLimit;
    }

    /// @inheritdoc IChainSettlement
    uint256 public constant override MAX_PAYLOAD_LENGTH = 32_768;
    /// @inheritdoc IChainSettlement
    uint256 public constant override MIN_L2_GAS_LIMIT = 100_000;
    /// @inheritdoc IChainSettlement
    uint256 public constant override MAX_L2_GAS_LIMIT = 10_000_000;
    /// @inheritdoc IChainSettlement
    uint256 public constant override MAX_L2_GAS_PRICE = 1000 gwei;
    /// @inheritdoc IChainSettlement
    uint64 public constant override AGGREGATOR_EXIT_DELAY = 1 hours;

    /// @notice The chain factory: initializes proxies, publishes protocol versions.
    IChainFactory public immutable FACTORY;
    /// @notice The global Transaction Root executed batches are appended to.
    ITransactionRoot public immutable TRANSACTION_ROOT;
    /// @notice The shared bridge holding the chain's assets.
    ISharedBridge public immutable SHARED_BRIDGE;
    /// @inheritdoc IChainSettlement
    uint64 public immutable override PRIORITY_EXPIRY;
    /// @inheritdoc IChainSettlement
    uint64 public immutable override PRIORITY_GRACE_PERIOD;

    // Packed so that a commit reads four slots of chain state: counters; operator, chain id and
    // version; DA validator, queue length, exit and frozen flags; and nothing else.
    Counters private _counters;
    address private _operator;
    uint64 private _chainId;
    uint32 private _protocolVersion;
    address private _daValidator;
    uint64 private _priorityQueueLength;
    bool private _hasLeft;
    /// set by the first reclaim: from then on the chain is frozen whatever its requests' deadlines
    bool private _frozen;
    uint8 private _daMode;
    /// in the slot every commit reads, so the direct path checks it without another storage read
    bool private _aggregated;
    address private _verifier;
    /// packs with `_verifier` (its slot had 12 free bytes), so older proxies' layout is unchanged;
    /// `MAX_L2_GAS_PRICE` < 2^64
    uint64 private _l2GasPrice;
    address private _admin;
    /// Transaction Root leaf count when the chain rage-quit: it may import only roots up to it
    uint64 private _leftAtLeafCount;
    mapping(uint64 batchNumber => bytes32) private _stateRoots;
    /// public input while committed, messages root once executed
    mapping(uint64 batchNumber => bytes32) private _batchWords;
    /// lane `n % 4` (64 bits) of slot `n / 4` = cumulative priority count of batch n
    mapping(uint256 slot => uint256) private _priorityCounts;
    /// rolling hash of the first `count` priority requests
    mapping(uint256 count => bytes32) private _rollingHashes;
    mapping(uint256 nonce => PriorityRequest) private _requests;
    /// the aggregator the chain joined (meaningful while `_aggregated`) and when its exit takes effect
    address private _aggregator;
    uint64 private _aggregatorExitAt;
    /// last L2 block hash of each committed batch (0 = genesis); appended last so older proxies'
    /// layout is unchanged
    mapping(uint64 batchNumber => bytes32) private _lastBlockHashes;

    modifier onlySharedBridge() {
        if (msg.sender != address(SHARED_BRIDGE)) revert NotSharedBridge(msg.sender);
        _;
    }

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @param factory the chain factory (only it initializes proxies)
    /// @param transactionRoot the global Transaction Root
    /// @param sharedBridge the shared bridge
    /// @param priorityExpiry seconds before a priority request must be processed
    /// @param priorityGracePeriod seconds after expiry before an unprocessed request freezes the chain
    constructor(
        address factory,
        address transactionRoot,
        address sharedBridge,
        uint64 priorityExpiry,
        uint64 priorityGracePeriod
    ) {
        FACTORY = IChainFactory(factory);
        TRANSACTION_ROOT = ITransactionRoot(transactionRoot);
        SHARED_BRIDGE = ISharedBridge(sharedBridge);
        PRIORITY_EXPIRY = priorityExpiry;
        PRIORITY_GRACE_PERIOD = priorityGracePeriod;
        _disableInitializers();
    }

    /// @inheritdoc IChainSettlement
    function initialize(
        ChainConfig calldata config,
        address verifier_,
        uint64 protocolVersion_,
        address daValidator_
    ) external override initializer {
        if (msg.sender != address(FACTORY)) revert NotFactory(msg.sender);
        // The factory only registers chain ids that fit in 64 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        _chainId = uint64(config.chainId);
        _admin = config.admin;
        _operator = config.operator;
        _verifier = verifier_;
        // Versions count upgrades from 1: far below 2^32.
        // forge-lint: disable-next-line(unsafe-typecast)
        _protocolVersion = uint32(protocolVersion_);
        _daValidator = daValidator_;
        _daMode = config.daMode;
        _stateRoots[0] = config.genesisStateRoot;
        _lastBlockHashes[0] = config.genesisBlockHash;
    }

    // ---------------------------------------------------------------- batches

    /// @inheritdoc IChainSettlement
    function commitBatch(CommitBatchInfo calldata batch, bytes calldata daInput) external override {
        if (msg.sender != _operator) revert NotOperator(msg.sender);
        uint256 chainId_ = _chainId;
        Counters memory c = _counters;
        bytes32 publicInput = _commit(c, chainId_, batch, daInput, false);
        uint64 batchNumber = batch.batchNumber;
        _batchWords[batchNumber] = publicInput;
        _setPriorityCount(batchNumber, batch.priorityRequestsProcessed);
        _counters = c;
    }

    /// @inheritdoc IChainSettlement
    function proveBatch(uint64 batchNumber, bytes calldata proof) external override {
        Counters memory c = _counters;
        if (batchNumber > c.lastCommitted) revert BatchNotCommitted(batchNumber);
        _prove(c, batchNumber, _batchWords[batchNumber], proof);
        _counters = c;
    }

    /// @inheritdoc IChainSettlement
    function executeBatch(CommitBatchInfo calldata batch) external override {
        Counters memory c = _counters;
        uint64 batchNumber = batch.batchNumber;
        if (batchNumber != c.lastExecuted + 1) revert NonConsecutiveBatch(c.lastExecuted + 1, batchNumber);
        if (batchNumber > c.lastProven) revert BatchNotProven(batchNumber);
        // On a frozen chain unexecuted batches count as reverted: their requests may be reclaimed.
        _requireNotFrozen(c);
        uint256 chainId_ = _chainId;
        bytes32 committed = _batchWords[batchNumber];
        bytes32 supplied = BatchHashing.publicInput(
            chainId_, _stateRoots[batchNumber - 1], _lastBlockHashes[batchNumber - 1], batch
        );
        if (supplied != committed) revert BatchCommitmentMismatch(batchNumber, committed, supplied);
        _execute(c, chainId_, batch, true);
        _counters = c;
    }

    /// @inheritdoc IChainSettlement
    function settleBatch(CommitBatchInfo calldata batch, bytes calldata daInput, bytes calldata proof)
        external
        override
    {
        if (msg.sender != _operator) revert NotOperator(msg.sender);
        uint256 chainId_ = _chainId;
        Counters memory c = _counters;
        if (c.lastCommitted != c.lastExecuted) {
            revert UnexecutedBatchesPending(c.lastCommitted, c.lastExecuted);
        }
        // Same checks and events as commitBatch + proveBatch + executeBatch. Not stored, because
        // nothing reads them once the batch is executed: the public input (`batchPublicInput` is
        // only defined for unexecuted batches) and the batch's lane in `_priorityCounts` (reverts
        // and `priorityRequestsExecuted` use `executedPriorityRequests` for the last executed batch).
        bytes32 publicInput = _commit(c, chainId_, batch, daInput, false);
        _prove(c, batch.batchNumber, publicInput, proof);
        _execute(c, chainId_, batch, true);
        _counters = c;
    }

    /// @inheritdoc IChainSettlement
    function settleAggregated(CommitBatchInfo calldata batch, bytes calldata daInput, address verifier_)
        external
        override
        returns (bytes32 publicInput)
    {
        if (!_aggregated || msg.sender != _aggregator || _exited(_aggregatorExitAt)) {
            revert NotAggregator(msg.sender);
        }
        address pinned = _verifier;
        if (verifier_ != pinned) revert VerifierMismatch(pinned, verifier_);
        uint256 chainId_ = _chainId;
        // Every committed batch is executed: joining requires it and a member commits nothing else.
        Counters memory c = _counters;
        publicInput = _commit(c, chainId_, batch, daInput, true);
        // Proven by the aggregate's attestation, which the aggregator checks in this transaction.
        c.lastProven = c.lastCommitted;
        // The aggregate appends one Transaction Root leaf for all its chain-batches.
        _execute(c, chainId_, batch, false);
        _counters = c;
    }

    /// @inheritdoc IChainSettlement
    function joinAggregator(address aggregator_) external override onlyAdmin {
        uint256 chainId_ = _chainId;
        if (_hasLeft) revert ChainHasLeft(chainId_);
        if (!FACTORY.isAggregator(aggregator_)) revert UnknownAggregator(aggregator_);
        if (_aggregated && !_exited(_aggregatorExitAt)) revert AlreadyInAggregator(_aggregator);
        Counters memory c = _counters;
        if (c.lastCommitted != c.lastExecuted) {
            revert UnexecutedBatchesPending(c.lastCommitted, c.lastExecuted);
        }
        _requireNotFrozen(c);
        _aggregated = true;
        _aggregator = aggregator_;
        _aggregatorExitAt = 0;
        emit AggregatorJoined(aggregator_);
    }

    /// @inheritdoc IChainSettlement
    function leaveAggregator() external override onlyAdmin {
        if (!_aggregated || _aggregatorExitAt != 0) revert NotInAggregator();
        uint64 exitAt = uint64(block.timestamp) + AGGREGATOR_EXIT_DELAY;
        _aggregatorExitAt = exitAt;
        emit AggregatorExitAnnounced(_aggregator, exitAt);
    }

    /// @inheritdoc IChainSettlement
    function revertBatches(uint64 newLastCommittedBatch) external override {
        if (msg.sender != _operator) revert NotOperator(msg.sender);
        Counters memory c = _counters;
        if (newLastCommittedBatch < c.lastExecuted || newLastCommittedBatch >= c.lastCommitted) {
            revert InvalidRevertTarget(newLastCommittedBatch, c.lastExecuted, c.lastCommitted);
        }
        // Fits: newLastCommittedBatch < lastCommitted.
        // forge-lint: disable-next-line(unsafe-typecast)
        c.lastCommitted = uint48(newLastCommittedBatch);
        if (c.lastProven > newLastCommittedBatch) c.lastProven = c.lastCommitted;
        c.committedPriorityRequests = _committedPriorityCount(c, newLastCommittedBatch);
        _counters = c;
        emit BatchesReverted(newLastCommittedBatch);
    }

    // ---------------------------------------------------------------- priority queue

    /// @inheritdoc IChainSettlement
    function requestL2Call(address recipient, bytes calldata payload, uint256 l2GasLimit, uint256 l2GasPrice_)
        external
        payable
        override
        returns (uint256 nonce)
    {
        if (recipient == address(0)) revert ZeroAddress("recipient");
        uint256 fee = _l2GasFee(l2GasLimit, l2GasPrice_, msg.value);
        nonce = _enqueueChecked(msg.sender, recipient, msg.value - fee, payload, l2GasLimit, msg.sender);
        if (msg.value != 0) SHARED_BRIDGE.creditETH{value: msg.value}(_chainId, fee);
    }

    /// @inheritdoc IChainSettlement
    function requestTransactionRootImport(bytes32 root, uint256 l2GasPrice_)
        external
        payable
        override
        returns (uint256 nonce)
    {
        if (!TRANSACTION_ROOT.isTransactionRoot(root)) revert UnknownTransactionRoot(root);
        // Once processed on L2 the import is in the chain's next batch, which L1 would then refuse
        // for good: anyone could stall a chain that left.
        if (_hasLeft) _requireRootBeforeLeaving(root);
        uint256 fee = _l2GasFee(MIN_L2_GAS_LIMIT, l2GasPrice_, msg.value);
        if (msg.value != fee) revert ExcessValueForL2Gas(fee, msg.value);
        nonce = _enqueue(msg.sender, Predeploys.INBOX, 0, abi.encode(root), MIN_L2_GAS_LIMIT, msg.sender);
        if (fee != 0) SHARED_BRIDGE.creditETH{value: fee}(_chainId, fee);
    }

    /// @inheritdoc IChainSettlement
    function enqueuePriorityRequest(
        address sender,
        address recipient,
        uint256 payment,
        bytes calldata payload,
        uint256 l2GasLimit,
        uint256 l2GasPrice_,
        address refundRecipient
    ) external override onlySharedBridge returns (uint256 nonce, uint256 fee) {
        fee = _l2GasFee(l2GasLimit, l2GasPrice_, payment);
        nonce = _enqueueChecked(sender, recipient, payment - fee, payload, l2GasLimit, refundRecipient);
    }

    /// @inheritdoc IChainSettlement
    function markPriorityRequestReclaimed(Message calldata message)
        external
        override
        onlySharedBridge
        returns (address refundRecipient)
    {
        Counters memory c = _counters;
        (bool frozen,) = _isFrozen(c);
        if (!frozen) revert ChainNotFrozen();
        uint256 nonce = message.nonce;
        if (nonce < c.executedPriorityRequests) revert PriorityRequestAlreadyExecuted(nonce);
        refundRecipient = _markRefunded(message);
        _frozen = true;
        emit PriorityRequestReclaimed(nonce, refundRecipient);
    }

    /// @inheritdoc IChainSettlement
    function markFailedPriorityRequestClaimed(Message calldata message)
        external
        override
        onlySharedBridge
        returns (address refundRecipient)
    {
        if (message.nonce >= _counters.executedPriorityRequests) {
            revert PriorityRequestNotExecuted(message.nonce);
        }
        refundRecipient = _markRefunded(message);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IChainSettlement
    function upgradeChain() external override onlyAdmin {
        if (_hasLeft) revert ChainHasLeft(_chainId);
        _requireNotFrozen(_counters);
        uint64 current = FACTORY.protocolVersion();
        if (_protocolVersion == current) revert AlreadyUpToDate(current);
        address newVerifier = FACTORY.verifier();
        address implementation = FACTORY.settlementImplementation();
        // forge-lint: disable-next-line(unsafe-typecast)
        _protocolVersion = uint32(current);
        _verifier = newVerifier;
        // The version's DA validator for the chain's mode (a new validium committee, say).
        _daValidator = FACTORY.daValidator(_daMode);
        if (implementation != ERC1967Utils.getImplementation()) {
            ERC1967Utils.upgradeToAndCall(implementation, "");
        }
        emit ChainUpgraded(current, newVerifier, implementation);
    }

    /// @inheritdoc IChainSettlement
    function rageQuit() external override onlyAdmin {
        uint256 chainId_ = _chainId;
        if (_hasLeft) revert ChainHasLeft(chainId_);
        (uint64 current, uint64 deadline) = FACTORY.versionStatus();
        uint64 version = _protocolVersion;
        // forge-lint: disable-next-line(block-timestamp)
        if (version + 1 != current || block.timestamp > deadline) {
            revert RageQuitNotAllowed(version, current, deadline);
        }
        _hasLeft = true;
        // Outside the ecosystem the chain's batches are in no aggregate: it settles directly.
        if (_aggregated) _clearMembership();
        // Leaf counts fit in 64 bits (one leaf per executed batch).
        // forge-lint: disable-next-line(unsafe-typecast)
        _leftAtLeafCount = uint64(TRANSACTION_ROOT.leafCount());
        Counters memory c = _counters;
        c.lastCommitted = c.lastExecuted;
        c.lastProven = c.lastExecuted;
        c.committedPriorityRequests = c.executedPriorityRequests;
        _counters = c;
        SHARED_BRIDGE.deactivateChain(chainId_);
        emit ChainLeft(chainId_);
    }

    /// @inheritdoc IChainSettlement
    function setL2GasPrice(uint256 price) external override onlyAdmin {
        if (price > MAX_L2_GAS_PRICE) revert L2GasPriceAboveMax(price, MAX_L2_GAS_PRICE);
        // Fits: MAX_L2_GAS_PRICE < 2^64.
        // forge-lint: disable-next-line(unsafe-typecast)
        _l2GasPrice = uint64(price);
        emit L2GasPriceChanged(price);
    }

    /// @inheritdoc IChainSettlement
    function setOperator(address operator_) external override onlyAdmin {
        if (operator_ == address(0)) revert ZeroAddress("operator");
        _operator = operator_;
        emit OperatorChanged(operator_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IChainSettlement
    function chainId() external view override returns (uint256) {
        return _chainId;
    }

    /// @inheritdoc IChainSettlement
    function admin() external view override returns (address) {
        return _admin;
    }

    /// @inheritdoc IChainSettlement
    function operator() external view override returns (address) {
        return _operator;
    }

    /// @inheritdoc IChainSettlement
    function verifier() external view override returns (address) {
        return _verifier;
    }

    /// @inheritdoc IChainSettlement
    function protocolVersion() external view override returns (uint64) {
        return _protocolVersion;
    }

    /// @inheritdoc IChainSettlement
    function daValidator() external view override returns (address) {
        return _daValidator;
    }

    /// @inheritdoc IChainSettlement
    function l2GasPrice() external view override returns (uint256) {
        return _l2GasPrice;
    }

    /// @inheritdoc IChainSettlement
    function hasLeft() external view override returns (bool) {
        return _hasLeft;
    }

    /// @inheritdoc IChainSettlement
    function aggregator() external view override returns (address aggregator_, uint64 exitAt) {
        if (_aggregated) return (_aggregator, _aggregatorExitAt);
    }

    /// @inheritdoc IChainSettlement
    function leftAtLeafCount() external view override returns (uint64) {
        return _leftAtLeafCount;
    }

    /// @inheritdoc IChainSettlement
    function lastCommittedBatch() external view override returns (uint64) {
        return _counters.lastCommitted;
    }

    /// @inheritdoc IChainSettlement
    function lastProvenBatch() external view override returns (uint64) {
        return _counters.lastProven;
    }

    /// @inheritdoc IChainSettlement
    function lastExecutedBatch() external view override returns (uint64) {
        return _counters.lastExecuted;
    }

    /// @inheritdoc IChainSettlement
    function stateRoot(uint64 batchNumber) external view override returns (bytes32) {
        if (batchNumber > _counters.lastCommitted) revert BatchNotCommitted(batchNumber);
        return _stateRoots[batchNumber];
    }

    /// @inheritdoc IChainSettlement
    function lastBlockHash(uint64 batchNumber) external view override returns (bytes32) {
        if (batchNumber > _counters.lastCommitted) revert BatchNotCommitted(batchNumber);
        return _lastBlockHashes[batchNumber];
    }

    /// @inheritdoc IChainSettlement
    function batchPublicInput(uint64 batchNumber) external view override returns (bytes32) {
        Counters memory c = _counters;
        if (batchNumber > c.lastCommitted || batchNumber <= c.lastExecuted) {
            revert BatchNotCommitted(batchNumber);
        }
        return _batchWords[batchNumber];
    }

    /// @inheritdoc IChainSettlement
    function messagesRoot(uint64 batchNumber) external view override returns (bytes32) {
        if (batchNumber > _counters.lastExecuted) revert BatchNotExecuted(batchNumber);
        return _batchWords[batchNumber];
    }

    /// @inheritdoc IChainSettlement
    function priorityRequestCount() external view override returns (uint256) {
        return _priorityQueueLength;
    }

    /// @inheritdoc IChainSettlement
    function priorityRequestsExecuted() external view override returns (uint256) {
        return _counters.executedPriorityRequests;
    }

    /// @inheritdoc IChainSettlement
    function priorityRequestsCommitted() external view override returns (uint256) {
        return _counters.committedPriorityRequests;
    }

    /// @inheritdoc IChainSettlement
    function priorityRollingHash(uint256 count) external view override returns (bytes32) {
        return _rollingHashes[count];
    }

    /// @inheritdoc IChainSettlement
    function priorityRequest(uint256 nonce)
        external
        view
        override
        returns (
            uint64 expiresAt,
            address refundRecipient,
            bool reclaimed,
            uint64 freezesAt,
            uint256 l2GasLimit
        )
    {
        PriorityRequest storage request = _requests[nonce];
        return (
            request.expiresAt,
            request.refundRecipient,
            request.reclaimed,
            request.freezesAt,
            request.l2GasLimit
        );
    }

    /// @inheritdoc IChainSettlement
    function isFrozen() public view override returns (bool frozen, uint256 nonce) {
        return _isFrozen(_counters);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The L2 gas fee `l2GasLimit * l2GasPrice_` of a request paid with `payment`, after
    /// checking the limit, that the requester's price is at least the chain's (so a price raised
    /// just before a request makes it revert rather than cost more than its requester accepted)
    /// and at most `MAX_L2_GAS_PRICE` (so the product stays below 2^84), and that `payment`
    /// covers it.
    function _l2GasFee(uint256 l2GasLimit, uint256 l2GasPrice_, uint256 payment)
        private
        view
        returns (uint256 fee)
    {
        if (l2GasLimit < MIN_L2_GAS_LIMIT || l2GasLimit > MAX_L2_GAS_LIMIT) {
            revert L2GasLimitOutOfRange(l2GasLimit, MIN_L2_GAS_LIMIT, MAX_L2_GAS_LIMIT);
        }
        if (l2GasPrice_ > MAX_L2_GAS_PRICE) revert L2GasPriceAboveMax(l2GasPrice_, MAX_L2_GAS_PRICE);
        uint256 current = _l2GasPrice;
        if (l2GasPrice_ < current) revert L2GasPriceTooLow(l2GasPrice_, current);
        fee = l2GasLimit * l2GasPrice_;
        if (payment < fee) revert InsufficientValueForL2Gas(fee, payment);
    }

    /// @dev `_enqueue` for requests whose recipient and payload the requester chose (the gas limit
    /// was checked by `_l2GasFee`).
    function _enqueueChecked(
        address sender,
        address recipient,
        uint256 value,
        bytes calldata payload,
        uint256 l2GasLimit,
        address refundRecipient
    ) private returns (uint256 nonce) {
        if (recipient == Predeploys.INBOX) revert ReservedRecipient(recipient);
        if (payload.length > MAX_PAYLOAD_LENGTH) revert PayloadTooLarge(payload.length, MAX_PAYLOAD_LENGTH);
        nonce = _enqueue(sender, recipient, value, payload, l2GasLimit, refundRecipient);
    }

    function _enqueue(
        address sender,
        address recipient,
        uint256 value,
        bytes memory payload,
        uint256 l2GasLimit,
        address refundRecipient
    ) private returns (uint256 nonce) {
        uint256 chainId_ = _chainId;
        _requireNotFrozen(_counters);
        nonce = _priorityQueueLength;
        Message memory message = Message({
            sourceChainId: block.chainid,
            destinationChainId: chainId_,
            nonce: nonce,
            sender: sender,
            recipient: recipient,
            value: value,
            fee: 0,
            payload: payload
        });
        _rollingHashes[nonce + 1] =
            MessageHashing.rollPriorityHash(_rollingHashes[nonce], message.hash(), l2GasLimit);
        uint64 expiresAt = uint64(block.timestamp) + PRIORITY_EXPIRY;
        // Callers keep l2GasLimit <= MAX_L2_GAS_LIMIT < 2^24.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint24 gasLimit = uint24(l2GasLimit);
        _requests[nonce] = PriorityRequest(
            SafeCast.toUint32(expiresAt),
            SafeCast.toUint32(expiresAt + PRIORITY_GRACE_PERIOD),
            refundRecipient,
            false,
            gasLimit
        );
        // A queue never reaches 2^64 requests (each costs a transaction).
        // forge-lint: disable-next-line(unsafe-typecast)
        _priorityQueueLength = uint64(nonce + 1);
        emit PriorityRequestQueued(nonce, message, l2GasLimit, expiresAt);
    }

    /// @dev Checks that `message` is request `message.nonce` of this chain (its rolling hash step)
    /// and not refunded yet, marks it refunded, returns its refund recipient.
    function _markRefunded(Message calldata message) private returns (address refundRecipient) {
        uint256 nonce = message.nonce;
        if (
            nonce >= _priorityQueueLength || message.sourceChainId != block.chainid
                || message.destinationChainId != _chainId
        ) revert PriorityRequestMismatch(nonce);
        PriorityRequest storage request = _requests[nonce];
        Message memory m = message;
        bytes32 next = MessageHashing.rollPriorityHash(_rollingHashes[nonce], m.hash(), request.l2GasLimit);
        if (next != _rollingHashes[nonce + 1]) revert PriorityRequestMismatch(nonce);
        if (request.reclaimed) revert PriorityRequestAlreadyReclaimed(nonce);
        request.reclaimed = true;
        refundRecipient = request.refundRecipient;
    }

    /// @dev Frozen for good once a request no EXECUTED batch processes is past its freeze deadline
    /// (committed batches do not count: a commit needs no proof), or once anything was reclaimed.
    /// Monotone: the executed count and the queue cannot move on a frozen chain (execute, commit,
    /// enqueue and upgrade revert), and the deadlines are stored per request.
    function _isFrozen(Counters memory c) private view returns (bool frozen, uint256 nonce) {
        nonce = c.executedPriorityRequests;
        if (_frozen) return (true, nonce);
        // Deadlines are days long: validator timestamp drift does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        frozen = nonce < _priorityQueueLength && block.timestamp > _requests[nonce].freezesAt;
    }

    function _requireNotFrozen(Counters memory c) private view {
        (bool frozen, uint256 oldest) = _isFrozen(c);
        if (frozen) revert ChainFrozen(oldest);
    }

    /// @dev After the deadline, a chain on an older version may not commit; during the window the
    /// previous version is still accepted.
    function _checkProtocolVersion() private view {
        uint64 version = _protocolVersion;
        (uint64 current, uint64 deadline) = FACTORY.versionStatus();
        // forge-lint: disable-next-line(block-timestamp)
        if (version != current && (version + 1 != current || block.timestamp > deadline)) {
            revert ProtocolVersionOutdated(version, current);
        }
    }

    /// @dev Commit checks and the writes every path needs (state root, counters in memory); emits
    /// `BatchCommitted`. The caller checked the operator (or, `viaAggregator`, the aggregator) and
    /// stores `c`.
    function _commit(
        Counters memory c,
        uint256 chainId_,
        CommitBatchInfo calldata batch,
        bytes calldata daInput,
        bool viaAggregator
    ) private returns (bytes32 publicInput) {
        {
            // Read together (one slot): a member of an aggregator commits directly only once it left.
            bool left = _hasLeft;
            if (_aggregated != viaAggregator) _endExitedMembership();
            // A chain that left stays on its version (and pinned verifier) for good.
            if (!left) _checkProtocolVersion();
        }
        uint64 batchNumber = c.lastCommitted + 1;
        if (batch.batchNumber != batchNumber) revert NonConsecutiveBatch(batchNumber, batch.batchNumber);

        _requireNotFrozen(c);
        uint64 count = batch.priorityRequestsProcessed;
        {
            uint64 queueLength = _priorityQueueLength;
            uint64 previousCount = c.committedPriorityRequests;
            if (count < previousCount) revert PriorityRequestsProcessedDecreased(previousCount, count);
            if (count > queueLength) revert PriorityRequestsProcessedTooHigh(count, queueLength);
            bytes32 expectedHash = _rollingHashes[count];
            if (batch.priorityRequestsHash != expectedHash) {
                revert PriorityRequestsHashMismatch(expectedHash, batch.priorityRequestsHash);
            }
            // forge-lint: disable-next-line(block-timestamp)
            if (count < queueLength && block.timestamp > _requests[count].expiresAt) {
                revert PriorityRequestExpired(count);
            }
        }

        IDAValidator(_daValidator).validateDA(chainId_, batchNumber, batch.daCommitment, daInput);

        uint64 previous = c.lastCommitted;
        publicInput =
            BatchHashing.publicInput(chainId_, _stateRoots[previous], _lastBlockHashes[previous], batch);
        _stateRoots[batchNumber] = batch.newStateRoot;
        _lastBlockHashes[batchNumber] = batch.lastBlockHash;
        // Both fit in 48 bits: batchNumber is the stored counter + 1, count <= the queue length.
        // forge-lint: disable-next-line(unsafe-typecast)
        c.lastCommitted = uint48(batchNumber);
        // forge-lint: disable-next-line(unsafe-typecast)
        c.committedPriorityRequests = uint48(count);
        emit BatchCommitted(batchNumber, publicInput);
    }

    /// @dev Checks `proof` for committed batch `batchNumber` (whose public input is given) with the
    /// pinned verifier; emits `BatchProven`. The caller checked it is committed and stores `c`.
    function _prove(Counters memory c, uint64 batchNumber, bytes32 publicInput, bytes calldata proof)
        private
    {
        if (batchNumber != c.lastProven + 1) {
            revert NonConsecutiveBatch(c.lastProven + 1, batchNumber);
        }
        IBatchVerifier(_verifier).verify(publicInput, proof);
        // forge-lint: disable-next-line(unsafe-typecast)
        c.lastProven = uint48(batchNumber);
        emit BatchProven(batchNumber);
    }

    /// @dev Executes `batch`, already checked to be the next proven batch matching its commitment:
    /// imported roots, Transaction Root append (unless `appendLeaf` is false: an aggregate appends
    /// one leaf for all its batches), messages root, bridge transfers; emits `BatchExecuted`. The
    /// caller stores `c`.
    function _execute(Counters memory c, uint256 chainId_, CommitBatchInfo calldata batch, bool appendLeaf)
        private
    {
        uint64 batchNumber = batch.batchNumber;
        uint256 imported = batch.importedRoots.length;
        bool left = _hasLeft;
        for (uint256 i; i < imported; ++i) {
            bytes32 root = batch.importedRoots[i];
            if (!TRANSACTION_ROOT.isTransactionRoot(root)) revert UnknownTransactionRoot(root);
            if (left) _requireRootBeforeLeaving(root);
        }
        // A chain outside the ecosystem settles only for its own users' L1 withdrawals: its batches
        // are not appended, so no hyperchain can relay its messages.
        if (appendLeaf && !left) {
            TRANSACTION_ROOT.appendBatch(chainId_, batchNumber, batch.messagesRoot, batch.newStateRoot);
        }
        _batchWords[batchNumber] = batch.messagesRoot;
        // forge-lint: disable-next-line(unsafe-typecast)
        c.lastExecuted = uint48(batchNumber);
        // The batch matches its commitment, so this is the committed count (<= queue length).
        // forge-lint: disable-next-line(unsafe-typecast)
        c.executedPriorityRequests = uint48(batch.priorityRequestsProcessed);
        if (batch.transfers.length != 0) SHARED_BRIDGE.moveBalances(chainId_, batch.transfers);
        emit BatchExecuted(batchNumber, batch.newStateRoot, batch.messagesRoot);
    }

    /// @dev Direct settlement by a member: allowed once its announced exit took effect, which ends
    /// the membership for good.
    function _endExitedMembership() private {
        uint64 exitAt = _aggregatorExitAt;
        if (!_exited(exitAt)) revert SettledByAggregator(_aggregator, exitAt);
        _clearMembership();
    }

    function _clearMembership() private {
        _aggregated = false;
        _aggregator = address(0);
        _aggregatorExitAt = 0;
    }

    function _exited(uint64 exitAt) private view returns (bool) {
        // An hour-long delay: validator timestamp drift does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        return exitAt != 0 && block.timestamp >= exitAt;
    }

    /// @dev For a chain that left: transfers to it are no longer credited, so a root appended after
    /// it left could carry messages to it without L1 backing.
    function _requireRootBeforeLeaving(bytes32 root) private view {
        uint64 leafCount = TRANSACTION_ROOT.rootInfo(root).leafCount;
        if (leafCount > _leftAtLeafCount) revert RootAfterLeaving(root, leafCount, _leftAtLeafCount);
    }

    /// @dev Cumulative priority count of committed batch `batchNumber >= c.lastExecuted`. The last
    /// executed batch's count is in the counters (`settleBatch` writes no lane for its batch); any
    /// later committed batch went through `commitBatch`, which wrote its lane.
    function _committedPriorityCount(Counters memory c, uint64 batchNumber) private view returns (uint48) {
        if (batchNumber == c.lastExecuted) return c.executedPriorityRequests;
        // Lanes hold counts written from 48-bit values.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint48(_priorityCount(batchNumber));
    }

    function _priorityCount(uint64 batchNumber) private view returns (uint64) {
        return uint64(_priorityCounts[batchNumber >> 2] >> ((batchNumber & 3) * 64));
    }

    /// @dev Always written on commit, so a lane left by a reverted batch is overwritten.
    function _setPriorityCount(uint64 batchNumber, uint64 count) private {
        uint256 shift = (batchNumber & 3) * 64;
        uint256 slot = batchNumber >> 2;
        _priorityCounts[slot] =
            (_priorityCounts[slot] & ~(uint256(type(uint64).max) << shift)) | (uint256(count) << shift);
    }
}
