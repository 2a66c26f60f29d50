//! The running rollup end to end: an embedded L1 devnet (in process, real JSON-RPC on
//! loopback), `nr-rollup deploy` and `nr-rollup run` as real processes, and a user driving
//! them over JSON-RPC with alloy: deposit on L1 → relayed claim → balance on L2 → automatic
//! settlement → withdrawal on L2 → claim on L1 with the L2's proofs.

mod common;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockId, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use common::{eventually, verifier_agrees, withdrawal_of};
use nr_contracts::{L2_BRIDGE, L2Bridge, NativeRollup};
use nr_node::{Chain, ChainSpec, NodeConfig, Role};
use nr_rollup::l1::Rollup;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

const USER_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const ETH: u128 = 1_000_000_000_000_000_000;

/// A process killed on drop.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nr-rollup <args>` and returns it with the JSON-RPC URL it logs.
async fn spawn_with_rpc(name: &'static str, args: Vec<String>) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nr-rollup"))
        .args(&args)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("[{name}] {line}");
            let _ = tx.send(line);
        }
    });
    let url = tokio::task::spawn_blocking(move || {
        loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).expect("it starts");
            if line.contains("JSON-RPC listening") {
                let at = line.find("addr=").unwrap();
                break format!(
                    "http://{}",
                    line[at + 5..].split_whitespace().next().unwrap()
                );
            }
        }
    })
    .await
    .unwrap();
    (Proc(child), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_relay_settle_withdraw_and_claim_on_a_running_rollup() {
    // The L1: the dev genesis (EXECUTE active, chain 901 pinned), a block a second.
    let dir = tempfile::TempDir::new().unwrap();
    let spec = ChainSpec::dev(Role::L1, 1337);
    let factory = nr_execute::NativeRollupEvmFactory::new(spec.execute.clone().unwrap());
    let chain = Chain::open(Role::L1, spec, factory, &dir.path().join("l1")).unwrap();
    let l1 = nr_node::start(
        chain,
        NodeConfig {
            http: "127.0.0.1:0".parse().unwrap(),
            block_time: Some(Duration::from_secs(1)),
            fee_recipient: Address::ZERO,
            datadir: dir.path().join("l1"),
            wait_for_anchor: false,
            refuse_senders: Default::default(),
            rpc: Default::default(),
            set_head: false,
        },
    )
    .await
    .unwrap();
    let l1_url = format!("http://{}", l1.addr);

    // Deploy the rollup contract, then start its L2 (sequencer and settler).
    let bin = env!("CARGO_BIN_EXE_nr-rollup");
    let out = tokio::task::spawn_blocking({
        let l1_url = l1_url.clone();
        move || {
            Command::new(bin)
                .args(["deploy", "--l1-rpc", &l1_url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "deploy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rollup_address: Address = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let rollup_arg = rollup_address.to_string();
    let l2_dir = dir.path().join("l2").display().to_string();
    let (_l2_process, l2_url) = spawn_with_rpc(
        "sequencer",
        [
            "run",
            "--l1-rpc",
            &l1_url,
            "--rollup",
            &rollup_arg,
            "--http.port",
            "0",
            "--block-time",
            "1",
            "--settle-interval",
            "2",
            "--datadir",
            &l2_dir,
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    // A verifier node that knows only the L1 and the genesis.
    let verifier_dir = dir.path().join("verifier").display().to_string();
    let (_verifier, verifier_url) = spawn_with_rpc(
        "verifier",
        [
            "verify",
            "--l1-rpc",
            &l1_url,
            "--rollup",
            &rollup_arg,
            "--http.port",
            "0",
            "--datadir",
            &verifier_dir,
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;

    // The user: dev account 2, on both chains.
    let user_key: PrivateKeySigner = USER_KEY.parse().unwrap();
    let user = user_key.address();
    let l2: DynProvider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(user_key.clone()))
        .connect_http(l2_url.parse().unwrap())
        .erased();
    let rollup = Rollup::connect(&l1_url, rollup_address, user_key).unwrap();

    // Deposit 1 ETH for itself on the L2: the sequencer anchors it and relays the claim.
    rollup
        .send(NativeRollup::depositETHCall { to: user }, U256::from(ETH))
        .await
        .unwrap();
    eventually("the deposit reaches the L2", 60, || async {
        (l2.get_balance(user).await.ok()? == U256::from(ETH)).then_some(())
    })
    .await;

    // Withdraw 0.25 ETH to a fresh L1 address.
    let dest = Address::repeat_byte(0xd1);
    let tx = TransactionRequest::default()
        .with_to(L2_BRIDGE)
        .with_value(U256::from(ETH / 4))
        .with_input(Bytes::from(
            L2Bridge::withdrawCall { to: dest }.abi_encode(),
        ));
    let receipt = l2
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "withdraw on the L2");
    let w = withdrawal_of(&receipt);
    let recorded_in = receipt.block_number.unwrap();

    // The settler settles it without being asked; then anyone claims on the L1.
    eventually("the withdrawal's block is settled", 60, || async {
        let settled = rollup
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .ok()?;
        (settled >= recorded_in).then_some(())
    })
    .await;
    let claim = nr_rollup::bridge::withdrawal_claim(&rollup, &l2, &w, recorded_in)
        .await
        .unwrap();
    rollup.send(claim, U256::ZERO).await.unwrap();
    assert_eq!(
        rollup.provider().get_balance(dest).await.unwrap(),
        U256::from(ETH / 4)
    );

    // A transfer forced through the L1 inbox: the sequencer includes it, and a settlement
    // resolves it with the inclusion proof.
    let sink = Address::repeat_byte(0x5c);
    let nonce = l2.get_transaction_count(user).await.unwrap();
    let raw = {
        use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
        use alloy_eips::eip2718::Encodable2718;
        use alloy_signer::SignerSync;
        let tx = TxEip1559 {
            chain_id: 901,
            nonce,
            // Amsterdam: creating `sink` costs EIP-8037 state gas.
            gas_limit: 21_000
                + revm::primitives::eip8037::NEW_ACCOUNT_BYTES
                    * revm::primitives::eip8037::CPSB_GLAMSTERDAM,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: alloy_primitives::TxKind::Call(sink),
            value: U256::from(12_345),
            input: Bytes::new(),
            access_list: Default::default(),
        };
        let key: PrivateKeySigner = USER_KEY.parse().unwrap();
        let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
    };
    rollup
        .send(
            NativeRollup::forceTransactionCall { transaction: raw },
            U256::ZERO,
        )
        .await
        .unwrap();
    eventually(
        "the forced transaction is included and resolved",
        60,
        || async {
            let head = rollup
                .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
                .await
                .ok()?;
            (head == 1).then_some(())
        },
    )
    .await;
    assert_eq!(l2.get_balance(sink).await.unwrap(), U256::from(12_345));

    // The settled head keeps up with the L2 and the escrow backs what the L2 owes.
    let l2_head = l2.get_block_number().await.unwrap();
    eventually("settlement catches up", 60, || async {
        let settled = rollup
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .ok()?;
        (settled >= l2_head).then_some(())
    })
    .await;
    // The verifier rebuilt the same chain from the L1 alone: same blocks, same state.
    let verifier: DynProvider = ProviderBuilder::new()
        .connect_http(verifier_url.parse().unwrap())
        .erased();
    let settled = rollup
        .view(NativeRollup::headNumberCall {}, BlockId::latest())
        .await
        .unwrap();
    verifier_agrees(&l2, &verifier, settled, sink).await;
    l1.stop().await.unwrap();
}
