//! The blocks the GPU measurements prove (`l2-blocks`, `scripts/prove-gpu`): they use the gas
//! asked for, stop at the block gas limit, and validate as the zk program would.

use nr_benches::erc20_block;
use nr_prover::Job;
use nr_statement::Statement;

fn check(target: u64) -> (usize, u64) {
    let block = erc20_block(target).unwrap();
    let job = Job::from_inputs(vec![block.input]).unwrap();
    assert_eq!(
        (job.transactions(), job.gas_used()),
        (block.transactions, block.gas_used)
    );
    let statement = job.native_statement().unwrap().encode();
    let (_, output) = Statement::decode_with_output(&statement).unwrap();
    assert!(
        output.result.successful(),
        "{target}-gas block does not validate"
    );
    (block.transactions, block.gas_used)
}

#[test]
fn erc20_block_reaches_its_gas_within_one_transfer() {
    let (txs, gas) = check(1_000_000);
    assert!((1_000_000..1_000_000 + 33_400).contains(&gas), "{gas}");
    assert_eq!(txs, 30);
}

#[test]
fn erc20_block_above_the_gas_limit_fills_the_block() {
    let (_, gas) = check(30_000_000);
    // The L2 gas limit is 15M; a 60,000-gas transfer no longer fits after the last one.
    assert!(
        (15_000_000 - 60_000 - 33_400..=15_000_000).contains(&gas),
        "{gas}"
    );
}
