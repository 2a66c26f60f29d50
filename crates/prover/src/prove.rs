//! Proving with the SP1 SDK (feature `sdk`): core and compressed proofs on CPU, on a GPU
//! with `cuda`, Groth16 / Plonk where SP1's circuit artifacts can be downloaded.
//!
//! Every proof is verified before it is returned, and its public values are checked to be
//! exactly the statement computed natively.

use sp1_sdk::{
    Elf, HashableKey, ProveRequest, Prover, ProverClient, ProvingKey, SP1ProofWithPublicValues,
    SP1Stdin, SP1VerifyingKey,
};

/// Which proof to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// One STARK proof per shard (largest, fastest).
    Core,
    /// One recursive STARK proof of constant size.
    Compressed,
    /// A Groth16 SNARK wrapping the compressed proof (what EXECUTE verifies).
    Groth16,
    /// A Plonk SNARK wrapping the compressed proof (what EXECUTE verifies).
    Plonk,
}

/// Why proving failed.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The prover refused or failed.
    #[error("proving failed: {0}")]
    Prove(String),
    /// The proof does not verify (a bug; nothing is written).
    #[error("the proof does not verify: {0}")]
    Verify(String),
    /// The proof's public values are not the native statement (a bug; nothing is written).
    #[error("the proof's public values differ from the native statement")]
    Statement,
}

/// A verified proof and the key it verifies under.
pub struct Proven {
    /// The proof with its public values.
    pub proof: SP1ProofWithPublicValues,
    /// The program's verifying key.
    pub vk: SP1VerifyingKey,
    /// What the proof cost on the GPU (`None` on CPU).
    pub gpu: Option<GpuStats>,
}

/// Time and device memory of a GPU proof.
#[derive(Debug, Clone)]
pub struct GpuStats {
    /// The device, as CUDA names it.
    pub device: String,
    /// Seconds to start the prover and set the program up (once per process in a service).
    pub setup_seconds: f64,
    /// Seconds from the start of proving to the proof (execution, tracegen, proving), of
    /// each run on the same set-up prover.
    pub prove_seconds: Vec<f64>,
    /// The most device memory in use while proving (bytes, sampled every 50 ms).
    pub peak_device_bytes: usize,
    /// The device's memory (bytes).
    pub device_total_bytes: usize,
}

/// Where the proof is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// This machine's CPUs.
    Cpu,
    /// An NVIDIA GPU (feature `cuda`), proving `runs` times on one set-up prover (timings of
    /// a warm prover; the last proof is kept).
    Cuda {
        /// How many proofs to make.
        runs: usize,
    },
}

/// SP1's verifier with `elf` set up: the light node computes the verifying key without the
/// proving machinery a CPU prover starts.
async fn light_setup(
    elf: &[u8],
) -> Result<(sp1_sdk::LightProver, sp1_sdk::SP1ProvingKey), ProveError> {
    let verifier = ProverClient::builder().light().build().await;
    let pk = verifier
        .setup(Elf::from(elf))
        .await
        .map_err(|e| ProveError::Prove(e.to_string()))?;
    Ok((verifier, pk))
}

/// `vk.bytes32()` of `elf`, the key EXECUTE's registry names the program by, and
/// `vk.hash_u32()` as 32 bytes (eight big-endian words), the key its compressed proofs
/// commit to.
pub async fn vkeys(elf: &[u8]) -> Result<(String, [u8; 32]), ProveError> {
    let (_, pk) = light_setup(elf).await?;
    Ok((pk.verifying_key().bytes32(), stark_vkey(pk.verifying_key())))
}

/// `vk.hash_u32()` as 32 bytes (eight big-endian words).
pub fn stark_vkey(vk: &SP1VerifyingKey) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, word) in vk.hash_u32().iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The proof sidecar an L1 node accepts for a compressed proof of `proven`: one
/// [`SidecarProof`](nr_statement::SidecarProof) naming the program by `vk.bytes32()`, its
/// statement, and the proof in SP1's own encoding (bincode of `SP1Proof`).
pub fn sidecar(proven: &Proven) -> Result<nr_statement::ProofSidecar, ProveError> {
    let proof = bincode::serialize(&proven.proof.proof)
        .map_err(|e| ProveError::Prove(format!("encoding the proof: {e}")))?;
    let program = proven.vk.bytes32_raw();
    let entry = nr_statement::SidecarProof {
        program,
        statement: proven
            .proof
            .public_values
            .to_vec()
            .try_into()
            .map_err(|_| ProveError::Prove("statement over the sidecar's cap".into()))?,
        proof: proof
            .try_into()
            .map_err(|_| ProveError::Prove("proof over the sidecar's cap".into()))?,
    };
    Ok(nr_statement::ProofSidecar {
        proofs: vec![entry]
            .try_into()
            .map_err(|_| ProveError::Prove("sidecar cap".into()))?,
    })
}

/// Proves `elf` on `input` in `mode`, verifies the proof, and checks its public values
/// against `expected` (the natively computed statement).
pub async fn prove(
    elf: &[u8],
    input: &[u8],
    expected: &[u8],
    mode: Mode,
    device: Device,
) -> Result<Proven, ProveError> {
    match device {
        Device::Cpu => {
            let prover = ProverClient::builder().cpu().build().await;
            prove_with(&prover, elf, input, expected, mode).await
        }
        #[cfg(feature = "cuda")]
        Device::Cuda { runs } => {
            let made = crate::gpu::prove(elf, input, mode, runs).await?;
            let (verifier, pk) = light_setup(elf).await?;
            if made.vk.bytes32() != pk.verifying_key().bytes32() {
                return Err(ProveError::Verify(
                    "the GPU prover's verifying key differs from the program's".into(),
                ));
            }
            let proof = made.proof;
            check(&verifier, &proof, pk.verifying_key(), expected)?;
            Ok(Proven {
                proof,
                vk: made.vk,
                gpu: Some(made.stats),
            })
        }
        #[cfg(not(feature = "cuda"))]
        Device::Cuda { .. } => Err(ProveError::Prove(
            "this prover was built without the `cuda` feature".into(),
        )),
    }
}

async fn prove_with<P: Prover>(
    prover: &P,
    elf: &[u8],
    input: &[u8],
    expected: &[u8],
    mode: Mode,
) -> Result<Proven, ProveError> {
    let pk = prover
        .setup(Elf::from(elf))
        .await
        .map_err(|e| ProveError::Prove(e.to_string()))?;
    let mut stdin = SP1Stdin::new();
    stdin.write_slice(input);
    let request = prover.prove(&pk, stdin);
    let request = match mode {
        Mode::Core => request.core(),
        Mode::Compressed => request.compressed(),
        Mode::Groth16 => request.groth16(),
        Mode::Plonk => request.plonk(),
    };
    let proof = request
        .await
        .map_err(|e| ProveError::Prove(e.to_string()))?;
    let vk = pk.verifying_key().clone();
    check(prover, &proof, &vk, expected)?;
    Ok(Proven {
        proof,
        vk,
        gpu: None,
    })
}

/// Verifies `proof` under `vk`: SP1 also checks that the public values are the ones the
/// proof commits to.
fn verify<P: Prover>(
    verifier: &P,
    proof: &SP1ProofWithPublicValues,
    vk: &SP1VerifyingKey,
) -> Result<(), ProveError> {
    verifier
        .verify(proof, vk, None)
        .map_err(|e| ProveError::Verify(e.to_string()))
}

/// [`verify`], and requires the public values to be `expected`.
fn check<P: Prover>(
    verifier: &P,
    proof: &SP1ProofWithPublicValues,
    vk: &SP1VerifyingKey,
    expected: &[u8],
) -> Result<(), ProveError> {
    verify(verifier, proof, vk)?;
    if proof.public_values.as_slice() != expected {
        return Err(ProveError::Statement);
    }
    Ok(())
}

/// Loads a proof file (a proof sidecar, or SP1's own format) and verifies it against
/// `elf`'s key; returns its public values (each sidecar proof's, which must agree).
pub async fn verify_file(elf: &[u8], path: &std::path::Path) -> Result<Vec<u8>, ProveError> {
    let bytes = std::fs::read(path).map_err(|e| ProveError::Verify(e.to_string()))?;
    let (verifier, pk) = light_setup(elf).await?;
    let Ok(sidecar) = nr_statement::ProofSidecar::decode(&bytes) else {
        let proof =
            SP1ProofWithPublicValues::load(path).map_err(|e| ProveError::Verify(e.to_string()))?;
        verify(&verifier, &proof, pk.verifying_key())?;
        return Ok(proof.public_values.to_vec());
    };
    let mut statement = None;
    for p in sidecar.proofs.iter() {
        if p.program != pk.verifying_key().bytes32_raw() {
            return Err(ProveError::Verify(
                "a sidecar proof names another program".into(),
            ));
        }
        let proof = SP1ProofWithPublicValues {
            proof: bincode::deserialize(&p.proof).map_err(|e| ProveError::Verify(e.to_string()))?,
            public_values: sp1_sdk::SP1PublicValues::from(&p.statement[..]),
            sp1_version: sp1_sdk::SP1_CIRCUIT_VERSION.to_string(),
            tee_proof: None,
        };
        verify(&verifier, &proof, pk.verifying_key())?;
        if statement
            .as_ref()
            .is_some_and(|s: &Vec<u8>| s[..] != p.statement[..])
        {
            return Err(ProveError::Verify(
                "sidecar proofs of different statements".into(),
            ));
        }
        statement = Some(p.statement.to_vec());
    }
    statement.ok_or_else(|| ProveError::Verify("empty sidecar".into()))
}
