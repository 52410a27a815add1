//! Typed alloy bindings of every Hyperchains contract, generated at build time from the forge
//! artifacts in `out/` (never hand-copied ABIs).
//!
//! - Every struct that appears in any contract ABI is one Rust type at the crate root, shared by
//!   all contracts: [`Message`], [`MerkleProof`], [`RelayProof`], [`CommitBatchInfo`],
//!   [`AssetTransfer`], [`TokenTransfer`], `ChainConfig`, … so a `Message` decoded from an L2
//!   `MessageQueued` log can be passed as is to `SharedBridge::finalizeWithdrawal` or
//!   `Inbox::relay`. File-level structs of `contracts/common` are present even before a contract
//!   uses them.
//! - Every contract under `contracts/` with a non-empty ABI is a module named after it (e.g.
//!   `ChainFactory`, `Inbox`) with `#[sol(rpc)]` instances (`Inbox::new(address, provider)`),
//!   call/event/error types, and `deploy` when its bytecode needs no library linking. Contracts
//!   whose artifacts do not exist yet are simply absent: the crate grows as contracts land.
//! - [`predeploys`] holds the fixed L2 addresses parsed from `Predeploys.sol`.
//!
//! The build script runs `tools/bin/forge build` first (set `HYPERCHAIN_SKIP_FORGE=1` to
//! use `out/` as it is).

#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::SolValue,
};

mod generated {
    #![allow(
        missing_docs,
        unreachable_pub,
        non_snake_case,
        non_camel_case_types,
        clippy::all,
        rust_2018_idioms
    )]
    include!(concat!(env!("OUT_DIR"), "/contracts.rs"));
}

pub use generated::*;

mod messages_tree;
pub use messages_tree::MessagesTree;

/// Fixed addresses of the hyperchain system contracts (`contracts/common/libraries/Predeploys.sol`).
pub mod predeploys {
    include!(concat!(env!("OUT_DIR"), "/predeploys.rs"));
}

impl Message {
    /// `message.hash()` of `MessageHashing`: `keccak256(abi.encode(message))`, the leaf of a batch's
    /// messages tree and the input of the priority rolling hash.
    pub fn hash(&self) -> B256 {
        keccak256(self.abi_encode())
    }
}

/// `MessageHashing.rollPriorityHash(previous, messageHash, l2GasLimit)` =
/// `keccak256(abi.encode(previous, messageHash, l2GasLimit))`; the rolling hash of priority
/// requests starts from zero.
pub fn roll_priority_hash(previous: B256, message_hash: B256, l2_gas_limit: U256) -> B256 {
    keccak256((previous, message_hash, l2_gas_limit).abi_encode())
}

/// L2 gas limit the tools (`hyperchain deposit`, the devnet's backing deposits) give a priority
/// request unless told otherwise: enough for a first ERC-20 deposit, whose delivery deploys the
/// token's `BridgedToken` on the hyperchain. Within `ChainSettlement`'s
/// `[MIN_L2_GAS_LIMIT, MAX_L2_GAS_LIMIT]`.
pub const DEFAULT_L2_GAS_LIMIT: u64 = 2_000_000;

/// What a priority request of one chain pays for its L2 gas at the chain's current price: the
/// `l2GasPrice` argument to name (`ChainSettlement.l2GasPrice()`) and the fee `l2GasLimit *
/// l2GasPrice` to add to the request's `msg.value` (the whole `msg.value` of a token deposit or a
/// forced root import).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2GasQuote {
    /// Wei per L2 gas.
    pub price: U256,
    /// `l2_gas_limit * price`.
    pub fee: U256,
}

impl L2GasQuote {
    /// Reads the chain's price through `SharedBridge.l2TransactionBaseCost(chainId, l2GasLimit)`.
    pub async fn fetch<P: alloy::providers::Provider>(
        bridge: &SharedBridge::SharedBridgeInstance<P>,
        chain_id: U256,
        l2_gas_limit: u64,
    ) -> Result<Self, alloy::contract::Error> {
        let limit = U256::from(l2_gas_limit.max(1));
        let fee = bridge.l2TransactionBaseCost(chain_id, limit).call().await?;
        Ok(Self { price: fee / limit, fee })
    }
}

/// `BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot, stateRoot)`: the leaf an
/// executed batch appends to the Transaction Root.
pub fn transaction_root_leaf(
    chain_id: U256,
    batch_number: u64,
    messages_root: B256,
    state_root: B256,
) -> B256 {
    keccak256((chain_id, batch_number, messages_root, state_root).abi_encode())
}

/// The `relayerFee(uint256)` ERC-7786 attribute of `Outbox.sendMessage`: the fee, paid in
/// `msg.value` next to the message's own value, that the relayer receives on delivery.
pub fn relayer_fee_attribute(fee: U256) -> Bytes {
    [&keccak256("relayerFee(uint256)")[..4], &fee.to_be_bytes::<32>()[..]].concat().into()
}

/// Decodes the revert reason of a failed contract call against every custom error the L1 and L2
/// contracts declare; `None` when the error is not a revert (a transport error).
pub fn decode_revert(err: &alloy::contract::Error) -> Option<String> {
    let data = err.as_revert_data()?;
    Some(decode_revert_data(&data))
}

/// The first of `$errors` (each a contract's `…Errors` enum) that decodes `$data`, rendered.
macro_rules! first_decoded {
    ($data:expr; $($errors:ty),+ $(,)?) => {{
        use alloy::sol_types::SolInterface;
        None$(.or_else(|| <$errors>::abi_decode($data).ok().map(|e| clean_debug(format!("{e:?}")))))+
    }};
}

/// Renders revert data as `ErrorName(arg, …)`.
pub fn decode_revert_data(data: &Bytes) -> String {
    let decoded: Option<String> = first_decoded!(data;
        ChainSettlement::ChainSettlementErrors,
        SharedBridge::SharedBridgeErrors,
        IInbox::IInboxErrors,
        AssetRouter::AssetRouterErrors,
        RemoteSwap::RemoteSwapErrors,
        IOutbox::IOutboxErrors,
        IETHLiquidity::IETHLiquidityErrors,
        ChainFactory::ChainFactoryErrors,
        StateProofs::StateProofsErrors,
        IStateReader::IStateReaderErrors,
        RemoteBalanceGate::RemoteBalanceGateErrors,
    );
    if let Some(text) = decoded {
        return text;
    }
    // `require(…, "text")` and panics of recipients, bubbled by the inbox.
    if let Ok(e) =
        <alloy::sol_types::GenericContractError as alloy::sol_types::SolInterface>::abi_decode(data)
    {
        return e.to_string();
    }
    if data.is_empty() {
        return "reverted without a reason".into();
    }
    format!("unknown revert 0x{}", alloy::hex::encode(data))
}

/// `UnknownTransactionRoot(UnknownTransactionRoot { root: 0x… })` → `UnknownTransactionRoot(0x…)`.
fn clean_debug(s: String) -> String {
    let Some(open) = s.find('(') else { return s };
    let name = &s[..open];
    let inner = &s[open + 1..s.len().saturating_sub(1)];
    let Some(brace) = inner.find('{') else { return format!("{name}()") };
    let fields = inner[brace + 1..].trim_end_matches('}').trim();
    let values: Vec<&str> = fields
        .split(", ")
        .map(|kv| kv.split_once(": ").map_or(kv, |(_, v)| v))
        .filter(|v| !v.is_empty())
        .collect();
    format!("{name}({})", values.join(", "))
}

impl From<hyperchain_merkle::MerkleProof> for MerkleProof {
    fn from(proof: hyperchain_merkle::MerkleProof) -> Self {
        Self {
            index: U256::from(proof.index),
            leafCount: U256::from(proof.leaf_count),
            siblings: proof.siblings,
        }
    }
}

/// A Solidity `MerkleProof` whose index or leaf count does not fit the Rust tree (`u64`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Merkle proof index {index} / leaf count {leaf_count} exceed 2^64")]
pub struct MerkleProofTooLarge {
    /// Index in the proof.
    pub index: U256,
    /// Leaf count in the proof.
    pub leaf_count: U256,
}

impl TryFrom<MerkleProof> for hyperchain_merkle::MerkleProof {
    type Error = MerkleProofTooLarge;

    fn try_from(proof: MerkleProof) -> Result<Self, Self::Error> {
        let err = || MerkleProofTooLarge { index: proof.index, leaf_count: proof.leafCount };
        Ok(Self {
            index: u64::try_from(proof.index).map_err(|_| err())?,
            leaf_count: u64::try_from(proof.leafCount).map_err(|_| err())?,
            siblings: proof.siblings.clone(),
        })
    }
}

/// ERC-7930 interoperable address (version 1, EVM chain type) of `addr` on `chain_id`, byte for
/// byte what OpenZeppelin's `InteroperableAddress.formatEvmV1(chainid, addr)` returns: the
/// `recipient` argument of `Outbox.sendMessage`.
pub fn interop_address(chain_id: U256, addr: Address) -> Bytes {
    let be = chain_id.to_be_bytes::<32>();
    let start = be.iter().position(|b| *b != 0).unwrap_or(31);
    let reference = &be[start..];
    let mut out = Vec::with_capacity(6 + reference.len() + 20);
    out.extend_from_slice(&[0x00, 0x01, 0x00, 0x00]);
    out.push(reference.len() as u8);
    out.extend_from_slice(reference);
    out.push(20);
    out.extend_from_slice(addr.as_slice());
    out.into()
}

/// Bytes that are not a version-1 EVM ERC-7930 address with a chain reference and a 20-byte address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an ERC-7930 EVM interoperable address (chain id + 20-byte address)")]
pub struct InvalidInteropAddress(pub Bytes);

/// Parses an ERC-7930 EVM interoperable address into `(chain_id, address)`, as OpenZeppelin's
/// `InteroperableAddress.parseEvmV1` does, except that the chain reference and the address are both
/// required and trailing bytes are rejected.
pub fn parse_interop_address(bytes: &[u8]) -> Result<(U256, Address), InvalidInteropAddress> {
    let err = || InvalidInteropAddress(Bytes::copy_from_slice(bytes));
    if bytes.len() < 6 || bytes[..4] != [0x00, 0x01, 0x00, 0x00] {
        return Err(err());
    }
    let ref_len = bytes[4] as usize;
    if ref_len == 0 || ref_len > 32 || bytes.len() != 6 + ref_len + 20 || bytes[5 + ref_len] != 20 {
        return Err(err());
    }
    let chain_id = U256::from_be_slice(&bytes[5..5 + ref_len]);
    let addr = Address::from_slice(&bytes[6 + ref_len..]);
    Ok((chain_id, addr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        primitives::{address, hex},
        sol_types::SolError,
    };
    use proptest::prelude::*;

    #[test]
    fn interop_address_matches_the_erc7930_example() {
        // ERC-7930 example: 0xd8dA…6045 on Ethereum mainnet (chain reference 0x01).
        let addr = address!("d8da6bf26964af9d7eed9e03e53415d37aa96045");
        assert_eq!(
            interop_address(U256::from(1), addr),
            Bytes::from(hex!("00010000010114d8da6bf26964af9d7eed9e03e53415d37aa96045"))
        );
    }

    #[test]
    fn parse_rejects_truncated_and_trailing_bytes() {
        let good = interop_address(U256::from(31337), Address::repeat_byte(7));
        assert!(parse_interop_address(&good[..good.len() - 1]).is_err());
        let mut long = good.to_vec();
        long.push(0);
        assert!(parse_interop_address(&long).is_err());
    }

    #[test]
    fn unknown_transaction_root_is_rendered_with_its_root() {
        let err = ChainSettlement::UnknownTransactionRoot { root: B256::repeat_byte(0xab) };
        let text = decode_revert_data(&err.abi_encode().into());
        assert_eq!(text, format!("UnknownTransactionRoot({})", B256::repeat_byte(0xab)));
        let err = ChainSettlement::NonConsecutiveBatch { expected: 3, actual: 5 };
        assert_eq!(decode_revert_data(&err.abi_encode().into()), "NonConsecutiveBatch(3, 5)");
        let err = ChainSettlement::ChainNotFrozen {};
        assert_eq!(decode_revert_data(&err.abi_encode().into()), "ChainNotFrozen()");
    }

    #[test]
    fn a_recipient_rejecting_a_relayed_message_is_named() {
        let recipient = Address::repeat_byte(0xde);
        let err = IInbox::InvalidRecipientResponse { recipient };
        assert_eq!(
            decode_revert_data(&err.abi_encode().into()),
            format!("InvalidRecipientResponse({recipient:?})")
        );
        let text = alloy::sol_types::Revert::from("not today").abi_encode();
        assert_eq!(decode_revert_data(&text.into()), "revert: not today");
        assert_eq!(
            decode_revert_data(&Bytes::from(vec![0xd3, 0x79, 0x5b, 0xc4])),
            "unknown revert 0xd3795bc4"
        );
    }

    proptest! {
        #[test]
        fn interop_address_roundtrips(chain in any::<u128>(), addr in any::<[u8; 20]>()) {
            let chain_id = U256::from(chain);
            let addr = Address::from(addr);
            let encoded = interop_address(chain_id, addr);
            prop_assert_eq!(parse_interop_address(&encoded), Ok((chain_id, addr)));
        }

        #[test]
        fn merkle_proof_converts_both_ways(index in any::<u64>(), count in any::<u64>(), n in 0usize..8) {
            let proof = hyperchain_merkle::MerkleProof {
                index,
                leaf_count: count,
                siblings: (0..n).map(|i| B256::with_last_byte(i as u8)).collect(),
            };
            let sol: MerkleProof = proof.clone().into();
            prop_assert_eq!(hyperchain_merkle::MerkleProof::try_from(sol), Ok(proof));
        }
    }
}
