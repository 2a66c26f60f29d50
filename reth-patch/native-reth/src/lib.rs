//! native-reth: reth with the EXECUTE precompile, through reth's own extension points
//! rather than a fork. The Ethereum node's components are reth's, except the executor,
//! whose EVM factory is the execute crate's [`NativeRollupEvmFactory`]; that one EVM
//! config serves block building, block validation, `eth_call` / `eth_estimateGas` and
//! `debug_executionWitness` alike.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Only for its `rayon` feature (see Cargo.toml).
use alloy_primitives as _;
// The binary's command line (`src/main.rs`).
use clap as _;
use nr_execute::{ExecuteConfig, NativeRollupEvmFactory};
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

/// EXECUTE's configuration on this L1: chain data, from the chain specification's genesis
/// `config.nativeRollup` section (`nr_execute::spec`), exactly as `nr-node` reads it, so
/// every node started from one genesis file agrees. No section: no EXECUTE.
pub fn execute_config(chain_spec: &ChainSpec) -> eyre::Result<ExecuteConfig> {
    Ok(nr_execute::spec::execute_config(&chain_spec.genesis.config)?
        .unwrap_or_else(ExecuteConfig::inactive))
}

/// An executor builder whose EVM is Ethereum's plus EXECUTE, configured by the chain
/// specification ([`execute_config`]).
#[derive(Debug, Clone, Default)]
pub struct NativeExecutorBuilder;

impl<Node> ExecutorBuilder<Node> for NativeExecutorBuilder
where
    Node: FullNodeTypes<Types: NodeTypes<ChainSpec = ChainSpec, Primitives = EthPrimitives>>,
{
    type EVM = EthEvmConfig<ChainSpec, NativeRollupEvmFactory>;

    async fn build_evm(self, ctx: &BuilderContext<Node>) -> eyre::Result<Self::EVM> {
        let config = execute_config(&ctx.chain_spec())?;
        Ok(EthEvmConfig::new_with_evm_factory(
            ctx.chain_spec(),
            NativeRollupEvmFactory::new(config),
        ))
    }
}
