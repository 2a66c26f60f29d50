//! The chain engine: state, pool, block building and import, one role-specific EVM.
//!
//! A block is built by executing pool transactions on alloy-evm's Ethereum block executor
//! over the trie state (the executor reth uses), then imported through the stateless
//! crate's witness generator, which re-executes it with the full validation rules and
//! yields the block's execution witness: so every sealed block has passed the same checks
//! `validate_stateless` makes, and an L2 block's `StatelessInput` comes for free.

use crate::{
    Role,
    genesis::{ChainSpec, alloc_accounts},
    history::{PRUNE_INTERVAL, Retention},
    pool::{Pool, PoolError, PooledProofs},
    store::{BlockRecord, Store, StoreError},
};
use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope, Transaction, TxEnvelope,
    TxReceipt, constants::EMPTY_WITHDRAWALS, proofs, transaction::Recovered,
};
use alloy_eips::{eip1559::BaseFeeParams, eip2718::Encodable2718, eip4844::DATA_GAS_PER_BLOB};
use alloy_evm::eth::EthEvmFactory;
use alloy_evm::{
    EvmEnv,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError, TxResult},
    eth::{EthBlockExecutor, receipt_builder::AlloyReceiptBuilder},
};
use alloy_primitives::Bytes;
use alloy_primitives::{Address, B256, Bloom, map::HashMap};
use nr_execute::{BlockProofs, NativeRollupEvmFactory, ProgramRegistry, TxProofs};
use nr_stateless::{
    BlockEvmFactory, FullState, SchemaId, StateDelta, StatelessInput, db::TrieState,
    expected_excess_blob_gas, generate_witness_with, payload_from_block,
};
use revm::database::{State, states::bundle_state::BundleRetention};
use std::{borrow::Cow, path::Path};

/// Why the engine failed. Pool rejections are [`PoolError`]s; these are node faults.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The datadir.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The genesis allocation does not hash to the genesis state root (a bug or a bad file).
    #[error("genesis allocation does not build: {0}")]
    Genesis(String),
    /// An L2 sequencer has no L1 anchor yet for the next block.
    #[error("no L1 anchor yet: the sequencer has not read its rollup contract")]
    NoAnchor,
    /// A block this node built did not pass its own import: a bug, never ignored.
    #[error("built block {number} failed import: {reason}")]
    Import {
        /// Block number.
        number: u64,
        /// What the validator said.
        reason: String,
    },
    /// The chain cannot be unwound to this block ([`Chain::rewind`]).
    #[error("cannot rewind to block {keep}: {reason}")]
    Rewind {
        /// The block that was to become the head.
        keep: u64,
        /// Why not.
        reason: String,
    },
}

/// The EVM factory a node runs a role with: Ethereum's, or the L1's with EXECUTE, which also
/// takes proof sidecars beside transactions (verified against its program registry; EXECUTE
/// looks them up per block).
pub trait NodeEvmFactory: BlockEvmFactory + Clone {
    /// The programs whose sidecar proofs this chain verifies; `None`: it takes no sidecars.
    fn sidecar_programs(&self) -> Option<&ProgramRegistry>;
    /// This factory for one block whose transactions carry `proofs`.
    fn for_block(&self, proofs: BlockProofs) -> Self;
    /// Why a call of `data` straight to precompile `to` halted, if it is one of this
    /// factory's own (for `eth_call`'s error; no sidecar is assumed).
    fn explain_halt(&self, to: Address, data: &[u8], blob_hashes: &[B256]) -> Option<String>;
}

impl NodeEvmFactory for EthEvmFactory {
    fn sidecar_programs(&self) -> Option<&ProgramRegistry> {
        None
    }

    fn for_block(&self, _: BlockProofs) -> Self {
        *self
    }

    fn explain_halt(&self, _: Address, _: &[u8], _: &[B256]) -> Option<String> {
        None
    }
}

impl NodeEvmFactory for NativeRollupEvmFactory {
    fn sidecar_programs(&self) -> Option<&ProgramRegistry> {
        Some(&self.config().programs)
    }

    fn for_block(&self, proofs: BlockProofs) -> Self {
        self.with_block_proofs(proofs)
    }

    fn explain_halt(&self, to: Address, data: &[u8], blob_hashes: &[B256]) -> Option<String> {
        (to == nr_execute::EXECUTE_ADDRESS)
            .then(|| nr_execute::execute(self.config(), data, u64::MAX, blob_hashes).err())
            .flatten()
            .map(|e| e.to_string())
    }
}

/// Admits a proof sidecar for the transaction `raw`: what the pool takes. Before any proof
/// is verified, the sidecar must decode within its caps and the transaction's gas limit must
/// cover EXECUTE's charge for as many proof dependencies as the sidecar holds (a
/// transaction that could never pay for its proofs costs the node no verification); then
/// every proof is verified with `factory`'s registry.
pub fn admit_proof_sidecar<F: NodeEvmFactory>(
    factory: &F,
    raw: &[u8],
    sidecar: &[u8],
) -> Result<PooledProofs, PoolError> {
    use alloy_eips::eip2718::Decodable2718;
    let decoded = nr_statement::ProofSidecar::decode(sidecar)
        .map_err(|e| PoolError::ProofSidecar(e.to_string()))?;
    let proofs = decoded.proofs.len() as u64;
    let tx = crate::pool::NetworkTx::decode_2718(&mut &raw[..])
        .map_err(|e| PoolError::Decode(e.to_string()))?;
    let needed = proofs.saturating_mul(nr_execute::gas::DEPENDENCY_GAS);
    if tx.gas_limit() < needed {
        return Err(PoolError::ProofSidecar(format!(
            "gas limit {} cannot pay for {proofs} proof dependencies ({needed} gas)",
            tx.gas_limit()
        )));
    }
    let verified = nr_execute::verify_decoded_sidecar(sidecar_programs(factory)?, &decoded)
        .map_err(|e| PoolError::ProofSidecar(e.to_string()))?;
    Ok(PooledProofs {
        sidecar: Bytes::copy_from_slice(sidecar),
        verified,
    })
}

/// Verifies a stored proof sidecar with `factory`'s registry: what block import checks
/// again.
pub fn verify_proof_sidecar<F: NodeEvmFactory>(
    factory: &F,
    sidecar: &[u8],
) -> Result<TxProofs, PoolError> {
    nr_execute::verify_sidecar(sidecar_programs(factory)?, sidecar)
        .map_err(|e| PoolError::ProofSidecar(e.to_string()))
}

fn sidecar_programs<F: NodeEvmFactory>(factory: &F) -> Result<&ProgramRegistry, PoolError> {
    factory
        .sidecar_programs()
        .ok_or_else(|| PoolError::ProofSidecar("this chain takes no proof sidecars".into()))
}

/// What a block is built from besides the pool.
#[derive(Debug, Clone, Copy)]
pub struct BlockAttributes {
    /// Timestamp (strictly above the parent's).
    pub timestamp: u64,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// `prevRandao` (mix hash).
    pub prev_randao: B256,
    /// Parent beacon block root (EIP-4788); on an L2, its L1 anchor.
    pub parent_beacon_block_root: B256,
}

/// A sealed block with its receipts.
#[derive(Debug, Clone)]
pub struct SealedBlock {
    /// The block.
    pub block: Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// Senders, in transaction order.
    pub senders: Vec<Address>,
    /// Receipts, in transaction order.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// The engine of one chain in one role.
pub struct Chain<F> {
    /// Which chain this is.
    pub role: Role,
    /// Rules and genesis.
    pub spec: ChainSpec,
    factory: F,
    state: FullState,
    head: Header,
    head_hash: B256,
    store: Store,
    /// Pending transactions.
    pub pool: Pool,
    retention: Retention,
    /// The settled head, if a settler said ([`Chain::set_settled`]).
    settled: Option<u64>,
    /// The head when pruning last ran.
    pruned_at: Option<u64>,
    /// The block each of the last re-orgs kept as the new chain's base ([`Chain::rewind`]),
    /// oldest first: filters and subscriptions report blocks again from there.
    rewinds: std::collections::VecDeque<u64>,
    /// How many re-orgs this node has made.
    rewind_count: usize,
    /// Transactions of blocks a re-org removed that the pool refused then (one that spent
    /// a deposit claimed in the same removed tail, say), offered again after each block
    /// until the given block number ([`Chain::reorg`]).
    orphans: Vec<Orphan>,
}

/// A transaction of re-orged blocks waiting to be pooled again ([`Chain::reorg`]).
struct Orphan {
    tx: TxEnvelope,
    sender: Address,
    sidecar: Option<Bytes>,
    until: u64,
}

/// Blocks after a re-org during which its refused transactions are offered to the pool
/// again, after each block: long enough for what they depend on to be sealed again.
pub const ORPHAN_RETRY_BLOCKS: u64 = 64;

/// Re-orgs whose base [`Chain::rewound_to_since`] remembers; a reader further behind starts
/// again from the genesis.
const MAX_REWINDS_REMEMBERED: usize = 64;

impl<F: NodeEvmFactory> Chain<F> {
    /// Opens the chain in `datadir` (initialising it from the genesis if new) and loads its
    /// state. `factory` makes the role's EVM. Keeps what [`Retention::default`] keeps.
    pub fn open(
        role: Role,
        spec: ChainSpec,
        factory: F,
        datadir: &Path,
    ) -> Result<Self, ChainError> {
        Self::open_with(role, spec, factory, datadir, Retention::default())
    }

    /// [`Chain::open`], keeping what `retention` says of old blocks. What a datadir holds
    /// beyond it (kept by an earlier run with a longer window) is pruned at once.
    pub fn open_with(
        role: Role,
        spec: ChainSpec,
        factory: F,
        datadir: &Path,
        retention: Retention,
    ) -> Result<Self, ChainError> {
        // The genesis state is built only for a new datadir; an existing one has its nodes.
        let genesis_state = || {
            let alloc = alloc_accounts(&spec.genesis);
            let (state, root) =
                FullState::from_alloc(&alloc).map_err(|e| ChainError::Genesis(e.to_string()))?;
            if root != spec.header.state_root {
                return Err(ChainError::Genesis(format!(
                    "state root {root} differs from the header's {}",
                    spec.header.state_root
                )));
            }
            Ok(StateDelta {
                codes: state.codes.values().cloned().collect(),
                nodes: state.nodes.take_all().collect(),
            })
        };
        let (store, loaded) = Store::open(
            datadir,
            spec.config.chain_id,
            &spec.header,
            retention.headers_in_memory(),
            genesis_state,
        )?;
        let head_hash = loaded.head.hash_slow();
        let mut chain = Self {
            pool: Pool::new(role, spec.config.chain_id),
            role,
            spec,
            factory,
            state: loaded.state,
            head: loaded.head,
            head_hash,
            store,
            retention,
            settled: None,
            pruned_at: None,
            rewinds: Default::default(),
            rewind_count: 0,
            orphans: Vec::new(),
        };
        chain.prune()?;
        Ok(chain)
    }

    /// What this node keeps of old blocks.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// Tells the node that blocks up to `number` are settled, so that the state and the
    /// stateless inputs below it may go ([`Retention::until_settled`]).
    pub fn set_settled(&mut self, number: u64) {
        self.settled = Some(self.settled.map_or(number, |s| s.max(number)));
    }

    /// Whether the state of block `number` is kept (state queries at it are answered).
    pub fn state_kept(&self, number: u64) -> bool {
        self.retention
            .state_kept(number, self.head.number, self.settled)
    }

    /// Deletes what the retention no longer keeps: trie nodes that only older state roots
    /// reach, headers past the window from memory, and prunable stateless inputs. Runs at
    /// open and then every [`PRUNE_INTERVAL`] blocks.
    fn prune(&mut self) -> Result<(), StoreError> {
        let head = self.head.number;
        let started = std::time::Instant::now();
        // Were a kept block's header unreadable, its state would be dropped: nothing is.
        let roots = self
            .retention
            .oldest_state(head, self.settled)
            .and_then(|oldest| self.state_roots_from(oldest));
        let headers = self.retention.headers_in_memory();
        self.state
            .headers
            .retain(|_, h| h.number.saturating_add(headers) >= head);
        let inputs = self.retention.inputs_prunable_through(head, self.settled);
        let (nodes, deleted) = self.store.prune(roots.as_deref(), inputs)?;
        self.pruned_at = Some(head);
        if nodes > 0 || deleted > 0 {
            tracing::debug!(
                head,
                trie_nodes = nodes,
                inputs = deleted,
                ms = started.elapsed().as_millis() as u64,
                "pruned"
            );
        }
        Ok(())
    }

    /// The state roots of blocks `oldest..=head`, or `None` if a header is unreadable.
    fn state_roots_from(&self, oldest: u64) -> Option<Vec<B256>> {
        let roots: Vec<B256> = self
            .ancestry()
            .take_while(|(_, h)| h.number >= oldest)
            .map(|(_, h)| h.state_root)
            .collect();
        (roots.len() as u64 == self.head.number - oldest + 1).then_some(roots)
    }

    /// The head and its ancestors, newest first, with their hashes: from the headers held
    /// in memory, then the datadir's. Ends at the genesis, or at a header it cannot read.
    fn ancestry(&self) -> impl Iterator<Item = (B256, Cow<'_, Header>)> {
        let mut next = Some((self.head_hash, Cow::Borrowed(&self.head)));
        std::iter::from_fn(move || {
            let (hash, header) = next.take()?;
            if header.number > 0 {
                let parent = match self.state.headers.get(&header.parent_hash) {
                    Some(parent) => Some(Cow::Borrowed(parent)),
                    None => self
                        .header(header.number - 1)
                        .ok()
                        .flatten()
                        .map(Cow::Owned),
                };
                next = parent.map(|p| (header.parent_hash, p));
            }
            Some((hash, header))
        })
    }

    /// Prunes if the head moved [`PRUNE_INTERVAL`] blocks since the last time. The block
    /// is already durable: a failure here is logged and retried at the next interval.
    fn prune_if_due(&mut self) {
        let due = self
            .pruned_at
            .is_none_or(|at| self.head.number >= at + PRUNE_INTERVAL);
        if due && let Err(e) = self.prune() {
            tracing::warn!(error = %e, "pruning failed; retrying later");
        }
    }

    /// The last sealed block's header.
    pub fn head(&self) -> &Header {
        &self.head
    }

    /// The last sealed block's hash.
    pub fn head_hash(&self) -> B256 {
        self.head_hash
    }

    /// The EVM factory of this chain's role.
    pub fn factory(&self) -> &F {
        &self.factory
    }

    /// The datadir.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The state of the kept blocks, read from the datadir through a bounded cache.
    pub fn state(&self) -> &FullState {
        &self.state
    }

    /// Hashes of the (up to 256) blocks before `number`, for BLOCKHASH. Ancestors older
    /// than the headers held in memory (a call at an old block) are read from the datadir.
    pub fn block_hashes(&self, number: u64) -> HashMap<u64, B256> {
        let lowest = number.saturating_sub(256);
        self.ancestry()
            .take_while(|(_, h)| h.number >= lowest)
            .filter(|(_, h)| h.number < number)
            .map(|(hash, h)| (h.number, hash))
            .collect()
    }

    /// Submits a transaction (network encoding) to the pool.
    pub fn submit(&mut self, raw: &[u8]) -> Result<B256, PoolError> {
        self.submit_verified(raw, None)
    }

    /// Submits a transaction with its proof sidecar, verifying every proof first.
    pub fn submit_with_proofs(&mut self, raw: &[u8], sidecar: &[u8]) -> Result<B256, PoolError> {
        let proofs = admit_proof_sidecar(&self.factory, raw, sidecar)?;
        self.submit_verified(raw, Some(proofs))
    }

    /// Submits a transaction whose sidecar (if any) [`admit_proof_sidecar`] accepted.
    pub fn submit_verified(
        &mut self,
        raw: &[u8],
        proofs: Option<PooledProofs>,
    ) -> Result<B256, PoolError> {
        self.pool_add(raw, proofs, false)
    }

    /// Submits a transaction forced through the rollup's L1 inbox: ahead of fee order and
    /// of the pool's capacity ([`crate::pool::PooledTx::forced`]); one already pending is
    /// marked forced.
    pub fn submit_forced(&mut self, raw: &[u8]) -> Result<B256, PoolError> {
        let hash = alloy_primitives::keccak256(raw);
        if self.pool.mark_forced(&hash) {
            return Ok(hash);
        }
        self.pool_add(raw, None, true)
    }

    fn pool_add(
        &mut self,
        raw: &[u8],
        proofs: Option<PooledProofs>,
        forced: bool,
    ) -> Result<B256, PoolError> {
        let env = self.next_env(self.head.timestamp + 1);
        let hashes = self.block_hashes(self.head.number + 1);
        let db = TrieState::new(
            self.head.state_root,
            &self.state.nodes,
            &self.state.codes,
            &hashes,
        );
        let osaka = self.spec.config.fork_at(self.head.timestamp + 1) >= nr_stateless::Fork::Osaka;
        self.pool.add(
            raw,
            proofs,
            &self.factory,
            db,
            env,
            self.head.gas_limit,
            osaka,
            forced,
        )
    }

    /// The EVM environment of a child of the head at `timestamp` (for calls and pool checks).
    pub fn next_env(&self, timestamp: u64) -> EvmEnv {
        self.env_of(&self.child_header(timestamp, Address::ZERO, B256::ZERO, B256::ZERO))
    }

    /// The header fields of a child of the head that do not depend on its transactions.
    fn child_header(
        &self,
        timestamp: u64,
        beneficiary: Address,
        randao: B256,
        beacon: B256,
    ) -> Header {
        let config = &self.spec.config;
        let fields = config.fork_at(timestamp).header_fields();
        let parent = &self.head;
        let blob = fields.blobs;
        Header {
            parent_hash: self.head_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary,
            number: parent.number + 1,
            gas_limit: parent.gas_limit,
            timestamp,
            mix_hash: randao,
            base_fee_per_gas: Some(
                parent
                    .next_block_base_fee(BaseFeeParams::ethereum())
                    .unwrap_or(0),
            ),
            withdrawals_root: fields.withdrawals.then_some(EMPTY_WITHDRAWALS),
            excess_blob_gas: expected_excess_blob_gas(parent, config, timestamp),
            blob_gas_used: blob.then_some(0),
            parent_beacon_block_root: blob.then_some(beacon),
            // EIP-7843: this node's chains have one block per slot (no consensus client
            // skips any).
            slot_number: fields.block_access_list.then_some(parent.number + 1),
            ..Default::default()
        }
    }

    /// Builds a block from the pool on top of the head, imports it and persists it.
    pub fn seal(&mut self, attrs: BlockAttributes) -> Result<SealedBlock, ChainError> {
        self.pool.evict_stale(std::time::Instant::now());
        let timestamp = attrs.timestamp.max(self.head.timestamp + 1);
        let mut header = self.child_header(
            timestamp,
            attrs.fee_recipient,
            attrs.prev_randao,
            attrs.parent_beacon_block_root,
        );
        let config = self.spec.config.clone();
        let fork = config.fork_at(timestamp);
        let blob_params = config.blob_params_at(timestamp);
        let hashes = self.block_hashes(header.number);
        let candidates = {
            let mut reader = TrieState::new(
                self.head.state_root,
                &self.state.nodes,
                &self.state.codes,
                &hashes,
            );
            self.pool.best(header.base_fee_per_gas.unwrap_or(0), |a| {
                revm::Database::basic(&mut reader, *a)
                    .ok()
                    .flatten()
                    .map_or(0, |acc| acc.nonce)
            })
        };

        let mut db = TrieState::new(
            self.head.state_root,
            &self.state.nodes,
            &self.state.codes,
            &hashes,
        );
        let mut state = State::builder()
            .with_database(&mut db)
            .with_bundle_update()
            .build();
        // EIP-7928: the access list is built as the block is (see nr_stateless::validate).
        let access_list = fork.header_fields().block_access_list;
        if access_list {
            state.bal_state.bal_builder = Some(Default::default());
        }
        let env = self.env_of(&header);
        // The proofs the pool verified at admission; import verifies them again.
        let mut proofs = BlockProofs::none();
        for c in &candidates {
            if let Some(p) = &c.proofs {
                proofs.insert(c.sender, c.tx.nonce(), p.verified.clone());
            }
        }
        let factory = self.factory.for_block(proofs);
        let evm = factory.create_evm(&mut state, env);
        let ctx = nr_stateless::validate::block_execution_ctx(
            &header,
            fork.header_fields()
                .withdrawals
                .then(|| Cow::Owned(Vec::new())),
            candidates.len(),
        );
        let mut executor = EthBlockExecutor::new(evm, ctx, &config, AlloyReceiptBuilder::default());
        executor
            .apply_pre_execution_changes()
            .map_err(|e| self.import_error(header.number, e))?;
        if access_list {
            alloy_evm::Evm::db_mut(executor.evm_mut()).bump_bal_index();
        }
        let mut included = Vec::new();
        let mut dropped = Vec::new();
        let max_blob_gas = blob_params.map_or(0, |p| p.max_blob_gas_per_block());
        let (mut gas_used, mut blob_gas_used) = (0u64, 0u64);
        // Senders with a transaction left out of this block: their later nonces wait too
        // (run now, they would fail on the nonce and leave the pool).
        let mut deferred = std::collections::HashSet::new();
        for tx in candidates {
            if deferred.contains(&tx.sender) {
                continue;
            }
            let blob_gas = tx.tx.blob_count().unwrap_or(0) * DATA_GAS_PER_BLOB;
            // Before Amsterdam a transaction fits while its gas limit fits in what the block
            // has left; from Amsterdam on the executor judges it by regular gas (EIP-8037).
            let over_gas = fork < nr_stateless::Fork::Amsterdam
                && gas_used + tx.tx.gas_limit() > header.gas_limit;
            if over_gas || blob_gas_used + blob_gas > max_blob_gas && blob_gas > 0 {
                deferred.insert(tx.sender);
                continue;
            }
            let recovered = Recovered::new_unchecked(&tx.tx, tx.sender);
            let mut halted = None;
            // EIP-8037: the block's state gas must stay within its gas limit too; the
            // executor checks only regular gas before a transaction, so one whose state gas
            // would not fit is executed and left out.
            let state_room = header
                .gas_limit
                .saturating_sub(executor.block_state_gas_used);
            let outcome = executor.execute_transaction_with_commit_condition(recovered, |r| {
                let result = &r.result().result;
                if result.gas().block_state_gas_used() > state_room {
                    return alloy_evm::block::CommitChanges::No;
                }
                if let revm::context::result::ExecutionResult::Halt { reason, .. } = result {
                    halted = Some(format!("{reason:?}"));
                }
                alloy_evm::block::CommitChanges::Yes
            });
            match outcome {
                Ok(None) => {
                    deferred.insert(tx.sender);
                    continue;
                }
                Ok(Some(used)) => {
                    if let Some(reason) = halted {
                        // Included (its gas is spent); say why, EXECUTE's own words when the
                        // call was to it.
                        let why = tx.tx.to().and_then(|to| {
                            let hashes = tx.tx.blob_versioned_hashes().unwrap_or_default();
                            self.factory.explain_halt(to, tx.tx.input(), hashes)
                        });
                        tracing::debug!(hash = %tx.hash, %reason, why = why.as_deref().unwrap_or(""), "transaction halted");
                    }
                    gas_used += used.tx_gas_used();
                    blob_gas_used += blob_gas;
                    included.push(tx);
                    if access_list {
                        alloy_evm::Evm::db_mut(executor.evm_mut()).bump_bal_index();
                    }
                }
                // Amsterdam counts block gas without refunds (EIP-7778): a transaction the
                // estimate above let through may still not fit.
                Err(BlockExecutionError::Validation(
                    BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { .. },
                )) => {
                    deferred.insert(tx.sender);
                    continue;
                }
                // The transaction is invalid against the current state: drop it.
                Err(BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                    error,
                    ..
                })) => {
                    tracing::debug!(hash = %tx.hash, %error, "dropping invalid transaction");
                    dropped.push(tx.hash);
                }
                Err(e) => return Err(self.import_error(header.number, e)),
            }
        }
        let (_, result) = executor
            .finish()
            .map_err(|e| self.import_error(header.number, e))?;
        state.merge_transitions(BundleRetention::PlainState);
        let bundle = state.take_bundle();
        if let Some(list) = state.take_built_alloy_bal() {
            let mut rlp = Vec::new();
            alloy_rlp::encode_list(&list, &mut rlp);
            header.block_access_list_hash = Some(alloy_primitives::keccak256(&rlp));
        }
        drop(state);
        let state_root = db.apply(&bundle).map_err(|e| ChainError::Import {
            number: header.number,
            reason: e.to_string(),
        })?;
        drop(db);

        let transactions: Vec<TxEnvelope> = included.iter().map(|t| t.tx.clone()).collect();
        let blobs: Vec<(B256, Vec<u8>)> = included
            .iter()
            .filter_map(|t| t.sidecar.as_ref())
            .flat_map(crate::blobs::records)
            .collect();
        let sidecars: Vec<(B256, Bytes)> = included
            .iter()
            .filter_map(|t| Some((t.hash, t.proofs.as_ref()?.sidecar.clone())))
            .collect();
        header.state_root = state_root;
        header.transactions_root = proofs::calculate_transaction_root(&transactions);
        header.receipts_root =
            proofs::ordered_trie_root_with_encoder(&result.receipts, |r, buf| r.encode_2718(buf));
        header.logs_bloom = result
            .receipts
            .iter()
            .fold(Bloom::ZERO, |b, r| b | r.bloom());
        header.gas_used = result.gas_used;
        if fork.header_fields().blobs {
            header.blob_gas_used = Some(result.blob_gas_used);
        }
        if fork.header_fields().requests {
            header.requests_hash = Some(result.requests.requests_hash());
        }
        let block = Block {
            header,
            body: BlockBody {
                transactions,
                ommers: Vec::new(),
                withdrawals: fork.header_fields().withdrawals.then(Default::default),
            },
        };
        self.import(
            block,
            included.iter().map(|t| t.sender).collect(),
            &dropped,
            &blobs,
            &sidecars,
        )
    }

    /// Imports a block this node did not build (a verifier rebuilding the chain from what
    /// its L1 settled): it must extend the head, and passes the same full validation as a
    /// sealed block before it is persisted.
    pub fn import_block(&mut self, block: Block<TxEnvelope>) -> Result<SealedBlock, ChainError> {
        use alloy_consensus::transaction::SignerRecoverable;
        let number = block.header.number;
        if block.header.parent_hash != self.head_hash || number != self.head.number + 1 {
            return Err(self.import_error(
                number,
                format!(
                    "does not extend the head {} (block {}): parent {}",
                    self.head_hash, self.head.number, block.header.parent_hash
                ),
            ));
        }
        let senders = block
            .body
            .transactions
            .iter()
            .map(|t| t.recover_signer())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.import_error(number, e))?;
        self.import(block, senders, &[], &[], &[])
    }

    /// Unwinds the chain to block `keep`, which becomes the head, and returns the
    /// transactions of the removed blocks in order (with their proof sidecars, if any).
    /// This is how a rollup's sequencer follows a settled chain that is not its own
    /// (another settler settled a block of theirs): the unsettled tail goes, the settled
    /// blocks are then imported ([`Chain::import_block`]), and the removed transactions
    /// offered to the pool again. `keep`'s state must still be kept ([`Chain::state_kept`]).
    pub fn rewind(&mut self, keep: u64) -> Result<Vec<(TxEnvelope, Option<Bytes>)>, ChainError> {
        if keep >= self.head.number {
            return Ok(Vec::new());
        }
        if !self.state_kept(keep) {
            return Err(ChainError::Rewind {
                keep,
                reason: "its state is pruned".into(),
            });
        }
        let base = self.header(keep)?.ok_or_else(|| ChainError::Rewind {
            keep,
            reason: "no such block in the datadir".into(),
        })?;
        let mut sidecars = HashMap::new();
        for number in keep + 1..=self.head.number {
            for t in self
                .store
                .block(number)?
                .map(|b| b.body.transactions)
                .unwrap_or_default()
            {
                if let Some(sidecar) = self.store.proof_sidecar(t.tx_hash())? {
                    sidecars.insert(*t.tx_hash(), Bytes::from(sidecar));
                }
            }
        }
        let removed = self.store.unwind(keep)?;
        self.state.headers.retain(|_, h| h.number <= keep);
        self.state.nodes = self.store.node_store();
        self.state.codes.clear();
        self.head_hash = base.hash_slow();
        self.head = base;
        self.pruned_at = self.pruned_at.map(|at| at.min(keep));
        if self.rewinds.len() == MAX_REWINDS_REMEMBERED {
            self.rewinds.pop_front();
        }
        self.rewinds.push_back(keep);
        self.rewind_count += 1;
        tracing::warn!(
            keep,
            hash = %self.head_hash,
            removed = removed.len(),
            "rewound the chain"
        );
        Ok(removed
            .into_iter()
            .flat_map(|b| b.body.transactions)
            .map(|t| {
                let sidecar = sidecars.remove(t.tx_hash());
                (t, sidecar)
            })
            .collect())
    }

    /// Replaces the chain above block `keep` with `blocks` (each extending the one before,
    /// the first extending `keep`): a sequencer following a settled chain that is not its
    /// own. The removed blocks' transactions that the new chain does not include are offered
    /// to the pool again; one it refuses for now (its funds came from a transaction still
    /// to be sealed again) is offered again after each block for [`ORPHAN_RETRY_BLOCKS`],
    /// and one whose nonce is spent, or that `stale` says can only fail on the new chain
    /// (with its sender's later ones), is dropped. Fails at the first block that does not import; the blocks before it stay
    /// imported.
    pub fn reorg(
        &mut self,
        keep: u64,
        blocks: Vec<Block<TxEnvelope>>,
        stale: &dyn Fn(&TxEnvelope) -> bool,
    ) -> Result<crate::service::Reorg, ChainError> {
        let mut removed = self.rewind(keep)?;
        let removed_txs = removed.len();
        // A stale transaction goes with its sender's later ones, which would wait behind
        // its nonce for ever.
        // Pending ones too: a claim pooled since the removed block it names was sealed.
        let mut first_stale: HashMap<Address, u64> = HashMap::default();
        let mut mark = |sender: Address, nonce: u64| {
            let first = first_stale.entry(sender).or_insert(u64::MAX);
            *first = (*first).min(nonce);
        };
        for (tx, _) in &removed {
            use alloy_consensus::transaction::SignerRecoverable;
            if stale(tx)
                && let Ok(sender) = tx.recover_signer()
            {
                mark(sender, tx.nonce());
            }
        }
        for t in self.pool.iter() {
            if stale(&t.tx) {
                mark(t.sender, t.tx.nonce());
            }
        }
        removed.retain(|(tx, _)| {
            use alloy_consensus::transaction::SignerRecoverable;
            tx.recover_signer().map_or(true, |sender| {
                first_stale.get(&sender).is_none_or(|&n| tx.nonce() < n)
            })
        });
        let unpooled: Vec<B256> = self
            .pool
            .iter()
            .filter(|t| {
                first_stale
                    .get(&t.sender)
                    .is_some_and(|&n| t.tx.nonce() >= n)
            })
            .map(|t| t.hash)
            .collect();
        self.pool.remove(&unpooled);
        let imported = blocks.len();
        for block in blocks {
            self.import_block(block)?;
        }
        let until = self.head.number + ORPHAN_RETRY_BLOCKS;
        for (tx, sidecar) in removed {
            use alloy_consensus::transaction::SignerRecoverable;
            // Sealed before, so it recovers.
            if let Ok(sender) = tx.recover_signer() {
                self.orphans.push(Orphan {
                    tx,
                    sender,
                    sidecar,
                    until,
                });
            }
        }
        let repooled = self.retry_orphans();
        Ok(crate::service::Reorg {
            removed_txs,
            imported,
            repooled,
        })
    }

    /// Offers the orphans of re-orgs to the pool again; returns how many it took. Those the
    /// chain includes, whose nonce is spent or whose time is up are forgotten.
    fn retry_orphans(&mut self) -> usize {
        let mut pooled = 0;
        let orphans = std::mem::take(&mut self.orphans);
        for orphan in orphans {
            let tx = &orphan.tx;
            if self
                .store
                .tx_location(tx.tx_hash())
                .ok()
                .flatten()
                .is_some()
                || self.pool.get(tx.tx_hash()).is_some()
            {
                continue;
            }
            let raw = tx.encoded_2718();
            let outcome = match &orphan.sidecar {
                Some(sidecar) => self.submit_with_proofs(&raw, sidecar),
                None => self.submit(&raw),
            };
            match outcome {
                Ok(_) => pooled += 1,
                Err(PoolError::NonceTooLow { .. }) => {}
                Err(e) if self.head.number >= orphan.until => {
                    tracing::info!(tx = %tx.tx_hash(), reason = %e, "a transaction of re-orged blocks is dropped")
                }
                Err(_) => self.orphans.push(orphan),
            }
        }
        pooled
    }

    /// Nonces of `sender`'s transactions that a re-org removed and that wait to be pooled
    /// again: a wallet's next nonce counts them, as it counts pooled ones, so that it does
    /// not replace them.
    pub fn orphan_nonces(&self, sender: Address) -> impl Iterator<Item = u64> + '_ {
        self.orphans
            .iter()
            .filter(move |o| o.sender == sender)
            .map(|o| alloy_consensus::Transaction::nonce(&o.tx))
    }

    /// `sender`'s transactions waiting to be sealed: pooled, or removed by a re-org and
    /// waiting to be pooled again.
    pub fn pending_of(&self, sender: Address) -> impl Iterator<Item = &TxEnvelope> + '_ {
        self.pool
            .iter()
            .filter(move |t| t.sender == sender)
            .map(|t| &t.tx)
            .chain(
                self.orphans
                    .iter()
                    .filter(move |o| o.sender == sender)
                    .map(|o| &o.tx),
            )
    }

    /// Whether the transaction with this hash was removed by a re-org and waits to be pooled
    /// again ([`Chain::reorg`]): pending, like a pooled one.
    pub fn orphaned(&self, hash: &B256) -> bool {
        self.orphans.iter().any(|o| o.tx.tx_hash() == hash)
    }

    /// How many re-orgs this node has made ([`Chain::rewind`]).
    pub fn rewinds(&self) -> usize {
        self.rewind_count
    }

    /// The lowest block any re-org after the first `seen` kept as its base: a reader that
    /// had seen `seen` re-orgs reports blocks again from the one after it. `None` if there
    /// was none since.
    pub fn rewound_to_since(&self, seen: usize) -> Option<u64> {
        let new = self.rewind_count.checked_sub(seen).filter(|&n| n > 0)?;
        if new > self.rewinds.len() {
            return Some(0);
        }
        self.rewinds.iter().rev().take(new).copied().min()
    }

    fn import_error(&self, number: u64, e: impl std::fmt::Display) -> ChainError {
        ChainError::Import {
            number,
            reason: e.to_string(),
        }
    }

    /// Re-executes a built block through the witness generator (full validation), with the
    /// proofs of its transactions' sidecars verified again, persists it with its state
    /// delta, stateless input, blobs and proof sidecars, and makes it the head.
    fn import(
        &mut self,
        block: Block<TxEnvelope>,
        senders: Vec<Address>,
        dropped: &[B256],
        blobs: &[(B256, Vec<u8>)],
        sidecars: &[(B256, Bytes)],
    ) -> Result<SealedBlock, ChainError> {
        let number = block.header.number;
        let config = self.spec.config.clone();
        let mut proofs = BlockProofs::none();
        for (hash, sidecar) in sidecars {
            let index = block
                .body
                .transactions
                .iter()
                .position(|t| t.tx_hash() == hash)
                .ok_or_else(|| {
                    self.import_error(number, format!("sidecar of {hash}: no such transaction"))
                })?;
            let verified = verify_proof_sidecar(&self.factory, sidecar)
                .map_err(|e| self.import_error(number, format!("transaction {hash}: {e}")))?;
            proofs.insert(
                senders[index],
                block.body.transactions[index].nonce(),
                verified,
            );
        }
        let factory = self.factory.for_block(proofs);
        let generated = generate_witness_with(&mut self.state, &block, &config, &factory)
            .map_err(|e| self.import_error(number, e))?;
        let validated = generated
            .outcome
            .map_err(|e| self.import_error(number, e))?;
        let request = payload_from_block(
            &block,
            Some(&validated.requests),
            validated.block_access_list.as_deref().map(|b| &b[..]),
        )
        .map_err(|e| self.import_error(number, e))?;
        if self.role == Role::L2 {
            nr_statement::check_l2_rules(&request).map_err(|e| self.import_error(number, e))?;
        }
        let schema = SchemaId::v1(config.fork_at(block.header.timestamp));
        let stateless_input = StatelessInput {
            schema,
            new_payload_request: request,
            witness: generated.witness,
            chain_id: config.chain_id,
            public_keys: schema
                .is_amsterdam_layout()
                .then(|| nr_stateless::validate::public_keys_of(&block.body.transactions)),
        }
        .encode();
        let hash = validated.block_hash;
        self.store.write_block(&BlockRecord {
            block: &block,
            hash,
            receipts: &validated.receipts,
            added: &generated.added,
            stateless_input: Some(&stateless_input),
            blobs,
            proof_sidecars: sidecars,
            block_access_list: validated.block_access_list.as_deref().map(|b| &b[..]),
        })?;
        // The block's nodes and codes are on disk: memory lets them go (the cache may keep
        // the hot ones).
        self.state.nodes = self.store.node_store();
        self.state.codes.clear();
        self.pool
            .remove_included(&block.body.transactions, &senders);
        self.pool.remove(dropped);
        self.head = block.header.clone();
        self.head_hash = hash;
        self.prune_if_due();
        if !self.orphans.is_empty() {
            self.retry_orphans();
        }
        tracing::info!(
            number,
            %hash,
            txs = block.body.transactions.len(),
            gas_used = block.header.gas_used,
            "sealed block"
        );
        Ok(SealedBlock {
            block,
            hash,
            senders,
            receipts: validated.receipts,
        })
    }
}
