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
                expected = bytes32(next[1:]);
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

    /// @dev `_step` through `node` and the inline children it holds (walked inside their parent,
    /// without a hash check) until the walk leaves the node: `next` is the child's hash reference
    /// (`Hash`) or the leaf's value (`Leaf`).
    function _walk(bytes calldata node, bytes32 key, uint256 depth)
        private
        pure
        returns (Step, uint256, bytes calldata)
    {
        Step step;
        uint256 start;
        uint256 end;
        (step, depth, start, end) = _step(node, key, depth);
        while (step == Step.Inline) {
            node = node[start:end];
            (step, depth, start, end) = _step(node, key, depth);
        }
        return (step, depth, node[start:end]);
    }

    enum Step {
        Invalid,
        Absent,
        Leaf,
        Hash,
        Inline
    }

    /// @dev One trie node at `depth` nibbles into `key`: where the walk goes next and the depth
    /// after the node. `Hash`: `node[start:end]` is the child's reference (0xa0 + 32-byte hash);
    /// `Inline`: it is the child node itself; `Leaf`: it is the value of a leaf whose path ends the
    /// key; `Absent`: the node shows the key is not in the trie.
    function _step(bytes calldata node, bytes32 key, uint256 depth)
        private
        pure
        returns (Step, uint256, uint256 start, uint256 end)
    {
        uint256 firstEnd;
        {
            // Keys are 32-byte hashes: none ends at a branch, so a branch always has a child to take.
            uint256 count;
            uint256 target;
            (count, firstEnd, target) = _scan(node, depth < 64 ? _nibble(key, depth) : 17);
            if (count == 3) {
                if (depth == 64) return (Step.Invalid, depth, 0, 0);
                // casting to 'uint128' is safe because `_scan` packs the child's start in the high
                // and its end in the low 128 bits: the cast takes exactly the end.
                // forge-lint: disable-next-line(unsafe-typecast)
                (start, end) = (target >> 128, uint128(target));
                return (_child(node, start, end, true), depth + 1, start, end);
            }
            if (count != 2) return (Step.Invalid, depth, 0, 0);
        }
        // A leaf or an extension: [hex-prefix path, value or child].
        (uint256 flag, bool matches, uint256 length) = _path(node, firstEnd, key, depth);
        if (flag > 3) return (Step.Invalid, depth, 0, 0);
        if (!matches) return (Step.Absent, depth, 0, 0);
        depth += length;
        if (flag >= 2) {
            bool valueIsList;
            (valueIsList, start, end) = _item(node, firstEnd);
            if (valueIsList || end != node.length || depth != 64) return (Step.Invalid, depth, 0, 0);
            return (Step.Leaf, depth, start, end);
        }
        // An extension with an empty path or an empty child is no trie's.
        if (length == 0) return (Step.Invalid, depth, 0, 0);
        end = node.length;
        return (_child(node, firstEnd, end, false), depth, firstEnd, end);
    }

    /// @dev The path item of a leaf or extension `node`, ending at `firstEnd`: its hex-prefix flag
    /// (above 3 if malformed), whether it continues `key` at nibble `depth`, and its length in
    /// nibbles.
    function _path(bytes calldata node, uint256 firstEnd, bytes32 key, uint256 depth)
        private
        pure
        returns (uint256 flag, bool matches, uint256 length)
    {
        (bool list, uint256 start, uint256 end) = _item(node, _payload(node));
        if (list || end == start || end != firstEnd) return (4, false, 0);
        flag = uint8(node[start]) >> 4;
        if (flag > 3) return (flag, false, 0);
        (matches, length) = _matchPath(node[start:end], flag & 1 == 1, key, depth);
    }

    /// @dev Where the payload of the list `node` starts.
    function _payload(bytes calldata node) private pure returns (uint256 start) {
        (, start,) = _item(node, 0);
    }

    /// @dev Walks the items of `node`, which must be one RLP list filling it: how many there are,
    /// where the first ends, and the bounds (prefix included) of item `target` packed as
    /// `start << 128 | end`. A verified trie node has 2 items (leaf, extension) or 17 (branch), so
    /// the walk stops once it is past `target` and a third item: `count` is then 3 for a branch,
    /// and 0 for a malformed list.
    function _scan(bytes calldata node, uint256 target)
        private
        pure
        returns (uint256 count, uint256 firstEnd, uint256 targetBounds)
    {
        (bool list, uint256 pos, uint256 listEnd) = _item(node, 0);
        if (!list || listEnd != node.length) return (0, 0, 0);
        uint256 last = target < 2 ? 2 : target;
        // `_item`'s length rules, inlined: this loop is most of a branch node's cost.
        assembly ("memory-safe") {
            let base := node.offset
            let limit := add(base, listEnd)
            for { let ptr := add(base, pos) } lt(ptr, limit) {} {
                let prefix := byte(0, calldataload(ptr))
                let size := 1
                if gt(prefix, 0x7f) {
                    // A short list (0xc0-0xf7) has the short string rule shifted by 0x40.
                    if gt(prefix, 0xbf) { prefix := sub(prefix, 0x40) }
                    switch lt(prefix, 0xb8)
                    case 1 { size := sub(prefix, 0x7f) }
                    default {
                        let n := sub(prefix, 0xb7)
                        size := add(add(1, n), shr(sub(256, mul(8, n)), calldataload(add(ptr, 1))))
                    }
                }
                let next := add(ptr, size)
                if gt(next, limit) {
                    count := 0
                    break
                }
                if iszero(count) { firstEnd := sub(next, base) }
                if eq(count, target) { targetBounds := or(shl(128, sub(ptr, base)), sub(next, base)) }
                if eq(count, last) {
                    count := 3
                    break
                }
                ptr := next
                count := add(count, 1)
            }
        }
    }

    /// @dev A branch or extension child `node[start:end]`: a hash reference, an inline node, or
    /// (branch only) empty.
    function _child(bytes calldata node, uint256 start, uint256 end, bool branch)
        private
        pure
        returns (Step)
    {
        uint256 length = end - start;
        uint256 prefix = uint8(node[start]);
        if (length == 33 && prefix == 0xa0) return Step.Hash;
        if (length == 1 && prefix == 0x80) return branch ? Step.Absent : Step.Invalid;
        return length < 32 && prefix >= 0xc0 ? Step.Inline : Step.Invalid;
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

    /// @dev Nibble `index` (0 = most significant) of `key`.
    function _nibble(bytes32 key, uint256 index) private pure returns (uint256) {
        return (uint256(key) >> (252 - 4 * index)) & 0xf;
    }

    /// @dev Whether the hex-prefix encoded `path` continues `key` at nibble `depth`, and its length
    /// in nibbles: the path's nibbles (after the flag nibble when odd, after the flag byte when
    /// even) compared with the key's at once.
    function _matchPath(bytes calldata path, bool odd, bytes32 key, uint256 depth)
        private
        pure
        returns (bool matches, uint256 length)
    {
        length = path.length * 2 - (odd ? 1 : 2);
        if (depth + length > 64) return (false, length);
        if (length == 0) return (true, 0);
        uint256 bits;
        assembly ("memory-safe") {
            switch odd
            case 1 { bits := shl(4, calldataload(path.offset)) }
            default { bits := calldataload(add(path.offset, 1)) }
        }
        uint256 mask = type(uint256).max << (256 - 4 * length);
        matches = bits & mask == (uint256(key) << (4 * depth)) & mask;
    }
}
