//! `validate_stateless`: one block, checked from its witness alone.
//!
//! The steps follow execution-specs' `verify_stateless_new_payload` and reth's stateless
//! validator: rebuild the block from the payload and check its hash; recover senders;
//! check the witness's header chain ends at the parent; check the header against the
//! parent; execute on alloy-evm's Ethereum block executor over the witness; compare gas,
//! receipts, bloom, requests and the post-state root.

use crate::{
    block::{PayloadBlock, PayloadError, block_from_payload},
    config::{ChainConfig, Fork},
    db::{StateError, TrieState},
    ssz::{
        ExecutionWitness, NewPayloadRequest, PublicKey, SchemaId, StatelessInput,
        StatelessRangeInput, StatelessRangeValidationResult, StatelessValidationResult,
    },
    trie::NodeStore,
};
use alloc::{borrow::Cow, format, string::String, vec::Vec};
use alloy_consensus::transaction::{Recovered, SignerRecoverable};
use alloy_consensus::{
    Block, Header, Transaction, TxEnvelope, TxReceipt, constants::MAXIMUM_EXTRA_DATA_SIZE, proofs,
};
use alloy_eips::{
    eip1559::BaseFeeParams,
    eip2718::Encodable2718,
    eip4844::DATA_GAS_PER_BLOB,
    eip7685::Requests,
    eip7928::{ITEM_COST, total_bal_items},
};
use alloy_evm::{
    Evm, EvmEnv, EvmFactory,
    block::{BlockExecutionError, BlockExecutionResult, BlockExecutor},
    eth::{
        EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory, receipt_builder::AlloyReceiptBuilder,
    },
};
use alloy_primitives::{
    Address, B256, Bloom, Bytes, keccak256,
    map::{B256Map, HashMap},
};
use alloy_rlp::{Decodable, Encodable};
use revm::{
    context::{BlockEnv, TxEnv},
    context_interface::result::HaltReason,
    database::{BundleState, State, states::bundle_state::BundleRetention},
    primitives::hardfork::SpecId,
};

/// EIP-7934: the largest RLP-encoded block accepted from Osaka on.
pub const MAX_RLP_BLOCK_SIZE: usize = 8 * 1024 * 1024;
/// Lowest gas limit a block may have (Yellow Paper).
pub const MIN_GAS_LIMIT: u64 = 5000;
/// Gas-limit change bound divisor (Yellow Paper).
pub const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;

/// The rule a block broke, or the data its witness lacked. Variants use the spec's words
/// so a failing test names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The input names a chain other than the configuration's.
    #[error("input is for chain {input}, configuration for chain {config}")]
    ChainIdMismatch { input: u64, config: u64 },
    /// The schema's fork is not the fork the chain runs at the block's timestamp.
    #[error("schema names {schema:?} but the chain runs {chain:?} at this timestamp")]
    SchemaForkMismatch { schema: Fork, chain: Fork },
    /// The payload does not rebuild into a block.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The rebuilt header does not hash to the payload's block hash.
    #[error("block hash mismatch: payload says {claimed}, header hashes to {computed}")]
    BlockHashMismatch { claimed: B256, computed: B256 },
    /// A transaction signature does not recover (EIP-2 / EIP-155 rules).
    #[error("transaction {0} has an invalid signature")]
    InvalidSignature(usize),
    /// The 0x1501 input's public keys are not one per transaction.
    #[error("{keys} public keys for {transactions} transactions")]
    PublicKeyCount { keys: usize, transactions: usize },
    /// A 0x1501 public key is not the key its transaction's signature recovers to.
    #[error("public key {0} does not match its transaction's signature")]
    PublicKeyMismatch(usize),
    /// The witness has no headers, more than 256, or undecodable ones.
    #[error("witness header {index} is malformed or the list is empty or too long")]
    MalformedWitnessHeader { index: usize },
    /// Consecutive witness headers are not parent and child.
    #[error("witness headers are not contiguous at block {number}")]
    HeaderChainGap { number: u64 },
    /// The last witness header is not the block's parent.
    #[error("witness does not end at the parent {expected}")]
    UnknownParent { expected: B256 },
    /// The witness does not contain the parent's state root node.
    #[error("pre-state root {0} is not in the witness")]
    PreStateRootMismatch(B256),
    /// Block number is not parent + 1.
    #[error("block number {got}, expected {expected}")]
    InvalidBlockNumber { got: u64, expected: u64 },
    /// Timestamp not after the parent's.
    #[error("timestamp {got} not after parent's {parent}")]
    TimestampNotAfterParent { got: u64, parent: u64 },
    /// Gas limit out of the bounds the parent allows.
    #[error("gas limit {got} out of bounds from parent's {parent}")]
    InvalidGasLimit { got: u64, parent: u64 },
    /// Gas used above gas limit.
    #[error("header gas used {used} above gas limit {limit}")]
    GasUsedOverLimit { used: u64, limit: u64 },
    /// EIP-1559 base fee does not follow from the parent.
    #[error("base fee {got}, expected {expected}")]
    InvalidBaseFee { got: u64, expected: u64 },
    /// `extra_data` longer than 32 bytes.
    #[error("extra data of {0} bytes")]
    ExtraDataTooLong(usize),
    /// EIP-4844 excess blob gas does not follow from the parent.
    #[error("excess blob gas {got}, expected {expected}")]
    InvalidExcessBlobGas { got: u64, expected: u64 },
    /// EIP-4844 blob gas used does not match the transactions', or breaks the limits.
    #[error("blob gas used {got}, expected {expected}")]
    InvalidBlobGasUsed { got: u64, expected: u64 },
    /// The payload's versioned hashes are not those of its blob transactions.
    #[error("versioned hashes do not match the blob transactions")]
    VersionedHashesMismatch,
    /// EIP-7934 block size cap.
    #[error("block of {0} RLP bytes over the cap")]
    BlockTooLarge(usize),
    /// Execution needed state the witness does not have.
    #[error("witness is incomplete: {0}")]
    Witness(#[from] StateError),
    /// A transaction or system call is invalid (nonce, balance, intrinsic gas, ...).
    #[error("execution failed: {0}")]
    Execution(String),
    /// Header gas used differs from execution.
    #[error("gas used {header} in header, {executed} executed")]
    GasUsedMismatch { header: u64, executed: u64 },
    /// Receipts root differs.
    #[error("receipts root mismatch: header {header}, computed {computed}")]
    ReceiptsRootMismatch { header: B256, computed: B256 },
    /// Logs bloom differs.
    #[error("logs bloom mismatch")]
    LogsBloomMismatch,
    /// EIP-7685 requests differ.
    #[error("requests hash mismatch: header {header}, computed {computed}")]
    RequestsHashMismatch { header: B256, computed: B256 },
    /// EIP-6110: a deposit event whose data is not the exact layout.
    #[error("receipt {receipt} holds a deposit event of the wrong layout")]
    InvalidDepositEventLayout { receipt: usize },
    /// Post-state root differs.
    #[error("post-state root mismatch: header {header}, computed {computed}")]
    PostStateRootMismatch { header: B256, computed: B256 },
    /// EIP-7928: the block access list execution builds is not the one the header commits to.
    #[error("block access list hash mismatch: header {header}, computed {computed}")]
    BlockAccessListHashMismatch { header: B256, computed: B256 },
    /// EIP-7928: more block-access-list items than the gas limit pays for.
    #[error("block access list of {items} items over the gas limit's {max}")]
    BlockAccessListTooLarge { items: u64, max: u64 },
}

/// What a successful validation established.
#[derive(Debug, Clone)]
pub struct ValidatedBlock {
    /// The block's hash.
    pub block_hash: B256,
    /// Its post-state root.
    pub state_root: B256,
    /// Gas used.
    pub gas_used: u64,
    /// The receipts.
    pub receipts: Vec<alloy_consensus::ReceiptEnvelope>,
    /// EIP-7685 requests produced.
    pub requests: Requests,
    /// The EIP-7928 block access list execution built, as RLP (Amsterdam on).
    pub block_access_list: Option<Bytes>,
    /// Base fee the block burned: the base fee times the gas its transactions paid for
    /// (the last receipt's cumulative gas, refunds deducted). Before Amsterdam that is the
    /// header's gas used; from Amsterdam on (EIP-7778, EIP-8037) the header counts gas
    /// before refunds, so only the receipts tell.
    pub base_fee_burned: u128,
}

/// Validates the block of `input` statelessly under `config`. `Ok` iff the block is valid;
/// every `Err` names the rule broken or the witness data missing.
pub fn validate_stateless(
    input: &StatelessInput,
    config: &ChainConfig,
) -> Result<ValidatedBlock, ValidationError> {
    let block = checked_block(
        input.schema,
        input.chain_id,
        &input.new_payload_request,
        config,
    )?;
    let w = Witness::index(&input.witness, block.header.parent_hash)?;
    let mut db = TrieState::new(w.parent.state_root, &w.store, &w.codes, &w.ancestors);
    let factory = EthEvmFactory::default();
    // What the bytes carry: the 0x1501 layout always has a key list (absent means empty),
    // the Osaka-era layouts none.
    let keys = input
        .schema
        .is_amsterdam_layout()
        .then(|| input.public_keys.as_deref().unwrap_or(&[]));
    execute_block(&block, &w.parent, config, &mut db, &factory, keys)
        .map(|(validated, _)| validated)
}

/// Which block of a range failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("block {index} of the range: {error}")]
pub struct RangeError {
    /// Position in the range (0 = oldest).
    pub index: usize,
    /// The rule it broke.
    pub error: ValidationError,
}

/// Validates a contiguous range of blocks in order over one witness: the first block's
/// parent is the witness's last header, every later block's parent is the block before
/// it, and each block executes on the state the previous one left. `Ok` iff every block
/// is valid.
pub fn validate_stateless_range(
    input: &StatelessRangeInput,
    config: &ChainConfig,
) -> Result<Vec<ValidatedBlock>, RangeError> {
    let at = |index| move |error| RangeError { index, error };
    let mut blocks = Vec::with_capacity(input.new_payload_requests.len());
    for (i, request) in input.new_payload_requests.iter().enumerate() {
        blocks.push(checked_block(input.schema, input.chain_id, request, config).map_err(at(i))?);
    }
    let first_parent = blocks
        .first()
        .map(|b| b.header.parent_hash)
        .unwrap_or_default();
    let Witness {
        mut ancestors,
        mut parent,
        mut store,
        mut codes,
    } = Witness::index(&input.witness, first_parent).map_err(at(0))?;
    let mut parent_hash = first_parent;
    let count = blocks.len();
    let mut validated = Vec::with_capacity(count);
    for (i, block) in blocks.into_iter().enumerate() {
        if block.header.parent_hash != parent_hash {
            return Err(at(i)(ValidationError::UnknownParent {
                expected: parent_hash,
            }));
        }
        let mut db = TrieState::new(parent.state_root, &store, &codes, &ancestors);
        let (v, bundle) = execute_block(
            &block,
            &parent,
            config,
            &mut db,
            &EthEvmFactory::default(),
            None,
        )
        .map_err(at(i))?;
        if i + 1 < count {
            // The next block reads what this one wrote: its new trie nodes and codes.
            let mut written = NodeStore::default();
            db.commit_to(&mut written);
            for node in written.take_all() {
                store.insert(node);
            }
            for (hash, code) in &bundle.contracts {
                codes.insert(*hash, code.original_bytes());
            }
            ancestors.insert(block.header.number, v.block_hash);
        }
        parent_hash = v.block_hash;
        parent = block.header;
        validated.push(v);
    }
    Ok(validated)
}

/// The checks of a payload that need no state: chain and schema, rebuilding the block and
/// its hash, and the versioned hashes of its blob transactions.
fn checked_block(
    schema: SchemaId,
    chain_id: u64,
    request: &NewPayloadRequest,
    config: &ChainConfig,
) -> Result<Block<TxEnvelope>, ValidationError> {
    if chain_id != config.chain_id {
        return Err(ValidationError::ChainIdMismatch {
            input: chain_id,
            config: config.chain_id,
        });
    }
    let fork = config.fork_at(request.execution_payload.timestamp);
    if schema.fork != fork {
        return Err(ValidationError::SchemaForkMismatch {
            schema: schema.fork,
            chain: fork,
        });
    }
    let PayloadBlock {
        block,
        claimed_hash,
        ..
    } = block_from_payload(request, fork)?;
    let computed = block.header.hash_slow();
    if computed != claimed_hash {
        return Err(ValidationError::BlockHashMismatch {
            claimed: claimed_hash,
            computed,
        });
    }
    let expected_hashes = block.body.transactions.iter().flat_map(|tx| {
        tx.blob_versioned_hashes()
            .unwrap_or_default()
            .iter()
            .copied()
    });
    if !expected_hashes.eq(request.versioned_hashes.iter().map(|h| B256::from(*h))) {
        return Err(ValidationError::VersionedHashesMismatch);
    }
    Ok(block)
}

/// The EVM environment a block with `header` executes in under `config`: the one
/// definition that validation, the node's block builder and its RPC (calls, estimates,
/// tracing) use.
pub fn block_evm_env(header: &Header, config: &ChainConfig) -> EvmEnv {
    let mut env = EvmEnv::for_eth_block(
        header,
        config,
        config.chain_id,
        config.blob_params_at(header.timestamp),
    );
    // execution-specs' Amsterdam gas values where revm 42's differ (crate::gas).
    if env.cfg_env.spec.is_enabled_in(SpecId::AMSTERDAM) {
        crate::gas::apply(&mut env.cfg_env.gas_params);
    }
    env
}

/// How the execution of a block with `header` starts (the system calls of EIP-4788 and
/// EIP-2935 read the parent hash and beacon root from it): shared by validation and the
/// node's block builder. `withdrawals` is `Some` from Shanghai on
/// ([`crate::config::HeaderFields::withdrawals`]).
pub fn block_execution_ctx<'a>(
    header: &Header,
    withdrawals: Option<Cow<'a, [alloy_eips::eip4895::Withdrawal]>>,
    transactions: usize,
) -> EthBlockExecutionCtx<'a> {
    EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: &[],
        withdrawals,
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(transactions),
        slot_number: header.slot_number,
    }
}

/// A witness checked against the block's parent and indexed for lookups.
struct Witness {
    ancestors: HashMap<u64, B256>,
    parent: Header,
    store: NodeStore,
    codes: B256Map<Bytes>,
}

impl Witness {
    /// Checks the header chain ends at `parent_hash` and holds the parent's root node.
    fn index(witness: &ExecutionWitness, parent_hash: B256) -> Result<Self, ValidationError> {
        let raw_headers: Vec<&[u8]> = witness.headers.iter().map(|h| &h[..]).collect();
        let (ancestors, parent) = check_header_chain(&raw_headers, parent_hash)?;
        let nodes = witness.state.iter().map(|n| Bytes::copy_from_slice(n));
        let store = NodeStore::from_preimages(nodes);
        if parent.state_root != alloy_trie::EMPTY_ROOT_HASH && !store.contains(&parent.state_root) {
            return Err(ValidationError::PreStateRootMismatch(parent.state_root));
        }
        let codes = witness
            .codes
            .iter()
            .map(|c| (keccak256(&c[..]), Bytes::copy_from_slice(c)))
            .collect();
        Ok(Self {
            ancestors,
            parent,
            store,
            codes,
        })
    }
}

/// [`validate_stateless`] as the 43-byte result a verifier or zk guest outputs.
pub fn stateless_result(input: &StatelessInput, config: &ChainConfig) -> StatelessValidationResult {
    input.result(validate_stateless(input, config).is_ok())
}

/// [`validate_stateless_range`] as the range result a verifier or zk guest outputs.
pub fn stateless_range_result(
    input: &StatelessRangeInput,
    config: &ChainConfig,
) -> StatelessRangeValidationResult {
    input.result(validate_stateless_range(input, config).is_ok())
}

/// Decodes the witness headers and checks they form a chain ending at `parent_hash`;
/// returns the hash of every ancestor by number, and the parent.
fn check_header_chain(
    headers: &[impl AsRef<[u8]>],
    parent_hash: B256,
) -> Result<(HashMap<u64, B256>, Header), ValidationError> {
    if headers.is_empty() || headers.len() > crate::ssz::MAX_WITNESS_HEADERS {
        return Err(ValidationError::MalformedWitnessHeader {
            index: headers.len(),
        });
    }
    let mut hashes = HashMap::default();
    let mut prev: Option<(Header, B256)> = None;
    for (index, raw) in headers.iter().enumerate() {
        let mut buf = raw.as_ref();
        let header = Header::decode(&mut buf)
            .map_err(|_| ValidationError::MalformedWitnessHeader { index })?;
        if !buf.is_empty() {
            return Err(ValidationError::MalformedWitnessHeader { index });
        }
        let hash = keccak256(raw.as_ref());
        if let Some((p, p_hash)) = &prev
            && (header.parent_hash != *p_hash || Some(header.number) != p.number.checked_add(1))
        {
            return Err(ValidationError::HeaderChainGap {
                number: header.number,
            });
        }
        hashes.insert(header.number, hash);
        prev = Some((header, hash));
    }
    let (parent, hash) = prev.expect("non-empty");
    if hash != parent_hash {
        return Err(ValidationError::UnknownParent {
            expected: parent_hash,
        });
    }
    Ok((hashes, parent))
}

/// Header rules that depend only on the parent (Yellow Paper §4.3.4, EIP-1559, EIP-4844).
pub fn validate_header_against_parent(
    header: &Header,
    parent: &Header,
    config: &ChainConfig,
) -> Result<(), ValidationError> {
    let expected = parent.number.saturating_add(1);
    if header.number != expected || parent.number == u64::MAX {
        return Err(ValidationError::InvalidBlockNumber {
            got: header.number,
            expected,
        });
    }
    if header.timestamp <= parent.timestamp {
        return Err(ValidationError::TimestampNotAfterParent {
            got: header.timestamp,
            parent: parent.timestamp,
        });
    }
    if header.extra_data.len() > MAXIMUM_EXTRA_DATA_SIZE {
        return Err(ValidationError::ExtraDataTooLong(header.extra_data.len()));
    }
    if header.gas_used > header.gas_limit {
        return Err(ValidationError::GasUsedOverLimit {
            used: header.gas_used,
            limit: header.gas_limit,
        });
    }
    let bound = parent.gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    // Gas limits are 63-bit (EIP-1985).
    if header.gas_limit > i64::MAX as u64 {
        return Err(ValidationError::InvalidGasLimit {
            got: header.gas_limit,
            parent: parent.gas_limit,
        });
    }
    if header.gas_limit.abs_diff(parent.gas_limit) >= bound || header.gas_limit < MIN_GAS_LIMIT {
        return Err(ValidationError::InvalidGasLimit {
            got: header.gas_limit,
            parent: parent.gas_limit,
        });
    }
    let expected_base_fee = parent
        .next_block_base_fee(BaseFeeParams::ethereum())
        .unwrap_or(0);
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    if base_fee != expected_base_fee {
        return Err(ValidationError::InvalidBaseFee {
            got: base_fee,
            expected: expected_base_fee,
        });
    }
    if let Some(params) = config.blob_params_at(header.timestamp) {
        let got = header.excess_blob_gas.unwrap_or_default();
        let expected = expected_excess_blob_gas(parent, config, header.timestamp).unwrap_or(0);
        if got != expected {
            return Err(ValidationError::InvalidExcessBlobGas { got, expected });
        }
        let used = header.blob_gas_used.unwrap_or_default();
        if !used.is_multiple_of(DATA_GAS_PER_BLOB) || used > params.max_blob_gas_per_block() {
            return Err(ValidationError::InvalidBlobGasUsed {
                got: used,
                expected: params.max_blob_gas_per_block(),
            });
        }
    }
    Ok(())
}

/// The excess blob gas a child of `parent` with this timestamp must carry (EIP-4844, with
/// EIP-7918's reserve price from Osaka on); `None` before Cancun. Block builders use it too.
pub fn expected_excess_blob_gas(
    parent: &Header,
    config: &ChainConfig,
    timestamp: u64,
) -> Option<u64> {
    let params = config.blob_params_at(timestamp)?;
    // A parent from before Cancun counts as zero excess and zero used.
    let parent_excess = parent.excess_blob_gas.unwrap_or(0);
    let parent_used = parent.blob_gas_used.unwrap_or(0);
    if parent_excess.checked_add(parent_used).is_none() {
        return Some(u64::MAX);
    }
    Some(if config.fork_at(timestamp) >= Fork::Osaka {
        params.next_block_excess_blob_gas_osaka(
            parent_excess,
            parent_used,
            parent.base_fee_per_gas.unwrap_or(0),
        )
    } else {
        // Before EIP-7918 the blob base fee has no reserve price.
        (parent_excess + parent_used).saturating_sub(params.target_blob_gas_per_block())
    })
}

/// The senders of `transactions`. Without keys each is recovered from its signature (EIP-2
/// low `s`). With the 0x1501 layout's keys (execution-specs `recover_sender_from_public_key`)
/// there must be one per transaction, each the key its signature recovers to: checked as an
/// uncompressed key (`0x04` prefix) whose address is the recovered sender, which equals the
/// recovered key short of a keccak-256 collision on 160 bits. Comparing addresses keeps the
/// check on the sender recovery every build accelerates (libsecp256k1 natively, SP1's curve
/// syscalls in the zk program) instead of recovering each key a second time.
pub fn recover_senders(
    transactions: &[TxEnvelope],
    public_keys: Option<&[PublicKey]>,
) -> Result<Vec<Address>, ValidationError> {
    let Some(keys) = public_keys else {
        return transactions
            .iter()
            .enumerate()
            .map(|(i, tx)| {
                tx.recover_signer()
                    .map_err(|_| ValidationError::InvalidSignature(i))
            })
            .collect();
    };
    if keys.len() != transactions.len() {
        return Err(ValidationError::PublicKeyCount {
            keys: keys.len(),
            transactions: transactions.len(),
        });
    }
    transactions
        .iter()
        .zip(keys)
        .enumerate()
        .map(|(i, (tx, key))| {
            let sender = tx
                .recover_signer()
                .map_err(|_| ValidationError::InvalidSignature(i))?;
            if key[0] != 0x04 || Address::from_slice(&keccak256(&key[1..])[12..]) != sender {
                return Err(ValidationError::PublicKeyMismatch(i));
            }
            Ok(sender)
        })
        .collect()
}

/// The public keys a 0x1501 input carries for `transactions`, as execution-specs' host makes
/// them: each transaction's recovered key, none for one whose signature does not recover
/// (such a block then fails the count check, and is invalid anyway).
pub fn public_keys_of(transactions: &[TxEnvelope]) -> Vec<PublicKey> {
    transactions.iter().filter_map(recover_public_key).collect()
}

/// The uncompressed key (`0x04 ‖ x ‖ y`) that signed `tx`, `None` if the signature has a
/// high `s` (EIP-2) or recovers to no key.
pub fn recover_public_key(tx: &TxEnvelope) -> Option<PublicKey> {
    let signature = tx.signature();
    if signature.s() > alloy_consensus::crypto::SECP256K1N_HALF {
        return None;
    }
    recover_key(signature, tx.signature_hash())
}

/// libsecp256k1, as sender recovery uses in native builds.
#[cfg(feature = "native-secp256k1")]
fn recover_key(signature: &alloy_primitives::Signature, hash: B256) -> Option<PublicKey> {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    compact[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
    let id = RecoveryId::try_from(i32::from(signature.v())).ok()?;
    let signature = RecoverableSignature::from_compact(&compact, id).ok()?;
    let message = secp256k1::Message::from_digest(hash.0);
    let key = secp256k1::SECP256K1
        .recover_ecdsa(&message, &signature)
        .ok()?;
    Some(key.serialize_uncompressed())
}

/// RustCrypto's k256 (the zk program's build, where SP1's hooks accelerate it).
#[cfg(not(feature = "native-secp256k1"))]
fn recover_key(signature: &alloy_primitives::Signature, hash: B256) -> Option<PublicKey> {
    let key = signature.recover_from_prehash(&hash).ok()?;
    key.to_encoded_point(false).as_bytes().try_into().ok()
}

/// The index of the first receipt with a deposit event (EIP-6110: from `contract`, topic 0
/// the `DepositEvent` signature) whose data is not the exact ABI layout the spec requires:
/// 576 bytes, the five offsets 160, 256, 320, 384, 512 and the sizes 48, 32, 8, 96, 8.
fn bad_deposit_log(
    receipts: &[alloy_consensus::ReceiptEnvelope],
    contract: Address,
) -> Option<usize> {
    const SIGNATURE: B256 =
        alloy_primitives::b256!("649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5");
    const WORDS: [(usize, u64); 10] = [
        (0, 160),
        (32, 256),
        (64, 320),
        (96, 384),
        (128, 512),
        (160, 48),
        (256, 32),
        (320, 8),
        (384, 96),
        (512, 8),
    ];
    let well_formed = |data: &[u8]| {
        data.len() == 576
            && WORDS.iter().all(|&(at, want)| {
                alloy_primitives::U256::from_be_slice(&data[at..at + 32])
                    == alloy_primitives::U256::from(want)
            })
    };
    receipts.iter().position(|r| {
        r.logs().iter().any(|log| {
            log.address == contract
                && log.topics().first() == Some(&SIGNATURE)
                && !well_formed(&log.data.data)
        })
    })
}

/// The EVMs a block can execute on: Ethereum's, or one with extra precompiles (an L1 with
/// EXECUTE) that keeps Ethereum's transaction, block and spec types.
pub trait BlockEvmFactory:
    EvmFactory<Tx = TxEnv, Spec = SpecId, BlockEnv = BlockEnv, HaltReason = HaltReason>
{
}

impl<F> BlockEvmFactory for F where
    F: EvmFactory<Tx = TxEnv, Spec = SpecId, BlockEnv = BlockEnv, HaltReason = HaltReason>
{
}

/// Checks, executes and compares one block over `db` (the parent's state). Shared by the
/// stateless validator and the witness generator, so both walk the same tries in the same
/// order. Also returns the bundle of changes, for callers that keep a full state.
pub(crate) fn execute_block<F: BlockEvmFactory>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    config: &ChainConfig,
    db: &mut TrieState<'_>,
    factory: &F,
    public_keys: Option<&[PublicKey]>,
) -> Result<(ValidatedBlock, BundleState), ValidationError> {
    let header = &block.header;
    let fork = config.fork_at(header.timestamp);
    if fork >= Fork::Osaka {
        let size = block.length();
        if size > MAX_RLP_BLOCK_SIZE {
            return Err(ValidationError::BlockTooLarge(size));
        }
    }
    validate_header_against_parent(header, parent, config)?;
    let senders = recover_senders(&block.body.transactions, public_keys)?;

    let blob_params = config.blob_params_at(header.timestamp);
    let evm_env = block_evm_env(header, config);
    // EIP-7928: from Amsterdam on, execution records every account and slot it touches,
    // indexed 0 for the system calls before the transactions, i + 1 for transaction i and
    // n + 1 for what follows them.
    let access_list = fork.header_fields().block_access_list;
    let mut state = State::builder()
        .with_database(&mut *db)
        .with_bundle_update()
        .build();
    if access_list {
        state.bal_state.bal_builder = Some(Default::default());
    }
    let mut bad_deposit = None;
    let result = {
        let evm = factory.create_evm(&mut state, evm_env);
        let ctx = block_execution_ctx(
            header,
            block
                .body
                .withdrawals
                .as_ref()
                .map(|w| Cow::Borrowed(w.as_slice())),
            block.body.transactions.len(),
        );
        let mut executor = EthBlockExecutor::new(evm, ctx, config, AlloyReceiptBuilder::default());
        let outcome = (|| {
            executor.apply_pre_execution_changes()?;
            let deposits_checked = fork >= Fork::Prague;
            for (tx, sender) in block.body.transactions.iter().zip(&senders) {
                if access_list {
                    executor.evm_mut().db_mut().bump_bal_index();
                }
                executor.execute_transaction(Recovered::new_unchecked(tx, *sender))?;
            }
            if access_list {
                executor.evm_mut().db_mut().bump_bal_index();
            }
            // EIP-6110's layout rule, which alloy-evm's lenient ABI decoding does not check;
            // the spec checks it before the request system calls.
            if deposits_checked {
                let contract = config
                    .deposit_contract
                    .unwrap_or(alloy_eips::eip6110::MAINNET_DEPOSIT_CONTRACT_ADDRESS);
                if let Some(index) = bad_deposit_log(executor.receipts(), contract) {
                    bad_deposit = Some(index);
                    return Err(BlockExecutionError::msg("invalid deposit event layout"));
                }
            }
            executor.finish()
        })();
        outcome.map(|(_, r)| r)
    };
    let result: BlockExecutionResult<alloy_consensus::ReceiptEnvelope> = match result {
        Ok(r) => r,
        Err(_) if bad_deposit.is_some() => {
            return Err(ValidationError::InvalidDepositEventLayout {
                receipt: bad_deposit.unwrap_or_default(),
            });
        }
        Err(e) => {
            drop(state);
            return Err(match db.fault.take() {
                Some(missing) => ValidationError::Witness(missing),
                None => ValidationError::Execution(format!("{e}")),
            });
        }
    };
    state.merge_transitions(BundleRetention::PlainState);
    let bundle = state.take_bundle();
    let built_access_list = state.take_built_alloy_bal();
    drop(state);

    if result.gas_used != header.gas_used {
        return Err(ValidationError::GasUsedMismatch {
            header: header.gas_used,
            executed: result.gas_used,
        });
    }
    if let Some(params) = blob_params {
        let expected = result.blob_gas_used;
        let got = header.blob_gas_used.unwrap_or_default();
        if got != expected || expected > params.max_blob_gas_per_block() {
            return Err(ValidationError::InvalidBlobGasUsed { got, expected });
        }
    }
    let receipts_root =
        proofs::ordered_trie_root_with_encoder(&result.receipts, |r, buf| r.encode_2718(buf));
    if receipts_root != header.receipts_root {
        return Err(ValidationError::ReceiptsRootMismatch {
            header: header.receipts_root,
            computed: receipts_root,
        });
    }
    let bloom = result
        .receipts
        .iter()
        .fold(Bloom::ZERO, |acc, r| acc | r.bloom());
    if bloom != header.logs_bloom {
        return Err(ValidationError::LogsBloomMismatch);
    }
    if let Some(expected) = header.requests_hash {
        let computed = result.requests.requests_hash();
        if computed != expected {
            return Err(ValidationError::RequestsHashMismatch {
                header: expected,
                computed,
            });
        }
    }
    let block_access_list = match header.block_access_list_hash {
        Some(expected) => {
            let list = built_access_list.unwrap_or_default();
            let (items, max) = (total_bal_items(&list), header.gas_limit / ITEM_COST as u64);
            if items > max {
                return Err(ValidationError::BlockAccessListTooLarge { items, max });
            }
            let mut rlp = Vec::new();
            alloy_rlp::encode_list(&list, &mut rlp);
            let computed = keccak256(&rlp);
            if computed != expected {
                return Err(ValidationError::BlockAccessListHashMismatch {
                    header: expected,
                    computed,
                });
            }
            Some(Bytes::from(rlp))
        }
        None => None,
    };
    let state_root = db.apply(&bundle)?;
    if state_root != header.state_root {
        return Err(ValidationError::PostStateRootMismatch {
            header: header.state_root,
            computed: state_root,
        });
    }
    Ok((
        ValidatedBlock {
            block_hash: header.hash_slow(),
            state_root,
            gas_used: result.gas_used,
            base_fee_burned: u128::from(header.base_fee_per_gas.unwrap_or_default())
                * u128::from(
                    result
                        .receipts
                        .last()
                        .map_or(0, |r| r.cumulative_gas_used()),
                ),
            receipts: result.receipts,
            requests: result.requests,
            block_access_list,
        },
        bundle,
    ))
}
