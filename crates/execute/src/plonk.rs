//! SP1 v6 Plonk proofs (gnark PLONK over BN254 with BSB22 commitments), verified with
//! arkworks against a key parsed and prepared once.
//!
//! gnark's PLONK verifier, step for step, so that the same proofs verify: the Fiat-Shamir
//! challenges γ, β, α, ζ, u are chained SHA-256 hashes over gnark's encodings (points as
//! uncompressed big-endian `x ++ y`, scalars as 32 big-endian bytes); the public-input
//! polynomial includes each BSB22 commitment hashed to a scalar (RFC 9380
//! `expand_message_xmd` with SHA-256, DST `BSB22-Plonk`); the linearised commitment and the
//! batched KZG opening at ζ and the single opening of `Z` at ζω are folded into one
//! two-pairing check. Every proof scalar must be canonical and every point on the curve;
//! a computed point at infinity (only reachable by chance, with negligible probability) is
//! refused rather than encoded.
//!
//! The gnark proof after SP1's header ([`crate::sp1`]), for `m` commitments (SP1: 1):
//! `L, R, O, H0, H1, H2` (G1, 64 each), `l(ζ), r(ζ), o(ζ), s1(ζ), s2(ζ)` (32 each), `Z`
//! (G1), `z(ζω)` (32), `W_ζ, W_ζω` (G1, the opening quotients), `qcp_j(ζ)` (32 each),
//! `BSB22_j` (G1 each).

use crate::{
    ProofError,
    bn254::{
        field_bytes, fr_canonical, g1_to_gnark, g1_uncompressed, gnark_g1_compressed,
        gnark_g2_compressed,
    },
    groth16::KeyError,
    sp1::{self, PUBLIC_INPUTS, ValuesDigest},
};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM, pairing::Pairing};
use ark_ff::{Field, One, PrimeField, Zero};
use sha2::{Digest, Sha256};

/// Upper bound on BSB22 commitments in a key (SP1's circuit has one); bounds allocation.
const MAX_COMMITMENTS: usize = 16;
/// gnark stores precomputed pairing lines for the two G2 points of its KZG key; arkworks
/// prepares its own, so these bytes are skipped.
const KZG_LINES_BYTES: usize = 2 * 2 * 66 * 4 * 32;
/// Proof bytes before the per-commitment values.
const FIXED_PROOF_BYTES: usize = 6 * 64 + 5 * 32 + 64 + 32 + 2 * 64;

/// A gnark PLONK verifying key, parsed and prepared once.
#[derive(Clone)]
pub struct PlonkKey {
    /// First four bytes of SHA-256 of the gnark key bytes: SP1 prefixes every proof with it.
    pub selector: [u8; 4],
    /// The SP1 recursion verifying-key root the proofs must carry.
    pub vk_root: [u8; 32],
    /// The recursion root as a scalar.
    root: Fr,
    /// Domain size n (a power of two), n⁻¹, its generator ω, and the coset shift.
    size: u64,
    size_inv: Fr,
    omega: Fr,
    coset_shift: Fr,
    /// Selector and permutation commitments.
    s: [G1Affine; 3],
    ql: G1Affine,
    qr: G1Affine,
    qm: G1Affine,
    qo: G1Affine,
    qk: G1Affine,
    qcp: Vec<G1Affine>,
    /// Where each public-input value enters the public-input polynomial: ω⁰..ω⁴ for the
    /// five inputs, then ω^(public inputs + constraint index) for each BSB22 commitment.
    lagrange_points: Vec<Fr>,
    /// KZG: `[1]₁`, and `[1]₂`, `[τ]₂` prepared for the Miller loop.
    g1: G1Affine,
    g2: [<Bn254 as Pairing>::G2Prepared; 2],
    /// SHA-256 after `"gamma"` and the key's commitments: every γ transcript starts so.
    gamma_prefix: Sha256,
}

impl core::fmt::Debug for PlonkKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlonkKey")
            .field("selector", &self.selector)
            .field("vk_root", &self.vk_root)
            .field("size", &self.size)
            .field("commitments", &self.qcp.len())
            .finish_non_exhaustive()
    }
}

/// A cursor over gnark's big-endian key bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyError> {
        let out = self
            .bytes
            .get(self.at..self.at.saturating_add(n))
            .ok_or(KeyError::Truncated)?;
        self.at += n;
        Ok(out)
    }
    fn u64(&mut self) -> Result<u64, KeyError> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().expect("8")))
    }
    fn u32(&mut self) -> Result<usize, KeyError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4")) as usize)
    }
    fn fr(&mut self, name: &'static str) -> Result<Fr, KeyError> {
        fr_canonical(self.take(32)?.try_into().expect("32")).ok_or(KeyError::InvalidScalar(name))
    }
    fn g1(&mut self, name: &'static str) -> Result<G1Affine, KeyError> {
        gnark_g1_compressed(self.take(32)?.try_into().expect("32"))
            .ok_or(KeyError::InvalidPoint(name))
    }
    fn g2(&mut self, name: &'static str) -> Result<G2Affine, KeyError> {
        gnark_g2_compressed(self.take(64)?.try_into().expect("64"))
            .ok_or(KeyError::InvalidPoint(name))
    }
}

impl PlonkKey {
    /// Parses gnark's binary PLONK verifying key (`n (u64), n⁻¹, ω, #public (u64), coset
    /// shift, S1..S3, Ql, Qr, Qm, Qo, Qk, #Qcp (u32), Qcp…, [1]₁, [1]₂, [τ]₂, pairing lines,
    /// #indexes (u32), indexes (u64)…`, compressed points), checks every point and the
    /// domain's consistency, and prepares the pairing. `vk_root` is the SP1 recursion root
    /// proofs must name.
    pub fn from_gnark_bytes(bytes: &[u8], vk_root: [u8; 32]) -> Result<Self, KeyError> {
        let mut r = Reader { bytes, at: 0 };
        let size = r.u64()?;
        let size_inv = r.fr("n⁻¹")?;
        let omega = r.fr("ω")?;
        let public = r.u64()?;
        if public != PUBLIC_INPUTS as u64 {
            return Err(KeyError::PublicInputs(
                usize::try_from(public).unwrap_or(usize::MAX),
                PUBLIC_INPUTS,
            ));
        }
        let coset_shift = r.fr("coset shift")?;
        let s = [r.g1("S1")?, r.g1("S2")?, r.g1("S3")?];
        let [ql, qr, qm, qo, qk] = [
            r.g1("Ql")?,
            r.g1("Qr")?,
            r.g1("Qm")?,
            r.g1("Qo")?,
            r.g1("Qk")?,
        ];
        let commitments = r.u32()?;
        if commitments == 0 || commitments > MAX_COMMITMENTS {
            return Err(KeyError::Commitments(commitments));
        }
        let qcp = (0..commitments)
            .map(|_| r.g1("Qcp"))
            .collect::<Result<Vec<_>, _>>()?;
        let g1 = r.g1("[1]₁")?;
        let g2 = [r.g2("[1]₂")?, r.g2("[τ]₂")?];
        r.take(KZG_LINES_BYTES)?;
        if r.u32()? != commitments {
            return Err(KeyError::Commitments(commitments));
        }
        let input_points = core::iter::successors(Some(Fr::one()), |w| Some(*w * omega))
            .take(PUBLIC_INPUTS)
            .map(Ok);
        let commitment_points =
            (0..commitments).map(|_| Ok(omega.pow([public.saturating_add(r.u64()?)])));
        let lagrange_points = input_points
            .chain(commitment_points)
            .collect::<Result<Vec<_>, KeyError>>()?;
        if r.at != bytes.len() {
            return Err(KeyError::Trailing(bytes.len() - r.at));
        }
        // The domain must be what the key says it is: n·n⁻¹ = 1, ω of order exactly n.
        let n_is_pow2 = size.is_power_of_two() && size > 1;
        if !n_is_pow2
            || Fr::from(size) * size_inv != Fr::one()
            || omega.pow([size]) != Fr::one()
            || omega.pow([size / 2]) == Fr::one()
        {
            return Err(KeyError::Domain);
        }
        let root = fr_canonical(&vk_root).ok_or(KeyError::NonCanonicalRoot)?;
        let mut gamma_prefix = Sha256::new();
        gamma_prefix.update(b"gamma");
        for p in s.iter().chain([&ql, &qr, &qm, &qo, &qk]).chain(&qcp) {
            gamma_prefix.update(g1_to_gnark(p));
        }
        Ok(Self {
            selector: sp1::selector(bytes),
            vk_root,
            root,
            size,
            size_inv,
            omega,
            coset_shift,
            s,
            ql,
            qr,
            qm,
            qo,
            qk,
            qcp,
            lagrange_points,
            g1,
            g2: g2.map(Into::into),
            gamma_prefix,
        })
    }

    /// Length of a gnark proof for this key.
    pub fn gnark_proof_bytes(&self) -> usize {
        FIXED_PROOF_BYTES + self.qcp.len() * (32 + 64)
    }

    /// Verifies an SP1 Plonk proof that the program `program_vkey` committed exactly
    /// `public_values` (hashed with `digest`), exiting with code 0: one verifier run.
    pub fn verify_sp1(
        &self,
        proof: &[u8],
        program_vkey: &[u8; 32],
        public_values: &[u8],
        digest: ValuesDigest,
    ) -> Result<(), ProofError> {
        let sp1 = sp1::open(
            proof,
            self.gnark_proof_bytes(),
            &self.selector,
            &self.vk_root,
            program_vkey,
        )?;
        let proof = self.parse(sp1.body)?;
        let inputs = [
            sp1.program_vkey,
            digest.scalar(public_values),
            Fr::zero(),
            self.root,
            sp1.nonce,
        ];
        self.check(&proof, &inputs)
    }

    /// Verifies a bare gnark proof against explicit public inputs, each 32 bytes
    /// big-endian and canonical.
    pub fn verify_gnark(&self, proof: &[u8], inputs: &[[u8; 32]]) -> Result<(), ProofError> {
        if proof.len() != self.gnark_proof_bytes() {
            return Err(ProofError::Length(proof.len()));
        }
        let proof = self.parse(proof)?;
        let inputs: [Fr; PUBLIC_INPUTS] = inputs
            .iter()
            .map(|b| fr_canonical(b).ok_or(ProofError::NonCanonical("public input")))
            .collect::<Result<Vec<_>, _>>()?
            .try_into()
            .map_err(|v: Vec<Fr>| ProofError::Length(v.len()))?;
        self.check(&proof, &inputs)
    }

    /// Reads a gnark proof of exactly [`Self::gnark_proof_bytes`] bytes.
    fn parse(&self, bytes: &[u8]) -> Result<Proof, ProofError> {
        debug_assert_eq!(bytes.len(), self.gnark_proof_bytes());
        let point = |at: usize, name| {
            g1_uncompressed(bytes[at..at + 64].try_into().expect("64"))
                .ok_or(ProofError::InvalidPoint(name))
        };
        let scalar = |at: usize| {
            fr_canonical(bytes[at..at + 32].try_into().expect("32"))
                .ok_or(ProofError::NonCanonical("proof scalar"))
        };
        let m = self.qcp.len();
        Ok(Proof {
            lro: [point(0, "L")?, point(64, "R")?, point(128, "O")?],
            h: [point(192, "H0")?, point(256, "H1")?, point(320, "H2")?],
            evals: [
                scalar(384)?,
                scalar(416)?,
                scalar(448)?,
                scalar(480)?,
                scalar(512)?,
            ],
            z: point(544, "Z")?,
            z_omega: scalar(608)?,
            w_zeta: point(640, "W_ζ")?,
            w_zeta_omega: point(704, "W_ζω")?,
            qcp_evals: (0..m)
                .map(|j| scalar(FIXED_PROOF_BYTES + 32 * j))
                .collect::<Result<_, _>>()?,
            bsb22: (0..m)
                .map(|j| point(FIXED_PROOF_BYTES + 32 * m + 64 * j, "BSB22"))
                .collect::<Result<_, _>>()?,
        })
    }

    /// gnark's PLONK verification of a parsed proof against five public inputs.
    fn check(&self, p: &Proof, inputs: &[Fr; PUBLIC_INPUTS]) -> Result<(), ProofError> {
        // Fiat-Shamir: each challenge hashes its name, the previous challenge's raw hash,
        // and what the prover committed to before it.
        let mut h = self.gamma_prefix.clone();
        inputs.iter().for_each(|x| h.update(field_bytes(*x)));
        p.lro.iter().for_each(|c| h.update(g1_to_gnark(c)));
        let gamma_raw: [u8; 32] = h.finalize().into();
        let beta_raw: [u8; 32] = Sha256::new_with_prefix(b"beta")
            .chain_update(gamma_raw)
            .finalize()
            .into();
        let mut h = Sha256::new_with_prefix(b"alpha");
        h.update(beta_raw);
        p.bsb22
            .iter()
            .chain([&p.z])
            .for_each(|c| h.update(g1_to_gnark(c)));
        let alpha_raw: [u8; 32] = h.finalize().into();
        let mut h = Sha256::new_with_prefix(b"zeta");
        h.update(alpha_raw);
        p.h.iter().for_each(|c| h.update(g1_to_gnark(c)));
        let zeta_raw: [u8; 32] = h.finalize().into();
        let [gamma, beta, alpha, zeta] =
            [gamma_raw, beta_raw, alpha_raw, zeta_raw].map(|b| Fr::from_be_bytes_mod_order(&b));

        // Vanishing polynomial and Lagrange basis at ζ:
        // Lᵢ(ζ) = ωⁱ·(ζⁿ - 1) / (n·(ζ - ωⁱ)), for the public inputs and each commitment.
        let zeta_n = zeta.pow([self.size]);
        let zh = zeta_n - Fr::one();
        let points = &self.lagrange_points;
        let mut dens: Vec<Fr> = points.iter().map(|w| zeta - w).collect();
        if dens.iter().any(Zero::is_zero) {
            return Err(ProofError::Pairing);
        }
        ark_ff::batch_inversion(&mut dens);
        let lagrange = |i: usize| points[i] * zh * self.size_inv * dens[i];
        let hashed_commitments = p.bsb22.iter().map(|c| bsb22_hash(&g1_to_gnark(c)));
        let pi: Fr = inputs
            .iter()
            .copied()
            .chain(hashed_commitments)
            .enumerate()
            .map(|(i, x)| lagrange(i) * x)
            .sum();

        let [l, r, o, s1, s2] = p.evals;
        let zu = p.z_omega;
        let alpha2_l1 = alpha.square() * lagrange(0);
        // Permutation argument at ζ.
        let perm = (l + beta * s1 + gamma) * (r + beta * s2 + gamma);
        let const_lin = -(pi - alpha2_l1 + alpha * perm * (o + gamma) * zu);
        let s3_coeff = alpha * perm * beta * zu;
        let u_zeta = self.coset_shift * zeta;
        let z_coeff = alpha2_l1
            - alpha
                * (l + beta * zeta + gamma)
                * (r + beta * u_zeta + gamma)
                * (o + beta * self.coset_shift * u_zeta + gamma);
        let zeta_n2 = zeta_n * zeta.square();

        // Linearised commitment: Σ qcpⱼ(ζ)·BSB22ⱼ + l·Ql + r·Qr + lr·Qm + o·Qo + Qk
        //   + s3_coeff·S3 + z_coeff·Z - (ζⁿ-1)·(H0 + ζⁿ⁺²·H1 + ζ²⁽ⁿ⁺²⁾·H2).
        let mut bases = p.bsb22.clone();
        bases.extend([self.ql, self.qr, self.qm, self.qo, self.qk, self.s[2], p.z]);
        bases.extend(p.h);
        let mut scalars = p.qcp_evals.clone();
        scalars.extend([l, r, l * r, o, Fr::one(), s3_coeff, z_coeff]);
        scalars.extend([-zh, -zh * zeta_n2, -zh * zeta_n2.square()]);
        let linearised = finite(G1Projective::msm_unchecked(&bases, &scalars))?;

        // Batched opening at ζ of [lin, L, R, O, S1, S2, Qcp…], folded with γ' from its own
        // transcript.
        let mut digests = vec![
            linearised, p.lro[0], p.lro[1], p.lro[2], self.s[0], self.s[1],
        ];
        digests.extend(&self.qcp);
        let mut claimed = vec![const_lin, l, r, o, s1, s2];
        claimed.extend(&p.qcp_evals);
        let mut h = Sha256::new_with_prefix(b"gamma");
        h.update(field_bytes(zeta));
        digests.iter().for_each(|d| h.update(g1_to_gnark(d)));
        claimed.iter().for_each(|v| h.update(field_bytes(*v)));
        h.update(field_bytes(zu));
        let fold = Fr::from_be_bytes_mod_order(&h.finalize());
        let powers: Vec<Fr> = core::iter::successors(Some(Fr::one()), |g| Some(*g * fold))
            .take(digests.len())
            .collect();
        let folded_digest = finite(G1Projective::msm_unchecked(&digests, &powers))?;
        let folded_eval: Fr = claimed.iter().zip(&powers).map(|(v, g)| *v * g).sum();

        // u combines the opening at ζ with Z's opening at ζω.
        let mut h = Sha256::new_with_prefix(b"u");
        h.update(zeta_raw);
        h.update(field_bytes(fold));
        for c in [&folded_digest, &p.z, &p.w_zeta, &p.w_zeta_omega] {
            h.update(g1_to_gnark(c));
        }
        let u = Fr::from_be_bytes_mod_order(&h.finalize());

        // e(F, [1]₂) · e(-(W_ζ + u·W_ζω), [τ]₂) = 1, with
        // F = folded + u·Z - (folded_eval + u·z(ζω))·[1]₁ + ζ·W_ζ + uζω·W_ζω.
        let f = G1Projective::msm_unchecked(
            &[folded_digest, p.z, self.g1, p.w_zeta, p.w_zeta_omega],
            &[
                Fr::one(),
                u,
                -(folded_eval + u * zu),
                zeta,
                u * zeta * self.omega,
            ],
        );
        let w = -(p.w_zeta + p.w_zeta_omega * u);
        let ml = Bn254::multi_miller_loop([f.into_affine(), w.into_affine()], self.g2.clone());
        if Bn254::final_exponentiation(ml).is_some_and(|e| e.is_zero()) {
            Ok(())
        } else {
            Err(ProofError::Pairing)
        }
    }
}

/// A parsed gnark PLONK proof.
struct Proof {
    lro: [G1Affine; 3],
    h: [G1Affine; 3],
    /// `l(ζ), r(ζ), o(ζ), s1(ζ), s2(ζ)`.
    evals: [Fr; 5],
    z: G1Affine,
    z_omega: Fr,
    w_zeta: G1Affine,
    w_zeta_omega: G1Affine,
    qcp_evals: Vec<Fr>,
    bsb22: Vec<G1Affine>,
}

/// A computed point that enters a transcript must be finite (gnark would encode infinity
/// specially; an honest proof reaches it with negligible probability, so it is refused).
fn finite(p: G1Projective) -> Result<G1Affine, ProofError> {
    let p = p.into_affine();
    if p.is_zero() {
        Err(ProofError::InvalidPoint("computed commitment"))
    } else {
        Ok(p)
    }
}

/// gnark's hash of a BSB22 commitment to a scalar: RFC 9380 `expand_message_xmd` (SHA-256,
/// DST `BSB22-Plonk`) to 48 bytes, reduced mod r. (arkworks' `DefaultFieldHasher` pads
/// with the output length instead of SHA-256's 64-byte block, so it cannot be used.)
fn bsb22_hash(commitment: &[u8; 64]) -> Fr {
    const DST: &[u8] = b"BSB22-Plonk";
    const LEN: u8 = 48;
    let dst_prime = |h: &mut Sha256| {
        h.update(DST);
        h.update([DST.len() as u8]);
    };
    let mut h = Sha256::new_with_prefix([0u8; 64]);
    h.update(commitment);
    h.update([0, LEN, 0]);
    dst_prime(&mut h);
    let b0: [u8; 32] = h.finalize().into();
    let mut h = Sha256::new_with_prefix(b0);
    h.update([1]);
    dst_prime(&mut h);
    let b1: [u8; 32] = h.finalize().into();
    let mut h = Sha256::new_with_prefix(core::array::from_fn::<u8, 32, _>(|i| b0[i] ^ b1[i]));
    h.update([2]);
    dst_prime(&mut h);
    let b2: [u8; 32] = h.finalize().into();
    let mut out = [0u8; LEN as usize];
    out[..32].copy_from_slice(&b1);
    out[32..].copy_from_slice(&b2[..16]);
    Fr::from_be_bytes_mod_order(&out)
}
