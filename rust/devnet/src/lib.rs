//! Local ecosystem launcher: anvil nodes (L1 and hyperchains) supervised as child processes, the
//! repository's forge scripts (`DeployL1.s.sol`, `GenesisL2.s.sol`), and [`Ecosystem`], which
//! brings up a whole L1 + N hyperchains with registered settlement contracts; [`swap`] runs the
//! cross-chain swap of `hyperchain demo swap` on a running one, [`view`] a cross-chain view.
//!
//! Every anvil runs in its own process group and dies with its owner (drop, Ctrl-C, even
//! `kill -9` of the parent on Linux): no orphan processes. Clocks: every node uses wall-clock
//! block timestamps (no time warps), so chains agree on time.

mod anvil;
mod attester;
mod ecosystem;
mod error;
mod forge;
pub mod swap;
mod toolchain;
pub mod view;

pub use anvil::{AnvilConfig, AnvilInstance, DevAccount, wait_ready};
pub use attester::{
    ATTESTER_KEY_ENV, AttesterProcess, AttesterSpec, attester_binary, dev_attester_address,
    dev_attester_key,
};
pub use ecosystem::{
    BACKING_RECIPIENT, ChainSpec, DEV_L2_GAS_PRICE, Ecosystem, EcosystemConfig, HyperchainNode,
    Timings, genesis_block_hash, genesis_state_root, register_chain, roles,
};
pub use error::DevnetError;
pub use forge::{
    DeployL1Options, ForgeScript, GenesisRequest, L1Deployment, ScriptOutput, deploy_l1,
    dev_mode_env, generate_genesis, read_json,
};
pub use toolchain::Toolchain;

/// Polls `check` every 200 ms until it returns `Some`, failing after `timeout` with an error that
/// names `step`.
pub async fn poll<T, F, Fut>(
    step: &str,
    timeout: std::time::Duration,
    mut check: F,
) -> eyre::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = eyre::Result<Option<T>>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if started.elapsed() > timeout {
            eyre::bail!("step did not happen within {timeout:?}: {step}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
