// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A hyperbridge message: the one format for L2→L2 calls, L2→L1 withdrawals and L1→L2
/// priority requests (deposits, forced calls). Its hash is the leaf of a batch's messages tree
/// (outbound messages) or of a chain's priority queue (inbound priority requests).
/// @param sourceChainId chain that sent the message (the L1 chain id for priority requests)
/// @param destinationChainId chain that executes it (the L1 chain id for withdrawals)
/// @param nonce per source chain, starting at 0; (sourceChainId, nonce) identifies the message. For
/// priority requests it is the request's index in the destination chain's priority queue.
/// @param sender account that called the gateway on the source chain
/// @param recipient ERC-7786 recipient on the destination chain
/// @param value ETH (wei) the message carries to `recipient`
/// @param fee ETH (wei) paid to whoever delivers the message on the destination chain
/// @param payload opaque bytes handed to `recipient.receiveMessage`
struct Message {
    uint256 sourceChainId;
    uint256 destinationChainId;
    uint256 nonce;
    address sender;
    address recipient;
    uint256 value;
    uint256 fee;
    bytes payload;
}

using MessageHashing for Message global;

/// @notice Hashing of `Message`, shared by L1, L2 and the Rust crates (`hyperchain-merkle`).
library MessageHashing {
    /// @notice Leaf of the messages tree: keccak256 of the ABI encoding of the whole message.
    function hash(Message memory message) internal pure returns (bytes32) {
        return keccak256(abi.encode(message));
    }

    /// @notice Rolling hash over priority requests as an L2 processes them, and as L1 enqueues them:
    /// `next = keccak256(abi.encode(previous, messageHash, l2GasLimit))`, starting from
    /// `bytes32(0)`. It binds each request's L2 gas limit, so an operator cannot deliver a request
    /// with less gas than the requester set and still match L1's hash.
    function rollPriorityHash(bytes32 previous, bytes32 messageHash, uint256 l2GasLimit)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(previous, messageHash, l2GasLimit));
    }
}
