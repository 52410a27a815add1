//! The hyperbridge Merkle trees, byte-for-byte equal to `contracts/common/libraries/Merkle.sol`.
//!
//! One tree shape serves both the messages tree of a batch and the Transaction Root on L1:
//! internal node = `keccak256(left ‖ right)`, a level with an odd number of nodes promotes its
//! last node unchanged, one leaf is its own root and an empty tree has root zero. That is exactly
//! `rs_merkle`'s shape, so static trees (a batch's messages, a Transaction Root at a given size)
//! are built with `rs_merkle`. The L1 contract keeps the same tree append-only with one node per
//! level; [`Frontier`] is that algorithm in Rust, so a node can follow the L1 root without keeping
//! every leaf. [`compute_root`] mirrors the Solidity verifier, including its errors.

use alloy_primitives::{B256, keccak256};
use rs_merkle::{Hasher, MerkleTree};

/// `rs_merkle` hasher for keccak256 over 32-byte nodes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keccak256;

impl Hasher for Keccak256 {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        keccak256(data).0
    }
}

/// `keccak256(left ‖ right)`.
pub fn hash_pair(left: B256, right: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// A proof of one leaf: the Rust twin of the Solidity `MerkleProof` struct.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerkleProof {
    /// Position of the leaf, 0-based.
    pub index: u64,
    /// Number of leaves of the tree the proof is against.
    pub leaf_count: u64,
    /// Siblings from the leaf level up, none for levels where the node is promoted.
    pub siblings: Vec<B256>,
}

/// A malformed proof, named as the Solidity library names it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// `MerkleIndexOutOfRange(index, leafCount)`.
    #[error("leaf index {index} is out of range for a tree of {leaf_count} leaves")]
    IndexOutOfRange {
        /// Index in the proof.
        index: u64,
        /// Leaf count in the proof.
        leaf_count: u64,
    },
    /// `MerkleProofLengthMismatch(expected, actual)`.
    #[error("proof has {actual} siblings where its index and leaf count need {expected}")]
    ProofLengthMismatch {
        /// Siblings needed (at least this many when the proof ran short).
        expected: usize,
        /// Siblings given.
        actual: usize,
    },
}

/// The root of the tree in which `leaf` sits at `proof.index`; the caller compares it with a
/// root it trusts. Same algorithm and errors as `Merkle.computeRoot`.
pub fn compute_root(leaf: B256, proof: &MerkleProof) -> Result<B256, MerkleError> {
    let MerkleProof { index, leaf_count, siblings } = proof;
    if index >= leaf_count {
        return Err(MerkleError::IndexOutOfRange { index: *index, leaf_count: *leaf_count });
    }
    let mut index = *index;
    let mut last = leaf_count - 1;
    let mut node = leaf;
    let mut used = 0usize;
    let short = |used: usize| MerkleError::ProofLengthMismatch {
        expected: used + 1,
        actual: siblings.len(),
    };
    while last != 0 {
        if index & 1 == 1 {
            node = hash_pair(*siblings.get(used).ok_or_else(|| short(used))?, node);
            used += 1;
        } else if index != last {
            node = hash_pair(node, *siblings.get(used).ok_or_else(|| short(used))?);
            used += 1;
        }
        index >>= 1;
        last >>= 1;
    }
    if used != siblings.len() {
        return Err(MerkleError::ProofLengthMismatch { expected: used, actual: siblings.len() });
    }
    Ok(node)
}

/// A static tree over known leaves (a batch's messages, or the Transaction Root leaves up to some
/// count), built with `rs_merkle`.
#[derive(Clone)]
pub struct Tree {
    inner: MerkleTree<Keccak256>,
    leaf_count: u64,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("leaf_count", &self.leaf_count)
            .field("root", &self.root())
            .finish()
    }
}

impl Tree {
    /// Builds the tree over `leaves` (already hashed).
    pub fn new(leaves: &[B256]) -> Self {
        let raw: Vec<[u8; 32]> = leaves.iter().map(|leaf| leaf.0).collect();
        Self { inner: MerkleTree::from_leaves(&raw), leaf_count: leaves.len() as u64 }
    }

    /// Number of leaves.
    pub fn leaf_count(&self) -> u64 {
        self.leaf_count
    }

    /// Root; zero for an empty tree.
    pub fn root(&self) -> B256 {
        self.inner.root().map(B256::from).unwrap_or_default()
    }

    /// Proof of the leaf at `index`.
    pub fn proof(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        if index >= self.leaf_count {
            return Err(MerkleError::IndexOutOfRange { index, leaf_count: self.leaf_count });
        }
        let siblings = self
            .inner
            .proof(&[index as usize])
            .proof_hashes()
            .iter()
            .copied()
            .map(B256::from)
            .collect();
        Ok(MerkleProof { index, leaf_count: self.leaf_count, siblings })
    }
}

/// The append-only tree as L1 keeps it (`IncrementalMerkle`): one node per level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    leaf_count: u64,
    /// `nodes[level]` is meaningful only where bit `level` of `leaf_count` is set.
    nodes: Vec<B256>,
}

impl Frontier {
    /// Number of leaves appended so far.
    pub fn leaf_count(&self) -> u64 {
        self.leaf_count
    }

    /// Appends `leaf` and returns the new root.
    pub fn append(&mut self, leaf: B256) -> B256 {
        let mut node = leaf;
        let mut level = 0usize;
        let mut n = self.leaf_count;
        while n & 1 == 1 {
            node = hash_pair(self.nodes[level], node);
            level += 1;
            n >>= 1;
        }
        if self.nodes.len() <= level {
            self.nodes.resize(level + 1, B256::ZERO);
        }
        self.nodes[level] = node;
        self.leaf_count += 1;
        self.root()
    }

    /// Current root; zero when empty.
    pub fn root(&self) -> B256 {
        let mut acc: Option<B256> = None;
        for (level, node) in self.nodes.iter().enumerate() {
            if (self.leaf_count >> level) & 1 == 1 {
                acc = Some(match acc {
                    None => *node,
                    Some(right) => hash_pair(*node, right),
                });
            }
        }
        acc.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize, salt: u64) -> Vec<B256> {
        (0..n as u64).map(|i| keccak256([salt.to_be_bytes(), i.to_be_bytes()].concat())).collect()
    }

    #[test]
    fn empty_and_single_leaf_roots() {
        assert_eq!(Tree::new(&[]).root(), B256::ZERO);
        assert_eq!(Frontier::default().root(), B256::ZERO);
        let leaf = leaves(1, 7)[0];
        assert_eq!(Tree::new(&[leaf]).root(), leaf);
        assert_eq!(Tree::new(&[leaf]).proof(0).unwrap().siblings, Vec::<B256>::new());
    }

    #[test]
    fn three_leaves_promote_the_last_one() {
        let l = leaves(3, 1);
        let expected = hash_pair(hash_pair(l[0], l[1]), l[2]);
        assert_eq!(Tree::new(&l).root(), expected);
        let proof = Tree::new(&l).proof(2).unwrap();
        assert_eq!(proof.siblings, vec![hash_pair(l[0], l[1])]);
    }

    #[test]
    fn malformed_proofs_are_named() {
        let l = leaves(5, 2);
        let tree = Tree::new(&l);
        let mut proof = tree.proof(1).unwrap();
        proof.siblings.push(B256::ZERO);
        assert!(matches!(compute_root(l[1], &proof), Err(MerkleError::ProofLengthMismatch { .. })));
        proof.siblings.truncate(1);
        assert!(matches!(compute_root(l[1], &proof), Err(MerkleError::ProofLengthMismatch { .. })));
        let out_of_range = MerkleProof { index: 5, leaf_count: 5, siblings: vec![] };
        assert_eq!(
            compute_root(l[0], &out_of_range),
            Err(MerkleError::IndexOutOfRange { index: 5, leaf_count: 5 })
        );
    }

    proptest! {
        /// rs_merkle's tree, our verifier and the L1 frontier agree on every size and index.
        #[test]
        fn tree_proofs_and_frontier_agree(n in 1usize..300, salt in any::<u64>(), pick in any::<u64>()) {
            let l = leaves(n, salt);
            let tree = Tree::new(&l);
            let index = pick % n as u64;
            let proof = tree.proof(index).unwrap();
            prop_assert_eq!(compute_root(l[index as usize], &proof).unwrap(), tree.root());
            let mut frontier = Frontier::default();
            let mut last = B256::ZERO;
            for leaf in &l {
                last = frontier.append(*leaf);
            }
            prop_assert_eq!(last, tree.root());
            prop_assert_eq!(frontier.root(), tree.root());
        }

        /// A proof never verifies a different leaf.
        #[test]
        fn proofs_reject_other_leaves(n in 2usize..100, salt in any::<u64>(), pick in any::<u64>()) {
            let l = leaves(n, salt);
            let tree = Tree::new(&l);
            let index = pick % n as u64;
            let proof = tree.proof(index).unwrap();
            let other = l[((index + 1) % n as u64) as usize];
            prop_assert_ne!(compute_root(other, &proof).unwrap(), tree.root());
        }
    }
}

/// Vectors that `test/common/Merkle.t.sol` checks with the Solidity library, so both sides are
/// held to the same bytes. `cargo test` fails if the committed file is stale; regenerate it with
/// `UPDATE_VECTORS=1 cargo test -p hyperchain-merkle`.
#[cfg(test)]
mod solidity_vectors {
    use super::*;
    use std::fmt::Write;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/merkle.json");

    fn render() -> String {
        let sizes = [1u64, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33, 64, 100];
        let mut out = String::from("{\n  \"cases\": [\n");
        for (case, &n) in sizes.iter().enumerate() {
            let leaves: Vec<B256> =
                (0..n).map(|i| keccak256([n.to_be_bytes(), i.to_be_bytes()].concat())).collect();
            let tree = Tree::new(&leaves);
            let index = (n * 7 + 3) % n;
            let proof = tree.proof(index).expect("index is below n");
            let hexes =
                |v: &[B256]| v.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "    {{\"leaves\": [{}], \"index\": {}, \"leafCount\": {}, \"siblings\": [{}], \"root\": \"{}\"}}{}",
                hexes(&leaves),
                proof.index,
                proof.leaf_count,
                hexes(&proof.siblings),
                tree.root(),
                if case + 1 == sizes.len() { "" } else { "," }
            );
        }
        out.push_str("  ]\n}\n");
        out
    }

    #[test]
    fn committed_vectors_are_current() {
        let expected = render();
        if std::env::var_os("UPDATE_VECTORS").is_some() {
            std::fs::write(PATH, &expected).expect("write vectors");
        }
        let committed = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            committed == expected,
            "test/vectors/merkle.json is stale: run UPDATE_VECTORS=1 cargo test -p hyperchain-merkle"
        );
    }
}
