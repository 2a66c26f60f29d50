//! The precompile itself: gas, decoding, the two modes, and the halt on every failure.

use crate::{
    ExecuteConfig, ProofError,
    blob::{BlobError, check_blob_bindings},
    config::Backend,
    gas,
    sidecar::{BlockProofs, TxProofs, statement_hash},
};
use alloy_evm::precompiles::{DynPrecompile, PrecompileInput};
use alloy_primitives::{B256, Bytes};
use nr_stateless::{ChainConfig, SchemaId};
use nr_statement::{
    BlobOpening, ChainRules, DependencyInput, ExecuteInput, InputError, L2Error, OutputError,
    ProofInput, RulesError, Statement, StatementError, valid_range_output, valid_single_output,
};
use revm::precompile::{PrecompileHalt, PrecompileId, PrecompileOutput};
use std::{collections::BTreeSet, sync::Arc};

/// A successful EXECUTE call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// Gas charged.
    pub gas_used: u64,
    /// EXECUTE's output: the validation result and each block's summary
    /// ([`nr_statement::output`]).
    pub output: Vec<u8>,
}

/// Why an EXECUTE call halts. Each one consumes all the call's gas and returns nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    /// The call's gas does not cover the charge.
    #[error("out of gas: {needed} needed, {available} available")]
    OutOfGas {
        /// The charge.
        needed: u64,
        /// The gas the call had.
        available: u64,
    },
    /// The input does not decode.
    #[error("malformed input: {0}")]
    Input(#[from] InputError),
    /// The L1 assigns no rules to the blocks' chain.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The L2 block (or a block of the range) is invalid, or breaks an L2 rule.
    #[error("L2 block invalid: {0}")]
    Invalid(#[from] L2Error),
    /// The statement was proven under other chain rules than the L1 assigns to its chain.
    #[error("statement proven under chain rules {proven}, the L1 applies {expected}")]
    ChainRulesMismatch {
        /// The statement's `chain_rules_hash`.
        proven: B256,
        /// [`ChainRules::hash`] of the rules re-execution would apply.
        expected: B256,
    },
    /// The statement claims a failed validation: nothing to settle.
    #[error("statement claims an unsuccessful validation")]
    UnsuccessfulStatement,
    /// The blob binding does not hold.
    #[error("blob binding: {0}")]
    Blob(#[from] BlobError),
    /// No proofs were given.
    #[error("no proofs")]
    NoProofs,
    /// A proof names a backend or program the registry does not accept.
    #[error("proof {index}: backend {backend} / program {program} is not accepted")]
    UnknownProgram {
        /// Which proof.
        index: usize,
        /// Its backend id.
        backend: u8,
        /// Its program vkey.
        program: B256,
    },
    /// The same program twice (in any wrapper).
    #[error("proof {0} repeats a program")]
    DuplicateProgram(usize),
    /// Fewer distinct programs than the threshold.
    #[error("{verified} distinct programs, threshold {threshold}")]
    BelowThreshold {
        /// Distinct programs given.
        verified: usize,
        /// Required.
        threshold: usize,
    },
    /// A proof does not verify.
    #[error("proof {index}: {error}")]
    BadProof {
        /// Which proof.
        index: usize,
        /// Why.
        error: ProofError,
    },
    /// A named program is not accepted as a proof dependency.
    #[error("program {index} ({program}) is not accepted as a proof dependency")]
    UnknownDependency {
        /// Which program of the input.
        index: usize,
        /// Its vkey.
        program: B256,
    },
    /// The transaction carries no verified proof of the statement by a named program.
    #[error(
        "the transaction carries no verified proof of the statement by program {index} ({program})"
    )]
    MissingProof {
        /// Which program of the input.
        index: usize,
        /// Its vkey.
        program: B256,
    },
}

fn charge(needed: u64, available: u64) -> Result<(), ExecuteError> {
    if needed > available {
        Err(ExecuteError::OutOfGas { needed, available })
    } else {
        Ok(())
    }
}

/// Runs EXECUTE on `input` with `gas_limit` gas, in a transaction carrying `tx_blob_hashes`
/// and no proof sidecar.
pub fn execute(
    config: &ExecuteConfig,
    input: &[u8],
    gas_limit: u64,
    tx_blob_hashes: &[B256],
) -> Result<Settled, ExecuteError> {
    execute_in(
        config,
        input,
        gas_limit,
        tx_blob_hashes,
        &TxProofs::default(),
    )
}

/// Runs EXECUTE on `input` with `gas_limit` gas, in a transaction carrying `tx_blob_hashes`
/// and the verified proofs `tx_proofs` of its sidecar.
pub fn execute_in(
    config: &ExecuteConfig,
    input: &[u8],
    gas_limit: u64,
    tx_blob_hashes: &[B256],
    tx_proofs: &TxProofs,
) -> Result<Settled, ExecuteError> {
    charge(gas::upfront_gas(input), gas_limit)?;
    let len = input.len();
    match ExecuteInput::decode(input)? {
        ExecuteInput::Single(single) => {
            let limit = single.new_payload_request.execution_payload.gas_limit;
            reexecute(
                config,
                len,
                gas_limit,
                [limit],
                single.chain_id,
                single.schema,
                |chain| Ok(valid_single_output(&single, chain)?.encode()),
            )
        }
        ExecuteInput::Range(range) => {
            let limits = range
                .new_payload_requests
                .iter()
                .map(|r| r.execution_payload.gas_limit);
            reexecute(
                config,
                len,
                gas_limit,
                limits,
                range.chain_id,
                range.schema,
                |chain| Ok(valid_range_output(&range, chain)?.encode()),
            )
        }
        ExecuteInput::Proof(proof) => execute_proof(config, &proof, len, gas_limit, tx_blob_hashes),
        ExecuteInput::Dependency(deps) => {
            execute_dependencies(config, &deps, len, gas_limit, tx_blob_hashes, tx_proofs)
        }
    }
}

/// Charges for the blocks' gas limits, then validates them under the rules the L1
/// assigns to their chain.
fn reexecute(
    config: &ExecuteConfig,
    len: usize,
    gas_limit: u64,
    block_gas_limits: impl IntoIterator<Item = u64>,
    chain_id: u64,
    schema: SchemaId,
    validate: impl FnOnce(&ChainConfig) -> Result<Vec<u8>, ExecuteError>,
) -> Result<Settled, ExecuteError> {
    let gas_used = gas::reexecution_gas(len, block_gas_limits);
    charge(gas_used, gas_limit)?;
    let output = validate(&config.chains.rules(chain_id, schema)?)?;
    Ok(Settled { gas_used, output })
}

fn execute_proof(
    config: &ExecuteConfig,
    input: &ProofInput,
    len: usize,
    gas_limit: u64,
    tx_blob_hashes: &[B256],
) -> Result<Settled, ExecuteError> {
    // Which key checks each proof: bookkeeping only, no cryptography before the charge.
    // Programs are counted by vkey: two wrappers of one program are one program.
    let registry = &config.programs;
    let mut seen = BTreeSet::new();
    let mut verifiers = Vec::with_capacity(input.proofs.len());
    for (index, p) in input.proofs.iter().enumerate() {
        let unknown = ExecuteError::UnknownProgram {
            index,
            backend: p.backend,
            program: B256::from(p.program_vkey),
        };
        let backend = Backend::from_id(p.backend).ok_or(unknown.clone())?;
        if !seen.insert(p.program_vkey) {
            return Err(ExecuteError::DuplicateProgram(index));
        }
        verifiers.push(registry.verifier(backend, &p.program_vkey).ok_or(unknown)?);
    }
    let gas_used = gas::proof_gas(
        len,
        verifiers.iter().map(|(v, _)| v.backend()),
        input.blob_openings.len(),
    );
    charge(gas_used, gas_limit)?;

    let statement = check_statement(
        config,
        &input.statement,
        &input.blob_openings,
        tx_blob_hashes,
    )?;
    if input.proofs.is_empty() {
        return Err(ExecuteError::NoProofs);
    }
    // A call below threshold does no pairing at all.
    if seen.len() < registry.threshold() {
        return Err(ExecuteError::BelowThreshold {
            verified: seen.len(),
            threshold: registry.threshold(),
        });
    }
    for (index, (p, (verifier, digest))) in input.proofs.iter().zip(verifiers).enumerate() {
        verifier
            .verify(&p.proof, &p.program_vkey, &input.statement, digest)
            .map_err(|error| ExecuteError::BadProof { index, error })?;
    }
    Ok(Settled {
        gas_used,
        output: statement.output.to_vec(),
    })
}

/// What both proof modes check of a statement before its proofs: it claims a successful
/// validation, under the chain rules re-execution would apply, of data in the transaction's
/// blobs.
fn check_statement(
    config: &ExecuteConfig,
    bytes: &[u8],
    openings: &[BlobOpening],
    tx_blob_hashes: &[B256],
) -> Result<Statement, ExecuteError> {
    let (statement, output) = Statement::decode_with_output(bytes).map_err(InputError::from)?;
    let claimed = &output.result;
    if !claimed.successful() {
        return Err(ExecuteError::UnsuccessfulStatement);
    }
    // The rules re-execution would apply to this chain and schema, and none other.
    let schema = claimed
        .schema()
        .map_err(|e| InputError::from(StatementError::Output(OutputError::Result(e))))?;
    let rules = config.chains.rules(claimed.chain_id(), schema)?;
    let expected = ChainRules::from_config(&rules).hash();
    if statement.chain_rules_hash != expected {
        return Err(ExecuteError::ChainRulesMismatch {
            proven: B256::from(statement.chain_rules_hash),
            expected: B256::from(expected),
        });
    }
    check_blob_bindings(&statement.blob_evaluations, openings, tx_blob_hashes)?;
    Ok(statement)
}

/// Proof-dependency mode: the statement's proofs were verified by the node from the
/// transaction's sidecar; EXECUTE checks that enough distinct accepted programs proved
/// exactly this statement.
fn execute_dependencies(
    config: &ExecuteConfig,
    input: &DependencyInput,
    len: usize,
    gas_limit: u64,
    tx_blob_hashes: &[B256],
    tx_proofs: &TxProofs,
) -> Result<Settled, ExecuteError> {
    let gas_used = gas::dependency_gas(len, input.programs.len(), input.blob_openings.len());
    charge(gas_used, gas_limit)?;
    let statement = check_statement(
        config,
        &input.statement,
        &input.blob_openings,
        tx_blob_hashes,
    )?;
    let registry = &config.programs;
    let mut seen = BTreeSet::new();
    for (index, program) in input.programs.iter().enumerate() {
        if registry.stark_key(program).is_none() {
            return Err(ExecuteError::UnknownDependency {
                index,
                program: B256::from(*program),
            });
        }
        if !seen.insert(*program) {
            return Err(ExecuteError::DuplicateProgram(index));
        }
    }
    if seen.len() < registry.threshold() {
        return Err(ExecuteError::BelowThreshold {
            verified: seen.len(),
            threshold: registry.threshold(),
        });
    }
    let hash = statement_hash(&input.statement);
    for (index, program) in input.programs.iter().enumerate() {
        if !tx_proofs.proves(program, &hash) {
            return Err(ExecuteError::MissingProof {
                index,
                program: B256::from(*program),
            });
        }
    }
    Ok(Settled {
        gas_used,
        output: statement.output.to_vec(),
    })
}

/// EXECUTE as an alloy-evm precompile. It is stateful (not cached by calldata): proof modes
/// read the transaction's blob hashes, and dependency mode the verified proofs of its
/// sidecar (`proofs`, by the transaction's sender and nonce). Failures halt: all gas
/// consumed, empty output.
pub fn execute_precompile(config: Arc<ExecuteConfig>, proofs: Arc<BlockProofs>) -> DynPrecompile {
    DynPrecompile::new_stateful(
        PrecompileId::Custom("EXECUTE".into()),
        move |input: PrecompileInput<'_>| {
            let tx = input.internals.tx_env();
            let blob_hashes = tx.blob_versioned_hashes();
            let none = TxProofs::default();
            let tx_proofs = proofs.of(tx.caller(), tx.nonce()).unwrap_or(&none);
            // Consensus code must not take the node down: a panic (a bug) halts the call too.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                execute_in(&config, input.data, input.gas, blob_hashes, tx_proofs)
            }));
            Ok(match outcome {
                Ok(Ok(settled)) => PrecompileOutput::new(
                    settled.gas_used,
                    Bytes::from(settled.output),
                    input.reservoir,
                ),
                Ok(Err(ExecuteError::OutOfGas { .. })) => {
                    PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir)
                }
                Ok(Err(e)) => PrecompileOutput::halt(
                    PrecompileHalt::Other(e.to_string().into()),
                    input.reservoir,
                ),
                Err(_) => PrecompileOutput::halt(
                    PrecompileHalt::Other("EXECUTE panicked".into()),
                    input.reservoir,
                ),
            })
        },
    )
}
