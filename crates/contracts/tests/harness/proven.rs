//! The proven vector (`testdata/proven`): L2 block 1 of the dev rollup, proven by this
//! project's prover, and what it takes to settle it by its proof sidecar.

use super::*;
use alloy_consensus::{TxEip4844, TxEip4844WithSidecar};
use alloy_eips::{
    eip4844::{Blob, BlobTransactionSidecar},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_sol_types::SolCall;
use nr_node::pool::NetworkTx;
use nr_prover::{BlobSet, Job};
use nr_statement::Statement;
use std::path::PathBuf;

/// Where the proven vector lives.
pub fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/proven")
}

/// The proven block: L2 block 1 of the rig's Amsterdam rollup (schema 0x1501), one transfer of 1 gwei from the
/// sequencer, anchoring the empty message tree.
pub fn proven_rig() -> Rig {
    let mut rig = Rig::amsterdam();
    rig.l2_submit(
        &key(0),
        Address::repeat_byte(0xbe),
        Bytes::new(),
        U256::from(1_000_000_000u64),
    );
    assert!(rig.l2_seal()[0].success);
    rig
}

/// The committed proof sidecar: `prover prove --mode compressed` of the block above.
pub fn committed_sidecar() -> Vec<u8> {
    let path = vector_dir().join("block-1.sidecar");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The proven range: L2 blocks 1 to [`RANGE`] of a fresh rollup of the rig, empty (no
/// transaction, the empty message tree anchored), proven as one range by one compressed
/// proof (`range.sidecar`) and settled by one `settle`.
pub const RANGE: u64 = 10;

/// A rig whose L2 has sealed the proven range.
pub fn range_rig() -> Rig {
    let mut rig = Rig::amsterdam();
    for _ in 0..RANGE {
        rig.l2_seal();
    }
    rig
}

/// The committed inputs of the range, one file per block (`range/block-N.hex`).
pub fn range_input_path(n: u64) -> PathBuf {
    vector_dir().join(format!("range/block-{n}.hex"))
}

/// The prover's job for the range: its statement and the blobs its blocks travel in.
pub fn range_job(rig: &Rig) -> Job {
    Job::from_inputs((1..=RANGE).map(|n| rig.settle_input(n, n)).collect()).unwrap()
}

/// The committed proof sidecar of the range: `prover prove --mode compressed` of its inputs.
pub fn committed_range_sidecar() -> Vec<u8> {
    let path = vector_dir().join("range.sidecar");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The prover's job for the block: its statement and the blobs its data travels in.
pub fn job(rig: &Rig) -> Job {
    Job::from_inputs(vec![rig.settle_input(1, 1)]).unwrap()
}

/// A signed blob transaction from `key` calling the rollup with `data`, carrying `blobs`, in
/// network form (EIP-7594 cell proofs: the L1 is at Osaka).
pub fn blob_call(rig: &Rig, key: &PrivateKeySigner, data: Bytes, blobs: &BlobSet) -> Vec<u8> {
    blob_call_with_gas(rig, key, data, blobs, 7_000_000)
}

/// [`blob_call`] with a chosen gas limit.
pub fn blob_call_with_gas(
    rig: &Rig,
    key: &PrivateKeySigner,
    data: Bytes,
    blobs: &BlobSet,
    gas_limit: u64,
) -> Vec<u8> {
    let settings = c_kzg::ethereum_kzg_settings(0);
    let blobs = blobs
        .blobs
        .iter()
        .map(|b| Blob::from_slice(&b[..]))
        .collect();
    let sidecar = BlobTransactionSidecar::try_from_blobs_with_settings(blobs, settings)
        .unwrap()
        .try_into_7594(settings)
        .unwrap();
    let sidecar = BlobTransactionSidecarVariant::Eip7594(sidecar);
    let tx = TxEip4844 {
        chain_id: rig.l1.spec.config.chain_id,
        nonce: rig.l1_nonce(key.address()),
        gas_limit,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: rig.rollup,
        value: U256::ZERO,
        input: data,
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1_000_000_000,
        ..Default::default()
    };
    let tx = TxEip4844WithSidecar { tx, sidecar };
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    NetworkTx::from(tx.into_signed(signature)).encoded_2718()
}

/// The settlement of block 1 in proof-dependency mode naming `programs`, over `statement`.
pub fn settlement(rig: &Rig, job: &Job, statement: &Statement, programs: Vec<[u8; 32]>) -> Bytes {
    settlement_of(rig, 1, job, statement, programs)
}

/// The settlement of blocks 1 to `count` (the job's blocks) in proof-dependency mode.
pub fn settlement_of(
    rig: &Rig,
    count: u64,
    job: &Job,
    statement: &Statement,
    programs: Vec<[u8; 32]>,
) -> Bytes {
    assert_eq!(
        job.payloads().len() as u64,
        count,
        "the job proves the blocks settled"
    );
    let _ = rig;
    let input = job.dependency_input(statement, programs).unwrap().encode();
    NativeRollup::settleCall {
        input: input.into(),
        resolutions: vec![],
    }
    .abi_encode()
    .into()
}

/// Seals the next L1 block with the pooled settlement; its receipt's status and gas.
pub fn seal_l1(rig: &mut Rig) -> (bool, u64) {
    let t = rig.l1.head().timestamp + 12;
    let sealed = rig.l1.seal(attributes(t, B256::ZERO)).unwrap();
    assert_eq!(sealed.receipts.len(), 1, "the settlement is sealed");
    let r = &sealed.receipts[0];
    (r.status(), r.cumulative_gas_used())
}

/// The versioned hashes of the job's blobs: what the settling transaction carries.
pub fn blob_hashes(job: &Job) -> Vec<B256> {
    job.blobs
        .commitments
        .iter()
        .map(|c| B256::from(nr_statement::kzg_to_versioned_hash(c)))
        .collect()
}
