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
}

/// Where the proof is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// This machine's CPUs.
    Cpu,
    /// An NVIDIA GPU (feature `cuda`).
    Cuda,
}

/// A CPU prover with `elf` set up.
async fn cpu_setup(elf: &[u8]) -> Result<(sp1_sdk::CpuProver, sp1_sdk::SP1ProvingKey), ProveError> {
    let prover = ProverClient::builder().cpu().build().await;
    let pk = prover
        .setup(Elf::from(elf))
        .await
        .map_err(|e| ProveError::Prove(e.to_string()))?;
    Ok((prover, pk))
}

/// `vk.bytes32()` of `elf`: the key EXECUTE's registry names.
pub async fn vkey(elf: &[u8]) -> Result<String, ProveError> {
    let (_, pk) = cpu_setup(elf).await?;
    Ok(pk.verifying_key().bytes32())
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
        Device::Cuda => {
            let prover = ProverClient::builder().cuda().build().await;
            prove_with(&prover, elf, input, expected, mode).await
        }
        #[cfg(not(feature = "cuda"))]
        Device::Cuda => Err(ProveError::Prove(
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
    prover
        .verify(&proof, &vk, None)
        .map_err(|e| ProveError::Verify(e.to_string()))?;
    if proof.public_values.as_slice() != expected {
        return Err(ProveError::Statement);
    }
    Ok(Proven { proof, vk })
}

/// Loads a proof file and verifies it against `elf`'s key; returns its public values.
pub async fn verify_file(elf: &[u8], path: &std::path::Path) -> Result<Vec<u8>, ProveError> {
    let proof =
        SP1ProofWithPublicValues::load(path).map_err(|e| ProveError::Verify(e.to_string()))?;
    let (prover, pk) = cpu_setup(elf).await?;
    prover
        .verify(&proof, pk.verifying_key(), None)
        .map_err(|e| ProveError::Verify(e.to_string()))?;
    Ok(proof.public_values.to_vec())
}
