//! The chain engine's sustained throughput, per sealed block, everything a block costs the
//! node included: pool admission (signature recovery, an EVM dry run), block building,
//! import through the witness generator (re-execution with full validation, producing
//! the block's `StatelessInput`), and one durable redb commit.
//!
//! * `l2_sequencing`: blocks of simple transfers from ten senders; elem/s reads as tx/s.
//! * `l1_execute`: L1 blocks of transactions that each call EXECUTE (re-execution) on a
//!   real L2 block of 20 transfers; elem/s reads as EXECUTE calls per second.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nr_execute::{EXECUTE_ADDRESS, ExecuteConfig, NativeRollupEvmFactory};
use nr_node::{BlockAttributes, Chain, ChainSpec, Role, genesis::DEV_MNEMONIC};
use nr_stateless::BlockEvmFactory;
use std::time::{Duration, Instant};

const RECIPIENT: Address = address!("0x000000000000000000000000000000000000bEEF");

/// A chain in a temporary datadir, with the dev keys and their next nonces.
struct Bench<F> {
    chain: Chain<F>,
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    next: usize,
    _dir: tempfile::TempDir,
}

impl<F: BlockEvmFactory> Bench<F> {
    fn new(role: Role, chain_id: u64, factory: F) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(role, ChainSpec::dev(role, chain_id), factory, dir.path()).unwrap();
        let keys: Vec<PrivateKeySigner> = (0..nr_node::genesis::DEV_ACCOUNTS)
            .map(|i| {
                MnemonicBuilder::<English>::default()
                    .phrase(DEV_MNEMONIC)
                    .index(i)
                    .unwrap()
                    .build()
                    .unwrap()
            })
            .collect();
        Self {
            nonces: vec![0; keys.len()],
            keys,
            chain,
            next: 0,
            _dir: dir,
        }
    }

    /// A signed transaction from the next sender in turn.
    fn sign(&mut self, to: Address, input: Bytes, gas_limit: u64) -> Vec<u8> {
        let i = self.next % self.keys.len();
        self.next += 1;
        let tx = TxEip1559 {
            chain_id: self.chain.spec.config.chain_id,
            nonce: self.nonces[i],
            gas_limit,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(to),
            value: U256::from(1),
            input,
            ..Default::default()
        };
        self.nonces[i] += 1;
        let signature = self.keys[i].sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
    }

    /// Submits `txs` and seals them into one block; returns the time it took.
    fn submit_and_seal(&mut self, txs: &[Vec<u8>]) -> Duration {
        let start = Instant::now();
        for tx in txs {
            self.chain.submit(tx).unwrap();
        }
        let sealed = self
            .chain
            .seal(BlockAttributes {
                timestamp: self.chain.head().timestamp + 12,
                fee_recipient: Address::ZERO,
                prev_randao: B256::ZERO,
                parent_beacon_block_root: B256::ZERO,
            })
            .unwrap();
        let elapsed = start.elapsed();
        assert_eq!(sealed.block.body.transactions.len(), txs.len());
        assert!(sealed.receipts.iter().all(|r| r.status()));
        elapsed
    }
}

fn l2_sequencing(c: &mut Criterion) {
    let mut g = c.benchmark_group("l2_sequencing");
    g.sample_size(10);
    for per_block in [100u64, 500] {
        let mut bench = Bench::new(Role::L2, 901, EthEvmFactory::default());
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
    let mut l2 = Bench::new(Role::L2, 901, EthEvmFactory::default());
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
    // A 60M-gas L1 block holds three 16M-gas EXECUTE transactions (each charges the L2
    // block's 15M gas limit up front).
    let per_block = 3usize;
    let mut l1 = Bench::new(
        Role::L1,
        1337,
        NativeRollupEvmFactory::new(ExecuteConfig::default()),
    );
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
