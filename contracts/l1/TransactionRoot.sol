// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IncrementalMerkle} from "../common/libraries/Merkle.sol";
import {BatchHashing} from "../common/types/Batch.sol";
import {ITransactionRoot} from "./interfaces/ITransactionRoot.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

/// @title TransactionRoot
/// @notice The global Transaction Root (see `ITransactionRoot`). Only settlement contracts the
/// factory registered append, each only for its own chain.
contract TransactionRoot is ITransactionRoot, Initializable {
    using IncrementalMerkle for IncrementalMerkle.Tree;

    address private immutable _deployer;
    address private _factory;
    IncrementalMerkle.Tree private _tree;
    mapping(bytes32 root => RootInfo) private _roots;
    mapping(address settlement => uint256 chainId) private _chainIdOf;
    mapping(address aggregator => bool) private _aggregators;

    /// Deployed directly, not behind a proxy, so the constructor leaves `initialize` open; only the
    /// deployer may call it, so nobody can initialize it first with their own factory.
    constructor() {
        _deployer = msg.sender;
    }

    /// @inheritdoc ITransactionRoot
    function initialize(address factory) external override initializer {
        if (msg.sender != _deployer) revert Unauthorized(msg.sender);
        if (factory == address(0)) revert ZeroAddress("factory");
        _factory = factory;
        emit FactorySet(factory);
    }

    /// @inheritdoc ITransactionRoot
    function registerSettlement(uint256 chainId, address settlement) external override {
        if (msg.sender != _factory) revert Unauthorized(msg.sender);
        if (chainId == 0 || settlement == address(0) || _chainIdOf[settlement] != 0) {
            revert InvalidRegistration(chainId, settlement);
        }
        _chainIdOf[settlement] = chainId;
        emit SettlementRegistered(chainId, settlement);
    }

    /// @inheritdoc ITransactionRoot
    function registerAggregator(address aggregator) external override {
        if (msg.sender != _factory) revert Unauthorized(msg.sender);
        if (aggregator == address(0)) revert ZeroAddress("aggregator");
        _aggregators[aggregator] = true;
        emit AggregatorRegistered(aggregator);
    }

    /// @inheritdoc ITransactionRoot
    function appendAggregate(uint64 aggregateNumber, bytes32 aggregateRoot)
        external
        override
        returns (bytes32 newRoot)
    {
        if (!_aggregators[msg.sender]) revert NotAggregator(msg.sender);
        uint256 count;
        (newRoot, count) = _tree.append(aggregateRoot);
        _recordRoot(newRoot, count);
        // The aggregate's own root is importable too (a chain may import it instead of the whole
        // tree's), so a message of an aggregated batch is relayed with a one-level batch proof.
        _recordRoot(aggregateRoot, count);
        emit TransactionRootUpdated(newRoot, 0, aggregateNumber, count - 1, aggregateRoot);
        emit AggregateAppended(msg.sender, aggregateNumber, count - 1);
    }

    /// @inheritdoc ITransactionRoot
    function appendBatch(uint256 chainId, uint64 batchNumber, bytes32 messagesRoot, bytes32 stateRoot)
        external
        override
        returns (bytes32 newRoot)
    {
        if (chainId == 0 || _chainIdOf[msg.sender] != chainId) {
            revert NotChainSettlement(msg.sender, chainId);
        }
        bytes32 leaf = BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot, stateRoot);
        uint256 count;
        (newRoot, count) = _tree.append(leaf);
        // A root can repeat only if a leaf repeats, which would need the same batch twice; keep the
        // first sighting either way. (Inline rather than `_recordRoot`: the direct path's gas.)
        if (_roots[newRoot].leafCount == 0) {
            // Leaf counts, block numbers and timestamps stay far below 2^64.
            // forge-lint: disable-next-line(unsafe-typecast)
            _roots[newRoot] = RootInfo(uint64(count), uint64(block.number), uint64(block.timestamp));
        }
        emit TransactionRootUpdated(newRoot, chainId, batchNumber, count - 1, leaf);
    }

    /// @inheritdoc ITransactionRoot
    function root() external view override returns (bytes32) {
        return _tree.root();
    }

    /// @inheritdoc ITransactionRoot
    function leafCount() external view override returns (uint256) {
        return _tree.leafCount;
    }

    /// @inheritdoc ITransactionRoot
    function isTransactionRoot(bytes32 root_) external view override returns (bool) {
        return _roots[root_].leafCount != 0;
    }

    /// @inheritdoc ITransactionRoot
    function rootInfo(bytes32 root_) external view override returns (RootInfo memory) {
        return _roots[root_];
    }

    /// @inheritdoc ITransactionRoot
    function isAggregator(address aggregator) external view override returns (bool) {
        return _aggregators[aggregator];
    }

    /// @inheritdoc ITransactionRoot
    function chainIdOf(address settlement) external view override returns (uint256) {
        return _chainIdOf[settlement];
    }

    /// @dev `appendBatch` does the same inline.
    function _recordRoot(bytes32 newRoot, uint256 count) private {
        if (_roots[newRoot].leafCount == 0) {
            // Leaf counts, block numbers and timestamps stay far below 2^64.
            // forge-lint: disable-next-line(unsafe-typecast)
            _roots[newRoot] = RootInfo(uint64(count), uint64(block.number), uint64(block.timestamp));
        }
    }
}
