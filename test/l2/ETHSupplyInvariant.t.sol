// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {BatchHashing} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {RelayProof} from "../../contracts/common/types/RelayProof.sol";
import {ETHLiquidity} from "../../contracts/l2/ETHLiquidity.sol";
import {Inbox} from "../../contracts/l2/Inbox.sol";
import {Outbox} from "../../contracts/l2/Outbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {MockRecipient} from "../utils/Mocks.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @dev Drives chain A's ETH flows and keeps the L1 view of it: `chainBalance` is what L1's
/// `SharedBridge.chainBalance(A, ETH)` would hold once every batch so far is executed (deposits
/// and inbound transfers credit it, withdrawals and outbound transfers debit it).
contract ETHSupplyHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant L1_CHAIN_ID = 9;
    uint256 internal constant CHAIN_A = 271;
    uint256 internal constant CHAIN_B = 272;
    uint256 internal constant L2_GAS_LIMIT = 1_000_000;

    Inbox internal constant INBOX = Inbox(Predeploys.INBOX);
    Outbox internal constant OUTBOX = Outbox(payable(Predeploys.OUTBOX));

    uint256 public chainBalance;
    /// Inbound messages credited on L1 but not relayed yet.
    uint256 public pendingInbound;
    /// Priority requests whose recipient failed: L1 credited them, nobody received them.
    uint256 public failedDeposits;
    uint64 internal priorityNonce;
    uint256 internal inboundNonce;
    Message[] internal pending;
    address[] internal actors;
    MockRecipient internal refusing;
    address internal relayer = address(0x8e1a);

    constructor() {
        for (uint256 i; i < 4; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
        refusing = new MockRecipient();
        refusing.setRefuse(true);
    }

    function deposit(uint256 actorSeed, uint256 amount, bool toRefusingRecipient) external {
        amount = bound(amount, 1, 1000 ether);
        address to = toRefusingRecipient ? address(refusing) : actors[actorSeed % actors.length];
        bytes memory payload = toRefusingRecipient ? bytes("call") : bytes("");
        vm.prank(Predeploys.SYSTEM_CALLER);
        INBOX.executePriorityRequest(
            Message(L1_CHAIN_ID, CHAIN_A, priorityNonce++, address(0xB1D6E), to, amount, 0, payload),
            L2_GAS_LIMIT
        );
        chainBalance += amount;
        if (toRefusingRecipient) failedDeposits += amount;
    }

    function send(uint256 actorSeed, uint256 value, uint256 fee, bool toL1) external {
        address actor = actors[actorSeed % actors.length];
        uint256 available = actor.balance;
        if (available == 0) return;
        value = bound(value, 0, available);
        fee = bound(fee, 0, available - value);
        vm.prank(actor);
        OUTBOX.sendMessage{value: value + fee}(
            InteroperableAddress.formatEvmV1(toL1 ? L1_CHAIN_ID : CHAIN_B, actor), "", _fee(fee)
        );
        chainBalance -= value + fee;
    }

    /// A message from chain B: B's batch executes on L1 (credits A), A imports the root.
    function receiveFromB(uint256 actorSeed, uint256 value, uint256 fee) external {
        value = bound(value, 0, 100 ether);
        fee = bound(fee, 0, 1 ether);
        Message memory message = Message(
            CHAIN_B,
            CHAIN_A,
            inboundNonce++,
            address(0xB0B),
            actors[actorSeed % actors.length],
            value,
            fee,
            ""
        );
        vm.prank(Predeploys.SYSTEM_CALLER);
        INBOX.importTransactionRoot(_merkleRoot(message));
        pending.push(message);
        chainBalance += value + fee;
        pendingInbound += value + fee;
    }

    function relay(uint256 index) external {
        if (pending.length == 0) return;
        index %= pending.length;
        Message memory message = pending[index];
        pending[index] = pending[pending.length - 1];
        pending.pop();
        vm.prank(relayer);
        INBOX.relay(message, _merkleProof(message));
        pendingInbound -= message.value + message.fee;
    }

    /// @dev A batch of B with this one message, alone in a Transaction Root: root = leaf.
    function _merkleRoot(Message memory message) internal pure returns (bytes32) {
        return
            BatchHashing.transactionRootLeaf(CHAIN_B, uint64(message.nonce + 1), message.hash(), bytes32(0));
    }

    function _merkleProof(Message memory message) internal pure returns (RelayProof memory) {
        MerkleProof memory single = MerkleProof(0, 1, new bytes32[](0));
        return RelayProof(uint64(message.nonce + 1), bytes32(0), single, single);
    }

    function _fee(uint256 fee) internal pure returns (bytes[] memory attributes) {
        attributes = new bytes[](1);
        attributes[0] = abi.encodeWithSelector(bytes4(keccak256("relayerFee(uint256)")), fee);
    }
}

/// @notice ETH the chain owes its users (released by the liquidity contract and not taken back)
/// always equals L1's balance for the chain minus what L1 credited but the chain has not
/// released yet (inbound messages not relayed, deposits whose recipient failed).
contract ETHSupplyInvariantTest is L2Base {
    ETHSupplyHandler internal handler;

    function setUp() public {
        vm.chainId(CHAIN_A);
        _deployPredeploys();
        handler = new ETHSupplyHandler();
        targetContract(address(handler));
    }

    function invariant_circulatingSupplyMatchesL1Balance() public view {
        assertEq(
            liquidity.circulatingSupply() + handler.pendingInbound() + handler.failedDeposits(),
            handler.chainBalance()
        );
    }
}
