// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {BatchHashing} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {RelayProof} from "../../contracts/common/types/RelayProof.sol";
import {BridgedToken} from "../../contracts/l2/BridgedToken.sol";
import {ConstantProductPool} from "../../contracts/l2/apps/ConstantProductPool.sol";
import {RemoteSwap} from "../../contracts/l2/apps/RemoteSwap.sol";
import {IInbox} from "../../contracts/l2/interfaces/IInbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {MockRecipient, TestToken, TransactionRootTree} from "../utils/Mocks.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {
    ERC7579Utils,
    ModePayload,
    ModeSelector
} from "@openzeppelin/contracts/account/utils/draft-ERC7579Utils.sol";
import {CrosschainLinked} from "@openzeppelin/contracts/crosschain/CrosschainLinked.sol";
import {CrosschainRemoteExecutor} from "@openzeppelin/contracts/crosschain/CrosschainRemoteExecutor.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Crosschain} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Crosschain.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";
import {Vm} from "forge-std/Vm.sol";

/// @dev OpenZeppelin 5.7's `ERC20Crosschain`, unchanged: this concrete token only passes its
/// constructor arguments (the links: our gateway + the counterpart on each other chain) and lets
/// the test mint an initial supply.
contract OZCrosschainToken is ERC20Crosschain {
    constructor(CrosschainLinked.Link[] memory links) ERC20("OZ Crosschain", "OZX") CrosschainLinked(links) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Something only its owner may change (the owner will be a remote executor).
contract OwnedSetting is Ownable {
    uint256 public value;

    constructor(address owner_) Ownable(owner_) {}

    function set(uint256 value_) external onlyOwner {
        value = value_;
    }
}

/// @notice Two hyperchains (A and B) in one forge EVM. Both start from the same genesis (the
/// predeploys at their addresses, as `GenesisL2` writes them); the state of the chain not being
/// used is parked in a snapshot (`vm.snapshotState` / `vm.revertToState`) and the chain id is
/// switched with `vm.chainId`. L1 is modelled by the Transaction Root: every settled batch appends
/// `BatchHashing.transactionRootLeaf` to a tree built with `IncrementalMerkle`, and the operator
/// imports the root into the destination inbox. Messages are read from the `MessageQueued` events,
/// as the Rust operator and relayer do.
contract TwoChainTest is L2Base {
    struct World {
        uint256 current;
        uint256 snapshotA;
        uint256 snapshotB;
        /// Transaction Root tree leaves (L1), in append order.
        bytes32[] leaves;
        uint64 batchesA;
        uint64 batchesB;
    }

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal relayer = makeAddr("relayer");
    MockRecipient internal recipient;

    function setUp() public {
        _deployPredeploys();
        recipient = new MockRecipient(); // same address on both chains (same genesis)
        vm.deal(alice, 100 ether);
        vm.deal(relayer, 1 ether);
    }

    // ---------------------------------------------------------------- world

    function _start() internal returns (World memory world) {
        world.snapshotB = vm.snapshotState();
        world.current = CHAIN_A;
        world.leaves = new bytes32[](0);
        vm.chainId(CHAIN_A);
    }

    function _switchTo(World memory world, uint256 chainId) internal {
        if (world.current == chainId) return;
        uint256 parked = vm.snapshotState();
        if (world.current == CHAIN_A) world.snapshotA = parked;
        else world.snapshotB = parked;
        vm.revertToState(chainId == CHAIN_A ? world.snapshotA : world.snapshotB);
        vm.chainId(chainId);
        world.current = chainId;
    }

    /// @dev Settles a batch of the current chain with `messages` on "L1" (appends its leaf to the
    /// Transaction Root tree) and returns the proofs of its messages against the new root.
    function _settle(World memory world, Message[] memory messages)
        internal
        returns (bytes32 root, RelayProof[] memory proofs)
    {
        uint256 chainId = world.current;
        uint64 batchNumber = chainId == CHAIN_A ? ++world.batchesA : ++world.batchesB;
        bytes32 stateRoot = keccak256(abi.encode("state", chainId, batchNumber));
        bytes32[] memory hashes = _messageHashes(messages);
        bytes32 leaf = BatchHashing.transactionRootLeaf(chainId, batchNumber, _merkleRoot(hashes), stateRoot);
        bytes32[] memory leaves = new bytes32[](world.leaves.length + 1);
        for (uint256 i; i < world.leaves.length; ++i) {
            leaves[i] = world.leaves[i];
        }
        leaves[world.leaves.length] = leaf;
        world.leaves = leaves;

        TransactionRootTree tree = new TransactionRootTree(); // L1's incremental tree
        for (uint256 i; i < leaves.length; ++i) {
            (root,) = tree.append(leaves[i]);
        }
        assertEq(root, _merkleRoot(leaves), "incremental and full tree agree");
        proofs = new RelayProof[](messages.length);
        for (uint256 i; i < messages.length; ++i) {
            proofs[i] = RelayProof(
                batchNumber, stateRoot, _merkleProof(hashes, i), _merkleProof(leaves, leaves.length - 1)
            );
        }
    }

    function _sentMessages() internal returns (Message[] memory) {
        return _queuedMessages(vm.getRecordedLogs());
    }

    // ---------------------------------------------------------------- scenarios

    /// A message with value and a token go from A to B; the token comes back to A.
    function test_twoChains_messageAndToken_roundTrip() public {
        World memory world = _start();

        // Chain A: a message with 1 ETH (+0.1 fee) and 100 X (+0.05 fee) to B.
        TestToken x = new TestToken("Token X", "X", 18);
        x.mint(alice, 1000 ether);
        uint256 liquidityA = address(liquidity).balance;
        vm.recordLogs();
        vm.startPrank(alice);
        outbox.sendMessage{value: 1.1 ether}(
            InteroperableAddress.formatEvmV1(CHAIN_B, address(recipient)), "hello B", _feeAttribute(0.1 ether)
        );
        x.approve(address(router), 100 ether);
        router.bridgeERC20{value: 0.05 ether}(CHAIN_B, address(x), bob, 100 ether);
        vm.stopPrank();
        Message[] memory fromA = _sentMessages();
        assertEq(fromA.length, 2);
        assertEq(address(liquidity).balance, liquidityA + 1.15 ether);
        (bytes32 root, RelayProof[] memory proofs) = _settle(world, fromA);

        // Chain B: the operator imports the root, a relayer delivers both messages.
        _switchTo(world, CHAIN_B);
        assertEq(address(x).code.length, 0, "X does not exist on B");
        uint256 liquidityB = address(liquidity).balance;
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IInbox.UnknownTransactionRoot.selector, root));
        inbox.relay(fromA[0], proofs[0]);
        _importRoot(root);
        vm.prank(relayer);
        inbox.relayBatch(fromA, proofs);

        assertEq(recipient.lastPayload(), "hello B");
        assertEq(recipient.lastValue(), 1 ether);
        assertEq(recipient.lastSender(), InteroperableAddress.formatEvmV1(CHAIN_A, alice));
        BridgedToken xOnB = BridgedToken(router.bridgedToken(CHAIN_A, address(x)));
        assertEq(xOnB.balanceOf(bob), 100 ether);
        assertEq(xOnB.name(), "Token X");
        assertEq(xOnB.symbol(), "X");
        assertEq(relayer.balance, 1 ether + 0.15 ether, "relayer paid both fees on B");
        assertEq(liquidityB - address(liquidity).balance, 1.15 ether, "what A burned, B released");

        // Chain B: bob sends 40 X to carol on A (burned on B).
        vm.recordLogs();
        vm.prank(bob);
        router.bridgeERC20(CHAIN_A, address(xOnB), carol, 40 ether);
        Message[] memory fromB = _sentMessages();
        assertEq(xOnB.totalSupply(), 60 ether);
        (root, proofs) = _settle(world, fromB);

        // Chain A: released from the router's lock.
        _switchTo(world, CHAIN_A);
        _importRoot(root);
        vm.prank(relayer);
        inbox.relay(fromB[0], proofs[0]);
        assertEq(x.balanceOf(carol), 40 ether);
        assertEq(x.balanceOf(address(router)), 60 ether, "still locked for the 60 X on B");
    }

    struct SwapScenario {
        TestToken x;
        TestToken y;
        address xOnB;
        ConstantProductPool pool;
        RemoteSwap swapA;
        RemoteSwap swapB;
        uint256 expectedOut;
        bytes32 root;
        RelayProof[] proofs;
    }

    /// The cross-chain swap: alice on A sells X on B's pool and gets Y back on A.
    function test_twoChains_remoteSwap_succeeds() public {
        World memory world = _start();
        SwapScenario memory s = _seedPool(world);

        // A: alice sells 100 X on B's pool, paying all three relayer fees up front.
        _switchTo(world, CHAIN_A);
        vm.prank(makeAddr("owner"));
        s.swapA.setCounterpart(CHAIN_B, address(s.swapB));
        vm.recordLogs();
        vm.startPrank(alice);
        s.x.approve(address(s.swapA), 100 ether);
        s.swapA.swapRemote{value: 0.03 ether}(
            CHAIN_B, address(s.x), 100 ether, s.expectedOut, 0.01 ether, 0.01 ether
        );
        vm.stopPrank();
        Message[] memory order = _sentMessages(); // [token transfer, order]
        assertEq(order.length, 2);
        assertEq(order[1].value, 0.01 ether, "return-leg fee travels as the order's value");
        (s.root, s.proofs) = _settle(world, order);

        // B: the order first (before its tokens) fails and stays deliverable; then both go through.
        _switchTo(world, CHAIN_B);
        _importRoot(s.root);
        vm.expectRevert(abi.encodeWithSelector(RemoteSwap.TransferNotDelivered.selector, order[0].hash()));
        vm.prank(relayer);
        inbox.relay(order[1], s.proofs[1]);
        vm.recordLogs();
        vm.startPrank(relayer);
        inbox.relay(order[0], s.proofs[0]);
        inbox.relay(order[1], s.proofs[1]);
        vm.stopPrank();
        Message[] memory proceeds = _sentMessages();
        assertEq(proceeds.length, 1);
        assertEq(proceeds[0].fee, 0.01 ether);
        assertEq(BridgedToken(s.xOnB).balanceOf(address(s.pool)), 600 ether);
        assertEq(s.y.balanceOf(address(s.pool)), 1000 ether - s.expectedOut);
        assertEq(relayer.balance, 1 ether + 0.02 ether);
        (s.root, s.proofs) = _settle(world, proceeds);

        // A: alice receives Y (bridged) for her X.
        _switchTo(world, CHAIN_A);
        _importRoot(s.root);
        vm.prank(relayer);
        inbox.relay(proceeds[0], s.proofs[0]);
        BridgedToken yOnA = BridgedToken(router.bridgedToken(CHAIN_B, address(s.y)));
        assertEq(yOnA.balanceOf(alice), s.expectedOut);
        assertEq(yOnA.symbol(), "Y");
        assertEq(s.x.balanceOf(alice), 900 ether);
    }

    /// @dev A: X is native; the LP bridges 500 X to B. B: the X arrives, a pool X/Y (500 X, 1000 Y)
    /// and the B side of the app are deployed. Ends on chain B.
    function _seedPool(World memory world) internal returns (SwapScenario memory s) {
        address lp = makeAddr("lp");
        address owner = makeAddr("owner");
        s.x = new TestToken("Token X", "X", 18);
        s.x.mint(alice, 1000 ether);
        s.x.mint(lp, 500 ether);
        s.swapA = new RemoteSwap(owner, ConstantProductPool(address(0)));
        vm.recordLogs();
        vm.startPrank(lp);
        s.x.approve(address(router), 500 ether);
        router.bridgeERC20(CHAIN_B, address(s.x), lp, 500 ether);
        vm.stopPrank();
        Message[] memory seed = _sentMessages();
        (s.root, s.proofs) = _settle(world, seed);

        _switchTo(world, CHAIN_B);
        _importRoot(s.root);
        inbox.relay(seed[0], s.proofs[0]);
        s.xOnB = router.bridgedToken(CHAIN_A, address(s.x));
        s.y = new TestToken("Token Y", "Y", 18);
        s.y.mint(lp, 1000 ether);
        s.pool = new ConstantProductPool(BridgedToken(s.xOnB), s.y);
        vm.startPrank(lp);
        BridgedToken(s.xOnB).approve(address(s.pool), 500 ether);
        s.y.approve(address(s.pool), 1000 ether);
        if (address(s.pool.token0()) == s.xOnB) s.pool.addLiquidity(500 ether, 1000 ether, lp);
        else s.pool.addLiquidity(1000 ether, 500 ether, lp);
        vm.stopPrank();
        s.swapB = new RemoteSwap(owner, s.pool);
        vm.prank(owner);
        s.swapB.setCounterpart(CHAIN_A, address(s.swapA));
        s.expectedOut = s.pool.getAmountOut(100 ether, 500 ether, 1000 ether);
    }

    /// If the pool would pay less than alice's minimum, her X comes back instead.
    function test_twoChains_remoteSwap_slippageRefunds() public {
        World memory world = _start();
        address owner = makeAddr("owner");
        TestToken x = new TestToken("Token X", "X", 18);
        x.mint(alice, 1000 ether);
        RemoteSwap swapA = new RemoteSwap(owner, ConstantProductPool(address(0)));

        _switchTo(world, CHAIN_B);
        RemoteSwap swapB = new RemoteSwap(owner, ConstantProductPool(address(0))); // no pool on B
        vm.prank(owner);
        swapB.setCounterpart(CHAIN_A, address(swapA));

        _switchTo(world, CHAIN_A);
        vm.prank(owner);
        swapA.setCounterpart(CHAIN_B, address(swapB));
        vm.recordLogs();
        vm.startPrank(alice);
        x.approve(address(swapA), 100 ether);
        swapA.swapRemote(CHAIN_B, address(x), 100 ether, 1, 0, 0);
        vm.stopPrank();
        Message[] memory order = _sentMessages();
        (bytes32 root, RelayProof[] memory proofs) = _settle(world, order);

        _switchTo(world, CHAIN_B);
        _importRoot(root);
        vm.recordLogs();
        inbox.relayBatch(order, proofs);
        Message[] memory refund = _sentMessages();
        (root, proofs) = _settle(world, refund);

        _switchTo(world, CHAIN_A);
        _importRoot(root);
        inbox.relay(refund[0], proofs[0]);
        assertEq(x.balanceOf(alice), 1000 ether, "refunded in full");
    }

    /// OpenZeppelin 5.7's ERC20Crosschain, unchanged, over our gateway: configured with
    /// gateway = OUTBOX and the counterpart token on the other chain; it sends with no attributes
    /// (fee 0) and authorizes received messages by gateway address and ERC-7930 sender.
    function test_twoChains_openZeppelinERC20Crosschain_succeeds() public {
        World memory world = _start();
        // Same deployer and nonce on both chains: the token gets the same address on A and B.
        address token = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));

        OZCrosschainToken onA = _deployOZToken(CHAIN_B, token);
        assertEq(address(onA), token);
        onA.mint(alice, 100 ether);

        _switchTo(world, CHAIN_B);
        OZCrosschainToken onB = _deployOZToken(CHAIN_A, token);
        assertEq(address(onB), token);

        _switchTo(world, CHAIN_A);
        vm.recordLogs();
        vm.prank(alice);
        onA.crosschainTransfer(InteroperableAddress.formatEvmV1(CHAIN_B, bob), 40 ether);
        Message[] memory sent = _sentMessages();
        assertEq(sent.length, 1);
        assertEq(sent[0].fee, 0);
        assertEq(onA.balanceOf(alice), 60 ether);
        (bytes32 root, RelayProof[] memory proofs) = _settle(world, sent);

        _switchTo(world, CHAIN_B);
        _importRoot(root);
        vm.prank(relayer);
        inbox.relay(sent[0], proofs[0]);
        assertEq(onB.balanceOf(bob), 40 ether);
        assertEq(onB.totalSupply(), 40 ether);

        // And back: bob returns 15 to alice on A.
        vm.recordLogs();
        vm.prank(bob);
        onB.crosschainTransfer(InteroperableAddress.formatEvmV1(CHAIN_A, alice), 15 ether);
        sent = _sentMessages();
        (root, proofs) = _settle(world, sent);
        _switchTo(world, CHAIN_A);
        _importRoot(root);
        inbox.relay(sent[0], proofs[0]);
        assertEq(onA.balanceOf(alice), 75 ether);
    }

    /// A message from a non-counterpart to the OZ token is refused by the token itself, so the
    /// relay reverts and nothing is minted.
    function test_twoChains_openZeppelinERC20Crosschain_rejectsStranger() public {
        World memory world = _start();
        address token = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        _deployOZToken(CHAIN_B, token);
        _switchTo(world, CHAIN_B);
        OZCrosschainToken onB = _deployOZToken(CHAIN_A, token);

        _switchTo(world, CHAIN_A);
        vm.recordLogs();
        vm.prank(alice); // alice is not the counterpart
        outbox.sendMessage(
            InteroperableAddress.formatEvmV1(CHAIN_B, token),
            abi.encode(InteroperableAddress.formatEvmV1(CHAIN_A, alice), abi.encodePacked(alice), 1 ether),
            _noAttributes()
        );
        Message[] memory sent = _sentMessages();
        (bytes32 root, RelayProof[] memory proofs) = _settle(world, sent);

        _switchTo(world, CHAIN_B);
        _importRoot(root);
        vm.expectPartialRevert(bytes4(keccak256("ERC7786RecipientUnauthorizedGateway(address,bytes)")));
        inbox.relay(sent[0], proofs[0]);
        assertEq(onB.totalSupply(), 0);
    }

    /// OpenZeppelin 5.7's CrosschainRemoteExecutor, unchanged: alice on A governs a contract on B
    /// through an executor configured with our gateway and alice's ERC-7930 address as controller.
    function test_twoChains_openZeppelinRemoteExecutor_succeeds() public {
        World memory world = _start();
        _switchTo(world, CHAIN_B);
        CrosschainRemoteExecutor executor =
            new CrosschainRemoteExecutor(Predeploys.OUTBOX, InteroperableAddress.formatEvmV1(CHAIN_A, alice));
        OwnedSetting setting = new OwnedSetting(address(executor));

        _switchTo(world, CHAIN_A);
        bytes memory payload = abi.encodePacked(
            ERC7579Utils.encodeMode(
                ERC7579Utils.CALLTYPE_SINGLE,
                ERC7579Utils.EXECTYPE_DEFAULT,
                ModeSelector.wrap(0),
                ModePayload.wrap(0)
            ),
            abi.encodePacked(address(setting), uint256(0), abi.encodeCall(OwnedSetting.set, (42))) // ERC-7579 single
        );
        vm.recordLogs();
        vm.prank(alice);
        outbox.sendMessage(
            InteroperableAddress.formatEvmV1(CHAIN_B, address(executor)), payload, _noAttributes()
        );
        Message[] memory sent = _sentMessages();
        (bytes32 root, RelayProof[] memory proofs) = _settle(world, sent);

        _switchTo(world, CHAIN_B);
        _importRoot(root);
        inbox.relay(sent[0], proofs[0]);
        assertEq(setting.value(), 42);
    }

    function _deployOZToken(uint256 remoteChainId, address remoteToken) internal returns (OZCrosschainToken) {
        CrosschainLinked.Link[] memory links = new CrosschainLinked.Link[](1);
        links[0] = CrosschainLinked.Link({
            gateway: Predeploys.OUTBOX,
            counterpart: InteroperableAddress.formatEvmV1(remoteChainId, remoteToken)
        });
        return new OZCrosschainToken(links);
    }
}
