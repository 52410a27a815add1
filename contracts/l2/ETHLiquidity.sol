// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";

/// @title ETHLiquidity
/// @notice See `IETHLiquidity`. Pre-funded at genesis with `INITIAL_BALANCE`.
contract ETHLiquidity is IETHLiquidity {
    /// @inheritdoc IETHLiquidity
    uint256 public constant INITIAL_BALANCE = 1 << 128;

    /// @dev Plain transfers (and anything else) are refused: only the outbox adds liquidity.
    receive() external payable {
        revert Unauthorized(msg.sender);
    }

    fallback() external payable {
        revert Unauthorized(msg.sender);
    }

    /// @inheritdoc IETHLiquidity
    function burn() external payable {
        if (msg.sender != Predeploys.OUTBOX) revert Unauthorized(msg.sender);
    }

    /// @inheritdoc IETHLiquidity
    function mint(address to, uint256 amount) external {
        if (msg.sender != Predeploys.INBOX) revert Unauthorized(msg.sender);
        bool ok;
        // No return data is copied: `to` (a relayer, the gateway) cannot make this costlier.
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert ETHTransferFailed(to, amount);
    }

    /// @inheritdoc IETHLiquidity
    function circulatingSupply() external view returns (uint256) {
        uint256 balance = address(this).balance;
        return balance >= INITIAL_BALANCE ? 0 : INITIAL_BALANCE - balance;
    }
}
