//! `check-config`: connects to everything the configuration names and reports each problem.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use serde::Serialize;

use crate::{
    abi::{self, IChainFactory, ITransactionRoot},
    config::Config,
    db::{Store, redact},
    relayer::http_provider,
};

/// One check's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub subject: String,
    /// Whether the check passed.
    pub ok: bool,
    /// Details or the problem.
    pub detail: String,
}

const TIMEOUT: Duration = Duration::from_secs(5);

async fn timed<T, E: std::fmt::Display>(
    fut: impl std::future::IntoFuture<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(TIMEOUT, fut.into_future()).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", TIMEOUT.as_secs())),
    }
}

fn dead(url: &str, e: &str) -> String {
    format!("RPC {url} is unreachable: {e}")
}

async fn has_code(p: &DynProvider, a: Address) -> Result<bool, String> {
    timed(p.get_code_at(a)).await.map(|c| !c.is_empty())
}

/// Runs every check; the caller prints them and fails when any failed.
pub async fn check_config(config: &Config) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |subject: String, r: Result<String, String>| {
        let (ok, detail) = match r {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        out.push(Check { subject, ok, detail });
    };

    // Database
    let db = timed(Store::connect(&config.database_url)).await;
    push(
        format!("database {}", redact(&config.database_url)),
        db.map(|s| {
            format!(
                "connected, migrations applied ({})",
                if s.is_postgres() { "postgres" } else { "sqlite" }
            )
        }),
    );

    // L1
    let l1_url = &config.l1.rpc_url;
    let mut l1_ok = None;
    match http_provider(l1_url) {
        Err(e) => push("l1".into(), Err(e.to_string())),
        Ok(p) => match timed(p.get_chain_id()).await {
            Err(e) => push("l1".into(), Err(dead(l1_url, &e))),
            Ok(id) => {
                let r = match config.l1.chain_id {
                    Some(want) if want != id => {
                        Err(format!("RPC {l1_url} has chain id {id}, config says {want}"))
                    }
                    _ => Ok(format!("RPC {l1_url}, chain id {id}")),
                };
                push("l1".into(), r);
                l1_ok = Some(p);
            }
        },
    }
    if let Some(l1) = &l1_ok {
        let tr = config.l1.transaction_root;
        let r = match has_code(l1, tr).await {
            Ok(true) => match timed(ITransactionRoot::new(tr, l1).leafCount().call()).await {
                Ok(n) => Ok(format!("{tr}: {n} leaves")),
                Err(e) => Err(format!("{tr} does not answer leafCount(): {e}")),
            },
            Ok(false) => Err(format!("no contract at {tr}")),
            Err(e) => Err(e),
        };
        push("l1.transaction_root".into(), r);
        let factory = config.l1.chain_factory;
        let r = match has_code(l1, factory).await {
            Ok(true) => Ok(format!("{factory}")),
            Ok(false) => Err(format!("no contract at {factory}")),
            Err(e) => Err(e),
        };
        push("l1.chain_factory".into(), r);
    }

    // Chains
    for chain in &config.chains {
        let subject = format!("chain {} ({})", chain.name, chain.chain_id);
        let provider = match http_provider(&chain.rpc_url) {
            Ok(p) => p,
            Err(e) => {
                push(subject, Err(e.to_string()));
                continue;
            }
        };
        let id = match timed(provider.get_chain_id()).await {
            Ok(id) => id,
            Err(e) => {
                push(subject, Err(dead(&chain.rpc_url, &e)));
                continue;
            }
        };
        if id != chain.chain_id {
            push(
                subject,
                Err(format!(
                    "RPC {} has chain id {id}, config says {} (unknown chain id)",
                    chain.rpc_url, chain.chain_id
                )),
            );
            continue;
        }
        push(subject.clone(), Ok(format!("RPC {}, chain id {id}", chain.rpc_url)));
        for (name, addr) in [("outbox", abi::OUTBOX), ("inbox", abi::INBOX)] {
            let r = match has_code(&provider, addr).await {
                Ok(true) => Ok(format!("{addr}")),
                Ok(false) => {
                    Err(format!("no {name} predeploy at {addr}: not a hyperchain genesis"))
                }
                Err(e) => Err(e),
            };
            push(format!("{subject} {name}"), r);
        }
        let signer = config.signer_of(chain).map(|s| s.load());
        match signer {
            Some(Ok(s)) => {
                let address = s.address();
                let r = match timed(provider.get_balance(address)).await {
                    Ok(b) if b == U256::ZERO => {
                        Err(format!("signer {address} has no ETH on {} to pay gas", chain.name))
                    }
                    Ok(b) => Ok(format!("signer {address}, balance {b} wei")),
                    Err(e) => Err(e),
                };
                push(format!("{subject} signer"), r);
            }
            Some(Err(e)) => push(format!("{subject} signer"), Err(e.to_string())),
            None => push(format!("{subject} signer"), Err("no signer configured".into())),
        }
        if let Some(l1) = &l1_ok {
            let factory = IChainFactory::new(config.l1.chain_factory, l1);
            let r = match timed(factory.settlementOf(U256::from(chain.chain_id)).call()).await {
                Ok(a) if a == Address::ZERO => Err(format!(
                    "chain id {} is not registered in the ChainFactory",
                    chain.chain_id
                )),
                Ok(a) => Ok(format!("settlement {a}")),
                Err(e) => Err(format!("settlementOf failed: {e}")),
            };
            push(format!("{subject} registration"), r);
        }
    }
    out
}
