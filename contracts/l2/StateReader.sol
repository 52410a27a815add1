// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../common/libraries/Predeploys.sol";
import {StateProofs} from "../common/libraries/StateProofs.sol";
import {AccountState, StateProof} from "../common/types/StateProof.sol";
import {IInbox} from "./interfaces/IInbox.sol";
import {IStateReader} from "./interfaces/IStateReader.sol";

/// @title StateReader
/// @notice See `IStateReader`. Lives at `Predeploys.STATE_READER` from genesis; no storage and no
/// immutables, so its code is the same on every hyperchain.
contract StateReader is IStateReader {
    /// @inheritdoc IStateReader
    function readAccount(uint256 chainId, uint64 batchNumber, address account, StateProof calldata proof)
        external
        view
        returns (AccountState memory)
    {
        _checkRoot(chainId, proof.transactionRoot);
        return StateProofs.verifyAccount(chainId, batchNumber, account, proof);
    }

    /// @inheritdoc IStateReader
    function readStorage(
        uint256 chainId,
        uint64 batchNumber,
        address account,
        bytes32[] calldata slots,
        StateProof calldata proof
    ) external view returns (bytes32[] memory) {
        _checkRoot(chainId, proof.transactionRoot);
        return StateProofs.verifyStorage(chainId, batchNumber, account, slots, proof);
    }

    function _checkRoot(uint256 chainId, bytes32 root) private view {
        IInbox inbox = IInbox(Predeploys.INBOX);
        if (chainId == inbox.l1ChainId()) revert StateProofs.WrongChain(chainId);
        if (!inbox.isImported(root)) revert TransactionRootNotImported(root);
    }
}
