//! Keeps the L1's settled head close to the L2's: settles the next unsettled blocks, a range
//! at a time, by re-execution (the blocks and their witness in calldata). It keeps no state:
//! the settled head is read from the L1 each time, so a crash loses nothing.

use crate::l1::{L1Error, Rollup};
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::U256;
use alloy_rpc_types_eth::BlockId;
use nr_contracts::NativeRollup;
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
    let mut backoff = config.interval;
    loop {
        match step(&node, &rollup, &config).await {
            Ok(()) => backoff = config.interval,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "settler: settlement failed");
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(backoff) => {}
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
    let bytes = input.len();
    let receipt = rollup
        .send(
            NativeRollup::settleCall {
                input: input.into(),
                resolutions: vec![],
            },
            U256::ZERO,
        )
        .await?;
    tracing::info!(
        from,
        to,
        input_bytes = bytes,
        gas_used = receipt.gas_used,
        l1_block = ?receipt.block_number,
        "settled"
    );
    Ok(())
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
