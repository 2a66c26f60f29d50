//! Proof sidecars: the proofs a settlement transaction carries beside it (its network form),
//! verified by the L1 node outside the EVM, at pool admission and again at block import.
//! What survives verification is a set of (program, statement hash) pairs per transaction
//! ([`TxProofs`]); EXECUTE's proof-dependency mode only looks its statement up there.
//!
//! Caps come before any work: the sidecar's byte length, then its count and each proof's
//! size (SSZ list bounds), then every program must be one the registry accepts as a
//! dependency, once. Only then is any proof verified.

use crate::{
    ProgramRegistry,
    stark::{StarkError, verify_compressed},
};
use alloy_primitives::Address;
use nr_statement::{InputError, ProofSidecar};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Why a sidecar was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SidecarError {
    /// Over a cap, or not SSZ.
    #[error("proof sidecar: {0}")]
    Input(#[from] InputError),
    /// A sidecar with no proof.
    #[error("proof sidecar holds no proof")]
    Empty,
    /// A program the L1 does not accept as a proof dependency.
    #[error("proof {index}: program {program} is not accepted as a proof dependency")]
    UnknownProgram {
        /// Which proof.
        index: usize,
        /// Its program (`vk.bytes32()`).
        program: alloy_primitives::B256,
    },
    /// The same program and statement twice.
    #[error("proof {0} repeats a program's proof of the same statement")]
    Duplicate(usize),
    /// A proof that does not verify.
    #[error("proof {index}: {error}")]
    Proof {
        /// Which proof.
        index: usize,
        /// Why.
        error: StarkError,
    },
}

/// The verified proofs of one transaction: which program proved which statement
/// (SHA-256 of the statement bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxProofs(BTreeSet<([u8; 32], [u8; 32])>);

impl TxProofs {
    /// Whether `program` proved the statement hashing to `statement_hash`.
    pub fn proves(&self, program: &[u8; 32], statement_hash: &[u8; 32]) -> bool {
        self.0.contains(&(*program, *statement_hash))
    }

    /// How many verified proofs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No verified proof.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The verified proofs of a block's transactions, by (sender, nonce), which names one
/// transaction of a chain and is what an EVM sees of the transaction it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockProofs(BTreeMap<(Address, u64), TxProofs>);

impl BlockProofs {
    /// No transaction carries proofs.
    pub fn none() -> Self {
        Self::default()
    }

    /// Records the verified proofs of the transaction `sender` signed with `nonce`.
    pub fn insert(&mut self, sender: Address, nonce: u64, proofs: TxProofs) {
        if !proofs.is_empty() {
            self.0.insert((sender, nonce), proofs);
        }
    }

    /// The verified proofs of the transaction `sender` signed with `nonce` (empty if none).
    pub fn of(&self, sender: Address, nonce: u64) -> Option<&TxProofs> {
        self.0.get(&(sender, nonce))
    }

    /// No transaction carries proofs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// SHA-256 of a statement: how the verified set names it.
pub fn statement_hash(statement: &[u8]) -> [u8; 32] {
    Sha256::digest(statement).into()
}

/// Decodes and verifies a sidecar against the programs `registry` accepts as proof
/// dependencies. Every proof must verify; the result is what EXECUTE may look up.
pub fn verify_sidecar(registry: &ProgramRegistry, bytes: &[u8]) -> Result<TxProofs, SidecarError> {
    verify_decoded_sidecar(registry, &ProofSidecar::decode(bytes)?)
}

/// [`verify_sidecar`] for a sidecar already decoded (within its caps).
pub fn verify_decoded_sidecar(
    registry: &ProgramRegistry,
    sidecar: &ProofSidecar,
) -> Result<TxProofs, SidecarError> {
    if sidecar.proofs.is_empty() {
        return Err(SidecarError::Empty);
    }
    let mut keys = Vec::with_capacity(sidecar.proofs.len());
    let mut seen = BTreeSet::new();
    for (index, p) in sidecar.proofs.iter().enumerate() {
        let key = registry
            .stark_key(&p.program)
            .ok_or(SidecarError::UnknownProgram {
                index,
                program: p.program.into(),
            })?;
        if !seen.insert((p.program, statement_hash(&p.statement))) {
            return Err(SidecarError::Duplicate(index));
        }
        keys.push(key);
    }
    for (index, (p, key)) in sidecar.proofs.iter().zip(keys).enumerate() {
        verify_compressed(&key, &p.statement, &p.proof)
            .map_err(|error| SidecarError::Proof { index, error })?;
    }
    Ok(TxProofs(seen))
}
