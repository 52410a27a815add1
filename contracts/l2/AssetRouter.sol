// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {TokenTransfer} from "../common/libraries/TokenTransfer.sol";
import {BridgedToken} from "./BridgedToken.sol";
import {IAssetRouter} from "./interfaces/IAssetRouter.sol";
import {IOutbox} from "./interfaces/IOutbox.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @title AssetRouter
/// @notice See `IAssetRouter`. Lives at `Predeploys.ASSET_ROUTER` from genesis; `l1ChainId` and
/// `l1SharedBridge` are immutables baked into the runtime code by the genesis generator. Tokens
/// whose balance changes on transfer (fee-on-transfer, rebasing) are not supported.
contract AssetRouter is IAssetRouter {
    using SafeERC20 for IERC20;

    struct Origin {
        uint256 chainId;
        address token;
    }

    /// @dev abi.encode(TokenTransfer) with empty metadata: head + 5 words + metadata length word.
    uint256 private constant MIN_PAYLOAD_LENGTH = 7 * 32;

    uint256 private immutable L1_CHAIN_ID;
    address private immutable L1_SHARED_BRIDGE;
    bytes32 private immutable BRIDGED_TOKEN_INIT_CODE_HASH;

    /// @dev Bridged tokens this router deployed => their origin.
    mapping(address token => Origin) private _origins;
    mapping(uint256 chainId => mapping(address token => uint256)) private _chainBalances;

    constructor(uint256 l1ChainId_, address l1SharedBridge_) {
        L1_CHAIN_ID = l1ChainId_;
        L1_SHARED_BRIDGE = l1SharedBridge_;
        BRIDGED_TOKEN_INIT_CODE_HASH = keccak256(type(BridgedToken).creationCode);
    }

    /// @inheritdoc IAssetRouter
    function bridgeERC20(uint256 destinationChainId, address token, address to, uint256 amount)
        external
        payable
        returns (bytes32 sendId)
    {
        if (to == address(0)) revert ZeroRecipient();
        if (amount == 0) revert ZeroAmount();
        if (destinationChainId == block.chainid || destinationChainId == 0) {
            revert InvalidDestination(destinationChainId);
        }
        Origin memory origin = _origins[token];
        if (origin.chainId == 0) {
            origin = Origin(block.chainid, token);
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            _chainBalances[destinationChainId][token] += amount;
        } else {
            // Only the origin can account for a hyperchain-native token: it goes back there.
            if (origin.chainId != L1_CHAIN_ID && origin.chainId != destinationChainId) {
                revert NotOriginChain(token, origin.chainId, destinationChainId);
            }
            BridgedToken(token).crosschainBurn(msg.sender, amount);
        }

        address recipient = Predeploys.ASSET_ROUTER;
        if (destinationChainId == L1_CHAIN_ID) {
            if (origin.chainId != L1_CHAIN_ID) revert NotWithdrawableToL1(token);
            recipient = L1_SHARED_BRIDGE;
        }
        bytes memory payload = abi.encode(
            TokenTransfer({
                originChainId: origin.chainId,
                originToken: origin.token,
                to: to,
                amount: amount,
                metadata: _metadata(token)
            })
        );
        bytes[] memory attributes;
        if (msg.value != 0) {
            attributes = new bytes[](1);
            attributes[0] = abi.encodeWithSelector(bytes4(keccak256("relayerFee(uint256)")), msg.value);
        }
        sendId = IOutbox(Predeploys.OUTBOX).sendMessage{value: msg.value}(
            InteroperableAddress.formatEvmV1(destinationChainId, recipient), payload, attributes
        );
        emit TokenSent(sendId, destinationChainId, token, msg.sender, to, amount);
    }

    /// @inheritdoc IERC7786Recipient
    function receiveMessage(bytes32 receiveId, bytes calldata sender, bytes calldata payload)
        external
        payable
        returns (bytes4)
    {
        if (msg.sender != Predeploys.OUTBOX) revert UnauthorizedGateway(msg.sender);
        if (msg.value != 0) revert UnexpectedValue(msg.value);
        (bool parsed, uint256 sourceChainId, address from) =
            InteroperableAddress.tryParseEvmV1Calldata(sender);
        bool fromL1 = sourceChainId == L1_CHAIN_ID;
        if (!parsed || from != (fromL1 ? L1_SHARED_BRIDGE : Predeploys.ASSET_ROUTER)) {
            revert UnauthorizedSender(sender);
        }
        if (payload.length < MIN_PAYLOAD_LENGTH) revert MalformedPayload();
        TokenTransfer memory transfer = abi.decode(payload, (TokenTransfer));
        if (fromL1 && transfer.originChainId != L1_CHAIN_ID) revert InvalidOrigin(transfer.originChainId);

        address token;
        if (transfer.originChainId == block.chainid) {
            token = transfer.originToken;
            uint256 balance = _chainBalances[sourceChainId][token];
            if (balance < transfer.amount) {
                revert InsufficientChainBalance(sourceChainId, token, balance, transfer.amount);
            }
            _chainBalances[sourceChainId][token] = balance - transfer.amount;
            IERC20(token).safeTransfer(transfer.to, transfer.amount);
        } else {
            if (transfer.originChainId != L1_CHAIN_ID && transfer.originChainId != sourceChainId) {
                revert NotFromOriginChain(transfer.originChainId, sourceChainId);
            }
            token = _bridgedTokenOrDeploy(transfer);
            BridgedToken(token).crosschainMint(transfer.to, transfer.amount);
        }
        emit TokenReceived(receiveId, sourceChainId, token, transfer.to, transfer.amount);
        return IERC7786Recipient.receiveMessage.selector;
    }

    /// @inheritdoc IAssetRouter
    function bridgedToken(uint256 originChainId, address originToken) public view returns (address) {
        if (originChainId == block.chainid) return originToken;
        return Create2.computeAddress(_salt(originChainId, originToken), BRIDGED_TOKEN_INIT_CODE_HASH);
    }

    /// @inheritdoc IAssetRouter
    function originOf(address token) external view returns (uint256 originChainId, address originToken) {
        Origin memory origin = _origins[token];
        if (origin.chainId == 0) return (block.chainid, token);
        return (origin.chainId, origin.token);
    }

    /// @inheritdoc IAssetRouter
    function chainBalance(uint256 chainId, address token) external view returns (uint256) {
        return _chainBalances[chainId][token];
    }

    /// @inheritdoc IAssetRouter
    function l1ChainId() external view returns (uint256) {
        return L1_CHAIN_ID;
    }

    /// @inheritdoc IAssetRouter
    function l1SharedBridge() external view returns (address) {
        return L1_SHARED_BRIDGE;
    }

    /// @dev The metadata a `BridgedToken` is deployed with is final. A hyperchain-native token
    /// only ever arrives from its origin chain (`NotFromOriginChain`). An L1 token may first arrive
    /// from another hyperchain (moved there before any deposit here): that chain's router forwards
    /// the metadata its own copy was deployed with from L1, and its batches are attested only while
    /// its predeploys are the canonical code (a chain with another router never settles, so its
    /// messages never reach a Transaction Root).
    function _bridgedTokenOrDeploy(TokenTransfer memory transfer) private returns (address token) {
        (uint256 originChainId, address originToken) = (transfer.originChainId, transfer.originToken);
        token = bridgedToken(originChainId, originToken);
        if (token.code.length != 0) return token;
        BridgedToken deployed = new BridgedToken{salt: _salt(originChainId, originToken)}();
        bytes memory metadata = transfer.metadata;
        (string memory name, string memory symbol, uint8 decimals) =
            metadata.length == 0 ? ("", "", uint8(18)) : abi.decode(metadata, (string, string, uint8));
        deployed.initialize(originChainId, originToken, name, symbol, decimals);
        _origins[token] = Origin(originChainId, originToken);
        emit BridgedTokenDeployed(originChainId, originToken, token);
    }

    /// @dev abi.encode(name, symbol, decimals); defaults for tokens without (or with broken) metadata.
    function _metadata(address token) private view returns (bytes memory) {
        string memory name;
        string memory symbol;
        uint8 decimals = 18;
        try IERC20Metadata(token).name() returns (string memory value) {
            name = value;
        } catch {}
        try IERC20Metadata(token).symbol() returns (string memory value) {
            symbol = value;
        } catch {}
        try IERC20Metadata(token).decimals() returns (uint8 value) {
            decimals = value;
        } catch {}
        return abi.encode(name, symbol, decimals);
    }

    function _salt(uint256 originChainId, address originToken) private pure returns (bytes32) {
        return keccak256(abi.encode(originChainId, originToken));
    }
}
