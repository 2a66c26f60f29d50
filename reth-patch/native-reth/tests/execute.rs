//! EXECUTE inside reth: a dev node (auto-mining, Amsterdam from genesis) built exactly as
//! `native-reth node --dev` builds it, driven over its JSON-RPC. A real Amsterdam L2 block
//! (schema 0x1501), sealed by this project's L2 engine, is settled by re-execution in `eth_call`, `eth_estimateGas` and a mined
//! transaction (exact gas); a tampered one halts inside a transaction that is still mined;
//! a real SP1 Groth16 proof in proof mode reaches the proof path and halts at the
//! statement check (its public values are fibonacci's, not a statement); and
//! `debug_executionWitness` serves the block that called EXECUTE.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, hex};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::{core::client::ClientT, http_client::HttpClient, rpc_params};
use native_reth::{EXECUTE_ADDRESS, NativeExecutorBuilder};
use nr_execute::{
    Backend,
    input::{ExecuteInput, ProofEntry, ProofInput},
};
use nr_node::{BlockAttributes, Chain, ChainSpec, Role};
use reth_ethereum::{
    node::{
        EthereumNode,
        builder::{NodeBuilder, NodeHandle},
        core::{
            args::{DevArgs, RpcServerArgs},
            node_config::NodeConfig,
        },
        node::EthereumAddOns,
    },
    rpc::builder::RpcModuleSelection,
    tasks::Runtime,
};
use serde_json::Value;
use std::time::Duration;

/// Dev account 0 of the "test ... junk" mnemonic (funded in reth's dev genesis).
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_CHAIN_ID: u64 = 1337;
const GAS: u64 = 16_000_000;

/// A real L2 block of three transfers, sealed by the project's L2 engine: its EXECUTE input.
fn l2_block_input() -> Vec<u8> {
    let dir = tempfile_dir();
    let spec = ChainSpec::dev(Role::L2, 901);
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), &dir).unwrap();
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    for nonce in 0..3 {
        chain
            .submit(&sign(
                &key,
                901,
                nonce,
                address!("0x000000000000000000000000000000000000bEEF"),
                Bytes::new(),
                21_000,
            ))
            .unwrap();
    }
    let sealed = chain
        .seal(BlockAttributes {
            timestamp: 12,
            fee_recipient: Address::ZERO,
            prev_randao: B256::ZERO,
            parent_beacon_block_root: B256::ZERO,
        })
        .unwrap();
    assert_eq!(sealed.block.body.transactions.len(), 3);
    let input = chain.store().stateless_input(1).unwrap().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    input
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("native-reth-l2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sign(
    key: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    input: Bytes,
    gas: u64,
) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::ZERO,
        input,
        ..Default::default()
    };
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

/// Intrinsic gas of a value-less call with this calldata on Amsterdam, as revm computes it
/// with execution-specs' values (EIP-7976's floor is far below EXECUTE's charge here).
fn intrinsic(data: &[u8]) -> u64 {
    use alloy_evm::revm::{
        context_interface::cfg::{GasParams, gas_params::Eip2780TxInfo},
        primitives::hardfork::SpecId,
    };
    let mut params = GasParams::new_spec(SpecId::AMSTERDAM);
    nr_stateless::gas::apply(&mut params);
    let info = Eip2780TxInfo {
        value: U256::ZERO,
        is_self_transfer: false,
    };
    params
        .initial_tx_gas(data, false, 0, 0, 0, Some(info))
        .initial_regular_gas
}

/// Sends a transaction from `key` calling EXECUTE with `data` (16M gas) and waits until
/// it is mined; returns its receipt.
async fn call_execute(
    client: &HttpClient,
    key: &PrivateKeySigner,
    nonce: u64,
    data: Bytes,
) -> Value {
    let raw = sign(key, DEV_CHAIN_ID, nonce, EXECUTE_ADDRESS, data, GAS);
    let hash: Value = client
        .request("eth_sendRawTransaction", rpc_params![Bytes::from(raw)])
        .await
        .unwrap();
    receipt(client, &hash).await
}

async fn receipt(client: &HttpClient, hash: &Value) -> Value {
    for _ in 0..200 {
        let r: Value = client
            .request("eth_getTransactionReceipt", rpc_params![hash])
            .await
            .unwrap();
        if !r.is_null() {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("transaction {hash} not mined within 10 s");
}

/// The dev L1 as `nr-node genesis --role l1` writes it (Amsterdam from genesis, the dev
/// accounts funded), read by reth as a user's `--chain` file is, its EXECUTE section
/// settling the dev L2 (chain 901) and accepting `vkey` wrapped in Groth16.
fn l1_chain_spec(vkey: [u8; 32]) -> std::sync::Arc<reth_ethereum::chainspec::ChainSpec> {
    let mut genesis = nr_node::genesis::dev_genesis(Role::L1, DEV_CHAIN_ID);
    let l2 = nr_node::genesis::dev_genesis(Role::L2, 901).config;
    genesis.config.extra_fields.insert(
        nr_execute::spec::SECTION.into(),
        serde_json::json!({
            "activationTime": 0,
            "threshold": 1,
            "programs": [{"vkey": B256::from(vkey), "digest": "sha256", "wrappers": ["groth16"]}],
            "l2Chains": [l2],
        }),
    );
    let spec = reth_ethereum::chainspec::ChainSpec::from(genesis);
    assert!(
        reth_ethereum::chainspec::EthereumHardforks::is_amsterdam_active_at_timestamp(&spec, 0),
        "reth reads Amsterdam at genesis"
    );
    native_reth::execute_config(&spec).expect("the section reads back");
    std::sync::Arc::new(spec)
}

fn quantity(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn execute_settles_l2_blocks_in_reth() -> eyre::Result<()> {
    let input = l2_block_input();

    // The real SP1 v6.1.0 Groth16 fixture; its program is accepted on this L1.
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/sp1/groth16-v6.1.0.json"
    ))?)?;
    let unhex = |k: &str| hex::decode(fixture[k].as_str().unwrap()).unwrap();
    let vkey: [u8; 32] = unhex("vkey").try_into().unwrap();
    let config = NodeConfig::test()
        .with_chain(l1_chain_spec(vkey))
        .with_dev(DevArgs {
            dev: true,
            ..Default::default()
        })
        .with_rpc(
            RpcServerArgs::default()
                .with_unused_ports()
                .with_http()
                .with_http_api(RpcModuleSelection::All),
        );
    let NodeHandle { node, .. } = NodeBuilder::new(config)
        .testing_node(Runtime::test())
        .with_types::<EthereumNode>()
        .with_components(
            EthereumNode::components().executor(NativeExecutorBuilder),
        )
        .with_add_ons(EthereumAddOns::default())
        .launch_with_debug_capabilities()
        .await?;
    let client = node
        .rpc_server_handle()
        .http_client()
        .expect("HTTP RPC is on");
    let key: PrivateKeySigner = DEV_KEY.parse()?;
    let execute = EXECUTE_ADDRESS;
    let call = serde_json::json!({"to": execute, "input": Bytes::from(input.clone()), "gas": format!("0x{GAS:x}")});

    // eth_call: EXECUTE's output for the L2 block, its result and its summary.
    let out: Bytes = client
        .request("eth_call", rpc_params![call.clone(), "latest"])
        .await?;
    let output = nr_execute::output::ExecuteOutput::decode(&out, false).expect("EXECUTE's output");
    assert!(output.result.successful());
    assert_eq!(output.result.chain_id(), 901);
    assert_eq!(output.blocks.len(), 1);
    assert_eq!(
        nr_stateless::StatelessInput::decode(&input).unwrap().schema,
        nr_stateless::SchemaId::v1(nr_stateless::Fork::Amsterdam)
    );

    // eth_estimateGas covers intrinsic gas plus EXECUTE's charge for the block's 15M gas
    // limit; reth (like geth) ends its search within a 1.5% error ratio.
    let charge = nr_execute::gas::reexecution_gas(input.len(), [15_000_000]);
    let exact = intrinsic(&input) + charge;
    let estimate: Value = client
        .request("eth_estimateGas", rpc_params![call, "latest"])
        .await?;
    let estimate = quantity(&estimate);
    assert!(
        estimate >= exact && estimate - exact <= exact * 15 / 1000,
        "estimate {estimate}, exact {exact}"
    );

    // Mined: status 1, exactly intrinsic gas plus EXECUTE's charge.
    let mined = call_execute(&client, &key, 0, input.clone().into()).await;
    assert_eq!(mined["status"], "0x1", "{mined}");
    assert_eq!(quantity(&mined["gasUsed"]), exact);

    // The L1 block is an Amsterdam block: reth built its EIP-7928 access list.
    let block: Value = client
        .request(
            "eth_getBlockByNumber",
            rpc_params![mined["blockNumber"].clone(), false],
        )
        .await?;
    assert!(block["blockAccessListHash"].is_string(), "{block}");
    assert!(block["slotNumber"].is_string(), "{block}");

    // The block that called EXECUTE has an execution witness (built on the same EVM).
    let witness: Value = client
        .request(
            "debug_executionWitness",
            rpc_params![mined["blockNumber"].clone()],
        )
        .await?;
    assert!(
        !witness["state"].as_array().unwrap().is_empty(),
        "{witness}"
    );

    // A tampered L2 block halts EXECUTE; the transaction is mined and burns its gas.
    let mut bad = input.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let failed = call_execute(&client, &key, 1, bad.into()).await;
    assert_eq!(failed["status"], "0x0", "{failed}");
    assert_eq!(quantity(&failed["gasUsed"]), GAS);

    // Proof mode with the real SP1 proof: priced as one Groth16 proof, then halted at the
    // statement (fibonacci's public values do not decode as one).
    let proof_input = ExecuteInput::Proof(ProofInput {
        statement: unhex("publicValues").try_into().unwrap(),
        blob_openings: Vec::new().try_into().unwrap(),
        proofs: vec![ProofEntry {
            backend: Backend::Sp1Groth16 as u8,
            program_vkey: vkey,
            proof: unhex("proof").try_into().unwrap(),
        }]
        .try_into()
        .unwrap(),
    })
    .encode();
    let needed = nr_execute::gas::proof_gas(proof_input.len(), [Backend::Sp1Groth16], 0);
    assert!(intrinsic(&proof_input) + needed < GAS);
    let err = client
        .request::<Bytes, _>(
            "eth_call",
            rpc_params![
                serde_json::json!({"to": execute, "input": Bytes::from(proof_input.clone())}),
                "latest"
            ],
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("EVM error: PrecompileError"),
        "{err}"
    );
    let halted = call_execute(&client, &key, 2, proof_input.into()).await;
    assert_eq!(halted["status"], "0x0", "{halted}");
    assert_eq!(quantity(&halted["gasUsed"]), GAS);
    Ok(())
}
