// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Attestation
/// @notice What the ecosystem's attester set signs for a batch. This is an attestation, not a
/// zero-knowledge proof: each attester re-ran the validity program (Rust `zkevm`) and signs the
/// batch public input. The digest is domain-separated by the L1 chain id, the verifier contract
/// and the protocol version, so a signature cannot be replayed across L1s, deployments or
/// versions. Signatures are raw secp256k1 over the digest (no EIP-191 prefix), 65 bytes each
/// (r ‖ s ‖ v), concatenated in strictly ascending signer address order. The Rust `attester`
/// crate produces exactly this.
library Attestation {
    bytes32 internal constant DOMAIN_TAG = keccak256("Hyperchains.BatchAttestation.v1");

    function digest(uint256 l1ChainId, address verifier, uint256 protocolVersion, bytes32 publicInput)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(DOMAIN_TAG, l1ChainId, verifier, protocolVersion, publicInput));
    }
}
