// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../common/interfaces/ICommonErrors.sol";

/// @notice What registers a hyperchain.
/// @param chainId the L2 chain id (non-zero, not the L1's, fits in 64 bits)
/// @param admin upgrades the chain, rage-quits, changes the operator
/// @param operator the only account that commits and reverts batches
/// @param daMode 0 = rollup, 1 = validium (see `IDAValidator`)
/// @param genesisStateRoot the L2 state root of batch 0
/// @param genesisBlockHash the hash of the chain's L2 block 0: batch 1's headers continue it
struct ChainConfig {
    uint256 chainId;
    address admin;
    address operator;
    uint8 daMode;
    bytes32 genesisStateRoot;
    bytes32 genesisBlockHash;
}

/// @notice A hyperchain system contract as every chain of a protocol version must have it at
/// genesis: its `Predeploys` address and the keccak256 of its runtime code (immutables included).
struct PredeployCode {
    address account;
    bytes32 codeHash;
}

/// @title IChainFactory
/// @notice Registry of hyperchains and ecosystem governance. Registration is permissionless: anyone
/// may create a chain, which always gets the ecosystem's current verifier, protocol version and
/// settlement implementation (no chain picks its own verifier: every chain runs the same program).
///
/// Upgrades: the owner (Ownable2Step) publishes protocol version v+1 (its verifier and settlement
/// implementation) with an upgrade window of at least `MIN_UPGRADE_WINDOW`. Until the deadline, a
/// chain on version v may keep committing, may `upgradeChain()` or may `rageQuit()`; after the
/// deadline a chain still on v cannot commit (`ProtocolVersionOutdated`) until its admin upgrades.
/// A new version can only be published once the previous window is over, so at most two versions
/// are ever accepted at once.
///
/// Canonical genesis: each version publishes the runtime code hash of every system contract
/// (`predeployCodes`). A chain's genesis state root is whatever its creator registers, but the
/// validity program refuses to attest the first batch of a chain whose genesis does not hold
/// exactly that code, with empty storage, at each `Predeploys` address (the code of an account
/// with code never changes afterwards), so no batch of such a chain is ever settled.
interface IChainFactory is ICommonErrors {
    /// @notice A hyperchain was registered.
    event ChainCreated(
        uint256 indexed chainId,
        address indexed settlement,
        address admin,
        address operator,
        uint8 daMode,
        bytes32 genesisStateRoot
    );
    /// @notice Protocol version `version` was published; chains on older versions must upgrade
    /// before `upgradeDeadline`.
    event ProtocolVersionPublished(
        uint64 indexed version, address verifier, address settlementImplementation, uint64 upgradeDeadline
    );
    /// @notice The canonical predeploy code of protocol version `version` was published with it.
    event PredeployCodesPublished(uint64 indexed version, PredeployCode[5] predeploys);
    /// @notice The DA validator for `daMode` was set for the current protocol version: new chains
    /// get it, and chains that upgrade to this version move to it.
    event DAValidatorSet(uint8 indexed daMode, address validator);
    /// @notice `validator` will become the DA validator of `daMode` when the next protocol version
    /// is published.
    event DAValidatorStaged(uint8 indexed daMode, address validator);

    /// @notice `creator` created an aggregator (registered with the Transaction Root); chains opt in
    /// with `ChainSettlement.joinAggregator`.
    event AggregatorCreated(address indexed aggregator, address indexed creator);

    /// @notice Chain id 0 or above 2^64-1.
    error InvalidChainId(uint256 chainId);
    /// @notice The chain id is the L1's own.
    error ChainIdIsL1(uint256 chainId);
    /// @notice A chain with this id already exists.
    error ChainAlreadyExists(uint256 chainId, address settlement);
    /// @notice The genesis state root is zero.
    error ZeroGenesisStateRoot();
    /// @notice The genesis block hash is zero.
    error ZeroGenesisBlockHash();
    /// @notice No DA validator is registered for this mode.
    error UnsupportedDAMode(uint8 daMode);
    /// @notice The previous upgrade window is still open.
    error UpgradeWindowOpen(uint64 deadline);
    /// @notice The upgrade window is shorter than `MIN_UPGRADE_WINDOW`.
    error UpgradeWindowTooShort(uint64 window, uint64 minimum);
    /// @notice The new verifier is not for the version being published.
    error VerifierVersionMismatch(uint256 verifierVersion, uint64 version);
    /// @notice Entry `index` is not `Predeploys.systemContracts()[index]` or has no code hash.
    error InvalidPredeployCode(uint256 index, address account, bytes32 codeHash);

    /// @notice Registers a hyperchain: deploys its settlement contract (an ERC-1967 proxy of the
    /// current settlement implementation, upgraded only by its admin via `upgradeChain`), pins the
    /// current verifier and protocol version, and registers it with the Transaction Root and the
    /// shared bridge. Permissionless.
    /// @return settlement the chain's `ChainSettlement`
    function createChain(ChainConfig calldata config) external returns (address settlement);

    /// @notice Publishes protocol version `protocolVersion() + 1`. Owner only.
    /// @param verifier the new version's verifier (its `protocolVersion()` must be the new version)
    /// @param settlementImplementation the new version's settlement implementation
    /// @param upgradeWindow seconds chains get to upgrade (≥ `MIN_UPGRADE_WINDOW`)
    /// @param predeploys the version's canonical system contract code (see `predeployCodes`)
    function publishProtocolVersion(
        address verifier,
        address settlementImplementation,
        uint64 upgradeWindow,
        PredeployCode[5] calldata predeploys
    ) external;

    /// @notice Stages `validator` as the DA validator of `daMode` for the next protocol version.
    /// Owner only. It takes effect when `publishProtocolVersion` runs: from then on new chains get it
    /// and existing chains of that mode move to it when they `upgradeChain`, so a change of the
    /// validium committee reaches an existing chain only through an upgrade window (with rage quit).
    function setDAValidator(uint8 daMode, address validator) external;

    /// @notice Deploys an `Aggregator` (no owner: anyone may submit an aggregate attested by the
    /// attesters) and registers it with the Transaction Root. Permissionless. Only aggregators made
    /// here may settle batches of the chains that join them, so every aggregator runs canonical code.
    /// @return aggregator the new aggregator
    function createAggregator() external returns (address aggregator);

    /// @notice Whether `aggregator` was created by `createAggregator`.
    function isAggregator(address aggregator) external view returns (bool);

    /// @notice The settlement contract of `chainId` (zero if none).
    function settlementOf(uint256 chainId) external view returns (address);

    /// @notice Number of registered chains.
    function chainCount() external view returns (uint256);

    /// @notice The `index`-th registered chain id, in registration order.
    function chainIdAt(uint256 index) external view returns (uint256);

    /// @notice The global Transaction Root contract.
    function transactionRoot() external view returns (address);

    /// @notice The shared bridge.
    function sharedBridge() external view returns (address);

    /// @notice The current protocol version's verifier.
    function verifier() external view returns (address);

    /// @notice The current protocol version (starts at 1).
    function protocolVersion() external view returns (uint64);

    /// @notice The current protocol version's settlement implementation.
    function settlementImplementation() external view returns (address);

    /// @notice Until when chains on `protocolVersion() - 1` may still commit (0 before any upgrade).
    function upgradeDeadline() external view returns (uint64);

    /// @notice Current version and the previous version's deadline, in one read (used on commit).
    function versionStatus() external view returns (uint64 version, uint64 deadline);

    /// @notice The current protocol version's DA validator of `daMode` (zero if unsupported).
    function daValidator(uint8 daMode) external view returns (address);

    /// @notice The DA validator of `daMode` the next published version brings (zero if none staged).
    function stagedDAValidator(uint8 daMode) external view returns (address);

    /// @notice The canonical genesis code of protocol version `version`: one entry per
    /// `Predeploys.systemContracts()`, in that order (empty for a version never published). The
    /// validity program checks a chain's genesis against its version's list before attesting its
    /// first batch.
    function predeployCodes(uint64 version) external view returns (PredeployCode[] memory);
}
