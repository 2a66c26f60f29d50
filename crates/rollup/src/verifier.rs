//! A node that trusts no sequencer: it rebuilds the L2 from what its L1 settled. For each
//! `Settled` event of the rollup contract it reads the settlement transaction's calldata
//! (re-execution settlements carry the blocks), imports those blocks through the same full
//! validation a sealed block passes, and checks that its head then has the settled block
//! hash and state root. It serves the L2 it rebuilt over the node's JSON-RPC, and seals
//! nothing of its own.

use crate::l1::{L1Error, Rollup};
use alloy_evm::eth::EthEvmFactory;
use alloy_sol_types::SolCall;
use nr_contracts::NativeRollup;
use nr_node::Node;
use nr_stateless::{
    NewPayloadRequest, SchemaId, StatelessInput, StatelessRangeInput, block_from_payload,
};
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

/// Why the verifier stopped following.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The L1.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// A settlement's data does not decode as EXECUTE input.
    #[error("settlement {tx}: {reason}")]
    Data {
        /// The L1 transaction.
        tx: alloy_primitives::B256,
        /// What is wrong.
        reason: String,
    },
    /// A settled block does not import, or the rebuilt chain differs from what was settled.
    #[error("L2 block {number}: {reason}")]
    Diverged {
        /// The L2 block.
        number: u64,
        /// What differs.
        reason: String,
    },
}

/// Follows the L1's settlements until `stop` turns true.
pub async fn run(
    node: Arc<Node<EthEvmFactory>>,
    rollup: Rollup,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut scanned_to: Option<u64> = None;
    loop {
        match step(&node, &rollup, &mut scanned_to).await {
            Ok(()) => {}
            Err(VerifyError::L1(e)) => {
                tracing::warn!(error = %e, "verifier: reading the L1 failed")
            }
            Err(e) => {
                tracing::error!(error = %e, "verifier: the L2 the L1 settled does not rebuild; stopped following");
                return;
            }
        }
        if !crate::pause(&mut stop, poll).await {
            return;
        }
    }
}

async fn step(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
    scanned_to: &mut Option<u64>,
) -> Result<(), VerifyError> {
    let head = rollup.head().await?;
    let from = scanned_to.map_or(0, |b| b + 1);
    if from > head {
        return Ok(());
    }
    for (settled, tx) in rollup.events::<NativeRollup::Settled>(from, head).await? {
        if settled.number == 0 || settled.number <= node.chain().head().number {
            continue; // the genesis, or already rebuilt
        }
        let data = rollup.transaction_input(tx).await?;
        let (schema, requests) =
            blocks_of(&data).map_err(|reason| VerifyError::Data { tx, reason })?;
        for request in requests {
            let number = request.execution_payload.block_number;
            if number <= node.chain().head().number {
                continue;
            }
            let diverged = |reason: String| VerifyError::Diverged { number, reason };
            let block =
                block_from_payload(&request, schema.fork).map_err(|e| diverged(e.to_string()))?;
            node.chain()
                .import_block(block.block)
                .map_err(|e| diverged(e.to_string()))?;
        }
        let chain = node.chain();
        let (hash, root) = (chain.head_hash(), chain.head().state_root);
        if chain.head().number != settled.number
            || hash != settled.blockHash
            || root != settled.stateRoot
        {
            return Err(VerifyError::Diverged {
                number: settled.number,
                reason: format!(
                    "rebuilt head {} ({hash}, state {root}), settled {} ({}, state {})",
                    chain.head().number,
                    settled.number,
                    settled.blockHash,
                    settled.stateRoot
                ),
            });
        }
        tracing::info!(number = settled.number, hash = %hash, "rebuilt from the L1 and checked");
    }
    *scanned_to = Some(head);
    Ok(())
}

/// The blocks a settlement transaction's calldata carries.
fn blocks_of(calldata: &[u8]) -> Result<(SchemaId, Vec<NewPayloadRequest>), String> {
    let call = NativeRollup::settleCall::abi_decode(calldata).map_err(|_| {
        "not a re-execution settlement (settleWithProofs carries its blocks in blobs)".to_string()
    })?;
    let input = call.input;
    match input.get(..2) {
        Some([0xff, 0x01]) => {
            let range = StatelessRangeInput::decode(&input[2..]).map_err(|e| e.to_string())?;
            Ok((range.schema, range.new_payload_requests))
        }
        _ => {
            let single = StatelessInput::decode(&input).map_err(|e| e.to_string())?;
            Ok((single.schema, vec![single.new_payload_request]))
        }
    }
}
