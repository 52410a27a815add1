// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Writes the genesis file of a hyperchain: an anvil `--init` JSON (geth genesis format) with the
// L2 system contracts at their `Predeploys` addresses, the pre-funded ETH liquidity, the
// deterministic CREATE2 deployer, a funded SYSTEM_CALLER and, in dev mode, the 10 default anvil dev accounts.
// Nothing is broadcast.
//
//   L1_CHAIN_ID=31337 L2_CHAIN_ID=271 L1_SHARED_BRIDGE=0x... GENESIS_OUT=out/genesis-271.json \
//     node_modules/.bin/forge script script/GenesisL2.s.sol
//   node_modules/.bin/anvil --init out/genesis-271.json --port 8546
//
// Optional env: GENESIS_TIMESTAMP (default 1735689600), GENESIS_DEV_ACCOUNTS (default: true in dev
// mode, else false), HYPERCHAIN_DEV_MODE (1 = a local devnet; `hyperchain up` sets it). The dev
// accounts' 10,000 ETH each are unbacked: outside dev mode GENESIS_DEV_ACCOUNTS=true is refused
// (`UnbackedDevAllocation`), since anyone has those keys and could withdraw that ETH out of the
// chain's real L1 balance.
// GENESIS_OUT defaults to out/genesis-<L2_CHAIN_ID>.json and must be inside the repository
// (foundry.toml `fs_permissions`). The output depends only on the inputs and the compiled code:
// two runs with the same inputs write identical bytes.
//
// The genesis STATE ROOT (what `createChain` registers on L1): anvil 1.7.1 reports the empty-trie
// root (0x56e8…b421) as block 0's header `stateRoot` when started with `--init`, so do not read it
// from `eth_getBlockByNumber(0)`. The real root is the hash of the root node of any account proof
// at block 0: keccak256(eth_getProof(<any address>, [], "0x0").accountProof[0]) — checked equal
// for two anvils started from two runs of this script. anvil also adds its own accounts to the
// state (its dev accounts with `--balance`, default 10000 ETH — the same as written here — and the
// EIP-2935 history contract on prague), so the root depends on the anvil version and on starting
// it with the default `--accounts`/`--balance`/`--hardfork`. Block 1 has a different root (block
// processing writes system contract storage).
//
// The config (L1 chain id, L1 SharedBridge) is baked into the runtime code as immutables
// (`L2Predeploys`); none of the system contracts has initial storage. That code, with empty
// storage, is the canonical genesis: `DeployL1` publishes its hashes with protocol version 1 and
// the validity program refuses to attest a chain whose genesis differs (contracts/l1/README.md). The dev-account balances (and SYSTEM_CALLER's, which pays
// for the operator's system transactions) are unbacked local gas money, outside the ETH liquidity
// accounting that L1 backs (see `IETHLiquidity`).

import {Predeploys} from "../contracts/common/libraries/Predeploys.sol";
import {DevMode} from "./DevMode.sol";
import {L2Predeploys} from "./L2Predeploys.sol";
import {console} from "forge-std/console.sol";

contract GenesisL2 is DevMode, L2Predeploys {
    /// @notice Arachnid's deterministic deployment proxy (what `new C{salt: s}()` uses in forge scripts).
    address internal constant CREATE2_DEPLOYER = 0x4e59b44847b379578588920cA78FbF26c0B4956C;
    bytes internal constant CREATE2_DEPLOYER_CODE =
        hex"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";
    uint256 internal constant DEV_BALANCE = 10_000 ether;

    /// @notice Unbacked genesis ETH for the public dev accounts, outside dev mode.
    error UnbackedDevAllocation(uint256 accounts, uint256 balanceEach);

    struct Config {
        uint256 l1ChainId;
        uint256 l2ChainId;
        address l1SharedBridge;
        uint256 timestamp;
        bool devAccounts;
    }

    function run() external {
        Config memory config = Config({
            l1ChainId: vm.envUint("L1_CHAIN_ID"),
            l2ChainId: vm.envUint("L2_CHAIN_ID"),
            l1SharedBridge: vm.envAddress("L1_SHARED_BRIDGE"),
            timestamp: vm.envOr("GENESIS_TIMESTAMP", uint256(1_735_689_600)),
            devAccounts: vm.envOr("GENESIS_DEV_ACCOUNTS", devMode())
        });
        checkConfig(config, devMode());
        string memory out =
            vm.envOr("GENESIS_OUT", string.concat("out/genesis-", vm.toString(config.l2ChainId), ".json"));
        vm.writeFile(out, genesisJson(config));
        console.log("genesis written to", out);
    }

    /// @notice Outside dev mode, refuses unbacked genesis ETH for the public dev accounts.
    function checkConfig(Config memory config, bool devMode_) public pure {
        if (config.devAccounts && !devMode_) revert UnbackedDevAllocation(DEV_ACCOUNT_COUNT, DEV_BALANCE);
    }

    /// @notice The genesis JSON for `config` (also used by tests).
    function genesisJson(Config memory config) public returns (string memory) {
        require(config.l1ChainId != config.l2ChainId, "L1 and L2 chain ids must differ");
        bytes[5] memory codes = predeployRuntimeCodes(config.l1ChainId, config.l1SharedBridge);
        address[5] memory accounts = Predeploys.systemContracts();
        string memory alloc;
        for (uint256 i; i < accounts.length; ++i) {
            uint256 balance = accounts[i] == Predeploys.ETH_LIQUIDITY ? 1 << 128 : 0;
            alloc = string.concat(alloc, _contract(accounts[i], codes[i], balance), ",");
        }
        alloc = string.concat(
            alloc,
            _contract(CREATE2_DEPLOYER, CREATE2_DEPLOYER_CODE, 0),
            ",",
            _account(Predeploys.SYSTEM_CALLER, DEV_BALANCE)
        );
        if (config.devAccounts) {
            for (uint32 i; i < DEV_ACCOUNT_COUNT; ++i) {
                alloc = string.concat(alloc, ",", _account(devAccount(i), DEV_BALANCE));
            }
        }
        return string.concat(
            '{"config":{"chainId":',
            vm.toString(config.l2ChainId),
            ',"homesteadBlock":0,"eip150Block":0,"eip155Block":0,"eip158Block":0,"byzantiumBlock":0,',
            '"constantinopleBlock":0,"petersburgBlock":0,"istanbulBlock":0,"berlinBlock":0,"londonBlock":0,',
            '"shanghaiTime":0,"cancunTime":0},"nonce":"0x0","timestamp":"',
            _hex(config.timestamp),
            '","extraData":"0x","gasLimit":"0x1c9c380","difficulty":"0x0","coinbase":',
            '"0x0000000000000000000000000000000000000000","alloc":{',
            alloc,
            "}}"
        );
    }

    function _contract(address at, bytes memory code, uint256 balance) private pure returns (string memory) {
        return string.concat(
            '"',
            vm.toString(at),
            '":{"nonce":"0x1","balance":"',
            _hex(balance),
            '","code":"',
            vm.toString(code),
            '"}'
        );
    }

    function _account(address at, uint256 balance) private pure returns (string memory) {
        return string.concat('"', vm.toString(at), '":{"balance":"', _hex(balance), '"}');
    }

    /// @dev Ethereum JSON-RPC quantity: 0x-prefixed hex without leading zeros.
    function _hex(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0x0";
        bytes memory digits = "0123456789abcdef";
        uint256 length;
        for (uint256 v = value; v != 0; v >>= 4) {
            ++length;
        }
        bytes memory out = new bytes(length + 2);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = length + 1; i > 1; --i) {
            out[i] = digits[value & 15];
            value >>= 4;
        }
        return string(out);
    }
}
