//! Validation throughput (Mgas/s) of the validity program next to plain revm execution of the
//! same blocks, in the same run. The batch is made on a fresh anvil: blocks of transactions that
//! write fresh storage slots and send ETH.

use alloy::{
    network::TransactionBuilder,
    node_bindings::Anvil,
    primitives::{B256, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperchain_zkevm::{
    BatchBlocks, BatchContext, ExecutionRules, Witness, build_witness, execute_unverified,
    validate_batch,
};
use std::path::Path;

const BLOCKS: usize = 10;
const TXS_PER_BLOCK: usize = 20;

/// Stores calldata word 1 at the slot in calldata word 0.
const STORE: &[u8] = &[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];

fn init_code(runtime: &[u8]) -> Bytes {
    let n = runtime.len() as u8;
    let mut code = vec![0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

fn make_batch() -> (BatchBlocks, Witness, u64) {
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    rt.block_on(async {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let anvil = Anvil::new().path(repo.join("tools/bin/anvil")).spawn();
        let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
        let provider =
            ProviderBuilder::new().wallet(signer).connect_http(anvil.endpoint_url()).erased();
        let deploy = TransactionRequest::default().with_deploy_code(init_code(STORE));
        let receipt = provider.send_transaction(deploy).await.unwrap().get_receipt().await.unwrap();
        let store = receipt.contract_address.unwrap();
        let _: () = provider.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
        let first = provider.get_block_number().await.unwrap() + 1;
        let mut slot = 0u64;
        for _ in 0..BLOCKS {
            let mut pending = Vec::new();
            for i in 0..TXS_PER_BLOCK {
                let tx = if i % 4 == 3 {
                    TransactionRequest::default()
                        .with_to(anvil.addresses()[1 + i % 5])
                        .with_value(U256::from(1000 + i))
                        .with_gas_limit(21_000)
                } else {
                    slot += 1;
                    let data = [
                        U256::from(slot).to_be_bytes::<32>(),
                        U256::from(slot * 7).to_be_bytes::<32>(),
                    ]
                    .concat();
                    TransactionRequest::default()
                        .with_to(store)
                        .with_input(data)
                        .with_gas_limit(60_000)
                };
                pending.push(provider.send_transaction(tx).await.unwrap());
            }
            let _: String = provider.raw_request("evm_mine".into(), ()).await.unwrap();
            for p in pending {
                p.get_receipt().await.unwrap();
            }
        }
        let last = provider.get_block_number().await.unwrap();
        let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
        let ctx = context(anvil.chain_id(), blocks.blocks[0].header.parent_hash);
        let gas = validate_batch(
            &blocks,
            &witness,
            witness.prev_state_root,
            &ctx,
            None,
            &ExecutionRules::ANVIL,
        )
        .expect("the benchmark batch validates")
        .gas_used;
        (blocks, witness, gas)
    })
}

fn context(chain_id: u64, prev_block_hash: B256) -> BatchContext {
    BatchContext {
        l1_chain_id: U256::from(1),
        chain_id: U256::from(chain_id),
        next_message_nonce: U256::ZERO,
        priority_requests_processed: 0,
        priority_requests_hash: B256::ZERO,
        prev_block_hash,
    }
}

fn bench(c: &mut Criterion) {
    let (blocks, witness, gas) = make_batch();
    let ctx = context(31337, blocks.blocks[0].header.parent_hash);
    let rules = ExecutionRules::ANVIL;
    let mut group = c.benchmark_group(format!("batch_{BLOCKS}x{TXS_PER_BLOCK}_txs_{gas}_gas"));
    group.sample_size(10);
    // Throughput in "bytes" = gas, so criterion's MiB/s column reads as Mgas/s (×1.048576).
    group.throughput(Throughput::Elements(gas));
    group.bench_function("validate_batch", |b| {
        b.iter(|| {
            validate_batch(&blocks, &witness, witness.prev_state_root, &ctx, None, &rules).unwrap()
        })
    });
    group.bench_function("plain_revm_execution", |b| {
        b.iter(|| execute_unverified(&blocks, &witness, 31337, &rules).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
