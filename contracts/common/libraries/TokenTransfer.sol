// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Payload of a message between asset routers (and to the L1 shared bridge): move `amount`
/// of the token identified by (originChainId, originToken) to `to` on the destination chain.
/// Tokens originating on L1 are the ones the shared bridge backs; for them `originChainId` is the
/// L1 chain id and `originToken` the L1 token address (`address(0)` is never used: ETH travels as
/// message value). `metadata` is `abi.encode(string name, string symbol, uint8 decimals)` so the
/// destination can deploy the bridged token on first use.
struct TokenTransfer {
    uint256 originChainId;
    address originToken;
    address to;
    uint256 amount;
    bytes metadata;
}
