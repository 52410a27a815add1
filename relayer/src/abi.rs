//! The contract surface the relayer uses: the agreed APIs of `contracts/l1` and `contracts/l2`.
//!
//! Declared here with `sol!` only for the entry points and events the relayer calls, until
//! `hyperchain-bindings` exports its generated types; the struct layouts are those of
//! `contracts/common` (a test in `tests/it` checks them against the real contracts' events).

#![allow(missing_docs, unreachable_pub)]

use alloy::{primitives::Address, sol};

sol! {
    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct Message {
        uint256 sourceChainId;
        uint256 destinationChainId;
        uint256 nonce;
        address sender;
        address recipient;
        uint256 value;
        uint256 fee;
        bytes payload;
    }

    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct MerkleProof {
        uint256 index;
        uint256 leafCount;
        bytes32[] siblings;
    }

    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct RelayProof {
        uint64 batchNumber;
        bytes32 stateRoot;
        MerkleProof messageProof;
        MerkleProof batchProof;
    }

    #[sol(rpc)]
    interface IOutbox {
        event MessageQueued(bytes32 indexed messageHash, Message message);
        function nonce() external view returns (uint256);
    }

    #[sol(rpc)]
    interface IInbox {
        event TransactionRootImported(bytes32 indexed root);
        event MessageRelayed(bytes32 indexed messageHash, uint256 indexed sourceChainId, uint256 nonce, address indexed relayer, uint256 fee);
        error UnknownTransactionRoot(bytes32 root);
        error WrongDestination(uint256 chainId);
        error AlreadyDelivered(bytes32 messageHash);
        error NotSystemCaller(address caller);
        function relay(Message calldata message, RelayProof calldata proof) external payable;
        function relayBatch(Message[] calldata messages, RelayProof[] calldata proofs) external payable;
        function isImported(bytes32 root) external view returns (bool);
        function delivered(bytes32 messageHash) external view returns (bool);
    }

    #[sol(rpc)]
    interface ITransactionRoot {
        event TransactionRootUpdated(bytes32 indexed root, uint256 indexed chainId, uint64 batchNumber, uint256 leafIndex, bytes32 leaf);
        function root() external view returns (bytes32);
        function leafCount() external view returns (uint256);
        function isTransactionRoot(bytes32 root) external view returns (bool);
    }

    #[sol(rpc)]
    interface IChainFactory {
        function settlementOf(uint256 chainId) external view returns (address);
    }

    #[sol(rpc)]
    interface IChainSettlement {
        event BatchExecuted(uint64 indexed batchNumber, bytes32 stateRoot, bytes32 messagesRoot);
        function stateRoot(uint64 batchNumber) external view returns (bytes32);
        function messagesRoot(uint64 batchNumber) external view returns (bytes32);
        function lastExecutedBatch() external view returns (uint64);
    }
}

/// L2 outbox predeploy (`Predeploys.OUTBOX`).
pub const OUTBOX: Address =
    Address::new([0x48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/// L2 inbox predeploy (`Predeploys.INBOX`).
pub const INBOX: Address =
    Address::new([0x48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02]);

impl Message {
    /// `keccak256(abi.encode(message))`: the leaf of the messages tree.
    pub fn hash(&self) -> alloy::primitives::B256 {
        use alloy::sol_types::SolValue;
        alloy::primitives::keccak256(self.abi_encode())
    }
}

/// `BatchHashing.transactionRootLeaf`.
pub fn transaction_root_leaf(
    chain_id: u64,
    batch_number: u64,
    messages_root: alloy::primitives::B256,
    state_root: alloy::primitives::B256,
) -> alloy::primitives::B256 {
    use alloy::sol_types::SolValue;
    alloy::primitives::keccak256(
        (alloy::primitives::U256::from(chain_id), batch_number, messages_root, state_root)
            .abi_encode(),
    )
}

/// Converts a `hyperchain-merkle` proof to the ABI struct.
pub fn to_abi_proof(proof: &hyperchain_merkle::MerkleProof) -> MerkleProof {
    MerkleProof {
        index: alloy::primitives::U256::from(proof.index),
        leafCount: alloy::primitives::U256::from(proof.leaf_count),
        siblings: proof.siblings.clone(),
    }
}
