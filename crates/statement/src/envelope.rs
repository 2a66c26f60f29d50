//! EXECUTE's input: what the first two bytes say, and the proof-mode containers.
//!
//! ```text
//! input   = schema_id (u16 BE, a known fork) ++ SSZ StatelessInput          single block, re-execution
//!         | 0xFF01 ++ schema_id ++ SSZ StatelessRangeInput                     range, re-execution
//!         | 0xFF02 ++ SSZ ProofInput                                           proof mode
//!         | 0xFF03 ++ SSZ DependencyInput                                      proof dependencies
//! ```
//!
//! The single-block form is byte for byte the execution-specs / ethrex encoding, so their
//! vectors run here unchanged. Schema ids are `(fork_index << 8) | revision`; fork index
//! `0xFF` will never name a fork, so the three extended forms cannot collide with one.
//!
//! ```text
//! ProofInput    { statement: List[u8, 65536],                      the exact SP1 public values
//!                 blob_openings: List[BlobOpening, 16],            one per statement blob
//!                 proofs: List[ProofEntry, 8] }
//! BlobOpening   { commitment: Bytes48, proof: Bytes48 }            KZG opening at (z, y)
//! ProofEntry    { backend: u8, program_vkey: Bytes32, proof: List[u8, 4096] }
//! ```
//!
//! Proof dependencies (EIP-8288's direction): the proofs do not travel in the call but beside
//! the transaction, in its [`ProofSidecar`], which the L1 node verifies outside the EVM at
//! pool admission and at block import. The input names the statement and the programs
//! whose verified proofs of it the transaction must carry:
//!
//! ```text
//! DependencyInput { statement: List[u8, 65536],
//!                   blob_openings: List[BlobOpening, 16],
//!                   programs: List[Bytes32, 8] }               program vkeys (vk.bytes32())
//! ProofSidecar    { proofs: List[SidecarProof, 4] }            beside the transaction
//! SidecarProof    { program: Bytes32,                          vk.bytes32() of the program
//!                   statement: List[u8, 65536],                the proof's public values
//!                   proof: List[u8, 2^21] }                    SP1 compressed proof (bincode)
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
/// Largest statement: room for the largest one the program commits (a range of
/// `MAX_RANGE_BLOCKS` blocks with their summaries, 53,263 bytes of output, and 16 blob
/// evaluations).
pub const MAX_STATEMENT_BYTES: usize = 1 << 16;
/// Envelope id of proof-dependency mode.
pub const DEPENDENCY_ID: u16 = 0xFF03;
/// Most proofs in one transaction's sidecar.
pub const MAX_SIDECAR_PROOFS: usize = 4;
/// Largest sidecar proof: an SP1 v6 compressed proof is about 1.3 MB.
pub const MAX_SIDECAR_PROOF_BYTES: usize = 1 << 21;
/// Largest sidecar in bytes, checked before it is decoded.
pub const MAX_SIDECAR_BYTES: usize =
    MAX_SIDECAR_PROOFS * (MAX_SIDECAR_PROOF_BYTES + MAX_STATEMENT_BYTES + 48) + 4;

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

/// Proof-dependency mode's input: the statement, its blob openings, and the programs whose
/// proofs of it the calling transaction's sidecar must hold.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct DependencyInput {
    /// The statement the proofs claim: exactly the programs' public values.
    pub statement: SszList<u8, MAX_STATEMENT_BYTES>,
    /// Openings for the statement's blob evaluations, in the same order.
    pub blob_openings: SszList<BlobOpening, MAX_BLOB_BINDINGS>,
    /// The programs (`vk.bytes32()`) whose verified proofs the transaction carries.
    pub programs: SszList<[u8; 32], MAX_PROOFS>,
}

/// One proof beside a transaction: which program, what it proves, the proof.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct SidecarProof {
    /// The program's `vk.bytes32()`, the key the L1's registry names it by.
    pub program: [u8; 32],
    /// The statement proven: the program's public values.
    pub statement: SszList<u8, MAX_STATEMENT_BYTES>,
    /// The SP1 compressed proof (`bincode` of SP1's `SP1Proof::Compressed`).
    pub proof: SszList<u8, MAX_SIDECAR_PROOF_BYTES>,
}

/// The proofs a transaction carries in its network form, verified by the node outside the
/// EVM and stored with the block, as blob sidecars are.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct ProofSidecar {
    /// The proofs, at most [`MAX_SIDECAR_PROOFS`].
    pub proofs: SszList<SidecarProof, MAX_SIDECAR_PROOFS>,
}

impl ProofSidecar {
    /// Decodes a sidecar, refusing one over [`MAX_SIDECAR_BYTES`] before reading it.
    pub fn decode(bytes: &[u8]) -> Result<Self, InputError> {
        if bytes.len() > MAX_SIDECAR_BYTES {
            return Err(InputError::Oversized(bytes.len(), MAX_SIDECAR_BYTES));
        }
        Self::from_ssz_bytes(bytes).map_err(InputError::Ssz)
    }

    /// The SSZ encoding.
    pub fn encode(&self) -> Vec<u8> {
        self.to_ssz()
    }
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
    /// A statement whose proofs travel beside the transaction.
    Dependency(DependencyInput),
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
    /// Larger than its cap.
    #[error("{0} bytes exceed the cap of {1}")]
    Oversized(usize, usize),
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
            DEPENDENCY_ID => Self::Dependency(
                DependencyInput::from_ssz_bytes(&bytes[2..]).map_err(InputError::Ssz)?,
            ),
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
            Self::Dependency(d) => [&DEPENDENCY_ID.to_be_bytes()[..], &d.to_ssz()].concat(),
        }
    }
}
