// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Predeploys
/// @notice Fixed addresses of the hyperchain system contracts, present on every hyperchain from
/// genesis. The Rust crates read the same constants (`hyperchain-bindings`), and a test checks
/// that both agree.
library Predeploys {
    /// @notice The only sender allowed to call system entry points (priority request delivery,
    /// Transaction Root import). Operators send these transactions unsigned from this address;
    /// the zkevm validity program accepts an unsigned sender only for it.
    address internal constant SYSTEM_CALLER = 0x4800000000000000000000000000000000000000;
    /// @notice ERC-7786 source gateway: `sendMessage`, the outbound messages of a batch.
    address internal constant OUTBOX = 0x4800000000000000000000000000000000000001;
    /// @notice ERC-7786 destination gateway: imported Transaction Roots, `relay`, priority requests.
    address internal constant INBOX = 0x4800000000000000000000000000000000000002;
    /// @notice Bridges ERC-20s between hyperchains and L1 (lock/release on origin, burn/mint elsewhere).
    address internal constant ASSET_ROUTER = 0x4800000000000000000000000000000000000003;
    /// @notice Pre-funded native ETH liquidity (the OP `ETHLiquidity` pattern).
    address internal constant ETH_LIQUIDITY = 0x4800000000000000000000000000000000000004;
    /// @notice Cross-chain views: another hyperchain's accounts and storage, proven against an
    /// imported Transaction Root.
    address internal constant STATE_READER = 0x4800000000000000000000000000000000000005;

    /// @notice The system contracts whose code and storage every hyperchain's genesis fixes, in the
    /// order `IChainFactory.predeployCodes` lists them.
    function systemContracts() internal pure returns (address[5] memory) {
        return [OUTBOX, INBOX, ASSET_ROUTER, ETH_LIQUIDITY, STATE_READER];
    }
}
