//! The block context on a real anvil batch: the header chain from L1's last block hash through
//! the witness's ancestors, timestamps (also against the previous batch's last block and L1 time),
//! the base-fee rule, `BLOCKHASH` answers, and the system transactions against what L1 queued.

use crate::{
    commitment::{L1, L2, install_predeploys, system_call},
    harness,
    validate::{ctx, init_code},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use hyperchain_bindings::{Inbox, Message, roll_priority_hash};
use hyperchain_zkevm::{
    BatchBlocks, BatchContext, ExecutionRules, L1View, MissingEntry, QueuedPriorityRequest,
    ValidationError, Witness, build_witness, validate_batch,
};

/// Stores `blockhash(number - 5)` in slot 0: a block before the batch's parent.
const OLD_BLOCKHASH: &[u8] = &[0x43, 0x60, 0x05, 0x90, 0x03, 0x40, 0x60, 0x00, 0x55, 0x00];

async fn send(provider: &DynProvider, tx: TransactionRequest) {
    assert!(provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap().status());
}

fn validate(
    blocks: &BatchBlocks,
    witness: &Witness,
    ctx: &BatchContext,
    l1: &L1View,
) -> Result<(), ValidationError> {
    validate_batch(blocks, witness, witness.prev_state_root, ctx, Some(l1), &ExecutionRules::ANVIL)
        .map(|_| ())
}

#[tokio::test]
async fn block_context_is_checked_against_the_verified_headers_and_l1() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    install_predeploys(&provider).await;
    let reader = provider
        .send_transaction(TransactionRequest::default().with_deploy_code(init_code(OLD_BLOCKHASH)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap();
    // Blocks enough that the read reaches before the batch's parent.
    for _ in 0..6 {
        let tx = TransactionRequest::default().with_to(anvil.addresses()[1]).with_value(U256::ONE);
        send(&provider, tx).await;
    }
    let first = provider.get_block_number().await.unwrap() + 1;

    // The batch: the old BLOCKHASH read, a root import, a priority delivery with 100,000 gas.
    send(&provider, TransactionRequest::default().with_to(reader)).await;
    let root = keccak256("a root L1 holds");
    system_call(&anvil.endpoint(), Inbox::importTransactionRootCall { root }.abi_encode()).await;
    let deposit = Message {
        sourceChainId: U256::from(L1),
        destinationChainId: U256::from(L2),
        nonce: U256::ZERO,
        sender: Address::repeat_byte(0xbb),
        recipient: anvil.addresses()[2],
        value: U256::from(1000),
        fee: U256::ZERO,
        payload: Bytes::new(),
    };
    let gas = U256::from(100_000);
    let call = Inbox::executePriorityRequestCall { message: deposit.clone(), l2GasLimit: gas };
    system_call(&anvil.endpoint(), call.abi_encode()).await;
    let last = provider.get_block_number().await.unwrap();
    let (blocks, witness) = build_witness(&provider, first, last).await.unwrap();
    let ctx = ctx(&blocks);
    let last_timestamp = blocks.blocks.last().unwrap().header.timestamp;
    let queued = QueuedPriorityRequest {
        l2_gas_limit: gas,
        hash_before: B256::ZERO,
        hash_after: roll_priority_hash(B256::ZERO, deposit.hash(), gas),
    };
    let l1 = L1View {
        timestamp: last_timestamp,
        max_timestamp_ahead: 60,
        priority_requests: [(0, queued)].into(),
        transaction_roots: [root].into(),
    };

    // Honest: validates, and the old BLOCKHASH answer is the node's, from a verified ancestor.
    validate(&blocks, &witness, &ctx, &l1).unwrap();
    let read = provider.get_storage_at(reader, U256::ZERO).block_id(first.into()).await.unwrap();
    let old = provider.get_block_by_number((first - 5).into()).await.unwrap().unwrap();
    assert_eq!(B256::from(read), old.header.hash);
    assert!(witness.ancestors.iter().any(|h| h.number == first - 5));

    // A delivery of a request L1 never queued: an extra system transaction.
    let unqueued = L1View { priority_requests: Default::default(), ..l1.clone() };
    let err = validate(&blocks, &witness, &ctx, &unqueued).unwrap_err();
    assert!(
        matches!(err, ValidationError::UnknownPriorityRequest { nonce, .. } if nonce == U256::ZERO),
        "{err}"
    );
    // The request set more gas than the delivery ran with.
    let more = QueuedPriorityRequest { l2_gas_limit: U256::from(200_000), ..queued };
    let err = validate(
        &blocks,
        &witness,
        &ctx,
        &L1View { priority_requests: [(0, more)].into(), ..l1.clone() },
    )
    .unwrap_err();
    assert!(
        matches!(err, ValidationError::PriorityRequestGasMismatch { delivered, requested, .. }
            if delivered == gas && requested == U256::from(200_000)),
        "{err}"
    );
    // L1 queued another message under that nonce.
    let other = QueuedPriorityRequest { hash_after: keccak256("another message"), ..queued };
    let err = validate(
        &blocks,
        &witness,
        &ctx,
        &L1View { priority_requests: [(0, other)].into(), ..l1.clone() },
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::PriorityRequestMismatch { .. }), "{err}");
    // A root L1 does not hold.
    let no_root = L1View { transaction_roots: Default::default(), ..l1.clone() };
    let err = validate(&blocks, &witness, &ctx, &no_root).unwrap_err();
    assert!(matches!(err, ValidationError::UnknownTransactionRoot { root: r, .. } if r == root));

    // L1 time: the last block is 61 s ahead of an L1 head with a 60 s bound.
    let behind = L1View { timestamp: last_timestamp - 61, ..l1.clone() };
    let err = validate(&blocks, &witness, &ctx, &behind).unwrap_err();
    assert!(
        matches!(err, ValidationError::TimestampAheadOfL1 { timestamp, max_ahead: 60, .. }
            if timestamp == last_timestamp),
        "{err}"
    );

    // A witness with a wrong block hash: an ancestor header that is not the one the verified
    // chain links to (here the one BLOCKHASH reads).
    let mut tampered = witness.clone();
    let i = tampered.ancestors.iter().position(|h| h.number == first - 5).unwrap();
    tampered.ancestors[i].extra_data = Bytes::from_static(b"another block");
    let err = validate(&blocks, &tampered, &ctx, &l1).unwrap_err();
    assert!(
        matches!(err, ValidationError::UnverifiedBlockHash { block, expected, .. }
            if block == first - 5 && expected == old.header.hash),
        "{err}"
    );
    // Without the header BLOCKHASH reads: no unverified answer, the read is refused.
    let mut short = witness.clone();
    short.ancestors.retain(|h| h.number > first - 5);
    let err = validate(&blocks, &short, &ctx, &l1).unwrap_err();
    assert!(
        matches!(err, ValidationError::MissingWitness(MissingEntry::BlockHash(n)) if n == first - 5),
        "{err}"
    );

    // The first block earlier than the previous batch's last (a parent header with a later
    // timestamp, the chain re-linked to it as L1 would hold it): refused at the first block.
    let mut parent = witness.ancestors.last().unwrap().clone();
    parent.timestamp = blocks.blocks[0].header.timestamp + 1;
    let mut earlier = witness.clone();
    *earlier.ancestors.last_mut().unwrap() = parent.clone();
    let mut one = BatchBlocks { blocks: blocks.blocks[..1].to_vec() };
    one.blocks[0].header.inner.parent_hash = parent.hash_slow();
    let relinked = BatchContext { prev_block_hash: parent.hash_slow(), ..ctx.clone() };
    let err = validate(&one, &earlier, &relinked, &l1).unwrap_err();
    assert!(
        matches!(err, ValidationError::TimestampDecreased { block, parent_timestamp, .. }
            if block == first && parent_timestamp == parent.timestamp),
        "{err}"
    );

    // A base fee that does not follow from the parent's.
    let mut fee = BatchBlocks { blocks: blocks.blocks[..1].to_vec() };
    let header = &mut fee.blocks[0].header.inner;
    let honest_fee = header.base_fee_per_gas.unwrap();
    header.base_fee_per_gas = Some(honest_fee + 1);
    let err = validate(&fee, &witness, &ctx, &l1).unwrap_err();
    assert!(
        matches!(err, ValidationError::WrongBaseFee { block, base_fee, expected }
            if block == first && base_fee == honest_fee + 1 && expected == honest_fee),
        "{err}"
    );
    assert_eq!(
        ExecutionRules::ANVIL.next_base_fee(witness.ancestors.last().unwrap()),
        honest_fee,
        "the rule gives the node's base fee"
    );
    // An honest base fee changes over the batch (EIP-1559), so the check is not vacuous.
    let fees: Vec<u64> =
        blocks.blocks.iter().map(|b| b.header.base_fee_per_gas.unwrap_or_default()).collect();
    assert!(fees.windows(2).any(|w| w[0] != w[1]), "{fees:?}");
}
