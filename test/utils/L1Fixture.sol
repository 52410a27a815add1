// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AssetTransfer, BatchHashing, CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {ChainFactory} from "../../contracts/l1/ChainFactory.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {SharedBridge} from "../../contracts/l1/SharedBridge.sol";
import {TransactionRoot} from "../../contracts/l1/TransactionRoot.sol";
import {ValidiumDAValidator} from "../../contracts/l1/ValidiumDAValidator.sol";
import {ChainConfig, IChainFactory, PredeployCode} from "../../contracts/l1/interfaces/IChainFactory.sol";
import {CreateChain} from "../../script/CreateChain.s.sol";
import {DeployL1} from "../../script/DeployL1.s.sol";
import {MerkleHelpers} from "./MerkleHelpers.sol";
import {Test} from "forge-std/Test.sol";

/// @dev Signing and Merkle helpers, usable from tests and invariant handlers.
abstract contract L1Helpers is Test, MerkleHelpers {
    /// L2 gas limit of the priority requests the tests queue
    uint256 internal constant L2_GAS_LIMIT = 2_000_000;

    /// @dev The public input L1 computes for `batch` continuing committed batch `previous` of
    /// `chain`. External so the memory batch becomes calldata for `BatchHashing`.
    function publicInputOf(ChainSettlement chain, uint64 previous, CommitBatchInfo calldata batch)
        external
        view
        returns (bytes32)
    {
        return BatchHashing.publicInput(
            chain.chainId(), chain.stateRoot(previous), chain.lastBlockHash(previous), batch
        );
    }

    /// @dev The public input of `batch` continuing any previous state root and block hash.
    function publicInputOver(
        uint256 chainId,
        bytes32 prevStateRoot,
        bytes32 prevBlockHash,
        CommitBatchInfo calldata batch
    ) external pure returns (bytes32) {
        return BatchHashing.publicInput(chainId, prevStateRoot, prevBlockHash, batch);
    }

    /// @dev The signer the first 65-byte signature of `sigs` recovers to over `digest`.
    function _firstSigner(bytes memory sigs, bytes32 digest) internal pure returns (address) {
        bytes32 r;
        bytes32 sv;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(sigs, 32))
            sv := mload(add(sigs, 64))
            v := byte(0, mload(add(sigs, 96)))
        }
        return ecrecover(digest, v, r, sv);
    }

    /// @dev Concatenated 65-byte signatures of `keys` over `digest`, ascending by signer address.
    function _signSorted(uint256[] memory keys, bytes32 digest) internal pure returns (bytes memory sigs) {
        uint256[] memory sorted = _sortKeys(keys);
        for (uint256 i; i < sorted.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(sorted[i], digest);
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
        }
    }

    function _sortKeys(uint256[] memory keys) internal pure returns (uint256[] memory sorted) {
        sorted = new uint256[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            sorted[i] = keys[i];
        }
        for (uint256 i = 1; i < sorted.length; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(sorted[j]) < vm.addr(sorted[j - 1]); --j) {
                (sorted[j], sorted[j - 1]) = (sorted[j - 1], sorted[j]);
            }
        }
    }

    function _hash(Message memory message) internal pure returns (bytes32) {
        return keccak256(abi.encode(message));
    }

    function _single(Message memory m) internal pure returns (Message[] memory list) {
        list = new Message[](1);
        list[0] = m;
    }
}

/// @dev Deploys the L1 with the project's own scripts (DeployL1.deploy, CreateChain.create) and
/// registers two rollup chains. Batches are attested by `attesterKeys` (1-of-1 by default).
abstract contract L1Fixture is L1Helpers {
    uint256 internal constant DEPLOYER_KEY =
        0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    uint256 internal constant CHAIN_A = 271;
    uint256 internal constant CHAIN_B = 272;
    uint64 internal constant EXPIRY = 1 days;
    uint64 internal constant GRACE = 1 days;

    DeployL1 internal deployScript;
    CreateChain internal createScript;
    ChainFactory internal factory;
    SharedBridge internal bridge;
    TransactionRoot internal txRoot;
    AttestationVerifier internal verifier;
    ValidiumDAValidator internal validium;
    /// @dev Protocol version 1's canonical predeploy code (what later versions republish in tests).
    PredeployCode[5] internal canonicalPredeploys;
    address internal governance;
    uint256[] internal attesterKeys;
    uint256[] internal committeeKeys;
    address internal admin = makeAddr("admin");
    address internal operator = makeAddr("operator");
    ChainSettlement internal chainA;
    ChainSettlement internal chainB;

    function setUp() public virtual {
        attesterKeys.push(0xA77E57);
        committeeKeys.push(0xDAC0);
        committeeKeys.push(0xDAC1);
        deployScript = new DeployL1();
        createScript = new CreateChain();
        DeployL1.Config memory config;
        config.deployerKey = DEPLOYER_KEY;
        config.governance = vm.addr(DEPLOYER_KEY);
        config.attesters = new address[](attesterKeys.length);
        for (uint256 i; i < attesterKeys.length; ++i) {
            config.attesters[i] = vm.addr(attesterKeys[i]);
        }
        config.attestationThreshold = attesterKeys.length;
        config.daCommittee = new address[](2);
        config.daCommittee[0] = vm.addr(committeeKeys[0]);
        config.daCommittee[1] = vm.addr(committeeKeys[1]);
        config.daThreshold = 2;
        config.priorityExpiry = EXPIRY;
        config.priorityGracePeriod = GRACE;
        DeployL1.Deployment memory d = deployScript.deploy(config);
        governance = config.governance;
        factory = ChainFactory(d.chainFactory);
        bridge = SharedBridge(payable(d.sharedBridge));
        txRoot = TransactionRoot(d.transactionRoot);
        verifier = AttestationVerifier(d.verifier);
        validium = ValidiumDAValidator(d.validiumDAValidator);
        PredeployCode[] memory predeploys = factory.predeployCodes(1);
        for (uint256 i; i < predeploys.length; ++i) {
            canonicalPredeploys[i] = predeploys[i];
        }
        chainA = _createChain(CHAIN_A, 0);
        chainB = _createChain(CHAIN_B, 0);
    }

    function _config(uint256 chainId, uint8 daMode) internal view returns (ChainConfig memory) {
        return ChainConfig({
            chainId: chainId,
            admin: admin,
            operator: operator,
            daMode: daMode,
            genesisStateRoot: keccak256(abi.encode("genesis", chainId)),
            genesisBlockHash: keccak256(abi.encode("genesis block", chainId))
        });
    }

    function _createChain(uint256 chainId, uint8 daMode) internal returns (ChainSettlement) {
        return ChainSettlement(
            createScript.create(IChainFactory(address(factory)), _config(chainId, daMode), DEPLOYER_KEY)
        );
    }

    /// @dev A batch continuing `chain` that processes every queued priority request.
    function _nextBatch(ChainSettlement chain) internal view returns (CommitBatchInfo memory batch) {
        batch.batchNumber = chain.lastCommittedBatch() + 1;
        batch.newStateRoot = keccak256(abi.encode("state", chain.chainId(), batch.batchNumber));
        batch.lastBlockHash = keccak256(abi.encode("block", chain.chainId(), batch.batchNumber));
        uint64 count = uint64(chain.priorityRequestCount());
        batch.priorityRequestsProcessed = count;
        batch.priorityRequestsHash = chain.priorityRollingHash(count);
        batch.daCommitment = keccak256(_pubdata(batch.batchNumber));
    }

    function _pubdata(uint64 batchNumber) internal pure returns (bytes memory) {
        return abi.encodePacked("state diff of batch ", batchNumber);
    }

    function _commit(ChainSettlement chain, CommitBatchInfo memory batch) internal {
        bytes memory pubdata = _pubdata(batch.batchNumber);
        vm.prank(operator);
        chain.commitBatch(batch, pubdata);
    }

    function _attestation(ChainSettlement chain, uint64 batchNumber) internal view returns (bytes memory) {
        AttestationVerifier v = AttestationVerifier(chain.verifier());
        return _signSorted(attesterKeys, v.digest(chain.batchPublicInput(batchNumber)));
    }

    function _prove(ChainSettlement chain, uint64 batchNumber) internal {
        chain.proveBatch(batchNumber, _attestation(chain, batchNumber));
    }

    function _settle(ChainSettlement chain, CommitBatchInfo memory batch) internal {
        _commit(chain, batch);
        _prove(chain, batch.batchNumber);
        chain.executeBatch(batch);
    }

    function _withdrawal(uint256 fromChain, uint256 nonce, address recipient, uint256 value, uint256 fee)
        internal
        view
        returns (Message memory)
    {
        return Message({
            sourceChainId: fromChain,
            destinationChainId: block.chainid,
            nonce: nonce,
            sender: address(0x12),
            recipient: recipient,
            value: value,
            fee: fee,
            payload: ""
        });
    }

    function _transfer(uint256 destination, address token, uint256 amount)
        internal
        pure
        returns (AssetTransfer[] memory transfers)
    {
        transfers = new AssetTransfer[](1);
        transfers[0] = AssetTransfer(destination, token, amount);
    }
}
