//! EXECUTE's output: the validation result execution-specs defines, followed by one
//! summary per block of the fields a rollup contract acts on.
//!
//! ```text
//! output       = result ++ summary_0 ++ ... ++ summary_{n-1}
//! result       = SSZ StatelessValidationResult        (43 bytes, one block)
//!              | SSZ StatelessRangeValidationResult   (15 + 32 n bytes, a range of n)
//! BlockSummary { parent_hash: Bytes32,                  0
//!                block_hash: Bytes32,                  32
//!                state_root: Bytes32,                  64
//!                parent_beacon_block_root: Bytes32,    96   (a rollup's L1 anchor)
//!                number: u64,                         128
//!                timestamp: u64,                      136
//!                gas_limit: u64,                      144
//!                base_fee_per_gas: u64,               152
//!                base_fee_burned: u128 }              160   (176 bytes, SSZ, little-endian)
//! ```
//!
//! Summaries follow a successful result only (EXECUTE halts on any other, so its output
//! always has them); a statement of invalid blocks carries the bare result. The output is
//! the same function of the same blocks in every mode: re-execution computes it from the
//! blocks it validated, the zk program commits it inside the statement, and proof modes
//! return the statement's copy. So a contract reads every block field from the output, in
//! any mode, and never rebuilds a payload root from caller-supplied leaves.
//!
//! `base_fee_burned` is `base_fee_per_gas` times the gas the block's transactions paid for
//! (its last receipt's cumulative gas used): from Amsterdam on the header's `gas_used`
//! counts gas before refunds (EIP-7778) and is not what the base fee burned.

use alloc::vec::Vec;
use libssz::{SszDecode, SszEncode};
use libssz_derive::{SszDecode, SszEncode};
use nr_stateless::{
    DecodeError, NewPayloadRequest, SchemaId, StatelessRangeValidationResult,
    StatelessValidationResult, ValidatedBlock, ssz::MAX_RANGE_BLOCKS,
};

/// Bytes of one [`BlockSummary`].
pub const SUMMARY_BYTES: usize = 176;
/// Bytes of a single block's validation result.
pub const SINGLE_RESULT_BYTES: usize = 43;
/// Fixed bytes of a range's validation result (the list of roots follows).
pub const RANGE_RESULT_FIXED_BYTES: usize = 15;
/// Largest output: a successful range of [`MAX_RANGE_BLOCKS`] blocks.
pub const MAX_OUTPUT_BYTES: usize =
    RANGE_RESULT_FIXED_BYTES + (32 + SUMMARY_BYTES) * MAX_RANGE_BLOCKS;

/// The fields of one validated block that a rollup contract acts on.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
pub struct BlockSummary {
    /// Parent block hash.
    pub parent_hash: [u8; 32],
    /// The block's hash.
    pub block_hash: [u8; 32],
    /// Post-state root.
    pub state_root: [u8; 32],
    /// `parent_beacon_block_root`: on a native rollup's L2, the L1 data it anchors.
    pub parent_beacon_block_root: [u8; 32],
    /// Block number.
    pub number: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Base fee per gas (a valid block's fits 64 bits).
    pub base_fee_per_gas: u64,
    /// Base fee times the gas the transactions paid for.
    pub base_fee_burned: u128,
}

impl BlockSummary {
    /// The summary of `request`, which validation accepted as `validated`.
    pub fn of(request: &NewPayloadRequest, validated: &ValidatedBlock) -> Self {
        let p = &request.execution_payload;
        let mut base_fee = [0; 8];
        base_fee.copy_from_slice(&p.base_fee_per_gas[..8]);
        Self {
            parent_hash: p.parent_hash,
            block_hash: validated.block_hash.0,
            state_root: validated.state_root.0,
            parent_beacon_block_root: request.parent_beacon_block_root,
            number: p.block_number,
            timestamp: p.timestamp,
            gas_limit: p.gas_limit,
            base_fee_per_gas: u64::from_le_bytes(base_fee),
            base_fee_burned: validated.base_fee_burned,
        }
    }
}

/// A decoded output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteOutput {
    /// The validation result.
    pub result: ValidationResult,
    /// One summary per block after a successful result, none otherwise.
    pub blocks: Vec<BlockSummary>,
}

/// The validation result an output starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationResult {
    /// One block.
    Single(StatelessValidationResult),
    /// A range.
    Range(StatelessRangeValidationResult),
}

impl ValidationResult {
    /// Whether validation succeeded.
    pub fn successful(&self) -> bool {
        match self {
            Self::Single(r) => r.successful_validation,
            Self::Range(r) => r.successful_validation,
        }
    }

    /// Blocks the result covers.
    pub fn blocks(&self) -> usize {
        match self {
            Self::Single(_) => 1,
            Self::Range(r) => r.new_payload_request_roots.len(),
        }
    }

    /// The chain id it echoes.
    pub fn chain_id(&self) -> u64 {
        match self {
            Self::Single(r) => r.chain_id,
            Self::Range(r) => r.chain_id,
        }
    }

    /// The schema id it echoes.
    pub fn schema_id(&self) -> u16 {
        match self {
            Self::Single(r) => r.schema_id,
            Self::Range(r) => r.schema_id,
        }
    }

    /// The schema it echoes (an unsuccessful result may echo none: EIP-8025's sentinel).
    pub fn schema(&self) -> Result<SchemaId, DecodeError> {
        SchemaId::from_u16(self.schema_id())
    }

    fn encode(&self) -> Vec<u8> {
        match self {
            Self::Single(r) => r.encode(),
            Self::Range(r) => r.encode(),
        }
    }
}

/// Why output bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// The result does not decode.
    #[error(transparent)]
    Result(DecodeError),
    /// A range result's roots do not end where its fixed part says.
    #[error("malformed range result")]
    RangeShape,
    /// Shorter than a single block's result.
    #[error("output shorter than a single block's result")]
    SingleShape,
    /// The summaries do not match the result: one per block after success, none otherwise.
    #[error(
        "{bytes} bytes of block summaries after a result of {blocks} blocks (successful: {successful})"
    )]
    Summaries {
        /// Bytes after the result.
        bytes: usize,
        /// Blocks the result covers.
        blocks: usize,
        /// Whether it is successful.
        successful: bool,
    },
    /// A summary does not decode.
    #[error("malformed block summary {0}")]
    Summary(usize),
}

impl ExecuteOutput {
    /// The output of a single block: its result, and its summary if `validated` is given.
    pub fn single(result: StatelessValidationResult, summary: Option<BlockSummary>) -> Self {
        Self {
            result: ValidationResult::Single(result),
            blocks: summary.into_iter().collect(),
        }
    }

    /// The output of a range.
    pub fn range(result: StatelessRangeValidationResult, blocks: Vec<BlockSummary>) -> Self {
        Self {
            result: ValidationResult::Range(result),
            blocks,
        }
    }

    /// `result ++ summaries`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.result.encode();
        out.reserve(self.blocks.len() * SUMMARY_BYTES);
        for b in &self.blocks {
            out.extend_from_slice(&b.to_ssz());
        }
        out
    }

    /// Decodes an output whose result is of `range` shape or not.
    pub fn decode(bytes: &[u8], range: bool) -> Result<Self, OutputError> {
        let (result, rest) = if range {
            let fixed = bytes
                .get(..RANGE_RESULT_FIXED_BYTES)
                .ok_or(OutputError::RangeShape)?;
            let offset = u32::from_le_bytes(fixed[..4].try_into().expect("4 bytes")) as usize;
            if offset != RANGE_RESULT_FIXED_BYTES {
                return Err(OutputError::RangeShape);
            }
            let successful = fixed[4] == 1;
            // The roots run to the end of the result: up to the summaries if successful.
            let after = bytes.len() - RANGE_RESULT_FIXED_BYTES;
            let roots = if successful {
                after / (32 + SUMMARY_BYTES)
            } else {
                after / 32
            };
            // A range holds at least one block.
            if roots == 0 {
                return Err(OutputError::RangeShape);
            }
            let end = RANGE_RESULT_FIXED_BYTES + 32 * roots;
            let result = StatelessRangeValidationResult::decode(&bytes[..end])
                .map_err(OutputError::Result)?;
            (ValidationResult::Range(result), &bytes[end..])
        } else {
            let head = bytes
                .get(..SINGLE_RESULT_BYTES)
                .ok_or(OutputError::SingleShape)?;
            let result = StatelessValidationResult::decode(head).map_err(OutputError::Result)?;
            (
                ValidationResult::Single(result),
                &bytes[SINGLE_RESULT_BYTES..],
            )
        };
        let blocks = if result.successful() {
            result.blocks()
        } else {
            0
        };
        if rest.len() != blocks * SUMMARY_BYTES {
            return Err(OutputError::Summaries {
                bytes: rest.len(),
                blocks: result.blocks(),
                successful: result.successful(),
            });
        }
        let blocks = rest
            .chunks(SUMMARY_BYTES)
            .enumerate()
            .map(|(i, c)| BlockSummary::from_ssz_bytes(c).map_err(|_| OutputError::Summary(i)))
            .collect::<Result<_, _>>()?;
        if matches!(&result, ValidationResult::Range(r) if r.new_payload_request_roots.len() > MAX_RANGE_BLOCKS)
        {
            return Err(OutputError::RangeShape);
        }
        Ok(Self { result, blocks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libssz_types::SszList;

    fn summary(n: u8) -> BlockSummary {
        BlockSummary {
            parent_hash: [n; 32],
            block_hash: [n + 1; 32],
            state_root: [n + 2; 32],
            parent_beacon_block_root: [n + 3; 32],
            number: u64::from(n),
            timestamp: 1_000 + u64::from(n),
            gas_limit: 30_000_000,
            base_fee_per_gas: 7,
            base_fee_burned: 7 * 21_000,
        }
    }

    #[test]
    fn a_summary_is_176_bytes_at_the_documented_offsets() {
        let s = summary(1);
        let b = s.to_ssz();
        assert_eq!(b.len(), SUMMARY_BYTES);
        assert_eq!(&b[96..128], &[4; 32]);
        assert_eq!(b[128..136], 1u64.to_le_bytes());
        assert_eq!(b[136..144], 1_001u64.to_le_bytes());
        assert_eq!(b[144..152], 30_000_000u64.to_le_bytes());
        assert_eq!(b[152..160], 7u64.to_le_bytes());
        assert_eq!(b[160..176], (7u128 * 21_000).to_le_bytes());
    }

    #[test]
    fn outputs_round_trip_and_reject_wrong_summary_counts() {
        let single = ExecuteOutput::single(
            StatelessValidationResult {
                new_payload_request_root: [9; 32],
                successful_validation: true,
                chain_id: 901,
                schema_id: 0x1501,
            },
            Some(summary(1)),
        );
        let bytes = single.encode();
        assert_eq!(bytes.len(), SINGLE_RESULT_BYTES + SUMMARY_BYTES);
        assert_eq!(ExecuteOutput::decode(&bytes, false).unwrap(), single);
        assert!(matches!(
            ExecuteOutput::decode(&bytes[..SINGLE_RESULT_BYTES], false),
            Err(OutputError::Summaries { .. })
        ));

        let range = ExecuteOutput::range(
            StatelessRangeValidationResult {
                new_payload_request_roots: SszList::try_from(alloc::vec![
                    [1; 32], [2; 32], [3; 32]
                ])
                .unwrap(),
                successful_validation: true,
                chain_id: 901,
                schema_id: 0x1501,
            },
            (1..4).map(summary).collect(),
        );
        let bytes = range.encode();
        assert_eq!(bytes.len(), 15 + 3 * (32 + SUMMARY_BYTES));
        assert_eq!(ExecuteOutput::decode(&bytes, true).unwrap(), range);
        assert!(ExecuteOutput::decode(&bytes[..bytes.len() - 1], true).is_err());

        // A range of no block is no output.
        let empty = ExecuteOutput::range(
            StatelessRangeValidationResult {
                new_payload_request_roots: SszList::default(),
                successful_validation: true,
                chain_id: 901,
                schema_id: 0x1501,
            },
            alloc::vec![],
        );
        assert_eq!(
            ExecuteOutput::decode(&empty.encode(), true),
            Err(OutputError::RangeShape)
        );

        // An unsuccessful result carries no summaries.
        let mut failed = range.clone();
        let ValidationResult::Range(r) = &mut failed.result else {
            unreachable!()
        };
        r.successful_validation = false;
        failed.blocks.clear();
        let bytes = failed.encode();
        assert_eq!(bytes.len(), 15 + 3 * 32);
        assert_eq!(ExecuteOutput::decode(&bytes, true).unwrap(), failed);
    }
}
