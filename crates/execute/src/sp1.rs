//! What SP1 v6 puts around a gnark proof, common to its Groth16 and Plonk wrappers.
//!
//! An SP1 proof is `selector (4) ++ exit_code (32) ++ vk_root (32) ++ nonce (32) ++ gnark
//! proof`. The selector is the first four bytes of SHA-256 of the wrapper circuit's gnark
//! verifying key; the circuit's public inputs are `[program_vkey, digest(public_values),
//! exit_code, vk_root, nonce]`, where the digest is SHA-256 (or, as SP1 also allows,
//! BLAKE3) of the public values with the top three bits cleared ([`ValuesDigest`]).

use crate::{ProofError, bn254::fr_canonical};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use sha2::{Digest, Sha256};

/// Length of the SP1 header before the gnark proof: selector, exit code, vk root, nonce.
pub const HEADER_BYTES: usize = 4 + 32 * 3;
/// Public inputs of SP1's wrapper circuits.
pub const PUBLIC_INPUTS: usize = 5;

/// The selector of a gnark verifying key: what SP1 prefixes every proof with.
pub fn selector(gnark_key: &[u8]) -> [u8; 4] {
    Sha256::digest(gnark_key)[..4].try_into().expect("4")
}

/// An SP1 proof whose header matched the key: the scalars it fixes and the gnark proof.
pub struct Envelope<'a> {
    /// The program's verifying-key hash, as a scalar.
    pub program_vkey: Fr,
    /// The proof's nonce, as a scalar.
    pub nonce: Fr,
    /// The gnark proof after the header, exactly `body_len` bytes.
    pub body: &'a [u8],
}

/// Checks an SP1 proof's length and header against the key's `selector` and `vk_root` and
/// exit code 0, and reads its scalars. Every scalar must be canonical (below r).
pub fn open<'a>(
    proof: &'a [u8],
    body_len: usize,
    selector: &[u8; 4],
    vk_root: &[u8; 32],
    program_vkey: &[u8; 32],
) -> Result<Envelope<'a>, ProofError> {
    if proof.len() != HEADER_BYTES + body_len {
        return Err(ProofError::Length(proof.len()));
    }
    if proof[..4] != *selector {
        return Err(ProofError::Selector);
    }
    let word = |i: usize| -> &[u8; 32] { proof[4 + 32 * i..36 + 32 * i].try_into().expect("32") };
    if word(1) != vk_root {
        return Err(ProofError::VkRoot);
    }
    if *word(0) != [0; 32] {
        return Err(ProofError::ExitCode);
    }
    Ok(Envelope {
        program_vkey: fr_canonical(program_vkey).ok_or(ProofError::NonCanonical("program vkey"))?,
        nonce: fr_canonical(word(2)).ok_or(ProofError::NonCanonical("nonce"))?,
        body: &proof[HEADER_BYTES..],
    })
}

/// How a program hashes its public values into the wrapper circuit's digest input. SP1's
/// wrappers accept either; which one a program uses is fixed when it is written
/// (`sp1_zkvm` commits with SHA-256 unless built for BLAKE3), so the registry records it
/// per program and one pairing check decides a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValuesDigest {
    /// SHA-256 of the public values (SP1's default).
    Sha256,
    /// BLAKE3 of the public values.
    Blake3,
}

impl ValuesDigest {
    /// Both, in the order `sp1-verifier` tries them.
    pub const ALL: [Self; 2] = [Self::Sha256, Self::Blake3];

    /// The name chain specifications use (`sha256`, `blake3`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Blake3 => "blake3",
        }
    }

    /// The digest scalar of `public_values`: the 256-bit hash with its top three bits
    /// cleared so that it fits the 254-bit scalar field.
    pub fn scalar(self, public_values: &[u8]) -> Fr {
        let mut hash: [u8; 32] = match self {
            Self::Sha256 => Sha256::digest(public_values).into(),
            Self::Blake3 => *blake3::hash(public_values).as_bytes(),
        };
        hash[0] &= 0x1f;
        Fr::from_be_bytes_mod_order(&hash)
    }
}

impl core::str::FromStr for ValuesDigest {
    type Err = String;

    /// `sha256` or `blake3`, as chain specifications name them.
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown public-values digest {s:?} (sha256 or blake3)"))
    }
}
