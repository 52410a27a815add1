// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Script} from "forge-std/Script.sol";

/// @notice The public dev keys (the test mnemonic anvil and hardhat fund, whose keys everyone has)
/// are safe only on a local devnet. Outside the explicit dev mode `HYPERCHAIN_DEV_MODE=1` (which
/// `hyperchain up` sets) the scripts refuse them in every role that guards money.
abstract contract DevMode is Script {
    string internal constant DEV_MNEMONIC = "test test test test test test test test test test test junk";
    uint32 internal constant DEV_ACCOUNT_COUNT = 10;

    /// @notice `account`, given as `role`, is one of the public dev accounts.
    error PublicDevKey(string role, address account);

    /// @notice Whether `HYPERCHAIN_DEV_MODE=1`.
    function devMode() public view returns (bool) {
        return vm.envOr("HYPERCHAIN_DEV_MODE", uint256(0)) == 1;
    }

    /// @notice Dev account `index` of the public mnemonic.
    function devAccount(uint32 index) public pure returns (address) {
        return vm.addr(vm.deriveKey(DEV_MNEMONIC, index));
    }

    /// @notice Whether `account` is one of the public dev accounts.
    function isDevAccount(address account) public pure returns (bool) {
        for (uint32 i; i < DEV_ACCOUNT_COUNT; ++i) {
            if (devAccount(i) == account) return true;
        }
        return false;
    }

    function _refuseDevAccount(string memory role, address account) internal pure {
        if (isDevAccount(account)) revert PublicDevKey(role, account);
    }
}
