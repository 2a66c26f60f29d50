//! The chain engine's sustained throughput, per sealed block, everything a block costs the
//! node included: pool admission (signature recovery, an EVM dry run), block building,
//! import through the witness generator (re-execution with full validation, producing
//! the block's `StatelessInput`), and one durable redb commit.
//!
//! Both chains run Osaka's rules, as when the published figures were measured (on Amsterdam a
//! transfer that creates its recipient pays 183,600 of state gas besides).
//!
//! * `l2_sequencing`: blocks of simple transfers from ten senders; elem/s reads as tx/s.
//! * `l1_execute`: L1 blocks of two transactions that each call EXECUTE (re-execution) on
//!   a real L2 block of 20 transfers; elem/s reads as EXECUTE calls per second.

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nr_benches::{DevChain, RECIPIENT};
use nr_execute::{EXECUTE_ADDRESS, NativeRollupEvmFactory};
use nr_node::Role;
use nr_stateless::Fork;

fn l2_sequencing(c: &mut Criterion) {
    let mut g = c.benchmark_group("l2_sequencing");
    g.sample_size(10);
    for per_block in [100u64, 500] {
        let mut bench = DevChain::on_fork(Role::L2, 901, Fork::Osaka, EthEvmFactory::default());
        g.throughput(Throughput::Elements(per_block));
        g.bench_function(BenchmarkId::new("transfers_per_block", per_block), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        // Signing is the users' work, not the node's: outside the timing.
                        let txs: Vec<_> = (0..per_block)
                            .map(|_| bench.sign(RECIPIENT, Bytes::new(), 21_000))
                            .collect();
                        bench.submit_and_seal(&txs)
                    })
                    .sum()
            })
        });
    }
}

fn l1_execute(c: &mut Criterion) {
    // Real L2 blocks of 20 transfers each, and their stateless inputs.
    let mut l2 = DevChain::on_fork(Role::L2, 901, Fork::Osaka, EthEvmFactory::default());
    let inputs: Vec<Bytes> = (0..6)
        .map(|_| {
            let txs: Vec<_> = (0..20)
                .map(|_| l2.sign(RECIPIENT, Bytes::new(), 21_000))
                .collect();
            l2.submit_and_seal(&txs);
            let number = l2.chain.head().number;
            l2.chain
                .store()
                .stateless_input(number)
                .unwrap()
                .unwrap()
                .into()
        })
        .collect();
    let gas = 16_000_000;
    let mut g = c.benchmark_group("l1_execute");
    g.sample_size(10);
    // Each EXECUTE transaction uses about 9.1M gas (the L2 block's 15M gas limit, charged up
    // front at 3/5): two stay under a 60M-gas L1 block's 30M target, so the base fee cannot
    // climb over a long run and starve the pool.
    let per_block = 2usize;
    // The dev L1 on Osaka, listing the Osaka L2 above (its EXECUTE settles that chain).
    let l1_genesis = nr_node::genesis::l1_genesis_settling(
        nr_benches::dev_spec(Role::L1, 1337, Fork::Osaka).genesis,
        &[l2.chain.spec.genesis.config.clone()],
    );
    let l1_spec = nr_node::ChainSpec::from_genesis(l1_genesis).expect("a valid L1 genesis");
    let execute = l1_spec
        .execute
        .clone()
        .expect("the dev L1 configures EXECUTE");
    let mut l1 = DevChain::with_spec(Role::L1, l1_spec, NativeRollupEvmFactory::new(execute));
    g.throughput(Throughput::Elements(per_block as u64));
    g.bench_function(
        BenchmarkId::new(
            "execute_calls_per_block",
            format!("{per_block} x 20-transfer L2 blocks"),
        ),
        |b| {
            let mut round = 0;
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let txs: Vec<_> = (0..per_block)
                            .map(|i| {
                                let input = inputs[(round * per_block + i) % inputs.len()].clone();
                                l1.sign(EXECUTE_ADDRESS, input, gas)
                            })
                            .collect();
                        round += 1;
                        l1.submit_and_seal(&txs)
                    })
                    .sum()
            })
        },
    );
}

criterion_group!(benches, l2_sequencing, l1_execute);
criterion_main!(benches);
