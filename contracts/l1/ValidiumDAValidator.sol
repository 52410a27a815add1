// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDAValidator} from "./interfaces/IDAValidator.sol";
import {ISignerSet} from "./interfaces/ISignerSet.sol";
import {SignerSet} from "./libraries/SignerSet.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title ValidiumDAValidator
/// @notice Validium DA: the data stays off chain; only its hash (`daCommitment`) reaches L1, with
/// signatures of at least `threshold` members of a governance-managed DA committee who store it.
/// They sign `digest(chainId, batchNumber, daCommitment) = keccak256(abi.encode(DOMAIN_TAG,
/// block.chainid, address(this), chainId, batchNumber, daCommitment))` (raw secp256k1, 65 bytes
/// each, ascending signer order, see `ISignerSet`): signatures for one chain's batch do not
/// validate another chain's or another batch's data, even with the same commitment.
contract ValidiumDAValidator is IDAValidator, ISignerSet, Ownable2Step {
    using SignerSet for SignerSet.Set;

    bytes32 public constant DOMAIN_TAG = keccak256("Hyperchains.ValidiumDA.v1");

    SignerSet.Set private _committee;

    /// @param owner_ governance, manages the committee
    /// @param members initial committee
    /// @param threshold_ signatures required
    constructor(address owner_, address[] memory members, uint256 threshold_) Ownable(owner_) {
        for (uint256 i; i < members.length; ++i) {
            _committee.add(members[i]);
        }
        _committee.setThreshold(threshold_);
    }

    /// @inheritdoc IDAValidator
    /// @dev `daInput` = committee signatures over `digest(chainId, batchNumber, daCommitment)`.
    function validateDA(uint256 chainId, uint64 batchNumber, bytes32 daCommitment, bytes calldata daInput)
        external
        view
        override
    {
        _committee.verify(digest(chainId, batchNumber, daCommitment), daInput);
    }

    /// @notice What committee members sign for batch `batchNumber` of hyperchain `chainId` with DA
    /// commitment `daCommitment`.
    function digest(uint256 chainId, uint64 batchNumber, bytes32 daCommitment) public view returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TAG, block.chainid, address(this), chainId, batchNumber, daCommitment)
            );
    }

    /// @inheritdoc ISignerSet
    function addSigner(address signer) external override onlyOwner {
        _committee.add(signer);
    }

    /// @inheritdoc ISignerSet
    function removeSigner(address signer) external override onlyOwner {
        _committee.remove(signer);
    }

    /// @inheritdoc ISignerSet
    function setThreshold(uint256 threshold_) external override onlyOwner {
        _committee.setThreshold(threshold_);
    }

    /// @inheritdoc ISignerSet
    function isSigner(address account) external view override returns (bool) {
        return _committee.isSigner[account];
    }

    /// @inheritdoc ISignerSet
    function signerCount() external view override returns (uint256) {
        return _committee.count;
    }

    /// @inheritdoc ISignerSet
    function threshold() external view override returns (uint256) {
        return _committee.threshold;
    }
}
