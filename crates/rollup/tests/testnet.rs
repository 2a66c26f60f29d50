//! The one command: `nr-rollup testnet` starts the L1 devnet, the contract and the L2; the
//! bridge commands (`deposit`, `status`, `withdraw`, `claim`) move ETH there and back, bad
//! input is refused clearly; after a SIGTERM the same command resumes the same rollup.

use alloy_primitives::{Address, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::BlockId;
use alloy_signer_local::PrivateKeySigner;
use nr_contracts::NativeRollup;
use nr_rollup::l1::Rollup;
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const USER_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

/// The testnet process, killed if a failing test leaves it running.
struct Testnet(Child);
impl Drop for Testnet {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `nr-rollup testnet` on free ports; its L1 URL, L2 URL and contract, from what it prints.
fn start(datadir: &Path) -> (Testnet, String, String, Address) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nr-rollup"))
        .args([
            "testnet",
            "--l1.port",
            "0",
            "--l2.port",
            "0",
            "--verifier.port",
            "0",
            "--block-time",
            "1",
            "--datadir",
        ])
        .arg(datadir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || {
        lines
            .next()
            .expect("the testnet prints its summary")
            .unwrap()
    };
    let header = next();
    assert!(header.starts_with("native-rollup testnet"), "{header}");
    let last_word = |l: String| l.split_whitespace().last().unwrap().to_string();
    let (l1, l2) = (last_word(next()), last_word(next()));
    let _verifier = next();
    let rollup = last_word(next()).parse().unwrap();
    // Keep reading, so the process never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Testnet(child), l1, l2, rollup)
}

/// Runs `nr-rollup <args>` to completion: (success, stdout, stderr).
fn cli(args: &[&str]) -> (bool, String, String) {
    cli_as(USER_KEY, args)
}

/// [`cli`] with another key.
fn cli_as(key: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nr-rollup"))
        .args(args)
        .env("NR_PRIVATE_KEY", key)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().trim().to_string();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn stop(Testnet(child): &mut Testnet) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the testnet stops on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(child.wait().unwrap().success(), "a clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_starts_a_rollup_and_resumes_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let (mut child, l1_url, l2_url, rollup_address) = start(dir.path());
    let user_key: PrivateKeySigner = USER_KEY.parse().unwrap();
    let user = user_key.address();
    let rollup = Rollup::connect(&l1_url, rollup_address, user_key).unwrap();
    let rollup_arg = rollup_address.to_string();
    let user_arg = user.to_string();
    let deposit = [
        "deposit",
        "--l1-rpc",
        &l1_url,
        "--rollup",
        &rollup_arg,
        "--to",
        &user_arg,
    ];
    let (ok, index, err) = cli(&[&deposit[..], &["--value", "2"]].concat());
    assert!(ok, "deposit: {err}");
    assert_eq!(index, "0", "the first message");
    // Bad input: a clear error, a non-zero exit.
    let (ok, _, err) = cli(&[&deposit[..], &["--value", "two"]].concat());
    assert!(!ok && err.contains("not an amount of ETH"), "{err}");
    let (ok, _, err) = cli(&[
        "deposit",
        "--l1-rpc",
        "http://127.0.0.1:1",
        "--rollup",
        &rollup_arg,
        "--to",
        &user_arg,
        "--value",
        "1",
    ]);
    assert!(
        !ok && err.starts_with("error:") && !err.contains("panicked"),
        "{err}"
    );
    // An address that is no rollup contract: refused before anything is sent.
    let l1 = ProviderBuilder::new().connect_http(l1_url.parse().unwrap());
    let held = l1.get_balance(user).await.unwrap();
    let not_a_rollup = Address::repeat_byte(0xde).to_string();
    let mut to_nowhere = deposit;
    to_nowhere[4] = &not_a_rollup;
    let (ok, _, err) = cli(&[&to_nowhere[..], &["--value", "1"]].concat());
    assert!(!ok && err.contains("no NativeRollup there"), "{err}");
    assert_eq!(
        l1.get_balance(user).await.unwrap(),
        held,
        "nothing was sent"
    );
    // A key without the funds.
    let broke = PrivateKeySigner::random();
    let broke_key = broke.to_bytes().to_string();
    let (ok, _, err) = cli_as(&broke_key, &[&deposit[..], &["--value", "1"]].concat());
    assert!(!ok && err.contains("insufficient funds"), "{err}");
    // An L2 genesis of another chain than the contract settles.
    let other = dir.path().join("chain-902.json");
    let (ok, genesis, err) = cli(&["genesis", "--chain-id", "902"]);
    assert!(ok, "{err}");
    std::fs::write(&other, genesis).unwrap();
    let scratch = dir.path().join("wrong-chain");
    let (ok, _, err) = cli(&[
        "run",
        "--l1-rpc",
        &l1_url,
        "--rollup",
        &rollup_arg,
        "--http.port",
        "0",
        "--datadir",
        scratch.to_str().unwrap(),
        "--genesis",
        other.to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("settles L2 chain 901, this genesis is chain 902"),
        "{err}"
    );
    let l2 = ProviderBuilder::new().connect_http(l2_url.parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let two = U256::from(2_000_000_000_000_000_000u128);
    while l2.get_balance(user).await.unwrap() != two {
        assert!(Instant::now() < deadline, "the deposit reaches the L2");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let settled_before = loop {
        let s = rollup
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .unwrap();
        if s > 0 {
            break s;
        }
        assert!(Instant::now() < deadline, "a first settlement");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // Withdraw 1 ETH to a fresh L1 account, wait for its settlement, claim it; more than
    // the L2 balance is refused.
    let dest = Address::repeat_byte(0xd3).to_string();
    let (ok, _, err) = cli(&[
        "withdraw", "--l2-rpc", &l2_url, "--to", &dest, "--value", "1000",
    ]);
    assert!(!ok && err.contains("insufficient funds"), "{err}");
    assert_eq!(
        l2.get_balance(user).await.unwrap(),
        two,
        "nothing withdrawn"
    );
    let (ok, tx, err) = cli(&[
        "withdraw", "--l2-rpc", &l2_url, "--to", &dest, "--value", "1",
    ]);
    assert!(ok, "withdraw: {err}");
    let claim = [
        "claim",
        "--l1-rpc",
        &l1_url,
        "--l2-rpc",
        &l2_url,
        "--rollup",
        &rollup_arg,
        "--tx",
        &tx,
    ];
    // `nr-rollup status` with `extra`: the JSON it prints, or its error.
    let status_of = |extra: &[&str]| {
        let base = [
            "status",
            "--l1-rpc",
            &l1_url,
            "--rollup",
            &rollup_arg,
            "--l2-rpc",
            &l2_url,
        ];
        let (ok, out, err) = cli(&[&base[..], extra].concat());
        if ok {
            Ok(serde_json::from_str::<serde_json::Value>(&out).unwrap())
        } else {
            Err(err)
        }
    };
    let before = status_of(&["--withdrawal", &tx]).unwrap();
    assert!(
        ["recorded", "claimable"].contains(&before["stage"].as_str().unwrap()),
        "{before}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (ok, _, err) = cli(&claim);
        if ok {
            break;
        }
        assert!(
            err.contains("not settled yet"),
            "claim before settlement: {err}"
        );
        assert!(Instant::now() < deadline, "the withdrawal settles");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let l1 = ProviderBuilder::new().connect_http(l1_url.parse().unwrap());
    assert_eq!(
        l1.get_balance(dest.parse().unwrap()).await.unwrap(),
        U256::from(1_000_000_000_000_000_000u128)
    );
    // A message with calldata, and a transfer forced through the L1 inbox.
    let sink = Address::repeat_byte(0x5c).to_string();
    let (ok, index, err) = cli(&[
        "send-message",
        "--l1-rpc",
        &l1_url,
        "--rollup",
        &rollup_arg,
        "--to",
        &sink,
        "--value",
        "0.001",
        "--data",
        "0x1234",
        // The call creates `sink` on the L2: 183,600 of Amsterdam's state gas.
        "--gas-limit",
        "250000",
    ]);
    assert!(ok && index == "1", "send-message: {err}");
    let (ok, _, err) = cli(&[
        "force-include",
        "--l1-rpc",
        &l1_url,
        "--l2-rpc",
        &l2_url,
        "--rollup",
        &rollup_arg,
        "--to",
        &sink,
        "--value",
        "0.002",
    ]);
    assert!(ok, "force-include: {err}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let expected = U256::from(3_000_000_000_000_000u128);
    loop {
        let forced = rollup
            .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
            .await
            .unwrap();
        let sunk = l2.get_balance(sink.parse().unwrap()).await.unwrap();
        if forced == 1 && sunk == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the message claimed, the forced transfer included and resolved"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = status_of(&[]).unwrap();
    assert_eq!(status["messages"], 2);
    assert_eq!(status["messagesPending"], 0, "{status}");
    assert_eq!(status["forcedPending"], 0, "{status}");
    assert_eq!(
        (&status["withdrawals"], &status["withdrawalsUnclaimed"]),
        (&1.into(), &0.into()),
        "{status}"
    );
    let (settled, l2_head) = (
        status["settledHead"].as_u64().unwrap(),
        status["l2Head"].as_u64().unwrap(),
    );
    assert!(settled <= l2_head);
    assert_eq!(status["settlementLag"].as_u64(), Some(l2_head - settled));
    assert!(status["lastSettlement"]["gasUsed"].as_u64().unwrap() > 21_000);
    // The same over the L2's JSON-RPC, as the sequencer reads it every 2 s.
    let served: serde_json::Value = l2.raw_request("nr_rollupStatus".into(), ()).await.unwrap();
    assert_eq!(served["messages"], 2, "{served}");
    assert_eq!(served["withdrawals"], 1, "{served}");
    assert!(served["lastSettlement"]["l1Tx"].is_string(), "{served}");
    // The stages of a deposit and a withdrawal; a message that does not exist.
    let stage = |what: &str, which: &str| status_of(&[what, which]).unwrap();
    let deposit = stage("--message", "0");
    assert!(
        ["claimed", "settled"].contains(&deposit["stage"].as_str().unwrap()),
        "{deposit}"
    );
    assert_eq!(deposit["value"], "2000000000000000000");
    let withdrawal = stage("--withdrawal", &tx);
    assert_eq!(withdrawal["stage"], "claimed", "{withdrawal}");
    assert!(withdrawal["l1Tx"].is_string(), "{withdrawal}");
    let err = status_of(&["--message", "7"]).unwrap_err();
    assert!(err.contains("no message 7: the rollup has sent 2"), "{err}");
    stop(&mut child);

    // Again: the same contract, the same L2 state, and settlement goes on.
    let (mut child, l1_url, l2_url, again) = start(dir.path());
    assert_eq!(again, rollup_address, "the same rollup");
    let l2 = ProviderBuilder::new().connect_http(l2_url.parse().unwrap());
    assert!(
        l2.get_balance(user).await.unwrap() < two,
        "the withdrawal and its gas stay spent"
    );
    let rollup = Rollup::connect(&l1_url, rollup_address, USER_KEY.parse().unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = rollup
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .unwrap();
        if s > settled_before + 2 {
            break;
        }
        assert!(Instant::now() < deadline, "settlement resumes");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop(&mut child);
}
