//! Which chain rules an L2 block is validated under, on a given L1.
//!
//! An L2's fork schedule is chain data of the L1 that settles it: every L1 node must apply
//! the same schedule to the same block, in re-execution and in proof mode alike. The L1's
//! chain specification lists the L2 chains it knows ([`L2Chains`]); [`L2Chains::rules`]
//! is the one function that answers "which rules apply to this (chain id, schema id)".
//!
//! In proof mode the rules travel into the zk program as [`ChainRules`] and the statement
//! commits to [`ChainRules::hash`]; EXECUTE recomputes the hash of the rules it would apply
//! in re-execution and refuses a statement whose rules differ. So a proof can never settle
//! a block under a schedule the L1 does not assign to its chain.
//!
//! ```text
//! ChainRules     { chain_id: u64,
//!                  forks: List[ForkActivation, 8],        scheduled forks after Paris, in order
//!                  blob_schedule: List[BlobSchedule, 8],  EIP-7840 parameters per fork
//!                  bpo_forks: List[BpoFork, 5],           EIP-7892 blob-parameter-only forks, in order
//!                  deposit_contract: List[Bytes20, 1] }   EIP-6110 address, if any
//! ForkActivation { fork: u8 (schema fork index), time: u64 }
//! BlobSchedule   { fork: u8, limits: BlobLimits }
//! BpoFork        { time: u64, limits: BlobLimits }
//! BlobLimits     { target: u64, max: u64, update_fraction: u128, min_blob_fee: u128,
//!                  max_blobs_per_tx: u64, blob_base_cost: u64 }
//! hash           = sha256(SSZ(ChainRules))
//! ```

use alloc::{collections::BTreeMap, vec::Vec};
use alloy_eips::eip7840::BlobParams;
use alloy_primitives::Address;
use libssz::SszEncode;
use libssz_derive::{SszDecode, SszEncode};
use libssz_types::SszList;
use nr_stateless::{ChainConfig, Fork, SchemaId, config::MAX_BPO_FORKS};
use sha2::{Digest, Sha256};

/// Most scheduled forks a chain's rules list.
pub const MAX_FORKS: usize = 8;
/// Most blob-schedule entries.
pub const MAX_BLOB_SCHEDULE: usize = 8;

/// A fork and the timestamp it activates at.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ForkActivation {
    /// [`Fork::spec_index`].
    pub fork: u8,
    /// First timestamp under the fork.
    pub time: u64,
}

/// EIP-7840 blob parameters, as the rules commit to them.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BlobLimits {
    /// Target blobs per block.
    pub target: u64,
    /// Maximum blobs per block.
    pub max: u64,
    /// Base fee update fraction.
    pub update_fraction: u128,
    /// Minimum blob base fee.
    pub min_blob_fee: u128,
    /// Maximum blobs per transaction.
    pub max_blobs_per_tx: u64,
    /// EIP-7918 blob base cost.
    pub blob_base_cost: u64,
}

impl From<&BlobParams> for BlobLimits {
    fn from(p: &BlobParams) -> Self {
        Self {
            target: p.target_blob_count,
            max: p.max_blob_count,
            update_fraction: p.update_fraction,
            min_blob_fee: p.min_blob_fee,
            max_blobs_per_tx: p.max_blobs_per_tx,
            blob_base_cost: p.blob_base_cost,
        }
    }
}

impl From<&BlobLimits> for BlobParams {
    fn from(l: &BlobLimits) -> Self {
        Self {
            target_blob_count: l.target,
            max_blob_count: l.max,
            update_fraction: l.update_fraction,
            min_blob_fee: l.min_blob_fee,
            max_blobs_per_tx: l.max_blobs_per_tx,
            blob_base_cost: l.blob_base_cost,
        }
    }
}

/// Blob parameters from a named fork on.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BlobSchedule {
    /// [`Fork::spec_index`].
    pub fork: u8,
    /// The parameters.
    pub limits: BlobLimits,
}

/// An EIP-7892 blob-parameter-only fork: its activation time and blob parameters.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BpoFork {
    /// First timestamp under the fork.
    pub time: u64,
    /// The parameters.
    pub limits: BlobLimits,
}

/// A chain's validation rules in canonical form: what a statement commits to.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ChainRules {
    /// The chain id.
    pub chain_id: u64,
    /// Scheduled forks after Paris, in activation order.
    pub forks: SszList<ForkActivation, MAX_FORKS>,
    /// Blob parameters per fork, in fork order.
    pub blob_schedule: SszList<BlobSchedule, MAX_BLOB_SCHEDULE>,
    /// Blob-parameter-only forks, in activation order.
    pub bpo_forks: SszList<BpoFork, MAX_BPO_FORKS>,
    /// The EIP-6110 deposit contract, if the chain has one.
    pub deposit_contract: SszList<[u8; 20], 1>,
}

/// Why [`ChainRules`] do not describe a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The L1 does not settle this chain.
    #[error("chain {0} is not an L2 chain of this L1")]
    UnknownChain(u64),
    /// A fork index that names no fork, or forks out of order.
    #[error("chain rules: fork schedule is malformed")]
    Forks,
    /// A blob-schedule entry for an unknown fork, or entries out of order.
    #[error("chain rules: blob schedule is malformed")]
    BlobSchedule,
    /// Blob-parameter-only forks out of order.
    #[error("chain rules: blob-parameter-only forks are out of order")]
    BpoForks,
}

const SCHEDULED: [Fork; 5] = [
    Fork::Shanghai,
    Fork::Cancun,
    Fork::Prague,
    Fork::Osaka,
    Fork::Amsterdam,
];

impl ChainRules {
    /// The canonical form of `config`.
    pub fn from_config(config: &ChainConfig) -> Self {
        let forks: Vec<_> = SCHEDULED
            .iter()
            .filter_map(|&f| {
                config.activation(f).map(|time| ForkActivation {
                    fork: f.spec_index(),
                    time,
                })
            })
            .collect();
        let blobs: Vec<_> = config
            .blob_schedule
            .iter()
            .map(|(fork, p)| BlobSchedule {
                fork: fork.spec_index(),
                limits: p.into(),
            })
            .collect();
        let bpo: Vec<_> = config
            .bpo_forks
            .iter()
            .map(|(time, p)| BpoFork {
                time: *time,
                limits: p.into(),
            })
            .collect();
        Self {
            chain_id: config.chain_id,
            forks: forks.try_into().expect("at most five scheduled forks"),
            blob_schedule: blobs.try_into().expect("one entry per fork at most"),
            bpo_forks: bpo
                .try_into()
                .expect("a chain config holds at most MAX_BPO_FORKS"),
            deposit_contract: config
                .deposit_contract
                .map(|a| a.into_array())
                .into_iter()
                .collect::<Vec<_>>()
                .try_into()
                .expect("at most one"),
        }
    }

    /// The configuration these rules describe; inverse of [`Self::from_config`] on every
    /// canonical encoding, an error on any other.
    pub fn to_config(&self) -> Result<ChainConfig, RulesError> {
        let mut config = ChainConfig::all_at_genesis(self.chain_id, Fork::Paris);
        config.blob_schedule = BTreeMap::new();
        let mut last: Option<(Fork, u64)> = None;
        for a in self.forks.iter() {
            let fork = Fork::from_spec_index(a.fork).ok_or(RulesError::Forks)?;
            if fork == Fork::Paris || last.is_some_and(|(f, t)| f >= fork || t > a.time) {
                return Err(RulesError::Forks);
            }
            config = config.with_fork_time(fork, a.time);
            last = Some((fork, a.time));
        }
        // Every fork before a scheduled one is scheduled too (no gaps).
        let scheduled = self.forks.len();
        if SCHEDULED[..scheduled]
            .iter()
            .zip(self.forks.iter())
            .any(|(f, a)| f.spec_index() != a.fork)
        {
            return Err(RulesError::Forks);
        }
        let mut previous: Option<Fork> = None;
        for b in self.blob_schedule.iter() {
            let fork = Fork::from_spec_index(b.fork).ok_or(RulesError::BlobSchedule)?;
            if fork < Fork::Cancun || previous.is_some_and(|p| p >= fork) {
                return Err(RulesError::BlobSchedule);
            }
            previous = Some(fork);
            config.blob_schedule.insert(fork, (&b.limits).into());
        }
        let mut last = None;
        for b in self.bpo_forks.iter() {
            if last.is_some_and(|t| t >= b.time) {
                return Err(RulesError::BpoForks);
            }
            last = Some(b.time);
            config.bpo_forks.push((b.time, (&b.limits).into()));
        }
        config.deposit_contract = self.deposit_contract.first().map(|a| Address::from(*a));
        Ok(config)
    }

    /// `sha256(SSZ(self))`: what a statement commits to.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_ssz()).into()
    }
}

/// The L2 chains an L1 settles: part of the L1's chain specification, identical on every
/// node of that L1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct L2Chains {
    chains: BTreeMap<u64, ChainConfig>,
    /// Whether a chain id without an entry may settle, under the fork its schema id names,
    /// active from genesis. Off by default: an L1 settles only the chains it lists.
    pub open: bool,
}

impl L2Chains {
    /// Only the listed chains settle.
    pub fn pinned(chains: impl IntoIterator<Item = ChainConfig>) -> Self {
        Self {
            chains: chains.into_iter().map(|c| (c.chain_id, c)).collect(),
            open: false,
        }
    }

    /// Any chain settles under its schema's fork from genesis, except the listed ones,
    /// which keep their own schedule (test and research setups).
    pub fn open(chains: impl IntoIterator<Item = ChainConfig>) -> Self {
        Self {
            open: true,
            ..Self::pinned(chains)
        }
    }

    /// The listed chains, by chain id.
    pub fn iter(&self) -> impl Iterator<Item = &ChainConfig> {
        self.chains.values()
    }

    /// The rules a block of `chain_id` whose input names `schema` is validated under, in
    /// both of EXECUTE's modes and in the zk program's host. A listed chain keeps its own
    /// schedule (validation then refuses a schema whose fork the chain does not run at the
    /// block's timestamp); an unlisted one is refused unless the L1 is open.
    pub fn rules(&self, chain_id: u64, schema: SchemaId) -> Result<ChainConfig, RulesError> {
        match self.chains.get(&chain_id) {
            Some(config) => Ok(config.clone()),
            None if self.open => Ok(ChainConfig::all_at_genesis(chain_id, schema.fork)),
            None => Err(RulesError::UnknownChain(chain_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libssz::SszDecode;

    #[test]
    fn rules_round_trip_and_hash_every_field() {
        let mut config = ChainConfig::all_at_genesis(901, Fork::Osaka)
            .with_fork_time(Fork::Prague, 10)
            .with_fork_time(Fork::Osaka, 20);
        config.bpo_forks = alloc::vec![(30, BlobParams::bpo1()), (40, BlobParams::bpo2())];
        let rules = ChainRules::from_config(&config);
        assert_eq!(rules.to_config().unwrap(), config);
        let decoded = ChainRules::from_ssz_bytes(&rules.to_ssz()).unwrap();
        assert_eq!(decoded, rules);
        let other = ChainRules::from_config(&config.clone().with_fork_time(Fork::Osaka, 21));
        assert_ne!(other.hash(), rules.hash());
        let mut later_bpo = config.clone();
        later_bpo.bpo_forks[1].0 = 41;
        assert_ne!(ChainRules::from_config(&later_bpo).hash(), rules.hash());
        let mut unordered = rules.clone();
        let mut bpo = unordered.bpo_forks.to_vec();
        bpo.swap(0, 1);
        unordered.bpo_forks = bpo.try_into().unwrap();
        assert_eq!(unordered.to_config(), Err(RulesError::BpoForks));
        let other = ChainRules::from_config(&ChainConfig::all_at_genesis(902, Fork::Osaka));
        assert_ne!(
            other.hash(),
            ChainRules::from_config(&ChainConfig::all_at_genesis(901, Fork::Osaka)).hash()
        );
    }

    #[test]
    fn non_canonical_rules_are_refused() {
        let mut rules = ChainRules::from_config(&ChainConfig::all_at_genesis(1, Fork::Osaka));
        let mut forks = rules.forks.to_vec();
        forks.swap(0, 1);
        rules.forks = forks.try_into().unwrap();
        assert_eq!(rules.to_config(), Err(RulesError::Forks));
        // A gap: Cancun without Shanghai.
        let mut rules = ChainRules::from_config(&ChainConfig::all_at_genesis(1, Fork::Cancun));
        rules.forks = rules.forks[1..].to_vec().try_into().unwrap();
        assert_eq!(rules.to_config(), Err(RulesError::Forks));
    }

    #[test]
    fn pinned_chains_refuse_others_and_keep_their_schedule() {
        let dev = ChainConfig::all_at_genesis(901, Fork::Prague).with_fork_time(Fork::Osaka, 100);
        let chains = L2Chains::pinned([dev.clone()]);
        let osaka = SchemaId::v1(Fork::Osaka);
        let prague = SchemaId::v1(Fork::Prague);
        assert_eq!(chains.rules(901, prague), Ok(dev.clone()));
        assert_eq!(chains.rules(902, osaka), Err(RulesError::UnknownChain(902)));
        let open = L2Chains::open([dev.clone()]);
        assert_eq!(open.rules(901, osaka), Ok(dev));
        assert_eq!(
            open.rules(902, prague),
            Ok(ChainConfig::all_at_genesis(902, Fork::Prague))
        );
    }
}
