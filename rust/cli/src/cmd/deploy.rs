//! `hyperchain deploy`: the L1 contracts on any L1, with the same script `up` uses.

use crate::common::{SignerArgs, connect, output};
use eyre::Context;
use hyperchain_devnet::{DeployL1Options, Toolchain, deploy_l1};

/// Deploy the L1 contracts (script/DeployL1.s.sol) and print their addresses.
#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    /// L1 JSON-RPC.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    l1_rpc: String,
    #[command(flatten)]
    signer: SignerArgs,
    /// Comma-separated attester (prover set) addresses.
    #[arg(long)]
    attesters: Option<String>,
    /// Attestations required per batch.
    #[arg(long)]
    attestation_threshold: Option<u64>,
}

impl DeployArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        connect(&self.l1_rpc, "L1", None).await?;
        // No devnet here: the deployer (and governance) key must be given.
        let signer = self.signer.signer(None)?;
        let toolchain = Toolchain::locate()?;
        let mut options = DeployL1Options::default();
        if let Some(a) = &self.attesters {
            options.env.push(("ATTESTERS".into(), a.clone()));
        }
        if let Some(t) = self.attestation_threshold {
            options.env.push(("ATTESTATION_THRESHOLD".into(), t.to_string()));
        }
        eprintln!("deploying L1 contracts with script/DeployL1.s.sol …");
        let (deployment, run) = deploy_l1(&toolchain, &self.l1_rpc, signer.to_bytes(), &options)
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
