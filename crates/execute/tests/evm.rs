//! EXECUTE inside real revm transactions: a contract STATICCALLs it through
//! [`NativeRollupEvmFactory`] and reports the call's success flag, the gas the precompile
//! used and the bytes it returned. Re-execution runs on real L2-shaped blocks from
//! Ethereum's tests; proof mode on Groth16 proofs made for a test key whose trapdoor we
//! know, through exactly the verifier the SP1 key uses.

use alloy_evm::{Evm, EvmEnv, EvmFactory};
use alloy_primitives::{Address, B256, Bytes, U256, address, keccak256};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, PrimeField};
use ef_tests::{default_fixtures, prepared_inputs};
use libssz::SszEncode;
use nr_execute::{
    Backend, ExecuteConfig, ExecuteError, Groth16Key, InputError, NativeRollupEvmFactory, PlonkKey,
    Program, ProgramRegistry, ProofError, ValuesDigest, Verifier,
    blob::BlobError,
    blob::kzg_to_versioned_hash,
    bn254, execute, gas,
    input::{BlobOpening, ExecuteInput, ProofEntry, ProofInput},
};
use nr_stateless::{
    ChainConfig, DecodeError, Fork, RangeError, StatelessInput, StatelessRangeInput,
    ValidationError, block_from_payload,
};
use nr_statement::{
    BlobEvaluation, ChainRules, L2Chains, L2Error, L2RuleError, RulesError, Statement,
    StatementError, check_l2_rules,
};
use revm::{
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::{block::BlobExcessGasAndPrice, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    inspector::NoOpInspector,
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const CALLER: Address = address!("0x1000000000000000000000000000000000000001");
const PROBE: Address = address!("0x2000000000000000000000000000000000000002");
/// The EIP-7825 per-transaction gas cap (Osaka).
const TX_GAS: u64 = 1 << 24;

/// Copies calldata to memory, STATICCALLs EXECUTE with all gas, and returns
/// `success (32) ++ gas_spent_around_the_call (32) ++ returndata`.
const PROBE_CODE: &[u8] = &[
    0x36, 0x5f, 0x60, 0x40, 0x37, // calldatacopy(0x40, 0, calldatasize)
    0x5f, 0x5f, 0x36, 0x60, 0x40, 0x61, 0x01, 0x01, // ret 0/0, args 0x40/size, EXECUTE
    0x5a, 0x60, 0x20, 0x52, // mstore(0x20, gas)
    0x5a, 0xfa, // staticcall(gas, ...)
    0x5a, 0x60, 0x20, 0x51, 0x03, 0x60, 0x20, 0x52, // mstore(0x20, before - gas)
    0x5f, 0x52, // mstore(0, success)
    0x3d, 0x5f, 0x60, 0x40, 0x3e, // returndatacopy(0x40, 0, returndatasize)
    0x3d, 0x60, 0x40, 0x01, 0x5f, 0xf3, // return(0, 0x40 + returndatasize)
];
/// Gas the probe spends around the STATICCALL besides the precompile: PUSH1, MSTORE, GAS,
/// STATICCALL to a warm address, GAS.
const PROBE_OVERHEAD: u64 = 3 + 3 + 2 + 100 + 2;

struct Outcome {
    success: bool,
    precompile_gas: u64,
    output: Vec<u8>,
    /// For a failed call: why EXECUTE halts, from the same input and the gas it was given.
    reason: Option<ExecuteError>,
}

fn call(config: &ExecuteConfig, data: &[u8], blob_hashes: Vec<B256>) -> Outcome {
    call_at(config, data, blob_hashes, 1_000, false)
}

/// Runs the probe in a block at `timestamp`, in an EVM made by `create_evm`, or by
/// `create_evm_with_inspector` (the path of tracing and `debug_*` RPCs) if `inspect`.
fn call_at(
    config: &ExecuteConfig,
    data: &[u8],
    blob_hashes: Vec<B256>,
    timestamp: u64,
    inspect: bool,
) -> Outcome {
    let mut db = CacheDB::new(EmptyDB::default());
    db.insert_account_info(
        CALLER,
        AccountInfo {
            balance: U256::from(10u128.pow(24)),
            ..Default::default()
        },
    );
    db.insert_account_info(
        PROBE,
        AccountInfo {
            code_hash: keccak256(PROBE_CODE),
            code: Some(Bytecode::new_raw(Bytes::from_static(PROBE_CODE))),
            ..Default::default()
        },
    );
    let mut block_env = BlockEnv {
        timestamp: U256::from(timestamp),
        gas_limit: 60_000_000,
        ..Default::default()
    };
    block_env.blob_excess_gas_and_price = Some(BlobExcessGasAndPrice::new(0, 5_007_716));
    let env = EvmEnv {
        cfg_env: CfgEnv::new_with_spec(SpecId::OSAKA),
        block_env,
    };
    let factory = NativeRollupEvmFactory::new(config.clone());
    let mut evm = if inspect {
        factory.create_evm_with_inspector(db, env, NoOpInspector)
    } else {
        factory.create_evm(db, env)
    };
    let blob_tx = !blob_hashes.is_empty();
    let hashes = blob_hashes.clone();
    let tx = TxEnv::builder()
        .caller(CALLER)
        .call(PROBE)
        .gas_limit(TX_GAS)
        .gas_price(1)
        .max_fee_per_gas(1)
        .data(Bytes::copy_from_slice(data))
        .tx_type(Some(if blob_tx { 3 } else { 2 }))
        .blob_hashes(blob_hashes)
        .max_fee_per_blob_gas(if blob_tx { 1 } else { 0 })
        .build_fill();
    let result = evm.transact(tx).expect("transaction is valid").result;
    let ExecutionResult::Success { output, .. } = result else {
        panic!("probe transaction failed: {result:?}");
    };
    let out = output.into_data();
    let word = |i: usize| U256::from_be_slice(&out[32 * i..32 * (i + 1)]);
    let success = word(0) == U256::from(1);
    let precompile_gas = word(1).to::<u64>() - PROBE_OVERHEAD;
    Outcome {
        success,
        precompile_gas,
        output: out[64..].to_vec(),
        reason: (!success).then(|| execute(config, data, precompile_gas, &hashes).unwrap_err()),
    }
}

/// A halt for the expected reason: CALL returned 0, nothing came back, and all gas given
/// to EXECUTE was burnt (63/64 of what the probe had, EIP-150).
fn assert_halt(o: &Outcome, what: &str, reason: impl Fn(&ExecuteError) -> bool) {
    assert!(!o.success, "{what}: EXECUTE succeeded");
    let why = o.reason.as_ref().expect("a failed call has a reason");
    assert!(reason(why), "{what}: halted for another reason: {why}");
    assert!(o.output.is_empty(), "{what}: halt returned bytes");
    assert!(
        o.precompile_gas > TX_GAS / 64 * 60,
        "{what}: only {} gas consumed",
        o.precompile_gas
    );
}

// ---------------------------------------------------------------- re-execution

/// Consecutive valid blocks from `bcEIP1559/medDemand` that obey the L2 rules.
fn l2_blocks() -> Option<Vec<StatelessInput>> {
    let dir = default_fixtures();
    if !dir.is_dir() {
        eprintln!("SKIPPING: shared fixtures not found at {}", dir.display());
        return None;
    }
    let file = dir.join("BlockchainTests/ValidBlocks/bcEIP1559/medDemand.json");
    let mut by_test: std::collections::BTreeMap<String, Vec<StatelessInput>> = Default::default();
    for (name, _, block) in prepared_inputs(&file).unwrap() {
        by_test
            .entry(name)
            .or_default()
            .push(StatelessInput::decode(&block.input).unwrap());
    }
    let blocks = by_test
        .into_values()
        .filter(|b| {
            b.iter()
                .all(|i| check_l2_rules(&i.new_payload_request).is_ok())
        })
        .max_by_key(|b| b.len())?;
    assert!(blocks.len() >= 3);
    Some(blocks)
}

/// The fixture chain's rules as the tests' L1 assigns them: the blocks' fork from genesis.
/// What EXECUTE returns for a valid pre-Amsterdam `block`, built from its payload alone:
/// its result, then its summary (before Amsterdam the burn is the base fee times the
/// header's gas used).
fn expected_output(block: &StatelessInput) -> Vec<u8> {
    let p = &block.new_payload_request.execution_payload;
    let base_fee = u64::from_le_bytes(p.base_fee_per_gas[..8].try_into().unwrap());
    let mut out = block.result(true).encode();
    out.extend_from_slice(&p.parent_hash);
    out.extend_from_slice(&p.block_hash);
    out.extend_from_slice(&p.state_root);
    out.extend_from_slice(&block.new_payload_request.parent_beacon_block_root);
    for v in [p.block_number, p.timestamp, p.gas_limit, base_fee] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(u128::from(base_fee) * u128::from(p.gas_used)).to_le_bytes());
    out
}

fn chain_of(block: &StatelessInput) -> ChainConfig {
    ChainConfig::all_at_genesis(block.chain_id, block.schema.fork)
}

/// An L1 that settles exactly the fixture blocks' chain.
fn reexecution_config(block: &StatelessInput) -> ExecuteConfig {
    ExecuteConfig {
        chains: L2Chains::pinned([chain_of(block)]),
        ..Default::default()
    }
}

#[test]
fn single_block_settles_with_its_result_and_exact_gas() {
    let Some(blocks) = l2_blocks() else { return };
    let input = &blocks[1];
    let data = input.encode();
    let o = call(&reexecution_config(input), &data, vec![]);
    assert!(o.success);
    assert_eq!(o.output, expected_output(input));
    assert_eq!(o.output.len(), 43 + 176);
    let limit = input.new_payload_request.execution_payload.gas_limit;
    assert_eq!(o.precompile_gas, gas::reexecution_gas(data.len(), [limit]));
}

#[test]
fn range_settles_cheaper_than_its_blocks_one_by_one() {
    let Some(blocks) = l2_blocks() else { return };
    let range = StatelessRangeInput::from_inputs(&blocks).unwrap();
    let data = ExecuteInput::Range(range.clone()).encode();
    let config = reexecution_config(&blocks[0]);
    let o = call(&config, &data, vec![]);
    assert!(o.success);
    let mut expected = range.result(true).encode();
    for b in &blocks {
        expected.extend_from_slice(&expected_output(b)[43..]);
    }
    assert_eq!(o.output, expected);
    let one_by_one: u64 = blocks
        .iter()
        .map(|b| call(&config, &b.encode(), vec![]).precompile_gas)
        .sum();
    assert!(
        o.precompile_gas < one_by_one,
        "range {} vs one by one {one_by_one}",
        o.precompile_gas
    );
}

#[test]
fn reexecution_failures_halt() {
    let Some(blocks) = l2_blocks() else { return };
    let config = reexecution_config(&blocks[0]);
    let good = blocks[1].clone();

    assert_halt(&call(&config, &[], vec![]), "empty input", |e| {
        matches!(e, ExecuteError::Input(InputError::Empty(_)))
    });
    assert_halt(
        &call(&config, &[0x12, 0x01, 0xde, 0xad], vec![]),
        "malformed SSZ",
        |e| {
            matches!(
                e,
                ExecuteError::Input(InputError::Stateless(DecodeError::Ssz(_)))
            )
        },
    );
    let mut unknown = good.encode();
    unknown[0] = 0x99;
    assert_halt(&call(&config, &unknown, vec![]), "unknown schema", |e| {
        matches!(
            e,
            ExecuteError::Input(InputError::Stateless(DecodeError::UnknownSchema(_)))
        )
    });

    // Invalid block: a state root that execution does not reach (resealed, so the
    // block hash is right and the post-state check is what fails).
    let mut bad = good.clone();
    bad.new_payload_request.execution_payload.state_root[0] ^= 1;
    let fork = bad.schema.fork;
    let block = block_from_payload(&bad.new_payload_request, fork)
        .unwrap()
        .block;
    bad.new_payload_request.execution_payload.block_hash = block.header.hash_slow().0;
    assert_halt(
        &call(&config, &bad.encode(), vec![]),
        "failed validation",
        |e| {
            matches!(
                e,
                ExecuteError::Invalid(L2Error::Invalid(
                    ValidationError::PostStateRootMismatch { .. }
                ))
            )
        },
    );

    // L2 rule: no excess blob gas.
    let mut blobby = good.clone();
    blobby.new_payload_request.execution_payload.excess_blob_gas = 1;
    assert_halt(&call(&config, &blobby.encode(), vec![]), "L2 rule", |e| {
        matches!(
            e,
            ExecuteError::Invalid(L2Error::Rule {
                index: 0,
                error: L2RuleError::ExcessBlobGas(1)
            })
        )
    });

    // A range whose second block is missing.
    let mut gap = blocks.clone();
    gap.remove(1);
    let range = ExecuteInput::Range(StatelessRangeInput::from_inputs(&gap).unwrap()).encode();
    assert_halt(&call(&config, &range, vec![]), "range with a gap", |e| {
        matches!(
            e,
            ExecuteError::Invalid(L2Error::InvalidRange(RangeError {
                index: 1,
                error: ValidationError::UnknownParent { .. }
            }))
        )
    });
}

#[test]
fn out_of_gas_halts_before_any_work() {
    let Some(blocks) = l2_blocks() else { return };
    let mut input = blocks[1].clone();
    // A gas limit the call cannot pay for: charged from the payload before validation.
    input.new_payload_request.execution_payload.gas_limit = 1 << 40;
    assert_halt(
        &call(&reexecution_config(&input), &input.encode(), vec![]),
        "out of gas",
        |e| matches!(e, ExecuteError::OutOfGas { .. }),
    );
}

#[test]
fn execute_is_absent_before_activation() {
    let Some(blocks) = l2_blocks() else { return };
    let config = ExecuteConfig {
        activation_timestamp: 2_000,
        ..reexecution_config(&blocks[1])
    };
    // Before activation 0x0101 is an empty account: the call succeeds and returns nothing.
    let o = call_at(&config, &blocks[1].encode(), vec![], 1_000, false);
    assert!(o.success);
    assert!(o.output.is_empty());
    let o = call_at(&config, &blocks[1].encode(), vec![], 2_000, false);
    assert!(o.success);
    assert_eq!(o.output.len(), 43 + 176);
}

#[test]
fn execute_is_installed_in_inspecting_evms_too() {
    let Some(blocks) = l2_blocks() else { return };
    let config = reexecution_config(&blocks[1]);
    let data = blocks[1].encode();
    let plain = call(&config, &data, vec![]);
    let inspected = call_at(&config, &data, vec![], 1_000, true);
    assert!(inspected.success);
    assert_eq!(inspected.output, plain.output);
    assert_eq!(inspected.precompile_gas, plain.precompile_gas);
    // Dropping the last byte cuts the last witness header short.
    let halted = call_at(&config, &data[..data.len() - 1], vec![], 1_000, true);
    assert_halt(&halted, "truncated header, inspected", |e| {
        matches!(
            e,
            ExecuteError::Invalid(L2Error::Invalid(
                ValidationError::MalformedWitnessHeader { .. }
            ))
        )
    });
}

// ---------------------------------------------------------------- proof mode

/// A Groth16 key with five public inputs whose trapdoor is known, so proofs for any
/// statement can be made (the Groth16 simulator). Verification is the production path.
struct TestCircuit {
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
    ic: Vec<Fr>,
    vk_root: [u8; 32],
}

fn scalar(tag: &str) -> Fr {
    Fr::from_be_bytes_mod_order(&Sha256::digest(tag.as_bytes()))
}

impl TestCircuit {
    fn new() -> Self {
        Self {
            alpha: scalar("alpha"),
            beta: scalar("beta"),
            gamma: scalar("gamma"),
            delta: scalar("delta"),
            ic: (0..6).map(|i| scalar(&format!("ic{i}"))).collect(),
            vk_root: bn254::field_bytes(scalar("vk root")),
        }
    }

    fn key(&self) -> Groth16Key {
        let g1 = |s: Fr| (G1Affine::generator() * s).into_affine();
        let g2 = |s: Fr| (G2Affine::generator() * s).into_affine();
        Groth16Key::from_points(
            [0x7e, 0x57, 0xca, 0xfe],
            self.vk_root,
            g1(self.alpha),
            g2(self.beta),
            g2(self.gamma),
            g2(self.delta),
            self.ic.iter().map(|s| g1(*s)).collect(),
        )
        .expect("six points and a canonical root")
    }

    /// An SP1-format proof that `program` committed `public_values`.
    fn prove(&self, program: &[u8; 32], public_values: &[u8]) -> Vec<u8> {
        let mut digest: [u8; 32] = Sha256::digest(public_values).into();
        digest[0] &= 0x1f;
        let nonce = bn254::field_bytes(scalar("nonce"));
        let inputs = [*program, digest, [0; 32], self.vk_root, nonce];
        let l = inputs
            .iter()
            .zip(&self.ic[1..])
            .fold(self.ic[0], |acc, (x, k)| {
                acc + Fr::from_be_bytes_mod_order(x) * k
            });
        let (a, b) = (scalar("a"), scalar("b"));
        let c = (a * b - self.alpha * self.beta - l * self.gamma) * self.delta.inverse().unwrap();
        let mut proof = vec![0x7e, 0x57, 0xca, 0xfe];
        proof.extend_from_slice(&[0; 32]);
        proof.extend_from_slice(&self.vk_root);
        proof.extend_from_slice(&nonce);
        proof.extend_from_slice(&bn254::g1_to_gnark(
            &(G1Affine::generator() * a).into_affine(),
        ));
        proof.extend_from_slice(&bn254::g2_to_gnark(
            &(G2Affine::generator() * b).into_affine(),
        ));
        proof.extend_from_slice(&bn254::g1_to_gnark(
            &(G1Affine::generator() * c).into_affine(),
        ));
        proof
    }
}

const PROGRAM_A: [u8; 32] = [0x0a; 32];
const PROGRAM_B: [u8; 32] = [0x0b; 32];

/// A program whose proofs come in `wrappers`, committing with SHA-256.
fn program(vkey: [u8; 32], wrappers: &[Backend]) -> Program {
    Program {
        vkey,
        digest: ValuesDigest::Sha256,
        wrappers: wrappers.iter().copied().collect(),
        stark_vkey: None,
    }
}

/// An L1 that settles `block`'s chain and accepts programs A and B in Groth16.
fn proof_config(circuit: &TestCircuit, threshold: usize, block: &StatelessInput) -> ExecuteConfig {
    ExecuteConfig {
        programs: ProgramRegistry::new(threshold)
            .with_verifier(Verifier::Groth16(Arc::new(circuit.key())))
            .with_program(program(PROGRAM_A, &[Backend::Sp1Groth16]))
            .with_program(program(PROGRAM_B, &[Backend::Sp1Groth16])),
        ..reexecution_config(block)
    }
}

/// A blob holding `data`, its commitment, and the opening at the Fiat-Shamir point.
fn blob_binding(data: &[u8]) -> (BlobEvaluation, BlobOpening) {
    let settings = c_kzg::ethereum_kzg_settings(0);
    let blob = c_kzg::Blob::from_bytes(&nr_statement::kzg::blob_bytes(data)).unwrap();
    let commitment = settings.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
    let commitment: [u8; 48] = commitment.into_inner();
    let z = nr_statement::challenge(&commitment, data);
    let (proof, y) = settings
        .compute_kzg_proof(&blob, &c_kzg::Bytes32::new(z))
        .unwrap();
    (
        BlobEvaluation {
            versioned_hash: kzg_to_versioned_hash(&commitment).0,
            z,
            y: y.as_slice().try_into().unwrap(),
        },
        BlobOpening {
            commitment,
            proof: proof.to_bytes().into_inner(),
        },
    )
}

struct ProofCase {
    statement: Statement,
    opening: BlobOpening,
    blob_hash: B256,
}

fn proof_case(single: &StatelessInput) -> ProofCase {
    proof_case_under(single, &chain_of(single))
}

/// The statement a program validating `single` under `rules` commits to.
fn proof_case_under(single: &StatelessInput, rules: &ChainConfig) -> ProofCase {
    let (evaluation, opening) = blob_binding(&single.encode());
    let blob_hash = B256::from(evaluation.versioned_hash);
    ProofCase {
        statement: Statement {
            kind: 0,
            chain_rules_hash: ChainRules::from_config(rules).hash(),
            output: nr_statement::single_output(single, rules)
                .encode()
                .try_into()
                .unwrap(),
            blob_evaluations: vec![evaluation].try_into().unwrap(),
        },
        opening,
        blob_hash,
    }
}

fn proof_input(statement: &[u8], openings: Vec<BlobOpening>, proofs: Vec<ProofEntry>) -> Vec<u8> {
    ExecuteInput::Proof(ProofInput {
        statement: statement.to_vec().try_into().unwrap(),
        blob_openings: openings.try_into().unwrap(),
        proofs: proofs.try_into().unwrap(),
    })
    .encode()
}

fn entry(program: [u8; 32], proof: Vec<u8>) -> ProofEntry {
    ProofEntry {
        backend: Backend::Sp1Groth16 as u8,
        program_vkey: program,
        proof: proof.try_into().unwrap(),
    }
}

#[test]
fn proofs_settle_the_statement_with_exact_gas() {
    let Some(blocks) = l2_blocks() else { return };
    let circuit = TestCircuit::new();
    let case = proof_case(&blocks[1]);
    let statement = case.statement.to_ssz();
    let proofs = vec![
        entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement)),
        entry(PROGRAM_B, circuit.prove(&PROGRAM_B, &statement)),
    ];
    let data = proof_input(&statement, vec![case.opening.clone()], proofs);
    let o = call(
        &proof_config(&circuit, 2, &blocks[1]),
        &data,
        vec![case.blob_hash],
    );
    assert!(o.success);
    // Proof mode returns what re-execution of the same block returns.
    assert_eq!(o.output, expected_output(&blocks[1]));
    let reexecuted = call(&reexecution_config(&blocks[1]), &blocks[1].encode(), vec![]);
    assert_eq!(o.output, reexecuted.output);
    assert_eq!(
        o.precompile_gas,
        gas::proof_gas(data.len(), [Backend::Sp1Groth16; 2], 1)
    );
}

#[test]
fn proof_mode_failures_halt() {
    let Some(blocks) = l2_blocks() else { return };
    let circuit = TestCircuit::new();
    let case = proof_case(&blocks[1]);
    let statement = case.statement.to_ssz();
    let good_a = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement));
    let good_b = entry(PROGRAM_B, circuit.prove(&PROGRAM_B, &statement));
    let k2 = proof_config(&circuit, 2, &blocks[1]);
    let k1 = proof_config(&circuit, 1, &blocks[1]);
    let hashes = vec![case.blob_hash];
    let run = |config: &ExecuteConfig, stmt: &[u8], openings: Vec<BlobOpening>, proofs, hashes| {
        call(config, &proof_input(stmt, openings, proofs), hashes)
    };
    let opening = || vec![case.opening.clone()];

    // Sanity: k = 1 with one proof settles.
    assert!(
        run(
            &k1,
            &statement,
            opening(),
            vec![good_a.clone()],
            hashes.clone()
        )
        .success
    );

    assert_halt(
        &run(
            &k2,
            &statement,
            opening(),
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "below threshold",
        |e| {
            matches!(
                e,
                ExecuteError::BelowThreshold {
                    verified: 1,
                    threshold: 2
                }
            )
        },
    );
    assert_halt(
        &run(
            &k2,
            &statement,
            opening(),
            vec![good_a.clone(), good_a.clone()],
            hashes.clone(),
        ),
        "same program twice",
        |e| matches!(e, ExecuteError::DuplicateProgram(1)),
    );
    assert_halt(
        &run(&k1, &statement, opening(), vec![], hashes.clone()),
        "no proofs",
        |e| matches!(e, ExecuteError::NoProofs),
    );
    let unknown = entry([0x0c; 32], circuit.prove(&[0x0c; 32], &statement));
    assert_halt(
        &run(&k1, &statement, opening(), vec![unknown], hashes.clone()),
        "unknown program",
        |e| matches!(e, ExecuteError::UnknownProgram { backend: 1, .. }),
    );
    let mut unknown_backend = good_a.clone();
    unknown_backend.backend = 9;
    assert_halt(
        &run(
            &k1,
            &statement,
            opening(),
            vec![unknown_backend],
            hashes.clone(),
        ),
        "unknown backend",
        |e| matches!(e, ExecuteError::UnknownProgram { backend: 9, .. }),
    );
    // A proof of program A presented as program B.
    let swapped = entry(PROGRAM_B, circuit.prove(&PROGRAM_A, &statement));
    assert_halt(
        &run(&k1, &statement, opening(), vec![swapped], hashes.clone()),
        "bad proof (other program)",
        |e| {
            matches!(
                e,
                ExecuteError::BadProof {
                    index: 0,
                    error: ProofError::Pairing
                }
            )
        },
    );
    let mut flipped = good_a.clone();
    let mut bytes = flipped.proof.to_vec();
    bytes[150] ^= 1;
    flipped.proof = bytes.try_into().unwrap();
    assert_halt(
        &run(
            &k1,
            &statement,
            opening(),
            vec![flipped.clone()],
            hashes.clone(),
        ),
        "bad proof (corrupted)",
        |e| matches!(e, ExecuteError::BadProof { index: 0, .. }),
    );
    // Enough programs, but one proof is bad: every given proof must verify.
    assert!(
        run(
            &k2,
            &statement,
            opening(),
            vec![good_a.clone(), good_b.clone()],
            hashes.clone()
        )
        .success
    );
    let mut bad_b = good_b.clone();
    bad_b.proof = flipped.proof.clone();
    assert_halt(
        &run(
            &k2,
            &statement,
            opening(),
            vec![good_a.clone(), bad_b],
            hashes.clone(),
        ),
        "one bad proof of two",
        |e| matches!(e, ExecuteError::BadProof { index: 1, .. }),
    );
    // The proof is for one statement; another one (here: claiming another block) fails.
    let mut other = case.statement.clone();
    let (_, mut output) = Statement::decode_with_output(&case.statement.to_ssz()).unwrap();
    let nr_statement::ValidationResult::Single(result) = &mut output.result else {
        unreachable!("a single block")
    };
    result.new_payload_request_root = blocks[2].new_payload_request_root();
    other.output = output.encode().try_into().unwrap();
    assert_halt(
        &run(
            &k1,
            &other.to_ssz(),
            opening(),
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "proof of another statement",
        |e| {
            matches!(
                e,
                ExecuteError::BadProof {
                    index: 0,
                    error: ProofError::Pairing
                }
            )
        },
    );
    // A proven but unsuccessful validation settles nothing.
    let mut failed = case.statement.clone();
    failed.output = nr_statement::ExecuteOutput::single(blocks[1].result(false), None)
        .encode()
        .try_into()
        .unwrap();
    let failed = failed.to_ssz();
    let proof = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &failed));
    assert_halt(
        &run(&k1, &failed, opening(), vec![proof], hashes.clone()),
        "unsuccessful statement",
        |e| matches!(e, ExecuteError::UnsuccessfulStatement),
    );
    assert_halt(
        &run(
            &k1,
            &[1, 2, 3],
            opening(),
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "malformed statement",
        |e| {
            matches!(
                e,
                ExecuteError::Input(InputError::Statement(StatementError::Ssz(_)))
            )
        },
    );

    // Blob binding.
    assert_halt(
        &run(&k1, &statement, opening(), vec![good_a.clone()], vec![]),
        "blob not in the transaction",
        |e| matches!(e, ExecuteError::Blob(BlobError::NotInTransaction(_))),
    );
    let other_blob = blob_binding(b"other data");
    assert_halt(
        &run(
            &k1,
            &statement,
            vec![other_blob.1.clone()],
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "commitment of another blob",
        |e| matches!(e, ExecuteError::Blob(BlobError::CommitmentMismatch(_))),
    );
    let mut wrong_opening = case.opening.clone();
    wrong_opening.proof = other_blob.1.proof;
    assert_halt(
        &run(
            &k1,
            &statement,
            vec![wrong_opening],
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "KZG opening does not verify",
        |e| matches!(e, ExecuteError::Blob(BlobError::Opening(_))),
    );
    assert_halt(
        &run(
            &k1,
            &statement,
            vec![],
            vec![good_a.clone()],
            hashes.clone(),
        ),
        "missing opening",
        |e| {
            matches!(
                e,
                ExecuteError::Blob(BlobError::Count {
                    evaluations: 1,
                    openings: 0
                })
            )
        },
    );
    assert_halt(
        &call(&k1, &[0xff, 0x02, 0x00], hashes.clone()),
        "malformed proof input",
        |e| matches!(e, ExecuteError::Input(InputError::Ssz(_))),
    );
}

#[test]
fn real_sp1_fixture_reaches_the_statement_check() {
    // The fixture's public values are fibonacci's, not a statement: with its program
    // accepted, EXECUTE verifies nothing it cannot parse and halts.
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/sp1/groth16-v6.1.0.json");
    let Ok(text) = std::fs::read_to_string(&dir) else {
        eprintln!("SKIPPING: {} not found", dir.display());
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hex = |s: &str| alloy_primitives::hex::decode(s).unwrap();
    let vkey: [u8; 32] = hex(v["vkey"].as_str().unwrap()).try_into().unwrap();
    let config = ExecuteConfig {
        programs: ProgramRegistry::sp1_v6(1).with_program(program(vkey, &[Backend::Sp1Groth16])),
        ..Default::default()
    };
    let data = proof_input(
        &hex(v["publicValues"].as_str().unwrap()),
        vec![],
        vec![entry(vkey, hex(v["proof"].as_str().unwrap()))],
    );
    assert_halt(
        &call(&config, &data, vec![]),
        "fixture public values are no statement",
        |e| {
            matches!(
                e,
                ExecuteError::Input(InputError::Statement(StatementError::Ssz(_)))
            )
        },
    );
}

/// A Plonk proof entry goes to the Plonk verifier and is priced as one: the real SP1 v6.0.0
/// Plonk proof, for its own wrapper key, is well-formed (selector, root, points all pass)
/// but proves fibonacci's public values, not this statement, so its transcript and pairing
/// reject it. Next to a valid Groth16 proof it still halts the call: every proof counts.
#[test]
fn plonk_proofs_reach_the_plonk_verifier() {
    let Some(blocks) = l2_blocks() else { return };
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sp1");
    let (Ok(text), Ok(key_bytes)) = (
        std::fs::read_to_string(dir.join("plonk-v6.0.0.json")),
        std::fs::read(dir.join("plonk_vk_v6.0.0.bin")),
    ) else {
        eprintln!(
            "SKIPPING: SP1 Plonk fixture not found under {}",
            dir.display()
        );
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let plonk_proof = alloy_primitives::hex::decode(v["proof"].as_str().unwrap()).unwrap();
    let root: [u8; 32] = plonk_proof[36..68].try_into().unwrap();
    let plonk = PlonkKey::from_gnark_bytes(&key_bytes, root).unwrap();

    let circuit = TestCircuit::new();
    let case = proof_case(&blocks[1]);
    let statement = case.statement.to_ssz();
    let config = |threshold| {
        let base = proof_config(&circuit, threshold, &blocks[1]);
        ExecuteConfig {
            programs: base
                .programs
                .with_verifier(Verifier::Plonk(Arc::new(plonk.clone())))
                .with_program(program(
                    PROGRAM_B,
                    &[Backend::Sp1Groth16, Backend::Sp1Plonk],
                )),
            ..base
        }
    };
    let plonk_entry = ProofEntry {
        backend: Backend::Sp1Plonk as u8,
        program_vkey: PROGRAM_B,
        proof: plonk_proof.try_into().unwrap(),
    };
    let groth16 = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement));
    let data = proof_input(
        &statement,
        vec![case.opening.clone()],
        vec![groth16.clone(), plonk_entry.clone()],
    );
    assert_halt(
        &call(&config(2), &data, vec![case.blob_hash]),
        "Plonk proof of another statement",
        |e| {
            matches!(
                e,
                ExecuteError::BadProof {
                    index: 1,
                    error: ProofError::Pairing
                }
            )
        },
    );
    // Exactly the gas of one Groth16 and one Plonk proof is too little by one: the price
    // is charged (and checked) before any verification.
    let needed = gas::proof_gas(data.len(), [Backend::Sp1Groth16, Backend::Sp1Plonk], 1);
    assert_eq!(
        needed - gas::proof_gas(data.len(), [Backend::Sp1Groth16], 1),
        gas::PLONK_PROOF_GAS
    );
    let short = execute(&config(2), &data, needed - 1, &[case.blob_hash]);
    assert!(
        matches!(short, Err(ExecuteError::OutOfGas { .. })),
        "{short:?}"
    );
    // The backend id picks the verifier: the same bytes under the Groth16 id (program B is
    // accepted there too) go to the Groth16 verifier, which refuses their length.
    let mut mislabelled = plonk_entry;
    mislabelled.backend = Backend::Sp1Groth16 as u8;
    let data = proof_input(&statement, vec![case.opening.clone()], vec![mislabelled]);
    assert_halt(
        &call(&config(1), &data, vec![case.blob_hash]),
        "Plonk proof under the Groth16 id",
        |e| {
            matches!(
                e,
                ExecuteError::BadProof {
                    index: 0,
                    error: ProofError::Length(964)
                }
            )
        },
    );
}

/// The threshold counts programs, not wrappers: a Groth16 and a Plonk proof of one
/// program are one program, so they neither reach k = 2 nor pass as two.
#[test]
fn wrappers_of_one_program_count_once() {
    let Some(blocks) = l2_blocks() else { return };
    let circuit = TestCircuit::new();
    let case = proof_case(&blocks[1]);
    let statement = case.statement.to_ssz();
    let base = proof_config(&circuit, 2, &blocks[1]);
    let config = ExecuteConfig {
        programs: base.programs.with_program(program(
            PROGRAM_A,
            &[Backend::Sp1Groth16, Backend::Sp1Plonk],
        )),
        ..base
    };
    let groth16 = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement));
    let mut plonk = groth16.clone();
    plonk.backend = Backend::Sp1Plonk as u8;
    let data = proof_input(&statement, vec![case.opening.clone()], vec![groth16, plonk]);
    assert_halt(
        &call(&config, &data, vec![case.blob_hash]),
        "two wrappers of one program",
        |e| matches!(e, ExecuteError::DuplicateProgram(1)),
    );
}

/// Each program is checked under the digest the registry gives it, once: a proof over the
/// SHA-256 digest does not verify for a program registered with BLAKE3.
#[test]
fn a_program_is_checked_under_its_own_digest_only() {
    let Some(blocks) = l2_blocks() else { return };
    let circuit = TestCircuit::new();
    let case = proof_case(&blocks[1]);
    let statement = case.statement.to_ssz();
    let base = proof_config(&circuit, 1, &blocks[1]);
    let config = ExecuteConfig {
        programs: base.programs.with_program(Program {
            digest: ValuesDigest::Blake3,
            ..program(PROGRAM_A, &[Backend::Sp1Groth16])
        }),
        ..base
    };
    let proof = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement));
    let data = proof_input(&statement, vec![case.opening.clone()], vec![proof.clone()]);
    assert_halt(
        &call(&config, &data, vec![case.blob_hash]),
        "SHA-256 proof of a BLAKE3 program",
        |e| {
            matches!(
                e,
                ExecuteError::BadProof {
                    index: 0,
                    error: ProofError::Pairing
                }
            )
        },
    );
    let sha = proof_config(&circuit, 1, &blocks[1]);
    assert!(call(&sha, &data, vec![case.blob_hash]).success);
}

/// Both modes apply the rules the L1 assigns to the chain. An L1 that runs the fixture
/// chain on a later fork than the blocks' schema names refuses them in re-execution
/// (schema/fork mismatch) and in proof mode: a statement proven under the schema's own
/// fork carries other rules, and one proven under the L1's rules claims a failed
/// validation. A chain the L1 does not list is refused in both modes.
#[test]
fn both_modes_refuse_off_schedule_blocks_and_unlisted_chains() {
    let Some(blocks) = l2_blocks() else { return };
    let block = &blocks[1];
    let circuit = TestCircuit::new();
    // The fork the chain has moved on to (or, for a block of the last fork, came from).
    let forks = [
        Fork::Paris,
        Fork::Shanghai,
        Fork::Cancun,
        Fork::Prague,
        Fork::Osaka,
    ];
    let at = forks.iter().position(|f| *f == block.schema.fork).unwrap();
    let other = forks.get(at + 1).unwrap_or(&forks[at - 1]);
    let l1_rules = ChainConfig::all_at_genesis(block.chain_id, *other);
    let moved = |config: ExecuteConfig| ExecuteConfig {
        chains: L2Chains::pinned([l1_rules.clone()]),
        ..config
    };

    // Re-execution.
    assert_halt(
        &call(&moved(reexecution_config(block)), &block.encode(), vec![]),
        "re-execution of an off-schedule block",
        |e| {
            matches!(
                e,
                ExecuteError::Invalid(L2Error::Invalid(ValidationError::SchemaForkMismatch { .. }))
            )
        },
    );

    // Proof mode, statement proven under the schema's fork from genesis.
    let config = moved(proof_config(&circuit, 1, block));
    let prove = |case: &ProofCase| {
        let statement = case.statement.to_ssz();
        let proof = entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement));
        proof_input(&statement, vec![case.opening.clone()], vec![proof])
    };
    let case = proof_case(block);
    assert_halt(
        &call(&config, &prove(&case), vec![case.blob_hash]),
        "proof under other chain rules",
        |e| matches!(e, ExecuteError::ChainRulesMismatch { .. }),
    );
    // Proof mode, statement proven under the L1's rules: the program found the mismatch.
    let mut under_l1 = proof_case_under(block, &l1_rules);
    under_l1.statement.output = nr_statement::ExecuteOutput::single(block.result(false), None)
        .encode()
        .try_into()
        .unwrap();
    assert_halt(
        &call(&config, &prove(&under_l1), vec![under_l1.blob_hash]),
        "proof of the failed validation",
        |e| matches!(e, ExecuteError::UnsuccessfulStatement),
    );

    // A chain the L1 does not settle, in both modes.
    let unlisted = |config: ExecuteConfig| ExecuteConfig {
        chains: L2Chains::pinned([ChainConfig::all_at_genesis(
            block.chain_id + 1,
            block.schema.fork,
        )]),
        ..config
    };
    let unknown = |e: &ExecuteError| matches!(e, ExecuteError::Rules(RulesError::UnknownChain(id)) if *id == block.chain_id);
    assert_halt(
        &call(
            &unlisted(reexecution_config(block)),
            &block.encode(),
            vec![],
        ),
        "re-execution of an unlisted chain",
        unknown,
    );
    let case = proof_case(block);
    assert_halt(
        &call(
            &unlisted(proof_config(&circuit, 1, block)),
            &prove(&case),
            vec![case.blob_hash],
        ),
        "proof for an unlisted chain",
        unknown,
    );
    // An open L1 settles any chain under its schema's fork from genesis, as before.
    let open = ExecuteConfig {
        chains: L2Chains::open([]),
        ..proof_config(&circuit, 1, block)
    };
    assert!(call(&open, &block.encode(), vec![]).success);
    assert!(call(&open, &prove(&case), vec![case.blob_hash]).success);
}

/// An Amsterdam L2 block (schema 0x1501): a public execution-specs vector with one EIP-7702
/// transaction and its sender's public key, listed as an L2 whose chain runs Amsterdam from
/// genesis with BPO2's blob parameters (the fixture's schedule).
fn amsterdam_block() -> (StatelessInput, ChainConfig) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../stateless/testdata/zkevm-0x1501/eip7702_address_from_set_code.input.bin"
    );
    let input = StatelessInput::decode(&std::fs::read(path).unwrap()).unwrap();
    let mut chain = ChainConfig::all_at_genesis(input.chain_id, Fork::Amsterdam);
    chain
        .blob_schedule
        .insert(Fork::Amsterdam, alloy_eips::eip7840::BlobParams::bpo2());
    (input, chain)
}

#[test]
fn an_amsterdam_block_settles_in_both_modes() {
    let (block, chain) = amsterdam_block();
    check_l2_rules(&block.new_payload_request).unwrap();
    let listed = ExecuteConfig {
        chains: L2Chains::pinned([chain.clone()]),
        ..Default::default()
    };
    // Re-execution: the block's result, at the price of its gas limit. The fixture's block
    // has Ethereum's gas limit, which prices its re-execution above what one L1 transaction
    // may spend (EIP-7825), so the precompile is called directly here.
    let data = block.encode();
    let limit = block.new_payload_request.execution_payload.gas_limit;
    let price = gas::reexecution_gas(data.len(), [limit]);
    assert!(price > TX_GAS);
    let settled = execute(&listed, &data, price, &[]).unwrap();
    assert_eq!(
        settled.output,
        nr_statement::single_output(&block, &chain).encode()
    );
    // The summary's burn is the receipts' gas, not the header's (EIP-7778): this block's
    // header counts gas before refunds and state gas apart.
    let out = nr_statement::ExecuteOutput::decode(&settled.output, false).unwrap();
    let payload = &block.new_payload_request.execution_payload;
    assert_eq!(out.blocks[0].block_hash, payload.block_hash);
    let header_fee = u128::from(out.blocks[0].base_fee_per_gas) * u128::from(payload.gas_used);
    // Here the transactions paid regular and state gas (EIP-8037) while the header counts
    // the larger dimension only: the burn exceeds the header's figure.
    assert_eq!(
        (out.blocks[0].base_fee_burned, header_fee),
        (7 * 363_631, 7 * payload.gas_used as u128)
    );
    assert!(out.blocks[0].base_fee_burned > header_fee);
    assert_eq!(settled.gas_used, price);
    // A wrong public key makes it invalid.
    let mut tampered = block.clone();
    tampered.public_keys.as_mut().unwrap()[0][1] ^= 1;
    assert!(matches!(
        execute(&listed, &tampered.encode(), price, &[]),
        Err(ExecuteError::Invalid(L2Error::Invalid(
            ValidationError::PublicKeyMismatch(0)
        )))
    ));

    // Proof mode: a statement of the block under the listed chain's rules, proven by two
    // programs, settles to the same result.
    let circuit = TestCircuit::new();
    let case = proof_case_under(&block, &chain);
    let statement = case.statement.to_ssz();
    let proofs = vec![
        entry(PROGRAM_A, circuit.prove(&PROGRAM_A, &statement)),
        entry(PROGRAM_B, circuit.prove(&PROGRAM_B, &statement)),
    ];
    let config = ExecuteConfig {
        chains: L2Chains::pinned([chain]),
        ..proof_config(&circuit, 2, &block)
    };
    let o = call(
        &config,
        &proof_input(&statement, vec![case.opening], proofs),
        vec![case.blob_hash],
    );
    assert!(o.success, "{:?}", o.reason);
    assert_eq!(
        o.output, settled.output,
        "proof mode returns re-execution's output"
    );
}
