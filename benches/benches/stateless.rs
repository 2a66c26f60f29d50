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
//! Sender recovery runs on libsecp256k1 in native builds (what reth links). The
//! `k256 (before)` group measures the same blocks again in the same run after installing a
//! k256 recovery backend (alloy's `crypto-backend` hook, the pure-Rust curve code native
//! builds used before): the before/after of the switch, on one machine, in one run. It
//! runs last, because an installed backend stays for the process.

use alloy_consensus::{
    crypto::{RecoveryError, backend::CryptoProvider},
    transaction::SignerRecoverable,
};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, keccak256};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nr_benches::{BenchBlock, heaviest_blocks, l2_blocks_for_benches};
use nr_stateless::{NodeStore, StatelessInput, validate_stateless};
use std::{hint::black_box, sync::Arc};

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

/// Sender recovery on k256 (RustCrypto), installed as alloy's recovery backend.
struct K256;

fn address_of(key: &k256::ecdsa::VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

impl CryptoProvider for K256 {
    fn recover_signer_unchecked(
        &self,
        sig: &[u8; 65],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
        let mut signature = Signature::from_slice(&sig[..64]).map_err(|_| RecoveryError::new())?;
        let mut id = sig[64];
        if let Some(low) = signature.normalize_s() {
            signature = low;
            id ^= 1;
        }
        let id = RecoveryId::from_byte(id).ok_or_else(RecoveryError::new)?;
        VerifyingKey::recover_from_prehash(msg, &signature, id)
            .map(|key| address_of(&key))
            .map_err(|_| RecoveryError::new())
    }

    fn verify_and_compute_signer_unchecked(
        &self,
        pubkey: &[u8; 65],
        sig: &[u8; 64],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        use k256::ecdsa::{Signature, VerifyingKey, signature::hazmat::PrehashVerifier};
        let key = VerifyingKey::from_sec1_bytes(pubkey).map_err(|_| RecoveryError::new())?;
        let signature = Signature::from_slice(sig).map_err(|_| RecoveryError::new())?;
        key.verify_prehash(msg, &signature)
            .map_err(|_| RecoveryError::new())?;
        Ok(address_of(&key))
    }
}

/// The L2 blocks again with k256 recovery: the "before" of the libsecp256k1 switch.
fn bench_k256(c: &mut Criterion) {
    let native = blocks()
        .into_iter()
        .take(2)
        .map(|b| {
            let input = StatelessInput::decode(&b.input).unwrap();
            (b, input)
        })
        .collect::<Vec<_>>();
    let addresses: Vec<_> = native.iter().map(|(_, i)| recover_senders(i)).collect();
    alloy_consensus::crypto::backend::install_default_provider(Arc::new(K256))
        .map_err(|_| "a recovery backend was already installed")
        .unwrap();
    for ((b, input), count) in native.iter().zip(addresses) {
        // Same senders, same verdict on the k256 path.
        assert_eq!(recover_senders(input), count);
        validate_stateless(input, &b.config).expect("valid on k256 too");
        let mut g = c.benchmark_group(format!(
            "validate_stateless k256 (before)/{} ({} gas)",
            short(&b.name),
            b.gas_used
        ));
        g.throughput(Throughput::Elements(b.gas_used));
        g.sample_size(20);
        g.bench_function("senders", |bench| {
            bench.iter(|| recover_senders(black_box(input)))
        });
        g.bench_function("full", |bench| {
            bench.iter(|| validate_stateless(black_box(input), &b.config).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench, bench_k256);
criterion_main!(benches);
