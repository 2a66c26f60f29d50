//! Proving on an NVIDIA GPU (feature `cuda`), in this process, with SP1's open-source CUDA
//! prover: the `sp1-gpu-*` crates' worker (core, recursion, shrink and wrap STARK provers on
//! the device) behind SP1's local node, the same node the SDK's CPU prover drives.
//!
//! Why not the SDK's `cuda` client: it starts a prebuilt `~/.sp1/bin/sp1-gpu-server` that it
//! downloads from GitHub, and the published server links gnark (Go). Core and compressed
//! proofs need neither; Groth16 / Plonk wrapping still needs SP1's circuit artifacts.

use crate::prove::{GpuStats, Mode, ProveError};
use sp1_core_executor::SP1Context;
use sp1_gpu_cudart::TaskScope;
use sp1_prover::worker::SP1LocalNodeBuilder;
use sp1_prover_types::network_base_types::ProofMode;
use sp1_sdk::{SP1ProofWithPublicValues, SP1Stdin, SP1VerifyingKey};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// A proof made on the GPU, not yet verified, with what it cost.
pub struct GpuProof {
    /// The proof with its public values.
    pub proof: SP1ProofWithPublicValues,
    /// The program's verifying key, as the GPU prover's setup computed it.
    pub vk: SP1VerifyingKey,
    /// Time and device memory.
    pub stats: GpuStats,
}

fn proof_mode(mode: Mode) -> ProofMode {
    match mode {
        Mode::Core => ProofMode::Core,
        Mode::Compressed => ProofMode::Compressed,
        Mode::Groth16 => ProofMode::Groth16,
        Mode::Plonk => ProofMode::Plonk,
    }
}

/// Samples the device's used memory until finished (or dropped), keeping the peak.
struct MemorySampler {
    peak: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MemorySampler {
    fn start() -> Self {
        let peak = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((free, total)) = sp1_gpu_cudart::cuda_memory_info() {
                        peak.fetch_max(total - free, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Self {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling; returns the peak (bytes).
    fn finish(mut self) -> usize {
        self.stop();
        self.peak.load(Ordering::Relaxed)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MemorySampler {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn prove_in_scope(
    scope: TaskScope,
    device: (String, usize),
    elf: &[u8],
    input: &[u8],
    mode: Mode,
    runs: usize,
) -> Result<GpuProof, ProveError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| ProveError::Prove(format!("{what}: {e}"));
    let (device, device_total_bytes) = device;
    tracing::info!(
        device,
        total_gib = device_total_bytes >> 30,
        "starting the GPU prover"
    );

    let start = Instant::now();
    let node = SP1LocalNodeBuilder::from_worker_client_builder(
        sp1_gpu_prover::cuda_worker_builder(scope).await,
    )
    .build()
    .await
    .map_err(|e| fail("starting SP1's CUDA prover", &e))?;
    let vk = node
        .setup(elf)
        .await
        .map_err(|e| fail("setting the program up", &e))?;
    let setup_seconds = start.elapsed().as_secs_f64();

    let mut stdin = SP1Stdin::new();
    stdin.write_slice(input);
    let sampler = MemorySampler::start();
    let mut prove_seconds = Vec::with_capacity(runs);
    let mut proof = None;
    for run in 1..=runs.max(1) {
        let start = Instant::now();
        let made = node
            .prove_with_mode(elf, stdin.clone(), SP1Context::default(), proof_mode(mode))
            .await;
        prove_seconds.push(start.elapsed().as_secs_f64());
        match made {
            Ok(made) => proof = Some(made),
            Err(e) => return Err(fail("proving", &e)),
        }
        tracing::info!(run, seconds = prove_seconds[run - 1], "GPU proof made");
    }
    let peak_device_bytes = sampler.finish();
    let proof = proof.expect("at least one run");
    Ok(GpuProof {
        proof: proof.into(),
        vk,
        stats: GpuStats {
            device,
            setup_seconds,
            prove_seconds,
            peak_device_bytes,
            device_total_bytes,
        },
    })
}

/// Proves `elf` on `input` in `mode` on the CUDA device this process sees
/// (`CUDA_VISIBLE_DEVICES`), `runs` times on one set-up prover (the first run also warms the
/// device up); returns the last proof, which the caller verifies.
pub async fn prove(
    elf: &[u8],
    input: &[u8],
    mode: Mode,
    runs: usize,
) -> Result<GpuProof, ProveError> {
    // SP1's task pool panics without a usable device: ask CUDA first, for a clear error.
    let (_, total) = sp1_gpu_cudart::cuda_memory_info()
        .map_err(|e| ProveError::Prove(format!("no usable CUDA device: {e}")))?;
    let name = sp1_gpu_cudart::cuda_device_name()
        .map(str::to_owned)
        .unwrap_or_else(|_| "unknown CUDA device".into());
    // The task pool hands results back only for types it can move between streams; the
    // proof leaves through a channel instead.
    let (tx, rx) = tokio::sync::oneshot::channel();
    sp1_gpu_cudart::run_in_place(|scope| async move {
        let _ = tx.send(prove_in_scope(scope, (name, total), elf, input, mode, runs).await);
    })
    .await
    .await
    .map_err(|e| ProveError::Prove(format!("CUDA: {e}")))?;
    rx.await
        .map_err(|_| ProveError::Prove("the GPU prover stopped without a result".into()))?
}
