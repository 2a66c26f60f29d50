//! `debug_traceTransaction` and `debug_traceCall`: the transaction or call run again under
//! revm-inspectors' `TracingInspector`, reported in geth's shapes: the struct logger (no
//! `tracer`), `callTracer` and `noopTracer`.
//!
//! A sealed transaction is traced on its block's parent state after the block's system
//! calls and the transactions before it, with the same EVM the block was built with (on the
//! L1, EXECUTE with the proofs its sidecars carried, verified again).

use crate::chain::{NodeEvmFactory, verify_proof_sidecar};
use crate::{Chain, query::CallError};
use alloy_consensus::{Transaction as _, transaction::Recovered};
use alloy_evm::{
    Evm, EvmEnv, EvmError,
    block::{BlockExecutor, TxResult},
    eth::{EthBlockExecutor, receipt_builder::AlloyReceiptBuilder},
};
use alloy_primitives::B256;
use alloy_rpc_types_trace::geth::{
    GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingOptions, GethTrace, NoopFrame,
};
use nr_execute::BlockProofs;
use nr_stateless::db::TrieState;
use revm::{
    context::{TxEnv, result::ExecutionResult},
    database::State,
};
use revm_inspectors::tracing::{TracingInspector, TracingInspectorConfig};
use std::borrow::Cow;

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// No sealed transaction has that hash.
    #[error("transaction {0} not found")]
    NotFound(B256),
    /// A tracer this node does not have.
    #[error(
        "tracer {0:?} is not supported: use the struct logger (no tracer), callTracer or noopTracer"
    )]
    Unsupported(String),
    /// The tracer's configuration does not decode.
    #[error("invalid tracer config: {0}")]
    Config(String),
    /// The transaction could not run (invalid against that state).
    #[error("{0}")]
    Call(#[from] CallError),
    /// The node's data (a block, a state node, a sidecar) could not be read.
    #[error("state unavailable: {0}")]
    State(String),
}

/// What the options ask for.
enum Tracer {
    StructLogger,
    Call(alloy_rpc_types_trace::geth::CallConfig),
    Noop,
}

fn tracer_of(
    opts: &GethDebugTracingOptions,
) -> Result<(Tracer, TracingInspectorConfig), TraceError> {
    match &opts.tracer {
        None => Ok((
            Tracer::StructLogger,
            TracingInspectorConfig::from_geth_config(&opts.config),
        )),
        Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::CallTracer)) => {
            let config = opts
                .tracer_config
                .clone()
                .into_call_config()
                .map_err(|e| TraceError::Config(e.to_string()))?;
            let inspector = TracingInspectorConfig::from_geth_call_config(&config);
            Ok((Tracer::Call(config), inspector))
        }
        Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::NoopTracer)) => {
            Ok((Tracer::Noop, TracingInspectorConfig::none()))
        }
        Some(other) => Err(TraceError::Unsupported(match other {
            GethDebugTracerType::BuiltInTracer(t) => format!("{t:?}"),
            GethDebugTracerType::JsTracer(_) => "a JavaScript tracer".into(),
        })),
    }
}

/// The trace `tracer` makes of what `inspector` recorded of a run that ended in `result`.
fn build(
    tracer: Tracer,
    inspector: TracingInspector,
    result: &ExecutionResult<impl std::fmt::Debug>,
    opts: &GethDebugTracingOptions,
) -> GethTrace {
    let gas_used = result.tx_gas_used();
    let output = result.output().cloned().unwrap_or_default();
    let builder = inspector.into_geth_builder();
    match tracer {
        Tracer::StructLogger => {
            GethTrace::Default(builder.geth_traces(gas_used, output, opts.config))
        }
        Tracer::Call(config) => GethTrace::CallTracer(builder.geth_call_traces(config, gas_used)),
        Tracer::Noop => GethTrace::NoopTracer(NoopFrame::default()),
    }
}

impl<F: NodeEvmFactory> Chain<F> {
    /// Traces a call on the state of `header`, in `env` (as `eth_call` runs it).
    pub fn trace_call(
        &self,
        header: &alloy_consensus::Header,
        mut env: EvmEnv,
        tx: TxEnv,
        opts: &GethDebugTracingOptions,
    ) -> Result<GethTrace, TraceError> {
        let (tracer, config) = tracer_of(opts)?;
        let hashes = self.block_hashes(env.block_env.number.saturating_to());
        let state = self.state();
        let db = TrieState::new(header.state_root, &state.nodes, &state.codes, &hashes);
        crate::query::as_call(&mut env, &tx);
        let mut evm =
            self.factory()
                .create_evm_with_inspector(db, env, TracingInspector::new(config));
        let result = evm.transact(tx).map_err(|e| match e.as_invalid_tx_err() {
            Some(invalid) => CallError::Invalid(crate::query::geth_words(invalid.to_string())),
            None => CallError::State(e.to_string()),
        })?;
        let inspector = std::mem::replace(evm.inspector_mut(), TracingInspector::new(config));
        Ok(build(tracer, inspector, &result.result, opts))
    }

    /// Traces sealed transaction `hash` where its block ran it.
    pub fn trace_transaction(
        &self,
        hash: B256,
        opts: &GethDebugTracingOptions,
    ) -> Result<GethTrace, TraceError> {
        use alloy_consensus::transaction::SignerRecoverable;
        let (tracer, config) = tracer_of(opts)?;
        let state_error = |e: &dyn std::fmt::Display| TraceError::State(e.to_string());
        let at = self
            .store()
            .tx_location(&hash)
            .map_err(|e| state_error(&e))?
            .ok_or(TraceError::NotFound(hash))?;
        let block = self
            .store()
            .block(at.block)
            .map_err(|e| state_error(&e))?
            .ok_or_else(|| TraceError::State(format!("block {} missing", at.block)))?;
        let parent = self
            .header(at.block - 1)
            .map_err(|e| state_error(&e))?
            .ok_or_else(|| TraceError::State(format!("header {} missing", at.block - 1)))?;
        if !self.state_kept(parent.number) {
            return Err(TraceError::State(crate::rpc::pruned_state(
                parent.number,
                self.retention(),
            )));
        }
        let txs = &block.body.transactions;
        let senders = txs
            .iter()
            .map(|t| t.recover_signer())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| state_error(&e))?;
        // The proofs EXECUTE saw: the sidecars stored with the block, verified again.
        let mut proofs = BlockProofs::none();
        for (i, tx) in txs.iter().enumerate() {
            if let Some(sidecar) = self
                .store()
                .proof_sidecar(tx.tx_hash())
                .map_err(|e| state_error(&e))?
            {
                let verified =
                    verify_proof_sidecar(self.factory(), &sidecar).map_err(|e| state_error(&e))?;
                proofs.insert(senders[i], tx.nonce(), verified);
            }
        }
        let hashes = self.block_hashes(block.header.number);
        let nodes = self.state();
        let mut db = TrieState::new(parent.state_root, &nodes.nodes, &nodes.codes, &hashes);
        let mut state = State::builder()
            .with_database(&mut db)
            .with_bundle_update()
            .build();
        let env = self.env_of(&block.header);
        let factory = self.factory().for_block(proofs);
        let mut evm =
            factory.create_evm_with_inspector(&mut state, env, TracingInspector::new(config));
        evm.disable_inspector();
        let ctx = nr_stateless::validate::block_execution_ctx(
            &block.header,
            block
                .body
                .withdrawals
                .as_ref()
                .map(|w| Cow::Borrowed(w.as_slice())),
            txs.len(),
        );
        let spec = self.spec.config.clone();
        let mut executor = EthBlockExecutor::new(evm, ctx, &spec, AlloyReceiptBuilder::default());
        executor
            .apply_pre_execution_changes()
            .map_err(|e| state_error(&e))?;
        let index = at.index as usize;
        for (tx, sender) in txs.iter().zip(&senders).take(index) {
            executor
                .execute_transaction(Recovered::new_unchecked(tx, *sender))
                .map_err(|e| state_error(&e))?;
        }
        executor.evm_mut().enable_inspector();
        let mut result = None;
        executor
            .execute_transaction_with_result_closure(
                Recovered::new_unchecked(&txs[index], senders[index]),
                |r| result = Some(r.result().result.clone()),
            )
            .map_err(|e| state_error(&e))?;
        let result = result.ok_or_else(|| TraceError::State("no result".into()))?;
        let inspector = std::mem::replace(
            executor.evm_mut().inspector_mut(),
            TracingInspector::new(config),
        );
        Ok(build(tracer, inspector, &result, opts))
    }
}
