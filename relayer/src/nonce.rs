//! One nonce manager per (chain, signer): hands out consecutive nonces without a round trip,
//! and resynchronises from the chain after "nonce too low" / replacement errors or a restart.

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    transports::TransportError,
};
use tokio::sync::Mutex;

/// Whether an RPC error says the nonce is stale (already used or replaced).
pub fn is_nonce_error(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("nonce too low")
        || m.contains("nonce too high")
        || m.contains("replacement transaction underpriced")
        || m.contains("already known")
        || m.contains("known transaction")
        || m.contains("invalid nonce")
}

/// Nonce source for one signer on one chain.
#[derive(Debug)]
pub struct NonceManager {
    provider: DynProvider,
    address: Address,
    next: Mutex<Option<u64>>,
}

impl NonceManager {
    /// A manager that reads the pending nonce on first use.
    pub fn new(provider: DynProvider, address: Address) -> Self {
        Self { provider, address, next: Mutex::new(None) }
    }

    /// The signer.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Reserves the next nonce.
    pub async fn next(&self) -> Result<u64, TransportError> {
        let mut next = self.next.lock().await;
        let nonce = match *next {
            Some(n) => n,
            None => self.provider.get_transaction_count(self.address).pending().await?,
        };
        *next = Some(nonce + 1);
        Ok(nonce)
    }

    /// Forgets the local counter; the next call reads the chain's pending nonce.
    pub async fn resync(&self) {
        *self.next.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_nonce_errors() {
        assert!(is_nonce_error(
            "server returned an error response: error code -32003: nonce too low"
        ));
        assert!(is_nonce_error("replacement transaction underpriced"));
        assert!(!is_nonce_error("execution reverted"));
    }
}
