//! `validate_stateless` on full L2 blocks sealed by the node engine (640 transfers, and
//! ERC-20 transfers filling the 15M-gas limit: the work an L2 block really is), and on the
//! heaviest blocks shipped in Ethereum's tests (whose gas is largely burnt by exceptionally
//! halting transactions: read them by time).
//!
//! Throughput is in gas, so criterion's `elem/s` reads as gas per second (Mgas/s). Stages,
//! each measured here on the public API (no hook in the validator):
//! * `witness`: decode the SSZ input and index the witness (node store, codes);
//! * `senders`: recover every transaction's sender, as validation does;
//! * `full`: the whole validation (checks, execution, state diff, new root).
//!
//! Sender recovery runs on libsecp256k1 in native builds (what reth links); the execute
//! bench measures the switch from k256 (before and after, in one run).

use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nr_benches::{BenchBlock, heaviest_blocks, l2_blocks_for_benches};
use nr_stateless::{NodeStore, StatelessInput, validate_stateless};
use std::hint::black_box;

fn blocks() -> Vec<BenchBlock> {
    let mut blocks = l2_blocks_for_benches();
    let dir = ef_tests::default_fixtures();
    if dir.is_dir() {
        blocks.extend(heaviest_blocks(&dir, 3));
    } else {
        eprintln!(
            "SKIPPING the fixture blocks: not found at {}",
            dir.display()
        );
    }
    blocks
}

fn short(name: &str) -> String {
    name.rsplit("::")
        .next()
        .unwrap_or(name)
        .chars()
        .take(60)
        .collect()
}

/// Recovers every sender of the block, as validation does.
fn recover_senders(input: &StatelessInput) -> usize {
    input
        .new_payload_request
        .execution_payload
        .transactions
        .iter()
        .map(|raw| {
            let tx = alloy_consensus::TxEnvelope::decode_2718(&mut &raw[..]).unwrap();
            tx.recover_signer().unwrap()
        })
        .count()
}

fn bench(c: &mut Criterion) {
    for b in &blocks() {
        let input = StatelessInput::decode(&b.input).expect("own input decodes");
        validate_stateless(&input, &b.config).expect("bench blocks are valid");
        let short = short(&b.name);
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
        g.bench_function("senders", |bench| {
            bench.iter(|| recover_senders(black_box(&input)))
        });
        g.bench_function("full", |bench| {
            bench.iter(|| validate_stateless(black_box(&input), &b.config).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
