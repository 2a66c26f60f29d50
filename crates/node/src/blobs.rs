//! Blob sidecars on the L1 devnet: checked with c-kzg when a blob transaction enters the
//! pool (EIP-4844 blob proofs before Osaka, EIP-7594 cell proofs from Osaka on, as reth
//! and geth require), then kept per versioned hash so that a rollup node can read its
//! batch data back (`engine_getBlobsV1` / `engine_getBlobsV2` shapes).

use alloy_eips::{
    eip4844::{BYTES_PER_BLOB, Blob, BlobAndProofV1, BlobAndProofV2, Bytes48},
    eip7594::{BlobTransactionSidecarVariant, CELLS_PER_EXT_BLOB},
};
use alloy_primitives::B256;

/// Why a sidecar was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// An EIP-4844 sidecar after Osaka, or a cell-proof sidecar before it.
    #[error("blob sidecar version {got} is not accepted at this fork (expected {expected})")]
    WrongVersion {
        /// The sidecar's kind.
        got: &'static str,
        /// What the fork takes.
        expected: &'static str,
    },
    /// Commitments, proofs or versioned hashes do not match the blobs.
    #[error("invalid blob sidecar: {0}")]
    Invalid(String),
}

const BLOB_PROOFS: &str = "EIP-4844 (blob proofs)";
const CELL_PROOFS: &str = "EIP-7594 (cell proofs)";

/// Checks a sidecar against the transaction's versioned hashes: the right kind for the
/// fork, every commitment hashing to its versioned hash, every KZG proof verifying.
pub fn validate_sidecar(
    sidecar: &BlobTransactionSidecarVariant,
    versioned_hashes: &[B256],
    osaka: bool,
) -> Result<(), BlobError> {
    let cells = matches!(sidecar, BlobTransactionSidecarVariant::Eip7594(_));
    if cells != osaka {
        let name = |cells| if cells { CELL_PROOFS } else { BLOB_PROOFS };
        return Err(BlobError::WrongVersion {
            got: name(cells),
            expected: name(osaka),
        });
    }
    sidecar
        .validate(versioned_hashes, c_kzg::ethereum_kzg_settings(0))
        .map_err(|e| BlobError::Invalid(e.to_string()))
}

/// A stored blob with its proof(s), as the engine API's `getBlobs` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredBlob {
    /// EIP-4844: one blob proof.
    V1(BlobAndProofV1),
    /// EIP-7594: one proof per cell of the extended blob.
    V2(BlobAndProofV2),
}

/// The sidecar's blobs keyed by versioned hash, each in its stored encoding
/// (`version byte ++ blob ++ proofs`).
pub fn records(sidecar: &BlobTransactionSidecarVariant) -> Vec<(B256, Vec<u8>)> {
    let encode = |version: u8, blob: &Blob, proofs: &[Bytes48]| {
        let mut out = Vec::with_capacity(1 + BYTES_PER_BLOB + 48 * proofs.len());
        out.push(version);
        out.extend_from_slice(blob.as_slice());
        proofs
            .iter()
            .for_each(|p| out.extend_from_slice(p.as_slice()));
        out
    };
    let hashes = sidecar.versioned_hashes();
    match sidecar {
        BlobTransactionSidecarVariant::Eip4844(s) => hashes
            .zip(s.blobs.iter().zip(&s.proofs))
            .map(|(h, (blob, proof))| (h, encode(1, blob, std::slice::from_ref(proof))))
            .collect(),
        BlobTransactionSidecarVariant::Eip7594(s) => hashes
            .zip(s.blobs.iter().zip(s.cell_proofs.chunks(CELLS_PER_EXT_BLOB)))
            .map(|(h, (blob, proofs))| (h, encode(2, blob, proofs)))
            .collect(),
    }
}

/// Decodes a record written by [`records`].
pub fn decode_record(bytes: &[u8]) -> Option<StoredBlob> {
    let (&version, rest) = bytes.split_first()?;
    let blob = Box::new(Blob::try_from(rest.get(..BYTES_PER_BLOB)?).ok()?);
    let proofs: Vec<Bytes48> = rest[BYTES_PER_BLOB..]
        .chunks_exact(48)
        .map(Bytes48::from_slice)
        .collect();
    match (version, proofs.len()) {
        (1, 1) => Some(StoredBlob::V1(BlobAndProofV1 {
            blob,
            proof: proofs[0],
        })),
        (2, CELLS_PER_EXT_BLOB) => Some(StoredBlob::V2(BlobAndProofV2 { blob, proofs })),
        _ => None,
    }
}
