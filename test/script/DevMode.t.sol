// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeployL1} from "../../script/DeployL1.s.sol";
import {DevMode} from "../../script/DevMode.sol";
import {GenesisL2} from "../../script/GenesisL2.s.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Outside dev mode the deployment scripts refuse the public dev keys (anyone has them) in
/// every role that guards money, and unbacked genesis ETH for them.
contract DevModeTest is Test {
    DeployL1 internal deployScript = new DeployL1();
    GenesisL2 internal genesisScript = new GenesisL2();
    address internal anvil0 = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;
    address internal anvil9 = 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720;

    function _deployConfig() internal returns (DeployL1.Config memory config) {
        config.governance = makeAddr("governance");
        config.attesters = new address[](2);
        config.attesters[0] = makeAddr("attester0");
        config.attesters[1] = makeAddr("attester1");
        config.attestationThreshold = 2;
        config.daCommittee = new address[](1);
        config.daCommittee[0] = makeAddr("committee0");
        config.daThreshold = 1;
    }

    function test_devAccounts_areTheAnvilAccounts_succeeds() public view {
        assertEq(deployScript.devAccount(0), anvil0);
        assertEq(deployScript.devAccount(9), anvil9);
        assertTrue(deployScript.isDevAccount(anvil9));
        assertFalse(deployScript.isDevAccount(address(0xA77E57)));
    }

    function test_deployL1_publicAttesterOutsideDevMode_reverts() public {
        DeployL1.Config memory config = _deployConfig();
        config.attesters[1] = anvil9;
        vm.expectRevert(abi.encodeWithSelector(DevMode.PublicDevKey.selector, "ATTESTERS", anvil9));
        deployScript.checkConfig(config, false);
    }

    function test_deployL1_publicDACommitteeOutsideDevMode_reverts() public {
        DeployL1.Config memory config = _deployConfig();
        config.daCommittee[0] = deployScript.devAccount(3);
        vm.expectRevert(
            abi.encodeWithSelector(DevMode.PublicDevKey.selector, "DA_COMMITTEE", deployScript.devAccount(3))
        );
        deployScript.checkConfig(config, false);
    }

    function test_deployL1_publicGovernanceOutsideDevMode_reverts() public {
        DeployL1.Config memory config = _deployConfig();
        config.governance = anvil0;
        vm.expectRevert(abi.encodeWithSelector(DevMode.PublicDevKey.selector, "GOVERNANCE", anvil0));
        deployScript.checkConfig(config, false);
    }

    function test_deployL1_ownKeysOutsideDevMode_succeeds() public {
        deployScript.checkConfig(_deployConfig(), false);
    }

    function test_deployL1_publicKeysInDevMode_succeeds() public {
        DeployL1.Config memory config = _deployConfig();
        config.governance = anvil0;
        config.attesters[0] = anvil9;
        config.daCommittee[0] = anvil9;
        deployScript.checkConfig(config, true);
    }

    function _genesisConfig(bool devAccounts) internal pure returns (GenesisL2.Config memory) {
        return GenesisL2.Config({
            l1ChainId: 9,
            l2ChainId: 271,
            l1SharedBridge: address(0xB1D6E),
            timestamp: 1,
            devAccounts: devAccounts
        });
    }

    function test_genesisL2_devAllocationsOutsideDevMode_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(GenesisL2.UnbackedDevAllocation.selector, 10, 10_000 ether));
        genesisScript.checkConfig(_genesisConfig(true), false);
    }

    function test_genesisL2_devAllocationsInDevMode_succeeds() public {
        genesisScript.checkConfig(_genesisConfig(true), true);
        string memory json = genesisScript.genesisJson(_genesisConfig(true));
        assertTrue(vm.keyExistsJson(json, string.concat(".alloc.", vm.toString(anvil9))));
    }

    function test_genesisL2_noDevAllocationsOutsideDevMode_succeeds() public {
        genesisScript.checkConfig(_genesisConfig(false), false);
        string memory json = genesisScript.genesisJson(_genesisConfig(false));
        for (uint32 i; i < 10; ++i) {
            assertFalse(
                vm.keyExistsJson(json, string.concat(".alloc.", vm.toString(genesisScript.devAccount(i))))
            );
        }
    }
}
