//! The attester's HTTP API, shared by the service and its clients (the operator).
//!
//! - `POST /v1/attest` with an [`AttestRequest`]: 200 [`Attested`], 422 [`Refused`] (the batch does
//!   not validate, or would equivocate), 503 [`NotYet`] (the chain's RPC is down or behind the
//!   batch, or L1 has not got the previous batch: ask again later).
//! - `GET /healthz`: 200 [`Health`].
//! - `GET /v1/signed?since_ms=N`: 200, the [`SignedRecord`]s signed since `N` (Unix ms).
//! - `GET /metrics`: Prometheus text.

use alloy::primitives::{Address, B256, Bytes, Signature};
use hyperchain_bindings::CommitBatchInfo;
use hyperchain_zkevm::{MissingEntry, ValidationError};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, time::Duration};

/// A batch an operator asks to be attested.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AttestRequest {
    /// The hyperchain.
    pub chain_id: u64,
    /// Must equal `commit.batchNumber`.
    pub batch_number: u64,
    /// First L2 block of the batch (1 for batch 1).
    pub first_block: u64,
    /// Last L2 block of the batch.
    pub last_block: u64,
    /// The claimed `CommitBatchInfo`, ABI-encoded (`abi.encode(batch)`), as `0x…` hex.
    pub commit: Bytes,
}

impl AttestRequest {
    /// A request for `commit`, blocks `first_block..=last_block` of chain `chain_id`.
    pub fn new(chain_id: u64, first_block: u64, last_block: u64, commit: &CommitBatchInfo) -> Self {
        use alloy::sol_types::SolValue;
        Self {
            chain_id,
            batch_number: commit.batchNumber,
            first_block,
            last_block,
            commit: commit.abi_encode().into(),
        }
    }
}

/// 200: the attester's signature over the attestation digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attested {
    /// 65 bytes `r ‖ s ‖ v`.
    pub signature: Bytes,
    /// The signer (what the signature must recover to).
    pub attester: Address,
}

/// 422: the attester will not sign this batch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refused {
    /// A stable name: `state_root_mismatch`, `messages_root_mismatch`, `<field>_mismatch`,
    /// `wrong_previous_root`, `non_canonical_genesis`, `broken_header_chain`,
    /// `timestamp_decreased`, `timestamp_ahead_of_l1`, `wrong_base_fee`, `unverified_block_hash`,
    /// `extra_system_transaction`, `priority_request_gas_mismatch`, `priority_request_mismatch`,
    /// `invalid_blocks`, `equivocation`, `unknown_chain`, `bad_request`.
    pub refused: String,
    /// The validity program's (or the guard's) message.
    pub detail: String,
}

/// 503: not refused, but not signable yet.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NotYet {
    /// Why (e.g. `chain 901 RPC: connection refused`, `chain at block 7, batch ends at 9`).
    pub not_yet: String,
}

/// `GET /healthz`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Health {
    /// Always `ok` when it answers.
    pub status: String,
    /// The attester's signing address.
    pub attester: Address,
    /// Highest batch number signed, per chain id.
    pub last_signed: BTreeMap<u64, u64>,
}

/// One batch the attester signed (`GET /v1/signed`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedRecord {
    /// The hyperchain.
    pub chain_id: u64,
    /// The batch.
    pub batch_number: u64,
    /// The attestation digest signed.
    pub digest: B256,
    /// When (Unix ms).
    pub signed_at_ms: u64,
    /// From the request to the signature: L1 reads, blocks and witness from the chain's RPC,
    /// re-execution, signing.
    pub validation_ms: u64,
}

/// The refusal name of a validity-program error (the `refused` field of [`Refused`]).
pub fn refusal_reason(error: &ValidationError) -> String {
    match error {
        ValidationError::StateRootMismatch { .. } => "state_root_mismatch".into(),
        ValidationError::ClaimMismatch { field, .. } => match *field {
            "newStateRoot" => "state_root_mismatch".into(),
            "messagesRoot" => "messages_root_mismatch".into(),
            other => format!("{}_mismatch", snake_case(other)),
        },
        ValidationError::WrongPreviousRoot { .. } => "wrong_previous_root".into(),
        ValidationError::BrokenHeaderChain { .. } => "broken_header_chain".into(),
        ValidationError::TimestampDecreased { .. } => "timestamp_decreased".into(),
        ValidationError::TimestampAheadOfL1 { .. } => "timestamp_ahead_of_l1".into(),
        ValidationError::WrongBaseFee { .. } => "wrong_base_fee".into(),
        ValidationError::MissingWitness(MissingEntry::BlockHash(_))
        | ValidationError::UnverifiedBlockHash { .. } => "unverified_block_hash".into(),
        ValidationError::SystemTransactionNotEntryPoint { .. }
        | ValidationError::UnknownPriorityRequest { .. }
        | ValidationError::UnknownTransactionRoot { .. } => "extra_system_transaction".into(),
        ValidationError::PriorityRequestGasMismatch { .. } => {
            "priority_request_gas_mismatch".into()
        }
        ValidationError::PriorityRequestMismatch { .. } => "priority_request_mismatch".into(),
        ValidationError::NoPredeployCodes | ValidationError::NonCanonicalPredeploy { .. } => {
            "non_canonical_genesis".into()
        }
        _ => "invalid_blocks".into(),
    }
}

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why an attester gave no signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationFailure {
    /// 422: the batch does not validate (or it would equivocate).
    #[error("refused {}: {}", .0.refused, .0.detail)]
    Refused(Refused),
    /// 503: ask again later.
    #[error("not yet: {0}")]
    NotYet(String),
    /// No answer, a timeout, or an answer that is not the API's.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// A signature that does not recover to the attester it names, or to a member of the set.
    #[error("bad signature: {0}")]
    BadSignature(String),
}

/// Asks the attester at `base_url` (e.g. `http://127.0.0.1:7001`) to attest `request`, waiting at
/// most `timeout`, and checks that the signature over `digest` recovers to the attester it names.
pub async fn request_attestation(
    client: &reqwest::Client,
    base_url: &str,
    request: &AttestRequest,
    digest: B256,
    timeout: Duration,
) -> Result<Attested, AttestationFailure> {
    let unreachable = |e: reqwest::Error| AttestationFailure::Unreachable(e.to_string());
    let url = format!("{}/v1/attest", base_url.trim_end_matches('/'));
    let response =
        client.post(url).json(request).timeout(timeout).send().await.map_err(unreachable)?;
    match response.status().as_u16() {
        200 => {
            let attested: Attested = response.json().await.map_err(unreachable)?;
            let signature = Signature::from_raw(&attested.signature)
                .map_err(|e| AttestationFailure::BadSignature(e.to_string()))?;
            let signer = signature
                .recover_address_from_prehash(&digest)
                .map_err(|e| AttestationFailure::BadSignature(e.to_string()))?;
            if signer != attested.attester {
                return Err(AttestationFailure::BadSignature(format!(
                    "recovers to {signer}, not to the attester {} it names",
                    attested.attester
                )));
            }
            Ok(attested)
        }
        422 => Err(AttestationFailure::Refused(response.json().await.map_err(unreachable)?)),
        503 => Err(AttestationFailure::NotYet(
            response.json::<NotYet>().await.map_err(unreachable)?.not_yet,
        )),
        status => Err(AttestationFailure::Unreachable(format!("HTTP {status}"))),
    }
}

/// `GET /healthz` of the attester at `base_url`.
pub async fn health(
    client: &reqwest::Client,
    base_url: &str,
    timeout: Duration,
) -> Result<Health, AttestationFailure> {
    get_json(client, &format!("{}/healthz", base_url.trim_end_matches('/')), timeout).await
}

/// `GET /v1/signed?since_ms=…` of the attester at `base_url`.
pub async fn signed_since(
    client: &reqwest::Client,
    base_url: &str,
    since_ms: u64,
    timeout: Duration,
) -> Result<Vec<SignedRecord>, AttestationFailure> {
    let url = format!("{}/v1/signed?since_ms={since_ms}", base_url.trim_end_matches('/'));
    get_json(client, &url, timeout).await
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<T, AttestationFailure> {
    let unreachable = |e: reqwest::Error| AttestationFailure::Unreachable(e.to_string());
    client
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(unreachable)?
        .error_for_status()
        .map_err(unreachable)?
        .json()
        .await
        .map_err(unreachable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_mismatches_are_named_after_the_field() {
        let mismatch = |field| ValidationError::ClaimMismatch {
            field,
            claimed: String::new(),
            computed: String::new(),
        };
        assert_eq!(refusal_reason(&mismatch("newStateRoot")), "state_root_mismatch");
        assert_eq!(refusal_reason(&mismatch("messagesRoot")), "messages_root_mismatch");
        assert_eq!(
            refusal_reason(&mismatch("priorityRequestsHash")),
            "priority_requests_hash_mismatch"
        );
        assert_eq!(refusal_reason(&ValidationError::BadBlocks), "invalid_blocks");
        assert_eq!(refusal_reason(&ValidationError::NoPredeployCodes), "non_canonical_genesis");
    }

    #[test]
    fn block_context_refusals_are_named() {
        use alloy::primitives::U256;
        let (block, index, nonce) = (7, 1, U256::from(3));
        let cases = [
            (
                ValidationError::TimestampAheadOfL1 {
                    block,
                    timestamp: 2,
                    l1_timestamp: 1,
                    max_ahead: 0,
                },
                "timestamp_ahead_of_l1",
            ),
            (ValidationError::WrongBaseFee { block, base_fee: 1, expected: 2 }, "wrong_base_fee"),
            (
                ValidationError::UnverifiedBlockHash {
                    block,
                    hash: B256::ZERO,
                    expected: B256::ZERO,
                },
                "unverified_block_hash",
            ),
            (
                ValidationError::MissingWitness(MissingEntry::BlockHash(block)),
                "unverified_block_hash",
            ),
            (
                ValidationError::SystemTransactionNotEntryPoint {
                    block,
                    index,
                    to: None,
                    input: Bytes::new(),
                },
                "extra_system_transaction",
            ),
            (
                ValidationError::UnknownPriorityRequest { block, index, nonce },
                "extra_system_transaction",
            ),
            (
                ValidationError::UnknownTransactionRoot { block, index, root: B256::ZERO },
                "extra_system_transaction",
            ),
            (
                ValidationError::PriorityRequestGasMismatch {
                    block,
                    index,
                    nonce,
                    delivered: U256::from(1),
                    requested: U256::from(2),
                },
                "priority_request_gas_mismatch",
            ),
            (
                ValidationError::PriorityRequestMismatch {
                    block,
                    index,
                    nonce,
                    message_hash: B256::ZERO,
                },
                "priority_request_mismatch",
            ),
        ];
        for (error, name) in cases {
            assert_eq!(refusal_reason(&error), name, "{error}");
        }
    }
}
