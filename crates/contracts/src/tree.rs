//! The L1 message tree off-chain: the roots `NativeRollup` produces and the paths
//! `L2Bridge.claimMessage` checks (`MessageTree.sol`: depth 32, keccak, zero leaves).

use alloy_primitives::{B256, keccak256};

/// Depth of the tree (`MessageTree.DEPTH`).
pub const DEPTH: usize = 32;

fn hash(a: B256, b: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(a.as_slice());
    buf[32..].copy_from_slice(b.as_slice());
    keccak256(buf)
}

/// All leaves of the tree, to compute roots and paths.
#[derive(Debug, Clone, Default)]
pub struct MessageTree {
    leaves: Vec<B256>,
}

impl MessageTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf.
    pub fn push(&mut self, leaf: B256) {
        self.leaves.push(leaf);
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The root over the first `count` leaves (the root the contract had at that count).
    pub fn root_at(&self, count: usize) -> B256 {
        let mut level: Vec<B256> = self.leaves[..count].to_vec();
        let mut zero = B256::ZERO;
        for _ in 0..DEPTH {
            level = level
                .chunks(2)
                .map(|p| hash(p[0], p.get(1).copied().unwrap_or(zero)))
                .collect();
            zero = hash(zero, zero);
        }
        level.first().copied().unwrap_or(zero)
    }

    /// The root over all leaves.
    pub fn root(&self) -> B256 {
        self.root_at(self.leaves.len())
    }

    /// The siblings of leaf `index` (leaf level first) in the tree of the first `count`
    /// leaves: what `claimMessage` takes against the root anchored at that count.
    pub fn path(&self, index: usize, count: usize) -> Vec<B256> {
        assert!(
            index < count && count <= self.leaves.len(),
            "leaf {index} is not among {count}"
        );
        let mut level: Vec<B256> = self.leaves[..count].to_vec();
        let mut zero = B256::ZERO;
        let mut i = index;
        let mut path = Vec::with_capacity(DEPTH);
        for _ in 0..DEPTH {
            path.push(level.get(i ^ 1).copied().unwrap_or(zero));
            level = level
                .chunks(2)
                .map(|p| hash(p[0], p.get(1).copied().unwrap_or(zero)))
                .collect();
            zero = hash(zero, zero);
            i >>= 1;
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(leaf: B256, index: usize, path: &[B256]) -> B256 {
        path.iter().enumerate().fold(leaf, |node, (h, s)| {
            if (index >> h) & 1 == 1 {
                hash(*s, node)
            } else {
                hash(node, *s)
            }
        })
    }

    #[test]
    fn paths_lead_to_the_root_at_every_count() {
        let mut tree = MessageTree::new();
        for i in 0..9u8 {
            tree.push(keccak256([i]));
        }
        for count in 1..=9 {
            for index in 0..count {
                let path = tree.path(index, count);
                assert_eq!(fold(tree.leaves[index], index, &path), tree.root_at(count));
            }
        }
        // A leaf proven at another index does not reach the root.
        let path = tree.path(2, 9);
        assert_ne!(fold(tree.leaves[2], 3, &path), tree.root());
    }

    #[test]
    fn empty_root_is_the_zero_subtree_of_depth_32() {
        let mut zero = B256::ZERO;
        for _ in 0..DEPTH {
            zero = hash(zero, zero);
        }
        assert_eq!(MessageTree::new().root(), zero);
    }
}
