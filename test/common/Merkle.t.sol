// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IncrementalMerkle, Merkle, MerkleProof} from "../../contracts/common/libraries/Merkle.sol";
import {Test} from "forge-std/Test.sol";

/// @dev Exposes the libraries with calldata proofs and a storage tree.
contract MerkleHarness {
    using IncrementalMerkle for IncrementalMerkle.Tree;

    IncrementalMerkle.Tree internal tree;

    function computeRoot(bytes32 leaf, MerkleProof calldata proof) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, proof);
    }

    function append(bytes32 leaf) external returns (bytes32 newRoot, uint256 leafCount) {
        return tree.append(leaf);
    }

    function root() external view returns (bytes32) {
        return tree.root();
    }
}

contract MerkleTest is Test {
    MerkleHarness internal harness;

    function setUp() public {
        harness = new MerkleHarness();
    }

    /// Vectors built in Rust with rs_merkle (`hyperchain-merkle`): same roots, proofs verify.
    function test_computeRoot_rustVectors_succeeds() public {
        string memory json = vm.readFile("test/vectors/merkle.json");
        uint256 cases;
        while (vm.keyExistsJson(json, string.concat(".cases[", vm.toString(cases), "]"))) {
            string memory at = string.concat(".cases[", vm.toString(cases), "]");
            bytes32[] memory leaves = vm.parseJsonBytes32Array(json, string.concat(at, ".leaves"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(at, ".root"));
            MerkleProof memory proof = MerkleProof({
                index: vm.parseJsonUint(json, string.concat(at, ".index")),
                leafCount: vm.parseJsonUint(json, string.concat(at, ".leafCount")),
                siblings: vm.parseJsonBytes32Array(json, string.concat(at, ".siblings"))
            });
            assertEq(harness.computeRoot(leaves[proof.index], proof), root, "proof root");

            MerkleHarness fresh = new MerkleHarness();
            bytes32 appended;
            for (uint256 i; i < leaves.length; ++i) {
                (appended,) = fresh.append(leaves[i]);
            }
            assertEq(appended, root, "incremental root");
            assertEq(fresh.root(), root, "stored root");
            ++cases;
        }
        assertEq(cases, 16, "every vector checked");
    }

    function test_root_empty_succeeds() public view {
        assertEq(harness.root(), bytes32(0));
    }

    function test_computeRoot_indexOutOfRange_reverts() public {
        MerkleProof memory proof = MerkleProof({index: 3, leafCount: 3, siblings: new bytes32[](0)});
        vm.expectRevert(abi.encodeWithSelector(Merkle.MerkleIndexOutOfRange.selector, 3, 3));
        harness.computeRoot(bytes32(uint256(1)), proof);
    }

    function test_computeRoot_extraSibling_reverts() public {
        MerkleProof memory proof = MerkleProof({index: 0, leafCount: 1, siblings: new bytes32[](1)});
        vm.expectRevert(abi.encodeWithSelector(Merkle.MerkleProofLengthMismatch.selector, 0, 1));
        harness.computeRoot(bytes32(uint256(1)), proof);
    }

    function test_computeRoot_missingSibling_reverts() public {
        MerkleProof memory proof = MerkleProof({index: 1, leafCount: 2, siblings: new bytes32[](0)});
        vm.expectRevert(abi.encodeWithSelector(Merkle.MerkleProofLengthMismatch.selector, 1, 0));
        harness.computeRoot(bytes32(uint256(1)), proof);
    }

    /// Every leaf of a random-size incremental tree has a proof (rebuilt level by level here) that
    /// verifies against the tree's root, and a tampered sibling never does.
    function testFuzz_computeRoot_incrementalTree_succeeds(uint8 size, uint256 pick, bytes32 salt) public {
        uint256 n = bound(size, 1, 70);
        bytes32[] memory leaves = new bytes32[](n);
        bytes32 root;
        for (uint256 i; i < n; ++i) {
            leaves[i] = keccak256(abi.encode(salt, i));
            (root,) = harness.append(leaves[i]);
        }
        uint256 index = pick % n;
        MerkleProof memory proof = _prove(leaves, index);
        assertEq(harness.computeRoot(leaves[index], proof), root);
        if (proof.siblings.length > 0) {
            proof.siblings[pick % proof.siblings.length] ^= bytes32(uint256(1));
            assertTrue(harness.computeRoot(leaves[index], proof) != root, "tampered proof verified");
        }
    }

    /// Reference proof builder: hashes level by level, promoting an unpaired last node.
    function _prove(bytes32[] memory level, uint256 index) internal pure returns (MerkleProof memory proof) {
        proof.index = index;
        proof.leafCount = level.length;
        bytes32[] memory siblings = new bytes32[](8);
        uint256 used;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) siblings[used++] = level[sibling];
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 i; i < next.length; ++i) {
                next[i] =
                    2 * i + 1 < level.length ? Merkle.hashPair(level[2 * i], level[2 * i + 1]) : level[2 * i];
            }
            level = next;
            index >>= 1;
        }
        assembly {
            mstore(siblings, used)
        }
        proof.siblings = siblings;
    }
}
