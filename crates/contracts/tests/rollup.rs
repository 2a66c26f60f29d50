//! The rollup's contracts on the real EXECUTE: real L2 blocks from the L2 engine settled on
//! the embedded L1 devnet, every path and every refusal.

mod harness;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolInterface};
use harness::*;
use nr_contracts::{
    L2Bridge,
    NativeRollup::{self, NativeRollupErrors as E},
};

#[test]
fn settles_real_blocks_one_by_one_and_as_a_range() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    for _ in 0..4 {
        rig.transfer_block();
    }
    let out = rig.settle(1, 1);
    let s: NativeRollup::Settled = out.event();
    assert_eq!(s.number, 1);
    assert_eq!(
        s.blockHash,
        rig.l2.store().block(1).unwrap().unwrap().header.hash_slow()
    );
    rig.settle(2, 4);
    let head = rig.l2.head().clone();
    assert_eq!(rig.view(NativeRollup::headHashCall {}), head.hash_slow());
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), 4);
    assert_eq!(
        rig.view(NativeRollup::headStateRootCall {}),
        head.state_root
    );
}

#[test]
fn out_of_order_replayed_and_tampered_blocks_are_refused() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    for _ in 0..3 {
        rig.transfer_block();
    }
    let genesis = rig.l2_genesis.header.hash_slow();
    let hash = |rig: &Rig, n: u64| rig.l2.store().block(n).unwrap().unwrap().header.hash_slow();
    // Block 2 before block 1: its parent is not the head.
    let e = rig.settle_refusal(rig.settle_input(2, 2));
    assert_eq!(
        e,
        E::WrongParent(NativeRollup::WrongParent {
            expected: genesis,
            got: hash(&rig, 1)
        })
    );
    // A tampered block: EXECUTE halts.
    let mut tampered = rig.settle_input(1, 1);
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    assert_eq!(
        rig.settle_refusal(tampered),
        E::ExecuteRejected(NativeRollup::ExecuteRejected {})
    );
    rig.settle(1, 1);
    // Replayed: block 1 again.
    assert!(matches!(
        rig.settle_refusal(rig.settle_input(1, 1)),
        E::WrongParent(_)
    ));
    // Skipped: block 3 without block 2.
    let e = rig.settle_refusal(rig.settle_input(3, 3));
    assert_eq!(
        e,
        E::WrongParent(NativeRollup::WrongParent {
            expected: hash(&rig, 1),
            got: hash(&rig, 2)
        })
    );
    rig.settle(2, 3);
}

#[test]
fn blocks_of_another_chain_or_schema_are_refused_though_execute_accepts_them() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    // An L2 of chain 902, which this L1 also settles: EXECUTE succeeds, the 901 rollup refuses.
    let dir = tempfile::TempDir::new().unwrap();
    let mut other = nr_node::Chain::open(
        nr_node::Role::L2,
        harness_l2_spec(OTHER_L2_CHAIN),
        alloy_evm::eth::EthEvmFactory::default(),
        dir.path(),
    )
    .unwrap();
    other.seal(attributes(1, rig.message_root())).unwrap();
    let input = other.store().stateless_input(1).unwrap().unwrap();
    assert_eq!(
        rig.settle_refusal(input),
        E::WrongChainId(NativeRollup::WrongChainId {
            expected: L2_CHAIN,
            got: OTHER_L2_CHAIN
        })
    );
    // A rollup of chain 901 expecting Prague blocks: a valid Osaka block is refused.
    rig.transfer_block();
    let osaka_rollup = rig.rollup;
    rig.rollup = rig.deploy(0x1101);
    assert_eq!(
        rig.settle_refusal(rig.settle_input(1, 1)),
        E::WrongSchema(NativeRollup::WrongSchema {
            expected: 0x1101,
            got: SCHEMA_OSAKA
        })
    );
    rig.rollup = osaka_rollup;
    rig.settle(1, 1);
}

fn harness_l2_spec(chain_id: u64) -> nr_node::ChainSpec {
    let base =
        nr_node::genesis::dev_genesis(nr_node::Role::L2, chain_id).with_gas_limit(L2_GAS_LIMIT);
    nr_node::ChainSpec::from_genesis(nr_contracts::l2_genesis(base, [])).unwrap()
}

#[test]
fn anchors_must_be_produced_and_never_move_back_and_time_not_run_ahead() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    // An anchor the contract never produced.
    let forged = B256::repeat_byte(7);
    rig.l2_seal_with(forged, None);
    assert_eq!(
        rig.settle_refusal(rig.settle_input(1, 1)),
        E::UnknownAnchor(NativeRollup::UnknownAnchor { anchor: forged })
    );

    let mut rig = Rig::new(SCHEMA_OSAKA);
    rig.deposit(1, key(1).address(), U256::from(1));
    let r1 = rig.message_root();
    rig.deposit(1, key(1).address(), U256::from(2));
    let r2 = rig.message_root();
    rig.l2_seal_with(r2, None);
    rig.l2_seal_with(r1, None);
    rig.settle(1, 1);
    assert_eq!(
        rig.settle_refusal(rig.settle_input(2, 2)),
        E::AnchorMovedBack(NativeRollup::AnchorMovedBack {
            settledCount: 3,
            anchorCount: 2
        })
    );

    // A block from the future of the L1.
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let future = rig.l1.head().timestamp + 1000;
    let root = rig.message_root();
    rig.l2_seal_with(root, Some(future));
    let e = rig.settle_refusal(rig.settle_input(1, 1));
    let E::TimestampInFuture(t) = e else {
        panic!("{e:?}")
    };
    assert_eq!(t.timestamp, future);
}

#[test]
fn deposit_claim_withdraw_and_claim_on_l1_round_trip() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let user = key(1).address();
    let l1_dest = Address::repeat_byte(0xd1);
    let five = U256::from(5_000_000_000_000_000_000u128);
    rig.deposit(1, user, five);
    assert_eq!(
        rig.l1_balance(rig.rollup),
        U256::from(SEQUENCER_FLOAT) + five
    );

    // The next L2 block anchors the root holding the deposit; the sequencer relays the claim.
    rig.l2_seal();
    let anchored_at = rig.l2.head().timestamp;
    let claim = rig.claim_call(0, anchored_at, 1);
    rig.l2_submit(
        &key(0),
        nr_contracts::L2_BRIDGE,
        claim.abi_encode().into(),
        U256::ZERO,
    );
    let out = rig.l2_seal();
    assert!(out[0].success, "claim");
    assert_eq!(rig.l2_balance(user), five);
    // Each message once.
    let again = rig
        .l2_try(key(0).address(), nr_contracts::L2_BRIDGE, &claim)
        .unwrap_err();
    assert_eq!(
        L2Bridge::L2BridgeErrors::abi_decode(&again).unwrap(),
        L2Bridge::L2BridgeErrors::MessageAlreadyClaimed(L2Bridge::MessageAlreadyClaimed {
            index: 0
        })
    );
    // A path against a root no block anchored at that time.
    let stale = rig.claim_call(0, anchored_at + 100, 1);
    assert!(
        rig.l2_try(key(0).address(), nr_contracts::L2_BRIDGE, &stale)
            .is_err()
    );

    // Withdraw 2 ETH to an L1 address.
    let two = U256::from(2_000_000_000_000_000_000u128);
    let call = L2Bridge::withdrawCall { to: l1_dest };
    rig.l2_submit(
        &key(1),
        nr_contracts::L2_BRIDGE,
        call.abi_encode().into(),
        two,
    );
    let out = rig.l2_seal();
    let w: L2Bridge::WithdrawalInitiated = out[0].event();
    rig.settle_all();

    let claim = rig.withdrawal_claim(&w);
    let hash = nr_contracts::withdrawal_hash(&claim.w);
    assert_eq!(
        hash, w.withdrawalHash,
        "one definition of the hash on both sides"
    );
    // Forged: another amount; the proofs against another settled root.
    let mut forged = claim.clone();
    forged.w.value = five;
    let refusal = |call| {
        rig.rollup_try(key(2).address(), &call, U256::ZERO)
            .unwrap_err()
    };
    assert_eq!(
        refusal(forged),
        E::InvalidStorageProof(NativeRollup::InvalidStorageProof {})
    );
    let mut elsewhere = claim.clone();
    elsewhere.ring = U256::ZERO;
    assert_eq!(
        refusal(elsewhere),
        E::InvalidAccountProof(NativeRollup::InvalidAccountProof {})
    );
    let out = rig.rollup_tx(&key(2), claim.clone(), U256::ZERO);
    let _: NativeRollup::WithdrawalClaimed = out.event();
    assert_eq!(rig.l1_balance(l1_dest), two);
    // Reused.
    assert_eq!(
        rig.rollup_try(key(2).address(), &claim, U256::ZERO)
            .unwrap_err(),
        E::WithdrawalAlreadyClaimed(NativeRollup::WithdrawalAlreadyClaimed { nonce: w.nonce })
    );
}

#[test]
fn burned_base_fees_are_credited_and_paid() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    for _ in 0..3 {
        rig.transfer_block();
    }
    let burned: u128 = (1..=3)
        .map(|n| {
            let h = rig.l2.store().block(n).unwrap().unwrap().header;
            h.base_fee_per_gas.unwrap() as u128 * h.gas_used as u128
        })
        .sum();
    assert!(burned > 0);
    let out = rig.settle(1, 3);
    let settled: NativeRollup::Settled = out.event();
    assert_eq!(settled.fees, U256::from(burned));
    assert_eq!(
        U256::from(rig.view(NativeRollup::feesOwedCall {})),
        U256::from(burned)
    );
    rig.rollup_tx(&key(2), NativeRollup::payFeesCall {}, U256::ZERO);
    assert_eq!(rig.l1_balance(FEE_RECIPIENT), U256::from(burned));
    assert_eq!(
        rig.rollup_try(key(2).address(), &NativeRollup::payFeesCall {}, U256::ZERO)
            .unwrap_err(),
        E::NoFeesOwed(NativeRollup::NoFeesOwed {})
    );
}

#[test]
fn execute_output_summarises_each_block_and_its_burn() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    rig.fund_on_l2(1, U256::from(10u128.pow(18)));
    rig.transfer_block();
    let head = rig.l2.head().number;
    let config = rig.l1.spec.execute.clone().unwrap();
    // The real EXECUTE on the settlement's range input: one summary per block, each the
    // block's own fields, and a burn equal to the base fee times the receipts' gas.
    let settled = nr_execute::execute(&config, &rig.settle_input(1, head), u64::MAX, &[]).unwrap();
    let out = nr_statement::ExecuteOutput::decode(&settled.output, true).unwrap();
    assert_eq!(out.blocks.len() as u64, head);
    for (b, n) in out.blocks.iter().zip(1..) {
        let sealed = rig.l2.store().stateless_input(n).unwrap().unwrap();
        let p = nr_stateless::StatelessInput::decode(&sealed)
            .unwrap()
            .new_payload_request;
        assert_eq!(b.number, n);
        assert_eq!(b.block_hash, p.execution_payload.block_hash);
        assert_eq!(b.parent_hash, p.execution_payload.parent_hash);
        assert_eq!(b.state_root, p.execution_payload.state_root);
        assert_eq!(b.timestamp, p.execution_payload.timestamp);
        assert_eq!(b.parent_beacon_block_root, p.parent_beacon_block_root);
        let gas = p.execution_payload.gas_used;
        assert_eq!(
            b.base_fee_burned,
            u128::from(b.base_fee_per_gas) * u128::from(gas)
        );
    }
    assert!(
        out.blocks.iter().any(|b| b.base_fee_burned > 0),
        "a transfer burned"
    );
    // The single-block input gives the same summary of its block.
    let one = nr_execute::execute(&config, &rig.settle_input(head, head), u64::MAX, &[]).unwrap();
    let one = nr_statement::ExecuteOutput::decode(&one.output, false).unwrap();
    assert_eq!(one.blocks, out.blocks[out.blocks.len() - 1..]);
    // EXECUTE halts on a proof-mode input whose proofs do not verify: the contract refuses it.
    let mut bogus = vec![0xff, 0x02];
    bogus.extend_from_slice(&[0u8; 64]);
    let call = NativeRollup::settleCall {
        input: bogus.into(),
        resolutions: vec![],
    };
    assert_eq!(
        rig.rollup_try(key(2).address(), &call, U256::ZERO)
            .unwrap_err(),
        E::ExecuteRejected(NativeRollup::ExecuteRejected {})
    );
}
