//! SP1 compressed (STARK) proofs, verified natively with `sp1-verifier`: what the L1 node
//! checks on a transaction's proof sidecar, outside the EVM (EXECUTE then only looks the
//! verified statement up).
//!
//! A program is named two ways by SP1: `vk.bytes32()` (a BN254 hash of its verifying key, the
//! name the SNARK wrappers and this L1's registry use) and `vk.hash_koalabear()` (eight
//! KoalaBear elements, the name a compressed proof commits to). The registry holds both for
//! a program it accepts as a dependency; here the second is 32 bytes, the eight canonical
//! elements as big-endian `u32`s (SP1's `vk.hash_u32()`).

use bincode::Options;
use slop_algebra::{AbstractField, PrimeField32};
use sp1_primitives::SP1Field;
use sp1_verifier::{SP1Proof, compressed::SP1CompressedVerifier};
use std::sync::OnceLock;

/// Why a compressed proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StarkError {
    /// The bytes are not a bincode `SP1Proof`.
    #[error("proof does not decode: {0}")]
    Decode(String),
    /// Another kind of SP1 proof (core, Groth16, Plonk).
    #[error("not a compressed proof ({0})")]
    NotCompressed(String),
    /// A program key whose elements are not canonical KoalaBear elements.
    #[error("program STARK key is not eight canonical KoalaBear elements")]
    NonCanonicalKey,
    /// The verifier rejected the proof (bad proof, another program, other public values).
    #[error("proof rejected: {0}")]
    Rejected(String),
}

/// The eight field elements a 32-byte program STARK key stands for, if canonical.
pub fn key_elements(key: &[u8; 32]) -> Option<[SP1Field; 8]> {
    let mut out = [SP1Field::zero(); 8];
    for (i, chunk) in key.chunks_exact(4).enumerate() {
        let v = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
        if v >= SP1Field::ORDER_U32 {
            return None;
        }
        out[i] = SP1Field::from_canonical_u32(v);
    }
    Some(out)
}

/// The program STARK key a compressed proof commits to (its `sp1_vk_digest`), without
/// verifying it: for tools that label a proof, never for a decision.
pub fn committed_key(proof: &[u8]) -> Result<[u8; 32], StarkError> {
    use core::borrow::Borrow;
    let SP1Proof::Compressed(p) = decode(proof)? else {
        return Err(StarkError::NotCompressed("not compressed".into()));
    };
    let values: &sp1_recursion_executor::RecursionPublicValues<SP1Field> =
        p.proof.public_values.as_slice().borrow();
    let mut key = [0u8; 32];
    for (i, e) in values.sp1_vk_digest.iter().enumerate() {
        key[4 * i..4 * i + 4].copy_from_slice(&e.as_canonical_u32().to_be_bytes());
    }
    Ok(key)
}

fn decode(proof: &[u8]) -> Result<SP1Proof, StarkError> {
    // SP1's own encoding (bincode 1, fixed-width integers), bounded by the input's length so
    // that no length prefix makes it allocate more than the bytes could hold. SP1's field
    // types assert that an element is canonical while deserializing when debug assertions are
    // on (found by fuzzing the proof sidecar): such bytes are a malformed proof, not a reason
    // to take the node down.
    std::panic::catch_unwind(|| {
        bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .with_limit(proof.len() as u64)
            .deserialize(proof)
    })
    .map_err(|_| StarkError::Decode("a field element is not canonical".into()))?
    .map_err(|e| StarkError::Decode(e.to_string()))
}

/// The compressed-proof verifier: the recursion machine and SP1's recursion key root, built
/// once.
fn verifier() -> &'static SP1CompressedVerifier {
    static VERIFIER: OnceLock<SP1CompressedVerifier> = OnceLock::new();
    VERIFIER.get_or_init(SP1CompressedVerifier::new)
}

/// Verifies an SP1 v6 compressed proof that the program with STARK key `key` ran to exit
/// code 0 and committed exactly `public_values`.
pub fn verify_compressed(
    key: &[u8; 32],
    public_values: &[u8],
    proof: &[u8],
) -> Result<(), StarkError> {
    let elements = key_elements(key).ok_or(StarkError::NonCanonicalKey)?;
    let proof = match decode(proof)? {
        SP1Proof::Compressed(p) => p,
        other => return Err(StarkError::NotCompressed(other.to_string())),
    };
    // A verifier bug on hostile bytes must refuse the proof, not take the node down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        verifier().verify_compressed_with_public_values(&proof, public_values, &elements)
    }))
    .map_err(|_| StarkError::Rejected("the verifier panicked".into()))?
    .map_err(|e| StarkError::Rejected(e.to_string()))
}
