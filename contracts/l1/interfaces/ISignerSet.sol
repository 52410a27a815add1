// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISignerSet
/// @notice A governance-managed k-of-n set of ECDSA signers (the prover set of the attestation
/// verifier, the DA committee of the validium DA validator). Signatures are raw secp256k1 over a
/// contract-specific digest (no EIP-191 prefix), 65 bytes each (r ‖ s ‖ v), concatenated in
/// strictly ascending signer address order (which also makes them unique).
interface ISignerSet {
    /// @notice `signer` joined the set.
    event SignerAdded(address indexed signer);
    /// @notice `signer` left the set.
    event SignerRemoved(address indexed signer);
    /// @notice The number of signatures required changed.
    event ThresholdChanged(uint256 threshold);

    /// @notice The signature bytes are not a whole number of 65-byte signatures.
    error MalformedSignatures(uint256 length);
    /// @notice Fewer valid signatures than the threshold.
    error InsufficientSignatures(uint256 count, uint256 threshold);
    /// @notice The signature at `index` does not recover to any address (bad v, high s, ...).
    error InvalidSignature(uint256 index);
    /// @notice The signer at `index` is not above the previous one (unsorted or duplicated).
    error SignersNotAscending(uint256 index, address signer);
    /// @notice A signature recovered to an address outside the set.
    error UnknownSigner(address signer);
    /// @notice Adding a signer that is already in the set (or the zero address).
    error SignerAlreadyAdded(address signer);
    /// @notice Removing an address that is not in the set.
    error SignerNotFound(address signer);
    /// @notice The threshold must be between 1 and the number of signers.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);

    /// @notice Adds `signer` to the set (owner only).
    function addSigner(address signer) external;

    /// @notice Removes `signer` from the set (owner only); the threshold must stay reachable.
    function removeSigner(address signer) external;

    /// @notice Sets the number of signatures required (owner only), 1 ≤ threshold ≤ signer count.
    function setThreshold(uint256 threshold) external;

    /// @notice Whether `account` is in the set.
    function isSigner(address account) external view returns (bool);

    /// @notice Number of signers in the set.
    function signerCount() external view returns (uint256);

    /// @notice Number of valid signatures required.
    function threshold() external view returns (uint256);
}
