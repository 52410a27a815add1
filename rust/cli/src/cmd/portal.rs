//! `hyperchain portal`: the bridge portal of the running devnet — the page and its JSON API
//! (`hyperchain-portal`), on a loopback address.

use crate::common::{DevnetArgs, DevnetFile};
use eyre::{Context, bail};
use hyperchain_devnet::roles;
use hyperchain_portal::{DevAccount, Ecosystem, HyperchainInfo};
use std::net::SocketAddr;

/// Serve the portal until Ctrl-C or SIGTERM (`up` starts one itself).
#[derive(Debug, clap::Args)]
pub(crate) struct PortalArgs {
    /// Where to listen: a loopback address only, since the portal sends transactions from the
    /// devnet's unlocked dev accounts for the page (port 0: a free one).
    #[arg(long, default_value = "127.0.0.1:8580")]
    listen: SocketAddr,
    #[command(flatten)]
    devnet: DevnetArgs,
}

/// The devnet as the portal shows it. The page may act as the dev accounts no devnet role uses
/// (the deployer, operators, relayer and DA committee send their own transactions: sharing
/// their nonces would make those fail).
pub(crate) fn ecosystem(devnet: &DevnetFile) -> Ecosystem {
    let operators = roles::FIRST_OPERATOR..roles::FIRST_OPERATOR + devnet.chains.len();
    let dev_accounts = devnet
        .accounts
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            ![roles::DEPLOYER, roles::RELAYER, roles::DA_COMMITTEE].contains(i)
                && !operators.contains(i)
        })
        .map(|(i, a)| DevAccount { address: a.address, label: format!("dev account {i}") })
        .collect();
    Ecosystem {
        l1_chain_id: devnet.l1.chain_id,
        l1_rpc_url: devnet.l1.rpc_url.clone(),
        shared_bridge: devnet.contracts.shared_bridge,
        transaction_root: devnet.contracts.transaction_root,
        chains: devnet
            .chains
            .iter()
            .map(|c| HyperchainInfo {
                chain_id: c.chain_id,
                rpc_url: c.rpc_url.clone(),
                settlement: c.settlement,
                da_mode: c.da_mode.clone(),
            })
            .collect(),
        dev_accounts,
        tokens: devnet.tokens.clone(),
    }
}

impl PortalArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        if !self.listen.ip().is_loopback() {
            bail!(
                "--listen {}: the portal serves on a loopback address only (it relays \
                 transactions of the devnet's unlocked dev accounts)",
                self.listen
            );
        }
        let devnet = self.devnet.load()?;
        let (listener, addr) = hyperchain_portal::bind(self.listen)
            .await
            .wrap_err_with(|| format!("listen on {}", self.listen))?;
        let url = format!("http://{addr}");
        crate::common::output(json, &serde_json::json!({ "url": url }), |_| {
            println!("portal on {url} (Ctrl-C stops it)")
        });
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .wrap_err("installing the SIGTERM handler")?;
        let shutdown = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        hyperchain_portal::serve(ecosystem(&devnet), listener, shutdown)
            .await
            .wrap_err("portal server")?;
        Ok(())
    }
}
