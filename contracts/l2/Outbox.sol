// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {Message} from "../common/types/Message.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";
import {IOutbox} from "./interfaces/IOutbox.sol";
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

        Message memory message = Message({
            sourceChainId: block.chainid,
            destinationChainId: destinationChainId,
            nonce: _nonce++,
            sender: msg.sender,
            recipient: to,
            value: msg.value - fee,
            fee: fee,
            payload: payload
        });
        sendId = message.hash();
        if (msg.value != 0) IETHLiquidity(Predeploys.ETH_LIQUIDITY).burn{value: msg.value}();

        emit MessageSent(
            sendId,
            InteroperableAddress.formatEvmV1(block.chainid, msg.sender),
            recipient,
            payload,
            message.value,
            attributes
        );
        emit MessageQueued(sendId, message);
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
