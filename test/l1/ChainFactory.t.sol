// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainFactory} from "../../contracts/l1/ChainFactory.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {ChainConfig, IChainFactory, PredeployCode} from "../../contracts/l1/interfaces/IChainFactory.sol";
import {ITransactionRoot} from "../../contracts/l1/interfaces/ITransactionRoot.sol";
import {CreateChain} from "../../script/CreateChain.s.sol";
import {DeployL1} from "../../script/DeployL1.s.sol";
import {GenesisL2} from "../../script/GenesisL2.s.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract ChainFactoryTest is L1Fixture {
    function test_createChain_permissionless_succeeds() public {
        ChainConfig memory config = _config(500, 1);
        address stranger = makeAddr("stranger");
        vm.expectEmit(true, false, false, true, address(factory));
        emit IChainFactory.ChainCreated(500, address(0), admin, operator, 1, config.genesisStateRoot);
        vm.prank(stranger);
        address settlement = factory.createChain(config);
        assertEq(factory.settlementOf(500), settlement);
        assertEq(factory.chainCount(), 3);
        assertEq(factory.chainIdAt(2), 500);
        assertEq(txRoot.chainIdOf(settlement), 500);
        assertEq(bridge.settlementOf(500), settlement);
        ChainSettlement chain = ChainSettlement(settlement);
        assertEq(chain.verifier(), factory.verifier());
        assertEq(chain.protocolVersion(), factory.protocolVersion());
        assertEq(chain.daValidator(), factory.daValidator(1));
        assertEq(chain.stateRoot(0), config.genesisStateRoot);
    }

    function testFuzz_createChain_invalidChainId_reverts(uint256 chainId) public {
        vm.assume(chainId == 0 || chainId > type(uint64).max);
        ChainConfig memory config = _config(chainId, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.InvalidChainId.selector, chainId));
        factory.createChain(config);
    }

    function test_createChain_l1ChainId_reverts() public {
        ChainConfig memory config = _config(block.chainid, 0);
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.ChainIdIsL1.selector, block.chainid));
        factory.createChain(config);
    }

    function test_createChain_duplicate_reverts() public {
        ChainConfig memory config = _config(CHAIN_A, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IChainFactory.ChainAlreadyExists.selector, CHAIN_A, address(chainA))
        );
        factory.createChain(config);
    }

    function test_createChain_zeroAdmin_reverts() public {
        ChainConfig memory config = _config(600, 0);
        config.admin = address(0);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "admin"));
        factory.createChain(config);
    }

    function test_createChain_zeroOperator_reverts() public {
        ChainConfig memory config = _config(600, 0);
        config.operator = address(0);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "operator"));
        factory.createChain(config);
    }

    function test_createChain_zeroGenesis_reverts() public {
        ChainConfig memory config = _config(600, 0);
        config.genesisStateRoot = bytes32(0);
        vm.expectRevert(IChainFactory.ZeroGenesisStateRoot.selector);
        factory.createChain(config);
    }

    function test_createChain_zeroGenesisBlockHash_reverts() public {
        ChainConfig memory config = _config(600, 0);
        config.genesisBlockHash = bytes32(0);
        vm.expectRevert(IChainFactory.ZeroGenesisBlockHash.selector);
        factory.createChain(config);
    }

    function testFuzz_createChain_unsupportedDAMode_reverts(uint8 mode) public {
        vm.assume(mode > 1);
        ChainConfig memory config = _config(600, mode);
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.UnsupportedDAMode.selector, mode));
        factory.createChain(config);
    }

    function _v2() internal returns (address v2, address impl2) {
        address[] memory attesters = new address[](1);
        attesters[0] = vm.addr(attesterKeys[0]);
        v2 = address(new AttestationVerifier(2, attesters, 1));
        impl2 =
            address(new ChainSettlement(address(factory), address(txRoot), address(bridge), EXPIRY, GRACE));
    }

    function test_publishProtocolVersion_newChainsGetIt_succeeds() public {
        (address v2, address impl2) = _v2();
        vm.expectEmit(address(factory));
        emit IChainFactory.ProtocolVersionPublished(2, v2, impl2, uint64(block.timestamp + 2 days));
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, canonicalPredeploys);
        assertEq(factory.protocolVersion(), 2);
        assertEq(factory.verifier(), v2);
        assertEq(factory.settlementImplementation(), impl2);
        (uint64 version, uint64 deadline) = factory.versionStatus();
        assertEq(version, 2);
        assertEq(deadline, block.timestamp + 2 days);
        ChainSettlement chain = _createChain(700, 0);
        assertEq(chain.protocolVersion(), 2);
        assertEq(chain.verifier(), v2);
        _settle(chain, _nextBatch(chain));
    }

    function test_publishProtocolVersion_notOwner_reverts() public {
        (address v2, address impl2) = _v2();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        factory.publishProtocolVersion(v2, impl2, 2 days, canonicalPredeploys);
    }

    function test_publishProtocolVersion_windowOpen_reverts() public {
        (address v2, address impl2) = _v2();
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, canonicalPredeploys);
        vm.expectRevert(
            abi.encodeWithSelector(IChainFactory.UpgradeWindowOpen.selector, block.timestamp + 2 days)
        );
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, canonicalPredeploys);
    }

    function test_publishProtocolVersion_shortWindow_reverts() public {
        (address v2, address impl2) = _v2();
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.UpgradeWindowTooShort.selector, 1 hours, 1 days));
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 1 hours, canonicalPredeploys);
    }

    function test_publishProtocolVersion_verifierOfOtherVersion_reverts() public {
        (, address impl2) = _v2();
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.VerifierVersionMismatch.selector, 1, 2));
        vm.prank(governance);
        factory.publishProtocolVersion(address(verifier), impl2, 2 days, canonicalPredeploys);
    }

    function test_publishProtocolVersion_zeroImplementation_reverts() public {
        (address v2,) = _v2();
        vm.expectRevert(
            abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "settlementImplementation")
        );
        vm.prank(governance);
        factory.publishProtocolVersion(v2, address(0), 2 days, canonicalPredeploys);
    }

    /// The code hashes DeployL1 publishes with version 1 are those of the code GenesisL2 writes
    /// into a genesis for this L1 and bridge.
    function test_predeployCodes_version1IsGenesisL2Code_succeeds() public {
        string memory json = new GenesisL2()
            .genesisJson(
                GenesisL2.Config({
                l1ChainId: block.chainid,
                l2ChainId: CHAIN_A,
                l1SharedBridge: address(bridge),
                timestamp: 1,
                devAccounts: false
            })
            );
        PredeployCode[] memory published = factory.predeployCodes(1);
        address[5] memory accounts = Predeploys.systemContracts();
        assertEq(published.length, accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            bytes memory code =
                vm.parseJsonBytes(json, string.concat(".alloc.", vm.toString(accounts[i]), ".code"));
            assertEq(published[i].account, accounts[i]);
            assertEq(published[i].codeHash, keccak256(code));
        }
        assertEq(factory.predeployCodes(2).length, 0, "not published");
    }

    function test_publishProtocolVersion_publishesPredeployCodes_succeeds() public {
        (address v2, address impl2) = _v2();
        PredeployCode[5] memory next = canonicalPredeploys;
        next[2].codeHash = keccak256("router v2");
        vm.expectEmit(address(factory));
        emit IChainFactory.PredeployCodesPublished(2, next);
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, next);
        assertEq(factory.predeployCodes(2)[2].codeHash, keccak256("router v2"));
        assertEq(factory.predeployCodes(1)[2].codeHash, canonicalPredeploys[2].codeHash, "v1 unchanged");
    }

    function test_publishProtocolVersion_predeployAtOtherAddress_reverts() public {
        (address v2, address impl2) = _v2();
        PredeployCode[5] memory codes = canonicalPredeploys;
        (codes[1], codes[2]) = (codes[2], codes[1]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainFactory.InvalidPredeployCode.selector, 1, Predeploys.ASSET_ROUTER, codes[1].codeHash
            )
        );
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, codes);
    }

    function test_publishProtocolVersion_predeployWithoutCode_reverts() public {
        (address v2, address impl2) = _v2();
        PredeployCode[5] memory codes = canonicalPredeploys;
        codes[3].codeHash = keccak256("");
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainFactory.InvalidPredeployCode.selector, 3, Predeploys.ETH_LIQUIDITY, keccak256("")
            )
        );
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, codes);
    }

    /// A DA validator is staged for the next protocol version: no chain can use it before that
    /// version is published.
    function test_setDAValidator_stagedUntilNextVersion_succeeds() public {
        vm.expectEmit(address(factory));
        emit IChainFactory.DAValidatorStaged(2, address(validium));
        vm.prank(governance);
        factory.setDAValidator(2, address(validium));
        assertEq(factory.stagedDAValidator(2), address(validium));
        assertEq(factory.daValidator(2), address(0));
        vm.expectRevert(abi.encodeWithSelector(IChainFactory.UnsupportedDAMode.selector, 2));
        factory.createChain(_config(800, 2));
        (address v2, address impl2) = _v2();
        vm.expectEmit(address(factory));
        emit IChainFactory.DAValidatorSet(2, address(validium));
        vm.prank(governance);
        factory.publishProtocolVersion(v2, impl2, 2 days, canonicalPredeploys);
        assertEq(factory.daValidator(2), address(validium));
        assertEq(factory.stagedDAValidator(2), address(0));
        assertEq(_createChain(800, 2).daValidator(), address(validium));
    }

    function test_setDAValidator_notOwner_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        factory.setDAValidator(2, address(validium));
    }

    function test_setDAValidator_zero_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "daValidator"));
        vm.prank(governance);
        factory.setDAValidator(2, address(0));
    }

    function test_views_deployment_succeeds() public view {
        assertEq(factory.transactionRoot(), address(txRoot));
        assertEq(factory.sharedBridge(), address(bridge));
        assertEq(factory.verifier(), address(verifier));
        assertEq(factory.protocolVersion(), 1);
        assertEq(factory.upgradeDeadline(), 0);
        assertEq(factory.owner(), governance);
        assertEq(verifier.protocolVersion(), 1);
    }

    function test_registerSettlement_notFactory_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        txRoot.registerSettlement(5, address(this));
    }

    // ------------------------------------------------------------ scripts

    /// CreateChain on an existing chain with the same genesis returns it and sends nothing.
    function test_createScript_existingChain_succeeds() public {
        uint256 count = factory.chainCount();
        address settlement =
            createScript.create(IChainFactory(address(factory)), _config(CHAIN_A, 0), DEPLOYER_KEY);
        assertEq(settlement, address(chainA));
        assertEq(factory.chainCount(), count);
    }

    function test_createScript_existingChainOtherGenesis_reverts() public {
        ChainConfig memory config = _config(CHAIN_A, 0);
        config.genesisStateRoot = keccak256("other");
        vm.expectRevert();
        createScript.create(IChainFactory(address(factory)), config, DEPLOYER_KEY);
    }

    function test_createScript_runFromEnv_succeeds() public {
        vm.setEnv("CHAIN_FACTORY", vm.toString(address(factory)));
        vm.setEnv("L2_CHAIN_ID", "4242");
        vm.setEnv("GENESIS_STATE_ROOT", vm.toString(keccak256("g")));
        vm.setEnv("GENESIS_BLOCK_HASH", vm.toString(keccak256("g block")));
        vm.setEnv("DA_MODE", "1");
        address settlement = createScript.run();
        assertEq(factory.settlementOf(4242), settlement);
        assertEq(ChainSettlement(settlement).admin(), vm.addr(DEPLOYER_KEY));
        assertEq(ChainSettlement(settlement).daValidator(), address(validium));
        // Second run: same chain, nothing new.
        assertEq(createScript.run(), settlement);
        assertEq(factory.chainCount(), 3);
    }

    /// DeployL1.run writes DEPLOY_OUT and a second run finds the code there and deploys nothing.
    function test_deployScript_runTwice_succeeds() public {
        string memory out = "cache/l1-deploy-test.json";
        if (vm.exists(out)) vm.removeFile(out);
        vm.setEnv("DEPLOY_OUT", out);
        vm.setEnv("HYPERCHAIN_DEV_MODE", "1"); // the attesters below are public dev accounts
        vm.setEnv(
            "ATTESTERS",
            "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720,0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
        );
        vm.setEnv("ATTESTATION_THRESHOLD", "2");
        vm.setEnv("PRIORITY_EXPIRY", "3600");
        DeployL1 script = new DeployL1();
        DeployL1.Deployment memory first = script.run();
        string memory json = vm.readFile(out);
        assertEq(vm.parseJsonAddress(json, ".chainFactory"), first.chainFactory);
        assertEq(vm.parseJsonAddress(json, ".sharedBridge"), first.sharedBridge);
        assertEq(vm.parseJsonAddress(json, ".transactionRoot"), first.transactionRoot);
        assertEq(vm.parseJsonAddress(json, ".verifier"), first.verifier);
        assertEq(AttestationVerifier(first.verifier).threshold(), 2);
        assertTrue(AttestationVerifier(first.verifier).isSigner(0xa0Ee7A142d267C1f36714E4a8F75612F20a79720));
        address impl = ChainFactory(first.chainFactory).settlementImplementation();
        assertEq(ChainSettlement(impl).PRIORITY_EXPIRY(), 3600);

        uint256 nonce = vm.getNonce(vm.addr(DEPLOYER_KEY));
        DeployL1.Deployment memory second = script.run();
        assertEq(second.chainFactory, first.chainFactory);
        assertEq(vm.getNonce(vm.addr(DEPLOYER_KEY)), nonce, "nothing deployed the second time");
        vm.removeFile(out);
    }
}
