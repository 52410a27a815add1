// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Registers one hyperchain with the ChainFactory (permissionless: any funded key works).
//
//   CHAIN_FACTORY=0x... L2_CHAIN_ID=271 GENESIS_STATE_ROOT=0x... GENESIS_BLOCK_HASH=0x... \
//     node_modules/.bin/forge script script/CreateChain.s.sol --rpc-url http://127.0.0.1:8545 --broadcast
//
// Environment:
//   CHAIN_FACTORY       the factory (required unless DEPLOY_OUT names a DeployL1 output file)
//   DEPLOY_OUT          DeployL1's output, read for `chainFactory` when CHAIN_FACTORY is unset
//                       (default deployments/l1-<chainid>.json)
//   L2_CHAIN_ID         the hyperchain's chain id (required)
//   GENESIS_STATE_ROOT  state root of the L2 genesis block (required; e.g. `cast block 0 --field
//                       stateRoot` against the L2 anvil started from GenesisL2's file)
//   GENESIS_BLOCK_HASH  hash of the L2 genesis block (required; `cast block 0 --field hash`):
//                       batch 1's headers must continue it
//   CHAIN_ADMIN         chain admin (default: the sender)
//   CHAIN_OPERATOR      operator, the only committer (default: the sender)
//   DA_MODE             0 = rollup (default), 1 = validium
//   PRIVATE_KEY         sender (default: anvil account 0)
//   CHAIN_OUT           optional: write {"chainId", "settlement"} JSON there
//
// Idempotent: if the chain id is already registered with the same genesis state root and block
// hash, the script prints "chain <id> already exists" with its settlement and broadcasts nothing;
// if it is registered with another genesis, it fails saying so (the L2 genesis does not match L1).

import {ChainConfig, IChainFactory} from "../contracts/l1/interfaces/IChainFactory.sol";
import {IChainSettlement} from "../contracts/l1/interfaces/IChainSettlement.sol";
import {Script} from "forge-std/Script.sol";
import {console} from "forge-std/console.sol";

contract CreateChain is Script {
    uint256 internal constant ANVIL_KEY_0 =
        0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    /// @notice Reads the environment and registers the chain unless it exists.
    function run() external returns (address settlement) {
        uint256 key = vm.envOr("PRIVATE_KEY", ANVIL_KEY_0);
        address sender = vm.addr(key);
        address factory = vm.envOr("CHAIN_FACTORY", address(0));
        if (factory == address(0)) {
            string memory deployOut =
                vm.envOr("DEPLOY_OUT", string.concat("deployments/l1-", vm.toString(block.chainid), ".json"));
            factory = vm.parseJsonAddress(vm.readFile(deployOut), ".chainFactory");
        }
        ChainConfig memory config = ChainConfig({
            chainId: vm.envUint("L2_CHAIN_ID"),
            admin: vm.envOr("CHAIN_ADMIN", sender),
            operator: vm.envOr("CHAIN_OPERATOR", sender),
            daMode: uint8(vm.envOr("DA_MODE", uint256(0))),
            genesisStateRoot: vm.envBytes32("GENESIS_STATE_ROOT"),
            genesisBlockHash: vm.envBytes32("GENESIS_BLOCK_HASH")
        });
        settlement = create(IChainFactory(factory), config, key);
        string memory out = vm.envOr("CHAIN_OUT", string(""));
        if (bytes(out).length != 0) {
            vm.serializeUint("chain", "chainId", config.chainId);
            vm.writeJson(vm.serializeAddress("chain", "settlement", settlement), out);
        }
    }

    /// @notice Registers `config` with `factory` from `key`, or returns the existing settlement of
    /// the same chain id if its genesis root and block hash match. Tests call this directly.
    function create(IChainFactory factory, ChainConfig memory config, uint256 key)
        public
        returns (address settlement)
    {
        settlement = factory.settlementOf(config.chainId);
        if (settlement != address(0)) {
            bytes32 genesis = IChainSettlement(settlement).stateRoot(0);
            bytes32 genesisBlock = IChainSettlement(settlement).lastBlockHash(0);
            require(
                genesis == config.genesisStateRoot && genesisBlock == config.genesisBlockHash,
                string.concat(
                    "chain ",
                    vm.toString(config.chainId),
                    " already exists with genesis state root ",
                    vm.toString(genesis),
                    " and block hash ",
                    vm.toString(genesisBlock),
                    ", not ",
                    vm.toString(config.genesisStateRoot),
                    " and ",
                    vm.toString(config.genesisBlockHash)
                )
            );
            console.log("chain", config.chainId, "already exists, settlement:", settlement);
            return settlement;
        }
        vm.broadcast(key);
        settlement = factory.createChain(config);
        console.log("chain", config.chainId, "created, settlement:", settlement);
    }
}
