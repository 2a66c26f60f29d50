//! Escrow solvency as a property of the whole system on the real EXECUTE: over random
//! deposits, L2 transfers, withdrawals, settlements, L1 claims and fee payouts, the L1
//! escrow always covers what the L2 owes. With every burned base fee credited, it is exact:
//!
//!   escrow - fees owed - withdrawals not yet paid = ETH on the L2 outside the bridge
//!                                                    + deposits not yet claimed there
//!
//! On an Amsterdam L2 the contract credits a proven lower bound of the burn (four fifths of
//! the header's gas used, EIP-7778), so the left side covers the right with room to spare.

mod harness;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use harness::*;
use nr_contracts::{L2Bridge, NativeRollup};

/// xorshift64*: a reproducible walk per seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ETH: u128 = 1_000_000_000_000_000_000;

#[test]
fn escrow_covers_the_l2_over_random_walks() {
    let mut done = [0usize; 4];
    for seed in [1u64, 0x5eed, 0xdead_beef] {
        let d = walk(Rig::new(SCHEMA_OSAKA), seed, 14);
        (0..4).for_each(|i| done[i] += d[i]);
    }
    // The walks exercised every kind of move: deposits, transfers, withdrawals paid on L1,
    // fee payouts.
    assert!(done.iter().all(|&n| n > 0), "moves made: {done:?}");
}

/// The same walk with the L2 on Amsterdam (schema 0x1501): its blocks settle through
/// EXECUTE, withdrawals are paid, and the fee credit never exceeds the burn.
#[test]
fn escrow_covers_an_amsterdam_l2() {
    let done = walk(Rig::amsterdam(), 0x5eed, 14);
    assert!(done.iter().all(|&n| n > 0), "moves made: {done:?}");
}

/// Refunds on Amsterdam: a contract that sets six slots when created (state gas) and clears
/// them when called (refunds, capped at a fifth of the call's gas). The header's gas used
/// counts the call before its refund, so crediting `base fee × gas used` would credit more
/// than the L2 burned and leave the escrow short; the contract credits EXECUTE's exact burn.
#[test]
fn refunds_on_amsterdam_do_not_overdraw_the_escrow() {
    let mut rig = Rig::amsterdam();
    let user = key(1);
    rig.fund_on_l2(1, U256::from(ETH));
    // Constructor: SSTORE(i, 1) for i in 0..6, then return the runtime;
    // runtime: SSTORE(i, 0) for i in 0..6.
    let mut runtime: Vec<u8> = (0..6u8).flat_map(|i| [0x5f, 0x60, i, 0x55]).collect();
    runtime.push(0x00);
    let mut initcode: Vec<u8> = (0..6u8).flat_map(|i| [0x60, 0x01, 0x60, i, 0x55]).collect();
    let offset = initcode.len() as u8 + 9;
    initcode.extend_from_slice(&[
        0x60,
        runtime.len() as u8,
        0x80,
        0x60,
        offset,
        0x5f,
        0x39,
        0x5f,
        0xf3,
    ]);
    initcode.extend_from_slice(&runtime);
    let created = rig.l2_create(&user, initcode.into());
    assert!(rig.l2_seal().iter().all(|o| o.success), "creation");
    rig.settle_all();
    let owed_before = rig.view(NativeRollup::feesOwedCall {});
    rig.l2_submit(&user, created, Default::default(), U256::ZERO);
    let call = rig.l2_seal();
    assert!(call[0].success, "the clearing call");
    let head = rig.l2.head().clone();
    let receipts = rig.l2.store().receipts(head.number).unwrap().unwrap();
    let paid = alloy_consensus::TxReceipt::cumulative_gas_used(receipts.last().unwrap());
    // The refund makes the header count more gas than the transaction paid for.
    assert!(head.gas_used > paid, "header {} paid {paid}", head.gas_used);
    rig.settle_all();
    // The settlement of that block credits exactly what it burned (EXECUTE's summary of
    // it), not the header's larger figure.
    let credited = rig.view(NativeRollup::feesOwedCall {}) - owed_before;
    let burned = u128::from(head.base_fee_per_gas.unwrap()) * u128::from(paid);
    assert_eq!(U256::from(credited), U256::from(burned));
    let holders = [
        key(0).address(),
        user.address(),
        Address::ZERO,
        Address::repeat_byte(0x5c),
    ];
    check(&rig, &holders, &[], 0, 0);
}

/// Returns how many deposits, transfers, L1 withdrawal claims and fee payouts it made.
fn walk(mut rig: Rig, seed: u64, steps: usize) -> [usize; 4] {
    let mut done = [0usize; 4];
    let mut rng = Rng(seed);
    let users = [key(1), key(2)];
    let l1_dest = Address::repeat_byte(0xd1);
    // Accounts that can hold L2 ETH: the sequencer (also the L2 fee recipient's stand-in:
    // tips go to address zero), the users, and the transfer sink.
    let holders = [
        key(0).address(),
        users[0].address(),
        users[1].address(),
        Address::ZERO,
        Address::repeat_byte(0x5c),
    ];
    let mut claimed_messages = 0usize;
    let mut pending_withdrawals: Vec<L2Bridge::WithdrawalInitiated> = Vec::new();
    let mut withdrawals_settled: Vec<(L2Bridge::WithdrawalInitiated, u64)> = Vec::new();

    for step in 0..steps {
        match rng.below(5) {
            0 | 1 => {
                let u = rng.below(2) as usize;
                let value = U256::from((1 + rng.below(20)) as u128 * ETH / 10);
                rig.deposit(1 + u, users[u].address(), value);
                done[0] += 1;
            }
            2 => {
                // An L2 transfer between users (if the sender can pay).
                let u = rng.below(2) as usize;
                if rig.l2_balance(users[u].address()) > U256::from(ETH) {
                    let to = if rng.below(2) == 0 {
                        users[1 - u].address()
                    } else {
                        holders[4]
                    };
                    rig.l2_submit(&users[u], to, Default::default(), U256::from(ETH / 4));
                    done[1] += 1;
                }
            }
            3 => {
                let u = rng.below(2) as usize;
                if rig.l2_balance(users[u].address()) > U256::from(ETH) {
                    let call = L2Bridge::withdrawCall { to: l1_dest };
                    rig.l2_submit(
                        &users[u],
                        nr_contracts::L2_BRIDGE,
                        call.abi_encode().into(),
                        U256::from(ETH / 2),
                    );
                }
            }
            _ => {
                if rig
                    .rollup_try(Address::ZERO, &NativeRollup::payFeesCall {}, U256::ZERO)
                    .is_ok()
                {
                    rig.rollup_tx(&key(2), NativeRollup::payFeesCall {}, U256::ZERO);
                    done[3] += 1;
                }
            }
        }
        // The sequencer relays every anchored, unclaimed message, then seals.
        let outs = rig.l2_seal();
        for o in &outs {
            assert!(
                o.success,
                "seed {seed} step {step}: an L2 transaction failed"
            );
            if let Some(w) = o.logs.iter().find_map(|l| {
                <L2Bridge::WithdrawalInitiated as alloy_sol_types::SolEvent>::decode_log(l)
                    .ok()
                    .map(|d| d.data)
            }) {
                pending_withdrawals.push(w);
            }
        }
        let anchored = rig.messages.len();
        let at = rig.l2.head().timestamp;
        if claimed_messages < anchored {
            for i in claimed_messages..anchored {
                let claim = rig.claim_call(i, at, anchored);
                rig.l2_submit(
                    &key(0),
                    nr_contracts::L2_BRIDGE,
                    claim.abi_encode().into(),
                    U256::ZERO,
                );
            }
            claimed_messages = anchored;
            assert!(
                rig.l2_seal().iter().all(|o| o.success),
                "seed {seed}: claims"
            );
        }
        rig.settle_all();
        let ring = rig.view(NativeRollup::headNumberCall {}) % 8191;
        withdrawals_settled.extend(pending_withdrawals.drain(..).map(|w| (w, ring)));
        // Claim half of the settled withdrawals on L1, oldest first.
        if rng.below(2) == 0
            && let Some((w, _)) = withdrawals_settled.first().cloned()
        {
            claim_withdrawal(&mut rig, &w);
            done[2] += 1;
            withdrawals_settled.remove(0);
        }
        check(&rig, &holders, &withdrawals_settled, seed, step);
    }
    done
}

fn claim_withdrawal(rig: &mut Rig, w: &L2Bridge::WithdrawalInitiated) {
    let call = rig.withdrawal_claim(w);
    rig.rollup_tx(&key(0), call, U256::ZERO);
}

fn check(
    rig: &Rig,
    holders: &[Address],
    unpaid: &[(L2Bridge::WithdrawalInitiated, u64)],
    seed: u64,
    step: usize,
) {
    assert_eq!(
        rig.view(NativeRollup::headNumberCall {}),
        rig.l2.head().number,
        "all settled"
    );
    let escrow = rig.l1_balance(rig.rollup);
    let fees_owed = U256::from(rig.view(NativeRollup::feesOwedCall {}));
    let unpaid: U256 = unpaid.iter().map(|(w, _)| w.value).sum();
    let on_l2: U256 = holders.iter().map(|a| rig.l2_balance(*a)).sum();
    let unclaimed: U256 = rig
        .messages
        .iter()
        .filter(|m| {
            let call = L2Bridge::isClaimedCall { index: m.index };
            let out = rig
                .l2_try(Address::ZERO, nr_contracts::L2_BRIDGE, &call)
                .unwrap();
            !L2Bridge::isClaimedCall::abi_decode_returns(&out).unwrap()
        })
        .map(|m| m.value + m.fee)
        .sum();
    let owed = on_l2 + unclaimed;
    let covered = escrow - fees_owed - unpaid;
    // Every burned wei is credited, on every fork: the escrow holds exactly what is owed.
    assert_eq!(
        covered, owed,
        "seed {seed} step {step}: escrow and what it owes"
    );
}
