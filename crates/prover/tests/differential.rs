//! The committed program, run in SP1's executor, commits byte for byte the statement that
//! native code computes, on real Ethereum test blocks: valid ones, ones that break the L2
//! rules, invalid ones, and precompile-heavy ones (ecrecover, sha256, ripemd, modexp go
//! through the guest's SP1 crypto hooks).

use ef_tests::{default_fixtures, json_files, prepared_inputs};
use nr_prover::{Job, PROGRAM_ELF, exec};
use nr_statement::{ClaimedResult, Statement};
use std::path::PathBuf;

fn fixtures() -> Option<PathBuf> {
    let dir = default_fixtures();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPING: shared fixtures not found at {}", dir.display());
        None
    }
}

#[derive(Default, Debug)]
struct Tally {
    blocks: usize,
    successful: usize,
    unsuccessful: usize,
    cycles: u64,
}

/// Runs every block of every test file under `dirs` natively and in the executor.
fn differential(dirs: &[&str]) -> Tally {
    let Some(root) = fixtures() else {
        return Tally::default();
    };
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
                let (_, claimed) = Statement::decode_with_result(&native).unwrap();
                match claimed {
                    ClaimedResult::Single(r) if r.successful_validation => tally.successful += 1,
                    _ => tally.unsuccessful += 1,
                }
                tally.blocks += 1;
                tally.cycles += run.cycles;
            }
        }
    }
    eprintln!("{dirs:?}: {tally:?}");
    tally
}

#[test]
fn valid_blocks_and_l2_rule_breakers() {
    let t = differential(&[
        "BlockchainTests/ValidBlocks/bcEIP1559",
        "BlockchainTests/ValidBlocks/bcEIP4844-blobtransactions",
    ]);
    if t.blocks == 0 {
        return;
    }
    assert!(t.successful > 10, "{t:?}");
    assert!(t.unsuccessful > 0, "{t:?}");
}

#[test]
fn invalid_blocks() {
    let t = differential(&["BlockchainTests/InvalidBlocks/bcEIP1559"]);
    if t.blocks == 0 {
        return;
    }
    assert!(t.unsuccessful > 5, "{t:?}");
}

#[test]
fn precompiles_through_the_sp1_hooks() {
    let t = differential(&["BlockchainTests/GeneralStateTests/stPreCompiledContracts2"]);
    if t.blocks == 0 {
        return;
    }
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
    let named: String = nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(committed, format!("0x{named}"));
    let registry = nr_execute::ProgramRegistry::native_rollup(1);
    for backend in [
        nr_execute::Backend::Sp1Groth16,
        nr_execute::Backend::Sp1Plonk,
    ] {
        assert!(
            registry
                .verifier(backend, &nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY)
                .is_some()
        );
    }
}
