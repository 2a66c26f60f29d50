//! `nr-rollup`: the running native rollup.
//!
//! ```text
//! nr-rollup genesis [--chain-id 901] [--sequencer ADDR]           the rollup's L2 genesis (JSON)
//! nr-rollup deploy --l1-rpc URL --private-key KEY [--genesis FILE]  deploy NativeRollup; prints its address
//! nr-rollup run --l1-rpc URL --rollup ADDR --datadir DIR [...]      L2 sequencer + settler
//! nr-rollup claim --l1-rpc URL --l2-rpc URL --rollup ADDR --tx HASH  pay an L2 withdrawal on L1
//! nr-rollup deposit / send-message / withdraw / force-include / status   the bridge, from a terminal
//! ```

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use clap::{Parser, Subcommand};
use eyre::{WrapErr, bail, eyre};
use nr_node::{Chain, ChainSpec, NodeConfig, Role};
use nr_rollup::{
    genesis,
    l1::Rollup,
    sequencer::{self, SequencerConfig},
    settler::{self, SettlerConfig},
    status::{RollupStatus, StatusReader},
};
use std::{net::IpAddr, path::PathBuf, time::Duration};
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// Dev account 0 of the "test ... junk" mnemonic: the devnet's default sequencer and deployer.
const DEV_KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Dev account 1: the devnet's default settler (its own nonces, apart from the deployer's).
const DEV_KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Blocks below its head whose stateless inputs a rollup L2 node keeps once settled.
const SEQUENCER_INPUTS_KEPT: u64 = 256;

#[derive(Parser)]
#[command(
    name = "nr-rollup",
    version,
    about = "The running native rollup: L2 sequencer following its L1, and settler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the rollup's L2 genesis (dev L2 forks, bridge predeploy, the sequencer's float).
    Genesis {
        #[arg(long, default_value_t = nr_node::genesis::DEV_L2_CHAIN_ID)]
        chain_id: u64,
        /// Who holds the float (default: dev account 0).
        #[arg(long)]
        sequencer: Option<Address>,
    },
    /// Deploys the NativeRollup settling an L2 genesis; prints the contract's address.
    Deploy {
        #[arg(long)]
        l1_rpc: String,
        /// The deployer's key (default: dev account 0; or the env var).
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
        /// The L2 genesis (default: `nr-rollup genesis`'s).
        #[arg(long)]
        genesis: Option<PathBuf>,
        /// Who burned L2 base fees are credited to (default: the deployer).
        #[arg(long)]
        fee_recipient: Option<Address>,
        /// Seconds a forced transaction waits before settlements must resolve it.
        #[arg(long, default_value_t = genesis::DEFAULT_FORCED_INCLUSION_DELAY)]
        forced_inclusion_delay: u64,
        /// Seconds (L2 time) an L2 block may still anchor a message root after a newer one
        /// exists: how long the sequencer can leave an L1 message unanchored.
        #[arg(long, default_value_t = genesis::DEFAULT_MAX_ANCHOR_AGE)]
        max_anchor_age: u64,
    },
    /// Runs the L2 sequencer (a node following the L1) and the settler.
    Run(RunArgs),
    /// Starts a whole local rollup: the L1 devnet with EXECUTE (or an outside L1), the
    /// rollup contract, the L2 sequencer and the settler. Running it again resumes.
    Testnet {
        /// Where both chains and the contract's address are kept.
        #[arg(long, default_value = "testnet-data")]
        datadir: PathBuf,
        /// An outside L1 (native-reth `--dev`) instead of the embedded devnet.
        #[arg(long)]
        l1_rpc: Option<String>,
        /// The embedded L1's JSON-RPC port.
        #[arg(long = "l1.port", default_value_t = 8545)]
        l1_port: u16,
        /// The L2's JSON-RPC port.
        #[arg(long = "l2.port", default_value_t = 9545)]
        l2_port: u16,
        /// The verifier node's JSON-RPC port.
        #[arg(long = "verifier.port", default_value_t = 9546)]
        verifier_port: u16,
        /// Seconds between blocks, on both chains.
        #[arg(long, default_value_t = 2)]
        block_time: u64,
        #[command(flatten)]
        proofs: ProofArgs,
    },
    /// A verifier node: rebuilds the L2 from the L1's settlements alone and serves it
    /// (read-only JSON-RPC), checking every settled block hash and state root.
    Verify {
        #[arg(long)]
        l1_rpc: String,
        /// The NativeRollup contract on the L1.
        #[arg(long)]
        rollup: Address,
        #[arg(long)]
        datadir: PathBuf,
        /// The L2 genesis (default: `nr-rollup genesis`'s).
        #[arg(long)]
        genesis: Option<PathBuf>,
        #[arg(long = "http.addr", default_value = "127.0.0.1")]
        http_addr: IpAddr,
        #[arg(long = "http.port", default_value_t = 9546)]
        http_port: u16,
    },
    /// Deposits ETH on the L1 for an account on the L2 (the sequencer relays the claim).
    Deposit {
        #[arg(long)]
        l1_rpc: String,
        /// The NativeRollup contract on the L1.
        #[arg(long)]
        rollup: Address,
        /// The L2 account credited.
        #[arg(long)]
        to: Address,
        /// Amount in ETH (decimal, e.g. 0.5).
        #[arg(long)]
        value: String,
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
    },
    /// Sends an L1 -> L2 message: `value` and a call with `data` to `to` on the L2; `fee`
    /// pays whoever claims it there. Prints the message index.
    SendMessage {
        #[arg(long)]
        l1_rpc: String,
        #[arg(long)]
        rollup: Address,
        #[arg(long)]
        to: Address,
        /// Amount in ETH (decimal).
        #[arg(long, default_value = "0")]
        value: String,
        /// Calldata (hex).
        #[arg(long, default_value = "0x")]
        data: alloy_primitives::Bytes,
        /// Gas for the call on the L2 (0: all the claim has).
        #[arg(long, default_value_t = 0)]
        gas_limit: u64,
        /// The relayer's fee in ETH (decimal).
        #[arg(long, default_value = "0")]
        fee: String,
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
    },
    /// Forces an L2 transfer through the L1 inbox (signed here, for the key's next L2 nonce):
    /// the sequencer must include it, or settlements past its deadline revert.
    ForceInclude {
        #[arg(long)]
        l1_rpc: String,
        #[arg(long)]
        l2_rpc: String,
        #[arg(long)]
        rollup: Address,
        #[arg(long)]
        to: Address,
        /// Amount in ETH (decimal).
        #[arg(long)]
        value: String,
        /// Max fee per gas in gwei.
        #[arg(long, default_value_t = 10)]
        max_fee_gwei: u64,
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
    },
    /// Withdraws ETH on the L2 to an L1 account; prints the L2 transaction to `claim` with.
    Withdraw {
        #[arg(long)]
        l2_rpc: String,
        /// The L1 account paid.
        #[arg(long)]
        to: Address,
        /// Amount in ETH (decimal).
        #[arg(long)]
        value: String,
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
    },
    /// Where the rollup stands (JSON): heads, settlement lag, messages and withdrawals still
    /// owed, forced queue, last settlement. With --message or --withdrawal: that one's stage.
    Status {
        #[arg(long)]
        l1_rpc: String,
        /// The NativeRollup contract on the L1.
        #[arg(long)]
        rollup: Address,
        /// The L2 (sequencer or verifier).
        #[arg(long)]
        l2_rpc: String,
        /// The stage of this L1 message (a deposit's index, as `deposit` printed it):
        /// sent, anchored, claimed (on the L2), settled.
        #[arg(long, conflicts_with = "withdrawal")]
        message: Option<u64>,
        /// The stage of the withdrawal this L2 transaction made (as `withdraw` printed it):
        /// recorded, claimable, claimed (on the L1).
        #[arg(long)]
        withdrawal: Option<alloy_primitives::B256>,
    },
    /// Pays on the L1 the withdrawal an L2 transaction made, once its block is settled.
    Claim {
        #[arg(long)]
        l1_rpc: String,
        #[arg(long)]
        l2_rpc: String,
        /// The NativeRollup contract on the L1.
        #[arg(long)]
        rollup: Address,
        /// The L2 transaction that called the bridge's `withdraw`.
        #[arg(long)]
        tx: alloy_primitives::B256,
        /// Who sends the claim on the L1 (anyone may; default: dev account 0).
        #[arg(long, env = "NR_PRIVATE_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
        private_key: String,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    #[arg(long)]
    l1_rpc: String,
    /// The NativeRollup contract on the L1.
    #[arg(long)]
    rollup: Address,
    #[arg(long)]
    datadir: PathBuf,
    /// The L2 genesis (default: `nr-rollup genesis`'s).
    #[arg(long)]
    genesis: Option<PathBuf>,
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    #[arg(long = "http.port", default_value_t = 9545)]
    http_port: u16,
    /// Seconds between L2 blocks.
    #[arg(long, default_value_t = 2)]
    block_time: u64,
    /// The sequencer's key: signs relayed claims (default: dev account 0).
    #[arg(long, env = "NR_SEQUENCER_KEY", default_value = DEV_KEY_0, hide_default_value = true)]
    sequencer_key: String,
    /// The settler's L1 key (default: dev account 1).
    #[arg(long, env = "NR_SETTLER_KEY", default_value = DEV_KEY_1, hide_default_value = true)]
    settler_key: String,
    /// L1 blocks a message waits before the L2 anchors it (default: until the L1 finalizes
    /// its block, which no re-org removes; the embedded devnet finalizes at once).
    #[arg(long)]
    confirmations: Option<u64>,
    /// Most L2 blocks per settlement.
    #[arg(long, default_value_t = 8)]
    settle_range: u64,
    /// Seconds between settlement attempts.
    #[arg(long, default_value_t = 4)]
    settle_interval: u64,
    /// Refuse this sender's transactions at the L2's RPC (repeatable): a sequencer's
    /// censorship, which the L1 inbox (`force-include`) overcomes.
    #[arg(long = "refuse-sender", value_name = "ADDR")]
    refuse_senders: Vec<Address>,
    /// Blocks below the head whose L2 state stays queryable, or `archive`; the state from
    /// the settled head up is kept however old.
    #[arg(long = "prune.state", default_value_t = nr_node::Retention::default().state)]
    prune_state: nr_node::Keep,
    /// Blocks below the head whose stateless input stays, or `archive`; the inputs from the
    /// settled head up are kept however old.
    #[arg(long = "prune.inputs", default_value_t = nr_node::Keep::Last(SEQUENCER_INPUTS_KEPT))]
    prune_inputs: nr_node::Keep,
    #[command(flatten)]
    proofs: ProofArgs,
}

/// Proof-mode settlement: the prover that proves each range.
#[derive(clap::Args, Clone, Default)]
struct ProofArgs {
    /// Settle by proofs: blocks in blobs, a compressed SP1 proof from this `prover` binary
    /// (built with `--features sdk`, or `scripts/build-gpu-prover`) in a sidecar. Without it,
    /// settlements re-execute the blocks.
    #[arg(long)]
    prover: Option<PathBuf>,
    /// Prove on an NVIDIA GPU (`prover prove --cuda`).
    #[arg(long, requires = "prover")]
    prover_cuda: bool,
}

/// A provider for the L2 at `url`, signing with `signer` if given.
fn l2_provider(
    url: &str,
    signer: Option<PrivateKeySigner>,
) -> eyre::Result<alloy_provider::DynProvider> {
    use alloy_provider::{Provider, ProviderBuilder};
    let parsed = url.parse().map_err(|e| eyre!("bad L2 URL {url}: {e}"))?;
    Ok(match signer {
        Some(s) => ProviderBuilder::new()
            .wallet(alloy_network::EthereumWallet::from(s))
            .connect_http(parsed)
            .erased(),
        None => ProviderBuilder::new().connect_http(parsed).erased(),
    })
}

/// The index of the message an L1 receipt's `MessageSent` names.
fn message_index(receipt: &alloy_rpc_types_eth::TransactionReceipt) -> eyre::Result<u64> {
    use alloy_sol_types::SolEvent;
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| nr_contracts::NativeRollup::MessageSent::decode_log(&l.inner).ok())
        .map(|m| m.data.index)
        .ok_or_else(|| eyre!("the transaction sent no message"))
}

/// A decimal amount of ETH in wei.
fn eth(value: &str) -> eyre::Result<alloy_primitives::U256> {
    alloy_primitives::utils::parse_ether(value)
        .map_err(|e| eyre!("--value {value}: not an amount of ETH ({e})"))
}

fn key(s: &str, what: &str) -> eyre::Result<PrivateKeySigner> {
    s.parse()
        .map_err(|_| eyre!("{what} is not a private key (32 bytes, hex)"))
}

fn l2_spec(path: Option<&PathBuf>, sequencer: Address) -> eyre::Result<ChainSpec> {
    match path {
        Some(p) => {
            let json =
                std::fs::read_to_string(p).wrap_err_with(|| format!("reading {}", p.display()))?;
            ChainSpec::from_json(&json).map_err(|e| eyre!("{}: {e}", p.display()))
        }
        None => ChainSpec::from_genesis(genesis::l2_genesis(
            nr_node::genesis::DEV_L2_CHAIN_ID,
            sequencer,
        ))
        .map_err(|e| eyre!("the rollup genesis: {e}")),
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The testnet in a terminal draws its status there; its log goes to a file.
    let log_file = match &cli.command {
        Command::Testnet { datadir, .. } if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            std::fs::create_dir_all(datadir)
                .and_then(|()| {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(datadir.join(TESTNET_LOG))
                })
                .map_err(|e| {
                    eprintln!(
                        "error: opening {}: {e}",
                        datadir.join(TESTNET_LOG).display()
                    );
                    std::process::exit(1);
                })
                .ok()
        }
        _ => None,
    };
    match log_file {
        Some(file) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        None => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init(),
    }
    if let Err(e) = run_cli(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The testnet's log file in its datadir, when its terminal shows the status instead.
const TESTNET_LOG: &str = "testnet.log";

async fn run_cli(cli: Cli) -> eyre::Result<()> {
    match cli.command {
        Command::Genesis {
            chain_id,
            sequencer,
        } => {
            let sequencer = sequencer.unwrap_or(key(DEV_KEY_0, "")?.address());
            println!(
                "{}",
                serde_json::to_string_pretty(&genesis::l2_genesis(chain_id, sequencer))?
            );
            Ok(())
        }
        Command::Deploy {
            l1_rpc,
            private_key,
            genesis: path,
            fee_recipient,
            forced_inclusion_delay,
            max_anchor_age,
        } => {
            let deployer = key(&private_key, "--private-key")?;
            let spec = l2_spec(path.as_ref(), key(DEV_KEY_0, "")?.address())?;
            let args = genesis::deployment(
                &spec,
                fee_recipient.unwrap_or(deployer.address()),
                forced_inclusion_delay,
                max_anchor_age,
            );
            let backing = genesis::backing(&spec.genesis);
            let address = Rollup::deploy(&l1_rpc, deployer, args, backing).await?;
            tracing::info!(%address, chain_id = spec.config.chain_id, genesis = %spec.header.hash_slow(), %backing, "NativeRollup deployed");
            println!("{address}");
            Ok(())
        }
        Command::Run(args) => run(args).await,
        Command::Verify {
            l1_rpc,
            rollup,
            datadir,
            genesis: path,
            http_addr,
            http_port,
        } => {
            let http = (http_addr, http_port).into();
            let verifier = start_verifier(&l1_rpc, rollup, &datadir, path.as_ref(), http).await?;
            until_signalled().await?;
            verifier.stop().await
        }
        Command::Testnet {
            datadir,
            l1_rpc,
            l1_port,
            l2_port,
            verifier_port,
            block_time,
            proofs,
        } => {
            testnet(
                datadir,
                l1_rpc,
                [l1_port, l2_port, verifier_port],
                block_time,
                proofs,
            )
            .await
        }
        Command::Deposit {
            l1_rpc,
            rollup,
            to,
            value,
            private_key,
        } => {
            let value = eth(&value)?;
            let l1 = Rollup::connect_checked(&l1_rpc, rollup, key(&private_key, "--private-key")?)
                .await?;
            let receipt = l1
                .send(nr_contracts::NativeRollup::depositETHCall { to }, value)
                .await?;
            let index = message_index(&receipt)?;
            tracing::info!(%to, %value, index, l1_tx = %receipt.transaction_hash, "deposited; the sequencer relays it");
            println!("{index}");
            Ok(())
        }
        Command::SendMessage {
            l1_rpc,
            rollup,
            to,
            value,
            data,
            gas_limit,
            fee,
            private_key,
        } => {
            let (value, fee) = (eth(&value)?, eth(&fee)?);
            let l1 = Rollup::connect_checked(&l1_rpc, rollup, key(&private_key, "--private-key")?)
                .await?;
            let call = nr_contracts::NativeRollup::sendMessageCall {
                to,
                value,
                data,
                gasLimit: gas_limit,
            };
            let receipt = l1.send(call, value + fee).await?;
            let index = message_index(&receipt)?;
            tracing::info!(%to, %value, %fee, index, l1_tx = %receipt.transaction_hash, "message sent");
            println!("{index}");
            Ok(())
        }
        Command::ForceInclude {
            l1_rpc,
            l2_rpc,
            rollup,
            to,
            value,
            max_fee_gwei,
            private_key,
        } => {
            use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
            use alloy_eips::eip2718::Encodable2718;
            use alloy_provider::Provider;
            use alloy_signer::SignerSync;
            let value = eth(&value)?;
            let signer = key(&private_key, "--private-key")?;
            let l2 = l2_provider(&l2_rpc, None)?;
            let chain_id = l2.get_chain_id().await.map_err(|e| eyre!("L2: {e}"))?;
            let nonce = l2
                .get_transaction_count(signer.address())
                .await
                .map_err(|e| eyre!("L2: {e}"))?;
            let max_fee = u128::from(max_fee_gwei) * 1_000_000_000;
            // On Amsterdam a transfer that creates its recipient pays EIP-8037 state gas
            // besides the 21,000: the L2 estimates the limit.
            let gas_limit = {
                use alloy_network::TransactionBuilder;
                let request = alloy_rpc_types_eth::TransactionRequest::default()
                    .with_from(signer.address())
                    .with_to(to)
                    .with_value(value);
                l2.estimate_gas(request)
                    .await
                    .map_err(|e| eyre!("L2: estimating the transfer's gas: {e}"))?
            };
            let tx = TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: max_fee.min(1_000_000_000),
                to: alloy_primitives::TxKind::Call(to),
                value,
                input: Default::default(),
                access_list: Default::default(),
            };
            let sig = signer
                .sign_hash_sync(&tx.signature_hash())
                .map_err(|e| eyre!("signing: {e}"))?;
            let raw = TxEnvelope::from(tx.into_signed(sig)).encoded_2718();
            let l1 = Rollup::connect_checked(&l1_rpc, rollup, signer).await?;
            let call = nr_contracts::NativeRollup::forceTransactionCall {
                transaction: raw.into(),
            };
            let receipt = l1.send(call, alloy_primitives::U256::ZERO).await?;
            let queued = receipt
                .inner
                .logs()
                .iter()
                .find_map(|l| {
                    use alloy_sol_types::SolEvent;
                    nr_contracts::NativeRollup::ForcedTransactionQueued::decode_log(&l.inner).ok()
                })
                .ok_or_else(|| eyre!("the inbox queued nothing"))?
                .data;
            tracing::info!(index = queued.index, l2_tx = %queued.txHash, deadline = queued.deadline, "forced through the L1");
            println!("{}", queued.txHash);
            Ok(())
        }
        Command::Withdraw {
            l2_rpc,
            to,
            value,
            private_key,
        } => {
            use alloy_network::TransactionBuilder;
            use alloy_provider::Provider;
            use alloy_sol_types::SolCall;
            let value = eth(&value)?;
            let signer = key(&private_key, "--private-key")?;
            let l2 = l2_provider(&l2_rpc, Some(signer))?;
            let tx = alloy_rpc_types_eth::TransactionRequest::default()
                .with_to(nr_contracts::L2_BRIDGE)
                .with_value(value)
                .with_input(nr_contracts::L2Bridge::withdrawCall { to }.abi_encode());
            let receipt = l2
                .send_transaction(tx)
                .await
                .map_err(|e| eyre!("L2: {e}"))?
                .get_receipt()
                .await
                .map_err(|e| eyre!("L2: {e}"))?;
            if !receipt.status() {
                bail!(
                    "the withdrawal reverted on the L2 ({})",
                    receipt.transaction_hash
                );
            }
            tracing::info!(%to, %value, block = ?receipt.block_number, "withdrawal recorded; claim it once its block is settled");
            println!("{}", receipt.transaction_hash);
            Ok(())
        }
        Command::Status {
            l1_rpc,
            rollup,
            l2_rpc,
            message,
            withdrawal,
        } => {
            let l1 = Rollup::connect_checked(&l1_rpc, rollup, PrivateKeySigner::random()).await?;
            let l2 = l2_provider(&l2_rpc, None)?;
            let out = match (message, withdrawal) {
                (Some(index), _) => nr_rollup::status::message_stage(&l1, &l2, index).await?,
                (_, Some(tx)) => nr_rollup::status::withdrawal_stage(&l1, &l2, tx).await?,
                _ => serde_json::to_value(StatusReader::new(l1, l2).read().await?)?,
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Command::Claim {
            l1_rpc,
            l2_rpc,
            rollup,
            tx,
            private_key,
        } => {
            use alloy_provider::Provider;
            use alloy_sol_types::SolEvent;
            let l1 = Rollup::connect_checked(&l1_rpc, rollup, key(&private_key, "--private-key")?)
                .await?;
            let l2 = l2_provider(&l2_rpc, None)?;
            let receipt = l2
                .get_transaction_receipt(tx)
                .await
                .map_err(|e| eyre!("L2 RPC: {e}"))?
                .ok_or_else(|| eyre!("the L2 has no receipt of {tx}"))?;
            let w = receipt
                .inner
                .logs()
                .iter()
                .filter(|l| l.address() == nr_contracts::L2_BRIDGE)
                .find_map(|l| {
                    nr_contracts::L2Bridge::WithdrawalInitiated::decode_log(&l.inner).ok()
                })
                .ok_or_else(|| eyre!("L2 transaction {tx} made no withdrawal"))?
                .data;
            let block = receipt
                .block_number
                .ok_or_else(|| eyre!("{tx} is not in a block yet"))?;
            let claim = nr_rollup::bridge::withdrawal_claim(&l1, &l2, &w, block).await?;
            let paid = l1.send(claim, alloy_primitives::U256::ZERO).await?;
            tracing::info!(to = %w.to, value = %w.value, l1_tx = %paid.transaction_hash, "withdrawal paid");
            println!("{}", paid.transaction_hash);
            Ok(())
        }
    }
}

/// The L2 of a rollup, running: its node, and the sequencer's and settler's tasks.
struct RunningL2 {
    node: nr_node::RunningNode<EthEvmFactory>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The rollup's status, read every [`STATUS_EVERY`] (`None` until the first read).
    status: watch::Receiver<Option<RollupStatus>>,
}

/// How often a running L2 reads its rollup's status.
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// The `nr_rollupStatus` method, answering from `status`.
fn status_method(
    status: watch::Receiver<Option<RollupStatus>>,
) -> eyre::Result<jsonrpsee::Methods> {
    let mut m = jsonrpsee::RpcModule::new(status);
    m.register_method("nr_rollupStatus", |_, status, _| {
        status.borrow().clone().ok_or_else(|| {
            jsonrpsee::types::ErrorObjectOwned::owned(
                -32000,
                "the rollup's status has not been read yet",
                None::<()>,
            )
        })
    })?;
    Ok(m.into())
}

/// Starts serving `chain` with `nr_rollupStatus`, and the task that reads the status of the
/// rollup contract `rollup` on `l1_rpc` (with this node's head) until `stop`.
async fn serve_with_status(
    chain: Chain<EthEvmFactory>,
    config: NodeConfig,
    l1_rpc: &str,
    rollup: Address,
    stop: watch::Receiver<bool>,
) -> eyre::Result<(
    nr_node::RunningNode<EthEvmFactory>,
    watch::Receiver<Option<RollupStatus>>,
    tokio::task::JoinHandle<()>,
)> {
    let (out, status) = watch::channel(None);
    let node = nr_node::start_with_methods(chain, config, status_method(status.clone())?).await?;
    let reader = StatusReader::new(
        Rollup::connect(l1_rpc, rollup, PrivateKeySigner::random())?,
        l2_provider(&format!("http://{}", node.addr), None)?,
    );
    let watcher = tokio::spawn(watch_status(reader, out, stop));
    Ok((node, status, watcher))
}

/// Reads the rollup's status into `out` every [`STATUS_EVERY`] until `stop`.
async fn watch_status(
    mut reader: StatusReader,
    out: watch::Sender<Option<RollupStatus>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match reader.read().await {
            Ok(s) => {
                let _ = out.send(Some(s));
            }
            Err(e) => tracing::debug!(error = %e, "reading the rollup's status failed"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(STATUS_EVERY) => {}
        }
    }
}

impl RunningL2 {
    async fn stop(self) -> eyre::Result<()> {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.node.stop().await
    }
}

/// Starts the L2 of the rollup contract `rollup` on `l1_rpc`: its node in sequencer mode,
/// the L1 follower and the settler.
async fn start_l2(args: &RunArgs) -> eyre::Result<RunningL2> {
    let sequencer_key = key(&args.sequencer_key, "--sequencer-key")?;
    let settler_key = key(&args.settler_key, "--settler-key")?;
    let spec = l2_spec(args.genesis.as_ref(), sequencer_key.address())?;
    if args.block_time == 0 || args.settle_range == 0 {
        bail!("--block-time and --settle-range must be at least 1");
    }
    let l1 = Rollup::connect(&args.l1_rpc, args.rollup, settler_key)?;
    // The contract must settle this L2: same chain id.
    let chain_id = l1
        .view(
            nr_contracts::NativeRollup::CHAIN_IDCall {},
            alloy_rpc_types_eth::BlockId::latest(),
        )
        .await
        .wrap_err_with(|| {
            format!(
                "reading the rollup contract {} on {}",
                args.rollup, args.l1_rpc
            )
        })?;
    if chain_id != spec.config.chain_id {
        bail!(
            "the contract {} settles L2 chain {chain_id}, this genesis is chain {}",
            args.rollup,
            spec.config.chain_id
        );
    }
    tracing::info!(chain_id, genesis = %spec.header.hash_slow(), rollup = %args.rollup, l1 = %args.l1_rpc, "starting the rollup's L2");

    let retention = nr_node::Retention {
        state: args.prune_state,
        inputs: args.prune_inputs,
        until_settled: true,
    };
    let chain = Chain::open_with(
        Role::L2,
        spec,
        EthEvmFactory::default(),
        &args.datadir,
        retention,
    )?;
    let config = NodeConfig {
        http: (args.http_addr, args.http_port).into(),
        block_time: Some(Duration::from_secs(args.block_time)),
        fee_recipient: sequencer_key.address(),
        datadir: args.datadir.clone(),
        wait_for_anchor: true,
        refuse_senders: args.refuse_senders.iter().copied().collect(),
        rpc: Default::default(),
        set_head: false,
    };
    if !args.refuse_senders.is_empty() {
        tracing::warn!(senders = ?args.refuse_senders, "refusing these senders' transactions at the RPC");
    }
    let (stop, stopped) = watch::channel(false);
    let (node, status, watcher) =
        serve_with_status(chain, config, &args.l1_rpc, args.rollup, stopped.clone()).await?;
    let sequencer = tokio::spawn(sequencer::run(
        node.node.clone(),
        Rollup::connect(&args.l1_rpc, args.rollup, sequencer_key.clone())?,
        SequencerConfig {
            confirmations: args.confirmations.map_or(
                sequencer::Confirmations::Finalized,
                sequencer::Confirmations::Depth,
            ),
            poll: Duration::from_secs(1),
            key: sequencer_key,
        },
        stopped.clone(),
    ));
    let settler = tokio::spawn(settler::run(
        node.node.clone(),
        l1,
        SettlerConfig {
            max_range: args.settle_range,
            interval: Duration::from_secs(args.settle_interval),
            proofs: args
                .proofs
                .prover
                .clone()
                .map(|prover| settler::ProofSettling {
                    prover,
                    cuda: args.proofs.prover_cuda,
                    workdir: args.datadir.join("proofs"),
                }),
        },
        stopped,
    ));
    Ok(RunningL2 {
        node,
        stop,
        tasks: vec![sequencer, settler, watcher],
        status,
    })
}

/// Starts a verifier node of the rollup contract `rollup` on `l1_rpc`, serving on `http`.
async fn start_verifier(
    l1_rpc: &str,
    rollup: Address,
    datadir: &std::path::Path,
    genesis: Option<&PathBuf>,
    http: std::net::SocketAddr,
) -> eyre::Result<RunningL2> {
    let spec = l2_spec(genesis, key(DEV_KEY_0, "")?.address())?;
    let l1 = Rollup::connect_checked(l1_rpc, rollup, key(DEV_KEY_0, "")?).await?;
    tracing::info!(chain_id = spec.config.chain_id, %rollup, l1 = %l1_rpc, "verifier: rebuilding the L2 from the L1");
    // It imports what the L1 settled: the inputs it stores are of settled blocks, kept for
    // a window for RPC callers.
    let retention = nr_node::Retention {
        inputs: nr_node::Keep::Last(SEQUENCER_INPUTS_KEPT),
        ..Default::default()
    };
    let chain = Chain::open_with(Role::L2, spec, EthEvmFactory::default(), datadir, retention)?;
    // No anchor is ever set: this node imports what the L1 settled and seals nothing.
    let config = NodeConfig {
        http,
        block_time: None,
        fee_recipient: Address::ZERO,
        datadir: datadir.to_path_buf(),
        wait_for_anchor: true,
        refuse_senders: Default::default(),
        rpc: Default::default(),
        set_head: false,
    };
    let (stop, stopped) = watch::channel(false);
    let (node, status, watcher) =
        serve_with_status(chain, config, l1_rpc, rollup, stopped.clone()).await?;
    let task = tokio::spawn(nr_rollup::verifier::run(
        node.node.clone(),
        l1,
        Duration::from_secs(1),
        stopped,
    ));
    Ok(RunningL2 {
        node,
        stop,
        tasks: vec![task, watcher],
        status,
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn until_signalled() -> eyre::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| eyre!("installing the SIGTERM handler: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping"),
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
    }
    Ok(())
}

/// [`until_signalled`], redrawing the rollup's status below the cursor as it changes.
async fn until_signalled_showing(
    mut status: watch::Receiver<Option<RollupStatus>>,
) -> eyre::Result<()> {
    use std::io::Write;
    let stop = until_signalled();
    tokio::pin!(stop);
    let mut drawn = 0;
    loop {
        tokio::select! {
            result = &mut stop => return result,
            changed = status.changed() => {
                if changed.is_err() {
                    return (&mut stop).await;
                }
            }
        }
        let Some(now) = status.borrow_and_update().clone() else {
            continue;
        };
        let mut out = std::io::stdout().lock();
        // Up over the last drawing, then each line cleared and written again.
        let mut frame = String::new();
        if drawn > 0 {
            frame.push_str(&format!("\x1b[{drawn}F"));
        }
        let lines = now.lines();
        for l in &lines {
            frame.push_str("\x1b[2K");
            frame.push_str(l);
            frame.push('\n');
        }
        drawn = lines.len();
        let _ = out.write_all(frame.as_bytes()).and_then(|()| out.flush());
    }
}

async fn run(args: RunArgs) -> eyre::Result<()> {
    let l2 = start_l2(&args).await?;
    until_signalled().await?;
    l2.stop().await
}

/// The dev accounts' keys the testnet prints (the "test ... junk" mnemonic's first five).
const DEV_KEYS: [&str; 5] = [
    DEV_KEY_0,
    DEV_KEY_1,
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

/// File in the testnet's datadir naming its rollup contract.
const ROLLUP_FILE: &str = "rollup.json";

async fn testnet(
    datadir: PathBuf,
    l1_rpc: Option<String>,
    ports: [u16; 3],
    block_time: u64,
    proofs: ProofArgs,
) -> eyre::Result<()> {
    let [l1_port, l2_port, verifier_port] = ports;
    use alloy_provider::Provider;
    std::fs::create_dir_all(&datadir)
        .wrap_err_with(|| format!("creating {}", datadir.display()))?;
    // The L1: outside, or the embedded devnet (its dev genesis settles chain 901).
    let (l1, l1_url) = match l1_rpc {
        Some(url) => (None, url),
        None => {
            let spec = ChainSpec::dev(Role::L1, 1337);
            let execute = spec
                .execute
                .clone()
                .ok_or_else(|| eyre!("the dev L1 genesis has no EXECUTE"))?;
            let dir = datadir.join("l1");
            let chain = Chain::open(
                Role::L1,
                spec,
                nr_execute::NativeRollupEvmFactory::new(execute),
                &dir,
            )?;
            let node = nr_node::start(
                chain,
                NodeConfig {
                    http: ([127, 0, 0, 1], l1_port).into(),
                    block_time: Some(Duration::from_secs(block_time.max(1))),
                    fee_recipient: Address::ZERO,
                    datadir: dir,
                    wait_for_anchor: false,
                    refuse_senders: Default::default(),
                    rpc: Default::default(),
                    set_head: false,
                },
            )
            .await?;
            let url = format!("http://{}", node.addr);
            (Some(node), url)
        }
    };
    // The contract: the one this datadir deployed, if the L1 still has it.
    let deployer = key(DEV_KEY_0, "")?;
    let file = datadir.join(ROLLUP_FILE);
    let known: Option<Address> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["rollup"].as_str().and_then(|a| a.parse().ok()));
    let probe = Rollup::connect(&l1_url, Address::ZERO, deployer.clone())?;
    let rollup = match known {
        Some(a)
            if !probe
                .provider()
                .get_code_at(a)
                .await
                .map_err(|e| eyre!("L1 RPC: {e}"))?
                .is_empty() =>
        {
            a
        }
        _ => {
            let spec = l2_spec(None, deployer.address())?;
            let args = genesis::deployment(
                &spec,
                deployer.address(),
                genesis::DEFAULT_FORCED_INCLUSION_DELAY,
                genesis::DEFAULT_MAX_ANCHOR_AGE,
            );
            let address =
                Rollup::deploy(&l1_url, deployer, args, genesis::backing(&spec.genesis)).await?;
            std::fs::write(
                &file,
                serde_json::json!({ "rollup": address, "l1": l1_url }).to_string(),
            )?;
            address
        }
    };
    let l2 = start_l2(&RunArgs {
        l1_rpc: l1_url.clone(),
        rollup,
        datadir: datadir.join("l2"),
        genesis: None,
        http_addr: [127, 0, 0, 1].into(),
        http_port: l2_port,
        block_time: block_time.max(1),
        sequencer_key: DEV_KEY_0.into(),
        settler_key: DEV_KEY_1.into(),
        // The embedded devnet seals one chain and finalizes each block at once.
        confirmations: None,
        // A CPU prover proves one small block at a time within this kind of machine's memory.
        settle_range: if proofs.prover.is_some() && !proofs.prover_cuda {
            1
        } else {
            8
        },
        settle_interval: 4,
        refuse_senders: Vec::new(),
        prune_state: nr_node::Retention::default().state,
        prune_inputs: nr_node::Keep::Last(SEQUENCER_INPUTS_KEPT),
        proofs,
    })
    .await?;
    let verifier_http = ([127, 0, 0, 1], verifier_port).into();
    let verifier = start_verifier(
        &l1_url,
        rollup,
        &datadir.join("verifier"),
        None,
        verifier_http,
    )
    .await?;
    // The summary goes to stdout; a closed stdout must not stop the testnet.
    let mut summary = format!("native-rollup testnet (data in {})\n", datadir.display());
    let mut line = |l: String| {
        summary.push_str(&l);
        summary.push('\n');
    };
    line(format!(
        "  {:<34} {l1_url}",
        "L1 (chain 1337, EXECUTE at 0x0101)"
    ));
    line(format!(
        "  {:<34} http://{}",
        format!("L2 (chain {})", nr_node::genesis::DEV_L2_CHAIN_ID),
        l2.node.addr
    ));
    line(format!(
        "  {:<34} http://{}",
        "L2 verifier (from L1 data alone)", verifier.node.addr
    ));
    line(format!("  {:<34} {rollup}", "NativeRollup (L1)"));
    line(format!(
        "  {:<34} {}",
        "L2Bridge (L2)",
        nr_contracts::L2_BRIDGE
    ));
    line("  dev accounts (10,000 ETH each on the L1; 0 sequences and deploys, 1 settles):".into());
    for (i, k) in DEV_KEYS.iter().enumerate() {
        line(format!("    {i}  {}  {k}", key(k, "")?.address()));
    }
    line(format!(
        "  {:<34} nr_rollupStatus on the L2 (JSON-RPC)",
        "status"
    ));
    let live = std::io::IsTerminal::is_terminal(&std::io::stdout());
    if live {
        line(format!(
            "  {:<34} {}",
            "log",
            datadir.join(TESTNET_LOG).display()
        ));
    }
    line("  Ctrl-C stops everything; running the command again resumes.".into());
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(summary.as_bytes()).and_then(|()| out.flush());
    }
    if live {
        until_signalled_showing(l2.status.clone()).await?;
    } else {
        until_signalled().await?;
    }
    verifier.stop().await?;
    l2.stop().await?;
    if let Some(l1) = l1 {
        l1.stop().await?;
    }
    Ok(())
}
