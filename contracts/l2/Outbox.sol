// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";
import {IOutbox} from "./interfaces/IOutbox.sol";
import {EvmInteropAddress} from "./libraries/EvmInteropAddress.sol";
import {
    IERC7786GatewaySource,
    IERC7786Recipient
} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @title Outbox
/// @notice See `IOutbox`. Lives at `Predeploys.OUTBOX` from genesis; `l1ChainId` is an immutable
/// baked into the runtime code by the genesis generator (no constructor runs on the hyperchain).
contract Outbox is IOutbox {
    /// @inheritdoc IOutbox
    bytes4 public constant RELAYER_FEE_ATTRIBUTE = bytes4(keccak256("relayerFee(uint256)"));

    uint256 private immutable L1_CHAIN_ID;

    uint256 private _nonce;

    constructor(uint256 l1ChainId_) {
        L1_CHAIN_ID = l1ChainId_;
    }

    /// @dev Only the liquidity contract sends ETH here (value of a message being delivered).
    receive() external payable {
        if (msg.sender != Predeploys.ETH_LIQUIDITY) revert UnexpectedETH(msg.sender);
    }

    /// @inheritdoc IERC7786GatewaySource
    function sendMessage(bytes calldata recipient, bytes calldata payload, bytes[] calldata attributes)
        external
        payable
        returns (bytes32 sendId)
    {
        (bool parsed, uint256 destinationChainId, address to) =
            InteroperableAddress.tryParseEvmV1Calldata(recipient);
        if (!parsed) revert MalformedRecipient(recipient);
        if (destinationChainId == block.chainid || destinationChainId == 0) {
            revert InvalidDestination(destinationChainId);
        }
        if (to == address(0)) revert ZeroRecipient();
        uint256 fee = attributes.length == 0 ? 0 : _relayerFee(attributes);
        if (fee > msg.value) revert InsufficientFee(fee, msg.value);

        uint256 value = msg.value - fee;
        sendId = _queue(destinationChainId, to, value, fee, payload);
        if (msg.value != 0) IETHLiquidity(Predeploys.ETH_LIQUIDITY).burn{value: msg.value}();
        emit MessageSent(
            sendId, EvmInteropAddress.format(block.chainid, msg.sender), recipient, payload, value, attributes
        );
    }

    /// @inheritdoc IERC7786GatewaySource
    function supportsAttribute(bytes4 selector) external pure returns (bool) {
        return selector == RELAYER_FEE_ATTRIBUTE;
    }

    /// @inheritdoc IOutbox
    function deliverMessage(
        address recipient,
        uint256 value,
        bytes32 receiveId,
        bytes calldata sender,
        bytes calldata payload
    ) external returns (bytes4 response) {
        if (msg.sender != Predeploys.INBOX) revert NotInbox(msg.sender);
        (bool ok, bytes memory returned) = recipient.call{value: value}(
            abi.encodeCall(IERC7786Recipient.receiveMessage, (receiveId, sender, payload))
        );
        assembly ("memory-safe") {
            if iszero(ok) { revert(add(returned, 0x20), mload(returned)) }
            if gt(mload(returned), 0x1f) {
                response := and(mload(add(returned, 0x20)), shl(224, 0xffffffff))
            }
        }
    }

    /// @inheritdoc IOutbox
    function nonce() external view returns (uint256) {
        return _nonce;
    }

    /// @inheritdoc IOutbox
    function l1ChainId() external view returns (uint256) {
        return L1_CHAIN_ID;
    }

    /// @dev Appends the message: writes abi.encode(message) once, straight from calldata, then
    /// hashes it (the leaf, `Message.hash`) and logs it: the data of `MessageQueued(bytes32 indexed,
    /// Message)` is byte for byte that encoding. A fuzz test checks both against the Solidity
    /// encoder.
    function _queue(
        uint256 destinationChainId,
        address to,
        uint256 value,
        uint256 fee,
        bytes calldata payload
    ) private returns (bytes32 messageHash) {
        uint256 messageNonce = _nonce;
        unchecked {
            _nonce = messageNonce + 1; // a 256-bit counter of transactions cannot overflow
        }
        bytes32 topic = MessageQueued.selector;
        // Scratch memory past the free memory pointer, not kept after this block.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let length := payload.length
            let padded := and(add(length, 31), not(31))
            mstore(add(ptr, add(0x120, padded)), 0) // zero padding of the payload's last word
            mstore(ptr, 0x20) // offset of the (dynamic) struct
            mstore(add(ptr, 0x20), chainid())
            mstore(add(ptr, 0x40), destinationChainId)
            mstore(add(ptr, 0x60), messageNonce)
            mstore(add(ptr, 0x80), caller())
            mstore(add(ptr, 0xa0), to)
            mstore(add(ptr, 0xc0), value)
            mstore(add(ptr, 0xe0), fee)
            mstore(add(ptr, 0x100), 0x100) // offset of payload within the struct
            mstore(add(ptr, 0x120), length)
            calldatacopy(add(ptr, 0x140), payload.offset, length)
            let size := add(0x140, padded)
            messageHash := keccak256(ptr, size)
            log2(ptr, size, topic, messageHash)
        }
    }

    /// @dev The only supported attribute is `relayerFee(uint256)`, at most once.
    function _relayerFee(bytes[] calldata attributes) private pure returns (uint256 fee) {
        bool seen;
        for (uint256 i; i < attributes.length; ++i) {
            bytes calldata attribute = attributes[i];
            // Left-aligned, zero-padded when shorter: the attribute's selector, as ERC-7786 defines it.
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(attribute);
            if (selector != RELAYER_FEE_ATTRIBUTE) revert UnsupportedAttribute(selector);
            if (attribute.length != 36) revert MalformedAttribute(attribute);
            if (seen) revert DuplicateAttribute(selector);
            seen = true;
            fee = uint256(bytes32(attribute[4:36]));
        }
    }
}
