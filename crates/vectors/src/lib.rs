//! EXECUTE's call vectors for the EIP draft (`eip-draft/vectors/execute/*.json`).
//!
//! Each vector is one EXECUTE call: the L1's `config.nativeRollup` section, the input bytes,
//! the call's gas, the blob versioned hashes of the calling transaction, the proof sidecar it
//! carries (by file, for proof dependencies), and what EXECUTE answers: its output and the gas
//! it charged, or a halt, which consumes all of the call's gas.
//!
//! The vectors are generated, never written by hand: [`generate`] builds them from the
//! committed proven blocks (`crates/contracts/testdata/proven`: a real Amsterdam L2 block,
//! a range of ten, and the real SP1 compressed proofs of both) by deterministic changes, and
//! asks this project's EXECUTE ([`nr_execute::execute_in`]) for each answer. [`run`] replays a
//! vector, as another implementation's runner would; the crate's test checks that the
//! committed files are exactly what [`generate`] makes and that every one passes.

mod stateless;

pub use stateless::{STATELESS_DIR, generate_stateless, stateless_file};

use alloy_primitives::{B256, Bytes, keccak256};
use nr_execute::{ExecuteConfig, TxProofs};
use nr_stateless::{SchemaId, StatelessInput, StatelessRangeInput};
use nr_statement::ExecuteInput;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the generated vectors live, under the repository root.
pub const VECTORS_DIR: &str = "eip-draft/vectors/execute";
/// Where the proven blocks and their proofs are, under the repository root.
pub const PROVEN_DIR: &str = "crates/contracts/testdata/proven";
/// The call gas of every vector but the out-of-gas one: EIP-7825's per-transaction cap.
pub const CALL_GAS: u64 = 1 << 24;
/// The L2 chain the proven blocks belong to.
pub const L2_CHAIN_ID: u64 = 901;

/// One EXECUTE call and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallVector {
    /// What the case shows.
    pub description: String,
    /// The L1 genesis `config.nativeRollup` section EXECUTE runs under.
    pub native_rollup: serde_json::Value,
    /// The call's input.
    pub input: Bytes,
    /// The call's gas.
    #[serde(with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// The calling transaction's blob versioned hashes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blob_versioned_hashes: Vec<B256>,
    /// The proof sidecar the calling transaction carries (SSZ `ProofSidecar`), verified before
    /// the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_sidecar: Option<SidecarFile>,
    /// EXECUTE's answer.
    pub expected: Expected,
}

/// A proof sidecar kept in its own file (they are about 1.3 MB).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarFile {
    /// Its path, from the repository root.
    pub file: String,
    /// `keccak256` of its bytes.
    pub keccak256: B256,
}

/// What EXECUTE answers: an output and the gas charged, or a halt (no output, all gas used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expected {
    /// The output; absent when the call halts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Bytes>,
    /// Gas used by the call (the whole call gas when it halts).
    #[serde(with = "alloy_serde::quantity")]
    pub gas_used: u64,
    /// Why it halts, in this implementation's words (informative: implementations need
    /// only agree that it halts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halt: Option<String>,
}

/// Why vectors could not be generated or a vector did not pass.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// A source file could not be read.
    #[error("{path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A source file is not what it should be.
    #[error("{0}")]
    Source(String),
    /// The vector's `nativeRollup` section is refused.
    #[error("nativeRollup section: {0}")]
    Config(String),
    /// The sidecar file is not the one the vector names, or does not verify.
    #[error("proof sidecar: {0}")]
    Sidecar(String),
    /// EXECUTE answered otherwise.
    #[error("expected {expected}, got {got}")]
    Mismatch {
        /// What the vector says.
        expected: String,
        /// What EXECUTE answered.
        got: String,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, VectorError> {
    std::fs::read(path).map_err(|error| VectorError::Read {
        path: path.to_owned(),
        error,
    })
}

/// A committed `0x…` hex file's bytes.
fn read_hex(path: &Path) -> Result<Vec<u8>, VectorError> {
    let text = String::from_utf8(read(path)?)
        .map_err(|_| VectorError::Source(format!("{}: not text", path.display())))?;
    alloy_primitives::hex::decode(text.trim())
        .map_err(|e| VectorError::Source(format!("{}: {e}", path.display())))
}

/// The `nativeRollup` section of the vectors' L1: the dev L1's (this project's SP1 program,
/// threshold 1, active from genesis) listing the dev L2, chain 901 on Amsterdam from genesis.
pub fn native_rollup_section() -> serde_json::Value {
    let l2 = nr_node::genesis::dev_genesis(nr_node::Role::L2, L2_CHAIN_ID).config;
    nr_execute::spec::dev_section(&[l2])
}

/// [`native_rollup_section`] with chain 901 moving to Amsterdam at `time` rather than at
/// genesis: the same fork for every block after it, other chain rules.
fn section_with_amsterdam_at(time: u64) -> serde_json::Value {
    let mut section = native_rollup_section();
    section["l2Chains"][0]["amsterdamTime"] = time.into();
    section
}

/// EXECUTE's configuration from a vector's section, as an L1 reads it from its genesis.
pub fn config_of(section: &serde_json::Value) -> Result<ExecuteConfig, VectorError> {
    let mut l1 = alloy_genesis::ChainConfig::default();
    l1.extra_fields
        .insert(nr_execute::spec::SECTION.into(), section.clone());
    nr_execute::spec::execute_config(&l1)
        .map_err(|e| VectorError::Config(e.to_string()))?
        .ok_or_else(|| VectorError::Config("absent".into()))
}

/// The verified proofs of a vector's sidecar (none without one).
fn proofs_of(
    root: &Path,
    config: &ExecuteConfig,
    sidecar: Option<&SidecarFile>,
) -> Result<TxProofs, VectorError> {
    let Some(sidecar) = sidecar else {
        return Ok(TxProofs::default());
    };
    let bytes = read(&root.join(&sidecar.file))?;
    if keccak256(&bytes) != sidecar.keccak256 {
        return Err(VectorError::Sidecar(format!(
            "{} does not hash to {}",
            sidecar.file, sidecar.keccak256
        )));
    }
    nr_execute::verify_sidecar(&config.programs, &bytes)
        .map_err(|e| VectorError::Sidecar(e.to_string()))
}

/// EXECUTE's answer to a call.
fn answer(
    root: &Path,
    section: &serde_json::Value,
    input: &[u8],
    gas_limit: u64,
    blob_hashes: &[B256],
    sidecar: Option<&SidecarFile>,
) -> Result<Expected, VectorError> {
    let config = config_of(section)?;
    let proofs = proofs_of(root, &config, sidecar)?;
    Ok(
        match nr_execute::execute_in(&config, input, gas_limit, blob_hashes, &proofs) {
            Ok(settled) => Expected {
                output: Some(settled.output.into()),
                gas_used: settled.gas_used,
                halt: None,
            },
            Err(e) => Expected {
                output: None,
                gas_used: gas_limit,
                halt: Some(e.to_string()),
            },
        },
    )
}

/// Runs `vector` against this project's EXECUTE (sidecar files read from under `root`):
/// the output and gas must be the vector's, or the call must halt where the vector halts.
pub fn run(root: &Path, vector: &CallVector) -> Result<(), VectorError> {
    let got = answer(
        root,
        &vector.native_rollup,
        &vector.input,
        vector.gas_limit,
        &vector.blob_versioned_hashes,
        vector.proof_sidecar.as_ref(),
    )?;
    let want = &vector.expected;
    let same = got.output == want.output && got.gas_used == want.gas_used;
    if same {
        return Ok(());
    }
    let words = |e: &Expected| match &e.output {
        Some(output) => format!("output {output} for {} gas", e.gas_used),
        None => format!("a halt ({} gas)", e.gas_used),
    };
    Err(VectorError::Mismatch {
        expected: words(want),
        got: words(&got),
    })
}

/// The proven sources: block 1 (one transfer), the ten empty blocks of the range, and the
/// statement, blob hashes and dependency input of each with its sidecar.
struct Sources {
    block: Vec<u8>,
    range: Vec<StatelessInput>,
}

impl Sources {
    fn read(root: &Path) -> Result<Self, VectorError> {
        let dir = root.join(PROVEN_DIR);
        let block = read_hex(&dir.join("block-1.hex"))?;
        let range = (1..=10)
            .map(|n| {
                let path = dir.join(format!("range/block-{n}.hex"));
                let bytes = read_hex(&path)?;
                StatelessInput::decode(&bytes)
                    .map_err(|e| VectorError::Source(format!("{}: {e:?}", path.display())))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { block, range })
    }

    fn single(&self) -> Result<StatelessInput, VectorError> {
        StatelessInput::decode(&self.block)
            .map_err(|e| VectorError::Source(format!("block-1.hex: {e:?}")))
    }
}

fn range_input(blocks: &[StatelessInput]) -> Result<Vec<u8>, VectorError> {
    StatelessRangeInput::from_inputs(blocks)
        .map(|r| ExecuteInput::Range(r).encode())
        .ok_or_else(|| VectorError::Source("the range's inputs do not join".into()))
}

/// A proof-dependency call: the statement of `inputs` (one block or a range) proven by the
/// sidecar file `sidecar`, naming this project's program, with the blobs its data travels in.
fn dependency(
    root: &Path,
    inputs: Vec<Vec<u8>>,
    sidecar: &str,
) -> Result<(Vec<u8>, Vec<B256>, SidecarFile), VectorError> {
    let job =
        nr_prover::Job::from_inputs(inputs).map_err(|e| VectorError::Source(e.to_string()))?;
    let statement = job
        .native_statement()
        .map_err(|e| VectorError::Source(e.to_string()))?;
    let blob_hashes = statement
        .blob_evaluations
        .iter()
        .map(|e| B256::from(e.versioned_hash))
        .collect();
    let input = job
        .dependency_input(&statement, vec![nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY])
        .map_err(|e| VectorError::Source(e.to_string()))?
        .encode();
    let file = format!("{PROVEN_DIR}/{sidecar}");
    let keccak256 = keccak256(read(&root.join(&file))?);
    Ok((input, blob_hashes, SidecarFile { file, keccak256 }))
}

/// Every vector, by file name, built from the sources under `root` and answered by this
/// project's EXECUTE.
pub fn generate(root: &Path) -> Result<Vec<(String, CallVector)>, VectorError> {
    let section = native_rollup_section();
    let src = Sources::read(root)?;
    let single = src.single()?;
    let mut cases: Vec<Case> = Vec::new();
    let case = Case::new;

    // One block by re-execution.
    cases.push(case(
        "single-valid",
        "An Amsterdam L2 block (schema 0x1501) of one transfer, re-executed: the 43-byte \
         result (successful) and the block's 176-byte summary.",
        src.block.clone(),
    ));
    let charge = nr_execute::gas::reexecution_gas(
        src.block.len(),
        [single.new_payload_request.execution_payload.gas_limit],
    );
    let mut short = case(
        "single-out-of-gas",
        "The valid block with one gas less than EXECUTE's charge: it halts before any work.",
        src.block.clone(),
    );
    short.gas_limit = charge - 1;
    cases.push(short);
    let mut bad_root = single.clone();
    bad_root.new_payload_request.execution_payload.state_root[31] ^= 1;
    cases.push(case(
        "single-wrong-state-root",
        "The block with the last bit of its post-state root flipped: validation fails, EXECUTE \
         halts.",
        bad_root.encode(),
    ));
    let mut unlisted = single.clone();
    unlisted.chain_id = 902;
    cases.push(case(
        "single-unlisted-chain",
        "The block under chain id 902, which the L1 does not list: no chain rules, EXECUTE halts.",
        unlisted.encode(),
    ));
    let mut osaka = src.block.clone();
    osaka[..2].copy_from_slice(
        &SchemaId::v1(nr_stateless::Fork::Osaka)
            .to_u16()
            .to_be_bytes(),
    );
    cases.push(case(
        "single-osaka-schema",
        "The block's bytes under schema 0x1201 (Osaka): not that layout, and a fork the chain \
         has left; EXECUTE halts.",
        osaka,
    ));
    let mut unknown = src.block.clone();
    unknown[..2].copy_from_slice(&[0x99, 0x01]);
    cases.push(case(
        "single-unknown-schema",
        "Schema id 0x9901, which no fork defines: EXECUTE halts.",
        unknown,
    ));
    cases.push(case(
        "single-truncated",
        "The valid input less its last byte: EXECUTE halts.",
        src.block[..src.block.len() - 1].to_vec(),
    ));
    let mut trailing = src.block.clone();
    trailing.push(0);
    cases.push(case(
        "single-trailing-byte",
        "The valid input and one more byte: EXECUTE halts (the encoding is exact).",
        trailing,
    ));
    let mut offset = src.block.clone();
    let first = u32::from_le_bytes(offset[2..6].try_into().expect("4 bytes"));
    offset[2..6].copy_from_slice(&(first + 1).to_le_bytes());
    cases.push(case(
        "single-non-canonical-offset",
        "The input's first SSZ offset one past the container's fixed part: EXECUTE halts.",
        offset,
    ));
    cases.push(case(
        "empty-input",
        "No input at all: EXECUTE halts.",
        Vec::new(),
    ));

    // The 0x1501 witness caps that are tighter than the SSZ types' own bounds
    // (execution-specs' `MAX_BYTES_PER_WITNESS_NODE` and `MAX_BYTES_PER_CODE`): one more
    // entry of the cap's size, then one byte over it.
    let with = |change: &dyn Fn(&mut nr_stateless::ExecutionWitness)| {
        let mut input = single.clone();
        change(&mut input.witness);
        input.encode()
    };
    // An RLP string of exactly `len` bytes (3 bytes of prefix), which nothing references.
    let rlp_string = |len: usize| {
        let body = len - 3;
        let mut out = vec![0xb9, (body >> 8) as u8, body as u8];
        out.resize(len, 0x5a);
        out
    };
    let node_cap = nr_stateless::ssz::MAX_BYTES_PER_WITNESS_NODE_AMSTERDAM;
    for (name, len, description) in [
        (
            "single-valid-witness-node-at-cap",
            node_cap,
            "The valid block's witness with one more state node of exactly 1,024 bytes (the \
             cap), which nothing references: it decodes, and the block is valid.",
        ),
        (
            "single-witness-node-over-cap",
            node_cap + 1,
            "The same with a node of 1,025 bytes, one over the cap: EXECUTE halts.",
        ),
    ] {
        let node = rlp_string(len);
        cases.push(case(
            name,
            description,
            with(&|w| {
                w.state
                    .push(node.clone().try_into().expect("under the type's bound"))
            }),
        ));
    }
    let code_cap = nr_stateless::ssz::MAX_BYTES_PER_CODE_AMSTERDAM;
    for (name, len, description) in [
        (
            "single-valid-code-at-cap",
            code_cap,
            "The valid block's witness with one more code of exactly 65,536 bytes (the cap), \
             which no account has: it decodes, and the block is valid.",
        ),
        (
            "single-code-over-cap",
            code_cap + 1,
            "The same with a code of 65,537 bytes, one over the cap: EXECUTE halts.",
        ),
    ] {
        cases.push(case(
            name,
            description,
            with(&|w| {
                w.codes
                    .push(vec![0u8; len].try_into().expect("under the type's bound"))
            }),
        ));
    }

    // A range by re-execution.
    cases.push(case(
        "range-valid",
        "Ten consecutive empty Amsterdam L2 blocks as one range: the result (ten block \
         hashes) and ten summaries.",
        range_input(&src.range)?,
    ));
    let gapped: Vec<_> = src
        .range
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, b)| b.clone())
        .collect();
    cases.push(case(
        "range-missing-block",
        "The range without its fifth block: block 6 does not extend block 4, EXECUTE halts.",
        range_input(&gapped)?,
    ));
    let mut tampered = src.range.clone();
    tampered[6].new_payload_request.execution_payload.state_root[31] ^= 1;
    cases.push(case(
        "range-invalid-block",
        "The range with block 7's post-state root flipped: one invalid block halts the range.",
        range_input(&tampered)?,
    ));

    // Proof dependencies, with the real SP1 compressed proofs.
    let (input, hashes, sidecar) = dependency(root, vec![src.block.clone()], "block-1.sidecar")?;
    cases.push(Case {
        blob_hashes: hashes.clone(),
        sidecar: Some(sidecar.clone()),
        ..case(
            "dependency-valid",
            "Block 1's statement, proven by the real SP1 compressed proof in the transaction's \
             sidecar, with its data in the transaction's blob: the same output as re-execution.",
            input.clone(),
        )
    });
    cases.push(Case {
        blob_hashes: hashes.clone(),
        ..case(
            "dependency-without-sidecar",
            "The same call from a transaction that carries no proof: EXECUTE halts.",
            input.clone(),
        )
    });
    cases.push(Case {
        blob_hashes: hashes,
        sidecar: Some(sidecar.clone()),
        section: Some(section_with_amsterdam_at(1)),
        ..case(
            "dependency-chain-rules-mismatch",
            "The proven statement on an L1 that lists chain 901 with Amsterdam from time 1, \
             not 0: block 1 (time 1) is Amsterdam under both, but the statement commits to \
             the rules it was proven under, so EXECUTE halts (re-execution would settle it).",
            input.clone(),
        )
    });
    cases.push(Case {
        section: Some(section_with_amsterdam_at(1)),
        ..case(
            "single-valid-other-schedule",
            "Block 1 re-executed on that same L1 (Amsterdam from time 1): valid under its rules.",
            src.block.clone(),
        )
    });
    cases.push(Case {
        sidecar: Some(sidecar),
        ..case(
            "dependency-without-blob",
            "The proven statement from a transaction without the blob its data travels in: \
             the statement's blob evaluation names a blob the transaction lacks, EXECUTE halts.",
            input,
        )
    });
    let inputs = src.range.iter().map(StatelessInput::encode).collect();
    let (input, hashes, sidecar) = dependency(root, inputs, "range.sidecar")?;
    cases.push(Case {
        blob_hashes: hashes,
        sidecar: Some(sidecar),
        ..case(
            "dependency-range-valid",
            "The ten-block range's statement proven by one real SP1 compressed proof: one \
             proof dependency settles all ten blocks.",
            input,
        )
    });

    cases
        .into_iter()
        .map(|c| {
            let section = c.section.unwrap_or_else(|| section.clone());
            let expected = answer(
                root,
                &section,
                &c.input,
                c.gas_limit,
                &c.blob_hashes,
                c.sidecar.as_ref(),
            )?;
            Ok((
                format!("{}.json", c.name),
                CallVector {
                    description: c.description,
                    native_rollup: section,
                    input: c.input.into(),
                    gas_limit: c.gas_limit,
                    blob_versioned_hashes: c.blob_hashes,
                    proof_sidecar: c.sidecar,
                    expected,
                },
            ))
        })
        .collect()
}

/// A call before its answer.
struct Case {
    name: &'static str,
    description: String,
    input: Vec<u8>,
    gas_limit: u64,
    blob_hashes: Vec<B256>,
    sidecar: Option<SidecarFile>,
    /// Another `nativeRollup` section than [`native_rollup_section`].
    section: Option<serde_json::Value>,
}

impl Case {
    /// A call of `input` with [`CALL_GAS`], from a transaction without blobs or proofs.
    fn new(name: &'static str, description: &str, input: Vec<u8>) -> Self {
        Self {
            name,
            description: description.to_owned(),
            input,
            gas_limit: CALL_GAS,
            blob_hashes: Vec::new(),
            sidecar: None,
            section: None,
        }
    }
}

/// A vector as its file holds it: pretty JSON and a final newline.
pub fn to_file(vector: &CallVector) -> String {
    let mut text = serde_json::to_string_pretty(vector).expect("a vector serializes");
    text.push('\n');
    text
}

/// The repository root, from this crate's manifest directory.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
