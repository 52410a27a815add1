// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../common/interfaces/ICommonErrors.sol";

/// @title IETHLiquidity
/// @notice Native ETH of a hyperchain (the OP Superchain `ETHLiquidity` pattern, at
/// `Predeploys.ETH_LIQUIDITY`). The contract is funded with `INITIAL_BALANCE` at genesis; ETH
/// enters the chain's circulation only when the inbox releases it (deposits, received messages,
/// relayer fees) and leaves it when the outbox takes it back (withdrawals, sent messages). So
/// `INITIAL_BALANCE - balance` is the ETH the chain owes its users, which L1 backs with
/// `SharedBridge.chainBalance(chainId, address(0))` (genesis dev-account balances are outside this
/// accounting: they are unbacked gas money for local development and cannot be withdrawn beyond
/// what L1 credited the chain). A caller other than the one `burn` or `mint` names, and ETH sent
/// by a plain transfer, get `Unauthorized`.
interface IETHLiquidity is ICommonErrors {
    /// @notice Sending released ETH to `to` failed.
    error ETHTransferFailed(address to, uint256 amount);

    /// @notice Balance placed at genesis: 2^128 wei.
    function INITIAL_BALANCE() external view returns (uint256);

    /// @notice Takes `msg.value` out of circulation. Only `Predeploys.OUTBOX`.
    function burn() external payable;

    /// @notice Releases `amount` wei to `to`. Only `Predeploys.INBOX`.
    function mint(address to, uint256 amount) external;

    /// @notice ETH in circulation on this chain that came through the hyperbridge:
    /// `INITIAL_BALANCE - balance` (0 if ETH was force-sent to the contract beyond that).
    function circulatingSupply() external view returns (uint256);
}
