// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../../common/libraries/Predeploys.sol";
import {StateProof} from "../../common/types/StateProof.sol";
import {IStateReader} from "../interfaces/IStateReader.sol";

/// @title RemoteBalanceGate
/// @notice Example cross-chain view: membership on this hyperchain for holders of at least
/// `MIN_BALANCE` of a token that lives on another hyperchain, proven against that chain's settled
/// state. No message from the token's chain is involved: the member brings a `StateProof` of its
/// balance slot (`hyperchain prove-state --slot keccak256(abi.encode(member, BALANCES_SLOT))`).
/// A proof at a batch more than `MAX_BATCH_AGE` batches older than the newest one this gate saw is
/// refused, so a balance sold long ago does not keep opening the gate.
contract RemoteBalanceGate {
    /// @notice `member` proved `balance` at batch `batchNumber` of the token's chain.
    event MembershipGranted(address indexed member, uint64 batchNumber, uint256 balance);

    /// @notice The proven balance is below the minimum.
    error BalanceTooLow(address member, uint256 balance, uint256 minBalance);
    /// @notice The proof is at batch `batchNumber`, more than `MAX_BATCH_AGE` behind `newestBatch`.
    error StaleBatch(uint64 batchNumber, uint64 newestBatch);

    uint256 public immutable TOKEN_CHAIN_ID;
    address public immutable TOKEN;
    /// @notice Storage slot of the token's `mapping(address => uint256)` of balances (0 for
    /// OpenZeppelin's `ERC20`).
    uint256 public immutable BALANCES_SLOT;
    uint256 public immutable MIN_BALANCE;
    uint64 public immutable MAX_BATCH_AGE;

    /// @notice The newest batch of the token's chain any member proved at.
    uint64 public newestBatch;
    mapping(address member => uint64 batchNumber) public memberSince;

    constructor(
        uint256 tokenChainId,
        address token,
        uint256 balancesSlot,
        uint256 minBalance,
        uint64 maxBatchAge
    ) {
        TOKEN_CHAIN_ID = tokenChainId;
        TOKEN = token;
        BALANCES_SLOT = balancesSlot;
        MIN_BALANCE = minBalance;
        MAX_BATCH_AGE = maxBatchAge;
    }

    /// @notice Makes `msg.sender` a member if its balance on the token's chain at `batchNumber`
    /// is at least `MIN_BALANCE`.
    function join(uint64 batchNumber, StateProof calldata proof) external returns (uint256 balance) {
        uint64 newest = newestBatch;
        if (batchNumber + MAX_BATCH_AGE < newest) revert StaleBatch(batchNumber, newest);
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = keccak256(abi.encode(msg.sender, BALANCES_SLOT));
        balance = uint256(
            IStateReader(Predeploys.STATE_READER)
                .readStorage(TOKEN_CHAIN_ID, batchNumber, TOKEN, slots, proof)[0]
        );
        if (balance < MIN_BALANCE) revert BalanceTooLow(msg.sender, balance, MIN_BALANCE);
        if (batchNumber > newest) newestBatch = batchNumber;
        memberSince[msg.sender] = batchNumber;
        emit MembershipGranted(msg.sender, batchNumber, balance);
    }
}
