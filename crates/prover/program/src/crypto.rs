//! SP1's precompiles behind the hooks the Ethereum crates leave for zkVMs.
//!
//! * keccak-256 (tries, addresses, the KECCAK256 opcode): alloy-primitives'
//!   `native-keccak` calls [`native_keccak256`], a sponge over SP1's keccak-f permutation.
//! * secp256k1 recovery (transaction senders, the ECRECOVER precompile): alloy-consensus'
//!   crypto backend and revm's precompile crypto call [`recover`], which does the two
//!   scalar multiplications with SP1's curve syscalls and the rest with k256 in software.
//! * sha-256 (the SHA256 precompile): SP1's extend and compress syscalls.

use alloy_consensus::crypto::{RecoveryError, backend::CryptoProvider};
use alloy_primitives::{Address, keccak256};
use k256::{
    AffinePoint, FieldBytes, Scalar, U256,
    elliptic_curve::{
        PrimeField,
        ops::Reduce,
        point::DecompressPoint,
        sec1::{FromEncodedPoint, ToEncodedPoint},
        subtle::Choice,
    },
};
use revm::precompile::{Crypto, PrecompileHalt};
use sp1_lib::{secp256k1::Secp256k1Point, utils::AffinePoint as _};
use std::sync::Arc;

/// Installs the providers; called once, first thing.
pub fn install() {
    let _ = alloy_consensus::crypto::backend::install_default_provider(Arc::new(Sp1Crypto));
    revm::precompile::install_crypto(Sp1Crypto);
}

const RATE_LANES: usize = 17; // keccak-256: 1088-bit rate

/// keccak-256 of `len` bytes at `bytes` into 32 bytes at `output` (alloy's hook).
///
/// # Safety
/// `bytes` is readable for `len` bytes and `output` writable for 32 (alloy passes a slice
/// and a `B256`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    let input = unsafe { core::slice::from_raw_parts(bytes, len) };
    let mut state = [0u64; 25];
    let mut blocks = input.chunks_exact(RATE_LANES * 8);
    for block in &mut blocks {
        absorb(&mut state, block);
        unsafe { sp1_lib::syscall_keccak_permute(&mut state) };
    }
    // Keccak padding (0x01 .. 0x80), not SHA-3's.
    let rest = blocks.remainder();
    let mut last = [0u8; RATE_LANES * 8];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE_LANES * 8 - 1] ^= 0x80;
    absorb(&mut state, &last);
    unsafe { sp1_lib::syscall_keccak_permute(&mut state) };
    let out = unsafe { core::slice::from_raw_parts_mut(output, 32) };
    for (lane, chunk) in state.iter().zip(out.chunks_exact_mut(8)) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, chunk) in state.iter_mut().zip(block.chunks_exact(8)) {
        *lane ^= u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
}

/// The uncompressed public key (x, y) that signed `msg` with `(r, s)` and y-parity
/// `recid`: `Q = r⁻¹ (s·R - z·G)` with `R` the point of x-coordinate `r`. `None` where
/// k256 would fail: `r` or `s` zero or not below the order, `r` not an x-coordinate, a
/// recovery id other than 0 or 1 (Ethereum's parities), or `Q` the identity.
pub fn recover(sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> Option<[u8; 64]> {
    if recid > 1 {
        return None;
    }
    let r = nonzero_scalar(&sig[..32])?;
    let s = nonzero_scalar(&sig[32..])?;
    // R from x = r (below p, since r < n < p) and y's parity, in software: it also rejects
    // an x with no point, where SP1's decompress syscall would not be provable.
    let big_r: AffinePoint =
        Option::from(AffinePoint::decompress(&r.to_repr(), Choice::from(recid)))?;
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&field_bytes(msg));
    let r_inv: Scalar = Option::from(r.invert())?;
    let u1 = -(z * r_inv);
    let u2 = s * r_inv;

    let point = |p: &AffinePoint| -> Secp256k1Point {
        let encoded = p.to_encoded_point(false);
        let mut x = *encoded.x().expect("not the identity");
        let mut y = *encoded.y().expect("not the identity");
        x.reverse();
        y.reverse();
        <Secp256k1Point as sp1_lib::utils::AffinePoint<8>>::from(&x, &y)
    };
    let q = Secp256k1Point::multi_scalar_multiplication(
        &bits_le(&u1),
        point(&AffinePoint::GENERATOR),
        &bits_le(&u2),
        point(&big_r),
    );
    if q.is_identity() {
        return None;
    }
    let mut key = [0u8; 64];
    let le = q.to_le_bytes();
    for (half, out) in le.chunks_exact(32).zip(key.chunks_exact_mut(32)) {
        out.copy_from_slice(half);
        out.reverse();
    }
    // The syscalls keep points on the curve; k256 checks it anyway, cheaply.
    let encoded = k256::EncodedPoint::from_untagged_bytes(&key.into());
    Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded))?;
    Some(key)
}

fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let s: Scalar = Option::from(Scalar::from_repr(field_bytes(bytes)))?;
    (!bool::from(s.is_zero())).then_some(s)
}

fn field_bytes(bytes: &[u8]) -> FieldBytes {
    let mut out = FieldBytes::default();
    out.copy_from_slice(bytes);
    out
}

fn bits_le(s: &Scalar) -> Vec<bool> {
    let be = s.to_bytes();
    (0..256)
        .map(|i| (be[31 - i / 8] >> (i % 8)) & 1 == 1)
        .collect()
}

#[derive(Debug)]
struct Sp1Crypto;

impl CryptoProvider for Sp1Crypto {
    fn recover_signer_unchecked(
        &self,
        sig: &[u8; 65],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        let key = recover(sig[..64].try_into().expect("64 bytes"), sig[64], msg)
            .ok_or_else(RecoveryError::new)?;
        Ok(Address::from_slice(&keccak256(key)[12..]))
    }

    fn verify_and_compute_signer_unchecked(
        &self,
        pubkey: &[u8; 65],
        sig: &[u8; 64],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        // Not on validation's path; recovering both parities and comparing is exact.
        (0..2)
            .filter_map(|recid| recover(sig, recid, msg))
            .find(|key| key[..] == pubkey[1..])
            .map(|key| Address::from_slice(&keccak256(key)[12..]))
            .ok_or_else(RecoveryError::new)
    }
}

impl Crypto for Sp1Crypto {
    fn sha256(&self, input: &[u8]) -> [u8; 32] {
        sha256(input)
    }

    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        let key = recover(sig, recid, msg).ok_or(PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut out = keccak256(key).0;
        out[..12].fill(0);
        Ok(out)
    }
}

const SHA256_IV: [u64; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// SHA-256 with SP1's message-schedule and compression syscalls (one word per u64).
pub fn sha256(input: &[u8]) -> [u8; 32] {
    let mut state = SHA256_IV;
    let bit_len = (input.len() as u64) * 8;
    let mut padded = input.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&bit_len.to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u64; 64];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u64::from(u32::from_be_bytes(bytes.try_into().expect("4 bytes")));
        }
        unsafe {
            sp1_lib::syscall_sha256_extend(&mut w);
            sp1_lib::syscall_sha256_compress(&mut w, &mut state);
        }
    }
    let mut out = [0u8; 32];
    for (word, bytes) in state.iter().zip(out.chunks_exact_mut(4)) {
        bytes.copy_from_slice(&(*word as u32).to_be_bytes());
    }
    out
}
