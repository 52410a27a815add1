// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICommonErrors} from "../../common/interfaces/ICommonErrors.sol";
import {MerkleProof} from "../../common/libraries/Merkle.sol";
import {AssetTransfer} from "../../common/types/Batch.sol";
import {Message} from "../../common/types/Message.sol";

/// @title ISharedBridge
/// @notice Holds every L1 asset of every hyperchain and keeps, per chain and asset, what that chain
/// is backed by (`chainBalance`). Invariant: for every ERC-20, the sum over chains of
/// `chainBalance` equals what the bridge holds; for ETH, that sum plus the L2 gas fees owed to the
/// chains' admins (`priorityFees`) does. A chain can never pay out more than it was credited.
/// Credits: deposits, forced calls with value, transfers from other chains' executed batches.
/// Debits: finalized withdrawals, transfers in this chain's executed batches, reclaimed deposits,
/// claimed failed deposits.
///
/// Failed deposits: when the L2 inbox processes a priority request whose delivery fails with the
/// request's own L2 gas limit (the recipient reverted or ran out of that gas), it sends an L2→L1
/// failure record through the outbox: Message{sender: Predeploys.INBOX, recipient:
/// Predeploys.INBOX, value: 0, fee: 0, payload: abi.encode(hash of the failed request)}. Once the
/// batch with the record is executed, `claimFailedDeposit` pays the request back to its refund
/// recipient, once; the value or tokens were never released on L2.
interface ISharedBridge is ICommonErrors {
    /// @notice ETH was deposited into `chainId` for `to` (priority request `nonce`).
    event DepositInitiated(
        uint256 indexed chainId,
        uint256 indexed nonce,
        address indexed from,
        address to,
        address token,
        uint256 amount
    );
    /// @notice A withdrawal message was finalized on L1.
    event WithdrawalFinalized(
        uint256 indexed chainId, uint64 indexed batchNumber, bytes32 indexed messageHash, address finalizer
    );
    /// @notice An executed batch moved `amount` of `token` from one chain to another.
    event BalanceMoved(
        uint256 indexed fromChainId, uint256 indexed toChainId, address indexed token, uint256 amount
    );
    /// @notice The admin of `chainId` claimed the L2 gas fees its priority requests paid.
    event PriorityFeesClaimed(uint256 indexed chainId, address indexed admin, uint256 amount);
    /// @notice An expired request of a frozen chain was paid back.
    event DepositReclaimed(
        uint256 indexed chainId, uint256 indexed nonce, address refundRecipient, address token, uint256 amount
    );
    /// @notice A priority request that failed on L2 was paid back.
    event FailedDepositClaimed(
        uint256 indexed chainId, uint256 indexed nonce, address refundRecipient, address token, uint256 amount
    );
    /// @notice An executed batch of `sourceChainId` sent `amount` of `token` to `destinationChainId`,
    /// which cannot be credited: it is not registered, it left the ecosystem, it was marked frozen
    /// (`markChainFrozen`), or it is the source chain itself, or the source chain left the ecosystem
    /// (its batches are not in the Transaction Root). The value was burned on the source L2
    /// and stays backing the source chain on L1 (its `chainBalance` is not debited). No chain that
    /// settles here relays such a message with L1 backing: an unregistered id has no settlement, a
    /// chain that left imports no Transaction Root appended after it left (`RootAfterLeaving`), a
    /// frozen chain never executes another batch, and a chain's own messages to itself stay
    /// backed by its own balance. Caveat: if a chain with id `destinationChainId` is registered
    /// LATER, its L2 can import a later Transaction Root (which contains this batch) and relay the
    /// message without L1 backing, unless its inbox rejects messages from batches appended before
    /// its registration; the shortfall then falls on that new chain only, never on other chains.
    event TransferNotCredited(
        uint256 indexed sourceChainId, uint256 indexed destinationChainId, address token, uint256 amount
    );
    /// @notice `chainId` was found frozen (escape hatch rule 2); transfers to it are no longer credited.
    event ChainFrozenMarked(uint256 indexed chainId);
    /// @notice `settlement` was registered for `chainId`.
    event ChainRegistered(uint256 indexed chainId, address indexed settlement);
    /// @notice `chainId` left the ecosystem.
    event ChainDeactivated(uint256 indexed chainId);
    /// @notice The chain factory was set (once, by the deployer).
    event FactorySet(address indexed factory);

    /// @notice `chainId` is not registered, or left the ecosystem.
    error ChainNotActive(uint256 chainId);
    /// @notice `chainId` is not registered.
    error UnknownChain(uint256 chainId);
    /// @notice Deposit amount (after fee-on-transfer) is zero.
    error ZeroAmount();
    /// @notice The chain does not hold enough of `token`.
    error InsufficientChainBalance(uint256 chainId, address token, uint256 balance, uint256 required);
    /// @notice The message was already finalized.
    error WithdrawalAlreadyFinalized(bytes32 messageHash);
    /// @notice The message is not addressed to this L1.
    error WrongDestination(uint256 destinationChainId);
    /// @notice The message did not come from `chainId`.
    error WrongSourceChain(uint256 expected, uint256 actual);
    /// @notice The Merkle proof does not lead to the batch's messages root.
    error InvalidMessageProof(bytes32 computed, bytes32 messagesRoot);
    /// @notice The payload sent to the bridge is not an ABI-encoded `TokenTransfer`.
    error MalformedTokenTransfer();
    /// @notice A message addressed to the bridge was not sent by the L2 `AssetRouter` predeploy, the
    /// only L2 contract that burns or locks tokens before asking the bridge to release them.
    error TokenTransferNotFromAssetRouter(address sender);
    /// @notice Only tokens originating on this L1 are released by the bridge.
    error UnsupportedTokenOrigin(uint256 originChainId);
    /// @notice Paying `recipient` failed.
    error PayoutFailed(address recipient);
    /// @notice The ERC-7786 recipient did not return `receiveMessage.selector`.
    error InvalidRecipientResponse(address recipient, bytes4 response);
    /// @notice A transfer's destination is its own source chain. No longer raised by `moveBalances`
    /// (such transfers are not credited, see `TransferNotCredited`); kept for ABI stability.
    error InvalidTransferDestination(uint256 chainId);
    /// @notice `markChainFrozen`: the chain's settlement does not report it frozen.
    error ChainNotFrozenYet(uint256 chainId);
    /// @notice The message is not a failure record: its L2 sender is not the inbox.
    error NotFailureRecord(address sender);
    /// @notice The failure record is about another request than the one supplied.
    error FailureRecordMismatch(bytes32 requestHash);

    /// @notice Sets the chain factory. Deployer only (`Unauthorized` for anyone else), once
    /// (`Initializable.InvalidInitialization` after that).
    function initialize(address factory) external;

    /// @notice Registers `chainId`'s settlement contract. Factory only.
    function registerChain(uint256 chainId, address settlement) external;

    /// @notice Marks `chainId` as gone: no more deposits, transfers to or from it. Its settlement only.
    function deactivateChain(uint256 chainId) external;

    /// @notice Deposits `msg.value` less the L2 gas fee `l2GasLimit * l2GasPrice` (credited to the
    /// chain's `priorityFees`) into `chainId` for `to`. Enqueues Message{sender: this bridge,
    /// recipient: to, value: msg.value - fee, fee: 0, payload: ""}. `ZeroAmount` if nothing is
    /// left after the fee.
    /// @param l2GasLimit gas of the L2 delivery (`IChainSettlement` bounds); if the delivery
    /// fails with it, `claimFailedDeposit` pays the deposit back to `msg.sender`
    /// @param l2GasPrice the L2 gas price the depositor pays: at least the chain's
    /// (`L2GasPriceTooLow`), at most `MAX_L2_GAS_PRICE` (see `IChainSettlement`)
    /// @return nonce the priority request's nonce
    function depositETH(uint256 chainId, address to, uint256 l2GasLimit, uint256 l2GasPrice)
        external
        payable
        returns (uint256 nonce);

    /// @notice Deposits `amount` of `token` into `chainId` for `to`; credits what arrived (balance
    /// delta, so fee-on-transfer tokens are counted right). Enqueues Message{sender: this bridge,
    /// recipient: ASSET_ROUTER, value: 0, payload: abi.encode(TokenTransfer{L1 chain id, token, to,
    /// received amount, abi.encode(name, symbol, decimals)})}. The first deposit of a token
    /// deploys its `BridgedToken` on L2: give it enough `l2GasLimit` (about 1.5M; if it is too
    /// little the delivery fails and `claimFailedDeposit` pays the tokens back). `msg.value` pays
    /// the L2 gas and must be exactly `l2GasLimit * l2GasPrice` (`InsufficientValueForL2Gas`,
    /// `ExcessValueForL2Gas`).
    /// @return nonce the priority request's nonce
    function depositERC20(
        uint256 chainId,
        address token,
        address to,
        uint256 amount,
        uint256 l2GasLimit,
        uint256 l2GasPrice
    ) external payable returns (uint256 nonce);

    /// @notice Finalizes an L2→L1 message of an executed batch of `chainId`, exactly once. If the
    /// recipient is this bridge, the sender must be the `AssetRouter` predeploy
    /// (`TokenTransferNotFromAssetRouter`) and the payload is a `TokenTransfer` of an L1 token
    /// released to `to` (plus `value` ETH to `to`); otherwise `value` ETH goes to `recipient` (plain call when the
    /// payload is empty, else ERC-7786 `receiveMessage`). The message fee goes to the caller. Every
    /// payout is debited from the chain's balance.
    function finalizeWithdrawal(
        uint256 chainId,
        uint64 batchNumber,
        Message calldata message,
        MerkleProof calldata proof
    ) external;

    /// @notice Pays back an expired, unprocessed priority request of a frozen chain to its depositor
    /// (see `IChainSettlement` escape hatch). Anyone may call; the refund goes to the depositor.
    function reclaimExpiredDeposit(uint256 chainId, Message calldata message) external;

    /// @notice Pays back priority request `request` of `chainId` that failed on L2, proven by its
    /// failure record (see above) in executed batch `batchNumber`: ETH (`value`) or, for a token
    /// deposit, the tokens, to the request's refund recipient (the depositor or the caller of
    /// `requestL2Call`), at most once (`PriorityRequestAlreadyReclaimed`). Anyone may call.
    /// @param failureRecord the inbox's L2→L1 record, as logged by the L2 outbox
    /// @param proof Merkle proof of `failureRecord` in the batch's messages root
    /// @param request the failed priority request, as queued on L1 (`PriorityRequestQueued`)
    function claimFailedDeposit(
        uint256 chainId,
        uint64 batchNumber,
        Message calldata failureRecord,
        MerkleProof calldata proof,
        Message calldata request
    ) external;

    /// @notice Moves an executed batch's transfers from `chainId` to each destination. `chainId`'s
    /// settlement only. Reverts `InsufficientChainBalance` if the batch's transfers of a token add up
    /// to more than `chainId` holds (an invalid batch), but never because of a destination: a
    /// destination that is unregistered, left, marked frozen or equal to `chainId` is not credited
    /// and the amount stays in `chainId`'s balance (`TransferNotCredited`); so is every transfer of a
    /// chain that left (it settles outside the ecosystem).
    function moveBalances(uint256 chainId, AssetTransfer[] calldata transfers) external;

    /// @notice Records that `chainId` is frozen (its settlement's `isFrozen()` is true; freezing is
    /// permanent), so later transfers to it are not credited. Anyone may call; no-op if already
    /// marked. Until someone calls it, transfers to a frozen chain are credited to it as usual
    /// (harmless: its balance only pays its executed withdrawals and reclaims).
    function markChainFrozen(uint256 chainId) external;

    /// @notice Whether `markChainFrozen` recorded `chainId` as frozen.
    function isFrozenMarked(uint256 chainId) external view returns (bool);

    /// @notice Adds `msg.value - priorityFee` to `chainId`'s ETH balance (value of a forced call)
    /// and `priorityFee` (its L2 gas fee) to `priorityFees(chainId)`. Its settlement only.
    function creditETH(uint256 chainId, uint256 priorityFee) external payable;

    /// @notice Pays the L2 gas fees owed to `chainId` (`priorityFees`) to its admin, the caller
    /// (`Unauthorized` for anyone else, `ZeroAmount` if none are owed).
    /// @return amount the wei paid
    function claimPriorityFees(uint256 chainId) external returns (uint256 amount);

    /// @notice L2 gas fees paid by `chainId`'s priority requests and not claimed yet (wei).
    function priorityFees(uint256 chainId) external view returns (uint256);

    /// @notice The L2 gas fee a priority request of `chainId` with `l2GasLimit` pays at the chain's
    /// current price (`l2GasLimit * l2GasPrice()`): what a deposit or forced call must add to its
    /// value. Clients pass that price as the request's `l2GasPrice`.
    function l2TransactionBaseCost(uint256 chainId, uint256 l2GasLimit) external view returns (uint256);

    /// @notice What `chainId` holds of `token` (0 = ETH).
    function chainBalance(uint256 chainId, address token) external view returns (uint256);

    /// @notice Whether the message with this hash was finalized.
    function withdrawalFinalized(bytes32 messageHash) external view returns (bool);

    /// @notice The settlement registered for `chainId`.
    function settlementOf(uint256 chainId) external view returns (address);

    /// @notice Whether `chainId` is registered and did not leave.
    function isActive(uint256 chainId) external view returns (bool);

    /// @notice Decodes a `TokenTransfer` payload (external so malformed bytes revert catchably).
    function decodeTokenTransfer(bytes calldata payload)
        external
        pure
        returns (uint256 originChainId, address originToken, address to, uint256 amount);
}
