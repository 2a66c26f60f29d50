//! The BN254 pairing check of a Groth16 proof, on arkworks' field arithmetic, in three ways
//! cheaper than arkworks' generic `multi_pairing` with a separate subgroup test:
//!
//! - **Normalised lines of the key's fixed G2 points.** A line of the Miller loop is
//!   `c0·y_P + (c1·x_P + c2·v)·w`; any non-zero factor in Fp6 (so in Fp2) is sent to one by
//!   the final exponentiation, so a line may be divided by `c0·y_P`. For `γ` and `δ`, fixed by the
//!   key, `c1/c0` and `c2/c0` are computed once; a proof then needs `x_P/y_P` and `1/y_P`
//!   (one batched inversion) and each line multiplies in as `1 + (d3 + d4·v)·w`, three Fp2
//!   multiplications fewer than arkworks' `mul_by_034`.
//! - **The proof's G2 point is tested for G2 by the loop itself.** Walking the loop takes
//!   `B` to `T = [6x+2]B + π(B) − π²(B)`, and `(6x+2) + p − p² + p³ ≡ 0 (mod r)`, so a
//!   member of G2 ends at `T = −π³(B)`. On the twist `π` satisfies `π² − tπ + p = 0`; the
//!   endomorphism `(6x+2) + π − π² + π³` then has a norm prime to the twist's cofactor
//!   `h = 2p − r`, so it kills no point outside G2: the end test is a complete membership
//!   test (`walk` has the argument, the tests the numbers), in place of a separate
//!   multiplication by `x` (about 6% of a check).
//! - **A windowed exponentiation by the curve parameter.** The hard part of the final
//!   exponentiation raises to `x` three times; arkworks walks its NAF (24 non-zero digits),
//!   a signed window of width 4 needs 14 multiplications plus 4 for its table.
//!
//! The result equals arkworks' `multi_pairing` (tests below, on pseudo-random points); only the
//! intermediate Miller-loop value differs, by factors the final exponentiation removes.

use ark_bn254::{Config, Fq, Fq2, Fq12, Fq12Config, G1Affine, G2Affine};
use ark_ec::{
    AffineRepr,
    bn::{BnConfig, TwistType},
    short_weierstrass::SWCurveConfig,
};
use ark_ff::{
    AdditiveGroup, CyclotomicMultSubgroup, Field, Fp12Config, One, Zero, batch_inversion,
};

// The line coefficients below are in the order of a D-type twist and the loop assumes a
// positive `x`, as BN254's are.
const _: () = assert!(matches!(Config::TWIST_TYPE, TwistType::D) && !Config::X_IS_NEGATIVE);

/// The Miller-loop lines of a G2 point fixed by a verifying key, divided by their constant
/// coefficient: `(c1/c0, c2/c0)` per line.
#[derive(Clone, Debug)]
pub struct FixedLines(Vec<(Fq2, Fq2)>);

impl FixedLines {
    /// The lines of `q`; `None` for the point at infinity, a point outside G2, or a line
    /// whose constant coefficient vanishes (which no point of G2 other than infinity has: a
    /// doubling's is `-2YZ`, an addition's the difference of two distinct x coordinates).
    pub fn new(q: G2Affine) -> Option<Self> {
        if q.is_zero() {
            return None;
        }
        let mut lines = Vec::with_capacity(LINES);
        let mut normal = true;
        let in_g2 = walk(&q, |(c0, c1, c2), _| match c0.inverse() {
            Some(inv) => lines.push((c1 * inv, c2 * inv)),
            None => normal = false,
        });
        (in_g2 && normal).then_some(Self(lines))
    }
}

/// The number of lines a walk yields: one per doubling and per non-zero digit of the loop
/// count below its top, and two for the Frobenius additions.
const LINES: usize = {
    let count = Config::ATE_LOOP_COUNT;
    let mut n = count.len() - 1 + 2;
    let mut i = 0;
    while i + 1 < count.len() {
        if count[i] != 0 {
            n += 1;
        }
        i += 1;
    }
    n
};

/// A line `(c0, c1, c2)` in arkworks' coefficient order for a D-type twist.
type Line = (Fq2, Fq2, Fq2);

/// A point of the twist in homogeneous projective coordinates, as the Miller loop steps it
/// (arkworks' `G2HomProjective`, whose coordinates it keeps private; the same formulas).
struct Walker {
    x: Fq2,
    y: Fq2,
    z: Fq2,
}

impl Walker {
    /// Doubles the point and returns its tangent line.
    fn double(&mut self, two_inv: &Fq) -> Line {
        let mut a = self.x * self.y;
        a.mul_assign_by_fp(two_inv);
        let b = self.y.square();
        let c = self.z.square();
        let e = <Config as BnConfig>::G2Config::COEFF_B * (c.double() + c);
        let f = e.double() + e;
        let mut g = b + f;
        g.mul_assign_by_fp(two_inv);
        let h = (self.y + self.z).square() - (b + c);
        let i = e - b;
        let j = self.x.square();
        let e_square = e.square();
        self.x = a * (b - f);
        self.y = g.square() - (e_square.double() + e_square);
        self.z = b * h;
        (-h, j.double() + j, i)
    }

    /// Adds `q` and returns the line through both.
    fn add(&mut self, q: &G2Affine) -> Line {
        let theta = self.y - q.y * self.z;
        let lambda = self.x - q.x * self.z;
        let c = theta.square();
        let d = lambda.square();
        let e = lambda * d;
        let f = self.z * c;
        let g = self.x * d;
        let h = e + f - g.double();
        self.x = lambda * h;
        self.y = theta * (g - h) - e * self.y;
        self.z *= e;
        let j = theta * q.x - lambda * q.y;
        (lambda, -theta, j)
    }
}

/// `π`, the twisted Frobenius endomorphism (`p` on G2), on affine coordinates.
pub(crate) fn psi(x: Fq2, y: Fq2) -> (Fq2, Fq2) {
    let conj = |mut f: Fq2| {
        f.conjugate_in_place();
        f
    };
    (
        conj(x) * Config::TWIST_MUL_BY_Q_X,
        conj(y) * Config::TWIST_MUL_BY_Q_Y,
    )
}

/// Walks the Miller loop of the optimal ate pairing for `q` (finite, on the twist), handing
/// each line to `line` in the loop's order with whether it is a doubling's, and says whether
/// `q` is in G2.
///
/// The walk ends at `T = [6x+2]q + π(q) − π²(q)`; `q` is in G2 iff `T = −π³(q)`:
/// - for `q` in G2, `π(q) = [p]q` and `(6x+2) + p − p² + p³ ≡ 0 (mod r)`;
/// - the twist's group is G2 ⊕ H, `|H| = h = 2p − r` (prime to `r`), and on it `π² = tπ − p`,
///   so `(6x+2) + π − π² + π³ = a + bπ` with `a = 6x+2 + p − tp`, `b = 1 − t + t² − p`,
///   whose norm `a² + tab + pb²` is prime to `h`: no point of H but `O` is in its kernel;
/// - the projective formulas go wrong only on `T = ±q` or at infinity, and each of those
///   leaves `Z = 0` for the rest of the walk, which the end test refuses: a finite end
///   point was computed exactly.
///
/// No member of G2 meets those cases (`[k]q = ±q` needs `r | k ∓ 1`, and `k < 2⁶⁶`).
fn walk(q: &G2Affine, mut line: impl FnMut(Line, bool)) -> bool {
    let two_inv = Fq::from(2u64).inverse().expect("2 is invertible");
    let neg_q = -*q;
    let mut t = Walker {
        x: q.x,
        y: q.y,
        z: Fq2::one(),
    };
    for digit in Config::ATE_LOOP_COUNT.iter().rev().skip(1) {
        line(t.double(&two_inv), true);
        match digit {
            1 => line(t.add(q), false),
            -1 => line(t.add(&neg_q), false),
            _ => {}
        }
    }
    let (x1, y1) = psi(q.x, q.y);
    let (x2, y2) = psi(x1, y1);
    line(t.add(&G2Affine::new_unchecked(x1, y1)), false);
    line(t.add(&G2Affine::new_unchecked(x2, -y2)), false);
    let (x3, y3) = psi(x2, y2);
    !t.z.is_zero() && t.x == x3 * t.z && t.y == -(y3 * t.z)
}

/// The proof's G2 point is not in G2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotInG2;

/// `e(a, b) · Π e(pᵢ, qᵢ)` over the fixed `qᵢ`: whether it equals `target`, or
/// [`NotInG2`] if `b` (on the curve, checked by the caller) is outside G2. Points at
/// infinity contribute one, as in arkworks.
pub fn pairing_product_is(
    a: &G1Affine,
    b: &G2Affine,
    fixed: &[(G1Affine, &FixedLines)],
    target: &Fq12,
) -> Result<bool, NotInG2> {
    let f = miller_loop(a, b, fixed)?;
    Ok(final_exponentiation(&f).is_some_and(|f| f == *target))
}

/// The Miller loop of `e(a, b)` and the fixed pairs, arkworks' loop (its coefficient order)
/// with the fixed pairs' lines normalised, walking `b` as it goes.
fn miller_loop(
    a: &G1Affine,
    b: &G2Affine,
    fixed: &[(G1Affine, &FixedLines)],
) -> Result<Fq12, NotInG2> {
    // Per fixed pair: x/y and 1/y of its G1 point (inverted together).
    let fixed: Vec<_> = fixed.iter().filter(|(p, _)| !p.is_zero()).collect();
    let mut inv_y: Vec<Fq> = fixed.iter().map(|(p, _)| p.y).collect();
    batch_inversion(&mut inv_y);
    let scaled: Vec<(Fq, Fq, &FixedLines)> = fixed
        .iter()
        .zip(&inv_y)
        .map(|((p, lines), t)| (p.x * t, *t, *lines))
        .collect();
    let multiply = |f: &mut Fq12, index: usize, variable: Option<Line>| {
        if let Some((mut c0, mut c1, c2)) = variable {
            c0.mul_assign_by_fp(&a.y);
            c1.mul_assign_by_fp(&a.x);
            f.mul_by_034(&c0, &c1, &c2);
        }
        for (s, t, lines) in &scaled {
            let (mut d3, mut d4) = lines.0[index];
            d3.mul_assign_by_fp(s);
            d4.mul_assign_by_fp(t);
            mul_by_1_34(f, &d3, &d4);
        }
    };

    let mut f = Fq12::one();
    let mut index = 0;
    let mut first = true;
    let mut step = |line: Option<Line>, doubling: bool| {
        // The accumulator is squared before each doubling's lines but the first.
        if doubling && !core::mem::take(&mut first) {
            f.square_in_place();
        }
        multiply(&mut f, index, line);
        index += 1;
    };
    if b.is_zero() {
        // e(a, O) = 1: only the fixed pairs, on the same schedule.
        walk(&G2Affine::generator(), |_, doubling| step(None, doubling));
    } else if !walk(b, |line, doubling| {
        step((!a.is_zero()).then_some(line), doubling)
    }) {
        return Err(NotInG2);
    }
    Ok(f)
}

/// `f · (1 + (d3 + d4·v)·w)`: arkworks' `mul_by_034` with its first coefficient one.
fn mul_by_1_34(f: &mut Fq12, d3: &Fq2, d4: &Fq2) {
    let a = f.c0;
    let mut b = f.c1;
    b.mul_by_01(d3, d4);
    let mut e = f.c0 + f.c1;
    e.mul_by_01(&(Fq2::one() + d3), d4);
    f.c1 = e - (a + b);
    f.c0 = b;
    Fq12Config::mul_fp6_by_nonresidue_in_place(&mut f.c0);
    f.c0 += a;
}

/// `f^((p¹²-1)/r)`, arkworks' algorithm (easy part, then Fuentes-Castañeda et al.'s hard
/// part) with [`exp_by_x`] for its three exponentiations. `None` iff `f` is zero.
pub fn final_exponentiation(f: &Fq12) -> Option<Fq12> {
    // Easy part: f^((p⁶-1)(p²+1)).
    let mut f1 = *f;
    f1.cyclotomic_inverse_in_place();
    let f2 = f.inverse()?;
    let mut r = f1 * f2;
    let f2 = r;
    r.frobenius_map_in_place(2);
    r *= f2;

    let exp_by_neg_x = |f: Fq12| {
        let mut y = exp_by_x(&f);
        if !Config::X_IS_NEGATIVE {
            y.cyclotomic_inverse_in_place();
        }
        y
    };
    let y0 = exp_by_neg_x(r);
    let y1 = y0.cyclotomic_square();
    let y2 = y1.cyclotomic_square();
    let mut y3 = y2 * y1;
    let y4 = exp_by_neg_x(y3);
    let y5 = y4.cyclotomic_square();
    let mut y6 = exp_by_neg_x(y5);
    y3.cyclotomic_inverse_in_place();
    y6.cyclotomic_inverse_in_place();
    let y7 = y6 * y4;
    let mut y8 = y7 * y3;
    let y9 = y8 * y1;
    let y10 = y8 * y4;
    let y11 = y10 * r;
    let mut y12 = y9;
    y12.frobenius_map_in_place(1);
    let y13 = y12 * y11;
    y8.frobenius_map_in_place(2);
    let y14 = y8 * y13;
    r.cyclotomic_inverse_in_place();
    let mut y15 = r * y9;
    y15.frobenius_map_in_place(3);
    Some(y15 * y14)
}

/// Width of the signed window of [`exp_by_x`].
const WINDOW: u32 = 4;

/// The curve parameter `x` in width-4 NAF, least significant digit first: odd digits in
/// `±{1, 3, 5, 7}`, at least three zeros after each.
pub(crate) const X_WNAF: [i8; 64] = {
    let mut digits = [0i8; 64];
    let mut k = Config::X[0] as i128;
    let mut i = 0;
    while k != 0 {
        if k & 1 == 1 {
            let mut d = k % (1 << WINDOW);
            if d >= 1 << (WINDOW - 1) {
                d -= 1 << WINDOW;
            }
            digits[i] = d as i8;
            k -= d;
        }
        k >>= 1;
        i += 1;
    }
    digits
};

/// `f^x` for `f` in the cyclotomic subgroup, by the signed window [`X_WNAF`]: the
/// inverse of a table entry is its conjugate.
pub fn exp_by_x(f: &Fq12) -> Fq12 {
    times_x(
        *f,
        |a| {
            a.cyclotomic_square_in_place();
        },
        |a, b| *a *= b,
        |a| {
            a.cyclotomic_inverse_in_place();
        },
    )
}

/// `x` times `base` in a group written with `double`, `add` and `negate` (a multiplicative
/// one for [`exp_by_x`], G2 for the subgroup test), walking [`X_WNAF`] from its top digit
/// with a table of `base, 3·base, 5·base, 7·base`.
pub(crate) fn times_x<T: Copy>(
    base: T,
    double: impl Fn(&mut T),
    add: impl Fn(&mut T, &T),
    negate: impl Fn(&mut T),
) -> T {
    let mut twice = base;
    double(&mut twice);
    let mut table = [base; 4];
    for i in 1..4 {
        table[i] = table[i - 1];
        add(&mut table[i], &twice);
    }
    let entry = |d: i8| {
        let mut e = table[(d.unsigned_abs() / 2) as usize];
        if d < 0 {
            negate(&mut e);
        }
        e
    };
    let top = X_WNAF.iter().rposition(|&d| d != 0).expect("x is not zero");
    let mut acc = entry(X_WNAF[top]);
    for &d in X_WNAF[..top].iter().rev() {
        double(&mut acc);
        if d != 0 {
            add(&mut acc, &entry(d));
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bn254::tests::twist_points;
    use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, bn::G2Prepared, pairing::Pairing};
    use ark_ff::{PrimeField, Zero};
    use sha2::{Digest, Sha256};

    /// Deterministic pseudo-random field elements: SHA-256 of a label and a counter.
    fn element<F: PrimeField>(label: &str, i: u64) -> F {
        F::from_be_bytes_mod_order(&Sha256::digest(
            [label.as_bytes(), &i.to_be_bytes()].concat(),
        ))
    }

    fn fq12(i: u64) -> Fq12 {
        let mut c = (0..12).map(|k| element::<Fq>("fq12", i * 12 + k));
        let mut fq2 = || Fq2::new(c.next().unwrap(), c.next().unwrap());
        let mut fq6 = || ark_bn254::Fq6::new(fq2(), fq2(), fq2());
        Fq12::new(fq6(), fq6())
    }

    #[test]
    fn the_window_spells_x() {
        let x: i128 = X_WNAF
            .iter()
            .rev()
            .fold(0, |acc, &d| acc * 2 + i128::from(d));
        assert_eq!(x, Config::X[0] as i128);
        assert!(X_WNAF.iter().all(|d| d % 2 != 0 || *d == 0));
        assert_eq!(X_WNAF.iter().filter(|d| **d != 0).count(), 14);
    }

    #[test]
    fn exponentiation_and_final_exponentiation_agree_with_arkworks() {
        for i in 0..8 {
            let f = fq12(i);
            let expected = Bn254::final_exponentiation(ark_ec::pairing::MillerLoopOutput(f))
                .unwrap()
                .0;
            assert_eq!(final_exponentiation(&f), Some(expected));
            // A cyclotomic element: exp_by_x agrees with arkworks' NAF walk.
            assert_eq!(exp_by_x(&expected), expected.cyclotomic_exp(Config::X));
        }
        assert_eq!(final_exponentiation(&Fq12::zero()), None);
    }

    #[test]
    fn the_pairing_product_agrees_with_arkworks() {
        let g1 = |i: u64| (G1Projective::generator() * element::<Fr>("g1", i)).into_affine();
        let g2 = |i: u64| (G2Projective::generator() * element::<Fr>("g2", i)).into_affine();
        for round in 0..7 {
            let (a, b) = (g1(3 * round), g2(3 * round));
            let (p1, q1) = (g1(3 * round + 1), g2(3 * round + 1));
            let (p2, q2) = (g1(3 * round + 2), g2(3 * round + 2));
            // Points at infinity on either side, as arkworks skips them.
            let p1 = if round == 4 { G1Affine::zero() } else { p1 };
            let a = if round == 5 { G1Affine::zero() } else { a };
            let b = if round == 6 { G2Affine::zero() } else { b };
            let (l1, l2) = (FixedLines::new(q1).unwrap(), FixedLines::new(q2).unwrap());
            let expected = Bn254::multi_pairing([a, p1, p2], [b, q1, q2]).0;
            let fixed = [(p1, &l1), (p2, &l2)];
            assert_eq!(
                pairing_product_is(&a, &b, &fixed, &expected),
                Ok(true),
                "round {round}"
            );
            assert_eq!(
                pairing_product_is(&a, &b, &fixed, &(expected + Fq12::one())),
                Ok(false)
            );
        }
        assert!(FixedLines::new(G2Affine::zero()).is_none());
    }

    #[test]
    fn the_walk_draws_arkworks_lines() {
        let members =
            (0..4).map(|i| (G2Projective::generator() * element::<Fr>("walk", i)).into_affine());
        for q in members.chain(twist_points(4)) {
            let mut lines = Vec::new();
            walk(&q, |line, _| lines.push(line));
            assert_eq!(lines.len(), LINES);
            assert_eq!(lines, G2Prepared::<Config>::from(q).ell_coeffs);
        }
    }

    #[test]
    fn the_walk_tests_membership_of_g2() {
        let in_g2 = |q: &G2Affine| walk(q, |_, _| {});
        for i in 0..16 {
            let q = (G2Projective::generator() * element::<Fr>("member", i)).into_affine();
            assert!(in_g2(&q), "{i}");
            assert!(in_g2(&-q), "{i}");
        }
        for q in twist_points(32) {
            assert!(q.is_on_curve() && !q.is_in_correct_subgroup_assuming_on_curve());
            assert!(!in_g2(&q));
        }
        // A fixed key point outside G2 has no lines.
        assert!(FixedLines::new(twist_points(1)[0]).is_none());
        // The pairing check refuses such a `b` before its final exponentiation.
        let g = G1Affine::generator();
        assert_eq!(
            pairing_product_is(&g, &twist_points(1)[0], &[], &Fq12::one()),
            Err(NotInG2)
        );
    }

    /// The number theory behind [`walk`]'s membership test, computed: the loop's relation
    /// kills G2, `π² − tπ + p` kills the whole twist, and the norm of the test's
    /// endomorphism is prime to the cofactor, so it kills nothing else.
    #[test]
    fn the_membership_test_is_complete() {
        use num_bigint::{BigInt, BigUint};
        use num_integer::Integer;
        let p = BigInt::from(BigUint::from(Fq::MODULUS));
        let r = BigInt::from(BigUint::from(Fr::MODULUS));
        let x = BigInt::from(Config::X[0]);
        let t = &p + 1 - &r;
        assert_eq!(t, BigInt::from(6) * &x * &x + 1);
        let h = BigInt::from(2) * &p - &r;
        assert_eq!(h.gcd(&r), BigInt::from(1));
        // (6x+2) + p − p² + p³ ≡ 0 (mod r).
        let ate = BigInt::from(6) * &x + 2;
        let relation: BigInt = &ate + &p - &p * &p + &p * &p * &p;
        assert_eq!(relation.mod_floor(&r), BigInt::ZERO);
        // With π² = tπ − p: (6x+2) + π − π² + π³ = a + bπ.
        let a: BigInt = &ate + &p - &t * &p;
        let b: BigInt = 1 - &t + &t * &t - &p;
        let norm: BigInt = &a * &a + &t * &a * &b + &p * &b * &b;
        assert_eq!(norm.gcd(&h), BigInt::from(1));
        // π² − tπ + p = 0 on points of the twist outside G2, and π = p on G2.
        let limbs = |n: &BigInt| n.to_biguint().unwrap().to_u64_digits();
        let pi = |q: G2Projective| {
            let q = q.into_affine();
            let (x, y) = psi(q.x, q.y);
            G2Affine::new_unchecked(x, y).into_group()
        };
        for q in twist_points(4) {
            let q = q.into_group();
            let pq = pi(q);
            assert!((pi(pq) - pq.mul_bigint(limbs(&t)) + q.mul_bigint(limbs(&p))).is_zero());
        }
        let g = G2Projective::generator() * element::<Fr>("pi", 0);
        assert_eq!(pi(g), g.mul_bigint(limbs(&p)));
    }
}
