//! EXECUTE's configuration is chain data: two L1 nodes started from one genesis file give
//! the same verdict on the same calls, the L1 settles only the L2 chains its genesis lists,
//! under their own fork schedules, and a genesis with a malformed EXECUTE section is
//! refused before anything is written.

mod common;

use alloy_primitives::{Bytes, hex};
use common::*;
use nr_stateless::{Fork, SchemaId, StatelessInput};
use std::process::Command;

fn nr_node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nr-node"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn l1_nodes_from_one_genesis_agree_on_execute() {
    let dir = tempfile::tempdir().unwrap();
    // The L1 genesis as a user shares it: printed once, read by both nodes.
    let out = nr_node(&["genesis", "--role", "l1"]);
    assert!(out.status.success());
    let genesis = dir.path().join("l1.json");
    std::fs::write(&genesis, &out.stdout).unwrap();
    let section = &json(std::str::from_utf8(&out.stdout).unwrap())["config"]["nativeRollup"];
    assert_eq!(section["l2Chains"][0]["chainId"], 901, "{section}");
    let genesis = genesis.to_str().unwrap();
    let a = NodeProcess::start("l1", &dir.path().join("a"), &["--genesis", genesis]);
    let b = NodeProcess::start("l1", &dir.path().join("b"), &["--genesis", genesis]);

    // A real L2 block (Amsterdam from genesis, chain 901).
    let l2 = NodeProcess::start("l2", &dir.path().join("l2"), &[]);
    let input = hex::decode(l2_transfer_input(&l2)).unwrap();
    let decoded = StatelessInput::decode(&input).unwrap();
    assert_eq!(decoded.schema, SchemaId::v1(Fork::Amsterdam));

    // A real block of the same chain id under a fork its listing has left: chain 901 held on
    // Osaka (its genesis without `amsterdamTime`), and the same block for a chain the L1
    // does not settle.
    let out = nr_node(&["genesis", "--role", "l2"]);
    let mut osaka = json(std::str::from_utf8(&out.stdout).unwrap());
    osaka["config"]
        .as_object_mut()
        .unwrap()
        .remove("amsterdamTime")
        .expect("the dev L2 schedules Amsterdam");
    let osaka_file = dir.path().join("osaka.json");
    std::fs::write(&osaka_file, osaka.to_string()).unwrap();
    let old = NodeProcess::start(
        "l2",
        &dir.path().join("osaka"),
        &["--genesis", osaka_file.to_str().unwrap()],
    );
    let off_schedule = hex::decode(l2_transfer_input(&old)).unwrap();
    assert_eq!(
        StatelessInput::decode(&off_schedule).unwrap().schema,
        SchemaId::v1(Fork::Osaka)
    );
    let mut other_chain = decoded.clone();
    other_chain.chain_id = 902;

    let execute = nr_execute::EXECUTE_ADDRESS.to_string();
    let call = |node: &NodeProcess, data: &[u8]| {
        node.try_cast(&["call", &execute, &hex::encode_prefixed(data)])
    };
    let mut verdicts = Vec::new();
    for node in [&a, &b] {
        let ok: Bytes = call(node, &input)
            .expect("the dev L2's block settles")
            .parse()
            .unwrap();
        let output = nr_statement::ExecuteOutput::decode(&ok, false).unwrap();
        assert!(output.result.successful());
        assert_eq!(output.result.chain_id(), 901);
        assert_eq!(output.blocks.len(), 1);
        let off = call(node, &off_schedule).expect_err("off-schedule block halts");
        let unknown = call(node, &other_chain.encode()).expect_err("unknown chain halts");
        verdicts.push((ok, off, unknown));
    }
    assert_eq!(verdicts[0], verdicts[1], "two nodes of one L1 disagree");
}

/// Runs `nr-node run --role <role> --genesis <file>`, which must fail with `words` and leave
/// `datadir` uncreated.
fn refused(role: &str, file: &std::path::Path, datadir: &std::path::Path, words: &str) {
    let out = nr_node(&[
        "run",
        "--role",
        role,
        "--genesis",
        file.to_str().unwrap(),
        "--datadir",
        datadir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(words), "{stderr}");
    assert!(!datadir.exists(), "a refused genesis created the datadir");
}

#[test]
fn malformed_execute_section_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = nr_node(&["genesis", "--role", "l1"]);
    let mut genesis = json(std::str::from_utf8(&out.stdout).unwrap());
    let file = dir.path().join("bad.json");
    let datadir = dir.path().join("data");
    let section =
        |g: &mut serde_json::Value| -> serde_json::Value { g["config"]["nativeRollup"].take() };
    let original = section(&mut genesis);

    let mut bad = original.clone();
    bad["threshold"] = 0.into();
    genesis["config"]["nativeRollup"] = bad;
    std::fs::write(&file, genesis.to_string()).unwrap();
    refused(
        "l1",
        &file,
        &datadir,
        "config.nativeRollup: threshold must be at least 1",
    );

    // An unknown key is a typo, not something to ignore.
    let mut typo = original.clone();
    typo["treshold"] = 1.into();
    genesis["config"]["nativeRollup"] = typo;
    std::fs::write(&file, genesis.to_string()).unwrap();
    refused("l1", &file, &datadir, "unknown field `treshold`");

    // An L2 node refuses an L1 genesis.
    genesis["config"]["nativeRollup"] = original;
    std::fs::write(&file, genesis.to_string()).unwrap();
    refused("l2", &file, &datadir, "it is an L1 genesis");
}
