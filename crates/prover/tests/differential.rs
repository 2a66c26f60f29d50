//! The committed program, run in SP1's executor, commits byte for byte the statement that
//! native code computes, on real Ethereum test blocks: valid ones, ones that break the L2
//! rules, invalid ones, and precompile-heavy ones (ecrecover, sha256, ripemd, modexp go
//! through the guest's SP1 crypto hooks).

use ef_tests::{json_files, prepared_inputs, shipped_fixtures};
use nr_prover::{Job, PROGRAM_ELF, exec};
use nr_statement::{Statement, ValidationResult};

#[derive(Default, Debug)]
struct Tally {
    blocks: usize,
    successful: usize,
    unsuccessful: usize,
    cycles: u64,
}

/// Runs every block of every test file under `dirs` natively and in the executor; `None`
/// where the fixtures are absent.
fn differential(dirs: &[&str]) -> Option<Tally> {
    let root = shipped_fixtures()?;
    let program = exec::load(PROGRAM_ELF).expect("committed ELF loads");
    let mut tally = Tally::default();
    for dir in dirs {
        for file in json_files(&root.join(dir)).unwrap() {
            for (name, _, block) in prepared_inputs(&file).unwrap() {
                let job = Job::from_inputs(vec![block.input]).unwrap();
                let native = job.native_statement().unwrap().encode();
                let run = exec::run(&program, &job.program_input().encode());
                assert_eq!(run.exit_code, 0, "{name}: the program failed");
                assert_eq!(
                    run.public_values, native,
                    "{name}: public values differ from the native statement"
                );
                let (_, output) = Statement::decode_with_output(&native).unwrap();
                let claimed = output.result;
                // `prover execute` names the broken rule of exactly the unsuccessful ones.
                assert_eq!(
                    job.invalidity().is_none(),
                    claimed.successful(),
                    "{name}: {:?}",
                    job.invalidity()
                );
                match claimed {
                    ValidationResult::Single(r) if r.successful_validation => tally.successful += 1,
                    _ => tally.unsuccessful += 1,
                }
                tally.blocks += 1;
                tally.cycles += run.cycles;
            }
        }
    }
    assert!(tally.blocks > 0, "no blocks under {dirs:?}");
    eprintln!(
        "{dirs:?}: {} blocks ({} successful, {} not), {} cycles",
        tally.blocks, tally.successful, tally.unsuccessful, tally.cycles
    );
    Some(tally)
}

#[test]
fn valid_blocks_and_l2_rule_breakers() {
    let Some(t) = differential(&[
        "BlockchainTests/ValidBlocks/bcEIP1559",
        "BlockchainTests/ValidBlocks/bcEIP4844-blobtransactions",
    ]) else {
        return;
    };
    assert!(t.successful > 10, "{t:?}");
    assert!(t.unsuccessful > 0, "{t:?}");
}

#[test]
fn invalid_blocks() {
    let Some(t) = differential(&["BlockchainTests/InvalidBlocks/bcEIP1559"]) else {
        return;
    };
    assert!(t.unsuccessful > 5, "{t:?}");
}

#[test]
fn precompiles_through_the_sp1_hooks() {
    let Some(t) = differential(&["BlockchainTests/GeneralStateTests/stPreCompiledContracts2"])
    else {
        return;
    };
    assert!(t.successful > 50, "{t:?}");
}

#[test]
fn input_without_a_statement_fails_the_program() {
    let program = exec::load(PROGRAM_ELF).unwrap();
    for input in [&b""[..], b"\x00", &[0xff; 64]] {
        let run = exec::run(&program, input);
        assert_ne!(run.exit_code, 0, "{input:?}");
        assert!(run.public_values.is_empty());
        assert!(nr_statement::statement_bytes(input).is_err());
    }
}

#[test]
fn execute_registry_names_the_committed_program() {
    let committed = nr_prover::PROGRAM_VKEY.trim();
    assert_eq!(
        committed,
        alloy_primitives::hex::encode_prefixed(nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY)
    );
    // The key its compressed proofs commit to, which sidecar proofs are verified against.
    assert_eq!(
        nr_prover::PROGRAM_STARK_VKEY.trim(),
        alloy_primitives::hex::encode_prefixed(nr_execute::NATIVE_ROLLUP_PROGRAM_STARK_VKEY)
    );
    let registry = nr_execute::ProgramRegistry::native_rollup(1);
    assert_eq!(
        registry.stark_key(&nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY),
        Some(nr_execute::NATIVE_ROLLUP_PROGRAM_STARK_VKEY)
    );
    for backend in [
        nr_execute::Backend::Sp1Groth16,
        nr_execute::Backend::Sp1Plonk,
    ] {
        let (_, digest) = registry
            .verifier(backend, &nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY)
            .unwrap();
        // The guest commits with `commit_slice`, which SP1 hashes with SHA-256.
        assert_eq!(digest, nr_execute::ValuesDigest::Sha256);
    }
}

/// A block sealed by the L2 node (`nr_getStatelessInput` of block 1 after one transfer):
/// the program commits the native statement, and the prover's blob openings pass EXECUTE's
/// own binding check, which a wrong `y` fails.
#[test]
fn l2_node_block_statement_and_openings_satisfy_execute() {
    use nr_execute::blob::check_blob_bindings;
    let job = l2_transfer_job();
    assert_eq!((job.transactions(), job.gas_used()), (1, 21_000));
    let statement = job.native_statement().unwrap();
    let run = exec::execute(PROGRAM_ELF, &job.program_input().encode()).unwrap();
    assert_eq!(
        (run.exit_code, &run.public_values),
        (0, &statement.encode())
    );
    let (_, output) = Statement::decode_with_output(&run.public_values).unwrap();
    assert!(output.result.successful());

    // The ready EXECUTE input carries the statement and these openings.
    let nr_statement::ExecuteInput::Proof(input) = nr_statement::ExecuteInput::decode(
        &job.execute_input(&statement, vec![]).unwrap().encode(),
    )
    .unwrap() else {
        panic!("a proof-mode input")
    };
    assert_eq!(input.statement.to_vec(), statement.encode());
    let openings = input.blob_openings.to_vec();
    let hashes: Vec<_> = statement
        .blob_evaluations
        .iter()
        .map(|e| e.versioned_hash.into())
        .collect();
    check_blob_bindings(&statement.blob_evaluations, &openings, &hashes).unwrap();
    let mut wrong = statement.blob_evaluations.to_vec();
    wrong[0].y[31] ^= 1;
    assert!(check_blob_bindings(&wrong, &openings, &hashes).is_err());
    assert!(job.blobs.openings(&wrong).is_err());
}

fn l2_transfer_job() -> Job {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/l2-transfer.hex");
    Job::from_inputs(vec![nr_prover::source::read_input_file(&path).unwrap()]).unwrap()
}

/// A chain the L1 lists with its own fork schedule: the program validates under exactly
/// the rules it is given and commits their hash, byte for byte as natively, whether the
/// schedule admits the block (Osaka from the block's timestamp) or not (Osaka one second
/// later, so the block's Osaka schema names a fork the chain does not run yet); and
/// EXECUTE's re-execution under the same listing agrees on both.
#[test]
fn registered_chain_with_a_fork_schedule() {
    use nr_stateless::{ChainConfig, Fork};
    let program = exec::load(PROGRAM_ELF).unwrap();
    let job = l2_transfer_job();
    let nr_statement::Blocks::Single(block) = &job.blocks else {
        panic!("one block")
    };
    let at = block.new_payload_request.execution_payload.timestamp;
    let (chain, stateless) = (block.chain_id, job.stateless.clone());
    for (osaka, valid) in [(at, true), (at + 1, false)] {
        let rules =
            ChainConfig::all_at_genesis(chain, Fork::Prague).with_fork_time(Fork::Osaka, osaka);
        let job = l2_transfer_job().with_rules(rules.clone());
        let native = job.native_statement().unwrap();
        let run = exec::run(&program, &job.program_input().encode());
        assert_eq!(
            (run.exit_code, &run.public_values),
            (0, &native.encode()),
            "osaka at {osaka}"
        );
        assert_eq!(
            native.chain_rules_hash,
            nr_statement::ChainRules::from_config(&rules).hash()
        );
        let (_, output) = Statement::decode_with_output(&run.public_values).unwrap();
        assert_eq!(output.result.successful(), valid, "osaka at {osaka}");
        let config = nr_execute::ExecuteConfig {
            chains: nr_statement::L2Chains::pinned([rules]),
            ..Default::default()
        };
        let reexecuted = nr_execute::execute(&config, &stateless, u64::MAX, &[]);
        assert_eq!(reexecuted.is_ok(), valid, "{reexecuted:?}");
    }
}
