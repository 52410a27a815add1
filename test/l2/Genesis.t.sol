// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {Outbox} from "../../contracts/l2/Outbox.sol";
import {GenesisL2} from "../../script/GenesisL2.s.sol";
import {L2Base} from "../utils/L2Base.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

/// @notice The genesis generator's output: deterministic, the predeploys' code is the compiled
/// artifacts', and a chain built from it works (deposit, send).
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

    /// The output depends on the inputs only: not on the generator's address or nonce, the block or
    /// the time it runs at (so a chain's operator and anyone checking it write the same file).
    function test_genesisJson_deterministic_succeeds() public {
        bytes32 first = keccak256(bytes(generator.genesisJson(_config())));
        vm.roll(block.number + 1000);
        vm.warp(block.timestamp + 30 days);
        new Outbox(1); // moves this test's nonce: the next generator and its deployments land elsewhere
        GenesisL2 other = new GenesisL2();
        assertNotEq(address(other), address(generator));
        assertEq(keccak256(bytes(other.genesisJson(_config()))), first, "output depends on the environment");

        GenesisL2.Config memory changed = _config();
        changed.l1SharedBridge = address(0xB2);
        assertNotEq(keccak256(bytes(other.genesisJson(changed))), first, "L1 SharedBridge ignored");
        changed = _config();
        changed.l1ChainId = L1_CHAIN_ID + 1;
        assertNotEq(keccak256(bytes(other.genesisJson(changed))), first, "L1 chain id ignored");
        changed = _config();
        changed.timestamp += 1;
        assertNotEq(keccak256(bytes(other.genesisJson(changed))), first, "timestamp ignored");
    }

    /// `code` with the immutable slots of `contractName`'s compiled artifact zeroed, as they are in
    /// the artifact's `deployedBytecode`.
    function _maskImmutables(bytes memory code, string memory contractName)
        internal
        view
        returns (bytes memory masked)
    {
        masked = bytes.concat(code);
        string memory artifact =
            vm.readFile(string.concat("out/", contractName, ".sol/", contractName, ".json"));
        string memory refs = ".deployedBytecode.immutableReferences";
        if (!vm.keyExistsJson(artifact, refs)) return masked;
        string[] memory ids = vm.parseJsonKeys(artifact, refs);
        for (uint256 i; i < ids.length; ++i) {
            string memory key = string.concat(refs, ".", ids[i]);
            uint256 count = _arrayLength(artifact, key);
            for (uint256 j; j < count; ++j) {
                string memory entry = string.concat(key, "[", vm.toString(j), "]");
                uint256 start = vm.parseJsonUint(artifact, string.concat(entry, ".start"));
                uint256 length = vm.parseJsonUint(artifact, string.concat(entry, ".length"));
                for (uint256 k = start; k < start + length; ++k) {
                    masked[k] = 0;
                }
            }
        }
    }

    function _arrayLength(string memory json, string memory key) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(key, "[", vm.toString(n), "]"))) {
            ++n;
        }
    }

    /// The predeploys' code is the compiled artifacts' runtime code (read from `out/`, not built
    /// the way the generator builds it) apart from the immutables, whose values are checked
    /// through the contracts' own views.
    function test_genesisJson_predeploysAreCompiledArtifacts_succeeds() public {
        string memory json = generator.genesisJson(_config());
        string[5] memory names = ["Outbox", "Inbox", "AssetRouter", "ETHLiquidity", "StateReader"];
        address[5] memory at = Predeploys.systemContracts();
        for (uint256 i; i < names.length; ++i) {
            bytes memory code = _code(json, at[i]);
            assertEq(
                keccak256(_maskImmutables(code, names[i])),
                keccak256(vm.getDeployedCode(string.concat(names[i], ".sol:", names[i]))),
                names[i]
            );
            vm.etch(at[i], code);
        }
        vm.chainId(CHAIN_A);
        assertEq(outbox.l1ChainId(), L1_CHAIN_ID);
        assertEq(inbox.l1ChainId(), L1_CHAIN_ID);
        assertEq(router.l1ChainId(), L1_CHAIN_ID);
        assertEq(router.l1SharedBridge(), L1_SHARED_BRIDGE);
        // The router's third immutable, the BridgedToken init code hash, from the artifact.
        assertEq(
            router.bridgedToken(L1_CHAIN_ID, address(0xA11CE)),
            vm.computeCreate2Address(
                keccak256(abi.encode(L1_CHAIN_ID, address(0xA11CE))),
                keccak256(vm.getCode("BridgedToken.sol:BridgedToken")),
                Predeploys.ASSET_ROUTER
            )
        );
    }

    function test_genesisJson_contents_succeeds() public {
        string memory json = generator.genesisJson(_config());
        assertEq(vm.parseJsonUint(json, ".config.chainId"), CHAIN_A);
        assertEq(vm.parseJsonUint(json, ".timestamp"), 1_735_689_600);
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
        address[5] memory predeploys = Predeploys.systemContracts();
        for (uint256 i; i < predeploys.length; ++i) {
            vm.etch(predeploys[i], _code(json, predeploys[i]));
        }
        vm.deal(Predeploys.ETH_LIQUIDITY, 1 << 128);
        vm.chainId(CHAIN_A);

        address alice = makeAddr("alice");
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.executePriorityRequest(
            Message(L1_CHAIN_ID, CHAIN_A, 0, L1_SHARED_BRIDGE, alice, 2 ether, 0, ""), L2_GAS_LIMIT
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
