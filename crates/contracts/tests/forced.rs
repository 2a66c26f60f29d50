//! Forced inclusion on the real EXECUTE: a queued L2 transaction must be included, or shown
//! invalid, by every settlement past its deadline; the inbox refuses what the L2 could never
//! include.

mod harness;

use alloy_primitives::{Address, Bytes, U256, keccak256};
use harness::*;
use nr_contracts::NativeRollup::{self, NativeRollupErrors as E};
use nr_contracts::forced;

const GWEI: u128 = 1_000_000_000;

fn force(rig: &mut Rig, raw: &Bytes) -> NativeRollup::ForcedTransactionQueued {
    let out = rig.rollup_tx(
        &key(2),
        NativeRollup::forceTransactionCall {
            transaction: raw.clone(),
        },
        U256::ZERO,
    );
    out.event()
}

/// The kinds of the `ForcedTransactionResolved` events of a settlement, in order.
fn resolved_kinds(out: &Outcome) -> Vec<u8> {
    out.logs
        .iter()
        .filter_map(|l| {
            <NativeRollup::ForcedTransactionResolved as alloy_sol_types::SolEvent>::decode_log(l)
                .ok()
                .map(|d| d.data.kind)
        })
        .collect()
}

fn force_refusal(rig: &Rig, raw: Bytes) -> E {
    rig.rollup_try(
        key(2).address(),
        &NativeRollup::forceTransactionCall { transaction: raw },
        U256::ZERO,
    )
    .unwrap_err()
}

#[test]
fn a_forced_transaction_must_be_included_once_due() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let sink = Address::repeat_byte(0x5c);
    // A user with L2 funds (blocks 1 and 2: the deposit's anchor and its claim) forces a
    // transfer through the L1.
    rig.fund_on_l2(1, U256::from(10u128.pow(18)));
    let raw = l2_transaction(&key(1), 0, 100 * GWEI, sink, U256::from(7));
    let queued = force(&mut rig, &raw);
    assert_eq!(queued.index, 0);
    assert_eq!(queued.txHash, keccak256(&raw));
    assert_eq!(queued.sender, key(1).address());

    // Before the deadline, blocks without it settle; a settler lagging behind the L2 settles
    // blocks from before the deadline even once the L1's clock has passed it (due is judged
    // in L2 time).
    rig.settle(1, 1);
    rig.l1_wait(FORCED_INCLUSION_DELAY);
    rig.settle(2, 2);
    // A block at or past the deadline does not settle without it.
    rig.transfer_block_now();
    assert_eq!(
        rig.settle_refusal(rig.settle_input(3, 3)),
        E::ForcedTransactionDue(NativeRollup::ForcedTransactionDue {
            index: 0,
            deadline: queued.deadline
        })
    );
    // Nor does a false claim: the transaction is valid after this settlement...
    let after = rig.l2.head().state_root;
    let claim_invalid = rig.account_resolution(1, after, key(1).address());
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(3, 3), vec![claim_invalid]),
        E::ForcedTransactionValid(NativeRollup::ForcedTransactionValid { index: 0 })
    );
    // ...and its max fee covers the base fee.
    let mut fee_claim = rig.account_resolution(3, after, key(1).address());
    fee_claim.proof.clear();
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(3, 3), vec![fee_claim]),
        E::ForcedTransactionFeeCovers(NativeRollup::ForcedTransactionFeeCovers { index: 0 })
    );

    // The sequencer includes it in block 4: settling 3..=4 with the inclusion proof passes.
    rig.l2.submit(&raw).unwrap();
    rig.l2_seal();
    // An inclusion proof naming a block this settlement does not settle is refused.
    let stale = rig.inclusion(4, keccak256(&raw));
    let mut elsewhere = stale.clone();
    elsewhere.header = alloy_rlp::encode(&rig.l2.store().block(1).unwrap().unwrap().header).into();
    assert!(matches!(
        rig.settle_refusal_resolving(rig.settle_input(3, 4), vec![elsewhere]),
        E::InclusionBlockNotSettled(_)
    ));
    let mut wrong_index = stale.clone();
    wrong_index.txIndex = U256::from(5);
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(3, 4), vec![wrong_index]),
        E::ForcedTransactionNotIncluded(NativeRollup::ForcedTransactionNotIncluded { index: 0 })
    );
    let out = rig.settle_resolving(3, 4, vec![stale]);
    let resolved: NativeRollup::ForcedTransactionResolved = out.event();
    assert_eq!((resolved.index, resolved.kind), (0, 0));
    assert_eq!(rig.view(NativeRollup::forcedHeadCall {}), 1);
    assert_eq!(rig.l2_balance(sink), U256::from(7));
    // Nothing left to resolve.
    rig.transfer_block();
    rig.settle(5, 5);
}

#[test]
fn invalid_forced_transactions_are_skipped_with_their_proofs() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let sink = Address::repeat_byte(0x5c);
    // 0: from an account the L2 has never seen (absent: no balance).
    let unfunded = force(
        &mut rig,
        &l2_transaction(&key(2), 0, 100 * GWEI, sink, U256::from(1)),
    );
    // 1: a nonce the sender is not at.
    force(
        &mut rig,
        &l2_transaction(&key(0), 50, 100 * GWEI, sink, U256::from(1)),
    );
    // 2: a max fee under any base fee the L2 will have.
    force(
        &mut rig,
        &l2_transaction(&key(0), 0, 1, sink, U256::from(1)),
    );
    // 3: valid, and included by the sequencer well before its deadline.
    let early = l2_transaction(&key(0), 0, 100 * GWEI, sink, U256::from(2));
    force(&mut rig, &early);
    assert_eq!(rig.view(NativeRollup::forcedTailCall {}), 4);
    rig.l2.submit(&early).unwrap();
    rig.l2_seal();
    rig.settle(1, 1);

    rig.l1_wait(FORCED_INCLUSION_DELAY);
    rig.transfer_block_now();
    let post = rig.l2.head().state_root;
    let absent = rig.account_resolution(1, post, unfunded.sender);
    let wrong_nonce = rig.account_resolution(1, post, key(0).address());
    let fee = NativeRollup::Resolution {
        kind: 3,
        header: Bytes::new(),
        txIndex: U256::ZERO,
        proof: vec![],
    };
    let spent = rig.account_resolution(2, post, key(0).address());
    // Each resolution is checked: the absent account's proof does not make the spent nonce's case.
    let mut bad_spent = spent.clone();
    bad_spent.proof = rig
        .account_resolution(2, post, Address::repeat_byte(0x77))
        .proof;
    assert_eq!(
        rig.settle_refusal_resolving(
            rig.settle_input(2, 2),
            vec![absent.clone(), wrong_nonce.clone(), fee.clone(), bad_spent]
        ),
        E::InvalidAccountProof(NativeRollup::InvalidAccountProof {})
    );
    // Leaving the last one out leaves a due transaction.
    assert!(matches!(
        rig.settle_refusal_resolving(
            rig.settle_input(2, 2),
            vec![absent.clone(), wrong_nonce.clone(), fee.clone()]
        ),
        E::ForcedTransactionDue(_)
    ));
    let out = rig.settle_resolving(2, 2, vec![absent, wrong_nonce, fee, spent]);
    let kinds = resolved_kinds(&out);
    assert_eq!(kinds, vec![1, 1, 3, 2]);
    assert_eq!(rig.view(NativeRollup::forcedHeadCall {}), 4);
}

#[test]
fn the_inbox_refuses_what_the_l2_could_never_include() {
    let rig = Rig::new(SCHEMA_OSAKA);
    let sink = Address::repeat_byte(0x5c);
    let good = l2_transaction(&key(0), 0, 100 * GWEI, sink, U256::from(1));

    // Another chain's transaction.
    let other = {
        use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
        use alloy_eips::eip2718::Encodable2718;
        use alloy_signer::SignerSync;
        let tx = TxEip1559 {
            chain_id: OTHER_L2_CHAIN,
            nonce: 0,
            gas_limit: 21_000,
            max_fee_per_gas: 100 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: alloy_primitives::TxKind::Call(sink),
            value: U256::from(1),
            input: Bytes::new(),
            access_list: Default::default(),
        };
        let sig = key(0).sign_hash_sync(&tx.signature_hash()).unwrap();
        Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
    };
    assert_eq!(
        force_refusal(&rig, other),
        E::ForcedTxWrongChain(NativeRollup::ForcedTxWrongChain {
            chainId: U256::from(OTHER_L2_CHAIN)
        })
    );
    // Not an EIP-1559 transaction.
    let mut legacy = good.to_vec();
    legacy[0] = 0x01;
    assert_eq!(
        force_refusal(&rig, legacy.into()),
        E::ForcedTxNotEip1559(NativeRollup::ForcedTxNotEip1559 {})
    );
    // Bytes after the transaction: not the canonical encoding the L2 would decode.
    let mut trailing = good.to_vec();
    trailing.push(0);
    assert_eq!(
        force_refusal(&rig, trailing.into()),
        E::ForcedTxMalformed(NativeRollup::ForcedTxMalformed {})
    );
    // A high-s signature (s above n/2: malleable, refused since Homestead).
    let mut high_s = good.to_vec();
    let s_at = high_s.len() - 32;
    high_s[s_at] = 0xff;
    assert_eq!(
        force_refusal(&rig, high_s.into()),
        E::ForcedTxBadSignature(NativeRollup::ForcedTxBadSignature {})
    );
    // Gas under the intrinsic 21,000, or over the L2 block's limit.
    let thin = l2_transaction_with_gas(&key(0), 0, 100 * GWEI, sink, U256::from(1), 20_999);
    assert_eq!(
        force_refusal(&rig, thin),
        E::ForcedTxGasBelowIntrinsic(NativeRollup::ForcedTxGasBelowIntrinsic {
            gasLimit: U256::from(20_999),
            intrinsic: U256::from(21_000)
        })
    );
    let fat = l2_transaction_with_gas(
        &key(0),
        0,
        100 * GWEI,
        sink,
        U256::from(1),
        L2_GAS_LIMIT + 1,
    );
    assert_eq!(
        force_refusal(&rig, fat),
        E::ForcedTxGasAboveLimit(NativeRollup::ForcedTxGasAboveLimit {
            gasLimit: U256::from(L2_GAS_LIMIT + 1),
            max: U256::from(L2_GAS_LIMIT)
        })
    );
    // Over the inbox's size cap.
    let mut huge = vec![0x02];
    huge.resize(16_385, 0);
    assert!(matches!(
        force_refusal(&rig, huge.into()),
        E::ForcedTxTooLarge(_)
    ));
    // The good one is accepted.
    assert!(
        rig.rollup_try(
            key(2).address(),
            &NativeRollup::forceTransactionCall { transaction: good },
            U256::ZERO
        )
        .is_ok()
    );
}

#[test]
fn resolutions_must_match_the_queue_and_prove_their_case() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    rig.transfer_block();
    // No forced transaction queued: a resolution has nothing to resolve.
    let fee = NativeRollup::Resolution {
        kind: 3,
        header: Bytes::new(),
        txIndex: U256::ZERO,
        proof: vec![],
    };
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(1, 1), vec![fee]),
        E::NoForcedTransaction(NativeRollup::NoForcedTransaction {})
    );
    // A valid forced transaction of the sequencer's, not yet included.
    let raw = l2_transaction(
        &key(0),
        1,
        100 * GWEI,
        Address::repeat_byte(0x5c),
        U256::from(1),
    );
    force(&mut rig, &raw);
    let unknown = NativeRollup::Resolution {
        kind: 9,
        header: Bytes::new(),
        txIndex: U256::ZERO,
        proof: vec![],
    };
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(1, 1), vec![unknown]),
        E::UnknownResolution(NativeRollup::UnknownResolution { kind: 9 })
    );
    // Its nonce (1) is not spent by block 1 (the sequencer's nonce is 1 after it).
    let post = rig.l2.head().state_root;
    let not_spent = rig.account_resolution(2, post, key(0).address());
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(1, 1), vec![not_spent]),
        E::ForcedTransactionNonceNotSpent(NativeRollup::ForcedTransactionNonceNotSpent {
            index: 0
        })
    );
    // Not yet due: resolutions are optional, the settlement passes without.
    rig.settle(1, 1);
}

/// Scenario "nonce chains through the inbox": a user forces nonce 0 and nonce 1. Judged
/// against the state before the settlement, nonce 1 looked invalid (the sender was at 0) and
/// could be dropped in the very settlement that included nonce 0. Now a non-inclusion
/// resolution waits for the deadline and is judged after this settlement's blocks, which hold
/// the earlier queued transaction: nonce 1 must be included.
#[test]
fn a_chain_of_forced_nonces_is_judged_in_order() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let sink = Address::repeat_byte(0x5c);
    rig.fund_on_l2(1, U256::from(10u128.pow(18)));
    let first = l2_transaction(&key(1), 0, 100 * GWEI, sink, U256::from(1));
    let second = l2_transaction(&key(1), 1, 100 * GWEI, sink, U256::from(2));
    force(&mut rig, &first);
    let queued = force(&mut rig, &second);
    // Nonce 0 is included in block 3; nonce 1 is left out.
    rig.l2.submit(&first).unwrap();
    rig.l2_seal();
    let included = rig.inclusion(3, keccak256(&first));
    let after = rig.l2.head().state_root;
    // Before the deadline, the sender's nonce (1 after block 3) cannot drop nonce 1.
    let claim_invalid = rig.account_resolution(1, after, key(1).address());
    assert_eq!(
        rig.settle_refusal_resolving(
            rig.settle_input(1, 3),
            vec![included.clone(), claim_invalid]
        ),
        E::ForcedTransactionNotDue(NativeRollup::ForcedTransactionNotDue {
            index: 1,
            deadline: queued.deadline
        })
    );
    // Nor at the deadline: after nonce 0, nonce 1 is valid.
    rig.l1_wait(FORCED_INCLUSION_DELAY);
    rig.transfer_block_now();
    let after = rig.l2.head().state_root;
    let claim_invalid = rig.account_resolution(1, after, key(1).address());
    assert_eq!(
        rig.settle_refusal_resolving(
            rig.settle_input(1, 4),
            vec![included.clone(), claim_invalid]
        ),
        E::ForcedTransactionValid(NativeRollup::ForcedTransactionValid { index: 1 })
    );
    // Nor as a spent nonce.
    let claim_spent = rig.account_resolution(2, after, key(1).address());
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(1, 4), vec![included.clone(), claim_spent]),
        E::ForcedTransactionNonceNotSpent(NativeRollup::ForcedTransactionNonceNotSpent {
            index: 1
        })
    );
    // The sequencer includes it; both resolve as included.
    rig.l2.submit(&second).unwrap();
    rig.l2_seal();
    let out = rig.settle_resolving(1, 5, vec![included, rig.inclusion(5, keccak256(&second))]);
    let kinds = resolved_kinds(&out);
    assert_eq!(kinds, vec![0, 0]);
    assert_eq!(rig.l2_balance(sink), U256::from(3));
}

/// Scenario "cheap censorship through FEE_BELOW_BASE_FEE": a forced transaction whose max fee
/// covered the base fee when it was queued cannot be dropped by pushing the base fee above
/// it for the last blocks before the deadline. The drop needs the base fee above its max fee
/// in every block settled since it was queued, and only once due.
#[test]
fn a_base_fee_pushed_up_before_the_deadline_does_not_drop_a_forced_transaction() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    let sink = Address::repeat_byte(0x5c);
    rig.fund_on_l2(1, U256::from(10u128.pow(18)));
    rig.settle(1, 2);
    // Its max fee is exactly the next block's base fee: includable now.
    let max_fee = rig.l2_next_base_fee();
    let raw = l2_transaction(&key(1), 0, max_fee, sink, U256::from(1));
    let queued = force(&mut rig, &raw);
    // Blocks at or under its fee settle in its window (the censor leaves it out)...
    rig.transfer_block();
    rig.full_block();
    rig.full_block();
    rig.settle(3, 5);
    // ...then full blocks take the base fee above its max fee.
    rig.full_block();
    let base_fee = |rig: &Rig, n: u64| {
        u128::from(rig.l2.header(n).unwrap().unwrap().base_fee_per_gas.unwrap())
    };
    assert!(base_fee(&rig, 6) > max_fee);
    let fee = forced::fee_below_base_fee();
    // Before the deadline the drop is refused outright.
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(6, 6), vec![fee.clone()]),
        E::ForcedTransactionNotDue(NativeRollup::ForcedTransactionNotDue {
            index: 0,
            deadline: queued.deadline
        })
    );
    // At the deadline, every block of this settlement has a base fee above its max fee (the
    // old rule's whole condition), but blocks 3 to 5 of its window did not.
    rig.l1_wait(FORCED_INCLUSION_DELAY);
    rig.transfer_block_now();
    assert!(base_fee(&rig, 7) > max_fee);
    assert!((3..=5).any(|n| base_fee(&rig, n) <= max_fee));
    assert_eq!(
        rig.settle_refusal_resolving(rig.settle_input(6, 7), vec![fee]),
        E::ForcedTransactionFeeCovers(NativeRollup::ForcedTransactionFeeCovers { index: 0 })
    );
    // A forced transaction whose max fee no block of its window covered is dropped once due.
    let low = l2_transaction(&key(1), 0, 1, sink, U256::from(1));
    let mut rig2 = Rig::new(SCHEMA_OSAKA);
    rig2.fund_on_l2(1, U256::from(10u128.pow(18)));
    force(&mut rig2, &low);
    rig2.l1_wait(FORCED_INCLUSION_DELAY);
    rig2.transfer_block_now();
    let out = rig2.settle_resolving(1, 3, vec![forced::fee_below_base_fee()]);
    let resolved: NativeRollup::ForcedTransactionResolved = out.event();
    assert_eq!(
        (resolved.index, resolved.kind),
        (0, forced::FEE_BELOW_BASE_FEE)
    );
}

/// The inbox's intrinsic gas is the L2's, fork by fork: for calldata of zeros, of other bytes
/// and mixed, with and without value, to another account and to the sender itself, one gas
/// below revm's intrinsic cost is refused naming exactly that cost, and the cost itself is
/// accepted. On Amsterdam (EIP-2780, EIP-7976) 1,000 zero bytes need 79,000 gas: an inbox
/// that kept Osaka's rule would queue a 31,000-gas transaction the L2 can never include.
#[test]
fn the_inbox_charges_the_l2s_intrinsic_gas_on_every_fork() {
    let shapes: [Vec<u8>; 4] = [
        Vec::new(),
        vec![0; 1000],
        vec![0xab; 100],
        (0..300u32).map(|i| (i % 3) as u8).collect(),
    ];
    let sender = key(0).address();
    let mut checked = 0;
    for schema in [0x0e01, 0x1001, 0x1101, SCHEMA_OSAKA, 0x1501] {
        let rig = Rig::new(schema);
        for input in &shapes {
            for (to, value) in [
                (Address::repeat_byte(0x5c), true),
                (Address::repeat_byte(0x5c), false),
                (sender, true),
            ] {
                let to_self = to == sender;
                let intrinsic = revm_intrinsic(schema, input, value, to_self);
                let tx = |gas| {
                    let v = U256::from(u8::from(value));
                    l2_call(&key(0), 0, 100 * GWEI, to, v, gas, input.clone().into())
                };
                assert_eq!(
                    force_refusal(&rig, tx(intrinsic - 1)),
                    E::ForcedTxGasBelowIntrinsic(NativeRollup::ForcedTxGasBelowIntrinsic {
                        gasLimit: U256::from(intrinsic - 1),
                        intrinsic: U256::from(intrinsic)
                    }),
                    "schema {schema:#06x}, {} bytes, value {value}, to self {to_self}",
                    input.len()
                );
                assert!(
                    rig.rollup_try(
                        key(2).address(),
                        &NativeRollup::forceTransactionCall {
                            transaction: tx(intrinsic)
                        },
                        U256::ZERO
                    )
                    .is_ok()
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 60);
    // The case the inbox got wrong before: Osaka's rule would say 31,000.
    assert_eq!(revm_intrinsic(0x1501, &[0; 1000], false, false), 79_000);
    assert_eq!(
        revm_intrinsic(SCHEMA_OSAKA, &[0; 1000], false, false),
        31_000
    );
}

/// A rollup whose schema the contract does not model (its forced-transaction gas rules) is
/// not deployed.
#[test]
fn a_schema_the_contract_does_not_model_is_refused() {
    let mut rig = Rig::new(SCHEMA_OSAKA);
    for schema in [0x1301, 0x1401, 0x1502, 0x1200, 0x0d01, 0x1601] {
        assert!(rig.try_deploy(schema).is_none(), "{schema:#06x}");
    }
    for schema in [0x0e01, 0x1101, 0x1501] {
        assert!(rig.try_deploy(schema).is_some(), "{schema:#06x}");
    }
}
