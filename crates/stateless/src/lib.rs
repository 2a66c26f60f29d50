//! Canonical stateless validation of one Ethereum-style block from an execution witness.
//!
//! Everything in native-rollup stands on [`validate_stateless`]: the EXECUTE precompile
//! runs it (re-execution mode), the zk guest proves it (proof mode), and the L2 node
//! produces its input for every block it seals ([`generate_witness`]). It is `no_std` +
//! `alloc` with default features off, so the same code compiles for a zkVM guest.
//!
//! The wire format (schema id + SSZ `StatelessInput`, SSZ `StatelessValidationResult`)
//! is documented in [`ssz`]; the chain's fork schedule in [`config`]; the partial
//! Merkle-Patricia trie in [`trie`].

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod block;
pub mod config;
pub mod db;
pub mod gas;
pub mod ssz;
pub mod trie;
pub mod validate;
pub mod witness;

pub use block::{PayloadError, block_from_payload, payload_from_block};
pub use config::{ChainConfig, Fork, HeaderFields};
pub use ssz::{
    DecodeError, ExecutionPayload, ExecutionWitness, NewPayloadRequest, SchemaId, StatelessInput,
    StatelessRangeInput, StatelessRangeValidationResult, StatelessValidationResult,
};
pub use trie::{NodeStore, PreimageSource, SparseTrie, TrieError};
pub use validate::{
    BlockEvmFactory, RangeError, ValidatedBlock, ValidationError, expected_excess_blob_gas,
    stateless_range_result, stateless_result, validate_stateless, validate_stateless_range,
};
pub use witness::{FullState, StateDelta, generate_witness, generate_witness_with};

/// Decodes `schema_id ++ SSZ(StatelessInput)`, validates it under `config`, and returns
/// the SSZ result. Malformed input has no result (there is no request root to commit to)
/// and is a [`DecodeError`]; an input for another chain id is a failed validation.
pub fn validate_stateless_bytes(
    bytes: &[u8],
    config: &ChainConfig,
) -> Result<StatelessValidationResult, DecodeError> {
    Ok(stateless_result(&StatelessInput::decode(bytes)?, config))
}
