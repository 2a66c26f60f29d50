//! What an L2 node's datadir and memory grow by per block, and how long it takes to start
//! on a long chain: an in-process chain seals blocks (empty, or full of transfers) into a
//! fresh datadir on this disk, sampling resident memory and the database's size, then is
//! closed and opened again.
//!
//! ```text
//! cargo run --release -p nr-node --example growth -- [--blocks 100000] [--txs 0] [--archive]
//! ```
//!
//! `--txs N` puts N transfers in each block (up to 640: ten dev senders, 64 each), cycling
//! over 10,000 recipients, so the state stops growing once they all exist. 357 transfers
//! fill the dev L2's gas target (7.5M of its 15M limit), where the base fee stays put: a
//! chain busy for good; above it the base fee climbs until no sender can pay. Without
//! `--archive` the node keeps the state and stateless inputs of its last 256 blocks (what a
//! rollup whose settlement keeps up keeps); with it, everything (the node before pruning).
//! Prints a line per sample and a Markdown summary (docs/node.md records runs).

mod common;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use common::arg;
use nr_node::{BlockAttributes, Chain, ChainSpec, Keep, Retention, Role, genesis};
use std::{os::unix::fs::MetadataExt, path::Path, time::Instant};

/// Resident set size of this process, in bytes.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// Bytes the chain database takes on disk.
fn disk(datadir: &Path) -> u64 {
    std::fs::metadata(datadir.join(nr_node::store::DB_FILE)).map_or(0, |m| m.blocks() * 512)
}

fn senders() -> Vec<PrivateKeySigner> {
    (0..genesis::DEV_ACCOUNTS)
        .map(|i| {
            MnemonicBuilder::<English>::default()
                .phrase(genesis::DEV_MNEMONIC)
                .index(i)
                .unwrap()
                .build()
                .unwrap()
        })
        .collect()
}

fn transfer(key: &PrivateKeySigner, nonce: u64, to: Address) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id: genesis::DEV_L2_CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 1_000_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(to),
        value: U256::from(1),
        ..Default::default()
    };
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

struct Sample {
    block: u64,
    rss: u64,
    disk: u64,
    nodes: usize,
}

fn open(datadir: &Path, retention: Retention) -> Chain<EthEvmFactory> {
    let spec = ChainSpec::dev(Role::L2, genesis::DEV_L2_CHAIN_ID);
    Chain::open_with(Role::L2, spec, EthEvmFactory::default(), datadir, retention).unwrap()
}

fn main() {
    let blocks = arg("--blocks", 100_000);
    let txs = arg("--txs", 0).min(640);
    let archive = std::env::args().any(|a| a == "--archive");
    let retention = if archive {
        Retention {
            state: Keep::All,
            inputs: Keep::All,
            until_settled: false,
        }
    } else {
        Retention {
            state: Keep::Last(256),
            inputs: Keep::Last(256),
            until_settled: false,
        }
    };
    // On this disk, not a tmpfs: the database's writes are what is measured.
    let dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let datadir = dir.path().join("l2");
    let mut chain = open(&datadir, retention);
    let keys = senders();
    let per_sender = txs.div_ceil(keys.len() as u64);
    let mut nonces = vec![0u64; keys.len()];
    let mut recipient = 0u64;
    let every = (blocks / 20).max(1);
    let mut samples = vec![Sample {
        block: 0,
        rss: rss(),
        disk: disk(&datadir),
        nodes: chain.store().node_count().unwrap() as usize,
    }];
    let started = Instant::now();
    println!("block | RSS MiB | disk MiB | trie nodes kept | blocks/s");
    let mut last = Instant::now();
    for n in 1..=blocks {
        let mut left = txs;
        'fill: for (i, key) in keys.iter().enumerate() {
            for _ in 0..per_sender {
                if left == 0 {
                    break 'fill;
                }
                recipient = (recipient + 1) % 10_000;
                let to = Address::from_word(B256::from(U256::from(0x5eed_0000 + recipient)));
                chain.submit(&transfer(key, nonces[i], to)).unwrap();
                nonces[i] += 1;
                left -= 1;
            }
        }
        let sealed = chain
            .seal(BlockAttributes {
                timestamp: chain.head().timestamp + 2,
                fee_recipient: Address::ZERO,
                prev_randao: B256::ZERO,
                parent_beacon_block_root: B256::with_last_byte(1),
            })
            .unwrap();
        assert_eq!(sealed.block.body.transactions.len() as u64, txs);
        if n % every == 0 || n == blocks {
            let s = Sample {
                block: n,
                rss: rss(),
                disk: disk(&datadir),
                nodes: chain.store().node_count().unwrap() as usize,
            };
            println!(
                "{n} | {:.1} | {:.1} | {} | {:.0}",
                s.rss as f64 / 1048576.0,
                s.disk as f64 / 1048576.0,
                s.nodes,
                every as f64 / last.elapsed().as_secs_f64()
            );
            last = Instant::now();
            samples.push(s);
        }
    }
    let sealing = started.elapsed();
    drop(chain);
    // Start-up: open the datadir again (what `nr-node run` does before serving), three times.
    let mut opens = Vec::new();
    let mut reopened_nodes = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let chain = open(&datadir, retention);
        opens.push(t.elapsed().as_secs_f64());
        assert_eq!(chain.head().number, blocks);
        reopened_nodes = chain.store().node_count().unwrap() as usize;
    }

    // Per-block growth over the second half, past the start where the system contracts'
    // ring buffers (EIP-2935, EIP-4788: 8,191 slots each) and the recipients still fill.
    let mid = &samples[samples.len() / 2];
    let end = samples.last().unwrap();
    let span = (end.block - mid.block).max(1) as f64;
    let per_block = |a: u64, b: u64| (b as f64 - a as f64) / span;
    println!();
    println!(
        "| blocks | txs/block | kept | sealing | disk at end | disk/block (2nd half) | RSS at end | RSS/block (2nd half) | trie nodes | start-up (3 opens) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {blocks} | {txs} | {} | {:.0} s ({:.0} blocks/s) | {:.1} MiB | {:.0} B | {:.1} MiB | {:.0} B | {} | {} |",
        if archive {
            "archive"
        } else {
            "last 256 blocks"
        },
        sealing.as_secs_f64(),
        blocks as f64 / sealing.as_secs_f64(),
        end.disk as f64 / 1048576.0,
        per_block(mid.disk, end.disk),
        end.rss as f64 / 1048576.0,
        per_block(mid.rss, end.rss),
        reopened_nodes,
        opens
            .iter()
            .map(|s| format!("{:.2} s", s))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
