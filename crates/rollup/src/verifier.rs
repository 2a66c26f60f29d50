//! A node that trusts no sequencer: it rebuilds the L2 from what its L1 settled. For each
//! `Settled` event of the rollup contract it reads the data of the call that emitted it,
//! found in the transaction's call trace (so a settlement made through a multisig, a
//! bundler or any wrapper reads like a direct one; an L1 without `debug_traceTransaction`
//! falls back to the transaction's own calldata) (re-execution settlements carry the
//! blocks in calldata; proof settlements in blobs,
//! fetched from the L1 node with `engine_getBlobsV2` and cut to the exact bytes the proven
//! statement's blob evaluations commit to), imports those blocks through the same full
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
    let mut scanned: Option<(u64, alloy_primitives::B256)> = None;
    loop {
        match step(&node, &rollup, &mut scanned).await {
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
    scanned: &mut Option<(u64, alloy_primitives::B256)>,
) -> Result<(), VerifyError> {
    let head = rollup.head().await?;
    let Some(head_hash) = rollup.block_hash(head).await? else {
        return Ok(()); // re-orged shorter since the head was read: next time
    };
    if let Some((number, hash)) = *scanned
        && rollup.block_hash(number).await? != Some(hash)
    {
        tracing::warn!(
            l1_block = number,
            "the L1 re-orged blocks whose settlements were read: following its settled chain again"
        );
        follow_l1_settled(node, rollup).await?;
        *scanned = Some((head, head_hash));
        return Ok(());
    }
    let from = scanned.map_or(0, |(b, _)| b + 1);
    if from > head {
        return Ok(());
    }
    for (settled, tx) in rollup.events::<NativeRollup::Settled>(from, head).await? {
        if settled.number == 0 || settled.number <= node.chain().head().number {
            continue; // the genesis, or already rebuilt
        }
        for block in settled_blocks(rollup, tx, settled.number).await? {
            let number = block.header.number;
            if number <= node.chain().head().number {
                continue;
            }
            node.chain()
                .import_block(block)
                .map_err(|e| VerifyError::Diverged {
                    number,
                    reason: e.to_string(),
                })?;
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
    *scanned = Some((head, head_hash));
    Ok(())
}

/// Makes the node's chain the L1's settled chain again after an L1 re-org: blocks the L1
/// settled in place of the node's are imported instead ([`crate::settler::follow_settled`]),
/// and blocks whose settlement the re-org removed are rewound (they are settled again, or
/// others in their place, by the settlements read next).
async fn follow_l1_settled(
    node: &Arc<Node<EthEvmFactory>>,
    rollup: &Rollup,
) -> Result<(), VerifyError> {
    crate::settler::follow_settled(node, rollup).await?;
    let (settled, settled_hash) = rollup.settled_head().await?;
    let ours = node
        .chain()
        .header(settled)
        .ok()
        .flatten()
        .map(|h| h.hash_slow());
    if node.chain().head().number > settled && ours == Some(settled_hash) {
        let done =
            node.reorg(settled, Vec::new(), &|_| false)
                .map_err(|e| VerifyError::Diverged {
                    number: settled,
                    reason: e.to_string(),
                })?;
        tracing::warn!(
            head = settled,
            removed_txs = done.removed_txs,
            "rewound the blocks whose settlement the L1 re-orged away"
        );
    }
    Ok(())
}

/// The L2 blocks settled by L1 transaction `tx`, whose settlement's last block is `number`:
/// read from the call that emitted its `Settled` event (found in the call trace, or the
/// transaction's own calldata on an L1 without `debug_traceTransaction`), from its calldata
/// for re-execution and from its blobs for proofs.
pub async fn settled_blocks(
    rollup: &Rollup,
    tx: alloy_primitives::B256,
    number: u64,
) -> Result<Vec<alloy_consensus::Block<alloy_consensus::TxEnvelope>>, VerifyError> {
    let (outer, blob_hashes) = rollup.transaction_input(tx).await?;
    let data = match rollup.call_trace(tx).await {
        Ok(trace) => settling_call(&trace, rollup.address, number)
            .cloned()
            .ok_or_else(|| VerifyError::Data {
                tx,
                reason: format!("its call trace holds no call that settled block {number}"),
            })?,
        Err(e) => {
            tracing::warn!(error = %e, %tx, "no call trace from the L1: reading the transaction's own calldata");
            outer
        }
    };
    let (schema, requests) = match blocks_of(&data) {
        Ok(blocks) => blocks,
        Err(reason) => {
            let Some(statement) = proven_statement(&data) else {
                return Err(VerifyError::Data { tx, reason });
            };
            let blobs = rollup.blobs(&blob_hashes).await?;
            blocks_in_blobs(&statement, &blobs)
                .map_err(|reason| VerifyError::Data { tx, reason })?
        }
    };
    requests
        .iter()
        .map(|request| {
            block_from_payload(request, schema.fork)
                .map(|b| b.block)
                .map_err(|e| VerifyError::Diverged {
                    number: request.execution_payload.block_number,
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// The input of the call to `rollup` that emitted the `Settled` event of L2 block `number`:
/// a call that did not revert (nor did any call around it) and logged that event itself.
pub fn settling_call(
    frame: &alloy_rpc_types_trace::geth::CallFrame,
    rollup: alloy_primitives::Address,
    number: u64,
) -> Option<&alloy_primitives::Bytes> {
    use alloy_sol_types::SolEvent;
    if frame.error.is_some() {
        return None;
    }
    let topic = alloy_primitives::B256::from(alloy_primitives::U256::from(number));
    let settled_here = frame.to == Some(rollup)
        && frame.typ == "CALL"
        && frame.logs.iter().any(|l| {
            l.address == Some(rollup)
                && l.topics.as_deref().is_some_and(|t| {
                    t.first() == Some(&NativeRollup::Settled::SIGNATURE_HASH)
                        && t.get(1) == Some(&topic)
                })
        });
    if settled_here {
        return Some(&frame.input);
    }
    frame
        .calls
        .iter()
        .find_map(|c| settling_call(c, rollup, number))
}

/// The blocks a settlement transaction's calldata carries.
fn blocks_of(calldata: &[u8]) -> Result<(SchemaId, Vec<NewPayloadRequest>), String> {
    let call = NativeRollup::settleCall::abi_decode(calldata)
        .map_err(|_| "not a call of NativeRollup.settle".to_string())?;
    let input = call.input;
    match input.get(..2) {
        Some([0xff, 0x02 | 0x03]) => {
            Err("a proof settlement (its blocks travel in blobs)".to_string())
        }
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

/// The statement a proof settlement's calldata names (`settle` with a proof or
/// proof-dependency input).
fn proven_statement(calldata: &[u8]) -> Option<nr_statement::Statement> {
    let call = NativeRollup::settleCall::abi_decode(calldata).ok()?;
    let bytes = match nr_statement::ExecuteInput::decode(&call.input).ok()? {
        nr_statement::ExecuteInput::Proof(p) => p.statement.to_vec(),
        nr_statement::ExecuteInput::Dependency(d) => d.statement.to_vec(),
        _ => return None,
    };
    nr_statement::Statement::decode_with_output(&bytes)
        .ok()
        .map(|(s, _)| s)
}

/// The blocks a proof settlement's blobs carry.
fn blocks_in_blobs(
    statement: &nr_statement::Statement,
    blobs: &[Vec<u8>],
) -> Result<(SchemaId, Vec<NewPayloadRequest>), String> {
    let points: Vec<[u8; 32]> = statement.blob_evaluations.iter().map(|e| e.z).collect();
    let data = blob_data(&points, blobs)?;
    let range = StatelessRangeInput::decode(&data).map_err(|e| e.to_string())?;
    Ok((range.schema, range.new_payload_requests))
}

/// The data blobs carry, given each blob's Fiat-Shamir point `z` (which commits to its
/// data, length included). A blob holds 31 data bytes per field element and not the data's
/// length: every blob but the last is full (`nr_statement::blob_chunks`), and the last one's
/// data is the one length near its last non-zero byte whose point is `z`. The data ends in
/// an SSZ witness (a header's final hash, or the empty list's offsets `0c 00 00 00`): a
/// few zero bytes past the last non-zero one, never many. A zero run across a boundary
/// between blobs is data like any other.
fn blob_data(points: &[[u8; 32]], blobs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    use nr_statement::{BYTES_PER_BLOB_DATA, challenge};
    /// Zero bytes the last blob's data may end in.
    const TRAILING_ZEROS: usize = 64;
    let settings = c_kzg::ethereum_kzg_settings(0);
    if blobs.len() != points.len() {
        return Err(format!(
            "{} blobs, the statement binds {}",
            blobs.len(),
            points.len()
        ));
    }
    let mut data = Vec::new();
    for (i, (blob, z)) in blobs.iter().zip(points).enumerate() {
        let packed: Vec<u8> = blob.chunks(32).flat_map(|e| e[1..].to_vec()).collect();
        let commitment = c_kzg::Blob::from_bytes(blob)
            .and_then(|b| settings.blob_to_kzg_commitment(&b))
            .map_err(|e| format!("blob {i}: {e:?}"))?
            .to_bytes()
            .into_inner();
        let last = packed.len().min(BYTES_PER_BLOB_DATA);
        let len = if i + 1 < blobs.len() {
            (challenge(&commitment, &packed[..last]) == *z).then_some(last)
        } else {
            let used = packed.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
            (used..=(used + TRAILING_ZEROS).min(last))
                .find(|&len| challenge(&commitment, &packed[..len]) == *z)
        }
        .ok_or_else(|| format!("blob {i} does not hold the data the statement proves"))?;
        data.extend_from_slice(&packed[..len]);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block sealed by the L2 node, packed into blobs the way the prover and the settler
    /// pack it, comes back out of the blobs byte for byte; a blob of other data does not.
    #[test]
    fn blocks_come_back_out_of_their_blobs() {
        // The native statement validates the block: revm in a debug build needs more than a
        // test thread's stack.
        std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(blocks_round_trip)
            .unwrap()
            .join()
            .unwrap();
    }

    /// Scenario "one wrapped settlement stops every verifier": the settlement's input is
    /// read from the call that emitted `Settled`, wherever it sits in the call tree; a call
    /// that reverted, or sits inside one that did, settled nothing.
    #[test]
    fn the_settling_call_is_found_in_the_trace() {
        use alloy_primitives::{Address, B256, Bytes, U256};
        use alloy_rpc_types_trace::geth::{CallFrame, CallLogFrame};
        use alloy_sol_types::SolEvent;
        let rollup = Address::repeat_byte(0xaa);
        let settled = |n: u64| CallLogFrame {
            address: Some(rollup),
            topics: Some(vec![
                NativeRollup::Settled::SIGNATURE_HASH,
                B256::from(U256::from(n)),
            ]),
            ..Default::default()
        };
        let call = |to: Address, input: &[u8], logs, calls, error: Option<&str>| CallFrame {
            typ: "CALL".into(),
            to: Some(to),
            input: Bytes::copy_from_slice(input),
            logs,
            calls,
            error: error.map(str::to_owned),
            ..Default::default()
        };
        // A multisig calls a module that settles block 7 (after a reverted attempt at 7, and
        // a successful attempt, inside a reverted call, at 7), then settles block 8 itself.
        let wallet = Address::repeat_byte(0x11);
        let trace = call(
            wallet,
            b"execTransaction",
            vec![],
            vec![
                call(
                    rollup,
                    b"reverted",
                    vec![],
                    vec![],
                    Some("execution reverted"),
                ),
                call(
                    Address::repeat_byte(0x22),
                    b"module",
                    vec![],
                    vec![call(rollup, b"undone", vec![settled(7)], vec![], None)],
                    Some("execution reverted"),
                ),
                call(
                    Address::repeat_byte(0x22),
                    b"module",
                    vec![],
                    vec![call(rollup, b"settles 7", vec![settled(7)], vec![], None)],
                    None,
                ),
                call(rollup, b"settles 8", vec![settled(8)], vec![], None),
            ],
            None,
        );
        assert_eq!(settling_call(&trace, rollup, 7).unwrap(), &b"settles 7"[..]);
        assert_eq!(settling_call(&trace, rollup, 8).unwrap(), &b"settles 8"[..]);
        assert!(settling_call(&trace, rollup, 9).is_none());
        // Another contract's event of the same shape settles nothing here.
        assert!(settling_call(&trace, Address::repeat_byte(0x22), 7).is_none());
        // A direct settlement is a trace of one frame.
        let direct = call(rollup, b"direct", vec![settled(1)], vec![], None);
        assert_eq!(settling_call(&direct, rollup, 1).unwrap(), &b"direct"[..]);
    }

    /// Scenario "blob boundaries": data with a long run of zero bytes across the boundary
    /// between two blobs (an L2 transaction's calldata can hold one) comes back whole; the
    /// verifier once searched only 64 bytes past the last non-zero byte of every blob.
    #[test]
    fn a_zero_run_across_a_blob_boundary_comes_back() {
        use nr_statement::{BYTES_PER_BLOB_DATA, blob_chunks, challenge, kzg::blob_bytes};
        let settings = c_kzg::ethereum_kzg_settings(0);
        let mut data: Vec<u8> = (0..BYTES_PER_BLOB_DATA + 5_000)
            .map(|i| (i % 251) as u8 | 1)
            .collect();
        data[BYTES_PER_BLOB_DATA - 3_000..BYTES_PER_BLOB_DATA + 1_000].fill(0);
        let (blobs, points): (Vec<Vec<u8>>, Vec<[u8; 32]>) = blob_chunks(&data)
            .map(|chunk| {
                let blob = blob_bytes(chunk);
                let commitment = settings
                    .blob_to_kzg_commitment(&c_kzg::Blob::from_bytes(&blob).unwrap())
                    .unwrap()
                    .to_bytes()
                    .into_inner();
                (blob, challenge(&commitment, chunk))
            })
            .unzip();
        assert_eq!(blobs.len(), 2);
        assert_eq!(blob_data(&points, &blobs).unwrap(), data);
        // A point of other data is refused, for a full blob as for the last.
        let mut wrong = points.clone();
        wrong[0][31] ^= 1;
        assert!(blob_data(&wrong, &blobs).is_err());
        let mut wrong = points;
        wrong[1][31] ^= 1;
        assert!(blob_data(&wrong, &blobs).is_err());
    }

    fn blocks_round_trip() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../prover/testdata/l2-transfer.hex"
        );
        let input = nr_prover::source::read_input_file(std::path::Path::new(path)).unwrap();
        let job = nr_prover::Job::from_inputs(vec![input.clone()]).unwrap();
        let statement = job.native_statement().unwrap();
        let blobs: Vec<Vec<u8>> = job.blobs.blobs.iter().map(|b| b[..].to_vec()).collect();
        let (schema, requests) = blocks_in_blobs(&statement, &blobs).unwrap();
        let single = StatelessInput::decode(&input).unwrap();
        assert_eq!(schema, single.schema);
        assert_eq!(requests, vec![single.new_payload_request]);

        let mut other = blobs.clone();
        other[0][40] ^= 1;
        assert!(blocks_in_blobs(&statement, &other).is_err());
        assert!(blocks_in_blobs(&statement, &[]).is_err());
    }
}
