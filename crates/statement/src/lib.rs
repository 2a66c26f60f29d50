//! native-rollup's protocol: what EXECUTE accepts and what a proof of it claims.
//!
//! Every caller shares these definitions: the precompile (`nr-execute`), the zk program
//! (`crates/prover/program`), the prover and the nodes. `no_std` + `alloc`, so the zk guest
//! runs the very same code as the native host.
//!
//! * [`envelope`]: EXECUTE's input, single block, range, or proof mode with its proof
//!   entries and blob openings;
//! * [`output`]: EXECUTE's output, the validation result and a summary of each block;
//! * [`l2`]: the rules an L2 block obeys on top of Ethereum's, and validation under them;
//! * [`rules`]: which chain rules apply to a (chain id, schema id) on a given L1, and
//!   their canonical form a statement commits to;
//! * this module: the [`Statement`] a proof claims and [`statement`], the program that
//!   computes it: it validates the blocks under the given chain rules and binds their data
//!   to L1 blobs.
//!
//! ```text
//! ProgramInput   { kind: u8 (0 single, 1 range),
//!                  chain_rules: ChainRules,           the rules to validate under (rules)
//!                  stateless: List[u8, 2^26],        schema_id ++ SSZ StatelessInput | StatelessRangeInput
//!                  blob_commitments: List[Bytes48, 16] }
//! Statement      { kind: u8,
//!                  chain_rules_hash: Bytes32,         sha256(SSZ(ChainRules)) validated under
//!                  output: List[u8, 53263],           the output re-execution returns (output)
//!                  blob_evaluations: List[BlobEvaluation, 16] }
//! BlobEvaluation { versioned_hash: Bytes32, z: Bytes32, y: Bytes32 }
//! ```
//!
//! Blob data ([`batch_data`]): the blocks' range encoding with an empty witness,
//! `schema_id ++ SSZ { new_payload_requests, witness: {}, chain_id }`, which
//! `StatelessRangeInput::decode` reads back. It fills blobs 31 bytes per field element
//! (the element's first byte zero), [`BYTES_PER_BLOB_DATA`] bytes a blob. For blob `i`
//! with data `d_i` and commitment `C_i`, `z = sha256(C_i ++ d_i)` with its first byte
//! cleared (below the BLS12-381 scalar modulus) and `y = p_i(z)` ([`kzg`]).

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod envelope;
pub mod kzg;
pub mod l2;
pub mod output;
pub mod rules;

pub use envelope::{
    BlobOpening, DependencyInput, ExecuteInput, InputError, ProofEntry, ProofInput, ProofSidecar,
    SidecarProof,
};
pub use l2::{
    L2Error, L2RuleError, check_l2_rules, check_l2_transaction, validate_l2, validate_l2_range,
};
pub use output::{BlockSummary, ExecuteOutput, OutputError, ValidationResult};
pub use rules::{ChainRules, L2Chains, RulesError};

use alloc::{boxed::Box, vec::Vec};
use libssz::{SszDecode, SszEncode};
use libssz_derive::{SszDecode, SszEncode};
use libssz_types::SszList;
use nr_stateless::{
    ChainConfig, DecodeError, ExecutionWitness, SchemaId, StatelessInput, StatelessRangeInput,
    ssz::MAX_INPUT_BYTES,
};
use output::MAX_OUTPUT_BYTES;
use sha2::{Digest, Sha256};

/// Most blobs one statement binds (above any per-transaction blob limit so far).
pub const MAX_BLOB_BINDINGS: usize = 16;
/// EIP-8025's result for input that does not decode: root zero, not successful, chain id
/// and schema id zero (execution-specs' `stateless.py`).
pub const SENTINEL_RESULT: [u8; 43] = [0; 43];
/// Statement kind of one block.
pub const KIND_SINGLE: u8 = 0;
/// Statement kind of a range of blocks.
pub const KIND_RANGE: u8 = 1;
/// EIP-4844 version byte of a KZG versioned hash.
pub const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;
/// Data bytes one blob carries: 4096 field elements of 31 bytes.
pub const BYTES_PER_BLOB_DATA: usize = kzg::FIELD_ELEMENTS_PER_BLOB * 31;

/// The evaluation of one blob's polynomial that a program committed to.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BlobEvaluation {
    /// Versioned hash of the blob that carried the L2 data.
    pub versioned_hash: [u8; 32],
    /// The Fiat-Shamir point, derived by the program from the commitment and the data.
    pub z: [u8; 32],
    /// The blob polynomial's value at `z`.
    pub y: [u8; 32],
}

/// What a zk program proves: EXECUTE's output for its blocks and the blobs they came from.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct Statement {
    /// [`KIND_SINGLE`]: the output is of one block; [`KIND_RANGE`]: of a range.
    pub kind: u8,
    /// [`ChainRules::hash`] of the rules the blocks were validated under. EXECUTE refuses
    /// a statement whose rules are not the ones the L1 assigns to its chain.
    pub chain_rules_hash: [u8; 32],
    /// EXECUTE's output ([`ExecuteOutput`]), byte for byte what re-execution of the same
    /// blocks returns: the validation result, then a summary of each block if successful.
    pub output: SszList<u8, MAX_OUTPUT_BYTES>,
    /// The blob evaluations binding the blocks' data to L1 blobs.
    pub blob_evaluations: SszList<BlobEvaluation, MAX_BLOB_BINDINGS>,
}

/// Why statement bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Not SSZ of a [`Statement`].
    #[error("malformed statement SSZ: {0:?}")]
    Ssz(libssz::DecodeError),
    /// The output inside does not decode.
    #[error(transparent)]
    Output(OutputError),
    /// A kind other than 0 or 1.
    #[error("unknown statement kind {0}")]
    Kind(u8),
}

impl Statement {
    /// SSZ encoding: the public values a program commits.
    pub fn encode(&self) -> Vec<u8> {
        self.to_ssz()
    }

    /// Decodes a statement and the output inside it.
    pub fn decode_with_output(bytes: &[u8]) -> Result<(Self, ExecuteOutput), StatementError> {
        let s = Self::from_ssz_bytes(bytes).map_err(StatementError::Ssz)?;
        let range = match s.kind {
            KIND_SINGLE => false,
            KIND_RANGE => true,
            k => return Err(StatementError::Kind(k)),
        };
        let output = ExecuteOutput::decode(&s.output, range).map_err(StatementError::Output)?;
        Ok((s, output))
    }
}

/// What the prover hands the program: the blocks to validate and the KZG commitments of
/// the blobs their data travels in.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ProgramInput {
    /// [`KIND_SINGLE`] or [`KIND_RANGE`].
    pub kind: u8,
    /// The chain rules to validate under: those the settling L1 assigns to the blocks'
    /// chain ([`L2Chains::rules`]).
    pub chain_rules: ChainRules,
    /// `schema_id ++ SSZ(StatelessInput)` or `schema_id ++ SSZ(StatelessRangeInput)`: the
    /// exact bytes EXECUTE's re-execution mode reads (without a range's envelope id).
    pub stateless: SszList<u8, MAX_INPUT_BYTES>,
    /// One commitment per blob of [`batch_data`], in order.
    pub blob_commitments: SszList<[u8; 48], MAX_BLOB_BINDINGS>,
}

impl ProgramInput {
    /// SSZ encoding: what the program reads.
    pub fn encode(&self) -> Vec<u8> {
        self.to_ssz()
    }

    /// Decodes the program's input.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProgramError> {
        Self::from_ssz_bytes(bytes).map_err(ProgramError::Ssz)
    }
}

/// Why the program has no statement to commit (so no proof can exist). Invalid blocks
/// are not errors: they have a statement that says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// The input is not SSZ of a [`ProgramInput`].
    #[error("malformed program input SSZ: {0:?}")]
    Ssz(libssz::DecodeError),
    /// A kind other than 0 or 1.
    #[error("unknown input kind {0}")]
    Kind(u8),
    /// A range input does not decode: there is no request root to commit to (a single
    /// block's has the sentinel statement).
    #[error(transparent)]
    Stateless(DecodeError),
    /// The chain rules are not in canonical form.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The chain rules are another chain's.
    #[error("chain rules are for chain {rules}, the blocks for chain {blocks}")]
    ChainId {
        /// The rules' chain id.
        rules: u64,
        /// The blocks' chain id.
        blocks: u64,
    },
    /// The blob data needs another number of blobs than commitments were given.
    #[error("batch data of {bytes} bytes fills {needed} blobs, {given} commitments given")]
    BlobCount {
        /// Length of the batch data.
        bytes: usize,
        /// Blobs it fills.
        needed: usize,
        /// Commitments in the input.
        given: usize,
    },
}

/// The decoded blocks of a [`ProgramInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocks {
    /// One block.
    Single(Box<StatelessInput>),
    /// A range.
    Range(StatelessRangeInput),
}

impl Blocks {
    /// Decodes `stateless` as `kind` says.
    pub fn decode(kind: u8, stateless: &[u8]) -> Result<Self, ProgramError> {
        match kind {
            KIND_SINGLE => StatelessInput::decode(stateless).map(|b| Self::Single(Box::new(b))),
            KIND_RANGE => StatelessRangeInput::decode(stateless).map(Self::Range),
            k => return Err(ProgramError::Kind(k)),
        }
        .map_err(ProgramError::Stateless)
    }

    /// The statement kind.
    pub fn kind(&self) -> u8 {
        match self {
            Self::Single(_) => KIND_SINGLE,
            Self::Range(_) => KIND_RANGE,
        }
    }

    /// The chain id the blocks name.
    pub fn chain_id(&self) -> u64 {
        match self {
            Self::Single(b) => b.chain_id,
            Self::Range(r) => r.chain_id,
        }
    }

    /// The schema the blocks name.
    pub fn schema(&self) -> SchemaId {
        match self {
            Self::Single(b) => b.schema,
            Self::Range(r) => r.schema,
        }
    }

    /// Validates under the L2 rules and `config` and returns EXECUTE's output: byte for
    /// byte what its re-execution mode returns (or halts on) under the same rules.
    pub fn output(&self, config: &ChainConfig) -> ExecuteOutput {
        match self {
            Self::Single(b) => single_output(b, config),
            Self::Range(r) => range_output(r, config),
        }
    }
}

/// EXECUTE's output for one valid block under the L2 rules and `config`, or why it is invalid:
/// what re-execution returns or halts on.
pub fn valid_single_output(
    input: &StatelessInput,
    config: &ChainConfig,
) -> Result<ExecuteOutput, L2Error> {
    let validated = validate_l2(input, config)?;
    let summary = BlockSummary::of(&input.new_payload_request, &validated);
    Ok(ExecuteOutput::single(input.result(true), Some(summary)))
}

/// EXECUTE's output for a valid range under the L2 rules and `config`, or why it is invalid.
pub fn valid_range_output(
    input: &StatelessRangeInput,
    config: &ChainConfig,
) -> Result<ExecuteOutput, L2Error> {
    let validated = validate_l2_range(input, config)?;
    let summaries = input
        .new_payload_requests
        .iter()
        .zip(&validated)
        .map(|(r, v)| BlockSummary::of(r, v))
        .collect();
    Ok(ExecuteOutput::range(input.result(true), summaries))
}

/// The output a statement commits for one block: [`valid_single_output`], or the bare
/// unsuccessful result.
pub fn single_output(input: &StatelessInput, config: &ChainConfig) -> ExecuteOutput {
    valid_single_output(input, config)
        .unwrap_or_else(|_| ExecuteOutput::single(input.result(false), None))
}

/// The output a statement commits for a range: [`valid_range_output`], or the bare
/// unsuccessful result.
pub fn range_output(input: &StatelessRangeInput, config: &ChainConfig) -> ExecuteOutput {
    valid_range_output(input, config)
        .unwrap_or_else(|_| ExecuteOutput::range(input.result(false), Vec::new()))
}

/// The data the blocks' blobs carry: their range encoding without the witness.
pub fn batch_data(blocks: &Blocks) -> Vec<u8> {
    let (schema, new_payload_requests, chain_id) = match blocks {
        Blocks::Single(b) => (
            b.schema,
            alloc::vec![b.new_payload_request.clone()],
            b.chain_id,
        ),
        Blocks::Range(r) => (r.schema, r.new_payload_requests.clone(), r.chain_id),
    };
    StatelessRangeInput {
        schema,
        new_payload_requests,
        witness: ExecutionWitness::default(),
        chain_id,
    }
    .encode()
}

/// How many blobs `len` bytes of batch data fill (at least one).
pub fn blobs_for(len: usize) -> usize {
    len.div_ceil(BYTES_PER_BLOB_DATA).max(1)
}

/// The blob data chunks of `data`, one per blob.
pub fn blob_chunks(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    data.chunks(BYTES_PER_BLOB_DATA)
        .chain(data.is_empty().then_some(empty))
}

/// `0x01 ++ sha256(commitment)[1..]` (EIP-4844).
pub fn kzg_to_versioned_hash(commitment: &[u8; 48]) -> [u8; 32] {
    let mut hash: [u8; 32] = Sha256::digest(commitment).into();
    hash[0] = VERSIONED_HASH_VERSION_KZG;
    hash
}

/// The Fiat-Shamir point of a blob: `sha256(commitment ++ data)`, first byte cleared.
pub fn challenge(commitment: &[u8; 48], data: &[u8]) -> [u8; 32] {
    let mut z: [u8; 32] = Sha256::new()
        .chain_update(commitment)
        .chain_update(data)
        .finalize()
        .into();
    z[0] = 0;
    z
}

/// The evaluations binding `data` to the blobs committed to by `commitments`.
pub fn blob_evaluations(
    data: &[u8],
    commitments: &[[u8; 48]],
) -> Result<Vec<BlobEvaluation>, ProgramError> {
    let needed = blobs_for(data.len());
    if needed != commitments.len() || needed > MAX_BLOB_BINDINGS {
        return Err(ProgramError::BlobCount {
            bytes: data.len(),
            needed,
            given: commitments.len(),
        });
    }
    Ok(blob_chunks(data)
        .zip(commitments)
        .map(|(chunk, commitment)| {
            let z = challenge(commitment, chunk);
            BlobEvaluation {
                versioned_hash: kzg_to_versioned_hash(commitment),
                z,
                y: kzg::evaluate_packed(chunk, &z),
            }
        })
        .collect())
}

/// The program: validates the blocks under the input's chain rules and binds their data to
/// the blobs. Its result's SSZ encoding is what the zk guest commits, byte for byte.
pub fn statement(input: &ProgramInput) -> Result<Statement, ProgramError> {
    let config = input.chain_rules.to_config()?;
    let blocks = match Blocks::decode(input.kind, &input.stateless) {
        Ok(blocks) => blocks,
        // A single block's input that does not decode has EIP-8025's sentinel result, as
        // execution-specs' stateless guest commits it: a statement that proves the bytes
        // are no valid input (unsuccessful, so EXECUTE refuses it like any other).
        Err(ProgramError::Stateless(_)) if input.kind == KIND_SINGLE => {
            return Ok(Statement {
                kind: KIND_SINGLE,
                chain_rules_hash: input.chain_rules.hash(),
                output: SszList::try_from(SENTINEL_RESULT.to_vec())
                    .expect("43 bytes fit the output"),
                blob_evaluations: SszList::default(),
            });
        }
        Err(e) => return Err(e),
    };
    if config.chain_id != blocks.chain_id() {
        return Err(ProgramError::ChainId {
            rules: config.chain_id,
            blocks: blocks.chain_id(),
        });
    }
    let evaluations = blob_evaluations(&batch_data(&blocks), &input.blob_commitments)?;
    Ok(Statement {
        kind: blocks.kind(),
        chain_rules_hash: input.chain_rules.hash(),
        output: blocks
            .output(&config)
            .encode()
            .try_into()
            .expect("an output of at most MAX_RANGE_BLOCKS blocks"),
        blob_evaluations: evaluations
            .try_into()
            .expect("checked against MAX_BLOB_BINDINGS"),
    })
}

/// [`statement`] on encoded input, encoded: the program's bytes in, public values out.
pub fn statement_bytes(input: &[u8]) -> Result<Vec<u8>, ProgramError> {
    statement(&ProgramInput::decode(input)?).map(|s| s.encode())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nr_stateless::Fork;

    fn input(kind: u8, stateless: &[u8]) -> ProgramInput {
        ProgramInput {
            kind,
            chain_rules: ChainRules::from_config(&ChainConfig::all_at_genesis(
                901,
                Fork::Amsterdam,
            )),
            stateless: SszList::try_from(stateless.to_vec()).unwrap(),
            blob_commitments: SszList::default(),
        }
    }

    #[test]
    fn undecodable_single_input_has_the_eip_8025_sentinel_statement() {
        for garbage in [&b""[..], b"\x15", b"\x15\x01\x00", b"\xee\x01abcd"] {
            let s = statement(&input(KIND_SINGLE, garbage)).unwrap();
            assert_eq!(s.output[..], SENTINEL_RESULT[..]);
            assert!(s.blob_evaluations.is_empty());
            let (_, output) = Statement::decode_with_output(&s.encode()).unwrap();
            assert!(!output.result.successful());
            assert_eq!(
                (output.result.chain_id(), output.result.schema_id()),
                (0, 0)
            );
            assert!(output.blocks.is_empty());
        }
        // A range has no sentinel in the specs: no statement, so no proof.
        assert!(matches!(
            statement(&input(KIND_RANGE, b"\x15\x01\x00")),
            Err(ProgramError::Stateless(_))
        ));
    }
}
