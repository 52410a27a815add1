//! Bindings agree with the compiled Solidity (forge + anvil).

mod harness;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolValue,
};
use hyperchain_bindings::{Message, predeploys, roll_priority_hash};

const MESSAGE_SIG: &str =
    "messageHash((uint256,uint256,uint256,address,address,uint256,uint256,bytes))";

fn message(seed: u8, payload_len: usize) -> Message {
    Message {
        sourceChainId: U256::from(31337 + seed as u64),
        destinationChainId: U256::from(1000 + seed as u64),
        nonce: U256::from(seed),
        sender: Address::repeat_byte(seed),
        recipient: Address::repeat_byte(seed.wrapping_add(1)),
        value: U256::from(seed) << 100,
        fee: U256::from(7u64 * seed as u64),
        payload: Bytes::from(vec![seed; payload_len]),
    }
}

#[tokio::test]
async fn rust_and_solidity_agree_on_predeploys_and_message_hashing() {
    let anvil = harness::anvil();
    let provider = harness::provider(&anvil);
    let harness = harness::deploy_harness(&provider).await;

    let ret = harness::call(&provider, harness, "predeploys()", vec![]).await;
    let solidity = <[Address; 6]>::abi_decode(&ret).expect("address[6]");
    assert_eq!(
        solidity,
        [
            predeploys::SYSTEM_CALLER,
            predeploys::OUTBOX,
            predeploys::INBOX,
            predeploys::ASSET_ROUTER,
            predeploys::ETH_LIQUIDITY,
            predeploys::STATE_READER
        ]
    );

    let mut previous = B256::ZERO;
    for (seed, len) in [(0u8, 0usize), (1, 1), (2, 31), (3, 32), (4, 33), (250, 300)] {
        let m = message(seed, len);
        let ret =
            harness::call(&provider, harness, MESSAGE_SIG, (m.clone(),).abi_encode_params()).await;
        assert_eq!(B256::abi_decode(&ret).unwrap(), m.hash(), "message hash, payload {len} bytes");

        let ret = harness::call(
            &provider,
            harness,
            "rollPriorityHash(bytes32,bytes32,uint256)",
            (previous, m.hash(), U256::from(len) * U256::from(100_003)).abi_encode_params(),
        )
        .await;
        let next = roll_priority_hash(previous, m.hash(), U256::from(len) * U256::from(100_003));
        assert_eq!(B256::abi_decode(&ret).unwrap(), next);
        previous = next;
    }
}
