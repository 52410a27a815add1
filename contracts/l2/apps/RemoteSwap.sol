// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../common/libraries/Predeploys.sol";
import {IAssetRouter} from "../interfaces/IAssetRouter.sol";
import {IInbox} from "../interfaces/IInbox.sol";
import {IOutbox} from "../interfaces/IOutbox.sol";
import {ConstantProductPool} from "./ConstantProductPool.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @title RemoteSwap
/// @notice A cross-chain swap: a user on chain A sells a token on a pool that lives on
/// chain B and gets the proceeds back on A, in one call on A.
/// 1. On A, `swapRemote` sends the tokens to the RemoteSwap on B through the asset router
///    (message T) and an order to the same contract through the gateway (message O), whose value
///    is the relayer fee of the return leg, paid up front.
/// 2. On B, O is executed once T has been delivered (checked with `Inbox.delivered(T)`; before
///    that O reverts and stays deliverable): the tokens are swapped on the pool and the proceeds
///    are bridged back to the user on A with O's value as relayer fee. If the pool would pay less
///    than the user's minimum (or does not trade that token), the input tokens are bridged back
///    instead, so funds never get stuck on B.
/// Counterparts (the RemoteSwap on each other chain) are set by the owner.
contract RemoteSwap is IERC7786Recipient, Ownable {
    using SafeERC20 for IERC20;

    /// @notice Payload of message O.
    struct SwapOrder {
        bytes32 transferId;
        address user;
        uint256 originChainId;
        address originToken;
        uint256 amountIn;
        uint256 minAmountOut;
    }

    event CounterpartSet(uint256 indexed chainId, address remoteSwap);
    event RemoteSwapRequested(
        bytes32 indexed orderId,
        bytes32 indexed transferId,
        address indexed user,
        uint256 destinationChainId,
        address tokenIn,
        uint256 amountIn,
        uint256 minAmountOut
    );
    event RemoteSwapExecuted(
        bytes32 indexed orderId,
        address indexed user,
        bool swapped,
        address tokenSentBack,
        uint256 amountSentBack,
        bytes32 returnId
    );

    error UnknownCounterpart(uint256 chainId);
    error InsufficientFees(uint256 provided, uint256 required);
    error UnauthorizedGateway(address caller);
    error UnauthorizedSender(bytes sender);
    error TransferNotDelivered(bytes32 transferId);
    error OrderAlreadyExecuted(bytes32 transferId);

    IAssetRouter private constant ROUTER = IAssetRouter(Predeploys.ASSET_ROUTER);

    /// @notice The pool orders are executed on (zero on chains without one: orders are refunded).
    ConstantProductPool public immutable pool;

    mapping(uint256 chainId => address remoteSwap) public counterpart;
    /// @notice Token transfers already used by an order.
    mapping(bytes32 transferId => bool) public consumed;

    constructor(address owner_, ConstantProductPool pool_) Ownable(owner_) {
        pool = pool_;
    }

    function setCounterpart(uint256 chainId, address remoteSwap) external onlyOwner {
        counterpart[chainId] = remoteSwap;
        emit CounterpartSet(chainId, remoteSwap);
    }

    /// @notice Sells `amountIn` of `tokenIn` (approved to this contract) on the pool of chain
    /// `destinationChainId`; proceeds (or a refund) come back to the caller on this chain.
    /// `msg.value` = `transferFee` (relayer fee of the token transfer) + `orderFee` (of the order)
    /// + the relayer fee of the return leg (the rest).
    function swapRemote(
        uint256 destinationChainId,
        address tokenIn,
        uint256 amountIn,
        uint256 minAmountOut,
        uint256 transferFee,
        uint256 orderFee
    ) external payable returns (bytes32 orderId, bytes32 transferId) {
        address remote = counterpart[destinationChainId];
        if (remote == address(0)) revert UnknownCounterpart(destinationChainId);
        if (msg.value < transferFee + orderFee) revert InsufficientFees(msg.value, transferFee + orderFee);

        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        IERC20(tokenIn).forceApprove(address(ROUTER), amountIn);
        transferId = ROUTER.bridgeERC20{value: transferFee}(destinationChainId, tokenIn, remote, amountIn);

        (uint256 originChainId, address originToken) = ROUTER.originOf(tokenIn);
        bytes memory order =
            abi.encode(SwapOrder(transferId, msg.sender, originChainId, originToken, amountIn, minAmountOut));
        orderId = IOutbox(Predeploys.OUTBOX).sendMessage{value: msg.value - transferFee}(
            InteroperableAddress.formatEvmV1(destinationChainId, remote), order, _feeAttributes(orderFee)
        );
        emit RemoteSwapRequested(
            orderId, transferId, msg.sender, destinationChainId, tokenIn, amountIn, minAmountOut
        );
    }

    /// @inheritdoc IERC7786Recipient
    function receiveMessage(bytes32 receiveId, bytes calldata sender, bytes calldata payload)
        external
        payable
        returns (bytes4)
    {
        if (msg.sender != Predeploys.OUTBOX) revert UnauthorizedGateway(msg.sender);
        (bool parsed, uint256 sourceChainId, address from) =
            InteroperableAddress.tryParseEvmV1Calldata(sender);
        if (!parsed || from == address(0) || counterpart[sourceChainId] != from) {
            revert UnauthorizedSender(sender);
        }

        SwapOrder memory order = abi.decode(payload, (SwapOrder));
        if (!IInbox(Predeploys.INBOX).delivered(order.transferId)) {
            revert TransferNotDelivered(order.transferId);
        }
        if (consumed[order.transferId]) revert OrderAlreadyExecuted(order.transferId);
        consumed[order.transferId] = true;

        address tokenIn = ROUTER.bridgedToken(order.originChainId, order.originToken);
        (bool swapped, address tokenBack, uint256 amountBack) = _trySwap(tokenIn, order);
        IERC20(tokenBack).forceApprove(address(ROUTER), amountBack);
        bytes32 returnId =
            ROUTER.bridgeERC20{value: msg.value}(sourceChainId, tokenBack, order.user, amountBack);
        emit RemoteSwapExecuted(receiveId, order.user, swapped, tokenBack, amountBack, returnId);
        return IERC7786Recipient.receiveMessage.selector;
    }

    /// @dev Swaps on the pool if it trades `tokenIn` and pays at least the minimum; else refunds.
    function _trySwap(address tokenIn, SwapOrder memory order)
        private
        returns (bool swapped, address tokenBack, uint256 amountBack)
    {
        ConstantProductPool pool_ = pool;
        if (
            address(pool_) != address(0)
                && (tokenIn == address(pool_.token0()) || tokenIn == address(pool_.token1()))
        ) {
            uint256 quoted;
            if (pool_.reserve0() != 0 && pool_.reserve1() != 0) {
                quoted = pool_.quote(tokenIn, order.amountIn);
            }
            if (quoted != 0 && quoted >= order.minAmountOut) {
                IERC20(tokenIn).forceApprove(address(pool_), order.amountIn);
                amountBack = pool_.swap(tokenIn, order.amountIn, order.minAmountOut, address(this));
                return (true, pool_.otherToken(tokenIn), amountBack);
            }
        }
        return (false, tokenIn, order.amountIn);
    }

    function _feeAttributes(uint256 fee) private pure returns (bytes[] memory attributes) {
        if (fee == 0) return attributes;
        attributes = new bytes[](1);
        attributes[0] = abi.encodeWithSelector(bytes4(keccak256("relayerFee(uint256)")), fee);
    }
}
