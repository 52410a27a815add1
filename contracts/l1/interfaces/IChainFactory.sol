// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice What registers a hyperchain.
/// @param chainId the L2 chain id (non-zero, not the L1's, fits in 64 bits)
/// @param admin upgrades the chain, rage-quits, changes the operator
/// @param operator the only account that commits and reverts batches
/// @param daMode 0 = rollup, 1 = validium (see `IDAValidator`)
/// @param genesisStateRoot the L2 state root of batch 0
struct ChainConfig {
    uint256 chainId;
    address admin;
    address operator;
    uint8 daMode;
    bytes32 genesisStateRoot;
}

/// @title IChainFactory
/// @notice Registry of hyperchains and ecosystem governance. Registration is permissionless: anyone
/// may create a chain, which always gets the ecosystem's current verifier, protocol version and
/// settlement implementation (no chain picks its own verifier: the seed's identical-circuits rule).
///
/// Upgrades: the owner (Ownable2Step) publishes protocol version v+1 (its verifier and settlement
/// implementation) with an upgrade window of at least `MIN_UPGRADE_WINDOW`. Until the deadline, a
/// chain on version v may keep committing, may `upgradeChain()` or may `rageQuit()`; after the
/// deadline a chain still on v cannot commit (`ProtocolVersionOutdated`) until its admin upgrades.
/// A new version can only be published once the previous window is over, so at most two versions
/// are ever accepted at once.
interface IChainFactory {
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
    /// @notice The DA validator for `daMode` was set.
    event DAValidatorSet(uint8 indexed daMode, address validator);

    /// @notice Chain id 0 or above 2^64-1.
    error InvalidChainId(uint256 chainId);
    /// @notice The chain id is the L1's own.
    error ChainIdIsL1(uint256 chainId);
    /// @notice A chain with this id already exists.
    error ChainAlreadyExists(uint256 chainId, address settlement);
    /// @notice A required address is zero (`what` names it).
    error ZeroAddress(string what);
    /// @notice The genesis state root is zero.
    error ZeroGenesisStateRoot();
    /// @notice No DA validator is registered for this mode.
    error UnsupportedDAMode(uint8 daMode);
    /// @notice The previous upgrade window is still open.
    error UpgradeWindowOpen(uint64 deadline);
    /// @notice The upgrade window is shorter than `MIN_UPGRADE_WINDOW`.
    error UpgradeWindowTooShort(uint64 window, uint64 minimum);
    /// @notice The new verifier is not for the version being published.
    error VerifierVersionMismatch(uint256 verifierVersion, uint64 version);

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
    function publishProtocolVersion(address verifier, address settlementImplementation, uint64 upgradeWindow)
        external;

    /// @notice Registers (or replaces, for new chains only) the DA validator of `daMode`. Owner only.
    function setDAValidator(uint8 daMode, address validator) external;

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

    /// @notice The DA validator of `daMode` (zero if unsupported).
    function daValidator(uint8 daMode) external view returns (address);
}
