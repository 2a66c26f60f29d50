//! Evaluating a blob's polynomial at a point, as EIP-4844 defines it, without a setup.
//!
//! A blob is the evaluation form of a polynomial `p` over the 4096th roots of unity of the
//! BLS12-381 scalar field, in bit-reversed order: element `i` is `p(ω^brp(i))`. The
//! barycentric formula gives `p(z)` from the elements alone:
//!
//! ```text
//! p(z) = (z^N - 1) / N · Σ_i d_i · ω_i / (z - ω_i)        (z not a root of unity)
//! ```
//!
//! Elements that are zero add nothing, so a blob holding a small block costs only its
//! non-zero elements (one inversion in a batch, a few multiplications each). EXECUTE's
//! KZG opening (c-kzg, the trusted setup) then checks the same `p(z)` against the
//! commitment: the tests here compare with c-kzg's `compute_kzg_proof` value.

use alloc::vec::Vec;
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero, batch_inversion};

/// Field elements in a blob.
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4096;
/// Bytes in a blob.
pub const BYTES_PER_BLOB: usize = FIELD_ELEMENTS_PER_BLOB * 32;
/// log2 of [`FIELD_ELEMENTS_PER_BLOB`].
const LOG_WIDTH: u32 = 12;
/// The multiplicative generator EIP-4844 derives the roots of unity from.
const PRIMITIVE_ROOT_OF_UNITY: u64 = 7;

/// The blob (131072 bytes) whose elements carry `data` 31 bytes each, behind a zero byte.
/// Panics if `data` exceeds one blob.
pub fn blob_bytes(data: &[u8]) -> Vec<u8> {
    assert!(
        data.len() <= FIELD_ELEMENTS_PER_BLOB * 31,
        "data exceeds a blob"
    );
    let mut blob = alloc::vec![0u8; BYTES_PER_BLOB];
    for (chunk, out) in data.chunks(31).zip(blob.chunks_mut(32)) {
        out[1..1 + chunk.len()].copy_from_slice(chunk);
    }
    blob
}

/// `p(z)` for the blob [`blob_bytes`] makes of `data`, as 32 big-endian bytes. `z` is
/// reduced modulo the scalar field's order (a Fiat-Shamir point is already below it).
pub fn evaluate_packed(data: &[u8], z: &[u8; 32]) -> [u8; 32] {
    // Element i = [0, chunk_i, zero padding] read big-endian, as `blob_bytes` lays it out.
    let elements = data.chunks(31).map(|chunk| {
        let mut element = [0u8; 32];
        element[1..1 + chunk.len()].copy_from_slice(chunk);
        Fr::from_be_bytes_mod_order(&element)
    });
    to_bytes(evaluate(elements, Fr::from_be_bytes_mod_order(z)))
}

/// `p(z)` for a blob whose first elements are `elements` (the rest zero).
pub fn evaluate(elements: impl Iterator<Item = Fr>, z: Fr) -> Fr {
    // ω = 7^((r - 1) / N), a primitive N-th root of unity (2^32 divides r - 1).
    let exponent = (-Fr::one()).into_bigint() >> LOG_WIDTH;
    let omega = Fr::from(PRIMITIVE_ROOT_OF_UNITY).pow(exponent);
    let root = |i: usize| {
        let exponent = (i as u64).reverse_bits() >> (64 - LOG_WIDTH);
        omega.pow([exponent])
    };
    let z_n = z.pow([FIELD_ELEMENTS_PER_BLOB as u64]);
    let nonzero: Vec<(Fr, Fr)> = elements
        .take(FIELD_ELEMENTS_PER_BLOB)
        .enumerate()
        .filter(|(_, d)| !d.is_zero())
        .map(|(i, d)| (d, root(i)))
        .collect();
    if z_n.is_one() {
        // z is a root of unity: p(z) is the element at its index (zero if not given).
        return nonzero
            .iter()
            .find(|(_, w)| *w == z)
            .map_or(Fr::zero(), |(d, _)| *d);
    }
    let mut denominators: Vec<Fr> = nonzero.iter().map(|(_, w)| z - w).collect();
    batch_inversion(&mut denominators);
    let sum: Fr = nonzero
        .iter()
        .zip(&denominators)
        .map(|((d, w), inv)| *d * w * inv)
        .sum();
    let width_inv = Fr::from(FIELD_ELEMENTS_PER_BLOB as u64)
        .inverse()
        .expect("N is invertible");
    sum * (z_n - Fr::one()) * width_inv
}

fn to_bytes(x: Fr) -> [u8; 32] {
    x.into_bigint()
        .to_bytes_be()
        .try_into()
        .expect("a 255-bit field element is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ckzg_value(data: &[u8], z: [u8; 32]) -> [u8; 32] {
        let settings = c_kzg::ethereum_kzg_settings(0);
        let blob = c_kzg::Blob::from_bytes(&blob_bytes(data)).unwrap();
        let (_, y) = settings
            .compute_kzg_proof(&blob, &c_kzg::Bytes32::new(z))
            .unwrap();
        y.as_slice().try_into().unwrap()
    }

    #[test]
    fn barycentric_value_matches_c_kzg() {
        let full: Vec<u8> = (0..FIELD_ELEMENTS_PER_BLOB * 31)
            .map(|i| (i * 7 + 3) as u8)
            .collect();
        let cases: [&[u8]; 4] = [b"", b"\x01", b"native rollup", &full];
        for data in cases {
            for seed in [1u8, 0x42, 0x73] {
                let mut z = [seed; 32];
                z[0] = 0;
                assert_eq!(
                    evaluate_packed(data, &z),
                    ckzg_value(data, z),
                    "{} bytes at z={seed:#x}",
                    data.len()
                );
            }
        }
    }

    #[test]
    fn at_a_root_of_unity_the_value_is_the_element() {
        // Element 1 sits at ω^brp(1) = ω^2048 = -1.
        let data: Vec<u8> = (0..31 * 3).map(|i| i as u8 + 1).collect();
        let z: [u8; 32] = to_bytes(-Fr::one());
        let mut expected = [0u8; 32];
        expected[1..].copy_from_slice(&data[31..62]);
        assert_eq!(evaluate_packed(&data, &z), expected);
        assert_eq!(ckzg_value(&data, z), expected);
        // z = 1 = ω^brp(0): element 0.
        let mut one = [0u8; 32];
        one[31] = 1;
        expected[1..].copy_from_slice(&data[..31]);
        assert_eq!(evaluate_packed(&data, &one), expected);
    }
}
