//! Asking the attester services for a batch's attestation and checking what they return.

use super::Operator;
use crate::error::call_err;
use crate::{BatchRecord, OperatorError};
use alloy::primitives::{Address, Bytes, U256};
use hyperchain_attester::{
    AttestationDomain,
    api::{AttestRequest, AttestationFailure, request_attestation},
    batch_digest,
};
use hyperchain_bindings::AttestationVerifier;
use std::time::Duration;

/// How long one attester may take to answer (it re-executes the batch).
const ATTESTATION_TIMEOUT: Duration = Duration::from_secs(30);

impl Operator {
    /// The attestation L1's verifier accepts for `record`: every configured attester is asked in
    /// parallel; each signature is recovered against the digest computed here and must be from a
    /// member of the verifier's set. As soon as `threshold` (read from the verifier) are valid
    /// they are returned ascending by signer, as the verifier expects. Refusals are logged with
    /// their reason; with fewer valid the batch waits ([`OperatorError::AttestationsMissing`]).
    pub(super) async fn attest(&self, record: &BatchRecord) -> Result<Bytes, OperatorError> {
        use futures::StreamExt as _;
        let n = record.number;
        let (prev_state_root, prev_block_hash) = self.previous_batch_end(n).await?;
        let version =
            self.settlement.protocolVersion().call().await.map_err(call_err("protocolVersion"))?;
        let verifier = AttestationVerifier::new(self.verifier, &self.l1);
        let threshold: usize = verifier
            .threshold()
            .call()
            .await
            .map_err(call_err("verifier threshold"))?
            .saturating_to();
        let domain = AttestationDomain {
            l1_chain_id: U256::from(self.l1_chain_id),
            verifier: self.verifier,
            protocol_version: U256::from(version),
        };
        let digest = batch_digest(
            &domain,
            U256::from(self.chain_id),
            prev_state_root,
            prev_block_hash,
            &record.info,
        );
        let request =
            AttestRequest::new(self.chain_id, record.first_block, record.last_block, &record.info);
        let mut answers: futures::stream::FuturesUnordered<_> = self
            .config
            .attesters
            .iter()
            .map(|url| {
                let request = &request;
                async move {
                    let answer =
                        request_attestation(&self.http, url, request, digest, ATTESTATION_TIMEOUT)
                            .await;
                    (url, answer)
                }
            })
            .collect();
        let mut valid: Vec<(Address, Bytes)> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        while let Some((url, answer)) = answers.next().await {
            let answer = match answer {
                Ok(a) => match verifier.isSigner(a.attester).call().await {
                    Ok(true) if valid.iter().any(|(addr, _)| *addr == a.attester) => Err(
                        AttestationFailure::BadSignature(format!("{} answered twice", a.attester)),
                    ),
                    Ok(true) => Ok(a),
                    Ok(false) => Err(AttestationFailure::BadSignature(format!(
                        "{} is not in the verifier's attester set",
                        a.attester
                    ))),
                    Err(e) => Err(AttestationFailure::Unreachable(format!("L1 isSigner: {e}"))),
                },
                Err(e) => Err(e),
            };
            match answer {
                Ok(a) => {
                    valid.push((a.attester, a.signature));
                    if valid.len() >= threshold {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(chain = self.chain_id, batch = n, attester = %url, "no attestation: {e}");
                    failures.push(format!("{url}: {e}"));
                }
            }
        }
        if valid.len() < threshold.max(1) {
            return Err(OperatorError::AttestationsMissing {
                batch: n,
                valid: valid.len(),
                threshold,
                failures: failures.join("; "),
            });
        }
        valid.sort_by_key(|(address, _)| *address);
        Ok(valid.into_iter().flat_map(|(_, sig)| sig.to_vec()).collect::<Vec<u8>>().into())
    }
}
