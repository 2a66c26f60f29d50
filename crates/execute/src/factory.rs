//! The seam into an EVM: an alloy-evm [`EvmFactory`] that is Ethereum's plus EXECUTE.
//!
//! reth takes it as `EthEvmConfig::new_with_evm_factory(chain_spec, factory)`; this
//! project's nodes use it directly. EXECUTE is installed in every EVM the factory builds
//! (with or without an inspector, so tracing and `eth_call` see it too) whose block
//! timestamp is at or after the configured activation.

use crate::{BlockProofs, EXECUTE_ADDRESS, ExecuteConfig, execute_precompile};
use alloy_evm::{
    Database, EthEvm, EthEvmFactory, Evm, EvmEnv, EvmFactory, eth::EthEvmContext,
    precompiles::PrecompilesMap,
};
use revm::{
    Inspector,
    context::{BlockEnv, TxEnv},
    context_interface::result::{EVMError, HaltReason},
    inspector::NoOpInspector,
    primitives::hardfork::SpecId,
};
use std::sync::Arc;

/// [`EthEvmFactory`] with the EXECUTE precompile at [`EXECUTE_ADDRESS`]. Its default is a
/// chain without EXECUTE ([`ExecuteConfig::inactive`]).
#[derive(Debug, Clone)]
pub struct NativeRollupEvmFactory {
    inner: EthEvmFactory,
    config: Arc<ExecuteConfig>,
    proofs: Arc<BlockProofs>,
}

impl Default for NativeRollupEvmFactory {
    fn default() -> Self {
        Self::new(ExecuteConfig::inactive())
    }
}

impl NativeRollupEvmFactory {
    /// A factory whose EVMs run EXECUTE under `config`.
    pub fn new(config: ExecuteConfig) -> Self {
        Self {
            inner: EthEvmFactory::default(),
            config: Arc::new(config),
            proofs: Arc::new(BlockProofs::none()),
        }
    }

    /// The same factory for one block whose transactions carry `proofs` (verified from
    /// their sidecars by the node): EXECUTE's dependency mode looks them up.
    pub fn with_block_proofs(&self, proofs: BlockProofs) -> Self {
        Self {
            inner: self.inner,
            config: self.config.clone(),
            proofs: Arc::new(proofs),
        }
    }

    /// The configuration EXECUTE runs under.
    pub fn config(&self) -> &ExecuteConfig {
        &self.config
    }

    fn install(&self, precompiles: &mut PrecompilesMap, timestamp: u64) {
        if timestamp >= self.config.activation_timestamp {
            precompiles.extend_precompiles([(
                EXECUTE_ADDRESS,
                execute_precompile(self.config.clone(), self.proofs.clone()),
            )]);
        }
    }
}

fn timestamp(env: &EvmEnv) -> u64 {
    env.block_env.timestamp.saturating_to()
}

impl EvmFactory for NativeRollupEvmFactory {
    type Evm<DB: Database, I: Inspector<EthEvmContext<DB>>> = EthEvm<DB, I, PrecompilesMap>;
    type Context<DB: Database> = EthEvmContext<DB>;
    type Tx = TxEnv;
    type Error<DBError: revm::database_interface::DBErrorMarker> = EVMError<DBError>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;

    fn create_evm<DB: Database>(&self, db: DB, input: EvmEnv) -> Self::Evm<DB, NoOpInspector> {
        let ts = timestamp(&input);
        let mut evm = self.inner.create_evm(db, input);
        self.install(evm.precompiles_mut(), ts);
        evm
    }

    fn create_evm_with_inspector<DB: Database, I: Inspector<Self::Context<DB>>>(
        &self,
        db: DB,
        input: EvmEnv,
        inspector: I,
    ) -> Self::Evm<DB, I> {
        let ts = timestamp(&input);
        let mut evm = self.inner.create_evm_with_inspector(db, input, inspector);
        self.install(evm.precompiles_mut(), ts);
        evm
    }
}
