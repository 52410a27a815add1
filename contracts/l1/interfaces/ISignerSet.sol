// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISignerSet
/// @notice A k-of-n set of ECDSA signers, fixed when its contract is deployed (the attester set of
/// the attestation verifier, the DA committee of the validium DA validator): changing a set means
/// deploying a new contract and publishing it through a protocol version, with its upgrade window. Signatures are raw secp256k1 over a
/// contract-specific digest (no EIP-191 prefix), 65 bytes each (r ‖ s ‖ v), concatenated in
/// strictly ascending signer address order (which also makes them unique).
interface ISignerSet {
    /// @notice `signer` joined the set.
    event SignerAdded(address indexed signer);
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
    /// @notice The threshold must be between 1 and the number of signers.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);

    /// @notice Whether `account` is in the set.
    function isSigner(address account) external view returns (bool);

    /// @notice Number of signers in the set.
    function signerCount() external view returns (uint256);

    /// @notice Number of valid signatures required.
    function threshold() external view returns (uint256);
}
