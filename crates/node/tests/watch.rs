//! What wallets and indexers watch with, driven by alloy providers against `nr-node`
//! processes: WebSocket subscriptions (`newHeads`, `logs`, `newPendingTransactions`) on the
//! HTTP port, polling filters (block, log and pending-transaction filters, their changes,
//! `eth_getFilterLogs`, uninstalling), and `txpool_status` / `txpool_content`.

mod common;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{B256, Bytes, U256, b256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder, WsConnect};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use common::*;
use futures_util::StreamExt;
use std::time::Duration;

const TOPIC: B256 = b256!("0x00000000000000000000000000000000000000000000000000000000c0ffee00");

/// Creation code that emits one log (topic [`TOPIC`], data the word 42) and deploys nothing:
/// PUSH1 42 PUSH1 0 MSTORE PUSH32 TOPIC PUSH1 32 PUSH1 0 LOG1 STOP.
fn logging_creation() -> Bytes {
    let mut code = vec![0x60, 0x2a, 0x60, 0x00, 0x52, 0x7f];
    code.extend_from_slice(TOPIC.as_slice());
    code.extend_from_slice(&[0x60, 0x20, 0x60, 0x00, 0xa1, 0x00]);
    code.into()
}

fn wallet(url: &str) -> DynProvider {
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(key))
        .connect_http(url.parse().unwrap())
        .erased()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("{what} within 30 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_and_filters_follow_new_blocks_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "0.5"]);
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(node.url.replace("http://", "ws://")))
        .await
        .expect("WebSocket on the HTTP port");
    let http = wallet(&node.url);

    // newHeads: consecutive headers, as eth_getBlockByNumber has them.
    let mut heads = ws.subscribe_blocks().await.unwrap();
    let first = within("a new head", heads.recv()).await.unwrap();
    let second = within("the next head", heads.recv()).await.unwrap();
    assert_eq!(second.number, first.number + 1);
    let block = http
        .get_block_by_number(second.number.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.header.hash, second.hash);
    assert_eq!(second.parent_hash, first.hash);

    // Log subscription, log filter and block filter, installed before the logs exist.
    // From block 0: `eth_getFilterLogs` reads the filter's own range (geth: latest without).
    let by_topic = Filter::new().event_signature(TOPIC).from_block(0);
    let mut logs = ws.subscribe_logs(&by_topic).await.unwrap();
    let log_filter = http.new_filter(&by_topic).await.unwrap();
    let block_filter = http.new_block_filter().await.unwrap();
    let other = http
        .new_filter(&Filter::new().event_signature(B256::repeat_byte(1)))
        .await
        .unwrap();
    let mut receipts = Vec::new();
    for _ in 0..2 {
        let tx = TransactionRequest::default()
            .with_deploy_code(logging_creation())
            // Room for Amsterdam's state gas of the created account (EIP-8037).
            .with_gas_limit(400_000);
        let r = within(
            "a logging creation",
            http.send_transaction(tx).await.unwrap().get_receipt(),
        )
        .await
        .unwrap();
        assert!(r.status());
        receipts.push(r);
    }
    for r in &receipts {
        let log = within("a subscribed log", logs.recv()).await.unwrap();
        assert_eq!(log.transaction_hash, Some(r.transaction_hash));
        assert_eq!(log.topics(), [TOPIC]);
        assert_eq!(log.data().data, U256::from(42).to_be_bytes::<32>().to_vec());
    }
    let changes: Vec<alloy_rpc_types_eth::Log> = http.get_filter_changes(log_filter).await.unwrap();
    let hashes: Vec<_> = changes.iter().map(|l| l.transaction_hash).collect();
    let expected: Vec<_> = receipts.iter().map(|r| Some(r.transaction_hash)).collect();
    assert_eq!(hashes, expected, "the log filter's changes");
    let again: Vec<alloy_rpc_types_eth::Log> = http.get_filter_changes(log_filter).await.unwrap();
    assert!(again.is_empty(), "changes are reported once");
    let all = http.get_filter_logs(log_filter).await.unwrap();
    assert_eq!(all.len(), 2, "eth_getFilterLogs: every matching log");
    let none: Vec<alloy_rpc_types_eth::Log> = http.get_filter_changes(other).await.unwrap();
    assert!(none.is_empty(), "another topic matches nothing");
    let new_blocks: Vec<B256> = http.get_filter_changes(block_filter).await.unwrap();
    let last = receipts[1].block_number.unwrap();
    let last_hash = http
        .get_block_by_number(last.into())
        .await
        .unwrap()
        .unwrap()
        .header
        .hash;
    assert!(
        new_blocks.contains(&last_hash),
        "the block filter saw block {last}"
    );

    // A polling watcher (eth_newBlockFilter under alloy's poller) yields new hashes too.
    let mut watched = http.watch_blocks().await.unwrap().into_stream();
    let batch = within("a watched block", async {
        loop {
            let batch = watched.next().await.unwrap();
            if !batch.is_empty() {
                break batch;
            }
        }
    })
    .await;
    let hash = batch[0];
    assert!(http.get_block_by_hash(hash).await.unwrap().is_some());

    // Uninstalling: true once, then false; a removed filter is not found.
    assert!(http.uninstall_filter(log_filter).await.unwrap());
    assert!(!http.uninstall_filter(log_filter).await.unwrap());
    let err = http
        .get_filter_changes::<B256>(log_filter)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("filter not found"), "{err}");
    node.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_is_watched_and_reported_as_geth_does() {
    let dir = tempfile::tempdir().unwrap();
    // No block for an hour: what is sent stays pooled.
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "3600"]);
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(node.url.replace("http://", "ws://")))
        .await
        .unwrap();
    let http = wallet(&node.url);
    let mut pending = ws.subscribe_pending_transactions().await.unwrap();
    let pending_filter = http.new_pending_transactions_filter(false).await.unwrap();

    // Nonce 0 (pending) and nonce 2 (queued behind a gap).
    let send = |nonce: u64| {
        let http = http.clone();
        async move {
            let tx = TransactionRequest::default()
                .with_to(RECIPIENT)
                .with_value(U256::from(1))
                .with_nonce(nonce)
                .with_gas_limit(TRANSFER_GAS)
                .with_max_fee_per_gas(10_000_000_000)
                .with_max_priority_fee_per_gas(1_000_000_000);
            *http.send_transaction(tx).await.unwrap().tx_hash()
        }
    };
    let first = send(0).await;
    let gapped = send(2).await;
    let mut seen = vec![
        within("a pending hash", pending.recv()).await.unwrap(),
        within("another pending hash", pending.recv())
            .await
            .unwrap(),
    ];
    seen.sort();
    let mut sent = vec![first, gapped];
    sent.sort();
    assert_eq!(seen, sent, "newPendingTransactions");
    let mut changes: Vec<B256> = http.get_filter_changes(pending_filter).await.unwrap();
    changes.sort();
    assert_eq!(changes, sent, "the pending-transaction filter");

    let status: serde_json::Value = http.raw_request("txpool_status".into(), ()).await.unwrap();
    assert_eq!(
        status,
        serde_json::json!({"pending": "0x1", "queued": "0x1"})
    );
    let content: serde_json::Value = http.raw_request("txpool_content".into(), ()).await.unwrap();
    let sender = DEV_ADDRESS.to_string();
    let entry = |part: &str, nonce: &str| content[part][&sender][nonce]["hash"].clone();
    assert_eq!(entry("pending", "0"), serde_json::json!(first), "{content}");
    assert_eq!(entry("queued", "2"), serde_json::json!(gapped), "{content}");
    assert!(content["pending"][&sender].get("2").is_none());
    node.kill();
}

/// A node that re-orgs (a rollup sequencer following the chain its L1 settled): a block
/// filter, a log filter and a `newHeads` subscription report the blocks that replaced those
/// they had reported, from the first one that changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_subscriptions_report_the_blocks_of_a_reorg() {
    use alloy_evm::eth::EthEvmFactory;
    use nr_node::{BlockAttributes, Chain, ChainSpec, NodeConfig, Role};
    let spec = ChainSpec::dev(Role::L2, 901);
    let attrs = |timestamp| BlockAttributes {
        timestamp,
        fee_recipient: alloy_primitives::Address::ZERO,
        prev_randao: B256::ZERO,
        parent_beacon_block_root: B256::ZERO,
    };
    // Their chain: blocks 1..=3, each with a logging creation.
    let theirs_dir = tempfile::tempdir().unwrap();
    let mut theirs = Chain::open(
        Role::L2,
        spec.clone(),
        EthEvmFactory::default(),
        theirs_dir.path(),
    )
    .unwrap();
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let mut blocks = Vec::new();
    for nonce in 0..3 {
        theirs.submit(&creation(&key, nonce)).unwrap();
        blocks.push(theirs.seal(attrs(100 + nonce)).unwrap());
    }

    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let running = nr_node::start(
        chain,
        NodeConfig {
            http: "127.0.0.1:0".parse().unwrap(),
            block_time: None,
            fee_recipient: alloy_primitives::Address::ZERO,
            datadir: dir.path().into(),
            wait_for_anchor: false,
            refuse_senders: Default::default(),
            rpc: Default::default(),
            set_head: false,
        },
    )
    .await
    .unwrap();
    let url = format!("http://{}", running.addr);
    let http = ProviderBuilder::new().connect_http(url.parse().unwrap());
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(url.replace("http://", "ws://")))
        .await
        .unwrap();
    let block_filter = http.new_block_filter().await.unwrap();
    let log_filter = http
        .new_filter(&Filter::new().event_signature(TOPIC))
        .await
        .unwrap();
    let mut heads = ws.subscribe_blocks().await.unwrap();

    // Ours: two empty blocks, reported.
    let node = running.node.clone();
    let ours: Vec<B256> = (0..2)
        .map(|i| node.chain().seal(attrs(50 + i)).unwrap().hash)
        .collect();
    for hash in &ours {
        assert_eq!(within("our head", heads.recv()).await.unwrap().hash, *hash);
    }
    let reported: Vec<B256> = http.get_filter_changes(block_filter).await.unwrap();
    assert_eq!(reported, ours);

    // Re-orged onto theirs from the genesis: every block of theirs is reported.
    let done = node
        .reorg(0, blocks.iter().map(|b| b.block.clone()).collect(), &|_| {
            false
        })
        .unwrap();
    assert_eq!((done.removed_txs, done.imported), (0, 3));
    let theirs_hashes: Vec<B256> = blocks.iter().map(|b| b.hash).collect();
    for hash in &theirs_hashes {
        assert_eq!(
            within("their head", heads.recv()).await.unwrap().hash,
            *hash
        );
    }
    let reported: Vec<B256> = http.get_filter_changes(block_filter).await.unwrap();
    assert_eq!(reported, theirs_hashes);
    let logs: Vec<alloy_rpc_types_eth::Log> = http.get_filter_changes(log_filter).await.unwrap();
    assert_eq!(
        logs.iter()
            .map(|l| l.block_hash.unwrap())
            .collect::<Vec<_>>(),
        theirs_hashes
    );
    running.stop().await.unwrap();
}

/// [`logging_creation`] as a signed transaction of dev account 0 on chain 901.
fn creation(key: &PrivateKeySigner, nonce: u64) -> Vec<u8> {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_signer::SignerSync;
    let tx = TxEip1559 {
        chain_id: 901,
        nonce,
        gas_limit: 1_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: alloy_primitives::TxKind::Create,
        value: U256::ZERO,
        input: logging_creation(),
        access_list: Default::default(),
    };
    let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
}
