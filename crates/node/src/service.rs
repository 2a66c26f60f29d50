//! A running node: the chain behind a lock, the block sealer (on an interval, or as soon
//! as a transaction arrives), the JSON-RPC server, and an orderly stop.
//!
//! Every sealed block is already durable when it becomes the head (one redb transaction
//! each), so a stop only has to let an in-flight seal finish and keep the pending
//! transactions: they are journaled to the datadir and re-admitted at the next start, as
//! geth journals its pool.

use crate::chain::NodeEvmFactory;
use crate::{Chain, ChainError, SealedBlock, chain::BlockAttributes, pool::PoolError, rpc};
use alloy_primitives::{Address, B256};
use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use std::{
    collections::BTreeSet,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{Notify, watch};

/// File in the datadir that holds the pending transactions between runs.
pub const POOL_JOURNAL: &str = "pool.journal";
/// File beside it with the proof sidecars of journaled transactions: keccak-256 of the
/// transaction's network bytes, the sidecar's length (u32 BE), the sidecar.
pub const SIDECAR_JOURNAL: &str = "pool.sidecars";

/// How a node runs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where JSON-RPC listens (port 0: any free port).
    pub http: SocketAddr,
    /// Seal a block every interval; `None`: seal as soon as the pool has transactions.
    pub block_time: Option<Duration>,
    /// Fee recipient of sealed blocks.
    pub fee_recipient: Address,
    /// The datadir (for the pool journal).
    pub datadir: PathBuf,
    /// Seal nothing until an anchor is set ([`Node::set_anchor`]): an L2 sequencer must
    /// never seal a block whose anchor its L1 rollup contract did not produce, or the chain
    /// could never settle past it. Otherwise blocks carry a zero root until one is set.
    pub wait_for_anchor: bool,
    /// Senders whose transactions the RPC refuses: a sequencer's local policy, which the
    /// rollup's L1 inbox exists to overcome (forced transactions enter by [`Node::submit`]).
    pub refuse_senders: BTreeSet<Address>,
    /// Limits on each JSON-RPC request.
    pub rpc: RpcLimits,
    /// Serve `debug_setHead` ([`Node::set_head`]): a dev chain that tests can re-org. Off
    /// unless asked for, since anyone who reaches the RPC could then rewind the chain.
    pub set_head: bool,
}

/// Limits on one JSON-RPC request, so that no request (a long batch of stateless inputs,
/// say) can take the node's memory: geth's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcLimits {
    /// Most calls in a batch; a longer batch is refused before any of them runs (geth's
    /// `--rpc.batch-request-limit`, 1,000).
    pub max_batch: u32,
    /// Most bytes of one response, a batch's responses together: a batch stops with an
    /// error as soon as they pass it (geth's `--rpc.batch-response-max-size`, 25 MB).
    pub max_response_bytes: u32,
    /// Most open connections (reth's default, 500); one past them is turned away.
    pub max_connections: u32,
}

impl Default for RpcLimits {
    fn default() -> Self {
        Self {
            max_batch: 1_000,
            max_response_bytes: 25_000_000,
            max_connections: 500,
        }
    }
}

/// The chain and what its RPC handlers share.
pub struct Node<F> {
    chain: Mutex<Chain<F>>,
    /// Signalled when a transaction enters the pool (wakes the sealer in automine mode).
    pooled: Notify,
    /// The `parent_beacon_block_root` of the blocks it seals: on an L2, the L1 anchor its
    /// sequencer sets (`None`: none yet, seal nothing).
    anchor: Mutex<Option<B256>>,
    /// The polling filters installed over JSON-RPC.
    filters: Mutex<crate::watch::Filters>,
    pub(crate) config: NodeConfig,
}

impl<F: NodeEvmFactory> Node<F> {
    /// The chain, locked. A handler that panicked does not wedge the node: every block is
    /// written in one transaction, so the chain is consistent between calls.
    pub fn chain(&self) -> MutexGuard<'_, Chain<F>> {
        self.chain.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits a transaction (network encoding) to the pool.
    pub fn submit(&self, raw: &[u8]) -> Result<B256, PoolError> {
        let hash = self.chain().submit(raw)?;
        self.pooled.notify_one();
        Ok(hash)
    }

    /// Admits a transaction forced through the rollup's L1 inbox ([`Chain::submit_forced`]).
    pub fn submit_forced(&self, raw: &[u8]) -> Result<B256, PoolError> {
        let hash = self.chain().submit_forced(raw)?;
        self.pooled.notify_one();
        Ok(hash)
    }

    /// Admits a transaction sent to the node's RPC: [`Node::submit`] after the sender policy
    /// ([`NodeConfig::refuse_senders`]).
    pub fn submit_public(&self, raw: &[u8]) -> Result<B256, PoolError> {
        self.check_sender(raw)?;
        self.submit(raw)
    }

    /// Refuses a transaction from a sender of [`NodeConfig::refuse_senders`]; what does not
    /// decode passes, for the pool to refuse with its own reason.
    fn check_sender(&self, raw: &[u8]) -> Result<(), PoolError> {
        use alloy_consensus::transaction::SignerRecoverable;
        use alloy_eips::eip2718::Decodable2718;
        if self.config.refuse_senders.is_empty() {
            return Ok(());
        }
        let sender = crate::pool::NetworkTx::decode_2718(&mut &raw[..])
            .ok()
            .and_then(|tx| tx.recover_signer().ok());
        match sender {
            Some(s) if self.config.refuse_senders.contains(&s) => Err(PoolError::SenderRefused(s)),
            _ => Ok(()),
        }
    }

    /// Submits a transaction with its proof sidecar. The proofs are verified before the
    /// chain is locked (a compressed proof takes a while), then the transaction is pooled.
    pub fn submit_with_proofs(&self, raw: &[u8], sidecar: &[u8]) -> Result<B256, PoolError> {
        self.check_sender(raw)?;
        let factory = self.chain().factory().clone();
        let proofs = crate::chain::admit_proof_sidecar(&factory, raw, sidecar)?;
        let hash = self.chain().submit_verified(raw, Some(proofs))?;
        self.pooled.notify_one();
        Ok(hash)
    }

    /// Seals a block now, timestamped with the wall clock (at least one second after its
    /// parent).
    pub fn seal(&self) -> Result<SealedBlock, ChainError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let anchor = self.anchor().ok_or(ChainError::NoAnchor)?;
        self.chain().seal(BlockAttributes {
            timestamp: now,
            fee_recipient: self.config.fee_recipient,
            prev_randao: B256::ZERO,
            parent_beacon_block_root: anchor,
        })
    }

    /// [`Chain::reorg`] under one lock of the chain, so that nothing is sealed between;
    /// wakes the sealer for the transactions pooled again.
    pub fn reorg(
        &self,
        keep: u64,
        blocks: Vec<alloy_consensus::Block<alloy_consensus::TxEnvelope>>,
        stale: &dyn Fn(&alloy_consensus::TxEnvelope) -> bool,
    ) -> Result<Reorg, ChainError> {
        let done = self.chain().reorg(keep, blocks, stale)?;
        if done.repooled > 0 {
            self.pooled.notify_one();
        }
        Ok(done)
    }

    /// Rewinds the chain to block `keep` and drops the blocks above it with their
    /// transactions (geth's `debug_setHead`): what an L1 re-org does to a node that follows
    /// it, made on demand so that tests can re-org a dev chain. Transactions pooled before
    /// stay pooled. Returns how many transactions the removed blocks held.
    pub fn set_head(&self, keep: u64) -> Result<usize, ChainError> {
        Ok(self.chain().rewind(keep)?.len())
    }

    /// The anchor the next sealed block carries (`None`: waiting for the sequencer's first).
    pub fn anchor(&self) -> Option<B256> {
        *self.anchor.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The installed polling filters.
    pub(crate) fn filters(&self) -> MutexGuard<'_, crate::watch::Filters> {
        self.filters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the anchor of the blocks sealed from now on (an L2 sequencer following its L1).
    pub fn set_anchor(&self, anchor: B256) {
        *self.anchor.lock().unwrap_or_else(PoisonError::into_inner) = Some(anchor);
    }
}

/// What a [`Node::reorg`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reorg {
    /// Transactions in the removed blocks.
    pub removed_txs: usize,
    /// Blocks imported in their place.
    pub imported: usize,
    /// Removed transactions the pool took again at once (others may follow,
    /// [`Chain::reorg`]).
    pub repooled: usize,
}

/// A node serving JSON-RPC, sealing blocks in the background.
pub struct RunningNode<F> {
    /// The shared node.
    pub node: Arc<Node<F>>,
    /// Where JSON-RPC listens.
    pub addr: SocketAddr,
    server: ServerHandle,
    stop: watch::Sender<bool>,
    sealer: tokio::task::JoinHandle<()>,
}

/// Starts serving `chain`: binds the RPC server, re-admits the journaled pool, starts the
/// sealer. A start that fails (the port in use) leaves the journal as it was.
pub async fn start<F>(chain: Chain<F>, config: NodeConfig) -> eyre::Result<RunningNode<F>>
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    start_with_methods(chain, config, jsonrpsee::Methods::new()).await
}

/// [`start`], serving `extra` methods beside the node's own (a rollup's status, say); a
/// name the node already serves is refused.
pub async fn start_with_methods<F>(
    mut chain: Chain<F>,
    config: NodeConfig,
    extra: jsonrpsee::Methods,
) -> eyre::Result<RunningNode<F>>
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    // Requests: blob transactions (~1.4 MB each) exceed jsonrpsee's default.
    let limits = ServerConfig::builder()
        .max_request_body_size(32 * 1024 * 1024)
        .max_response_body_size(config.rpc.max_response_bytes)
        .set_batch_request_config(BatchRequestConfig::Limit(config.rpc.max_batch))
        .max_connections(config.rpc.max_connections)
        .build();
    let server = Server::builder()
        .set_config(limits)
        .build(config.http)
        .await
        .map_err(|e| eyre::eyre!("cannot listen on {}: {e}", config.http))?;
    let addr = server.local_addr()?;
    restore_pool(&mut chain, &config.datadir)?;
    let node = Arc::new(Node {
        chain: Mutex::new(chain),
        pooled: Notify::new(),
        anchor: Mutex::new((!config.wait_for_anchor).then_some(B256::ZERO)),
        filters: Mutex::default(),
        config,
    });
    let mut methods = rpc::module(node.clone())?;
    methods
        .merge(extra)
        .map_err(|e| eyre::eyre!("extra JSON-RPC methods: {e}"))?;
    let server = server.start(methods);
    let (stop, stopped) = watch::channel(false);
    let sealer = tokio::spawn(seal_loop(node.clone(), stopped));
    tracing::info!(%addr, "JSON-RPC listening");
    Ok(RunningNode {
        node,
        addr,
        server,
        stop,
        sealer,
    })
}

impl<F: NodeEvmFactory + Send + Sync + 'static> RunningNode<F> {
    /// Stops sealing (an in-flight seal completes), stops the server, and journals the
    /// pending transactions.
    pub async fn stop(self) -> eyre::Result<()> {
        let _ = self.stop.send(true);
        let _ = self.sealer.await;
        let _ = self.server.stop();
        self.server.stopped().await;
        let chain = self.node.chain();
        let kept = journal_pool(&chain, &self.node.config.datadir)?;
        tracing::info!(
            head = chain.head().number,
            pending = kept,
            "stopped; every sealed block is on disk"
        );
        Ok(())
    }
}

async fn seal_loop<F>(node: Arc<Node<F>>, mut stopped: watch::Receiver<bool>)
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    let mut interval = node.config.block_time.map(|every| {
        let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        i
    });
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = async {
                match &mut interval {
                    Some(i) => { i.tick().await; }
                    None => node.pooled.notified().await,
                }
            } => {}
        }
        let n = node.clone();
        let automine = interval.is_none();
        let sealed = tokio::task::spawn_blocking(move || {
            if (automine && n.chain().pool.is_empty()) || n.anchor().is_none() {
                return Ok(None);
            }
            n.seal().map(Some)
        })
        .await;
        match sealed {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "sealing failed"),
            Err(e) => tracing::error!(error = %e, "sealer panicked"),
        }
        // In automine mode, transactions that arrived while sealing wait for no one.
        if automine && !node.chain().pool.is_empty() {
            node.pooled.notify_one();
        }
    }
}

/// Writes the pending transactions (network encoding, length-prefixed) to the journal,
/// atomically; returns how many.
fn journal_pool<F>(chain: &Chain<F>, datadir: &Path) -> eyre::Result<usize> {
    let (mut out, mut sidecars) = (Vec::new(), Vec::new());
    let mut txs: Vec<_> = chain.pool.iter().collect();
    txs.sort_by_key(|t| (t.sender, alloy_consensus::Transaction::nonce(&t.tx)));
    for tx in &txs {
        out.extend_from_slice(&(tx.raw.len() as u32).to_be_bytes());
        out.extend_from_slice(&tx.raw);
        if let Some(p) = &tx.proofs {
            // Keyed by the hash of the network bytes (a blob transaction's hash leaves out
            // its blobs): what the restore reads back without decoding.
            sidecars.extend_from_slice(alloy_primitives::keccak256(&tx.raw).as_slice());
            sidecars.extend_from_slice(&(p.sidecar.len() as u32).to_be_bytes());
            sidecars.extend_from_slice(&p.sidecar);
        }
    }
    // The sidecars first: a journal whose transactions are there has its sidecars too.
    for (name, bytes) in [(SIDECAR_JOURNAL, &sidecars), (POOL_JOURNAL, &out)] {
        let tmp = datadir.join(format!("{name}.tmp"));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, datadir.join(name))?;
    }
    Ok(txs.len())
}

/// Re-admits journaled transactions (those no longer valid are dropped with a log line).
/// The journal stays until the next orderly stop replaces it: a node killed before then
/// re-admits the same transactions at its next start (those already sealed are refused as
/// stale), so none is lost.
fn restore_pool<F: NodeEvmFactory>(chain: &mut Chain<F>, datadir: &Path) -> eyre::Result<()> {
    let path = datadir.join(POOL_JOURNAL);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(eyre::eyre!("reading {}: {e}", path.display())),
    };
    let sidecar_path = datadir.join(SIDECAR_JOURNAL);
    let sidecar_bytes = std::fs::read(&sidecar_path).unwrap_or_default();
    let mut sidecars = std::collections::HashMap::new();
    let mut rest = sidecar_bytes.as_slice();
    while let Some((hash, tail)) = rest.split_first_chunk::<32>()
        && let Some((len, tail)) = tail.split_first_chunk::<4>()
        && let Some(sidecar) = tail.get(..u32::from_be_bytes(*len) as usize)
    {
        sidecars.insert(B256::from(*hash), sidecar);
        rest = &tail[sidecar.len()..];
    }
    let (mut rest, mut restored) = (bytes.as_slice(), 0);
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        let Some(raw) = tail.get(..len) else {
            tracing::warn!("pool journal is truncated; keeping what precedes the tear");
            break;
        };
        let admitted = match sidecars.get(&alloy_primitives::keccak256(raw)) {
            Some(sidecar) => chain.submit_with_proofs(raw, sidecar),
            None => chain.submit(raw),
        };
        match admitted {
            Ok(_) => restored += 1,
            Err(e) => tracing::info!(error = %e, "journaled transaction dropped"),
        }
        rest = &tail[len..];
    }
    tracing::info!(restored, "pool journal re-admitted");
    Ok(())
}
