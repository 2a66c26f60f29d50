//! `validate_stateless` on the heaviest blocks shipped in Ethereum's tests.
//!
//! Throughput is in gas, so criterion's `elem/s` reads as gas per second (Mgas/s). Three
//! stages per block split the cost:
//! * `witness`: decode the SSZ input and index the witness (node store, codes);
//! * `without_post_state`: all checks and execution (EVM, with trie reads), no state root;
//! * `full`: the whole validation, including applying the state diff and the new root.
//!
//! `full - without_post_state` is the trie update; `witness` the witness work before it.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nr_benches::heaviest_blocks;
use nr_stateless::{
    NodeStore, StatelessInput, validate::validate_stateless_without_post_state, validate_stateless,
};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let dir = ef_tests::default_fixtures();
    if !dir.is_dir() {
        eprintln!("SKIPPING: fixtures not found at {}", dir.display());
        return;
    }
    let blocks = heaviest_blocks(&dir, 3);
    for b in &blocks {
        let input = StatelessInput::decode(&b.input).expect("own input decodes");
        validate_stateless(&input, &b.config).expect("heaviest blocks are valid");
        let short: String = b
            .name
            .rsplit("::")
            .next()
            .unwrap_or(&b.name)
            .chars()
            .take(60)
            .collect();
        let mut g = c.benchmark_group(format!("validate_stateless/{short} ({} gas)", b.gas_used));
        g.throughput(Throughput::Elements(b.gas_used));
        g.sample_size(20);
        g.bench_function("witness", |bench| {
            bench.iter(|| {
                let i = StatelessInput::decode(black_box(&b.input)).unwrap();
                let store =
                    NodeStore::from_preimages(i.witness.state.iter().map(|n| n.to_vec().into()));
                let codes: Vec<_> = i
                    .witness
                    .codes
                    .iter()
                    .map(|c| alloy_primitives::keccak256(&c[..]))
                    .collect();
                black_box((store.len(), codes.len()))
            })
        });
        g.bench_function("without_post_state", |bench| {
            bench.iter(|| {
                validate_stateless_without_post_state(black_box(&input), &b.config).unwrap()
            })
        });
        g.bench_function("full", |bench| {
            bench.iter(|| validate_stateless(black_box(&input), &b.config).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
