//! The rollup's contracts on the real EXECUTE: real L2 blocks from the L2 engine settled on
//! the embedded L1 devnet, every path and every refusal.

mod harness;

use alloy_primitives::{Address, B256, U256};
use harness::*;
use nr_contracts::NativeRollup::{self, NativeRollupErrors as E};

#[test]
fn settles_real_blocks_one_by_one_and_as_a_range() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    for _ in 0..4 {
        rig.l2_submit(&key(0), Address::repeat_byte(0xbe), Default::default(), U256::from(1));
        assert_eq!(rig.l2_seal(), vec![true]);
    }
    let out = rig.settle(1, 1);
    let s: NativeRollup::Settled = out.event();
    assert_eq!(s.number, 1);
    assert_eq!(s.blockHash, rig.l2.store().block(1).unwrap().unwrap().header.hash_slow());
    rig.settle(2, 4);
    let head = rig.l2.head().clone();
    assert_eq!(rig.view(NativeRollup::headHashCall {}), head.hash_slow());
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), 4);
    assert_eq!(rig.view(NativeRollup::headStateRootCall {}), head.state_root);
    assert_eq!(rig.view(NativeRollup::settlementsCall {}), 2);
}
