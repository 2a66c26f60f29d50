//! The BN254 pairing check of a Groth16 proof, on arkworks' field arithmetic, in two ways
//! cheaper than arkworks' generic `multi_pairing`:
//!
//! - **Normalised lines of the key's fixed G2 points.** A line of the Miller loop is
//!   `c0·y_P + (c1·x_P + c2·v)·w`; any non-zero factor in Fp6 (so in Fp2) is sent to one by
//!   the final exponentiation, so a line may be divided by `c0·y_P`. For `γ` and `δ`, fixed by the
//!   key, `c1/c0` and `c2/c0` are computed once; a proof then needs `x_P/y_P` and `1/y_P`
//!   (one batched inversion) and each line multiplies in as `1 + (d3 + d4·v)·w`, three Fp2
//!   multiplications fewer than arkworks' `mul_by_034`.
//! - **A windowed exponentiation by the curve parameter.** The hard part of the final
//!   exponentiation raises to `x` three times; arkworks walks its NAF (24 non-zero digits),
//!   a signed window of width 4 needs 14 multiplications plus 4 for its table.
//!
//! The result equals arkworks' `multi_pairing` (tests below, on pseudo-random points); only the
//! intermediate Miller-loop value differs, by factors the final exponentiation removes.

use ark_bn254::{Config, Fq, Fq2, Fq12, Fq12Config, G1Affine, G2Affine};
use ark_ec::{
    AffineRepr,
    bn::{BnConfig, G2Prepared},
};
use ark_ff::{CyclotomicMultSubgroup, Field, Fp12Config, One, batch_inversion};

/// The Miller-loop lines of a G2 point fixed by a verifying key, divided by their constant
/// coefficient: `(c1/c0, c2/c0)` per line.
#[derive(Clone, Debug)]
pub struct FixedLines(Vec<(Fq2, Fq2)>);

impl FixedLines {
    /// The lines of `q`; `None` for the point at infinity or a line whose constant
    /// coefficient vanishes (neither happens for a point of G2 other than infinity: a
    /// doubling's is `-2YZ`, an addition's the difference of two distinct x coordinates).
    pub fn new(q: G2Affine) -> Option<Self> {
        if q.is_zero() {
            return None;
        }
        G2Prepared::<Config>::from(q)
            .ell_coeffs
            .iter()
            .map(|(c0, c1, c2)| {
                let inv = c0.inverse()?;
                Some((*c1 * inv, *c2 * inv))
            })
            .collect::<Option<Vec<_>>>()
            .map(Self)
    }
}

/// `e(a, b) · Π e(pᵢ, qᵢ)` over the fixed `qᵢ`: true iff it equals `target`. Points at
/// infinity contribute one, as in arkworks.
pub fn pairing_product_is(
    a: &G1Affine,
    b: &G2Affine,
    fixed: &[(G1Affine, &FixedLines)],
    target: &Fq12,
) -> bool {
    final_exponentiation(&miller_loop(a, b, fixed)).is_some_and(|f| f == *target)
}

/// The Miller loop of `e(a, b)` and the fixed pairs, arkworks' loop (its coefficient order)
/// with the fixed pairs' lines normalised.
fn miller_loop(a: &G1Affine, b: &G2Affine, fixed: &[(G1Affine, &FixedLines)]) -> Fq12 {
    // Per fixed pair: x/y and 1/y of its G1 point (inverted together).
    let fixed: Vec<_> = fixed.iter().filter(|(p, _)| !p.is_zero()).collect();
    let mut inv_y: Vec<Fq> = fixed.iter().map(|(p, _)| p.y).collect();
    batch_inversion(&mut inv_y);
    let scaled: Vec<(Fq, Fq, &FixedLines)> = fixed
        .iter()
        .zip(&inv_y)
        .map(|((p, lines), t)| (p.x * t, *t, *lines))
        .collect();
    let variable = (!a.is_zero() && !b.is_zero()).then(|| G2Prepared::<Config>::from(*b));
    let mut variable_lines = variable.iter().flat_map(|v| v.ell_coeffs.iter());

    let mut f = Fq12::one();
    let mut line = 0;
    let mut apply = |f: &mut Fq12, line: usize| {
        if let Some((c0, c1, c2)) = variable_lines.next() {
            let (mut c0, mut c1) = (*c0, *c1);
            c0.mul_assign_by_fp(&a.y);
            c1.mul_assign_by_fp(&a.x);
            f.mul_by_034(&c0, &c1, c2);
        }
        for (s, t, lines) in &scaled {
            let (n1, n2) = lines.0[line];
            let (mut d3, mut d4) = (n1, n2);
            d3.mul_assign_by_fp(s);
            d4.mul_assign_by_fp(t);
            mul_by_1_34(f, &d3, &d4);
        }
    };
    let count = Config::ATE_LOOP_COUNT;
    for i in (1..count.len()).rev() {
        if i != count.len() - 1 {
            f.square_in_place();
        }
        apply(&mut f, line);
        line += 1;
        if count[i - 1] != 0 {
            apply(&mut f, line);
            line += 1;
        }
    }
    if Config::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    apply(&mut f, line);
    apply(&mut f, line + 1);
    f
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
    use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, pairing::Pairing};
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
        for round in 0..6 {
            let (a, b) = (g1(3 * round), g2(3 * round));
            let (p1, q1) = (g1(3 * round + 1), g2(3 * round + 1));
            let (p2, q2) = (g1(3 * round + 2), g2(3 * round + 2));
            // Points at infinity on either side, as arkworks skips them.
            let p1 = if round == 4 { G1Affine::zero() } else { p1 };
            let a = if round == 5 { G1Affine::zero() } else { a };
            let (l1, l2) = (FixedLines::new(q1).unwrap(), FixedLines::new(q2).unwrap());
            let expected = Bn254::multi_pairing([a, p1, p2], [b, q1, q2]).0;
            let fixed = [(p1, &l1), (p2, &l2)];
            assert!(
                pairing_product_is(&a, &b, &fixed, &expected),
                "round {round}"
            );
            assert!(!pairing_product_is(
                &a,
                &b,
                &fixed,
                &(expected + Fq12::one())
            ));
        }
        assert!(FixedLines::new(G2Affine::zero()).is_none());
    }
}
