//! native-reth: reth with the EXECUTE precompile, through reth's own extension points
//! rather than a fork. The Ethereum node's components are reth's, except the executor,
//! whose EVM factory is the execute crate's [`NativeRollupEvmFactory`]; that one EVM
//! config serves block building, block validation, `eth_call` / `eth_estimateGas` and
//! `debug_executionWitness` alike.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Only for its `rayon` feature (see Cargo.toml).
use alloy_primitives as _;
use clap::Args;
use nr_execute::{Backend, ExecuteConfig, NativeRollupEvmFactory, ProgramRegistry};
use reth_ethereum::{
    EthPrimitives,
    chainspec::ChainSpec,
    evm::EthEvmConfig,
    node::{
        api::{FullNodeTypes, NodeTypes},
        builder::{BuilderContext, components::ExecutorBuilder},
    },
};

pub use nr_execute::EXECUTE_ADDRESS;

/// How EXECUTE is configured on this L1: reth's `node` command takes these flags.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "EXECUTE precompile")]
pub struct ExecuteArgs {
    /// First block timestamp at which EXECUTE exists (0: from genesis).
    #[arg(long = "execute.activation", default_value_t = 0)]
    pub activation: u64,
    /// A proof program EXECUTE accepts, as `groth16:0x<vkey>` or `plonk:0x<vkey>`
    /// (repeatable). Without any, proof mode rejects every proof; re-execution works.
    #[arg(long = "execute.program", value_parser = nr_execute::config::parse_program)]
    pub programs: Vec<(Backend, [u8; 32])>,
    /// How many distinct accepted programs must prove a statement.
    #[arg(long = "execute.threshold", default_value_t = 1)]
    pub threshold: usize,
}

impl ExecuteArgs {
    /// The EXECUTE configuration these flags describe: SP1 v6's wrapper keys, the accepted
    /// programs, the threshold and the activation time.
    pub fn config(&self) -> ExecuteConfig {
        let programs = self.programs.iter().fold(
            ProgramRegistry::sp1_v6(self.threshold),
            |r, (backend, vkey)| r.with_program(*backend, *vkey),
        );
        ExecuteConfig {
            activation_timestamp: self.activation,
            programs,
            ..Default::default()
        }
    }
}

/// An executor builder whose EVM is Ethereum's plus EXECUTE.
#[derive(Debug, Clone)]
pub struct NativeExecutorBuilder {
    factory: NativeRollupEvmFactory,
}

impl NativeExecutorBuilder {
    /// EXECUTE under `config`.
    pub fn new(config: ExecuteConfig) -> Self {
        Self {
            factory: NativeRollupEvmFactory::new(config),
        }
    }
}

impl<Node> ExecutorBuilder<Node> for NativeExecutorBuilder
where
    Node: FullNodeTypes<Types: NodeTypes<ChainSpec = ChainSpec, Primitives = EthPrimitives>>,
{
    type EVM = EthEvmConfig<ChainSpec, NativeRollupEvmFactory>;

    async fn build_evm(self, ctx: &BuilderContext<Node>) -> eyre::Result<Self::EVM> {
        Ok(EthEvmConfig::new_with_evm_factory(
            ctx.chain_spec(),
            self.factory,
        ))
    }
}
