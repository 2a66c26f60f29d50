//! The datadir: every sealed block and the trie nodes and codes it added, in one embedded
//! redb database, each block written in one durable transaction.
//!
//! A block is either fully on disk (block, receipts, indexes, state delta, and for an L2
//! its stateless input) or not at all (the genesis block with the chain's identity too), so a node killed at any instant
//! restarts at its last sealed block with the same state root. The state is read from the
//! database through a bounded cache ([`DbSource`]); memory holds only the last headers and
//! the block being built. Old state and settled stateless inputs are deleted by
//! [`Store::prune`].

use alloy_consensus::{Block, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable};
use nr_stateless::{FullState, NodeStore, PreimageSource, StateDelta};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::{
    num::NonZeroUsize,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("trie_nodes");
const CODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("codes");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
const HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("block_numbers");
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_locations");
const INPUTS: TableDefinition<u64, &[u8]> = TableDefinition::new("stateless_inputs");
const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blobs");
const PROOF_SIDECARS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("proof_sidecars");
/// EIP-7928 block access lists (RLP), by block number: Amsterdam blocks only. Kept apart from
/// the stateless inputs that also carry them, because those are pruned.
const ACCESS_LISTS: TableDefinition<u64, &[u8]> = TableDefinition::new("block_access_lists");

/// Memory redb may use to cache database pages (its default, 1 GiB, lets a node's memory
/// grow with its datadir); the operating system's page cache is there beyond it.
pub const DB_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Trie nodes the state cache holds (a node is at most 532 bytes: at most about 34 MB).
pub const NODE_CACHE_ENTRIES: usize = 65_536;

/// Contract codes the state cache holds (a code is at most 24 KiB: at most 24 MiB).
pub const CODE_CACHE_ENTRIES: usize = 1_024;

/// File name of the database inside a datadir.
pub const DB_FILE: &str = "chain.redb";

/// Why the datadir could not be used. Opening never modifies a datadir it refuses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The datadir path exists and is not a directory, or cannot be created.
    #[error("datadir {0}: {1}")]
    Datadir(PathBuf, std::io::Error),
    /// The database file is not a redb database, or is damaged.
    #[error("{0} is not a readable chain database: {1}")]
    Corrupt(PathBuf, String),
    /// Another process (a running node) has the database open.
    #[error("datadir {0} is locked: another node is using it")]
    Locked(PathBuf),
    /// The datadir holds another chain.
    #[error("datadir holds the chain with genesis {found}, not {expected} (use another --datadir)")]
    GenesisMismatch {
        /// This node's genesis hash.
        expected: B256,
        /// The datadir's.
        found: B256,
    },
    /// The datadir holds a chain with the same genesis block but another chain id.
    #[error("datadir holds chain id {found}, not {expected} (use another --datadir)")]
    ChainIdMismatch {
        /// This node's chain id.
        expected: u64,
        /// The datadir's.
        found: u64,
    },
    /// A stored record does not decode.
    #[error("stored {0} is malformed")]
    Malformed(&'static str),
    /// An I/O or database error during normal operation.
    #[error("database: {0}")]
    Db(String),
}

fn db_error<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Where a transaction is: block number and index in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index in the block.
    pub index: u32,
}

/// One sealed block and everything it adds to the datadir.
#[derive(Debug)]
pub struct BlockRecord<'a> {
    /// The block.
    pub block: &'a Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// Its receipts.
    pub receipts: &'a [ReceiptEnvelope],
    /// Trie nodes and codes it added.
    pub added: &'a StateDelta,
    /// `schema_id ++ SSZ StatelessInput` of the block (none for the genesis).
    pub stateless_input: Option<&'a [u8]>,
    /// The blobs its transactions carried, by versioned hash ([`crate::blobs::records`]).
    pub blobs: &'a [(B256, Vec<u8>)],
    /// The proof sidecars its transactions carried, by transaction hash.
    pub proof_sidecars: &'a [(B256, alloy_primitives::Bytes)],
    /// Its EIP-7928 block access list, RLP (Amsterdam blocks).
    pub block_access_list: Option<&'a [u8]>,
}

/// What a datadir holds at start.
#[derive(Debug)]
pub struct Loaded {
    /// The state, read from the datadir ([`Store::node_store`]), and the last headers.
    pub state: FullState,
    /// The last sealed block.
    pub head: Header,
}

/// The chain database.
#[derive(Debug)]
pub struct Store {
    db: Arc<Database>,
    source: Arc<DbSource>,
}

/// The state's trie nodes and codes, read from the datadir through bounded LRU caches: what
/// the node's [`NodeStore`] falls back to for everything it does not hold in memory.
#[derive(Debug)]
pub struct DbSource {
    db: Arc<Database>,
    nodes: Mutex<lru::LruCache<B256, Bytes>>,
    codes: Mutex<lru::LruCache<B256, Bytes>>,
}

impl DbSource {
    fn read(
        &self,
        table: TableDefinition<&[u8], &[u8]>,
        cache: &Mutex<lru::LruCache<B256, Bytes>>,
        hash: &B256,
    ) -> Option<Bytes> {
        let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = lock().get(hash) {
            return Some(hit.clone());
        }
        // Read without holding the cache (RPC readers share it). A read error reads as a
        // missing preimage: the caller fails with MissingNode or MissingCode rather than
        // use anything unverified.
        let tx = self.db.begin_read().ok()?;
        let value = tx.open_table(table).ok()?.get(hash.as_slice()).ok()??;
        let bytes = Bytes::copy_from_slice(value.value());
        lock().put(*hash, bytes.clone());
        Some(bytes)
    }

    /// Forgets the cached nodes `hashes` (deleted from the datadir).
    fn forget(&self, hashes: &[B256]) {
        let mut cache = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        for hash in hashes {
            cache.pop(hash);
        }
    }
}

impl PreimageSource for DbSource {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        self.read(NODES, &self.nodes, hash)
    }

    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.read(CODES, &self.codes, hash)
    }
}

impl Store {
    /// Opens (or creates) the database in `datadir` for the chain with this genesis. A new
    /// datadir is initialised with the genesis block, its state and the chain's identity in
    /// one transaction; an existing one must hold the same genesis and chain id.
    /// `headers` of the last blocks are loaded with the state.
    pub fn open<E: From<StoreError>>(
        datadir: &Path,
        chain_id: u64,
        genesis: &Header,
        headers: u64,
        genesis_state: impl FnOnce() -> Result<StateDelta, E>,
    ) -> Result<(Self, Loaded), E> {
        std::fs::create_dir_all(datadir).map_err(|e| StoreError::Datadir(datadir.into(), e))?;
        // A datadir of another chain is refused before anything in it changes.
        let named = read_identity(datadir)?;
        if let Some((found_id, found)) = named {
            let expected = genesis.hash_slow();
            if found != expected {
                return Err(StoreError::GenesisMismatch { expected, found }.into());
            }
            if found_id != chain_id {
                return Err(StoreError::ChainIdMismatch {
                    expected: chain_id,
                    found: found_id,
                }
                .into());
            }
        }
        let path = datadir.join(DB_FILE);
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(path.clone(), e.to_string());
        // `create` would initialise a short or empty file as a new database, and a writable
        // open may write: an existing file is first checked read-only, then opened. A file
        // not shut down cleanly (a killed node) cannot be opened read-only: redb must first
        // rebuild its allocator state, which keeps every committed transaction, so it is
        // opened writable and checked after.
        let existing = path.exists();
        let mut checked = None;
        if existing {
            match redb::ReadOnlyDatabase::open(&path) {
                Ok(ro) => {
                    checked = Some(
                        check_identity(&ro, chain_id, genesis)
                            .map_err(|e| as_corrupt(e, &corrupt))?,
                    )
                }
                Err(redb::DatabaseError::RepairAborted) => tracing::warn!(
                    path = %path.display(),
                    "database was not shut down cleanly; repairing (committed blocks are kept)"
                ),
                Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                    return Err(StoreError::Locked(datadir.into()).into());
                }
                Err(e) => return Err(corrupt(&e).into()),
            }
        }
        let mut builder = Database::builder();
        builder.set_cache_size(DB_CACHE_BYTES);
        let db = if existing {
            builder.open(&path)
        } else {
            builder.create(&path)
        }
        .map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(datadir.into()),
            e => corrupt(&e),
        })?;
        let initialised = match checked {
            Some(initialised) => initialised,
            None if existing => {
                check_identity(&db, chain_id, genesis).map_err(|e| as_corrupt(e, &corrupt))?
            }
            None => false,
        };
        let db = Arc::new(db);
        let entries = |n: usize| NonZeroUsize::new(n).expect("cache sizes are not zero");
        let source = Arc::new(DbSource {
            db: db.clone(),
            nodes: Mutex::new(lru::LruCache::new(entries(NODE_CACHE_ENTRIES))),
            codes: Mutex::new(lru::LruCache::new(entries(CODE_CACHE_ENTRIES))),
        });
        let store = Self { db, source };
        if !initialised {
            let tx = store.db.begin_write().map_err(db_error)?;
            write_block(
                &tx,
                &BlockRecord {
                    block: &Block {
                        header: genesis.clone(),
                        body: Default::default(),
                    },
                    hash: genesis.hash_slow(),
                    receipts: &[],
                    added: &genesis_state()?,
                    stateless_input: None,
                    blobs: &[],
                    proof_sidecars: &[],
                    block_access_list: None,
                },
            )?;
            {
                let mut meta = tx.open_table(META).map_err(db_error)?;
                meta.insert(GENESIS_KEY, genesis.hash_slow().as_slice())
                    .map_err(db_error)?;
                meta.insert(CHAIN_ID_KEY, chain_id.to_be_bytes().as_slice())
                    .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)?;
        }
        if named.is_none() {
            write_identity(datadir, chain_id, &genesis.hash_slow())?;
        }
        let loaded = store.load(headers)?;
        Ok((store, loaded))
    }

    /// A node store that holds nothing and reads the datadir's state through the cache.
    pub fn node_store(&self) -> NodeStore {
        NodeStore::with_source(self.source.clone())
    }

    /// How many trie nodes the datadir holds.
    pub fn node_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        tx.open_table(NODES)
            .map_err(db_error)?
            .len()
            .map_err(db_error)
    }

    /// The state (read from the datadir), the head and the `headers` before it.
    fn load(&self, headers: u64) -> Result<Loaded, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let mut state = FullState {
            nodes: self.node_store(),
            ..FullState::default()
        };
        let blocks = tx.open_table(BLOCKS).map_err(db_error)?;
        let last = blocks
            .last()
            .map_err(db_error)?
            .ok_or(StoreError::Malformed("empty chain"))?
            .0
            .value();
        let mut head = None;
        for entry in blocks
            .range(last.saturating_sub(headers)..)
            .map_err(db_error)?
        {
            let (_, v) = entry.map_err(db_error)?;
            let block = decode_block(v.value())?;
            state.insert_header(block.header.clone());
            head = Some(block.header);
        }
        Ok(Loaded {
            state,
            head: head.ok_or(StoreError::Malformed("empty chain"))?,
        })
    }

    /// In one transaction, deletes the trie nodes no state root of `roots` reaches (with
    /// `None`, no node: an archive) and the stateless inputs of blocks up to
    /// `inputs_through`. Returns how many nodes and inputs it deleted.
    pub fn prune(
        &self,
        roots: Option<&[B256]>,
        inputs_through: Option<u64>,
    ) -> Result<(u64, u64), StoreError> {
        let tx = self.db.begin_write().map_err(db_error)?;
        let mut deleted = 0;
        let mut dropped = Vec::new();
        {
            let mut table = tx.open_table(NODES).map_err(db_error)?;
            if let Some(roots) = roots {
                // Mark from the database itself (not through the cache, which it would flush),
                // then sweep.
                let live = crate::history::live_nodes(roots.iter().copied(), |hash| {
                    let value = table.get(hash.as_slice()).ok()??;
                    Some(Bytes::copy_from_slice(value.value()))
                });
                table
                    .retain(|key, _| match B256::try_from(key) {
                        Ok(hash) if !live.contains(&hash) => {
                            dropped.push(hash);
                            false
                        }
                        _ => true,
                    })
                    .map_err(db_error)?;
            }
            if let Some(through) = inputs_through {
                let mut inputs = tx.open_table(INPUTS).map_err(db_error)?;
                inputs
                    .retain_in(..=through, |_, _| {
                        deleted += 1;
                        false
                    })
                    .map_err(db_error)?;
            }
        }
        tx.commit().map_err(db_error)?;
        self.source.forget(&dropped);
        Ok((dropped.len() as u64, deleted))
    }

    /// In one transaction, removes every block above `keep` and what it added to the
    /// indexes (its hash, its transactions' locations and proof sidecars, receipts,
    /// stateless input, access list), and returns the removed blocks in order: a re-org onto
    /// another chain from `keep` on. Trie nodes, codes and blobs stay (content-addressed,
    /// possibly shared with a kept block): pruning deletes the nodes no kept state root
    /// reaches.
    pub fn unwind(&self, keep: u64) -> Result<Vec<Block<TxEnvelope>>, StoreError> {
        let tx = self.db.begin_write().map_err(db_error)?;
        let mut removed = Vec::new();
        {
            let mut blocks = tx.open_table(BLOCKS).map_err(db_error)?;
            for entry in blocks.range(keep + 1..).map_err(db_error)? {
                let (_, v) = entry.map_err(db_error)?;
                removed.push(decode_block(v.value())?);
            }
            let mut hashes = tx.open_table(HASHES).map_err(db_error)?;
            let mut txs = tx.open_table(TXS).map_err(db_error)?;
            let mut sidecars = tx.open_table(PROOF_SIDECARS).map_err(db_error)?;
            for block in &removed {
                hashes
                    .remove(block.header.hash_slow().as_slice())
                    .map_err(db_error)?;
                for t in &block.body.transactions {
                    txs.remove(t.tx_hash().as_slice()).map_err(db_error)?;
                    sidecars.remove(t.tx_hash().as_slice()).map_err(db_error)?;
                }
            }
            blocks
                .retain_in(keep + 1.., |_, _| false)
                .map_err(db_error)?;
            for table in [RECEIPTS, INPUTS, ACCESS_LISTS] {
                tx.open_table(table)
                    .map_err(db_error)?
                    .retain_in(keep + 1.., |_, _| false)
                    .map_err(db_error)?;
            }
        }
        tx.commit().map_err(db_error)?;
        Ok(removed)
    }

    /// Writes a sealed block and everything it adds, durably, in one transaction.
    pub fn write_block(&self, r: &BlockRecord<'_>) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_error)?;
        write_block(&tx, r)?;
        tx.commit().map_err(db_error)
    }

    /// The bytes stored under `key` in `table`.
    fn read<'k, K: redb::Key + 'static>(
        &self,
        table: TableDefinition<K, &[u8]>,
        key: impl std::borrow::Borrow<K::SelfType<'k>>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = match tx.open_table(table) {
            Ok(table) => table,
            // A datadir written before the table existed holds nothing in it.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(db_error(e)),
        };
        Ok(table
            .get(key)
            .map_err(db_error)?
            .map(|v| v.value().to_vec()))
    }

    /// The block with this number.
    pub fn block(&self, number: u64) -> Result<Option<Block<TxEnvelope>>, StoreError> {
        self.read(BLOCKS, number)?
            .map(|bytes| decode_block(&bytes))
            .transpose()
    }

    /// The number of the block with this hash.
    pub fn block_number(&self, hash: &B256) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(HASHES).map_err(db_error)?;
        Ok(table
            .get(hash.as_slice())
            .map_err(db_error)?
            .map(|v| v.value()))
    }

    /// The receipts of block `number`, in transaction order.
    pub fn receipts(&self, number: u64) -> Result<Option<Vec<ReceiptEnvelope>>, StoreError> {
        let Some(stored) = self.read(RECEIPTS, number)? else {
            return Ok(None);
        };
        let malformed = || StoreError::Malformed("receipts");
        let mut bytes = stored.as_slice();
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let len = bytes
                .get(..4)
                .map(|b| u32::from_be_bytes(b.try_into().expect("4")) as usize)
                .ok_or_else(malformed)?;
            let mut body = bytes.get(4..4 + len).ok_or_else(malformed)?;
            out.push(ReceiptEnvelope::decode_2718(&mut body).map_err(|_| malformed())?);
            bytes = &bytes[4 + len..];
        }
        Ok(Some(out))
    }

    /// Where the transaction with this hash was included.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<TxLocation>, StoreError> {
        let Some(v) = self.read(TXS, hash.as_slice())? else {
            return Ok(None);
        };
        let v: [u8; 12] = v
            .try_into()
            .map_err(|_| StoreError::Malformed("tx location"))?;
        Ok(Some(TxLocation {
            block: u64::from_be_bytes(v[..8].try_into().expect("8")),
            index: u32::from_be_bytes(v[8..].try_into().expect("4")),
        }))
    }

    /// The `schema_id ++ SSZ StatelessInput` of block `number`.
    pub fn stateless_input(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(INPUTS, number)
    }

    /// The EIP-7928 block access list (RLP) of block `number`; none before Amsterdam.
    pub fn block_access_list(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(ACCESS_LISTS, number)
    }

    /// A sealed blob by versioned hash, in [`crate::blobs::records`]' encoding.
    pub fn blob(&self, versioned_hash: &B256) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(BLOBS, versioned_hash.as_slice())
    }

    /// The proof sidecar a sealed transaction carried (SSZ `ProofSidecar`).
    pub fn proof_sidecar(&self, tx_hash: &B256) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(PROOF_SIDECARS, tx_hash.as_slice())
    }
}

/// A database error while reading the identity means the file is not a chain database.
fn as_corrupt(
    e: StoreError,
    corrupt: &impl Fn(&dyn std::fmt::Display) -> StoreError,
) -> StoreError {
    match e {
        StoreError::Db(e) => corrupt(&e),
        other => other,
    }
}

const GENESIS_KEY: &str = "genesis";
const CHAIN_ID_KEY: &str = "chain_id";

/// Whether an existing database is initialised (`false`: created, but the genesis
/// transaction never committed), refusing one that holds another chain.
/// File in the datadir naming its chain (`chain_id=…` and `genesis=0x…` lines), read before
/// the database is opened, so that a node of another chain changes nothing there, not even
/// by redb's repair after a crash. A datadir without it (one made before it existed, or a
/// crash between the first commit and its writing) is checked in the database and gets it.
pub const IDENTITY_FILE: &str = "chain.id";

fn read_identity(datadir: &Path) -> Result<Option<(u64, B256)>, StoreError> {
    let path = datadir.join(IDENTITY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::Datadir(path, e)),
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    let chain_id = field("chain_id").and_then(|v| v.parse().ok());
    let genesis = field("genesis").and_then(|v| v.parse().ok());
    match (chain_id, genesis) {
        (Some(c), Some(g)) => Ok(Some((c, g))),
        _ => Err(StoreError::Malformed("chain identity file")),
    }
}

fn write_identity(datadir: &Path, chain_id: u64, genesis: &B256) -> Result<(), StoreError> {
    let path = datadir.join(IDENTITY_FILE);
    let tmp = datadir.join(format!("{IDENTITY_FILE}.tmp"));
    std::fs::write(&tmp, format!("chain_id={chain_id}\ngenesis={genesis}\n"))
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| StoreError::Datadir(path, e))
}

fn check_identity(
    db: &impl ReadableDatabase,
    chain_id: u64,
    genesis: &Header,
) -> Result<bool, StoreError> {
    let tx = db.begin_read().map_err(db_error)?;
    let meta = match tx.open_table(META) {
        Ok(meta) => meta,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(e) => return Err(db_error(e)),
    };
    let get = |key: &str| -> Result<Option<Vec<u8>>, StoreError> {
        Ok(meta.get(key).map_err(db_error)?.map(|v| v.value().to_vec()))
    };
    let expected = genesis.hash_slow();
    let found = get(GENESIS_KEY)?
        .and_then(|b| B256::try_from(b.as_slice()).ok())
        .ok_or(StoreError::Malformed("genesis record"))?;
    if found != expected {
        return Err(StoreError::GenesisMismatch { expected, found });
    }
    let found = get(CHAIN_ID_KEY)?
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
        .ok_or(StoreError::Malformed("chain id record"))?;
    if found != chain_id {
        return Err(StoreError::ChainIdMismatch {
            expected: chain_id,
            found,
        });
    }
    Ok(true)
}

/// Writes a block and everything it adds into an open write transaction.
fn write_block(tx: &redb::WriteTransaction, r: &BlockRecord<'_>) -> Result<(), StoreError> {
    let number = r.block.header.number;
    let mut nodes = tx.open_table(NODES).map_err(db_error)?;
    for node in &r.added.nodes {
        nodes
            .insert(keccak256(node).as_slice(), node.as_ref())
            .map_err(db_error)?;
    }
    let mut codes = tx.open_table(CODES).map_err(db_error)?;
    for code in &r.added.codes {
        codes
            .insert(keccak256(code).as_slice(), code.as_ref())
            .map_err(db_error)?;
    }
    let mut rlp = Vec::new();
    r.block.encode(&mut rlp);
    tx.open_table(BLOCKS)
        .map_err(db_error)?
        .insert(number, rlp.as_slice())
        .map_err(db_error)?;
    tx.open_table(HASHES)
        .map_err(db_error)?
        .insert(r.hash.as_slice(), number)
        .map_err(db_error)?;
    let mut receipts = Vec::new();
    for receipt in r.receipts {
        let bytes = receipt.encoded_2718();
        receipts.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        receipts.extend_from_slice(&bytes);
    }
    tx.open_table(RECEIPTS)
        .map_err(db_error)?
        .insert(number, receipts.as_slice())
        .map_err(db_error)?;
    let mut txs = tx.open_table(TXS).map_err(db_error)?;
    for (index, t) in r.block.body.transactions.iter().enumerate() {
        let mut at = number.to_be_bytes().to_vec();
        at.extend_from_slice(&(index as u32).to_be_bytes());
        txs.insert(t.tx_hash().as_slice(), at.as_slice())
            .map_err(db_error)?;
    }
    // Opened even when empty, so that readers find every table.
    let mut inputs = tx.open_table(INPUTS).map_err(db_error)?;
    if let Some(input) = r.stateless_input {
        inputs.insert(number, input).map_err(db_error)?;
    }
    let mut lists = tx.open_table(ACCESS_LISTS).map_err(db_error)?;
    if let Some(list) = r.block_access_list {
        lists.insert(number, list).map_err(db_error)?;
    }
    let mut blobs = tx.open_table(BLOBS).map_err(db_error)?;
    for (hash, record) in r.blobs {
        blobs
            .insert(hash.as_slice(), record.as_slice())
            .map_err(db_error)?;
    }
    let mut sidecars = tx.open_table(PROOF_SIDECARS).map_err(db_error)?;
    for (hash, sidecar) in r.proof_sidecars {
        sidecars
            .insert(hash.as_slice(), sidecar.as_ref())
            .map_err(db_error)?;
    }
    Ok(())
}

fn decode_block(mut bytes: &[u8]) -> Result<Block<TxEnvelope>, StoreError> {
    Block::decode(&mut bytes).map_err(|_| StoreError::Malformed("block"))
}
