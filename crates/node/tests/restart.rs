//! The datadir across process deaths: SIGKILL mid-run loses no sealed block; SIGTERM keeps
//! the pending transactions; a corrupt datadir, another chain's (even one a crash left
//! needing repair) or a bad flag is refused clearly, untouched.

mod common;

use alloy_primitives::B256;
use common::*;
use nr_node::{ChainSpec, Role};
use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// `nr-node run --role <role>` on `datadir`, which must fail: its stderr.
fn refused_start(role: &str, datadir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nr-node"))
        .args(["run", "--role", role, "--http.port", "0", "--datadir"])
        .arg(datadir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the start must fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn wait_for_block(node: &NodeProcess, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while node.block_number() < at_least {
        assert!(Instant::now() < deadline, "no block {at_least} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigkill_mid_run_loses_no_sealed_block() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "0.2"]);
    let url = node.url.clone();

    // Transactions keep arriving while the node is killed.
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed) {
                let ok = Command::new(cast_path())
                    .args(["send", "--async", "--private-key", DEV_KEY])
                    .arg(RECIPIENT.to_string())
                    .args(["--value", "1"])
                    .env("ETH_RPC_URL", &url)
                    .output()
                    .is_ok_and(|o| o.status.success());
                sent += ok as u32;
            }
            sent
        })
    };
    wait_for_block(&node, 5);
    let sealed = node.block_number();
    let before: Vec<(B256, B256)> = (0..=sealed).map(|n| node.block_ids(n)).collect();
    let paid = node.cast(&[
        "balance",
        &RECIPIENT.to_string(),
        "--block",
        &sealed.to_string(),
    ]);
    assert_ne!(paid, "0", "transfers were sealed before the kill");
    node.kill();
    stop.store(true, Ordering::Relaxed);
    assert!(sender.join().unwrap() > 0);

    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "0.2"]);
    assert!(node.block_number() >= sealed, "a sealed block was lost");
    for (n, ids) in before.iter().enumerate() {
        assert_eq!(
            &node.block_ids(n as u64),
            ids,
            "block {n} differs after restart"
        );
    }
    assert_eq!(
        node.cast(&[
            "balance",
            &RECIPIENT.to_string(),
            "--block",
            &sealed.to_string()
        ]),
        paid
    );
    // And it goes on sealing from there.
    let receipt = json(&node.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY_1,
        &RECIPIENT.to_string(),
        "--value",
        "1",
    ]));
    assert_eq!(receipt["status"], "0x1");
}

#[test]
fn sigterm_keeps_pending_transactions() {
    let dir = tempfile::tempdir().unwrap();
    // Blocks an hour apart: what is sent stays pending.
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "3600"]);
    let hash = node.cast(&[
        "send",
        "--async",
        "--private-key",
        DEV_KEY,
        &RECIPIENT.to_string(),
        "--value",
        "5",
    ]);
    let tx = node.rpc("eth_getTransactionByHash", &[hash.clone().into()]);
    assert!(tx["blockNumber"].is_null(), "pending: {tx}");
    node.terminate();
    let journal = dir.path().join(nr_node::service::POOL_JOURNAL);
    let journaled = std::fs::read(&journal).unwrap();

    // A start that fails (its port is taken) leaves the journal as it was.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_nr-node"))
        .args(["run", "--role", "l2", "--http.port", &port, "--datadir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        journaled,
        "the journal is untouched"
    );
    drop(taken);

    // Re-admitted, and kept until the next orderly stop: a node killed in between loses
    // nothing. While it runs, its datadir is locked, and a second node says so.
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "3600"]);
    let stderr = refused_start("l2", dir.path());
    assert!(
        stderr.contains("is locked: another node is using it"),
        "{stderr}"
    );
    // A user's error, not a program's: one line, no source location.
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("Location:") && !stderr.contains(".rs:"),
        "{stderr}"
    );
    node.kill();
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "3600"]);
    let tx = node.rpc("eth_getTransactionByHash", &[hash.clone().into()]);
    assert_eq!(
        tx["hash"],
        hash.as_str(),
        "the journaled transaction is pending again"
    );
    assert_eq!(node.rpc("evm_mine", &[]), "0x1");
    let receipt = json(&node.cast(&["receipt", "--json", &hash]));
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(node.cast(&["balance", &RECIPIENT.to_string()]), "5");
    check_stateless_inputs(&node, &ChainSpec::dev(Role::L2, 901));
}

#[test]
fn a_crashed_datadir_of_another_chain_is_refused_untouched() {
    // An L2 node killed mid-run: its database needs redb's repair at the next open.
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "0.2"]);
    wait_for_block(&node, 2);
    node.kill();
    let files = |dir: &std::path::Path| {
        let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect();
        all.sort();
        all
    };
    let before = files(dir.path());
    assert!(
        before
            .iter()
            .any(|(name, _)| name == nr_node::store::IDENTITY_FILE),
        "the datadir names its chain"
    );
    // An L1 node pointed at it: refused, and not a byte changed (no repair, no journal).
    let stderr = refused_start("l1", dir.path());
    assert!(
        stderr.contains("datadir holds the chain with genesis"),
        "{stderr}"
    );
    assert!(files(dir.path()) == before, "the datadir was changed");
    // Its own node still opens it, repairs it and goes on.
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "0.2"]);
    assert!(node.block_number() >= 2);
    node.kill();
}

#[test]
fn corrupt_datadir_and_bad_flags_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(nr_node::store::DB_FILE);
    std::fs::write(&db, b"not a database").unwrap();
    let stderr = refused_start("l2", dir.path());
    assert!(
        stderr.contains("is not a readable chain database"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), b"not a database");

    for (args, words) in [
        (&["run", "--role", "l3"][..], "invalid value 'l3'"),
        (
            &[
                "run",
                "--role",
                "l2",
                "--datadir",
                "x",
                "--block-time",
                "soon",
            ],
            "is not a number of seconds",
        ),
        (
            &[
                "run",
                "--role",
                "l1",
                "--datadir",
                "x",
                "--execute.program",
                "groth16:0x00",
            ],
            // EXECUTE's configuration is chain data (the genesis), never a node flag.
            "unexpected argument '--execute.program'",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_nr-node"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    assert!(
        !std::path::Path::new("x").exists(),
        "a refused flag created a datadir"
    );
}
