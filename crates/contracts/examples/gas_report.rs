//! Measures every entry point of the rollup's contracts on the real EXECUTE and prints the
//! gas table (markdown): `cargo run --release -p nr-contracts --example gas_report >
//! benches/results/contracts.md`.

#[path = "../tests/harness/mod.rs"]
mod harness;

use nr_contracts::grouped;

fn main() {
    let rows = harness::gas::measure();
    println!("# Gas of the rollup's contracts on the real EXECUTE\n");
    println!(
        "Measured by `cargo run --release -p nr-contracts --example gas_report` on the embedded L1 devnet \
         (Osaka rules, real EXECUTE) and the L2 engine, with real L2 blocks (one transfer each, L2 gas limit {}). \
         Gas is deterministic: the goals are asserted by `crates/contracts/tests/gas.rs`. \
         \"Contract's own\" is the transaction's gas minus its intrinsic cost and EXECUTE's charge. \
         Storage is measured in steady state (see `tests/harness/gas.rs`); the state-root ring slot is \
         fresh, as for the first 8,190 settlements (17,100 less after the ring wraps).\n",
        grouped(harness::L2_GAS_LIMIT)
    );
    println!(
        "| entry point | chain | tx gas | intrinsic (21,000 + calldata) | EXECUTE's charge | contract's own | per L2 block |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let per_block = r
            .overhead()
            .checked_div(r.blocks)
            .map(grouped)
            .unwrap_or_default();
        let execute = if r.execute == 0 {
            String::new()
        } else {
            grouped(r.execute)
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.entry,
            r.chain,
            grouped(r.total),
            grouped(r.intrinsic),
            execute,
            grouped(r.overhead()),
            per_block
        );
    }
}
