//! `validate_stateless` on real blocks from Ethereum's tests, and on the same inputs broken
//! in one place each: every break must give its own typed error, never a panic.

use alloy_primitives::{Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable};
use ef_tests::{prepared_inputs, shipped_fixtures};
use nr_stateless::{
    ChainConfig, DecodeError, StatelessInput, TrieError, ValidationError, block_from_payload,
    db::StateError,
    ssz::{MAX_INPUT_BYTES, MAX_WITHDRAWALS, Withdrawal},
    stateless_result, validate_stateless, validate_stateless_bytes,
};

/// A valid block with transactions and a multi-node witness (from `bcEIP1559/medDemand`).
fn valid_input() -> Option<(StatelessInput, ChainConfig)> {
    let file = shipped_fixtures()?.join("BlockchainTests/ValidBlocks/bcEIP1559/medDemand.json");
    let blocks = prepared_inputs(&file).expect("fixture runs");
    let (_, config, block) = blocks
        .into_iter()
        .filter(|(_, _, b)| b.valid_on_full_state)
        .map(|(n, c, b)| (n, c, StatelessInput::decode(&b.input).unwrap()))
        .find(|(_, _, i)| {
            !i.new_payload_request
                .execution_payload
                .transactions
                .is_empty()
                && i.witness.state.len() > 3
        })
        .expect("a block with transactions");
    Some((block, config))
}

/// Re-seals a tampered payload: recomputes `block_hash` so the check under test is reached.
fn reseal(input: &mut StatelessInput, config: &ChainConfig) {
    let fork = config.fork_at(input.new_payload_request.execution_payload.timestamp);
    let block = block_from_payload(&input.new_payload_request, fork)
        .unwrap()
        .block;
    input.new_payload_request.execution_payload.block_hash = block.header.hash_slow().0;
}

#[test]
fn real_block_validates_and_result_commits_to_it() {
    let Some((input, config)) = valid_input() else {
        return;
    };
    let validated = validate_stateless(&input, &config).expect("valid block");
    assert_eq!(
        validated.state_root.0,
        input.new_payload_request.execution_payload.state_root
    );
    let result = stateless_result(&input, &config);
    assert!(result.successful_validation);
    assert_eq!(
        result.new_payload_request_root,
        input.new_payload_request_root()
    );
    assert_eq!(result.schema_id, input.schema.to_u16());
    // Through bytes.
    assert_eq!(
        validate_stateless_bytes(&input.encode(), &config).unwrap(),
        result
    );
    // Another chain's rules are a failed validation, not an error.
    let other = ChainConfig {
        chain_id: config.chain_id + 1,
        ..config.clone()
    };
    assert!(
        !validate_stateless_bytes(&input.encode(), &other)
            .unwrap()
            .successful_validation
    );
}

#[test]
fn truncated_and_oversize_ssz() {
    let Some((input, _)) = valid_input() else {
        return;
    };
    let bytes = input.encode();
    // (Cutting the very last bytes can leave a shorter but well-formed last list element,
    // so the cuts fall inside the fixed part and the offsets.)
    for cut in [0, 1, 2, 3, 50, 100, 200] {
        let err = StatelessInput::decode(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, DecodeError::MissingSchemaId(_) | DecodeError::Ssz(_)),
            "cut at {cut}: {err:?}"
        );
    }
    // An offset pointing past the end.
    let mut bad = bytes.clone();
    bad[2..6].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        StatelessInput::decode(&bad),
        Err(DecodeError::Ssz(_))
    ));
    let mut huge = bytes;
    huge.resize(MAX_INPUT_BYTES + 1, 0);
    assert_eq!(
        StatelessInput::decode(&huge),
        Err(DecodeError::InputTooLarge(MAX_INPUT_BYTES + 1))
    );
}

#[test]
fn list_over_its_cap() {
    let Some((mut input, _)) = valid_input() else {
        return;
    };
    let w = Withdrawal {
        index: 0,
        validator_index: 0,
        address: [1; 20],
        amount: 1,
    };
    input.new_payload_request.execution_payload.withdrawals = vec![w; MAX_WITHDRAWALS + 1].into();
    assert_eq!(
        StatelessInput::decode(&input.encode()),
        Err(DecodeError::ListTooLong {
            field: "withdrawals",
            len: MAX_WITHDRAWALS + 1,
            max: MAX_WITHDRAWALS
        })
    );
}

#[test]
fn witness_missing_a_node() {
    let Some((input, config)) = valid_input() else {
        return;
    };
    // Dropping any one non-root node of a minimal witness must surface as that node missing.
    let parent_root = parent_header(&input).state_root;
    let mut checked = 0;
    for i in 0..input.witness.state.len() {
        if keccak256(&input.witness.state[i][..]) == parent_root {
            continue;
        }
        let mut broken = input.clone();
        let mut nodes = broken.witness.state.clone().into_inner();
        let removed = keccak256(&nodes.remove(i)[..]);
        broken.witness.state = nodes.into();
        match validate_stateless(&broken, &config) {
            Err(ValidationError::Witness(StateError::Trie(TrieError::MissingNode(h)))) => {
                assert_eq!(h, removed)
            }
            other => panic!("removing node {removed}: {other:?}"),
        }
        checked += 1;
    }
    assert!(checked > 0);
}

fn parent_header(input: &StatelessInput) -> alloy_consensus::Header {
    let last = input.witness.headers.last().unwrap();
    alloy_consensus::Header::decode(&mut &last[..]).unwrap()
}

#[test]
fn wrong_parent_state_root() {
    let Some((input, config)) = valid_input() else {
        return;
    };
    // The witness does not hold the parent's root: the pre-state cannot be trusted.
    let parent_root = parent_header(&input).state_root;
    let mut broken = input.clone();
    let nodes: Vec<_> = broken
        .witness
        .state
        .clone()
        .into_inner()
        .into_iter()
        .filter(|n| keccak256(&n[..]) != parent_root)
        .collect();
    broken.witness.state = nodes.into();
    assert_eq!(
        validate_stateless(&broken, &config).unwrap_err(),
        ValidationError::PreStateRootMismatch(parent_root)
    );

    // A parent header claiming another state root is not the parent the block names.
    let mut broken = input.clone();
    let mut headers = broken
        .witness
        .headers
        .clone()
        .into_iter()
        .collect::<Vec<_>>();
    let mut parent = parent_header(&input);
    parent.state_root = keccak256(b"some other state");
    let mut rlp = Vec::new();
    parent.encode(&mut rlp);
    *headers.last_mut().unwrap() = rlp.try_into().unwrap();
    broken.witness.headers = headers.try_into().unwrap();
    assert!(matches!(
        validate_stateless(&broken, &config),
        Err(ValidationError::UnknownParent { .. })
    ));
}

#[test]
fn tampered_header_fields() {
    let Some((input, config)) = valid_input() else {
        return;
    };
    // Without re-sealing, any change breaks the block hash.
    let mut t = input.clone();
    t.new_payload_request.execution_payload.gas_used += 1;
    assert!(matches!(
        validate_stateless(&t, &config),
        Err(ValidationError::BlockHashMismatch { .. })
    ));

    // Re-sealed, each field fails the rule it belongs to.
    type Case = (fn(&mut StatelessInput), fn(&ValidationError) -> bool);
    let cases: Vec<Case> = vec![
        (
            |i| i.new_payload_request.execution_payload.gas_used += 1,
            |e| matches!(e, ValidationError::GasUsedMismatch { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.state_root[0] ^= 1,
            |e| matches!(e, ValidationError::PostStateRootMismatch { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.receipts_root[0] ^= 1,
            |e| matches!(e, ValidationError::ReceiptsRootMismatch { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.block_number += 1,
            |e| matches!(e, ValidationError::InvalidBlockNumber { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.timestamp = 0,
            |e| matches!(e, ValidationError::TimestampNotAfterParent { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.gas_limit *= 2,
            |e| matches!(e, ValidationError::InvalidGasLimit { .. }),
        ),
        (
            |i| i.new_payload_request.execution_payload.base_fee_per_gas[0] ^= 1,
            |e| matches!(e, ValidationError::InvalidBaseFee { .. }),
        ),
        (
            |i| {
                i.new_payload_request.execution_payload.logs_bloom =
                    vec![0xff; 256].try_into().unwrap()
            },
            |e| matches!(e, ValidationError::LogsBloomMismatch),
        ),
    ];
    for (n, (tamper, expect)) in cases.into_iter().enumerate() {
        let mut t = input.clone();
        tamper(&mut t);
        reseal(&mut t, &config);
        let err = validate_stateless(&t, &config).unwrap_err();
        assert!(expect(&err), "case {n}: {err:?}");
        assert!(!stateless_result(&t, &config).successful_validation);
    }
}

#[test]
fn header_chain_with_a_gap() {
    let Some(dir) = shipped_fixtures() else {
        return;
    };
    // A chain of valid blocks: each input carries its parent header, so the inputs of
    // blocks 1..n together hold headers 0..n-1.
    let inputs: Vec<(StatelessInput, ChainConfig)> =
        prepared_inputs(&dir.join("BlockchainTests/ValidBlocks/bcEIP1559/medDemand.json"))
            .unwrap()
            .into_iter()
            .filter(|(_, _, b)| b.valid_on_full_state)
            .map(|(_, c, b)| (StatelessInput::decode(&b.input).unwrap(), c))
            .collect();
    assert!(inputs.len() >= 4, "need a chain of four blocks");
    let (last, config) = inputs.last().unwrap().clone();
    let ancestors: Vec<_> = inputs[inputs.len() - 4..]
        .iter()
        .map(|(i, _)| i.witness.headers.last().unwrap().clone())
        .collect();

    // Four contiguous headers ending at the parent: valid.
    let mut input = last.clone();
    input.witness.headers = ancestors.clone().try_into().unwrap();
    validate_stateless(&input, &config).expect("contiguous ancestors are accepted");

    // Remove one in the middle: a gap.
    let mut gapped = ancestors.clone();
    let removed = alloy_consensus::Header::decode(&mut &gapped.remove(1)[..]).unwrap();
    input.witness.headers = gapped.try_into().unwrap();
    assert_eq!(
        validate_stateless(&input, &config).unwrap_err(),
        ValidationError::HeaderChainGap {
            number: removed.number + 1
        }
    );

    // Out of order, and none at all.
    let mut swapped = ancestors;
    swapped.swap(0, 1);
    input.witness.headers = swapped.try_into().unwrap();
    assert!(matches!(
        validate_stateless(&input, &config),
        Err(ValidationError::HeaderChainGap { .. })
    ));
    input.witness.headers = Vec::new().try_into().unwrap();
    assert!(matches!(
        validate_stateless(&input, &config),
        Err(ValidationError::MalformedWitnessHeader { .. })
    ));
}

#[test]
fn missing_code_and_chain_id() {
    let Some((input, config)) = valid_input() else {
        return;
    };
    let mut other = config.clone();
    other.chain_id += 1;
    assert!(matches!(
        validate_stateless(&input, &other),
        Err(ValidationError::ChainIdMismatch { .. })
    ));
    if !input.witness.codes.is_empty() {
        let mut broken = input.clone();
        let hashes: Vec<_> = broken
            .witness
            .codes
            .iter()
            .map(|c| keccak256(Bytes::copy_from_slice(&c[..])))
            .collect();
        broken.witness.codes = Vec::new().into();
        match validate_stateless(&broken, &config).unwrap_err() {
            ValidationError::Witness(StateError::MissingCode(h)) => assert!(hashes.contains(&h)),
            other => panic!("{other:?}"),
        }
    }
}
