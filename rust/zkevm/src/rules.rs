//! The execution and state-trie rules of the chain's nodes.

use alloy::{
    consensus::Header,
    eips::eip1559::{BaseFeeParams, calc_next_block_base_fee},
};
use revm::primitives::hardfork::SpecId;

/// The chain's execution and state-trie rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionRules {
    /// EVM hardfork.
    pub spec: SpecId,
    /// anvil hashes every slot of its in-memory revm `CacheDB`, so a zero slot it ever loaded
    /// stays in its storage trie as a leaf holding `rlp(0)`: a slot written to zero, but also one
    /// only read (SLOAD of an empty mapping entry) or written and reset within the batch;
    /// Ethereum has no zero leaves. `true` = anvil's rule (see `matching_state_root`).
    pub keep_cleared_slots: bool,
    /// anvil does not delete an empty account a transaction touches (EIP-161): one in the
    /// genesis stays in the trie. `true` = anvil's rule.
    pub keep_empty_accounts: bool,
}

impl ExecutionRules {
    /// The rules of the hyperchains' nodes: anvil 1.7.1 defaults (Prague).
    pub const ANVIL: Self =
        Self { spec: SpecId::PRAGUE, keep_cleared_slots: true, keep_empty_accounts: true };
}

impl ExecutionRules {
    /// The base fee of the block after `parent`. anvil's rule: EIP-1559 (`BaseFeeParams::ethereum`:
    /// change denominator 8, elasticity 2) from the parent's gas used, gas limit and base fee,
    /// except that the first block after genesis keeps the genesis's base fee (the node's fee
    /// market starts at it) and a zero base fee stays zero (anvil started with `--base-fee 0`
    /// treats it as fixed).
    pub fn next_base_fee(&self, parent: &Header) -> u64 {
        let base_fee = parent.base_fee_per_gas.unwrap_or_default();
        if parent.number == 0 || base_fee == 0 {
            return base_fee;
        }
        calc_next_block_base_fee(
            parent.gas_used,
            parent.gas_limit,
            base_fee,
            BaseFeeParams::ethereum(),
        )
    }
}
