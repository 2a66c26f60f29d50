//! The whole precompile on arbitrary input: envelope and schema dispatch, decoding, gas,
//! validation, proof mode. It must never panic, and a success must carry a result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{ExecuteConfig, execute};
use std::sync::LazyLock;

// An open L1 (any chain id settles under its schema's fork), so inputs reach validation.
static CONFIG: LazyLock<ExecuteConfig> = LazyLock::new(|| ExecuteConfig {
    programs: nr_execute::ProgramRegistry::native_rollup(1),
    chains: nr_statement::L2Chains::open([]),
    ..Default::default()
});

fuzz_target!(|data: &[u8]| {
    if let Ok(settled) = execute(&CONFIG, data, 30_000_000, &[]) {
        assert!(!settled.output.is_empty());
        assert!(settled.gas_used <= 30_000_000);
    }
});
