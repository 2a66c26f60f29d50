//! Binding a proven statement to the blobs of the settling transaction.
//!
//! In proof mode the L2 blocks' data never reaches the L1 EVM: it travels in blobs, and
//! the EVM sees only their versioned hashes. The zk program, which has the data, derives a
//! Fiat-Shamir point `z = H(commitment, data)` and commits `(versioned_hash, z, y)` with
//! `y = p(z)`, `p` the polynomial of the blob it reconstructs from the data. EXECUTE then
//! checks, for each such triple, the point-evaluation statement of EIP-4844: the caller's
//! transaction carries `versioned_hash`, the supplied commitment hashes to it, and a KZG
//! opening proves `p(z) = y` for that commitment (c-kzg, Ethereum's trusted setup). Two
//! different polynomials agree at a random point with probability at most 4096 / r, so the
//! proven data is the blob's data (the technique of EIP-4844 point evaluation as used by
//! rollups that prove over blob data).

use alloy_primitives::B256;
use nr_statement::{BlobEvaluation, BlobOpening};

pub use nr_statement::VERSIONED_HASH_VERSION_KZG;

/// Why a blob binding does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// A proof-mode statement must bind at least one blob, with one opening each.
    #[error("statement binds {evaluations} blobs, {openings} openings given")]
    Count {
        /// Evaluations in the statement.
        evaluations: usize,
        /// Openings in the input.
        openings: usize,
    },
    /// The versioned hash is not among the calling transaction's blob hashes.
    #[error("blob {0} is not carried by this transaction")]
    NotInTransaction(B256),
    /// The commitment does not hash to the versioned hash.
    #[error("commitment of blob {0} does not match its versioned hash")]
    CommitmentMismatch(B256),
    /// The KZG opening does not verify (or a point or scalar is malformed).
    #[error("KZG opening of blob {0} does not verify")]
    Opening(B256),
}

/// `0x01 ++ sha256(commitment)[1..]` (EIP-4844).
pub fn kzg_to_versioned_hash(commitment: &[u8; 48]) -> B256 {
    B256::from(nr_statement::kzg_to_versioned_hash(commitment))
}

/// Checks every evaluation against its opening and the transaction's blob hashes.
pub fn check_blob_bindings(
    evaluations: &[BlobEvaluation],
    openings: &[BlobOpening],
    tx_blob_hashes: &[B256],
) -> Result<(), BlobError> {
    if evaluations.is_empty() || evaluations.len() != openings.len() {
        return Err(BlobError::Count {
            evaluations: evaluations.len(),
            openings: openings.len(),
        });
    }
    let settings = c_kzg::ethereum_kzg_settings(0);
    for (e, o) in evaluations.iter().zip(openings) {
        let hash = B256::from(e.versioned_hash);
        if !tx_blob_hashes.contains(&hash) {
            return Err(BlobError::NotInTransaction(hash));
        }
        if kzg_to_versioned_hash(&o.commitment) != hash {
            return Err(BlobError::CommitmentMismatch(hash));
        }
        let ok = settings.verify_kzg_proof(
            &c_kzg::Bytes48::new(o.commitment),
            &c_kzg::Bytes32::new(e.z),
            &c_kzg::Bytes32::new(e.y),
            &c_kzg::Bytes48::new(o.proof),
        );
        if !matches!(ok, Ok(true)) {
            return Err(BlobError::Opening(hash));
        }
    }
    Ok(())
}
