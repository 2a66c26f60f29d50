//! The blobs an L2 batch travels in: what the batcher posts and what EXECUTE opens.

use c_kzg::{Blob, Bytes32, KzgSettings};
use nr_statement::{BlobEvaluation, BlobOpening, blob_chunks, kzg::blob_bytes};

/// A batch's blobs and their KZG commitments (Ethereum's trusted setup, via c-kzg).
pub struct BlobSet {
    /// The blobs, 131072 bytes each.
    pub blobs: Vec<Blob>,
    /// One commitment per blob.
    pub commitments: Vec<[u8; 48]>,
}

fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

impl BlobSet {
    /// Packs batch data into blobs and commits to each.
    pub fn from_data(data: &[u8]) -> Result<Self, c_kzg::Error> {
        let blobs = blob_chunks(data)
            .map(|chunk| Blob::from_bytes(&blob_bytes(chunk)))
            .collect::<Result<Vec<_>, _>>()?;
        let commitments = blobs
            .iter()
            .map(|b| {
                Ok(settings()
                    .blob_to_kzg_commitment(b)?
                    .to_bytes()
                    .into_inner())
            })
            .collect::<Result<Vec<_>, c_kzg::Error>>()?;
        Ok(Self { blobs, commitments })
    }

    /// The KZG proof opening each blob at its statement evaluation's point, in order, as
    /// EXECUTE's proof mode takes them. Fails if a blob's value at `z` is not the
    /// statement's `y`.
    pub fn openings(
        &self,
        evaluations: &[BlobEvaluation],
    ) -> Result<Vec<BlobOpening>, OpeningError> {
        if evaluations.len() != self.blobs.len() {
            return Err(OpeningError::Count(evaluations.len(), self.blobs.len()));
        }
        self.blobs
            .iter()
            .zip(&self.commitments)
            .zip(evaluations)
            .enumerate()
            .map(|(index, ((blob, commitment), e))| {
                let (proof, y) = settings().compute_kzg_proof(blob, &Bytes32::new(e.z))?;
                if y.as_slice() != e.y {
                    return Err(OpeningError::Value(index));
                }
                Ok(BlobOpening {
                    commitment: *commitment,
                    proof: proof.to_bytes().into_inner(),
                })
            })
            .collect()
    }
}

/// Why blob openings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OpeningError {
    /// The statement binds another number of blobs.
    #[error("statement binds {0} blobs, the batch has {1}")]
    Count(usize, usize),
    /// The blob's value at `z` is not the statement's.
    #[error("blob {0} does not evaluate to the statement's y")]
    Value(usize),
    /// c-kzg refused.
    #[error("KZG: {0:?}")]
    Kzg(c_kzg::Error),
}

impl From<c_kzg::Error> for OpeningError {
    fn from(e: c_kzg::Error) -> Self {
        Self::Kzg(e)
    }
}
