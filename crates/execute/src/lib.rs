//! EXECUTE: the precompile an L1 client runs to settle native-rollup L2 blocks.
//!
//! One call settles one L2 block or a contiguous range of them, in one of two modes:
//!
//! * **re-execution**: the input carries the blocks and their execution witness; EXECUTE
//!   runs the canonical [`nr_stateless`] validation under the L2 rules and returns its SSZ
//!   result.
//! * **proof**: the input carries that same result (the *statement*, which also commits to
//!   the chain rules it was validated under), zk proofs of it
//!   (SP1 v6 Groth16 or Plonk over BN254, verified with arkworks against keys prepared once), and KZG
//!   openings that bind the statement to the blobs of the calling transaction.
//!
//! Both modes return the same bytes for the same blocks, so a rollup contract treats them
//! alike. Every failure halts the call (all gas consumed, empty output); EXECUTE never
//! returns a fatal error, never writes state, and charges gas before it works
//! ([`gas`]). The wire format, the statement and the L2 and chain rules are the protocol
//! crate's ([`nr_statement`]); EXECUTE's configuration is chain data ([`spec`]); the seam
//! into an EVM is [`NativeRollupEvmFactory`].

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod blob;
pub mod bn254;
pub mod config;
pub mod factory;
pub mod gas;
pub mod groth16;
pub mod pairing;
pub mod plonk;
pub mod precompile;
pub mod sidecar;
pub mod sp1;
pub mod spec;
pub mod stark;

/// EXECUTE's input format, defined by the protocol crate (re-exported for callers).
pub use nr_statement::envelope as input;
/// EXECUTE's output: the validation result and a summary of each block.
pub use nr_statement::output;

pub use config::{
    Backend, ExecuteConfig, NATIVE_ROLLUP_PROGRAM_STARK_VKEY, NATIVE_ROLLUP_PROGRAM_VKEY, Program,
    ProgramRegistry, Verifier,
};
pub use factory::NativeRollupEvmFactory;
pub use groth16::{Groth16Key, KeyError};
pub use nr_statement::{ExecuteInput, InputError};
pub use plonk::PlonkKey;
pub use precompile::{ExecuteError, Settled, execute, execute_in, execute_precompile};
pub use sidecar::{BlockProofs, SidecarError, TxProofs, verify_decoded_sidecar, verify_sidecar};
pub use sp1::ValuesDigest;

use alloy_primitives::{Address, address};

/// Where EXECUTE lives: `0x0101`, the address ethrex (the most complete peer) uses, just
/// above the Ethereum precompile range (0x01..0x11 and the 0x0100 P256VERIFY of EIP-7951).
pub const EXECUTE_ADDRESS: Address = address!("0x0000000000000000000000000000000000000101");

/// Why a proof did not verify. Every variant is a rejection; none is retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof bytes have the wrong length for the backend.
    #[error("proof of {0} bytes has the wrong length")]
    Length(usize),
    /// The proof's 4-byte selector is not the configured key's.
    #[error("proof selector does not match the verifying key")]
    Selector,
    /// The proof names another SP1 recursion root.
    #[error("proof vk root is not the configured one")]
    VkRoot,
    /// The program did not exit with code 0.
    #[error("proof has a nonzero exit code")]
    ExitCode,
    /// A field element is not below the modulus.
    #[error("{0} is not a canonical field element")]
    NonCanonical(&'static str),
    /// A point is malformed, off the curve, outside the subgroup, or at infinity.
    #[error("proof point {0} is invalid")]
    InvalidPoint(&'static str),
    /// The pairing equation does not hold.
    #[error("proof does not verify")]
    Pairing,
}
