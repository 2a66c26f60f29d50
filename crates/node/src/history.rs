//! What a node keeps of its past.
//!
//! Blocks, receipts and their indexes are the chain and are kept for good. Two things grow
//! with every block and are not needed to follow the chain: the state of old blocks (the
//! trie nodes that only old state roots reach) and the stateless inputs of blocks already
//! settled. A node keeps the state of its last blocks (256 by default, for `BLOCKHASH`-deep
//! queries and a margin) and the inputs of its last 1,024; a rollup's sequencer keeps both
//! for every block from the settled head up too; an archive node keeps everything.

use alloy_primitives::{B256, Bytes, map::B256Set};
use alloy_rlp::Decodable;
use alloy_trie::{
    EMPTY_ROOT_HASH, TrieAccount,
    nodes::{RlpNode, TrieNode},
};
use std::{fmt, str::FromStr};

/// How many of the latest blocks keep something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every block (an archive).
    All,
    /// The head and this many blocks below it.
    Last(u64),
}

impl FromStr for Keep {
    type Err = String;

    /// `archive`, or a number of blocks below the head.
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "archive" {
            return Ok(Self::All);
        }
        s.parse()
            .map(Self::Last)
            .map_err(|_| format!("{s:?} is neither a number of blocks nor \"archive\""))
    }
}

impl fmt::Display for Keep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("archive"),
            Self::Last(n) => write!(f, "{n}"),
        }
    }
}

/// What a node keeps of old blocks besides the blocks themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Blocks whose state stays readable (RPC state queries at that block, tracing it).
    pub state: Keep,
    /// Blocks whose stateless input (`nr_getStatelessInput`) stays.
    pub inputs: Keep,
    /// Keep the state and the input of every block from the settled head up too
    /// ([`crate::Chain::set_settled`]), however old: a rollup's settler needs the inputs of
    /// the blocks it has not settled and the state at the settled head (to resolve forced
    /// transactions), even when settlement has fallen far behind. Until a settled head is
    /// set, nothing is pruned.
    pub until_settled: bool,
}

impl Default for Retention {
    /// The state of the last 256 blocks, the stateless inputs of the last 1,024.
    fn default() -> Self {
        Self {
            state: Keep::Last(DEFAULT_STATE_BLOCKS),
            inputs: Keep::Last(DEFAULT_INPUT_BLOCKS),
            until_settled: false,
        }
    }
}

/// Default number of blocks below the head whose state is kept.
pub const DEFAULT_STATE_BLOCKS: u64 = 256;

/// Default number of blocks below the head whose stateless input is kept (about half an
/// hour of 2-second blocks, for a settler reading them over RPC).
pub const DEFAULT_INPUT_BLOCKS: u64 = 1024;

/// Pruning runs when the head has moved this many blocks since it last ran, so a block's
/// state is kept for between `state` and `state + PRUNE_INTERVAL` blocks.
pub const PRUNE_INTERVAL: u64 = 128;

/// Headers a node holds in memory: `BLOCKHASH` reaches 256 blocks back, and a witness may
/// carry as many ancestors; older headers are read from the datadir when asked for.
pub const HEADERS_IN_MEMORY: u64 = 256 + PRUNE_INTERVAL;

impl Retention {
    /// The oldest block that `keep` keeps when the head is `head` and `settled` the settled
    /// head, if known; `None`: every block.
    fn oldest_kept(&self, keep: Keep, head: u64, settled: Option<u64>) -> Option<u64> {
        let Keep::Last(n) = keep else {
            return None;
        };
        let window = head.saturating_sub(n);
        if self.until_settled {
            return Some(window.min(settled?));
        }
        Some(window)
    }

    /// The oldest block whose state is kept; `None`: every block's.
    pub fn oldest_state(&self, head: u64, settled: Option<u64>) -> Option<u64> {
        self.oldest_kept(self.state, head, settled)
    }

    /// Whether block `number`'s state is readable. This is the promise, not the whole truth:
    /// a block just past it may still be held until the next pruning, but it is refused
    /// alike, so that answers do not depend on when pruning ran.
    pub fn state_kept(&self, number: u64, head: u64, settled: Option<u64>) -> bool {
        self.oldest_state(head, settled)
            .is_none_or(|oldest| number >= oldest)
    }

    /// How many headers below the head a node holds in memory: the `BLOCKHASH` window, or
    /// every block whose state it keeps (their roots decide what pruning keeps).
    pub fn headers_in_memory(&self) -> u64 {
        match self.state {
            Keep::All => HEADERS_IN_MEMORY,
            Keep::Last(n) => HEADERS_IN_MEMORY.max(n.saturating_add(PRUNE_INTERVAL)),
        }
    }

    /// The last block whose stateless input may be deleted, if any.
    pub fn inputs_prunable_through(&self, head: u64, settled: Option<u64>) -> Option<u64> {
        self.oldest_kept(self.inputs, head, settled)?.checked_sub(1)
    }

    /// What `keep` keeps, in words: "its last 256 blocks" (and, in a rollup's sequencer,
    /// "and every block from the settled head").
    pub fn kept_words(&self, keep: Keep) -> String {
        let settled = if self.until_settled {
            " and every block from the settled head"
        } else {
            ""
        };
        match keep {
            Keep::All => "every block".into(),
            Keep::Last(n) => format!("its last {n} blocks{settled}"),
        }
    }
}

/// The trie nodes reachable from `roots` (state roots: the account trie and, through each
/// account, its storage trie), read with `node`: what a node that keeps the state of these
/// roots must keep, however long its chain. A node missing from `node` ends its branch.
pub fn live_nodes(
    roots: impl IntoIterator<Item = B256>,
    mut node: impl FnMut(&B256) -> Option<Bytes>,
) -> B256Set {
    let mut live = B256Set::default();
    let mut pending: Vec<B256> = roots.into_iter().collect();
    while let Some(hash) = pending.pop() {
        if hash == EMPTY_ROOT_HASH || !live.insert(hash) {
            continue;
        }
        if let Some(rlp) = node(&hash) {
            referenced_nodes(&rlp, &mut pending);
        }
    }
    live
}

/// Pushes the hashes a trie node refers to: the children of a branch or an extension
/// (looking inside embedded ones) and the storage root of an account leaf. Storage values
/// are RLP strings, never lists, so only an account leaf decodes as an account.
fn referenced_nodes(rlp: &[u8], out: &mut Vec<B256>) {
    let child = |node: &RlpNode, out: &mut Vec<B256>| match node.as_hash() {
        Some(hash) => out.push(hash),
        None => referenced_nodes(node, out),
    };
    match TrieNode::decode(&mut &rlp[..]) {
        Ok(TrieNode::Branch(branch)) => branch.stack.iter().for_each(|c| child(c, out)),
        Ok(TrieNode::Extension(ext)) => child(&ext.child, out),
        Ok(TrieNode::Leaf(leaf)) => {
            if let Ok(account) = TrieAccount::decode(&mut leaf.value.as_slice()) {
                out.push(account.storage_root);
            }
        }
        Ok(TrieNode::EmptyRoot) | Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;
    use alloy_primitives::{Address, U256};
    use nr_stateless::{FullState, NodeStore, SparseTrie, TrieError, witness::GenesisAccount};
    use std::collections::BTreeMap;

    fn alloc(n: u8, salt: u64) -> BTreeMap<Address, GenesisAccount> {
        (0..n)
            .map(|i| {
                let account = GenesisAccount {
                    nonce: 1,
                    balance: U256::from(salt + u64::from(i)),
                    code: Bytes::from_static(&[0x60, 0x00]),
                    storage: (0..20u64)
                        .map(|s| (U256::from(s), U256::from(s * 7 + salt + u64::from(i))))
                        .collect(),
                };
                (Address::with_last_byte(i), account)
            })
            .collect()
    }

    /// Reads every account and slot of `alloc` under `root`.
    fn read_all(
        state: &FullState,
        root: B256,
        alloc: &BTreeMap<Address, GenesisAccount>,
    ) -> Result<(), TrieError> {
        let mut accounts = SparseTrie::from_root(root);
        for (address, acc) in alloc {
            let leaf = accounts
                .get(keccak256(address).as_slice(), &state.nodes)?
                .expect("account present");
            let leaf = TrieAccount::decode(&mut leaf.as_slice()).expect("account leaf");
            let mut storage = SparseTrie::from_root(leaf.storage_root);
            for (slot, value) in &acc.storage {
                let stored = storage
                    .get(keccak256(slot.to_be_bytes::<32>()).as_slice(), &state.nodes)?
                    .expect("slot present");
                assert_eq!(stored, alloy_rlp::encode(value));
            }
        }
        Ok(())
    }

    /// The state of `old` with the nodes of `new` added: two roots, as after a block.
    fn two_roots(
        old: &BTreeMap<Address, GenesisAccount>,
        new: &BTreeMap<Address, GenesisAccount>,
    ) -> (FullState, B256, B256, usize) {
        let (mut state, old_root) = FullState::from_alloc(old).unwrap();
        let (added, new_root) = FullState::from_alloc(new).unwrap();
        let new_nodes = added.nodes.len();
        for node in added.nodes.take_all() {
            state.nodes.insert(node);
        }
        (state, old_root, new_root, new_nodes)
    }

    /// `state` with only the nodes in `live`.
    fn retain(state: FullState, live: &B256Set) -> FullState {
        let kept = state
            .nodes
            .take_all()
            .filter(|n| live.contains(&keccak256(n)));
        FullState {
            nodes: NodeStore::from_preimages(kept),
            ..FullState::default()
        }
    }

    #[test]
    fn a_roots_live_nodes_are_exactly_its_accounts_and_storage() {
        let (old, new) = (alloc(40, 1), alloc(40, 2));
        let (state, old_root, new_root, new_nodes) = two_roots(&old, &new);
        let before = state.nodes.len();
        read_all(&state, old_root, &old).unwrap();

        let live = live_nodes([new_root], |h| state.nodes.preimage(h));
        assert_eq!(live.len(), new_nodes, "exactly the new root's nodes");
        let state = retain(state, &live);
        assert!(before > new_nodes);
        read_all(&state, new_root, &new).unwrap();
        assert!(matches!(
            read_all(&state, old_root, &old),
            Err(TrieError::MissingNode(_))
        ));

        // Both roots: every node is live.
        let (state, old_root, new_root, _) = two_roots(&old, &new);
        let all = state.nodes.len();
        let live = live_nodes([old_root, new_root], |h| state.nodes.preimage(h));
        assert_eq!(live.len(), all);
    }

    #[test]
    fn windows_count_blocks_below_the_head() {
        let keep: Keep = "2".parse().unwrap();
        let r = Retention {
            state: keep,
            ..Retention::default()
        };
        assert!(r.state_kept(8, 10, None) && r.state_kept(10, 10, None));
        assert!(!r.state_kept(7, 10, None));
        let archive = Retention {
            state: Keep::All,
            ..Retention::default()
        };
        assert!(archive.state_kept(0, u64::MAX, None));
        assert_eq!("archive".parse::<Keep>(), Ok(Keep::All));
        assert!("-1".parse::<Keep>().unwrap_err().contains("archive"));
        assert_eq!(Keep::Last(256).to_string(), "256");
    }

    #[test]
    fn inputs_wait_for_settlement_when_told() {
        let mut r = Retention {
            inputs: Keep::Last(10),
            ..Retention::default()
        };
        assert_eq!(r.inputs_prunable_through(5, None), None);
        assert_eq!(r.inputs_prunable_through(100, None), Some(89));
        r.until_settled = true;
        assert_eq!(r.inputs_prunable_through(100, None), None);
        assert_eq!(r.inputs_prunable_through(100, Some(40)), Some(39));
        assert_eq!(r.inputs_prunable_through(100, Some(95)), Some(89));
        r.inputs = Keep::All;
        assert_eq!(r.inputs_prunable_through(100, Some(95)), None);
    }

    #[test]
    fn state_from_the_settled_head_stays_when_told() {
        let mut r = Retention {
            state: Keep::Last(10),
            ..Retention::default()
        };
        assert_eq!(r.oldest_state(100, None), Some(90));
        assert_eq!(r.oldest_state(5, None), Some(0));
        r.until_settled = true;
        assert_eq!(r.oldest_state(100, None), None);
        assert_eq!(r.oldest_state(100, Some(40)), Some(40));
        assert_eq!(r.oldest_state(100, Some(95)), Some(90));
        assert!(r.state_kept(40, 100, Some(40)) && !r.state_kept(39, 100, Some(40)));
        assert!(r.state_kept(0, 100, None));
        r.state = Keep::All;
        assert_eq!(r.oldest_state(100, Some(95)), None);
    }
}
