//! `nr-node`: the chain engine as a process, in the L1 devnet role (EXECUTE in its EVM) or
//! the native rollup's L2 role.

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::Address;
use clap::{Args, Parser, Subcommand};
use eyre::{WrapErr, bail, eyre};
use nr_execute::{ExecuteConfig, NativeRollupEvmFactory};
use nr_node::chain::NodeEvmFactory;
use nr_node::{Chain, ChainSpec, Keep, NodeConfig, Retention, Role, RpcLimits, genesis};
use std::{net::IpAddr, path::PathBuf, time::Duration};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "nr-node",
    version,
    about = "native-rollup chain engine: L1 devnet with EXECUTE, or the rollup's L2 node"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a node until SIGINT or SIGTERM.
    Run(RunArgs),
    /// Prints a role's dev genesis (JSON, geth/reth format) to edit or share. An L1 genesis
    /// carries EXECUTE's configuration (`config.nativeRollup`): the L2 chains it settles
    /// and the proof programs it accepts.
    Genesis {
        /// Which chain.
        #[arg(long, value_enum)]
        role: Role,
        /// Chain id (default: 1337 for the L1, as reth --dev; 901 for the L2).
        #[arg(long)]
        chain_id: Option<u64>,
        /// L1 only: genesis file of an L2 the L1 settles, under that file's fork schedule
        /// (repeatable; default: the dev L2, chain 901).
        #[arg(long = "l2-genesis")]
        l2_genesis: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Which chain this node runs.
    #[arg(long, value_enum)]
    role: Role,
    /// Genesis file (geth/reth JSON); default: the role's dev genesis.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Chain id of the dev genesis (ignored with --genesis).
    #[arg(long, conflicts_with = "genesis")]
    chain_id: Option<u64>,
    /// Directory of the chain database (created if missing).
    #[arg(long)]
    datadir: PathBuf,
    /// JSON-RPC listen address.
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// JSON-RPC port (0: any free port; the log line says which).
    #[arg(long = "http.port", default_value_t = 8545)]
    http_port: u16,
    /// Seconds between blocks (fractions allowed); without it, a block is sealed as soon
    /// as transactions are pending.
    #[arg(long, value_parser = parse_block_time)]
    block_time: Option<Duration>,
    /// Fee recipient of sealed blocks.
    #[arg(long, default_value_t = Address::ZERO)]
    fee_recipient: Address,
    /// Most calls in one JSON-RPC batch (a longer one is refused before any call runs).
    #[arg(long = "rpc.batch-limit", default_value_t = RpcLimits::default().max_batch)]
    rpc_batch_limit: u32,
    /// Most bytes of one JSON-RPC response, a batch's together.
    #[arg(long = "rpc.max-response-size", default_value_t = RpcLimits::default().max_response_bytes)]
    rpc_max_response_size: u32,
    /// Most open JSON-RPC connections.
    #[arg(long = "rpc.max-connections", default_value_t = RpcLimits::default().max_connections)]
    rpc_max_connections: u32,
    /// Serve `debug_setHead(number)`, which rewinds the chain to that block and drops the
    /// blocks above with their transactions: a dev chain that tests can re-org. Anyone who
    /// reaches the RPC can then rewind the node.
    #[arg(long = "dev.set-head")]
    dev_set_head: bool,
    /// Blocks below the head whose state stays queryable, or `archive` (every block's).
    /// Older state is deleted, so the datadir and memory do not grow with the chain.
    #[arg(long = "prune.state", default_value_t = Retention::default().state)]
    prune_state: Keep,
    /// Blocks below the head whose stateless input (`nr_getStatelessInput`) stays, or
    /// `archive`.
    #[arg(long = "prune.inputs", default_value_t = Retention::default().inputs)]
    prune_inputs: Keep,
}

impl RunArgs {
    fn retention(&self) -> Retention {
        Retention {
            state: self.prune_state,
            inputs: self.prune_inputs,
            until_settled: false,
        }
    }
}

fn parse_block_time(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.001..=3600.0).contains(&secs) {
        return Err("block time must be between 0.001 and 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

fn read_genesis(path: &PathBuf) -> eyre::Result<ChainSpec> {
    let json =
        std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))?;
    ChainSpec::from_json(&json).wrap_err_with(|| format!("genesis {}", path.display()))
}

fn default_chain_id(role: Role) -> u64 {
    match role {
        Role::L1 => 1337,
        Role::L2 => 901,
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Colour only on a terminal: a log piped to a file or a collector stays plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    // The reason chain, one line; no source locations or backtraces for a user's mistake.
    if let Err(e) = run_cli(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run_cli(cli: Cli) -> eyre::Result<()> {
    match cli.command {
        Command::Genesis {
            role,
            chain_id,
            l2_genesis,
        } => {
            let mut g = genesis::dev_genesis(role, chain_id.unwrap_or(default_chain_id(role)));
            if !l2_genesis.is_empty() {
                if role != Role::L1 {
                    bail!("--l2-genesis names the L2s an L1 settles; this is an L2 genesis");
                }
                let l2s = l2_genesis
                    .iter()
                    .map(|p| read_genesis(p).map(|s| s.genesis.config))
                    .collect::<eyre::Result<Vec<_>>>()?;
                g = genesis::l1_genesis_settling(g, &l2s);
                // The result must read back as a valid L1 genesis.
                ChainSpec::from_genesis(g.clone()).wrap_err("the L1 genesis with these L2s")?;
            }
            println!("{}", serde_json::to_string_pretty(&g)?);
            Ok(())
        }
        Command::Run(args) => run(args).await,
    }
}

async fn run(args: RunArgs) -> eyre::Result<()> {
    if args.role == Role::L1 && args.chain_id == Some(genesis::DEV_L2_CHAIN_ID) {
        bail!(
            "chain id {} is the dev L2's, which the dev L1 settles: pick another L1 chain id",
            genesis::DEV_L2_CHAIN_ID
        );
    }
    let spec = match &args.genesis {
        Some(path) => read_genesis(path)?,
        None => ChainSpec::dev(
            args.role,
            args.chain_id.unwrap_or(default_chain_id(args.role)),
        ),
    };
    let retention = args.retention();
    let config = NodeConfig {
        http: (args.http_addr, args.http_port).into(),
        block_time: args.block_time,
        fee_recipient: args.fee_recipient,
        datadir: args.datadir.clone(),
        wait_for_anchor: false,
        refuse_senders: Default::default(),
        rpc: RpcLimits {
            max_batch: args.rpc_batch_limit,
            max_response_bytes: args.rpc_max_response_size,
            max_connections: args.rpc_max_connections,
        },
        set_head: args.dev_set_head,
    };
    tracing::info!(
        role = ?args.role,
        chain_id = spec.config.chain_id,
        genesis = %spec.header.hash_slow(),
        datadir = %args.datadir.display(),
        "starting"
    );
    match args.role {
        Role::L2 => {
            if spec.execute.is_some() {
                bail!(
                    "the genesis has an EXECUTE section (config.{}): it is an L1 genesis, \
                     this is an L2 node",
                    nr_execute::spec::SECTION
                );
            }
            serve(
                Chain::open_with(
                    Role::L2,
                    spec,
                    EthEvmFactory::default(),
                    &args.datadir,
                    retention,
                )?,
                config,
            )
            .await
        }
        Role::L1 => {
            let execute = match spec.execute.clone() {
                Some(execute) => {
                    tracing::info!(
                        activation = execute.activation_timestamp,
                        programs = execute.programs.programs().count(),
                        threshold = execute.programs.threshold(),
                        l2_chains = ?execute.chains.iter().map(|c| c.chain_id).collect::<Vec<_>>(),
                        open_chains = execute.chains.open,
                        "EXECUTE configured by the genesis"
                    );
                    execute
                }
                None => {
                    tracing::warn!(
                        "the genesis has no config.{} section: EXECUTE is not active on this chain",
                        nr_execute::spec::SECTION
                    );
                    ExecuteConfig::inactive()
                }
            };
            let factory = NativeRollupEvmFactory::new(execute);
            serve(
                Chain::open_with(Role::L1, spec, factory, &args.datadir, retention)?,
                config,
            )
            .await
        }
    }
}

async fn serve<F: NodeEvmFactory + Send + Sync + 'static>(
    chain: Chain<F>,
    config: NodeConfig,
) -> eyre::Result<()> {
    tracing::info!(head = chain.head().number, state_root = %chain.head().state_root, "chain loaded");
    let running = nr_node::start(chain, config).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| eyre!("installing the SIGTERM handler: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping"),
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
    }
    running.stop().await
}
