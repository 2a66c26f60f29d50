//! Where the blocks come from (an L2 node's `nr_getStatelessInput`, or files) and the
//! program input made of them.

use crate::blobs::BlobSet;
use crate::blobs::OpeningError;
use alloy_primitives::{Bytes, hex};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use nr_stateless::{
    ChainConfig, DecodeError, NewPayloadRequest, StatelessInput, StatelessRangeInput,
};
use nr_statement::{
    BlobOpening, Blocks, ChainRules, DependencyInput, ExecuteInput, ProgramError, ProgramInput,
    ProofEntry, ProofInput, Statement, batch_data,
};
use std::{path::Path, time::Duration};

/// Why no job could be made.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A file could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        error: std::io::Error,
    },
    /// A file or response is not hex or raw input.
    #[error("{0}: not 0x-hex text")]
    Hex(String),
    /// An input does not decode as `schema_id ++ SSZ(StatelessInput)`.
    #[error("input {index} is not a stateless input: {error}")]
    Decode {
        /// Position among the inputs.
        index: usize,
        /// The decoder's reason.
        error: DecodeError,
    },
    /// The inputs are not consecutive blocks of one chain and schema (or too many).
    #[error("inputs do not form a range (one chain, one schema, at most 256 blocks)")]
    NotARange,
    /// No input at all.
    #[error("no blocks given")]
    Empty,
    /// The L2 node's RPC failed.
    #[error("L2 RPC: {0}")]
    Rpc(String),
    /// KZG commitment of the batch's blobs failed.
    #[error("KZG: {0:?}")]
    Kzg(c_kzg::Error),
}

/// Why no EXECUTE input could be made.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The blobs do not open to the statement's evaluations.
    #[error(transparent)]
    Opening(#[from] OpeningError),
    /// More proofs than one EXECUTE call takes.
    #[error("{0} proofs, EXECUTE takes at most {max}", max = nr_statement::envelope::MAX_PROOFS)]
    TooManyProofs(usize),
}

/// Blocks to prove, with the blobs their data is posted in and the chain rules they are
/// validated under.
pub struct Job {
    /// The blocks.
    pub blocks: Blocks,
    /// The rules the settling L1 assigns to the blocks' chain (`nr_statement::L2Chains::
    /// rules`): by default the schema's fork from genesis, which is what the dev L1 assigns
    /// to the dev L2; [`Job::with_rules`] for a chain with its own schedule.
    pub rules: ChainConfig,
    /// `schema_id ++ SSZ` of the single input or the range.
    pub stateless: Vec<u8>,
    /// The batch's blobs and commitments.
    pub blobs: BlobSet,
}

impl Job {
    /// A job of one block (one input) or of a range (several consecutive blocks).
    pub fn from_inputs(inputs: Vec<Vec<u8>>) -> Result<Self, SourceError> {
        let mut decoded = inputs
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                StatelessInput::decode(bytes).map_err(|error| SourceError::Decode { index, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (blocks, stateless) = match decoded.len() {
            0 => return Err(SourceError::Empty),
            1 => {
                let single = decoded.pop().expect("one");
                let bytes = inputs.into_iter().next().expect("one");
                (Blocks::Single(Box::new(single)), bytes)
            }
            _ => {
                let range =
                    StatelessRangeInput::from_inputs(&decoded).ok_or(SourceError::NotARange)?;
                let bytes = range.encode();
                (Blocks::Range(range), bytes)
            }
        };
        let blobs = BlobSet::from_data(&batch_data(&blocks))?;
        Ok(Self {
            rules: ChainConfig::all_at_genesis(blocks.chain_id(), blocks.schema().fork),
            blocks,
            stateless,
            blobs,
        })
    }

    /// The same job under the chain rules `rules` (a chain the L1 lists with its own fork
    /// schedule).
    pub fn with_rules(self, rules: ChainConfig) -> Self {
        Self { rules, ..self }
    }

    /// What the program reads.
    pub fn program_input(&self) -> ProgramInput {
        ProgramInput {
            kind: self.blocks.kind(),
            chain_rules: ChainRules::from_config(&self.rules),
            stateless: self
                .stateless
                .clone()
                .try_into()
                .expect("decoded within MAX_INPUT_BYTES"),
            blob_commitments: self
                .blobs
                .commitments
                .clone()
                .try_into()
                .expect("at most MAX_BLOB_BINDINGS blobs"),
        }
    }

    /// Why the blocks are invalid under the job's rules (`None`: they are valid): the rule
    /// an unsuccessful statement stands for, which the statement itself does not carry.
    pub fn invalidity(&self) -> Option<nr_statement::L2Error> {
        match &self.blocks {
            Blocks::Single(b) => nr_statement::validate_l2(b, &self.rules).err(),
            Blocks::Range(r) => nr_statement::validate_l2_range(r, &self.rules).err(),
        }
    }

    /// The statement computed natively: what the program must commit.
    pub fn native_statement(&self) -> Result<Statement, ProgramError> {
        nr_statement::statement(&self.program_input())
    }

    /// A ready EXECUTE proof-mode input: the statement, its proofs, and the openings of
    /// this job's blobs (which the settling transaction must carry).
    pub fn execute_input(
        &self,
        statement: &Statement,
        proofs: Vec<ProofEntry>,
    ) -> Result<ExecuteInput, EnvelopeError> {
        let count = proofs.len();
        let (statement, blob_openings) = self.bound_statement(statement)?;
        Ok(ExecuteInput::Proof(ProofInput {
            statement: statement.try_into().expect("within the cap"),
            blob_openings: blob_openings.try_into().expect("within the cap"),
            proofs: proofs
                .try_into()
                .map_err(|_| EnvelopeError::TooManyProofs(count))?,
        }))
    }

    /// A ready EXECUTE proof-dependency input: the statement, the openings of this job's
    /// blobs, and the programs whose proofs of it the settling transaction carries in its
    /// sidecar (what `prover prove --mode compressed` writes).
    pub fn dependency_input(
        &self,
        statement: &Statement,
        programs: Vec<[u8; 32]>,
    ) -> Result<ExecuteInput, EnvelopeError> {
        let count = programs.len();
        let (statement, blob_openings) = self.bound_statement(statement)?;
        Ok(ExecuteInput::Dependency(DependencyInput {
            statement: statement.try_into().expect("within the cap"),
            blob_openings: blob_openings.try_into().expect("within the cap"),
            programs: programs
                .try_into()
                .map_err(|_| EnvelopeError::TooManyProofs(count))?,
        }))
    }

    /// What both proof inputs carry: the statement's bytes and the openings of this job's
    /// blobs at its evaluation points (a statement fits `MAX_STATEMENT_BYTES`, a job has at
    /// most `MAX_BLOB_BINDINGS` blobs).
    fn bound_statement(
        &self,
        statement: &Statement,
    ) -> Result<(Vec<u8>, Vec<BlobOpening>), EnvelopeError> {
        Ok((
            statement.encode(),
            self.blobs.openings(&statement.blob_evaluations)?,
        ))
    }

    /// The blocks' new-payload requests, in order.
    pub fn payloads(&self) -> &[NewPayloadRequest] {
        match &self.blocks {
            Blocks::Single(b) => std::slice::from_ref(&b.new_payload_request),
            Blocks::Range(r) => &r.new_payload_requests,
        }
    }

    /// Total gas used by the blocks (from their payloads).
    pub fn gas_used(&self) -> u64 {
        self.payloads()
            .iter()
            .map(|p| p.execution_payload.gas_used)
            .sum()
    }

    /// Total transactions in the blocks.
    pub fn transactions(&self) -> usize {
        self.payloads()
            .iter()
            .map(|p| p.execution_payload.transactions.len())
            .sum()
    }

    /// Block numbers covered, first and last.
    pub fn block_numbers(&self) -> (u64, u64) {
        let payloads = self.payloads();
        let number = |p: &NewPayloadRequest| p.execution_payload.block_number;
        (
            payloads.first().map_or(0, number),
            payloads.last().map_or(0, number),
        )
    }
}

/// Reads an input file: raw `schema_id ++ SSZ` bytes, or that as `0x`-hex text (what
/// `nr_getStatelessInput` returns).
pub fn read_input_file(path: &Path) -> Result<Vec<u8>, SourceError> {
    let bytes = std::fs::read(path).map_err(|error| SourceError::Io {
        path: path.display().to_string(),
        error,
    })?;
    if !bytes.starts_with(b"0x") {
        return Ok(bytes);
    }
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| hex::decode(text.trim().trim_matches('"')).ok())
        .ok_or_else(|| SourceError::Hex(path.display().to_string()))
}

/// Fetches blocks `from..=to` from an L2 node (`nr_getStatelessInput`).
pub async fn fetch_inputs(url: &str, from: u64, to: u64) -> Result<Vec<Vec<u8>>, SourceError> {
    let client: HttpClient = HttpClientBuilder::default()
        .max_response_size(u32::MAX)
        .request_timeout(Duration::from_secs(120))
        .build(url)
        .map_err(|e| SourceError::Rpc(e.to_string()))?;
    let mut out = Vec::new();
    for number in from..=to {
        let bytes: Bytes = client
            .request("nr_getStatelessInput", rpc_params![format!("{number:#x}")])
            .await
            .map_err(|e| SourceError::Rpc(format!("block {number}: {e}")))?;
        out.push(bytes.into());
    }
    Ok(out)
}

impl From<c_kzg::Error> for SourceError {
    fn from(e: c_kzg::Error) -> Self {
        Self::Kzg(e)
    }
}
