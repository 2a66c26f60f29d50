//! Proof-carrying settlement with a real proof: an L2 block sealed by the L2 engine, proven
//! by this project's prover with the committed program, settled on the embedded L1 through
//! a proof sidecar and EXECUTE's proof-dependency mode.
//!
//! The block is rebuilt here from the dev genesis, deterministically, and must be byte for
//! byte the one the committed proof is of. When the block changes (a new L2 genesis, a new
//! bridge predeploy), the test says so; `scripts/prove-vector` then rebuilds the vector.

mod harness;

use alloy_primitives::{Address, Bytes, U256};
use harness::*;
use std::path::PathBuf;

/// Where the proven vector lives.
fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/proven")
}

/// The proven block: L2 block 1 of the rig's rollup, one transfer of 1 gwei from the
/// sequencer, anchoring the empty message tree.
fn proven_rig() -> Rig {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    rig.l2_submit(
        &key(0),
        Address::repeat_byte(0xbe),
        Bytes::new(),
        U256::from(1_000_000_000u64),
    );
    assert!(rig.l2_seal()[0].success);
    rig
}

#[test]
fn the_proven_block_is_the_committed_one() {
    let rig = proven_rig();
    let input = rig.settle_input(1, 1);
    let path = vector_dir().join("block-1.hex");
    let hex = format!("0x{}\n", alloy_primitives::hex::encode(&input));
    if std::env::var_os("NR_UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &hex).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == hex,
        "L2 block 1 of the dev rollup is no longer the proven one in {}: rebuild the vector \
         with scripts/prove-vector",
        path.display()
    );
}
