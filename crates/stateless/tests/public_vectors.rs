//! Public 0x1501 vectors (execution-specs' zkEVM fixtures, `testdata/zkevm-0x1501`): each
//! input decodes under our 0x1501 layout, re-encodes to the same bytes, and the result it
//! commits to (`new_payload_request_root`, chain id, schema id) is the fixture's output byte
//! for byte. Validating them needs Amsterdam's rules, which are refused for now
//! (`UnsupportedFork`), so the validity byte is taken from the fixture.

use nr_stateless::{SchemaId, StatelessInput, StatelessValidationResult};
use std::path::Path;

const VECTORS: [&str; 3] = [
    "sar00",
    "invalid_layout_with_swapped_decodable_offsets",
    "eip7702_address_from_set_code",
];

#[test]
fn public_0x1501_vectors_decode_and_commit_to_their_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/zkevm-0x1501");
    let mut valid = 0;
    for name in VECTORS {
        let input = std::fs::read(dir.join(format!("{name}.input.bin"))).unwrap();
        let output = std::fs::read(dir.join(format!("{name}.output.bin"))).unwrap();
        let decoded = StatelessInput::decode(&input)
            .unwrap_or_else(|e| panic!("{name}: the public input does not decode: {e}"));
        assert_eq!(decoded.schema, SchemaId::AMSTERDAM_V1, "{name}");
        assert_eq!(
            decoded.encode(),
            input,
            "{name}: re-encodes to the same bytes"
        );
        let expected = StatelessValidationResult::decode(&output).unwrap();
        let ours = decoded.result(expected.successful_validation);
        assert_eq!(
            ours.encode(),
            output,
            "{name}: new_payload_request_root, chain id and schema id"
        );
        valid += usize::from(expected.successful_validation);
    }
    assert_eq!(valid, 2, "two valid blocks and one invalid");
}

/// One changed payload byte changes the committed root: the comparison above is not vacuous.
#[test]
fn a_changed_byte_changes_the_root() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/zkevm-0x1501");
    let input = std::fs::read(dir.join("sar00.input.bin")).unwrap();
    let output = std::fs::read(dir.join("sar00.output.bin")).unwrap();
    let mut input_changed = input.clone();
    // The fee recipient's first byte (payload at the request's first offset, after the
    // parent hash).
    let body = &input[2..];
    let request = u32::from_le_bytes(body[0..4].try_into().unwrap()) as usize;
    let payload =
        request + u32::from_le_bytes(body[request..request + 4].try_into().unwrap()) as usize;
    input_changed[2 + payload + 32] ^= 1;
    let decoded = StatelessInput::decode(&input_changed).unwrap();
    assert_ne!(decoded.result(true).encode(), output);
}
