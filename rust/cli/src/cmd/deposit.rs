//! `hyperchain deposit`: ETH or an ERC-20 from L1 to a hyperchain.

use crate::common::{
    DevnetArgs, SignerArgs, connect, contract_error, ensure_funded, output, parse_amount,
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::SolEvent,
};
use eyre::{bail, eyre};
use hyperchain_bindings::{
    BridgedToken, ChainSettlement, DEFAULT_L2_GAS_LIMIT, IInbox, L2GasQuote, SharedBridge,
    predeploys,
};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Deposit ETH (or --token) from L1 to a hyperchain; waits until the chain credits it.
#[derive(Debug, clap::Args)]
pub(crate) struct DepositArgs {
    /// Destination hyperchain id.
    #[arg(long)]
    chain: u64,
    /// Amount: `1.5` (ETH), `1.5ether` or `100wei`; token amounts are in the token's base units
    /// with `wei`.
    #[arg(long, value_parser = parse_amount)]
    amount: U256,
    /// ERC-20 on L1 (default: ETH).
    #[arg(long)]
    token: Option<Address>,
    /// Recipient on the hyperchain (default: the sender).
    #[arg(long)]
    to: Option<Address>,
    /// Gas the deposit's delivery gets on the hyperchain, paid on L1 at the chain's L2 gas price
    /// on top of the amount. If the delivery fails with it, the deposit (not the gas) is paid back
    /// on L1 with `SharedBridge.claimFailedDeposit`.
    #[arg(long, default_value_t = DEFAULT_L2_GAS_LIMIT)]
    l2_gas_limit: u64,
    /// Do not wait for the hyperchain to execute the deposit.
    #[arg(long)]
    no_wait: bool,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Deposited {
    chain_id: u64,
    l1_tx: B256,
    priority_nonce: u64,
    message_hash: B256,
    credited_on_l2: bool,
    elapsed_ms: u128,
}

impl DepositArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let started = Instant::now();
        let devnet = self.devnet.load()?;
        let chain = devnet.chain(self.chain)?.clone();
        let signer = self.signer.signer(Some(&devnet))?;
        let from = signer.address();
        let to = self.to.unwrap_or(from);
        let l1 = connect(&devnet.l1.rpc_url, "L1", Some(signer)).await?;
        let l2 = connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
        let bridge = SharedBridge::new(devnet.contracts.shared_bridge, &l1);
        let chain_id = U256::from(chain.chain_id);
        let gas = L2GasQuote::fetch(&bridge, chain_id, self.l2_gas_limit)
            .await
            .map_err(|e| contract_error("l2TransactionBaseCost", e))?;
        eprintln!(
            "L2 gas: {} gas at {} wei = {} wei, paid on L1",
            self.l2_gas_limit, gas.price, gas.fee
        );
        let receipt = match self.token {
            None => {
                ensure_funded(&l1, from, self.amount + gas.fee, "L1").await?;
                bridge
                    .depositETH(chain_id, to, U256::from(self.l2_gas_limit), gas.price)
                    .value(self.amount + gas.fee)
                    .send()
                    .await
                    .map_err(|e| contract_error("depositETH", e))?
                    .get_receipt()
                    .await?
            }
            Some(token) => {
                ensure_funded(&l1, from, gas.fee, "L1").await?;
                let erc20 = BridgedToken::new(token, &l1);
                let balance = erc20
                    .balanceOf(from)
                    .call()
                    .await
                    .map_err(|e| contract_error("balanceOf", e))?;
                if balance < self.amount {
                    bail!(
                        "account {from} holds {balance} of token {token} on L1, less than {}",
                        self.amount
                    );
                }
                eprintln!("approving the shared bridge …");
                erc20
                    .approve(devnet.contracts.shared_bridge, self.amount)
                    .send()
                    .await
                    .map_err(|e| contract_error("approve", e))?
                    .get_receipt()
                    .await?;
                bridge
                    .depositERC20(
                        chain_id,
                        token,
                        to,
                        self.amount,
                        U256::from(self.l2_gas_limit),
                        gas.price,
                    )
                    .value(gas.fee)
                    .send()
                    .await
                    .map_err(|e| contract_error("depositERC20", e))?
                    .get_receipt()
                    .await?
            }
        };
        if !receipt.status() {
            bail!("deposit transaction {} reverted", receipt.transaction_hash);
        }
        let queued = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| ChainSettlement::PriorityRequestQueued::decode_log(&l.inner).ok())
            .ok_or_else(|| eyre!("deposit mined but no PriorityRequestQueued event"))?;
        let nonce: u64 = queued.data.nonce.saturating_to();
        eprintln!(
            "deposit queued on L1 as priority request {nonce} (tx {})",
            receipt.transaction_hash
        );
        let mut credited = false;
        if !self.no_wait {
            let inbox = IInbox::new(predeploys::INBOX, &l2);
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if inbox.priorityRequestsProcessed().call().await? > nonce {
                    credited = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if !credited {
                bail!(
                    "chain {} has not executed priority request {nonce} after 60 s: is its operator running?",
                    chain.chain_id
                );
            }
        }
        let _ = l2.get_block_number().await;
        let result = Deposited {
            chain_id: chain.chain_id,
            l1_tx: receipt.transaction_hash,
            priority_nonce: nonce,
            message_hash: queued.data.message.hash(),
            credited_on_l2: credited,
            elapsed_ms: started.elapsed().as_millis(),
        };
        output(json, &result, |r| {
            println!(
                "deposited to chain {} (priority request {}, L1 tx {}){}",
                r.chain_id,
                r.priority_nonce,
                r.l1_tx,
                if r.credited_on_l2 {
                    format!(", credited on L2 after {} ms", r.elapsed_ms)
                } else {
                    String::new()
                }
            )
        });
        Ok(())
    }
}
