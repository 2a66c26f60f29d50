//! Public 0x1501 vectors (`testdata/zkevm-0x1501`, provenance in its README): execution-specs'
//! zkEVM fixtures and the spec's own known-answer test. Every input decodes under our 0x1501
//! layout and re-encodes to the same bytes; its result (`new_payload_request_root`, chain id,
//! schema id) is the fixture's byte for byte; and validation reaches the fixture's verdict
//! (with execution-specs' EIP-8038 values, `nr_stateless::gas`, where revm 42's differ).

mod common;

use nr_stateless::{
    ChainConfig, Fork, SchemaId, StatelessInput, StatelessValidationResult, ValidationError,
    validate::validate_stateless,
};

fn validate(input: &StatelessInput) -> Result<(), ValidationError> {
    // Execution-specs' fixtures run every fork from genesis, Amsterdam with BPO2's blob
    // parameters (their `blobSchedule`); the chain is the input's.
    let mut config = ChainConfig::all_at_genesis(input.chain_id, Fork::Amsterdam);
    config
        .blob_schedule
        .insert(Fork::Amsterdam, alloy_eips::eip7840::BlobParams::bpo2());
    validate_stateless(input, &config).map(|_| ())
}

#[test]
fn public_0x1501_vectors_decode_and_commit_to_their_results() {
    let vectors = common::vectors();
    assert_eq!(vectors.len(), 3);
    for (name, input, output) in vectors {
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
            "{name}: root, chain id and schema id"
        );
    }
}

#[test]
fn public_0x1501_vectors_reach_the_fixtures_verdicts() {
    let mut valid = 0;
    for (name, input, output) in
        common::vectors()
            .into_iter()
            .chain(
                common::layout_c_vectors()
                    .into_iter()
                    .map(|(name, input, output)| {
                        (
                            format!("{name} (layout C)"),
                            common::upgrade_layout_c(&input),
                            output,
                        )
                    }),
            )
    {
        let expected = StatelessValidationResult::decode(&output).unwrap();
        let got = validate(&StatelessInput::decode(&input).unwrap());
        assert_eq!(
            got.is_ok(),
            expected.successful_validation,
            "{name}: {got:?}"
        );
        valid += usize::from(got.is_ok());
    }
    assert_eq!(valid, 4, "six vectors, two of them invalid blocks");
}

/// The conversion from the previous revision is the one execution-specs' host performs: the
/// two layout-C fixtures that were also published in the newest revision convert to exactly
/// those bytes.
#[test]
fn layout_c_inputs_convert_to_the_published_newest_revision() {
    let newest = common::vectors();
    let mut matched = 0;
    for (name, input, output) in common::layout_c_vectors() {
        let upgraded = common::upgrade_layout_c(&input);
        let decoded = StatelessInput::decode(&upgraded).unwrap();
        assert_eq!(
            decoded
                .result(
                    StatelessValidationResult::decode(&output)
                        .unwrap()
                        .successful_validation
                )
                .encode(),
            output,
            "{name}: the same result after conversion"
        );
        let published = match name.as_str() {
            "invalid_layout_with_swapped_decodable_offsets" => "eip6110_invalid_deposit_layout",
            other => other,
        };
        if let Some((_, bytes, _)) = newest.iter().find(|(n, ..)| n == published) {
            assert_eq!(&upgraded, bytes, "{name}");
            matched += 1;
        }
    }
    assert_eq!(matched, 2);
}

/// execution-specs' known-answer test (`tests/json_loader/test_stateless_guest.py`): a
/// 3,072-byte input of random fields whose request root the spec pins.
#[test]
fn the_spec_known_answer_input() {
    let input = std::fs::read(common::dir().join("spec-kat.input.bin")).unwrap();
    let decoded = StatelessInput::decode(&input).unwrap();
    assert_eq!(decoded.encode(), input);
    assert_eq!(
        alloy_primitives::hex::encode(decoded.new_payload_request_root()),
        "71d67022e2df6fc9b757f8c4614f1da20c993efe8595a715829093c431b3f4eb"
    );
    assert_eq!(decoded.public_keys.as_ref().map(Vec::len), Some(2));
    // Its block is random bytes: not valid, and the result still names the input.
    assert!(validate(&decoded).is_err());
}

/// One changed payload byte changes the committed root: the comparisons above are not
/// vacuous.
#[test]
fn a_changed_byte_changes_the_root() {
    let (_, input, output) = common::vectors().remove(0);
    let body = &input[2..];
    let request = u32::from_le_bytes(body[0..4].try_into().unwrap()) as usize;
    let payload =
        request + u32::from_le_bytes(body[request..request + 4].try_into().unwrap()) as usize;
    let mut changed = input.clone();
    // The fee recipient's first byte (after the parent hash).
    changed[2 + payload + 32] ^= 1;
    let decoded = StatelessInput::decode(&changed).unwrap();
    assert_ne!(decoded.result(true).encode(), output);
}

/// The public keys are checked against the signatures: one missing, one extra or one changed
/// key makes a valid block invalid.
#[test]
fn wrong_public_keys_make_a_valid_block_invalid() {
    let (_, input, _) = common::vectors()
        .into_iter()
        .find(|(n, ..)| n == "eip7702_address_from_set_code")
        .unwrap();
    let valid = StatelessInput::decode(&input).unwrap();
    validate(&valid).unwrap();
    let keys = valid.public_keys.clone().unwrap();
    let with = |keys: Vec<[u8; 65]>| StatelessInput {
        public_keys: Some(keys),
        ..valid.clone()
    };
    assert_eq!(
        validate(&with(Vec::new())),
        Err(ValidationError::PublicKeyCount {
            keys: 0,
            transactions: 1
        })
    );
    assert_eq!(
        validate(&with(vec![keys[0], keys[0]])),
        Err(ValidationError::PublicKeyCount {
            keys: 2,
            transactions: 1
        })
    );
    let mut changed = keys.clone();
    changed[0][64] ^= 1;
    assert_eq!(
        validate(&with(changed)),
        Err(ValidationError::PublicKeyMismatch(0))
    );
    // The right coordinates behind another prefix byte are not the uncompressed key.
    let mut prefixed = keys.clone();
    prefixed[0][0] = 0x06;
    assert_eq!(
        validate(&with(prefixed)),
        Err(ValidationError::PublicKeyMismatch(0))
    );
}
/// The invalid vector is refused for the fixture's reason (`INVALID_DEPOSIT_EVENT_LAYOUT`),
/// before the request system calls whose state its witness does not hold.
#[test]
fn the_invalid_vector_breaks_the_deposit_layout_rule() {
    let (_, input, _) = common::vectors()
        .into_iter()
        .find(|(n, ..)| n == "eip6110_invalid_deposit_layout")
        .unwrap();
    assert_eq!(
        validate(&StatelessInput::decode(&input).unwrap()),
        Err(ValidationError::InvalidDepositEventLayout { receipt: 0 })
    );
}

/// The payload's access list is the one execution builds: one byte changed in it (and the
/// block hash recomputed, so the header commits to the changed list) is refused as a list
/// mismatch.
#[test]
fn a_changed_access_list_is_refused() {
    let (_, input, _) = common::vectors()
        .into_iter()
        .find(|(n, ..)| n == "guest-smoke")
        .unwrap();
    let mut input = StatelessInput::decode(&input).unwrap();
    validate(&input).unwrap();
    let payload = &mut input.new_payload_request.execution_payload;
    let mut list = payload.block_access_list.to_vec();
    let last = list.len() - 1;
    list[last] ^= 1;
    payload.block_access_list = list.into();
    let block = nr_stateless::block_from_payload(&input.new_payload_request, Fork::Amsterdam)
        .unwrap()
        .block;
    input.new_payload_request.execution_payload.block_hash = block.header.hash_slow().0;
    assert!(matches!(
        validate(&input),
        Err(ValidationError::BlockAccessListHashMismatch { .. })
    ));
}
