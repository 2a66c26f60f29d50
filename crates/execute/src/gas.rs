//! EXECUTE's gas schedule: every constant in one place, each derived from a bench.
//!
//! Gas is charged before any work it pays for (the base and per-byte part before decoding,
//! the rest before validation or proof checks), only from values the caller cannot
//! understate: the input length (known before decoding), the L2 blocks' gas limits (in the payloads, which
//! the validation itself checks), the number of proofs and blob openings. The prices turn
//! measured time into gas at the rate of Ethereum's own BN254 pairing precompile
//! (EIP-1108: 4 pairs = 181,000 gas), measured in the same bench run: proof paths in five
//! interleaved rounds, each against its own round's pairing, priced at the upper end of the
//! spread. `benches/report.py` prints these numbers from a criterion run
//! (`benches/results/execute.md`, which names the machine).

use crate::{config::Backend, input};

/// Per input byte, every mode: decoding, hashing and (re-execution) indexing the witness.
pub const INPUT_BYTE_GAS: u64 = 16;
/// Fixed cost of a re-execution call (single block or range).
pub const REEXECUTION_BASE_GAS: u64 = 50_000;
/// L1 gas per L2 gas of block gas limit, as the fraction `NUM / DEN`. Measured with sender
/// recovery on libsecp256k1: an L2 block of 640 transfers (13.4M gas, 640 signatures to
/// recover), the slowest per gas, re-executes in 1.8 ns per gas = 0.28 L1 gas per L2 gas at
/// the ecPairing rate; 448 ERC-20 transfers (14.9M gas) 0.19; the heaviest fixture blocks,
/// whose gas is mostly burnt by halting transactions, less. 3/5 is twice the worst, rounded
/// up to a fifth. (On k256 the transfer block took 1.17 L1 gas per L2 gas in the same run.)
pub const L2_GAS_NUM: u64 = 3;
/// Denominator of the L2 gas price.
pub const L2_GAS_DEN: u64 = 5;
/// Fixed cost of a proof-mode call (statement decoding and bookkeeping).
pub const PROOF_BASE_GAS: u64 = 20_000;
/// Per SP1 Groth16 proof: one pairing check decides (the registry fixes the program's
/// public-values digest), accepted or rejected, on [`crate::pairing`] (the key's `γ` and `δ`
/// lines normalised, `B` tested for G2 by the Miller loop that walks it, a signed window for
/// `x`). Measured on 16 rotating proofs against revm's 4-pair ecPairing on 16 rotating
/// inputs (a repeated input flatters both: the branch predictor learns it): at most 0.630
/// of its time over two runs of five rounds (0.630, then 0.624; medians 0.62) = 115,000 gas
/// (122,000 with a separate subgroup test, 133,000 on arkworks' pairing, 144,000 with
/// arkworks' subgroup test too).
pub const GROTH16_PROOF_GAS: u64 = 115_000;
/// Per SP1 Plonk proof: one verifier run (a transcript, three MSMs, two pairings), accepted
/// or rejected: at most 1.327 of the 4-pair ecPairing's time over four runs of five rounds
/// (1.261, 1.247, 1.327, 1.239) = 241,000 gas.
pub const PLONK_PROOF_GAS: u64 = 241_000;
/// Per blob opening: the EIP-4844 point-evaluation precompile's price for the same check.
pub const BLOB_OPENING_GAS: u64 = 50_000;
/// Fixed cost of a proof-dependency call (statement decoding and bookkeeping), as in proof
/// mode.
pub const DEPENDENCY_BASE_GAS: u64 = PROOF_BASE_GAS;
/// Per proof dependency: the node verified an SP1 compressed proof outside the EVM, at pool
/// admission and at block import, as it checks blob KZG proofs; the transaction pays for
/// that work here, at the ecPairing rate: a full verification is at most 35.32 of the 4-pair
/// ecPairing's time over three runs of five rounds (34.29, 35.32, 34.83; 36.6 ms median; a
/// proof refused midway about 18) = 6,394,000 gas. The pool refuses a sidecar whose
/// transaction's gas limit cannot pay it before verifying anything.
pub const DEPENDENCY_GAS: u64 = 6_394_000;

/// What can be charged from the input length alone, before decoding it.
pub fn upfront_gas(input: &[u8]) -> u64 {
    let base = match input::ExecuteInput::envelope_id(input) {
        Ok(input::PROOF_ID) => PROOF_BASE_GAS,
        Ok(input::DEPENDENCY_ID) => DEPENDENCY_BASE_GAS,
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

/// Full cost of a proof-dependency call from an input of `len` bytes naming `programs`
/// programs, with `openings` blob openings.
pub fn dependency_gas(len: usize, programs: usize, openings: usize) -> u64 {
    DEPENDENCY_BASE_GAS
        .saturating_add((len as u64).saturating_mul(INPUT_BYTE_GAS))
        .saturating_add((programs as u64).saturating_mul(DEPENDENCY_GAS))
        .saturating_add((openings as u64).saturating_mul(BLOB_OPENING_GAS))
}
