// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Deploys the Hyperchains L1 settlement layer: TransactionRoot, SharedBridge, AttestationVerifier
// (protocol version 1), RollupDAValidator, ValidiumDAValidator and ChainFactory (which deploys the
// ChainSettlement implementation), then points the Transaction Root and the bridge at the factory.
// Protocol version 1's canonical predeploy code hashes are those of `GenesisL2`'s system contracts
// for this L1 and bridge (`L2Predeploys`).
//
//   GOVERNANCE=0x... ATTESTERS=0x...,0x... ATTESTATION_THRESHOLD=2 PRIVATE_KEY=0x... \
//     tools/bin/forge script script/DeployL1.s.sol --rpc-url $L1_RPC --broadcast
//   HYPERCHAIN_DEV_MODE=1 tools/bin/forge script script/DeployL1.s.sol \
//     --rpc-url http://127.0.0.1:8545 --broadcast          # local anvil, public dev keys
//
// Environment (all optional):
//   HYPERCHAIN_DEV_MODE    1 = a local devnet (`hyperchain up` sets it). Otherwise the public dev
//                          accounts of the test mnemonic (the defaults below) are refused as
//                          governance, attester and DA committee member (`PublicDevKey`): anyone
//                          has their keys.
//   PRIVATE_KEY            deployer; also governance (owner of the factory) by default.
//                          Default: anvil account 0.
//   GOVERNANCE             owner of the factory (default: the deployer). The attester set and the
//                          DA committee are fixed at deployment; new ones come with a protocol version.
//   ATTESTERS              comma-separated attester set of the AttestationVerifier
//                          (default: anvil account 9, 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720)
//   ATTESTATION_THRESHOLD  attestations required per batch (default 1)
//   DA_COMMITTEE           comma-separated validium DA committee (default: ATTESTERS)
//   DA_THRESHOLD           committee signatures required (default 1)
//   PRIORITY_EXPIRY        seconds a deposit/forced call may wait before batches must process it
//                          (default 86400)
//   PRIORITY_GRACE_PERIOD  seconds after expiry before an ignored request freezes the chain
//                          (default 86400)
//   DEPLOY_OUT             where the addresses are written as JSON (default
//                          deployments/l1-<chainid>.json); keys: chainFactory, sharedBridge,
//                          transactionRoot, verifier, rollupDAValidator, validiumDAValidator,
//                          settlementImplementation, governance, l1ChainId, deployBlock (the
//                          L1 block the script started at: scan events from there).
//
// Idempotent: if DEPLOY_OUT exists and its chainFactory has code on this chain, the script prints
// "already deployed" with the addresses and broadcasts nothing. (A DEPLOY_OUT left over from an
// earlier anvil whose state is gone has no code behind it, so everything is deployed again and the
// file is overwritten.)

import {AttestationVerifier} from "../contracts/l1/AttestationVerifier.sol";
import {ChainFactory} from "../contracts/l1/ChainFactory.sol";
import {RollupDAValidator} from "../contracts/l1/RollupDAValidator.sol";
import {SharedBridge} from "../contracts/l1/SharedBridge.sol";
import {TransactionRoot} from "../contracts/l1/TransactionRoot.sol";
import {ValidiumDAValidator} from "../contracts/l1/ValidiumDAValidator.sol";
import {PredeployCode} from "../contracts/l1/interfaces/IChainFactory.sol";
import {DevMode} from "./DevMode.sol";
import {L2Predeploys} from "./L2Predeploys.sol";
import {console} from "forge-std/console.sol";

contract DeployL1 is DevMode, L2Predeploys {
    uint256 internal constant ANVIL_KEY_0 =
        0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    address internal constant ANVIL_ACCOUNT_9 = 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720;

    struct Config {
        uint256 deployerKey;
        address governance;
        address[] attesters;
        uint256 attestationThreshold;
        address[] daCommittee;
        uint256 daThreshold;
        uint64 priorityExpiry;
        uint64 priorityGracePeriod;
    }

    struct Deployment {
        address chainFactory;
        address sharedBridge;
        address transactionRoot;
        address verifier;
        address rollupDAValidator;
        address validiumDAValidator;
        address settlementImplementation;
    }

    /// @notice Reads the environment, deploys unless already deployed, writes DEPLOY_OUT.
    function run() external returns (Deployment memory deployment) {
        Config memory config = configFromEnv();
        checkConfig(config, devMode());
        string memory out =
            vm.envOr("DEPLOY_OUT", string.concat("deployments/l1-", vm.toString(block.chainid), ".json"));
        if (vm.exists(out)) {
            string memory json = vm.readFile(out);
            if (vm.keyExistsJson(json, ".chainFactory")) {
                address factory = vm.parseJsonAddress(json, ".chainFactory");
                if (factory.code.length != 0) {
                    deployment = _parse(json);
                    console.log("already deployed: ChainFactory at", factory, "per", out);
                    console.log("  remove the file or use another DEPLOY_OUT to deploy again");
                    return deployment;
                }
            }
        }
        deployment = deploy(config);
        if (bytes(vm.envOr("DEPLOY_OUT", string(""))).length == 0) vm.createDir("deployments", true);
        vm.writeJson(_json(deployment, config), out);
        console.log("ChainFactory     ", deployment.chainFactory);
        console.log("SharedBridge     ", deployment.sharedBridge);
        console.log("TransactionRoot  ", deployment.transactionRoot);
        console.log("AttestationVerifier", deployment.verifier);
        console.log("addresses written to", out);
    }

    /// @notice The configuration from the environment variables above.
    function configFromEnv() public view returns (Config memory config) {
        address[] memory defaultAttesters = new address[](1);
        defaultAttesters[0] = ANVIL_ACCOUNT_9;
        config.deployerKey = vm.envOr("PRIVATE_KEY", ANVIL_KEY_0);
        config.governance = vm.envOr("GOVERNANCE", vm.addr(config.deployerKey));
        config.attesters = vm.envOr("ATTESTERS", ",", defaultAttesters);
        config.attestationThreshold = vm.envOr("ATTESTATION_THRESHOLD", uint256(1));
        config.daCommittee = vm.envOr("DA_COMMITTEE", ",", config.attesters);
        config.daThreshold = vm.envOr("DA_THRESHOLD", uint256(1));
        config.priorityExpiry = uint64(vm.envOr("PRIORITY_EXPIRY", uint256(1 days)));
        config.priorityGracePeriod = uint64(vm.envOr("PRIORITY_GRACE_PERIOD", uint256(1 days)));
    }

    /// @notice Outside dev mode, refuses a public dev account as governance, attester or DA
    /// committee member.
    function checkConfig(Config memory config, bool devMode_) public pure {
        if (devMode_) return;
        _refuseDevAccount("GOVERNANCE", config.governance);
        for (uint256 i; i < config.attesters.length; ++i) {
            _refuseDevAccount("ATTESTERS", config.attesters[i]);
        }
        for (uint256 i; i < config.daCommittee.length; ++i) {
            _refuseDevAccount("DA_COMMITTEE", config.daCommittee[i]);
        }
    }

    /// @notice Deploys everything with `config`, broadcasting from `config.deployerKey`. Tests call
    /// this directly so they run exactly what users deploy.
    function deploy(Config memory config) public returns (Deployment memory d) {
        vm.startBroadcast(config.deployerKey);
        TransactionRoot transactionRoot = new TransactionRoot();
        SharedBridge sharedBridge = new SharedBridge();
        // Computed locally (not broadcast): the system contracts' code depends on the bridge.
        vm.stopBroadcast();
        PredeployCode[5] memory predeploys = predeployCodes(block.chainid, address(sharedBridge));
        vm.startBroadcast(config.deployerKey);
        AttestationVerifier verifier =
            new AttestationVerifier(1, config.attesters, config.attestationThreshold);
        RollupDAValidator rollup = new RollupDAValidator();
        ValidiumDAValidator validium = new ValidiumDAValidator(config.daCommittee, config.daThreshold);
        ChainFactory factory = new ChainFactory(
            config.governance,
            address(transactionRoot),
            address(sharedBridge),
            address(verifier),
            address(rollup),
            address(validium),
            config.priorityExpiry,
            config.priorityGracePeriod,
            predeploys
        );
        transactionRoot.initialize(address(factory));
        sharedBridge.initialize(address(factory));
        vm.stopBroadcast();
        d = Deployment({
            chainFactory: address(factory),
            sharedBridge: address(sharedBridge),
            transactionRoot: address(transactionRoot),
            verifier: address(verifier),
            rollupDAValidator: address(rollup),
            validiumDAValidator: address(validium),
            settlementImplementation: factory.settlementImplementation()
        });
    }

    function _json(Deployment memory d, Config memory config) internal returns (string memory) {
        string memory key = "deployment";
        vm.serializeAddress(key, "chainFactory", d.chainFactory);
        vm.serializeAddress(key, "sharedBridge", d.sharedBridge);
        vm.serializeAddress(key, "transactionRoot", d.transactionRoot);
        vm.serializeAddress(key, "verifier", d.verifier);
        vm.serializeAddress(key, "rollupDAValidator", d.rollupDAValidator);
        vm.serializeAddress(key, "validiumDAValidator", d.validiumDAValidator);
        vm.serializeAddress(key, "settlementImplementation", d.settlementImplementation);
        vm.serializeAddress(key, "governance", config.governance);
        vm.serializeUint(key, "l1ChainId", block.chainid);
        return vm.serializeUint(key, "deployBlock", block.number);
    }

    function _parse(string memory json) internal pure returns (Deployment memory d) {
        d.chainFactory = vm.parseJsonAddress(json, ".chainFactory");
        d.sharedBridge = vm.parseJsonAddress(json, ".sharedBridge");
        d.transactionRoot = vm.parseJsonAddress(json, ".transactionRoot");
        d.verifier = vm.parseJsonAddress(json, ".verifier");
        d.rollupDAValidator = vm.parseJsonAddress(json, ".rollupDAValidator");
        d.validiumDAValidator = vm.parseJsonAddress(json, ".validiumDAValidator");
        d.settlementImplementation = vm.parseJsonAddress(json, ".settlementImplementation");
    }
}
