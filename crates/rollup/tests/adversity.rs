//! The rollup under adversity, as real processes on loopback: the L1 (`nr-node`), the
//! sequencer with its settler (`nr-rollup run`) and the verifier (`nr-rollup verify`).
//!
//! - A sequencer that censors a sender: the sender's transfer still reaches the L2 through
//!   the L1 inbox (`nr-rollup force-include`) and a settlement resolves it.
//! - SIGKILL of each process mid-run, restarted on the same datadir and port: no sealed or
//!   settled block is lost, no message is paid twice, and the heads converge.
//!
//! The L1 is `nr-node`, built beside `nr-rollup` by the workspace's `cargo test`.

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockId, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use nr_contracts::NativeRollup;
use nr_rollup::l1::Rollup;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const ETH: u128 = 1_000_000_000_000_000_000;

/// A running process, SIGKILLed on drop.
struct Proc {
    child: Child,
}

impl Proc {
    fn start(name: String, bin: &Path, args: &[String]) -> Self {
        let mut child = Command::new(bin)
            .args(args)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        for pipe in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let name = name.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    eprintln!("[{name}] {line}");
                }
            });
        }
        Self { child }
    }

    /// SIGKILL: no orderly stop, nothing flushed beyond what is already durable.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rollup_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nr-rollup"))
}

fn node_bin() -> PathBuf {
    let bin = rollup_bin().with_file_name("nr-node");
    assert!(
        bin.exists(),
        "{} missing: the workspace's `cargo test` builds it (or `cargo build -p nr-node`)",
        bin.display()
    );
    bin
}

/// A port free now, to restart a process on the same URL.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 250 ms until it gives `Some`, for at most `secs`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    secs: u64,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn provider(url: &str) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(url.parse().unwrap())
        .erased()
}

/// Waits until JSON-RPC answers at `url`.
async fn serving(url: &str) {
    let p = provider(url);
    eventually(&format!("{url} serves"), 60, || async {
        p.get_chain_id().await.ok()
    })
    .await;
}

/// Runs `nr-rollup <args>` to completion with `key`: stdout, or the failure's stderr.
fn cli(args: &[&str], key: &str) -> Result<String, String> {
    let out = Command::new(rollup_bin())
        .args(args)
        .env("NR_PRIVATE_KEY", key)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().trim().to_string();
    if out.status.success() {
        Ok(text(out.stdout))
    } else {
        Err(text(out.stderr))
    }
}

/// The processes of one rollup and where they serve.
struct Rig {
    /// Names this rig's processes in the log.
    tag: &'static str,
    dir: tempfile::TempDir,
    l1_url: String,
    rollup: Address,
    l2_port: u16,
    verifier_port: u16,
}

impl Rig {
    /// Starts the L1 and deploys the rollup contract on it.
    async fn new(tag: &'static str) -> (Self, Proc) {
        let dir = tempfile::TempDir::new().unwrap();
        let l1_port = free_port();
        let rig = Self {
            tag,
            dir,
            l1_url: format!("http://127.0.0.1:{l1_port}"),
            rollup: Address::ZERO,
            l2_port: free_port(),
            verifier_port: free_port(),
        };
        let l1 = rig.start_l1().await;
        // Dev account 0 deploys (the default sequencer's key, as the testnet does).
        let dev0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let address = cli(&["deploy", "--l1-rpc", &rig.l1_url], dev0).expect("deploy");
        (
            Self {
                rollup: address.parse().unwrap(),
                ..rig
            },
            l1,
        )
    }

    fn l2_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.l2_port)
    }

    fn verifier_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.verifier_port)
    }

    fn path(&self, sub: &str) -> String {
        self.dir.path().join(sub).display().to_string()
    }

    async fn start_l1(&self) -> Proc {
        let port = self.l1_url.rsplit(':').next().unwrap().to_string();
        let l1 = Proc::start(
            format!("{}/l1", self.tag),
            &node_bin(),
            &[
                "run",
                "--role",
                "l1",
                "--block-time",
                "1",
                "--http.port",
                &port,
                "--datadir",
                &self.path("l1"),
            ]
            .map(String::from),
        );
        serving(&self.l1_url).await;
        l1
    }

    async fn start_sequencer(&self, extra: &[&str]) -> Proc {
        let mut args = [
            "run",
            "--l1-rpc",
            &self.l1_url,
            "--rollup",
            &self.rollup.to_string(),
            "--http.port",
            &self.l2_port.to_string(),
            "--block-time",
            "1",
            "--settle-interval",
            "2",
            "--datadir",
            &self.path("l2"),
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Proc::start(format!("{}/sequencer", self.tag), &rollup_bin(), &args);
        serving(&self.l2_url()).await;
        p
    }

    async fn start_verifier(&self) -> Proc {
        let p = Proc::start(
            format!("{}/verifier", self.tag),
            &rollup_bin(),
            &[
                "verify",
                "--l1-rpc",
                &self.l1_url,
                "--rollup",
                &self.rollup.to_string(),
                "--http.port",
                &self.verifier_port.to_string(),
                "--datadir",
                &self.path("verifier"),
            ]
            .map(String::from),
        );
        serving(&self.verifier_url()).await;
        p
    }

    async fn settled(&self) -> Option<u64> {
        Rollup::connect(&self.l1_url, self.rollup, PrivateKeySigner::random())
            .ok()?
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .ok()
    }

    /// Deposits `eth` (decimal) from `key`'s L1 account to its L2 account, by the CLI.
    fn deposit(&self, key: &str, eth: &str) -> u64 {
        let to = key
            .parse::<PrivateKeySigner>()
            .unwrap()
            .address()
            .to_string();
        cli(
            &[
                "deposit",
                "--l1-rpc",
                &self.l1_url,
                "--rollup",
                &self.rollup.to_string(),
                "--to",
                &to,
                "--value",
                eth,
            ],
            key,
        )
        .expect("deposit")
        .parse()
        .unwrap()
    }
}

async fn balance_is(url: &str, who: Address, wei: u128) {
    let p = provider(url);
    eventually(&format!("{who} holds {wei} wei at {url}"), 60, || async {
        (p.get_balance(who).await.ok()? == U256::from(wei)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_censored_sender_gets_in_through_the_l1_inbox() {
    // Dev account 3, whom the sequencer refuses at its RPC.
    let key = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let who = signer.address();
    let (rig, _l1) = Rig::new("censored").await;
    let _sequencer = rig
        .start_sequencer(&["--refuse-sender", &who.to_string()])
        .await;
    rig.deposit(key, "1");
    balance_is(&rig.l2_url(), who, ETH).await;

    // Sent to the sequencer, the transfer is refused, with the way around named.
    let sink = Address::repeat_byte(0xc5);
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rig.l2_url().parse().unwrap());
    let tx = TransactionRequest::default()
        .with_to(sink)
        .with_value(U256::from(ETH / 10));
    let err = l2.send_transaction(tx).await.unwrap_err().to_string();
    assert!(
        err.contains("refused by this node's policy") && err.contains("L1 inbox"),
        "{err}"
    );

    // Forced through the L1, it is included, and a settlement resolves it.
    let hash: B256 = cli(
        &[
            "force-include",
            "--l1-rpc",
            &rig.l1_url,
            "--l2-rpc",
            &rig.l2_url(),
            "--rollup",
            &rig.rollup.to_string(),
            "--to",
            &sink.to_string(),
            "--value",
            "0.1",
        ],
        key,
    )
    .expect("force-include")
    .parse()
    .unwrap();
    let receipt = eventually("the forced transaction is in an L2 block", 60, || async {
        l2.get_transaction_receipt(hash).await.ok().flatten()
    })
    .await;
    assert!(receipt.status());
    assert_eq!(
        l2.get_balance(sink).await.unwrap(),
        U256::from(ETH / 10),
        "the censored transfer happened"
    );
    let rollup = Rollup::connect(&rig.l1_url, rig.rollup, PrivateKeySigner::random()).unwrap();
    eventually("a settlement resolves it", 60, || async {
        let head = rollup
            .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
            .await
            .ok()?;
        (head == 1).then_some(())
    })
    .await;
    let (block, settled) = (receipt.block_number.unwrap(), rig.settled().await.unwrap());
    assert!(settled >= block, "settled {settled}, included in {block}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_each_process_loses_nothing() {
    // Dev account 4.
    let key = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let who = signer.address();
    let (rig, l1) = Rig::new("sigkill").await;
    let sequencer = rig.start_sequencer(&[]).await;
    let verifier = rig.start_verifier().await;
    assert_eq!(rig.deposit(key, "1"), 0);
    balance_is(&rig.l2_url(), who, ETH).await;
    let l2 = provider(&rig.l2_url());

    // The sequencer (and its settler) killed; a deposit arrives while it is down.
    let before = l2.get_block_number().await.unwrap();
    let sealed = l2
        .get_block_by_number(before.into())
        .await
        .unwrap()
        .unwrap();
    sequencer.kill();
    assert_eq!(rig.deposit(key, "0.5"), 1);
    let sequencer = rig.start_sequencer(&[]).await;
    let again = l2
        .get_block_by_number(before.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.header.hash, sealed.header.hash, "block {before} kept");
    // Message 1 is paid once, message 0 not again.
    balance_is(&rig.l2_url(), who, ETH + ETH / 2).await;

    // A transfer, settled; then the L1 killed and restarted on the same port.
    let sink = Address::repeat_byte(0xfa);
    let wallet = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rig.l2_url().parse().unwrap());
    let send = |value| {
        let tx = TransactionRequest::default()
            .with_to(sink)
            .with_value(U256::from(value));
        let wallet = wallet.clone();
        async move {
            let r = wallet
                .send_transaction(tx)
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap();
            assert!(r.status());
            r.block_number.unwrap()
        }
    };
    let block = send(ETH / 10).await;
    let settled = eventually("the transfer is settled", 60, || async {
        rig.settled().await.filter(|&s| s >= block)
    })
    .await;
    l1.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _l1 = rig.start_l1().await;
    assert!(
        rig.settled().await.unwrap() >= settled,
        "settled head {settled} kept"
    );

    // The verifier killed and restarted; one more transfer after all three restarts.
    verifier.kill();
    let _verifier = rig.start_verifier().await;
    let last = send(ETH / 10).await;
    let settled = eventually("settlement goes on after the restarts", 90, || async {
        rig.settled().await.filter(|&s| s >= last)
    })
    .await;
    let verifier = provider(&rig.verifier_url());
    eventually("the verifier reaches the settled head", 60, || async {
        (verifier.get_block_number().await.ok()? >= settled).then_some(())
    })
    .await;
    let theirs = l2
        .get_block_by_number(settled.into())
        .await
        .unwrap()
        .unwrap();
    let ours = verifier
        .get_block_by_number(settled.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ours.header.hash, theirs.header.hash, "same block {settled}");
    assert_eq!(ours.header.state_root, theirs.header.state_root);
    assert_eq!(
        verifier
            .get_balance(sink)
            .block_id(BlockId::number(settled))
            .await
            .unwrap(),
        U256::from(ETH / 5)
    );
    drop(sequencer);
}
