// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle} from "../common/libraries/Merkle.sol";
import {Predeploys} from "../common/libraries/Predeploys.sol";
import {BatchHashing} from "../common/types/Batch.sol";
import {Message, MessageHashing} from "../common/types/Message.sol";
import {RelayProof} from "../common/types/RelayProof.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";
import {IInbox} from "./interfaces/IInbox.sol";
import {IOutbox} from "./interfaces/IOutbox.sol";
import {EvmInteropAddress} from "./libraries/EvmInteropAddress.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";

/// @title Inbox
/// @notice See `IInbox`. Lives at `Predeploys.INBOX` from genesis; `l1ChainId` is an immutable baked
/// into the runtime code by the genesis generator.
contract Inbox is IInbox {
    /// @notice Gas kept for the opcodes between the gas check and the delivery call (a warm CALL
    /// with no value costs 100; the rest is stack work).
    uint256 public constant DELIVERY_CALL_MARGIN = 1000;

    uint256 private immutable L1_CHAIN_ID;

    mapping(bytes32 root => bool) private _imported;
    mapping(bytes32 messageHash => bool) private _delivered;
    uint64 private _priorityRequestsProcessed;
    bytes32 private _priorityRequestsHash;

    constructor(uint256 l1ChainId_) {
        L1_CHAIN_ID = l1ChainId_;
    }

    modifier onlySystemCaller() {
        if (msg.sender != Predeploys.SYSTEM_CALLER) revert NotSystemCaller(msg.sender);
        _;
    }

    /// @inheritdoc IInbox
    function importTransactionRoot(bytes32 root) external onlySystemCaller {
        _importRoot(root);
    }

    /// @inheritdoc IInbox
    function executePriorityRequest(Message calldata message, uint256 l2GasLimit) external onlySystemCaller {
        uint64 count = _priorityRequestsProcessed;
        if (message.nonce != count) revert UnexpectedPriorityNonce(count, message.nonce);
        if (message.sourceChainId != L1_CHAIN_ID) revert InvalidSourceChain(message.sourceChainId);
        if (message.destinationChainId != block.chainid) revert WrongDestination(message.destinationChainId);
        bytes32 messageHash = keccak256(abi.encode(message));
        _priorityRequestsProcessed = count + 1;
        _priorityRequestsHash =
            MessageHashing.rollPriorityHash(_priorityRequestsHash, messageHash, l2GasLimit);

        bool success = true;
        if (message.recipient == address(this)) {
            _importRoot(abi.decode(message.payload, (bytes32)));
        } else {
            success = _deliverWithGas(messageHash, message, l2GasLimit);
            if (!success) {
                IOutbox(Predeploys.OUTBOX)
                    .sendMessage(
                        EvmInteropAddress.format(L1_CHAIN_ID, address(this)),
                        abi.encode(messageHash),
                        new bytes[](0)
                    );
            }
        }
        if (success) _delivered[messageHash] = true;
        emit PriorityRequestExecuted(message.nonce, messageHash, l2GasLimit, success);
    }

    /// @inheritdoc IInbox
    function deliverPriorityRequest(bytes32 messageHash, Message calldata message) external {
        if (msg.sender != address(this)) revert NotSelf(msg.sender);
        _deliver(messageHash, message);
        if (message.fee != 0) {
            IETHLiquidity(Predeploys.ETH_LIQUIDITY).mint(Predeploys.SYSTEM_CALLER, message.fee);
        }
    }

    /// @inheritdoc IInbox
    function relay(Message calldata message, RelayProof calldata proof) external {
        bytes32 messageHash = keccak256(abi.encode(message));
        if (_delivered[messageHash]) revert AlreadyDelivered(messageHash);
        _relay(messageHash, message, proof);
    }

    /// @inheritdoc IInbox
    function relayBatch(Message[] calldata messages, RelayProof[] calldata proofs) external {
        if (messages.length != proofs.length) revert LengthMismatch(messages.length, proofs.length);
        for (uint256 i; i < messages.length; ++i) {
            bytes32 messageHash = keccak256(abi.encode(messages[i]));
            if (_delivered[messageHash]) continue;
            _relay(messageHash, messages[i], proofs[i]);
        }
    }

    /// @inheritdoc IInbox
    function isImported(bytes32 root) external view returns (bool) {
        return _imported[root];
    }

    /// @inheritdoc IInbox
    function delivered(bytes32 messageHash) external view returns (bool) {
        return _delivered[messageHash];
    }

    /// @inheritdoc IInbox
    function priorityRequestsProcessed() external view returns (uint64) {
        return _priorityRequestsProcessed;
    }

    /// @inheritdoc IInbox
    function priorityRequestsHash() external view returns (bytes32) {
        return _priorityRequestsHash;
    }

    /// @inheritdoc IInbox
    function l1ChainId() external view returns (uint256) {
        return L1_CHAIN_ID;
    }

    function _importRoot(bytes32 root) private {
        if (root == bytes32(0)) revert ZeroTransactionRoot();
        if (_imported[root]) return;
        _imported[root] = true;
        emit TransactionRootImported(root);
    }

    /// @dev Runs `deliverPriorityRequest` in an inner frame with exactly `l2GasLimit` gas, or
    /// reverts this whole transaction if that much is not available. Returns whether it succeeded.
    function _deliverWithGas(bytes32 messageHash, Message calldata message, uint256 l2GasLimit)
        private
        returns (bool success)
    {
        bytes memory data = abi.encodeCall(IInbox.deliverPriorityRequest, (messageHash, message));
        uint256 available = gasleft();
        // A call gets at most 63/64 of the gas left (EIP-150): demand enough that it gets all of it.
        if (available - available / 64 < l2GasLimit + DELIVERY_CALL_MARGIN) {
            revert InsufficientDeliveryGas(l2GasLimit, available);
        }
        // The inner frame's return data is ours (empty or a revert reason we ignore): not copied.
        assembly ("memory-safe") {
            success := call(l2GasLimit, address(), 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// @dev Checks a relayed message (not yet delivered) and its proof, delivers it, pays the fee.
    function _relay(bytes32 messageHash, Message calldata message, RelayProof calldata proof) private {
        if (message.destinationChainId != block.chainid) revert WrongDestination(message.destinationChainId);
        uint256 sourceChainId = message.sourceChainId;
        if (sourceChainId == block.chainid || sourceChainId == L1_CHAIN_ID) {
            revert InvalidSourceChain(sourceChainId);
        }
        bytes32 messagesRoot = Merkle.computeRoot(messageHash, proof.messageProof);
        bytes32 root = Merkle.computeRoot(
            BatchHashing.transactionRootLeaf(sourceChainId, proof.batchNumber, messagesRoot, proof.stateRoot),
            proof.batchProof
        );
        if (!_imported[root]) revert UnknownTransactionRoot(root);

        _delivered[messageHash] = true;
        _deliver(messageHash, message);
        uint256 fee = message.fee;
        if (fee != 0) IETHLiquidity(Predeploys.ETH_LIQUIDITY).mint(msg.sender, fee);
        emit MessageRelayed(messageHash, sourceChainId, message.nonce, msg.sender, fee);
    }

    /// @dev Releases the value and hands the message to its recipient (see the delivery rule in
    /// `IInbox`). Reverts if the recipient reverts or answers anything but the ERC-7786 selector.
    function _deliver(bytes32 messageHash, Message calldata message) private {
        IETHLiquidity liquidity = IETHLiquidity(Predeploys.ETH_LIQUIDITY);
        address recipient = message.recipient;
        uint256 value = message.value;
        if (message.payload.length == 0) {
            if (value != 0) liquidity.mint(recipient, value);
            return;
        }
        if (value != 0) liquidity.mint(Predeploys.OUTBOX, value);
        bytes4 response = IOutbox(Predeploys.OUTBOX)
            .deliverMessage(
                recipient,
                value,
                messageHash,
                EvmInteropAddress.format(message.sourceChainId, message.sender),
                message.payload
            );
        if (response != IERC7786Recipient.receiveMessage.selector) {
            revert InvalidRecipientResponse(recipient);
        }
    }
}
