// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";

/// @title IAssetRouter
/// @notice Bridges ERC-20s between hyperchains and to/from L1 (at `Predeploys.ASSET_ROUTER`). A
/// token is identified everywhere by (originChainId, originToken). On its origin chain it is
/// locked in the router when sent and released when it comes back; on every other chain it is a
/// `BridgedToken` deployed by CREATE2 from the router with salt keccak256(abi.encode(originChainId,
/// originToken)) (the same address on every hyperchain), burned when sent and minted when
/// received. Messages carry `abi.encode(TokenTransfer)` and go to the router on the destination
/// hyperchain, or to the L1 `SharedBridge` for withdrawals (L1-origin tokens only). Received
/// messages are accepted only from the gateway (`Predeploys.OUTBOX`) with sender = the router on
/// another hyperchain or the L1 SharedBridge (deposits).
///
/// Defense in depth against a chain whose router is not the canonical code (which the validity
/// program refuses to attest): a token native to a hyperchain travels only between its origin and
/// one other chain at a time (never from one non-origin hyperchain to another), the origin releases
/// to a chain at most what it sent there (`chainBalance`, the L2 twin of the L1 bridge's), so the
/// metadata of a hyperchain-native token's `BridgedToken` comes only from its origin chain.
/// L1-origin tokens may move between any hyperchains: the L1 bridge bounds each chain by its
/// `chainBalance` and moves it with every transfer.
interface IAssetRouter is IERC7786Recipient {
    event TokenSent(
        bytes32 indexed sendId,
        uint256 indexed destinationChainId,
        address indexed token,
        address from,
        address to,
        uint256 amount
    );
    event TokenReceived(
        bytes32 indexed receiveId,
        uint256 indexed sourceChainId,
        address indexed token,
        address to,
        uint256 amount
    );
    event BridgedTokenDeployed(uint256 indexed originChainId, address indexed originToken, address token);

    error ZeroRecipient();
    error ZeroAmount();
    error InvalidDestination(uint256 chainId);
    /// @notice Only tokens that originate on L1 can be withdrawn to L1.
    error NotWithdrawableToL1(address token);
    error UnauthorizedGateway(address caller);
    error UnauthorizedSender(bytes sender);
    /// @notice Token transfers carry no ETH value.
    error UnexpectedValue(uint256 value);
    error MalformedPayload();
    /// @notice A deposit from the L1 SharedBridge must be of an L1-origin token.
    error InvalidOrigin(uint256 originChainId);
    /// @notice A token native to another hyperchain can only be sent back to its origin chain.
    error NotOriginChain(address token, uint256 originChainId, uint256 destinationChainId);
    /// @notice A token native to hyperchain `originChainId` arrived from another chain.
    error NotFromOriginChain(uint256 originChainId, uint256 sourceChainId);
    /// @notice `chainId` is sent back more of a native `token` than this chain sent it.
    error InsufficientChainBalance(uint256 chainId, address token, uint256 balance, uint256 required);

    /// @notice Sends `amount` of `token` (the caller's, approved to the router if it is native to
    /// this chain) to `to` on `destinationChainId` (the L1 chain id = withdrawal). `msg.value` is
    /// the relayer fee of the message.
    /// @return sendId the message hash (`Outbox.sendMessage`'s sendId)
    function bridgeERC20(uint256 destinationChainId, address token, address to, uint256 amount)
        external
        payable
        returns (bytes32 sendId);

    /// @notice The token that represents (originChainId, originToken) on this chain: `originToken`
    /// itself on its origin chain, else the CREATE2 address of its `BridgedToken` (deployed or not).
    function bridgedToken(uint256 originChainId, address originToken) external view returns (address);

    /// @notice Origin of a token as this router sees it: (originChainId, originToken) for a bridged
    /// token it deployed, (block.chainid, token) for any other token.
    function originOf(address token) external view returns (uint256 originChainId, address originToken);

    /// @notice How much of `token`, native to this chain, was sent to `chainId` and not yet returned:
    /// the most this router releases to messages from `chainId`.
    function chainBalance(uint256 chainId, address token) external view returns (uint256);

    /// @notice Chain id of the L1 (withdrawal destination, source of deposits).
    function l1ChainId() external view returns (uint256);
    /// @notice The L1 SharedBridge: recipient of withdrawals, the only accepted sender of deposits.
    function l1SharedBridge() external view returns (address);
}
