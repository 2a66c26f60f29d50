//! End-to-end harness: real `nr-node` processes on loopback, driven by foundry's real
//! `cast` binary (`scripts/install-cast` puts it in `.tools/`; `CAST` overrides).

#![allow(dead_code)]

use alloy_primitives::{Address, B256, Bytes, U256, address, hex, keccak256};
use nr_node::ChainSpec;
use nr_stateless::{StatelessInput, validate_stateless};
use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Dev account 0 of the "test ... junk" mnemonic, and its address.
pub const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const DEV_ADDRESS: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// Dev account 1.
pub const DEV_KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
pub const RECIPIENT: Address = address!("0x000000000000000000000000000000000000bEEF");

/// A signed EIP-1559 transfer of `value` wei to [`RECIPIENT`], network-encoded.
/// EIP-8037's state gas for creating an account on Amsterdam (the dev chains' fork): 120
/// bytes at Glamsterdam's 1,530 gas a byte.
pub const NEW_ACCOUNT_STATE_GAS: u64 =
    revm::primitives::eip8037::NEW_ACCOUNT_BYTES * revm::primitives::eip8037::CPSB_GLAMSTERDAM;
/// Gas for a plain transfer that may create its recipient on Amsterdam.
pub const TRANSFER_GAS: u64 = 21_000 + NEW_ACCOUNT_STATE_GAS;

pub fn transfer(
    key: &alloy_signer_local::PrivateKeySigner,
    nonce: u64,
    value: u64,
    gas: u64,
    chain_id: u64,
    fee: u128,
) -> Vec<u8> {
    transfer_to(key, nonce, RECIPIENT, value, gas, chain_id, fee)
}

/// [`transfer`] to `to`.
pub fn transfer_to(
    key: &alloy_signer_local::PrivateKeySigner,
    nonce: u64,
    to: alloy_primitives::Address,
    value: u64,
    gas: u64,
    chain_id: u64,
    fee: u128,
) -> Vec<u8> {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_signer::SignerSync;
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: fee,
        max_priority_fee_per_gas: 1,
        to: alloy_primitives::TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

/// The `cast` binary: `$CAST`, else `.tools/` of the repository, else `cast` on PATH.
pub fn cast_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CAST") {
        return p.into();
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    if local.exists() {
        return local;
    }
    let on_path = Command::new("cast").arg("--version").output();
    assert!(
        on_path.is_ok_and(|o| o.status.success()),
        "foundry's cast is needed: run scripts/install-cast (npm @foundry-rs/cast) or set CAST"
    );
    "cast".into()
}

/// Sends one transfer on an L2 node and returns the sealed block's EXECUTE input
/// (`nr_getStatelessInput` of the head, 0x-hex).
pub fn l2_transfer_input(l2: &NodeProcess) -> String {
    l2.cast(&[
        "send",
        "--private-key",
        DEV_KEY_1,
        &RECIPIENT.to_string(),
        "--value",
        "1",
    ]);
    l2.rpc("nr_getStatelessInput", &["latest".into()])
        .as_str()
        .unwrap()
        .to_string()
}

/// A node process, killed on drop.
pub struct NodeProcess {
    pub child: Child,
    pub url: String,
    pub datadir: PathBuf,
    /// Log lines after the listening line (stderr and stdout).
    pub log: std::sync::mpsc::Receiver<String>,
}

impl NodeProcess {
    /// Starts `nr-node run --role <role> --datadir <dir> --http.port 0 <extra>` and waits
    /// for its RPC address.
    pub fn start(role: &str, datadir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nr-node"))
            .args(["run", "--role", role, "--http.port", "0", "--datadir"])
            .arg(datadir)
            .args(extra)
            .env_remove("NO_COLOR")
            // Block building says at debug level why a transaction halted.
            .env("RUST_LOG", "info,nr_node::chain=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nr-node starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("[node] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("node prints its RPC address within 60 s");
            // Logs into a pipe carry no terminal colour codes.
            assert!(
                !line.contains('\x1b'),
                "colour codes in a piped log: {line:?}"
            );
            if line.contains("JSON-RPC listening")
                && let Some(at) = line.find("addr=")
            {
                break format!(
                    "http://{}",
                    line[at + 5..].split_whitespace().next().unwrap()
                );
            }
        };
        Self {
            child,
            url,
            datadir: datadir.to_path_buf(),
            log: rx,
        }
    }

    /// Runs `cast <args>` against this node; panics with cast's stderr on failure.
    pub fn cast(&self, args: &[&str]) -> String {
        match self.try_cast(args) {
            Ok(out) => out,
            Err(e) => panic!("cast {args:?} failed: {e}"),
        }
    }

    /// Runs cast; `Err(stderr)` if it fails.
    pub fn try_cast(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(cast_path())
            .args(args)
            .env("ETH_RPC_URL", &self.url)
            .output()
            .expect("cast runs");
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap().trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A raw JSON-RPC call through `cast rpc`.
    pub fn rpc(&self, method: &str, params: &[Value]) -> Value {
        let mut args = vec!["rpc".to_string(), method.to_string()];
        args.extend(params.iter().map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        serde_json::from_str(&self.cast(&args)).expect("cast rpc prints JSON")
    }

    /// A JSON-RPC call over plain HTTP (for payloads too large for a command line, such as
    /// blob transactions): `Ok(result)` or `Err(error object)`.
    pub fn post(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut reply = self.post_body(&body.to_string());
        match reply.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(reply["result"].take()),
        }
    }

    /// POSTs a JSON-RPC body (a call or a batch) and returns the reply's JSON.
    pub fn post_body(&self, body: &str) -> Value {
        use std::io::{Read, Write};
        let host = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        json(body)
    }

    /// `cast rpc` that must fail; returns the error text.
    pub fn rpc_err(&self, method: &str, params: &[&str]) -> String {
        let mut args = vec!["rpc", method];
        args.extend(params);
        self.try_cast(&args).expect_err("the call must fail")
    }

    /// Waits up to 10 s for a log line containing every one of `words`; returns it.
    pub fn log_line(&self, words: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let line = self
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no log line with {words:?} within 10 s"));
            if words.iter().all(|w| line.contains(w)) {
                return line;
            }
        }
    }

    pub fn block_number(&self) -> u64 {
        self.cast(&["block-number"]).parse().unwrap()
    }

    /// `(hash, stateRoot)` of block `number`.
    pub fn block_ids(&self, number: u64) -> (B256, B256) {
        let block = self.rpc(
            "eth_getBlockByNumber",
            &[format!("0x{number:x}").into(), false.into()],
        );
        (
            block["hash"].as_str().unwrap().parse().unwrap(),
            block["stateRoot"].as_str().unwrap().parse().unwrap(),
        )
    }

    pub fn balance(&self, who: Address) -> U256 {
        self.cast(&["balance", &who.to_string()]).parse().unwrap()
    }

    /// Sends SIGKILL and waits.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = self.child.wait().unwrap();
        assert!(status.success(), "node exited with {status} after SIGTERM");
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Topic 0 of the test contract's event.
pub fn stored_topic() -> B256 {
    keccak256("Stored(uint256)")
}

/// A contract, assembled by hand so the tests need no compiler. Called with a 32-byte
/// word, it stores the word in slot 0 and emits `Stored(uint256)` with it as data; called
/// with no data, it returns slot 0.
///
/// ```text
/// 00 CALLDATASIZE ISZERO PUSH1 0x36 JUMPI
/// 05 PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE     ; slot0 = word
/// 0c PUSH1 0 MSTORE PUSH32 topic PUSH1 32 PUSH1 0 LOG1 STOP
/// 36 JUMPDEST PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
/// ```
pub fn store_and_log_runtime() -> Vec<u8> {
    let mut code = hex::decode("3615603657600035806000556000527f").unwrap();
    code.extend_from_slice(stored_topic().as_slice());
    code.extend(hex::decode("60206000a1005b60005460005260206000f3").unwrap());
    assert_eq!(code[0x36], 0x5b, "jump target is the JUMPDEST");
    code
}

/// Initcode that deploys [`store_and_log_runtime`]: CODECOPY it to memory and RETURN it.
pub fn store_and_log_initcode() -> Bytes {
    let runtime = store_and_log_runtime();
    let len = runtime.len() as u8;
    // PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN, then the runtime at 11.
    let mut code = vec![
        0x60, len, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    code.extend(runtime);
    code.into()
}

pub fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A JSON string value, parsed.
pub fn parse<T: std::str::FromStr>(v: &Value) -> T
where
    T::Err: std::fmt::Debug,
{
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .parse()
        .unwrap()
}

/// Field `name` of an object, parsed.
pub fn field<T: std::str::FromStr>(v: &Value, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    parse(&v[name])
}

/// A hex quantity (`"0x5208"`).
pub fn quantity(v: &Value) -> u64 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a quantity, got {v}"));
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// Every sealed L2 block's input, as served, validates statelessly and names the block the
/// node serves; `debug_executionWitness` is that input's witness.
pub fn check_stateless_inputs(node: &NodeProcess, spec: &ChainSpec) {
    let head = node.block_number();
    for number in 1..=head {
        let tag = format!("0x{number:x}");
        let bytes: Bytes = node
            .rpc("nr_getStatelessInput", &[tag.clone().into()])
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let input = StatelessInput::decode(&bytes).expect("decodes");
        let validated = validate_stateless(&input, &spec.config).expect("validates statelessly");
        let (hash, root) = node.block_ids(number);
        assert_eq!((validated.block_hash, validated.state_root), (hash, root));
        // The same input by the block's hash.
        let by_hash = node.rpc("nr_getStatelessInput", &[hash.to_string().into()]);
        assert_eq!(by_hash.as_str().unwrap().parse::<Bytes>().unwrap(), bytes);
        let witness = node.rpc("debug_executionWitness", &[tag.into()]);
        let state: Vec<Bytes> = serde_json::from_value(witness["state"].clone()).unwrap();
        assert_eq!(state.len(), input.witness.state.len());
        assert!(
            state
                .iter()
                .zip(input.witness.state.iter())
                .all(|(a, b)| a.as_ref() == &b[..])
        );
    }
}
