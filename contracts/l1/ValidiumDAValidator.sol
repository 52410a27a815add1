// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDAValidator} from "./interfaces/IDAValidator.sol";
import {ISignerSet} from "./interfaces/ISignerSet.sol";
import {SignerSet} from "./libraries/SignerSet.sol";

/// @title ValidiumDAValidator
/// @notice Validium DA: the data stays off chain; only its hash (`daCommitment`) reaches L1, with
/// signatures of at least `threshold` members of a DA committee who store it. The committee is
/// fixed at deployment: a new committee is a new validator, which `ChainFactory.setDAValidator`
/// stages for the next protocol version, so existing chains only move to it through that version's
/// upgrade window (with rage quit), never in place.
/// They sign `digest(chainId, batchNumber, daCommitment) = keccak256(abi.encode(DOMAIN_TAG,
/// block.chainid, address(this), chainId, batchNumber, daCommitment))` (raw secp256k1, 65 bytes
/// each, ascending signer order, see `ISignerSet`): signatures for one chain's batch do not
/// validate another chain's or another batch's data, even with the same commitment.
contract ValidiumDAValidator is IDAValidator, ISignerSet {
    using SignerSet for SignerSet.Set;

    bytes32 public constant DOMAIN_TAG = keccak256("Hyperchains.ValidiumDA.v1");

    SignerSet.Set private _committee;

    /// @param members the committee
    /// @param threshold_ signatures required
    constructor(address[] memory members, uint256 threshold_) {
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
