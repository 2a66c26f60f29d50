//! What wallets and indexers watch the chain with, as geth serves it:
//!
//! * polling filters: `eth_newFilter`, `eth_newBlockFilter`,
//!   `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//!   `eth_uninstallFilter`. At most [`MAX_FILTERS`]; one not polled for [`FILTER_TIMEOUT`] is
//!   dropped (geth's 5 minutes);
//! * WebSocket subscriptions on the same port: `eth_subscribe` to `newHeads`, `logs` (with a
//!   filter) or `newPendingTransactions`, `eth_unsubscribe`;
//! * the pool: `txpool_status`, `txpool_content` (geth's shapes: a sender's transactions are
//!   `pending` from its state nonce on without a gap, `queued` after one).
//!
//! Each filter or subscription reports blocks from the one after the head it last saw. A
//! rollup sequencer re-orgs only to follow the chain its L1 settled ([`Chain::rewind`]);
//! then each reports again from the first block that changed (geth's `removed` logs are not
//! sent).

use crate::chain::NodeEvmFactory;
use crate::rpc::{
    RpcResult, internal, invalid_params, logs, number_of, rpc_header, rpc_tx_pending, server_error,
};
use crate::{Chain, service::Node};
use alloy_consensus::Transaction as _;
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U64, map::HashMap};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, types::Params};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

/// Most filters installed at once.
pub const MAX_FILTERS: usize = 1_000;
/// A filter not polled for this long is uninstalled.
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);
/// How often a subscription looks for new blocks and pooled transactions.
const SUBSCRIPTION_POLL: Duration = Duration::from_millis(100);

/// The installed filters.
#[derive(Default)]
pub struct Filters {
    next_id: u64,
    installed: HashMap<u64, Installed>,
}

struct Installed {
    kind: Kind,
    polled: Instant,
    /// The chain's re-orgs when the filter last reported ([`Chain::rewinds`]).
    rewinds: usize,
}

enum Kind {
    /// Hashes of blocks from `next` on.
    Blocks { next: u64 },
    /// Logs matching `filter` in blocks from `next` on.
    Logs { filter: Box<Filter>, next: u64 },
    /// Hashes of transactions pooled since the last poll.
    Pending { seen: HashSet<B256> },
}

impl Filters {
    /// Filter `id`, marked as polled now, its position moved back past a re-org of `chain`
    /// since it last reported.
    fn poll<F: NodeEvmFactory>(&mut self, id: U64, chain: &Chain<F>) -> RpcResult<&mut Kind> {
        let f = self
            .installed
            .get_mut(&id.to::<u64>())
            .ok_or_else(filter_not_found)?;
        f.polled = Instant::now();
        if let Kind::Blocks { next } | Kind::Logs { next, .. } = &mut f.kind {
            rewind_cursor(chain, &mut f.rewinds, next);
        }
        f.rewinds = chain.rewinds();
        Ok(&mut f.kind)
    }

    fn install(&mut self, kind: Kind, rewinds: usize) -> RpcResult<U64> {
        let now = Instant::now();
        self.installed
            .retain(|_, f| now.duration_since(f.polled) < FILTER_TIMEOUT);
        if self.installed.len() >= MAX_FILTERS {
            return Err(server_error(format!(
                "too many filters: {MAX_FILTERS} installed"
            )));
        }
        self.next_id += 1;
        self.installed.insert(
            self.next_id,
            Installed {
                kind,
                polled: now,
                rewinds,
            },
        );
        Ok(U64::from(self.next_id))
    }
}

fn filter_not_found() -> jsonrpsee::types::ErrorObjectOwned {
    server_error("filter not found")
}

/// Moves `next` back to the block after the lowest base of the re-orgs `chain` made since
/// `seen` of them, so that the blocks that replaced those a reader saw are reported.
fn rewind_cursor<F: NodeEvmFactory>(chain: &Chain<F>, seen: &mut usize, next: &mut u64) {
    if let Some(keep) = chain.rewound_to_since(*seen) {
        *next = (*next).min(keep + 1);
    }
    *seen = chain.rewinds();
}

/// Blocks `next..=` the head (at most [`crate::rpc::MAX_BLOCK_RANGE`] of them).
fn new_blocks<F: NodeEvmFactory>(chain: &Chain<F>, next: u64) -> std::ops::RangeInclusive<u64> {
    let head = chain.head().number;
    next..=head.min(next.saturating_add(crate::rpc::MAX_BLOCK_RANGE - 1))
}

/// Logs matching `filter` in blocks `next..=` the head, bounded by the filter's own range.
fn new_logs<F: NodeEvmFactory>(
    chain: &Chain<F>,
    filter: &Filter,
    next: u64,
) -> RpcResult<(Vec<Log>, u64)> {
    let blocks = new_blocks(chain, next);
    let (from, to) = (*blocks.start(), *blocks.end());
    let (lo, hi) = match filter.block_option {
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.and_then(|t| fixed(chain, t)).unwrap_or(0),
            to_block.and_then(|t| fixed(chain, t)).unwrap_or(u64::MAX),
        ),
        FilterBlockOption::AtBlockHash(_) => (0, u64::MAX),
    };
    let (from, to) = (from.max(lo), to.min(hi));
    if from > to {
        return Ok((Vec::new(), blocks.end() + 1));
    }
    let window = filter.clone().from_block(from).to_block(to);
    Ok((logs(chain, &window)?, to + 1))
}

/// A block tag that names a fixed block (a number, `earliest`); moving tags bound nothing.
fn fixed<F: NodeEvmFactory>(chain: &Chain<F>, tag: BlockNumberOrTag) -> Option<u64> {
    match tag {
        BlockNumberOrTag::Number(_) | BlockNumberOrTag::Earliest => number_of(chain, tag),
        _ => None,
    }
}

/// Hashes of pooled transactions not in `seen`, which becomes the pool's set.
fn new_pending<F: NodeEvmFactory>(chain: &Chain<F>, seen: &mut HashSet<B256>) -> Vec<B256> {
    let now: HashSet<B256> = chain.pool.iter().map(|t| t.hash).collect();
    let fresh = now.difference(seen).copied().collect();
    *seen = now;
    fresh
}

/// Registers the filter, subscription and pool methods.
pub fn register<F>(m: &mut RpcModule<Arc<Node<F>>>) -> eyre::Result<()>
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    macro_rules! method {
        ($name:literal, |$p:ident, $node:ident| $body:expr) => {
            m.register_blocking_method($name, |$p: Params, $node: Arc<Arc<Node<F>>>, _| {
                crate::rpc::handle(|| $body)
            })?;
        };
    }
    method!("eth_newFilter", |p, n| {
        let filter: Filter = p.one()?;
        if let FilterBlockOption::AtBlockHash(_) = filter.block_option {
            return Err(invalid_params(
                "a filter watches new blocks: blockHash is for eth_getLogs",
            ));
        }
        let (next, rewinds) = {
            let chain = n.chain();
            (chain.head().number + 1, chain.rewinds())
        };
        n.filters().install(
            Kind::Logs {
                filter: Box::new(filter),
                next,
            },
            rewinds,
        )
    });
    method!("eth_newBlockFilter", |_p, n| {
        let (next, rewinds) = {
            let chain = n.chain();
            (chain.head().number + 1, chain.rewinds())
        };
        n.filters().install(Kind::Blocks { next }, rewinds)
    });
    method!("eth_newPendingTransactionFilter", |_p, n| {
        let (seen, rewinds) = {
            let chain = n.chain();
            (chain.pool.iter().map(|t| t.hash).collect(), chain.rewinds())
        };
        n.filters().install(Kind::Pending { seen }, rewinds)
    });
    method!("eth_uninstallFilter", |p, n| {
        let id: U64 = p.one()?;
        Ok(n.filters().installed.remove(&id.to::<u64>()).is_some())
    });
    method!("eth_getFilterChanges", |p, n| {
        let id: U64 = p.one()?;
        let chain = n.chain();
        let mut filters = n.filters();
        Ok(match filters.poll(id, &chain)? {
            Kind::Blocks { next } => {
                let mut hashes = Vec::new();
                for number in new_blocks(&chain, *next) {
                    let header = chain
                        .header(number)
                        .map_err(internal)?
                        .ok_or_else(|| internal("missing header"))?;
                    hashes.push(header.hash_slow());
                    *next = number + 1;
                }
                json!(hashes)
            }
            Kind::Logs { filter, next } => {
                let (found, after) = new_logs(&chain, filter, *next)?;
                *next = after;
                json!(found)
            }
            Kind::Pending { seen } => json!(new_pending(&chain, seen)),
        })
    });
    method!("eth_getFilterLogs", |p, n| {
        let id: U64 = p.one()?;
        // The chain before the filters, as every handler locks them.
        let chain = n.chain();
        let filter = match n.filters().poll(id, &chain)? {
            Kind::Logs { filter, .. } => filter.clone(),
            _ => return Err(invalid_params("not a log filter")),
        };
        logs(&chain, &filter)
    });

    method!("txpool_status", |_p, n| {
        let (pending, queued) = pool_by_state(&n.chain());
        let count = |m: &BySender| U64::from(m.values().map(BTreeMap::len).sum::<usize>());
        Ok(json!({ "pending": count(&pending), "queued": count(&queued) }))
    });
    method!("txpool_content", |_p, n| {
        let (pending, queued) = pool_by_state(&n.chain());
        Ok(json!({ "pending": pending, "queued": queued }))
    });

    m.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, node, _| async move {
            subscribe(params, pending, Arc::clone(&node)).await
        },
    )?;
    Ok(())
}

/// A sender's pooled transactions by nonce, keyed by its checksummed address.
type BySender = BTreeMap<String, BTreeMap<u64, Value>>;

/// The pool split as geth reports it: per sender (EIP-55 address) and nonce, `pending` from
/// the sender's state nonce on without a gap, `queued` after a gap.
fn pool_by_state<F: NodeEvmFactory>(chain: &Chain<F>) -> (BySender, BySender) {
    let mut by_sender: BTreeMap<Address, BTreeMap<u64, Value>> = BTreeMap::new();
    for t in chain.pool.iter() {
        let tx = rpc_tx_pending(&t.tx, t.sender);
        by_sender
            .entry(t.sender)
            .or_default()
            .insert(t.tx.nonce(), json!(tx));
    }
    let (mut pending, mut queued) = (BTreeMap::new(), BTreeMap::new());
    let root = chain.head().state_root;
    for (sender, txs) in by_sender {
        let mut expected = chain.account(root, sender).map_or(0, |a| a.0);
        let (mut p, mut q) = (BTreeMap::new(), BTreeMap::new());
        for (nonce, tx) in txs {
            if nonce == expected {
                p.insert(nonce, tx);
                expected += 1;
            } else {
                q.insert(nonce, tx);
            }
        }
        if !p.is_empty() {
            pending.insert(sender.to_checksum(None), p);
        }
        if !q.is_empty() {
            queued.insert(sender.to_checksum(None), q);
        }
    }
    (pending, queued)
}

/// What a subscription reports.
enum Topic {
    Heads,
    Logs(Box<Filter>),
    Pending,
}

async fn subscribe<F>(params: Params<'static>, pending: PendingSubscriptionSink, node: Arc<Node<F>>)
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    let mut seq = params.sequence();
    let kind: String = match seq.next() {
        Ok(kind) => kind,
        Err(e) => return pending.reject(e).await,
    };
    let topic = match kind.as_str() {
        "newHeads" => Topic::Heads,
        "logs" => match seq.optional_next::<Filter>() {
            Ok(filter) => Topic::Logs(Box::new(filter.unwrap_or_default())),
            Err(e) => return pending.reject(e).await,
        },
        "newPendingTransactions" => Topic::Pending,
        other => {
            return pending
                .reject(invalid_params(format!(
                    "unknown subscription {other:?}: newHeads, logs or newPendingTransactions"
                )))
                .await;
        }
    };
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let (mut next, mut seen, mut rewinds) = {
        let chain = node.chain();
        let seen: HashSet<B256> = chain.pool.iter().map(|t| t.hash).collect();
        (chain.head().number + 1, seen, chain.rewinds())
    };
    let mut tick = tokio::time::interval(SUBSCRIPTION_POLL);
    loop {
        tokio::select! {
            _ = sink.closed() => return,
            _ = tick.tick() => {}
        }
        let items: Vec<Value> = {
            let chain = node.chain();
            rewind_cursor(&chain, &mut rewinds, &mut next);
            match &topic {
                Topic::Heads => {
                    let mut out = Vec::new();
                    for number in new_blocks(&chain, next) {
                        match rpc_header(&chain, number) {
                            Ok(h) => out.push(json!(h)),
                            Err(_) => break,
                        }
                        next = number + 1;
                    }
                    out
                }
                Topic::Logs(filter) => match new_logs(&chain, filter, next) {
                    Ok((found, after)) => {
                        next = after;
                        found.into_iter().map(|l| json!(l)).collect()
                    }
                    Err(_) => Vec::new(),
                },
                Topic::Pending => new_pending(&chain, &mut seen)
                    .into_iter()
                    .map(|h| json!(h))
                    .collect(),
            }
        };
        for item in items {
            let Ok(raw) = serde_json::value::to_raw_value(&item) else {
                continue;
            };
            if sink.send(raw).await.is_err() {
                return;
            }
        }
    }
}
