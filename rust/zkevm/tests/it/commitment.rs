//! Batch outputs derived from real L2 logs equal what the L2 contracts themselves report, and the
//! public input / Transaction Root leaf equal the compiled `BatchHashing`.

use crate::harness;
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, Log, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent, SolValue},
};
use hyperchain_bindings::{
    AssetTransfer, CommitBatchInfo, ETHLiquidity, Inbox, Message, Outbox, interop_address,
    predeploys,
};
use hyperchain_zkevm::{
    BatchContext, BatchOutputs, CommitmentError, public_input, transaction_root_leaf,
};

pub(crate) const L1: u64 = 31337;
pub(crate) const L2: u64 = 271;
pub(crate) const OTHER_L2: u64 = 272;

const PUBLIC_INPUT_SIG: &str = "publicInput(uint256,bytes32,bytes32,(uint64,bytes32,bytes32,bytes32,uint64,bytes32,bytes32[],bytes32,(uint256,address,uint256)[]))";

#[tokio::test]
async fn public_input_and_leaf_match_batch_hashing() {
    let anvil = harness::anvil();
    let provider = harness::provider(&anvil);
    let harness = harness::deploy_harness(&provider).await;
    for n in 0..4u8 {
        let batch = CommitBatchInfo {
            batchNumber: 1 + n as u64 * 1000,
            newStateRoot: keccak256([n, 1]),
            lastBlockHash: keccak256([n, 7]),
            messagesRoot: if n == 0 { B256::ZERO } else { keccak256([n, 2]) },
            priorityRequestsProcessed: n as u64 * 3,
            priorityRequestsHash: keccak256([n, 3]),
            importedRoots: (0..n).map(|i| keccak256([n, 4, i])).collect(),
            daCommitment: keccak256([n, 5]),
            transfers: (0..n)
                .map(|i| AssetTransfer {
                    destinationChainId: U256::from(272 + i as u64),
                    token: Address::repeat_byte(i),
                    amount: U256::from(10u64.pow(i as u32)),
                })
                .collect(),
        };
        let chain_id = U256::from(L2 + n as u64);
        let prev = keccak256([n, 6]);
        let prev_block = keccak256([n, 8]);
        let ret = harness::call(
            &provider,
            harness,
            PUBLIC_INPUT_SIG,
            (chain_id, prev, prev_block, batch.clone()).abi_encode_params(),
        )
        .await;
        assert_eq!(
            B256::abi_decode(&ret).unwrap(),
            public_input(chain_id, prev, prev_block, &batch)
        );

        let ret = harness::call(
            &provider,
            harness,
            "transactionRootLeaf(uint256,uint64,bytes32,bytes32)",
            (chain_id, batch.batchNumber, batch.messagesRoot, batch.newStateRoot)
                .abi_encode_params(),
        )
        .await;
        assert_eq!(
            B256::abi_decode(&ret).unwrap(),
            transaction_root_leaf(
                chain_id,
                batch.batchNumber,
                batch.messagesRoot,
                batch.newStateRoot
            )
        );
    }
}

/// Puts the L2 system contracts at their predeploy addresses of a fresh anvil (deployed with the
/// bindings, runtime code copied with `anvil_setCode`), as the genesis does.
pub(crate) async fn install_predeploys(provider: &DynProvider) {
    let l1 = U256::from(L1);
    let deployed = [
        (predeploys::OUTBOX, *Outbox::deploy(provider, l1).await.unwrap().address()),
        (predeploys::INBOX, *Inbox::deploy(provider, l1).await.unwrap().address()),
        (predeploys::ETH_LIQUIDITY, *ETHLiquidity::deploy(provider).await.unwrap().address()),
    ];
    for (at, from) in deployed {
        let code = provider.get_code_at(from).await.unwrap();
        let _: () = provider.raw_request("anvil_setCode".into(), (at, code)).await.unwrap();
    }
    let rich = U256::from(1u128 << 127) * U256::from(2);
    let _: () = provider
        .raw_request("anvil_setBalance".into(), (predeploys::ETH_LIQUIDITY, rich))
        .await
        .unwrap();
    let _: () = provider
        .raw_request(
            "anvil_setBalance".into(),
            (predeploys::SYSTEM_CALLER, U256::from(10u128.pow(20))),
        )
        .await
        .unwrap();
    let _: () = provider
        .raw_request("anvil_impersonateAccount".into(), (predeploys::SYSTEM_CALLER,))
        .await
        .unwrap();
    // anvil_set* change the state without a block: mine one so the latest header commits to it.
    let _: String = provider.raw_request("evm_mine".into(), ()).await.unwrap();
}

/// Sends a transaction from SYSTEM_CALLER (impersonated, unsigned) and returns its logs.
pub(crate) async fn system_call(url: &str, input: Vec<u8>) -> Vec<Log> {
    let provider = ProviderBuilder::new().connect_http(url.parse().unwrap());
    let tx = TransactionRequest::default()
        .with_from(predeploys::SYSTEM_CALLER)
        .with_to(predeploys::INBOX)
        .with_input(input);
    let receipt = provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "system call reverted");
    receipt.inner.logs().iter().map(|l| l.inner.clone()).collect()
}

#[tokio::test]
async fn outputs_from_real_logs_match_the_l2_contracts() {
    let anvil = harness::anvil_with_chain_id(L2);
    let provider = harness::provider(&anvil);
    let url = anvil.endpoint();
    install_predeploys(&provider).await;
    let mut logs = Vec::new();

    // Step 4 of the hyperbridge: the operator imports a Transaction Root.
    let root = keccak256("transaction root 1");
    logs.extend(system_call(&url, Inbox::importTransactionRootCall { root }.abi_encode()).await);

    // Two priority requests (a deposit with value and fee, and a call that fails at the recipient,
    // which makes the inbox send an L2→L1 failure record).
    let user = anvil.addresses()[1];
    let l2_gas_limit = U256::from(200_000);
    let mut failed = B256::ZERO;
    for (nonce, value) in [(0u64, 5u64), (1, 0)] {
        let message = Message {
            sourceChainId: U256::from(L1),
            destinationChainId: U256::from(L2),
            nonce: U256::from(nonce),
            sender: Address::repeat_byte(0xbb),
            recipient: if value > 0 { user } else { predeploys::OUTBOX },
            value: U256::from(value),
            fee: U256::from(nonce + 1),
            payload: if value > 0 { Bytes::new() } else { Bytes::from(vec![1, 2, 3]) },
        };
        failed = message.hash();
        logs.extend(
            system_call(
                &url,
                Inbox::executePriorityRequestCall { message, l2GasLimit: l2_gas_limit }
                    .abi_encode(),
            )
            .await,
        );
    }

    // Two outbound messages: to another hyperchain (with a relayer fee) and to L1.
    let outbox = Outbox::new(predeploys::OUTBOX, &provider);
    let fee_attr = hyperchain_bindings::relayer_fee_attribute(U256::from(7));
    for (dest, fee) in [(OTHER_L2, Some(7u64)), (L1, None)] {
        let attributes = fee.map(|_| vec![fee_attr.clone()]).unwrap_or_default();
        let receipt = outbox
            .sendMessage(
                interop_address(U256::from(dest), user),
                Bytes::from(vec![dest as u8]),
                attributes,
            )
            .value(U256::from(100))
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status());
        logs.extend(receipt.inner.logs().iter().map(|l| l.inner.clone()));
    }

    let ctx = BatchContext {
        l1_chain_id: U256::from(L1),
        chain_id: U256::from(L2),
        next_message_nonce: U256::ZERO,
        priority_requests_processed: 0,
        priority_requests_hash: B256::ZERO,
        prev_block_hash: B256::ZERO,
    };
    let outputs = BatchOutputs::from_logs(&ctx, &logs).unwrap();

    let inbox = Inbox::new(predeploys::INBOX, &provider);
    assert_eq!(outputs.imported_roots, vec![root]);
    assert_eq!(
        outputs.priority_requests_processed,
        inbox.priorityRequestsProcessed().call().await.unwrap()
    );
    assert_eq!(outputs.priority_requests_hash, inbox.priorityRequestsHash().call().await.unwrap());
    assert_eq!(outputs.priority_request_hashes.len(), 2);
    assert_eq!(outputs.next_message_nonce, outbox.nonce().call().await.unwrap());
    assert_eq!(outputs.messages.len(), 3);
    let record = &outputs.messages[0];
    assert_eq!(
        (record.sender, record.recipient, record.destinationChainId, record.value),
        (predeploys::INBOX, predeploys::INBOX, U256::from(L1), U256::ZERO),
        "the failed call's failure record goes to L1"
    );
    assert_eq!(record.payload, Bytes::from(failed.to_vec()));
    assert_eq!(outputs.messages[1].fee, U256::from(7));
    assert_eq!(outputs.messages[1].value, U256::from(93));
    let hashes: Vec<B256> = outputs.messages.iter().map(Message::hash).collect();
    assert_eq!(outputs.messages_root, hyperchain_merkle::Tree::new(&hashes).root());
    // Only the message to the other hyperchain moves value between chains on L1.
    assert_eq!(
        outputs.transfers,
        vec![AssetTransfer {
            destinationChainId: U256::from(OTHER_L2),
            token: Address::ZERO,
            amount: U256::from(100)
        }]
    );

    // The same logs against a wrong context are rejected with the reason.
    let wrong = BatchContext { next_message_nonce: U256::from(1), ..ctx.clone() };
    assert!(matches!(
        BatchOutputs::from_logs(&wrong, &logs),
        Err(CommitmentError::MessageNonceGap { .. })
    ));
    let wrong = BatchContext { priority_requests_processed: 3, ..ctx.clone() };
    assert!(matches!(
        BatchOutputs::from_logs(&wrong, &logs),
        Err(CommitmentError::PriorityNonceGap { .. })
    ));
    // A tampered MessageQueued log (value changed, hash topic kept) is caught.
    let mut tampered = logs.clone();
    let queued = tampered
        .iter_mut()
        .find(|l| {
            l.address == predeploys::OUTBOX
                && l.topics()[0] == hyperchain_bindings::IOutbox::MessageQueued::SIGNATURE_HASH
        })
        .unwrap();
    let mut data = queued.data.data.to_vec();
    // `Message.value` is the 6th word of the message tuple, which starts after the offset word.
    data[32 + 5 * 32 + 31] ^= 1;
    queued.data.data = data.into();
    assert!(matches!(
        BatchOutputs::from_logs(&ctx, &tampered),
        Err(CommitmentError::MessageHashMismatch { .. })
    ));
}
