//! The contracts' gas goals on the real EXECUTE (the table: `cargo run --release -p
//! nr-contracts --example gas_report`, in benches/results/contracts.md). Gas is
//! deterministic, so the goals are asserted exactly: a regression fails here.

mod harness;

#[test]
fn entry_points_meet_their_gas_goals() {
    // The proof rows compute the native statement of their blocks on the big stack.
    harness::on_big_stack(goals);
}

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
    // With the state-root ring slot fresh (the first 8,190 settlements): 17,100 less after.
    assert!(one.overhead() <= 50_000, "settle one: {one:?}");
    let range = get("settle, range of 10 (re-execution)");
    assert!(
        range.overhead() / range.blocks <= 12_000,
        "settle range: {range:?}"
    );
    let deposit = get("depositETH");
    // 50,000 before the anchor age: a message now also computes the root it supersedes
    // (7,600) and writes the time into that root's slot (a cold slot rewritten: 5,000).
    assert!(deposit.overhead() <= 61_000, "deposit: {deposit:?}");
    for claim in [
        get("claimWithdrawal (to a new L1 account)"),
        get("claimWithdrawal (to an existing account)"),
    ] {
        assert!(claim.overhead() <= 90_000, "withdrawal claim: {claim:?}");
    }
    // One claim in 256 also opens a word of the claim bitmap (17,100 more).
    let first = get("claimWithdrawal (first of 256");
    assert!(
        first.overhead() <= 90_000 + 17_100,
        "first claim of a word: {first:?}"
    );
    // Forced inclusion: the inbox (four fresh slots) and one inclusion proof in a settlement.
    let force = get("forceTransaction");
    assert!(force.overhead() <= 160_000, "forceTransaction: {force:?}");
    let included = get("settle, 1 block + a forced");
    // 70,000 before a settlement folded its blocks' base fees into the forced queue's window
    // (`minBaseFeeWhileForced`: a cold slot read, and rewritten when lower: 5,000).
    assert!(
        included.overhead() <= 75_000,
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
        proof_one.overhead() <= 50_000,
        "settle one by proof: {proof_one:?}"
    );
    assert!(
        proof_range.overhead() / proof_range.blocks <= 12_000,
        "settle a range by proof: {proof_range:?}"
    );
}
