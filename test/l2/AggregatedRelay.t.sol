// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Merkle} from "../../contracts/common/libraries/Merkle.sol";
import {BatchHashing} from "../../contracts/common/types/Batch.sol";
import {Message, MessageHashing} from "../../contracts/common/types/Message.sol";
import {RelayProof} from "../../contracts/common/types/RelayProof.sol";
import {IInbox} from "../../contracts/l2/interfaces/IInbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {MockRecipient} from "../utils/Mocks.sol";

/// @notice A message of a batch settled in an aggregate, relayed against the aggregate's root
/// (L1's `TransactionRoot` records it as importable): the inbox's `RelayProof` is unchanged, its
/// batch proof is the batch leaf's path in the aggregate's tree (`Merkle.rootOf` over the
/// chain-batch leaves, as `Aggregator` computes it).
contract AggregatedRelayTest is L2Base {
    MockRecipient internal recipient;

    function setUp() public {
        vm.chainId(CHAIN_B);
        _deployPredeploys();
        recipient = new MockRecipient();
    }

    function _aggregate(Message memory message)
        internal
        pure
        returns (bytes32 aggregateRoot, RelayProof memory proof)
    {
        bytes32[] memory messageHashes = new bytes32[](2);
        messageHashes[0] = keccak256("another message");
        messageHashes[1] = message.hash();
        bytes32 stateRoot = keccak256("state of A after batch 7");
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = BatchHashing.transactionRootLeaf(CHAIN_B + 5, 3, keccak256("m"), keccak256("s"));
        leaves[1] = BatchHashing.transactionRootLeaf(CHAIN_A, 7, _merkleRoot(messageHashes), stateRoot);
        leaves[2] = BatchHashing.transactionRootLeaf(CHAIN_B + 6, 1, bytes32(0), keccak256("s2"));
        proof = RelayProof({
            batchNumber: 7,
            stateRoot: stateRoot,
            messageProof: _merkleProof(messageHashes, 1),
            batchProof: _merkleProof(leaves, 1)
        });
        aggregateRoot = Merkle.rootOf(leaves);
    }

    function _message() internal returns (Message memory) {
        return Message(CHAIN_A, CHAIN_B, 0, makeAddr("sender"), address(recipient), 1 ether, 0, hex"c0ffee");
    }

    function test_relay_messageOfAggregatedBatch_succeeds() public {
        Message memory message = _message();
        (bytes32 aggregateRoot, RelayProof memory proof) = _aggregate(message);
        _importRoot(aggregateRoot);
        inbox.relay(message, proof);
        assertTrue(inbox.delivered(message.hash()));
        assertEq(recipient.lastPayload(), hex"c0ffee");
        assertEq(address(recipient).balance, 1 ether);
    }

    function test_relay_aggregateRootNotImported_reverts() public {
        Message memory message = _message();
        (bytes32 aggregateRoot, RelayProof memory proof) = _aggregate(message);
        vm.expectRevert(abi.encodeWithSelector(IInbox.UnknownTransactionRoot.selector, aggregateRoot));
        inbox.relay(message, proof);
    }
}
