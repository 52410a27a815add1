// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../contracts/common/interfaces/ICommonErrors.sol";
import {Predeploys} from "../../contracts/common/libraries/Predeploys.sol";
import {TokenTransfer} from "../../contracts/common/libraries/TokenTransfer.sol";
import {Message} from "../../contracts/common/types/Message.sol";
import {BridgedToken} from "../../contracts/l2/BridgedToken.sol";
import {IAssetRouter} from "../../contracts/l2/interfaces/IAssetRouter.sol";
import {IOutbox} from "../../contracts/l2/interfaces/IOutbox.sol";
import {L2Base} from "../utils/L2Base.sol";
import {TestToken} from "../utils/Mocks.sol";
import {IERC165} from "@openzeppelin/contracts/interfaces/IERC165.sol";
import {IERC7786Recipient} from "@openzeppelin/contracts/interfaces/draft-IERC7786.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {InteroperableAddress} from "@openzeppelin/contracts/utils/draft-InteroperableAddress.sol";

contract AssetRouterTest is L2Base {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal l1Token = makeAddr("l1Token");
    TestToken internal native;

    function setUp() public {
        vm.chainId(CHAIN_A);
        _deployPredeploys();
        native = new TestToken("Native A", "NTA", 6);
        native.mint(alice, 1000e6);
        vm.prank(alice);
        native.approve(address(router), type(uint256).max);
        vm.deal(alice, 10 ether);
    }

    function _l1Deposit(address to, uint256 amount) internal returns (address token) {
        bytes memory payload = abi.encode(
            TokenTransfer(L1_CHAIN_ID, l1Token, to, amount, abi.encode("Wrapped Thing", "WTH", uint8(18)))
        );
        vm.prank(Predeploys.OUTBOX);
        bytes4 answer = router.receiveMessage(
            keccak256("deposit"), InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE), payload
        );
        assertEq(answer, IERC7786Recipient.receiveMessage.selector);
        return router.bridgedToken(L1_CHAIN_ID, l1Token);
    }

    function test_bridgeERC20_nativeToken_locksAndSends() public {
        vm.recordLogs();
        vm.prank(alice);
        bytes32 sendId = router.bridgeERC20{value: 0.01 ether}(CHAIN_B, address(native), bob, 100e6);
        Message[] memory messages = _queuedMessages(vm.getRecordedLogs());
        assertEq(messages.length, 1);
        Message memory message = messages[0];
        assertEq(message.hash(), sendId);
        assertEq(message.sender, Predeploys.ASSET_ROUTER);
        assertEq(message.recipient, Predeploys.ASSET_ROUTER, "to the router on the destination");
        assertEq(message.destinationChainId, CHAIN_B);
        assertEq(message.value, 0);
        assertEq(message.fee, 0.01 ether, "msg.value is the relayer fee");
        TokenTransfer memory transfer = abi.decode(message.payload, (TokenTransfer));
        assertEq(transfer.originChainId, CHAIN_A);
        assertEq(transfer.originToken, address(native));
        assertEq(transfer.to, bob);
        assertEq(transfer.amount, 100e6);
        assertEq(transfer.metadata, abi.encode("Native A", "NTA", uint8(6)));
        assertEq(native.balanceOf(address(router)), 100e6, "locked on its origin chain");
        assertEq(native.balanceOf(alice), 900e6);
    }

    function test_bridgeERC20_withdrawL1Token_burnsAndSendsToSharedBridge() public {
        address bridged = _l1Deposit(alice, 50 ether);
        vm.recordLogs();
        vm.prank(alice);
        router.bridgeERC20(L1_CHAIN_ID, bridged, bob, 20 ether);
        Message memory message = _queuedMessages(vm.getRecordedLogs())[0];
        assertEq(message.destinationChainId, L1_CHAIN_ID);
        assertEq(message.recipient, L1_SHARED_BRIDGE);
        assertEq(message.fee, 0);
        TokenTransfer memory transfer = abi.decode(message.payload, (TokenTransfer));
        assertEq(transfer.originChainId, L1_CHAIN_ID);
        assertEq(transfer.originToken, l1Token);
        assertEq(transfer.amount, 20 ether);
        assertEq(BridgedToken(bridged).balanceOf(alice), 30 ether, "burned");
        assertEq(BridgedToken(bridged).totalSupply(), 30 ether);
    }

    function test_bridgeERC20_nativeTokenToL1_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.NotWithdrawableToL1.selector, address(native)));
        vm.prank(alice);
        router.bridgeERC20(L1_CHAIN_ID, address(native), bob, 1e6);
    }

    function test_bridgeERC20_zeroRecipient_reverts() public {
        vm.expectRevert(IAssetRouter.ZeroRecipient.selector);
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), address(0), 1e6);
    }

    function test_bridgeERC20_zeroAmount_reverts() public {
        vm.expectRevert(IAssetRouter.ZeroAmount.selector);
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), bob, 0);
    }

    function test_bridgeERC20_ownChain_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.InvalidDestination.selector, CHAIN_A));
        vm.prank(alice);
        router.bridgeERC20(CHAIN_A, address(native), bob, 1e6);
    }

    function test_receiveMessage_l1Deposit_deploysAndMints() public {
        address predicted = router.bridgedToken(L1_CHAIN_ID, l1Token);
        assertEq(predicted.code.length, 0);
        vm.expectEmit(address(router));
        emit IAssetRouter.BridgedTokenDeployed(L1_CHAIN_ID, l1Token, predicted);
        address bridged = _l1Deposit(alice, 7 ether);
        assertEq(bridged, predicted);
        BridgedToken token = BridgedToken(bridged);
        assertEq(token.name(), "Wrapped Thing");
        assertEq(token.symbol(), "WTH");
        assertEq(token.decimals(), 18);
        assertEq(token.originChainId(), L1_CHAIN_ID);
        assertEq(token.originToken(), l1Token);
        assertEq(token.balanceOf(alice), 7 ether);
        (uint256 originChainId, address originToken) = router.originOf(bridged);
        assertEq(originChainId, L1_CHAIN_ID);
        assertEq(originToken, l1Token);
        // A second deposit mints into the same token.
        _l1Deposit(bob, 1 ether);
        assertEq(token.balanceOf(bob), 1 ether);
        assertEq(token.totalSupply(), 8 ether);
    }

    function test_receiveMessage_fromRemoteRouter_releasesLocked() public {
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), bob, 100e6);
        bytes memory payload = abi.encode(TokenTransfer(CHAIN_A, address(native), bob, 60e6, ""));
        vm.prank(Predeploys.OUTBOX);
        router.receiveMessage(
            keccak256("back"), InteroperableAddress.formatEvmV1(CHAIN_B, Predeploys.ASSET_ROUTER), payload
        );
        assertEq(native.balanceOf(bob), 60e6);
        assertEq(native.balanceOf(address(router)), 40e6);
    }

    function testFuzz_receiveMessage_notGateway_reverts(address caller) public {
        vm.assume(caller != Predeploys.OUTBOX);
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.UnauthorizedGateway.selector, caller));
        vm.prank(caller);
        router.receiveMessage(bytes32(0), InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE), "");
    }

    function test_receiveMessage_unauthorizedSender_reverts() public {
        bytes memory payload = abi.encode(TokenTransfer(L1_CHAIN_ID, l1Token, alice, 1, ""));
        bytes[] memory senders = new bytes[](4);
        senders[0] = InteroperableAddress.formatEvmV1(L1_CHAIN_ID, Predeploys.ASSET_ROUTER); // router on L1
        senders[1] = InteroperableAddress.formatEvmV1(CHAIN_B, L1_SHARED_BRIDGE); // bridge address on L2
        senders[2] = InteroperableAddress.formatEvmV1(CHAIN_B, alice);
        senders[3] = hex"0001"; // malformed
        for (uint256 i; i < senders.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAssetRouter.UnauthorizedSender.selector, senders[i]));
            vm.prank(Predeploys.OUTBOX);
            router.receiveMessage(bytes32(0), senders[i], payload);
        }
    }

    function test_receiveMessage_withValue_reverts() public {
        vm.deal(Predeploys.OUTBOX, 1);
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.UnexpectedValue.selector, 1));
        vm.prank(Predeploys.OUTBOX);
        router.receiveMessage{value: 1}(
            bytes32(0), InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE), ""
        );
    }

    function test_receiveMessage_malformedPayload_reverts() public {
        bytes memory sender = InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE);
        vm.expectRevert(IAssetRouter.MalformedPayload.selector);
        vm.prank(Predeploys.OUTBOX);
        router.receiveMessage(bytes32(0), sender, abi.encode(l1Token, alice, 1));
    }

    function test_receiveMessage_l1DepositOfNonL1Token_reverts() public {
        bytes memory payload = abi.encode(TokenTransfer(CHAIN_A, address(native), alice, 1, ""));
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.InvalidOrigin.selector, CHAIN_A));
        vm.prank(Predeploys.OUTBOX);
        router.receiveMessage(
            bytes32(0), InteroperableAddress.formatEvmV1(L1_CHAIN_ID, L1_SHARED_BRIDGE), payload
        );
    }

    function test_bridgedToken_views_succeed() public view {
        assertEq(
            router.bridgedToken(CHAIN_A, address(native)), address(native), "origin chain: the token itself"
        );
        (uint256 originChainId, address originToken) = router.originOf(address(native));
        assertEq(originChainId, CHAIN_A);
        assertEq(originToken, address(native));
        assertEq(router.l1ChainId(), L1_CHAIN_ID);
        assertEq(router.l1SharedBridge(), L1_SHARED_BRIDGE);
    }

    /// The bridged token address depends only on (origin chain, origin token), not on the chain.
    function testFuzz_bridgedToken_sameOnEveryChain(
        uint256 originChainId,
        address originToken,
        uint64 chainId
    ) public {
        vm.assume(chainId != 0 && chainId != originChainId && CHAIN_A != originChainId);
        address here = router.bridgedToken(originChainId, originToken);
        vm.chainId(chainId);
        assertEq(router.bridgedToken(originChainId, originToken), here);
    }

    function test_bridgedToken_onlyRouter_reverts() public {
        BridgedToken token = BridgedToken(_l1Deposit(alice, 1 ether));
        assertEq(token.router(), Predeploys.ASSET_ROUTER);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, alice));
        token.crosschainMint(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, alice));
        token.crosschainBurn(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonErrors.Unauthorized.selector, alice));
        token.initialize(1, alice, "x", "x", 1);
        vm.stopPrank();
        vm.expectRevert(BridgedToken.AlreadyInitialized.selector);
        vm.prank(Predeploys.ASSET_ROUTER);
        token.initialize(1, alice, "x", "x", 1);
        assertTrue(token.supportsInterface(type(IERC7802).interfaceId));
        assertTrue(token.supportsInterface(type(IERC165).interfaceId));
        assertFalse(token.supportsInterface(0xffffffff));
    }

    function test_bridgedToken_crosschainEvents_succeed() public {
        BridgedToken token = BridgedToken(_l1Deposit(alice, 1 ether));
        vm.expectEmit(address(token));
        emit IERC7802.CrosschainBurn(alice, 0.5 ether, Predeploys.ASSET_ROUTER);
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(token), bob, 0.5 ether);
    }

    uint256 internal constant CHAIN_C = 273;

    function _fromRouter(uint256 sourceChainId, TokenTransfer memory transfer) internal {
        vm.prank(Predeploys.OUTBOX);
        router.receiveMessage(
            keccak256(abi.encode(sourceChainId, transfer)),
            InteroperableAddress.formatEvmV1(sourceChainId, Predeploys.ASSET_ROUTER),
            abi.encode(transfer)
        );
    }

    function test_chainBalance_sentAndReturned_succeeds() public {
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), bob, 100e6);
        assertEq(router.chainBalance(CHAIN_B, address(native)), 100e6);
        assertEq(router.chainBalance(CHAIN_C, address(native)), 0);
        _fromRouter(CHAIN_B, TokenTransfer(CHAIN_A, address(native), bob, 60e6, ""));
        assertEq(router.chainBalance(CHAIN_B, address(native)), 40e6);
    }

    /// A chain (e.g. one whose router is not the canonical code) claims back a native token it was
    /// never sent: the tokens locked for other chains stay locked.
    function test_receiveMessage_releaseToChainNeverSentTo_reverts() public {
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), bob, 100e6);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAssetRouter.InsufficientChainBalance.selector, CHAIN_C, address(native), 0, 1
            )
        );
        _fromRouter(CHAIN_C, TokenTransfer(CHAIN_A, address(native), bob, 1, ""));
        assertEq(native.balanceOf(address(router)), 100e6);
    }

    function test_receiveMessage_releaseMoreThanSentToChain_reverts() public {
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, address(native), bob, 100e6);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAssetRouter.InsufficientChainBalance.selector, CHAIN_B, address(native), 100e6, 100e6 + 1
            )
        );
        _fromRouter(CHAIN_B, TokenTransfer(CHAIN_A, address(native), bob, 100e6 + 1, ""));
    }

    /// Chain C mints chain B's token on this chain: only B can send B's token.
    function test_receiveMessage_tokenOfThirdChainFromNonOrigin_reverts() public {
        address bToken = makeAddr("bToken");
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.NotFromOriginChain.selector, CHAIN_B, CHAIN_C));
        _fromRouter(CHAIN_C, TokenTransfer(CHAIN_B, bToken, alice, 1e18, abi.encode("B", "B", uint8(18))));
        // Also once the token exists here (deployed by its origin).
        _fromRouter(CHAIN_B, TokenTransfer(CHAIN_B, bToken, alice, 1e18, abi.encode("B", "B", uint8(18))));
        vm.expectRevert(abi.encodeWithSelector(IAssetRouter.NotFromOriginChain.selector, CHAIN_B, CHAIN_C));
        _fromRouter(CHAIN_C, TokenTransfer(CHAIN_B, bToken, alice, 1e18, ""));
    }

    /// An L1 token moved A → B before any deposit to B deploys B's copy with the metadata A's
    /// router forwards (that router is the canonical code: a chain with another one never settles).
    /// A token native to another hyperchain cannot be deployed here that way.
    function test_receiveMessage_l1TokenFirstFromHyperchain_succeeds() public {
        _fromRouter(
            CHAIN_B,
            TokenTransfer(L1_CHAIN_ID, l1Token, alice, 3 ether, abi.encode("Wrapped", "WTH", uint8(6)))
        );
        BridgedToken token = BridgedToken(router.bridgedToken(L1_CHAIN_ID, l1Token));
        assertEq(token.balanceOf(alice), 3 ether);
        assertEq(token.decimals(), 6);
        (uint256 originChainId, address originToken) = router.originOf(address(token));
        assertEq(originChainId, L1_CHAIN_ID);
        assertEq(originToken, l1Token);
    }

    /// Once deployed by a deposit, an L1 token moves between hyperchains (L1 bounds each chain's
    /// share), and a later message's metadata changes nothing.
    function test_receiveMessage_l1TokenFromHyperchainAfterDeposit_succeeds() public {
        BridgedToken token = BridgedToken(_l1Deposit(alice, 1 ether));
        _fromRouter(
            CHAIN_B, TokenTransfer(L1_CHAIN_ID, l1Token, bob, 2 ether, abi.encode("Fake", "FAKE", uint8(0)))
        );
        assertEq(token.balanceOf(bob), 2 ether);
        assertEq(token.decimals(), 18);
        assertEq(token.symbol(), "WTH");
    }

    /// A token native to chain B, held here as a BridgedToken, can only go back to B (which
    /// accounts for it), not on to chain C.
    function test_bridgeERC20_thirdChainTokenToOtherChain_reverts() public {
        address bToken = makeAddr("bToken");
        _fromRouter(CHAIN_B, TokenTransfer(CHAIN_B, bToken, alice, 1e18, abi.encode("B", "B", uint8(18))));
        address bridged = router.bridgedToken(CHAIN_B, bToken);
        vm.expectRevert(
            abi.encodeWithSelector(IAssetRouter.NotOriginChain.selector, bridged, CHAIN_B, CHAIN_C)
        );
        vm.prank(alice);
        router.bridgeERC20(CHAIN_C, bridged, bob, 1e18);
        vm.prank(alice);
        router.bridgeERC20(CHAIN_B, bridged, bob, 1e18);
        assertEq(BridgedToken(bridged).totalSupply(), 0);
    }
}
