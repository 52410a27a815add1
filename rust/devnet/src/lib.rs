//! Local ecosystem launcher: anvil nodes (L1 and hyperchains) supervised as child processes, the
//! repository's forge scripts (`DeployL1.s.sol`, `GenesisL2.s.sol`), and [`Ecosystem`], which
//! brings up a whole L1 + N hyperchains with registered settlement contracts.
//!
//! Every anvil runs in its own process group and dies with its owner (drop, Ctrl-C, even
//! `kill -9` of the parent on Linux): no orphan processes. Clocks: every node uses wall-clock
//! block timestamps (no time warps), so chains agree on time.

mod anvil;
mod ecosystem;
mod error;
mod forge;
mod toolchain;

pub use anvil::{AnvilConfig, AnvilInstance, DevAccount, wait_ready};
pub use ecosystem::{
    ChainSpec, Ecosystem, EcosystemConfig, HyperchainNode, Timings, genesis_state_root,
    register_chain, roles,
};
pub use error::DevnetError;
pub use forge::{
    DeployL1Options, ForgeScript, GenesisRequest, L1Deployment, ScriptOutput, deploy_l1,
    generate_genesis, read_json,
};
pub use toolchain::Toolchain;
