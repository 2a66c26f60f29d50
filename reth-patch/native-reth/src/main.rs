//! `native-reth`: reth's full command line; its `node` command runs the Ethereum node with
//! EXECUTE in the EVM (`--dev` auto-mines, as in reth). EXECUTE's configuration is chain
//! data: the `config.nativeRollup` section of the genesis given with `--chain`.

use clap::Parser;
use native_reth::NativeExecutorBuilder;
use reth_ethereum::{
    cli::{Cli, chainspec::EthereumChainSpecParser},
    node::{EthereumNode, node::EthereumAddOns},
};

fn main() -> eyre::Result<()> {
    Cli::<EthereumChainSpecParser>::parse().run(async move |builder, _| {
        let handle = builder
            .with_types::<EthereumNode>()
            .with_components(
                EthereumNode::components().executor(NativeExecutorBuilder),
            )
            .with_add_ons(EthereumAddOns::default())
            .launch_with_debug_capabilities()
            .await?;
        handle.wait_for_node_exit().await
    })
}
