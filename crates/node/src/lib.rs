//! One EVM chain engine in two roles.
//!
//! * [`Role::L2`]: the native rollup's execution node (sequencer + RPC). Its blocks obey
//!   the L2 rules EXECUTE enforces, and for every sealed block it keeps the
//!   `StatelessInput` (payload + witness) that EXECUTE and the prover consume.
//! * [`Role::L1`]: an embedded L1 devnet whose EVM has EXECUTE (through the execute crate's
//!   `NativeRollupEvmFactory`), so the testnet and CI need no reth build.
//!
//! Both run alloy-evm's Ethereum block executor (what reth runs) over the stateless
//! crate's Merkle-Patricia trie, persist every sealed block in an embedded redb database,
//! and serve standard JSON-RPC.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Used by the `nr-node` binary only.
use {nr_execute as _, tracing_subscriber as _};

pub mod blobs;
pub mod chain;
pub mod genesis;
pub mod history;
pub mod pool;
pub mod query;
pub mod rpc;
pub mod service;
pub mod store;
pub mod trace;
pub mod watch;

pub use chain::{
    BlockAttributes, Chain, ChainError, NodeEvmFactory, SealedBlock, admit_proof_sidecar,
    verify_proof_sidecar,
};
pub use genesis::ChainSpec;
pub use history::{Keep, Retention};
pub use service::{Node, NodeConfig, Reorg, RpcLimits, RunningNode, start, start_with_methods};

/// Which chain a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The embedded L1 devnet, with EXECUTE.
    L1,
    /// The native rollup's L2.
    L2,
}
