// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../common/interfaces/ICommonErrors.sol";

/// @title ITransactionRoot
/// @notice The global append-only Merkle tree of executed batches (hyperbridge step 3, README). Leaf =
/// `BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot, stateRoot)` for a batch
/// settled directly, or, for an aggregate, the `Merkle` root of its chain-batch leaves (in aggregate
/// order), so a message in an aggregated batch is proven message → batch → aggregate → Transaction
/// Root. Tree shape = `Merkle`/`IncrementalMerkle`. Every root the tree ever had stays recognisable, so a hyperchain may
/// import any of them and prove messages against it (hyperbridge steps 4–7, README).
interface ITransactionRoot is ICommonErrors {
    /// @notice When a root was the current Transaction Root.
    /// @param leafCount number of leaves in the tree with this root
    /// @param blockNumber L1 block in which it became current
    /// @param timestamp L1 timestamp at which it became current
    struct RootInfo {
        uint64 leafCount;
        uint64 blockNumber;
        uint64 timestamp;
    }

    /// @notice The batch `batchNumber` of `chainId` was appended as leaf `leafIndex`; `root` is the new
    /// Transaction Root. The relayer rebuilds the tree from these events to build batch proofs.
    event TransactionRootUpdated(
        bytes32 indexed root, uint256 indexed chainId, uint64 batchNumber, uint256 leafIndex, bytes32 leaf
    );
    /// @notice Aggregate `aggregateNumber` of `aggregator` was appended as leaf `leafIndex` (also
    /// reported as a `TransactionRootUpdated` with chain id 0, so every leaf has that event).
    event AggregateAppended(address indexed aggregator, uint64 indexed aggregateNumber, uint256 leafIndex);
    /// @notice `aggregator` may append aggregates.
    event AggregatorRegistered(address indexed aggregator);
    /// @notice `settlement` may append batches of `chainId`.
    event SettlementRegistered(uint256 indexed chainId, address indexed settlement);
    /// @notice The chain factory was set (once, by the deployer).
    event FactorySet(address indexed factory);

    /// @notice The caller is not the settlement contract registered for `chainId`.
    error NotChainSettlement(address caller, uint256 chainId);
    /// @notice A settlement or chain id was registered twice, or is zero.
    error InvalidRegistration(uint256 chainId, address settlement);

    /// @notice Sets the chain factory, the only account that registers settlements. Deployer only
    /// (`Unauthorized` for anyone else), once (`Initializable.InvalidInitialization` after that).
    function initialize(address factory) external;

    /// @notice Allows `settlement` to append batches of `chainId`. Factory only.
    function registerSettlement(uint256 chainId, address settlement) external;

    /// @notice Allows `aggregator` to append aggregates. Factory only.
    function registerAggregator(address aggregator) external;

    /// @notice Appends the leaf of an executed aggregate: `aggregateRoot`, the `Merkle` root of its
    /// chain-batch leaves, and records `aggregateRoot` itself as an importable root (`isTransactionRoot`).
    /// Only aggregators the factory registered (`NotAggregator`).
    /// @return root the new Transaction Root
    function appendAggregate(uint64 aggregateNumber, bytes32 aggregateRoot) external returns (bytes32 root);

    /// @notice Whether `aggregator` may append aggregates.
    function isAggregator(address aggregator) external view returns (bool);

    /// @notice Appends an executed batch's leaf. Only the settlement registered for `chainId`.
    /// @return root the new Transaction Root
    function appendBatch(uint256 chainId, uint64 batchNumber, bytes32 messagesRoot, bytes32 stateRoot)
        external
        returns (bytes32 root);

    /// @notice The current Transaction Root (`bytes32(0)` before the first batch).
    function root() external view returns (bytes32);

    /// @notice Number of leaves (executed batches of all chains).
    function leafCount() external view returns (uint256);

    /// @notice Whether `root` is or ever was the Transaction Root, or is the root of an appended
    /// aggregate (a subtree of the Transaction Root: its chain-batch leaves), which chains may import
    /// and prove messages against like a Transaction Root; its `rootInfo` is that of the Transaction
    /// Root it was appended to.
    function isTransactionRoot(bytes32 root) external view returns (bool);

    /// @notice When `root` was current (all zero if it never was).
    function rootInfo(bytes32 root) external view returns (RootInfo memory);

    /// @notice The chain whose batches `settlement` appends (0 if none).
    function chainIdOf(address settlement) external view returns (uint256);
}
