//! `prover`: runs and proves native-rollup's zk program on L2 blocks.
//!
//! ```text
//! prover execute --rpc http://127.0.0.1:8545 --from 1 [--to 4]   cycles + public values
//! prover execute --input block.hex [--input next.hex ...]         same, from files
//! prover prove   <blocks> --mode compressed --out proof.bin       verified proof file (feature sdk)
//! prover verify  --proof proof.bin                                 (feature sdk)
//! prover vkey    [--check]                                         (feature sdk)
//! ```

use alloy_primitives::hex;
use clap::{Args, Parser, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};
use nr_prover::{Job, PROGRAM_ELF, PROGRAM_STARK_VKEY, PROGRAM_VKEY, exec, source};
use nr_statement::{Statement, ValidationResult};
use std::{path::PathBuf, time::Instant};

#[derive(Parser)]
#[command(
    name = "prover",
    version,
    about = "SP1 prover of native-rollup L2 blocks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the program in SP1's executor: cycles and the committed statement, checked
    /// against the native statement.
    Execute {
        #[command(flatten)]
        blocks: BlockArgs,
        #[command(flatten)]
        program: ProgramArgs,
    },
    /// Prove the blocks, verify the proof, and write it: a compressed proof as the proof
    /// sidecar an L1 node accepts beside a settlement transaction, other modes in SP1's
    /// format (bincode).
    Prove {
        #[command(flatten)]
        blocks: BlockArgs,
        #[command(flatten)]
        program: ProgramArgs,
        /// core | compressed (CPU or GPU) | groth16 | plonk (need SP1's circuit artifacts).
        #[arg(long, default_value = "compressed")]
        mode: String,
        /// Prove on an NVIDIA GPU in this process (a prover built with `--features cuda`,
        /// see `scripts/build-gpu-prover`).
        #[arg(long)]
        cuda: bool,
        /// With `--cuda`: prove this many times on one set-up prover and report each time
        /// (the first run includes the device's warm-up).
        #[arg(long, default_value_t = 1, requires = "cuda")]
        runs: usize,
        /// Where to write the verified proof.
        #[arg(long)]
        out: PathBuf,
        /// Prove on CPU even when this machine has less memory than SP1 needs.
        #[arg(long)]
        ignore_memory: bool,
    },
    /// Verify a proof file against the program and print its statement.
    Verify {
        /// The proof file `prove` wrote.
        #[arg(long)]
        proof: PathBuf,
        #[command(flatten)]
        program: ProgramArgs,
    },
    /// Print the program's verifying-key hash (`vk.bytes32()`) and, on a second line, the
    /// key its compressed proofs commit to (`vk.hash_u32()`, 32 bytes).
    Vkey {
        #[command(flatten)]
        program: ProgramArgs,
        /// Fail unless it equals the committed `elf/nr-program.vkey`.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args)]
struct BlockArgs {
    /// An L2 node's JSON-RPC URL (`nr_getStatelessInput`).
    #[arg(long, conflicts_with = "input")]
    rpc: Option<String>,
    /// First block to fetch from `--rpc`.
    #[arg(long, requires = "rpc")]
    from: Option<u64>,
    /// Last block to fetch (default: `--from`); several blocks are proven as one range.
    #[arg(long, requires = "from")]
    to: Option<u64>,
    /// Files of `schema_id ++ SSZ(StatelessInput)`, raw or 0x-hex; several make a range.
    #[arg(long)]
    input: Vec<PathBuf>,
}

#[derive(Args)]
struct ProgramArgs {
    /// Another program ELF instead of the committed one.
    #[arg(long)]
    elf: Option<PathBuf>,
}

impl ProgramArgs {
    fn elf(&self) -> Result<Vec<u8>> {
        match &self.elf {
            Some(path) => std::fs::read(path).wrap_err_with(|| path.display().to_string()),
            None => Ok(PROGRAM_ELF.to_vec()),
        }
    }
}

impl BlockArgs {
    async fn job(&self) -> Result<Job> {
        let inputs = match (&self.rpc, self.from) {
            (Some(url), Some(from)) => {
                let to = self.to.unwrap_or(from);
                if to < from {
                    bail!("--to {to} is before --from {from}");
                }
                tracing::info!(url, from, to, "fetching stateless inputs");
                source::fetch_inputs(url, from, to).await?
            }
            (Some(_), None) => bail!("--rpc needs --from"),
            _ if self.input.is_empty() => bail!("give blocks with --rpc/--from or --input"),
            _ => self
                .input
                .iter()
                .map(|p| source::read_input_file(p))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let job = Job::from_inputs(inputs)?;
        let (first, last) = job.block_numbers();
        tracing::info!(
            first,
            last,
            gas_used = job.gas_used(),
            blobs = job.blobs.blobs.len(),
            "blocks loaded"
        );
        Ok(job)
    }
}

fn describe(statement: &[u8]) -> Result<serde_json::Value> {
    let (s, output) = Statement::decode_with_output(statement)
        .map_err(|e| eyre!("public values are not a statement: {e}"))?;
    let hex = |b: &[u8]| hex::encode_prefixed(b);
    let claimed = &output.result;
    let result = match claimed {
        ValidationResult::Single(r) => serde_json::json!({
            "newPayloadRequestRoot": hex(&r.new_payload_request_root),
            "chainId": r.chain_id,
            "schemaId": r.schema_id,
        }),
        ValidationResult::Range(r) => serde_json::json!({
            "newPayloadRequestRoots": r.new_payload_request_roots.iter().map(|x| hex(x)).collect::<Vec<_>>(),
            "chainId": r.chain_id,
            "schemaId": r.schema_id,
        }),
    };
    Ok(serde_json::json!({
        "successfulValidation": claimed.successful(),
        "result": result,
        "blocks": output.blocks.iter().map(|b| serde_json::json!({
            "number": b.number,
            "blockHash": hex(&b.block_hash),
            "parentHash": hex(&b.parent_hash),
            "stateRoot": hex(&b.state_root),
            "parentBeaconBlockRoot": hex(&b.parent_beacon_block_root),
            "timestamp": b.timestamp,
            "gasLimit": b.gas_limit,
            "baseFeePerGas": b.base_fee_per_gas,
            "baseFeeBurned": b.base_fee_burned.to_string(),
        })).collect::<Vec<_>>(),
        "blobEvaluations": s.blob_evaluations.iter().map(|e| serde_json::json!({
            "versionedHash": hex(&e.versioned_hash), "z": hex(&e.z), "y": hex(&e.y),
        })).collect::<Vec<_>>(),
        "statement": hex(statement),
    }))
}

/// SP1's worker pool defaults (4 core provers, 8 recursion provers in flight) are sized for
/// big machines; on one with less than 64 GiB they exhaust memory (a compressed proof of a
/// 1.5M-cycle block was killed at 24 GiB). Unless set, each pool gets one worker there.
const LOW_MEMORY_WORKERS: [(&str, &str); 10] = [
    ("SP1_WORKER_NUM_CORE_WORKERS", "1"),
    ("SP1_WORKER_CORE_BUFFER_SIZE", "1"),
    ("SP1_WORKER_NUM_SPLICING_WORKERS", "1"),
    ("SP1_WORKER_SPLICING_BUFFER_SIZE", "1"),
    ("SP1_WORKER_NUM_RECURSION_PROVER_WORKERS", "1"),
    ("SP1_WORKER_RECURSION_PROVER_BUFFER_SIZE", "1"),
    ("SP1_WORKER_NUM_RECURSION_EXECUTOR_WORKERS", "1"),
    ("SP1_WORKER_NUM_PREPARE_REDUCE_WORKERS", "1"),
    ("SP1_WORKER_NUM_SETUP_WORKERS", "1"),
    ("TRACE_CHUNK_SLOTS", "2"),
];

fn meminfo_gib(field: &str) -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / (1024 * 1024))
}

fn main() -> Result<()> {
    let low_memory = meminfo_gib("MemTotal:").is_some_and(|gib| gib < 64);
    if low_memory {
        for (key, value) in LOW_MEMORY_WORKERS {
            if std::env::var_os(key).is_none() {
                // SAFETY: no other thread exists yet (the runtime starts below).
                unsafe { std::env::set_var(key, value) };
            }
        }
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(low_memory))
}

async fn run(low_memory: bool) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if low_memory {
        tracing::debug!("under 64 GiB of memory: SP1 worker pools default to one worker");
    }
    match Cli::parse().command {
        Command::Execute { blocks, program } => {
            let job = blocks.job().await?;
            let elf = program.elf()?;
            let native = job
                .native_statement()
                .map_err(|e| eyre!("no statement for these blocks: {e}"))?
                .encode();
            let start = Instant::now();
            let run = exec::execute(&elf, &job.program_input().encode())?;
            let seconds = start.elapsed().as_secs_f64();
            if run.exit_code != 0 {
                bail!("the program exited with code {}", run.exit_code);
            }
            if run.public_values != native {
                bail!("the program's public values differ from the native statement");
            }
            let gas = job.gas_used();
            let mut out = describe(&run.public_values)?;
            out["cycles"] = run.cycles.into();
            out["gasUsed"] = gas.into();
            out["cyclesPerGas"] = (gas > 0).then(|| run.cycles as f64 / gas as f64).into();
            out["executorSeconds"] = seconds.into();
            if let Some(why) = job.invalidity() {
                out["invalidBecause"] = why.to_string().into();
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        #[cfg(feature = "sdk")]
        Command::Prove {
            blocks,
            program,
            mode,
            cuda,
            runs,
            out,
            ignore_memory,
        } => {
            use nr_prover::prove::{Device, Mode};
            let mode = <Mode as clap::ValueEnum>::from_str(&mode, true)
                .map_err(|_| eyre!("--mode must be core, compressed, groth16 or plonk"))?;
            if matches!(mode, Mode::Groth16 | Mode::Plonk) {
                tracing::warn!(
                    "Groth16/Plonk wrapping downloads SP1's circuit artifacts (several GB) \
                     into ~/.sp1/circuits and runs gnark: it needs internet access"
                );
            }
            if !cuda && !ignore_memory {
                check_memory(mode)?;
            }
            let job = blocks.job().await?;
            let elf = program.elf()?;
            let input = job.program_input().encode();
            let expected = job
                .native_statement()
                .map_err(|e| eyre!("no statement for these blocks: {e}"))?
                .encode();
            let run = exec::execute(&elf, &input)?;
            tracing::info!(cycles = run.cycles, ?mode, cuda, "proving");
            let start = Instant::now();
            // A thread, not a task: SP1's prover keeps the runtime's workers busy.
            let (done, stop) = std::sync::mpsc::channel::<()>();
            let heartbeat = std::thread::spawn(move || {
                let period = std::time::Duration::from_secs(30);
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stop.recv_timeout(period)
                {
                    tracing::info!(elapsed_s = start.elapsed().as_secs(), "still proving");
                }
            });
            let device = if cuda {
                Device::Cuda { runs }
            } else {
                Device::Cpu
            };
            let proven = nr_prover::prove::prove(&elf, &input, &expected, mode, device).await;
            drop(done);
            let _ = heartbeat.join();
            let proven = proven?;
            // A compressed proof is written as the proof sidecar the L1 node takes beside a
            // settlement transaction; other modes in SP1's own format.
            if mode == Mode::Compressed {
                let sidecar = nr_prover::prove::sidecar(&proven)?;
                std::fs::write(&out, sidecar.encode())
                    .map_err(|e| eyre!("writing {}: {e}", out.display()))?;
            } else {
                proven
                    .proof
                    .save(&out)
                    .map_err(|e| eyre!("writing {}: {e}", out.display()))?;
            }
            let mut summary = describe(&expected)?;
            summary["proof"] = out.display().to_string().into();
            summary["mode"] = format!("{mode:?}").to_lowercase().into();
            summary["vkey"] = sp1_vkey(&proven.vk).into();
            summary["starkVkey"] =
                hex::encode_prefixed(nr_prover::prove::stark_vkey(&proven.vk)).into();
            summary["cycles"] = run.cycles.into();
            summary["gasUsed"] = job.gas_used().into();
            summary["transactions"] = job.transactions().into();
            summary["totalSeconds"] = start.elapsed().as_secs_f64().into();
            if let Some(gpu) = &proven.gpu {
                let gib = |bytes: usize| bytes as f64 / f64::from(1u32 << 30);
                summary["device"] = gpu.device.clone().into();
                summary["setupSeconds"] = gpu.setup_seconds.into();
                let best = gpu
                    .prove_seconds
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                summary["proveSeconds"] = best.into();
                summary["proveSecondsPerRun"] = gpu.prove_seconds.clone().into();
                summary["peakDeviceMemoryGiB"] = gib(gpu.peak_device_bytes).into();
                summary["deviceMemoryGiB"] = gib(gpu.device_total_bytes).into();
            }
            summary["verified"] = true.into();
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        #[cfg(feature = "sdk")]
        Command::Verify { proof, program } => {
            let elf = program.elf()?;
            let public_values = nr_prover::prove::verify_file(&elf, &proof).await?;
            let mut out = describe(&public_values)?;
            out["verified"] = true.into();
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        #[cfg(feature = "sdk")]
        Command::Vkey { program, check } => {
            let (vkey, stark) = nr_prover::prove::vkeys(&program.elf()?).await?;
            let stark = hex::encode_prefixed(stark);
            println!("{vkey}");
            println!("{stark}");
            if check && vkey != PROGRAM_VKEY.trim() {
                bail!(
                    "vkey {vkey} differs from the committed {}",
                    PROGRAM_VKEY.trim()
                );
            }
            if check && stark != PROGRAM_STARK_VKEY.trim() {
                bail!(
                    "STARK key {stark} differs from the committed {}",
                    PROGRAM_STARK_VKEY.trim()
                );
            }
            Ok(())
        }
        #[cfg(not(feature = "sdk"))]
        Command::Prove { .. } | Command::Verify { .. } | Command::Vkey { .. } => bail!(
            "this prover was built without SP1's SDK; build it with \
             `cargo build --release -p nr-prover --features sdk` (committed vkey: {}, STARK \
             key: {})",
            PROGRAM_VKEY.trim(),
            PROGRAM_STARK_VKEY.trim()
        ),
    }
}

#[cfg(feature = "sdk")]
fn sp1_vkey(vk: &sp1_sdk::SP1VerifyingKey) -> String {
    use sp1_sdk::HashableKey;
    vk.bytes32()
}

/// SP1's CPU prover, one worker per pool, peaked at 16 GB for a compressed proof of a
/// 1.5M-cycle L2 block here and at 21.7 GB for a 2.7M-cycle one; short of memory it is
/// killed by the kernel, not refused.
#[cfg(feature = "sdk")]
fn check_memory(mode: nr_prover::prove::Mode) -> Result<()> {
    use nr_prover::prove::Mode;
    let need_gib = match mode {
        Mode::Core => 10,
        _ => 20,
    };
    if let Some(gib) = meminfo_gib("MemAvailable:")
        && gib < need_gib
    {
        bail!(
            "{gib} GiB of memory available, SP1's CPU prover needs about {need_gib} GiB for \
             a {mode:?} proof (pass --ignore-memory to try anyway, or use --cuda)"
        );
    }
    Ok(())
}
