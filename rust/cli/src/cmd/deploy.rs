//! `hyperchain deploy`: the L1 contracts on any L1, with the same script `up` uses.

use crate::common::{SignerArgs, connect, l1_rpc_url, optional_devnet, output};
use eyre::Context;
use hyperchain_devnet::{DeployL1Options, Toolchain, deploy_l1};
use std::path::PathBuf;

/// Deploy the L1 contracts (script/DeployL1.s.sol) and print their addresses.
#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    /// L1 JSON-RPC (default: the running devnet's L1, else http://127.0.0.1:8545).
    #[arg(long)]
    l1_rpc: Option<String>,
    #[command(flatten)]
    signer: SignerArgs,
    /// Devnet description (default `<repo>/.hyperchain/devnet.json` when it exists): its L1 and
    /// dev accounts (`--account`).
    #[arg(long)]
    devnet: Option<PathBuf>,
    /// Comma-separated addresses of the attester set (the verifier's signers, fixed at deployment).
    #[arg(long)]
    attesters: Option<String>,
    /// Attestations required per batch.
    #[arg(long)]
    attestation_threshold: Option<u64>,
}

impl DeployArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = optional_devnet(self.devnet.as_deref())?;
        let l1_rpc = l1_rpc_url(self.l1_rpc.as_deref(), devnet.as_ref());
        connect(&l1_rpc, "L1", None).await?;
        // The deployer becomes governance: `--private-key`, or `--account` of the running devnet.
        let signer = self.signer.signer(devnet.as_ref())?;
        let toolchain = Toolchain::locate()?;
        // A dev account of the running devnet deploying to that devnet's own L1 is the local dev
        // case `up` runs in dev mode (the key is public anyway). Anywhere else the script refuses
        // public dev keys (`PublicDevKey`).
        let local_dev = self.signer.private_key.is_none()
            && devnet.as_ref().is_some_and(|d| d.l1.rpc_url == l1_rpc);
        let mut options =
            if local_dev { DeployL1Options::dev() } else { DeployL1Options::default() };
        if let Some(a) = &self.attesters {
            options.env.push(("ATTESTERS".into(), a.clone()));
        }
        if let Some(t) = self.attestation_threshold {
            options.env.push(("ATTESTATION_THRESHOLD".into(), t.to_string()));
        }
        eprintln!("deploying L1 contracts with script/DeployL1.s.sol …");
        let (deployment, run) = deploy_l1(&toolchain, &l1_rpc, signer.to_bytes(), &options)
            .await
            .wrap_err("deploy failed")?;
        output(json, &deployment, |d| {
            println!("deployed in {} ms", run.elapsed.as_millis());
            println!("ChainFactory     {}", d.chain_factory);
            println!("SharedBridge     {}", d.shared_bridge);
            println!("TransactionRoot  {}", d.transaction_root);
            println!("Verifier         {}", d.verifier);
        });
        Ok(())
    }
}
