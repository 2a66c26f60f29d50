//! The proof sidecar a transaction carries beside it (SSZ `ProofSidecar`), through the
//! decoder and the node's verification: no panic; what decodes re-encodes to the same bytes;
//! and no sidecar a fuzzer can make verifies (a forged compressed proof would).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{ProgramRegistry, verify_sidecar};
use nr_statement::ProofSidecar;
use std::sync::LazyLock;

static REGISTRY: LazyLock<ProgramRegistry> = LazyLock::new(|| ProgramRegistry::native_rollup(1));

fuzz_target!(|data: &[u8]| {
    if let Ok(sidecar) = ProofSidecar::decode(data) {
        assert_eq!(sidecar.encode(), data);
        for p in sidecar.proofs.iter() {
            let _ = nr_statement::Statement::decode_with_result(&p.statement);
        }
    }
    assert!(
        verify_sidecar(&REGISTRY, data).is_err(),
        "a fuzzed sidecar verified"
    );
});
