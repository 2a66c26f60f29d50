//! SSZ wire types of stateless validation (execution-specs / EIP-8025 shape).
//!
//! On the wire an input is `schema_id (u16, big-endian) ++ SSZ(StatelessInput)`, where
//! `schema_id = (fork_index << 8) | revision` names both the fork whose rules apply and
//! the layout revision. Two layouts exist at revision 1:
//!
//! * **Amsterdam (`0x1501`)**: byte for byte the execution-specs layout other clients
//!   (ethrex) use: the payload has 19 fields ending in `block_access_list` and
//!   `slot_number`, and `ExecutionRequests` carries the five EIP-7685 request lists
//!   including the EIP-8282 builder requests.
//! * **Osaka era (`0x0e01` Paris … `0x1201` Osaka)**: the same containers without the
//!   Amsterdam additions: a 17-field payload and three request lists (deposits,
//!   withdrawals, consolidations).
//!
//! ```text
//! StatelessInput     { new_payload_request: NewPayloadRequest, witness: ExecutionWitness, chain_id: u64,
//!                      [0x1501: public_keys: ProgressiveList[ByteVector[65]]] }
//! NewPayloadRequest  { execution_payload, versioned_hashes: ProgressiveList[Bytes32],
//!                      parent_beacon_block_root: Bytes32, execution_requests }
//! ExecutionPayload   ProgressiveContainer { parent_hash: Bytes32, fee_recipient: Bytes20,
//!                      state_root, receipts_root: Bytes32, logs_bloom: ByteVector[256],
//!                      prev_randao: Bytes32, block_number, gas_limit, gas_used, timestamp: u64,
//!                      extra_data: ByteList[32], base_fee_per_gas: uint256 (32 bytes LE),
//!                      block_hash: Bytes32, transactions: ProgressiveList[ProgressiveList[u8]],
//!                      withdrawals: ProgressiveList[Withdrawal], blob_gas_used, excess_blob_gas: u64,
//!                      [Amsterdam: block_access_list: ProgressiveList[u8], slot_number: u64] }
//! ExecutionRequests  ProgressiveContainer { deposits, withdrawals, consolidations: ProgressiveList[..],
//!                      [Amsterdam: builder_deposits, builder_exits] }
//! ExecutionWitness   { state: ProgressiveList[ByteList[2^20]], codes: ProgressiveList[ByteList[2^24]],
//!                      headers: List[ByteList[1024], 256] }
//! StatelessValidationResult { new_payload_request_root: Bytes32, successful_validation: bool,
//!                      chain_id: u64, schema_id: u16 }   (43 bytes)
//! ```
//!
//! `new_payload_request_root` is the SSZ `hash_tree_root` of the `NewPayloadRequest` in the
//! layout the schema id names. Progressive lists carry no count limit of their own, so
//! [`StatelessInput::decode`] caps the whole input ([`MAX_INPUT_BYTES`]) before decoding
//! and then ([`check_caps`](StatelessInput::check_caps)) a 0x1501 block's witness items as
//! execution-specs does (a node 2^10 bytes, a code 2^16), every list of the earlier layouts
//! and of ranges with this crate's caps.

use crate::config::Fork;
use alloc::{collections::BTreeSet, vec::Vec};
use libssz::{SszDecode, SszEncode};
use libssz_derive::{HashTreeRoot, SszDecode, SszEncode};
use libssz_merkle::{HashTreeRoot, Sha2Hasher};
use libssz_types::{ProgressiveList, SszList, SszVector};

/// Largest encoded input accepted (64 MiB): bounds every allocation made while decoding.
pub const MAX_INPUT_BYTES: usize = 1 << 26;
/// Most transactions one payload may carry (consensus-specs `MAX_TRANSACTIONS_PER_PAYLOAD`).
pub const MAX_TRANSACTIONS: usize = 1 << 20;
/// Largest single transaction accepted (EIP-7934 caps a whole block at 8 MiB RLP).
pub const MAX_TRANSACTION_BYTES: usize = 1 << 24;
/// Most withdrawals one payload may carry (the execution layer has no limit of its own;
/// consensus-specs sends 16 per payload, Ethereum's tests up to a few hundred).
pub const MAX_WITHDRAWALS: usize = 1 << 16;
/// Most blob versioned hashes one payload may carry.
pub const MAX_VERSIONED_HASHES: usize = 4096;
/// Most requests of one kind (consensus-specs deposit limit, the largest of them).
pub const MAX_REQUESTS_PER_KIND: usize = 8192;
/// Largest block access list accepted.
pub const MAX_BLOCK_ACCESS_LIST_BYTES: usize = 1 << 24;
/// Most trie-node preimages in one witness.
pub const MAX_WITNESS_NODES: usize = 1 << 20;
/// Most code preimages in one witness.
pub const MAX_WITNESS_CODES: usize = 1 << 16;
/// Largest trie node in a witness.
pub const MAX_BYTES_PER_WITNESS_NODE: usize = 1 << 20;
/// Largest code preimage in a witness.
pub const MAX_BYTES_PER_CODE: usize = 1 << 24;
/// Most headers in a witness (BLOCKHASH reaches 256 back).
pub const MAX_WITNESS_HEADERS: usize = 256;
/// Largest RLP header in a witness.
pub const MAX_BYTES_PER_HEADER: usize = 1024;
/// Largest `extra_data`.
pub const MAX_EXTRA_DATA_BYTES: usize = 32;
/// Length of the schema id prefix.
pub const SCHEMA_ID_BYTES: usize = 2;
/// Encoded size of [`StatelessValidationResult`].
pub const RESULT_BYTES: usize = 43;

/// A fixed 32-byte value.
pub type Bytes32 = [u8; 32];
/// A fixed 20-byte address.
pub type Bytes20 = [u8; 20];

/// Why input bytes are not a well-formed stateless input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the schema id prefix.
    #[error("input of {0} bytes is shorter than the 2-byte schema id")]
    MissingSchemaId(usize),
    /// Over [`MAX_INPUT_BYTES`].
    #[error("input of {0} bytes exceeds the {MAX_INPUT_BYTES}-byte cap")]
    InputTooLarge(usize),
    /// A schema id naming an unknown fork or revision.
    #[error("unknown schema id {0:#06x}")]
    UnknownSchema(u16),
    /// The SSZ body does not decode.
    #[error("malformed SSZ: {0:?}")]
    Ssz(libssz::DecodeError),
    /// A range input without blocks.
    #[error("a range input holds no blocks")]
    EmptyRange,
    /// A list longer than its cap.
    #[error("{field} has {len} entries, over the cap of {max}")]
    ListTooLong {
        /// Which list.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
}

/// `(fork_index << 8) | revision`: names the fork rules and the layout of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaId {
    /// The fork whose rules the block is validated under.
    pub fork: Fork,
    /// Layout revision (only 1 exists).
    pub revision: u8,
}

impl SchemaId {
    /// The current revision.
    pub const REVISION: u8 = 1;
    /// Amsterdam revision 1, the execution-specs layout.
    pub const AMSTERDAM_V1: Self = Self {
        fork: Fork::Amsterdam,
        revision: 1,
    };

    /// Revision 1 for `fork`.
    pub const fn v1(fork: Fork) -> Self {
        Self {
            fork,
            revision: Self::REVISION,
        }
    }

    /// As a number.
    pub const fn to_u16(self) -> u16 {
        ((self.fork.spec_index() as u16) << 8) | self.revision as u16
    }

    /// Parses a schema id; only known forks at revision 1.
    pub fn from_u16(id: u16) -> Result<Self, DecodeError> {
        let fork = Fork::from_spec_index((id >> 8) as u8).ok_or(DecodeError::UnknownSchema(id))?;
        if (id & 0xff) as u8 != Self::REVISION {
            return Err(DecodeError::UnknownSchema(id));
        }
        Ok(Self {
            fork,
            revision: Self::REVISION,
        })
    }

    /// Whether inputs of this schema have the 0x1501 layout (Amsterdam's payload and
    /// requests, and the senders' public keys).
    pub fn is_amsterdam_layout(self) -> bool {
        self.fork >= Fork::Amsterdam
    }
}

/// A beacon-chain withdrawal (EIP-4895).
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct Withdrawal {
    /// Monotonic withdrawal index.
    pub index: u64,
    /// Validator index.
    pub validator_index: u64,
    /// Recipient.
    pub address: Bytes20,
    /// Amount in gwei.
    pub amount: u64,
}

/// EIP-6110 deposit request.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct DepositRequest {
    /// BLS public key.
    pub pubkey: [u8; 48],
    /// Withdrawal credentials.
    pub withdrawal_credentials: Bytes32,
    /// Amount in gwei.
    pub amount: u64,
    /// BLS signature.
    pub signature: [u8; 96],
    /// Deposit index.
    pub index: u64,
}

/// EIP-7002 withdrawal request.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct WithdrawalRequest {
    /// Requesting address.
    pub source_address: Bytes20,
    /// Validator key.
    pub validator_pubkey: [u8; 48],
    /// Amount in gwei.
    pub amount: u64,
}

/// EIP-7251 consolidation request.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct ConsolidationRequest {
    /// Requesting address.
    pub source_address: Bytes20,
    /// Source validator key.
    pub source_pubkey: [u8; 48],
    /// Target validator key.
    pub target_pubkey: [u8; 48],
}

/// EIP-8282 builder deposit request (Amsterdam).
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct BuilderDepositRequest {
    /// BLS public key.
    pub pubkey: [u8; 48],
    /// Withdrawal credentials.
    pub withdrawal_credentials: Bytes32,
    /// Amount in gwei.
    pub amount: u64,
    /// BLS signature.
    pub signature: [u8; 96],
}

/// EIP-8282 builder exit request (Amsterdam).
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct BuilderExitRequest {
    /// Requesting address.
    pub source_address: Bytes20,
    /// Builder key.
    pub pubkey: [u8; 48],
}

/// The EIP-7685 request bundle, in its Amsterdam shape (earlier layouts leave the builder
/// lists empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
#[ssz(progressive_container)]
pub struct ExecutionRequests {
    /// EIP-6110 deposits.
    pub deposits: ProgressiveList<DepositRequest>,
    /// EIP-7002 withdrawals.
    pub withdrawals: ProgressiveList<WithdrawalRequest>,
    /// EIP-7251 consolidations.
    pub consolidations: ProgressiveList<ConsolidationRequest>,
    /// EIP-8282 builder deposits.
    pub builder_deposits: ProgressiveList<BuilderDepositRequest>,
    /// EIP-8282 builder exits.
    pub builder_exits: ProgressiveList<BuilderExitRequest>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
#[ssz(progressive_container)]
struct ExecutionRequestsV1 {
    deposits: ProgressiveList<DepositRequest>,
    withdrawals: ProgressiveList<WithdrawalRequest>,
    consolidations: ProgressiveList<ConsolidationRequest>,
}

impl ExecutionRequests {
    /// Whether no request of any kind is present.
    pub fn is_empty(&self) -> bool {
        self.deposits.is_empty()
            && self.withdrawals.is_empty()
            && self.consolidations.is_empty()
            && self.builder_deposits.is_empty()
            && self.builder_exits.is_empty()
    }

    /// The EIP-7685 encoding: for each non-empty kind, `type ++ concat(ssz(request))`.
    /// (Every request type is a fixed-size container, so its SSZ is the EL wire form.)
    pub fn to_eip7685(&self) -> alloy_eips::eip7685::Requests {
        fn kind<T: SszEncode>(out: &mut alloy_eips::eip7685::Requests, ty: u8, items: &[T]) {
            let mut buf = Vec::new();
            buf.push(ty);
            items.iter().for_each(|i| i.ssz_append(&mut buf));
            out.push_request(buf.into());
        }
        let mut out = alloy_eips::eip7685::Requests::default();
        kind(&mut out, 0, &self.deposits);
        kind(&mut out, 1, &self.withdrawals);
        kind(&mut out, 2, &self.consolidations);
        kind(&mut out, 3, &self.builder_deposits);
        kind(&mut out, 4, &self.builder_exits);
        out
    }

    /// Parses EIP-7685 requests (type byte ++ concatenated fixed-size requests).
    pub fn from_eip7685(requests: &alloy_eips::eip7685::Requests) -> Option<Self> {
        fn items<T: SszDecode>(data: &[u8]) -> Option<ProgressiveList<T>> {
            let size = T::fixed_size();
            if !data.len().is_multiple_of(size) {
                return None;
            }
            data.chunks_exact(size)
                .map(|c| T::from_ssz_bytes(c).ok())
                .collect::<Option<Vec<_>>>()
                .map(Into::into)
        }
        let mut out = Self::default();
        for r in requests.iter() {
            let (&ty, data) = r.split_first()?;
            match ty {
                0 => out.deposits = items(data)?,
                1 => out.withdrawals = items(data)?,
                2 => out.consolidations = items(data)?,
                3 => out.builder_deposits = items(data)?,
                4 => out.builder_exits = items(data)?,
                _ => return None,
            }
        }
        Some(out)
    }
}

/// An execution payload, in its Amsterdam shape (earlier layouts have an empty
/// `block_access_list` and a zero `slot_number`).
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
#[ssz(progressive_container)]
pub struct ExecutionPayload {
    /// Parent block hash.
    pub parent_hash: Bytes32,
    /// Beneficiary of priority fees.
    pub fee_recipient: Bytes20,
    /// Post-state root.
    pub state_root: Bytes32,
    /// Receipts trie root.
    pub receipts_root: Bytes32,
    /// Logs bloom.
    pub logs_bloom: SszVector<u8, 256>,
    /// `prev_randao` (the header's mix hash).
    pub prev_randao: Bytes32,
    /// Block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Extra data (at most 32 bytes).
    pub extra_data: SszList<u8, MAX_EXTRA_DATA_BYTES>,
    /// Base fee per gas, uint256 little-endian.
    pub base_fee_per_gas: Bytes32,
    /// Block hash.
    pub block_hash: Bytes32,
    /// EIP-2718 encoded transactions.
    pub transactions: ProgressiveList<ProgressiveList<u8>>,
    /// Withdrawals.
    pub withdrawals: ProgressiveList<Withdrawal>,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Excess blob gas.
    pub excess_blob_gas: u64,
    /// EIP-7928 block access list (Amsterdam).
    pub block_access_list: ProgressiveList<u8>,
    /// EIP-7843 slot number (Amsterdam).
    pub slot_number: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
#[ssz(progressive_container)]
struct ExecutionPayloadV1 {
    parent_hash: Bytes32,
    fee_recipient: Bytes20,
    state_root: Bytes32,
    receipts_root: Bytes32,
    logs_bloom: SszVector<u8, 256>,
    prev_randao: Bytes32,
    block_number: u64,
    gas_limit: u64,
    gas_used: u64,
    timestamp: u64,
    extra_data: SszList<u8, MAX_EXTRA_DATA_BYTES>,
    base_fee_per_gas: Bytes32,
    block_hash: Bytes32,
    transactions: ProgressiveList<ProgressiveList<u8>>,
    withdrawals: ProgressiveList<Withdrawal>,
    blob_gas_used: u64,
    excess_blob_gas: u64,
}

/// What a consensus client hands `engine_newPayload`.
#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct NewPayloadRequest {
    /// The payload.
    pub execution_payload: ExecutionPayload,
    /// Versioned hashes of the payload's blobs, in transaction order.
    pub versioned_hashes: ProgressiveList<Bytes32>,
    /// Parent beacon block root (EIP-4788); a rollup's L1 anchor.
    pub parent_beacon_block_root: Bytes32,
    /// Execution requests (EIP-7685).
    pub execution_requests: ExecutionRequests,
}

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
struct NewPayloadRequestV1 {
    execution_payload: ExecutionPayloadV1,
    versioned_hashes: ProgressiveList<Bytes32>,
    parent_beacon_block_root: Bytes32,
    execution_requests: ExecutionRequestsV1,
}

/// Everything beyond the payload that stateless execution reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct ExecutionWitness {
    /// RLP trie-node preimages (account and storage tries).
    pub state: ProgressiveList<SszList<u8, MAX_BYTES_PER_WITNESS_NODE>>,
    /// Contract code preimages.
    pub codes: ProgressiveList<SszList<u8, MAX_BYTES_PER_CODE>>,
    /// RLP headers: contiguous, oldest first, ending at the parent.
    pub headers: SszList<SszList<u8, MAX_BYTES_PER_HEADER>, MAX_WITNESS_HEADERS>,
}

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
struct StatelessInputAmsterdam {
    new_payload_request: NewPayloadRequest,
    witness: ExecutionWitness,
    chain_id: u64,
    public_keys: ProgressiveList<PublicKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
struct StatelessInputV1 {
    new_payload_request: NewPayloadRequestV1,
    witness: ExecutionWitness,
    chain_id: u64,
}

/// The input of [`validate_stateless`](crate::validate_stateless), with its schema id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatelessInput {
    /// Fork and layout.
    pub schema: SchemaId,
    /// The block, as `engine_newPayload` receives it.
    pub new_payload_request: NewPayloadRequest,
    /// Pre-state, codes and ancestor headers.
    pub witness: ExecutionWitness,
    /// The chain the block belongs to.
    pub chain_id: u64,
    /// The 0x1501 layout's sender public keys, one per transaction in order
    /// (`0x04 ‖ x ‖ y`): an untrusted hint that validation checks against each
    /// transaction's signature. `None` in the Osaka-era layouts, which carry none (and
    /// ignored there); in the 0x1501 layout `None` is encoded, and validated, as no keys.
    pub public_keys: Option<Vec<PublicKey>>,
}

/// An uncompressed secp256k1 public key, `0x04 ‖ x ‖ y` (execution-specs' `Bytes65`).
pub type PublicKey = [u8; 65];

/// The output: what was validated and whether it passed. A zk guest commits exactly these
/// 43 bytes as its public values.
#[derive(Debug, Clone, Default, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct StatelessValidationResult {
    /// `hash_tree_root(NewPayloadRequest)` in the input's layout.
    pub new_payload_request_root: Bytes32,
    /// Whether the block is valid.
    pub successful_validation: bool,
    /// Echo of the input's chain id.
    pub chain_id: u64,
    /// Echo of the input's schema id.
    pub schema_id: u16,
}

impl StatelessValidationResult {
    /// SSZ encoding (43 bytes).
    pub fn encode(&self) -> Vec<u8> {
        self.to_ssz()
    }

    /// SSZ decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_ssz_bytes(bytes).map_err(DecodeError::Ssz)
    }
}

fn to_v1(r: &NewPayloadRequest) -> NewPayloadRequestV1 {
    let p = r.execution_payload.clone();
    let q = r.execution_requests.clone();
    NewPayloadRequestV1 {
        execution_payload: ExecutionPayloadV1 {
            parent_hash: p.parent_hash,
            fee_recipient: p.fee_recipient,
            state_root: p.state_root,
            receipts_root: p.receipts_root,
            logs_bloom: p.logs_bloom,
            prev_randao: p.prev_randao,
            block_number: p.block_number,
            gas_limit: p.gas_limit,
            gas_used: p.gas_used,
            timestamp: p.timestamp,
            extra_data: p.extra_data,
            base_fee_per_gas: p.base_fee_per_gas,
            block_hash: p.block_hash,
            transactions: p.transactions,
            withdrawals: p.withdrawals,
            blob_gas_used: p.blob_gas_used,
            excess_blob_gas: p.excess_blob_gas,
        },
        versioned_hashes: r.versioned_hashes.clone(),
        parent_beacon_block_root: r.parent_beacon_block_root,
        execution_requests: ExecutionRequestsV1 {
            deposits: q.deposits,
            withdrawals: q.withdrawals,
            consolidations: q.consolidations,
        },
    }
}

fn from_v1(r: NewPayloadRequestV1) -> NewPayloadRequest {
    let p = r.execution_payload;
    let q = r.execution_requests;
    NewPayloadRequest {
        execution_payload: ExecutionPayload {
            parent_hash: p.parent_hash,
            fee_recipient: p.fee_recipient,
            state_root: p.state_root,
            receipts_root: p.receipts_root,
            logs_bloom: p.logs_bloom,
            prev_randao: p.prev_randao,
            block_number: p.block_number,
            gas_limit: p.gas_limit,
            gas_used: p.gas_used,
            timestamp: p.timestamp,
            extra_data: p.extra_data,
            base_fee_per_gas: p.base_fee_per_gas,
            block_hash: p.block_hash,
            transactions: p.transactions,
            withdrawals: p.withdrawals,
            blob_gas_used: p.blob_gas_used,
            excess_blob_gas: p.excess_blob_gas,
            block_access_list: ProgressiveList::new(),
            slot_number: 0,
        },
        versioned_hashes: r.versioned_hashes,
        parent_beacon_block_root: r.parent_beacon_block_root,
        execution_requests: ExecutionRequests {
            deposits: q.deposits,
            withdrawals: q.withdrawals,
            consolidations: q.consolidations,
            ..Default::default()
        },
    }
}

fn cap(field: &'static str, len: usize, max: usize) -> Result<(), DecodeError> {
    if len > max {
        Err(DecodeError::ListTooLong { field, len, max })
    } else {
        Ok(())
    }
}

impl StatelessInput {
    /// Decodes `schema_id ++ SSZ(StatelessInput)`, capping sizes before and after.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (schema, body) = split_schema(bytes)?;
        let input = if schema.is_amsterdam_layout() {
            let i = StatelessInputAmsterdam::from_ssz_bytes(body).map_err(DecodeError::Ssz)?;
            Self {
                schema,
                new_payload_request: i.new_payload_request,
                witness: i.witness,
                chain_id: i.chain_id,
                public_keys: Some(i.public_keys.to_vec()),
            }
        } else {
            let i = StatelessInputV1::from_ssz_bytes(body).map_err(DecodeError::Ssz)?;
            Self {
                schema,
                new_payload_request: from_v1(i.new_payload_request),
                witness: i.witness,
                chain_id: i.chain_id,
                public_keys: None,
            }
        };
        input.check_caps()?;
        Ok(input)
    }

    /// Encodes `schema_id ++ SSZ(StatelessInput)` in the layout of `self.schema`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.schema.to_u16().to_be_bytes());
        if self.schema.is_amsterdam_layout() {
            StatelessInputAmsterdam {
                new_payload_request: self.new_payload_request.clone(),
                witness: self.witness.clone(),
                chain_id: self.chain_id,
                public_keys: self.public_keys.clone().unwrap_or_default().into(),
            }
            .ssz_append(&mut out);
        } else {
            StatelessInputV1 {
                new_payload_request: to_v1(&self.new_payload_request),
                witness: self.witness.clone(),
                chain_id: self.chain_id,
            }
            .ssz_append(&mut out);
        }
        out
    }

    /// The result that validating this input with outcome `successful` produces.
    pub fn result(&self, successful: bool) -> StatelessValidationResult {
        StatelessValidationResult {
            new_payload_request_root: self.new_payload_request_root(),
            successful_validation: successful,
            chain_id: self.chain_id,
            schema_id: self.schema.to_u16(),
        }
    }

    /// `hash_tree_root` of the `NewPayloadRequest` in this input's layout.
    pub fn new_payload_request_root(&self) -> Bytes32 {
        request_root(self.schema, &self.new_payload_request)
    }

    /// Checks every list against its cap (progressive lists have none in SSZ itself). The
    /// 0x1501 layout has execution-specs' caps exactly: none on counts (the input cap bounds
    /// them), [`MAX_BYTES_PER_WITNESS_NODE_AMSTERDAM`] and [`MAX_BYTES_PER_CODE_AMSTERDAM`] on
    /// witness items; the Osaka-era layouts keep this crate's caps on every list.
    pub fn check_caps(&self) -> Result<(), DecodeError> {
        if self.schema.is_amsterdam_layout() {
            return check_witness_item_caps(&self.witness);
        }
        check_request_caps(&self.new_payload_request)?;
        check_witness_caps(&self.witness)
    }
}

/// Largest trie node in a 0x1501 witness (execution-specs `MAX_BYTES_PER_WITNESS_NODE`: a
/// full branch node of the secure trie is 532 bytes).
pub const MAX_BYTES_PER_WITNESS_NODE_AMSTERDAM: usize = 1 << 10;
/// Largest code in a 0x1501 witness (execution-specs `MAX_BYTES_PER_CODE`, EIP-7954's code
/// size limit rounded up).
pub const MAX_BYTES_PER_CODE_AMSTERDAM: usize = 1 << 16;

fn check_witness_item_caps(w: &ExecutionWitness) -> Result<(), DecodeError> {
    for node in w.state.iter() {
        cap(
            "witness node bytes",
            node.len(),
            MAX_BYTES_PER_WITNESS_NODE_AMSTERDAM,
        )?;
    }
    for code in w.codes.iter() {
        cap(
            "witness code bytes",
            code.len(),
            MAX_BYTES_PER_CODE_AMSTERDAM,
        )?;
    }
    Ok(())
}

fn check_request_caps(r: &NewPayloadRequest) -> Result<(), DecodeError> {
    let p = &r.execution_payload;
    cap("transactions", p.transactions.len(), MAX_TRANSACTIONS)?;
    for tx in p.transactions.iter() {
        cap("transaction bytes", tx.len(), MAX_TRANSACTION_BYTES)?;
    }
    cap("withdrawals", p.withdrawals.len(), MAX_WITHDRAWALS)?;
    cap(
        "block_access_list",
        p.block_access_list.len(),
        MAX_BLOCK_ACCESS_LIST_BYTES,
    )?;
    cap(
        "versioned_hashes",
        r.versioned_hashes.len(),
        MAX_VERSIONED_HASHES,
    )?;
    let q = &r.execution_requests;
    for (field, len) in [
        ("deposit requests", q.deposits.len()),
        ("withdrawal requests", q.withdrawals.len()),
        ("consolidation requests", q.consolidations.len()),
        ("builder deposit requests", q.builder_deposits.len()),
        ("builder exit requests", q.builder_exits.len()),
    ] {
        cap(field, len, MAX_REQUESTS_PER_KIND)?;
    }
    Ok(())
}

fn check_witness_caps(w: &ExecutionWitness) -> Result<(), DecodeError> {
    cap("witness state nodes", w.state.len(), MAX_WITNESS_NODES)?;
    cap("witness codes", w.codes.len(), MAX_WITNESS_CODES)
}

/// Splits `schema_id ++ body` after capping the whole input.
fn split_schema(bytes: &[u8]) -> Result<(SchemaId, &[u8]), DecodeError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(DecodeError::InputTooLarge(bytes.len()));
    }
    if bytes.len() < SCHEMA_ID_BYTES {
        return Err(DecodeError::MissingSchemaId(bytes.len()));
    }
    let schema = SchemaId::from_u16(u16::from_be_bytes([bytes[0], bytes[1]]))?;
    Ok((schema, &bytes[SCHEMA_ID_BYTES..]))
}

/// Most blocks in one [`StatelessRangeInput`].
pub const MAX_RANGE_BLOCKS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
struct StatelessRangeInputAmsterdam {
    new_payload_requests: SszList<NewPayloadRequest, MAX_RANGE_BLOCKS>,
    witness: ExecutionWitness,
    chain_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, SszEncode, SszDecode)]
struct StatelessRangeInputV1 {
    new_payload_requests: SszList<NewPayloadRequestV1, MAX_RANGE_BLOCKS>,
    witness: ExecutionWitness,
    chain_id: u64,
}

/// A contiguous range of blocks of one chain, validated in order over one witness: each
/// block's parent is the previous block, the first block's parent is the witness's last
/// header. The witness holds the pre-state every block reads that an earlier block of the
/// range did not write, each node and code once, so a range is smaller than its blocks'
/// single inputs put together.
///
/// Wire: `schema_id ++ SSZ { new_payload_requests: List[NewPayloadRequest, 256],
/// witness: ExecutionWitness, chain_id: u64 }`, the requests in the schema's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatelessRangeInput {
    /// Fork and layout (one for the whole range).
    pub schema: SchemaId,
    /// The blocks, oldest first.
    pub new_payload_requests: Vec<NewPayloadRequest>,
    /// Pre-state, codes and the headers ending at the first block's parent.
    pub witness: ExecutionWitness,
    /// The chain the blocks belong to.
    pub chain_id: u64,
}

impl StatelessRangeInput {
    /// Decodes `schema_id ++ SSZ(StatelessRangeInput)`, capping sizes before and after.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (schema, body) = split_schema(bytes)?;
        let input = if schema.is_amsterdam_layout() {
            let i = StatelessRangeInputAmsterdam::from_ssz_bytes(body).map_err(DecodeError::Ssz)?;
            Self {
                schema,
                new_payload_requests: i.new_payload_requests.into_iter().collect(),
                witness: i.witness,
                chain_id: i.chain_id,
            }
        } else {
            let i = StatelessRangeInputV1::from_ssz_bytes(body).map_err(DecodeError::Ssz)?;
            Self {
                schema,
                new_payload_requests: i.new_payload_requests.into_iter().map(from_v1).collect(),
                witness: i.witness,
                chain_id: i.chain_id,
            }
        };
        input.check_caps()?;
        Ok(input)
    }

    /// Encodes `schema_id ++ SSZ(StatelessRangeInput)` in the layout of `self.schema`.
    /// Panics if the range holds more than [`MAX_RANGE_BLOCKS`] blocks.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.schema.to_u16().to_be_bytes());
        if self.schema.is_amsterdam_layout() {
            StatelessRangeInputAmsterdam {
                new_payload_requests: SszList::try_from(self.new_payload_requests.clone())
                    .expect("range within MAX_RANGE_BLOCKS"),
                witness: self.witness.clone(),
                chain_id: self.chain_id,
            }
            .ssz_append(&mut out);
        } else {
            StatelessRangeInputV1 {
                new_payload_requests: SszList::try_from(
                    self.new_payload_requests
                        .iter()
                        .map(to_v1)
                        .collect::<Vec<_>>(),
                )
                .expect("range within MAX_RANGE_BLOCKS"),
                witness: self.witness.clone(),
                chain_id: self.chain_id,
            }
            .ssz_append(&mut out);
        }
        out
    }

    /// Joins the single-block inputs of consecutive blocks into one range: their witnesses'
    /// nodes and codes once each (first occurrence order), the first input's headers.
    /// `None` if `inputs` is empty, longer than [`MAX_RANGE_BLOCKS`], or mixes schemas or
    /// chains.
    pub fn from_inputs(inputs: &[StatelessInput]) -> Option<Self> {
        let first = inputs.first()?;
        if inputs.len() > MAX_RANGE_BLOCKS
            || inputs
                .iter()
                .any(|i| i.schema != first.schema || i.chain_id != first.chain_id)
        {
            return None;
        }
        let (mut seen_nodes, mut seen_codes) = (BTreeSet::new(), BTreeSet::new());
        let mut state = Vec::new();
        let mut codes = Vec::new();
        for input in inputs {
            for node in input.witness.state.iter() {
                if seen_nodes.insert(&node[..]) {
                    state.push(node.clone());
                }
            }
            for code in input.witness.codes.iter() {
                if seen_codes.insert(&code[..]) {
                    codes.push(code.clone());
                }
            }
        }
        Some(Self {
            schema: first.schema,
            new_payload_requests: inputs
                .iter()
                .map(|i| i.new_payload_request.clone())
                .collect(),
            witness: ExecutionWitness {
                state: state.into(),
                codes: codes.into(),
                headers: first.witness.headers.clone(),
            },
            chain_id: first.chain_id,
        })
    }

    /// The result that validating this range with outcome `successful` produces.
    pub fn result(&self, successful: bool) -> StatelessRangeValidationResult {
        StatelessRangeValidationResult {
            new_payload_request_roots: SszList::try_from(self.new_payload_request_roots())
                .expect("decode caps the range at MAX_RANGE_BLOCKS"),
            successful_validation: successful,
            chain_id: self.chain_id,
            schema_id: self.schema.to_u16(),
        }
    }

    /// `hash_tree_root` of each `NewPayloadRequest`, in this input's layout.
    pub fn new_payload_request_roots(&self) -> Vec<Bytes32> {
        self.new_payload_requests
            .iter()
            .map(|r| request_root(self.schema, r))
            .collect()
    }

    /// Checks the range is non-empty and every list is within its cap.
    pub fn check_caps(&self) -> Result<(), DecodeError> {
        if self.new_payload_requests.is_empty() {
            return Err(DecodeError::EmptyRange);
        }
        cap(
            "new_payload_requests",
            self.new_payload_requests.len(),
            MAX_RANGE_BLOCKS,
        )?;
        for r in &self.new_payload_requests {
            check_request_caps(r)?;
        }
        check_witness_caps(&self.witness)
    }
}

fn request_root(schema: SchemaId, r: &NewPayloadRequest) -> Bytes32 {
    if schema.is_amsterdam_layout() {
        r.hash_tree_root(&Sha2Hasher)
    } else {
        to_v1(r).hash_tree_root(&Sha2Hasher)
    }
}

/// The output of range validation: which blocks, in order, and whether all of them are
/// valid. `SSZ { new_payload_request_roots: List[Bytes32, 256], successful_validation: bool,
/// chain_id: u64, schema_id: u16 }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, SszEncode, SszDecode, HashTreeRoot)]
pub struct StatelessRangeValidationResult {
    /// `hash_tree_root` of every `NewPayloadRequest`, oldest first.
    pub new_payload_request_roots: SszList<Bytes32, MAX_RANGE_BLOCKS>,
    /// Whether every block of the range is valid.
    pub successful_validation: bool,
    /// Echo of the input's chain id.
    pub chain_id: u64,
    /// Echo of the input's schema id.
    pub schema_id: u16,
}

impl StatelessRangeValidationResult {
    /// SSZ encoding (15 + 32 bytes per block).
    pub fn encode(&self) -> Vec<u8> {
        self.to_ssz()
    }

    /// SSZ decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_ssz_bytes(bytes).map_err(DecodeError::Ssz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample(schema: SchemaId) -> StatelessInput {
        let payload = ExecutionPayload {
            parent_hash: [1; 32],
            fee_recipient: [2; 20],
            state_root: [3; 32],
            receipts_root: [4; 32],
            logs_bloom: SszVector::try_from(vec![0u8; 256]).unwrap(),
            prev_randao: [5; 32],
            block_number: 7,
            gas_limit: 30_000_000,
            gas_used: 21_000,
            timestamp: 12,
            extra_data: SszList::try_from(vec![0xab; 3]).unwrap(),
            base_fee_per_gas: [0; 32],
            block_hash: [6; 32],
            transactions: vec![ProgressiveList::from(vec![0x02, 0xc0])].into(),
            withdrawals: ProgressiveList::new(),
            blob_gas_used: 0,
            excess_blob_gas: 0,
            block_access_list: ProgressiveList::new(),
            slot_number: 0,
        };
        StatelessInput {
            schema,
            new_payload_request: NewPayloadRequest {
                execution_payload: payload,
                versioned_hashes: ProgressiveList::new(),
                parent_beacon_block_root: [9; 32],
                execution_requests: ExecutionRequests::default(),
            },
            witness: ExecutionWitness::default(),
            chain_id: 1,
            public_keys: schema.is_amsterdam_layout().then(|| vec![[4; 65]]),
        }
    }

    /// Roots another implementation pins (paradigmxyz/stateless, `new_payload_request.rs`,
    /// test `progressive_container_roots_match_reference_vectors`): its Prague/Osaka payload
    /// and requests are our Osaka-era ones, its Amsterdam payload ours.
    #[test]
    fn progressive_roots_agree_with_paradigm_stateless() {
        use libssz_merkle::HashTreeRoot;
        let hex = |r: [u8; 32]| alloy_primitives::hex::encode(r);
        let v1 = ExecutionPayloadV1 {
            parent_hash: [1; 32],
            fee_recipient: [2; 20],
            state_root: [3; 32],
            receipts_root: [4; 32],
            logs_bloom: SszVector::try_from(vec![5u8; 256]).unwrap(),
            prev_randao: [6; 32],
            block_number: 100,
            gas_limit: 30_000_000,
            gas_used: 21_000,
            timestamp: 1_700_000_000,
            extra_data: SszList::try_from(vec![0xee; 7]).unwrap(),
            base_fee_per_gas: [7; 32],
            block_hash: [8; 32],
            transactions: vec![ProgressiveList::from(vec![0xdd; 8])].into(),
            withdrawals: vec![Withdrawal {
                index: 1,
                validator_index: 2,
                address: [3; 20],
                amount: 4,
            }]
            .into(),
            blob_gas_used: 131_072,
            excess_blob_gas: 262_144,
        };
        assert_eq!(
            hex(v1.hash_tree_root(&Sha2Hasher)),
            "b9ccbb429059770fb1c3796aa98dc5d5df321b6226d46ed14203cfe8df186834"
        );
        let v4 = ExecutionPayload {
            parent_hash: v1.parent_hash,
            fee_recipient: v1.fee_recipient,
            state_root: v1.state_root,
            receipts_root: v1.receipts_root,
            logs_bloom: v1.logs_bloom.clone(),
            prev_randao: v1.prev_randao,
            block_number: v1.block_number,
            gas_limit: v1.gas_limit,
            gas_used: v1.gas_used,
            timestamp: v1.timestamp,
            extra_data: v1.extra_data.clone(),
            base_fee_per_gas: v1.base_fee_per_gas,
            block_hash: v1.block_hash,
            transactions: v1.transactions.clone(),
            withdrawals: v1.withdrawals.clone(),
            blob_gas_used: v1.blob_gas_used,
            excess_blob_gas: v1.excess_blob_gas,
            block_access_list: vec![0xba; 33].into(),
            slot_number: 42,
        };
        assert_eq!(
            hex(v4.hash_tree_root(&Sha2Hasher)),
            "fc49b59feaa0a2877a26f64bf9e6e30c3848c32c6c2ffa6ca4943a57d640f753"
        );
        let requests = ExecutionRequestsV1 {
            deposits: vec![DepositRequest {
                pubkey: [1; 48],
                withdrawal_credentials: [2; 32],
                amount: 3,
                signature: [4; 96],
                index: 5,
            }]
            .into(),
            withdrawals: vec![WithdrawalRequest {
                source_address: [1; 20],
                validator_pubkey: [2; 48],
                amount: 3,
            }]
            .into(),
            consolidations: vec![ConsolidationRequest {
                source_address: [1; 20],
                source_pubkey: [2; 48],
                target_pubkey: [3; 48],
            }]
            .into(),
        };
        assert_eq!(
            hex(requests.hash_tree_root(&Sha2Hasher)),
            "56dff976fcc8547491480bb0c68c391852c66410c1768707a851c5038047b78f"
        );
    }

    #[test]
    fn round_trips_both_layouts() {
        for schema in [SchemaId::v1(Fork::Osaka), SchemaId::AMSTERDAM_V1] {
            let input = sample(schema);
            let bytes = input.encode();
            assert_eq!(StatelessInput::decode(&bytes).unwrap(), input);
        }
        // The layouts differ: the Amsterdam payload carries two more fields.
        let osaka = sample(SchemaId::v1(Fork::Osaka));
        let ams = sample(SchemaId::AMSTERDAM_V1);
        assert_ne!(osaka.encode().len(), ams.encode().len());
        assert_ne!(
            osaka.new_payload_request_root(),
            ams.new_payload_request_root()
        );
    }

    #[test]
    fn schema_ids() {
        assert_eq!(SchemaId::AMSTERDAM_V1.to_u16(), 0x1501);
        assert_eq!(SchemaId::v1(Fork::Osaka).to_u16(), 0x1201);
        assert_eq!(
            SchemaId::from_u16(0x1502),
            Err(DecodeError::UnknownSchema(0x1502))
        );
        assert_eq!(
            SchemaId::from_u16(0x1301),
            Err(DecodeError::UnknownSchema(0x1301))
        );
    }

    #[test]
    fn truncated_oversize_and_over_cap_inputs_are_typed_errors() {
        let bytes = sample(SchemaId::v1(Fork::Osaka)).encode();
        assert_eq!(
            StatelessInput::decode(&bytes[..1]),
            Err(DecodeError::MissingSchemaId(1))
        );
        for cut in [2, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(
                    StatelessInput::decode(&bytes[..cut]),
                    Err(DecodeError::Ssz(_))
                ),
                "cut {cut}"
            );
        }
        let huge = vec![0u8; MAX_INPUT_BYTES + 1];
        assert_eq!(
            StatelessInput::decode(&huge),
            Err(DecodeError::InputTooLarge(MAX_INPUT_BYTES + 1))
        );

        let mut input = sample(SchemaId::v1(Fork::Osaka));
        input.new_payload_request.execution_payload.withdrawals = vec![
            Withdrawal {
                index: 0,
                validator_index: 0,
                address: [0; 20],
                amount: 1
            };
            MAX_WITHDRAWALS + 1
        ]
        .into();
        assert!(matches!(
            StatelessInput::decode(&input.encode()),
            Err(DecodeError::ListTooLong {
                field: "withdrawals",
                ..
            })
        ));

        // The count caps of the Osaka-era layouts: one state node and one transaction over,
        // each empty (4 MiB of offsets). The 0x1501 layout has none (execution-specs bounds
        // counts by the input's size alone), so there the same lists decode.
        let mut nodes = sample(SchemaId::v1(Fork::Osaka));
        nodes.witness.state = vec![SszList::default(); MAX_WITNESS_NODES + 1].into();
        let mut txs = sample(SchemaId::v1(Fork::Osaka));
        txs.new_payload_request.execution_payload.transactions =
            vec![ProgressiveList::default(); MAX_TRANSACTIONS + 1].into();
        for (mut input, field, max) in [
            (nodes, "witness state nodes", MAX_WITNESS_NODES),
            (txs, "transactions", MAX_TRANSACTIONS),
        ] {
            let refused = StatelessInput::decode(&input.encode());
            assert!(
                refused
                    == Err(DecodeError::ListTooLong {
                        field,
                        len: max + 1,
                        max
                    }),
                "{field}: {:?}",
                refused.map(|_| ())
            );
            input.schema = SchemaId::AMSTERDAM_V1;
            input.public_keys = Some(Vec::new());
            assert!(StatelessInput::decode(&input.encode()).is_ok(), "{field}");
        }
    }

    #[test]
    fn result_is_43_bytes() {
        let r = StatelessValidationResult {
            new_payload_request_root: [7; 32],
            successful_validation: true,
            chain_id: 5,
            schema_id: 0x1501,
        };
        let bytes = r.encode();
        assert_eq!(bytes.len(), RESULT_BYTES);
        assert_eq!(StatelessValidationResult::decode(&bytes).unwrap(), r);
    }
}
