//! Witness generation: execute a block against a full state and keep exactly what it read.
//!
//! The full state is the same [`SparseTrie`](crate::trie::SparseTrie) machinery over a
//! complete node store. The generator runs the very code path the stateless validator
//! runs (header checks, execution, post-state update) with the store recording every
//! node it hands out, so the witness holds each account, slot and sibling node the
//! validator will ask for (deletions that collapse a branch included), and nothing else.

use crate::{
    config::ChainConfig,
    db::TrieState,
    ssz::ExecutionWitness,
    trie::{NodeStore, SparseTrie, TrieError},
    validate::{BlockEvmFactory, ValidatedBlock, ValidationError, execute_block},
};
use alloc::{collections::BTreeMap, vec::Vec};
use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{
    Address, B256, Bytes, U256, keccak256,
    map::{B256Map, HashMap},
};
use alloy_rlp::Encodable;
use alloy_trie::TrieAccount;
use libssz_types::SszList;

/// One account of a genesis allocation.
#[derive(Debug, Clone, Default)]
pub struct GenesisAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Code (empty for an EOA).
    pub code: Bytes,
    /// Non-zero storage slots.
    pub storage: BTreeMap<U256, U256>,
}

/// A complete state: every trie node and code of every state root seen, and the headers
/// of every imported block. Old roots stay readable (the store is content-addressed).
/// Nodes and codes are held in memory, or read from the node store's
/// [`PreimageSource`](crate::PreimageSource) when it has one.
#[derive(Debug, Default, Clone)]
pub struct FullState {
    /// All trie nodes.
    pub nodes: NodeStore,
    /// Contract codes by hash (those not in the node store's source).
    pub codes: B256Map<Bytes>,
    /// Imported headers by hash.
    pub headers: B256Map<Header>,
}

/// Why a witness could not be generated at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The block's parent is not in the full state.
    #[error("parent {0} is unknown")]
    UnknownParent(B256),
    /// The full state itself is incomplete.
    #[error(transparent)]
    Trie(#[from] TrieError),
}

/// The witness of one block and what executing it showed.
#[derive(Debug, Clone)]
pub struct GeneratedWitness {
    /// What a stateless validator needs.
    pub witness: ExecutionWitness,
    /// The outcome on the full state: `Ok` iff the block is valid (then it was imported).
    pub outcome: Result<ValidatedBlock, ValidationError>,
    /// What the import added to the full state (empty for an invalid block): new trie nodes
    /// and codes, for callers that persist the state.
    pub added: StateDelta,
}

/// Trie nodes and codes a block added to a [`FullState`].
#[derive(Debug, Clone, Default)]
pub struct StateDelta {
    /// New trie nodes (RLP).
    pub nodes: Vec<Bytes>,
    /// New contract codes.
    pub codes: Vec<Bytes>,
}

impl FullState {
    /// Builds the state of a genesis allocation; returns it with its state root.
    pub fn from_alloc<'a>(
        alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>,
    ) -> Result<(Self, B256), TrieError> {
        let mut state = Self::default();
        let mut accounts = SparseTrie::default();
        let mut scratch = NodeStore::default();
        for (address, acc) in alloc {
            let mut storage = SparseTrie::default();
            for (slot, value) in acc.storage.iter().filter(|(_, v)| !v.is_zero()) {
                storage.insert(
                    keccak256(slot.to_be_bytes::<32>()).as_slice(),
                    alloy_rlp::encode(value),
                    &scratch,
                )?;
            }
            let storage_root = storage.root();
            storage.commit_to(&mut scratch);
            let code_hash = keccak256(&acc.code);
            if !acc.code.is_empty() {
                state.codes.insert(code_hash, acc.code.clone());
            }
            let leaf = TrieAccount {
                nonce: acc.nonce,
                balance: acc.balance,
                storage_root,
                code_hash,
            };
            let mut rlp = Vec::new();
            leaf.encode(&mut rlp);
            accounts.insert(keccak256(address).as_slice(), rlp, &scratch)?;
        }
        let root = accounts.root();
        accounts.commit_to(&mut scratch);
        state.nodes = scratch;
        Ok((state, root))
    }

    /// Records a header (genesis, or one imported by other means); returns its hash.
    pub fn insert_header(&mut self, header: Header) -> B256 {
        let hash = header.hash_slow();
        self.headers.insert(hash, header);
        hash
    }

    /// The contract code whose keccak256 is `hash`, from memory or the source.
    pub fn code(&self, hash: &B256) -> Option<Bytes> {
        (self.codes.get(hash).cloned()).or_else(|| self.nodes.source_code(hash))
    }

    /// Hashes of the (at most 256) ancestors ending at `parent`, by number.
    fn ancestors(&self, parent: &Header, parent_hash: B256) -> Vec<(u64, B256, Header)> {
        let mut out = Vec::new();
        let (mut hash, mut header) = (parent_hash, parent.clone());
        loop {
            let parent_hash = header.parent_hash;
            let number = header.number;
            out.push((number, hash, header));
            if out.len() == crate::ssz::MAX_WITNESS_HEADERS || number == 0 {
                break;
            }
            match self.headers.get(&parent_hash) {
                Some(h) => (hash, header) = (parent_hash, h.clone()),
                None => break,
            }
        }
        out
    }
}

/// Executes `block` on `state`, producing its minimal witness. A valid block is imported
/// into `state` (its nodes, codes and header are added); an invalid one changes nothing.
pub fn generate_witness(
    state: &mut FullState,
    block: &Block<TxEnvelope>,
    config: &ChainConfig,
) -> Result<GeneratedWitness, WitnessError> {
    generate_witness_with(state, block, config, &EthEvmFactory::default())
}

/// [`generate_witness`] on the EVM `factory` makes (e.g. an L1 whose EVM has EXECUTE).
pub fn generate_witness_with<F: BlockEvmFactory>(
    state: &mut FullState,
    block: &Block<TxEnvelope>,
    config: &ChainConfig,
    factory: &F,
) -> Result<GeneratedWitness, WitnessError> {
    if let Err(e) = crate::block::check_block_shape(block, config.fork_at(block.header.timestamp)) {
        return Ok(GeneratedWitness {
            witness: ExecutionWitness::default(),
            outcome: Err(e.into()),
            added: StateDelta::default(),
        });
    }
    let parent_hash = block.header.parent_hash;
    let parent = state
        .headers
        .get(&parent_hash)
        .cloned()
        .ok_or(WitnessError::UnknownParent(parent_hash))?;
    let ancestors = state.ancestors(&parent, parent_hash);
    let hashes: HashMap<u64, B256> = ancestors.iter().map(|(n, h, _)| (*n, *h)).collect();

    state.nodes.start_recording();
    let mut new_nodes = NodeStore::default();
    let (outcome, read_codes, lowest_read) = {
        let mut db = TrieState::new(parent.state_root, &state.nodes, &state.codes, &hashes);
        // The validator checks the root preimage is present even when nothing is read.
        state.nodes.touch(&parent.state_root);
        let outcome = execute_block(block, &parent, config, &mut db, factory, None);
        let read_codes = core::mem::take(&mut db.read_codes);
        let lowest = db.read_block_numbers.first().copied();
        if outcome.is_ok() {
            db.commit_to(&mut new_nodes);
        }
        (outcome, read_codes, lowest)
    };
    let recorded = state.nodes.take_recorded();

    // Headers: contiguous from the oldest BLOCKHASH target (or the parent) to the parent.
    let oldest = lowest_read.unwrap_or(parent.number).min(parent.number);
    let mut headers: Vec<SszList<u8, { crate::ssz::MAX_BYTES_PER_HEADER }>> = ancestors
        .iter()
        .take_while(|(n, _, _)| *n >= oldest)
        .map(|(_, _, h)| {
            let mut rlp = Vec::new();
            h.encode(&mut rlp);
            SszList::try_from(rlp).expect("a header RLP is far below 1 KiB")
        })
        .collect();
    headers.reverse();

    let witness = ExecutionWitness {
        state: recorded
            .into_iter()
            .map(|n| SszList::try_from(n.to_vec()).expect("trie nodes are far below 1 MiB"))
            .collect::<Vec<_>>()
            .into(),
        codes: read_codes
            .iter()
            .filter_map(|h| state.code(h))
            .map(|c| SszList::try_from(c.to_vec()).expect("codes are capped by EIP-170/7907"))
            .collect::<Vec<_>>()
            .into(),
        headers: SszList::try_from(headers).expect("at most 256 headers"),
    };

    let mut added = StateDelta::default();
    if let Ok((_, bundle)) = &outcome {
        for node in new_nodes.take_all() {
            if !state.nodes.contains(&keccak256(&node)) {
                state.nodes.insert(node.clone());
                added.nodes.push(node);
            }
        }
        for (hash, code) in &bundle.contracts {
            if *hash != revm::primitives::KECCAK_EMPTY && state.code(hash).is_none() {
                state.codes.insert(*hash, code.original_bytes());
                added.codes.push(code.original_bytes());
            }
        }
        state.insert_header(block.header.clone());
    }
    Ok(GeneratedWitness {
        witness,
        outcome: outcome.map(|(v, _)| v),
        added,
    })
}
