// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {AssetRouter} from "../../contracts/l2/AssetRouter.sol";
import {ETHLiquidity} from "../../contracts/l2/ETHLiquidity.sol";
import {Inbox} from "../../contracts/l2/Inbox.sol";
import {Outbox} from "../../contracts/l2/Outbox.sol";
import {GenesisL2} from "../../script/GenesisL2.s.sol";
import {L2Base} from "./L2Base.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @notice The genesis generator's output: deterministic, the predeploys' code is the code the
/// other tests etch, and a chain built from it works (deposit, send).
contract GenesisTest is L2Base {
    GenesisL2 internal generator;

    function setUp() public {
        generator = new GenesisL2();
    }

    function _config() internal pure returns (GenesisL2.Config memory) {
        return GenesisL2.Config({
            l1ChainId: L1_CHAIN_ID,
            l2ChainId: CHAIN_A,
            l1SharedBridge: L1_SHARED_BRIDGE,
            timestamp: 1_735_689_600,
            devAccounts: true
        });
    }

    function _code(string memory json, address at) internal pure returns (bytes memory) {
        return vm.parseJsonBytes(json, string.concat(".alloc.", vm.toString(at), ".code"));
    }

    function test_genesisJson_deterministic_succeeds() public {
        assertEq(
            keccak256(bytes(generator.genesisJson(_config()))),
            keccak256(bytes(generator.genesisJson(_config())))
        );
        GenesisL2.Config memory other = _config();
        other.l1SharedBridge = address(0xB2);
        assertNotEq(
            keccak256(bytes(generator.genesisJson(_config()))), keccak256(bytes(generator.genesisJson(other)))
        );
    }

    function test_genesisJson_contents_succeeds() public {
        string memory json = generator.genesisJson(_config());
        assertEq(vm.parseJsonUint(json, ".config.chainId"), CHAIN_A);
        assertEq(vm.parseJsonUint(json, ".timestamp"), 1_735_689_600);
        assertEq(_code(json, Predeploys.OUTBOX), address(new Outbox(L1_CHAIN_ID)).code);
        assertEq(_code(json, Predeploys.INBOX), address(new Inbox(L1_CHAIN_ID)).code);
        assertEq(
            _code(json, Predeploys.ASSET_ROUTER), address(new AssetRouter(L1_CHAIN_ID, L1_SHARED_BRIDGE)).code
        );
        assertEq(_code(json, Predeploys.ETH_LIQUIDITY), address(new ETHLiquidity()).code);
        string memory liquidityKey =
            string.concat(".alloc.", vm.toString(Predeploys.ETH_LIQUIDITY), ".balance");
        assertEq(vm.parseJsonUint(json, liquidityKey), 1 << 128);
        string memory devKey = string.concat(
            ".alloc.",
            vm.toString(
                vm.addr(vm.deriveKey("test test test test test test test test test test test junk", 0))
            ),
            ".balance"
        );
        assertEq(vm.parseJsonUint(json, devKey), 10_000 ether);
    }

    /// A hyperchain made only from the genesis file: deposit through the inbox, send through the
    /// outbox.
    function test_genesisJson_chainWorks_succeeds() public {
        string memory json = generator.genesisJson(_config());
        address[4] memory predeploys =
            [Predeploys.OUTBOX, Predeploys.INBOX, Predeploys.ASSET_ROUTER, Predeploys.ETH_LIQUIDITY];
        for (uint256 i; i < predeploys.length; ++i) {
            vm.etch(predeploys[i], _code(json, predeploys[i]));
        }
        vm.deal(Predeploys.ETH_LIQUIDITY, 1 << 128);
        vm.chainId(CHAIN_A);

        address alice = makeAddr("alice");
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityMessage(
            Message(L1_CHAIN_ID, CHAIN_A, 0, L1_SHARED_BRIDGE, alice, 2 ether, 0, "")
        );
        assertEq(alice.balance, 2 ether);
        assertEq(liquidity.circulatingSupply(), 2 ether);

        vm.prank(alice);
        outbox.sendMessage{value: 0.5 ether}(
            InteroperableAddress.formatEvmV1(L1_CHAIN_ID, alice), "", _noAttributes()
        );
        assertEq(liquidity.circulatingSupply(), 1.5 ether, "withdrawal took ETH out of circulation");
        assertEq(outbox.nonce(), 1);
    }
}
