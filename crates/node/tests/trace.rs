//! `debug_traceTransaction` and `debug_traceCall` on an `nr-node` process, driven with
//! foundry's `cast rpc`: geth's struct logger and `callTracer` over a sealed transaction
//! traced after the one before it in its block, a call, and refusals.

mod common;

use common::*;
use serde_json::json;

/// Creation code that logs one word under topic 0xc0ffee00 and deploys nothing.
const LOGGING_CREATION: &str =
    "0x602a6000527f00000000000000000000000000000000000000000000000000000000c0ffee0060206000a100";

#[test]
fn transactions_and_calls_are_traced_in_geths_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", dir.path(), &["--block-time", "3600"]);
    // A transfer, then the logging creation, sealed in one block. Their gas covers
    // Amsterdam's state gas for the accounts they create (EIP-8037).
    let send = |args: &[&str]| {
        let mut all = vec![
            "send",
            "--async",
            "--private-key",
            DEV_KEY,
            "--gas-limit",
            "400000",
        ];
        all.extend_from_slice(args);
        node.cast(&all)
    };
    let transfer = send(&["--nonce", "0", &RECIPIENT.to_string(), "--value", "5"]);
    let create = send(&["--nonce", "1", "--create", LOGGING_CREATION]);
    assert_eq!(node.rpc("evm_mine", &[]), "0x1");
    let receipt = json(&node.cast(&["receipt", "--json", &create]));
    let first = json(&node.cast(&["receipt", "--json", &transfer]));
    assert_eq!(receipt["blockNumber"], first["blockNumber"], "one block");
    assert_eq!(receipt["transactionIndex"], "0x1");

    // The struct logger: every step, the LOG1 among them, the receipt's gas.
    let trace = node.rpc("debug_traceTransaction", &[create.clone().into()]);
    let ops: Vec<&str> = trace["structLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "PUSH1", "PUSH1", "MSTORE", "PUSH32", "PUSH1", "PUSH1", "LOG1", "STOP"
        ]
    );
    assert_eq!(trace["failed"], false);
    assert_eq!(trace["gas"].as_u64(), Some(quantity(&receipt["gasUsed"])));

    // The call tracer, with its logs.
    let call = node.rpc(
        "debug_traceTransaction",
        &[
            create.clone().into(),
            json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}}),
        ],
    );
    assert_eq!(call["type"], "CREATE", "{call}");
    assert_eq!(
        call["from"].as_str().unwrap().to_lowercase(),
        DEV_ADDRESS.to_string().to_lowercase()
    );
    assert_eq!(quantity(&call["gasUsed"]), quantity(&receipt["gasUsed"]));
    assert_eq!(
        call["logs"][0]["topics"][0],
        "0x00000000000000000000000000000000000000000000000000000000c0ffee00",
        "{call}"
    );
    let transfer_call = node.rpc(
        "debug_traceTransaction",
        &[transfer.clone().into(), json!({"tracer": "callTracer"})],
    );
    assert_eq!(transfer_call["type"], "CALL");
    assert_eq!(transfer_call["value"], "0x5");

    // A call, on the head's state: a transfer, and a creation that reverts.
    let traced = node.rpc(
        "debug_traceCall",
        &[
            json!({"from": DEV_ADDRESS, "to": RECIPIENT, "value": "0x7"}),
            "latest".into(),
            json!({"tracer": "callTracer"}),
        ],
    );
    assert_eq!(traced["type"], "CALL");
    assert_eq!(traced["value"], "0x7");
    // PUSH1 0 PUSH1 0 REVERT
    let reverted = node.rpc(
        "debug_traceCall",
        &[
            json!({"from": DEV_ADDRESS, "input": "0x60006000fd"}),
            "latest".into(),
        ],
    );
    assert_eq!(reverted["failed"], true, "{reverted}");
    assert_eq!(
        reverted["structLogs"].as_array().map(Vec::len),
        Some(3),
        "{reverted}"
    );

    // Refusals: a tracer this node lacks, a transaction it never sealed.
    let err = node.rpc_err(
        "debug_traceTransaction",
        &[&create, r#"{"tracer":"prestateTracer"}"#],
    );
    assert!(err.contains("not supported"), "{err}");
    let unknown = format!("0x{}", "ab".repeat(32));
    let err = node.rpc_err("debug_traceTransaction", &[&unknown]);
    assert!(err.contains("not found"), "{err}");
    node.kill();
}
