//! The chain's own fork schedule: which rules apply to a block, independent of any L1.
//!
//! A native rollup chooses its forks itself; validation must never infer them from the
//! L1 it settles on. Post-merge only: every chain starts at Paris (proof-of-stake rules,
//! no ommers, no difficulty), and later forks activate by timestamp. Blob-parameter-only
//! forks (EIP-7892, BPO1..BPO5: a new blob target and maximum at a timestamp, no other rule
//! change) are part of the blob schedule.

use alloc::{collections::BTreeMap, vec::Vec};
use alloy_eips::eip7840::BlobParams;
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, ChainId};

/// The forks this crate validates, in activation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    /// The merge: proof of stake (EIP-3675, EIP-4399).
    Paris,
    /// Withdrawals (EIP-4895), PUSH0, initcode limits.
    Shanghai,
    /// Blobs (EIP-4844), beacon roots (EIP-4788), transient storage.
    Cancun,
    /// Execution requests (EIP-7685), history contract (EIP-2935), EIP-7702.
    Prague,
    /// PeerDAS blob rules (EIP-7594, EIP-7918), per-tx gas cap (EIP-7825), block size cap.
    Osaka,
    /// Block-level access lists (EIP-7928), slot numbers (EIP-7843), transfer logs
    /// (EIP-7708), two-dimensional block gas (EIP-7778, EIP-8037) and the other Amsterdam
    /// rules as revm 42 implements them (docs/stateless.md names where that differs from
    /// execution-specs).
    Amsterdam,
}

impl Fork {
    /// The fork's index in execution-specs' fork list, the high byte of a schema id.
    pub const fn spec_index(self) -> u8 {
        match self {
            Self::Paris => 0x0e,
            Self::Shanghai => 0x0f,
            Self::Cancun => 0x10,
            Self::Prague => 0x11,
            Self::Osaka => 0x12,
            Self::Amsterdam => 0x15,
        }
    }

    /// Inverse of [`Fork::spec_index`].
    pub const fn from_spec_index(index: u8) -> Option<Self> {
        Some(match index {
            0x0e => Self::Paris,
            0x0f => Self::Shanghai,
            0x10 => Self::Cancun,
            0x11 => Self::Prague,
            0x12 => Self::Osaka,
            0x15 => Self::Amsterdam,
            _ => return None,
        })
    }

    const fn hardfork(self) -> EthereumHardfork {
        match self {
            Self::Paris => EthereumHardfork::Paris,
            Self::Shanghai => EthereumHardfork::Shanghai,
            Self::Cancun => EthereumHardfork::Cancun,
            Self::Prague => EthereumHardfork::Prague,
            Self::Osaka => EthereumHardfork::Osaka,
            Self::Amsterdam => EthereumHardfork::Amsterdam,
        }
    }
}

/// Which optional header fields (and body lists) a block carries under a fork: the one
/// definition that payload conversion, the header shape check, the node's block builder and
/// genesis all use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderFields {
    /// `withdrawals_root` and the body's withdrawals (EIP-4895, Shanghai).
    pub withdrawals: bool,
    /// `blob_gas_used`, `excess_blob_gas` (EIP-4844) and `parent_beacon_block_root`
    /// (EIP-4788), Cancun.
    pub blobs: bool,
    /// `requests_hash` (EIP-7685, Prague).
    pub requests: bool,
    /// `block_access_list_hash` (EIP-7928, Amsterdam).
    pub block_access_list: bool,
}

impl Fork {
    /// The optional header fields a block of this fork has.
    pub const fn header_fields(self) -> HeaderFields {
        let at = self as u8;
        HeaderFields {
            withdrawals: at >= Self::Shanghai as u8,
            blobs: at >= Self::Cancun as u8,
            requests: at >= Self::Prague as u8,
            block_access_list: at >= Self::Amsterdam as u8,
        }
    }
}

/// Fork schedule and per-fork parameters of one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// The chain id every transaction must be signed for.
    pub chain_id: ChainId,
    /// Activation timestamps of the forks after Paris (`None`: never).
    pub shanghai_time: Option<u64>,
    /// Cancun activation timestamp.
    pub cancun_time: Option<u64>,
    /// Prague activation timestamp.
    pub prague_time: Option<u64>,
    /// Osaka activation timestamp.
    pub osaka_time: Option<u64>,
    /// Amsterdam activation timestamp.
    pub amsterdam_time: Option<u64>,
    /// Blob schedule per fork (EIP-7840), from Cancun on.
    pub blob_schedule: BTreeMap<Fork, BlobParams>,
    /// Blob-parameter-only forks (EIP-7892): BPO1, BPO2, ... in order, each an activation
    /// time and the blob parameters from then on (at most [`MAX_BPO_FORKS`]).
    pub bpo_forks: Vec<(u64, BlobParams)>,
    /// The EIP-6110 deposit contract, if the chain has one (Prague requests).
    pub deposit_contract: Option<Address>,
}

impl ChainConfig {
    /// A chain with every fork up to and including `last` active from genesis, and
    /// Ethereum's blob schedule. Rollups usually pick one fork and stay on it.
    pub fn all_at_genesis(chain_id: ChainId, last: Fork) -> Self {
        let at = |f: Fork| (f <= last).then_some(0);
        Self {
            chain_id,
            shanghai_time: at(Fork::Shanghai),
            cancun_time: at(Fork::Cancun),
            prague_time: at(Fork::Prague),
            osaka_time: at(Fork::Osaka),
            amsterdam_time: at(Fork::Amsterdam),
            blob_schedule: ethereum_blob_schedule(),
            bpo_forks: Vec::new(),
            deposit_contract: None,
        }
    }

    /// Ethereum mainnet's fork schedule from Paris on (chain id 1), used by the
    /// conformance tests together with [`ChainConfig::with_fork_times`].
    pub fn mainnet_like(chain_id: ChainId) -> Self {
        Self {
            chain_id,
            shanghai_time: None,
            cancun_time: None,
            prague_time: None,
            osaka_time: None,
            amsterdam_time: None,
            blob_schedule: ethereum_blob_schedule(),
            bpo_forks: Vec::new(),
            deposit_contract: Some(alloy_eips::eip6110::MAINNET_DEPOSIT_CONTRACT_ADDRESS),
        }
    }

    /// Sets the activation time of `fork` (Paris is always active).
    pub fn with_fork_time(mut self, fork: Fork, time: u64) -> Self {
        match fork {
            Fork::Paris => {}
            Fork::Shanghai => self.shanghai_time = Some(time),
            Fork::Cancun => self.cancun_time = Some(time),
            Fork::Prague => self.prague_time = Some(time),
            Fork::Osaka => self.osaka_time = Some(time),
            Fork::Amsterdam => self.amsterdam_time = Some(time),
        }
        self
    }

    /// The fork whose rules apply to a block with this timestamp.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        let active = |t: Option<u64>| t.is_some_and(|t| timestamp >= t);
        if active(self.amsterdam_time) {
            Fork::Amsterdam
        } else if active(self.osaka_time) {
            Fork::Osaka
        } else if active(self.prague_time) {
            Fork::Prague
        } else if active(self.cancun_time) {
            Fork::Cancun
        } else if active(self.shanghai_time) {
            Fork::Shanghai
        } else {
            Fork::Paris
        }
    }

    /// Blob parameters in force at `timestamp` (`None` before Cancun): those of the latest
    /// activation at or before it, a named fork's schedule entry or a BPO fork (a BPO fork
    /// at the same time as a named fork overrides it, as it follows it in the schedule).
    pub fn blob_params_at(&self, timestamp: u64) -> Option<BlobParams> {
        let fork = self.fork_at(timestamp);
        let (&entry, &named) = self.blob_schedule.range(..=fork).next_back()?;
        // BPO forks after the entry in force apply until a later fork brings its own entry.
        let since = self.activation(entry).unwrap_or(0);
        Some(
            self.bpo_forks
                .iter()
                .rev()
                .find(|(time, _)| *time <= timestamp && *time >= since)
                .map_or(named, |(_, p)| *p),
        )
    }

    /// When `fork` activates (`Some(0)` for Paris, `None`: never).
    pub fn activation(&self, fork: Fork) -> Option<u64> {
        match fork {
            Fork::Paris => Some(0),
            Fork::Shanghai => self.shanghai_time,
            Fork::Cancun => self.cancun_time,
            Fork::Prague => self.prague_time,
            Fork::Osaka => self.osaka_time,
            Fork::Amsterdam => self.amsterdam_time,
        }
    }
}

/// Most blob-parameter-only forks a chain schedules (EIP-7892 names BPO1 to BPO5).
pub const MAX_BPO_FORKS: usize = 5;

/// Ethereum's blob parameters per named fork (EIP-4844, EIP-7691, EIP-7918). A fork without
/// an entry keeps the parameters in force before it, BPO forks included (Ethereum's
/// Amsterdam keeps BPO2's); the schedule is part of an L2's rules hash, so it lists only
/// what changed.
pub fn ethereum_blob_schedule() -> BTreeMap<Fork, BlobParams> {
    BTreeMap::from([
        (Fork::Cancun, BlobParams::cancun()),
        (Fork::Prague, BlobParams::prague()),
        (Fork::Osaka, BlobParams::osaka()),
    ])
}

impl EthereumHardforks for ChainConfig {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        // Everything up to Paris is active from genesis: these chains start post-merge.
        if fork <= EthereumHardfork::Paris {
            return ForkCondition::Block(0);
        }
        if let Some(i) = EthereumHardfork::bpo_variants()
            .iter()
            .position(|f| *f == fork)
        {
            return self
                .bpo_forks
                .get(i)
                .map_or(ForkCondition::Never, |(t, _)| ForkCondition::Timestamp(*t));
        }
        for ours in [
            Fork::Shanghai,
            Fork::Cancun,
            Fork::Prague,
            Fork::Osaka,
            Fork::Amsterdam,
        ] {
            if ours.hardfork() == fork {
                return self
                    .activation(ours)
                    .map_or(ForkCondition::Never, ForkCondition::Timestamp);
            }
        }
        ForkCondition::Never
    }
}

impl EthExecutorSpec for ChainConfig {
    fn deposit_contract_address(&self) -> Option<Address> {
        self.deposit_contract
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_by_timestamp_and_blob_params() {
        let c = ChainConfig::mainnet_like(1)
            .with_fork_time(Fork::Shanghai, 0)
            .with_fork_time(Fork::Cancun, 15_000)
            .with_fork_time(Fork::Osaka, 30_000);
        assert_eq!(c.fork_at(14_999), Fork::Shanghai);
        assert_eq!(c.fork_at(15_000), Fork::Cancun);
        assert_eq!(c.fork_at(29_999), Fork::Cancun);
        assert_eq!(c.fork_at(30_000), Fork::Osaka);
        assert_eq!(c.blob_params_at(10), None);
        assert_eq!(c.blob_params_at(15_000), Some(BlobParams::cancun()));
        assert_eq!(c.blob_params_at(30_000), Some(BlobParams::osaka()));
        assert!(c.is_cancun_active_at_timestamp(15_000));
        assert!(!c.is_prague_active_at_timestamp(40_000));
        assert!(c.is_paris_active_at_block(0));
        // Blob-parameter-only forks after Osaka, as mainnet runs them.
        let mut bpo = c.clone();
        bpo.bpo_forks = alloc::vec![(40_000, BlobParams::bpo1()), (50_000, BlobParams::bpo2())];
        assert_eq!(bpo.blob_params_at(39_999), Some(BlobParams::osaka()));
        assert_eq!(bpo.blob_params_at(40_000), Some(BlobParams::bpo1()));
        assert_eq!(bpo.blob_params_at(50_000), Some(BlobParams::bpo2()));
        assert_eq!(bpo.fork_at(50_000), Fork::Osaka);
        assert!(bpo.is_bpo2_active_at_timestamp(50_000));
        assert!(!bpo.is_bpo3_active_at_timestamp(u64::MAX));
        assert!(!Fork::Paris.header_fields().withdrawals);
        let prague = Fork::Prague.header_fields();
        assert!(prague.withdrawals && prague.blobs && prague.requests && !prague.block_access_list);
        assert!(Fork::Amsterdam.header_fields().block_access_list);
        for f in [Fork::Paris, Fork::Cancun, Fork::Osaka, Fork::Amsterdam] {
            assert_eq!(Fork::from_spec_index(f.spec_index()), Some(f));
        }
    }
}
