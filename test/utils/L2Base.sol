// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {BatchHashing} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {RelayProof} from "../../contracts/common/types/RelayProof.sol";
import {AssetRouter} from "../../contracts/l2/AssetRouter.sol";
import {ETHLiquidity} from "../../contracts/l2/ETHLiquidity.sol";
import {Inbox} from "../../contracts/l2/Inbox.sol";
import {Outbox} from "../../contracts/l2/Outbox.sol";
import {StateReader} from "../../contracts/l2/StateReader.sol";
import {IOutbox} from "../../contracts/l2/interfaces/IOutbox.sol";
import {MerkleHelpers} from "./MerkleHelpers.sol";
import {TransactionRootTree} from "./Mocks.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev Deploys the predeploys at their addresses the way genesis does (runtime code copied, no
/// constructor at the address) and builds messages trees, Transaction Roots and relay proofs.
abstract contract L2Base is Test, MerkleHelpers {
    uint256 internal constant L1_CHAIN_ID = 9;
    uint256 internal constant CHAIN_A = 271;
    uint256 internal constant CHAIN_B = 272;
    address internal constant L1_SHARED_BRIDGE = address(0xB1D6E);
    /// L2 gas limit of the priority requests the tests deliver
    uint256 internal constant L2_GAS_LIMIT = 2_000_000;
    bytes4 internal constant RELAYER_FEE = bytes4(keccak256("relayerFee(uint256)"));

    Outbox internal outbox = Outbox(payable(Predeploys.OUTBOX));
    Inbox internal inbox = Inbox(Predeploys.INBOX);
    AssetRouter internal router = AssetRouter(Predeploys.ASSET_ROUTER);
    ETHLiquidity internal liquidity = ETHLiquidity(payable(Predeploys.ETH_LIQUIDITY));

    function _deployPredeploys() internal {
        vm.etch(Predeploys.OUTBOX, address(new Outbox(L1_CHAIN_ID)).code);
        vm.etch(Predeploys.INBOX, address(new Inbox(L1_CHAIN_ID)).code);
        vm.etch(Predeploys.ASSET_ROUTER, address(new AssetRouter(L1_CHAIN_ID, L1_SHARED_BRIDGE)).code);
        vm.etch(Predeploys.ETH_LIQUIDITY, address(new ETHLiquidity()).code);
        // No immutables, so no deployment needed (one would move the addresses tests create next).
        vm.etch(Predeploys.STATE_READER, type(StateReader).runtimeCode);
        vm.deal(Predeploys.ETH_LIQUIDITY, 1 << 128);
    }

    /// @dev Calldata gas of a transaction carrying `data` (EIP-2028: 4 per zero byte, 16 otherwise).
    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev Gas of a transaction carrying `data` whose call executes `executionGas`: 21,000, the
    /// calldata and the execution, or the EIP-7623 calldata floor (21,000 + 10 per token, 4 tokens
    /// per non-zero byte) when that is more, as proof-heavy calldata is.
    function _txGas(uint256 executionGas, bytes memory data) internal pure returns (uint256) {
        uint256 calldataGas = _calldataGas(data);
        // The standard calldata gas is 4 per token.
        return Math.max(21_000 + calldataGas + executionGas, 21_000 + 10 * (calldataGas / 4));
    }

    function _feeAttribute(uint256 fee) internal pure returns (bytes[] memory attributes) {
        attributes = new bytes[](1);
        attributes[0] = abi.encodeWithSelector(RELAYER_FEE, fee);
    }

    function _noAttributes() internal pure returns (bytes[] memory) {
        return new bytes[](0);
    }

    /// @dev The `MessageQueued` messages among the recorded logs, in order.
    function _queuedMessages(Vm.Log[] memory logs) internal pure returns (Message[] memory messages) {
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IOutbox.MessageQueued.selector) ++count;
        }
        messages = new Message[](count);
        count = 0;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IOutbox.MessageQueued.selector) {
                messages[count++] = abi.decode(logs[i].data, (Message));
            }
        }
    }

    /// @dev A Transaction Root whose tree holds `otherLeaves` then the leaf of (sourceChainId,
    /// batchNumber) over `messages`, appended with `IncrementalMerkle` as L1 does; and the proof
    /// of `messages[index]`.
    function _transactionRootAndProof(
        uint256 sourceChainId,
        uint64 batchNumber,
        bytes32 stateRoot,
        Message[] memory messages,
        uint256 index,
        uint256 otherLeaves
    ) internal returns (bytes32 transactionRoot, RelayProof memory proof) {
        bytes32[] memory messageHashes = _messageHashes(messages);
        bytes32 messagesRoot = _merkleRoot(messageHashes);
        bytes32[] memory batchLeaves = new bytes32[](otherLeaves + 1);
        TransactionRootTree tree = new TransactionRootTree();
        for (uint256 i; i < otherLeaves; ++i) {
            batchLeaves[i] = keccak256(abi.encode("another batch", i));
            tree.append(batchLeaves[i]);
        }
        batchLeaves[otherLeaves] =
            BatchHashing.transactionRootLeaf(sourceChainId, batchNumber, messagesRoot, stateRoot);
        (transactionRoot,) = tree.append(batchLeaves[otherLeaves]);
        assertEq(transactionRoot, _merkleRoot(batchLeaves), "incremental and full tree agree");
        proof = RelayProof({
            batchNumber: batchNumber,
            stateRoot: stateRoot,
            messageProof: _merkleProof(messageHashes, index),
            batchProof: _merkleProof(batchLeaves, otherLeaves)
        });
    }

    function _importRoot(bytes32 root) internal {
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.importTransactionRoot(root);
    }
}
