//! Conversions between an execution payload and an Ethereum block.
//!
//! A payload omits what proof of stake fixed (ommers, difficulty, nonce) and carries the
//! bodies the header only commits to (transactions, withdrawals). Rebuilding the header
//! from a payload and hashing it is how `engine_newPayload` binds the two: the rebuilt
//! header must hash to the payload's `block_hash`.

use crate::{
    config::{Fork, HeaderFields},
    ssz::{ExecutionPayload, ExecutionRequests, NewPayloadRequest, Withdrawal},
};
use alloc::vec::Vec;
use alloy_consensus::{Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, TxEnvelope, proofs};
use alloy_eips::{eip2718::Decodable2718, eip2718::Encodable2718, eip4895};
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, U256, keccak256};
use libssz_types::{ProgressiveList, SszList, SszVector};

/// Why a payload cannot be turned into a block (or a block into a payload).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// A transaction does not decode as an EIP-2718 envelope.
    #[error("transaction {0} does not decode: {1}")]
    InvalidTransaction(usize, &'static str),
    /// The base fee does not fit in 64 bits.
    #[error("base fee over 2^64")]
    BaseFeeOverflow,
    /// A field the fork does not have is set (e.g. withdrawals before Shanghai).
    #[error("{0} is not allowed before its fork")]
    FieldBeforeFork(&'static str),
    /// A block that no payload can express (ommers, difficulty or nonce set).
    #[error("block is not a post-merge block: {0}")]
    NotPostMerge(&'static str),
    /// A header field or body part that contradicts the header or the fork.
    #[error("{0} does not match the header or the fork")]
    FieldMismatch(&'static str),
    /// `extra_data` over 32 bytes.
    #[error("extra data over 32 bytes")]
    ExtraDataTooLong,
}

/// Checks that a block's body matches its header and that both have the shape of `fork`:
/// no ommers, difficulty or nonce (EIP-3675); the transactions and withdrawals roots; the
/// header fields each fork adds (EIP-4895, EIP-4844, EIP-4788, EIP-7685); and transactions
/// in their canonical (block) form. A block built by [`block_from_payload`] passes by
/// construction; a block from elsewhere (RLP, a peer) must be checked before execution.
pub fn check_block_shape(block: &Block<TxEnvelope>, fork: Fork) -> Result<(), PayloadError> {
    check_post_merge(block)?;
    let h = &block.header;
    if h.extra_data.len() > 32 {
        return Err(PayloadError::ExtraDataTooLong);
    }
    if h.base_fee_per_gas.is_none() {
        return Err(PayloadError::FieldMismatch("base fee"));
    }
    let HeaderFields {
        withdrawals: shanghai,
        blobs: cancun,
        requests: prague,
        block_access_list: amsterdam,
    } = fork.header_fields();
    let present = [
        ("withdrawals root", h.withdrawals_root.is_some(), shanghai),
        ("withdrawals", block.body.withdrawals.is_some(), shanghai),
        ("blob gas used", h.blob_gas_used.is_some(), cancun),
        ("excess blob gas", h.excess_blob_gas.is_some(), cancun),
        (
            "parent beacon block root",
            h.parent_beacon_block_root.is_some(),
            cancun,
        ),
        ("requests hash", h.requests_hash.is_some(), prague),
        (
            "block access list hash",
            h.block_access_list_hash.is_some(),
            amsterdam,
        ),
        ("slot number", h.slot_number.is_some(), amsterdam),
    ];
    if let Some((field, ..)) = present.iter().find(|(_, has, wants)| has != wants) {
        return Err(PayloadError::FieldMismatch(field));
    }
    for (i, tx) in block.body.transactions.iter().enumerate() {
        check_canonical(i, tx)?;
    }
    if proofs::calculate_transaction_root(&block.body.transactions) != h.transactions_root {
        return Err(PayloadError::FieldMismatch("transactions root"));
    }
    if let Some(w) = &block.body.withdrawals
        && Some(proofs::calculate_withdrawals_root(w)) != h.withdrawals_root
    {
        return Err(PayloadError::FieldMismatch("withdrawals root"));
    }
    Ok(())
}

/// No ommers, difficulty or nonce after the merge (EIP-3675).
fn check_post_merge(block: &Block<TxEnvelope>) -> Result<(), PayloadError> {
    let h = &block.header;
    if !block.body.ommers.is_empty() || h.ommers_hash != EMPTY_OMMER_ROOT_HASH {
        return Err(PayloadError::NotPostMerge("ommers"));
    }
    if !h.difficulty.is_zero() {
        return Err(PayloadError::NotPostMerge("difficulty"));
    }
    if h.nonce != B64::ZERO {
        return Err(PayloadError::NotPostMerge("nonce"));
    }
    Ok(())
}

/// A blob transaction inside a block carries no sidecar (EIP-4844: blobs travel beside
/// the block, never in it).
fn check_canonical(index: usize, tx: &TxEnvelope) -> Result<(), PayloadError> {
    if let TxEnvelope::Eip4844(signed) = tx
        && matches!(
            signed.tx(),
            alloy_consensus::TxEip4844Variant::TxEip4844WithSidecar(_)
        )
    {
        return Err(PayloadError::InvalidTransaction(
            index,
            "blob transaction with its sidecar",
        ));
    }
    Ok(())
}

/// The decoded block of a payload, with the hash the payload claims for it.
#[derive(Debug, Clone)]
pub struct PayloadBlock {
    /// The rebuilt block.
    pub block: Block<TxEnvelope>,
    /// `payload.block_hash`.
    pub claimed_hash: B256,
    /// The payload's EIP-7928 block access list, RLP as the payload carries it (Amsterdam
    /// on; the header commits to its keccak256).
    pub block_access_list: Option<Bytes>,
}

fn u256_le(bytes: &[u8; 32]) -> U256 {
    U256::from_le_bytes(*bytes)
}

/// Rebuilds the block of a `NewPayloadRequest` under the rules of `fork`.
pub fn block_from_payload(
    request: &NewPayloadRequest,
    fork: Fork,
) -> Result<PayloadBlock, PayloadError> {
    let p: &ExecutionPayload = &request.execution_payload;
    let raw: Vec<&[u8]> = p.transactions.iter().map(|t| &t[..]).collect();
    let transactions = raw
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            TxEnvelope::decode_2718_exact(bytes)
                .map_err(|_| PayloadError::InvalidTransaction(i, "invalid EIP-2718 envelope"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, tx) in transactions.iter().enumerate() {
        check_canonical(i, tx)?;
    }
    let withdrawals: Vec<eip4895::Withdrawal> = p
        .withdrawals
        .iter()
        .map(|w| eip4895::Withdrawal {
            index: w.index,
            validator_index: w.validator_index,
            address: Address::from(w.address),
            amount: w.amount,
        })
        .collect();
    let base_fee = u256_le(&p.base_fee_per_gas);
    let base_fee: u64 = base_fee
        .try_into()
        .map_err(|_| PayloadError::BaseFeeOverflow)?;

    let HeaderFields {
        withdrawals: shanghai,
        blobs: cancun,
        requests: prague,
        block_access_list: amsterdam,
    } = fork.header_fields();
    if !shanghai && !withdrawals.is_empty() {
        return Err(PayloadError::FieldBeforeFork("withdrawals"));
    }
    if !cancun && (p.blob_gas_used != 0 || p.excess_blob_gas != 0) {
        return Err(PayloadError::FieldBeforeFork("blob gas"));
    }
    if !cancun
        && (request.parent_beacon_block_root != [0; 32] || !request.versioned_hashes.is_empty())
    {
        return Err(PayloadError::FieldBeforeFork("parent beacon block root"));
    }
    if !prague && !request.execution_requests.is_empty() {
        return Err(PayloadError::FieldBeforeFork("execution requests"));
    }
    if !amsterdam && (!p.block_access_list.is_empty() || p.slot_number != 0) {
        return Err(PayloadError::FieldBeforeFork("block access list"));
    }
    // EIP-7928: the header commits to the list's bytes as the payload carries them.
    let block_access_list = amsterdam.then(|| Bytes::copy_from_slice(&p.block_access_list));

    let header = Header {
        parent_hash: p.parent_hash.into(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: Address::from(p.fee_recipient),
        state_root: p.state_root.into(),
        transactions_root: alloy_trie::root::ordered_trie_root_with_encoder(&raw, |tx, buf| {
            buf.extend_from_slice(tx)
        }),
        receipts_root: p.receipts_root.into(),
        logs_bloom: Bloom::from_slice(&p.logs_bloom),
        difficulty: U256::ZERO,
        number: p.block_number,
        gas_limit: p.gas_limit,
        gas_used: p.gas_used,
        timestamp: p.timestamp,
        extra_data: Bytes::copy_from_slice(&p.extra_data),
        mix_hash: p.prev_randao.into(),
        nonce: B64::ZERO,
        base_fee_per_gas: Some(base_fee),
        withdrawals_root: shanghai.then(|| proofs::calculate_withdrawals_root(&withdrawals)),
        blob_gas_used: cancun.then_some(p.blob_gas_used),
        excess_blob_gas: cancun.then_some(p.excess_blob_gas),
        parent_beacon_block_root: cancun.then(|| request.parent_beacon_block_root.into()),
        requests_hash: prague.then(|| request.execution_requests.to_eip7685().requests_hash()),
        block_access_list_hash: block_access_list.as_ref().map(keccak256),
        slot_number: amsterdam.then_some(p.slot_number),
    };
    let body = BlockBody {
        transactions,
        ommers: Vec::new(),
        withdrawals: shanghai.then(|| withdrawals.into()),
    };
    Ok(PayloadBlock {
        block: Block { header, body },
        claimed_hash: p.block_hash.into(),
        block_access_list,
    })
}

/// Builds the `NewPayloadRequest` of a post-merge block. `requests` are the block's
/// EIP-7685 requests (from execution), needed from Prague on; `block_access_list` its
/// EIP-7928 list as RLP, needed from Amsterdam on (its keccak256 must be the header's
/// `block_access_list_hash`).
pub fn payload_from_block(
    block: &Block<TxEnvelope>,
    requests: Option<&alloy_eips::eip7685::Requests>,
    block_access_list: Option<&[u8]>,
) -> Result<NewPayloadRequest, PayloadError> {
    check_post_merge(block)?;
    let h = &block.header;
    if h.block_access_list_hash != block_access_list.map(keccak256) {
        return Err(PayloadError::FieldMismatch("block access list"));
    }
    let extra_data =
        SszList::try_from(h.extra_data.to_vec()).map_err(|_| PayloadError::ExtraDataTooLong)?;
    let transactions: Vec<ProgressiveList<u8>> = block
        .body
        .transactions
        .iter()
        .map(|tx| ProgressiveList::from(tx.encoded_2718()))
        .collect();
    let withdrawals: Vec<Withdrawal> = block
        .body
        .withdrawals
        .iter()
        .flat_map(|w| w.iter())
        .map(|w| Withdrawal {
            index: w.index,
            validator_index: w.validator_index,
            address: w.address.0.0,
            amount: w.amount,
        })
        .collect();
    let versioned_hashes: Vec<[u8; 32]> = block
        .body
        .transactions
        .iter()
        .flat_map(|tx| {
            alloy_consensus::Transaction::blob_versioned_hashes(tx)
                .unwrap_or_default()
                .iter()
                .map(|h| h.0)
        })
        .collect();
    let execution_requests = match requests {
        Some(r) => ExecutionRequests::from_eip7685(r)
            .ok_or(PayloadError::InvalidTransaction(0, "malformed requests"))?,
        None => ExecutionRequests::default(),
    };
    Ok(NewPayloadRequest {
        execution_payload: ExecutionPayload {
            parent_hash: h.parent_hash.0,
            fee_recipient: h.beneficiary.0.0,
            state_root: h.state_root.0,
            receipts_root: h.receipts_root.0,
            logs_bloom: SszVector::try_from(h.logs_bloom.0.to_vec()).expect("256 bytes"),
            prev_randao: h.mix_hash.0,
            block_number: h.number,
            gas_limit: h.gas_limit,
            gas_used: h.gas_used,
            timestamp: h.timestamp,
            extra_data,
            base_fee_per_gas: U256::from(h.base_fee_per_gas.unwrap_or_default()).to_le_bytes(),
            block_hash: h.hash_slow().0,
            transactions: transactions.into(),
            withdrawals: withdrawals.into(),
            blob_gas_used: h.blob_gas_used.unwrap_or_default(),
            excess_blob_gas: h.excess_blob_gas.unwrap_or_default(),
            block_access_list: block_access_list
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
                .into(),
            slot_number: h.slot_number.unwrap_or_default(),
        },
        versioned_hashes: versioned_hashes.into(),
        parent_beacon_block_root: h.parent_beacon_block_root.unwrap_or_default().0,
        execution_requests,
    })
}
