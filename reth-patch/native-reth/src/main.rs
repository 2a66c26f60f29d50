//! `native-reth`: reth's full command line; its `node` command runs the Ethereum node with
//! EXECUTE in the EVM (`--dev` auto-mines, as in reth). The `--execute.*` flags configure
//! the precompile.

use clap::Parser;
use native_reth::{ExecuteArgs, NativeExecutorBuilder};
use reth_ethereum::{
    cli::{Cli, chainspec::EthereumChainSpecParser},
    node::{EthereumNode, node::EthereumAddOns},
};

fn main() -> eyre::Result<()> {
    Cli::<EthereumChainSpecParser, ExecuteArgs>::parse().run(async move |builder, args| {
        let handle = builder
            .with_types::<EthereumNode>()
            .with_components(
                EthereumNode::components().executor(NativeExecutorBuilder::new(args.config())),
            )
            .with_add_ons(EthereumAddOns::default())
            .launch_with_debug_capabilities()
            .await?;
        handle.wait_for_node_exit().await
    })
}
