//! A partial Merkle-Patricia trie over content-addressed node preimages.
//!
//! The same structure serves both sides of stateless validation: opened over an
//! execution witness it is the *partial* trie a validator works on; opened over a
//! complete node store it is the *full* state the witness generator reads from, and the
//! nodes it resolves are exactly the witness. Unresolved subtrees stay as hashes until a
//! lookup or an update walks into them, so a lookup can tell "proved absent" (`Ok(None)`)
//! from "not in the witness" ([`TrieError::MissingNode`]).

use alloc::{borrow::Cow, boxed::Box, collections::BTreeSet, sync::Arc, vec::Vec};
use alloy_primitives::{B256, Bytes, keccak256, map::B256Map};
use alloy_rlp::{EMPTY_STRING_CODE, Header};
use alloy_trie::EMPTY_ROOT_HASH;
use core::cell::RefCell;

/// Why a trie operation could not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A node on the path is referenced by hash but its preimage is not available.
    #[error("trie node {0} is not in the witness")]
    MissingNode(B256),
    /// A node preimage does not decode as a Merkle-Patricia trie node.
    #[error("malformed trie node {0}: {1}")]
    MalformedNode(B256, &'static str),
}

/// Where a [`NodeStore`] finds the preimages it does not hold: a node's database, so that
/// its state need not fit in memory. Content-addressed: what it returns for a hash is
/// checked against the hash before use, so a corrupt source reads as a missing preimage.
pub trait PreimageSource: core::fmt::Debug + Send + Sync {
    /// The trie node whose keccak256 is `hash`.
    fn node(&self, hash: &B256) -> Option<Bytes>;
    /// The contract code whose keccak256 is `hash`.
    fn code(&self, hash: &B256) -> Option<Bytes>;
}

/// Content-addressed store of RLP trie nodes, keyed by `keccak256(rlp)`: the nodes it holds
/// in memory, and behind them, optionally, a [`PreimageSource`].
///
/// Optionally records every node it hands out: opened over a full state, the recorded
/// set is the minimal witness of the operations performed.
#[derive(Debug, Default, Clone)]
pub struct NodeStore {
    nodes: B256Map<Bytes>,
    recorded: Option<RefCell<BTreeSet<B256>>>,
    source: Option<Arc<dyn PreimageSource>>,
}

impl NodeStore {
    /// An empty store that reads what it does not hold from `source`.
    pub fn with_source(source: Arc<dyn PreimageSource>) -> Self {
        Self {
            source: Some(source),
            ..Self::default()
        }
    }

    /// The contract code whose keccak256 is `hash`, from the source (codes in memory are the
    /// caller's: [`crate::FullState::codes`]).
    pub fn source_code(&self, hash: &B256) -> Option<Bytes> {
        let code = self.source.as_ref()?.code(hash)?;
        (keccak256(&code) == *hash).then_some(code)
    }

    /// A store holding `preimages`, each keyed by its own hash (so no entry can lie).
    pub fn from_preimages<I: IntoIterator<Item = Bytes>>(preimages: I) -> Self {
        let mut store = Self::default();
        for node in preimages {
            store.insert(node);
        }
        store
    }

    /// Adds one preimage.
    pub fn insert(&mut self, node: Bytes) -> B256 {
        let hash = keccak256(&node);
        self.nodes.insert(hash, node);
        hash
    }

    /// Whether the preimage of `hash` is present, in memory or in the source.
    pub fn contains(&self, hash: &B256) -> bool {
        self.nodes.contains_key(hash) || self.read_source(hash).is_some()
    }

    /// The preimage of `hash`, from memory or the source, without recording it.
    pub fn preimage(&self, hash: &B256) -> Option<Bytes> {
        self.nodes
            .get(hash)
            .cloned()
            .or_else(|| self.read_source(hash))
    }

    /// Number of preimages held in memory.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no preimage is held in memory.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Starts recording every preimage handed out from now on.
    pub fn start_recording(&mut self) {
        self.recorded = Some(RefCell::new(BTreeSet::new()));
    }

    /// Stops recording and returns the preimages handed out, ordered by hash.
    pub fn take_recorded(&mut self) -> Vec<Bytes> {
        let hashes = self
            .recorded
            .take()
            .map(RefCell::into_inner)
            .unwrap_or_default();
        hashes.iter().filter_map(|h| self.preimage(h)).collect()
    }

    /// Marks `hash` as read, if present (a witness always carries its root node).
    pub fn touch(&self, hash: &B256) {
        let _ = self.get(hash);
    }

    /// The Merkle proof of `key` in the trie under `root` (EIP-1186 `accountProof` /
    /// `storageProof` order): every node referenced by hash on the path from the root,
    /// root first. It proves the value, or its absence, to anyone holding only `root`.
    pub fn proof(&self, root: B256, key: &[u8]) -> Result<Vec<Bytes>, TrieError> {
        let mut proof = Vec::new();
        if root != EMPTY_ROOT_HASH {
            lookup(
                &mut SparseTrie::from_root(root).root,
                &to_nibbles(key),
                self,
                Some(&mut proof),
            )?;
        }
        Ok(proof)
    }

    /// All preimages held in memory, consuming the store.
    pub fn take_all(self) -> impl Iterator<Item = Bytes> {
        self.nodes.into_values()
    }

    fn get(&self, hash: &B256) -> Option<Cow<'_, Bytes>> {
        let node = match self.nodes.get(hash) {
            Some(node) => Cow::Borrowed(node),
            None => Cow::Owned(self.read_source(hash)?),
        };
        if let Some(rec) = &self.recorded {
            rec.borrow_mut().insert(*hash);
        }
        Some(node)
    }

    fn read_source(&self, hash: &B256) -> Option<Bytes> {
        let node = self.source.as_ref()?.node(hash)?;
        (keccak256(&node) == *hash).then_some(node)
    }
}

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A trie node in memory. `Hash` is a subtree not yet resolved from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Empty,
    Hash(B256),
    Leaf {
        path: Vec<u8>,
        value: Vec<u8>,
        cache: Option<NodeRef>,
    },
    Extension {
        path: Vec<u8>,
        child: Box<Node>,
        cache: Option<NodeRef>,
    },
    Branch {
        children: Box<[Node; 16]>,
        value: Option<Vec<u8>>,
        cache: Option<NodeRef>,
    },
}

/// How a parent refers to a child: the child's RLP if shorter than 32 bytes, else its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NodeRef {
    Inline(Vec<u8>),
    Hash(B256),
}

impl NodeRef {
    fn from_rlp(rlp: Vec<u8>) -> Self {
        if rlp.len() < 32 {
            Self::Inline(rlp)
        } else {
            Self::Hash(keccak256(&rlp))
        }
    }

    fn append(&self, out: &mut Vec<u8>) {
        match self {
            Self::Inline(rlp) => out.extend_from_slice(rlp),
            Self::Hash(h) => {
                out.push(EMPTY_STRING_CODE + 32);
                out.extend_from_slice(h.as_slice());
            }
        }
    }
}

/// A Merkle-Patricia trie whose nodes are resolved on demand from a [`NodeStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseTrie {
    root: Node,
}

impl Default for SparseTrie {
    fn default() -> Self {
        Self { root: Node::Empty }
    }
}

fn to_nibbles(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() * 2);
    for b in key {
        out.push(b >> 4);
        out.push(b & 0x0f);
    }
    out
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

fn empty_children() -> Box<[Node; 16]> {
    Box::new(core::array::from_fn(|_| Node::Empty))
}

impl SparseTrie {
    /// A trie whose root is `root`, resolved lazily.
    pub fn from_root(root: B256) -> Self {
        if root == EMPTY_ROOT_HASH {
            Self::default()
        } else {
            Self {
                root: Node::Hash(root),
            }
        }
    }

    /// The value at `key`: `Ok(None)` when the trie proves it absent.
    pub fn get(&mut self, key: &[u8], store: &NodeStore) -> Result<Option<Vec<u8>>, TrieError> {
        lookup(&mut self.root, &to_nibbles(key), store, None)
    }

    /// Sets `key` to `value`; an empty value removes the key, as in Ethereum's tries.
    pub fn insert(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        store: &NodeStore,
    ) -> Result<(), TrieError> {
        if value.is_empty() {
            return self.remove(key, store);
        }
        insert(&mut self.root, &to_nibbles(key), value, store)
    }

    /// Removes `key`, collapsing branches left with a single child. Collapsing may need the
    /// preimage of the remaining sibling: without it this fails with `MissingNode`.
    pub fn remove(&mut self, key: &[u8], store: &NodeStore) -> Result<(), TrieError> {
        remove(&mut self.root, &to_nibbles(key), store).map(|_| ())
    }

    /// Every `(key, value)` in key order, resolving the whole trie (the key must be whole
    /// bytes; odd nibble paths cannot occur in tries built by `insert`).
    pub fn entries(&mut self, store: &NodeStore) -> Result<Vec<Entry>, TrieError> {
        let mut out = Vec::new();
        collect(&mut self.root, &mut Vec::new(), store, &mut out)?;
        Ok(out)
    }

    /// The root hash, re-hashing only the nodes changed since the last call.
    pub fn root(&mut self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(h) => *h,
            _ => keccak256(encode(&mut self.root)),
        }
    }

    /// Adds to `store` the preimages of every resolved node referenced by hash (used to
    /// keep a full state complete after an update).
    pub fn commit_to(&mut self, store: &mut NodeStore) {
        if matches!(self.root, Node::Empty | Node::Hash(_)) {
            return;
        }
        let rlp = encode(&mut self.root);
        store.insert(Bytes::from(rlp));
        commit_children(&mut self.root, store);
    }
}

/// Walks to `rest` from `node`, resolving on the way; with `proof`, pushes the preimage
/// of every node resolved from a hash (the path's hashed nodes, in order, on a fresh trie).
fn lookup(
    mut node: &mut Node,
    mut rest: &[u8],
    store: &NodeStore,
    mut proof: Option<&mut Vec<Bytes>>,
) -> Result<Option<Vec<u8>>, TrieError> {
    loop {
        if let (Node::Hash(hash), Some(proof)) = (&*node, proof.as_deref_mut()) {
            proof.push(
                store
                    .get(hash)
                    .ok_or(TrieError::MissingNode(*hash))?
                    .into_owned(),
            );
        }
        resolve(node, store)?;
        match node {
            Node::Empty => return Ok(None),
            Node::Hash(_) => unreachable!("resolved above"),
            Node::Leaf { path, value, .. } => {
                return Ok((path.as_slice() == rest).then(|| value.clone()));
            }
            Node::Extension { path, child, .. } => {
                if !rest.starts_with(path) {
                    return Ok(None);
                }
                rest = &rest[path.len()..];
                node = child;
            }
            Node::Branch {
                children, value, ..
            } => {
                let Some((&first, tail)) = rest.split_first() else {
                    return Ok(value.clone());
                };
                rest = tail;
                node = &mut children[first as usize];
            }
        }
    }
}

fn collect(
    node: &mut Node,
    prefix: &mut Vec<u8>,
    store: &NodeStore,
    out: &mut Vec<Entry>,
) -> Result<(), TrieError> {
    resolve(node, store)?;
    let pack = |nibbles: &[u8]| {
        nibbles
            .chunks(2)
            .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
            .collect()
    };
    match node {
        Node::Leaf { path, value, .. } => out.push((pack(&concat(prefix, path)), value.clone())),
        Node::Extension { path, child, .. } => {
            let len = prefix.len();
            prefix.extend_from_slice(path);
            collect(child, prefix, store, out)?;
            prefix.truncate(len);
        }
        Node::Branch {
            children, value, ..
        } => {
            if let Some(v) = value {
                out.push((pack(prefix), v.clone()));
            }
            for (i, child) in children.iter_mut().enumerate() {
                prefix.push(i as u8);
                collect(child, prefix, store, out)?;
                prefix.pop();
            }
        }
        Node::Empty | Node::Hash(_) => {}
    }
    Ok(())
}

fn commit_children(node: &mut Node, store: &mut NodeStore) {
    let mut visit = |child: &mut Node| {
        if matches!(child, Node::Empty | Node::Hash(_)) {
            return;
        }
        // An unchanged subtree keeps its hash, and its nodes are in the store already.
        if let Some(NodeRef::Hash(h)) = cache_of(child)
            && store.contains(h)
        {
            return;
        }
        // encode() of the root ran, so every cache is set and this encoding is local.
        let rlp = encode(child);
        if let Some(NodeRef::Hash(h)) = cache_of(child) {
            store.nodes.insert(*h, Bytes::from(rlp));
        }
        commit_children(child, store);
    };
    match node {
        Node::Extension { child, .. } => visit(child),
        Node::Branch { children, .. } => children.iter_mut().for_each(visit),
        _ => {}
    }
}

fn cache_of(node: &Node) -> Option<&NodeRef> {
    match node {
        Node::Leaf { cache, .. } | Node::Extension { cache, .. } | Node::Branch { cache, .. } => {
            cache.as_ref()
        }
        _ => None,
    }
}

fn resolve(node: &mut Node, store: &NodeStore) -> Result<(), TrieError> {
    if let Node::Hash(hash) = *node {
        let rlp = store.get(&hash).ok_or(TrieError::MissingNode(hash))?;
        *node = decode_node(&rlp).map_err(|why| TrieError::MalformedNode(hash, why))?;
        // The preimage is authentic (the store is content-addressed): keep its hash.
        set_cache(node, NodeRef::Hash(hash));
    }
    Ok(())
}

fn set_cache(node: &mut Node, r: NodeRef) {
    match node {
        Node::Leaf { cache, .. } | Node::Extension { cache, .. } | Node::Branch { cache, .. } => {
            *cache = Some(r)
        }
        _ => {}
    }
}

fn clear_cache(node: &mut Node) {
    match node {
        Node::Leaf { cache, .. } | Node::Extension { cache, .. } | Node::Branch { cache, .. } => {
            *cache = None
        }
        _ => {}
    }
}

fn insert(node: &mut Node, key: &[u8], value: Vec<u8>, store: &NodeStore) -> Result<(), TrieError> {
    resolve(node, store)?;
    clear_cache(node);
    match node {
        Node::Empty => {
            *node = Node::Leaf {
                path: key.to_vec(),
                value,
                cache: None,
            };
        }
        Node::Hash(_) => unreachable!("resolved above"),
        Node::Leaf {
            path, value: old, ..
        } => {
            let common = common_prefix(path, key);
            if common == path.len() && common == key.len() {
                *old = value;
                return Ok(());
            }
            let mut branch = Node::Branch {
                children: empty_children(),
                value: None,
                cache: None,
            };
            let old_path = core::mem::take(path);
            let old_value = core::mem::take(old);
            insert(&mut branch, &old_path[common..], old_value, store)?;
            insert(&mut branch, &key[common..], value, store)?;
            *node = wrap_extension(&key[..common], branch);
        }
        Node::Extension { path, child, .. } => {
            let common = common_prefix(path, key);
            if common == path.len() {
                return insert(child, &key[common..], value, store);
            }
            let mut children = empty_children();
            // The old extension's remainder hangs under the branch at its next nibble.
            let old_child = core::mem::replace(child.as_mut(), Node::Empty);
            let rest = &path[common + 1..];
            children[path[common] as usize] = if rest.is_empty() {
                old_child
            } else {
                Node::Extension {
                    path: rest.to_vec(),
                    child: Box::new(old_child),
                    cache: None,
                }
            };
            let mut branch = Node::Branch {
                children,
                value: None,
                cache: None,
            };
            insert(&mut branch, &key[common..], value, store)?;
            let prefix = path[..common].to_vec();
            *node = wrap_extension(&prefix, branch);
        }
        Node::Branch {
            children,
            value: slot,
            ..
        } => match key.split_first() {
            None => *slot = Some(value),
            Some((&first, rest)) => insert(&mut children[first as usize], rest, value, store)?,
        },
    }
    Ok(())
}

fn wrap_extension(prefix: &[u8], child: Node) -> Node {
    if prefix.is_empty() {
        child
    } else {
        Node::Extension {
            path: prefix.to_vec(),
            child: Box::new(child),
            cache: None,
        }
    }
}

/// Removes `key` under `node`; returns whether anything was removed.
fn remove(node: &mut Node, key: &[u8], store: &NodeStore) -> Result<bool, TrieError> {
    resolve(node, store)?;
    let removed = match node {
        Node::Empty => false,
        Node::Hash(_) => unreachable!("resolved above"),
        Node::Leaf { path, .. } => {
            if path.as_slice() != key {
                return Ok(false);
            }
            *node = Node::Empty;
            return Ok(true);
        }
        Node::Extension { path, child, .. } => {
            if !key.starts_with(path) {
                return Ok(false);
            }
            remove(child, &key[path.len()..], store)?
        }
        Node::Branch {
            children, value, ..
        } => match key.split_first() {
            None => value.take().is_some(),
            Some((&first, rest)) => remove(&mut children[first as usize], rest, store)?,
        },
    };
    if removed {
        clear_cache(node);
        normalize(node, store)?;
    }
    Ok(removed)
}

/// Restores the canonical shape after a removal below `node`.
fn normalize(node: &mut Node, store: &NodeStore) -> Result<(), TrieError> {
    match node {
        Node::Extension { path, child, .. } => {
            let merged = match core::mem::replace(child.as_mut(), Node::Empty) {
                Node::Empty => Node::Empty,
                Node::Leaf { path: p, value, .. } => Node::Leaf {
                    path: concat(path, &p),
                    value,
                    cache: None,
                },
                Node::Extension {
                    path: p, child: c, ..
                } => Node::Extension {
                    path: concat(path, &p),
                    child: c,
                    cache: None,
                },
                other => Node::Extension {
                    path: core::mem::take(path),
                    child: Box::new(other),
                    cache: None,
                },
            };
            *node = merged;
        }
        Node::Branch {
            children, value, ..
        } => {
            let mut live = children
                .iter()
                .enumerate()
                .filter(|(_, c)| !matches!(c, Node::Empty));
            let first = live.next().map(|(i, _)| i);
            let more = live.next().is_some();
            match (first, more, value.is_some()) {
                (None, _, false) => *node = Node::Empty,
                (None, _, true) => {
                    let value = value.take().unwrap_or_default();
                    *node = Node::Leaf {
                        path: Vec::new(),
                        value,
                        cache: None,
                    };
                }
                (Some(i), false, false) => {
                    // One child left: merge it upward. It may be a hashed sibling the
                    // operation never touched, so its preimage is needed here.
                    let mut only = core::mem::replace(&mut children[i], Node::Empty);
                    resolve(&mut only, store)?;
                    let nibble = [i as u8];
                    *node = match only {
                        Node::Leaf { path, value, .. } => Node::Leaf {
                            path: concat(&nibble, &path),
                            value,
                            cache: None,
                        },
                        Node::Extension { path, child, .. } => Node::Extension {
                            path: concat(&nibble, &path),
                            child,
                            cache: None,
                        },
                        branch => Node::Extension {
                            path: nibble.to_vec(),
                            child: Box::new(branch),
                            cache: None,
                        },
                    };
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Hex-prefix encoding of a nibble path (Yellow Paper, appendix C).
fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 };
    let odd = path.len() % 2;
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let mut rest = path;
    if odd == 1 {
        out.push(((flag + 1) << 4) | path[0]);
        rest = &path[1..];
    } else {
        out.push(flag << 4);
    }
    for pair in rest.chunks(2) {
        out.push((pair[0] << 4) | pair[1]);
    }
    out
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    alloy_rlp::Encodable::encode(&bytes, out);
}

fn wrap_list(payload: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(&payload);
    out
}

/// RLP of `node`, computing and caching children references.
fn encode(node: &mut Node) -> Vec<u8> {
    match node {
        Node::Empty => alloc::vec![EMPTY_STRING_CODE],
        Node::Hash(h) => {
            let mut v = Vec::with_capacity(33);
            NodeRef::Hash(*h).append(&mut v);
            v
        }
        Node::Leaf { path, value, cache } => {
            let mut payload = Vec::new();
            push_bytes(&mut payload, &hex_prefix(path, true));
            push_bytes(&mut payload, value);
            let rlp = wrap_list(payload);
            *cache = Some(NodeRef::from_rlp(rlp.clone()));
            rlp
        }
        Node::Extension { path, child, cache } => {
            let mut payload = Vec::new();
            push_bytes(&mut payload, &hex_prefix(path, false));
            child_ref(child).append(&mut payload);
            let rlp = wrap_list(payload);
            *cache = Some(NodeRef::from_rlp(rlp.clone()));
            rlp
        }
        Node::Branch {
            children,
            value,
            cache,
        } => {
            let mut payload = Vec::new();
            for child in children.iter_mut() {
                if matches!(child, Node::Empty) {
                    payload.push(EMPTY_STRING_CODE);
                } else {
                    child_ref(child).append(&mut payload);
                }
            }
            match value {
                Some(v) => push_bytes(&mut payload, v),
                None => payload.push(EMPTY_STRING_CODE),
            }
            let rlp = wrap_list(payload);
            *cache = Some(NodeRef::from_rlp(rlp.clone()));
            rlp
        }
    }
}

fn child_ref(child: &mut Node) -> NodeRef {
    match child {
        Node::Hash(h) => NodeRef::Hash(*h),
        Node::Leaf { cache: Some(r), .. }
        | Node::Extension { cache: Some(r), .. }
        | Node::Branch { cache: Some(r), .. } => r.clone(),
        _ => NodeRef::from_rlp(encode(child)),
    }
}

/// Decodes one trie node; children referenced by hash become unresolved `Hash` nodes and
/// inline children are decoded in place.
fn decode_node(mut buf: &[u8]) -> Result<Node, &'static str> {
    let node = decode_item(&mut buf)?;
    if !buf.is_empty() {
        return Err("trailing bytes");
    }
    Ok(node)
}

fn decode_item(buf: &mut &[u8]) -> Result<Node, &'static str> {
    let header = Header::decode(buf).map_err(|_| "bad rlp header")?;
    if !header.list {
        return Err("node is not a list");
    }
    if buf.len() < header.payload_length {
        return Err("truncated node");
    }
    let (mut payload, rest) = buf.split_at(header.payload_length);
    *buf = rest;
    let mut items: Vec<&[u8]> = Vec::with_capacity(17);
    while !payload.is_empty() {
        let start = payload;
        let h = Header::decode(&mut payload).map_err(|_| "bad rlp item")?;
        if payload.len() < h.payload_length {
            return Err("truncated item");
        }
        payload = &payload[h.payload_length..];
        items.push(&start[..start.len() - payload.len()]);
        if items.len() > 17 {
            return Err("too many items");
        }
    }
    match items.len() {
        2 => {
            let encoded_path = decode_string(items[0])?;
            let (path, leaf) = decode_hex_prefix(encoded_path)?;
            if leaf {
                Ok(Node::Leaf {
                    path,
                    value: decode_string(items[1])?.to_vec(),
                    cache: None,
                })
            } else {
                if path.is_empty() {
                    return Err("empty extension path");
                }
                let child = decode_child(items[1])?;
                if matches!(child, Node::Empty) {
                    return Err("extension to nothing");
                }
                Ok(Node::Extension {
                    path,
                    child: Box::new(child),
                    cache: None,
                })
            }
        }
        17 => {
            let mut children = empty_children();
            for (i, item) in items[..16].iter().enumerate() {
                children[i] = decode_child(item)?;
            }
            let value = decode_string(items[16])?;
            let value = (!value.is_empty()).then(|| value.to_vec());
            Ok(Node::Branch {
                children,
                value,
                cache: None,
            })
        }
        _ => Err("node is neither a leaf, an extension nor a branch"),
    }
}

fn decode_string(item: &[u8]) -> Result<&[u8], &'static str> {
    let mut buf = item;
    let h = Header::decode(&mut buf).map_err(|_| "bad rlp string")?;
    if h.list {
        return Err("expected a string");
    }
    Ok(&buf[..h.payload_length])
}

fn decode_child(item: &[u8]) -> Result<Node, &'static str> {
    let mut buf = item;
    let h = Header::decode(&mut buf).map_err(|_| "bad child reference")?;
    if h.list {
        let mut inline = item;
        if item.len() >= 32 {
            return Err("inline child of 32 bytes or more");
        }
        let node = decode_item(&mut inline)?;
        return Ok(node);
    }
    match h.payload_length {
        0 => Ok(Node::Empty),
        32 => Ok(Node::Hash(B256::from_slice(&buf[..32]))),
        _ => Err("child reference is neither a hash nor an inline node"),
    }
}

fn decode_hex_prefix(encoded: &[u8]) -> Result<(Vec<u8>, bool), &'static str> {
    let (&first, rest) = encoded.split_first().ok_or("empty path")?;
    let flag = first >> 4;
    if flag > 3 {
        return Err("bad hex-prefix flag");
    }
    let leaf = flag & 2 != 0;
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flag & 1 == 1 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err("non-zero hex-prefix padding");
    }
    path.extend(to_nibbles(rest));
    Ok((path, leaf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn full(pairs: &[(&[u8], &[u8])]) -> (SparseTrie, NodeStore) {
        let store = NodeStore::default();
        let mut t = SparseTrie::default();
        for (k, v) in pairs {
            t.insert(k, v.to_vec(), &store).unwrap();
        }
        (t, store)
    }

    #[test]
    fn known_roots() {
        // From ethereum/tests TrieTests "emptyValues"-style vectors, recomputed by the runner too.
        let (mut t, _) = full(&[
            (b"do", b"verb"),
            (b"dog", b"puppy"),
            (b"doge", b"coin"),
            (b"horse", b"stallion"),
        ]);
        assert_eq!(
            t.root(),
            "0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84"
                .parse::<B256>()
                .unwrap()
        );
        assert_eq!(SparseTrie::default().root(), EMPTY_ROOT_HASH);
    }

    /// Proofs from the store check out under alloy-trie's independent verifier, for present
    /// and absent keys; a proof checked against another value fails.
    #[test]
    fn proofs_verify_with_alloy_trie() {
        use alloy_trie::{Nibbles, proof::verify_proof};
        let mut store = NodeStore::default();
        let mut t = SparseTrie::default();
        for i in 0u32..300 {
            let value = alloy_rlp::encode(i.to_be_bytes().as_slice());
            t.insert(keccak256(i.to_be_bytes()).as_slice(), value, &store)
                .unwrap();
        }
        let root = t.root();
        t.commit_to(&mut store);
        for i in [0u32, 7, 299, 300, 5000] {
            let key = keccak256(i.to_be_bytes());
            let proof = store.proof(root, key.as_slice()).unwrap();
            assert!(!proof.is_empty());
            assert_eq!(keccak256(&proof[0]), root, "root node first");
            let value = (i < 300).then(|| alloy_rlp::encode(i.to_be_bytes().as_slice()));
            verify_proof(root, Nibbles::unpack(key), value.clone(), &proof).unwrap();
            let wrong = Some(alloy_rlp::encode(b"other".as_slice()));
            assert!(verify_proof(root, Nibbles::unpack(key), wrong, &proof).is_err());
        }
        assert!(store.proof(EMPTY_ROOT_HASH, &[1; 32]).unwrap().is_empty());
        assert_eq!(
            store.proof(B256::repeat_byte(9), &[1; 32]),
            Err(TrieError::MissingNode(B256::repeat_byte(9)))
        );
    }

    /// Keys and values of a test trie.
    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    /// `n` keys (hashes of their index) set to `value`, committed: the pairs, the root and
    /// a store holding every node.
    fn committed(n: u32, value: u8) -> (Pairs, B256, NodeStore) {
        let pairs: Pairs = (0..n)
            .map(|i| (keccak256(i.to_be_bytes()).to_vec(), vec![value; 40]))
            .collect();
        let mut store = NodeStore::default();
        let mut t = SparseTrie::default();
        for (k, v) in &pairs {
            t.insert(k, v.clone(), &store).unwrap();
        }
        let root = t.root();
        t.commit_to(&mut store);
        (pairs, root, store)
    }

    #[test]
    fn reopened_from_store_reads_and_proves_absence() {
        let (pairs, root, store) = committed(200, 1);
        let mut reopened = SparseTrie::from_root(root);
        assert_eq!(
            reopened.get(&pairs[7].0, &store).unwrap(),
            Some(vec![1; 40])
        );
        assert_eq!(
            reopened
                .get(keccak256(b"absent").as_slice(), &store)
                .unwrap(),
            None
        );
        // Without the preimages, the same lookup is "not in the witness", not "absent".
        let mut blind = SparseTrie::from_root(root);
        assert_eq!(
            blind.get(&pairs[7].0, &NodeStore::default()),
            Err(TrieError::MissingNode(root))
        );
    }

    /// A source of preimages, optionally lying about one.
    #[derive(Debug)]
    struct Source {
        nodes: B256Map<Bytes>,
        lie_about: Option<B256>,
    }

    impl PreimageSource for Source {
        fn node(&self, hash: &B256) -> Option<Bytes> {
            if self.lie_about == Some(*hash) {
                return Some(Bytes::from_static(b"\xc2\x80\x80"));
            }
            self.nodes.get(hash).cloned()
        }

        fn code(&self, hash: &B256) -> Option<Bytes> {
            (*hash == keccak256(b"code")).then(|| Bytes::from_static(b"code"))
        }
    }

    #[test]
    fn a_store_reads_through_its_source_and_checks_every_preimage() {
        let (pairs, root, held) = committed(100, 2);
        let nodes: B256Map<Bytes> = held.take_all().map(|n| (keccak256(&n), n)).collect();

        // Nothing in memory: every node comes from the source, and is recorded.
        let mut store = NodeStore::with_source(Arc::new(Source {
            nodes: nodes.clone(),
            lie_about: None,
        }));
        assert!(store.is_empty() && store.contains(&root));
        store.start_recording();
        let mut reopened = SparseTrie::from_root(root);
        assert_eq!(
            reopened.get(&pairs[3].0, &store).unwrap(),
            Some(vec![2; 40])
        );
        let witness = store.take_recorded();
        assert!(!witness.is_empty() && store.is_empty());
        assert_eq!(
            store.source_code(&keccak256(b"code")),
            Some(Bytes::from_static(b"code"))
        );
        assert_eq!(store.source_code(&keccak256(b"other")), None);

        // A preimage that does not hash to its key reads as missing, never as a node.
        let liar = NodeStore::with_source(Arc::new(Source {
            nodes,
            lie_about: Some(root),
        }));
        assert!(!liar.contains(&root));
        assert_eq!(
            SparseTrie::from_root(root).get(&pairs[3].0, &liar),
            Err(TrieError::MissingNode(root))
        );
    }

    #[test]
    fn deletion_collapse_needs_sibling() {
        // Two long leaves under one branch: deleting one collapses the branch and needs the
        // other's preimage.
        let a = keccak256(b"a");
        let b = keccak256(b"b");
        let mut store = NodeStore::default();
        let mut t = SparseTrie::default();
        t.insert(a.as_slice(), vec![7; 64], &store).unwrap();
        t.insert(b.as_slice(), vec![8; 64], &store).unwrap();
        let root = t.root();
        t.commit_to(&mut store);

        // Record exactly what a read of `a` needs: not enough to delete it.
        store.start_recording();
        let mut probe = SparseTrie::from_root(root);
        probe.get(a.as_slice(), &store).unwrap();
        let read_only = NodeStore::from_preimages(store.take_recorded());
        let mut partial = SparseTrie::from_root(root);
        assert!(matches!(
            partial.remove(a.as_slice(), &read_only),
            Err(TrieError::MissingNode(_))
        ));

        // The full store has the sibling; the result equals a trie built with `b` alone.
        let mut t2 = SparseTrie::from_root(root);
        t2.remove(a.as_slice(), &store).unwrap();
        let (mut only_b, _) = full(&[(b.as_slice(), &[8; 64])]);
        assert_eq!(t2.root(), only_b.root());
    }

    #[test]
    fn malformed_node_is_an_error() {
        let store = NodeStore::from_preimages([Bytes::from_static(&[0xc3, 0x01, 0x02, 0x03])]);
        let h = keccak256([0xc3, 0x01, 0x02, 0x03]);
        let mut t = SparseTrie::from_root(h);
        assert!(matches!(
            t.get(b"x", &store),
            Err(TrieError::MalformedNode(..))
        ));
    }
}
