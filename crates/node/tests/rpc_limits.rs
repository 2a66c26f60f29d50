//! JSON-RPC requests cannot take the node's memory: a batch longer than `--rpc.batch-limit`
//! is refused before any call runs, and a batch whose responses pass
//! `--rpc.max-response-size` stops with an error; requests within the limits are answered.

mod common;

use common::*;
use serde_json::{Value, json};

fn batch(call: &Value, n: usize) -> String {
    Value::Array(vec![call.clone(); n]).to_string()
}

#[test]
fn batches_beyond_the_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(
        "l2",
        dir.path(),
        &[
            "--block-time",
            "0.5",
            "--rpc.batch-limit",
            "10",
            "--rpc.max-response-size",
            "20000",
        ],
    );
    while node.block_number() < 1 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let chain_id = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let answers = node.post_body(&batch(&chain_id, 10));
    assert_eq!(answers.as_array().map(Vec::len), Some(10), "{answers}");
    assert!(answers[9]["result"].is_string(), "{answers}");

    let refused = node.post_body(&batch(&chain_id, 11));
    assert_eq!(refused["error"]["code"], -32010, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("batch request was too large"),
        "{refused}"
    );

    // An L2 block's stateless input is a few KB: three fit in 20,000 bytes, six do not.
    let input =
        json!({"jsonrpc": "2.0", "id": 2, "method": "nr_getStatelessInput", "params": ["0x1"]});
    let one = node.post_body(&input.to_string());
    let size = one["result"].as_str().unwrap().len();
    assert!((3_400..6_600).contains(&size), "input of {size} bytes");
    let three = node.post_body(&batch(&input, 3));
    assert_eq!(three.as_array().map(Vec::len), Some(3), "{three}");
    let six = node.post_body(&batch(&input, 6));
    assert_eq!(six["error"]["code"], -32011, "{six}");
    assert!(
        six["error"]["message"]
            .as_str()
            .unwrap()
            .contains("batch response was too large"),
        "{six}"
    );
    // The node goes on serving.
    assert!(node.block_number() >= 1);
    node.kill();
}
