//! Conformance against Ethereum's own test vectors, run *statelessly*.
//!
//! For each blockchain test: load `pre` into a full state, and for every block generate
//! its witness from the full state, encode the `StatelessInput` to bytes and back, run
//! `validate_stateless` on it alone, and compare with the expected outcome (post state,
//! `lastblockhash`, rejection of every block marked `expectException`). A block that carries
//! its own `statelessInputBytes` (execution-specs' zkEVM fixtures, this project's vectors in
//! `eip-draft/vectors/stateless`) is also validated from those bytes, and the result must be
//! its `statelessOutputBytes` byte for byte. `TrieTests` run against the partial trie. Used by the `ef-tests` binary and the benches.

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_eips::eip7840::BlobParams;
use alloy_primitives::{Address, B256, Bytes, U256, hex, keccak256};
use alloy_rlp::Decodable;
use nr_stateless::{
    ChainConfig, Fork, NodeStore, SchemaId, SparseTrie, StatelessInput,
    block::check_block_shape,
    generate_witness, payload_from_block, validate_stateless,
    witness::{FullState, GenesisAccount},
};
use serde::Deserialize;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// One account in a test's `pre` or `postState`.
#[derive(Debug, Deserialize)]
pub struct AccountJson {
    /// Balance.
    pub balance: U256,
    /// Nonce (hex quantity).
    pub nonce: U256,
    /// Code.
    pub code: Bytes,
    /// Storage.
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// One block of a test.
#[derive(Debug, Deserialize)]
pub struct BlockJson {
    /// The block's RLP (may be deliberately malformed).
    pub rlp: String,
    /// Set when the block must be rejected.
    #[serde(rename = "expectException")]
    pub expect_exception: Option<String>,
    /// The block's stateless input (schema id ++ SSZ `StatelessInput`), as execution-specs'
    /// zkEVM fixtures carry it.
    #[serde(rename = "statelessInputBytes")]
    pub stateless_input_bytes: Option<Bytes>,
    /// The SSZ `StatelessValidationResult` that input must give.
    #[serde(rename = "statelessOutputBytes")]
    pub stateless_output_bytes: Option<Bytes>,
}

/// A blockchain test, as in `ethereum/tests` `BlockchainTests`.
#[derive(Debug, Deserialize)]
pub struct BlockchainTest {
    /// Fork name, e.g. `Cancun` or `ShanghaiToCancunAtTime15k`.
    pub network: String,
    /// The chain's own description, where the fixture has one.
    pub config: Option<FixtureConfig>,
    /// The genesis block's RLP.
    #[serde(rename = "genesisRLP")]
    pub genesis_rlp: Bytes,
    /// Genesis allocation.
    pub pre: BTreeMap<Address, AccountJson>,
    /// Blocks in import order.
    pub blocks: Vec<BlockJson>,
    /// Expected final state.
    #[serde(rename = "postState")]
    pub post_state: Option<BTreeMap<Address, AccountJson>>,
    /// Expected final state root, where the full state is omitted.
    #[serde(rename = "postStateHash")]
    pub post_state_hash: Option<B256>,
    /// Expected head.
    pub lastblockhash: B256,
}

/// A test's own description of its chain (newer EEST fixtures carry it): the blob
/// parameters of every fork it schedules, BPO forks included.
#[derive(Debug, Default, Deserialize)]
pub struct FixtureConfig {
    /// The chain id (EEST writes `0x01`; without it, 1).
    #[serde(default)]
    pub chainid: Option<alloy_primitives::U64>,
    /// Blob parameters per fork name (`Cancun`, `BPO1`, `Amsterdam`, ...).
    #[serde(rename = "blobSchedule", default)]
    pub blob_schedule: BTreeMap<String, BlobEntry>,
}

/// One `blobSchedule` entry of a fixture (hex quantities).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct BlobEntry {
    /// Target blobs per block.
    pub target: U256,
    /// Maximum blobs per block.
    pub max: U256,
    /// Blob base fee update fraction.
    #[serde(rename = "baseFeeUpdateFraction")]
    pub base_fee_update_fraction: U256,
}

/// The forks before and including `name`, in activation order, as EEST's fork classes
/// chain them: Osaka, then the blob-parameter-only forks (EIP-7892), Amsterdam after BPO2.
fn fork_chain(name: &str) -> Option<Vec<&'static str>> {
    const NAMED: [&str; 5] = ["Paris", "Shanghai", "Cancun", "Prague", "Osaka"];
    const BPO: [&str; 5] = ["BPO1", "BPO2", "BPO3", "BPO4", "BPO5"];
    if let Some(i) = NAMED.iter().position(|f| *f == name) {
        return Some(NAMED[..=i].to_vec());
    }
    let (bpos, tail) = match name {
        "Amsterdam" => (2, Some("Amsterdam")),
        bpo => (BPO.iter().position(|f| *f == bpo)? + 1, None),
    };
    Some(
        NAMED
            .iter()
            .chain(&BPO[..bpos])
            .chain(tail.as_ref())
            .copied()
            .collect(),
    )
}

/// The chain configuration a test network name stands for, or `None` for networks this
/// project does not validate (pre-merge forks, and networks it does not know:
/// [`skip_reason`] tells which). `Fork` is every fork up to it from genesis,
/// `AToBAtTime15k` those up to A from genesis and B at time 15,000. Blob parameters come from
/// the fixture's own `blobSchedule` where it has one (a BPO fork needs it, apart from
/// Ethereum's BPO1 and BPO2).
pub fn chain_config(network: &str, fixture: Option<&FixtureConfig>) -> Option<ChainConfig> {
    let network = if network == "Merge" { "Paris" } else { network };
    let (forks, switch) = match network.split_once("To") {
        Some((a, rest)) => {
            let (before, after) = (fork_chain(a)?, fork_chain(rest.strip_suffix("AtTime15k")?)?);
            // B must follow A directly.
            if after.len() != before.len() + 1 || !after.starts_with(&before) {
                return None;
            }
            (after, Some(before.len()))
        }
        None => (fork_chain(network)?, None),
    };
    let blob_params = |name: &str| -> Option<BlobParams> {
        let entry = fixture.and_then(|f| f.blob_schedule.get(name));
        match (entry, name) {
            (Some(e), _) => Some(BlobParams {
                target_blob_count: e.target.try_into().ok()?,
                max_blob_count: e.max.try_into().ok()?,
                update_fraction: e.base_fee_update_fraction.try_into().ok()?,
                ..BlobParams::osaka()
            }),
            (None, "BPO1") => Some(BlobParams::bpo1()),
            (None, "BPO2") => Some(BlobParams::bpo2()),
            (None, "Amsterdam") => None,
            (None, _) => None,
        }
    };
    let chain_id = fixture
        .and_then(|f| f.chainid)
        .map_or(1, |id| id.to::<u64>());
    let mut config = ChainConfig::mainnet_like(chain_id);
    for (i, name) in forks.into_iter().enumerate() {
        let time = if switch == Some(i) { 15_000 } else { 0 };
        match name {
            "Paris" => {}
            "Shanghai" => config = config.with_fork_time(Fork::Shanghai, time),
            "Cancun" => config = config.with_fork_time(Fork::Cancun, time),
            "Prague" => config = config.with_fork_time(Fork::Prague, time),
            "Osaka" => config = config.with_fork_time(Fork::Osaka, time),
            "Amsterdam" => {
                config = config.with_fork_time(Fork::Amsterdam, time);
                // Without its own entry Amsterdam keeps the parameters before it.
                if let Some(p) = blob_params(name) {
                    config.blob_schedule.insert(Fork::Amsterdam, p);
                }
            }
            bpo => config.bpo_forks.push((time, blob_params(bpo)?)),
        }
    }
    Some(config)
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything matched.
    Passed,
    /// Something did not; the reason says what.
    Failed(String),
    /// Not applicable here; the reason says why.
    Skipped(&'static str),
}

/// Why pre-merge tests are skipped.
pub const PRE_MERGE: &str = "pre-merge fork, not covered by the chain config";
/// Why tests of a network this runner has no configuration for are skipped (for example
/// a BPO fork with no Ethereum parameters and no `blobSchedule` in the fixture, `BPO3`).
pub const UNKNOWN_NETWORK: &str = "network unknown to this runner (no chain config for it)";

/// Forks before the merge, as test network names spell them.
const PRE_MERGE_FORKS: &[&str] = &[
    "Frontier",
    "Homestead",
    "EIP150",
    "EIP158",
    "Byzantium",
    "Constantinople",
    "ConstantinopleFix",
    "Istanbul",
    "MuirGlacier",
    "Berlin",
    "London",
    "ArrowGlacier",
    "GrayGlacier",
];

/// Why a network without a [`chain_config`] is skipped: it starts before the merge, or it
/// is unknown here.
pub fn skip_reason(network: &str) -> &'static str {
    let first = network.split("To").next().unwrap_or(network);
    if PRE_MERGE_FORKS.contains(&first) {
        PRE_MERGE
    } else {
        UNKNOWN_NETWORK
    }
}
/// Why the EIP-7610 tests are skipped.
pub const EIP_7610: &str = "EIP-7610 storage collision: revm 42 checks only nonce and code";

/// Tests that create into an account that has storage but no code and a zero nonce. Such
/// an account cannot arise after EIP-161 (a created account starts at nonce 1), so it only
/// exists in hand-written genesis allocations; revm (like reth, which skips the same
/// tests) does not implement EIP-7610's storage check, so a rollup genesis must not hold
/// such accounts.
pub const EIP_7610_TESTS: [&str; 5] = [
    "InitCollisionParis",
    "create2collisionStorageParis",
    "dynamicAccountOverwriteEmpty_Paris",
    "RevertInCreateInInit_Paris",
    "RevertInCreateInInitCreate2Paris",
];

/// A block's stateless input as the test runner builds it, with the full-state verdict.
pub struct PreparedBlock {
    /// The encoded input (schema id + SSZ).
    pub input: Vec<u8>,
    /// Whether the full-state run accepted the block.
    pub valid_on_full_state: bool,
}

fn decode_block(rlp: &str) -> Option<Block<TxEnvelope>> {
    let bytes = hex::decode(rlp).ok()?;
    let mut buf = bytes.as_slice();
    let block = Block::<TxEnvelope>::decode(&mut buf).ok()?;
    buf.is_empty().then_some(block)
}

fn genesis_account(a: &AccountJson) -> Result<GenesisAccount, String> {
    Ok(GenesisAccount {
        nonce: a.nonce.try_into().map_err(|_| "nonce over 64 bits")?,
        balance: a.balance,
        code: a.code.clone(),
        storage: a.storage.clone(),
    })
}

fn state_root_of(accounts: &BTreeMap<Address, AccountJson>) -> Result<B256, String> {
    let alloc = accounts
        .iter()
        .map(|(a, acc)| Ok((*a, genesis_account(acc)?)))
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    FullState::from_alloc(alloc.iter())
        .map(|(_, root)| root)
        .map_err(|e| e.to_string())
}

/// Runs one blockchain test statelessly. `on_block` sees each prepared input (benches use
/// it to collect the heaviest blocks).
pub fn run_blockchain_test(
    name: &str,
    test: &BlockchainTest,
    mut on_block: impl FnMut(&PreparedBlock),
) -> Outcome {
    let Some(config) = chain_config(&test.network, test.config.as_ref()) else {
        return Outcome::Skipped(skip_reason(&test.network));
    };
    if EIP_7610_TESTS.iter().any(|t| name.starts_with(t)) {
        return Outcome::Skipped(EIP_7610);
    }
    match run_chain(test, &config, &mut on_block) {
        Ok(()) => Outcome::Passed,
        Err(why) => Outcome::Failed(why),
    }
}

fn run_chain(
    test: &BlockchainTest,
    config: &ChainConfig,
    on_block: &mut impl FnMut(&PreparedBlock),
) -> Result<(), String> {
    let genesis = Block::<TxEnvelope>::decode(&mut test.genesis_rlp.as_ref())
        .map_err(|e| format!("genesis rlp: {e}"))?;
    let alloc = test
        .pre
        .iter()
        .map(|(a, acc)| Ok((*a, genesis_account(acc)?)))
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let (mut state, root) = FullState::from_alloc(alloc.iter()).map_err(|e| e.to_string())?;
    if root != genesis.header.state_root {
        return Err(format!(
            "genesis state root {root} != header {}",
            genesis.header.state_root
        ));
    }
    let mut head: Header = genesis.header.clone();
    let mut head_hash = state.insert_header(genesis.header);

    for (i, b) in test.blocks.iter().enumerate() {
        let must_fail = b.expect_exception.is_some();
        match (
            must_fail,
            import_block(&mut state, config, &b.rlp, on_block),
        ) {
            (_, Err(e)) => return Err(format!("block {i}: {e}")),
            (false, Ok(Ok((header, hash)))) => {
                head_hash = hash;
                head = header;
            }
            (true, Ok(Ok(_))) => {
                return Err(format!(
                    "block {i} accepted, expected {}",
                    b.expect_exception.as_deref().unwrap_or("")
                ));
            }
            (false, Ok(Err(why))) => return Err(format!("block {i} rejected but valid: {why}")),
            (true, Ok(Err(_))) => {}
        }
        if let (Some(input), Some(output)) = (&b.stateless_input_bytes, &b.stateless_output_bytes) {
            check_stateless_bytes(config, input, output, !must_fail)
                .map_err(|e| format!("block {i}: {e}"))?;
        }
    }
    if head_hash != test.lastblockhash {
        return Err(format!(
            "head {head_hash} != lastblockhash {}",
            test.lastblockhash
        ));
    }
    let expected_root = match (&test.post_state, test.post_state_hash) {
        (Some(post), _) => state_root_of(post)?,
        (None, Some(h)) => h,
        (None, None) => return Err("test has neither postState nor postStateHash".into()),
    };
    if expected_root != head.state_root {
        return Err(format!(
            "post state root {} != expected {expected_root}",
            head.state_root
        ));
    }
    Ok(())
}

/// Checks a fixture's own stateless input, as a zkEVM guest would run it: it decodes, its
/// validation gives exactly the fixture's `statelessOutputBytes`, and its verdict is the
/// block's.
pub fn check_stateless_bytes(
    config: &ChainConfig,
    input: &[u8],
    output: &[u8],
    valid: bool,
) -> Result<(), String> {
    let decoded = StatelessInput::decode(input)
        .map_err(|e| format!("statelessInputBytes do not decode: {e}"))?;
    let result = nr_stateless::validate::stateless_result(&decoded, config);
    if result.successful_validation != valid {
        return Err(format!(
            "its statelessInputBytes validate {}, the block is {}",
            if result.successful_validation {
                "successfully"
            } else {
                "unsuccessfully"
            },
            if valid { "valid" } else { "invalid" }
        ));
    }
    let ours = result.encode();
    if ours[..] != output[..] {
        return Err(format!(
            "statelessOutputBytes: ours 0x{}, the fixture's 0x{}",
            hex::encode(&ours),
            hex::encode(output)
        ));
    }
    Ok(())
}

/// Generates the witness of one block from the full state, round-trips its stateless input
/// through bytes, validates it statelessly, and checks both verdicts agree. Returns the
/// imported header when the block is valid, else why it was rejected; `Err` when the
/// two verdicts disagree.
fn import_block(
    state: &mut FullState,
    config: &ChainConfig,
    rlp: &str,
    on_block: &mut impl FnMut(&PreparedBlock),
) -> Result<Result<(Header, B256), String>, String> {
    // A block that does not decode, or whose body does not match its header and fork, is
    // rejected before stateless validation has anything to look at.
    let Some(block) = decode_block(rlp) else {
        return Ok(Err("undecodable RLP".into()));
    };
    if let Err(e) = check_block_shape(&block, config.fork_at(block.header.timestamp)) {
        return Ok(Err(e.to_string()));
    }
    if !state.headers.contains_key(&block.header.parent_hash) {
        return Ok(Err("unknown parent".into()));
    }
    let generated = generate_witness(state, &block, config).map_err(|e| e.to_string())?;
    let requests = generated.outcome.as_ref().ok().map(|v| &v.requests);
    // From Amsterdam on the block's access list is the one execution built (its hash is
    // checked against the header's).
    let access_list = generated
        .outcome
        .as_ref()
        .ok()
        .and_then(|v| v.block_access_list.as_deref())
        .map(|b| &b[..]);
    let request = match payload_from_block(&block, requests, access_list) {
        Ok(r) => r,
        // A block the full state rejected (an Amsterdam one has no access list to put in
        // its payload then): its rejection is the full state's reason.
        Err(_) if generated.outcome.is_err() => {
            let reason = generated.outcome.as_ref().err().map(|e| e.to_string());
            return Ok(Err(reason.unwrap_or_default()));
        }
        Err(e) => {
            return Err(format!(
                "full state accepted a block no payload can express: {e}"
            ));
        }
    };
    let schema = SchemaId::v1(config.fork_at(block.header.timestamp));
    let input = StatelessInput {
        public_keys: schema
            .is_amsterdam_layout()
            .then(|| nr_stateless::validate::public_keys_of(&block.body.transactions)),
        schema,
        new_payload_request: request,
        witness: generated.witness,
        chain_id: config.chain_id,
    };
    let bytes = input.encode();
    let decoded =
        StatelessInput::decode(&bytes).map_err(|e| format!("own input does not decode: {e}"))?;
    let stateless = validate_stateless(&decoded, config);
    on_block(&PreparedBlock {
        input: bytes,
        valid_on_full_state: generated.outcome.is_ok(),
    });
    match (&generated.outcome, &stateless) {
        (Ok(full), Ok(sl)) => {
            if full.state_root != sl.state_root {
                return Err("stateless and full-state roots differ".into());
            }
            Ok(Ok((block.header.clone(), sl.block_hash)))
        }
        (Err(_), Err(e)) => Ok(Err(e.to_string())),
        (Ok(_), Err(e)) => Err(format!("valid on full state, stateless rejected it: {e}")),
        (Err(e), Ok(_)) => Err(format!(
            "stateless accepted a block the full state rejected ({e})"
        )),
    }
}

/// Default location of the shipped fixtures, relative to the workspace root.
pub fn default_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/ethereum-tests")
}

/// [`default_fixtures`] where it exists; otherwise `None`, after a loud SKIPPING line (tests
/// on the shipped fixtures skip only when the folder is absent).
pub fn shipped_fixtures() -> Option<PathBuf> {
    let dir = default_fixtures();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPING: shared fixtures not found at {}", dir.display());
        None
    }
}

/// The stateless inputs of every block in the blockchain tests of `file` (valid blocks and
/// invalid ones), with the chain configuration each was made for.
pub fn prepared_inputs(file: &Path) -> Result<Vec<(String, ChainConfig, PreparedBlock)>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let tests: BTreeMap<String, BlockchainTest> =
        serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (name, test) in &tests {
        let Some(config) = chain_config(&test.network, test.config.as_ref()) else {
            continue;
        };
        let mut blocks = Vec::new();
        let outcome = run_blockchain_test(name, test, |b| {
            blocks.push(PreparedBlock {
                input: b.input.clone(),
                valid_on_full_state: b.valid_on_full_state,
            })
        });
        if let Outcome::Failed(why) = outcome {
            return Err(format!("{name}: {why}"));
        }
        out.extend(
            blocks
                .into_iter()
                .map(|b| (name.clone(), config.clone(), b)),
        );
    }
    Ok(out)
}

/// Every `.json` file under `dir`, sorted.
pub fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn trie_bytes(s: &str) -> Vec<u8> {
    match s.strip_prefix("0x") {
        Some(h) => hex::decode(h).unwrap_or_else(|_| s.as_bytes().to_vec()),
        None => s.as_bytes().to_vec(),
    }
}

/// Runs one `TrieTests` vector on the partial trie; `secure` hashes keys first.
pub fn run_trie_test(name: &str, test: &serde_json::Value, secure: bool) -> Outcome {
    match trie_test(name, test, secure) {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(e),
    }
}

fn trie_test(name: &str, test: &serde_json::Value, secure: bool) -> Result<(), String> {
    let store = NodeStore::default();
    let mut trie = SparseTrie::default();
    let key = |k: &str| {
        if secure {
            keccak256(trie_bytes(k)).to_vec()
        } else {
            trie_bytes(k)
        }
    };
    let ops: Vec<(String, Option<String>)> = match &test["in"] {
        serde_json::Value::Array(items) if name == "nextprev" || test.get("tests").is_some() => {
            items
                .iter()
                .map(|k| {
                    (
                        k.as_str().unwrap_or_default().to_string(),
                        Some(k.as_str().unwrap_or_default().to_string()),
                    )
                })
                .collect()
        }
        serde_json::Value::Array(items) => items
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap_or_default().to_string(),
                    pair[1].as_str().map(str::to_string),
                )
            })
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
            .collect(),
        _ => return Err("unknown trie test shape".into()),
    };
    for (k, v) in &ops {
        let k = key(k);
        match v {
            Some(v) => trie.insert(&k, trie_bytes(v), &store),
            None => trie.remove(&k, &store),
        }
        .map_err(|e| e.to_string())?;
    }
    if let Some(root) = test.get("root").and_then(|r| r.as_str()) {
        let expected: B256 = root.parse().map_err(|_| "bad root")?;
        let got = trie.root();
        if got != expected {
            return Err(format!("root {got} != {expected}"));
        }
        // Reopen from the committed nodes and check every key reads back through hashes.
        let mut committed = NodeStore::default();
        trie.commit_to(&mut committed);
        let mut reopened = SparseTrie::from_root(got);
        for (k, _) in &ops {
            let k = key(k);
            let direct = trie.get(&k, &store).map_err(|e| e.to_string())?;
            if reopened.get(&k, &committed).map_err(|e| e.to_string())? != direct {
                return Err("reopened trie disagrees".into());
            }
        }
    }
    if let Some(tests) = test.get("tests").and_then(|t| t.as_array()) {
        // next/prev: the nearest keys strictly after/before a probe, from an in-order walk.
        let keys: Vec<Vec<u8>> = trie
            .entries(&store)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for t in tests {
            let probe = trie_bytes(t[0].as_str().unwrap_or_default());
            let prev = keys
                .iter()
                .rev()
                .find(|k| **k < probe)
                .cloned()
                .unwrap_or_default();
            let next = keys
                .iter()
                .find(|k| **k > probe)
                .cloned()
                .unwrap_or_default();
            let (want_prev, want_next) = (
                trie_bytes(t[1].as_str().unwrap_or_default()),
                trie_bytes(t[2].as_str().unwrap_or_default()),
            );
            if prev != want_prev || next != want_next {
                return Err(format!("next/prev of {:?}", t[0]));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_configured_pre_merge_or_unknown() {
        let c = chain_config("PragueToOsakaAtTime15k", None).unwrap();
        assert_eq!((c.prague_time, c.osaka_time), (Some(0), Some(15_000)));
        // Ethereum's BPO forks are known without a fixture config; BPO2 at 15k follows BPO1.
        let c = chain_config("BPO1ToBPO2AtTime15k", None).unwrap();
        assert_eq!(c.bpo_forks.len(), 2);
        assert_eq!(c.blob_params_at(15_000), Some(BlobParams::bpo2()));
        assert_eq!(c.blob_params_at(14_999), Some(BlobParams::bpo1()));
        // Amsterdam keeps BPO2's parameters unless the fixture gives its own.
        let c = chain_config("BPO2ToAmsterdamAtTime15k", None).unwrap();
        assert_eq!(c.amsterdam_time, Some(15_000));
        assert_eq!(c.blob_params_at(20_000), Some(BlobParams::bpo2()));
        let c = chain_config("Amsterdam", None).unwrap();
        assert_eq!(c.fork_at(0), Fork::Amsterdam);
        for pre in [
            "Berlin",
            "ByzantiumToConstantinopleFixAt5",
            "ArrowGlacierToParisAtDiff0x20000",
        ] {
            assert!(chain_config(pre, None).is_none());
            assert_eq!(skip_reason(pre), PRE_MERGE, "{pre}");
        }
        // BPO3 has no Ethereum parameters: only a fixture's blobSchedule gives them.
        for unknown in ["BPO3", "BPO2ToBPO3AtTime15k", "Verkle"] {
            assert!(chain_config(unknown, None).is_none());
            assert_eq!(skip_reason(unknown), UNKNOWN_NETWORK, "{unknown}");
        }
    }
}
