//! EXECUTE's configuration as chain data: the `nativeRollup` section of an L1 genesis
//! file's `config`, and the fork schedule of any geth/reth-format chain `config`.
//!
//! Activation, accepted programs, threshold and the L2 chains' schedules decide whether an
//! L1 block is valid, so every node of one L1 must hold the same values. They live where
//! the L1's other consensus parameters live (fork times, blob schedule): in its chain
//! specification, which `nr-node` and `native-reth` both read with [`execute_config`]. A
//! change is a coordinated fork of the L1, like any other parameter change.
//!
//! ```json
//! "config": {
//!   "chainId": 1337, "osakaTime": 0, ...,
//!   "nativeRollup": {
//!     "activationTime": 0,
//!     "threshold": 1,
//!     "programs": [
//!       { "vkey": "0x00…", "digest": "sha256", "wrappers": ["groth16", "plonk"],
//!         "starkVkey": "0x…" }
//!     ],
//!     "l2Chains": [ { "chainId": 901, "shanghaiTime": 0, "cancunTime": 0, … } ],
//!     "openChains": false
//!   }
//! }
//! ```
//!
//! `starkVkey` (optional) is the program's `vk.hash_u32()`: with it, the program's compressed
//! proofs are accepted as proof dependencies, carried in a transaction's sidecar.
//! Each `l2Chains` entry is an L2 genesis file's `config` object, read by [`chain_config`]
//! exactly as the L2's own nodes read it. Unknown keys in the section are refused.

use crate::{Backend, ExecuteConfig, ProgramRegistry, config::Program, sp1::ValuesDigest};
use alloy_primitives::B256;
use nr_stateless::{ChainConfig, Fork, config::ethereum_blob_schedule};
use nr_statement::L2Chains;
use serde::Deserialize;
use std::collections::BTreeSet;

/// A genesis file's `config` object (geth/reth format), as alloy reads it.
pub use alloy_genesis::ChainConfig as GenesisConfig;

/// The key of EXECUTE's section in a genesis file's `config`.
pub const SECTION: &str = "nativeRollup";

/// Why a chain specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Forks out of order, or a fork this engine cannot run.
    #[error("fork schedule: {0}")]
    Forks(String),
    /// The `nativeRollup` section is not what [`execute_config`] reads.
    #[error("config.nativeRollup: {0}")]
    Section(String),
}

/// A chain's fork schedule from its genesis `config` (the chain is post-merge from block
/// 0; forks after Paris by timestamp; Ethereum's blob schedule unless the file sets one).
pub fn chain_config(c: &alloy_genesis::ChainConfig) -> Result<ChainConfig, SpecError> {
    let mut config = ChainConfig::all_at_genesis(c.chain_id, Fork::Paris);
    config.shanghai_time = c.shanghai_time;
    config.cancun_time = c.cancun_time;
    config.prague_time = c.prague_time;
    config.osaka_time = c.osaka_time;
    // alloy-genesis parses `amsterdamTime` into its typed field; a config built in code may
    // carry it among the extra fields instead. Both, differing, or not a time: refused.
    let extra = match c.extra_fields.get("amsterdamTime") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| SpecError::Forks(format!("amsterdamTime {v} is not a timestamp")))?,
        ),
    };
    config.amsterdam_time = match (c.amsterdam_time, extra) {
        (Some(a), Some(b)) if a != b => {
            return Err(SpecError::Forks(format!(
                "amsterdamTime given twice: {a} and {b}"
            )));
        }
        (typed, extra) => typed.or(extra),
    };
    config.deposit_contract = c.deposit_contract_address;
    let times = [
        ("shanghai", config.shanghai_time),
        ("cancun", config.cancun_time),
        ("prague", config.prague_time),
        ("osaka", config.osaka_time),
        ("amsterdam", config.amsterdam_time),
    ];
    for pair in times.windows(2) {
        let [(a, ta), (b, tb)] = pair else {
            unreachable!("windows of two")
        };
        match (ta, tb) {
            (None, Some(_)) => {
                return Err(SpecError::Forks(format!("{b} is scheduled but {a} is not")));
            }
            (Some(x), Some(y)) if y < x => {
                return Err(SpecError::Forks(format!("{b} ({y}) before {a} ({x})")));
            }
            _ => {}
        }
    }
    let mut blobs = ethereum_blob_schedule();
    for (name, params) in &c.blob_schedule {
        let fork = match name.as_str() {
            "cancun" => Fork::Cancun,
            "prague" => Fork::Prague,
            "osaka" => Fork::Osaka,
            "amsterdam" => Fork::Amsterdam,
            bpo if BPO_NAMES.contains(&bpo) => continue,
            other => {
                return Err(SpecError::Forks(format!(
                    "blob schedule for unknown fork {other}"
                )));
            }
        };
        blobs.insert(fork, *params);
    }
    config.blob_schedule = blobs;
    config.bpo_forks = bpo_forks(c, config.osaka_time)?;
    Ok(config)
}

/// Names of the blob-parameter-only forks in a genesis `blobSchedule` (EIP-7892).
const BPO_NAMES: [&str; 5] = ["bpo1", "bpo2", "bpo3", "bpo4", "bpo5"];

/// The blob-parameter-only forks a genesis schedules (`bpo1Time` ... `bpo5Time`, each with
/// its `blobSchedule` entry), as geth and reth read them: in order, with no gap, at or
/// after Osaka.
fn bpo_forks(
    c: &alloy_genesis::ChainConfig,
    osaka: Option<u64>,
) -> Result<Vec<(u64, alloy_eips::eip7840::BlobParams)>, SpecError> {
    let times = [
        c.bpo1_time,
        c.bpo2_time,
        c.bpo3_time,
        c.bpo4_time,
        c.bpo5_time,
    ];
    let mut out = Vec::new();
    let mut previous = osaka;
    for (i, (name, time)) in BPO_NAMES.iter().zip(times).enumerate() {
        let Some(time) = time else {
            if c.blob_schedule.contains_key(*name) {
                return Err(SpecError::Forks(format!(
                    "blob schedule has {name} but {name}Time is not set"
                )));
            }
            continue;
        };
        if out.len() != i {
            return Err(SpecError::Forks(format!(
                "{name}Time is set but an earlier BPO fork is not"
            )));
        }
        match previous {
            None => {
                return Err(SpecError::Forks(format!(
                    "{name}Time is set but osakaTime is not"
                )));
            }
            Some(p) if time < p => {
                return Err(SpecError::Forks(format!(
                    "{name} ({time}) before the fork it follows ({p})"
                )));
            }
            // Two BPO forks at one time would leave the first without a block: the canonical
            // chain rules a proof commits to (`ChainRules`) require strictly later times.
            Some(p) if i > 0 && time == p => {
                return Err(SpecError::Forks(format!(
                    "{name} ({time}) at the time of the BPO fork it follows"
                )));
            }
            _ => {}
        }
        let params = c.blob_schedule.get(*name).ok_or_else(|| {
            SpecError::Forks(format!(
                "{name}Time is set but the blob schedule has no {name}"
            ))
        })?;
        out.push((time, *params));
        previous = Some(time);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Section {
    activation_time: u64,
    threshold: usize,
    #[serde(default)]
    programs: Vec<ProgramEntry>,
    #[serde(default)]
    l2_chains: Vec<alloy_genesis::ChainConfig>,
    #[serde(default)]
    open_chains: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProgramEntry {
    vkey: B256,
    digest: String,
    wrappers: Vec<String>,
    #[serde(default)]
    stark_vkey: Option<B256>,
}

/// EXECUTE's configuration from an L1 genesis `config`: `None` where the chain has no
/// `nativeRollup` section (EXECUTE never activates on it). Every value is checked; a
/// section that could not settle anything as written (threshold above the programs
/// given, a program twice, an L2 that is the L1 itself) is refused.
pub fn execute_config(l1: &alloy_genesis::ChainConfig) -> Result<Option<ExecuteConfig>, SpecError> {
    let Some(value) = l1.extra_fields.get(SECTION) else {
        return Ok(None);
    };
    let bad = |m: String| SpecError::Section(m);
    let section: Section = serde_json::from_value(value.clone()).map_err(|e| bad(e.to_string()))?;
    if section.threshold == 0 {
        return Err(bad("threshold must be at least 1".into()));
    }
    let mut registry = ProgramRegistry::sp1_v6(section.threshold);
    let mut vkeys = BTreeSet::new();
    for (i, p) in section.programs.iter().enumerate() {
        if !vkeys.insert(p.vkey) {
            return Err(bad(format!("programs[{i}]: vkey {} listed twice", p.vkey)));
        }
        if crate::bn254::fr_canonical(&p.vkey.0).is_none() {
            return Err(bad(format!(
                "programs[{i}]: vkey {} is not a BN254 scalar (SP1 vkeys are)",
                p.vkey
            )));
        }
        let digest: ValuesDigest = p
            .digest
            .parse()
            .map_err(|e| bad(format!("programs[{i}]: {e}")))?;
        let wrappers = p
            .wrappers
            .iter()
            .map(|w| w.parse::<Backend>())
            .collect::<Result<BTreeSet<_>, _>>()
            .map_err(|e| bad(format!("programs[{i}]: {e}")))?;
        if wrappers.is_empty() {
            return Err(bad(format!("programs[{i}]: no wrappers")));
        }
        if let Some(key) = p.stark_vkey
            && crate::stark::key_elements(&key.0).is_none()
        {
            return Err(bad(format!(
                "programs[{i}]: starkVkey {key} is not eight KoalaBear elements"
            )));
        }
        registry = registry.with_program(Program {
            vkey: p.vkey.0,
            digest,
            wrappers,
            stark_vkey: p.stark_vkey.map(|k| k.0),
        });
    }
    if section.threshold > section.programs.len() {
        return Err(bad(format!(
            "threshold {} with {} programs: proof mode could never settle",
            section.threshold,
            section.programs.len()
        )));
    }
    let mut chains = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, c) in section.l2_chains.iter().enumerate() {
        let config = chain_config(c)
            .map_err(|e| bad(format!("l2Chains[{i}] (chain {}): {e}", c.chain_id)))?;
        if config.chain_id == l1.chain_id {
            return Err(bad(format!(
                "l2Chains[{i}]: chain id {} is the L1's",
                l1.chain_id
            )));
        }
        if !ids.insert(config.chain_id) {
            return Err(bad(format!(
                "l2Chains[{i}]: chain {} listed twice",
                config.chain_id
            )));
        }
        chains.push(config);
    }
    Ok(Some(ExecuteConfig {
        activation_timestamp: section.activation_time,
        chains: if section.open_chains {
            L2Chains::open(chains)
        } else {
            L2Chains::pinned(chains)
        },
        programs: registry,
    }))
}

/// The `nativeRollup` section for an L1 that settles `l2_chains` (their genesis
/// `config`s) from genesis with native-rollup's own program, threshold 1: what the dev L1
/// genesis carries.
pub fn dev_section(l2_chains: &[alloy_genesis::ChainConfig]) -> serde_json::Value {
    let program = Program::native_rollup();
    let mut entry = serde_json::json!({
        "vkey": B256::from(program.vkey),
        "digest": program.digest.name(),
        "wrappers": program.wrappers.iter().map(|w| w.name()).collect::<Vec<_>>(),
    });
    if let Some(key) = program.stark_vkey {
        entry["starkVkey"] = serde_json::json!(B256::from(key));
    }
    serde_json::json!({
        "activationTime": 0,
        "threshold": 1,
        "programs": [entry],
        "l2Chains": l2_chains,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l1(section: serde_json::Value) -> alloy_genesis::ChainConfig {
        let mut c = alloy_genesis::ChainConfig {
            chain_id: 1337,
            ..Default::default()
        };
        c.extra_fields.insert(SECTION.into(), section);
        c
    }

    fn l2(chain_id: u64) -> alloy_genesis::ChainConfig {
        alloy_genesis::ChainConfig {
            chain_id,
            shanghai_time: Some(0),
            cancun_time: Some(0),
            prague_time: Some(0),
            osaka_time: Some(100),
            ..Default::default()
        }
    }

    #[test]
    fn dev_section_reads_back() {
        let config = execute_config(&l1(dev_section(&[l2(901)])))
            .unwrap()
            .unwrap();
        assert_eq!(config.activation_timestamp, 0);
        assert_eq!(config.programs.threshold(), 1);
        let program = config.programs.programs().next().unwrap();
        assert_eq!(program, &Program::native_rollup());
        let rules = config
            .chains
            .rules(901, nr_stateless::SchemaId::v1(Fork::Prague))
            .unwrap();
        assert_eq!(rules.osaka_time, Some(100));
        assert!(
            config
                .chains
                .rules(902, nr_stateless::SchemaId::v1(Fork::Osaka))
                .is_err()
        );
        assert!(execute_config(&l2(901)).unwrap().is_none());
    }

    /// `c` on Osaka from genesis, BPO1 at 100 and BPO2 at 200, with Ethereum's parameters.
    fn with_bpo_forks(mut c: alloy_genesis::ChainConfig) -> alloy_genesis::ChainConfig {
        use alloy_eips::eip7840::BlobParams;
        c.osaka_time = Some(0);
        c.bpo1_time = Some(100);
        c.bpo2_time = Some(200);
        c.blob_schedule.insert("bpo1".into(), BlobParams::bpo1());
        c.blob_schedule.insert("bpo2".into(), BlobParams::bpo2());
        c
    }

    /// An L2 on Amsterdam after BPO2: Amsterdam keeps BPO2's blob parameters unless the
    /// schedule gives it its own, and an `amsterdamTime` before Osaka's is refused.
    #[test]
    fn an_amsterdam_chain_is_read_with_its_blob_parameters() {
        use alloy_eips::eip7840::BlobParams;
        let mut c = with_bpo_forks(l2(7));
        c.amsterdam_time = Some(300);
        let config = chain_config(&c).unwrap();
        // As a genesis file gives it: parsed into alloy-genesis' typed field.
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"amsterdamTime\":300"), "{json}");
        let parsed: alloy_genesis::ChainConfig = serde_json::from_str(&json).unwrap();
        let parsed = chain_config(&parsed).unwrap();
        assert_eq!(parsed.amsterdam_time, Some(300));
        assert_eq!(parsed.fork_at(300), Fork::Amsterdam);
        assert_eq!(config.fork_at(300), Fork::Amsterdam);
        assert_eq!(config.blob_params_at(300), Some(BlobParams::bpo2()));
        let mut own = c.clone();
        own.blob_schedule
            .insert("amsterdam".into(), BlobParams::bpo1());
        assert_eq!(
            chain_config(&own).unwrap().blob_params_at(300),
            Some(BlobParams::bpo1())
        );
        let mut early = c.clone();
        early.amsterdam_time = Some(0);
        early.osaka_time = Some(10);
        early.bpo1_time = Some(100);
        assert!(chain_config(&early).is_err());
        // Given twice and differing, or not a time: refused.
        let mut twice = c.clone();
        twice
            .extra_fields
            .insert("amsterdamTime".into(), serde_json::json!(301));
        assert!(chain_config(&twice).is_err());
        let mut word = c.clone();
        word.amsterdam_time = None;
        word.extra_fields
            .insert("amsterdamTime".into(), serde_json::json!("soon"));
        assert!(chain_config(&word).is_err());
    }

    #[test]
    fn blob_parameter_only_forks_as_geth_and_reth_read_them() {
        use alloy_eips::eip7840::BlobParams;
        let c = with_bpo_forks(l2(7));
        let config = chain_config(&c).unwrap();
        assert_eq!(config.blob_params_at(99), Some(BlobParams::osaka()));
        assert_eq!(config.blob_params_at(100), Some(BlobParams::bpo1()));
        assert_eq!(config.blob_params_at(250), Some(BlobParams::bpo2()));
        let refused = |edit: fn(&mut alloy_genesis::ChainConfig), words: &str| {
            let mut bad = c.clone();
            edit(&mut bad);
            let err = chain_config(&bad).unwrap_err().to_string();
            assert!(err.contains(words), "{err}");
        };
        refused(
            |c| {
                c.bpo1_time = None;
                c.blob_schedule.remove("bpo1");
            },
            "bpo2Time is set but an earlier BPO fork is not",
        );
        refused(
            |c| c.bpo2_time = Some(50),
            "bpo2 (50) before the fork it follows (100)",
        );
        refused(
            |c| c.bpo2_time = Some(100),
            "bpo2 (100) at the time of the BPO fork it follows",
        );
        refused(
            |c| {
                c.blob_schedule.remove("bpo2");
            },
            "bpo2Time is set but the blob schedule has no bpo2",
        );
        refused(
            |c| {
                c.bpo2_time = None;
            },
            "blob schedule has bpo2 but bpo2Time is not set",
        );
        refused(
            |c| {
                c.osaka_time = None;
            },
            "bpo1Time is set but osakaTime is not",
        );
    }

    #[test]
    fn malformed_sections_are_refused_with_the_reason() {
        let cases = [
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programz": []}),
                "unknown field `programz`",
            ),
            (
                serde_json::json!({"threshold": 1}),
                "missing field `activationTime`",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 0}),
                "threshold must be at least 1",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 2, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["groth16"]}]}),
                "proof mode could never settle",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "keccak", "wrappers": ["groth16"]}]}),
                "unknown public-values digest",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["stark"]}]}),
                "unknown proof backend",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(0xff), "digest": "sha256", "wrappers": ["plonk"]}]}),
                "not a BN254 scalar",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["plonk"],
                 "starkVkey": B256::repeat_byte(0xff)}]}),
                "not eight KoalaBear elements",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["plonk"]},
                {"vkey": B256::repeat_byte(1), "digest": "blake3", "wrappers": ["groth16"]}]}),
                "listed twice",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["plonk"]}],
                "l2Chains": [l2(1337)]}),
                "is the L1's",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["plonk"]}],
                "l2Chains": [l2(5), l2(5)]}),
                "chain 5 listed twice",
            ),
            (
                serde_json::json!({"activationTime": 0, "threshold": 1, "programs": [
                {"vkey": B256::repeat_byte(1), "digest": "sha256", "wrappers": ["plonk"]}],
                "l2Chains": [{"chainId": 5, "cancunTime": 0}]}),
                "cancun is scheduled but shanghai is not",
            ),
        ];
        for (section, reason) in cases {
            let err = execute_config(&l1(section.clone()))
                .unwrap_err()
                .to_string();
            assert!(err.contains(reason), "{section}: {err}");
        }
    }
}
