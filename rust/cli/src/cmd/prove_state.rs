//! `hyperchain prove-state`: the `StateProof` a cross-chain view takes (`StateReader.readStorage`
//! / `readAccount` on a hyperchain, `StateProofs` on L1), built from public data only — L1's
//! Transaction Root events and the batch's roots on its settlement, the chain's `eth_getProof` at
//! the batch's last block.

use crate::common::{DevnetArgs, connect, output};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::{SolCall, SolValue},
};
use eyre::eyre;
use hyperchain_bindings::{StateReader, predeploys};
use hyperchain_zkevm::state_proof::{self, AccountProofs, RootedBatch};
use serde::Serialize;

/// Print the proof of an account and storage slots of a hyperchain at one of its settled batches.
#[derive(Debug, clap::Args)]
pub(crate) struct ProveStateArgs {
    /// The hyperchain whose state is read.
    #[arg(long)]
    chain: u64,
    /// Its batch to read at (executed on L1).
    #[arg(long, required_unless_present = "latest", conflicts_with = "latest")]
    batch: Option<u64>,
    /// Read at the newest batch of `--chain` in a Transaction Root the reader has (`--reader`'s
    /// newest imported root, or L1's current root).
    #[arg(long)]
    latest: bool,
    /// The account of `--chain` whose balance, nonce, code hash and slots are proven.
    #[arg(long)]
    account: Address,
    /// A storage slot of the account (repeat for more); none for `readAccount`.
    #[arg(long = "slot")]
    slots: Vec<B256>,
    /// The hyperchain whose `StateReader` will verify the proof: the proof is against the newest
    /// Transaction Root it imported. Without it, against L1's current Transaction Root (for L1
    /// contracts).
    #[arg(long)]
    reader: Option<u64>,
    #[command(flatten)]
    devnet: DevnetArgs,
}

/// What `prove-state` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Proven {
    chain_id: u64,
    batch: u64,
    /// The chain's block the proofs were taken at (the batch's last).
    block: u64,
    account: Address,
    nonce: u64,
    balance: U256,
    storage_root: B256,
    code_hash: B256,
    slots: Vec<B256>,
    values: Vec<B256>,
    transaction_root: B256,
    leaf_index: u64,
    /// `abi.encode(StateProof)`.
    proof: Bytes,
    /// The reader call: `readStorage(chainId, batch, account, slots, proof)` with slots,
    /// `readAccount(chainId, batch, account, proof)` without.
    calldata: Bytes,
    /// Where to send `calldata` (`Predeploys.STATE_READER` on the reader chain).
    state_reader: Address,
}

impl ProveStateArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        let chain = devnet.chain(self.chain)?.clone();
        let l1 = connect(&devnet.l1.rpc_url, "L1", None).await?;
        let l2 = connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
        let transaction_root = devnet.contracts.transaction_root;
        let leaf_count = match self.reader {
            Some(reader) => {
                let info = devnet.chain(reader)?;
                let rpc = connect(&info.rpc_url, &format!("chain {reader}"), None).await?;
                let count =
                    state_proof::newest_imported_leaf_count(&l1, &rpc, transaction_root).await?;
                Some(
                    count.ok_or_else(|| {
                        eyre!("chain {reader} has imported no Transaction Root yet")
                    })?,
                )
            }
            None => None,
        };
        let batch = match self.batch {
            Some(batch) => batch,
            None => state_proof::latest_batch(&l1, transaction_root, self.chain, leaf_count)
                .await?
                .ok_or_else(|| {
                    eyre!("no batch of chain {} is in that Transaction Root yet", self.chain)
                })?,
        };
        let (rooted, block, proofs) = state_proof::prove_state(
            &l1,
            &l2,
            transaction_root,
            chain.settlement,
            self.chain,
            batch,
            leaf_count,
            self.account,
            &self.slots,
        )
        .await?;
        let printed = proven(rooted, block, proofs);
        output(json, &printed, |p| {
            println!(
                "account {} of chain {} at batch {} (block {})",
                p.account, p.chain_id, p.batch, p.block
            );
            println!("  nonce {}, balance {} wei, code hash {}", p.nonce, p.balance, p.code_hash);
            for (slot, value) in p.slots.iter().zip(&p.values) {
                println!("  slot {slot} = {value}");
            }
            println!("Transaction Root {} (leaf {})", p.transaction_root, p.leaf_index);
            println!("proof (abi.encode(StateProof)): {}", p.proof);
            println!("call {} with: {}", p.state_reader, p.calldata);
        });
        Ok(())
    }
}

fn proven(rooted: RootedBatch, block: u64, proofs: AccountProofs) -> Proven {
    let (chain_id, batch, account) = (rooted.chain_id, rooted.batch, proofs.account);
    let (slots, values) = (proofs.slots.clone(), proofs.values.clone());
    let (nonce, balance, storage_root, code_hash) =
        (proofs.nonce, proofs.balance, proofs.storage_root, proofs.code_hash);
    let (transaction_root, leaf_index) = (rooted.transaction_root, rooted.leaf_index);
    let proof =
        proofs.into_state_proof(transaction_root, rooted.messages_root, rooted.batch_proof.into());
    let calldata = if slots.is_empty() {
        StateReader::readAccountCall {
            chainId: U256::from(chain_id),
            batchNumber: batch,
            account,
            proof: proof.clone(),
        }
        .abi_encode()
    } else {
        StateReader::readStorageCall {
            chainId: U256::from(chain_id),
            batchNumber: batch,
            account,
            slots: slots.clone(),
            proof: proof.clone(),
        }
        .abi_encode()
    };
    Proven {
        chain_id,
        batch,
        block,
        account,
        nonce,
        balance,
        storage_root,
        code_hash,
        slots,
        values,
        transaction_root,
        leaf_index,
        proof: proof.abi_encode().into(),
        calldata: calldata.into(),
        state_reader: predeploys::STATE_READER,
    }
}
