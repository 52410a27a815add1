//! The relayer binary against real anvils and the real contracts: L1 + hyperchains launched by
//! `hyperchain-devnet` (the forge deploy scripts), settled by `hyperchain-operator`, relayed by
//! the `hyperchain-relayer` process itself (so it can be `kill -9`ed).

mod support;

mod bench;
mod config;
mod crash;
mod delivery;
mod postgres;
