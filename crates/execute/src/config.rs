//! What the L1 fork configures: when EXECUTE activates, which L2 chains it settles under
//! which fork schedule, and which proof programs it accepts with what threshold.

use crate::{ProofError, groth16::Groth16Key, plonk::PlonkKey, sp1::ValuesDigest};
use nr_statement::L2Chains;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

/// A proof system EXECUTE can verify, by its wire id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Backend {
    /// SP1 v6 Groth16 over BN254 (gnark), verified with arkworks.
    Sp1Groth16 = 1,
    /// SP1 v6 Plonk over BN254 (gnark), verified with arkworks.
    Sp1Plonk = 2,
}

impl Backend {
    /// The backend a wire id names.
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            1 => Some(Self::Sp1Groth16),
            2 => Some(Self::Sp1Plonk),
            _ => None,
        }
    }
}

impl Backend {
    /// Every backend.
    pub const ALL: [Self; 2] = [Self::Sp1Groth16, Self::Sp1Plonk];

    /// The name chain specifications use (`groth16`, `plonk`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sp1Groth16 => "groth16",
            Self::Sp1Plonk => "plonk",
        }
    }
}

impl core::str::FromStr for Backend {
    type Err = String;

    /// `groth16` or `plonk`, as chain specifications name them.
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown proof backend {s:?} (groth16 or plonk)"))
    }
}

/// A prepared verifying key of one backend (prepared once, shared by every call).
#[derive(Debug, Clone)]
pub enum Verifier {
    /// SP1 Groth16.
    Groth16(Arc<Groth16Key>),
    /// SP1 Plonk.
    Plonk(Arc<PlonkKey>),
}

impl Verifier {
    /// The backend this key belongs to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Groth16(_) => Backend::Sp1Groth16,
            Self::Plonk(_) => Backend::Sp1Plonk,
        }
    }

    /// Verifies `proof` for `program_vkey` over exactly `public_values`, hashed with the
    /// program's `digest`.
    pub fn verify(
        &self,
        proof: &[u8],
        program_vkey: &[u8; 32],
        public_values: &[u8],
        digest: ValuesDigest,
    ) -> Result<(), ProofError> {
        match self {
            Self::Groth16(key) => key.verify_sp1(proof, program_vkey, public_values, digest),
            Self::Plonk(key) => key.verify_sp1(proof, program_vkey, public_values, digest),
        }
    }
}

/// `vk.bytes32()` of native-rollup's own SP1 program under SP1 6.10.0: the ELF that
/// `scripts/build-program` reproduces (`crates/prover/elf/`), which commits exactly the
/// statement proof mode checks.
pub const NATIVE_ROLLUP_PROGRAM_VKEY: [u8; 32] =
    alloy_primitives::hex!("006d590e6fede4f38f45512cca75c4b4e6c2b981a1d4e579904da9c1ec36a70a");

/// `vk.hash_u32()` of the same program (eight big-endian words): the key its compressed
/// proofs commit to, which the node checks sidecar proofs against.
pub const NATIVE_ROLLUP_PROGRAM_STARK_VKEY: [u8; 32] =
    alloy_primitives::hex!("36ac87377b793ce368aa2599275c4b4e3615cc0d075395e6209b53836c36a70a");

/// A proof program the L1 accepts: one zkVM guest, identified by its verifying-key hash
/// (which fixes the zkVM version and the guest), with the public-values digest it commits
/// with and the SNARK wrappers its proofs may come in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// SP1 `vk.bytes32()`.
    pub vkey: [u8; 32],
    /// How the program hashes its public values.
    pub digest: ValuesDigest,
    /// Wrappers whose proofs of this program are accepted.
    pub wrappers: BTreeSet<Backend>,
    /// The program's STARK key (`vk.hash_u32()`, eight big-endian words), where its
    /// compressed proofs are accepted as proof dependencies (verified by the node from a
    /// transaction's sidecar, [`crate::sidecar`]).
    pub stark_vkey: Option<[u8; 32]>,
}

/// The proof programs EXECUTE accepts and how many distinct ones must prove a statement.
///
/// The threshold counts programs, not proofs: a Groth16 and a Plonk wrap of the same SP1
/// program are one program (the same guest on the same zkVM, so one bug breaks both).
/// k-of-n therefore guarantees that a false statement settles only if k independent
/// programs (different guests or different zkVMs) are all unsound, given that the
/// wrappers' circuits and the pairing-based verification are sound.
#[derive(Debug, Clone, Default)]
pub struct ProgramRegistry {
    verifiers: BTreeMap<Backend, Verifier>,
    programs: BTreeMap<[u8; 32], Program>,
    threshold: usize,
}

impl ProgramRegistry {
    /// An empty registry (proof mode rejects everything) with threshold `k` (at least 1).
    pub fn new(threshold: usize) -> Self {
        Self {
            threshold: threshold.max(1),
            ..Self::default()
        }
    }

    /// SP1 v6 as `sp1-verifier` 6.10.0 ships it: the Groth16 and Plonk wrapper keys and
    /// the recursion root, with no program accepted yet.
    pub fn sp1_v6(threshold: usize) -> Self {
        let root = *sp1_verifier::VK_ROOT_BYTES;
        let groth16 = Groth16Key::from_gnark_bytes(*sp1_verifier::GROTH16_VK_BYTES, root)
            .expect("sp1-verifier's Groth16 key is valid");
        let plonk = PlonkKey::from_gnark_bytes(*sp1_verifier::PLONK_VK_BYTES, root)
            .expect("sp1-verifier's Plonk key is valid");
        Self::new(threshold)
            .with_verifier(Verifier::Groth16(Arc::new(groth16)))
            .with_verifier(Verifier::Plonk(Arc::new(plonk)))
    }

    /// [`Self::sp1_v6`] accepting native-rollup's program ([`NATIVE_ROLLUP_PROGRAM_VKEY`],
    /// SHA-256 public values) wrapped in Groth16 or in Plonk.
    pub fn native_rollup(threshold: usize) -> Self {
        Self::sp1_v6(threshold).with_program(Program::native_rollup())
    }

    /// Sets the key of a backend.
    pub fn with_verifier(mut self, verifier: Verifier) -> Self {
        self.verifiers.insert(verifier.backend(), verifier);
        self
    }

    /// Accepts proofs of `program` (replacing an entry with the same vkey).
    pub fn with_program(mut self, program: Program) -> Self {
        self.programs.insert(program.vkey, program);
        self
    }

    /// The number of distinct accepted programs that must verify a statement.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The accepted programs, by vkey.
    pub fn programs(&self) -> impl Iterator<Item = &Program> {
        self.programs.values()
    }

    /// The key to verify a `backend` proof of `program_vkey` with, and the program's
    /// digest, if the program is accepted in that wrapper.
    pub fn verifier(
        &self,
        backend: Backend,
        program_vkey: &[u8; 32],
    ) -> Option<(&Verifier, ValuesDigest)> {
        let program = self.programs.get(program_vkey)?;
        if !program.wrappers.contains(&backend) {
            return None;
        }
        Some((self.verifiers.get(&backend)?, program.digest))
    }

    /// The STARK key to verify a sidecar proof of `program_vkey` with, if the program is
    /// accepted as a proof dependency.
    pub fn stark_key(&self, program_vkey: &[u8; 32]) -> Option<[u8; 32]> {
        self.programs.get(program_vkey)?.stark_vkey
    }
}

impl Program {
    /// native-rollup's own program: [`NATIVE_ROLLUP_PROGRAM_VKEY`], SHA-256 public values,
    /// Groth16 or Plonk, and compressed proofs as dependencies
    /// ([`NATIVE_ROLLUP_PROGRAM_STARK_VKEY`]).
    pub fn native_rollup() -> Self {
        Self {
            vkey: NATIVE_ROLLUP_PROGRAM_VKEY,
            digest: ValuesDigest::Sha256,
            wrappers: [Backend::Sp1Groth16, Backend::Sp1Plonk].into(),
            stark_vkey: Some(NATIVE_ROLLUP_PROGRAM_STARK_VKEY),
        }
    }
}

/// Everything EXECUTE needs from the chain it runs on: chain data of the L1, identical on
/// every node ([`crate::spec`] reads it from the genesis file).
#[derive(Debug, Clone, Default)]
pub struct ExecuteConfig {
    /// First L1 block timestamp at which EXECUTE exists.
    pub activation_timestamp: u64,
    /// The L2 chains this L1 settles and their fork schedules
    /// ([`nr_statement::L2Chains::rules`]).
    pub chains: L2Chains,
    /// Accepted proof programs.
    pub programs: ProgramRegistry,
}

impl ExecuteConfig {
    /// A chain without EXECUTE (its genesis has no `nativeRollup` section): the precompile
    /// never activates.
    pub fn inactive() -> Self {
        Self {
            activation_timestamp: u64::MAX,
            ..Self::default()
        }
    }
}
