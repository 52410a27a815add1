// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "../../common/types/Message.sol";
import {RelayProof} from "../../common/types/RelayProof.sol";

/// @title IInbox
/// @notice The destination side of the hyperbridge (at `Predeploys.INBOX`): imported L1 Transaction
/// Roots (hyperbridge step 4, README), proof-checked relay of messages from other hyperchains with an on-chain
/// relayer fee (steps 5-6), and in-order delivery of L1 priority requests (deposits, forced calls).
///
/// Delivery rule, for relayed and priority requests alike: a message with an empty `payload` is a
/// plain ETH transfer (`recipient.call{value: value}("")`, so deposits reach EOAs and wallets);
/// any other message is handed to the recipient's ERC-7786 `receiveMessage(receiveId, sender,
/// payload)` through the gateway (`Predeploys.OUTBOX`, so recipients authorize one gateway
/// address), with `receiveId` = the message hash and `sender` = ERC-7930(sourceChainId, sender).
interface IInbox {
    /// @notice An L1 Transaction Root was imported; the batch that contains this transaction
    /// commits it in `importedRoots`, and L1 refuses the batch unless it is a real Transaction Root.
    event TransactionRootImported(bytes32 indexed root);
    /// @notice A priority request was processed in order, its delivery given `l2GasLimit` gas.
    /// `success == false`: its recipient call failed with that gas; the message counts as processed
    /// (it is in `priorityRequestsHash`), its value and fee stay in the liquidity contract and the inbox
    /// sent the L2→L1 failure record (see `executePriorityRequest`).
    event PriorityRequestExecuted(
        uint256 indexed nonce, bytes32 messageHash, uint256 l2GasLimit, bool success
    );
    /// @notice A message from another hyperchain was delivered and `relayer` was paid `fee`.
    event MessageRelayed(
        bytes32 indexed messageHash,
        uint256 indexed sourceChainId,
        uint256 nonce,
        address indexed relayer,
        uint256 fee
    );

    /// @notice The proof leads to `root`, which was never imported.
    error UnknownTransactionRoot(bytes32 root);
    /// @notice The message is for chain `chainId`, not this one.
    error WrongDestination(uint256 chainId);
    /// @notice The message was already delivered.
    error AlreadyDelivered(bytes32 messageHash);
    /// @notice Only `Predeploys.SYSTEM_CALLER` may call this.
    error NotSystemCaller(address caller);
    /// @notice Relayed messages must come from another hyperchain (L1 messages arrive only as
    /// priority requests); priority requests must come from L1.
    error InvalidSourceChain(uint256 chainId);
    /// @notice Priority requests are processed strictly in queue order.
    error UnexpectedPriorityNonce(uint256 expected, uint256 actual);
    /// @notice The recipient did not return `IERC7786Recipient.receiveMessage.selector`.
    error InvalidRecipientResponse(address recipient);
    /// @notice `bytes32(0)` is never a Transaction Root.
    error ZeroTransactionRoot();
    /// @notice `relayBatch` got arrays of different lengths.
    error LengthMismatch(uint256 messages, uint256 proofs);
    /// @notice Internal entry point called by someone other than the inbox itself.
    error NotSelf(address caller);
    /// @notice The system transaction left less gas than the priority request's delivery must get
    /// (`l2GasLimit`, plus the 1/64 EIP-150 keeps back and `DELIVERY_CALL_MARGIN`).
    error InsufficientDeliveryGas(uint256 l2GasLimit, uint256 available);

    /// @notice Imports an L1 Transaction Root. Only `Predeploys.SYSTEM_CALLER` (the operator's
    /// system transaction). Importing a root twice is a no-op (no second event).
    function importTransactionRoot(bytes32 root) external;

    /// @notice Processes the next L1 priority request. Only `Predeploys.SYSTEM_CALLER`. Requires
    /// `message.nonce == priorityRequestsProcessed()`, source = L1, destination = this chain; rolls
    /// `priorityRequestsHash` with `(messageHash, l2GasLimit)`, so `l2GasLimit` must be the one L1
    /// queued or the batch will not match L1's rolling hash.
    ///
    /// A message to the inbox itself is a forced Transaction Root import (L1 creates those only in
    /// `requestTransactionRootImport`, with payload `abi.encode(root)`): the root is imported.
    ///
    /// Any other message is delivered in an inner call that gets exactly `l2GasLimit` gas; if less
    /// is available the whole transaction reverts (`InsufficientDeliveryGas`), so the operator
    /// cannot make a delivery fail by starving it. A delivery that fails with its full gas is
    /// undone entirely (`success == false`): the value and fee are NOT released (they stay in the
    /// liquidity contract, L1 keeps them in the chain's balance) and the inbox sends an L2→L1
    /// failure record, Message{sender: INBOX, recipient: INBOX on L1, payload: abi.encode(message
    /// hash)}, with which the L1 depositor claims the deposit back (`SharedBridge.claimFailedDeposit`).
    /// On success the value goes to the recipient and the fee to the caller (operator). Besides
    /// `l2GasLimit`, the transaction needs gas for the bookkeeping and the failure record.
    function executePriorityRequest(Message calldata message, uint256 l2GasLimit) external;

    /// @notice Delivers a message from another hyperchain with its proof against an imported
    /// Transaction Root, then pays `msg.sender` the message's fee. If the recipient reverts, the
    /// relay reverts with the recipient's revert data and the message stays deliverable.
    function relay(Message calldata message, RelayProof calldata proof) external;

    /// @notice `relay` for many messages; skips messages already delivered (a competing relayer
    /// was faster), reverts on any other failure.
    function relayBatch(Message[] calldata messages, RelayProof[] calldata proofs) external;

    /// @notice Internal: the recipient call of a priority request, as a separate call frame so a
    /// failure reverts the ETH release too. Only callable by the inbox itself.
    function deliverPriorityRequest(bytes32 messageHash, Message calldata message) external;

    /// @notice Whether `root` was imported (relay proofs may end at any imported root, old or new).
    function isImported(bytes32 root) external view returns (bool);
    /// @notice Whether the message with this hash was delivered: relayed successfully, or a
    /// priority request whose recipient call succeeded.
    function delivered(bytes32 messageHash) external view returns (bool);
    /// @notice Cumulative number of priority requests processed (next expected priority nonce).
    function priorityRequestsProcessed() external view returns (uint64);
    /// @notice Cumulative rolling hash of processed priority requests (`MessageHashing.rollPriorityHash`).
    function priorityRequestsHash() external view returns (bytes32);
    /// @notice Chain id of the L1 this hyperchain settles on (the source of priority requests).
    function l1ChainId() external view returns (uint256);
}
