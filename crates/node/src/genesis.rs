//! Chains from geth/reth-format genesis files, and the dev genesis each role starts from.
//!
//! A genesis file fixes the chain id, the fork schedule (`shanghaiTime`, `cancunTime`,
//! `pragueTime`, `osakaTime`, `amsterdamTime`; the chain is post-merge from block 0), the
//! blob schedule (EIP-7840) and the allocation. The genesis header is derived the way
//! reth derives it, so the same file gives the same genesis hash here and there.

use crate::Role;
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header, constants::EMPTY_WITHDRAWALS, proofs::state_root_ref_unhashed,
};
use alloy_eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::{MnemonicBuilder, coins_bip39::English};
use alloy_trie::EMPTY_ROOT_HASH;
use nr_stateless::ChainConfig;
use std::collections::BTreeMap;

/// The mnemonic of every Ethereum dev tool (anvil, hardhat, reth --dev).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Dev accounts funded from [`DEV_MNEMONIC`] (indexes 0..N).
pub const DEV_ACCOUNTS: u32 = 10;
/// Balance of each dev account: 10,000 ether, as anvil funds them.
pub const DEV_BALANCE: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]);

/// Why a genesis file was refused.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// Not JSON, or not a genesis.
    #[error("genesis is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Forks out of order, a fork this engine cannot run, or a malformed EXECUTE section.
    #[error(transparent)]
    Spec(#[from] nr_execute::spec::SpecError),
    /// The allocation could not be built into a trie.
    #[error("allocation: {0}")]
    Alloc(String),
}

/// A chain: its rules and its genesis block.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    /// Fork schedule and chain id, as the validator reads them.
    pub config: ChainConfig,
    /// The genesis file it came from.
    pub genesis: Genesis,
    /// The genesis header.
    pub header: Header,
    /// EXECUTE's configuration from the genesis's `config.nativeRollup` section, read and
    /// checked once with the rest of the file (`None`: the chain has no EXECUTE).
    pub execute: Option<nr_execute::ExecuteConfig>,
}

impl ChainSpec {
    /// Parses a genesis JSON file's contents.
    pub fn from_json(json: &str) -> Result<Self, GenesisError> {
        Self::from_genesis(serde_json::from_str(json)?)
    }

    /// The chain a parsed genesis describes.
    pub fn from_genesis(genesis: Genesis) -> Result<Self, GenesisError> {
        let config = nr_execute::spec::chain_config(&genesis.config)?;
        // EXECUTE's section is checked with the rest of the file, before any use of it.
        let execute = nr_execute::spec::execute_config(&genesis.config)?;
        let header = genesis_header(&genesis, &config);
        Ok(Self {
            config,
            genesis,
            header,
            execute,
        })
    }

    /// The dev chain of a role: every fork through Amsterdam at genesis, the dev accounts
    /// funded, the system contracts deployed (the L1 also those of EIP-7002/7251; the L2,
    /// which carries no execution requests, not).
    pub fn dev(role: Role, chain_id: u64) -> Self {
        Self::from_genesis(dev_genesis(role, chain_id)).expect("the dev genesis is valid")
    }
}

/// The dev accounts of [`DEV_MNEMONIC`], in index order.
pub fn dev_accounts() -> Vec<Address> {
    (0..DEV_ACCOUNTS)
        .map(|i| {
            MnemonicBuilder::<English>::default()
                .phrase(DEV_MNEMONIC)
                .index(i)
                .expect("index below 2^31")
                .build()
                .expect("the dev mnemonic derives")
                .address()
        })
        .collect()
}

/// Chain id of the dev L2 (`nr-node genesis --role l2`), which the dev L1 settles.
pub const DEV_L2_CHAIN_ID: u64 = 901;

/// A dev genesis for `role`: see [`ChainSpec::dev`]. The dev L1 settles the dev L2
/// ([`DEV_L2_CHAIN_ID`]) with native-rollup's program ([`l1_genesis_settling`]), unless it
/// has the dev L2's chain id itself (then it settles no chain).
pub fn dev_genesis(role: Role, chain_id: u64) -> Genesis {
    let genesis = base_genesis(role, chain_id);
    let dev_l2 = base_genesis(Role::L2, DEV_L2_CHAIN_ID).config;
    match role {
        Role::L1 if chain_id == DEV_L2_CHAIN_ID => l1_genesis_settling(genesis, &[]),
        Role::L1 => l1_genesis_settling(genesis, &[dev_l2]),
        Role::L2 => genesis,
    }
}

/// `l1` with EXECUTE's section (`config.nativeRollup`): active from genesis, settling
/// the chains of `l2_configs` (L2 genesis `config` objects) with native-rollup's program.
pub fn l1_genesis_settling(mut l1: Genesis, l2_configs: &[alloy_genesis::ChainConfig]) -> Genesis {
    l1.config.extra_fields.insert(
        nr_execute::spec::SECTION.into(),
        nr_execute::spec::dev_section(l2_configs),
    );
    l1
}

fn base_genesis(role: Role, chain_id: u64) -> Genesis {
    let mut alloc: BTreeMap<Address, GenesisAccount> = dev_accounts()
        .into_iter()
        .map(|a| (a, GenesisAccount::default().with_balance(DEV_BALANCE)))
        .collect();
    let mut system = vec![
        (
            alloy_eips::eip4788::BEACON_ROOTS_ADDRESS,
            alloy_eips::eip4788::BEACON_ROOTS_CODE.clone(),
        ),
        (
            alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS,
            alloy_eips::eip2935::HISTORY_STORAGE_CODE.clone(),
        ),
    ];
    if role == Role::L1 {
        system.push((
            alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
        ));
        system.push((
            alloy_eips::eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            alloy_eips::eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone(),
        ));
    }
    for (address, code) in system {
        alloc.insert(
            address,
            GenesisAccount::default()
                .with_nonce(Some(1))
                .with_code(Some(code)),
        );
    }
    // EXECUTE charges an L2 block's gas limit up front, inside one L1 transaction: the L2
    // limit must leave room under EIP-7825's 2^24 per-transaction cap (ethrex uses 15M too).
    let mut genesis = Genesis::default()
        .with_gas_limit(match role {
            Role::L1 => 60_000_000,
            Role::L2 => 15_000_000,
        })
        .with_base_fee(Some(INITIAL_BASE_FEE as u128))
        .extend_accounts(alloc);
    let c = &mut genesis.config;
    c.chain_id = chain_id;
    for fork in [
        &mut c.homestead_block,
        &mut c.eip150_block,
        &mut c.eip155_block,
        &mut c.eip158_block,
        &mut c.byzantium_block,
        &mut c.constantinople_block,
        &mut c.petersburg_block,
        &mut c.istanbul_block,
        &mut c.berlin_block,
        &mut c.london_block,
    ] {
        *fork = Some(0);
    }
    c.terminal_total_difficulty = Some(U256::ZERO);
    c.terminal_total_difficulty_passed = true;
    c.shanghai_time = Some(0);
    c.cancun_time = Some(0);
    c.prague_time = Some(0);
    c.osaka_time = Some(0);
    c.amsterdam_time = Some(0);
    genesis.difficulty = U256::ZERO;
    genesis
}

/// The genesis header: empty roots, the allocation's state root, and each fork's header
/// fields as a block at genesis time requires them.
fn genesis_header(genesis: &Genesis, config: &ChainConfig) -> Header {
    let fields = config.fork_at(genesis.timestamp).header_fields();
    let blob = fields.blobs;
    Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: genesis.coinbase,
        state_root: state_root_ref_unhashed(&genesis.alloc),
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
        difficulty: genesis.difficulty,
        number: genesis.number.unwrap_or_default(),
        gas_limit: genesis.gas_limit,
        gas_used: 0,
        timestamp: genesis.timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: genesis.nonce.into(),
        base_fee_per_gas: Some(
            genesis
                .base_fee_per_gas
                .map(|f| f as u64)
                .unwrap_or(INITIAL_BASE_FEE),
        ),
        withdrawals_root: fields.withdrawals.then_some(EMPTY_WITHDRAWALS),
        blob_gas_used: blob.then(|| genesis.blob_gas_used.unwrap_or_default()),
        excess_blob_gas: blob.then(|| genesis.excess_blob_gas.unwrap_or_default()),
        parent_beacon_block_root: blob.then_some(B256::ZERO),
        requests_hash: fields.requests.then_some(EMPTY_REQUESTS_HASH),
        // EIP-7928: a genesis accesses nothing; EIP-7843: slot 0.
        block_access_list_hash: fields
            .block_access_list
            .then_some(alloy_eips::eip7928::EMPTY_BLOCK_ACCESS_LIST_HASH),
        slot_number: fields.block_access_list.then_some(0),
    }
}

/// The allocation as the stateless crate's full state takes it.
pub fn alloc_accounts(
    genesis: &Genesis,
) -> BTreeMap<Address, nr_stateless::witness::GenesisAccount> {
    genesis
        .alloc
        .iter()
        .map(|(address, a)| {
            let storage = a
                .storage
                .iter()
                .flatten()
                .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)))
                .collect();
            let account = nr_stateless::witness::GenesisAccount {
                nonce: a.nonce.unwrap_or_default(),
                balance: a.balance,
                code: a.code.clone().unwrap_or_else(Bytes::new),
                storage,
            };
            (*address, account)
        })
        .collect()
}
