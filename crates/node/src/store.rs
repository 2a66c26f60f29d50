//! The datadir: every sealed block and the trie nodes and codes it added, in one embedded
//! redb database, each block written in one durable transaction.
//!
//! A block is either fully on disk (block, receipts, indexes, state delta, head pointer,
//! and for an L2 its stateless input) or not at all, so a node killed at any instant
//! restarts at its last sealed block with the same state root. The state itself is loaded
//! into memory at start (a devnet's state is small); the database is its log.

use alloy_consensus::{Block, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable};
use nr_stateless::{FullState, StateDelta};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::path::{Path, PathBuf};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("trie_nodes");
const CODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("codes");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
const HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("block_numbers");
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_locations");
const INPUTS: TableDefinition<u64, &[u8]> = TableDefinition::new("stateless_inputs");
const SIDECARS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blob_sidecars");

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
    /// SSZ `StatelessInput` of the block (L2).
    pub stateless_input: Option<&'a [u8]>,
    /// Blob sidecars it carried, by versioned hash (L1).
    pub sidecars: &'a [(B256, Vec<u8>)],
}

/// What a datadir holds at start.
#[derive(Debug)]
pub struct Loaded {
    /// Full state: every node, code and header.
    pub state: FullState,
    /// The last sealed block.
    pub head: Header,
}

/// The chain database.
#[derive(Debug)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the database in `datadir` for the chain with this genesis. A new
    /// datadir is initialised with the genesis block and its state; an existing one must
    /// hold the same genesis.
    pub fn open(
        datadir: &Path,
        chain_id: u64,
        genesis: &Header,
        genesis_state: impl FnOnce() -> StateDelta,
    ) -> Result<(Self, Loaded), StoreError> {
        std::fs::create_dir_all(datadir).map_err(|e| StoreError::Datadir(datadir.into(), e))?;
        let path = datadir.join(DB_FILE);
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(path.clone(), e.to_string());
        let fresh = !path.exists();
        // `create` would initialise a short or empty file as a new database, and a writable
        // open may write: an existing file is first checked read-only, then opened.
        if !fresh {
            let ro = redb::ReadOnlyDatabase::open(&path).map_err(|e| corrupt(&e))?;
            check_identity(&ro, chain_id, genesis).map_err(|e| match e {
                StoreError::Db(e) => corrupt(&e),
                other => other,
            })?;
        }
        let db = if fresh {
            Database::create(&path)
        } else {
            Database::open(&path)
        }
        .map_err(|e| corrupt(&e))?;
        let store = Self { db };
        let genesis_hash = genesis.hash_slow();
        match store.meta("genesis").map_err(|e| corrupt(&e))? {
            Some(_) => {}
            None if fresh || store.is_empty()? => {
                let delta = genesis_state();
                let block = Block::<TxEnvelope> {
                    header: genesis.clone(),
                    body: Default::default(),
                };
                store.write_block(&BlockRecord {
                    block: &block,
                    hash: genesis_hash,
                    receipts: &[],
                    added: &delta,
                    stateless_input: None,
                    sidecars: &[],
                })?;
                let tx = store.db.begin_write().map_err(db_error)?;
                {
                    let mut meta = tx.open_table(META).map_err(db_error)?;
                    meta.insert("genesis", genesis_hash.as_slice())
                        .map_err(db_error)?;
                    meta.insert("chain_id", chain_id.to_be_bytes().as_slice())
                        .map_err(db_error)?;
                }
                tx.commit().map_err(db_error)?;
            }
            None => return Err(corrupt(&"database has no genesis record")),
        }
        let loaded = store.load()?;
        Ok((store, loaded))
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        match tx.open_table(BLOCKS) {
            Ok(t) => Ok(t.is_empty().map_err(db_error)?),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(true),
            Err(e) => Err(db_error(e)),
        }
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = match tx.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(db_error(e)),
        };
        Ok(table
            .get(key)
            .map_err(db_error)?
            .map(|v| v.value().to_vec()))
    }

    /// Reads the whole state and the head.
    fn load(&self) -> Result<Loaded, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let mut state = FullState::default();
        for entry in tx
            .open_table(NODES)
            .map_err(db_error)?
            .iter()
            .map_err(db_error)?
        {
            let (_, v) = entry.map_err(db_error)?;
            state.nodes.insert(Bytes::copy_from_slice(v.value()));
        }
        for entry in tx
            .open_table(CODES)
            .map_err(db_error)?
            .iter()
            .map_err(db_error)?
        {
            let (k, v) = entry.map_err(db_error)?;
            let hash = B256::try_from(k.value()).map_err(|_| StoreError::Malformed("code key"))?;
            state.codes.insert(hash, Bytes::copy_from_slice(v.value()));
        }
        let mut head = None;
        for entry in tx
            .open_table(BLOCKS)
            .map_err(db_error)?
            .iter()
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

    /// Writes a sealed block and everything it adds, durably, in one transaction.
    pub fn write_block(&self, r: &BlockRecord<'_>) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_error)?;
        let number = r.block.header.number;
        {
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
            if let Some(input) = r.stateless_input {
                tx.open_table(INPUTS)
                    .map_err(db_error)?
                    .insert(number, input)
                    .map_err(db_error)?;
            }
            let mut sidecars = tx.open_table(SIDECARS).map_err(db_error)?;
            for (hash, sidecar) in r.sidecars {
                sidecars
                    .insert(hash.as_slice(), sidecar.as_slice())
                    .map_err(db_error)?;
            }
            // Create the remaining tables so a read transaction finds them all.
            tx.open_table(INPUTS).map_err(db_error)?;
            tx.open_table(META).map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// The block with this number.
    pub fn block(&self, number: u64) -> Result<Option<Block<TxEnvelope>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(BLOCKS).map_err(db_error)?;
        let value = table.get(number).map_err(db_error)?;
        value.map(|v| decode_block(v.value())).transpose()
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
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(RECEIPTS).map_err(db_error)?;
        let Some(value) = table.get(number).map_err(db_error)? else {
            return Ok(None);
        };
        let mut bytes = value.value();
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let malformed = StoreError::Malformed("receipts");
            let len = bytes
                .get(..4)
                .map(|b| u32::from_be_bytes(b.try_into().expect("4")) as usize)
                .ok_or(StoreError::Malformed("receipts"))?;
            let mut body = bytes.get(4..4 + len).ok_or(malformed)?;
            out.push(
                ReceiptEnvelope::decode_2718(&mut body)
                    .map_err(|_| StoreError::Malformed("receipt"))?,
            );
            bytes = &bytes[4 + len..];
        }
        Ok(Some(out))
    }

    /// Where the transaction with this hash was included.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<TxLocation>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(TXS).map_err(db_error)?;
        let Some(v) = table.get(hash.as_slice()).map_err(db_error)? else {
            return Ok(None);
        };
        let v = v.value();
        if v.len() != 12 {
            return Err(StoreError::Malformed("tx location"));
        }
        Ok(Some(TxLocation {
            block: u64::from_be_bytes(v[..8].try_into().expect("8")),
            index: u32::from_be_bytes(v[8..].try_into().expect("4")),
        }))
    }

    /// The SSZ stateless input of L2 block `number`.
    pub fn stateless_input(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(INPUTS).map_err(db_error)?;
        Ok(table
            .get(number)
            .map_err(db_error)?
            .map(|v| v.value().to_vec()))
    }

    /// The blob sidecar stored under a versioned hash.
    pub fn sidecar(&self, versioned_hash: &B256) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(SIDECARS).map_err(db_error)?;
        Ok(table
            .get(versioned_hash.as_slice())
            .map_err(db_error)?
            .map(|v| v.value().to_vec()))
    }
}

/// Refuses a datadir that holds another chain (genesis hash, then chain id).
fn check_identity(
    db: &impl ReadableDatabase,
    chain_id: u64,
    genesis: &Header,
) -> Result<(), StoreError> {
    let tx = db.begin_read().map_err(db_error)?;
    let meta = tx.open_table(META).map_err(db_error)?;
    let get = |key: &str| -> Result<Option<Vec<u8>>, StoreError> {
        Ok(meta.get(key).map_err(db_error)?.map(|v| v.value().to_vec()))
    };
    let expected = genesis.hash_slow();
    let found = get("genesis")?
        .and_then(|b| B256::try_from(b.as_slice()).ok())
        .ok_or(StoreError::Malformed("genesis record"))?;
    if found != expected {
        return Err(StoreError::GenesisMismatch { expected, found });
    }
    let found = get("chain_id")?
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
        .ok_or(StoreError::Malformed("chain id record"))?;
    if found != chain_id {
        return Err(StoreError::ChainIdMismatch {
            expected: chain_id,
            found,
        });
    }
    Ok(())
}

fn decode_block(mut bytes: &[u8]) -> Result<Block<TxEnvelope>, StoreError> {
    Block::decode(&mut bytes).map_err(|_| StoreError::Malformed("block"))
}
