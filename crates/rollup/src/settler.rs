//! Keeps the L1's settled head close to the L2's: settles the next unsettled blocks, a range
//! at a time, by re-execution (the blocks and their witness in calldata) or by proofs (the
//! blocks' data in blobs, a compressed SP1 proof of them from the prover in a sidecar beside
//! the transaction, which EXECUTE's dependency mode looks up). It keeps no state: the
//! settled head is read from the L1 each time, so a crash loses nothing (a proof already
//! made for the next range is found in the work directory and reused).

use crate::l1::{L1Error, Rollup};
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::U256;
use alloy_rpc_types_eth::BlockId;
use nr_contracts::{NativeRollup, Resolution, forced};
use nr_node::Node;
use nr_stateless::{StatelessInput, StatelessRangeInput};
use nr_statement::ExecuteInput;
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::watch;

/// How the settler settles.
#[derive(Debug, Clone)]
pub struct SettlerConfig {
    /// Most blocks per settlement.
    pub max_range: u64,
    /// How often it looks for unsettled blocks.
    pub interval: Duration,
    /// Settle by proofs from this prover instead of by re-execution.
    pub proofs: Option<ProofSettling>,
}

/// Where proof-mode settlements get their proofs.
#[derive(Debug, Clone)]
pub struct ProofSettling {
    /// The `prover` binary, built with SP1's SDK (`--features sdk`, or `cuda`).
    pub prover: PathBuf,
    /// Prove on an NVIDIA GPU (`prover prove --cuda`).
    pub cuda: bool,
    /// Where the blocks' inputs and the proof sidecars are written.
    pub workdir: PathBuf,
}

/// L1 gas a proof-dependency settlement needs beyond EXECUTE's charge: the contract's own
/// work (reading the output, checks, the head update; under 50,000 for one block) with margin. A
/// node cannot estimate a call whose EXECUTE depends on a sidecar it has not seen, so the
/// settler computes the charge itself.
pub const PROOF_SETTLEMENT_OVERHEAD_GAS: u64 = 400_000;

/// Settles until `stop` turns true.
pub async fn run(
    node: Arc<Node<EthEvmFactory>>,
    rollup: Rollup,
    config: SettlerConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = crate::Backoff::new(config.interval);
    loop {
        // A stop cancels the step in flight: a proof can take many minutes, and dropping
        // the step kills the prover (nothing is lost: the settled head is on the L1).
        let outcome = tokio::select! {
            outcome = step(&node, &rollup, &config) => outcome,
            _ = stop.changed() => return,
        };
        let delay = match outcome {
            Ok(()) => backoff.ok(),
            Err(e) => {
                let delay = backoff.failed();
                tracing::warn!(error = %e, retry_in = ?delay, "settler: settlement failed");
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
    config: &SettlerConfig,
) -> Result<(), L1Error> {
    let (settled, settled_hash) = rollup.settled_head().await?;
    let ours = node.chain().header(settled).ok().flatten();
    if ours.is_none_or(|h| h.hash_slow() != settled_hash) {
        // Someone else settled blocks of their own: ours from there on can never settle.
        return follow_settled(node, rollup).await;
    }
    // The state and inputs below the settled head may now be pruned (past a window).
    let head = {
        let mut chain = node.chain();
        chain.set_settled(settled);
        chain.head().number
    };
    if head <= settled {
        return Ok(());
    }
    let from = settled + 1;
    let ForcedPlan { to, resolutions } =
        plan_forced(node, rollup, from, head.min(settled + config.max_range)).await?;
    if let Some(proofs) = &config.proofs {
        return settle_with_proofs(node, rollup, proofs, from, to, resolutions).await;
    }
    let input = settlement_input(node, from, to)?;
    let (bytes, resolved) = (input.len(), resolutions.len());
    let call = NativeRollup::settleCall {
        input: input.into(),
        resolutions,
    };
    let receipt = rollup.send(call, U256::ZERO).await?;
    tracing::info!(
        from,
        to,
        input_bytes = bytes,
        forced_resolved = resolved,
        gas_used = receipt.gas_used,
        l1_block = ?receipt.block_number,
        "settled"
    );
    Ok(())
}

/// Makes the node's chain the one the L1 settled, when another settler settled blocks that
/// are not this node's (anyone may settle any valid block): the last settlement that ended
/// on one of this node's blocks is kept, the blocks of every settlement after it are read
/// from the L1 (as the verifier reads them) and imported in place of this node's, and the
/// transactions of the blocks removed go back to the pool. Sequencing then goes on from
/// the settled head.
pub async fn follow_settled(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
) -> Result<(), L1Error> {
    let ours = |number: u64| {
        node.chain()
            .header(number)
            .ok()
            .flatten()
            .map(|h| h.hash_slow())
    };
    // The settlements from the newest back to the last one of this node's blocks (or the
    // first), a window of L1 blocks at a time.
    let mut events = Vec::new();
    let mut to = rollup.head().await?;
    loop {
        let from = to.saturating_sub(crate::l1::LOG_WINDOW - 1);
        let mut window = rollup.events::<NativeRollup::Settled>(from, to).await?;
        let found = window
            .iter()
            .any(|(e, _)| ours(e.number) == Some(e.blockHash));
        window.append(&mut events);
        events = window;
        if found || from == 0 {
            break;
        }
        to = from - 1;
    }
    let diverged = events
        .iter()
        .rposition(|(e, _)| ours(e.number) == Some(e.blockHash))
        .map_or(0, |i| i + 1);
    let diverged = (diverged < events.len()).then_some(diverged);
    let Some(first) = diverged else {
        return Ok(()); // every settlement is of this node's blocks (the L1 moved meanwhile)
    };
    if events[first].0.number == 0 {
        return Err(L1Error::Follow(format!(
            "the rollup's L2 genesis is {}, this node's is {}: it runs another L2 (see --genesis)",
            events[first].0.blockHash,
            ours(0).unwrap_or_default()
        )));
    }
    let keep = first.checked_sub(1).map_or(0, |i| events[i].0.number);
    let mut blocks = Vec::new();
    for (e, tx) in &events[first..] {
        let settled = crate::verifier::settled_blocks(rollup, *tx, e.number)
            .await
            .map_err(|e| match e {
                crate::verifier::VerifyError::L1(e) => e,
                other => L1Error::Follow(other.to_string()),
            })?;
        blocks.extend(settled.into_iter().filter(|b| b.header.number > keep));
    }
    let (last, _) = events.last().expect("a settlement diverged");
    let head = node.chain().head().number;
    tracing::warn!(
        keep,
        ours_to = head,
        settled_to = last.number,
        "the L1 settled blocks that are not this node's: following the settled chain"
    );
    let removed = {
        let chain = node.chain();
        anchors_of(&mut (keep + 1..=head).filter_map(|n| chain.header(n).ok().flatten()))
    };
    let settled = anchors_of(&mut blocks.iter().map(|b| b.header.clone()));
    let stale = claims_naming(&removed, &settled);
    let done = node
        .reorg(keep, blocks, &stale)
        .map_err(|e| L1Error::Follow(e.to_string()))?;
    let (number, hash) = {
        let chain = node.chain();
        (chain.head().number, chain.head_hash())
    };
    if number != last.number || hash != last.blockHash {
        return Err(L1Error::Follow(format!(
            "rebuilt head {number} ({hash}), settled {} ({})",
            last.number, last.blockHash
        )));
    }
    tracing::warn!(
        head = number,
        %hash,
        removed_txs = done.removed_txs,
        imported = done.imported,
        repooled = done.repooled,
        "now on the settled chain"
    );
    Ok(())
}

/// The anchors of L2 blocks by their timestamps.
pub(crate) fn anchors_of(
    headers: &mut dyn Iterator<Item = alloy_consensus::Header>,
) -> BTreeMap<u64, Option<alloy_primitives::B256>> {
    headers
        .map(|h| (h.timestamp, h.parent_beacon_block_root))
        .collect()
}

/// Whether a transaction claims an L1 message against the anchor of one of the `removed`
/// blocks (by timestamp) that the blocks replacing them do not hold: a claim names its
/// anchor by the timestamp of the L2 block that anchored it, so such a claim can only
/// revert on the new chain (the sequencer relays it again against its new head).
pub(crate) fn claims_naming<'a>(
    removed: &'a BTreeMap<u64, Option<alloy_primitives::B256>>,
    replacing: &'a BTreeMap<u64, Option<alloy_primitives::B256>>,
) -> impl Fn(&alloy_consensus::TxEnvelope) -> bool + 'a {
    move |tx| {
        use alloy_consensus::Transaction;
        use alloy_sol_types::SolCall;
        tx.to() == Some(nr_contracts::L2_BRIDGE)
            && nr_contracts::L2Bridge::claimMessageCall::abi_decode(tx.input()).is_ok_and(|c| {
                u64::try_from(c.anchorTimestamp)
                    .is_ok_and(|t| removed.contains_key(&t) && replacing.get(&t) != removed.get(&t))
            })
    }
}

/// Settles blocks `from..=to` by a proof: the prover proves them (or its proof from an
/// earlier run is reused), and the settlement carries the blocks' data in blobs and the
/// proof in a sidecar.
async fn settle_with_proofs(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    config: &ProofSettling,
    from: u64,
    to: u64,
    resolutions: Vec<Resolution>,
) -> Result<(), L1Error> {
    let inputs = (from..=to)
        .map(|n| stored_input(node, n))
        .collect::<Result<Vec<_>, _>>()?;
    let job = nr_prover::Job::from_inputs(inputs.clone())
        .map_err(|e| L1Error::Rpc(format!("blocks {from}..={to}: {e}")))?;
    let statement = job
        .native_statement()
        .map_err(|e| L1Error::Rpc(format!("blocks {from}..={to} have no statement: {e}")))?;
    let sidecar = proof_of(config, &inputs, from, to, &statement.encode()).await?;
    let programs: Vec<[u8; 32]> = nr_statement::ProofSidecar::decode(&sidecar)
        .map_err(|e| L1Error::Rpc(format!("proof sidecar: {e}")))?
        .proofs
        .iter()
        .map(|p| p.program)
        .collect();
    let programs_len = programs.len();
    let input = job
        .dependency_input(&statement, programs)
        .map_err(|e| L1Error::Rpc(e.to_string()))?
        .encode();
    let blocks = job.payloads().len() as u64;
    let blobs: Vec<_> = job
        .blobs
        .blobs
        .iter()
        .map(|b| alloy_eips::eip4844::Blob::from_slice(&b[..]))
        .collect();
    let gas = nr_execute::gas::dependency_gas(input.len(), programs_len, blobs.len())
        + PROOF_SETTLEMENT_OVERHEAD_GAS
        + 20_000 * blocks;
    let call = NativeRollup::settleCall {
        input: input.into(),
        resolutions,
    };
    let receipt = rollup.send_with_proofs(call, &blobs, &sidecar, gas).await?;
    tracing::info!(
        from,
        to,
        blobs = blobs.len(),
        sidecar_bytes = sidecar.len(),
        gas_used = receipt.gas_used,
        l1_block = ?receipt.block_number,
        "settled by proof"
    );
    Ok(())
}

/// The proof sidecar of blocks `from..=to`: the one in the work directory if it proves
/// `statement`, else a new one from the prover.
async fn proof_of(
    config: &ProofSettling,
    inputs: &[Vec<u8>],
    from: u64,
    to: u64,
    statement: &[u8],
) -> Result<Vec<u8>, L1Error> {
    let io = |e: std::io::Error| L1Error::Rpc(format!("proof work directory: {e}"));
    std::fs::create_dir_all(&config.workdir).map_err(io)?;
    let out = config.workdir.join(format!("blocks-{from}-{to}.sidecar"));
    let proves = |bytes: &[u8]| {
        nr_statement::ProofSidecar::decode(bytes)
            .is_ok_and(|s| s.proofs.iter().all(|p| p.statement[..] == *statement))
    };
    if let Ok(bytes) = std::fs::read(&out)
        && proves(&bytes)
    {
        tracing::info!(from, to, "reusing the proof made earlier");
        return Ok(bytes);
    }
    let mut command = tokio::process::Command::new(&config.prover);
    command
        .args(["prove", "--mode", "compressed", "--out"])
        .arg(&out);
    for (n, input) in (from..=to).zip(inputs) {
        let path = config.workdir.join(format!("block-{n}.input"));
        std::fs::write(&path, input).map_err(io)?;
        command.arg("--input").arg(path);
    }
    if config.cuda {
        command.arg("--cuda");
    }
    tracing::info!(from, to, prover = %config.prover.display(), cuda = config.cuda, "proving");
    let started = std::time::Instant::now();
    let output = command
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| L1Error::Rpc(format!("starting {}: {e}", config.prover.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output");
        return Err(L1Error::Rpc(format!(
            "the prover failed ({}): {last}",
            output.status
        )));
    }
    let bytes = std::fs::read(&out).map_err(io)?;
    if !proves(&bytes) {
        return Err(L1Error::Rpc(
            "the prover's sidecar does not prove these blocks".into(),
        ));
    }
    tracing::info!(from, to, seconds = started.elapsed().as_secs(), "proven");
    Ok(bytes)
}

fn stored_input(node: &Arc<Node<EthEvmFactory>>, n: u64) -> Result<Vec<u8>, L1Error> {
    node.chain()
        .store()
        .stateless_input(n)
        .ok()
        .flatten()
        .ok_or_else(|| {
            L1Error::Rpc(format!(
                "the L2 datadir holds no stateless input of block {n}"
            ))
        })
}

/// Most blocks a settlement may stretch to, to reach a forced transaction's inclusion block
/// (EXECUTE's range limit).
const MAX_STRETCH: u64 = nr_stateless::ssz::MAX_RANGE_BLOCKS as u64;

/// What a settlement of blocks `from..=to` must carry for the forced-transaction queue, and
/// how far it may reach.
#[derive(Debug)]
pub struct ForcedPlan {
    /// The last block to settle: the asked-for `to`, stretched to the block that includes a
    /// forced transaction this settlement makes due, or cut before the deadline of one that
    /// is not resolvable yet.
    pub to: u64,
    /// Resolutions from the queue's head, in order.
    pub resolutions: Vec<Resolution>,
}

/// Plans the forced-transaction side of settling `from..=to`. The contract judges a queued
/// transaction due once the settlement's last block reaches its deadline (L2 time), so a
/// settler behind the L2 settles older blocks freely; a due one must be included in the
/// settled blocks or shown not includable. When the blocks do not resolve a due one, the
/// range stretches to its inclusion block, or stops before its deadline; never does a
/// settlement that would revert `ForcedTransactionDue` go out.
pub async fn plan_forced(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    from: u64,
    to: u64,
) -> Result<ForcedPlan, L1Error> {
    let latest = BlockId::latest();
    let head = rollup.view(NativeRollup::forcedHeadCall {}, latest).await?;
    let tail = rollup.view(NativeRollup::forcedTailCall {}, latest).await?;
    if head == tail {
        return Ok(ForcedPlan {
            to,
            resolutions: Vec::new(),
        });
    }
    let window_min = rollup
        .view(NativeRollup::minBaseFeeWhileForcedCall {}, latest)
        .await?;
    let mut queue = Vec::new();
    for index in head..tail {
        let call = NativeRollup::forcedQueueCall {
            index: U256::from(index),
        };
        queue.push((index, rollup.view(call, latest).await?));
    }
    let mut to = to;
    // Each pass moves `to` to a block that resolves one more transaction, or stops.
    for _ in 0..=queue.len() {
        let mut resolutions = Vec::new();
        let mut stuck = None;
        for (index, t) in &queue {
            match resolve(node, t, from, to, window_min) {
                Some(r) => resolutions.push(r),
                None => {
                    stuck = Some((*index, t));
                    break;
                }
            }
        }
        let Some((index, t)) = stuck else {
            return Ok(ForcedPlan { to, resolutions });
        };
        let chain = node.chain();
        let time = |n: u64| chain.header(n).ok().flatten().map(|h| h.timestamp);
        if time(to).is_none_or(|ts| ts < t.deadline) {
            // Not due at `to`: the queue stops here for this settlement.
            return Ok(ForcedPlan { to, resolutions });
        }
        if let Some(at) = chain.store().tx_location(&t.txHash).ok().flatten()
            && at.block > to
            && at.block < from + MAX_STRETCH
        {
            tracing::info!(
                index,
                from,
                to,
                inclusion = at.block,
                "stretching the settlement to a forced transaction's block"
            );
            to = at.block;
            continue;
        }
        // Not resolvable yet: settle only the blocks before its deadline.
        match (from..to)
            .rev()
            .find(|&n| time(n).is_some_and(|ts| ts < t.deadline))
        {
            Some(before) => {
                tracing::info!(
                    index,
                    from,
                    to = before,
                    deadline = t.deadline,
                    "settling up to a forced transaction's deadline"
                );
                to = before;
            }
            None => {
                return Err(L1Error::Rpc(format!(
                    "forced transaction {index} is due at L2 block {from} and neither included nor shown invalid: waiting for the L2 to include it"
                )));
            }
        }
    }
    Err(L1Error::Rpc(format!(
        "no settlement from L2 block {from} resolves the forced-transaction queue"
    )))
}

/// How the blocks `from..=to` and the state after them resolve forced transaction `t`, as
/// the contract judges it (`window_min`: its `minBaseFeeWhileForced`).
fn resolve(
    node: &Arc<Node<EthEvmFactory>>,
    t: &NativeRollup::forcedQueueReturn,
    from: u64,
    to: u64,
    window_min: u128,
) -> Option<Resolution> {
    let chain = node.chain();
    // Included in one of the blocks being settled.
    if let Some(at) = chain.store().tx_location(&t.txHash).ok().flatten()
        && (from..=to).contains(&at.block)
    {
        let block = chain.store().block(at.block).ok().flatten()?;
        return forced::inclusion(&block, t.txHash);
    }
    let header = |n: u64| chain.header(n).ok().flatten();
    let after = header(to)?;
    // Its nonce spent after (included earlier, or replaced by its own sender): any time.
    let (nonce, balance, _) = chain.account(after.state_root, t.sender).ok()?;
    if nonce > t.nonce {
        let proof = chain.proof(after.state_root, t.sender, &[]).ok()?;
        return Some(forced::by_account(forced::NONCE_SPENT, proof.account_proof));
    }
    // The rest only once due: until its deadline it may still become includable.
    if after.timestamp < t.deadline {
        return None;
    }
    // Not executable after the settlement: a nonce gap, or a balance short of its cost.
    if nonce != t.nonce || balance < t.maxCost {
        let proof = chain.proof(after.state_root, t.sender, &[]).ok()?;
        return Some(forced::by_account(
            forced::INVALID_AFTER,
            proof.account_proof,
        ));
    }
    // Its max fee under the base fee of every block settled since it was queued.
    let settled_min = (from..=to)
        .filter_map(header)
        .filter_map(|h| h.base_fee_per_gas)
        .min()?;
    let min = window_min.min(u128::from(settled_min));
    (t.maxFeePerGas < min).then(forced::fee_below_base_fee)
}

/// EXECUTE's re-execution input for L2 blocks `from..=to`: one block's own input, or a range.
pub fn settlement_input(
    node: &Arc<Node<EthEvmFactory>>,
    from: u64,
    to: u64,
) -> Result<Vec<u8>, L1Error> {
    let read = |n: u64| stored_input(node, n);
    if from == to {
        return read(from);
    }
    let inputs = (from..=to)
        .map(|n| {
            read(n).and_then(|b| {
                StatelessInput::decode(&b)
                    .map_err(|e| L1Error::Rpc(format!("stored input of block {n}: {e}")))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let range = StatelessRangeInput::from_inputs(&inputs)
        .ok_or_else(|| L1Error::Rpc(format!("blocks {from}..={to} do not form a range")))?;
    Ok(ExecuteInput::Range(range).encode())
}
