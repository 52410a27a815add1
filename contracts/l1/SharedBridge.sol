// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle, MerkleProof} from "../common/libraries/Merkle.sol";
import {Predeploys} from "../common/libraries/Predeploys.sol";
import {TokenTransfer} from "../common/libraries/TokenTransfer.sol";
import {AssetTransfer} from "../common/types/Batch.sol";
import {Message, MessageHashing} from "../common/types/Message.sol";
import {IChainSettlement} from "./interfaces/IChainSettlement.sol";
import {ISharedBridge} from "./interfaces/ISharedBridge.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @title SharedBridge
/// @notice Custody of every hyperchain's L1 assets (see `ISharedBridge`). ETH is `token == address(0)`.
contract SharedBridge is ISharedBridge, Initializable, ReentrancyGuardTransient {
    using MessageHashing for Message;
    using SafeERC20 for IERC20;

    struct Chain {
        address settlement;
        bool left;
        /// set by `markChainFrozen` once the settlement reports the chain frozen (permanent)
        bool frozen;
    }

    address private immutable _deployer;
    address private _factory;
    mapping(uint256 chainId => Chain) private _chains;
    mapping(uint256 chainId => mapping(address token => uint256)) private _balances;
    mapping(bytes32 messageHash => bool) private _finalized;
    /// L2 gas fees paid by priority requests, owed to each chain's admin (ETH)
    mapping(uint256 chainId => uint256) private _priorityFees;

    /// Deployed directly, not behind a proxy, so the constructor leaves `initialize` open; only the
    /// deployer may call it, so nobody can initialize it first with their own factory.
    constructor() {
        _deployer = msg.sender;
    }

    modifier onlySettlement(uint256 chainId) {
        if (chainId == 0 || _chains[chainId].settlement != msg.sender) revert Unauthorized(msg.sender);
        _;
    }

    /// @inheritdoc ISharedBridge
    function initialize(address factory) external override initializer {
        if (msg.sender != _deployer) revert Unauthorized(msg.sender);
        if (factory == address(0)) revert ZeroAddress("factory");
        _factory = factory;
        emit FactorySet(factory);
    }

    /// @inheritdoc ISharedBridge
    function registerChain(uint256 chainId, address settlement) external override {
        if (msg.sender != _factory) revert Unauthorized(msg.sender);
        if (settlement == address(0)) revert ZeroAddress("settlement");
        if (_chains[chainId].settlement != address(0)) revert Unauthorized(msg.sender);
        _chains[chainId].settlement = settlement;
        emit ChainRegistered(chainId, settlement);
    }

    /// @inheritdoc ISharedBridge
    function deactivateChain(uint256 chainId) external override onlySettlement(chainId) {
        _chains[chainId].left = true;
        emit ChainDeactivated(chainId);
    }

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc ISharedBridge
    function depositETH(uint256 chainId, address to, uint256 l2GasLimit, uint256 l2GasPrice)
        external
        payable
        override
        nonReentrant
        returns (uint256 nonce)
    {
        if (msg.value == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress("to");
        IChainSettlement settlement = _activeSettlement(chainId);
        uint256 fee;
        (nonce, fee) = settlement.enqueuePriorityRequest(
            address(this), to, msg.value, "", l2GasLimit, l2GasPrice, msg.sender
        );
        uint256 amount = msg.value - fee;
        if (amount == 0) revert ZeroAmount();
        _balances[chainId][address(0)] += amount;
        if (fee != 0) _priorityFees[chainId] += fee;
        emit DepositInitiated(chainId, nonce, msg.sender, to, address(0), amount);
    }

    /// @inheritdoc ISharedBridge
    function depositERC20(
        uint256 chainId,
        address token,
        address to,
        uint256 amount,
        uint256 l2GasLimit,
        uint256 l2GasPrice
    ) external payable override nonReentrant returns (uint256 nonce) {
        if (token == address(0)) revert ZeroAddress("token");
        if (to == address(0)) revert ZeroAddress("to");
        IChainSettlement settlement = _activeSettlement(chainId);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
        _balances[chainId][token] += received;
        bytes memory payload = abi.encode(
            TokenTransfer({
                originChainId: block.chainid,
                originToken: token,
                to: to,
                amount: received,
                metadata: _metadata(token)
            })
        );
        uint256 fee;
        (nonce, fee) = settlement.enqueuePriorityRequest(
            address(this), Predeploys.ASSET_ROUTER, msg.value, payload, l2GasLimit, l2GasPrice, msg.sender
        );
        // The message carries no ETH: everything sent pays the L2 gas.
        if (msg.value != fee) revert IChainSettlement.ExcessValueForL2Gas(fee, msg.value);
        if (fee != 0) _priorityFees[chainId] += fee;
        emit DepositInitiated(chainId, nonce, msg.sender, to, token, received);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc ISharedBridge
    function finalizeWithdrawal(
        uint256 chainId,
        uint64 batchNumber,
        Message calldata message,
        MerkleProof calldata proof
    ) external override nonReentrant {
        if (message.sourceChainId != chainId) {
            revert WrongSourceChain(chainId, message.sourceChainId);
        }
        if (message.destinationChainId != block.chainid) revert WrongDestination(message.destinationChainId);
        address settlement = _chains[chainId].settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        Message memory copy = message;
        bytes32 messageHash = copy.hash();
        if (_finalized[messageHash]) revert WithdrawalAlreadyFinalized(messageHash);
        _checkInclusion(settlement, batchNumber, messageHash, proof);
        _finalized[messageHash] = true;
        emit WithdrawalFinalized(chainId, batchNumber, messageHash, msg.sender);

        _debit(chainId, address(0), message.value + message.fee);
        if (message.recipient == address(this)) {
            // Anyone can send an L2→L1 message; only the AssetRouter burned the tokens it releases.
            if (message.sender != Predeploys.ASSET_ROUTER) {
                revert TokenTransferNotFromAssetRouter(message.sender);
            }
            (uint256 originChainId, address token, address to, uint256 amount) = _decode(message.payload);
            if (originChainId != block.chainid) revert UnsupportedTokenOrigin(originChainId);
            _debit(chainId, token, amount);
            IERC20(token).safeTransfer(to, amount);
            if (message.value != 0) _sendETH(to, message.value);
        } else if (message.payload.length == 0) {
            _sendETH(message.recipient, message.value);
        } else {
            bytes4 response = IERC7786Recipient(message.recipient).receiveMessage{value: message.value}(
                messageHash, InteroperableAddress.formatEvmV1(chainId, message.sender), message.payload
            );
            if (response != IERC7786Recipient.receiveMessage.selector) {
                revert InvalidRecipientResponse(message.recipient, response);
            }
        }
        if (message.fee != 0) _sendETH(msg.sender, message.fee);
    }

    /// @inheritdoc ISharedBridge
    function reclaimExpiredDeposit(uint256 chainId, Message calldata message) external override nonReentrant {
        address settlement = _chains[chainId].settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        address refundRecipient = IChainSettlement(settlement).markPriorityRequestReclaimed(message);
        (address token, uint256 amount) = _refund(chainId, message, refundRecipient);
        emit DepositReclaimed(chainId, message.nonce, refundRecipient, token, amount);
    }

    /// @inheritdoc ISharedBridge
    function claimFailedDeposit(
        uint256 chainId,
        uint64 batchNumber,
        Message calldata failureRecord,
        MerkleProof calldata proof,
        Message calldata request
    ) external override nonReentrant {
        address settlement = _chains[chainId].settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        if (failureRecord.sourceChainId != chainId) {
            revert WrongSourceChain(chainId, failureRecord.sourceChainId);
        }
        if (failureRecord.destinationChainId != block.chainid) {
            revert WrongDestination(failureRecord.destinationChainId);
        }
        // Only the inbox sends messages as Predeploys.INBOX, and only failure records.
        if (failureRecord.sender != Predeploys.INBOX) revert NotFailureRecord(failureRecord.sender);
        Message memory queued = request;
        bytes32 requestHash = queued.hash();
        if (keccak256(failureRecord.payload) != keccak256(abi.encode(requestHash))) {
            revert FailureRecordMismatch(requestHash);
        }
        Message memory record = failureRecord;
        _checkInclusion(settlement, batchNumber, record.hash(), proof);
        address refundRecipient = IChainSettlement(settlement).markFailedPriorityRequestClaimed(request);
        (address token, uint256 amount) = _refund(chainId, request, refundRecipient);
        emit FailedDepositClaimed(chainId, request.nonce, refundRecipient, token, amount);
    }

    // ---------------------------------------------------------------- settlement hooks

    /// @inheritdoc ISharedBridge
    /// @dev Never reverts because of a destination: an L2 outbox cannot know which chain ids exist,
    /// so a destination that cannot be credited leaves the amount in the source chain's balance
    /// (`TransferNotCredited`). Every amount is still debited while the loop runs, so the batch's
    /// transfers together may not exceed what the source chain holds; the uncredited ones are
    /// given back to the source afterwards.
    function moveBalances(uint256 chainId, AssetTransfer[] calldata transfers)
        external
        override
        onlySettlement(chainId)
    {
        // A chain that left keeps settling for its own withdrawals; nothing it sends is credited.
        bool sourceLeft = _chains[chainId].left;
        uint256 length = transfers.length;
        bool[] memory notCredited;
        for (uint256 i; i < length; ++i) {
            AssetTransfer calldata transfer = transfers[i];
            uint256 destination = transfer.destinationChainId;
            address token = transfer.token;
            uint256 amount = transfer.amount;
            _debit(chainId, token, amount);
            Chain storage to = _chains[destination];
            if (sourceLeft || destination == chainId || to.settlement == address(0) || to.left || to.frozen) {
                if (notCredited.length == 0) notCredited = new bool[](length);
                notCredited[i] = true;
                emit TransferNotCredited(chainId, destination, token, amount);
            } else {
                _balances[destination][token] += amount;
                emit BalanceMoved(chainId, destination, token, amount);
            }
        }
        if (notCredited.length != 0) {
            for (uint256 i; i < length; ++i) {
                if (notCredited[i]) _balances[chainId][transfers[i].token] += transfers[i].amount;
            }
        }
    }

    /// @inheritdoc ISharedBridge
    function markChainFrozen(uint256 chainId) external override {
        Chain storage chain = _chains[chainId];
        address settlement = chain.settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        if (chain.frozen) return;
        (bool frozen,) = IChainSettlement(settlement).isFrozen();
        if (!frozen) revert ChainNotFrozenYet(chainId);
        chain.frozen = true;
        emit ChainFrozenMarked(chainId);
    }

    /// @inheritdoc ISharedBridge
    function creditETH(uint256 chainId, uint256 priorityFee)
        external
        payable
        override
        onlySettlement(chainId)
    {
        // The settlement took the fee out of msg.value: priorityFee <= msg.value.
        _balances[chainId][address(0)] += msg.value - priorityFee;
        if (priorityFee != 0) _priorityFees[chainId] += priorityFee;
    }

    /// @inheritdoc ISharedBridge
    function claimPriorityFees(uint256 chainId) external override nonReentrant returns (uint256 amount) {
        address settlement = _chains[chainId].settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        if (msg.sender != IChainSettlement(settlement).admin()) revert Unauthorized(msg.sender);
        amount = _priorityFees[chainId];
        if (amount == 0) revert ZeroAmount();
        _priorityFees[chainId] = 0;
        emit PriorityFeesClaimed(chainId, msg.sender, amount);
        _sendETH(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISharedBridge
    function chainBalance(uint256 chainId, address token) external view override returns (uint256) {
        return _balances[chainId][token];
    }

    /// @inheritdoc ISharedBridge
    function priorityFees(uint256 chainId) external view override returns (uint256) {
        return _priorityFees[chainId];
    }

    /// @inheritdoc ISharedBridge
    function l2TransactionBaseCost(uint256 chainId, uint256 l2GasLimit)
        external
        view
        override
        returns (uint256)
    {
        address settlement = _chains[chainId].settlement;
        if (settlement == address(0)) revert UnknownChain(chainId);
        return l2GasLimit * IChainSettlement(settlement).l2GasPrice();
    }

    /// @inheritdoc ISharedBridge
    function withdrawalFinalized(bytes32 messageHash) external view override returns (bool) {
        return _finalized[messageHash];
    }

    /// @inheritdoc ISharedBridge
    function settlementOf(uint256 chainId) external view override returns (address) {
        return _chains[chainId].settlement;
    }

    /// @inheritdoc ISharedBridge
    function isFrozenMarked(uint256 chainId) external view override returns (bool) {
        return _chains[chainId].frozen;
    }

    /// @inheritdoc ISharedBridge
    function isActive(uint256 chainId) external view override returns (bool) {
        Chain storage chain = _chains[chainId];
        return chain.settlement != address(0) && !chain.left;
    }

    /// @inheritdoc ISharedBridge
    function decodeTokenTransfer(bytes calldata payload)
        external
        pure
        override
        returns (uint256 originChainId, address originToken, address to, uint256 amount)
    {
        TokenTransfer memory transfer = abi.decode(payload, (TokenTransfer));
        return (transfer.originChainId, transfer.originToken, transfer.to, transfer.amount);
    }

    // ---------------------------------------------------------------- internals

    function _activeSettlement(uint256 chainId) private view returns (IChainSettlement) {
        Chain storage chain = _chains[chainId];
        if (chain.settlement == address(0) || chain.left) revert ChainNotActive(chainId);
        return IChainSettlement(chain.settlement);
    }

    /// @dev Reverts unless `messageHash` is in executed batch `batchNumber`'s messages tree.
    function _checkInclusion(
        address settlement,
        uint64 batchNumber,
        bytes32 messageHash,
        MerkleProof calldata proof
    ) private view {
        bytes32 messagesRoot = IChainSettlement(settlement).messagesRoot(batchNumber);
        bytes32 computed = Merkle.computeRoot(messageHash, proof);
        if (computed != messagesRoot) revert InvalidMessageProof(computed, messagesRoot);
    }

    /// @dev Pays priority request `message` of `chainId` back to `refundRecipient` from the
    /// chain's balance: the tokens of a token deposit, otherwise its ETH (`value + fee`). The
    /// message is the queued request (the caller checked it): from this bridge with a payload it is
    /// a token deposit; `depositETH` sends no payload, whatever L2 address it credits.
    function _refund(uint256 chainId, Message calldata message, address refundRecipient)
        private
        returns (address token, uint256 amount)
    {
        if (
            message.sender == address(this) && message.recipient == Predeploys.ASSET_ROUTER
                && message.payload.length != 0
        ) {
            (, token,, amount) = _decode(message.payload);
            _debit(chainId, token, amount);
            IERC20(token).safeTransfer(refundRecipient, amount);
        } else {
            amount = message.value + message.fee;
            _debit(chainId, address(0), amount);
            if (amount != 0) _sendETH(refundRecipient, amount);
        }
    }

    function _debit(uint256 chainId, address token, uint256 amount) private {
        uint256 balance = _balances[chainId][token];
        if (balance < amount) revert InsufficientChainBalance(chainId, token, balance, amount);
        unchecked {
            _balances[chainId][token] = balance - amount;
        }
    }

    function _decode(bytes calldata payload)
        private
        view
        returns (uint256 originChainId, address token, address to, uint256 amount)
    {
        try this.decodeTokenTransfer(payload) returns (uint256 o, address t, address r, uint256 a) {
            if (t == address(0) || r == address(0)) revert MalformedTokenTransfer();
            return (o, t, r, a);
        } catch {
            revert MalformedTokenTransfer();
        }
    }

    function _sendETH(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PayoutFailed(to);
    }

    /// @dev Name, symbol and decimals for the L2 bridged token; tokens without them get defaults.
    function _metadata(address token) private view returns (bytes memory) {
        string memory name;
        string memory symbol;
        uint8 decimals = 18;
        try IERC20Metadata(token).name() returns (string memory n) {
            name = n;
        } catch {}
        try IERC20Metadata(token).symbol() returns (string memory s) {
            symbol = s;
        } catch {}
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            decimals = d;
        } catch {}
        return abi.encode(name, symbol, decimals);
    }
}
