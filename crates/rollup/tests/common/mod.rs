//! What the rollup's process-level tests share: processes on loopback (the L1 as `nr-node`,
//! the sequencer and settler as `nr-rollup run`, the verifier as `nr-rollup verify`), the
//! bridge CLI, and polling.
#![allow(dead_code)]

use alloy_primitives::{Address, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::BlockId;
use alloy_signer_local::PrivateKeySigner;
use nr_contracts::NativeRollup;
use nr_rollup::l1::Rollup;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub const ETH: u128 = 1_000_000_000_000_000_000;

/// A running process, SIGKILLed on drop.
pub struct Proc {
    child: Child,
}

impl Proc {
    pub fn start(name: String, bin: &Path, args: &[String]) -> Self {
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
    pub fn kill(mut self) {
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

pub fn rollup_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nr-rollup"))
}

pub fn node_bin() -> PathBuf {
    let bin = rollup_bin().with_file_name("nr-node");
    assert!(
        bin.exists(),
        "{} missing: the workspace's `cargo test` builds it (or `cargo build -p nr-node`)",
        bin.display()
    );
    bin
}

/// A port free now, to restart a process on the same URL.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 250 ms until it gives `Some`, for at most `secs`.
pub async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
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

pub fn provider(url: &str) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(url.parse().unwrap())
        .erased()
}

/// Waits until JSON-RPC answers at `url`.
pub async fn serving(url: &str) {
    let p = provider(url);
    eventually(&format!("{url} serves"), 60, || async {
        p.get_chain_id().await.ok()
    })
    .await;
}

/// Runs `nr-rollup <args>` to completion with `key`: stdout, or the failure's stderr.
pub fn cli(args: &[&str], key: &str) -> Result<String, String> {
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
pub struct Rig {
    /// Names this rig's processes in the log.
    pub tag: &'static str,
    pub dir: tempfile::TempDir,
    pub l1_url: String,
    pub rollup: Address,
    pub l2_port: u16,
    pub verifier_port: u16,
}

impl Rig {
    /// Starts the L1 and deploys the rollup contract on it.
    pub async fn new(tag: &'static str) -> (Self, Proc) {
        Self::deployed_with(tag, &[]).await
    }

    /// [`Rig::new`] with more `nr-rollup deploy` arguments.
    pub async fn deployed_with(tag: &'static str, deploy: &[&str]) -> (Self, Proc) {
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
        let args = [&["deploy", "--l1-rpc", &rig.l1_url][..], deploy].concat();
        let address = cli(&args, dev0).expect("deploy");
        (
            Self {
                rollup: address.parse().unwrap(),
                ..rig
            },
            l1,
        )
    }

    pub fn l2_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.l2_port)
    }

    pub fn verifier_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.verifier_port)
    }

    pub fn path(&self, sub: &str) -> String {
        self.dir.path().join(sub).display().to_string()
    }

    pub async fn start_l1(&self) -> Proc {
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
                // Tests re-org it with `debug_setHead`.
                "--dev.set-head",
            ]
            .map(String::from),
        );
        serving(&self.l1_url).await;
        l1
    }

    pub async fn start_sequencer(&self, extra: &[&str]) -> Proc {
        self.start_sequencer_at("l2", self.l2_port, extra).await
    }

    /// A sequencer of this rollup on datadir `sub` and port `port` (a second one: a rival).
    pub async fn start_sequencer_at(&self, sub: &str, port: u16, extra: &[&str]) -> Proc {
        let mut args = [
            "run",
            "--l1-rpc",
            &self.l1_url,
            "--rollup",
            &self.rollup.to_string(),
            "--http.port",
            &port.to_string(),
            "--block-time",
            "1",
            "--datadir",
            &self.path(sub),
        ]
        .map(String::from)
        .to_vec();
        // Settle every 2 s unless the test says otherwise.
        if !extra.contains(&"--settle-interval") {
            args.extend(["--settle-interval".into(), "2".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Proc::start(
            format!("{}/sequencer-{sub}", self.tag),
            &rollup_bin(),
            &args,
        );
        serving(&format!("http://127.0.0.1:{port}")).await;
        p
    }

    pub async fn start_verifier(&self) -> Proc {
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

    pub async fn settled(&self) -> Option<u64> {
        Rollup::connect(&self.l1_url, self.rollup, PrivateKeySigner::random())
            .ok()?
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .ok()
    }

    /// Deposits `eth` (decimal) from `key`'s L1 account to its L2 account, by the CLI.
    pub fn deposit(&self, key: &str, eth: &str) -> u64 {
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

pub async fn balance_is(url: &str, who: Address, wei: u128) {
    let p = provider(url);
    eventually(&format!("{who} holds {wei} wei at {url}"), 60, || async {
        (p.get_balance(who).await.ok()? == U256::from(wei)).then_some(())
    })
    .await;
}

/// Waits for the verifier to reach L2 block `settled`, then checks it has the sequencer's
/// block there: same hash, same state root, and `who`'s balance the same at that block.
pub async fn verifier_agrees(l2: &DynProvider, verifier: &DynProvider, settled: u64, who: Address) {
    eventually("the verifier reaches the settled head", 60, || async {
        (verifier.get_block_number().await.ok()? >= settled).then_some(())
    })
    .await;
    let block = |p: &DynProvider| {
        let p = p.clone();
        async move {
            p.get_block_by_number(settled.into())
                .await
                .unwrap()
                .expect("the settled block")
        }
    };
    let (theirs, ours) = (block(l2).await, block(verifier).await);
    assert_eq!(ours.header.hash, theirs.header.hash, "same block {settled}");
    assert_eq!(ours.header.state_root, theirs.header.state_root);
    let at = BlockId::number(settled);
    assert_eq!(
        verifier.get_balance(who).block_id(at).await.unwrap(),
        l2.get_balance(who).block_id(at).await.unwrap()
    );
}

/// The withdrawal an L2 transaction's receipt records.
pub fn withdrawal_of(
    receipt: &alloy_rpc_types_eth::TransactionReceipt,
) -> nr_contracts::L2Bridge::WithdrawalInitiated {
    use alloy_sol_types::SolEvent;
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| nr_contracts::L2Bridge::WithdrawalInitiated::decode_log(&l.inner).ok())
        .expect("WithdrawalInitiated")
        .data
}
