//! Measures every entry point of the rollup's contracts on the real EXECUTE and prints the
//! gas table (markdown): `cargo run --release -p nr-contracts --example gas_report >
//! benches/results/contracts.md`.

#[path = "../tests/harness/mod.rs"]
mod harness;

fn main() {
    let rows = harness::gas::measure();
    println!("# Gas of the rollup's contracts on the real EXECUTE\n");
    println!(
        "Measured by `cargo run --release -p nr-contracts --example gas_report` on the embedded L1 devnet \
         (Osaka rules, real EXECUTE) and the L2 engine, with real L2 blocks (one transfer each, L2 gas limit {}). \
         Gas is deterministic: the goals are asserted by `crates/contracts/tests/gas.rs`.\n",
        harness::L2_GAS_LIMIT
    );
    println!(
        "| entry point | chain | tx gas | intrinsic (21,000 + calldata) | EXECUTE's charge | contract's own | per L2 block |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let per_block = r
            .overhead()
            .checked_div(r.blocks)
            .map(|g| g.to_string())
            .unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.entry,
            r.chain,
            r.total,
            r.intrinsic,
            r.execute,
            r.overhead(),
            per_block
        );
    }
}
