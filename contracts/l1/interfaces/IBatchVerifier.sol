// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IBatchVerifier
/// @notice The ecosystem's one batch verifier: checks a proof about a batch public input
/// (`BatchHashing.publicInput`). Today's implementation is an attestation (k-of-n signatures of a
/// registered attester set), not a zero-knowledge proof; a SNARK verifier of a zkVM proof implements
/// the same interface and replaces it with one governance call.
interface IBatchVerifier {
    /// @notice Reverts unless `proof` is a valid proof of `publicInput`.
    /// @param publicInput the batch public input (`BatchHashing.publicInput`)
    /// @param proof verifier-specific proof bytes
    function verify(bytes32 publicInput, bytes calldata proof) external view;

    /// @notice The protocol version this verifier belongs to. A proof is only valid for that version
    /// (the attestation digest includes it), so every protocol version comes with its own verifier.
    function protocolVersion() external view returns (uint256);
}
