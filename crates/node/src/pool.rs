//! The transaction pool: admission checks with geth's error words (tools match on them),
//! per-sender nonce order, replacement by a 10% higher fee, and best-first selection.
//!
//! Admission runs the transaction through the role's EVM on the head state without
//! committing (the checks revm makes when the block is built: intrinsic gas, balance for
//! `gas × fee + value`, chain id, initcode size, EIP-7825's cap), nonces excepted, which may
//! run ahead of the account's (the transaction waits until the gap closes). Blob
//! transactions arrive in network form and their sidecars are checked with c-kzg
//! ([`crate::blobs`]); the pool keeps the canonical transaction and the sidecar apart.

use crate::{Role, blobs};
use alloy_consensus::{
    EthereumTxEnvelope, Transaction, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
    transaction::SignerRecoverable,
};
use alloy_eips::{
    eip2718::Decodable2718,
    eip4844::BYTES_PER_BLOB,
    eip7594::{BlobTransactionSidecarVariant, CELLS_PER_EXT_BLOB},
};
use alloy_evm::{Evm, EvmEnv, EvmError, FromRecoveredTx, InvalidTxError};
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_stateless::{BlockEvmFactory, db::TrieState};
use revm::{Database, context::TxEnv, context_interface::result::InvalidTransaction};
use std::collections::{BTreeMap, HashMap};

/// Largest transaction accepted, as geth and reth bound it (128 KiB).
pub const MAX_TX_BYTES: usize = 128 * 1024;
/// Most blobs a pooled transaction may carry (the largest per-block maximum scheduled).
pub const MAX_BLOBS_PER_TX: usize = 9;
/// Largest blob transaction accepted in network form: [`MAX_TX_BYTES`] plus
/// [`MAX_BLOBS_PER_TX`] blobs, each with a commitment and its EIP-7594 cell proofs.
pub const MAX_BLOB_TX_BYTES: usize =
    MAX_TX_BYTES + MAX_BLOBS_PER_TX * (BYTES_PER_BLOB + 48 * (1 + CELLS_PER_EXT_BLOB));

/// A transaction as `eth_sendRawTransaction` takes it: a blob transaction with its sidecar.
pub type NetworkTx = EthereumTxEnvelope<TxEip4844WithSidecar<BlobTransactionSidecarVariant>>;
/// Most pending transactions per sender.
pub const MAX_PER_SENDER: usize = 64;
/// Most pending transactions in all (geth's `--txpool.globalslots`); when full, a new one
/// must pay a higher max fee than the cheapest pooled one, which it evicts.
pub const MAX_POOLED: usize = 5120;
/// How long a transaction may wait in the pool (geth's `--txpool.lifetime`).
pub const POOL_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3 * 3600);
/// The lowest base fee EIP-1559 can bring a chain down to from any base fee of 8 wei or more
/// (below 8, a block's decrease rounds to zero): a max fee below it, and below the chain's
/// current base fee, can never be included.
pub const LOWEST_REACHABLE_BASE_FEE: u64 = 7;
/// A replacement must raise both fees by this percentage.
pub const REPLACEMENT_BUMP_PERCENT: u128 = 10;

/// Why a transaction was refused, in the words geth uses (JSON-RPC clients match on them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Not a valid EIP-2718 transaction.
    #[error("transaction could not be decoded: {0}")]
    Decode(String),
    /// Larger than [`MAX_TX_BYTES`] ([`MAX_BLOB_TX_BYTES`] with blobs).
    #[error("oversized data: transaction of {0} bytes exceeds {1}")]
    Oversized(usize, usize),
    /// A blob sidecar that does not check out.
    #[error(transparent)]
    Blob(#[from] blobs::BlobError),
    /// The signature does not recover.
    #[error("invalid sender: {0}")]
    InvalidSignature(String),
    /// Signed for another chain, or not replay-protected.
    #[error("invalid chain id: transaction has {got:?}, chain is {expected}")]
    WrongChainId {
        /// The transaction's.
        got: Option<u64>,
        /// This chain's.
        expected: u64,
    },
    /// A transaction type this chain does not carry.
    #[error("transaction type not supported: {0}")]
    UnsupportedType(&'static str),
    /// Nonce below the account's.
    #[error("nonce too low: next nonce {state}, tx nonce {tx}")]
    NonceTooLow {
        /// The account's nonce.
        state: u64,
        /// The transaction's.
        tx: u64,
    },
    /// Balance below `gas × fee + value`.
    #[error("insufficient funds for gas * price + value: have {have} want {want}")]
    InsufficientFunds {
        /// Balance.
        have: U256,
        /// Required.
        want: U256,
    },
    /// Gas limit below the intrinsic cost (or EIP-7623's floor).
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGas {
        /// The transaction's gas limit.
        gas: u64,
        /// What it needs at least.
        needed: u64,
    },
    /// Gas limit above the block's.
    #[error("exceeds block gas limit: {gas} > {limit}")]
    ExceedsBlockGasLimit {
        /// The transaction's.
        gas: u64,
        /// The block's.
        limit: u64,
    },
    /// Already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// Same sender and nonce, not enough more fee.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// Too many pending transactions from one sender.
    #[error("txpool is full: {MAX_PER_SENDER} pending transactions from this sender")]
    SenderFull,
    /// The pool is full and the transaction pays no more than the cheapest pooled one.
    #[error("txpool is full: the cheapest pending transaction pays {cheapest} wei per gas")]
    PoolFull {
        /// The cheapest pooled max fee per gas.
        cheapest: u128,
    },
    /// A max fee no block of this chain can ever meet.
    #[error(
        "transaction underpriced: max fee per gas {fee} is below {floor}, the lowest base fee this chain can reach"
    )]
    Underpriced {
        /// The transaction's max fee per gas.
        fee: u128,
        /// The floor.
        floor: u64,
    },
    /// A proof sidecar that does not verify, or one this chain does not take.
    #[error("invalid proof sidecar: {0}")]
    ProofSidecar(String),
    /// The node's policy refuses this sender's transactions at its RPC (a sequencer may;
    /// on a rollup the L1 inbox still forces them in).
    #[error("sender {0} refused by this node's policy; force the transaction through the L1 inbox")]
    SenderRefused(Address),
    /// Another check of the EVM's.
    #[error("invalid transaction: {0}")]
    Invalid(String),
    /// The state could not be read (a node fault, not the sender's).
    #[error("state unavailable: {0}")]
    State(String),
}

/// A pending transaction.
#[derive(Debug, Clone)]
pub struct PooledTx {
    /// The transaction.
    pub tx: TxEnvelope,
    /// Its hash.
    pub hash: B256,
    /// Its recovered sender.
    pub sender: Address,
    /// A blob transaction's sidecar.
    pub sidecar: Option<BlobTransactionSidecarVariant>,
    /// The network encoding it arrived in (kept for the pool journal).
    pub raw: Bytes,
    /// Its proof sidecar and what verifying it established.
    pub proofs: Option<PooledProofs>,
    /// When it entered the pool (for [`POOL_LIFETIME`]).
    pub added: std::time::Instant,
    /// Forced through the rollup's L1 inbox: picked ahead of fee order and never evicted
    /// for a better-paying transaction, so filling the pool cannot keep it out of blocks.
    pub forced: bool,
}

/// A transaction's proof sidecar, verified at admission.
#[derive(Debug, Clone)]
pub struct PooledProofs {
    /// The sidecar as it arrived (SSZ [`nr_statement::ProofSidecar`]).
    pub sidecar: Bytes,
    /// The (program, statement) pairs its proofs established.
    pub verified: nr_execute::TxProofs,
}

impl PooledTx {
    fn tip(&self, base_fee: u64) -> u128 {
        self.tx.effective_tip_per_gas(base_fee).unwrap_or(0)
    }
}

/// Pending transactions by sender and nonce.
#[derive(Debug)]
pub struct Pool {
    role: Role,
    chain_id: u64,
    by_sender: HashMap<Address, BTreeMap<u64, PooledTx>>,
    by_hash: HashMap<B256, (Address, u64)>,
    capacity: usize,
}

impl Pool {
    /// An empty pool for a chain.
    pub fn new(role: Role, chain_id: u64) -> Self {
        Self {
            role,
            chain_id,
            by_sender: HashMap::new(),
            by_hash: HashMap::new(),
            capacity: MAX_POOLED,
        }
    }

    /// Sets how many transactions the pool holds at most ([`MAX_POOLED`] by default).
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(1);
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Checks and adds a transaction in network encoding. `db` is the head state, `env`
    /// the next block's environment; `forced`: see [`PooledTx::forced`].
    #[allow(clippy::too_many_arguments)]
    pub fn add<F: BlockEvmFactory>(
        &mut self,
        raw: &[u8],
        proofs: Option<PooledProofs>,
        factory: &F,
        mut db: TrieState<'_>,
        mut env: EvmEnv,
        block_gas_limit: u64,
        osaka: bool,
        forced: bool,
    ) -> Result<B256, PoolError> {
        if raw.len() > MAX_BLOB_TX_BYTES {
            return Err(PoolError::Oversized(raw.len(), MAX_BLOB_TX_BYTES));
        }
        let mut slice = raw;
        let network =
            NetworkTx::decode_2718(&mut slice).map_err(|e| PoolError::Decode(e.to_string()))?;
        if !slice.is_empty() {
            return Err(PoolError::Decode(format!("{} trailing bytes", slice.len())));
        }
        let mut sidecar = None;
        let tx: TxEnvelope = network.map_eip4844(|with| {
            let (tx, s) = with.into_parts();
            sidecar = Some(s);
            TxEip4844Variant::TxEip4844(tx)
        });
        if sidecar.is_none() && raw.len() > MAX_TX_BYTES {
            return Err(PoolError::Oversized(raw.len(), MAX_TX_BYTES));
        }
        let hash = *tx.tx_hash();
        if self.by_hash.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let sender = tx
            .recover_signer()
            .map_err(|e| PoolError::InvalidSignature(e.to_string()))?;
        if tx.chain_id() != Some(self.chain_id) {
            return Err(PoolError::WrongChainId {
                got: tx.chain_id(),
                expected: self.chain_id,
            });
        }
        // The L2 rules' transaction check (nr_statement::l2), the one block import applies.
        if self.role == Role::L2 && nr_statement::check_l2_transaction(0, raw).is_err() {
            return Err(PoolError::UnsupportedType(
                "blob transactions are not allowed on the L2",
            ));
        }
        if let Some(sidecar) = &sidecar {
            let hashes = tx.blob_versioned_hashes().unwrap_or_default();
            if hashes.len() > MAX_BLOBS_PER_TX {
                return Err(PoolError::Invalid(format!(
                    "blob transaction has {} blobs, at most {MAX_BLOBS_PER_TX} are pooled",
                    hashes.len()
                )));
            }
            blobs::validate_sidecar(sidecar, hashes, osaka)?;
        }
        // Never includable: below the lowest base fee the chain can reach from where it is.
        let floor = env.block_env.basefee.min(LOWEST_REACHABLE_BASE_FEE);
        if tx.max_fee_per_gas() < floor as u128 {
            return Err(PoolError::Underpriced {
                fee: tx.max_fee_per_gas(),
                floor,
            });
        }
        if tx.gas_limit() > block_gas_limit {
            return Err(PoolError::ExceedsBlockGasLimit {
                gas: tx.gas_limit(),
                limit: block_gas_limit,
            });
        }
        let nonce = tx.nonce();
        let queued = self.by_sender.get(&sender);
        if let Some(old) = queued.and_then(|q| q.get(&nonce)) {
            let bump = |old: u128, new: u128| new * 100 >= old * (100 + REPLACEMENT_BUMP_PERCENT);
            let ok = bump(old.tx.max_fee_per_gas(), tx.max_fee_per_gas())
                && bump(
                    old.tx
                        .max_priority_fee_per_gas()
                        .unwrap_or(old.tx.max_fee_per_gas()),
                    tx.max_priority_fee_per_gas()
                        .unwrap_or(tx.max_fee_per_gas()),
                );
            if !ok {
                return Err(PoolError::ReplacementUnderpriced);
            }
        } else if queued.is_some_and(|q| q.len() >= MAX_PER_SENDER) {
            return Err(PoolError::SenderFull);
        }
        // A full pool makes room only for a better-paying transaction, or a forced one: the
        // cheapest unforced one goes. Forced transactions may run the pool past its capacity
        // (each costs its sender an L1 transaction).
        let replaces = queued.is_some_and(|q| q.contains_key(&nonce));
        let evict = if !replaces && self.len() >= self.capacity {
            let cheapest = self
                .iter()
                .filter(|t| !t.forced)
                .min_by_key(|t| (t.tx.max_fee_per_gas(), std::cmp::Reverse(t.added)))
                .map(|t| (t.hash, t.tx.max_fee_per_gas()));
            match cheapest {
                Some((hash, fee)) if forced || fee < tx.max_fee_per_gas() => Some(hash),
                Some((_, cheapest)) => return Err(PoolError::PoolFull { cheapest }),
                None if forced => None,
                None => {
                    return Err(PoolError::PoolFull {
                        cheapest: u128::MAX,
                    });
                }
            }
        } else {
            None
        };
        let state_nonce = db
            .basic(sender)
            .map_err(|e| PoolError::State(e.to_string()))?
            .map_or(0, |a| a.nonce);
        if nonce < state_nonce {
            return Err(PoolError::NonceTooLow {
                state: state_nonce,
                tx: nonce,
            });
        }
        // Dry run on the head state: every check but the nonce (which may run ahead) and the
        // base fee (which may fall by the time the transaction is picked).
        env.cfg_env.disable_nonce_check = true;
        env.block_env.basefee = 0;
        let mut evm = factory.create_evm(db, env);
        let tx_env = TxEnv::from_recovered_tx(&tx, sender);
        if let Err(e) = evm.transact(tx_env) {
            return Err(match e.as_invalid_tx_err() {
                Some(invalid) => match invalid.as_invalid_tx_err() {
                    Some(eth) => pool_error(eth.clone(), tx.gas_limit()),
                    None => PoolError::Invalid(invalid.to_string()),
                },
                None => PoolError::State(e.to_string()),
            });
        }
        if let Some(old) = self.by_sender.entry(sender).or_default().insert(
            nonce,
            PooledTx {
                tx,
                hash,
                sender,
                sidecar,
                raw: Bytes::copy_from_slice(raw),
                proofs,
                added: std::time::Instant::now(),
                forced,
            },
        ) {
            self.by_hash.remove(&old.hash);
        }
        if let Some(hash) = evict {
            tracing::debug!(%hash, "pool full: evicted the cheapest transaction");
            self.remove(&[hash]);
        }
        self.by_hash.insert(hash, (sender, nonce));
        tracing::debug!(%hash, %sender, nonce, "pooled transaction");
        Ok(hash)
    }

    /// Executable transactions, forced ones first, then best tip first per step, each
    /// sender's in nonce order from its account nonce; those paying less than `base_fee` wait.
    pub fn best(&self, base_fee: u64, mut nonce_of: impl FnMut(&Address) -> u64) -> Vec<PooledTx> {
        let mut runs: Vec<std::collections::VecDeque<&PooledTx>> = Vec::new();
        for (sender, txs) in &self.by_sender {
            let mut next = nonce_of(sender);
            let mut run = std::collections::VecDeque::new();
            while let Some(tx) = txs.get(&next) {
                if tx.tx.max_fee_per_gas() < base_fee as u128 {
                    break;
                }
                run.push_back(tx);
                next += 1;
            }
            if !run.is_empty() {
                runs.push(run);
            }
        }
        let mut out = Vec::new();
        loop {
            let best = runs
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.front().map(|t| (i, t)))
                .max_by_key(|(_, t)| (t.forced, t.tip(base_fee), std::cmp::Reverse(t.hash)));
            let Some((i, _)) = best else { break };
            out.push(runs[i].pop_front().expect("non-empty").clone());
        }
        out
    }

    /// Every pending transaction, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &PooledTx> {
        self.by_sender.values().flat_map(|q| q.values())
    }

    /// Marks a pending transaction forced ([`PooledTx::forced`]); false if it is not pending.
    pub fn mark_forced(&mut self, hash: &B256) -> bool {
        let Some((sender, nonce)) = self.by_hash.get(hash) else {
            return false;
        };
        match self
            .by_sender
            .get_mut(sender)
            .and_then(|q| q.get_mut(nonce))
        {
            Some(t) => {
                t.forced = true;
                true
            }
            None => false,
        }
    }

    /// The pending transaction with this hash.
    pub fn get(&self, hash: &B256) -> Option<&PooledTx> {
        let (sender, nonce) = self.by_hash.get(hash)?;
        self.by_sender.get(sender)?.get(nonce)
    }

    /// Removes transactions a sealed block included, and any others of their senders with
    /// a nonce at or below the included one.
    pub fn remove_included(&mut self, txs: &[TxEnvelope], senders: &[Address]) {
        for (tx, sender) in txs.iter().zip(senders) {
            if let Some(queue) = self.by_sender.get_mut(sender) {
                let stale: Vec<u64> = queue.range(..=tx.nonce()).map(|(n, _)| *n).collect();
                for n in stale {
                    if let Some(old) = queue.remove(&n) {
                        self.by_hash.remove(&old.hash);
                    }
                }
                if queue.is_empty() {
                    self.by_sender.remove(sender);
                }
            }
        }
    }

    /// Drops the transactions that have waited longer than [`POOL_LIFETIME`] at `now`;
    /// returns their hashes.
    pub fn evict_stale(&mut self, now: std::time::Instant) -> Vec<B256> {
        let stale: Vec<B256> = self
            .iter()
            .filter(|t| now.saturating_duration_since(t.added) > POOL_LIFETIME)
            .map(|t| t.hash)
            .collect();
        if !stale.is_empty() {
            tracing::info!(
                count = stale.len(),
                "dropping transactions older than the pool lifetime"
            );
            self.remove(&stale);
        }
        stale
    }

    /// Removes transactions by hash.
    pub fn remove(&mut self, hashes: &[B256]) {
        for hash in hashes {
            if let Some((sender, nonce)) = self.by_hash.remove(hash)
                && let Some(queue) = self.by_sender.get_mut(&sender)
            {
                queue.remove(&nonce);
                if queue.is_empty() {
                    self.by_sender.remove(&sender);
                }
            }
        }
    }
}

fn pool_error(e: InvalidTransaction, gas: u64) -> PoolError {
    match e {
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => PoolError::InsufficientFunds {
            have: *balance,
            want: *fee,
        },
        InvalidTransaction::CallGasCostMoreThanGasLimit { initial_gas, .. } => {
            PoolError::IntrinsicGas {
                gas,
                needed: initial_gas,
            }
        }
        InvalidTransaction::GasFloorMoreThanGasLimit { gas_floor, .. } => PoolError::IntrinsicGas {
            gas,
            needed: gas_floor,
        },
        other => PoolError::Invalid(other.to_string()),
    }
}
