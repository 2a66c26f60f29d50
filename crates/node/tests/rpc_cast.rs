//! Both roles driven by foundry's real `cast` over JSON-RPC: a transfer, a contract deploy
//! and call, receipts, logs, storage, and `eth_getProof` checked against the state root
//! with alloy-trie's verifier. The L2 also serves each sealed block's `StatelessInput`,
//! which must validate statelessly; the L1 runs EXECUTE on it and takes blob transactions.

mod common;

use alloy_consensus::{SignableTransaction, TxEip4844, TxEip4844WithSidecar};
use alloy_eips::{
    eip2718::Encodable2718,
    eip4844::Blob,
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
};
use alloy_primitives::{Address, B256, Bytes, U256, hex, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use common::*;
use nr_node::{ChainSpec, Role};
use nr_stateless::StatelessInput;
use serde_json::Value;

const ETHER: u128 = 1_000_000_000_000_000_000;

/// `cast send` of 1 ether from the dev account to [`RECIPIENT`]; its receipt, successful.
fn send_ether(node: &NodeProcess) -> Value {
    let receipt = json(&node.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY,
        &RECIPIENT.to_string(),
        "--value",
        "1ether",
    ]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    receipt
}

/// What a user does with cast, the same on either role. Returns the deployed contract.
fn drive_with_cast(node: &NodeProcess, chain_id: u64) -> Address {
    assert_eq!(node.cast(&["chain-id"]), chain_id.to_string());
    assert!(node.cast(&["client"]).starts_with("nr-node/"));

    // A transfer.
    let before = node.balance(RECIPIENT);
    let receipt = send_ether(node);
    assert_eq!(node.balance(RECIPIENT), before + U256::from(ETHER));
    let hash: String = field(&receipt, "transactionHash");
    let tx = json(&node.cast(&["tx", "--json", &hash]));
    assert_eq!(field::<Address>(&tx, "from"), DEV_ADDRESS);
    assert_eq!(field::<U256>(&tx, "value"), U256::from(ETHER));
    assert_eq!(tx["blockNumber"], receipt["blockNumber"]);

    // A deploy; the code is there.
    let receipt = json(&node.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY,
        "--create",
        &store_and_log_initcode().to_string(),
    ]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let contract: Address = field(&receipt, "contractAddress");
    assert_eq!(
        node.cast(&["code", &contract.to_string()]),
        hex::encode_prefixed(store_and_log_runtime())
    );

    // A call that stores 42 and logs it; estimate first.
    let word = B256::with_last_byte(42);
    let estimate: u64 = node
        .cast(&["estimate", &contract.to_string(), &word.to_string()])
        .parse()
        .unwrap();
    let receipt = json(&node.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY,
        "--gas-limit",
        &estimate.to_string(),
        &contract.to_string(),
        &word.to_string(),
    ]));
    assert_eq!(
        receipt["status"], "0x1",
        "estimate {estimate} must suffice: {receipt}"
    );
    let used = quantity(&receipt["gasUsed"]);
    assert!(
        used <= estimate && estimate > 40_000,
        "used {used}, estimated {estimate}"
    );
    check_access_list(node, &receipt, contract, word);
    let log = &receipt["logs"][0];
    assert_eq!(parse::<B256>(&log["topics"][0]), stored_topic());
    assert_eq!(field::<B256>(log, "data"), word);
    assert_eq!(field::<Address>(log, "address"), contract);

    // Read it back: eth_call, storage, logs.
    assert_eq!(
        node.cast(&["call", &contract.to_string(), "0x"]),
        word.to_string()
    );
    assert_eq!(
        node.cast(&["storage", &contract.to_string(), "0"]),
        word.to_string()
    );
    let logs = json(&node.cast(&[
        "logs",
        "--json",
        "--from-block",
        "0",
        "--address",
        &contract.to_string(),
        &stored_topic().to_string(),
    ]));
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0]["transactionHash"], receipt["transactionHash"]);
    let other_topic = keccak256("Other()").to_string();
    let none = json(&node.cast(&["logs", "--json", "--from-block", "0", &other_topic]));
    assert_eq!(none.as_array().unwrap().len(), 0);

    // A reverting deploy: estimate fails with geth's words.
    let err = node
        .try_cast(&["estimate", "--create", "0x60006000fd"])
        .unwrap_err();
    assert!(err.contains("execution reverted"), "{err}");

    // Proofs check out against the state root.
    let root: B256 = node
        .cast(&["block", "latest", "--field", "stateRoot"])
        .parse()
        .unwrap();
    check_proof(node, root, contract, Some((B256::ZERO, U256::from(42))));
    check_proof(node, root, DEV_ADDRESS, None);
    check_proof(node, root, Address::repeat_byte(0x77), None);

    // Fees.
    assert!(node.cast(&["gas-price"]).parse::<u128>().unwrap() > 0);
    let history = node.rpc(
        "eth_feeHistory",
        &["0x3".into(), "latest".into(), "[50]".into()],
    );
    assert_eq!(
        history["baseFeePerGas"].as_array().unwrap().len(),
        4,
        "{history}"
    );
    assert_eq!(history["reward"].as_array().unwrap().len(), 3, "{history}");
    contract
}

/// The Amsterdam block of `receipt`, where `contract` stored `word` in slot 0: its JSON carries
/// the slot number and the access list's hash; the list is served raw (hashing to that
/// commitment) and as JSON (by id, hash and number alike) and records the store; an unknown
/// block has none.
fn check_access_list(node: &NodeProcess, receipt: &Value, contract: Address, word: B256) {
    let number = receipt["blockNumber"].as_str().unwrap().to_string();
    let hash = receipt["blockHash"].as_str().unwrap().to_string();
    let block = json(&node.cast(&["block", "--json", &number]));
    assert_eq!(quantity(&block["slotNumber"]), quantity(&block["number"]));
    let commitment: B256 = field(&block, "blockAccessListHash");

    let raw: Bytes = parse(&node.rpc("eth_getBlockAccessListRaw", &[number.clone().into()]));
    assert_eq!(keccak256(&raw), commitment);
    let debug: Bytes = parse(&node.rpc("debug_getRawBlockAccessList", &[hash.clone().into()]));
    assert_eq!(debug, raw);

    let list = node.rpc("eth_getBlockAccessList", &[number.clone().into()]);
    assert_eq!(
        node.rpc("eth_getBlockAccessListByBlockHash", &[hash.into()]),
        list
    );
    assert_eq!(
        node.rpc("eth_getBlockAccessListByBlockNumber", &[number.into()]),
        list
    );
    let decoded: alloy_eips::eip7928::BlockAccessList =
        serde_json::from_value(list.clone()).unwrap();
    let mut rlp = Vec::new();
    alloy_rlp::encode_list(&decoded, &mut rlp);
    assert_eq!(Bytes::from(rlp), raw, "the JSON is the raw list: {list}");
    let account = decoded
        .iter()
        .find(|a| a.address == contract)
        .unwrap_or_else(|| panic!("{contract} not in {list}"));
    let slot = account
        .storage_changes
        .iter()
        .find(|s| s.slot == U256::ZERO)
        .unwrap_or_else(|| panic!("slot 0 not in {list}"));
    assert_eq!(
        slot.changes.last().unwrap().new_value,
        U256::from_be_bytes(word.0)
    );
    assert!(
        decoded
            .iter()
            .any(|a| a.address == DEV_ADDRESS && !a.nonce_changes.is_empty())
    );

    assert_eq!(
        node.rpc("eth_getBlockAccessList", &["0x1000".into()]),
        Value::Null
    );
    assert!(
        node.rpc_err("debug_getRawBlockAccessList", &["0x1000"])
            .contains("predates Amsterdam"),
    );
}

/// `cast proof` of `address` (and one slot) verifies under `root`.
fn check_proof(node: &NodeProcess, root: B256, address: Address, slot: Option<(B256, U256)>) {
    let mut args = vec!["proof".to_string(), address.to_string()];
    if let Some((key, _)) = slot {
        args.push(key.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let proof = json(&node.cast(&args));
    let nodes = |v: &Value| -> Vec<Bytes> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().parse().unwrap())
            .collect()
    };
    let account = TrieAccount {
        nonce: quantity(&proof["nonce"]),
        balance: field(&proof, "balance"),
        storage_root: field(&proof, "storageHash"),
        code_hash: field(&proof, "codeHash"),
    };
    let exists = account.balance > U256::ZERO || account.nonce > 0;
    let leaf = exists.then(|| alloy_rlp::encode(account));
    verify_proof(
        root,
        Nibbles::unpack(keccak256(address)),
        leaf.clone(),
        &nodes(&proof["accountProof"]),
    )
    .unwrap_or_else(|e| panic!("account proof of {address}: {e:?}"));
    // The same proof must not prove another account body.
    let mut wrong = account;
    wrong.balance += U256::from(1);
    assert!(
        verify_proof(
            root,
            Nibbles::unpack(keccak256(address)),
            Some(alloy_rlp::encode(wrong)),
            &nodes(&proof["accountProof"])
        )
        .is_err()
    );
    if let Some((key, value)) = slot {
        let sp = &proof["storageProof"][0];
        assert_eq!(field::<U256>(sp, "value"), value);
        verify_proof(
            account.storage_root,
            Nibbles::unpack(keccak256(key)),
            Some(alloy_rlp::encode(value)),
            &nodes(&sp["proof"]),
        )
        .expect("storage proof");
    }
}

#[test]
fn l2_node_is_driven_by_cast_and_its_blocks_validate_statelessly() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", dir.path(), &[]);
    drive_with_cast(&node, 901);
    check_stateless_inputs(&node, &ChainSpec::dev(Role::L2, 901));
    assert!(node.block_number() >= 3);

    // The L2 takes no blob transactions.
    let blob = dir.path().join("blob.bin");
    std::fs::write(&blob, b"rollup batch").unwrap();
    let err = node
        .try_cast(&[
            "send",
            "--private-key",
            DEV_KEY,
            "--blob",
            "--path",
            blob.to_str().unwrap(),
            &RECIPIENT.to_string(),
        ])
        .unwrap_err();
    assert!(
        err.contains("blob transactions are not allowed on the L2"),
        "{err}"
    );
}

/// `debug_setHead` re-orgs a dev chain on demand (what the rollup's L1 re-org test does),
/// and only a node started with `--dev.set-head` serves it.
#[test]
fn debug_set_head_rewinds_a_chain_that_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start("l2", &dir.path().join("closed"), &[]);
    let err = node.rpc_err("debug_setHead", &["0x0"]);
    assert!(err.contains("Method not found"), "{err}");
    drop(node);

    let node = NodeProcess::start("l2", &dir.path().join("open"), &["--dev.set-head"]);
    let send = || field::<B256>(&send_ether(&node), "blockHash");
    send();
    let removed_block = send();
    assert_eq!(node.block_number(), 2);
    assert_eq!(node.rpc("debug_setHead", &[Value::from("0x1")]), "0x1");
    assert_eq!(node.block_number(), 1);
    assert_eq!(node.balance(RECIPIENT), U256::from(ETHER));
    let gone = node.rpc(
        "eth_getBlockByHash",
        &[Value::from(removed_block.to_string()), Value::Bool(false)],
    );
    assert_eq!(gone, Value::Null);
    // The chain goes on from block 1.
    send();
    assert_eq!(node.block_number(), 2);
    assert_eq!(node.balance(RECIPIENT), U256::from(2 * ETHER));
}

#[test]
fn l1_devnet_is_driven_by_cast_runs_execute_and_checks_blobs() {
    let l1_dir = tempfile::tempdir().unwrap();
    let l2_dir = tempfile::tempdir().unwrap();
    let l1 = NodeProcess::start("l1", l1_dir.path(), &[]);
    drive_with_cast(&l1, 1337);

    // An L2 block's input, from a real L2 node, settled by EXECUTE on the L1.
    let l2 = NodeProcess::start("l2", l2_dir.path(), &[]);
    let input = l2_transfer_input(&l2);
    let execute = nr_execute::EXECUTE_ADDRESS.to_string();
    let out: Bytes = l1.cast(&["call", &execute, &input]).parse().unwrap();
    let output = nr_statement::ExecuteOutput::decode(&out, false).expect("EXECUTE's output");
    let nr_statement::ValidationResult::Single(result) = &output.result else {
        panic!("a single block's result")
    };
    assert!(result.successful_validation);
    assert_eq!(result.chain_id, 901);
    let decoded = StatelessInput::decode(&hex::decode(&input).unwrap()).unwrap();
    assert_eq!(
        result.new_payload_request_root,
        decoded.new_payload_request_root()
    );
    // Its summary is the block's: the number and hash the L2 node sealed.
    let payload = &decoded.new_payload_request.execution_payload;
    assert_eq!(output.blocks[0].number, payload.block_number);
    assert_eq!(output.blocks[0].block_hash, payload.block_hash);

    // In a transaction: included, successful, charged EXECUTE's up-front gas.
    let send_execute = |data: &str| {
        json(&l1.cast(&[
            "send",
            "--json",
            "--private-key",
            DEV_KEY,
            "--gas-limit",
            "16000000",
            &execute,
            data,
        ]))
    };
    let receipt = send_execute(&input);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let receipt_ok = receipt.clone();
    let used = quantity(&receipt["gasUsed"]);
    let charge = nr_execute::gas::upfront_gas(&hex::decode(&input).unwrap());
    assert!(
        used > charge,
        "used {used}, EXECUTE charges {charge} before the block's L2 gas"
    );

    // A tampered input halts EXECUTE: a call says why (the JSON-RPC error names EXECUTE's
    // reason), and a transaction is still included, and fails.
    let mut bad = hex::decode(&input).unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let err = l1
        .try_cast(&["call", &execute, &hex::encode_prefixed(&bad)])
        .unwrap_err();
    assert!(
        err.contains("execution halted: precompile failed: L2 block invalid"),
        "{err}"
    );
    let receipt = send_execute(&hex::encode_prefixed(&bad));
    assert_eq!(receipt["status"], "0x0", "{receipt}");
    assert_eq!(
        receipt["gasUsed"], "0xf42400",
        "a halt consumes all 16M gas"
    );
    // Block building logged why (at debug level), in EXECUTE's words.
    let hash = receipt["transactionHash"].as_str().unwrap();
    let line = l1.log_line(&["transaction halted", hash]);
    assert!(line.contains("L2 block invalid"), "{line}");
    // The call tracer shows the call to EXECUTE and that it failed, all gas gone.
    let trace = l1.rpc(
        "debug_traceTransaction",
        &[hash.into(), serde_json::json!({"tracer": "callTracer"})],
    );
    assert_eq!(
        trace["to"].as_str().unwrap().to_lowercase(),
        execute.to_lowercase()
    );
    assert!(trace["error"].is_string(), "{trace}");
    assert_eq!(trace["gasUsed"], "0xf42400", "{trace}");
    // The successful settlement before it traces as a success.
    let ok = l1.rpc(
        "debug_traceTransaction",
        &[
            receipt_ok["transactionHash"].clone(),
            serde_json::json!({"tracer": "callTracer"}),
        ],
    );
    assert!(ok.get("error").is_none(), "{ok}");

    // Blob transactions: EIP-7594 sidecars (Osaka) are checked and served back.
    let data = l1_dir.path().join("batch.bin");
    std::fs::write(&data, vec![7u8; 50_000]).unwrap();
    let path = data.to_str().unwrap();
    let receipt = json(&l1.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY,
        "--blob",
        "--path",
        path,
        &RECIPIENT.to_string(),
    ]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(receipt["blobGasUsed"], "0x20000");
    let tx = json(&l1.cast(&["tx", "--json", receipt["transactionHash"].as_str().unwrap()]));
    let versioned: B256 = parse(&tx["blobVersionedHashes"][0]);
    let blobs = l1.rpc("engine_getBlobsV2", &[format!("[\"{versioned}\"]").into()]);
    let blob: Bytes = blobs[0]["blob"].as_str().unwrap().parse().unwrap();
    let settings = c_kzg::ethereum_kzg_settings(0);
    let commitment = settings
        .blob_to_kzg_commitment(&c_kzg::Blob::from_bytes(&blob).unwrap())
        .unwrap();
    assert_eq!(
        nr_execute::blob::kzg_to_versioned_hash(&commitment.to_bytes().into_inner()),
        versioned
    );
    assert_eq!(blobs[0]["proofs"].as_array().unwrap().len(), 128);
    assert_eq!(
        l1.rpc("engine_getBlobsV1", &[format!("[\"{versioned}\"]").into()])[0],
        Value::Null
    );

    // A legacy EIP-4844 sidecar after Osaka, and a wrong cell proof, are refused clearly.
    let err = l1
        .try_cast(&[
            "send",
            "--private-key",
            DEV_KEY,
            "--blob",
            "--eip4844",
            "--path",
            path,
            &RECIPIENT.to_string(),
        ])
        .unwrap_err();
    assert!(
        err.contains("blob sidecar version EIP-4844 (blob proofs) is not accepted at this fork"),
        "{err}"
    );
    let nonce: u64 = l1
        .cast(&["nonce", &DEV_ADDRESS.to_string()])
        .parse()
        .unwrap();
    let raw = blob_tx_with_wrong_cell_proof(nonce);
    let err = l1
        .post("eth_sendRawTransaction", serde_json::json!([raw]))
        .unwrap_err();
    assert_eq!(err["code"], -32000);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid blob sidecar"),
        "{err}"
    );
    // With the proofs intact the same transaction is accepted and sealed.
    let good = blob_tx(nonce, |_| {});
    let hash = l1
        .post("eth_sendRawTransaction", serde_json::json!([good]))
        .unwrap();
    let receipt = json(&l1.cast(&["receipt", "--json", hash.as_str().unwrap()]));
    assert_eq!(receipt["status"], "0x1");

    // BLOBHASH sees the transaction's versioned hash: a contract stores BLOBHASH(0).
    // Runtime: PUSH1 0 BLOBHASH PUSH1 0 SSTORE STOP; the initcode CODECOPYs and RETURNs it.
    let receipt = json(&l1.cast(&[
        "send",
        "--json",
        "--private-key",
        DEV_KEY,
        "--create",
        "0x6007600c60003960076000f360004960005500",
    ]));
    let contract: Address = field(&receipt, "contractAddress");
    let nonce: u64 = l1
        .cast(&["nonce", &DEV_ADDRESS.to_string()])
        .parse()
        .unwrap();
    let (raw, versioned) = blob_call(nonce, contract);
    l1.post("eth_sendRawTransaction", serde_json::json!([raw]))
        .unwrap();
    l1.rpc("evm_mine", &[]);
    assert_eq!(
        l1.cast(&["storage", &contract.to_string(), "0"]),
        versioned.to_string()
    );
}

/// A signed blob transaction (one blob, EIP-7594 sidecar) to [`RECIPIENT`] in network
/// encoding, with `tamper` applied to its sidecar after signing.
fn blob_tx(nonce: u64, tamper: impl FnOnce(&mut BlobTransactionSidecarEip7594)) -> String {
    signed_blob_tx(nonce, RECIPIENT, 21_000, tamper).0
}

/// A blob transaction calling `to`, and its blob's versioned hash. Its gas covers a fresh
/// storage slot, which costs EIP-8037 state gas on Amsterdam.
fn blob_call(nonce: u64, to: Address) -> (String, B256) {
    signed_blob_tx(nonce, to, 300_000, |_| {})
}

fn signed_blob_tx(
    nonce: u64,
    to: Address,
    gas_limit: u64,
    tamper: impl FnOnce(&mut BlobTransactionSidecarEip7594),
) -> (String, B256) {
    let mut blob = Blob::default();
    blob[..5].copy_from_slice(b"hello");
    let mut sidecar = BlobTransactionSidecarEip7594::try_from_blobs(vec![blob]).unwrap();
    let tx = TxEip4844 {
        chain_id: 1337,
        nonce,
        gas_limit,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1_000_000_000,
        ..Default::default()
    };
    let versioned = tx.blob_versioned_hashes[0];
    tamper(&mut sidecar);
    let tx = TxEip4844WithSidecar {
        tx,
        sidecar: BlobTransactionSidecarVariant::Eip7594(sidecar),
    };
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    let envelope: alloy_consensus::EthereumTxEnvelope<
        TxEip4844WithSidecar<BlobTransactionSidecarVariant>,
    > = tx.into_signed(signature).into();
    (hex::encode_prefixed(envelope.encoded_2718()), versioned)
}

fn blob_tx_with_wrong_cell_proof(nonce: u64) -> String {
    // Two valid G1 points swapped: well-formed bytes, wrong proofs.
    blob_tx(nonce, |s| s.cell_proofs.swap(0, 1))
}
