//! Shared setup for the criterion benches: the heaviest shipped blocks, and real blocks
//! sealed by the node engine.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use ef_tests::{json_files, prepared_inputs};
use nr_node::{BlockAttributes, Chain, ChainSpec, Role, genesis::DEV_MNEMONIC};
use nr_stateless::{BlockEvmFactory, ChainConfig, StatelessInput};
use std::{
    path::Path,
    time::{Duration, Instant},
};

/// Where the benches' transfers go.
pub const RECIPIENT: Address = address!("0x000000000000000000000000000000000000bEEF");

/// One block to bench, with where it came from.
pub struct BenchBlock {
    /// Test name.
    pub name: String,
    /// The chain it runs on.
    pub config: ChainConfig,
    /// Its encoded stateless input.
    pub input: Vec<u8>,
    /// Gas it uses.
    pub gas_used: u64,
}

/// Blocks above this are state tests run with an enormous gas limit, where a transaction
/// that runs out of gas "uses" all of it: heavy in gas, light in work.
pub const MAX_REALISTIC_GAS: u64 = 60_000_000;

/// The `count` valid blocks using the most gas (up to [`MAX_REALISTIC_GAS`]) among the
/// blockchain tests under `dir` (one per test file), with their stateless inputs.
pub fn heaviest_blocks(dir: &Path, count: usize) -> Vec<BenchBlock> {
    // Rank files by the largest gasUsed of any block header they declare (cheap: no execution).
    let mut ranked: Vec<(u64, std::path::PathBuf)> = json_files(&dir.join("BlockchainTests"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let max = json
                .as_object()?
                .values()
                .filter(|t| {
                    ef_tests::chain_config(t["network"].as_str().unwrap_or_default()).is_some()
                })
                .flat_map(|t| t["blocks"].as_array().cloned().unwrap_or_default())
                .filter_map(|b| {
                    u64::from_str_radix(
                        b["blockHeader"]["gasUsed"]
                            .as_str()?
                            .trim_start_matches("0x"),
                        16,
                    )
                    .ok()
                })
                .filter(|g| *g <= MAX_REALISTIC_GAS)
                .max()?;
            Some((max, path))
        })
        .collect();
    ranked.sort_by_key(|(gas, _)| std::cmp::Reverse(*gas));
    let mut out = Vec::new();
    for (_, path) in ranked {
        if out.len() == count {
            break;
        }
        let Ok(inputs) = prepared_inputs(&path) else {
            continue;
        };
        let best = inputs
            .into_iter()
            .filter(|(_, _, b)| b.valid_on_full_state)
            .map(|(name, config, b)| {
                let gas = StatelessInput::decode(&b.input)
                    .map(|i| i.new_payload_request.execution_payload.gas_used)
                    .unwrap_or(0);
                (name, config, b.input, gas)
            })
            .filter(|(.., gas)| *gas <= MAX_REALISTIC_GAS)
            .max_by_key(|(.., gas)| *gas);
        if let Some((name, config, input, gas_used)) = best {
            out.push(BenchBlock {
                name,
                config,
                input,
                gas_used,
            });
        }
    }
    out
}

/// A dev chain of the node engine in a temporary datadir, with the dev keys and their
/// next nonces: real blocks for the benches.
pub struct DevChain<F> {
    /// The chain.
    pub chain: Chain<F>,
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    next: usize,
    _dir: tempfile::TempDir,
}

impl<F: BlockEvmFactory> DevChain<F> {
    /// A fresh dev chain of `role` on `factory`.
    pub fn new(role: Role, chain_id: u64, factory: F) -> Self {
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
    pub fn sign(&mut self, to: Address, input: Bytes, gas_limit: u64) -> Vec<u8> {
        let i = self.next % self.keys.len();
        self.next += 1;
        let tx = TxEip1559 {
            chain_id: self.chain.spec.config.chain_id,
            nonce: self.nonces[i],
            gas_limit,
            // Twice the next base fee: blocks above the gas target raise it every block.
            max_fee_per_gas: 2 * u128::from(self.next_base_fee()) + 1,
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

    fn next_base_fee(&self) -> u64 {
        self.chain
            .head()
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or_default()
    }

    /// Submits `txs` and seals them into one block; returns the time it took.
    pub fn submit_and_seal(&mut self, txs: &[Vec<u8>]) -> Duration {
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
