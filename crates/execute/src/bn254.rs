//! BN254 encodings shared by the proof backends: gnark's big-endian points, checked.
//!
//! Every decoder here is strict: coordinates must be canonical (below the field modulus),
//! points must be on the curve and in the prime-order subgroup, and the point at infinity
//! is refused (no honest proof or key contains it). Nothing reaches a pairing unchecked.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInt, BigInteger, PrimeField};

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
    (!p.is_zero() && p.is_on_curve() && g2_in_subgroup(&p)).then_some(p)
}

/// ψ ([`crate::pairing::psi`]) in Jacobian coordinates: conjugation is a field
/// automorphism, so `Z` is conjugated with the coordinates.
fn psi(p: &G2Projective) -> G2Projective {
    let (x, y) = crate::pairing::psi(p.x, p.y);
    let mut z = p.z;
    z.conjugate_in_place();
    G2Projective::new_unchecked(x, y, z)
}

/// Whether a point of the twist (assumed on it) is in G2, the order-`r` subgroup:
/// `[x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q)`, with BN254's parameter `x` (63 bits), from
/// Dai, Lin, Zhao and Zhou, "Fast subgroup membership testings for G1, G2 and GT on
/// pairing-friendly curves" (ePrint 2022/348, §5.1), as gnark checks it. One 63-bit scalar
/// multiplication, where arkworks' test (`[6x²]Q = ψ(Q)`) takes a 127-bit one. For points
/// read on their own (keys, [`g2_uncompressed`]); a Groth16 proof's `B` is tested by the
/// Miller loop that walks it ([`crate::pairing`]), at no extra multiplication.
pub fn g2_in_subgroup(q: &G2Affine) -> bool {
    let q = q.into_group();
    let xq = mul_by_x(&q);
    let lhs = xq + q + psi(&xq) + psi(&psi(&xq));
    let rhs = psi(&psi(&psi(&xq.double())));
    lhs == rhs
}

/// `[x]Q` by the signed window of [`crate::pairing::X_WNAF`]: 14 additions and a table of
/// 3, where a double-and-add over x's 28 set bits takes 27.
fn mul_by_x(q: &G2Projective) -> G2Projective {
    crate::pairing::times_x(
        *q,
        |a| {
            a.double_in_place();
        },
        |a, b| *a += b,
        |a| *a = -*a,
    )
}

/// gnark uncompressed G1: `x ++ y`.
pub fn g1_uncompressed(bytes: &[u8; 64]) -> Option<G1Affine> {
    let x = fq_canonical(chunk::<64>(bytes, 0))?;
    let y = fq_canonical(chunk::<64>(bytes, 1))?;
    checked_g1(G1Affine::new_unchecked(x, y))
}

/// gnark uncompressed G2 (`x.c1 ++ x.c0 ++ y.c1 ++ y.c0`), finite and on the twist but
/// not tested for G2: for a point that goes straight into [`crate::pairing`]'s Miller loop,
/// which tests membership as it walks the point.
pub fn g2_uncompressed_on_twist(bytes: &[u8; 128]) -> Option<G2Affine> {
    let f = |i| fq_canonical(chunk::<128>(bytes, i));
    let x = Fq2::new(f(1)?, f(0)?);
    let y = Fq2::new(f(3)?, f(2)?);
    let p = G2Affine::new_unchecked(x, y);
    (!p.is_zero() && p.is_on_curve()).then_some(p)
}

/// gnark uncompressed G2: `x.c1 ++ x.c0 ++ y.c1 ++ y.c0`.
pub fn g2_uncompressed(bytes: &[u8; 128]) -> Option<G2Affine> {
    g2_uncompressed_on_twist(bytes).filter(g2_in_subgroup)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{Field, Zero};

    /// Points of the twist with `x = i + u`, as they come (no cofactor cleared): almost
    /// none is in G2.
    pub(crate) fn twist_points(n: u64) -> Vec<G2Affine> {
        (1..)
            .filter_map(|i| {
                G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::ONE), true)
            })
            .take(n as usize)
            .collect()
    }

    fn scalar(i: u64) -> Fr {
        Fr::from(i).pow([0x1234_5678_9abc_def1]) + Fr::from(i)
    }

    #[test]
    fn the_window_multiplies_by_x_as_double_and_add_does() {
        use ark_ec::bn::BnConfig;
        let points = twist_points(4).into_iter().map(|p| p.into_group());
        let members = (1..5).map(|i| G2Affine::generator() * scalar(i));
        for q in points.chain(members) {
            assert_eq!(mul_by_x(&q), q.mul_bigint(ark_bn254::Config::X));
        }
    }

    #[test]
    fn the_fast_g2_test_agrees_with_arkworks() {
        // Members: multiples of the generator.
        for i in 1..40 {
            let q = (G2Affine::generator() * scalar(i)).into_affine();
            assert!(g2_in_subgroup(&q), "{i}");
            assert!(q.is_in_correct_subgroup_assuming_on_curve());
        }
        // Non-members: raw twist points.
        for q in twist_points(40) {
            assert!(q.is_on_curve());
            assert_eq!(
                g2_in_subgroup(&q),
                q.is_in_correct_subgroup_assuming_on_curve()
            );
            assert!(!g2_in_subgroup(&q));
        }
    }

    /// The twist's order is `r·h`, `h = 2p - r`, and `h` has small prime factors (10069,
    /// 5864401): a G2 point plus a point of such a small order is the forgery a cheap
    /// subgroup test could miss. Both are refused.
    #[test]
    fn g2_plus_a_small_order_point_is_refused() {
        let cofactors: [&str; 2] = [
            "3b89d84c6eaab0cfb56a567ea5a2f2ec8020adba71a185dd3e299a8fab268ec12d22f6541370c616fa58e5b72d7288a0ba9334d5d06e1dbbfa43015f1659",
            "1a2b7749d03511a2a9daaeb99ca406f5bbd1019d45fe0269546e8265a27ab50d66e032210323066c21490c32db9cc440ecf0424dfaac3b825186710dfd",
        ];
        let member = G2Affine::generator() * scalar(7);
        for (order, cofactor) in [10069u64, 5864401].into_iter().zip(cofactors) {
            let limbs = alloy_primitives::U512::from_str_radix(cofactor, 16).unwrap();
            let small = twist_points(3)
                .into_iter()
                .map(|p| p.into_group().mul_bigint(limbs.as_limbs()))
                .find(|t| !t.is_zero())
                .expect("a point of the small order");
            assert!(small.mul_bigint([order]).is_zero(), "order {order}");
            let forged = (member + small).into_affine();
            assert!(forged.is_on_curve());
            assert!(!g2_in_subgroup(&forged), "order {order}");
            assert!(!forged.is_in_correct_subgroup_assuming_on_curve());
            assert!(g2_uncompressed(&g2_to_gnark(&forged)).is_none());
            // The Miller loop's membership test refuses it, and the small-order point alone.
            let on_twist = g2_uncompressed_on_twist(&g2_to_gnark(&forged)).unwrap();
            let g = G1Affine::generator();
            for b in [on_twist, small.into_affine()] {
                assert_eq!(
                    crate::pairing::pairing_product_is(&g, &b, &[], &ark_bn254::Fq12::ONE),
                    Err(crate::pairing::NotInG2),
                    "order {order}"
                );
            }
        }
    }
}
