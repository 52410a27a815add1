// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {TokenTransfer} from "../../contracts/common/libraries/TokenTransfer.sol";
import {AssetTransfer, CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {SharedBridge} from "../../contracts/l1/SharedBridge.sol";
import {IChainSettlement} from "../../contracts/l1/interfaces/IChainSettlement.sol";
import {ISharedBridge} from "../../contracts/l1/interfaces/ISharedBridge.sol";
import {L1Fixture} from "../utils/L1Fixture.sol";
import {ETHRejecter, L1FeeOnTransferToken, L1TestToken, MockRecipient} from "../utils/Mocks.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

contract SharedBridgeTest is L1Fixture {
    L1TestToken internal token;
    address internal alice = makeAddr("alice");
    address internal relayer = makeAddr("relayer");

    receive() external payable {}

    function setUp() public override {
        super.setUp();
        token = new L1TestToken("Token", "TKN");
        token.mint(address(this), 1000 ether);
        token.approve(address(bridge), type(uint256).max);
    }

    /// Settles one batch of `chain` whose messages tree holds `messages`; returns its number.
    function _settleMessages(ChainSettlement chain, Message[] memory messages) internal returns (uint64) {
        CommitBatchInfo memory batch = _nextBatch(chain);
        batch.messagesRoot = _merkleRoot(_messageHashes(messages));
        _settle(chain, batch);
        return batch.batchNumber;
    }

    function _tokenWithdrawal(uint256 nonce, address to, uint256 amount)
        internal
        view
        returns (Message memory m)
    {
        m = _withdrawal(CHAIN_A, nonce, address(bridge), 0, 0);
        m.sender = Predeploys.ASSET_ROUTER;
        m.payload = abi.encode(TokenTransfer(block.chainid, address(token), to, amount, ""));
    }

    // ------------------------------------------------------------ deposits

    function test_depositETH_creditsAndQueues_succeeds() public {
        Message memory expected = Message({
            sourceChainId: block.chainid,
            destinationChainId: CHAIN_A,
            nonce: 0,
            sender: address(bridge),
            recipient: alice,
            value: 1 ether,
            fee: 0,
            payload: ""
        });
        vm.expectEmit(address(chainA));
        emit IChainSettlement.PriorityRequestQueued(
            0, expected, L2_GAS_LIMIT, uint64(block.timestamp) + EXPIRY
        );
        vm.expectEmit(address(bridge));
        emit ISharedBridge.DepositInitiated(CHAIN_A, 0, address(this), alice, address(0), 1 ether);
        uint256 nonce = bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        assertEq(nonce, 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1 ether);
        assertEq(
            chainA.priorityRollingHash(1), keccak256(abi.encode(bytes32(0), _hash(expected), L2_GAS_LIMIT))
        );
    }

    function test_depositETH_zeroValue_reverts() public {
        vm.expectRevert(ISharedBridge.ZeroAmount.selector);
        bridge.depositETH(CHAIN_A, alice, L2_GAS_LIMIT, 0);
    }

    function test_depositETH_zeroRecipient_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "to"));
        bridge.depositETH{value: 1}(CHAIN_A, address(0), L2_GAS_LIMIT, 0);
    }

    function testFuzz_depositETH_unknownChain_reverts(uint256 chainId) public {
        vm.assume(chainId != CHAIN_A && chainId != CHAIN_B);
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.ChainNotActive.selector, chainId));
        bridge.depositETH{value: 1}(chainId, alice, L2_GAS_LIMIT, 0);
    }

    function test_depositERC20_queuesTokenTransfer_succeeds() public {
        bytes memory payload = abi.encode(
            TokenTransfer(
                block.chainid, address(token), alice, 5 ether, abi.encode("Token", "TKN", uint8(18))
            )
        );
        Message memory expected = Message({
            sourceChainId: block.chainid,
            destinationChainId: CHAIN_A,
            nonce: 0,
            sender: address(bridge),
            recipient: Predeploys.ASSET_ROUTER,
            value: 0,
            fee: 0,
            payload: payload
        });
        vm.expectEmit(address(chainA));
        emit IChainSettlement.PriorityRequestQueued(
            0, expected, L2_GAS_LIMIT, uint64(block.timestamp) + EXPIRY
        );
        bridge.depositERC20(CHAIN_A, address(token), alice, 5 ether, L2_GAS_LIMIT, 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 5 ether);
        assertEq(token.balanceOf(address(bridge)), 5 ether);
    }

    function testFuzz_depositERC20_feeOnTransferCountsReceived_succeeds(uint96 amount) public {
        vm.assume(amount >= 100);
        L1FeeOnTransferToken fee = new L1FeeOnTransferToken();
        fee.mint(address(this), amount);
        fee.approve(address(bridge), amount);
        bridge.depositERC20(CHAIN_A, address(fee), alice, amount, L2_GAS_LIMIT, 0);
        uint256 received = uint256(amount) - uint256(amount) / 100;
        assertEq(bridge.chainBalance(CHAIN_A, address(fee)), received);
        assertEq(fee.balanceOf(address(bridge)), received);
    }

    function test_depositERC20_zeroReceived_reverts() public {
        vm.expectRevert(ISharedBridge.ZeroAmount.selector);
        bridge.depositERC20(CHAIN_A, address(token), alice, 0, L2_GAS_LIMIT, 0);
    }

    function test_depositERC20_zeroToken_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "token"));
        bridge.depositERC20(CHAIN_A, address(0), alice, 1, L2_GAS_LIMIT, 0);
    }

    function test_depositERC20_zeroRecipient_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "to"));
        bridge.depositERC20(CHAIN_A, address(token), address(0), 1, L2_GAS_LIMIT, 0);
    }

    function test_depositERC20_unknownChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.ChainNotActive.selector, 5));
        bridge.depositERC20(5, address(token), alice, 1, L2_GAS_LIMIT, 0);
    }

    // ------------------------------------------------------------ finalizeWithdrawal

    function test_finalizeWithdrawal_ethToEOA_succeeds() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message[] memory messages = new Message[](3);
        messages[0] = _withdrawal(CHAIN_A, 0, alice, 1 ether, 0.1 ether);
        messages[1] = _withdrawal(CHAIN_A, 1, makeAddr("bob"), 0.5 ether, 0);
        messages[2] = _withdrawal(CHAIN_A, 2, alice, 0.2 ether, 0);
        messages[1].destinationChainId = CHAIN_B;
        uint64 n = _settleMessages(chainA, messages);
        MerkleProof memory proof = _merkleProof(_messageHashes(messages), 0);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.WithdrawalFinalized(CHAIN_A, n, _hash(messages[0]), relayer);
        vm.prank(relayer);
        bridge.finalizeWithdrawal(CHAIN_A, n, messages[0], proof);
        assertEq(alice.balance, 1 ether);
        assertEq(relayer.balance, 0.1 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 1.9 ether);
        assertTrue(bridge.withdrawalFinalized(_hash(messages[0])));
        bridge.finalizeWithdrawal(CHAIN_A, n, messages[2], _merkleProof(_messageHashes(messages), 2));
        assertEq(alice.balance, 1.2 ether);
    }

    function test_finalizeWithdrawal_twice_reverts() public {
        bridge.depositETH{value: 3 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message memory m = _withdrawal(CHAIN_A, 0, alice, 1 ether, 0);
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.WithdrawalAlreadyFinalized.selector, _hash(m)));
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_token_succeeds() public {
        bridge.depositERC20(CHAIN_A, address(token), address(this), 10 ether, L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message memory m = _tokenWithdrawal(0, alice, 4 ether);
        m.value = 0.5 ether;
        uint64 n = _settleMessages(chainA, _single(m));
        bridge.finalizeWithdrawal(CHAIN_A, n, m, _merkleProof(_messageHashes(_single(m)), 0));
        assertEq(token.balanceOf(alice), 4 ether);
        assertEq(alice.balance, 0.5 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 6 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0.5 ether);
    }

    /// The forged withdrawal: a user of chain A sends, from an EOA through the L2 outbox, a
    /// `TokenTransfer` of the chain's whole token balance to the bridge. It is a valid message of an
    /// executed batch, but only the `AssetRouter` predeploy burns tokens before sending one.
    function test_finalizeWithdrawal_tokenMessageNotFromAssetRouter_reverts() public {
        bridge.depositERC20(CHAIN_A, address(token), address(this), 10 ether, L2_GAS_LIMIT, 0);
        address attacker = makeAddr("attacker");
        Message memory m = _tokenWithdrawal(0, attacker, 10 ether);
        m.sender = attacker;
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.TokenTransferNotFromAssetRouter.selector, attacker)
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
        assertEq(token.balanceOf(attacker), 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 10 ether);
        assertFalse(bridge.withdrawalFinalized(_hash(m)));
    }

    /// Any sender but the `AssetRouter` is refused for a message to the bridge, whatever it carries.
    function testFuzz_finalizeWithdrawal_messageToBridgeFromOtherSender_reverts(address sender, uint96 value)
        public
    {
        vm.assume(sender != Predeploys.ASSET_ROUTER);
        bridge.depositERC20(CHAIN_A, address(token), address(this), 10 ether, L2_GAS_LIMIT, 0);
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message memory m = _tokenWithdrawal(0, alice, 1 ether);
        m.sender = sender;
        m.value = bound(value, 0, 1 ether);
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.TokenTransferNotFromAssetRouter.selector, sender)
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_tokenOfOtherOrigin_reverts() public {
        bridge.depositERC20(CHAIN_A, address(token), address(this), 10 ether, L2_GAS_LIMIT, 0);
        Message memory m = _tokenWithdrawal(0, alice, 4 ether);
        m.payload = abi.encode(TokenTransfer(CHAIN_B, address(token), alice, 4 ether, ""));
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.UnsupportedTokenOrigin.selector, CHAIN_B));
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_malformedTokenPayload_reverts() public {
        Message memory m = _tokenWithdrawal(0, alice, 4 ether);
        m.payload = hex"1234";
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(ISharedBridge.MalformedTokenTransfer.selector);
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_moreTokensThanCredited_reverts() public {
        bridge.depositERC20(CHAIN_A, address(token), address(this), 1 ether, L2_GAS_LIMIT, 0);
        bridge.depositERC20(CHAIN_B, address(token), address(this), 5 ether, L2_GAS_LIMIT, 0);
        Message memory m = _tokenWithdrawal(0, alice, 2 ether);
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InsufficientChainBalance.selector, CHAIN_A, address(token), 1 ether, 2 ether
            )
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_moreEthThanCredited_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_B, alice, L2_GAS_LIMIT, 0);
        Message memory m = _withdrawal(CHAIN_A, 0, alice, 1, 0);
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.InsufficientChainBalance.selector, CHAIN_A, address(0), 0, 1)
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_erc7786Recipient_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        MockRecipient recipient = new MockRecipient();
        Message memory m = _withdrawal(CHAIN_A, 0, address(recipient), 0.3 ether, 0);
        m.payload = hex"abcdef";
        uint64 n = _settleMessages(chainA, _single(m));
        bridge.finalizeWithdrawal(CHAIN_A, n, m, _merkleProof(_messageHashes(_single(m)), 0));
        assertEq(recipient.lastReceiveId(), _hash(m));
        assertEq(recipient.lastSender(), InteroperableAddress.formatEvmV1(CHAIN_A, m.sender));
        assertEq(recipient.lastPayload(), hex"abcdef");
        assertEq(recipient.lastValue(), 0.3 ether);
    }

    function test_finalizeWithdrawal_recipientWrongResponse_reverts() public {
        MockRecipient recipient = new MockRecipient();
        recipient.setAnswer(0xdeadbeef);
        Message memory m = _withdrawal(CHAIN_A, 0, address(recipient), 0, 0);
        m.payload = hex"01";
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InvalidRecipientResponse.selector, address(recipient), bytes4(0xdeadbeef)
            )
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
    }

    function test_finalizeWithdrawal_payoutFails_reverts() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        address rejecter = address(new ETHRejecter());
        Message memory m = _withdrawal(CHAIN_A, 0, rejecter, 1, 0);
        uint64 n = _settleMessages(chainA, _single(m));
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.PayoutFailed.selector, rejecter));
        bridge.finalizeWithdrawal(CHAIN_A, n, m, proof);
        assertFalse(bridge.withdrawalFinalized(_hash(m)));
    }

    function test_finalizeWithdrawal_notExecuted_reverts() public {
        Message memory m = _withdrawal(CHAIN_A, 0, alice, 0, 0);
        CommitBatchInfo memory batch = _nextBatch(chainA);
        batch.messagesRoot = _hash(m);
        _commit(chainA, batch);
        _prove(chainA, 1);
        MerkleProof memory proof = _merkleProof(_messageHashes(_single(m)), 0);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.BatchNotExecuted.selector, 1));
        bridge.finalizeWithdrawal(CHAIN_A, 1, m, proof);
    }

    function test_finalizeWithdrawal_wrongDestination_reverts() public {
        Message memory m = _withdrawal(CHAIN_A, 0, alice, 0, 0);
        m.destinationChainId = CHAIN_B;
        MerkleProof memory proof;
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.WrongDestination.selector, CHAIN_B));
        bridge.finalizeWithdrawal(CHAIN_A, 0, m, proof);
    }

    function test_finalizeWithdrawal_wrongSource_reverts() public {
        Message memory m = _withdrawal(CHAIN_B, 0, alice, 0, 0);
        MerkleProof memory proof;
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.WrongSourceChain.selector, CHAIN_A, CHAIN_B));
        bridge.finalizeWithdrawal(CHAIN_A, 0, m, proof);
    }

    function test_finalizeWithdrawal_unknownChain_reverts() public {
        Message memory m = _withdrawal(77, 0, alice, 0, 0);
        MerkleProof memory proof;
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.UnknownChain.selector, 77));
        bridge.finalizeWithdrawal(77, 0, m, proof);
    }

    /// A message that is not in the batch (any field changed) does not verify against its root.
    function testFuzz_finalizeWithdrawal_forgedMessage_reverts(
        uint256 value,
        uint256 nonce,
        address recipient
    ) public {
        bridge.depositETH{value: 10 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message[] memory messages = new Message[](2);
        messages[0] = _withdrawal(CHAIN_A, 0, alice, 1 ether, 0);
        messages[1] = _withdrawal(CHAIN_A, 1, alice, 2 ether, 0);
        uint64 n = _settleMessages(chainA, messages);
        Message memory forged = _withdrawal(CHAIN_A, nonce, recipient, value, 0);
        vm.assume(_hash(forged) != _hash(messages[0]) && _hash(forged) != _hash(messages[1]));
        MerkleProof memory proof = _merkleProof(_messageHashes(messages), 0);
        bytes32 computed = this.computeRoot(_hash(forged), proof);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharedBridge.InvalidMessageProof.selector, computed, chainA.messagesRoot(n)
            )
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, forged, proof);
    }

    /// Random proofs (wrong index, siblings, leaf count) never release funds.
    function testFuzz_finalizeWithdrawal_forgedProof_reverts(uint8 index, uint8 leafCount, bytes32 sibling)
        public
    {
        bridge.depositETH{value: 10 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message[] memory messages = new Message[](3);
        for (uint256 i; i < 3; ++i) {
            messages[i] = _withdrawal(CHAIN_A, i, alice, 1 ether, 0);
        }
        uint64 n = _settleMessages(chainA, messages);
        MerkleProof memory proof = _merkleProof(_messageHashes(messages), 1);
        proof.index = index;
        proof.leafCount = leafCount;
        proof.siblings[0] = sibling;
        vm.assume(!(index == 1 && leafCount == 3 && sibling == _hash(messages[0])));
        vm.expectRevert();
        bridge.finalizeWithdrawal(CHAIN_A, n, messages[1], proof);
        assertEq(alice.balance, 0);
    }

    function computeRoot(bytes32 leaf, MerkleProof calldata proof) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, proof);
    }

    /// Valid withdrawals of random trees pay exactly once.
    function testFuzz_finalizeWithdrawal_randomTree_succeeds(uint8 size, uint8 pick, uint64 value) public {
        size = uint8(bound(size, 1, 20));
        pick = uint8(bound(pick, 0, size - 1));
        bridge.depositETH{value: uint256(value) * size + 1}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        Message[] memory messages = new Message[](size);
        for (uint256 i; i < size; ++i) {
            messages[i] = _withdrawal(CHAIN_A, i, alice, value, 0);
        }
        uint64 n = _settleMessages(chainA, messages);
        MerkleProof memory proof = _merkleProof(_messageHashes(messages), pick);
        bridge.finalizeWithdrawal(CHAIN_A, n, messages[pick], proof);
        assertEq(alice.balance, value);
        vm.expectRevert(
            abi.encodeWithSelector(ISharedBridge.WithdrawalAlreadyFinalized.selector, _hash(messages[pick]))
        );
        bridge.finalizeWithdrawal(CHAIN_A, n, messages[pick], proof);
    }

    // ------------------------------------------------------------ escape hatch

    function _ethDeposit(uint256 nonce, address to, uint256 value) internal view returns (Message memory) {
        return Message({
            sourceChainId: block.chainid,
            destinationChainId: CHAIN_A,
            nonce: nonce,
            sender: address(bridge),
            recipient: to,
            value: value,
            fee: 0,
            payload: ""
        });
    }

    function test_reclaimExpiredDeposit_ethAndToken_succeeds() public {
        vm.deal(alice, 5 ether);
        vm.prank(alice);
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        assertTrue(token.transfer(alice, 3 ether));
        vm.startPrank(alice);
        token.approve(address(bridge), 3 ether);
        bridge.depositERC20(CHAIN_A, address(token), alice, 3 ether, L2_GAS_LIMIT, 0);
        vm.stopPrank();
        bytes memory tokenPayload = abi.encode(
            TokenTransfer(
                block.chainid, address(token), alice, 3 ether, abi.encode("Token", "TKN", uint8(18))
            )
        );
        Message memory tokenDeposit = _ethDeposit(1, Predeploys.ASSET_ROUTER, 0);
        tokenDeposit.payload = tokenPayload;

        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.DepositReclaimed(CHAIN_A, 0, alice, address(0), 2 ether);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, alice, 2 ether));
        bridge.reclaimExpiredDeposit(CHAIN_A, tokenDeposit);
        assertEq(alice.balance, 5 ether);
        assertEq(token.balanceOf(alice), 3 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
        assertEq(bridge.chainBalance(CHAIN_A, address(token)), 0);
        (,, bool reclaimed,,) = chainA.priorityRequest(0);
        assertTrue(reclaimed);
        // The frozen chain can never process it afterwards.
        CommitBatchInfo memory batch = _nextBatch(chainA);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.ChainFrozen.selector, 0));
        _commit(chainA, batch);
    }

    /// An ETH deposit whose L2 recipient is the `AssetRouter` address carries no payload; the
    /// reclaim must not take it for a token deposit.
    function test_reclaimExpiredDeposit_ethToAssetRouter_succeeds() public {
        vm.deal(alice, 2 ether);
        vm.prank(alice);
        bridge.depositETH{value: 2 ether}(CHAIN_A, Predeploys.ASSET_ROUTER, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.DepositReclaimed(CHAIN_A, 0, alice, address(0), 2 ether);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, Predeploys.ASSET_ROUTER, 2 ether));
        assertEq(alice.balance, 2 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 0);
    }

    function test_reclaimExpiredDeposit_twice_reverts() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, alice, 2 ether));
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestAlreadyReclaimed.selector, 0));
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, alice, 2 ether));
    }

    function test_reclaimExpiredDeposit_notFrozen_reverts() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE);
        vm.expectRevert(IChainSettlement.ChainNotFrozen.selector);
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, alice, 2 ether));
    }

    function test_reclaimExpiredDeposit_executedRequest_reverts() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        _settle(chainA, _nextBatch(chainA)); // executes request 0
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestAlreadyExecuted.selector, 0));
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, alice, 2 ether));
        // Request 1 is in no executed batch: reclaimable, refunded to its depositor (this test).
        uint256 before = address(this).balance;
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(1, alice, 1 ether));
        assertEq(address(this).balance - before, 1 ether);
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 2 ether);
    }

    /// A message that is not the queued request (any field changed) cannot be reclaimed.
    function testFuzz_reclaimExpiredDeposit_forgedMessage_reverts(uint256 value, address to) public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.assume(value != 2 ether || to != alice);
        vm.expectRevert(abi.encodeWithSelector(IChainSettlement.PriorityRequestMismatch.selector, 0));
        bridge.reclaimExpiredDeposit(CHAIN_A, _ethDeposit(0, to, value));
    }

    function test_reclaimExpiredDeposit_unknownChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.UnknownChain.selector, 9));
        bridge.reclaimExpiredDeposit(9, _ethDeposit(0, alice, 1));
    }

    // ------------------------------------------------------------ settlement hooks and admin

    function test_moveBalances_notSettlement_reverts() public {
        AssetTransfer[] memory transfers = _transfer(CHAIN_B, address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        bridge.moveBalances(CHAIN_A, transfers);
    }

    function test_moveBalances_otherChainsSettlement_reverts() public {
        AssetTransfer[] memory transfers = _transfer(CHAIN_A, address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(chainA)));
        vm.prank(address(chainA));
        bridge.moveBalances(CHAIN_B, transfers);
    }

    function test_moveBalances_bySettlement_succeeds() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.BalanceMoved(CHAIN_A, CHAIN_B, address(0), 1 ether);
        vm.prank(address(chainA));
        bridge.moveBalances(CHAIN_A, _transfer(CHAIN_B, address(0), 1 ether));
        assertEq(bridge.chainBalance(CHAIN_B, address(0)), 1 ether);
    }

    function test_markChainFrozen_frozenChain_succeeds() public {
        bridge.depositETH{value: 1 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.warp(block.timestamp + EXPIRY + GRACE + 1);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.ChainFrozenMarked(CHAIN_A);
        bridge.markChainFrozen(CHAIN_A);
        assertTrue(bridge.isFrozenMarked(CHAIN_A));
        bridge.markChainFrozen(CHAIN_A); // no-op
    }

    function test_markChainFrozen_liveChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.ChainNotFrozenYet.selector, CHAIN_A));
        bridge.markChainFrozen(CHAIN_A);
        assertFalse(bridge.isFrozenMarked(CHAIN_A));
    }

    function test_markChainFrozen_unknownChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISharedBridge.UnknownChain.selector, 77));
        bridge.markChainFrozen(77);
    }

    function test_moveBalances_unknownDestination_notCredited() public {
        bridge.depositETH{value: 2 ether}(CHAIN_A, alice, L2_GAS_LIMIT, 0);
        vm.expectEmit(address(bridge));
        emit ISharedBridge.TransferNotCredited(CHAIN_A, 12_345, address(0), 1 ether);
        vm.prank(address(chainA));
        bridge.moveBalances(CHAIN_A, _transfer(12_345, address(0), 1 ether));
        assertEq(bridge.chainBalance(CHAIN_A, address(0)), 2 ether);
        assertEq(bridge.chainBalance(12_345, address(0)), 0);
    }

    function test_creditETH_notSettlement_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        bridge.creditETH{value: 1}(CHAIN_A, 0);
    }

    function test_deactivateChain_notSettlement_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        bridge.deactivateChain(CHAIN_A);
    }

    function test_registerChain_zeroSettlement_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "settlement"));
        vm.prank(address(factory));
        bridge.registerChain(5, address(0));
    }

    function test_registerChain_notFactory_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, address(this)));
        bridge.registerChain(5, address(this));
    }

    function test_initialize_again_reverts() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        vm.prank(governance);
        bridge.initialize(address(1));
    }

    function test_initialize_againByNotDeployer_reverts() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        bridge.initialize(address(1));
    }

    /// An attacker who initializes a freshly deployed bridge before its deployer would name a factory
    /// of their own, which registers settlements that withdraw every chain's deposits.
    function test_initialize_frontRunByAttacker_reverts() public {
        address attacker = makeAddr("attacker");
        address realFactory = makeAddr("realFactory");
        SharedBridge fresh = new SharedBridge();

        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, attacker));
        vm.prank(attacker);
        fresh.initialize(attacker);

        vm.expectEmit(address(fresh));
        emit ISharedBridge.FactorySet(realFactory);
        fresh.initialize(realFactory);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, attacker));
        vm.prank(attacker);
        fresh.registerChain(5, attacker);
        vm.prank(realFactory);
        fresh.registerChain(5, address(chainA));
        assertEq(fresh.settlementOf(5), address(chainA));
    }

    function test_initialize_zeroFactory_reverts() public {
        SharedBridge fresh = new SharedBridge();
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.ZeroAddress.selector, "factory"));
        fresh.initialize(address(0));
    }

    function test_views_registeredChain_succeeds() public view {
        assertEq(bridge.settlementOf(CHAIN_A), address(chainA));
        assertTrue(bridge.isActive(CHAIN_A));
        assertFalse(bridge.isActive(1234));
    }

    function test_decodeTokenTransfer_valid_succeeds() public view {
        (uint256 origin, address t, address to, uint256 amount) =
            bridge.decodeTokenTransfer(abi.encode(TokenTransfer(1, address(token), alice, 7, "")));
        assertEq(origin, 1);
        assertEq(t, address(token));
        assertEq(to, alice);
        assertEq(amount, 7);
    }
}
