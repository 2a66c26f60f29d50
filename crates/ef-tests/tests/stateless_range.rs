//! Range validation on real consecutive blocks from Ethereum's tests: a range built from
//! the blocks' own inputs validates to the same post-states, is smaller than the inputs
//! put together, and a broken chain is named by the block that breaks it.

use ef_tests::{default_fixtures, prepared_inputs};
use nr_stateless::{
    ChainConfig, StatelessInput, StatelessRangeInput, StatelessRangeValidationResult,
    ValidationError, stateless_range_result, validate_stateless, validate_stateless_range,
};

/// The longest run of consecutive valid blocks of one test in `bcEIP1559/medDemand`.
fn consecutive_blocks() -> Option<(Vec<StatelessInput>, ChainConfig)> {
    let dir = default_fixtures();
    if !dir.is_dir() {
        eprintln!("SKIPPING: shared fixtures not found at {}", dir.display());
        return None;
    }
    let file = dir.join("BlockchainTests/ValidBlocks/bcEIP1559/medDemand.json");
    let mut by_test: std::collections::BTreeMap<String, (ChainConfig, Vec<StatelessInput>)> =
        Default::default();
    for (name, config, block) in prepared_inputs(&file).expect("fixture runs") {
        assert!(block.valid_on_full_state, "medDemand has only valid blocks");
        let entry = by_test.entry(name).or_insert_with(|| (config, Vec::new()));
        entry.1.push(StatelessInput::decode(&block.input).unwrap());
    }
    let (config, blocks) = by_test.into_values().max_by_key(|(_, b)| b.len())?;
    assert!(blocks.len() >= 3, "need a few consecutive blocks");
    Some((blocks, config))
}

#[test]
fn range_validates_like_its_blocks_one_by_one() {
    let Some((blocks, config)) = consecutive_blocks() else {
        return;
    };
    let range = StatelessRangeInput::from_inputs(&blocks).expect("same chain and schema");
    let validated = validate_stateless_range(&range, &config).expect("valid range");
    assert_eq!(validated.len(), blocks.len());
    for (single, ranged) in blocks.iter().zip(&validated) {
        let one = validate_stateless(single, &config).expect("valid block");
        assert_eq!(one.state_root, ranged.state_root);
        assert_eq!(one.block_hash, ranged.block_hash);
        assert_eq!(one.gas_used, ranged.gas_used);
    }

    let bytes = range.encode();
    assert_eq!(StatelessRangeInput::decode(&bytes).unwrap(), range);
    let singles: usize = blocks.iter().map(|b| b.encode().len()).sum();
    assert!(
        bytes.len() < singles,
        "range of {} bytes is not smaller than its {} single-block bytes",
        bytes.len(),
        singles
    );

    let result = stateless_range_result(&range, &config);
    assert!(result.successful_validation);
    let roots: Vec<_> = blocks
        .iter()
        .map(|b| b.new_payload_request_root())
        .collect();
    assert_eq!(result.new_payload_request_roots.to_vec(), roots);
    assert_eq!(
        StatelessRangeValidationResult::decode(&result.encode()).unwrap(),
        result
    );
    assert_eq!(result.encode().len(), 15 + 32 * blocks.len());
}

#[test]
fn range_with_a_gap_fails_at_the_block_after_it() {
    let Some((mut blocks, config)) = consecutive_blocks() else {
        return;
    };
    let first_parent = blocks[1].new_payload_request.execution_payload.parent_hash;
    blocks.remove(1);
    let range = StatelessRangeInput::from_inputs(&blocks).unwrap();
    let err = validate_stateless_range(&range, &config).unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!(
        err.error,
        ValidationError::UnknownParent {
            expected: first_parent.into()
        }
    );
    assert!(!stateless_range_result(&range, &config).successful_validation);
}

#[test]
fn range_in_the_wrong_order_fails_where_the_order_breaks() {
    let Some((mut blocks, config)) = consecutive_blocks() else {
        return;
    };
    // Block 1 now comes first (with its own headers, so it is fine); block 0 after it is
    // not its child.
    blocks.swap(0, 1);
    let range = StatelessRangeInput::from_inputs(&blocks).unwrap();
    let err = validate_stateless_range(&range, &config).unwrap_err();
    assert_eq!(err.index, 1);
    assert!(matches!(err.error, ValidationError::UnknownParent { .. }));
}

#[test]
fn range_decoding_caps_its_size() {
    assert!(StatelessRangeInput::from_inputs(&[]).is_none());
    // An empty list of requests is not a range.
    let Some((blocks, _)) = consecutive_blocks() else {
        return;
    };
    let mut range = StatelessRangeInput::from_inputs(&blocks[..1]).unwrap();
    range.new_payload_requests.clear();
    assert!(StatelessRangeInput::decode(&range.encode()).is_err());
}
