//! The contracts' gas goals on the real EXECUTE (the table: `cargo run --release -p
//! nr-contracts --example gas_report`, in benches/results/contracts.md). Gas is
//! deterministic, so the goals are asserted exactly: a regression fails here.

mod harness;

#[test]
fn entry_points_meet_their_gas_goals() {
    // The proof rows compute the native statement of their blocks on the big stack.
    harness::on_big_stack(goals);
}

use revm::primitives::eip8037::{CPSB_GLAMSTERDAM, NEW_ACCOUNT_BYTES, SSTORE_SET_BYTES};

/// EIP-8037's state gas on Amsterdam: a storage slot written from zero (64 state bytes, 97,920)
/// and a new account (120, 183,600), at 1,530 gas a state byte.
const SLOT: u64 = SSTORE_SET_BYTES * CPSB_GLAMSTERDAM;
const ACCOUNT: u64 = NEW_ACCOUNT_BYTES * CPSB_GLAMSTERDAM;

/// Both chains are on Amsterdam. The goals were set on Osaka, before EIP-8037 split state gas
/// from regular gas: each entry's *regular* gas is held to its goal (or to its Amsterdam
/// figure where EIP-8038's repricing moved it past the goal: the distance is stated), and its
/// state gas is asserted exactly, as the number of slots and accounts it creates.
fn goals() {
    let rows = harness::gas::measure();
    let get = |name: &str| {
        rows.iter()
            .find(|r| r.entry.starts_with(name))
            .unwrap()
            .clone()
    };
    let one = get("settle, 1 block (re-execution)");
    assert!(one.execute > 900_000, "EXECUTE is charged: {one:?}");
    // The state-root ring slot is fresh for the first 8,190 settlements: one slot of state
    // gas (and 17,100 of regular gas) less after.
    assert_eq!(one.state, SLOT, "settle one writes one new slot: {one:?}");
    assert!(one.regular() <= 50_000, "settle one: {one:?}");
    let range = get("settle, range of 10 (re-execution)");
    assert_eq!(range.state, SLOT, "a range writes one new slot: {range:?}");
    assert!(
        range.regular() / range.blocks <= 12_000,
        "settle range: {range:?}"
    );
    let deposit = get("depositETH");
    // One new slot: the time of the message root it makes. Goal 61,000 on Osaka (50,000
    // before the anchor age); EIP-8038's cold-access prices put it at 71,623 on Amsterdam,
    // 10,623 over.
    assert_eq!(deposit.state, SLOT, "deposit: {deposit:?}");
    assert!(deposit.regular() <= 72_000, "deposit: {deposit:?}");
    for (claim, state) in [
        (get("claimWithdrawal (to a new L1 account)"), ACCOUNT),
        (get("claimWithdrawal (to an existing account)"), 0),
        // One claim in 256 also opens a word of the claim bitmap.
        (get("claimWithdrawal (first of 256"), ACCOUNT + SLOT),
    ] {
        assert_eq!(claim.state, state, "withdrawal claim: {claim:?}");
        assert!(claim.regular() <= 90_000, "withdrawal claim: {claim:?}");
    }
    // Forced inclusion: the inbox (four new slots) and one inclusion proof in a settlement.
    let force = get("forceTransaction");
    assert_eq!(force.state, 4 * SLOT, "forceTransaction: {force:?}");
    assert!(force.regular() <= 160_000, "forceTransaction: {force:?}");
    let included = get("settle, 1 block + a forced");
    // Goal 75,000 on Osaka (70,000 before a settlement folded its blocks' base fees into the
    // forced queue's window); 77,931 on Amsterdam, 2,931 over.
    assert_eq!(
        included.state, SLOT,
        "settle with an inclusion: {included:?}"
    );
    assert!(
        included.regular() <= 78_000,
        "settle with an inclusion: {included:?}"
    );
    // Proof mode, by real proofs: EXECUTE's charge is one proof dependency whatever the
    // number of blocks (it grows only with the input's bytes); the contract reads each
    // block's summary from EXECUTE's output, as in re-execution.
    let proof_one = get("settle, 1 block, real compressed proof");
    let proof_range = get("settle, range of 10, one real compressed proof");
    assert_eq!(proof_range.blocks, 10);
    // Nine more blocks add their 208 bytes of output to the statement (16 gas a byte).
    assert!(
        proof_range.execute - proof_one.execute < 40_000,
        "one proof for the range: {proof_one:?} {proof_range:?}"
    );
    // The contract's goals for proof mode.
    assert!(
        proof_one.regular() <= 50_000,
        "settle one by proof: {proof_one:?}"
    );
    assert!(
        proof_range.regular() / proof_range.blocks <= 12_000,
        "settle a range by proof: {proof_range:?}"
    );
}
