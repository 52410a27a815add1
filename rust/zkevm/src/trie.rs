//! A sparse Merkle-Patricia trie over witness proof nodes: enough of the state trie to update
//! the touched keys and recompute the root. Subtrees the proofs do not open stay as their hash.
//!
//! alloy-trie's `HashBuilder` needs the full sorted leaf set, so the update is done here on
//! decoded nodes. Deleting a key can collapse a branch onto a sibling the proofs did not open;
//! that case is reported as [`TrieError::MissingNode`] (the witness must then carry that node).

use alloy::primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Header};
use alloy_trie::{
    EMPTY_ROOT_HASH,
    nodes::{RlpNode, TrieNode},
};
use std::collections::HashMap;

/// Failures of the sparse trie.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// The update needs a node the witness does not contain.
    #[error("trie node {0} is needed to update the state but is not in the witness")]
    MissingNode(B256),
    /// A proof node that is not valid RLP of a trie node.
    #[error("witness trie node does not decode: {0}")]
    Decode(#[source] alloy_rlp::Error),
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Hash(B256),
    Leaf(Vec<u8>, Vec<u8>),
    Ext(Vec<u8>, Box<Node>),
    Branch(Box<[Node; 16]>),
}

/// A sparse trie rooted at a known root.
#[derive(Clone, Debug)]
pub struct SparseTrie {
    root: Node,
}

/// Proof nodes by hash.
pub type NodeStore = HashMap<B256, Bytes>;

/// Adds proof nodes to a store.
pub fn add_nodes<'a>(store: &mut NodeStore, nodes: impl IntoIterator<Item = &'a Bytes>) {
    for node in nodes {
        store.insert(keccak256(node), node.clone());
    }
}

impl SparseTrie {
    /// The trie with root `root`, opened as far as `store` allows.
    pub fn new(root: B256, store: &NodeStore) -> Result<Self, TrieError> {
        Ok(Self { root: resolve(root, store)? })
    }

    /// Sets `key` (32 bytes, already hashed) to `value`; an empty value deletes it.
    pub fn update(&mut self, key: B256, value: Vec<u8>) -> Result<(), TrieError> {
        let path = unpack(key);
        let root = std::mem::replace(&mut self.root, Node::Empty);
        self.root =
            if value.is_empty() { delete(root, &path)? } else { insert(root, &path, value)? };
        Ok(())
    }

    /// The root hash.
    pub fn root(&self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(h) => *h,
            node => keccak256(encode(node)),
        }
    }
}

fn unpack(key: B256) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn resolve(hash: B256, store: &NodeStore) -> Result<Node, TrieError> {
    if hash == EMPTY_ROOT_HASH {
        return Ok(Node::Empty);
    }
    match store.get(&hash) {
        Some(rlp) => decode(rlp, store),
        None => Ok(Node::Hash(hash)),
    }
}

fn child(r: &RlpNode, store: &NodeStore) -> Result<Node, TrieError> {
    match r.as_hash() {
        Some(h) => resolve(h, store),
        None => decode(r.as_ref(), store),
    }
}

fn decode(mut rlp: &[u8], store: &NodeStore) -> Result<Node, TrieError> {
    let node = TrieNode::decode(&mut rlp).map_err(TrieError::Decode)?;
    Ok(match node {
        TrieNode::EmptyRoot => Node::Empty,
        TrieNode::Leaf(leaf) => Node::Leaf(leaf.key.to_vec(), leaf.value),
        TrieNode::Extension(ext) => {
            Node::Ext(ext.key.to_vec(), Box::new(child(&ext.child, store)?))
        }
        TrieNode::Branch(branch) => {
            let mut children: [Node; 16] = std::array::from_fn(|_| Node::Empty);
            let mut stack = branch.stack.iter();
            for (i, slot) in children.iter_mut().enumerate() {
                if branch.state_mask.is_bit_set(i as u8) {
                    let r = stack
                        .next()
                        .ok_or(TrieError::Decode(alloy_rlp::Error::Custom("short branch")))?;
                    *slot = child(r, store)?;
                }
            }
            Node::Branch(Box::new(children))
        }
    })
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn branch_with(entries: Vec<(u8, Node)>) -> Node {
    let mut children: [Node; 16] = std::array::from_fn(|_| Node::Empty);
    for (i, n) in entries {
        children[i as usize] = n;
    }
    Node::Branch(Box::new(children))
}

/// `Ext(prefix, n)` collapsing empty prefixes.
fn ext(prefix: &[u8], n: Node) -> Node {
    if prefix.is_empty() { n } else { Node::Ext(prefix.to_vec(), Box::new(n)) }
}

fn insert(node: Node, path: &[u8], value: Vec<u8>) -> Result<Node, TrieError> {
    Ok(match node {
        Node::Empty => Node::Leaf(path.to_vec(), value),
        Node::Hash(h) => return Err(TrieError::MissingNode(h)),
        Node::Leaf(key, old) => {
            if key == path {
                return Ok(Node::Leaf(key, value));
            }
            let c = common_prefix(&key, path);
            let branch = branch_with(vec![
                (key[c], Node::Leaf(key[c + 1..].to_vec(), old)),
                (path[c], Node::Leaf(path[c + 1..].to_vec(), value)),
            ]);
            ext(&path[..c], branch)
        }
        Node::Ext(key, next) => {
            let c = common_prefix(&key, path);
            if c == key.len() {
                return Ok(Node::Ext(key, Box::new(insert(*next, &path[c..], value)?)));
            }
            let old =
                if key.len() - c == 1 { *next } else { Node::Ext(key[c + 1..].to_vec(), next) };
            let branch = branch_with(vec![
                (key[c], old),
                (path[c], Node::Leaf(path[c + 1..].to_vec(), value)),
            ]);
            ext(&path[..c], branch)
        }
        Node::Branch(mut children) => {
            let i = path[0] as usize;
            let old = std::mem::replace(&mut children[i], Node::Empty);
            children[i] = insert(old, &path[1..], value)?;
            Node::Branch(children)
        }
    })
}

/// Prefixes `prefix` to a node that replaces a collapsed parent.
fn prepend(prefix: &[u8], node: Node) -> Result<Node, TrieError> {
    Ok(match node {
        Node::Empty => Node::Empty,
        Node::Leaf(k, v) => Node::Leaf([prefix, &k].concat(), v),
        Node::Ext(k, c) => Node::Ext([prefix, &k].concat(), c),
        Node::Branch(b) => ext(prefix, Node::Branch(b)),
        Node::Hash(h) => return Err(TrieError::MissingNode(h)),
    })
}

fn delete(node: Node, path: &[u8]) -> Result<Node, TrieError> {
    Ok(match node {
        Node::Empty => Node::Empty,
        Node::Hash(h) => return Err(TrieError::MissingNode(h)),
        Node::Leaf(key, value) => {
            if key == path {
                Node::Empty
            } else {
                Node::Leaf(key, value)
            }
        }
        Node::Ext(key, next) => {
            if !path.starts_with(&key) {
                return Ok(Node::Ext(key, next));
            }
            match delete(*next, &path[key.len()..])? {
                Node::Branch(b) => Node::Ext(key, Box::new(Node::Branch(b))),
                other => prepend(&key, other)?,
            }
        }
        Node::Branch(mut children) => {
            let i = path[0] as usize;
            let old = std::mem::replace(&mut children[i], Node::Empty);
            children[i] = delete(old, &path[1..])?;
            let live: Vec<usize> =
                (0..16).filter(|j| !matches!(children[*j], Node::Empty)).collect();
            match live.as_slice() {
                [] => Node::Empty,
                [only] => {
                    let only = *only;
                    let rest = std::mem::replace(&mut children[only], Node::Empty);
                    prepend(&[only as u8], rest)?
                }
                _ => Node::Branch(children),
            }
        }
    })
}

fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 } + (path.len() % 2) as u8;
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push((flag << 4) | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks(2).map(|p| (p[0] << 4) | p[1]));
    out
}

fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload_length = items.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(payload_length + 4);
    Header { list: true, payload_length }.encode(&mut out);
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// The reference to `node` inside its parent: inline RLP when shorter than 32 bytes, else the
/// RLP of its hash.
fn reference(node: &Node) -> Vec<u8> {
    match node {
        Node::Empty => vec![alloy_rlp::EMPTY_STRING_CODE],
        Node::Hash(h) => alloy_rlp::encode(h),
        n => RlpNode::from_rlp(&encode(n)).to_vec(),
    }
}

fn encode(node: &Node) -> Vec<u8> {
    match node {
        Node::Empty => vec![alloy_rlp::EMPTY_STRING_CODE],
        Node::Hash(h) => alloy_rlp::encode(h),
        Node::Leaf(key, value) => list(&[
            alloy_rlp::encode(hex_prefix(key, true).as_slice()),
            alloy_rlp::encode(value.as_slice()),
        ]),
        Node::Ext(key, next) => {
            list(&[alloy_rlp::encode(hex_prefix(key, false).as_slice()), reference(next)])
        }
        Node::Branch(children) => {
            let mut items: Vec<Vec<u8>> = children.iter().map(reference).collect();
            items.push(vec![alloy_rlp::EMPTY_STRING_CODE]);
            list(&items)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_trie::{HashBuilder, Nibbles};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn full_root(entries: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut hb = HashBuilder::default();
        for (k, v) in entries {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        hb.root()
    }

    proptest! {
        /// Starting from the empty trie, inserts and deletes give the same root as building the
        /// final leaf set from scratch.
        #[test]
        fn updates_match_a_full_rebuild(
            ops in proptest::collection::vec((0u8..24, proptest::option::of(1u8..255)), 1..60)
        ) {
            let mut trie = SparseTrie::new(EMPTY_ROOT_HASH, &NodeStore::new()).unwrap();
            let mut model = BTreeMap::new();
            for (k, v) in ops {
                let key = keccak256([k]);
                let value = v.map(|v| vec![v; (v % 40) as usize + 1]).unwrap_or_default();
                trie.update(key, value.clone()).unwrap();
                if value.is_empty() { model.remove(&key); } else { model.insert(key, value); }
                prop_assert_eq!(trie.root(), full_root(&model));
            }
        }
    }
}
