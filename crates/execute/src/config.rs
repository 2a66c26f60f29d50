//! What the L1 fork configures: when EXECUTE activates, which L2 chains have their own fork
//! schedule, and which proof programs it accepts with what threshold.

use crate::{ProofError, groth16::Groth16Key, plonk::PlonkKey};
use nr_stateless::ChainRegistry;
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

impl core::str::FromStr for Backend {
    type Err = String;

    /// `groth16` or `plonk`, as node flags name them.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "groth16" => Ok(Self::Sp1Groth16),
            "plonk" => Ok(Self::Sp1Plonk),
            other => Err(format!(
                "unknown proof backend {other:?} (groth16 or plonk)"
            )),
        }
    }
}

/// Parses an accepted program as node flags give it: `groth16:0x<vkey>` or `plonk:0x<vkey>`.
pub fn parse_program(s: &str) -> Result<(Backend, [u8; 32]), String> {
    let (backend, vkey) = s
        .split_once(':')
        .ok_or("expected <groth16|plonk>:0x<32-byte vkey>")?;
    let backend: Backend = backend.parse()?;
    let vkey = alloy_primitives::hex::decode(vkey).map_err(|e| format!("vkey: {e}"))?;
    let vkey = <[u8; 32]>::try_from(vkey).map_err(|_| "vkey must be 32 bytes".to_string())?;
    Ok((backend, vkey))
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

    /// Verifies `proof` for `program_vkey` over exactly `public_values`.
    pub fn verify(
        &self,
        proof: &[u8],
        program_vkey: &[u8; 32],
        public_values: &[u8],
    ) -> Result<(), ProofError> {
        match self {
            Self::Groth16(key) => key.verify_sp1(proof, program_vkey, public_values),
            Self::Plonk(key) => key.verify_sp1(proof, program_vkey, public_values),
        }
    }
}

/// `vk.bytes32()` of native-rollup's own SP1 program under SP1 6.10.0: the ELF that
/// `scripts/build-program` reproduces (`crates/prover/elf/`), which commits exactly the
/// statement proof mode checks.
pub const NATIVE_ROLLUP_PROGRAM_VKEY: [u8; 32] =
    alloy_primitives::hex!("007d141a443643d19cc2012787989184fd0e19074d122e0cebd1c0e7920094d9");

/// The proof programs EXECUTE accepts: a verifying key per backend, the accepted
/// `(backend, program vkey)` pairs, and how many distinct ones must verify a statement.
#[derive(Debug, Clone, Default)]
pub struct ProgramRegistry {
    verifiers: BTreeMap<Backend, Verifier>,
    programs: BTreeSet<(Backend, [u8; 32])>,
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

    /// [`Self::sp1_v6`] accepting native-rollup's program
    /// ([`NATIVE_ROLLUP_PROGRAM_VKEY`]) wrapped in Groth16 or in Plonk.
    pub fn native_rollup(threshold: usize) -> Self {
        Self::sp1_v6(threshold)
            .with_program(Backend::Sp1Groth16, NATIVE_ROLLUP_PROGRAM_VKEY)
            .with_program(Backend::Sp1Plonk, NATIVE_ROLLUP_PROGRAM_VKEY)
    }

    /// Sets the key of a backend.
    pub fn with_verifier(mut self, verifier: Verifier) -> Self {
        self.verifiers.insert(verifier.backend(), verifier);
        self
    }

    /// Accepts proofs of `program_vkey` made with `backend`.
    pub fn with_program(mut self, backend: Backend, program_vkey: [u8; 32]) -> Self {
        self.programs.insert((backend, program_vkey));
        self
    }

    /// The number of distinct accepted programs that must verify a statement.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The key to verify `program_vkey` with, if that program is accepted.
    pub fn verifier(&self, backend: Backend, program_vkey: &[u8; 32]) -> Option<&Verifier> {
        if self.programs.contains(&(backend, *program_vkey)) {
            self.verifiers.get(&backend)
        } else {
            None
        }
    }
}

/// Everything EXECUTE needs from the chain it runs on.
#[derive(Debug, Clone, Default)]
pub struct ExecuteConfig {
    /// First L1 block timestamp at which EXECUTE exists.
    pub activation_timestamp: u64,
    /// L2 chains with their own fork schedule; any other chain id runs the fork its
    /// schema id names, from genesis ([`nr_stateless::l2_chain_config`]).
    pub chains: ChainRegistry,
    /// Accepted proof programs.
    pub programs: ProgramRegistry,
}
