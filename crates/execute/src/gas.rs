//! EXECUTE's gas schedule: every constant in one place, each derived from a bench.
//!
//! Gas is charged before any work and only from values the caller cannot understate: the
//! input length (known before decoding), the L2 blocks' gas limits (in the payloads, which
//! the validation itself checks), the number of proofs and blob openings. The prices turn
//! measured time into gas at the rate of Ethereum's own BN254 pairing precompile
//! (EIP-1108: 4 pairs = 181,000 gas, 3.23 ms here, so 56.0 gas per microsecond), measured
//! in the same bench run; `benches/report.py` prints these numbers from a criterion run
//! (`benches/results/execute.md`), and the README records the machine.

use crate::{config::Backend, input};

/// Per input byte, every mode: decoding, hashing and (re-execution) indexing the witness.
pub const INPUT_BYTE_GAS: u64 = 16;
/// Fixed cost of a re-execution call (single block or range).
pub const REEXECUTION_BASE_GAS: u64 = 50_000;
/// L1 gas per L2 gas of block gas limit, as the fraction `NUM / DEN`. Measured: an L2 block
/// of 640 transfers (13.4M gas, 640 signatures to recover) validates in 7.0 ns per gas =
/// 0.39 L1 gas per L2 gas at the ecPairing rate; the heaviest fixture blocks, whose gas is
/// mostly burnt by halting transactions, far less (0.09). 1:1 keeps the L2's own gas
/// accounting as the price with a 2.5x margin on the transfer block.
pub const L2_GAS_NUM: u64 = 1;
/// Denominator of the L2 gas price.
pub const L2_GAS_DEN: u64 = 1;
/// Fixed cost of a proof-mode call (statement decoding and bookkeeping).
pub const PROOF_BASE_GAS: u64 = 20_000;
/// Per SP1 Groth16 proof: the worst case, a rejected proof that costs two pairing checks
/// (SHA-256 and BLAKE3 digests): 4.01 ms = 225,000 gas at the ecPairing rate (an accepted
/// proof: 2.03 ms, 0.90x plain arkworks with a prepared key, in the same run).
pub const GROTH16_PROOF_GAS: u64 = 225_000;
/// Per SP1 Plonk proof: the worst case, a rejected proof that runs the verifier twice
/// (SHA-256 and BLAKE3 digests; each is a full transcript, three MSMs and two pairings):
/// 4.76 ms = 267,000 gas at the ecPairing rate (an accepted proof: 2.86 ms).
pub const PLONK_PROOF_GAS: u64 = 267_000;
/// Per blob opening: the EIP-4844 point-evaluation precompile's price for the same check.
pub const BLOB_OPENING_GAS: u64 = 50_000;

/// What can be charged from the input length alone, before decoding it.
pub fn upfront_gas(input: &[u8]) -> u64 {
    let base = match input::ExecuteInput::envelope_id(input) {
        Ok(input::PROOF_ID) => PROOF_BASE_GAS,
        _ => REEXECUTION_BASE_GAS,
    };
    base.saturating_add((input.len() as u64).saturating_mul(INPUT_BYTE_GAS))
}

/// Full cost of re-executing blocks with these gas limits from an input of `len` bytes.
pub fn reexecution_gas(len: usize, gas_limits: impl IntoIterator<Item = u64>) -> u64 {
    let l2 = gas_limits
        .into_iter()
        .fold(0u64, |acc, g| acc.saturating_add(g));
    let l2 = (l2 as u128 * L2_GAS_NUM as u128).div_ceil(L2_GAS_DEN as u128);
    REEXECUTION_BASE_GAS
        .saturating_add((len as u64).saturating_mul(INPUT_BYTE_GAS))
        .saturating_add(u64::try_from(l2).unwrap_or(u64::MAX))
}

/// Full cost of checking these proofs and blob openings from an input of `len` bytes.
pub fn proof_gas(len: usize, proofs: impl IntoIterator<Item = Backend>, openings: usize) -> u64 {
    proofs
        .into_iter()
        .map(|b| match b {
            Backend::Sp1Groth16 => GROTH16_PROOF_GAS,
            Backend::Sp1Plonk => PLONK_PROOF_GAS,
        })
        .fold(PROOF_BASE_GAS, u64::saturating_add)
        .saturating_add((len as u64).saturating_mul(INPUT_BYTE_GAS))
        .saturating_add((openings as u64).saturating_mul(BLOB_OPENING_GAS))
}
