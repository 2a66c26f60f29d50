//! An L2 node following its L1: every block anchors the newest message root the L1 has
//! confirmed, the sequencer relays the claims of the messages it anchored, and it puts the
//! transactions forced through the L1 inbox into its pool.
//!
//! State is rebuilt from the L1 at start (the message events) and the L2 (which messages its
//! bridge has claimed), so a restart resumes without claiming anything twice: a claim is
//! sent only for a message the bridge has not marked, and not twice while it waits in the
//! pool.

use crate::l1::{L1Error, Rollup};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::BlockId;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_contracts::{L2_BRIDGE, L2Bridge, NativeRollup, tree::MessageTree};
use nr_node::Node;
use revm::context::TxEnv;
use std::{collections::BTreeSet, sync::Arc, time::Duration};
use tokio::sync::watch;

/// Gas of the claim of a deposit (a message without a call). On Amsterdam it may create the
/// recipient's account (183,600 state gas) and open a word of the claim bitmap (97,920), on
/// top of about 80,000 of regular gas.
pub const DEPOSIT_CLAIM_GAS: u64 = 500_000;
/// Gas a claim needs besides its message's own `gasLimit`: the proof, the claim bit (a new
/// bitmap word: 97,920 state gas on Amsterdam) and the call's setup.
pub const CLAIM_OVERHEAD_GAS: u64 = 200_000;

/// Which L1 blocks the sequencer takes messages from: an L2 block anchors a message root
/// for good, so the L1 block that made it must not be re-orged away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmations {
    /// Up to the L1's `finalized` block (a re-org cannot remove it; on Ethereum about two
    /// epochs, 13 minutes; the embedded devnet and `nr-node` finalize each block at once).
    Finalized,
    /// Up to this many blocks below the L1's head.
    Depth(u64),
}

/// How the sequencer follows its L1.
#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Which L1 blocks messages are taken from.
    pub confirmations: Confirmations,
    /// How often the L1 is read.
    pub poll: Duration,
    /// The key that signs relayed claims (it holds the genesis float).
    pub key: PrivateKeySigner,
}

/// The sequencer's view of the L1 message tree.
struct Follower {
    tree: MessageTree,
    messages: Vec<NativeRollup::MessageSent>,
    /// The last L1 block whose messages are in `tree`, with its hash: a re-org of the L1
    /// under it shows as another hash at that height.
    scanned: Option<(u64, B256)>,
    /// Whether the unsettled blocks' anchors are still to be checked against the L1 (at
    /// start, and after the L1 re-orged what was read).
    check_anchors: bool,
    /// Messages whose claim was sent and not yet seen claimed, with the claim's L2 hash.
    relayed: std::collections::BTreeMap<u64, B256>,
    /// Messages whose claim fails on the L2 (a dry run reverted, or a sent claim did), with
    /// the L2 block at which they were last tried: not relayed blindly, tried again after
    /// [`RETRY_FAILED_AFTER`] blocks.
    failed: std::collections::BTreeMap<u64, u64>,
    /// Forced transactions not yet seen in a block (network encodings).
    forced: Vec<(u32, Bytes)>,
    /// Whether the L1 was seen finalizing nothing (logged once).
    unfinalized_warned: bool,
    /// Forced transactions the pool refused (logged once; retried, as a nonce may come right).
    refused: BTreeSet<B256>,
}

impl Follower {
    fn new() -> Self {
        Self {
            tree: MessageTree::new(),
            messages: Vec::new(),
            scanned: None,
            check_anchors: true,
            relayed: Default::default(),
            failed: Default::default(),
            forced: Vec::new(),
            refused: BTreeSet::new(),
            unfinalized_warned: false,
        }
    }

    /// Forgets everything read from the L1, to read it again from its first block: what
    /// was read is no longer the L1's (a re-org replaced it).
    fn reset(&mut self) {
        *self = Self {
            unfinalized_warned: self.unfinalized_warned,
            ..Self::new()
        };
    }
}

/// Follows the L1 until `stop` turns true: sets each block's anchor and relays claims.
pub async fn run(
    node: Arc<Node<EthEvmFactory>>,
    rollup: Rollup,
    config: SequencerConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut follower = Follower::new();
    let mut backoff = crate::Backoff::new(config.poll);
    loop {
        let delay = match step(&node, &rollup, &config, &mut follower).await {
            Ok(()) => backoff.ok(),
            Err(e) => {
                let delay = backoff.failed();
                tracing::warn!(error = %e, retry_in = ?delay, "sequencer: reading the L1 failed");
                delay
            }
        };
        if !crate::pause(&mut stop, delay).await {
            return;
        }
    }
}

async fn step(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    config: &SequencerConfig,
    f: &mut Follower,
) -> Result<(), L1Error> {
    let confirmed = match config.confirmations {
        Confirmations::Finalized => match rollup.finalized().await? {
            Some(n) => n,
            None => {
                if !f.unfinalized_warned {
                    f.unfinalized_warned = true;
                    tracing::warn!(
                        "the L1 finalizes no block: taking messages from its head (an L1 that can re-org needs --confirmations)"
                    );
                }
                rollup.head().await?
            }
        },
        Confirmations::Depth(n) => rollup.head().await?.saturating_sub(n),
    };
    if let Some((number, hash)) = f.scanned
        && rollup.block_hash(number).await? != Some(hash)
    {
        tracing::warn!(
            l1_block = number,
            "the L1 re-orged blocks whose messages were read: reading them again"
        );
        f.reset();
    }
    let from = f.scanned.map_or(0, |(b, _)| b + 1);
    if from <= confirmed {
        // Read before the events, so that the root below is checked on the block they came
        // from: a re-org in between shows as a mismatch, not as a wrong tree taken for right.
        let Some(confirmed_hash) = rollup.block_hash(confirmed).await? else {
            return Ok(()); // re-orged shorter since the head was read: next time
        };
        if let Err(reason) = scan(rollup, f, from, confirmed, confirmed_hash).await? {
            // The L1's messages are not what was read before: a re-org replaced them.
            f.reset();
            return Err(L1Error::Contract {
                address: rollup.address,
                reason: format!("{reason}: reading the L1's messages again"),
            });
        }
    }
    let root = f.tree.root();
    if node.anchor() != Some(root) {
        tracing::info!(messages = f.tree.len(), %root, "anchoring the L1 message root");
        node.set_anchor(root);
    }
    if f.check_anchors && f.scanned.is_some() {
        drop_unknown_anchors(node, rollup, f).await?;
        f.check_anchors = false;
    }
    relay(node, config, f);
    if !f.forced.is_empty() {
        // Those a settlement resolved (shown invalid, or included) are done with.
        let resolved = rollup
            .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
            .await?;
        f.forced.retain(|(index, _)| *index >= resolved);
    }
    include_forced(node, f);
    Ok(())
}

/// Reads the messages and forced transactions of L1 blocks `from..=to` (`to` has hash
/// `to_hash`) into `f`, and checks the tree against the contract's root at `to`. An inner
/// error says the L1 no longer holds what was read before.
async fn scan(
    rollup: &Rollup,
    f: &mut Follower,
    from: u64,
    to: u64,
    to_hash: B256,
) -> Result<Result<(), String>, L1Error> {
    for (m, _) in rollup.events::<NativeRollup::MessageSent>(from, to).await? {
        if m.index as usize != f.tree.len() {
            return Ok(Err(format!(
                "message {} out of order (expected {})",
                m.index,
                f.tree.len()
            )));
        }
        f.tree
            .push(nr_contracts::message_leaf(&nr_contracts::message_of(&m)));
        f.messages.push(m);
    }
    for (t, _) in rollup
        .events::<NativeRollup::ForcedTransactionQueued>(from, to)
        .await?
    {
        tracing::info!(index = t.index, tx = %t.txHash, sender = %t.sender, "a transaction was forced through the L1");
        f.forced.push((t.index, t.transaction));
    }
    // The tree rebuilt from the events must be the contract's at that block, once the
    // contract is there: before the L1 confirms its deployment there is nothing to ask
    // (and no message).
    if !f.tree.is_empty() || rollup.deployed_at(to).await? {
        let root = f.tree.root();
        let on_l1 = match rollup
            .view(NativeRollup::messageRootCall {}, BlockId::hash(to_hash))
            .await
        {
            Ok(on_l1) => on_l1,
            // The block is gone (re-orged away since its hash was read).
            Err(e) if rollup.block_hash(to).await? != Some(to_hash) => {
                return Ok(Err(format!("L1 block {to} was re-orged away ({e})")));
            }
            Err(e) => return Err(e),
        };
        if on_l1 != root {
            return Ok(Err(format!(
                "message root {on_l1} at L1 block {to}, events give {root}"
            )));
        }
    } else {
        tracing::debug!(to, "the L1 has not confirmed the rollup's deployment yet");
    }
    f.scanned = Some((to, to_hash));
    Ok(Ok(()))
}

/// Rewinds the unsettled blocks from the first whose anchor the L1 does not know: an L1
/// re-org deeper than the confirmations took the message root it anchored away, and the
/// contract would refuse it (`UnknownAnchor`) for ever. Their transactions go back to the
/// pool, less the claims that named a removed block's anchor; the blocks sealed next carry
/// the root the L1 holds now.
async fn drop_unknown_anchors(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    f: &mut Follower,
) -> Result<(), L1Error> {
    let settled = rollup
        .view(NativeRollup::headNumberCall {}, BlockId::latest())
        .await?;
    let head = node.chain().head().number;
    let mut known = std::collections::BTreeMap::new();
    let mut unknown = None;
    for number in settled + 1..=head {
        let Some(header) = node.chain().header(number).ok().flatten() else {
            break;
        };
        let anchor = header.parent_beacon_block_root.unwrap_or_default();
        let is_known = match known.get(&anchor) {
            Some(&k) => k,
            None => {
                let a = rollup
                    .view(
                        NativeRollup::anchorsCall { root: anchor },
                        BlockId::latest(),
                    )
                    .await?;
                known.insert(anchor, a.count != 0);
                a.count != 0
            }
        };
        if !is_known {
            unknown = Some((number, anchor));
            break;
        }
    }
    let Some((first, anchor)) = unknown else {
        return Ok(());
    };
    tracing::warn!(
        first,
        %anchor,
        head,
        "L2 blocks anchor a message root the L1 no longer holds (an L1 re-org): sealing them again on its current root"
    );
    let removed = {
        let chain = node.chain();
        let head = chain.head().number;
        crate::settler::anchors_of(
            &mut (first..=head).filter_map(|n| chain.header(n).ok().flatten()),
        )
    };
    let none = Default::default();
    let stale = crate::settler::claims_naming(&removed, &none);
    let done = node
        .reorg(first - 1, Vec::new(), &stale)
        .map_err(|e| L1Error::Follow(e.to_string()))?;
    // Message indices may name other messages now: what was relayed or failed is read anew.
    f.relayed.clear();
    f.failed.clear();
    tracing::warn!(
        head = first - 1,
        removed_txs = done.removed_txs,
        repooled = done.repooled,
        "rewound the blocks of the re-orged anchor"
    );
    Ok(())
}

/// Puts forced transactions into the pool until a block holds them or a settlement resolves
/// them: the settler must show each included (or invalid) once due. The pool takes them ahead
/// of its capacity and its fee order, so no flood of better-paying transactions keeps them
/// out of the next block.
fn include_forced(node: &Arc<Node<EthEvmFactory>>, f: &mut Follower) {
    let refused = &mut f.refused;
    f.forced.retain(|(_, raw)| {
        let hash = alloy_primitives::keccak256(raw);
        let chain = node.chain();
        if chain.store().tx_location(&hash).ok().flatten().is_some() {
            return false;
        }
        if chain.pool.get(&hash).is_some_and(|t| t.forced) {
            return true;
        }
        drop(chain);
        match node.submit_forced(raw) {
            Ok(_) => tracing::info!(tx = %hash, "forced transaction pooled"),
            // Invalid here (nonce, balance, fee): the settler proves it so on the L1.
            Err(e) => {
                if refused.insert(hash) {
                    tracing::info!(tx = %hash, reason = %e, "forced transaction not includable now");
                }
            }
        }
        true
    });
}

/// L2 blocks before a message whose claim failed is tried again (its target's state may
/// have changed).
pub const RETRY_FAILED_AFTER: u64 = 64;
/// Most dry runs of claims one step makes (each runs up to a message's gas limit): a flood
/// of failing messages costs the sequencer bounded work, and the L2 nothing.
const DRY_RUNS_PER_STEP: usize = 16;

/// Sends the claims of messages the L2 head anchors and its bridge has not marked. A claim
/// is sent only when a dry run on the head state succeeds: a message whose L2 call always
/// fails (a poisoned message) would otherwise burn its gas limit in every block it is
/// relayed in, paid from the sequencer's float, while honest messages queue behind it. A
/// message whose claim fails is not relayed again until a dry run passes, tried every
/// [`RETRY_FAILED_AFTER`] blocks; anyone may still claim it on the L2 themselves.
fn relay(node: &Arc<Node<EthEvmFactory>>, config: &SequencerConfig, f: &mut Follower) {
    let head = node.chain().head().clone();
    let Some(count) = (0..=f.tree.len())
        .rev()
        .find(|&c| f.tree.root_at(c) == head.parent_beacon_block_root.unwrap_or_default())
    else {
        return;
    };
    let mut nonce = None;
    let mut dry_runs = 0;
    // Claims of this key waiting to be sealed, by message: a re-org may put one back in the
    // pool after the relay saw it claimed and forgot it.
    let waiting: BTreeSet<u64> = {
        use alloy_consensus::Transaction;
        let chain = node.chain();
        chain
            .pending_of(config.key.address())
            .filter(|t| Transaction::to(*t) == Some(L2_BRIDGE))
            .filter_map(|t| L2Bridge::claimMessageCall::abi_decode(Transaction::input(t)).ok())
            .map(|c| c.m.index)
            .collect()
    };
    for index in 0..count {
        let i = index as u64;
        if claimed(node, i) {
            f.relayed.remove(&i);
            f.failed.remove(&i);
            continue;
        }
        if waiting.contains(&i) && !f.relayed.contains_key(&i) {
            continue;
        }
        if let Some(hash) = f.relayed.get(&i).copied() {
            let chain = node.chain();
            if chain.pool.get(&hash).is_some() || chain.orphaned(&hash) {
                continue; // pending (or waiting to be pooled again after a re-org)
            }
            let mined = chain.store().tx_location(&hash).ok().flatten().is_some();
            drop(chain);
            f.relayed.remove(&i);
            if mined {
                // Mined, and the message is still unclaimed: the claim reverted.
                tracing::warn!(index = i, %hash, "a relayed claim failed on the L2: not relayed again until a dry run passes");
                f.failed.insert(i, head.number);
                continue;
            }
        }
        if f.failed
            .get(&i)
            .is_some_and(|&at| head.number < at + RETRY_FAILED_AFTER)
        {
            continue;
        }
        if dry_runs == DRY_RUNS_PER_STEP {
            break;
        }
        dry_runs += 1;
        let m = &f.messages[index];
        let call = L2Bridge::claimMessageCall {
            m: nr_contracts::message_of(m),
            anchorTimestamp: U256::from(head.timestamp),
            path: f.tree.path(index, count),
        };
        let gas = if m.gasLimit == 0 {
            DEPOSIT_CLAIM_GAS
        } else {
            m.gasLimit + CLAIM_OVERHEAD_GAS
        };
        let input: Bytes = call.abi_encode().into();
        if let Err(reason) = dry_run(node, config.key.address(), &input, gas) {
            if f.failed.insert(i, head.number).is_none() {
                tracing::warn!(index = i, to = %m.to, %reason, "a message's claim fails on the L2: not relayed");
            }
            continue;
        }
        f.failed.remove(&i);
        let n = *nonce.get_or_insert_with(|| pending_nonce(node, config.key.address()));
        let raw = sign(&config.key, node, n, L2_BRIDGE, input, gas);
        match node.submit(&raw) {
            Ok(hash) => {
                tracing::info!(index = i, %hash, to = %m.to, value = %m.value, "relayed a message claim");
                f.relayed.insert(i, hash);
                nonce = Some(n + 1);
            }
            // A key short of funds is tried again with the failed ones, not every step.
            Err(e @ nr_node::pool::PoolError::InsufficientFunds { .. }) => {
                if f.failed.insert(i, head.number).is_none() {
                    tracing::warn!(index = i, error = %e, "the L2 pool refused a claim");
                }
            }
            Err(e) => tracing::warn!(index = i, error = %e, "the L2 pool refused a claim"),
        }
    }
}

/// Runs a claim from `from` on the head state, as the next block would.
fn dry_run(
    node: &Arc<Node<EthEvmFactory>>,
    from: Address,
    input: &Bytes,
    gas_limit: u64,
) -> Result<(), String> {
    let chain = node.chain();
    let head = chain.head().clone();
    let env = chain.next_env(head.timestamp + 1);
    let tx = TxEnv {
        caller: from,
        kind: TxKind::Call(L2_BRIDGE),
        data: input.clone(),
        gas_limit,
        chain_id: Some(chain.spec.config.chain_id),
        ..Default::default()
    };
    chain
        .call(&head, env, tx)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Whether the L2 bridge has marked message `index` claimed.
fn claimed(node: &Arc<Node<EthEvmFactory>>, index: u64) -> bool {
    let chain = node.chain();
    let head = chain.head().clone();
    let env = chain.next_env(head.timestamp + 1);
    let tx = TxEnv {
        caller: Address::ZERO,
        kind: TxKind::Call(L2_BRIDGE),
        data: L2Bridge::isClaimedCall { index }.abi_encode().into(),
        gas_limit: 100_000,
        chain_id: Some(chain.spec.config.chain_id),
        ..Default::default()
    };
    chain
        .call(&head, env, tx)
        .ok()
        .and_then(|out| L2Bridge::isClaimedCall::abi_decode_returns(&out.output).ok())
        .unwrap_or(false)
}

/// The sender's next nonce: its state's, past those it has pooled (or that a re-org removed
/// and that wait to be pooled again), as `eth_getTransactionCount(pending)` counts.
fn pending_nonce(node: &Arc<Node<EthEvmFactory>>, who: Address) -> u64 {
    use alloy_consensus::Transaction;
    let chain = node.chain();
    let mut nonce = chain
        .account(chain.head().state_root, who)
        .map_or(0, |a| a.0);
    let taken: BTreeSet<u64> = chain.pending_of(who).map(|t| t.nonce()).collect();
    while taken.contains(&nonce) {
        nonce += 1;
    }
    nonce
}

fn sign(
    key: &PrivateKeySigner,
    node: &Arc<Node<EthEvmFactory>>,
    nonce: u64,
    to: Address,
    input: Bytes,
    gas_limit: u64,
) -> Vec<u8> {
    let chain = node.chain();
    let base_fee = chain
        .head()
        .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
        .unwrap_or(1) as u128;
    let tx = TxEip1559 {
        chain_id: chain.spec.config.chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: 2 * base_fee + 1_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::ZERO,
        input,
        access_list: Default::default(),
    };
    let sig = key
        .sign_hash_sync(&tx.signature_hash())
        .expect("signing with a local key");
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
}
