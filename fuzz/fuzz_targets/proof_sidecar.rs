//! The proof sidecar a transaction carries beside it (SSZ `ProofSidecar`), through the
//! decoder and the node's verification: no panic; what decodes re-encodes to the same bytes;
//! and no sidecar a fuzzer can make verifies (a forged compressed proof would).
//!
//! The node catches panics of SP1's deserializer and verifier on hostile bytes and refuses
//! the proof; libFuzzer's panic hook would report those caught panics as crashes, so the
//! hook is silenced. A panic that escapes still aborts the run (libfuzzer-sys catches it at
//! the target's boundary), and the input is saved.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{ProgramRegistry, verify_sidecar};
use nr_statement::ProofSidecar;
use std::sync::LazyLock;

static REGISTRY: LazyLock<ProgramRegistry> = LazyLock::new(|| ProgramRegistry::native_rollup(1));

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(sidecar) = ProofSidecar::decode(data) {
        assert_eq!(sidecar.encode(), data);
        for p in sidecar.proofs.iter() {
            let _ = nr_statement::Statement::decode_with_output(&p.statement);
        }
    }
    assert!(
        verify_sidecar(&REGISTRY, data).is_err(),
        "a fuzzed sidecar verified"
    );
});
