//! EXECUTE's input: what the first two bytes say, and the proof-mode containers.
//!
//! ```text
//! input   = schema_id (u16 BE, a known fork) ++ SSZ StatelessInput          single block, re-execution
//!         | 0xFF01 ++ schema_id ++ SSZ StatelessRangeInput                     range, re-execution
//!         | 0xFF02 ++ SSZ ProofInput                                           proof mode
//! ```
//!
//! The single-block form is byte for byte the execution-specs / ethrex encoding, so their
//! vectors run here unchanged. Schema ids are `(fork_index << 8) | revision`; fork index
//! `0xFF` will never name a fork, so the two extended forms cannot collide with one.
//!
//! ```text
//! ProofInput    { statement: List[u8, 16384],                      the exact SP1 public values
//!                 blob_openings: List[BlobOpening, 16],            one per statement blob
//!                 proofs: List[ProofEntry, 8] }
//! BlobOpening   { commitment: Bytes48, proof: Bytes48 }            KZG opening at (z, y)
//! ProofEntry    { backend: u8, program_vkey: Bytes32, proof: List[u8, 4096] }
//! ```
//!
//! The statement inside is [`crate::Statement`].

use crate::{MAX_BLOB_BINDINGS, StatementError};
use alloc::{boxed::Box, vec::Vec};
use libssz::{SszDecode, SszEncode};
use libssz_derive::{SszDecode, SszEncode};
use libssz_types::SszList;
use nr_stateless::{DecodeError, StatelessInput, StatelessRangeInput};

/// Envelope id of a range of blocks (re-execution).
pub const RANGE_ID: u16 = 0xFF01;
/// Envelope id of proof mode.
pub const PROOF_ID: u16 = 0xFF02;
/// Most proofs in one call.
pub const MAX_PROOFS: usize = 8;
/// Largest proof (SP1 v6 Groth16 is 356 bytes, Plonk 964).
pub const MAX_PROOF_BYTES: usize = 4096;
/// Largest statement.
pub const MAX_STATEMENT_BYTES: usize = 16384;

/// A KZG commitment and the proof of its evaluation at the statement's point.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BlobOpening {
    /// The blob's KZG commitment (its versioned hash is derived from it).
    pub commitment: [u8; 48],
    /// KZG proof that the blob polynomial evaluates to `y` at `z`.
    pub proof: [u8; 48],
}

/// One proof: which verifier, which program, the proof bytes.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ProofEntry {
    /// Wrapper id: 1 SP1 Groth16, 2 SP1 Plonk (`nr_execute::Backend`).
    pub backend: u8,
    /// The SP1 program verifying-key hash (`vk.bytes32()`).
    pub program_vkey: [u8; 32],
    /// The proof, in the backend's own format.
    pub proof: SszList<u8, MAX_PROOF_BYTES>,
}

/// Proof mode's input.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ProofInput {
    /// The statement every proof claims: exactly the programs' public values.
    pub statement: SszList<u8, MAX_STATEMENT_BYTES>,
    /// Openings for the statement's blob evaluations, in the same order.
    pub blob_openings: SszList<BlobOpening, MAX_BLOB_BINDINGS>,
    /// The proofs.
    pub proofs: SszList<ProofEntry, MAX_PROOFS>,
}

/// A decoded EXECUTE input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecuteInput {
    /// One block to re-execute.
    Single(Box<StatelessInput>),
    /// A range of blocks to re-execute.
    Range(StatelessRangeInput),
    /// Proofs of a statement.
    Proof(ProofInput),
}

/// Why input bytes are not an EXECUTE input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Shorter than the 2-byte envelope id.
    #[error("input of {0} bytes has no envelope id")]
    Empty(usize),
    /// A stateless input (schema, SSZ, caps) that does not decode.
    #[error(transparent)]
    Stateless(DecodeError),
    /// Proof-mode SSZ that does not decode.
    #[error("malformed proof-mode SSZ: {0:?}")]
    Ssz(libssz::DecodeError),
    /// A statement that does not decode.
    #[error(transparent)]
    Statement(#[from] StatementError),
}

impl ExecuteInput {
    /// The envelope id at the front of `bytes`.
    pub fn envelope_id(bytes: &[u8]) -> Result<u16, InputError> {
        match bytes {
            [a, b, ..] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(InputError::Empty(bytes.len())),
        }
    }

    /// Decodes an input of any form. Sizes are capped before allocation by the decoders.
    pub fn decode(bytes: &[u8]) -> Result<Self, InputError> {
        Ok(match Self::envelope_id(bytes)? {
            RANGE_ID => Self::Range(
                StatelessRangeInput::decode(&bytes[2..]).map_err(InputError::Stateless)?,
            ),
            PROOF_ID => {
                Self::Proof(ProofInput::from_ssz_bytes(&bytes[2..]).map_err(InputError::Ssz)?)
            }
            _ => Self::Single(Box::new(
                StatelessInput::decode(bytes).map_err(InputError::Stateless)?,
            )),
        })
    }

    /// Encodes the input with its envelope id.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Single(i) => i.encode(),
            Self::Range(r) => [&RANGE_ID.to_be_bytes()[..], &r.encode()].concat(),
            Self::Proof(p) => [&PROOF_ID.to_be_bytes()[..], &p.to_ssz()].concat(),
        }
    }
}
