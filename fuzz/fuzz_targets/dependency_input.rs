//! The proof-dependency input (`0xFF03 ++ SSZ DependencyInput`), through its decoder and the
//! whole precompile: no panic; what decodes re-encodes to the same bytes; and with no
//! verified proofs beside the transaction, no dependency input succeeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{ExecuteConfig, ExecuteInput, execute};
use std::sync::LazyLock;

static CONFIG: LazyLock<ExecuteConfig> = LazyLock::new(|| ExecuteConfig {
    programs: nr_execute::ProgramRegistry::native_rollup(1),
    chains: nr_statement::L2Chains::open([]),
    ..Default::default()
});

fuzz_target!(|data: &[u8]| {
    let bytes = [&[0xff, 0x03][..], data].concat();
    if let Ok(input) = ExecuteInput::decode(&bytes) {
        assert!(matches!(input, ExecuteInput::Dependency(_)));
        assert_eq!(input.encode(), bytes);
        if let ExecuteInput::Dependency(d) = &input {
            let _ = nr_statement::Statement::decode_with_output(&d.statement);
        }
    }
    assert!(
        execute(&CONFIG, &bytes, 30_000_000, &[]).is_err(),
        "a dependency input succeeded without proofs"
    );
});
