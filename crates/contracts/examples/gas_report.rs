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
        "Measured by `cargo run --release -p nr-contracts --example gas_report` with both chains on \
         Amsterdam (the dev chains' fork: EIP-8037 state gas at 1,530 gas a state byte, EIP-2780 \
         intrinsic costs, EIP-7976 calldata floor, execution-specs' EIP-8038 values): the embedded \
         L1 devnet with the real EXECUTE, and real Amsterdam L2 blocks (schema 0x1501, one transfer \
         each, L2 gas limit {}; the proof rows settle the committed proven blocks). Gas is \
         deterministic: the goals are asserted by `crates/contracts/tests/gas.rs`. \
         \"Contract's own\" is the transaction's gas minus its intrinsic cost and EXECUTE's charge; \
         \"of which state gas\" is the EIP-8037 part of it, 97,920 for each storage slot written \
         from zero and 183,600 for each account created, measured by running the same call first. \
         Storage is measured in steady state (see `tests/harness/gas.rs`); the state-root ring slot \
         is fresh, as for the first 8,190 settlements (one slot's state gas and 17,100 less after the \
         ring wraps).\n",
        grouped(harness::L2_GAS_LIMIT)
    );
    println!(
        "| entry point | chain | tx gas | intrinsic | EXECUTE's charge | contract's own | of which state gas | regular, per L2 block |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let per_block = r
            .regular()
            .checked_div(r.blocks)
            .map(grouped)
            .unwrap_or_default();
        let execute = if r.execute == 0 {
            String::new()
        } else {
            grouped(r.execute)
        };
        let own = if r.floor_binds() {
            format!("≤ {} (calldata floor binds)", grouped(r.overhead()))
        } else {
            grouped(r.overhead())
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.entry,
            r.chain,
            grouped(r.total),
            grouped(r.intrinsic),
            execute,
            own,
            grouped(r.state),
            per_block
        );
    }
    let get = |prefix: &str| {
        rows.iter()
            .find(|r| r.entry.starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix}"))
    };
    let one = get("settle, 1 block, real compressed proof");
    let ten = get("settle, range of 10, one real compressed proof");
    let lengths = [1, 10, nr_stateless::ssz::MAX_RANGE_BLOCKS as u64];
    println!(
        "\n## Proof-mode settlement per L2 block against range length\n\n\
         EXECUTE charges per proof, not per block: one proof dependency settles a range of any \
         length up to the input cap of {} blocks. Computed from measured parts \
         (`harness::gas::range_costs`): the exact calldata and EXECUTE charge of the real \
         dependency-mode input for that many empty Amsterdam blocks (statement built natively), \
         and the contract's own gas from the two measured rows above, linear in the number of \
         blocks ({} + {} per block after the first). Blob gas is paid besides, one blob per \
         126,976 bytes of block data.\n",
        lengths[2],
        grouped(one.overhead()),
        grouped((ten.overhead() - one.overhead()).div_ceil(9)),
    );
    println!(
        "| blocks | blobs | intrinsic | EXECUTE's charge | contract's own | tx gas | per L2 block |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for c in harness::gas::range_costs(one, ten, &lengths) {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.blocks,
            c.blobs,
            grouped(c.intrinsic),
            grouped(c.execute),
            grouped(c.own),
            grouped(c.total()),
            grouped(c.total() / c.blocks)
        );
    }
}
