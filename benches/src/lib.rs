//! Shared setup for the criterion benches: the heaviest shipped blocks, and real blocks
//! sealed by the node engine.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use ef_tests::{json_files, prepared_inputs};
use nr_node::NodeEvmFactory;
use nr_node::{BlockAttributes, Chain, ChainSpec, Role, genesis::DEV_MNEMONIC};
use nr_stateless::{ChainConfig, Fork, StatelessInput};
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
                    let fixture = serde_json::from_value(t["config"].clone()).ok();
                    let network = t["network"].as_str().unwrap_or_default();
                    ef_tests::chain_config(network, fixture.as_ref()).is_some()
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

impl<F: NodeEvmFactory> DevChain<F> {
    /// A fresh dev chain of `role` on `factory` (Amsterdam from genesis).
    pub fn new(role: Role, chain_id: u64, factory: F) -> Self {
        Self::with_spec(role, ChainSpec::dev(role, chain_id), factory)
    }

    /// A fresh dev chain of `role` that runs `fork`'s rules from genesis (Osaka, or
    /// Amsterdam, the dev chains' fork).
    pub fn on_fork(role: Role, chain_id: u64, fork: Fork, factory: F) -> Self {
        Self::with_spec(role, dev_spec(role, chain_id, fork), factory)
    }

    /// A fresh chain of `role` from `spec`.
    pub fn with_spec(role: Role, spec: ChainSpec, factory: F) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(role, spec, factory, dir.path()).unwrap();
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
        self.sign_kind(TxKind::Call(to), input, gas_limit)
    }

    /// The index (in [`Self::addresses`]) of the account that signs next.
    pub fn next_sender(&self) -> usize {
        self.next % self.keys.len()
    }

    /// The next nonce this chain signs with for `who` (0 for an account it does not hold).
    pub fn nonce_of(&self, who: Address) -> u64 {
        self.keys
            .iter()
            .position(|k| k.address() == who)
            .map_or(0, |i| self.nonces[i])
    }

    /// The dev accounts, in sender order.
    pub fn addresses(&self) -> Vec<Address> {
        self.keys.iter().map(|k| k.address()).collect()
    }

    /// A signed call or creation from the next sender in turn.
    pub fn sign_kind(&mut self, to: TxKind, input: Bytes, gas_limit: u64) -> Vec<u8> {
        let i = self.next % self.keys.len();
        self.next += 1;
        let tx = TxEip1559 {
            chain_id: self.chain.spec.config.chain_id,
            nonce: self.nonces[i],
            gas_limit,
            // Twice the next base fee: blocks above the gas target raise it every block.
            max_fee_per_gas: 2 * u128::from(self.next_base_fee()) + 1,
            max_priority_fee_per_gas: 1,
            to,
            value: U256::from(u8::from(to.is_call())),
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
        assert_eq!(
            sealed.block.body.transactions.len(),
            txs.len(),
            "block gas used {}, last receipt's cumulative gas {:?}",
            sealed.block.header.gas_used,
            sealed.receipts.last().map(|r| r.cumulative_gas_used())
        );
        if let Some(i) = sealed.receipts.iter().position(|r| !r.status()) {
            panic!(
                "transaction {i} of {} failed (cumulative gas {}, limit {})",
                txs.len(),
                sealed.receipts[i].cumulative_gas_used(),
                alloy_consensus::Transaction::gas_limit(&sealed.block.body.transactions[i])
            );
        }
        elapsed
    }
}

impl<F: NodeEvmFactory> DevChain<F> {
    /// Deploys [`erc20`]'s token crediting every dev account, in a block of its own;
    /// returns its address.
    pub fn deploy_erc20(&mut self) -> Address {
        let holders = self.addresses();
        // Amsterdam prices the deposited code as state (EIP-8037).
        let amsterdam = self
            .chain
            .spec
            .config
            .fork_at(self.chain.head().timestamp + 12)
            >= Fork::Amsterdam;
        let gas = if amsterdam { 10_000_000 } else { 2_000_000 };
        let create = self.sign_kind(TxKind::Create, erc20::initcode(&holders), gas);
        self.submit_and_seal(&[create]);
        holders[0].create(0)
    }

    /// `schema_id ++ SSZ(StatelessInput)` of the head block, as the prover reads it.
    pub fn head_input(&self) -> Result<Vec<u8>, nr_node::store::StoreError> {
        let head = self.chain.head().number;
        Ok(self
            .chain
            .store()
            .stateless_input(head)?
            .expect("the engine keeps the stateless input of every block it seals"))
    }
}

/// The dev chain of `role`, on `fork` from genesis.
pub fn dev_spec(role: Role, chain_id: u64, fork: Fork) -> ChainSpec {
    let mut genesis = nr_node::genesis::dev_genesis(role, chain_id);
    // The dev chains run Amsterdam from genesis; an Osaka chain leaves it unscheduled.
    genesis.config.amsterdam_time = (fork >= Fork::Amsterdam).then_some(0);
    ChainSpec::from_genesis(genesis).expect("the dev genesis is valid")
}

/// An L2 block sealed by the engine, as the prover reads it.
pub struct SealedL2Block {
    /// `schema_id ++ SSZ(StatelessInput)`.
    pub input: Vec<u8>,
    /// Transactions in it.
    pub transactions: usize,
    /// Gas it uses.
    pub gas_used: u64,
}

/// Gas limit of each ERC-20 transfer in [`erc20_block`].
const TRANSFER_GAS_LIMIT: u64 = 60_000;

/// One L2 block of ERC-20 transfers using at least `target` gas, or as much as the block's
/// gas limit admits, on a fresh L2 chain after the block that deploys [`erc20`]'s token.
pub fn erc20_block(target: u64) -> Result<SealedL2Block, nr_node::store::StoreError> {
    erc20_block_on(Fork::Osaka, target)
}

/// [`erc20_block`] on a chain that runs `fork` from genesis. On Amsterdam a block before it
/// creates the recipient's balance slot (state gas there).
pub fn erc20_block_on(
    fork: Fork,
    target: u64,
) -> Result<SealedL2Block, nr_node::store::StoreError> {
    let mut l2 = DevChain::on_fork(
        Role::L2,
        chain_id(fork),
        fork,
        alloy_evm::EthEvmFactory::default(),
    );
    let token = l2.deploy_erc20();
    let limit = l2.chain.head().gas_limit;
    // On Osaka the first transfer to the recipient uses about 50,400 gas, each later one about
    // 33,300; on Amsterdam (the recipient's slot made beforehand) each about 47,730, as
    // EIP-8038 prices a storage write at 10,000. The builder admits a transaction while its
    // gas limit fits in what is left.
    let (first, next) = if fork >= Fork::Amsterdam {
        (47_730, 47_730)
    } else {
        (50_400, 33_300)
    };
    let wanted = 1 + target.saturating_sub(first).div_ceil(next);
    let admitted = 1 + (limit - TRANSFER_GAS_LIMIT - first) / next;
    let count = wanted.min(admitted) as usize;
    if fork >= Fork::Amsterdam {
        // The recipient's balance slot first: creating it is state gas (97,920, EIP-8037).
        let create = l2.sign(token, erc20::transfer(RECIPIENT, 1), 200_000);
        l2.submit_and_seal(&[create]);
    }
    let txs: Vec<_> = (0..count)
        .map(|_| l2.sign(token, erc20::transfer(RECIPIENT, 1), TRANSFER_GAS_LIMIT))
        .collect();
    l2.submit_and_seal(&txs);
    Ok(SealedL2Block {
        input: l2.head_input()?,
        transactions: count,
        gas_used: l2.chain.head().gas_used,
    })
}

/// An L2 block of transfers sealed by the L2 engine: as many as the ten dev accounts can
/// have pending at once (640, 13.4M gas), close to a full 15M-gas block.
pub fn l2_transfer_block() -> BenchBlock {
    l2_transfer_block_on(Fork::Osaka)
}

/// [`l2_transfer_block`] on a chain that runs `fork` from genesis. On Amsterdam a block
/// before it creates the recipient (a new account is state gas there), so the measured
/// block's transfers are the same as Osaka's but for the first one's account creation.
pub fn l2_transfer_block_on(fork: Fork) -> BenchBlock {
    let mut l2 = DevChain::on_fork(
        Role::L2,
        chain_id(fork),
        fork,
        alloy_evm::EthEvmFactory::default(),
    );
    let count = (u64::from(nr_node::genesis::DEV_ACCOUNTS) * nr_node::pool::MAX_PER_SENDER as u64)
        .min(l2.chain.head().gas_limit / 21_000);
    if fork >= Fork::Amsterdam {
        // The recipient's account first: creating it is state gas (183,600, EIP-8037), which
        // a 21,000-gas transfer cannot pay.
        let create = l2.sign(RECIPIENT, Bytes::new(), 250_000);
        l2.submit_and_seal(&[create]);
    }
    let txs: Vec<_> = (0..count)
        .map(|_| l2.sign(RECIPIENT, Bytes::new(), 21_000))
        .collect();
    l2.submit_and_seal(&txs);
    let head = l2.chain.head().clone();
    BenchBlock {
        name: format!("L2 block of {count} transfers{}", suffix(fork)),
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

/// An L2 block of ERC-20 transfers filling the 15M-gas limit (`nr_benches::erc20_block`).
pub fn l2_erc20_block() -> BenchBlock {
    l2_erc20_block_on(Fork::Osaka)
}

/// [`l2_erc20_block`] on a chain that runs `fork` from genesis.
pub fn l2_erc20_block_on(fork: Fork) -> BenchBlock {
    let block = erc20_block_on(fork, 15_000_000).expect("an ERC-20 block seals");
    BenchBlock {
        name: format!(
            "L2 block of {} ERC-20 transfers{}",
            block.transactions,
            suffix(fork)
        ),
        config: dev_spec(Role::L2, chain_id(fork), fork).config,
        input: block.input,
        gas_used: block.gas_used,
    }
}

/// The dev L2's chain id on `fork`: 901 on Osaka, 902 on Amsterdam, so that one L1 can list
/// both chains with their own fork schedules.
pub fn chain_id(fork: Fork) -> u64 {
    if fork >= Fork::Amsterdam { 902 } else { 901 }
}

/// The chain configurations of `blocks`, one per chain: what an L1 that settles them lists.
pub fn chains_of(blocks: &[BenchBlock]) -> Vec<ChainConfig> {
    let mut chains: Vec<ChainConfig> = Vec::new();
    for b in blocks {
        if !chains.iter().any(|c| c.chain_id == b.config.chain_id) {
            chains.push(b.config.clone());
        }
    }
    chains
}

/// How bench names tell the Amsterdam blocks (schema 0x1501) from the Osaka ones.
fn suffix(fork: Fork) -> &'static str {
    if fork >= Fork::Amsterdam {
        ", Amsterdam"
    } else {
        ""
    }
}

/// The sealed L2 blocks the benches measure: [`l2_transfer_block`] and [`l2_erc20_block`],
/// on Osaka (schema 0x1201) and on Amsterdam (0x1501).
pub fn l2_blocks_for_benches() -> Vec<BenchBlock> {
    vec![
        l2_transfer_block(),
        l2_erc20_block(),
        l2_transfer_block_on(Fork::Amsterdam),
        l2_erc20_block_on(Fork::Amsterdam),
    ]
}

/// Sender recovery on k256 (RustCrypto, the pure-Rust curve code native builds used
/// before libsecp256k1), to install as alloy's recovery backend (`crypto-backend`) for the
/// "before" measurement of the switch. An installed backend stays for the process: install
/// it after every measurement that should run on libsecp256k1.
pub mod k256_recovery {
    use alloy_consensus::crypto::{RecoveryError, backend::CryptoProvider};
    use alloy_primitives::{Address, keccak256};
    use std::sync::Arc;

    /// The provider.
    pub struct K256;

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
            let mut signature =
                Signature::from_slice(&sig[..64]).map_err(|_| RecoveryError::new())?;
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

    /// Installs [`K256`] for the rest of the process.
    pub fn install() {
        alloy_consensus::crypto::backend::install_default_provider(Arc::new(K256))
            .map_err(|_| "a recovery backend was already installed")
            .expect("installed once");
    }
}

/// A minimal ERC-20 token built from opcodes (no compiler here): `transfer(to, amount)`
/// with Solidity's balance layout (`keccak256(holder ++ 0)`), the balance check, the
/// `Transfer` event and a `true` return, so its blocks cost what token transfers cost.
pub mod erc20 {
    use alloy_primitives::{Address, Bytes, U256, keccak256};

    /// 4-byte selector of `transfer(address,uint256)`.
    pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

    const PUSH1: u8 = 0x60;
    const PUSH2: u8 = 0x61;

    /// Runtime code of `transfer` (the selector is not dispatched on: one function).
    pub fn runtime() -> Vec<u8> {
        let topic = keccak256("Transfer(address,address,uint256)");
        let mut c = vec![PUSH1, 0x24, 0x35]; // amount
        // balance slot of the caller: keccak256(caller ++ 0)
        c.extend([0x33, PUSH1, 0, 0x52, PUSH1, 0x40, PUSH1, 0, 0x20]);
        c.extend([0x80, 0x54]); // bal, slot, amount
        c.extend([0x82, 0x81, 0x10]); // bal < amount
        let revert_at = c.len() + 2;
        c.extend([PUSH1, 0x00, 0x57]); // patched below
        c.extend([0x82, 0x90, 0x03, 0x90, 0x55]); // sstore(slot, bal - amount)
        c.extend([
            PUSH1, 0x04, 0x35, PUSH1, 0, 0x52, PUSH1, 0x40, PUSH1, 0, 0x20,
        ]); // slot(to)
        c.extend([0x80, 0x54, 0x82, 0x01, 0x90, 0x55]); // sstore(slot, bal + amount)
        c.extend([PUSH1, 0, 0x52]); // mem[0] = amount
        c.extend([PUSH1, 0x04, 0x35, 0x33, 0x7f]); // to, from, topic
        c.extend_from_slice(topic.as_slice());
        c.extend([PUSH1, 0x20, PUSH1, 0, 0xa3]); // LOG3
        c.extend([PUSH1, 1, PUSH1, 0, 0x52, PUSH1, 0x20, PUSH1, 0, 0xf3]); // return true
        let dest = c.len() as u8;
        c[revert_at - 1] = dest;
        c.extend([0x5b, PUSH1, 0, 0x80, 0xfd]); // JUMPDEST; revert(0, 0)
        c
    }

    /// Creation code: credits each holder with `2^128` tokens, then returns [`runtime`].
    pub fn initcode(holders: &[Address]) -> Bytes {
        let runtime = runtime();
        let mut c = Vec::new();
        for holder in holders {
            c.push(0x7f);
            c.extend_from_slice(&U256::from(1u128 << 127).to_be_bytes::<32>());
            c.push(0x73);
            c.extend_from_slice(holder.as_slice());
            c.extend([PUSH1, 0, 0x52, PUSH1, 0x40, PUSH1, 0, 0x20, 0x55]);
        }
        // codecopy(0, offset, len); return(0, len)
        let offset = c.len() + 13;
        let len = runtime.len() as u16;
        c.extend([PUSH2]);
        c.extend(len.to_be_bytes());
        c.extend([0x80, PUSH2]);
        c.extend((offset as u16).to_be_bytes());
        c.extend([PUSH1, 0, 0x39, PUSH1, 0, 0xf3]);
        assert_eq!(c.len(), offset);
        c.extend(runtime);
        c.into()
    }

    /// Calldata of `transfer(to, amount)`.
    pub fn transfer(to: Address, amount: u64) -> Bytes {
        let mut data = TRANSFER_SELECTOR.to_vec();
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(to.as_slice());
        data.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
        data.into()
    }
}
