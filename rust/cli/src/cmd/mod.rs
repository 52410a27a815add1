//! One file per subcommand, each an `XxxArgs` with `run()`.

pub(crate) mod bench;
pub(crate) mod create_chain;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod deposit;
pub(crate) mod portal;
pub(crate) mod proof;
pub(crate) mod prove_state;
pub(crate) mod reconstruct;
pub(crate) mod send;
pub(crate) mod status;
pub(crate) mod up;
pub(crate) mod withdraw;
