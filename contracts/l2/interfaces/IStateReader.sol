// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccountState, StateProof} from "../../common/types/StateProof.sol";

/// @title IStateReader
/// @notice Cross-chain views (at `Predeploys.STATE_READER`): a contract on this hyperchain reads
/// an account or storage slots of another hyperchain as they were at the end of one of its settled
/// batches, proven against a Transaction Root this chain's inbox imported. Any imported root is
/// accepted, old or new, so every settled batch stays readable. A batch's state root is in the
/// Transaction Root because L1 accepted the batch's proof, today a k-of-n attestation (not a
/// zero-knowledge proof): a view is as trustworthy as that batch's settlement.
///
/// Besides `TransactionRootNotImported`, verification reverts with `StateProofs`' errors:
/// `WrongChain` (also for this chain's L1, whose batches never enter the Transaction Root),
/// `BatchNotInRoot`, `InvalidAccountProof`, `InvalidStorageProof`, `StorageProofCountMismatch`,
/// and `Merkle`'s for a malformed batch proof.
interface IStateReader {
    /// @notice `root` was never imported by this hyperchain's inbox.
    error TransactionRootNotImported(bytes32 root);

    /// @notice `account` on hyperchain `chainId` at the end of its batch `batchNumber`. An absent
    /// account is returned with `exists == false` (proven absent, not assumed).
    /// @param proof `storageProofs` is not read
    function readAccount(uint256 chainId, uint64 batchNumber, address account, StateProof calldata proof)
        external
        view
        returns (AccountState memory state);

    /// @notice The values of `slots` of `account` on hyperchain `chainId` at the end of its batch
    /// `batchNumber`, in the order of `slots`. An empty slot, and every slot of an absent account,
    /// reads as zero (proven empty, not assumed).
    /// @param proof `storageProofs[i]` proves `slots[i]`
    function readStorage(
        uint256 chainId,
        uint64 batchNumber,
        address account,
        bytes32[] calldata slots,
        StateProof calldata proof
    ) external view returns (bytes32[] memory values);
}
