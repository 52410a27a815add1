// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IncrementalMerkle, Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
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
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev An ERC-7786 recipient that records what it got; can be told to revert or answer wrongly.
contract MockRecipient is IERC7786Recipient {
    error Refused(bytes payload);

    bytes32 public lastReceiveId;
    bytes public lastSender;
    bytes public lastPayload;
    uint256 public lastValue;
    address public lastGateway;
    uint256 public calls;
    bool public refuse;
    bytes4 public answer = IERC7786Recipient.receiveMessage.selector;

    function setRefuse(bool refuse_) external {
        refuse = refuse_;
    }

    function setAnswer(bytes4 answer_) external {
        answer = answer_;
    }

    function receiveMessage(bytes32 receiveId, bytes calldata sender, bytes calldata payload)
        external
        payable
        returns (bytes4)
    {
        if (refuse) revert Refused(payload);
        lastReceiveId = receiveId;
        lastSender = sender;
        lastPayload = payload;
        lastValue = msg.value;
        lastGateway = msg.sender;
        ++calls;
        return answer;
    }
}

/// @dev Accepts every message and does nothing: relay gas measured with it is the gateway's own.
contract NoopRecipient is IERC7786Recipient {
    function receiveMessage(bytes32, bytes calldata, bytes calldata) external payable returns (bytes4) {
        return IERC7786Recipient.receiveMessage.selector;
    }
}

/// @dev Burns all the gas it is given.
contract GasBurner is IERC7786Recipient {
    function receiveMessage(bytes32, bytes calldata, bytes calldata) external payable returns (bytes4) {
        while (true) {}
        return IERC7786Recipient.receiveMessage.selector;
    }
}

contract TestToken is ERC20 {
    uint8 private immutable DECIMALS;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        DECIMALS = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Transaction Root tree, as L1's `TransactionRoot` keeps it.
contract TransactionRootTree {
    using IncrementalMerkle for IncrementalMerkle.Tree;

    IncrementalMerkle.Tree internal tree;

    function append(bytes32 leaf) external returns (bytes32 root, uint256 leafCount) {
        return tree.append(leaf);
    }
}

/// @dev Deploys the predeploys at their addresses the way genesis does (runtime code copied, no
/// constructor at the address) and builds messages trees, Transaction Roots and relay proofs.
abstract contract L2Base is Test {
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

    function _hashes(Message[] memory messages) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](messages.length);
        for (uint256 i; i < messages.length; ++i) {
            hashes[i] = messages[i].hash();
        }
    }

    /// @dev Root of the tree over `leaves` (node = keccak(left ‖ right), odd last node promoted).
    function _root(bytes32[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length == 0) return bytes32(0);
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _nextLevel(level);
        }
        return level[0];
    }

    function _proof(bytes32[] memory leaves, uint256 index) internal pure returns (MerkleProof memory proof) {
        proof.index = index;
        proof.leafCount = leaves.length;
        bytes32[] memory siblings = new bytes32[](256);
        uint256 used;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            if (index & 1 == 1) siblings[used++] = level[index - 1];
            else if (index + 1 < level.length) siblings[used++] = level[index + 1];
            level = _nextLevel(level);
            index >>= 1;
        }
        assembly ("memory-safe") {
            mstore(siblings, used)
        }
        proof.siblings = siblings;
    }

    function _nextLevel(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i + 1 < level.length; i += 2) {
            next[i / 2] = Merkle.hashPair(level[i], level[i + 1]);
        }
        if (level.length % 2 == 1) next[next.length - 1] = level[level.length - 1];
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
        bytes32[] memory messageHashes = _hashes(messages);
        bytes32 messagesRoot = _root(messageHashes);
        bytes32[] memory batchLeaves = new bytes32[](otherLeaves + 1);
        TransactionRootTree tree = new TransactionRootTree();
        for (uint256 i; i < otherLeaves; ++i) {
            batchLeaves[i] = keccak256(abi.encode("another batch", i));
            tree.append(batchLeaves[i]);
        }
        batchLeaves[otherLeaves] =
            BatchHashing.transactionRootLeaf(sourceChainId, batchNumber, messagesRoot, stateRoot);
        (transactionRoot,) = tree.append(batchLeaves[otherLeaves]);
        assertEq(transactionRoot, _root(batchLeaves), "incremental and full tree agree");
        proof = RelayProof({
            batchNumber: batchNumber,
            stateRoot: stateRoot,
            messageProof: _proof(messageHashes, index),
            batchProof: _proof(batchLeaves, otherLeaves)
        });
    }

    function _importRoot(bytes32 root) internal {
        vm.prank(Predeploys.SYSTEM_CALLER);
        inbox.importTransactionRoot(root);
    }
}
