//! The rules a native rollup's L2 blocks obey on top of Ethereum's, and the validation
//! entry points that EXECUTE's re-execution mode, the zk program and the L2 node run.
//!
//! An L2 block has no consensus layer behind it: nothing pays withdrawals, produces
//! EIP-7685 requests or carries blobs. So (EIP-8079, L2BEAT native-rollups book):
//! `blob_gas_used == excess_blob_gas == 0`, no withdrawals, no execution requests, no
//! versioned hashes, and no blob (EIP-4844) or unknown transaction types.

use alloc::vec::Vec;
use nr_stateless::{
    ChainConfig, NewPayloadRequest, RangeError, StatelessInput, StatelessRangeInput,
    ValidatedBlock, ValidationError, validate_stateless, validate_stateless_range,
};

/// An L2 rule a payload breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2RuleError {
    /// `blob_gas_used` must be zero.
    #[error("blob gas used is {0}, an L2 block has none")]
    BlobGasUsed(u64),
    /// `excess_blob_gas` must be zero.
    #[error("excess blob gas is {0}, an L2 block has none")]
    ExcessBlobGas(u64),
    /// No beacon-chain withdrawals on L2.
    #[error("{0} withdrawals, an L2 block has none")]
    Withdrawals(usize),
    /// No EIP-7685 requests on L2.
    #[error("an L2 block carries no execution requests")]
    ExecutionRequests,
    /// No blobs on L2.
    #[error("{0} versioned hashes, an L2 block has none")]
    VersionedHashes(usize),
    /// A blob transaction (EIP-4844 type 3) inside the block.
    #[error("transaction {0} is a blob transaction")]
    BlobTransaction(usize),
    /// A transaction type the L2 does not know.
    #[error("transaction {index} has unsupported type {ty:#04x}")]
    UnsupportedTransactionType {
        /// Position in the block.
        index: usize,
        /// Its EIP-2718 type byte.
        ty: u8,
    },
}

/// Checks the L2 rules on a payload (no state needed).
pub fn check_l2_rules(request: &NewPayloadRequest) -> Result<(), L2RuleError> {
    let p = &request.execution_payload;
    if p.blob_gas_used != 0 {
        return Err(L2RuleError::BlobGasUsed(p.blob_gas_used));
    }
    if p.excess_blob_gas != 0 {
        return Err(L2RuleError::ExcessBlobGas(p.excess_blob_gas));
    }
    if !p.withdrawals.is_empty() {
        return Err(L2RuleError::Withdrawals(p.withdrawals.len()));
    }
    if !request.execution_requests.is_empty() {
        return Err(L2RuleError::ExecutionRequests);
    }
    if !request.versioned_hashes.is_empty() {
        return Err(L2RuleError::VersionedHashes(request.versioned_hashes.len()));
    }
    for (index, tx) in p.transactions.iter().enumerate() {
        check_l2_transaction(index, tx)?;
    }
    Ok(())
}

/// Checks the L2 rule on one EIP-2718 encoded transaction, at position `index`: no blob
/// (type 3) or unknown types. The L2 node's pool applies it at admission.
pub fn check_l2_transaction(index: usize, encoded: &[u8]) -> Result<(), L2RuleError> {
    match encoded.first().copied() {
        // Legacy transactions start with an RLP list header; empty bytes fail decoding.
        None | Some(0xc0..) | Some(1 | 2 | 4) => Ok(()),
        Some(3) => Err(L2RuleError::BlobTransaction(index)),
        Some(ty) => Err(L2RuleError::UnsupportedTransactionType { index, ty }),
    }
}

/// Why L2 blocks are invalid: an L2 rule, or Ethereum's validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2Error {
    /// Block `index` (0 for a single block) breaks an L2 rule.
    #[error("block {index}: {error}")]
    Rule {
        /// Position in the range.
        index: usize,
        /// The rule.
        error: L2RuleError,
    },
    /// The block fails Ethereum's stateless validation.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A block of the range fails Ethereum's stateless validation.
    #[error(transparent)]
    InvalidRange(#[from] RangeError),
}

/// [`validate_stateless`] under the L2 rules.
pub fn validate_l2(
    input: &StatelessInput,
    config: &ChainConfig,
) -> Result<ValidatedBlock, L2Error> {
    check_l2_rules(&input.new_payload_request)
        .map_err(|error| L2Error::Rule { index: 0, error })?;
    Ok(validate_stateless(input, config)?)
}

/// [`validate_stateless_range`] under the L2 rules.
pub fn validate_l2_range(
    input: &StatelessRangeInput,
    config: &ChainConfig,
) -> Result<Vec<ValidatedBlock>, L2Error> {
    for (index, request) in input.new_payload_requests.iter().enumerate() {
        check_l2_rules(request).map_err(|error| L2Error::Rule { index, error })?;
    }
    Ok(validate_stateless_range(input, config)?)
}
