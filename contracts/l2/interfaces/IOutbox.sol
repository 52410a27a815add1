// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "../../common/types/Message.sol";
import {IERC7786GatewaySource} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";

/// @title IOutbox
/// @notice The hyperchain's ERC-7786 gateway (at `Predeploys.OUTBOX`). Sending: `sendMessage` queues
/// a `Message` in the batch's outbound messages tree (hyperbridge step 1, README). Receiving: the inbox proves a
/// message and hands it to `deliverMessage`, so a recipient sees this same address as the gateway
/// in both directions, which is what unchanged ERC-7786 apps (OpenZeppelin `CrosschainLinked`:
/// one gateway per remote chain) require.
///
/// Deviation from ERC-7786: the standard has the gateway call `receiveMessage` for every message.
/// Here a message with an empty `payload` is a plain ETH transfer: the recipient gets `value` by a
/// call with empty calldata, never `receiveMessage` (so deposits and transfers reach EOAs and
/// wallets), and no gateway is involved in its delivery. An app that must see every
/// incoming message, value-only ones included, sends a non-empty payload. The receiving gateway an
/// app must trust (`msg.sender` of `receiveMessage`) is this contract, `Predeploys.OUTBOX`, never
/// `Predeploys.INBOX`.
interface IOutbox is IERC7786GatewaySource {
    /// @notice A message was appended to this chain's outbound messages. The batch's `messagesRoot`
    /// is the Merkle root of the `messageHash`es of its `MessageQueued` events in nonce order.
    event MessageQueued(bytes32 indexed messageHash, Message message);

    /// @notice The recipient is not a valid ERC-7930 EVM (eip155) interoperable address.
    error MalformedRecipient(bytes recipient);
    /// @notice The recipient's chain is this chain or chain id 0.
    error InvalidDestination(uint256 chainId);
    /// @notice The recipient's address part is empty or the zero address.
    error ZeroRecipient();
    /// @notice `relayerFee(uint256)` attribute is not exactly 4 + 32 bytes.
    error MalformedAttribute(bytes attribute);
    /// @notice The same attribute was given twice.
    error DuplicateAttribute(bytes4 selector);
    /// @notice The declared relayer fee is more than the ETH sent with the call.
    error InsufficientFee(uint256 fee, uint256 provided);
    /// @notice Only the inbox may ask the gateway to deliver a message.
    error NotInbox(address caller);
    /// @notice ETH can enter the outbox only from `sendMessage` or from the liquidity contract.
    error UnexpectedETH(address from);

    /// @notice Selector of the gateway-specific attribute `relayerFee(uint256 fee)`: the part of
    /// `msg.value` paid to whoever delivers the message on the destination chain. The rest of
    /// `msg.value` is the message's value, delivered to the recipient. No attribute: fee 0.
    function RELAYER_FEE_ATTRIBUTE() external view returns (bytes4);

    /// @notice Nonce the next message will get (= number of messages sent so far).
    function nonce() external view returns (uint256);

    /// @notice Chain id of the L1 this hyperchain settles on (messages to it are withdrawals).
    function l1ChainId() external view returns (uint256);

    /// @notice Calls `recipient.receiveMessage{value: value}(receiveId, sender, payload)` on behalf
    /// of the inbox, which has already proved the message and marked it delivered. Bubbles a
    /// revert of the recipient. Only callable by `Predeploys.INBOX`; the ETH was released to this
    /// contract by the liquidity contract just before.
    /// @return response the first 4 bytes of the recipient's return data (0 if shorter than 32 bytes)
    function deliverMessage(
        address recipient,
        uint256 value,
        bytes32 receiveId,
        bytes calldata sender,
        bytes calldata payload
    ) external returns (bytes4 response);
}
