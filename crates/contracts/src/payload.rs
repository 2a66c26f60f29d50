//! A block as `NativeRollup.settleWithProofs` takes it: the SSZ leaves of its
//! `NewPayloadRequest`, which the contract hashes up to the `new_payload_request_root` that
//! EXECUTE's proof-mode result carries (`PayloadRoot.sol`).

use crate::NativeRollup::BlockLeaves;
use alloy_primitives::B256;
use libssz_merkle::{
    HashTreeRoot, Sha2Hasher, Sha256Hasher, merkleize_progressive, mix_in_active_fields,
};
use nr_stateless::{Fork, NewPayloadRequest, SchemaId};

/// The leaves of `request` in the layout `schema` names: every payload field's
/// `hash_tree_root` (17 in the Osaka-era layout, 19 from Amsterdam), then the versioned
/// hashes', the anchor and the execution requests' roots.
pub fn block_leaves(request: &NewPayloadRequest, schema: SchemaId) -> BlockLeaves {
    let h = Sha2Hasher;
    let p = &request.execution_payload;
    let mut payload: Vec<[u8; 32]> = vec![
        p.parent_hash.hash_tree_root(&h),
        p.fee_recipient.hash_tree_root(&h),
        p.state_root.hash_tree_root(&h),
        p.receipts_root.hash_tree_root(&h),
        p.logs_bloom.hash_tree_root(&h),
        p.prev_randao.hash_tree_root(&h),
        p.block_number.hash_tree_root(&h),
        p.gas_limit.hash_tree_root(&h),
        p.gas_used.hash_tree_root(&h),
        p.timestamp.hash_tree_root(&h),
        p.extra_data.hash_tree_root(&h),
        p.base_fee_per_gas.hash_tree_root(&h),
        p.block_hash.hash_tree_root(&h),
        p.transactions.hash_tree_root(&h),
        p.withdrawals.hash_tree_root(&h),
        p.blob_gas_used.hash_tree_root(&h),
        p.excess_blob_gas.hash_tree_root(&h),
    ];
    let r = &request.execution_requests;
    let mut requests = vec![
        r.deposits.hash_tree_root(&h),
        r.withdrawals.hash_tree_root(&h),
        r.consolidations.hash_tree_root(&h),
    ];
    if schema.fork >= Fork::Amsterdam {
        payload.push(p.block_access_list.hash_tree_root(&h));
        payload.push(p.slot_number.hash_tree_root(&h));
        requests.push(r.builder_deposits.hash_tree_root(&h));
        requests.push(r.builder_exits.hash_tree_root(&h));
    }
    let requests = mix_in_active_fields(
        &h,
        &merkleize_progressive(&h, &requests),
        &vec![true; requests.len()],
    );
    BlockLeaves {
        payload: payload.into_iter().map(B256::from).collect(),
        versionedHashes: request.versioned_hashes.hash_tree_root(&h).into(),
        anchor: request.parent_beacon_block_root.into(),
        requests: requests.into(),
    }
}

/// The root the contract rebuilds from `leaves` (the same merkleization, off-chain): what
/// a settler checks before sending.
pub fn request_root(leaves: &BlockLeaves) -> B256 {
    let h = Sha2Hasher;
    let chunks: Vec<[u8; 32]> = leaves.payload.iter().map(|l| l.0).collect();
    let payload = mix_in_active_fields(
        &h,
        &merkleize_progressive(&h, &chunks),
        &vec![true; chunks.len()],
    );
    let pair = |a: &[u8; 32], b: &[u8; 32]| h.hash(&[a.as_slice(), b.as_slice()].concat());
    let left = pair(&payload, &leaves.versionedHashes.0);
    let right = pair(&leaves.anchor.0, &leaves.requests.0);
    pair(&left, &right).into()
}
