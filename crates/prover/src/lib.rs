//! The SP1 host of native-rollup's zk program.
//!
//! The program (`program/`, built into the committed [`PROGRAM_ELF`] by
//! `scripts/build-program`) runs [`nr_statement::statement`] on a [`ProgramInput`] and
//! commits the statement's SSZ bytes, the public values EXECUTE's proof mode checks. This
//! crate prepares that input from L2 blocks ([`Job`]: the stateless inputs plus the KZG
//! commitments of the blobs carrying their data), runs the program in SP1's executor
//! ([`execute`]: cycles, exit code, public values) and, with the `sdk` feature, proves and
//! verifies it ([`prove`]), on CPU or, with `cuda`, on an NVIDIA GPU (`gpu`).

pub mod blobs;
pub mod exec;
#[cfg(feature = "cuda")]
pub mod gpu;
#[cfg(feature = "sdk")]
pub mod prove;
pub mod source;

pub use blobs::BlobSet;
pub use exec::{Execution, ExecutionError, execute};
pub use nr_statement::{ProgramInput, Statement};
pub use source::{Job, SourceError};

/// The program, as `scripts/build-program` builds it (checked byte for byte in CI).
pub const PROGRAM_ELF: &[u8] = include_bytes!("../elf/nr-program.elf");

/// `vk.bytes32()` of [`PROGRAM_ELF`] under SP1 6.10.0, the key EXECUTE's registry names.
pub const PROGRAM_VKEY: &str = include_str!("../elf/nr-program.vkey");

/// `vk.hash_u32()` of [`PROGRAM_ELF`] (32 bytes, hex), the key its compressed proofs commit
/// to and the L1 node verifies proof sidecars against.
pub const PROGRAM_STARK_VKEY: &str = include_str!("../elf/nr-program.stark-vkey");
