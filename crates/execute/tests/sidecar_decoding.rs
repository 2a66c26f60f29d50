//! Proof sidecars the node must refuse without panicking, from fuzzing
//! (`fuzz/fuzz_targets/proof_sidecar.rs`).

use nr_execute::{ProgramRegistry, SidecarError, verify_sidecar};

/// A sidecar naming the accepted program, whose proof bytes hold a KoalaBear element at or
/// above the field's modulus: SP1's deserializer asserts on it where debug assertions are on
/// (a debug build of the node once panicked), and runs out of bytes further on otherwise.
#[test]
fn a_proof_with_a_non_canonical_field_element_is_refused() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sidecar-noncanonical-field-element.bin"
    ))
    .unwrap();
    let err = verify_sidecar(&ProgramRegistry::native_rollup(1), &bytes).unwrap_err();
    assert!(matches!(err, SidecarError::Proof { index: 0, .. }), "{err}");
    assert!(err.to_string().contains("does not decode"), "{err}");
}
