//! Standard Ethereum JSON-RPC over the chain, in alloy's RPC types (what `cast` and alloy
//! providers speak), plus the methods this project adds:
//!
//! * `debug_executionWitness(block)`: reth's shape (`state`, `codes`, `keys`, `headers`);
//! * `eth_getBlockAccessList(block)`, `…ByBlockHash`, `…ByBlockNumber` and
//!   `eth_getBlockAccessListRaw` / `debug_getRawBlockAccessList`: an Amsterdam block's
//!   EIP-7928 list, as JSON (execution-apis' shape) or RLP, the methods reth serves (null
//!   for an unknown block and for a block before Amsterdam, which has none);
//! * `nr_getStatelessInput(block)`: the block's `schema_id ++ SSZ StatelessInput`, the exact
//!   bytes EXECUTE (re-execution) and the prover take;
//! * `engine_getBlobsV1` / `engine_getBlobsV2(versionedHashes)`: blobs of pooled or sealed
//!   transactions (L1), in the engine API's shapes;
//! * `nr_sendRawTransactionWithProofs(tx, sidecar)`: a transaction with its proof sidecar
//!   (SSZ `ProofSidecar`), every proof verified before it is pooled (L1);
//! * `nr_getProofSidecar(txHash)`: the sidecar a pooled or sealed transaction carries;
//! * `evm_mine`: seal a block now (anvil's name);
//! * `debug_setHead(number)`: rewind the chain to a block, dropping the blocks above and
//!   their transactions (geth's name; only on a node started with `--dev.set-head`): a
//!   dev L1 that tests can re-org. Returns how many transactions went.
//!
//! Pool refusals keep geth's words (code -32000); a reverted call is code 3 with the
//! revert data, as geth returns it.

use crate::chain::NodeEvmFactory;
use crate::{
    Chain,
    blobs::{StoredBlob, decode_record},
    query::CallError,
    service::Node,
    trace::TraceError,
};
use alloy_consensus::{
    Block, BlockHeader, Header, Transaction as _, TxEnvelope,
    transaction::{Recovered, SignerRecoverable},
};
use alloy_eips::{BlockId, BlockNumberOrTag, eip4844::DATA_GAS_PER_BLOB};
use alloy_evm::rpc::TryIntoTxEnv;
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rlp::Encodable;
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_rpc_types_eth::{
    BlockTransactions, FeeHistory, Filter, FilterBlockOption, Log, Transaction, TransactionReceipt,
    TransactionRequest,
};
use alloy_rpc_types_trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions};
use jsonrpsee::{
    RpcModule,
    types::{ErrorObjectOwned, Params},
};
use nr_stateless::StatelessInput;
use std::sync::Arc;

pub(crate) type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Most blocks one `eth_getLogs` or `eth_feeHistory` call may span.
pub const MAX_BLOCK_RANGE: u64 = 10_000;
/// Most versioned hashes one `engine_getBlobs*` call may ask for (the engine API's bound).
pub const MAX_BLOB_HASHES: usize = 128;
/// Tip suggested when recent blocks carry no transactions: 1 gwei, as geth's oracle floor.
pub const DEFAULT_TIP: u128 = 1_000_000_000;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

pub(crate) fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    error(-32602, message)
}

pub(crate) fn server_error(message: impl std::fmt::Display) -> ErrorObjectOwned {
    error(-32000, message.to_string())
}

pub(crate) fn internal(message: impl std::fmt::Display) -> ErrorObjectOwned {
    error(-32603, message.to_string())
}

fn call_error(e: CallError) -> ErrorObjectOwned {
    match e {
        CallError::Reverted { output } => {
            let reason = revert_reason(&output);
            let message = match reason {
                Some(r) => format!("execution reverted: {r}"),
                None => "execution reverted".into(),
            };
            ErrorObjectOwned::owned(3, message, Some(output))
        }
        CallError::State(e) => internal(e),
        // The halt reason also as the error's data, for tools that read `data`.
        CallError::Halted(reason) => {
            ErrorObjectOwned::owned(-32000, format!("execution halted: {reason}"), Some(reason))
        }
        other => server_error(other),
    }
}

fn trace_error(e: TraceError) -> ErrorObjectOwned {
    match e {
        TraceError::Call(e) => call_error(e),
        TraceError::Unsupported(_) | TraceError::Config(_) => invalid_params(e.to_string()),
        TraceError::NotFound(_) => server_error(e),
        TraceError::State(_) => internal(e),
    }
}

/// The string of a Solidity `Error(string)` revert, if that is what `output` is.
fn revert_reason(output: &[u8]) -> Option<String> {
    const ERROR_SELECTOR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
    let body = output.strip_prefix(&ERROR_SELECTOR)?;
    let len = U256::from_be_slice(body.get(32..64)?);
    let len = usize::try_from(len).ok()?;
    let bytes = body.get(64..64usize.checked_add(len)?)?;
    String::from_utf8(bytes.to_vec()).ok()
}

/// Runs a handler body, so that `?` works inside it.
pub(crate) fn handle<T>(body: impl FnOnce() -> RpcResult<T>) -> RpcResult<T> {
    body()
}

/// Builds the RPC module over a node.
pub fn module<F>(node: Arc<Node<F>>) -> eyre::Result<RpcModule<Arc<Node<F>>>>
where
    F: NodeEvmFactory + Send + Sync + 'static,
{
    let set_head = node.config.set_head;
    let mut m = RpcModule::new(node);
    macro_rules! method {
        ($name:literal, |$p:ident, $node:ident| $body:expr) => {
            m.register_blocking_method($name, |$p: Params, $node: Arc<Arc<Node<F>>>, _| {
                handle(|| $body)
            })?;
        };
    }

    method!("web3_clientVersion", |_p, _n| Ok(format!(
        "nr-node/v{}",
        env!("CARGO_PKG_VERSION")
    )));
    method!("net_version", |_p, n| Ok(n
        .chain()
        .spec
        .config
        .chain_id
        .to_string()));
    method!("net_listening", |_p, _n| Ok(true));
    method!("eth_chainId", |_p, n| Ok(U64::from(
        n.chain().spec.config.chain_id
    )));
    method!("eth_syncing", |_p, _n| Ok(false));
    method!("eth_accounts", |_p, _n| Ok(Vec::<Address>::new()));
    method!("eth_blockNumber", |_p, n| Ok(U64::from(
        n.chain().head().number
    )));

    method!("eth_getBlockByNumber", |p, n| {
        let mut seq = p.sequence();
        let tag: BlockNumberOrTag = seq.next()?;
        let full: bool = seq.optional_next()?.unwrap_or(false);
        let chain = n.chain();
        match number_of(&chain, tag) {
            Some(number) => rpc_block(&chain, number, full),
            None => Ok(None),
        }
    });
    method!("eth_getBlockByHash", |p, n| {
        let mut seq = p.sequence();
        let hash: B256 = seq.next()?;
        let full: bool = seq.optional_next()?.unwrap_or(false);
        let chain = n.chain();
        match chain.store().block_number(&hash).map_err(internal)? {
            Some(number) => rpc_block(&chain, number, full),
            None => Ok(None),
        }
    });
    method!("eth_getTransactionByHash", |p, n| {
        let hash: B256 = p.one()?;
        let chain = n.chain();
        if let Some(pending) = chain.pool.get(&hash) {
            return Ok(Some(rpc_tx_pending(&pending.tx, pending.sender)));
        }
        let Some(at) = chain.store().tx_location(&hash).map_err(internal)? else {
            return Ok(None);
        };
        let block = sealed_block(&chain, at.block)?;
        Ok(Some(rpc_tx(&block, at.index as usize)?))
    });
    method!("eth_getTransactionReceipt", |p, n| {
        let hash: B256 = p.one()?;
        let chain = n.chain();
        match chain.store().tx_location(&hash).map_err(internal)? {
            Some(at) => {
                receipts_of(&chain, at.block).map(|mut r| Some(r.swap_remove(at.index as usize)))
            }
            None => Ok(None),
        }
    });
    method!("eth_getBlockReceipts", |p, n| {
        let id: BlockId = p.one()?;
        let chain = n.chain();
        match header_of(&chain, Some(id)) {
            Ok(header) => receipts_of(&chain, header.number).map(Some),
            Err(_) => Ok(None),
        }
    });

    method!("eth_getBalance", |p, n| account_at(&n, &p)
        .map(|(_, _, (_, balance, _))| balance));
    method!("eth_getTransactionCount", |p, n| {
        let (address, id, (mut nonce, _, _)) = account_at(&n, &p)?;
        // "pending" counts the sender's transactions waiting in the pool, in nonce order (and
        // those a re-org removed that wait to be pooled again).
        if id == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
            let chain = n.chain();
            let pooled: std::collections::BTreeSet<u64> = chain
                .pool
                .iter()
                .filter(|t| t.sender == address)
                .map(|t| t.tx.nonce())
                .chain(chain.orphan_nonces(address))
                .collect();
            while pooled.contains(&nonce) {
                nonce += 1;
            }
        }
        Ok(U64::from(nonce))
    });
    method!("eth_getCode", |p, n| account_at(&n, &p)
        .map(|(_, _, (_, _, code))| code));
    method!("eth_getStorageAt", |p, n| {
        let mut seq = p.sequence();
        let address: Address = seq.next()?;
        let slot: U256 = seq.next()?;
        let chain = n.chain();
        let header = state_header_of(&chain, seq.optional_next()?)?;
        let value = chain
            .storage_at(header.state_root, address, slot.into())
            .map_err(internal)?;
        Ok(B256::from(value))
    });
    method!("eth_getProof", |p, n| {
        let mut seq = p.sequence();
        let address: Address = seq.next()?;
        let slots: Vec<alloy_serde::JsonStorageKey> = seq.next()?;
        let chain = n.chain();
        let header = state_header_of(&chain, seq.optional_next()?)?;
        let slots: Vec<B256> = slots.into_iter().map(|k| k.as_b256()).collect();
        chain
            .proof(header.state_root, address, &slots)
            .map_err(internal)
    });

    method!("eth_call", |p, n| {
        let (chain, header, env, tx) = call_args(&n, &p)?;
        chain
            .call(&header, env, tx)
            .map(|o| o.output)
            .map_err(call_error)
    });
    method!("eth_estimateGas", |p, n| {
        let (chain, header, env, tx) = call_args(&n, &p)?;
        chain
            .estimate_gas(&header, env, tx)
            .map(U64::from)
            .map_err(call_error)
    });

    method!("debug_traceTransaction", |p, n| {
        let mut seq = p.sequence();
        let hash: B256 = seq.next()?;
        let opts: Option<GethDebugTracingOptions> = seq.optional_next()?;
        n.chain()
            .trace_transaction(hash, &opts.unwrap_or_default())
            .map_err(trace_error)
    });
    method!("debug_traceCall", |p, n| {
        let mut seq = p.sequence();
        let request: TransactionRequest = seq.next()?;
        let id: Option<BlockId> = seq.optional_next()?;
        let opts: GethDebugTracingCallOptions = seq.optional_next()?.unwrap_or_default();
        if opts.state_overrides.is_some() || opts.block_overrides.is_some() {
            return Err(invalid_params(
                "state and block overrides are not supported",
            ));
        }
        let (chain, header, env, tx) = call_env(&n, request, id)?;
        chain
            .trace_call(&header, env, tx, &opts.tracing_options)
            .map_err(trace_error)
    });

    method!("eth_gasPrice", |_p, n| {
        let chain = n.chain();
        let base = next_base_fee(&chain);
        Ok(U256::from(base + suggested_tip(&chain)?))
    });
    method!("eth_maxPriorityFeePerGas", |_p, n| Ok(U256::from(
        suggested_tip(&n.chain())?
    )));
    method!("eth_blobBaseFee", |_p, n| {
        let chain = n.chain();
        let head = chain.head();
        let fee = chain
            .spec
            .config
            .blob_params_at(head.timestamp + 1)
            .and_then(|p| head.next_block_blob_fee(p))
            .ok_or_else(|| server_error("blobs are not active on this chain"))?;
        Ok(U256::from(fee))
    });
    method!("eth_feeHistory", |p, n| {
        let mut seq = p.sequence();
        let count: U64 = seq.next()?;
        let newest: BlockNumberOrTag = seq.next()?;
        let percentiles: Option<Vec<f64>> = seq.optional_next()?;
        fee_history(&n.chain(), count.to(), newest, percentiles)
    });

    method!("eth_sendRawTransaction", |p, n| {
        let raw: Bytes = p.one()?;
        n.submit_public(&raw).map_err(server_error)
    });
    method!("nr_sendRawTransactionWithProofs", |p, n| {
        let (raw, sidecar): (Bytes, Bytes) = p.parse()?;
        n.submit_with_proofs(&raw, &sidecar).map_err(server_error)
    });
    method!("nr_getProofSidecar", |p, n| {
        let hash: B256 = p.one()?;
        let chain = n.chain();
        if let Some(tx) = chain.pool.get(&hash) {
            return Ok(tx.proofs.as_ref().map(|p| p.sidecar.clone()));
        }
        Ok(chain
            .store()
            .proof_sidecar(&hash)
            .map_err(internal)?
            .map(Bytes::from))
    });
    method!("eth_getLogs", |p, n| {
        let filter: Filter = p.one()?;
        logs(&n.chain(), &filter)
    });

    method!("debug_executionWitness", |p, n| {
        let id: BlockId = p.one()?;
        let input = stateless_input(&n.chain(), id)?;
        let decoded = StatelessInput::decode(&input).map_err(internal)?;
        let w = &decoded.witness;
        let list = |items: Vec<Vec<u8>>| items.into_iter().map(Bytes::from).collect();
        Ok(ExecutionWitness {
            state: list(w.state.iter().map(|n| n.to_vec()).collect()),
            codes: list(w.codes.iter().map(|c| c.to_vec()).collect()),
            keys: Vec::new(),
            headers: list(w.headers.iter().map(|h| h.to_vec()).collect()),
        })
    });
    method!("eth_getBlockAccessList", |p, n| {
        access_list_json(&n.chain(), p.one()?)
    });
    method!("eth_getBlockAccessListByBlockHash", |p, n| {
        let hash: B256 = p.one()?;
        access_list_json(&n.chain(), hash.into())
    });
    method!("eth_getBlockAccessListByBlockNumber", |p, n| {
        let tag: BlockNumberOrTag = p.one()?;
        access_list_json(&n.chain(), tag.into())
    });
    method!("eth_getBlockAccessListRaw", |p, n| Ok(access_list(
        &n.chain(),
        p.one()?
    )?
    .map(Bytes::from)));
    method!("debug_getRawBlockAccessList", |p, n| {
        let id: BlockId = p.one()?;
        access_list(&n.chain(), id)?
            .map(Bytes::from)
            .ok_or_else(|| server_error("block not found, or it predates Amsterdam"))
    });
    method!("nr_getStatelessInput", |p, n| {
        let id: BlockId = p.one()?;
        stateless_input(&n.chain(), id).map(Bytes::from)
    });
    // Each version serves the blobs whose proofs it carries; the others are null.
    method!("engine_getBlobsV1", |p, n| blobs(
        &n.chain(),
        &p,
        |b| match b {
            StoredBlob::V1(b) => Some(b),
            StoredBlob::V2(_) => None,
        }
    ));
    method!("engine_getBlobsV2", |p, n| blobs(
        &n.chain(),
        &p,
        |b| match b {
            StoredBlob::V2(b) => Some(b),
            StoredBlob::V1(_) => None,
        }
    ));
    method!("evm_mine", |_p, n| {
        let sealed = n.seal().map_err(internal)?;
        Ok(U64::from(sealed.block.header.number))
    });
    if set_head {
        method!("debug_setHead", |p, n| {
            let keep: U64 = p.one()?;
            let removed = n
                .set_head(keep.to())
                .map_err(|e| invalid_params(e.to_string()))?;
            Ok(U64::from(removed))
        });
    }
    crate::watch::register(&mut m)?;
    Ok(m)
}

/// The address, the block it was read at, and its `(nonce, balance, code)` there.
type AccountAt = (Address, Option<BlockId>, (u64, U256, Bytes));

/// `(address, block?)` as the account methods take them: the address, the block, and the
/// account's nonce, balance and code there.
fn account_at<F: NodeEvmFactory>(node: &Node<F>, p: &Params<'_>) -> RpcResult<AccountAt> {
    let mut seq = p.sequence();
    let address: Address = seq.next()?;
    let id: Option<BlockId> = seq.optional_next()?;
    let chain = node.chain();
    let header = state_header_of(&chain, id)?;
    let account = chain
        .account(header.state_root, address)
        .map_err(internal)?;
    Ok((address, id, account))
}

/// The block number a tag names, if that block is sealed.
pub(crate) fn number_of<F: NodeEvmFactory>(chain: &Chain<F>, tag: BlockNumberOrTag) -> Option<u64> {
    let head = chain.head().number;
    match tag {
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Number(n) => (n <= head).then_some(n),
        // The devnet finalizes at once; "pending" reads the head's state.
        _ => Some(head),
    }
}

/// The header of the block whose state a state query reads (default: latest).
fn header_of<F: NodeEvmFactory>(chain: &Chain<F>, id: Option<BlockId>) -> RpcResult<Header> {
    number_of_id(chain, id.unwrap_or_default())?
        .and_then(|n| chain.header(n).transpose())
        .transpose()
        .map_err(internal)?
        .ok_or_else(|| server_error("header not found"))
}

/// The number of the block `id` names, by tag, number or hash (none for an unknown one).
fn number_of_id<F: NodeEvmFactory>(chain: &Chain<F>, id: BlockId) -> RpcResult<Option<u64>> {
    Ok(match id {
        BlockId::Number(tag) => number_of(chain, tag),
        BlockId::Hash(h) => chain
            .store()
            .block_number(&h.block_hash)
            .map_err(internal)?,
    })
}

/// [`header_of`] for a query that reads the block's state: refused once that is pruned.
fn state_header_of<F: NodeEvmFactory>(chain: &Chain<F>, id: Option<BlockId>) -> RpcResult<Header> {
    let header = header_of(chain, id)?;
    if !chain.state_kept(header.number) {
        return Err(server_error(pruned_state(header.number, chain.retention())));
    }
    Ok(header)
}

/// Why a state query at block `number` is refused.
pub(crate) fn pruned_state(number: u64, kept: &crate::Retention) -> String {
    format!(
        "state at block {number} is pruned: this node keeps the state of {} \
         (--prune.state archive keeps all)",
        kept.kept_words(kept.state)
    )
}

fn sealed_block<F: NodeEvmFactory>(chain: &Chain<F>, number: u64) -> RpcResult<Block<TxEnvelope>> {
    chain
        .store()
        .block(number)
        .map_err(internal)?
        .ok_or_else(|| internal(format!("block {number} is indexed but missing")))
}

/// A pooled transaction, as RPC returns it (no block yet).
pub(crate) fn rpc_tx_pending(tx: &TxEnvelope, sender: Address) -> Transaction {
    Transaction {
        inner: Recovered::new_unchecked(tx.clone(), sender),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    }
}

/// The RPC header of sealed block `number` (as `newHeads` sends it).
pub(crate) fn rpc_header<F: NodeEvmFactory>(
    chain: &Chain<F>,
    number: u64,
) -> RpcResult<alloy_rpc_types_eth::Header> {
    let header = chain
        .header(number)
        .map_err(internal)?
        .ok_or_else(|| internal(format!("no header {number}")))?;
    Ok(alloy_rpc_types_eth::Header {
        hash: header.hash_slow(),
        inner: header,
        total_difficulty: Some(U256::ZERO),
        size: None,
    })
}

fn rpc_tx(block: &Block<TxEnvelope>, index: usize) -> RpcResult<Transaction> {
    let tx = &block.body.transactions[index];
    let sender = tx.recover_signer().map_err(internal)?;
    let header = &block.header;
    Ok(Transaction {
        inner: Recovered::new_unchecked(tx.clone(), sender),
        block_hash: Some(header.hash_slow()),
        block_number: Some(header.number),
        transaction_index: Some(index as u64),
        effective_gas_price: Some(tx.effective_gas_price(header.base_fee_per_gas)),
        block_timestamp: Some(header.timestamp),
    })
}

fn rpc_block<F: NodeEvmFactory>(
    chain: &Chain<F>,
    number: u64,
    full: bool,
) -> RpcResult<Option<alloy_rpc_types_eth::Block>> {
    let block = sealed_block(chain, number)?;
    let transactions = if full {
        BlockTransactions::Full(
            (0..block.body.transactions.len())
                .map(|i| rpc_tx(&block, i))
                .collect::<RpcResult<_>>()?,
        )
    } else {
        BlockTransactions::Hashes(
            block
                .body
                .transactions
                .iter()
                .map(|t| *t.tx_hash())
                .collect(),
        )
    };
    Ok(Some(alloy_rpc_types_eth::Block {
        header: alloy_rpc_types_eth::Header {
            hash: block.header.hash_slow(),
            inner: block.header.clone(),
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(block.length())),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: block.body.withdrawals,
    }))
}

/// Sealed block `number` and its stored receipts.
fn block_and_receipts<F: NodeEvmFactory>(
    chain: &Chain<F>,
    number: u64,
) -> RpcResult<(Block<TxEnvelope>, Vec<alloy_consensus::ReceiptEnvelope>)> {
    let block = sealed_block(chain, number)?;
    let receipts = chain
        .store()
        .receipts(number)
        .map_err(internal)?
        .ok_or_else(|| internal(format!("receipts of block {number} are missing")))?;
    Ok((block, receipts))
}

/// The RPC receipts of sealed block `number`, logs indexed across the block.
fn receipts_of<F: NodeEvmFactory>(
    chain: &Chain<F>,
    number: u64,
) -> RpcResult<Vec<TransactionReceipt>> {
    let (block, receipts) = block_and_receipts(chain, number)?;
    let header = &block.header;
    let hash = header.hash_slow();
    let blob_price = chain
        .spec
        .config
        .blob_params_at(header.timestamp)
        .and_then(|p| header.blob_fee(p));
    let (mut log_index, mut cumulative) = (0u64, 0u64);
    let mut out = Vec::with_capacity(receipts.len());
    for (index, (tx, receipt)) in block.body.transactions.iter().zip(receipts).enumerate() {
        let sender = tx.recover_signer().map_err(internal)?;
        let gas_used = receipt.cumulative_gas_used() - cumulative;
        cumulative = receipt.cumulative_gas_used();
        let inner = receipt.map_logs(|log| {
            let log = rpc_log(log, header, hash, *tx.tx_hash(), index, log_index);
            log_index += 1;
            log
        });
        let blob_gas = tx.blob_count().map(|n| n * DATA_GAS_PER_BLOB);
        out.push(TransactionReceipt {
            inner,
            transaction_hash: *tx.tx_hash(),
            transaction_index: Some(index as u64),
            block_hash: Some(hash),
            block_number: Some(header.number),
            gas_used,
            effective_gas_price: tx.effective_gas_price(header.base_fee_per_gas),
            blob_gas_used: blob_gas,
            blob_gas_price: blob_gas.and(blob_price),
            from: sender,
            to: tx.to(),
            contract_address: tx.is_create().then(|| sender.create(tx.nonce())),
        });
    }
    Ok(out)
}

/// A log as RPC returns it: where it is in the chain.
fn rpc_log(
    inner: alloy_primitives::Log,
    header: &Header,
    block_hash: B256,
    tx_hash: B256,
    tx_index: usize,
    log_index: u64,
) -> Log {
    Log {
        inner,
        block_hash: Some(block_hash),
        block_number: Some(header.number),
        block_timestamp: Some(header.timestamp),
        transaction_hash: Some(tx_hash),
        transaction_index: Some(tx_index as u64),
        log_index: Some(log_index),
        removed: false,
    }
}

/// The logs of sealed block `number` that `filter` matches (no sender recovery: a log
/// query needs none).
fn block_logs<F: NodeEvmFactory>(
    chain: &Chain<F>,
    header: &Header,
    filter: &Filter,
) -> RpcResult<Vec<Log>> {
    let (block, receipts) = block_and_receipts(chain, header.number)?;
    let hash = header.hash_slow();
    let mut log_index = 0u64;
    let mut out = Vec::new();
    for (index, (tx, receipt)) in block.body.transactions.iter().zip(receipts).enumerate() {
        for log in receipt.logs() {
            let log = rpc_log(log.clone(), header, hash, *tx.tx_hash(), index, log_index);
            log_index += 1;
            if filter.rpc_matches(&log) {
                out.push(log);
            }
        }
    }
    Ok(out)
}

type CallArgs<'a, F> = (
    std::sync::MutexGuard<'a, Chain<F>>,
    Header,
    alloy_evm::EvmEnv,
    revm::context::TxEnv,
);

/// `(request, block?, overrides?)` as `eth_call` and `eth_estimateGas` take them.
fn call_args<'a, F: NodeEvmFactory>(
    node: &'a Node<F>,
    p: &Params<'_>,
) -> RpcResult<CallArgs<'a, F>> {
    let mut seq = p.sequence();
    let request: TransactionRequest = seq.next()?;
    let id: Option<BlockId> = seq.optional_next()?;
    if seq
        .optional_next::<serde_json::Value>()?
        .is_some_and(|v| !v.is_null())
    {
        return Err(invalid_params("state overrides are not supported"));
    }
    call_env(node, request, id)
}

/// The chain, header, environment and transaction a call of `request` at `id` runs with.
fn call_env<F: NodeEvmFactory>(
    node: &Node<F>,
    request: TransactionRequest,
    id: Option<BlockId>,
) -> RpcResult<CallArgs<'_, F>> {
    let chain = node.chain();
    let header = state_header_of(&chain, id)?;
    // "pending" runs in the next block's environment; a sealed block in its own.
    let env = if id == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
        chain.next_env(header.timestamp + 1)
    } else {
        chain.env_of(&header)
    };
    let mut tx: revm::context::TxEnv = request
        .try_into_tx_env(&env)
        .map_err(|e| invalid_params(e.to_string()))?;
    // Default and cap: the block's gas limit, and before Amsterdam EIP-7825's per-transaction
    // cap. From Amsterdam the cap bounds regular gas only: a transaction may pass it by the
    // state gas it pays (EIP-8037; deploying 19 KB of code costs 29M of it).
    tx.gas_limit = tx.gas_limit.min(header.gas_limit);
    if !env
        .cfg_env
        .spec
        .is_enabled_in(revm::primitives::hardfork::SpecId::AMSTERDAM)
    {
        tx.gas_limit = tx
            .gas_limit
            .min(revm::context::Cfg::tx_gas_limit_cap(&env.cfg_env));
    }
    Ok((chain, header, env, tx))
}

fn next_base_fee<F: NodeEvmFactory>(chain: &Chain<F>) -> u128 {
    chain
        .head()
        .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
        .unwrap_or_default() as u128
}

/// The median tip paid in the last 20 blocks, or [`DEFAULT_TIP`] if they are empty.
fn suggested_tip<F: NodeEvmFactory>(chain: &Chain<F>) -> RpcResult<u128> {
    let head = chain.head().number;
    let mut tips = Vec::new();
    for number in head.saturating_sub(19)..=head {
        let block = sealed_block(chain, number)?;
        let base = block.header.base_fee_per_gas.unwrap_or_default();
        tips.extend(
            block
                .body
                .transactions
                .iter()
                .filter_map(|t| t.effective_tip_per_gas(base)),
        );
    }
    tips.sort_unstable();
    Ok(tips.get(tips.len() / 2).copied().unwrap_or(DEFAULT_TIP))
}

/// `eth_feeHistory` as EIP-1559 wallets read it: base fees (one past the newest block),
/// gas used ratios, blob fees, and the tips at each percentile weighted by gas used.
fn fee_history<F: NodeEvmFactory>(
    chain: &Chain<F>,
    count: u64,
    newest: BlockNumberOrTag,
    percentiles: Option<Vec<f64>>,
) -> RpcResult<FeeHistory> {
    if let Some(p) = &percentiles
        && (p.len() > 100
            || p.windows(2).any(|w| w[0] > w[1])
            || p.iter().any(|x| !(0.0..=100.0).contains(x)))
    {
        return Err(invalid_params(
            "reward percentiles must be ascending, within 0..=100, at most 100",
        ));
    }
    let newest = number_of(chain, newest).ok_or_else(|| server_error("header not found"))?;
    let count = count.clamp(1, 1024).min(newest + 1);
    let oldest = newest + 1 - count;
    let mut history = FeeHistory {
        oldest_block: oldest,
        reward: percentiles.as_ref().map(|_| Vec::new()),
        ..Default::default()
    };
    let config = &chain.spec.config;
    let mut last = None;
    for number in oldest..=newest {
        let block = sealed_block(chain, number)?;
        let h = &block.header;
        let base = h.base_fee_per_gas.unwrap_or_default();
        history.base_fee_per_gas.push(base as u128);
        history
            .gas_used_ratio
            .push(h.gas_used as f64 / h.gas_limit.max(1) as f64);
        let blob = config.blob_params_at(h.timestamp);
        history
            .base_fee_per_blob_gas
            .push(blob.and_then(|p| h.blob_fee(p)).unwrap_or_default());
        history.blob_gas_used_ratio.push(blob.map_or(0.0, |p| {
            h.blob_gas_used.unwrap_or_default() as f64 / p.max_blob_gas_per_block().max(1) as f64
        }));
        if let (Some(percentiles), Some(rewards)) = (&percentiles, &mut history.reward) {
            let receipts = chain
                .store()
                .receipts(number)
                .map_err(internal)?
                .unwrap_or_default();
            let mut prev = 0;
            let mut paid: Vec<(u128, u64)> = block
                .body
                .transactions
                .iter()
                .zip(&receipts)
                .map(|(t, r)| {
                    let used = r.cumulative_gas_used() - prev;
                    prev = r.cumulative_gas_used();
                    (t.effective_tip_per_gas(base).unwrap_or_default(), used)
                })
                .collect();
            paid.sort_unstable();
            rewards.push(
                percentiles
                    .iter()
                    .map(|pct| {
                        let target = (h.gas_used as f64 * pct / 100.0) as u64;
                        let mut sum = 0;
                        paid.iter()
                            .find(|(_, used)| {
                                sum += used;
                                sum >= target
                            })
                            .or(paid.last())
                            .map_or(0, |(tip, _)| *tip)
                    })
                    .collect(),
            );
        }
        last = Some((h.clone(), blob));
    }
    if let Some((h, blob)) = last {
        history.base_fee_per_gas.push(
            h.next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
                .unwrap_or_default() as u128,
        );
        history.base_fee_per_blob_gas.push(
            blob.and_then(|p| h.next_block_blob_fee(p))
                .unwrap_or_default(),
        );
    }
    Ok(history)
}

/// `eth_getLogs` over sealed blocks: the bloom first, then each log.
pub(crate) fn logs<F: NodeEvmFactory>(chain: &Chain<F>, filter: &Filter) -> RpcResult<Vec<Log>> {
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let n = chain
                .store()
                .block_number(&hash)
                .map_err(internal)?
                .ok_or_else(|| server_error("unknown block"))?;
            (n, n)
        }
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => {
            // A bound past the head is the head.
            let resolve = |tag: Option<BlockNumberOrTag>| {
                number_of(chain, tag.unwrap_or_default()).unwrap_or(chain.head().number)
            };
            (resolve(from_block), resolve(to_block))
        }
    };
    if from > to {
        return Err(invalid_params("fromBlock is after toBlock"));
    }
    if to - from >= MAX_BLOCK_RANGE {
        return Err(invalid_params(format!(
            "block range exceeds {MAX_BLOCK_RANGE} blocks"
        )));
    }
    let mut out = Vec::new();
    for number in from..=to {
        let header = chain
            .header(number)
            .map_err(internal)?
            .ok_or_else(|| internal("missing header"))?;
        // A block without logs has an empty bloom; otherwise the bloom rules blocks out.
        if header.logs_bloom().is_zero() || !filter.matches_bloom(header.logs_bloom()) {
            continue;
        }
        out.extend(block_logs(chain, &header, filter)?);
    }
    Ok(out)
}

/// The EIP-7928 access list (RLP) of a block given by number, tag or hash: none for an
/// unknown block or one before Amsterdam.
fn access_list<F: NodeEvmFactory>(chain: &Chain<F>, id: BlockId) -> RpcResult<Option<Vec<u8>>> {
    match number_of_id(chain, id)? {
        Some(number) => chain.store().block_access_list(number).map_err(internal),
        None => Ok(None),
    }
}

/// [`access_list`] decoded, in the JSON shape of execution-apis (and reth).
fn access_list_json<F: NodeEvmFactory>(
    chain: &Chain<F>,
    id: BlockId,
) -> RpcResult<Option<alloy_eips::eip7928::BlockAccessList>> {
    access_list(chain, id)?
        .map(|rlp| {
            alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                .map_err(|e| internal(format!("stored access list: {e}")))
        })
        .transpose()
}

/// The stateless input of a block given by number, tag or hash.
fn stateless_input<F: NodeEvmFactory>(chain: &Chain<F>, id: BlockId) -> RpcResult<Vec<u8>> {
    let number = header_of(chain, Some(id))?.number;
    if number == 0 {
        return Err(invalid_params("the genesis block has no stateless input"));
    }
    chain
        .store()
        .stateless_input(number)
        .map_err(internal)?
        .ok_or_else(|| {
            server_error(format!(
                "the stateless input of block {number} is pruned: this node keeps the inputs \
                 of {} (--prune.inputs)",
                chain.retention().kept_words(chain.retention().inputs)
            ))
        })
}

/// The blobs of pooled or sealed transactions with these versioned hashes, in the shape
/// `pick` takes from each (null where a blob is unknown or of the other version).
fn blobs<F: NodeEvmFactory, T>(
    chain: &Chain<F>,
    p: &Params<'_>,
    pick: impl Fn(StoredBlob) -> Option<T>,
) -> RpcResult<Vec<Option<T>>> {
    let hashes: Vec<B256> = p.one()?;
    if hashes.len() > MAX_BLOB_HASHES {
        return Err(error(
            -38004,
            format!("too large request: at most {MAX_BLOB_HASHES} hashes"),
        ));
    }
    hashes
        .iter()
        .map(|h| {
            let pooled = chain
                .pool
                .iter()
                .filter_map(|t| t.sidecar.as_ref())
                .find_map(|s| {
                    let i = s.versioned_hash_index(h)?;
                    Some(crate::blobs::records(s).swap_remove(i))
                });
            let record = match pooled {
                Some((_, r)) => Some(r),
                None => chain.store().blob(h).map_err(internal)?,
            };
            Ok(record.as_deref().and_then(decode_record).and_then(&pick))
        })
        .collect()
}
