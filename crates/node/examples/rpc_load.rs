//! A loopback load on an `nr-node` L2 process: many connections making mixed JSON-RPC
//! calls, batches among them, while blocks are sealed with transfers in them; the node's
//! RSS is sampled throughout. It answers whether memory stays flat under sustained load.
//!
//! ```text
//! cargo run --release -p nr-node --example rpc_load -- [--secs 120] [--connections 200] [--warmup 45]
//! ```
//!
//! Prints one line per sample and a Markdown summary (docs/node.md records a run). Exits
//! non-zero if RSS after warm-up rose by more than 10%, or if a call failed.

mod common;

use common::arg;
use serde_json::{Value, json};
use std::{
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Resident set size of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn call(method: &str, params: Value, id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// The mixed calls one request of a worker makes (`i` picks which): one of seven calls, or
/// a batch of twenty.
fn request(i: u64, head: u64) -> Value {
    // `--only K`: call K of the mix alone (to find which one costs).
    if let Some(k) = ONLY.get().copied().flatten() {
        return single(k, i, head);
    }
    if i % 8 == 7 {
        return Value::Array((0..20).map(|j| single(i * 20 + j, i, head)).collect());
    }
    single(i, i, head)
}

/// Call `k % 7` of the mix, with id `id`; logs are asked of the 64 blocks up to `head`, as
/// an indexer following the chain asks.
fn single(k: u64, id: u64, head: u64) -> Value {
    let i = id;
    let who = "0x000000000000000000000000000000000000bEEF";
    match k % 7 {
        0 => call("eth_blockNumber", json!([]), i),
        1 => call("eth_getBalance", json!([who, "latest"]), i),
        2 => call("eth_getBlockByNumber", json!(["latest", true]), i),
        3 => call("eth_call", json!([{"to": who, "input": "0x"}, "latest"]), i),
        4 => {
            let from = format!("{:#x}", head.saturating_sub(63));
            call(
                "eth_getLogs",
                json!([{"fromBlock": from, "toBlock": "latest"}]),
                i,
            )
        }
        5 => call("nr_getStatelessInput", json!(["latest"]), i),
        _ => call("eth_feeHistory", json!(["0x10", "latest", [25, 75]]), i),
    }
}

static ONLY: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();

#[tokio::main]
async fn main() {
    let only = arg("--only", u64::MAX);
    ONLY.set((only != u64::MAX).then_some(only)).unwrap();
    let secs = arg("--secs", 120);
    let connections = arg("--connections", 200);
    let warmup = arg("--warmup", 45).min(secs / 2);
    let node_bin = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|examples| examples.parent())
        .unwrap()
        .join("nr-node");
    assert!(
        node_bin.exists(),
        "{} missing: cargo build --release -p nr-node",
        node_bin.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut node = Command::new(&node_bin)
        .args(["run", "--role", "l2", "--block-time", "1", "--http.port"])
        .arg(port.to_string())
        .arg("--datadir")
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .post(&url)
        .json(&call("eth_chainId", json!([]), 0))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the node starts"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Block 1 first: the genesis has no stateless input to serve.
    while client
        .post(&url)
        .json(&call("eth_blockNumber", json!([]), 0))
        .send()
        .await
        .ok()
        .is_none_or(|_| false)
        || rss_kib(node.id()) == 0
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Transfers keep the blocks non-empty (signed here, one a block).
    let running = Arc::new(AtomicBool::new(true));
    let sender = {
        let (running, url) = (running.clone(), url.clone());
        tokio::spawn(async move {
            use alloy_network::{EthereumWallet, TransactionBuilder};
            use alloy_provider::{Provider, ProviderBuilder};
            let key: alloy_signer_local::PrivateKeySigner = DEV_KEY.parse().unwrap();
            let p = ProviderBuilder::new()
                .wallet(EthereumWallet::from(key))
                .connect_http(url.parse().unwrap());
            while running.load(Ordering::Relaxed) {
                let tx = alloy_rpc_types_eth::TransactionRequest::default()
                    .with_to(alloy_primitives::Address::repeat_byte(0xbe))
                    .with_value(alloy_primitives::U256::from(1));
                if let Ok(pending) = p.send_transaction(tx).await {
                    let _ = pending.get_receipt().await;
                }
            }
        })
    };

    let (requests, failures) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let head = Arc::new(AtomicU64::new(1));
    let mut workers = Vec::new();
    for w in 0..connections {
        let (running, url) = (running.clone(), url.clone());
        let (requests, failures, head) = (requests.clone(), failures.clone(), head.clone());
        workers.push(tokio::spawn(async move {
            // One client each: its own keep-alive connection.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut i = w;
            while running.load(Ordering::Relaxed) {
                i += 1;
                let error = match client
                    .post(&url)
                    .json(&request(i, head.load(Ordering::Relaxed)))
                    .send()
                    .await
                {
                    Ok(r) => match r.json::<Value>().await {
                        Ok(Value::Array(items)) => items
                            .iter()
                            .find_map(|x| x.get("error"))
                            .map(Value::to_string),
                        Ok(v) => v.get("error").map(Value::to_string),
                        Err(e) => Some(e.to_string()),
                    },
                    Err(e) => Some(e.to_string()),
                };
                requests.fetch_add(1, Ordering::Relaxed);
                if let Some(e) = error {
                    // The first few, to say what failed.
                    if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("call {} failed: {e}", i % 8);
                    }
                }
            }
        }));
    }

    let pid = node.id();
    let mut samples = Vec::new();
    let deadline = started + Duration::from_secs(secs);
    while Instant::now() < deadline {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Ok(r) = client
                .post(&url)
                .json(&call("eth_blockNumber", json!([]), 0))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && let Some(n) = v["result"]
                    .as_str()
                    .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
            {
                head.store(n, Ordering::Relaxed);
            }
        }
        let t = started.elapsed().as_secs();
        let rss = rss_kib(pid);
        eprintln!(
            "{t:>4} s  RSS {:>7.1} MiB  requests {}",
            rss as f64 / 1024.0,
            requests.load(Ordering::Relaxed)
        );
        samples.push((t, rss));
    }
    running.store(false, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let _ = sender.await;
    let head = client
        .post(&url)
        .json(&call("eth_blockNumber", json!([]), 0))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["result"]
        .clone();
    let _ = node.kill();
    let _ = node.wait();

    let elapsed = started.elapsed().as_secs_f64();
    let after: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= warmup)
        .map(|(_, r)| *r)
        .collect();
    let base = after[0];
    let max = *after.iter().max().unwrap();
    let growth = (max as f64 / base as f64 - 1.0) * 100.0;
    let (n, failed) = (
        requests.load(Ordering::Relaxed),
        failures.load(Ordering::Relaxed),
    );
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "| connections | seconds | HTTP requests (1 in 8 a batch of 20) | per second | failed | blocks | RSS at {warmup} s | max after | final | growth after warm-up |"
    );
    println!("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    println!(
        "| {connections} | {elapsed:.0} | {n} | {:.0} | {failed} | {head} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {growth:+.1}% |",
        n as f64 / elapsed,
        mib(base),
        mib(max),
        mib(samples.last().unwrap().1),
    );
    if growth > 10.0 || failed > 0 {
        eprintln!("error: RSS grew {growth:.1}% after warm-up, {failed} calls failed");
        std::process::exit(1);
    }
}
