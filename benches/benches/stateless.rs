//! `validate_stateless` on a full L2 block of transfers sealed by the node engine (15M gas,
//! the work an L2 block really is), and on the heaviest blocks shipped in Ethereum's tests
//! (whose gas is largely burnt by exceptionally halting transactions: read them by time).
//!
//! Throughput is in gas, so criterion's `elem/s` reads as gas per second (Mgas/s). Three
//! stages per block split the cost:
//! * `witness`: decode the SSZ input and index the witness (node store, codes);
//! * `without_post_state`: all checks and execution (EVM, with trie reads), no state root;
//! * `full`: the whole validation, including applying the state diff and the new root.
//!
//! `full - without_post_state` is the trie update; `witness` the witness work before it.

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nr_benches::{BenchBlock, DevChain, RECIPIENT, heaviest_blocks};
use nr_node::Role;
use nr_stateless::{
    NodeStore, StatelessInput, validate::validate_stateless_without_post_state, validate_stateless,
};
use std::hint::black_box;

/// An L2 block of transfers sealed by the L2 engine: as many as the ten dev accounts can
/// have pending at once (640, 13.4M gas), close to a full 15M-gas block.
fn l2_transfer_block() -> BenchBlock {
    let mut l2 = DevChain::new(Role::L2, 901, EthEvmFactory::default());
    let count = (u64::from(nr_node::genesis::DEV_ACCOUNTS) * nr_node::pool::MAX_PER_SENDER as u64)
        .min(l2.chain.head().gas_limit / 21_000);
    let txs: Vec<_> = (0..count)
        .map(|_| l2.sign(RECIPIENT, Bytes::new(), 21_000))
        .collect();
    l2.submit_and_seal(&txs);
    let head = l2.chain.head().clone();
    BenchBlock {
        name: format!("L2 block of {count} transfers"),
        config: l2.chain.spec.config.clone(),
        input: l2
            .chain
            .store()
            .stateless_input(head.number)
            .unwrap()
            .unwrap(),
        gas_used: head.gas_used,
    }
}

fn bench(c: &mut Criterion) {
    let mut blocks = vec![l2_transfer_block()];
    let dir = ef_tests::default_fixtures();
    if dir.is_dir() {
        blocks.extend(heaviest_blocks(&dir, 3));
    } else {
        eprintln!(
            "SKIPPING the fixture blocks: not found at {}",
            dir.display()
        );
    }
    for b in &blocks {
        let input = StatelessInput::decode(&b.input).expect("own input decodes");
        validate_stateless(&input, &b.config).expect("bench blocks are valid");
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
