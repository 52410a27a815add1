// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchHashing} from "../types/Batch.sol";
import {AccountState, StateProof} from "../types/StateProof.sol";
import {Merkle} from "./Merkle.sol";

/// @title StateProofs
/// @notice Verification of a `StateProof`: the batch leaf in the proof's Transaction Root, the
/// account against the batch's state root, the slots against the account's storage root. Pure:
/// the caller decides which Transaction Roots it accepts (the L2 `StateReader`: roots its inbox
/// imported; an L1 contract: `ITransactionRoot.isTransactionRoot`), so the logic exists once.
///
/// The Merkle-Patricia walk reads the proof nodes in calldata, not through OpenZeppelin's
/// `TrieProof` / `RLP`: `TrieProof` proves inclusion only (an absent key whose path ends at an
/// empty branch child reverts inside it with `RLPInvalidEncoding`, and a diverging leaf returns the
/// same error as a broken proof), and `RLP.decodeList` copies every node to memory and costs about
/// 29,000 gas per branch node (measured: 145,508 gas for the 5 nodes of one account proof of the
/// 10,000-account vectors, against 2,536 to copy and hash them). Each node is hashed and compared
/// with its parent's reference before a byte of it is parsed, so the parser only ever reads trie
/// nodes that really are in the trie.
library StateProofs {
    /// @notice keccak256(rlp("")): the root of an empty trie (an account without storage).
    bytes32 internal constant EMPTY_TRIE_ROOT =
        0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;

    /// @notice No batch of `chainId` is ever in a Transaction Root (0 is no chain id).
    error WrongChain(uint256 chainId);
    /// @notice The leaf of batch `batchNumber` of `chainId` with the proof's messages and state
    /// roots does not lead to `transactionRoot` (another chain's or batch's leaf, or a bad path).
    error BatchNotInRoot(uint256 chainId, uint64 batchNumber, bytes32 transactionRoot);
    /// @notice The account proof of `account` does not verify against `stateRoot`.
    error InvalidAccountProof(address account, bytes32 stateRoot);
    /// @notice The proof of `slot` of `account` does not verify against its `storageRoot`.
    error InvalidStorageProof(address account, bytes32 slot, bytes32 storageRoot);
    /// @notice `readStorage` got a different number of storage proofs than slots.
    error StorageProofCountMismatch(uint256 slots, uint256 proofs);

    enum Lookup {
        Invalid,
        Absent,
        Present
    }

    /// @notice Checks that batch `batchNumber` of `chainId` is in `proof.transactionRoot` and
    /// proves `account` against its state root.
    function verifyAccount(uint256 chainId, uint64 batchNumber, address account, StateProof calldata proof)
        internal
        pure
        returns (AccountState memory state)
    {
        checkBatch(chainId, batchNumber, proof);
        return accountAt(proof.stateRoot, account, proof.accountProof);
    }

    /// @notice `verifyAccount`, then the values of `slots` of `account` (zero for an empty slot
    /// and for every slot of an absent account, each proven).
    function verifyStorage(
        uint256 chainId,
        uint64 batchNumber,
        address account,
        bytes32[] calldata slots,
        StateProof calldata proof
    ) internal pure returns (bytes32[] memory values) {
        if (slots.length != proof.storageProofs.length) {
            revert StorageProofCountMismatch(slots.length, proof.storageProofs.length);
        }
        bytes32 storageRoot = verifyAccount(chainId, batchNumber, account, proof).storageRoot;
        values = new bytes32[](slots.length);
        for (uint256 i; i < slots.length; ++i) {
            values[i] = storageAt(storageRoot, account, slots[i], proof.storageProofs[i]);
        }
    }

    /// @notice Reverts unless the batch leaf of `chainId`/`batchNumber` with the proof's messages
    /// and state roots is in `proof.transactionRoot`.
    function checkBatch(uint256 chainId, uint64 batchNumber, StateProof calldata proof) internal pure {
        if (chainId == 0) revert WrongChain(chainId);
        bytes32 leaf =
            BatchHashing.transactionRootLeaf(chainId, batchNumber, proof.messagesRoot, proof.stateRoot);
        if (Merkle.computeRoot(leaf, proof.batchProof) != proof.transactionRoot) {
            revert BatchNotInRoot(chainId, batchNumber, proof.transactionRoot);
        }
    }

    /// @notice `account` in the state trie with root `stateRoot`.
    function accountAt(bytes32 stateRoot, address account, bytes[] calldata accountProof)
        internal
        pure
        returns (AccountState memory state)
    {
        (Lookup found, bytes calldata leaf) =
            lookup(stateRoot, keccak256(abi.encodePacked(account)), accountProof);
        if (found == Lookup.Invalid) revert InvalidAccountProof(account, stateRoot);
        if (found == Lookup.Absent) {
            state.storageRoot = EMPTY_TRIE_ROOT;
            return state;
        }
        (bool ok, uint256[4] memory fields) = _accountFields(leaf);
        if (!ok) revert InvalidAccountProof(account, stateRoot);
        state = AccountState({
            exists: true,
            nonce: fields[0],
            balance: fields[1],
            storageRoot: bytes32(fields[2]),
            codeHash: bytes32(fields[3])
        });
    }

    /// @dev The four fields of an account leaf's value, rlp([nonce, balance, storageRoot, codeHash]).
    function _accountFields(bytes calldata leaf) private pure returns (bool ok, uint256[4] memory fields) {
        (bool list, uint256 pos, uint256 end) = _item(leaf, 0);
        if (!list || end != leaf.length) return (false, fields);
        for (uint256 i; i < 4; ++i) {
            if (pos >= end) return (false, fields);
            (bool isList, uint256 start, uint256 stop) = _item(leaf, pos);
            if (isList || stop > end || stop - start > 32) return (false, fields);
            fields[i] = _uint(leaf[start:stop]);
            pos = stop;
        }
        ok = pos == end;
    }

    /// @notice The value of `slot` in the storage trie with root `storageRoot` (of `account`, named
    /// in the error).
    function storageAt(bytes32 storageRoot, address account, bytes32 slot, bytes[] calldata storageProof)
        internal
        pure
        returns (bytes32)
    {
        (Lookup found, bytes calldata leaf) = lookup(storageRoot, keccak256(abi.encode(slot)), storageProof);
        if (found == Lookup.Invalid) revert InvalidStorageProof(account, slot, storageRoot);
        if (found == Lookup.Absent) return bytes32(0);
        // A stored value is the RLP string of the non-zero value without leading zeros.
        (bool list, uint256 start, uint256 end) = _item(leaf, 0);
        if (list || end != leaf.length || end - start > 32) {
            revert InvalidStorageProof(account, slot, storageRoot);
        }
        return bytes32(_uint(leaf[start:end]));
    }

    /// @notice Walks `proof` from `root` along the 64 nibbles of `key`. `Present` with the leaf's
    /// value, `Absent` when a verified node shows the key is not in the trie (an empty branch child,
    /// or a leaf or extension whose path leaves the key's), `Invalid` otherwise. Every node is
    /// checked against the reference its parent holds (the root node against `root`), inline
    /// children (nodes under 32 bytes) inside their parent, and the node that decides must be the
    /// proof's last.
    function lookup(bytes32 root, bytes32 key, bytes[] calldata proof)
        internal
        pure
        returns (Lookup, bytes calldata value)
    {
        value = msg.data[0:0];
        if (root == EMPTY_TRIE_ROOT) {
            // eth_getProof answers an empty trie with no node or with the empty node itself.
            bool empty = proof.length == 0 || (proof.length == 1 && keccak256(proof[0]) == root);
            return (empty ? Lookup.Absent : Lookup.Invalid, value);
        }
        bytes32 expected = root;
        uint256 depth; // nibbles of `key` consumed
        for (uint256 i; i < proof.length; ++i) {
            if (keccak256(proof[i]) != expected) return (Lookup.Invalid, value);
            (Step step, uint256 nextDepth, bytes calldata next) = _walk(proof[i], key, depth);
            depth = nextDepth;
            if (step == Step.Hash) {
                // `next` is 0xa0 and the child's 32-byte hash.
                assembly ("memory-safe") {
                    expected := calldataload(add(next.offset, 1))
                }
                continue;
            }
            // The node that decides must be the proof's last.
            if (i + 1 != proof.length) return (Lookup.Invalid, value);
            if (step == Step.Absent) return (Lookup.Absent, value);
            if (step == Step.Leaf && next.length != 0) return (Lookup.Present, next);
            return (Lookup.Invalid, value);
        }
        // The proof ended before a node decided.
        return (Lookup.Invalid, value);
    }

    enum Step {
        Invalid,
        Absent,
        Leaf,
        Hash,
        Inline
    }

    /// @dev Walks `node` at `depth` nibbles into `key`, and the inline children it holds (walked
    /// inside their parent, without a hash check), until the walk leaves the node: where it goes
    /// next, the depth after it, and `next`: the child's reference (0xa0 + 32-byte hash) for
    /// `Hash`, the value of a leaf whose path ends the key for `Leaf`; `Absent` when the node shows
    /// the key is not in the trie.
    ///
    /// One assembly routine over calldata (no copies, no Solidity calls per item): it runs for every
    /// node of every proof, and as Solidity helpers it was most of a view's gas (a 4-node storage
    /// proof of the 10,000-account vectors: 18,839 gas to look up, now under 13,000, of which
    /// hashing its nodes is 2,149).
    function _walk(bytes calldata node, bytes32 key, uint256 depth)
        private
        pure
        returns (Step step, uint256, bytes calldata next)
    {
        uint256 nextStart;
        uint256 nextEnd;
        assembly ("memory-safe") {
            // The RLP item at `ptr`: whether it is a list, where its payload starts, where it ends.
            // A length of length is at most 8 bytes, so `end` cannot overflow; callers bound it.
            function item(ptr) -> list, payload, end {
                let prefix := byte(0, calldataload(ptr))
                switch lt(prefix, 0x80)
                case 1 {
                    payload := ptr
                    end := add(ptr, 1)
                }
                default {
                    // 0x80-0xb7 / 0xc0-0xf7: short string / list; 0xb8-0xbf / 0xf8-0xff: a length
                    // of `prefix - 0xb7` (or `- 0xf7`) bytes follows.
                    list := iszero(lt(prefix, 0xc0))
                    let base := sub(prefix, mul(list, 0x40))
                    switch lt(base, 0xb8)
                    case 1 {
                        payload := add(ptr, 1)
                        end := add(payload, sub(base, 0x80))
                    }
                    default {
                        let n := sub(base, 0xb7)
                        payload := add(add(ptr, 1), n)
                        end := add(payload, shr(sub(256, mul(8, n)), calldataload(add(ptr, 1))))
                    }
                }
            }

            // A branch or extension child at `start..end`: a hash reference (3), an inline node
            // (4), or (branch only) empty (1); otherwise invalid (0).
            function child(start, end, branch) -> s {
                let length := sub(end, start)
                let prefix := byte(0, calldataload(start))
                switch and(eq(length, 33), eq(prefix, 0xa0))
                case 1 { s := 3 }
                default {
                    switch and(eq(length, 1), eq(prefix, 0x80))
                    case 1 { s := branch }
                    default { s := mul(4, and(lt(length, 32), iszero(lt(prefix, 0xc0)))) }
                }
            }

            // Where the item at `p` ends. In a branch, items are mostly empty children (0x80)
            // and hash references (0xa0 + 32 bytes): those two skip the general RLP rules.
            function skip(p) -> following {
                let prefix := byte(0, calldataload(p))
                switch prefix
                case 0xa0 { following := add(p, 33) }
                case 0x80 { following := add(p, 1) }
                default {
                    let isList, payload, end := item(p)
                    following := end
                }
            }

            // The hex-prefix path item at `at` (ending at `firstEnd`) of a leaf or extension: its
            // flag (bit 1: leaf, bit 0: odd; 4 when malformed), its length in nibbles, and
            // whether it continues key `k` at nibble `d` (its nibbles, after the flag nibble when
            // odd or the flag byte when even, compared with the key's at once).
            function path(at, firstEnd, k, d) -> flag, length, matches {
                flag := 4
                let isList, ps, pe := item(at)
                if or(or(isList, eq(pe, ps)), iszero(eq(pe, firstEnd))) { leave }
                flag := shr(4, byte(0, calldataload(ps)))
                if gt(flag, 3) { leave }
                let odd := and(flag, 1)
                length := sub(mul(2, sub(pe, ps)), sub(2, odd))
                if gt(add(d, length), 64) { leave }
                matches := 1
                if length {
                    let bits := calldataload(add(ps, 1))
                    if odd { bits := shl(4, calldataload(ps)) }
                    let mask := shl(sub(256, mul(4, length)), not(0))
                    matches := eq(and(bits, mask), and(shl(mul(4, d), k), mask))
                }
            }

            // A leaf or an extension `[path, value or child]` whose path item starts at `at`.
            function leafOrExtension(at, firstEnd, limit, k, d) -> s, depthAfter, start, end {
                let flag, length, matches := path(at, firstEnd, k, d)
                if gt(flag, 3) { leave }
                if iszero(matches) {
                    s := 1
                    leave
                }
                depthAfter := add(d, length)
                if gt(flag, 1) {
                    let valueList, vs, ve := item(firstEnd)
                    if or(or(valueList, iszero(eq(ve, limit))), iszero(eq(depthAfter, 64))) { leave }
                    s := 2
                    start := vs
                    end := ve
                    leave
                }
                // An extension with an empty path or an empty child is no trie's.
                if iszero(length) { leave }
                s := child(firstEnd, limit, 0)
                start := firstEnd
                end := limit
            }

            // One node `o..limit` at depth `d`: the step (as `Step`), the depth after it, and the
            // bounds of the child reference, inline child or leaf value.
            function walkNode(o, limit, k, d) -> s, depthAfter, start, end {
                depthAfter := d
                // The node must be one RLP list filling it.
                let isList, p, listEnd := item(o)
                if or(iszero(isList), iszero(eq(listEnd, limit))) { leave }
                // A verified trie node has 2 items (leaf, extension) or 17 (branch): a third
                // item makes it a branch. Keys are 32-byte hashes: none ends at a branch, so a
                // branch at depth 64 is invalid.
                let firstEnd := skip(p)
                let secondEnd := skip(firstEnd)
                if gt(secondEnd, limit) { leave }
                if eq(secondEnd, limit) {
                    s, depthAfter, start, end := leafOrExtension(p, firstEnd, limit, k, d)
                    leave
                }
                if or(eq(d, 64), gt(skip(secondEnd), limit)) { leave }
                // The child the key's nibble selects: skip the items before it. Items only move
                // forward, so checking the child's end against `limit` bounds all of them.
                // `skip`'s two fast cases inlined: this loop is most of a branch's cost.
                start := p
                for { let i := and(shr(sub(252, mul(4, d)), k), 0xf) } i { i := sub(i, 1) } {
                    switch byte(0, calldataload(start))
                    case 0xa0 { start := add(start, 33) }
                    case 0x80 { start := add(start, 1) }
                    default { start := skip(start) }
                }
                end := skip(start)
                if gt(end, limit) { leave }
                s := child(start, end, 1)
                depthAfter := add(d, 1)
            }

            let o := node.offset
            let limit := add(o, node.length)
            for {} 1 {} {
                step, depth, nextStart, nextEnd := walkNode(o, limit, key, depth)
                if iszero(eq(step, 4)) { break }
                o := nextStart
                limit := nextEnd
            }
        }
        // `next` as a slice of the call data the node is in.
        return (step, depth, msg.data[nextStart:nextEnd]);
    }

    /// @dev The RLP item starting at `data[pos]`: whether it is a list, and its payload's bounds
    /// (`end` is where the item ends). Callers check `end` against their bounds; a length of
    /// length is at most 8 bytes, so `end` cannot overflow.
    function _item(bytes calldata data, uint256 pos)
        private
        pure
        returns (bool list, uint256 start, uint256 end)
    {
        if (pos >= data.length) return (false, pos, type(uint256).max);
        assembly ("memory-safe") {
            let ptr := add(data.offset, pos)
            let prefix := byte(0, calldataload(ptr))
            switch lt(prefix, 0x80)
            case 1 {
                start := pos
                end := add(pos, 1)
            }
            default {
                // 0x80-0xb7 / 0xc0-0xf7: short string / list; 0xb8-0xbf / 0xf8-0xff: a length of
                // `prefix - 0xb7` (or `- 0xf7`) bytes follows.
                list := iszero(lt(prefix, 0xc0))
                let base := sub(prefix, mul(list, 0x40))
                switch lt(base, 0xb8)
                case 1 {
                    start := add(pos, 1)
                    end := add(start, sub(base, 0x80))
                }
                default {
                    let n := sub(base, 0xb7)
                    start := add(add(pos, 1), n)
                    end := add(start, shr(sub(256, mul(8, n)), calldataload(add(ptr, 1))))
                }
            }
        }
    }

    /// @dev The big-endian number in `data` (at most 32 bytes).
    function _uint(bytes calldata data) private pure returns (uint256) {
        if (data.length == 0) return 0;
        // casting to 'bytes32' is safe because a longer `data` makes `256 - 8 * data.length`
        // underflow and revert, so no byte is dropped silently.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(bytes32(data)) >> (256 - 8 * data.length);
    }
}
