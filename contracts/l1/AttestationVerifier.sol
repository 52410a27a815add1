// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Attestation} from "../common/libraries/Attestation.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {ISignerSet} from "./interfaces/ISignerSet.sol";
import {SignerSet} from "./libraries/SignerSet.sol";

/// @title AttestationVerifier
/// @notice The ecosystem's batch verifier for now: an ATTESTATION, not a zero-knowledge proof.
/// A attester set (k of n) re-runs the batch validity program (Rust `zkevm`) and
/// signs `Attestation.digest(block.chainid, address(this), protocolVersion, publicInput)`; a batch is
/// accepted when at least `threshold` members signed, in strictly ascending signer order. The digest
/// binds the L1, this deployment and the protocol version, so a signature cannot be replayed across
/// L1s, verifier deployments or versions. Security rests on the honesty of k attesters; a SNARK
/// verifier of a zkVM proof will replace this contract behind `IBatchVerifier`.
///
/// The attester set and threshold are fixed at deployment: nobody can change who attests a chain's
/// batches in place. A new set is a new verifier, published as a new protocol version
/// (`ChainFactory.publishProtocolVersion`), so every chain gets the upgrade window and may rage-quit.
contract AttestationVerifier is IBatchVerifier, ISignerSet {
    using SignerSet for SignerSet.Set;

    /// @inheritdoc IBatchVerifier
    uint256 public immutable override protocolVersion;

    SignerSet.Set private _signers;

    /// @param protocolVersion_ the protocol version attestations are for
    /// @param signers the attester set (any order, no duplicates)
    /// @param threshold_ signatures required
    constructor(uint256 protocolVersion_, address[] memory signers, uint256 threshold_) {
        protocolVersion = protocolVersion_;
        for (uint256 i; i < signers.length; ++i) {
            _signers.add(signers[i]);
        }
        _signers.setThreshold(threshold_);
    }

    /// @inheritdoc IBatchVerifier
    /// @dev `proof` = concatenated 65-byte signatures over `digest(publicInput)`, ascending signers.
    function verify(bytes32 publicInput, bytes calldata proof) external view override {
        _signers.verify(digest(publicInput), proof);
    }

    /// @notice What the attesters sign for `publicInput` (see `Attestation.digest`).
    function digest(bytes32 publicInput) public view returns (bytes32) {
        return Attestation.digest(block.chainid, address(this), protocolVersion, publicInput);
    }

    /// @inheritdoc ISignerSet
    function isSigner(address account) external view override returns (bool) {
        return _signers.isSigner[account];
    }

    /// @inheritdoc ISignerSet
    function signerCount() external view override returns (uint256) {
        return _signers.count;
    }

    /// @inheritdoc ISignerSet
    function threshold() external view override returns (uint256) {
        return _signers.threshold;
    }
}
