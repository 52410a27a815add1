// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {Aggregator} from "./Aggregator.sol";
import {ChainSettlement} from "./ChainSettlement.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {ChainConfig, IChainFactory, PredeployCode} from "./interfaces/IChainFactory.sol";
import {IChainSettlement} from "./interfaces/IChainSettlement.sol";
import {ISharedBridge} from "./interfaces/ISharedBridge.sol";
import {ITransactionRoot} from "./interfaces/ITransactionRoot.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title ChainFactory
/// @notice Permissionless hyperchain registry and ecosystem governance (see `IChainFactory`).
contract ChainFactory is IChainFactory, Ownable2Step {
    /// @notice Shortest upgrade window governance may give chains.
    uint64 public constant MIN_UPGRADE_WINDOW = 1 days;

    ITransactionRoot private immutable _transactionRoot;
    ISharedBridge private immutable _sharedBridge;

    /// current version and the previous version's deadline, read together on every commit
    uint64 private _version;
    uint64 private _deadline;
    address private _verifier;
    address private _settlementImplementation;
    /// the current protocol version's DA validators
    mapping(uint8 daMode => address) private _daValidators;
    /// DA validators the next published version brings (`setDAValidator`)
    mapping(uint8 daMode => address) private _stagedDAValidators;
    uint8[] private _stagedDAModes;
    mapping(uint256 chainId => address) private _settlements;
    uint256[] private _chainIds;
    mapping(uint64 version => PredeployCode[]) private _predeployCodes;
    mapping(address aggregator => bool) private _aggregators;

    /// @param owner_ governance
    /// @param transactionRoot_ the Transaction Root (its `initialize` must name this factory)
    /// @param sharedBridge_ the shared bridge (its `initialize` must name this factory)
    /// @param verifier_ protocol version 1's verifier
    /// @param rollupValidator DA validator of mode 0
    /// @param validiumValidator DA validator of mode 1
    /// @param priorityExpiry seconds before a priority request must be processed
    /// @param priorityGracePeriod seconds after expiry before an unprocessed request freezes a chain
    /// @param predeploys protocol version 1's canonical system contract code
    constructor(
        address owner_,
        address transactionRoot_,
        address sharedBridge_,
        address verifier_,
        address rollupValidator,
        address validiumValidator,
        uint64 priorityExpiry,
        uint64 priorityGracePeriod,
        PredeployCode[5] memory predeploys
    ) Ownable(owner_) {
        if (transactionRoot_ == address(0)) {
            revert ZeroAddress("transactionRoot");
        }
        if (sharedBridge_ == address(0)) revert ZeroAddress("sharedBridge");
        if (verifier_ == address(0)) revert ZeroAddress("verifier");
        if (IBatchVerifier(verifier_).protocolVersion() != 1) {
            revert VerifierVersionMismatch(IBatchVerifier(verifier_).protocolVersion(), 1);
        }
        _transactionRoot = ITransactionRoot(transactionRoot_);
        _sharedBridge = ISharedBridge(sharedBridge_);
        _version = 1;
        _verifier = verifier_;
        _settlementImplementation = address(
            new ChainSettlement(
                address(this), transactionRoot_, sharedBridge_, priorityExpiry, priorityGracePeriod
            )
        );
        emit ProtocolVersionPublished(1, verifier_, _settlementImplementation, 0);
        _setPredeployCodes(1, predeploys);
        _setDAValidator(0, rollupValidator);
        _setDAValidator(1, validiumValidator);
    }

    /// @inheritdoc IChainFactory
    function createChain(ChainConfig calldata config) external override returns (address settlement) {
        uint256 chainId = config.chainId;
        if (chainId == 0 || chainId > type(uint64).max) revert InvalidChainId(chainId);
        if (chainId == block.chainid) revert ChainIdIsL1(chainId);
        address existing = _settlements[chainId];
        if (existing != address(0)) revert ChainAlreadyExists(chainId, existing);
        if (config.admin == address(0)) revert ZeroAddress("admin");
        if (config.operator == address(0)) revert ZeroAddress("operator");
        if (config.genesisStateRoot == bytes32(0)) revert ZeroGenesisStateRoot();
        if (config.genesisBlockHash == bytes32(0)) revert ZeroGenesisBlockHash();
        address da = _daValidators[config.daMode];
        if (da == address(0)) revert UnsupportedDAMode(config.daMode);

        settlement = address(
            new ERC1967Proxy(
                _settlementImplementation,
                abi.encodeCall(IChainSettlement.initialize, (config, _verifier, _version, da))
            )
        );
        _settlements[chainId] = settlement;
        _chainIds.push(chainId);
        _transactionRoot.registerSettlement(chainId, settlement);
        _sharedBridge.registerChain(chainId, settlement);
        emit ChainCreated(
            chainId, settlement, config.admin, config.operator, config.daMode, config.genesisStateRoot
        );
    }

    /// @inheritdoc IChainFactory
    function createAggregator() external override returns (address aggregator) {
        aggregator = address(new Aggregator(address(this), address(_transactionRoot)));
        _aggregators[aggregator] = true;
        _transactionRoot.registerAggregator(aggregator);
        emit AggregatorCreated(aggregator, msg.sender);
    }

    /// @inheritdoc IChainFactory
    function isAggregator(address aggregator) external view override returns (bool) {
        return _aggregators[aggregator];
    }

    /// @inheritdoc IChainFactory
    function publishProtocolVersion(
        address verifier_,
        address settlementImplementation_,
        uint64 upgradeWindow,
        PredeployCode[5] calldata predeploys
    ) external override onlyOwner {
        if (verifier_ == address(0)) {
            revert ZeroAddress("verifier");
        }
        if (settlementImplementation_ == address(0)) revert ZeroAddress("settlementImplementation");
        // Windows are at least a day long: validator timestamp drift does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= _deadline) revert UpgradeWindowOpen(_deadline);
        if (upgradeWindow < MIN_UPGRADE_WINDOW) {
            revert UpgradeWindowTooShort(upgradeWindow, MIN_UPGRADE_WINDOW);
        }
        uint64 version = _version + 1;
        uint256 verifierVersion = IBatchVerifier(verifier_).protocolVersion();
        if (verifierVersion != version) revert VerifierVersionMismatch(verifierVersion, version);
        uint64 deadline = uint64(block.timestamp) + upgradeWindow;
        _version = version;
        _deadline = deadline;
        _verifier = verifier_;
        _settlementImplementation = settlementImplementation_;
        emit ProtocolVersionPublished(version, verifier_, settlementImplementation_, deadline);
        _setPredeployCodes(version, predeploys);
        uint256 staged = _stagedDAModes.length;
        for (uint256 i; i < staged; ++i) {
            uint8 daMode = _stagedDAModes[i];
            _setDAValidator(daMode, _stagedDAValidators[daMode]);
            delete _stagedDAValidators[daMode];
        }
        delete _stagedDAModes;
    }

    /// @inheritdoc IChainFactory
    function setDAValidator(uint8 daMode, address validator) external override onlyOwner {
        if (validator == address(0)) revert ZeroAddress("daValidator");
        if (_stagedDAValidators[daMode] == address(0)) _stagedDAModes.push(daMode);
        _stagedDAValidators[daMode] = validator;
        emit DAValidatorStaged(daMode, validator);
    }

    /// @inheritdoc IChainFactory
    function settlementOf(uint256 chainId) external view override returns (address) {
        return _settlements[chainId];
    }

    /// @inheritdoc IChainFactory
    function chainCount() external view override returns (uint256) {
        return _chainIds.length;
    }

    /// @inheritdoc IChainFactory
    function chainIdAt(uint256 index) external view override returns (uint256) {
        return _chainIds[index];
    }

    /// @inheritdoc IChainFactory
    function transactionRoot() external view override returns (address) {
        return address(_transactionRoot);
    }

    /// @inheritdoc IChainFactory
    function sharedBridge() external view override returns (address) {
        return address(_sharedBridge);
    }

    /// @inheritdoc IChainFactory
    function verifier() external view override returns (address) {
        return _verifier;
    }

    /// @inheritdoc IChainFactory
    function protocolVersion() external view override returns (uint64) {
        return _version;
    }

    /// @inheritdoc IChainFactory
    function settlementImplementation() external view override returns (address) {
        return _settlementImplementation;
    }

    /// @inheritdoc IChainFactory
    function upgradeDeadline() external view override returns (uint64) {
        return _deadline;
    }

    /// @inheritdoc IChainFactory
    function versionStatus() external view override returns (uint64 version, uint64 deadline) {
        return (_version, _deadline);
    }

    /// @inheritdoc IChainFactory
    function daValidator(uint8 daMode) external view override returns (address) {
        return _daValidators[daMode];
    }

    /// @inheritdoc IChainFactory
    function predeployCodes(uint64 version) external view override returns (PredeployCode[] memory) {
        return _predeployCodes[version];
    }

    /// @inheritdoc IChainFactory
    function stagedDAValidator(uint8 daMode) external view override returns (address) {
        return _stagedDAValidators[daMode];
    }

    function _setPredeployCodes(uint64 version, PredeployCode[5] memory predeploys) private {
        address[5] memory expected = Predeploys.systemContracts();
        PredeployCode[] storage stored = _predeployCodes[version];
        for (uint256 i; i < predeploys.length; ++i) {
            PredeployCode memory entry = predeploys[i];
            if (
                entry.account != expected[i] || entry.codeHash == bytes32(0)
                    || entry.codeHash == keccak256("")
            ) {
                revert InvalidPredeployCode(i, entry.account, entry.codeHash);
            }
            stored.push(entry);
        }
        emit PredeployCodesPublished(version, predeploys);
    }

    function _setDAValidator(uint8 daMode, address validator) private {
        if (validator == address(0)) revert ZeroAddress("daValidator");
        _daValidators[daMode] = validator;
        emit DAValidatorSet(daMode, validator);
    }
}
