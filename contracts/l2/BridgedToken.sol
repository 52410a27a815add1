// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../common/interfaces/ICommonErrors.sol";
import {IERC165} from "@openzeppelin/contracts/interfaces/IERC165.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BridgedToken
/// @notice The representation of a token from another chain, deployed by the asset router with
/// CREATE2 (no constructor arguments, so the init code and thus the address depend only on the
/// origin chain and token) and initialized with the metadata carried by the first transfer. Only
/// the router that deployed it may mint and burn (ERC-7802).
contract BridgedToken is ERC20, IERC7802, ICommonErrors {
    error AlreadyInitialized();

    address private immutable ROUTER;

    uint256 public originChainId;
    address public originToken;
    string private _name;
    string private _symbol;
    uint8 private _decimals;

    constructor() ERC20("", "") {
        ROUTER = msg.sender;
    }

    modifier onlyRouter() {
        if (msg.sender != ROUTER) revert Unauthorized(msg.sender);
        _;
    }

    /// @notice Sets the origin and metadata once, right after deployment.
    function initialize(
        uint256 originChainId_,
        address originToken_,
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_
    ) external onlyRouter {
        if (originChainId != 0) revert AlreadyInitialized();
        originChainId = originChainId_;
        originToken = originToken_;
        _name = name_;
        _symbol = symbol_;
        _decimals = decimals_;
    }

    /// @notice The asset router allowed to mint and burn.
    function router() external view returns (address) {
        return ROUTER;
    }

    function name() public view override returns (string memory) {
        return _name;
    }

    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IERC7802
    function crosschainMint(address to, uint256 amount) external onlyRouter {
        _mint(to, amount);
        emit CrosschainMint(to, amount, msg.sender);
    }

    /// @inheritdoc IERC7802
    function crosschainBurn(address from, uint256 amount) external onlyRouter {
        _burn(from, amount);
        emit CrosschainBurn(from, amount, msg.sender);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC7802).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
