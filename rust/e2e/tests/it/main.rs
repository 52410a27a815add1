//! End-to-end tests on real anvils: L1 + hyperchains deployed by the forge scripts, one real
//! operator per chain (commit → attestation → execute on L1, root imports), the real relayer.
//! Each test launches its own ecosystem.
//!
//! One file per scenario; what they share is in `support`.

mod apps;
mod priority;
mod rage_quit;
mod steps;
mod support;
mod three_chains;
mod withdrawals;
