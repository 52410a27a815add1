// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ConstantProductPool
/// @notice A minimal x·y = k pool with Uniswap v2 math and a 0.3% fee, for the cross-chain swap
/// example. Liquidity shares are plain balances (no LP token); no oracle, no flash swaps.
contract ConstantProductPool {
    using SafeERC20 for IERC20;

    event LiquidityAdded(
        address indexed provider, address indexed to, uint256 amount0, uint256 amount1, uint256 shares
    );
    event LiquidityRemoved(
        address indexed provider, address indexed to, uint256 amount0, uint256 amount1, uint256 shares
    );
    event Swapped(
        address indexed sender,
        address indexed tokenIn,
        uint256 amountIn,
        uint256 amountOut,
        address indexed to
    );

    error IdenticalTokens();
    error UnknownToken(address token);
    error InsufficientOutput(uint256 amountOut, uint256 minAmountOut);
    error InsufficientLiquidity();
    error InsufficientShares(uint256 shares, uint256 available);

    /// @notice Shares locked forever at the first deposit (as in Uniswap v2), so the share price
    /// cannot be inflated to round later deposits to zero.
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    IERC20 public immutable token0;
    IERC20 public immutable token1;

    uint256 public reserve0;
    uint256 public reserve1;
    uint256 public totalShares;
    mapping(address provider => uint256) public sharesOf;

    constructor(IERC20 tokenA, IERC20 tokenB) {
        if (tokenA == tokenB) revert IdenticalTokens();
        (token0, token1) = address(tokenA) < address(tokenB) ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice Uniswap v2 `getAmountOut`: amountIn·997·reserveOut / (reserveIn·1000 + amountIn·997).
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        public
        pure
        returns (uint256)
    {
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice Output for selling `amountIn` of `tokenIn` at the current reserves.
    function quote(address tokenIn, uint256 amountIn) public view returns (uint256) {
        (uint256 reserveIn, uint256 reserveOut) = _reserves(tokenIn);
        return getAmountOut(amountIn, reserveIn, reserveOut);
    }

    /// @notice The other token of the pair.
    function otherToken(address token) public view returns (address) {
        if (token == address(token0)) return address(token1);
        if (token == address(token1)) return address(token0);
        revert UnknownToken(token);
    }

    /// @notice Sells `amountIn` of `tokenIn` (pulled from the caller) for at least `minAmountOut`
    /// of the other token, sent to `to`.
    function swap(address tokenIn, uint256 amountIn, uint256 minAmountOut, address to)
        external
        returns (uint256 amountOut)
    {
        amountOut = quote(tokenIn, amountIn);
        if (amountOut < minAmountOut || amountOut == 0) revert InsufficientOutput(amountOut, minAmountOut);
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        address tokenOut = otherToken(tokenIn);
        if (tokenIn == address(token0)) {
            reserve0 += amountIn;
            reserve1 -= amountOut;
        } else {
            reserve1 += amountIn;
            reserve0 -= amountOut;
        }
        IERC20(tokenOut).safeTransfer(to, amountOut);
        emit Swapped(msg.sender, tokenIn, amountIn, amountOut, to);
    }

    /// @notice Deposits both tokens (pulled from the caller) for shares credited to `to`. After the
    /// first deposit, the amounts should match the reserve ratio: shares are the smaller of the two.
    function addLiquidity(uint256 amount0, uint256 amount1, address to) external returns (uint256 shares) {
        token0.safeTransferFrom(msg.sender, address(this), amount0);
        token1.safeTransferFrom(msg.sender, address(this), amount1);
        uint256 total = totalShares;
        if (total == 0) {
            shares = Math.sqrt(amount0 * amount1);
            if (shares <= MINIMUM_LIQUIDITY) revert InsufficientLiquidity();
            shares -= MINIMUM_LIQUIDITY;
            total = MINIMUM_LIQUIDITY;
        } else {
            shares = Math.min(amount0 * total / reserve0, amount1 * total / reserve1);
            if (shares == 0) revert InsufficientLiquidity();
        }
        totalShares = total + shares;
        sharesOf[to] += shares;
        reserve0 += amount0;
        reserve1 += amount1;
        emit LiquidityAdded(msg.sender, to, amount0, amount1, shares);
    }

    /// @notice Burns `shares` of the caller and sends the proportional reserves to `to`.
    function removeLiquidity(uint256 shares, address to) external returns (uint256 amount0, uint256 amount1) {
        uint256 available = sharesOf[msg.sender];
        if (shares > available) revert InsufficientShares(shares, available);
        uint256 total = totalShares;
        amount0 = reserve0 * shares / total;
        amount1 = reserve1 * shares / total;
        sharesOf[msg.sender] = available - shares;
        totalShares = total - shares;
        reserve0 -= amount0;
        reserve1 -= amount1;
        token0.safeTransfer(to, amount0);
        token1.safeTransfer(to, amount1);
        emit LiquidityRemoved(msg.sender, to, amount0, amount1, shares);
    }

    function _reserves(address tokenIn) private view returns (uint256 reserveIn, uint256 reserveOut) {
        if (tokenIn == address(token0)) return (reserve0, reserve1);
        if (tokenIn == address(token1)) return (reserve1, reserve0);
        revert UnknownToken(tokenIn);
    }
}
