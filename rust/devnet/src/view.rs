//! A cross-chain view on a running devnet (`hyperchain demo view`, `hyperchain bench`'s view gas,
//! and the e2e test that checks them): a contract on chain B acts on a token balance held on
//! chain A, with no message from A.
//!
//! The holder deploys a [`FaucetToken`] on A and mints itself a balance (and 7 other holders one,
//! so an 8-slot read of one account can be measured); a [`RemoteBalanceGate`] on B admits holders
//! of at least a minimum. Once A's batch with the mints is executed on L1 and a Transaction Root
//! holding it is imported on B (by the chains' operators: nothing here settles or imports), the
//! holder proves its balance slot with [`state_proof::prove_state`] and joins. Refused on the way:
//! a forged proof (`InvalidAccountProof`), and after a later batch was proven, the first proof as
//! too old for the gate (`StaleBatch`) while `StateReader` itself still reads that historical batch.

use std::time::{Duration, Instant};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use eyre::{WrapErr, bail, ensure, eyre};
use hyperchain_bindings::{
    FaucetToken, RemoteBalanceGate, StateProof, StateProofs, StateReader, decode_revert, predeploys,
};
use hyperchain_zkevm::state_proof::{self, AccountProofs, RootedBatch};
use serde::Serialize;

use crate::{poll, swap::SwapChain};

/// Other holders minted a balance besides the user, so that 8 balance slots of one token exist.
const OTHER_HOLDERS: u8 = 7;

/// Where the view runs.
#[derive(Clone, Debug)]
pub struct ViewConfig {
    /// The L1 RPC URL (Transaction Root events, settled batch roots).
    pub l1_rpc_url: String,
    /// L1's `TransactionRoot`.
    pub transaction_root: Address,
    /// The chain holding the token (A).
    pub token_chain: SwapChain,
    /// A's `ChainSettlement` on L1.
    pub token_settlement: Address,
    /// The chain whose gate reads A's state (B).
    pub reader_chain: SwapChain,
    /// Key of the holder, who also deploys the token and the gate (needs ETH on A and B).
    pub holder_key: B256,
    /// Token balance minted to the holder, in wei.
    pub balance: U256,
    /// The gate's minimum balance.
    pub min_balance: U256,
    /// The gate's `MAX_BATCH_AGE`.
    pub max_batch_age: u64,
    /// How long any one step may take (a batch settled and its root imported).
    pub step_timeout: Duration,
}

/// One step of the run and when it ended.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewStep {
    /// What happened.
    pub step: String,
    /// Milliseconds since the run started.
    pub elapsed_ms: u128,
}

/// What happened, with the addresses and numbers to look at.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewReport {
    /// Chain A's id.
    pub token_chain: u64,
    /// Chain B's id.
    pub reader_chain: u64,
    /// The holder.
    pub holder: Address,
    /// The token on A.
    pub token: Address,
    /// The gate on B.
    pub gate: Address,
    /// The holder's balance on A, as B's `StateReader` proved it.
    pub balance: U256,
    /// A's batch the holder joined with.
    pub batch: u64,
    /// Its last block on A (the proofs' block).
    pub block: u64,
    /// The Transaction Root the proof is against (imported on B).
    pub transaction_root: B256,
    /// The batch's leaf index in it.
    pub leaf_index: u64,
    /// The `join` transaction on B.
    pub join_tx: B256,
    /// How the gate refused a proof with one byte of an account proof node changed.
    pub forged_refused: String,
    /// A's later batch the holder joined with again.
    pub later_batch: u64,
    /// `StateReader.readStorage` of the first batch's proof after the later batch: still the
    /// balance (every imported root stays readable).
    pub historical_balance: U256,
    /// How the gate refused the first batch's proof after the later one.
    pub stale_refused: String,
    /// Execution gas of `readStorage` of the holder's slot on B: what the `StateReader` call
    /// frame spent, from a `debug_traceCall` of the transaction's call (forge's
    /// `snapshotGasLastCall` figure), at A's own trie depth.
    pub view_gas_1_slot: u64,
    /// Same for the 8 holders' slots of the token, one proof.
    pub view_gas_8_slots: u64,
    /// The whole transaction's `gasUsed` for 1 slot: 21,000, the calldata (or the EIP-7623
    /// calldata floor when that is more) and the execution.
    pub view_tx_gas_1_slot: u64,
    /// Same for 8 slots.
    pub view_tx_gas_8_slots: u64,
    /// Nodes of the account proof (the depth of A's state trie at the token).
    pub account_proof_nodes: usize,
    /// Every step with its elapsed time.
    pub steps: Vec<ViewStep>,
}

/// Runs the view; `progress` receives a line per step, prefixed with the elapsed milliseconds.
pub async fn remote_balance_view(
    config: &ViewConfig,
    mut progress: impl FnMut(&str),
) -> eyre::Result<ViewReport> {
    let started = Instant::now();
    let mut steps = Vec::new();
    let mut step = |text: String| {
        let elapsed_ms = started.elapsed().as_millis();
        progress(&format!("[{elapsed_ms:>6} ms] {text}"));
        steps.push(ViewStep { step: text, elapsed_ms });
    };
    let (a_id, b_id) = (config.token_chain.chain_id, config.reader_chain.chain_id);
    let signer = crate::swap::signer(config.holder_key)?;
    let holder = signer.address();
    let a = crate::swap::wallet(&config.token_chain.rpc_url, signer.clone())?;
    let b = crate::swap::wallet(&config.reader_chain.rpc_url, signer)?;
    let l1 = ProviderBuilder::new()
        .connect_http(config.l1_rpc_url.parse().wrap_err("L1 RPC URL")?)
        .erased();

    let token = FaucetToken::deploy(a.clone(), "Gate token".into(), "GATE".into())
        .await
        .wrap_err_with(|| format!("deploying FaucetToken on chain {a_id}"))?;
    let mut holders = vec![holder];
    holders.extend((1..=OTHER_HOLDERS).map(|i| Address::repeat_byte(0x10 + i)));
    let mut last_mint = 0;
    for (i, who) in holders.iter().enumerate() {
        let amount = if i == 0 { config.balance } else { U256::from(i) };
        let receipt =
            crate::swap::confirm(token.mint(*who, amount).send().await, "mint on A").await?;
        last_mint = receipt.block_number.unwrap_or_default();
    }
    let token = *token.address();
    step(format!(
        "deployed FaucetToken {token} on chain {a_id}, minted the holder {holder} {} wei \
         (block {last_mint})",
        config.balance
    ));

    let gate = RemoteBalanceGate::deploy(
        b.clone(),
        U256::from(a_id),
        token,
        U256::ZERO,
        config.min_balance,
        config.max_batch_age,
    )
    .await
    .wrap_err_with(|| format!("deploying RemoteBalanceGate on chain {b_id}"))?;
    step(format!(
        "deployed RemoteBalanceGate {} on chain {b_id}: holders of ≥ {} wei of {token} on \
         chain {a_id}, proofs at most {} batch{} old",
        gate.address(),
        config.min_balance,
        config.max_batch_age,
        if config.max_batch_age == 1 { "" } else { "es" }
    ));

    let viewer = Viewer { config, holder, l1: &l1, a: &a, b: &b };
    let (rooted, block, proofs) =
        viewer.wait_for_batch(last_mint, token, &[balance_slot(holder)], 0, None).await?;
    let batch = rooted.batch;
    step(format!(
        "chain {a_id}'s batch {batch} (block {block}) executed on L1 and its Transaction Root \
         {} imported on chain {b_id}; proved balance {} ({} account proof nodes, leaf {})",
        rooted.transaction_root,
        U256::from_be_bytes(proofs.values[0].0),
        proofs.account_proof.len(),
        rooted.leaf_index
    ));
    let account_proof_nodes = proofs.account_proof.len();
    let proof = to_state_proof(&rooted, proofs);

    let mut forged = proof.clone();
    let last = forged.accountProof.len() - 1;
    let mut node = forged.accountProof[last].to_vec();
    let middle = node.len() / 2;
    node[middle] ^= 1;
    forged.accountProof[last] = node.into();
    let refused = gate.join(batch, forged).call().await.expect_err_or("a forged proof")?;
    ensure!(
        refused.as_decoded_error::<StateProofs::InvalidAccountProof>().map(|e| e.account)
            == Some(token),
        "the forged proof was refused for another reason: {refused}"
    );
    let forged_refused = reason(&refused);
    step(format!("a proof with one account node byte changed: refused, {forged_refused}"));

    let receipt =
        crate::swap::confirm(gate.join(batch, proof.clone()).send().await, "join").await?;
    let joined = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<RemoteBalanceGate::MembershipGranted>().ok())
        .ok_or_else(|| eyre!("join emitted no MembershipGranted"))?
        .inner
        .data;
    ensure!(
        joined.member == holder && joined.batchNumber == batch && joined.balance == config.balance,
        "MembershipGranted({}, {}, {}) is not the holder's proven balance",
        joined.member,
        joined.batchNumber,
        joined.balance
    );
    step(format!(
        "holder joined the gate on chain {b_id} with its proven balance (tx {})",
        receipt.transaction_hash
    ));

    let (gas_1, tx_gas_1) = viewer.read_gas(batch, token, &[balance_slot(holder)], &rooted).await?;
    let all: Vec<B256> = holders.iter().map(|h| balance_slot(*h)).collect();
    let (gas_8, tx_gas_8) = viewer.read_gas(batch, token, &all, &rooted).await?;
    step(format!(
        "StateReader.readStorage on chain {b_id}: 1 slot {gas_1} gas, 8 slots {gas_8} gas \
         (execution; {tx_gas_1} / {tx_gas_8} with the calldata)"
    ));

    // A later batch beyond the gate's age limit: nudge A with transactions until one settles.
    let after = batch + config.max_batch_age;
    let (later, _, later_proofs) =
        viewer.wait_for_batch(0, token, &[balance_slot(holder)], after + 1, Some(holder)).await?;
    let later_batch = later.batch;
    crate::swap::confirm(
        gate.join(later_batch, to_state_proof(&later, later_proofs)).send().await,
        "join at the later batch",
    )
    .await?;
    let reader = StateReader::new(predeploys::STATE_READER, &b);
    let values = reader
        .readStorage(U256::from(a_id), batch, token, vec![balance_slot(holder)], proof.clone())
        .call()
        .await
        .map_err(|e| eyre!("StateReader refused the historical batch {batch}: {}", reason(&e)))?;
    let historical_balance = U256::from_be_bytes(values[0].0);
    ensure!(historical_balance == config.balance, "historical read gave {historical_balance}");
    let stale = gate.join(batch, proof).call().await.expect_err_or("a stale proof")?;
    ensure!(
        stale.as_decoded_error::<RemoteBalanceGate::StaleBatch>().map(|e| e.newestBatch)
            == Some(later_batch),
        "the stale proof was refused for another reason: {stale}"
    );
    let stale_refused = reason(&stale);
    step(format!(
        "after batch {later_batch} was proven: StateReader still reads batch {batch} \
         ({historical_balance}), the gate refuses it, {stale_refused}"
    ));

    Ok(ViewReport {
        token_chain: a_id,
        reader_chain: b_id,
        holder,
        token,
        gate: *gate.address(),
        balance: historical_balance,
        batch,
        block,
        transaction_root: rooted.transaction_root,
        leaf_index: rooted.leaf_index,
        join_tx: receipt.transaction_hash,
        forged_refused,
        later_batch,
        historical_balance,
        stale_refused,
        view_gas_1_slot: gas_1,
        view_gas_8_slots: gas_8,
        view_tx_gas_1_slot: tx_gas_1,
        view_tx_gas_8_slots: tx_gas_8,
        account_proof_nodes,
        steps,
    })
}

/// `keccak256(abi.encode(holder, 0))`: the balance slot of an OpenZeppelin `ERC20`.
fn balance_slot(holder: Address) -> B256 {
    alloy::primitives::keccak256((holder, U256::ZERO).abi_encode())
}

fn to_state_proof(rooted: &RootedBatch, proofs: AccountProofs) -> StateProof {
    proofs.into_state_proof(
        rooted.transaction_root,
        rooted.messages_root,
        rooted.batch_proof.clone().into(),
    )
}

fn reason(e: &alloy::contract::Error) -> String {
    decode_revert(e).unwrap_or_else(|| e.to_string())
}

/// A call that must revert: its error, or a failure naming `what` when it went through.
trait ExpectErr<E> {
    fn expect_err_or(self, what: &str) -> eyre::Result<E>;
}

impl<T, E> ExpectErr<E> for Result<T, E> {
    fn expect_err_or(self, what: &str) -> eyre::Result<E> {
        match self {
            Ok(_) => bail!("the gate accepted {what}"),
            Err(e) => Ok(e),
        }
    }
}

struct Viewer<'a> {
    config: &'a ViewConfig,
    holder: Address,
    l1: &'a DynProvider,
    a: &'a DynProvider,
    b: &'a DynProvider,
}

impl Viewer<'_> {
    /// Waits until a batch of A at or after `min_batch` whose last block is at or after
    /// `min_block` is in a Transaction Root B imported, and proves `slots` of `account` there.
    /// With `nudge`, sends that account a 0-value transaction on A about every second, so A keeps
    /// sealing batches.
    async fn wait_for_batch(
        &self,
        min_block: u64,
        account: Address,
        slots: &[B256],
        min_batch: u64,
        nudge: Option<Address>,
    ) -> eyre::Result<(RootedBatch, u64, AccountProofs)> {
        let config = self.config;
        let a_id = config.token_chain.chain_id;
        let nudged = std::cell::Cell::new(Instant::now() - Duration::from_secs(1));
        let what = format!(
            "a batch ≥ {min_batch} of chain {a_id} with block {min_block} settled and imported on \
             chain {}",
            config.reader_chain.chain_id
        );
        poll(&what, config.step_timeout, || async {
            if let Some(to) = nudge.filter(|_| nudged.get().elapsed() >= Duration::from_secs(1)) {
                nudged.set(Instant::now());
                let tx = TransactionRequest::default().with_to(to).with_value(U256::ZERO);
                // Not awaited: the next round sends another if this one is slow.
                let _pending = self.a.send_transaction(tx).await.wrap_err("nudging chain A")?;
            }
            let Some(leaves) =
                state_proof::newest_imported_leaf_count(self.l1, self.b, config.transaction_root)
                    .await?
            else {
                return Ok(None);
            };
            let Some(batch) =
                state_proof::latest_batch(self.l1, config.transaction_root, a_id, Some(leaves))
                    .await?
                    .filter(|b| *b >= min_batch)
            else {
                return Ok(None);
            };
            let proven = state_proof::prove_state(
                self.l1,
                self.a,
                config.transaction_root,
                config.token_settlement,
                a_id,
                batch,
                Some(leaves),
                account,
                slots,
            )
            .await?;
            Ok((proven.1 >= min_block).then_some(proven))
        })
        .await
    }

    /// Execution gas and whole-transaction `gasUsed` of one `readStorage` on B proving `slots` of
    /// `account` at `rooted`'s batch: the transaction is sent, and the same call (same sender,
    /// calldata and gas limit, on the state of the transaction's block) is traced.
    async fn read_gas(
        &self,
        batch: u64,
        account: Address,
        slots: &[B256],
        rooted: &RootedBatch,
    ) -> eyre::Result<(u64, u64)> {
        let block = state_proof::batch_last_block(self.a, batch, rooted.state_root).await?;
        let proofs = state_proof::account_proofs(self.a, block, account, slots).await?;
        let call = StateReader::readStorageCall {
            chainId: U256::from(self.config.token_chain.chain_id),
            batchNumber: batch,
            account,
            slots: slots.to_vec(),
            proof: to_state_proof(rooted, proofs),
        }
        .abi_encode();
        let (standard, floor) = intrinsic_gas(&call);
        let tx = TransactionRequest::default()
            .with_from(self.holder)
            .with_to(predeploys::STATE_READER)
            .with_input(call)
            .with_gas_limit(3_000_000);
        let receipt = self
            .b
            .send_transaction(tx.clone())
            .await
            .wrap_err("readStorage transaction")?
            .get_receipt()
            .await
            .wrap_err("readStorage receipt")?;
        ensure!(receipt.status(), "readStorage of {} slots reverted", slots.len());
        let at = receipt.block_number.ok_or_else(|| eyre!("readStorage receipt has no block"))?;
        // Not the receipt's gasUsed minus the intrinsic gas: under EIP-7623 a transaction pays at
        // least the calldata floor, which hides execution below it (a 1-slot read on a shallow
        // trie). anvil traces only calls unless started with --steps-tracing.
        let trace: StructTrace = self
            .b
            .raw_request(
                "debug_traceCall".into(),
                (
                    tx,
                    alloy::eips::BlockNumberOrTag::Number(at),
                    serde_json::json!({
                        "disableStack": true,
                        "disableMemory": true,
                        "disableStorage": true,
                    }),
                ),
            )
            .await
            .wrap_err("debug_traceCall of readStorage")?;
        let execution = trace.top_frame_gas().wrap_err("the readStorage trace")?;
        // The trace must explain the transaction: intrinsic plus execution, or the floor.
        let expected = (standard + execution).max(floor);
        ensure!(
            receipt.gas_used == expected,
            "readStorage's transaction used {} gas, but its trace's {execution} execution gas \
             gives {expected} (intrinsic {standard}, calldata floor {floor})",
            receipt.gas_used
        );
        Ok((execution, receipt.gas_used))
    }
}

/// A `debug_traceCall` answer of the default struct logger (stack, memory and storage off).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StructTrace {
    failed: bool,
    struct_logs: Vec<StructLog>,
}

/// One executed opcode: the gas left before it and what it cost, in the frame at `depth`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StructLog {
    gas: u64,
    gas_cost: u64,
    depth: u64,
}

impl StructTrace {
    /// Gas the top call frame spent: the gas it started with (the first opcode's, after the
    /// intrinsic gas) minus what was left after its last opcode. Sub-calls are inside it (the
    /// gas a CALL forwards and gets back shows in the top frame's gas), refunds are not taken off.
    /// The same figure as forge's `snapshotGasLastCall` of a call to the contract.
    fn top_frame_gas(&self) -> eyre::Result<u64> {
        ensure!(!self.failed, "the traced call failed");
        let mut top = self.struct_logs.iter().filter(|log| log.depth == 1);
        let first =
            top.next().ok_or_else(|| eyre!("the trace has no opcode (anvil recorded no steps)"))?;
        let last = top.next_back().unwrap_or(first);
        let left = last.gas.checked_sub(last.gas_cost).ok_or_else(|| {
            eyre!("the last opcode costs {} with {} gas left", last.gas_cost, last.gas)
        })?;
        first.gas.checked_sub(left).ok_or_else(|| {
            eyre!("the frame ends with {left} gas, more than it started with ({})", first.gas)
        })
    }
}

/// A call transaction's intrinsic gas with `data`: the standard (21,000 + 4 per zero byte + 16
/// per other byte) and the EIP-7623 floor (21,000 + 10 per token, a non-zero byte 4 tokens).
fn intrinsic_gas(data: &[u8]) -> (u64, u64) {
    let zeros = data.iter().filter(|b| **b == 0).count() as u64;
    let others = data.len() as u64 - zeros;
    (21_000 + 4 * zeros + 16 * others, 21_000 + 10 * (zeros + 4 * others))
}

#[cfg(test)]
mod tests {
    use super::{StructTrace, intrinsic_gas};

    #[test]
    fn intrinsic_gas_prices_zero_and_other_bytes() {
        assert_eq!(intrinsic_gas(&[]), (21_000, 21_000));
        assert_eq!(intrinsic_gas(&[0, 0, 1]), (21_000 + 8 + 16, 21_000 + 20 + 40));
    }

    /// anvil 1.7.1's `debug_traceCall` (stack, memory and storage off) of a contract that copies
    /// its calldata and CALLs a second one with it, which runs `sstore(calldataload(0),
    /// calldataload(32))` (22,112 gas at depth 2); 64 bytes of calldata, 2 of them non-zero.
    const RECORDED: &str = r#"{"failed":false,"gas":46038,"returnValue":"0x","structLogs":[
        {"pc":0,"op":"PUSH1","gas":29978720,"gasCost":3,"depth":1,"refund":0},
        {"pc":2,"op":"PUSH1","gas":29978717,"gasCost":3,"depth":1,"refund":0},
        {"pc":4,"op":"PUSH1","gas":29978714,"gasCost":3,"depth":1,"refund":0},
        {"pc":6,"op":"CALLDATACOPY","gas":29978711,"gasCost":15,"depth":1,"refund":0},
        {"pc":7,"op":"PUSH1","gas":29978696,"gasCost":3,"depth":1,"refund":0},
        {"pc":9,"op":"PUSH1","gas":29978693,"gasCost":3,"depth":1,"refund":0},
        {"pc":11,"op":"PUSH1","gas":29978690,"gasCost":3,"depth":1,"refund":0},
        {"pc":13,"op":"PUSH1","gas":29978687,"gasCost":3,"depth":1,"refund":0},
        {"pc":15,"op":"PUSH1","gas":29978684,"gasCost":3,"depth":1,"refund":0},
        {"pc":17,"op":"PUSH20","gas":29978681,"gasCost":3,"depth":1,"refund":0},
        {"pc":38,"op":"GAS","gas":29978678,"gasCost":2,"depth":1,"refund":0},
        {"pc":39,"op":"CALL","gas":29978676,"gasCost":29510300,"depth":1,"refund":0},
        {"pc":0,"op":"PUSH1","gas":29507700,"gasCost":3,"depth":2,"refund":0},
        {"pc":2,"op":"CALLDATALOAD","gas":29507697,"gasCost":3,"depth":2,"refund":0},
        {"pc":3,"op":"PUSH1","gas":29507694,"gasCost":3,"depth":2,"refund":0},
        {"pc":5,"op":"CALLDATALOAD","gas":29507691,"gasCost":3,"depth":2,"refund":0},
        {"pc":6,"op":"SSTORE","gas":29507688,"gasCost":22100,"depth":2,"refund":0},
        {"pc":7,"op":"STOP","gas":29485588,"gasCost":0,"depth":2,"refund":0},
        {"pc":40,"op":"POP","gas":29953964,"gasCost":2,"depth":1,"refund":0},
        {"pc":41,"op":"STOP","gas":29953962,"gasCost":0,"depth":1,"refund":0}
    ]}"#;

    #[test]
    fn top_frame_gas_is_start_minus_left_after_the_last_top_opcode() {
        let trace: StructTrace = serde_json::from_str(RECORDED).unwrap();
        let execution = trace.top_frame_gas().unwrap();
        assert_eq!(execution, 29_978_720 - 29_953_962);
        // With the intrinsic gas it is the call's whole gas, as anvil reports it: the CALL's
        // forwarded gas (and the 2,600 cold access inside its cost) came back but for what the
        // sub-call spent.
        let mut data = [0u8; 64];
        (data[31], data[63]) = (7, 9);
        assert_eq!(intrinsic_gas(&data).0 + execution, 46_038);
    }

    #[test]
    fn top_frame_gas_refuses_a_failed_or_empty_trace() {
        let failed: StructTrace =
            serde_json::from_str(&RECORDED.replace(r#""failed":false"#, r#""failed":true"#))
                .unwrap();
        assert!(failed.top_frame_gas().unwrap_err().to_string().contains("failed"));
        // What anvil's debug_traceTransaction returns without --steps-tracing.
        let empty: StructTrace = serde_json::from_str(
            r#"{"failed":false,"gas":43392,"returnValue":"0x","structLogs":[]}"#,
        )
        .unwrap();
        assert!(empty.top_frame_gas().unwrap_err().to_string().contains("no opcode"));
    }
}
