// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FaucetToken
/// @notice An ERC-20 anyone can mint: the devnet token of `hyperchain demo swap`, which deploys two
/// of them on chain A and bridges them to chain B. Its supply means nothing; never deploy it where
/// it should.
contract FaucetToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mints `amount` to `to`, for anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
