//! Batch attestations: what the L1 `AttestationVerifier` (the ecosystem's `IBatchVerifier`)
//! accepts for a batch.
//!
//! This is an **attestation**, not a zero-knowledge proof: each member of the registered attester
//! set re-runs the validity program (`hyperchain-zkevm`) and signs the batch public input. The L1
//! verifier accepts the batch when at least `threshold` registered members signed. It guarantees
//! that `threshold` key holders claimed the batch is valid; it does not prove it. A zkVM proof of
//! the same program replaces this crate and the verifier contract behind the same
//! `IBatchVerifier.verify(publicInput, proof)` interface.
//!
//! Format (`contracts/common/libraries/Attestation.sol`): the digest is
//! `keccak256(abi.encode(keccak256("Hyperchains.BatchAttestation.v1"), l1ChainId, verifier,
//! protocolVersion, publicInput))`; the proof is the concatenation of 65-byte raw secp256k1
//! signatures `r ‖ s ‖ v` (v = 27/28, no EIP-191 prefix) over it, signers strictly ascending by
//! address.
//!
//! The `hyperchain-attester` binary ([`service`]) is one member of the set: it fetches the batch
//! from the chain's own RPC, takes the previous state root from L1, re-runs the program and signs
//! only what validates, never two different batches with the same number ([`service::Guard`]).
//! Operators ask it over HTTP ([`api`]).

pub mod api;
pub mod service;

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolValue,
};
use hyperchain_bindings::{CommitBatchInfo, PredeployCode};
use hyperchain_zkevm::{
    BatchBlocks, BatchContext, ExecutionRules, L1View, ValidationError, Witness, check_genesis,
    public_input, validate_batch,
};

/// Which verifier an attestation is for (the digest's domain separation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttestationDomain {
    /// L1 chain id.
    pub l1_chain_id: U256,
    /// The `AttestationVerifier` contract.
    pub verifier: Address,
    /// The ecosystem protocol version the verifier is pinned to.
    pub protocol_version: U256,
}

/// A batch as the operator claims it, with what the attester needs to re-run it.
#[derive(Clone, Copy, Debug)]
pub struct BatchClaim<'a> {
    /// The batch's blocks with their transactions.
    pub blocks: &'a BatchBlocks,
    /// The pre-state witness.
    pub witness: &'a Witness,
    /// The state root L1 holds for the previous batch.
    pub prev_state_root: B256,
    /// Chain id, L1 chain id, the cumulative counters after the previous batch and the last block
    /// hash L1 holds for it.
    pub context: &'a BatchContext,
    /// What the operator commits (or committed) on L1. Its DA commitment must be keccak256 of the
    /// batch's pubdata, rollup or validium.
    pub commit: &'a CommitBatchInfo,
    /// The chain's protocol version's canonical system contracts (`ChainFactory.predeployCodes`
    /// on L1), which the genesis must hold before batch 1 is attested.
    pub predeploys: &'a [PredeployCode],
    /// What L1 says about the block context: its head's time and the bound, the priority
    /// requests and Transaction Roots the batch's system transactions deliver and import.
    pub l1: &'a L1View,
}

impl BatchClaim<'_> {
    /// The digest an attestation of this claim signs (known before re-execution: it is what the
    /// equivocation guard compares).
    pub fn digest(&self, domain: &AttestationDomain) -> B256 {
        batch_digest(
            domain,
            self.context.chain_id,
            self.prev_state_root,
            self.context.prev_block_hash,
            self.commit,
        )
    }
}

/// The attestation digest of batch `commit` of chain `chain_id` continuing from
/// `prev_state_root` and block `prev_block_hash` (what L1 holds for the previous batch), for
/// `domain`'s verifier.
pub fn batch_digest(
    domain: &AttestationDomain,
    chain_id: U256,
    prev_state_root: B256,
    prev_block_hash: B256,
    commit: &CommitBatchInfo,
) -> B256 {
    let input = public_input(chain_id, prev_state_root, prev_block_hash, commit);
    attestation_digest(domain.l1_chain_id, domain.verifier, domain.protocol_version, input)
}

/// An attestation of a validated batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBatch {
    /// The attestation digest that was signed.
    pub digest: B256,
    /// The signatures (`proof` of `proveBatch` when they reach the threshold).
    pub proof: Bytes,
}

/// Chain id, L1 chain id and the cumulative counters read from the chain's system contracts at
/// block `first - 1`: where a batch starting at block `first` continues from. `prev_block_hash`
/// is the last block hash L1 holds for the previous batch (never the node's word for it).
pub async fn batch_context<P: alloy::providers::Provider>(
    l2: &P,
    l1_chain_id: u64,
    first: u64,
    prev_block_hash: B256,
) -> Result<BatchContext, alloy::contract::Error> {
    use hyperchain_bindings::{IInbox, IOutbox, predeploys};
    let before = alloy::eips::BlockId::number(first.saturating_sub(1));
    let inbox = IInbox::new(predeploys::INBOX, l2);
    let outbox = IOutbox::new(predeploys::OUTBOX, l2);
    let chain_id = l2.get_chain_id().await.map_err(alloy::contract::Error::TransportError)?;
    Ok(BatchContext {
        l1_chain_id: U256::from(l1_chain_id),
        chain_id: U256::from(chain_id),
        next_message_nonce: outbox.nonce().block(before).call().await?,
        priority_requests_processed: inbox.priorityRequestsProcessed().block(before).call().await?,
        priority_requests_hash: inbox.priorityRequestsHash().block(before).call().await?,
        prev_block_hash,
    })
}

/// The domain tag of `Attestation.DOMAIN_TAG`.
pub fn domain_tag() -> B256 {
    keccak256("Hyperchains.BatchAttestation.v1")
}

/// `Attestation.digest(l1ChainId, verifier, protocolVersion, publicInput)`.
pub fn attestation_digest(
    l1_chain_id: U256,
    verifier: Address,
    protocol_version: U256,
    public_input: B256,
) -> B256 {
    keccak256((domain_tag(), l1_chain_id, verifier, protocol_version, public_input).abi_encode())
}

/// Why an attester could not be built or could not sign.
#[derive(Debug, thiserror::Error)]
pub enum AttesterError {
    /// No key was given.
    #[error("an attester needs at least one signing key")]
    NoKeys,
    /// The same key (address) was given twice: the verifier requires distinct signers.
    #[error("signing key for {0} was given twice")]
    DuplicateSigner(Address),
    /// A key that is not a valid secp256k1 private key.
    #[error("invalid attester private key #{index}: {source}")]
    InvalidKey {
        /// Position in the list of keys.
        index: usize,
        /// The parser's error (it never holds the key itself).
        #[source]
        source: alloy::signers::local::LocalSignerError,
    },
    /// The environment variable with the keys is missing.
    #[error("environment variable {0} with the attester keys is not set")]
    MissingEnv(String),
    /// The batch does not validate: the attester refuses to sign.
    #[error("refusing to attest: {0}")]
    Invalid(#[from] ValidationError),
    /// Signing failed.
    #[error("signing the attestation failed: {0}")]
    Signing(#[from] alloy::signers::Error),
}

/// Holds the local secp256k1 keys of one or more attester-set members and signs batch public
/// inputs with all of them.
#[derive(Clone, Debug)]
pub struct Attester {
    /// Sorted ascending by address, distinct.
    signers: Vec<PrivateKeySigner>,
}

impl Attester {
    /// An attester signing with every key in `signers`.
    pub fn new(mut signers: Vec<PrivateKeySigner>) -> Result<Self, AttesterError> {
        if signers.is_empty() {
            return Err(AttesterError::NoKeys);
        }
        signers.sort_by_key(|s| s.address());
        if let Some(pair) = signers.windows(2).find(|w| w[0].address() == w[1].address()) {
            return Err(AttesterError::DuplicateSigner(pair[0].address()));
        }
        Ok(Self { signers })
    }

    /// An attester from hex private keys (`0x…` or bare hex).
    pub fn from_hex_keys<S: AsRef<str>>(keys: &[S]) -> Result<Self, AttesterError> {
        let signers = keys
            .iter()
            .enumerate()
            .map(|(index, key)| {
                key.as_ref()
                    .trim()
                    .parse::<PrivateKeySigner>()
                    .map_err(|source| AttesterError::InvalidKey { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(signers)
    }

    /// An attester from the comma-separated hex private keys in environment variable `var`
    /// (e.g. `HYPERCHAIN_ATTESTER_KEYS`).
    pub fn from_env(var: &str) -> Result<Self, AttesterError> {
        let value = std::env::var(var).map_err(|_| AttesterError::MissingEnv(var.to_string()))?;
        let keys: Vec<&str> = value.split(',').filter(|k| !k.trim().is_empty()).collect();
        Self::from_hex_keys(&keys)
    }

    /// The signer addresses, ascending (what the verifier's signer set must contain).
    pub fn addresses(&self) -> Vec<Address> {
        self.signers.iter().map(|s| s.address()).collect()
    }

    /// Re-runs the validity program on `claim` and, only if the batch validates and equals the
    /// operator's `CommitBatchInfo`, returns the attestation of its public input. For batch 1 the
    /// program first checks the genesis (`prev_state_root`, which L1 only accepts as the
    /// registered genesis root for batch 1) against `claim.predeploys`.
    pub fn attest_batch(
        &self,
        domain: &AttestationDomain,
        claim: &BatchClaim<'_>,
        rules: &ExecutionRules,
    ) -> Result<SignedBatch, AttesterError> {
        if claim.commit.batchNumber == 1 {
            check_genesis(claim.prev_state_root, claim.witness, claim.predeploys, rules)?;
        }
        let validated = validate_batch(
            claim.blocks,
            claim.witness,
            claim.prev_state_root,
            claim.context,
            Some(claim.l1),
            rules,
        )?;
        validated.check_claim(claim.commit)?;
        let digest = claim.digest(domain);
        Ok(SignedBatch { digest, proof: self.sign_digest(digest)? })
    }

    /// The attestation of `public_input` for the verifier at `verifier` on L1 `l1_chain_id` with
    /// protocol version `protocol_version`: the `proof` argument of `ChainSettlement.proveBatch`.
    pub fn attest(
        &self,
        l1_chain_id: U256,
        verifier: Address,
        protocol_version: U256,
        public_input: B256,
    ) -> Result<Bytes, AttesterError> {
        self.sign_digest(attestation_digest(l1_chain_id, verifier, protocol_version, public_input))
    }

    fn sign_digest(&self, digest: B256) -> Result<Bytes, AttesterError> {
        Ok(sign_sorted(&self.signers, digest)?)
    }
}

/// One 65-byte `r || s || v` signature of `digest` per signer, concatenated ascending by signer
/// address: the signature list `AttestationVerifier` and `ValidiumDAValidator` take.
pub fn sign_sorted(
    signers: &[PrivateKeySigner],
    digest: B256,
) -> Result<Bytes, alloy::signers::Error> {
    let mut sorted: Vec<&PrivateKeySigner> = signers.iter().collect();
    sorted.sort_by_key(|s| s.address());
    let mut out = Vec::with_capacity(65 * sorted.len());
    for signer in sorted {
        out.extend_from_slice(&signer.sign_hash_sync(&digest)?.as_bytes());
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Signature;

    #[test]
    fn signatures_recover_to_sorted_signers_with_v_27_28() {
        let keys: Vec<PrivateKeySigner> = (0..5).map(|_| PrivateKeySigner::random()).collect();
        let attester = Attester::new(keys).unwrap();
        let (chain, verifier, version, input) =
            (U256::from(1), Address::repeat_byte(9), U256::from(1), B256::repeat_byte(7));
        let proof = attester.attest(chain, verifier, version, input).unwrap();
        assert_eq!(proof.len(), 5 * 65);
        let digest = attestation_digest(chain, verifier, version, input);
        let recovered: Vec<Address> = proof
            .chunks(65)
            .map(|sig| {
                assert!(sig[64] == 27 || sig[64] == 28);
                Signature::from_raw(sig).unwrap().recover_address_from_prehash(&digest).unwrap()
            })
            .collect();
        assert_eq!(recovered, attester.addresses());
        assert!(recovered.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn duplicate_and_missing_keys_are_refused() {
        let key = PrivateKeySigner::random();
        assert!(matches!(
            Attester::new(vec![key.clone(), key]),
            Err(AttesterError::DuplicateSigner(_))
        ));
        assert!(matches!(Attester::new(vec![]), Err(AttesterError::NoKeys)));
        assert!(matches!(
            Attester::from_hex_keys(&["0x1234"]),
            Err(AttesterError::InvalidKey { index: 0, .. })
        ));
    }
}
