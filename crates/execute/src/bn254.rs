//! BN254 encodings shared by the proof backends: gnark's big-endian points, checked.
//!
//! Every decoder here is strict: coordinates must be canonical (below the field modulus),
//! points must be on the curve and in the prime-order subgroup, and the point at infinity
//! is refused (no honest proof or key contains it). Nothing reaches a pairing unchecked.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField};

fn bigint(bytes: &[u8; 32]) -> BigInt<4> {
    let limb = |i: usize| u64::from_be_bytes(bytes[24 - 8 * i..32 - 8 * i].try_into().expect("8"));
    BigInt::new([limb(0), limb(1), limb(2), limb(3)])
}

/// A base-field element from 32 big-endian bytes, `None` unless canonical.
pub fn fq_canonical(bytes: &[u8; 32]) -> Option<Fq> {
    Fq::from_bigint(bigint(bytes))
}

/// A scalar from 32 big-endian bytes, `None` unless canonical.
pub fn fr_canonical(bytes: &[u8; 32]) -> Option<Fr> {
    Fr::from_bigint(bigint(bytes))
}

/// 32 big-endian bytes of a field element.
pub fn field_bytes<F: PrimeField>(f: F) -> [u8; 32] {
    let mut out = [0u8; 32];
    let be = f.into_bigint().to_bytes_be();
    out[32 - be.len()..].copy_from_slice(&be);
    out
}

fn chunk<const N: usize>(bytes: &[u8], i: usize) -> &[u8; 32] {
    debug_assert!(32 * (i + 1) <= N);
    bytes[32 * i..32 * (i + 1)].try_into().expect("32")
}

// arkworks 0.6 represents BN254's point at infinity as (0, 0), which is therefore
// "on the curve": refuse it explicitly.
fn checked_g1(p: G1Affine) -> Option<G1Affine> {
    (!p.is_zero() && p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

fn checked_g2(p: G2Affine) -> Option<G2Affine> {
    (!p.is_zero() && p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// gnark uncompressed G1: `x ++ y`.
pub fn g1_uncompressed(bytes: &[u8; 64]) -> Option<G1Affine> {
    let x = fq_canonical(chunk::<64>(bytes, 0))?;
    let y = fq_canonical(chunk::<64>(bytes, 1))?;
    checked_g1(G1Affine::new_unchecked(x, y))
}

/// gnark uncompressed G2: `x.c1 ++ x.c0 ++ y.c1 ++ y.c0`.
pub fn g2_uncompressed(bytes: &[u8; 128]) -> Option<G2Affine> {
    let f = |i| fq_canonical(chunk::<128>(bytes, i));
    let x = Fq2::new(f(1)?, f(0)?);
    let y = Fq2::new(f(3)?, f(2)?);
    checked_g2(G2Affine::new_unchecked(x, y))
}

/// gnark uncompressed G1 bytes of a (finite) point.
pub fn g1_to_gnark(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    let (x, y) = p.xy().expect("finite point");
    out[..32].copy_from_slice(&field_bytes(x));
    out[32..].copy_from_slice(&field_bytes(y));
    out
}

/// gnark uncompressed G2 bytes of a (finite) point.
pub fn g2_to_gnark(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    let (x, y) = p.xy().expect("finite point");
    for (i, f) in [x.c1, x.c0, y.c1, y.c0].into_iter().enumerate() {
        out[32 * i..32 * (i + 1)].copy_from_slice(&field_bytes(f));
    }
    out
}

/// gnark's flags in the top two bits of a compressed point.
const FLAG_MASK: u8 = 0b11 << 6;
const FLAG_SMALLEST: u8 = 0b10 << 6;
const FLAG_LARGEST: u8 = 0b11 << 6;

/// Splits gnark's flags off the first 32-byte word: `(greatest_y, x word)`.
fn flags(word: &[u8]) -> Option<(bool, [u8; 32])> {
    let greatest = match word[0] & FLAG_MASK {
        FLAG_SMALLEST => false,
        FLAG_LARGEST => true,
        // Infinity (0b01) and uncompressed (0b00) are not valid key points.
        _ => return None,
    };
    let mut x = [0u8; 32];
    x.copy_from_slice(&word[..32]);
    x[0] &= !FLAG_MASK;
    Some((greatest, x))
}

/// gnark compressed G1: `x` with the y choice in the top bits.
pub fn gnark_g1_compressed(bytes: &[u8; 32]) -> Option<G1Affine> {
    let (greatest, x) = flags(bytes)?;
    checked_g1(G1Affine::get_point_from_x_unchecked(
        fq_canonical(&x)?,
        greatest,
    )?)
}

/// gnark compressed G2: `x.c1 ++ x.c0` with the y choice in the top bits.
pub fn gnark_g2_compressed(bytes: &[u8; 64]) -> Option<G2Affine> {
    let (greatest, c1) = flags(&bytes[..32])?;
    let x = Fq2::new(fq_canonical(chunk::<64>(bytes, 1))?, fq_canonical(&c1)?);
    checked_g2(G2Affine::get_point_from_x_unchecked(x, greatest)?)
}
