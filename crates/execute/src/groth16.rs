//! SP1 v6 Groth16 proofs (gnark, BN254), verified with arkworks against a key prepared once.
//!
//! The gnark proof after SP1's header ([`crate::sp1`]) is `A (G1, 64) ++ B (G2, 128) ++
//! C (G1, 64)`, points uncompressed and big-endian as gnark writes them (G2 as `x.c1, x.c0,
//! y.c1, y.c0`). This is the check `sp1-verifier` makes, on arkworks' pairing instead of the
//! zkVM-oriented one, and stricter in one place: every field element must be canonical
//! (`sp1-verifier` reduces the nonce and program key modulo r, so `nonce + r` would verify
//! too). Points must be on the curve and in the prime-order subgroup: A and C before any
//! pairing, B by the Miller loop that walks it, before the final exponentiation.

use crate::{
    ProofError,
    bn254::{
        fr_canonical, g1_uncompressed, g2_uncompressed_on_twist, gnark_g1_compressed,
        gnark_g2_compressed,
    },
    pairing::{FixedLines, NotInG2, pairing_product_is},
    sp1::{self, PUBLIC_INPUTS, ValuesDigest},
};
use ark_bn254::{Bn254, Fq12, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
use ark_ff::{BigInteger, PrimeField, Zero};

/// Length of a gnark Groth16 proof over BN254 (A, B, C uncompressed).
pub const GNARK_PROOF_BYTES: usize = 256;

/// A gnark Groth16 verifying key, checked and prepared for pairing once.
#[derive(Clone, Debug)]
pub struct Groth16Key {
    /// First four bytes of SHA-256 of the gnark key bytes: SP1 prefixes every proof with it.
    pub selector: [u8; 4],
    /// The SP1 recursion verifying-key root the proofs must carry.
    pub vk_root: [u8; 32],
    alpha_beta: Fq12,
    gamma_neg: FixedLines,
    delta_neg: FixedLines,
    ic: Vec<G1Affine>,
    /// The part of `L` every SP1 proof shares: `K0 + vk_root·K4` (the exit code is 0).
    sp1_base: G1Projective,
    /// Fixed-base tables of the three points whose scalars vary per proof: `K1` (program
    /// vkey), `K2` (public-values digest), `K5` (nonce).
    tables: [FixedBase; 3],
}

/// `j · 256^i · P` for every byte position `i` and byte value `j ≥ 1`: a scalar
/// multiple of `P` is then one mixed addition per scalar byte (32), instead of a
/// double-and-add over 254 bits. 32 × 255 affine points, about 0.5 MB per base.
#[derive(Clone)]
struct FixedBase(Vec<G1Affine>);

impl core::fmt::Debug for FixedBase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FixedBase({} points)", self.0.len())
    }
}

impl FixedBase {
    fn new(point: G1Affine) -> Self {
        let mut table = Vec::with_capacity(32 * 255);
        let mut base = point.into_group();
        for _ in 0..32 {
            let mut multiple = base;
            for _ in 1..256 {
                table.push(multiple);
                multiple += base;
            }
            base = multiple;
        }
        Self(G1Projective::normalize_batch(&table))
    }

    /// `scalar · P`.
    fn mul(&self, scalar: &ark_bn254::Fr) -> G1Projective {
        let bytes = scalar.into_bigint().to_bytes_le();
        let mut acc = G1Projective::zero();
        for (i, &b) in bytes.iter().enumerate() {
            if b != 0 {
                acc += self.0[i * 255 + b as usize - 1];
            }
        }
        acc
    }
}

/// Why a verifying key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Too short or inconsistent lengths.
    #[error("verifying key bytes are truncated")]
    Truncated,
    /// A point that does not decompress, is off the curve or outside the subgroup.
    #[error("verifying key point {0} is invalid")]
    InvalidPoint(&'static str),
    /// The key has a different number of public inputs than the circuit it is for.
    #[error("verifying key has {0} public inputs, expected {1}")]
    PublicInputs(usize, usize),
    /// A scalar of the key is not below the scalar field modulus.
    #[error("verifying key scalar {0} is not canonical")]
    InvalidScalar(&'static str),
    /// A PLONK key with no BSB22 commitment, more than we bound, or mismatched counts.
    #[error("verifying key has an unsupported number of commitments ({0})")]
    Commitments(usize),
    /// Bytes after the key.
    #[error("{0} bytes after the verifying key")]
    Trailing(usize),
    /// A PLONK key whose domain size, inverse and generator do not agree.
    #[error("verifying key domain is inconsistent")]
    Domain,
    /// The recursion root is not below the scalar field modulus.
    #[error("vk root is not a canonical scalar")]
    NonCanonicalRoot,
}

impl Groth16Key {
    /// Parses gnark's binary verifying key (compressed points: `alpha_g1, beta_g1, beta_g2,
    /// gamma_g2, delta_g1, delta_g2, len(K) (u32 BE), K...`), checks every point, and
    /// prepares the pairing constants. `vk_root` is the SP1 recursion root proofs must name.
    pub fn from_gnark_bytes(bytes: &[u8], vk_root: [u8; 32]) -> Result<Self, KeyError> {
        let at = |range: core::ops::Range<usize>| bytes.get(range).ok_or(KeyError::Truncated);
        let g1 = |offset: usize, name| {
            gnark_g1_compressed(at(offset..offset + 32)?.try_into().expect("32"))
                .ok_or(KeyError::InvalidPoint(name))
        };
        let g2 = |offset: usize, name| {
            gnark_g2_compressed(at(offset..offset + 64)?.try_into().expect("64"))
                .ok_or(KeyError::InvalidPoint(name))
        };
        let alpha = g1(0, "alpha")?;
        let beta = g2(64, "beta")?;
        let gamma = g2(128, "gamma")?;
        let delta = g2(224, "delta")?;
        let n = u32::from_be_bytes(at(288..292)?.try_into().expect("4")) as usize;
        if n != PUBLIC_INPUTS + 1 {
            return Err(KeyError::PublicInputs(n.saturating_sub(1), PUBLIC_INPUTS));
        }
        let ic = (0..n)
            .map(|i| g1(292 + 32 * i, "K"))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_points(sp1::selector(bytes), vk_root, alpha, beta, gamma, delta, ic)
    }

    /// A key from its points (already on the curve and in the subgroup), e.g. one generated
    /// for tests. `ic` must hold one point per SP1 public input plus one.
    pub fn from_points(
        selector: [u8; 4],
        vk_root: [u8; 32],
        alpha: G1Affine,
        beta: G2Affine,
        gamma: G2Affine,
        delta: G2Affine,
        ic: Vec<G1Affine>,
    ) -> Result<Self, KeyError> {
        if ic.len() != PUBLIC_INPUTS + 1 {
            return Err(KeyError::PublicInputs(
                ic.len().saturating_sub(1),
                PUBLIC_INPUTS,
            ));
        }
        let root = fr_canonical(&vk_root).ok_or(KeyError::NonCanonicalRoot)?;
        Ok(Self {
            selector,
            vk_root,
            alpha_beta: Bn254::pairing(alpha, beta).0,
            gamma_neg: FixedLines::new(-gamma).ok_or(KeyError::InvalidPoint("gamma"))?,
            delta_neg: FixedLines::new(-delta).ok_or(KeyError::InvalidPoint("delta"))?,
            sp1_base: ic[0] + ic[4] * root,
            tables: [
                FixedBase::new(ic[1]),
                FixedBase::new(ic[2]),
                FixedBase::new(ic[5]),
            ],
            ic,
        })
    }

    /// Verifies an SP1 Groth16 proof that the program `program_vkey` committed exactly
    /// `public_values` (hashed with `digest`), exiting with code 0: one pairing check.
    pub fn verify_sp1(
        &self,
        proof: &[u8],
        program_vkey: &[u8; 32],
        public_values: &[u8],
        digest: ValuesDigest,
    ) -> Result<(), ProofError> {
        let sp1 = sp1::open(
            proof,
            GNARK_PROOF_BYTES,
            &self.selector,
            &self.vk_root,
            program_vkey,
        )?;
        let gnark = parse_gnark_proof(sp1.body.try_into().expect("256"))?;
        // Inputs [vkey, digest, exit code = 0, vk root, nonce]; K0 + root·K4 is precomputed,
        // the other three come from fixed-base tables.
        let [vkey, digest_base, nonce] = &self.tables;
        let l = self.sp1_base
            + vkey.mul(&sp1.program_vkey)
            + digest_base.mul(&digest.scalar(public_values))
            + nonce.mul(&sp1.nonce);
        self.check(&gnark, l)
    }

    /// Verifies a bare gnark proof (256 bytes) against explicit public inputs, each 32
    /// bytes big-endian and canonical.
    pub fn verify_gnark(&self, proof: &[u8], inputs: &[[u8; 32]]) -> Result<(), ProofError> {
        let proof: &[u8; GNARK_PROOF_BYTES] = proof
            .try_into()
            .map_err(|_| ProofError::Length(proof.len()))?;
        let gnark = parse_gnark_proof(proof)?;
        let inputs = inputs
            .iter()
            .map(|b| fr_canonical(b).ok_or(ProofError::NonCanonical("public input")))
            .collect::<Result<Vec<_>, _>>()?;
        if inputs.len() + 1 != self.ic.len() {
            return Err(ProofError::Length(inputs.len()));
        }
        let l = inputs
            .iter()
            .zip(&self.ic[1..])
            .fold(self.ic[0].into_group(), |l, (x, k)| {
                l + k.mul_bigint(x.into_bigint())
            });
        self.check(&gnark, l)
    }

    /// `e(A, B) · e(L, -γ) · e(C, -δ) == e(α, β)`, `L = K0 + Σ xᵢ·Kᵢ` over the public inputs.
    /// With `γ` and `δ` fixed by the key, on their normalised lines ([`crate::pairing`]),
    /// which also tests `B` for G2.
    fn check(&self, proof: &GnarkProof, l: G1Projective) -> Result<(), ProofError> {
        match pairing_product_is(
            &proof.a,
            &proof.b,
            &[
                (l.into_affine(), &self.gamma_neg),
                (proof.c, &self.delta_neg),
            ],
            &self.alpha_beta,
        ) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ProofError::Pairing),
            Err(NotInG2) => Err(ProofError::InvalidPoint("B")),
        }
    }
}

struct GnarkProof {
    a: G1Affine,
    b: G2Affine,
    c: G1Affine,
}

fn parse_gnark_proof(bytes: &[u8; GNARK_PROOF_BYTES]) -> Result<GnarkProof, ProofError> {
    Ok(GnarkProof {
        a: g1_uncompressed(bytes[..64].try_into().expect("64"))
            .ok_or(ProofError::InvalidPoint("A"))?,
        // Tested for G2 by the pairing check's Miller loop.
        b: g2_uncompressed_on_twist(bytes[64..192].try_into().expect("128"))
            .ok_or(ProofError::InvalidPoint("B"))?,
        c: g1_uncompressed(bytes[192..].try_into().expect("64"))
            .ok_or(ProofError::InvalidPoint("C"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;

    #[test]
    fn fixed_base_tables_multiply_as_the_curve_does() {
        let p = (G1Affine::generator() * Fr::from(0x5eed_u64)).into_affine();
        let table = FixedBase::new(p);
        let scalars = [
            Fr::zero(),
            Fr::from(1u64),
            Fr::from(255u64),
            Fr::from(256u64),
            -Fr::from(1u64),
            Fr::from_be_bytes_mod_order(&[0xa7; 32]),
        ];
        for s in scalars {
            assert_eq!(table.mul(&s), p * s, "{s}");
        }
    }
}
