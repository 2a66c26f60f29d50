//! Keeps the L1's settled head close to the L2's: settles the next unsettled blocks, a range
//! at a time, by re-execution (the blocks and their witness in calldata). It keeps no state:
//! the settled head is read from the L1 each time, so a crash loses nothing.

use crate::l1::{L1Error, Rollup};
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::U256;
use alloy_rpc_types_eth::BlockId;
use nr_contracts::{NativeRollup, Resolution, forced};
use nr_node::Node;
use nr_stateless::{StatelessInput, StatelessRangeInput};
use nr_statement::ExecuteInput;
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

/// How the settler settles.
#[derive(Debug, Clone)]
pub struct SettlerConfig {
    /// Most blocks per settlement.
    pub max_range: u64,
    /// How often it looks for unsettled blocks.
    pub interval: Duration,
}

/// Settles until `stop` turns true.
pub async fn run(
    node: Arc<Node<EthEvmFactory>>,
    rollup: Rollup,
    config: SettlerConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = crate::Backoff::new(config.interval);
    loop {
        let delay = match step(&node, &rollup, &config).await {
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
    let settled = rollup
        .view(NativeRollup::headNumberCall {}, BlockId::latest())
        .await?;
    let head = node.chain().head().number;
    if head <= settled {
        return Ok(());
    }
    let (from, to) = (settled + 1, head.min(settled + config.max_range));
    let input = settlement_input(node, from, to)?;
    let resolutions = resolutions(node, rollup, from, to).await?;
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

/// Resolutions of the queued forced transactions, from the queue's head, as far as blocks
/// `from..=to` and the L2's state resolve them (in order: the contract takes them so).
async fn resolutions(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    from: u64,
    to: u64,
) -> Result<Vec<Resolution>, L1Error> {
    let latest = BlockId::latest();
    let head = rollup.view(NativeRollup::forcedHeadCall {}, latest).await?;
    let tail = rollup.view(NativeRollup::forcedTailCall {}, latest).await?;
    let mut out = Vec::new();
    for index in head..tail {
        let call = NativeRollup::forcedQueueCall {
            index: U256::from(index),
        };
        let t = rollup.view(call, latest).await?;
        match resolve(node, &t, from, to) {
            Some(r) => out.push(r),
            None => break,
        }
    }
    Ok(out)
}

/// How the blocks `from..=to` and the state around them resolve forced transaction `t`.
fn resolve(
    node: &Arc<Node<EthEvmFactory>>,
    t: &NativeRollup::forcedQueueReturn,
    from: u64,
    to: u64,
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
    let (before, after) = (header(from - 1)?, header(to)?);
    // Invalid before: its nonce is not the sender's, or the sender cannot pay for it.
    let (nonce, balance, _) = chain.account(before.state_root, t.sender).ok()?;
    if nonce != t.nonce || balance < t.maxCost {
        let proof = chain.proof(before.state_root, t.sender, &[]).ok()?;
        return Some(forced::by_account(
            forced::INVALID_BEFORE,
            proof.account_proof,
        ));
    }
    // Its nonce spent after (included earlier, or replaced by its own sender).
    let (nonce_after, _, _) = chain.account(after.state_root, t.sender).ok()?;
    if nonce_after > t.nonce {
        let proof = chain.proof(after.state_root, t.sender, &[]).ok()?;
        return Some(forced::by_account(forced::NONCE_SPENT, proof.account_proof));
    }
    // Its max fee under every block's base fee.
    let min_base_fee = (from..=to)
        .filter_map(header)
        .filter_map(|h| h.base_fee_per_gas)
        .min()?;
    (t.maxFeePerGas < min_base_fee as u128).then(forced::fee_below_base_fee)
}

/// EXECUTE's re-execution input for L2 blocks `from..=to`: one block's own input, or a range.
pub fn settlement_input(
    node: &Arc<Node<EthEvmFactory>>,
    from: u64,
    to: u64,
) -> Result<Vec<u8>, L1Error> {
    let chain = node.chain();
    let read = |n: u64| {
        chain
            .store()
            .stateless_input(n)
            .ok()
            .flatten()
            .ok_or_else(|| {
                L1Error::Rpc(format!(
                    "the L2 datadir holds no stateless input of block {n}"
                ))
            })
    };
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
